"""PDF writer: the article's HTML + print stylesheet → WeasyPrint 70 → a tagged PDF/UA-1 file.

WeasyPrint's tag tree needs repairs a screen reader would notice (see `tagfix.py`); they are made
right after WeasyPrint writes, before the file is moved into place.
"""
from __future__ import annotations

import io
from pathlib import Path

from .confine import ARTICLE_BASE_URL, ConfinedFetcher
from . import tagfix


def render_pdf(html: str, article_dir: Path, stylesheets: list[Path], *,
               font_config=None, cache=None) -> bytes:
    """Lay out `html` (images resolved inside `article_dir` only) and return the finished PDF."""
    import weasyprint  # slow import (~0.4 s): only paid by PDF renders

    fetcher = ConfinedFetcher(article_dir, [p.parent for p in stylesheets])
    font_config = font_config or weasyprint.text.fonts.FontConfiguration()
    css = [weasyprint.CSS(filename=str(p), url_fetcher=fetcher, font_config=font_config)
           for p in stylesheets]
    document = weasyprint.HTML(string=html, base_url=ARTICLE_BASE_URL, url_fetcher=fetcher)
    raw = io.BytesIO()
    document.write_pdf(raw, stylesheets=css, font_config=font_config, pdf_variant="pdf/ua-1",
                       cache=cache if cache is not None else {}, uncompressed_pdf=False)
    fetcher.raise_refused()
    return tagfix.fix_tags(raw.getvalue())

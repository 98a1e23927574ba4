"""Build: the I/O edge. Reads an article folder, runs the writers, writes `dist/` atomically.

Everything is checked and rendered in memory first; files are then written to a temporary name
in the target folder and renamed into place, so a failed build never leaves a partial file and
never costs the previous good one.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from pathlib import Path

from . import model as m
from .errors import RenderError
from .html import render_html
from .images import inspect_images
from .lint import lint_document
from .reader import find_source, read_article

FORMATS = ("html", "pdf", "epub")
STYLES = Path(__file__).resolve().parent.parent / "styles"


@dataclass(frozen=True)
class Options:
    """What a build may vary. `build_date` is None → the article's publication date."""
    formats: tuple[str, ...] = FORMATS
    strict: bool = False
    build_date: datetime | None = None
    styles: Path = STYLES


@dataclass
class Result:
    article: Path
    outputs: list[Path] = field(default_factory=list)
    warnings: list = field(default_factory=list)


def find_articles(paths) -> list[Path]:
    """Article folders named directly, or the article folders inside a collection folder."""
    articles = []
    for path in map(Path, paths):
        if path.is_dir() and not any((path / n).is_file() for n in ("article.md", "index.md")):
            articles += sorted(p for p in path.iterdir()
                               if p.is_dir() and any((p / n).is_file()
                                                     for n in ("article.md", "index.md")))
        else:
            articles.append(path)
    return articles


def build_article(article: Path, out_dir: Path, options: Options = Options()) -> Result:
    """Render one article into `out_dir/<slug>/`; raise RenderError before writing on bad input."""
    source = find_source(article)
    article_dir = source.parent
    doc = read_article(source)
    findings = list(doc.findings) + lint_document(doc)
    errors = [f for f in findings if f.severity == "error" or (options.strict and f.severity == "warning")]
    if errors:
        first = errors[0]
        raise RenderError(first.path, first.line, first.message)
    sizes = inspect_images(doc, article_dir)
    build_date = options.build_date or datetime.combine(doc.metadata.published, time(0), timezone.utc)
    slug = article_dir.name
    files: dict[str, bytes] = {}
    html = render_html(doc, css=_css("base.css", "screen.css", styles=options.styles),
                       image_sizes=sizes)
    if "html" in options.formats:
        files[f"{slug}.html"] = html.encode("utf-8")
        for figure in doc.figures:
            files[figure.src] = (article_dir / figure.src).read_bytes()
    if "pdf" in options.formats:
        from .pdf import render_pdf
        files[f"{slug}.pdf"] = render_pdf(
            render_html(doc, image_sizes=sizes, skip_link=False), article_dir,
            [options.styles / "base.css", options.styles / "print.css"])
    if "epub" in options.formats:
        from .epub import render_epub
        files[f"{slug}.epub"] = render_epub(
            doc, {f.src: (article_dir / f.src).read_bytes() for f in doc.figures},
            {name: (options.styles / name).read_bytes() for name in ("base.css", "epub.css")},
            build_date, sizes)
    target = Path(out_dir) / slug
    remove_stale_temporaries(target)
    result = Result(article_dir, warnings=[f for f in findings if f not in errors])
    for name, data in files.items():
        result.outputs.append(write_atomically(target / name, data))
    return result


def write_atomically(path: Path, data: bytes) -> Path:
    """Write to a temporary file beside `path`, then rename: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def remove_stale_temporaries(folder: Path):
    """Temporary files a killed build left behind (never the finished outputs)."""
    if folder.is_dir():
        for stale in list(folder.rglob(".*.part")):
            stale.unlink(missing_ok=True)


def _css(*names: str, styles: Path) -> str:
    return "\n".join((styles / name).read_text(encoding="utf-8") for name in names)


def clean(out_dir: Path):
    if Path(out_dir).exists():
        shutil.rmtree(out_dir)

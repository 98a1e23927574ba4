"""PDF writer: the article's HTML + print stylesheet → WeasyPrint 70 → a tagged PDF/UA-1 file.

WeasyPrint lays the pages out; we read that layout (which elements run over each page break)
and hand it to `passes`, which repairs the tag tree before the bytes leave this module.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
from datetime import datetime, timezone
from pathlib import Path

from . import unicode, xmp
from .passes import repair_tags
from .tree import save
from ..confine import ARTICLE_BASE_URL, ConfinedFetcher, check_imports
from ..files import confined_file
from ..lang import normalised
from ..provenance import Provenance
from .layout import Layout, read_layout  # noqa: F401 (Layout: part of the public API)

# PDF/A-3a tags the document as PDF/UA-1 asks; xmp.finish adds the PDF/UA identification.
PDF_OPTIONS = {"pdf_variant": "pdf/a-3a", "uncompressed_pdf": False}

def render_pdf(html: str, article_dir: Path, stylesheets: list[Path], *, images=None,
               provenance: Provenance | None = None, source: bytes | None = None,
               font_config=None) -> bytes:
    """Lay out `html` (files resolved inside `article_dir` and the style folders only;
    `images` maps figure paths to prepared copies served in their place). With `provenance`
    the file is PDF/A-3a + PDF/UA-1 with those facts in its XMP; `source` (the article's
    Markdown) is embedded as its associated source file."""
    return render_pdf_with_layout(html, article_dir, stylesheets, images=images,
                                  provenance=provenance, source=source,
                                  font_config=font_config)[0]


def render_pdf_with_layout(html, article_dir, stylesheets, *, images=None, provenance=None,
                           source=None, font_config=None,
                           write: bool = True) -> tuple[bytes | None, Layout]:
    """The PDF and its layout; with `write=False` only the layout (for page-break markers)."""
    import weasyprint  # slow import (~0.4 s): only paid by PDF renders

    stylesheets = [confined_file(Path(p).parent, Path(p).name) for p in stylesheets]
    fetcher = ConfinedFetcher(article_dir, [Path(p).parent for p in stylesheets], images)
    font_config = font_config or weasyprint.text.fonts.FontConfiguration()
    css = _parsed_stylesheets(stylesheets, font_config)
    # A new image cache per article: WeasyPrint keys it by URL, and every article has the same
    # base URL, so a cache kept across articles serves the first article's photos to the next.
    options = dict(PDF_OPTIONS, stylesheets=css, cache={},
                   pdf_identifier=_identifier(html, stylesheets))
    page = weasyprint.HTML(string=html, base_url=ARTICLE_BASE_URL, url_fetcher=fetcher)
    with fetcher.reporting():
        document = page.render(font_config=font_config, **options)
    layout = read_layout(document)
    if not write:
        return None, layout
    raw = io.BytesIO()
    attachments = [_source_attachment(source, provenance)] if source is not None else []
    with _MissingGlyphs() as missing, unicode.recording(document) as laid_out:
        document.write_pdf(raw, attachments=attachments, **options)  # finds missing glyphs
    layout.missing_glyphs = sorted(set(missing.characters))
    del document, page  # the laid-out boxes (hundreds of MB for a long table) are done with
    pdf = repair_tags(raw.getvalue(), layout.continued, language_passages(html), laid_out)
    if provenance is not None:
        xmp.finish(pdf, provenance)
    return _no_cr_before_endstream(save(pdf)), layout


# Parsed print style sheets, kept while their font configuration lives (a warm worker's):
# parsing and checking them took about a tenth of an article's PDF stage.
_STYLESHEETS: dict = {}


def _parsed_stylesheets(stylesheets: list[Path], font_config) -> list:
    """WeasyPrint's parsed sheets for these files, checked (`check_imports`) before WeasyPrint
    sees them. Reused while every style sheet under their folders has the same bytes and the
    font configuration (where @font-face rules are registered) is the same one; parsed with a
    fetcher that reaches only the style folders, as a sheet's URLs resolve against its own."""
    import weasyprint

    folders = sorted({Path(p).parent for p in stylesheets})
    files = sorted({*stylesheets, *(f for d in folders for f in d.rglob("*.css"))})
    key = (id(font_config), tuple(stylesheets),
           tuple((str(f), hashlib.sha256(f.read_bytes()).digest()) for f in files if f.is_file()))
    if key in _STYLESHEETS:  # the entry holds font_config, so no other object has its id
        return _STYLESHEETS[key][1]
    check_imports(stylesheets, folders)  # before WeasyPrint follows an @import
    fetcher = ConfinedFetcher(folders[0], folders)
    with fetcher.reporting():
        css = [weasyprint.CSS(filename=str(p), url_fetcher=fetcher, font_config=font_config)
               for p in stylesheets]
    _STYLESHEETS.clear()  # one set at a time: a worker renders with one set of styles
    _STYLESHEETS[key] = (font_config, css)
    return css


def _no_cr_before_endstream(data: bytes) -> bytes:
    """The same PDF with no text or font stream whose compressed data ends in CR.

    qpdf writes LF before `endstream`; when a stream's data ends in CR, the file holds CR LF
    there, which page-validation's PDF/A profile takes for the end-of-line marker, so it finds
    /Length one byte too long (PDFA3A-STREAM-LENGTH-001). Flate data ends with the Adler-32 of
    what it holds, so about one stream in 256 does, at any compression level (a font subset,
    a page's content). One byte that changes nothing for a reader (a space after the last
    content operator or after a font's tables) changes the checksum.
    """
    import zlib

    import pikepdf

    if b"\r\nendstream" not in data:
        return data
    pdf = pikepdf.open(io.BytesIO(data))
    for stream in pdf.objects:
        if not isinstance(stream, pikepdf.Stream) or not stream.read_raw_bytes().endswith(b"\r") \
                or stream.get("/Filter") != pikepdf.Name.FlateDecode or "/DecodeParms" in stream:
            continue
        font = "/Length1" in stream or stream.get("/Subtype") in ("/CIDFontType0C", "/OpenType", "/Type1C")
        if not font and ("/Type" in stream or "/Subtype" in stream or "/N" in stream):
            continue  # an image, an ICC profile, an embedded file: its bytes are kept exactly
        plain = stream.read_bytes()
        packed = zlib.compress(plain)
        while packed.endswith(b"\r"):  # the checksum's last byte is the sum of the bytes
            plain += b" "
            packed = zlib.compress(plain)
        stream.write(packed, filter=pikepdf.Name.FlateDecode)
        if "/Length1" in stream:
            stream.Length1 = len(plain)
    data = save(pdf)
    # The cross-reference stream qpdf writes can end in CR too (its data are the objects'
    # offsets): a space after the first page's last content operator moves every offset after
    # it, and so changes that stream's bytes.
    for _ in range(8):  # each try changes the bytes again: one in 256 ends in CR
        if b"\r\nendstream" not in data:
            return data
        page = pdf.pages[0]
        page.contents_coalesce()
        page.obj.Contents.write(page.obj.Contents.read_bytes() + b" ")
        data = save(pdf)
    return data


class _MissingGlyphs(logging.Handler):
    """Collects the characters WeasyPrint had to draw as .notdef (no font has them)."""

    def __enter__(self):
        super().__init__(logging.WARNING)
        self.characters: list[str] = []
        logging.getLogger("weasyprint").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("weasyprint").removeHandler(self)

    def emit(self, record):
        message = record.getMessage()
        if ".notdef glyph" in message:
            self.characters += re.findall(r"\(U\+([0-9A-F]+)\)", message)


def _source_attachment(source: bytes, provenance):
    """The article's Markdown, embedded with AFRelationship /Source and fixed dates."""
    from weasyprint import Attachment

    when = provenance.rendered if provenance else datetime(1980, 1, 1, tzinfo=timezone.utc)
    return Attachment(string=source.decode("utf-8"), name="article.md", relationship="Source",
                      description="The article source (Markdown with YAML front matter) this "
                                  "PDF was rendered from", created=when, modified=when)


def _identifier(html: str, stylesheets) -> bytes:
    """The PDF /ID, from what is rendered: WeasyPrint's own is an MD5 of its output, whose object
    order varies between runs; qpdf then keeps that variation in the final /ID."""
    digest = hashlib.sha256(html.encode("utf-8"))
    for path in stylesheets:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:32].encode("ascii")


def language_passages(html: str) -> list[tuple[str, str]]:
    """(text, lang) of every passage the page marks with a language other than its own, in
    order: spans and paragraphs from the article, and the renderer's own English words in
    an article in another language. Containers pass their language on to their blocks."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(html)
    page_lang = root.get("lang", "")
    out: list[tuple[str, str]] = []

    def visit(element, inherited):
        lang = element.get("lang") or inherited
        lang = "" if lang == page_lang else lang
        if element.tag in _CONTAINERS or not lang:
            for child in element:
                if isinstance(child.tag, str):
                    visit(child, lang)
            return
        out.append((normalised(element.text_content()), lang))

    visit(root.find("body"), "")
    return out


_CONTAINERS = {"body", "header", "main", "footer", "div", "section", "article", "figure",
               "figcaption", "details", "blockquote", "ul", "ol", "table", "thead", "tbody", "tr"}

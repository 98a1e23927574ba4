"""EPUB writer: model + the same XHTML body → an EPUB 3 that meets EPUB Accessibility 1.1.

ebooklib 0.20 is used for packaging; its known traps (../shared/notes/epub.md) are handled here:
a stable identifier, fixed zip times and `dcterms:modified`, `xml:lang` on <package>, an NCX
item, no automatic page-list, and our own nav document so nothing is re-serialised.
"""
from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from ebooklib import epub
from markupsafe import Markup

from . import NAME, __version__
from . import model as m
from .html import image_url, insert_page_markers, render_template, render_xhtml
from .l10n import localizer
from .media import media_type
from .provenance import statement

CHAPTER = "article.xhtml"
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# What Media Overlays add to the reading modes (the narrated edition, README "Listening editions")
NARRATED_ROWS = [("schema:accessMode", "auditory", {}),
                 ("schema:accessModeSufficient", "auditory", {}),
                 ("schema:accessModeSufficient", "textual", {}),
                 ("schema:accessibilityFeature", "synchronizedAudioText", {})]


def render_epub(doc: m.Document, images: dict[str, bytes], stylesheets: dict[str, bytes],
                build_date: datetime, image_sizes: dict | None = None, provenance=None,
                page_starts=None, page_source: str = "", narration=None) -> bytes:
    """Package the article; `images` maps each figure's src to its bytes (nothing else is read).

    `narration` (a renderer.narration.Narrator) makes the narrated edition: it is given the
    XHTML and returns it with sentence ids, its overlay and audio files and their metadata."""
    meta = doc.metadata
    t = localizer(meta.language)
    book = epub.EpubBook()
    book.set_identifier(meta.identifier)
    book.set_title(meta.title)
    book.set_language(meta.language)
    if t.direction == "rtl":  # pages turn right to left; <package dir> for the metadata's text
        book.set_direction("rtl")
    if meta.author:
        book.add_author(meta.author)
    for name, value in (("publisher", meta.publisher), ("date", meta.published.isoformat()),
                        ("rights", meta.rights), ("description", meta.description),
                        ("source", meta.source)):
        if value:
            book.add_metadata("DC", name, value)
    pages = bool(page_starts)
    metadata = accessibility_metadata(doc, build_date, pages, narrated=narration is not None)
    if pages and page_source:
        book.add_metadata(None, "meta", page_source, {"property": "pageBreakSource"})
    if provenance is not None:  # the provenance statement is English, whatever the article's
        book.add_metadata(None, "meta", statement(provenance), {"property": "dcterms:provenance",
                                                               **({} if t.english else {XML_LANG: "en"})})
        book.add_metadata(None, "meta", provenance.rendered.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          {"property": "dcterms:created"})

    style_names = [f"styles/{name}" for name in stylesheets]
    for name, data in stylesheets.items():
        book.add_item(epub.EpubItem(uid=f"style-{Path(name).stem}", file_name=f"styles/{name}",
                                    media_type="text/css", content=data))
    names = epub_image_names(dict.fromkeys(f.src for f in doc.figures if f.src))
    xhtml = render_xhtml(doc, style_names, image_sizes, provenance, names)
    if pages:
        xhtml = insert_page_markers(xhtml, page_starts, xhtml=True)
    overlay = narration(xhtml, CHAPTER) if narration is not None else None
    if overlay is not None:
        xhtml = overlay.xhtml
        metadata += overlay.metadata
        for uid, name, kind, data in overlay.items:
            book.add_item(epub.EpubItem(uid=uid, file_name=name, media_type=kind, content=data))
    for prop, value, attrs in metadata:
        book.add_metadata(None, "meta", value, {"property": prop, **attrs})
    chapter = epub.EpubItem(uid="article", file_name=CHAPTER, media_type="application/xhtml+xml",
                            content=xhtml.encode("utf-8"))
    if overlay is not None:
        chapter.media_overlay = overlay.overlay_id  # ebooklib writes it as media-overlay
    book.add_item(chapter)
    for number, src in enumerate(names, 1):  # each file once, however many figures show it
        book.add_item(epub.EpubItem(uid=f"image-{number}", file_name=names[src],
                                    media_type=media_type(src), content=images[src]))
    nav = epub.EpubItem(uid="nav", file_name="nav.xhtml", media_type="application/xhtml+xml",
                        content=_nav(doc, len(page_starts or ())).encode("utf-8"))
    nav.properties = ["nav"]
    book.add_item(nav)
    book.add_item(epub.EpubNcx())  # ebooklib always writes <spine toc="ncx">
    book.toc = [epub.Link(CHAPTER, meta.title, "article")] + [
        epub.Link(f"{CHAPTER}#{h.id}", _nav_label(h.children, t), h.id)
        for h in doc.blocks if isinstance(h, m.Heading) and h.level == 2]
    book.spine = [chapter, (nav, "no")]  # the landmarks link to the nav: it must be in the spine

    out = io.BytesIO()
    writer = _ReproducibleWriter(out, book, meta.language, build_date,
                                 {"epub3_pages": False, "epub3_landmark": False,
                                  "epub2_guide": False, "mtime": build_date,
                                  "package_direction": True})
    writer.process()
    writer.write()
    return out.getvalue()


def accessibility_metadata(doc: m.Document, build_date: datetime, pages: bool = False,
                           narrated: bool = False):
    """EPUB Accessibility 1.1 metadata, derived from what the article actually contains.

    A figure whose image was not preserved is text (its alt shown as text), not visual content:
    it neither makes the book visual nor needs the alternativeText feature."""
    informative = [f for f in doc.figures if not f.decorative]
    images = [f for f in informative if f.preserved]
    all_alt = all(f.alt for f in informative)
    features = ["structuralNavigation", "tableOfContents", "readingOrder",
                "displayTransformability"]
    if images and all(f.alt for f in images):
        features.append("alternativeText")
    if any(f.description for f in images):
        features.append("longDescription")
    if pages:
        features += ["pageBreakMarkers", "pageNavigation"]
    rows = [("schema:accessMode", "textual", {})]
    if images:
        rows.append(("schema:accessMode", "visual", {}))
    if all_alt:
        rows.append(("schema:accessModeSufficient", "textual", {}))
    if images:
        rows.append(("schema:accessModeSufficient", "textual,visual", {}))
    rows += [("schema:accessibilityFeature", f, {}) for f in features]
    rows.append(("schema:accessibilityHazard", "none", {}))
    rows.append(("schema:accessibilitySummary", accessibility_summary(doc, pages, narrated), {}))
    if narrated:  # read aloud in full, each sentence highlighted as it is spoken
        rows += [row for row in NARRATED_ROWS if row not in rows]
    rows.append(("dcterms:conformsTo", CONFORMS_TO, {}))
    certifier = localizer(doc.metadata.language).gettext("%(renderer)s automated checks")
    rows.append(("a11y:certifiedBy", certifier % {"renderer": f"{NAME} {__version__}"},
                 {"id": "certifier"}))
    rows.append(("dcterms:date", build_date.strftime("%Y-%m-%d"), {"refines": "#certifier"}))
    return rows


def accessibility_summary(doc: m.Document, pages: bool = False, narrated: bool = False) -> str:
    """Plain words on what a reader gets and what they do not: written from the content, in
    the article's language (each sentence one message of the catalogs, counted by ngettext).
    The narrated edition says that it reads aloud: the summary is what a reader is shown when
    choosing between the two EPUBs in a library's app."""
    t = localizer(doc.metadata.language)
    informative = [f for f in doc.figures if not f.decorative and f.preserved]
    lost = [f for f in doc.figures if not f.decorative and not f.preserved]
    decorative = sum(1 for f in doc.figures if f.decorative and f.preserved)
    parts = [t.gettext("This EPUB is one article with a table of contents, headings in order and "
                       "a reading order that follows the original.")]
    if informative:
        n = len(informative)
        captioned = sum(1 for f in informative if f.has_caption)
        values = {"count": _count(t, n), "captioned": t.number(captioned)}
        if captioned == n and lost:
            text = t.ngettext(
                "It has %(count)s preserved photo; each has a text alternative and a visible "
                "caption with title, credit and identifier where the source gave them.",
                "It has %(count)s preserved photos; each has a text alternative and a visible "
                "caption with title, credit and identifier where the source gave them.", n)
        elif captioned == n:
            text = t.ngettext(
                "It has %(count)s photo; each has a text alternative and a visible caption "
                "with title, credit and identifier where the source gave them.",
                "It has %(count)s photos; each has a text alternative and a visible caption "
                "with title, credit and identifier where the source gave them.", n)
        elif lost:
            text = t.ngettext(
                "It has %(count)s preserved photo; each has a text alternative, and "
                "%(captioned)s of them have a visible caption.",
                "It has %(count)s preserved photos; each has a text alternative, and "
                "%(captioned)s of them have a visible caption.", n)
        else:
            text = t.ngettext(
                "It has %(count)s photo; each has a text alternative, and %(captioned)s of "
                "them have a visible caption.",
                "It has %(count)s photos; each has a text alternative, and %(captioned)s of "
                "them have a visible caption.", n)
        parts.append(text % values)
        described = sum(1 for f in informative if f.description)
        if described:
            parts.append(t.ngettext("%(count)s photo also has an extended description.",
                                    "%(count)s photos also have an extended description.",
                                    described) % {"count": _count(t, described, capital=True)})
    else:
        parts.append(t.gettext("It has no informative images."))
    if lost:
        parts.append(t.ngettext(
            "%(count)s photo was not preserved in the archive; its text alternative is shown "
            "as text in a labelled frame.",
            "%(count)s photos were not preserved in the archive; their text alternatives are "
            "shown as text in a labelled frame.", len(lost))
            % {"count": _count(t, len(lost), capital=True)})
    if decorative:
        parts.append(t.ngettext(
            "%(count)s decorative image carries no information and is hidden from assistive "
            "technology.",
            "%(count)s decorative images carry no information and are hidden from assistive "
            "technology.", decorative) % {"count": _count(t, decorative, capital=True)})
    if pages:
        parts.append(t.gettext("Page break markers and a page list give the page numbers of the "
                               "PDF edition, so a citation to a page works in both."))
    if narrated:
        parts.append(t.gettext("Every sentence is also read aloud by a synthetic voice and "
                               "highlighted as it is spoken."))
    parts.append(t.gettext("No content relies on colour, sound or motion."))
    if informative:
        parts.append(t.gettext("What the photos show beyond their text alternatives and captions "
                               "cannot be perceived without sight."))
    # Translators: follows each sentence of the EPUB's accessibility summary: a space in most
    # languages, nothing after "。".
    follows = t.pgettext("punctuation", "%(sentence)s ")
    return "".join(follows % {"sentence": part} for part in parts).rstrip()


def _count(t, n: int, capital: bool = False) -> str:
    """A count as the summary says it: English words up to six ("two photos"), digits in
    the article's locale elsewhere."""
    if t.english and n in _WORDS:
        return _WORDS[n].capitalize() if capital else _WORDS[n]
    return t.number(n)


_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _nav(doc: m.Document, pages: int) -> str:
    t = localizer(doc.metadata.language)
    direction = t.direction
    return render_template("nav.xhtml", meta=doc.metadata, chapter=CHAPTER, l10n=t,
                           outline=_outline(doc.blocks),
                           plain_text=lambda children: _nav_label(children, t),
                           page_list=range(1, pages + 1),
                           dir_attr=Markup(f' dir="{direction}"') if direction else "")


def _nav_label(children, t) -> str:
    """A nav entry's text: EPUBCheck refuses an empty link, so an empty heading gets one."""
    return m.plain_text(children).strip() or t.gettext("Untitled section")


def _outline(blocks):
    """Headings as a tree: [(heading, [(subheading, …), …]), …], for the nav's nested lists."""
    root: list = []
    stack = [(1, root)]
    for block in blocks:
        if isinstance(block, m.Heading):
            while stack[-1][0] >= block.level:
                stack.pop()
            children: list = []
            stack[-1][1].append((block, children))
            stack.append((block.level, children))
    return root


def epub_image_names(srcs) -> dict[str, str]:
    """The name of each image inside the EPUB: its own path, unless that holds a space (which
    EPUBCheck warns about, PKG-010: older reading systems) or is the same as another's after
    Unicode normalisation and case folding (OPF-060); then the path with '-' for spaces and a
    number to make it unique. Characters OCF forbids never get here (images.image_file)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for src in srcs:  # first, every path that can stay as it is
        if " " not in src and _folded(src) not in taken:
            names[src] = src
            taken.add(_folded(src))
    for src in srcs:
        if src not in names:
            path = PurePosixPath(src.replace(" ", "-"))
            name, number = str(path), 1
            while _folded(name) in taken:
                number += 1
                name = str(path.with_name(f"{path.stem}-{number}{path.suffix}"))
            names[src] = name
            taken.add(_folded(name))
    return {src: names[src] for src in srcs}


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


class _FixedTimeZip(zipfile.ZipFile):
    """Zip entries with one fixed time, so the same book gives the same bytes."""

    def __init__(self, file, date_time, **kwargs):
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, **kwargs)
        self.fixed_time = date_time

    def writestr(self, name, data, compress_type=None, compresslevel=None):
        if isinstance(name, str):
            stored = name.lower().endswith((".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp3"))
            name = zipfile.ZipInfo(name, self.fixed_time)
            name.compress_type = compress_type if compress_type is not None else \
                zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED  # images: compressed already
            name.external_attr = 0o644 << 16
        super().writestr(name, data, compress_type=compress_type, compresslevel=compresslevel)


class _ReproducibleWriter(epub.EpubWriter):
    """ebooklib's writer with fixed zip times and `xml:lang` on <package>."""

    def __init__(self, target, book, language: str, build_date: datetime, options):
        super().__init__(target, book, options)
        self.language = language
        utc = build_date.astimezone(timezone.utc) if build_date.tzinfo else build_date
        self.zip_time = max(utc.timetuple()[:6], (1980, 1, 1, 0, 0, 0))

    def write(self):
        self.out = _FixedTimeZip(self.file_name, self.zip_time,
                                 compresslevel=self.options["compresslevel"])
        self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write_container()
        self._write_opf()
        self._write_items()
        self.out.close()

    def _write_opf_file(self, root):
        root.set(XML_LANG, self.language)
        for item in root.find("manifest").iter("item"):  # ebooklib writes file names as hrefs
            item.set("href", image_url(item.get("href")))
        super()._write_opf_file(root)

"""HTML writer: model → one standalone, screen-reader-friendly HTML5 page (and the EPUB's XHTML).

Both pages share `templates/body.html` and the block macros, so the PDF (made from the HTML) and
the EPUB say exactly the same thing.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from . import NAME, __version__
from . import model as m
from .l10n import PUNCTUATION, Localizer, localizer, page_footer_css
from .lang import cjk_face, direction_of
from .provenance import statement

TEMPLATES = Path(__file__).parent / "templates"


def render_html(doc: m.Document, css: str = "", image_sizes: dict | None = None,
                skip_link: bool = True, provenance=None) -> str:
    """The standalone page: `lang`, landmarks, skip link, Dublin Core, CSS inlined, images linked."""
    return _environment().get_template("page.html").render(
        **_context(doc, image_sizes, provenance), css=Markup(css), skip_link=skip_link)


def render_xhtml(doc: m.Document, stylesheets=(), image_sizes: dict | None = None,
                 provenance=None, image_names: dict | None = None) -> str:
    """The same body as an EPUB 3 XHTML content document; `image_names` maps a figure's src
    to the image's name inside the EPUB where the two differ."""
    return _environment().get_template("chapter.xhtml").render(
        **_context(doc, image_sizes, provenance, image_names), stylesheets=stylesheets,
        skip_link=False)


def render_template(name: str, **context) -> str:
    """Render another template of this package (the EPUB nav document, the catalog)."""
    return _environment().get_template(name).render(**context)


def page_css(doc: m.Document) -> str:
    """CSS the print page (the PDF's HTML) carries itself: the footer in the article's words,
    and for Chinese, Japanese and Korean the running head's and footer's CJK face (margin
    boxes belong to no element, so base.css's :lang() rules do not reach them)."""
    css = page_footer_css(localizer(doc.metadata.language))
    face = cjk_face(doc.metadata.language)
    if face:
        font = f'font-family: "DejaVu Sans", "Noto Sans CJK {face}", sans-serif;'
        css += f" @page {{ @top-center {{ {font} }} @bottom-center {{ {font} }} }}"
    return css


def published_text(doc: m.Document) -> str:
    """'January 3, 2020', '1 mars 2022', '1 مارس 2022': the article's locale (Babel, long)."""
    return localizer(doc.metadata.language).date(doc.metadata.published)


def captured_text(meta: m.Metadata) -> str:
    """'January 3, 2020, 14:05:09 UTC', '3 janvier 2020, 14:05:09 UTC': the article's locale."""
    return localizer(meta.language).datetime(meta.captured) if meta.captured else ""


def capture_record(meta: m.Metadata) -> str:
    """'urn:uuid:… (crawl.warc.gz, offset 1234)', with what the article gives."""
    t = localizer(meta.language)
    where = meta.capture_file
    if meta.capture_file and meta.capture_offset is not None:
        # Translators: where a capture's record is: an archive file's name and the byte offset.
        where = t.gettext("%(file)s, offset %(offset)s") % {
            "file": meta.capture_file, "offset": meta.capture_offset}
    if meta.capture_id:
        return f"{meta.capture_id} ({where})" if where else meta.capture_id
    return where


def image_url(path: str) -> str:
    """A relative file path as a URL path: every character but letters, digits, `/` and
    `-._~` percent-encoded (UTF-8), so a space, `#`, `?` or `%` in a file name stays part of
    the name. The PDF's fetcher (confine.py) decodes it back."""
    return quote(path, safe="/")


def _context(doc: m.Document, image_sizes, provenance=None, image_names=None):
    sizes = image_sizes or {}
    names = image_names or {}
    notices = (block for block in m.walk(doc.blocks) if isinstance(block, m.Notice))
    notice_ids = {id(block): f"notice-{n}" for n, block in enumerate(notices, 1)}
    direction = direction_of(doc.metadata.language)
    t = localizer(doc.metadata.language)
    return dict(size_attrs=lambda f: _size_attrs(sizes.get(f.src)),
                image_src=lambda f: image_url(names.get(f.src, f.src)),
                notice_id=lambda node: notice_ids[id(node)],
                doc=doc, meta=doc.metadata, published_text=published_text(doc),
                captured_text=captured_text(doc.metadata), capture_record=capture_record(doc.metadata),
                dir_attr=Markup(f' dir="{direction}"') if direction else "", l10n=t,
                # The reason a figure was not preserved is written in English (as `renderer
                # import` writes it): say so in an article in another language.
                reason_lang=Markup("") if t.english else _lang_attrs("en", "ltr" if direction else ""),
                renderer_name=NAME, renderer_version=__version__,
                rendered=provenance.rendered.strftime("%Y-%m-%d") if provenance else "",
                rendered_text=t.date(provenance.rendered.date()) if provenance else "",
                provenance_statement=statement(provenance) if provenance else "")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, .xhtml included
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # `_()`, `{% trans %}` (newstyle: variables escaped) look the words up for the template's
    # `l10n`, the article's (or the catalog's) Localizer.
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext)
    env.globals.update(kind=lambda node: type(node).__name__, lang_attrs=_lang_attrs,
                       isolate_rtl=isolate_rtl, attach_spaces=attach_spaces,
                       align_attr=_align_attr, label=_label, ltr=_ltr)
    return env


# The template side of the catalogs: a word that falls back to English in an article in
# another language is an island, `<span lang="en">`, so a screen reader switches voice for it
# alone (in an attribute, where no island can be, templates take `|striptags`).
def _island(t: Localizer, text: str, message: str, context: str = "") -> Markup:
    """A word in the article's language, its right-to-left runs isolated as the article's
    own text is (see isolate_rtl); or, fallen back to English, an island."""
    if context == PUNCTUATION:  # a separator: its neighbours set its direction
        return Markup(escape(text))
    if t.translated(message, context):
        return isolate_rtl(text)
    return Markup("<span{}>{}</span>").format(_lang_attrs("en", "ltr" if t.direction else ""), text)


def _l10n(context) -> Localizer:
    """The template's Localizer (English when a template is rendered without one)."""
    return context.get("l10n") or localizer("en")


@jinja2.pass_context
def _gettext(context, message: str) -> Markup:
    t = _l10n(context)
    return _island(t, t.gettext(message), message)


@jinja2.pass_context
def _ngettext(context, singular: str, plural: str, n: int) -> Markup:
    t = _l10n(context)
    return _island(t, t.ngettext(singular, plural, n), singular)


@jinja2.pass_context
def _pgettext(context, msgctxt: str, message: str) -> Markup:
    t = _l10n(context)
    return _island(t, t.pgettext(msgctxt, message), message, msgctxt)


@jinja2.pass_context
def _label(context, text) -> Markup:
    """`Publisher: `, with the article's punctuation (`Éditeur : `, `出版者：`)."""
    return Markup(escape(_l10n(context).label("%(label)s"))) % {"label": text}


@jinja2.pass_context
def _ltr(context, value) -> Markup:
    """A value written left to right (a URL, a hash, an identifier), isolated as such inside
    right-to-left text so the bidi algorithm cannot reorder its parts; as is elsewhere."""
    if _l10n(context).direction == "rtl":
        return Markup('<span dir="ltr">{}</span>').format(value)
    return Markup(escape(value))


_RTL = "\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFC"  # right-to-left letters, Arabic digits
_RTL_RUN = re.compile(
    f"[{_RTL}]"                                            # a right-to-left letter or digit …
    f"(?:[^A-Za-z\u00C0-\u024F\u0370-\u052F]*[{_RTL}])?")  # … to the last one before LTR letters


def attach_spaces(nodes):
    """Move a space that stands alone between two inline elements into the first of them.

    WeasyPrint paints no glyph for a text box that is only a space, so the PDF's text would
    read "a b" as "ab"; inside the element the space is painted and read.
    """
    out = []
    for node in nodes:
        if isinstance(node, m.Text) and not node.text.strip() and out \
                and isinstance(out[-1], (m.Emphasis, m.Strong, m.Link, m.Span, m.Quotation)):
            out[-1] = replace(out[-1], children=tuple(out[-1].children) + (m.Text(" "),))
        else:
            out.append(node)
    return out


def isolate_rtl(text: str) -> Markup:
    """Escape `text` (line breaks of the source become spaces), wrapping each right-to-left
    run in `<span dir="rtl">`.

    Isolating the run fixes its direction in every output, so numbers next to it cannot be
    pulled into it by the bidi algorithm, and the PDF's text can be put back in reading order
    without guessing (see pdf.text.logical_order).
    """
    text = re.sub(r"[ \t]*\n[ \t]*", " ", text)
    out, position = [], 0
    for match in _RTL_RUN.finditer(text):
        out.append(escape(text[position:match.start()]))
        out.append(Markup('<span dir="rtl">') + escape(match.group(0)) + Markup("</span>"))
        position = match.end()
    out.append(escape(text[position:]))
    return Markup("").join(out)


def _lang_attrs(lang: str, direction: str = "") -> Markup:
    """`lang` and `xml:lang` both, so the same markup is right in HTML and in EPUB XHTML."""
    if not lang:
        return Markup("")
    out = f' lang="{escape(lang)}" xml:lang="{escape(lang)}"'
    if direction:
        out += f' dir="{escape(direction)}"'
    return Markup(out)


def _align_attr(cell: m.TableCell) -> Markup:
    return Markup(f' class="align-{cell.align}"') if cell.align else Markup("")


def _size_attrs(size) -> Markup:
    return Markup(f' width="{size[0]}" height="{size[1]}"') if size else Markup("")


# ---------------------------------------------------------------- print page equivalence
XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
_INSIDE = {"li", "td", "th", "caption", "summary", "dt", "dd"}  # no <span> may precede these


def insert_page_markers(markup: str, starts, xhtml: bool = False) -> str:
    """Mark where each PDF page begins: `<span role="doc-pagebreak" id="page-N">`.

    `starts[n]` is (index of a block among <body>'s descendants, words of it on earlier pages),
    from pdf.read_layout; the page and the EPUB share the body, so the indices hold for both
    (the page's skip link aside). A marker goes before a block that starts the page, or
    inside it after the words printed on earlier pages.
    """
    from lxml import etree, html as lxml_html

    if xhtml:
        root = etree.fromstring(markup.encode("utf-8"))
        body = root.find(f"{{{XHTML_NS}}}body")
    else:
        root = lxml_html.document_fromstring(markup)
        body = root.find("body")
    elements = [e for e in body.iter() if isinstance(e.tag, str) and e.get("class") != "skip-link"]
    for number, start in enumerate(starts, 1):
        if start is None:
            continue
        index, words = start
        target = elements[index]
        marker = _marker(number, xhtml)
        if words == 0 and _local(target.tag) not in _INSIDE and target is not body:
            target.addprevious(marker)
        else:
            _insert_after_words(target, marker, words)
    if xhtml:
        return etree.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>").join(
            ['<?xml version="1.0" encoding="utf-8"?>\n', "\n"])
    return lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>") + "\n"


def _marker(number: int, xhtml: bool):
    from lxml import etree

    tag = f"{{{XHTML_NS}}}span" if xhtml else "span"
    marker = etree.Element(tag, nsmap={"epub": EPUB_NS} if xhtml else None)
    if xhtml:
        marker.set(f"{{{EPUB_NS}}}type", "pagebreak")
    marker.set("role", "doc-pagebreak")
    marker.set("id", f"page-{number}")
    # EPUB reading systems take the page number from aria-label; in a web page axe-core
    # refuses aria-label on a span, so the name comes from title there.
    marker.set("aria-label" if xhtml else "title", str(number))
    marker.set("class", "pagebreak")
    return marker


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _insert_after_words(target, marker, words: int):
    """Put `marker` inside `target` where its text's word number `words` begins."""
    seen = 0
    slots = [(target, "text")]
    for child in target.iterdescendants():
        if isinstance(child.tag, str):
            slots += [(child, "text"), (child, "tail")]
    for node, kind in slots:
        text = getattr(node, kind) or ""
        position = _offset_of_word(text, words - seen)
        if position is not None:
            before, after = text[:position], text[position:]
            setattr(node, kind, before)
            marker.tail = after
            if kind == "text":
                node.insert(0, marker)
            else:
                node.addnext(marker)
            return
        seen += len(text.split())
    target.append(marker)  # fewer words than expected: the end of the block


def _offset_of_word(text: str, index: int):
    """Character offset where word `index` (0-based) of `text` starts, or None."""
    for number, match in enumerate(re.finditer(r"\S+", text)):
        if number == index:
            return match.start()
    return None

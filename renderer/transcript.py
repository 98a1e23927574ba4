"""Screen-reader transcripts: what a reader walking a PDF, EPUB or HTML file meets, in order.

Each output is walked the way assistive technology walks it: the PDF by its tag tree (with
/Alt for figures, /ActualText where given, artifacts never reached), the HTML and the EPUB's
XHTML by their DOM (alt for images, nothing hidden, `<q>` read with its quotation marks as
browsers expose them). The result is a list of `Item(role, text)`; `renderer read` prints it.
"""
from __future__ import annotations

import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree, html as lxml_html

from .errors import RenderError
from .model import NOT_PRESERVED_LABEL, NOT_PRESERVED_ROLE
from .tagfix import join_text

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# Roles that exist in one format only (landmarks, list labels, the skip link): transcripts of
# the same article agree once these are set aside.
FORMAT_SPECIFIC = {"landmark", "skip link", "label"}


@dataclass(frozen=True)
class Item:
    role: str
    text: str

    def __post_init__(self):
        # NFC: a PDF maps each glyph to one spelling, so "é" and "e\u0301" read back alike.
        object.__setattr__(self, "text", unicodedata.normalize("NFC", " ".join(self.text.split())))

    def __str__(self) -> str:
        return f"[{self.role}] {self.text}" if self.text else f"[{self.role}]"


def transcript(path) -> list[Item]:
    path = Path(path)
    if not path.is_file():
        raise RenderError(path, None, "no such file; give a rendered .pdf, .epub or .html file")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_transcript(path.read_bytes())
    if suffix == ".epub":
        return epub_transcript(path)
    if suffix in (".html", ".htm", ".xhtml"):
        return html_transcript(path.read_bytes())
    raise RenderError(path, None, "not a PDF, EPUB or HTML file; give a .pdf, .epub or .html file")


def comparable(items: list[Item]) -> list[Item]:
    """The items every output must share, whitespace-normalised."""
    return [Item("paragraph" if i.role == "summary" else i.role, i.text)
            for i in items if i.role not in FORMAT_SPECIFIC and i.text]


# ---------------------------------------------------------------- HTML / XHTML
_BLOCK_ROLES = {"h1": "heading 1", "h2": "heading 2", "h3": "heading 3", "h4": "heading 4",
                "h5": "heading 5", "h6": "heading 6", "p": "paragraph", "li": "item",
                "th": "header cell", "td": "cell", "caption": "table caption",
                "summary": "summary", "pre": "paragraph"}
_LANDMARKS = {"header": "banner", "main": "main", "footer": "contentinfo"}


def html_transcript(data: bytes) -> list[Item]:
    root = lxml_html.fromstring(data)
    body = root.find(".//body")
    items: list[Item] = []
    _walk_html(body if body is not None else root, items, in_caption=False, in_quote=False)
    return items


def epub_transcript(path: Path) -> list[Item]:
    """The spine's linear documents, in order (the nav is not read as content)."""
    with zipfile.ZipFile(path) as book:
        container = etree.fromstring(book.read("META-INF/container.xml"))
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = etree.fromstring(book.read(opf_path))
        base = str(Path(opf_path).parent)
        manifest = {i.get("id"): i.get("href") for i in opf.iter("{*}item")}
        items: list[Item] = []
        for ref in opf.iter("{*}itemref"):
            if ref.get("linear") == "no":
                continue
            name = f"{base}/{manifest[ref.get('idref')]}" if base != "." else manifest[ref.get("idref")]
            document = etree.fromstring(book.read(name))
            _walk_html(document.find(f"{XHTML}body"), items, in_caption=False, in_quote=False)
    return items


def _local(tag) -> str:
    return tag.split("}")[-1] if isinstance(tag, str) else ""


def _hidden(element) -> bool:
    return element.get("hidden") is not None or element.get("aria-hidden") == "true"


def _walk_html(element, items, in_caption, in_quote):
    for child in element:
        tag = _local(child.tag)
        if not tag or _hidden(child) or tag in ("script", "style", "template"):
            continue
        if tag == "a" and child.get("class") == "skip-link":
            items.append(Item("skip link", _inline_text(child)))
        elif tag in _LANDMARKS:
            items.append(Item("landmark", _LANDMARKS[tag]))
            _walk_html(child, items, in_caption, in_quote)
        elif child.get("role") == "note":
            items.append(Item("landmark", "note"))
            _walk_html(child, items, in_caption, in_quote)
        elif tag == "img":
            if child.get("alt"):
                items.append(Item("figure", child.get("alt")))
        elif tag == "figcaption":
            _walk_html(child, items, True, in_quote)
        elif tag == "blockquote":
            _walk_html(child, items, in_caption, True)
        elif tag in ("ul", "ol"):
            items.append(Item("label", f"list of {len([c for c in child if _local(c.tag) == 'li'])} items"))
            _walk_html(child, items, in_caption, in_quote)
        elif tag == "li":
            _list_item(child, items, in_caption, in_quote)
        elif tag == "p" and "figure-alt" in (child.get("class") or "").split():
            items.append(Item(NOT_PRESERVED_ROLE, _inline_text(child)))  # read in place
        elif tag in _BLOCK_ROLES:
            role = "caption" if in_caption else "quote" if in_quote and tag == "p" else _BLOCK_ROLES[tag]
            items.append(Item(role, _inline_text(child)))
        else:
            _walk_html(child, items, in_caption, in_quote)


def _list_item(element, items, in_caption, in_quote):
    """An item's own text first, then any nested list or blocks."""
    own, rest = [], []
    text = element.text or ""
    for child in element:
        if _local(child.tag) in ("ul", "ol", "p", "blockquote", "table", "figure", "div"):
            rest.append(child)
        else:
            own.append(child)
    inline = (text + "".join(_inline_text(c) + (c.tail or "") for c in own))
    if inline.strip():
        items.append(Item("item", inline))
    for child in rest:
        wrapper = etree.Element("div")
        wrapper.append(child)
        _walk_html(wrapper, items, in_caption, in_quote)


def _inline_text(element) -> str:
    """Text as read: `<q>` with its marks, `<br>` as a space, images by their alt."""
    parts = [element.text or ""]
    for child in element:
        tag = _local(child.tag)
        if _hidden(child):
            pass
        elif tag == "q":
            parts.append("“" + _inline_text(child) + "”")
        elif tag == "br":
            parts.append(" ")
        elif tag == "img":
            parts.append(child.get("alt") or "")
        else:
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


# ---------------------------------------------------------------- PDF
_PDF_ROLES = {"/H1": "heading 1", "/H2": "heading 2", "/H3": "heading 3", "/H4": "heading 4",
              "/H5": "heading 5", "/H6": "heading 6", "/P": "paragraph", "/TH": "header cell",
              "/TD": "cell", "/Lbl": "label"}
_INLINE = {"/Span", "/Link", "/Quote", "/Code", "/NonStruct", "/Em", "/Strong"}


def pdf_transcript(data: bytes) -> list[Item]:
    import pikepdf

    from .tagfix import mcid_glyphs

    pdf = pikepdf.open(__import__("io").BytesIO(data))
    if "/StructTreeRoot" not in pdf.Root:
        raise RenderError("PDF", None, "the PDF is not tagged: a screen reader gets no structure")
    walker = _PdfWalker(pdf, mcid_glyphs(data))
    root = pdf.Root.StructTreeRoot
    for kid in _kids(root):
        walker.block(kid, context="")
    return walker.items


def _kids(node) -> list:
    k = node.get("/K")
    if k is None:
        return []
    import pikepdf
    return list(k) if isinstance(k, pikepdf.Array) else [k]


class _PdfWalker:
    def __init__(self, pdf, texts):
        self.pdf = pdf
        self.texts = texts
        self.pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        self.items: list[Item] = []

    def text(self, element) -> str:
        return join_text([self._raw(element)])

    def _raw(self, element) -> str:
        import pikepdf
        if "/ActualText" in element:
            return str(element.ActualText)  # what assistive technology reads instead
        if element.get("/S") == "/Figure" and "/Alt" in element:
            return str(element.Alt)
        page = self.pages.get(element.Pg.objgen, 0) if "/Pg" in element else 0
        pieces = []
        for kid in _kids(element):
            if isinstance(kid, int):
                pieces.append("".join(self.texts.get((page, int(kid)), ())))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                pieces.append("".join(self.texts.get((self.pages[kid.Pg.objgen], int(kid.MCID)), ())))
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                pieces.append(self._raw(kid))
        return "".join(pieces)

    def block(self, element, context):
        import pikepdf
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            return
        tag = str(element.S)
        if tag == "/Figure":
            if "/Alt" in element:
                self.items.append(Item("figure", str(element.Alt)))
        elif tag == "/Caption" and element.P.get("/S") == "/Table":
            self.items.append(Item("table caption", self.text(element)))
        elif tag == "/Caption":
            self.children(element, "caption")
        elif tag == "/BlockQuote":
            self.children(element, "quote")
        elif tag == "/Part":
            self.items.append(Item("landmark", "main"))
            self.children(element, context)
        elif tag == "/L":
            count = sum(1 for k in _kids(element) if isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/LI")
            self.items.append(Item("label", f"list of {count} items"))
            self.children(element, context)
        elif tag == "/LBody":
            inline = [k for k in _kids(element) if not _is_block(k)]
            own = join_text(self._raw(k) if isinstance(k, pikepdf.Dictionary) else "" for k in inline)
            if own.strip():
                self.items.append(Item("item", own))
            for kid in _kids(element):
                if _is_block(kid):
                    self.block(kid, context)
        elif tag == "/Table":
            self.children(element, context)
        elif tag == "/Div" and self.is_not_preserved_frame(element):
            self.not_preserved_frame(element)
        elif tag in _PDF_ROLES:
            role = _PDF_ROLES[tag]
            if tag == "/P" and context in ("caption", "quote"):
                role = context
            self.items.append(Item(role, self.text(element)))
        else:
            self.children(element, context)

    def is_not_preserved_frame(self, element) -> bool:
        """The frame standing for an image not preserved: a Div whose first paragraph is the
        label the writers put there (the PDF has no class names to go by)."""
        first = next((k for k in _kids(element) if _is_block(k)), None)
        return first is not None and first.get("/S") == "/P" and self.text(first) == NOT_PRESERVED_LABEL

    def not_preserved_frame(self, element):
        """Label, reason, then the alt text (third paragraph), as the HTML reads them."""
        paragraphs = [k for k in _kids(element) if _is_block(k) and k.get("/S") == "/P"]
        for index, paragraph in enumerate(paragraphs):
            self.items.append(Item(NOT_PRESERVED_ROLE if index == 2 else "paragraph",
                                   self.text(paragraph)))

    def children(self, element, context):
        for kid in _kids(element):
            self.block(kid, context)


def _is_block(node) -> bool:
    import pikepdf
    return isinstance(node, pikepdf.Dictionary) and "/S" in node and str(node.S) not in _INLINE

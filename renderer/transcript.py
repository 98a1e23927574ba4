"""Screen-reader transcripts: what a reader walking a PDF, EPUB or HTML file meets, in order.

Each output is walked the way assistive technology walks it: the PDF by its tag tree (with
/Alt for figures, /ActualText where given, artifacts never reached), the HTML and the EPUB's
XHTML by their DOM (alt for images, nothing hidden, `<q>` read with its quotation marks as
browsers expose them). The result is a list of `Item(role, text)`; `renderer read` prints it.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

import pikepdf
from lxml import etree, html as lxml_html

from .errors import RenderError
from .l10n import translations_of
from .model import NOT_PRESERVED_LABEL, NOT_PRESERVED_ROLE
from .pdf.text import join_text
from .reading import FORMAT_SPECIFIC, XHTML, Item, reading_order

# `read` opens files the renderer did not make: what it inflates from an EPUB is bounded (a
# 3 MB zip bomb once took 6 GB), and so is the depth of a PDF structure tree it walks.
MAX_MEMBER_BYTES = 50 << 20   # one document inflated from an EPUB
MAX_TOTAL_BYTES = 200 << 20   # all documents of one EPUB
MAX_RATIO = 100               # inflated : compressed, for members over 1 MB (text is ~5-10)
MAX_DEPTH = 200               # structure-tree levels (our PDFs use about 15)
# Entities are not expanded and nothing is loaded: a package or page cannot grow in parsing.
_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def transcript(path) -> list[Item]:
    path = Path(path)
    if not path.is_file():
        raise RenderError(path, None, "no such file; give a rendered .pdf, .epub or .html file")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_transcript(path.read_bytes(), name=path)
    if suffix == ".epub":
        return epub_transcript(path)
    if suffix in (".html", ".htm", ".xhtml"):
        return html_transcript(path.read_bytes(), name=path)
    raise RenderError(path, None, "not a PDF, EPUB or HTML file; give a .pdf, .epub or .html file")


def comparable(items: list[Item]) -> list[Item]:
    """The items every output must share, whitespace-normalised."""
    return [Item("paragraph" if i.role == "summary" else i.role, i.text)
            for i in items if i.role not in FORMAT_SPECIFIC and i.text]


# ---------------------------------------------------------------- HTML / XHTML
def html_transcript(data: bytes, name="HTML") -> list[Item]:
    try:
        root = lxml_html.fromstring(data)
    except (etree.ParserError, ValueError) as error:  # empty, or nothing a parser can use
        raise RenderError(name, None, f"not an HTML page ({said(error)}); give a rendered "
                          ".html file") from None
    body = root.find(".//body")
    return [item for item, _ in reading_order(body if body is not None else root)]


def epub_transcript(path: Path) -> list[Item]:
    """The spine's linear documents, in order (the nav is not read as content)."""
    try:
        with zipfile.ZipFile(path) as zipped:
            book = _Book(path, zipped)
            opf_path = book.rootfile()
            opf = book.xml(opf_path)
            base = str(Path(opf_path).parent)
            manifest = {i.get("id"): i.get("href") for i in opf.iter("{*}item")}
            items: list[Item] = []
            for ref in opf.iter("{*}itemref"):
                if ref.get("linear") == "no":
                    continue
                href = manifest.get(ref.get("idref"))
                if not href:
                    raise book.wrong(f"the spine names item '{ref.get('idref')}', which the "
                                     f"package ({opf_path}) does not list", "a damaged book")
                name = f"{base}/{href}" if base != "." else href
                body = book.xml(name).find(f"{XHTML}body")
                if body is None:
                    raise book.wrong(f"{name} has no XHTML <body>", "not an EPUB 3 document")
                items += [item for item, _ in reading_order(body)]
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            OSError) as error:  # not a zip, a bad CRC, an unknown method, encrypted, truncated
        raise RenderError(path, None, f"not a readable EPUB ({said(error)}); give an .epub "
                          "file, or re-make this one") from None
    return items


class _Book:
    """An EPUB's zip, read within limits: members are inflated through a bounded stream (the
    sizes a zip declares are checked first but not trusted), and parsed without entities."""

    def __init__(self, path: Path, zipped: zipfile.ZipFile):
        self.path, self.zipped, self.total = path, zipped, 0

    def wrong(self, what: str, kind: str) -> RenderError:
        return RenderError(self.path, None, f"{what}: {kind}; check it with EPUBCheck "
                           "(`renderer check`) or re-make it")

    def rootfile(self) -> str:
        container = self.xml("META-INF/container.xml")
        rootfile = container.find(".//{*}rootfile")
        if rootfile is None or not rootfile.get("full-path"):
            raise self.wrong("META-INF/container.xml names no package (rootfile)", "not an EPUB")
        return rootfile.get("full-path")

    def xml(self, name: str):
        try:
            return etree.fromstring(self.read(name), _XML)
        except etree.XMLSyntaxError as error:
            raise self.wrong(f"{name} is not well-formed XML ({said(error)})",
                             "a damaged book") from None

    def read(self, name: str) -> bytes:
        try:
            info = self.zipped.getinfo(name)
        except KeyError:
            raise self.wrong(f"it has no {name}", "not an EPUB, or a damaged one") from None
        declared = max(info.file_size, 0)
        if (declared > MAX_MEMBER_BYTES or self.total + declared > MAX_TOTAL_BYTES
                or declared > 1 << 20 and declared > MAX_RATIO * max(info.compress_size, 1)):
            raise self._too_big(name, declared)
        with self.zipped.open(info) as stream:
            data = stream.read(MAX_MEMBER_BYTES + 1)
        self.total += len(data)
        if len(data) > MAX_MEMBER_BYTES or self.total > MAX_TOTAL_BYTES:
            raise self._too_big(name, len(data))
        return data

    def _too_big(self, name: str, size: int) -> RenderError:
        return RenderError(self.path, None, f"{name} would inflate to {size / 2**20:.0f} MB "
                           f"(from {self.zipped.getinfo(name).compress_size / 2**20:.1f} MB): "
                           f"over the limits `read` keeps ({MAX_MEMBER_BYTES >> 20} MB a "
                           f"document, {MAX_TOTAL_BYTES >> 20} MB a book, {MAX_RATIO}:1 "
                           "compression), as a zip bomb would be; do not open this file")


def said(error: BaseException) -> str:
    """What a library said about a foreign file, as one short line of printable text."""
    text = " ".join(str(error).split()) or type(error).__name__
    text = re.sub(r" \(<string>, line \d+\)$", "", text)
    text = re.sub(r"^stream <_io\.BytesIO object at 0x[0-9a-f]+>: ", "", text)  # pikepdf's
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= 160 else text[:157] + "..."


# ---------------------------------------------------------------- PDF
_PDF_ROLES = {"/H1": "heading 1", "/H2": "heading 2", "/H3": "heading 3", "/H4": "heading 4",
              "/H5": "heading 5", "/H6": "heading 6", "/P": "paragraph", "/TH": "header cell",
              "/TD": "cell", "/Lbl": "label"}
_INLINE = {"/Span", "/Link", "/Quote", "/Code", "/NonStruct", "/Em", "/Strong"}


def pdf_transcript(data: bytes, name="PDF") -> list[Item]:
    from .pdf.text import mcid_glyphs

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise RenderError(name, None, "the PDF is encrypted; give an unencrypted copy") from None
    except pikepdf.PdfError as error:
        raise RenderError(name, None, f"not a PDF that can be opened ({said(error)}); give "
                          "a .pdf file, or repair this one (e.g. `qpdf in.pdf out.pdf`)") from None
    if "/StructTreeRoot" not in pdf.Root:
        raise RenderError(name, None, "the PDF is not tagged (no StructTreeRoot): a screen "
                          "reader gets no structure; re-make it with tagging on (PDF/UA)")
    try:
        walker = _PdfWalker(pdf, mcid_glyphs(pdf), name)
        for kid in _kids(pdf.Root.StructTreeRoot):
            walker.block(kid, "", ())
    except RecursionError:  # nesting inside one object, beyond what the depth guard sees
        raise RenderError(name, None, f"the structure tree is nested too deep (over "
                          f"{MAX_DEPTH} levels); the file is damaged: re-make it") from None
    except (pikepdf.PdfError, AttributeError, KeyError, TypeError, ValueError,
            IndexError) as error:  # a key missing or of the wrong type in a foreign file
        raise RenderError(name, None, f"the structure tree or page text is malformed "
                          f"({type(error).__name__}: {said(error)}); check the file with a "
                          "PDF/UA validator (`renderer check`) or re-make it") from None
    return walker.items


def _kids(node) -> list:
    k = node.get("/K")
    if k is None:
        return []
    import pikepdf
    return list(k) if isinstance(k, pikepdf.Array) else [k]


class _PdfWalker:
    """Walks the tag tree in order. `path` holds the elements above the current one, by
    object number, so a tree that loops (an element inside itself or its parent) is refused
    rather than followed forever; an element reached twice otherwise is read once."""

    def __init__(self, pdf, texts, name="PDF"):
        self.pdf = pdf
        self.texts = texts
        self.name = name
        self.pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        self.items: list[Item] = []
        self.seen: set = set()

    def enter(self, element, path: tuple) -> tuple:
        """`path` with `element` added; refuse a loop or a tree deeper than MAX_DEPTH."""
        key = element.objgen
        if key != (0, 0) and key in path:
            raise RenderError(self.name, None, f"the structure tree loops (element {key[0]} "
                              f"{key[1]} R contains itself); the file is damaged: re-make it "
                              "with a PDF/UA tagging tool")
        if len(path) >= MAX_DEPTH:
            raise RenderError(self.name, None, f"the structure tree is nested too deep (over "
                              f"{MAX_DEPTH} levels); the file is damaged or hostile: re-make it")
        return path + (key,)

    def text(self, element, path=()) -> str:
        return join_text([self._raw(element, path)])

    def _raw(self, element, path) -> str:
        path = self.enter(element, path)
        if "/ActualText" in element:
            return str(element.ActualText)  # what assistive technology reads instead
        if element.get("/S") == "/Figure" and "/Alt" in element:
            return str(element.Alt)
        page = self._page(element)
        pieces = []
        for kid in _kids(element):
            if isinstance(kid, int):
                pieces.append("".join(self.texts.get((page, int(kid)), ())))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                pieces.append("".join(self.texts.get((self._page(kid), int(kid.MCID)), ())))
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                pieces.append(self._raw(kid, path))
        return "".join(pieces)

    def _page(self, element) -> int:
        page = element.get("/Pg")
        return self.pages.get(page.objgen, 0) if isinstance(page, pikepdf.Dictionary) else 0

    def block(self, element, context, path):
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            return
        outer, path = path, self.enter(element, path)  # `outer`: for reading its own text
        if element.objgen != (0, 0):
            if element.objgen in self.seen:
                return
            self.seen.add(element.objgen)
        tag = str(element.S)
        parent = element.get("/P")
        if tag == "/Figure":  # in the tree, so announced: by /Alt, else by what it holds
            text = str(element.Alt) if "/Alt" in element else self.text(element, outer)
            self.items.append(Item("figure", text))
        elif tag == "/Caption" and isinstance(parent, pikepdf.Dictionary) and parent.get("/S") == "/Table":
            self.items.append(Item("table caption", self.text(element, outer)))
        elif tag == "/Caption":
            self.children(element, "caption", path)
        elif tag == "/BlockQuote":
            self.children(element, "quote", path)
        elif tag == "/Part":
            self.items.append(Item("landmark", "main"))
            self.children(element, context, path)
        elif tag == "/L":
            count = sum(1 for k in _kids(element) if isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/LI")
            self.items.append(Item("label", f"list of {count} items"))
            self.children(element, context, path)
        elif tag == "/LBody":
            inline = [k for k in _kids(element) if not _is_block(k)]
            own = join_text(self._raw(k, path) if isinstance(k, pikepdf.Dictionary) else ""
                            for k in inline)
            if own.strip():
                self.items.append(Item("item", own))
            for kid in _kids(element):
                if _is_block(kid):
                    self.block(kid, context, path)
        elif tag == "/Table":
            self.children(element, context, path)
        elif tag == "/Div" and self.is_not_preserved_frame(element, path):
            self.not_preserved_frame(element, path)
        elif tag in _PDF_ROLES:
            role = _PDF_ROLES[tag]
            if tag == "/P" and context in ("caption", "quote"):
                role = context
            self.items.append(Item(role, self.text(element, outer)))
        else:
            self.children(element, context, path)

    def is_not_preserved_frame(self, element, path=()) -> bool:
        """The frame standing for an image not preserved: a Div whose first paragraph is the
        label the writers put there, in any language (the PDF has no class names to go by)."""
        first = next((k for k in _kids(element) if _is_block(k)), None)
        return first is not None and first.get("/S") == "/P" and \
            " ".join(self.text(first, path).split()) in translations_of(NOT_PRESERVED_LABEL)

    def not_preserved_frame(self, element, path):
        """Label, reason, then the alt text (third paragraph), as the HTML reads them."""
        paragraphs = [k for k in _kids(element) if _is_block(k) and k.get("/S") == "/P"]
        for index, paragraph in enumerate(paragraphs):
            self.items.append(Item(NOT_PRESERVED_ROLE if index == 2 else "paragraph",
                                   self.text(paragraph, path)))

    def children(self, element, context, path):
        for kid in _kids(element):
            self.block(kid, context, path)


def _is_block(node) -> bool:
    import pikepdf
    return isinstance(node, pikepdf.Dictionary) and "/S" in node and str(node.S) not in _INLINE

"""The braille edition's blocks: the page's reading order, with where each print page starts.

The blocks come from the same walk as `renderer read` and the narration (renderer.reading), over
the web page with its PDF page markers (html.insert_page_markers, the page list of the EPUB), so
the braille holds what a screen reader reads, in its order, and knows on which PDF page each
passage starts. Each block says how braille formats it (heading, paragraph, list item, table
row, transcriber's note) and in which part it stands (title page, body, colophon).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from lxml import html as lxml_html

from ..reading import FORMAT_SPECIFIC, inline_text, local_name, reading_order

# A print page's start inside a text: private-use characters no article holds (the reader
# keeps only what an HTML page can show, and these show nothing).
_START, _END = "\ue000", "\ue001"
_MARK = re.compile(f"{_START}(\\d+){_END}")
_PARTS = {"banner": "title", "main": "body", "contentinfo": "colophon"}
_INLINE_PARENTS = {"p", "li", "td", "th", "caption", "summary", "h1", "h2", "h3", "h4", "h5",
                   "h6", "pre", "a", "em", "strong", "span", "q", "code", "figcaption"}
BULLET = "\u2022"


@dataclass(frozen=True)
class Block:
    """One formatted unit. `pieces` are text and, between them, print page numbers (int) where
    a PDF page starts; `kind` is heading, paragraph, item, row, note (inside a transcriber's
    note), centred (the title page's lines) or page (only a print page's start); `tn` marks the note's first/last block."""
    kind: str
    pieces: tuple
    part: str = "body"
    lang: str = ""
    level: int = 0       # a heading's level, a list item's depth
    marker: str = ""     # a list item's marker ("3.", "•")
    tn_open: bool = False
    tn_close: bool = False
    group: str | None = None  # the figure a note is about
    box: str | None = None    # the notice (role="note") the block stands in, boxed in braille

    @property
    def text(self) -> str:
        return " ".join(p for p in self.pieces if isinstance(p, str))


def braille_blocks(markup: str) -> list[Block]:
    """The blocks of a rendered page (`insert_page_markers` applied), in reading order."""
    root = lxml_html.document_fromstring(markup)
    body = root.find("body")
    _mark_print_pages(body)
    blocks: list[Block] = []
    part = "title"  # before the first landmark: the page's top
    for item, element in reading_order(body):
        if item.role == "landmark":
            part = _PARTS.get(item.text, part)
            continue
        if item.role in FORMAT_SPECIFIC or not item.text:
            continue
        table = next(element.iterancestors("table"), None)
        if local_name(element.tag) == "table":
            table = element
        if table is not None:
            if table.get("data-braille") is None:
                table.set("data-braille", "done")
                blocks += _table_blocks(table, part, _lang(table))
            continue
        block = _block(item, element, part, _figure_group(element))
        blocks.append(replace(block, box=_notice_of(element)))
    return _close_notes(blocks)


def _mark_print_pages(body) -> None:
    """Each page marker becomes text the walk keeps: a sentinel inside a block's text, or a
    paragraph of its own between blocks."""
    for marker in list(body.iter("span")):
        if marker.get("role") != "doc-pagebreak":
            continue
        number = marker.get("title") or marker.get("aria-label") or ""
        for name in list(marker.attrib):
            del marker.attrib[name]
        marker.text = f"{_START}{number}{_END}"
        parent = marker.getparent()
        if parent is not None and local_name(parent.tag) not in _INLINE_PARENTS:
            marker.tag = "p"  # between blocks: the walk reads a paragraph


def pieces_of(text: str) -> tuple:
    """`text` cut at its print page starts: ("text", 3, "more text")."""
    parts = _MARK.split(text)
    pieces = []
    for index, part in enumerate(parts):
        if index % 2:
            pieces.append(int(part))
        elif part.strip():
            pieces.append(" ".join(part.split()))
    return tuple(pieces)


def _lang(element) -> str:
    for node in [element, *element.iterancestors()]:
        if node.get("lang"):
            return node.get("lang")
    return ""


def _block(item, element, part: str, group) -> Block:
    pieces, lang = pieces_of(item.text), _lang(element)
    if not any(isinstance(p, str) for p in pieces):
        return Block("page", pieces, part, lang)  # a print page starts between blocks
    if group is not None:
        return Block("note", pieces, part, lang, group=group)
    if item.role.startswith("heading"):
        level = int(item.role.split()[-1])
        return Block("centred" if part == "title" else "heading", pieces, part, lang, level)
    if item.role == "item":
        return Block("item", pieces, part, lang, _depth(element), _marker(element))
    if part == "title":
        return Block("centred", pieces, part, lang)
    return Block("paragraph", pieces, part, lang)


def _depth(element) -> int:
    return sum(1 for a in element.iterancestors() if local_name(a.tag) in ("ul", "ol"))


def _marker(item) -> str:
    """The print marker of a list item: its number in an ordered list, else a bullet."""
    parent = item.getparent()
    if parent is None or local_name(parent.tag) != "ol":
        return BULLET
    siblings = [c for c in parent if local_name(c.tag) == "li"]
    start = int(parent.get("start") or 1) if (parent.get("start") or "1").isdigit() else 1
    return f"{start + next(i for i, c in enumerate(siblings) if c is item)}."


def _figure_group(element):
    """The id of the figure an item belongs to (its image, caption, credit, long description),
    or None: these items form one transcriber's note."""
    for node in [element, *element.iterancestors()]:
        tag, classes = local_name(node.tag), (node.get("class") or "").split()
        if tag == "figure":
            return node.get("id") or "figure"
        if tag == "details" and "long-description" in classes:
            return (node.get("id") or "").removesuffix("-description") or "figure"
    return None


def _notice_of(element) -> str | None:
    """An id for the notice (an element with role="note") the element is in, or None."""
    notices = [node for node in [element, *element.iterancestors()] if node.get("role") == "note"]
    if not notices:
        return None
    notice = notices[-1]
    return notice.get("id") or f"note-{sum(1 for _ in notice.itersiblings(preceding=True))}"


def _close_notes(blocks: list[Block]) -> list[Block]:
    """Mark the first and last block of each run of notes about one figure."""
    out = []
    for position, block in enumerate(blocks):
        if block.kind == "note":
            before = blocks[position - 1].group if position else None
            after = blocks[position + 1].group if position + 1 < len(blocks) else None
            block = replace(block, tn_open=before != block.group, tn_close=after != block.group)
        out.append(block)
    return out


def _table_blocks(table, part: str, lang: str) -> list[Block]:
    """A table row by row: its caption, its header row, then each row with every cell after
    its column's header ("Month: October; Rockets: 4"), and the print page starts between."""
    blocks = []
    caption = table.find("caption")
    if caption is not None and inline_text(caption).strip():
        blocks.append(Block("paragraph", pieces_of(inline_text(caption)), part, lang))
    headers: list[str] = []
    for node in table.iter():
        tag = local_name(node.tag)
        if tag == "p" and node.text and _MARK.fullmatch(node.text.strip()):
            blocks.append(Block("page", pieces_of(node.text), part, lang))
        elif tag == "tr":
            cells = [c for c in node if local_name(c.tag) in ("td", "th")]
            texts = [" ".join(inline_text(c).split()) for c in cells]
            if cells and all(local_name(c.tag) == "th" for c in cells) and not headers:
                headers = texts
                blocks.append(Block("row", pieces_of("; ".join(texts)), part, lang))
                continue
            labelled = [_label(headers[i], text) if i < len(headers) and headers[i] else text
                        for i, text in enumerate(texts)]
            blocks.append(Block("row", pieces_of("; ".join(labelled)), part, lang))
    return blocks


def _label(header: str, text: str) -> str:
    """A cell after its column's header. A print page that starts with the cell starts before
    the header, so the page's indicator does not cut "Station:" from its cell."""
    lead = re.match(f"(?:\\s*{_MARK.pattern})*\\s*", text).group(0)
    return f"{lead}{header}: {text[len(lead):]}"

"""The content model: the one typed, immutable document every reader builds and every writer reads.

Writers never look at Markdown; if a writer needs a fact, it belongs here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional, Union


# ---------------------------------------------------------------- inlines
@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Emphasis:
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Strong:
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Link:
    href: str
    children: tuple["Inline", ...]
    title: str = ""
    line: int = field(default=0, compare=False)  # source line, for warnings about the target


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Quotation:
    """An inline quotation (`<q>`), optionally in its own language."""
    children: tuple["Inline", ...]
    lang: str = ""


@dataclass(frozen=True)
class LineBreak:
    pass


@dataclass(frozen=True)
class Span:
    """A run of text in another language (and so, perhaps, another direction)."""
    children: tuple["Inline", ...]
    lang: str
    dir: str = ""


Inline = Union[Text, Emphasis, Strong, Link, Code, Quotation, LineBreak, Span]


# ---------------------------------------------------------------- blocks
@dataclass(frozen=True)
class Heading:
    level: int  # 2..6: level 1 is the article title
    children: tuple[Inline, ...]
    id: str = ""
    line: int = 0


@dataclass(frozen=True)
class Paragraph:
    children: tuple[Inline, ...]
    lang: str = ""
    dir: str = ""


@dataclass(frozen=True)
class BlockQuote:
    children: tuple["Block", ...]
    lang: str = ""
    dir: str = ""


@dataclass(frozen=True)
class ListItem:
    children: tuple["Block", ...]


@dataclass(frozen=True)
class List:
    ordered: bool
    items: tuple[ListItem, ...]
    start: int = 1


@dataclass(frozen=True)
class Figure:
    """A photo with the facts an archive keeps about it.

    `alt` says what the image shows; `caption` says what it means; they are never the same text.
    Labels keep the source's own wording ("Photo By", "VIRIN") instead of a generic one; when
    the source gives none ("" here), the writers show the renderer's "Credit" or "Identifier"
    in the article's language.
    A figure whose image the archive does not hold has no `src` and says why in `missing`:
    its facts are still the record, so it stays a Figure (writers show the alt as text).
    """
    src: str
    alt: str
    title: str = ""
    caption: str = ""
    credit: str = ""
    credit_label: str = ""
    identifier: str = ""
    identifier_label: str = ""
    description: str = ""
    decorative: bool = False
    id: str = ""
    line: int = 0  # source line, for messages
    missing: str = ""   # why the image is not preserved (then src is ""); English, like our labels
    original: str = ""  # the image's URL in the capture: provenance only, never fetched

    @property
    def has_caption(self) -> bool:
        return bool(self.title or self.caption or self.credit or self.identifier)

    @property
    def preserved(self) -> bool:
        return not self.missing


# What every output shows (and `renderer read` reports) for a figure whose image was not kept:
# the msgid; the writers show it in the article's language (l10n.translations_of lists them all).
NOT_PRESERVED_LABEL = "Image not preserved in the archive"
NOT_PRESERVED_ROLE = "figure not preserved"


@dataclass(frozen=True)
class Notice:
    """A labelled note set apart from the text, e.g. an archive's "historical collection" notice."""
    label: str
    children: tuple["Block", ...]
    label_lang: str = ""  # set when the label is not in the article's language


@dataclass(frozen=True)
class TableCell:
    children: tuple[Inline, ...]
    header: bool = False
    align: str = ""


@dataclass(frozen=True)
class Table:
    head: tuple[tuple[TableCell, ...], ...]
    body: tuple[tuple[TableCell, ...], ...]
    caption: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class ThematicBreak:
    pass


Block = Union[Heading, Paragraph, BlockQuote, List, Figure, Notice, Table, ThematicBreak]


# ---------------------------------------------------------------- document
@dataclass(frozen=True)
class Metadata:
    title: str
    language: str
    published: date
    publisher: str
    rights: str
    description: str = ""
    author: str = ""
    source: str = ""
    notice: str = ""
    identifier: str = ""  # stable, derived from the source when not given
    # Capture provenance (from a WARC/WACZ record or a saved page), all optional.
    captured: Optional[datetime] = None  # when the page was captured, in UTC
    capture_id: str = ""        # the WARC record ID, e.g. urn:uuid:…
    capture_file: str = ""      # the archive file's name, e.g. crawl.warc.gz
    capture_offset: Optional[int] = None  # the record's byte offset in that file
    capture_digest: str = ""    # the payload digest, e.g. sha1:…
    capture_software: str = ""  # the tool that captured the page


@dataclass(frozen=True)
class Document:
    metadata: Metadata
    blocks: tuple[Block, ...]
    source_path: str = ""
    source_sha256: str = ""
    findings: tuple = ()  # what the reader fixed or noticed (errors.Finding)

    @property
    def figures(self) -> tuple[Figure, ...]:
        """Every figure, also one inside a quote, list or notice, in document order."""
        return tuple(block for block in walk(self.blocks) if isinstance(block, Figure))


# ---------------------------------------------------------------- the walk
def _inside(block) -> tuple:
    """The blocks directly inside `block`: a quote's, a notice's or a list item's children,
    a list's items. Every other block holds only inlines (a table's cells too)."""
    if isinstance(block, (BlockQuote, Notice, ListItem)):
        return block.children
    if isinstance(block, List):
        return block.items
    return ()


def walk(blocks):
    """Every block of `blocks` and every block inside them, at any depth, in document order:
    a container comes before what it holds, a list before its items (`ListItem`s are yielded
    too). The one traversal of the model, so that the reader's checks, the ids it gives and
    the writers all see the same blocks: a walker of its own that forgot a container let a
    duplicate figure identifier or a heading without an id through."""
    for block in blocks:
        yield block
        inside = _inside(block)
        if inside:
            yield from walk(inside)


def plain_text(inlines) -> str:
    """The text of inlines as a reader hears it (used for ids, titles and transcripts)."""
    out = []
    for node in inlines:
        if isinstance(node, (Text, Code)):
            out.append(node.text)
        elif isinstance(node, LineBreak):
            out.append("\n")
        else:
            out.append(plain_text(node.children))
    return "".join(out)

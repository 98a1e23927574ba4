"""Braille pages: the blocks translated and laid out in lines of cells, as BANA's Braille
Formats (2016) lays out literary braille.

- Each page has `height` lines of `width` cells; its first line carries the braille page
  number at the right margin (not on the title page); text fills the lines below.
- Headings are centred with a blank line before, and never end a page.
- Paragraphs begin in cell 3 (a two-cell indent) and run over to cell 1; list items begin in
  cell 1 (deeper lists two cells further) with their marker and run over two cells in; table
  rows likewise (cell 1, runovers in cell 3).
- A figure is a transcriber's note: its alt text, then caption and credit, begun in cell 7 and
  run over to cell 5, between UEB's opening and closing transcriber's note indicators.
- Where a print (PDF) page starts, a print page change indicator: a line of dots 3-6 ending
  with that page's number at the right margin; the text goes on on the next line.
- A notice (an archive's "historical collection" note) stands between box lines: a line of
  dots 2-3-5-6 above, one of dots 1-2-4-5 below.
- The title page holds the article's title and byline; the colophon begins a new page and
  ends the book.
"""
from __future__ import annotations

from dataclasses import dataclass

from .blocks import Block

DOTS_36 = 0b100100
NUMBER_SIGN = 0b111100  # dots 3-4-5-6
DIGIT_CELLS = {1, 3, 9, 25, 17, 11, 27, 19, 10, 26}  # a-j: the digits after a number sign
# UEB transcriber's note indicators (Rules of UEB 2013, 3.27): dots 4 46 126 and 4 46 345.
TN_OPEN = (0b001000, 0b101000, 0b100011)
TN_CLOSE = (0b001000, 0b101000, 0b011100)
# BANA box lines around a notice (Braille Formats 2016, 16.2): dots 2-3-5-6 above, 1-2-4-5 below.
TOP_BOX, BOTTOM_BOX = 0b110110, 0b011011
CENTRE_MARGIN = 3  # cells kept blank either side of a centred line


@dataclass(frozen=True)
class Page:
    """A braille page: `number`, its `lines` of cells (the first is the page number line),
    the part it belongs to and the print pages that start on it."""
    number: int
    part: str
    lines: tuple[tuple[int, ...], ...]
    print_pages: tuple[int, ...] = ()


def lay_out(blocks: list[Block], translator, width: int = 40, height: int = 25) -> list[Page]:
    """The pages of `blocks`, translated by `translator` (a translate.Translator)."""
    setter = _Setter(translator, width, height)
    part, box, waiting = None, None, []
    for block in blocks:
        if block.kind == "page":  # shown where the next text is: after a part's new page
            waiting.append(block)
            continue
        if box is not None and block.box != box:  # the box closes on the page it is on
            setter.line([BOTTOM_BOX] * width)
        if block.part != part:
            setter.new_page(block.part)
            part = block.part
        if block.part != "title":  # the title page shows no print page: the body does
            for page in waiting:
                setter.block(page)
            waiting = []
        if block.box is not None and block.box != box:
            setter.line([TOP_BOX] * width)
        box = block.box
        setter.block(block)
    if box is not None:
        setter.line([BOTTOM_BOX] * width)
    for page in waiting:
        setter.block(page)
    return setter.finish()


class _Setter:
    def __init__(self, translator, width: int, height: int):
        self.translator, self.width, self.height = translator, width, height
        self.pages: list[Page] = []
        self.lines: list[tuple[int, ...]] | None = None
        self.part, self.print_pages = "body", []

    # ---------------------------------------------------------------- pages
    def new_page(self, part: str | None = None):
        if self.lines is not None and len(self.lines) > 1:
            self._close_page()
        if part is not None:
            self.part = part
        number = len(self.pages) + 1
        label = () if self.part == "title" else tuple(self.translator.cells(str(number)))
        label = label if len(label) < self.width else ()
        self.lines = [tuple([0] * (self.width - len(label))) + label if label else ()]
        self.print_pages = []

    def _close_page(self):
        self.pages.append(Page(len(self.pages) + 1, self.part,
                               tuple(_trimmed(line) for line in self.lines),
                               tuple(self.print_pages)))
        self.lines = None

    def room(self) -> int:
        return self.height - len(self.lines)

    def line(self, cells):
        if self.room() <= 0:
            self.new_page()
        self.lines.append(tuple(cells))

    def blank(self):
        """A blank line, unless the page is just begun or already ends in one."""
        if len(self.lines) > 1 and self.lines[-1] and self.room() > 1:
            self.lines.append(())

    def print_page(self, number: int):
        if self.room() <= 0:
            self.new_page()
        label = tuple(self.translator.cells(str(number)))
        self.lines.append(tuple([DOTS_36] * max(self.width - len(label), 2)) + label)
        self.print_pages.append(number)

    def finish(self) -> list[Page]:
        if self.lines is not None and len(self.lines) > 1:
            self._close_page()
        return self.pages

    # ---------------------------------------------------------------- blocks
    def block(self, block: Block):
        if block.kind == "page":
            for number in block.pieces:
                self.print_page(number)
            return
        first, runover, centred = self._indents(block)
        if block.kind == "heading":
            self.blank()
        lines = self._lines(block, first, runover, centred)
        if block.kind == "heading":
            needed = sum(1 for line in lines if not isinstance(line, int)) + 1
            if self.room() < needed and len(self.lines) > 1:
                self.new_page()
        for line in lines:
            if isinstance(line, int):
                self.print_page(line)
            else:
                self.line(line)
        if block.kind == "heading" or (block.kind == "centred" and block.level == 1):
            self.blank()

    def _indents(self, block: Block) -> tuple[int, int, bool]:
        """(first line's indent, runovers' indent, centred) in cells, by the kind of block."""
        if block.kind in ("heading", "centred"):
            return 0, 0, True
        if block.kind == "item":
            depth = max(block.level - 1, 0) * 2
            return depth, depth + 2, False
        if block.kind == "row":
            return 0, 2, False
        if block.kind == "note":
            return 6, 4, False
        return 2, 0, False

    def _lines(self, block: Block, first: int, runover: int, centred: bool) -> list:
        """The block's lines of cells, with the print page numbers between them (ints)."""
        out, indent = [], first
        texts = [i for i, p in enumerate(block.pieces) if isinstance(p, str)]
        for index, piece in enumerate(block.pieces):
            if isinstance(piece, int):
                out.append(piece)
                continue
            cells = self.translator.cells(piece, block.lang)
            if block.kind == "item" and index == texts[0] and block.marker:
                cells = self.translator.cells(block.marker, block.lang) + [0] + cells
            if block.tn_open and index == texts[0]:
                cells = list(TN_OPEN) + cells
            if block.tn_close and index == texts[-1]:
                cells = cells + list(TN_CLOSE)
            if centred:
                for line in wrap(cells, 0, 0, self.width - 2 * CENTRE_MARGIN):
                    out.append([0] * ((self.width - len(line)) // 2) + line)
            else:
                out += wrap(cells, indent, runover, self.width)
            indent = runover
        return out


def wrap(cells: list[int], first: int, runover: int, width: int) -> list[list[int]]:
    """Lines of at most `width` cells, broken between words (blank cells); a word longer than
    a line (a checksum, an address) is cut at the margin."""
    first, runover = min(first, width - 1), min(runover, width - 1)
    lines, current, indent = [], [], first
    for word in _words(cells):
        if current and len(current) + 1 + len(word) <= width - indent:
            current += [0] + word
            continue
        if current:
            lines.append([0] * indent + current)
            indent, current = runover, []
        while len(word) > width - indent:
            cut = _cut(word, width - indent)
            lines.append([0] * indent + word[:cut])
            word, indent = word[cut:], runover
        current = word
    if current:
        lines.append([0] * indent + current)
    return lines


def _cut(word: list[int], cut: int) -> int:
    """Where to cut a word too long for the line, at most `cut` cells in: not inside a number,
    which would lose its numeric indicator on the next line (the cut moves before the number
    sign, dots 3-4-5-6, unless the number fills the line)."""
    start = cut
    while start > 0 and word[start - 1] in DIGIT_CELLS and cut < len(word) and word[cut] in DIGIT_CELLS:
        start -= 1
    if start < cut and start > 0 and word[start - 1] == NUMBER_SIGN:
        cut = start - 1 if start - 1 > 0 else cut
    # Nor after an indicator that modifies the next cell (capital, grade 1, typeform: cells
    # of dots 4-5-6 only, and the number sign): it goes to the next line with its cell.
    while cut > 1 and (word[cut - 1] & 0b000111 == 0 or word[cut - 1] == NUMBER_SIGN):
        cut -= 1
    return cut


def _words(cells: list[int]) -> list[list[int]]:
    words, word = [], []
    for cell in cells:
        if cell:
            word.append(cell)
        elif word:
            words.append(word)
            word = []
    if word:
        words.append(word)
    return words


def _trimmed(line) -> tuple[int, ...]:
    line = list(line)
    while line and not line[-1]:
        line.pop()
    return tuple(line)

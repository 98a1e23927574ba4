"""Input limits: an article too big to render in reasonable time and memory is refused, in one
line, before any work is spent on it.

Rendering cost grows linearly with an article's size (`bench/scale.py`), but with large factors
that WeasyPrint sets, and one that is not linear. Measured on 2 shared cores (README, "Cost
grows linearly"):
- each element (paragraph, list item, table cell, link, emphasis…) costs about 2.5 ms and
  25–60 kB of memory while the PDF is laid out: 9,999 one-line list items take 29 s and
  607 MB, a 10,000-column table 917 MB;
- a word wider than a line is laid out again, with the rest of its paragraph, for every line it
  fills (WeasyPrint's `split_first_line`, which falls back to laying out the whole remaining
  text to break a word): 100,000 `[` characters (one word) took 72–117 s, and a
  40,000-character paragraph of 200-letter words 30 s: the cost grows with the square of the
  paragraph.
The limits below sit far above real articles (a 20,000-word feature is about 130 kB with about
1,000 elements, paragraphs rarely pass 3,000 characters, words 100) and keep the worst
accepted article near a minute of one worker.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import Path

from .errors import RenderError

MAX_BYTES = 500_000      # the article's Markdown file
MAX_ELEMENTS = 10_000    # paragraphs, headings, list items, table rows and cells, links, …
MAX_COLUMNS = 100        # of one table
MAX_WORD = 1_000         # characters in a word (a run without white space)
MAX_PARAGRAPH = 10_000   # characters of text in one paragraph, heading, list item, cell, …

# Tokens that are elements of the page although they open nothing.
_LEAF_ELEMENTS = {"fence", "code_block", "hr", "code_inline", "hardbreak", "image", "html_block"}
_BLOCK_NAMES = {"paragraph_open": "this paragraph", "heading_open": "this heading",
                "th_open": "this table cell", "td_open": "this table cell"}


def check_size(text: str, source: Path):
    """Refuse a file too big to render in reasonable time, before parsing it."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise RenderError(source, None, f"the file is {size:,} bytes, over the limit of "
                          f"{MAX_BYTES:,} (rendering time and memory grow with it); split the "
                          "article into several articles")


def check_tokens(md, tokens, source: Path):
    """Refuse parsed input over the limits (words, cells, elements); nesting is the reader's own check."""
    _Check(md, source).tokens(tokens)


class _Check:
    """One walk over the tokens, notices' contents included (the reader parses those apart)."""

    def __init__(self, md, source: Path):
        self.md, self.source, self.elements = md, source, 0

    def tokens(self, tokens, offset: int = 0):
        pending = [(tokens, offset)]  # a stack, not recursion: notices may nest deeply
        while pending:
            tokens, offset = pending.pop()
            line, block, cells = offset + 1, "this paragraph", 0
            for token in tokens:
                if token.map:
                    line = offset + token.map[0] + 1
                if token.type == "tr_open":
                    cells = 0
                elif token.type in ("th_open", "td_open"):
                    cells += 1
                    if cells > MAX_COLUMNS:
                        raise RenderError(self.source, line, f"this table has more than "
                                          f"{MAX_COLUMNS:,} columns; split it into narrower tables")
                if token.nesting == 1 and not token.hidden or token.type in _LEAF_ELEMENTS:
                    self.count(line)
                if token.nesting == 1:
                    block = _BLOCK_NAMES.get(token.type, block)
                if token.type == "inline":
                    self.inline(token, line, block)
                elif token.type == "front_matter":
                    self.text(token.content, line + 1, "the front matter")
                elif token.type in ("fence", "code_block"):
                    kind = token.info.strip().split(None, 1)[0] if token.info.strip() else ""
                    self.text(token.info, line, "this fence")
                    if kind == "notice":
                        pending.append((self.md.parse(token.content), line))
                    elif kind == "figure":
                        self.text(token.content, line + 1, "this figure")
                    else:  # code keeps its line breaks: each line is laid out alone
                        self.text(token.content, line + (token.type == "fence"), "this code line",
                                  per_line=True)
                elif token.type == "html_block":
                    self.text(token.content, line, "this paragraph")

    def count(self, line: int):
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise RenderError(self.source, line, f"the article has more than {MAX_ELEMENTS:,} "
                              "elements (paragraphs, list items, table cells, links, emphasis…) "
                              "by this line, and each costs layout time and memory; split it "
                              "into several articles")

    def inline(self, token, line: int, block: str):
        """The text an inline token shows (source line breaks become spaces)."""
        pieces, starts, lines = [], [], []
        length = 0
        for child in token.children or ():
            if child.nesting == 1 or child.type in _LEAF_ELEMENTS:
                self.count(line)
            if child.type in ("softbreak", "hardbreak"):
                piece, line = " ", line + 1
            else:
                piece = child.content if child.type in ("text", "code_inline", "html_inline") else ""
            if piece:
                pieces.append(piece)
                starts.append(length)
                lines.append(line)
                length += len(piece)
        text = "".join(pieces)
        for match in _LONG_WORD.finditer(text):
            _refuse_word(match.group(0), self.source, lines[bisect_right(starts, match.start()) - 1])
        _check_paragraph(text, self.source, lines[0] if lines else line, block)

    def text(self, content: str, line: int, what: str, per_line: bool = False):
        """Text shown as it is written (front matter values, figure fields, code)."""
        for number, row in enumerate(content.split("\n")):
            for match in _LONG_WORD.finditer(row):
                _refuse_word(match.group(0), self.source, line + number)
            if per_line:
                _check_paragraph(row, self.source, line + number, what)
        if not per_line:
            _check_paragraph(content, self.source, line, what)


_LONG_WORD = re.compile(r"\S{%d,}" % (MAX_WORD + 1))


def _check_paragraph(text: str, source, line: int, what: str):
    if len(text) > MAX_PARAGRAPH:
        raise RenderError(source, line, f"{what} has {len(text):,} characters, over the limit "
                          f"of {MAX_PARAGRAPH:,} for one block of text; break it into "
                          "paragraphs (a blank line between them), or shorten it")


def _refuse_word(word: str, source, line: int):
    start = "".join(c if c.isprintable() else "?" for c in word[:20])
    raise RenderError(source, line, f"a word of {len(word):,} characters with no space "
                      f"(\"{start}…\"), over the limit of {MAX_WORD:,}: a word wider than a line "
                      "is laid out again for every line it fills; break it with spaces or "
                      "shorten it")

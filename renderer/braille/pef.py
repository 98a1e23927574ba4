"""PEF 2008-1 (Portable Embosser Format, DAISY): the braille pages as XML an embosser driver or
braille production tool reads, each row in Unicode braille (U+2800 + the dot bits).

One volume (the articles are short: BANA starts a new volume near 70 pages), one section per
part: the title page, the body, the colophon, so a tool can emboss them apart.
"""
from __future__ import annotations

from itertools import groupby

from ..html import render_template


def unicode_line(cells) -> str:
    return "".join(chr(0x2800 + (cell & 0x3F)) for cell in cells)


def pef_document(pages, *, cols: int, rows: int, identifier: str, title: str, author: str,
                 publisher: str, date: str, language: str, rights: str, source: str,
                 description: str) -> bytes:
    """The pages (layout.Page) as a PEF file, with the book's Dublin Core facts."""
    sections = [(part, [[unicode_line(line) for line in page.lines] for page in group])
                for part, group in groupby(pages, key=lambda page: page.part)]
    return render_template("pef.xml", sections=sections, cols=cols, rows=rows,
                           identifier=identifier, title=title, author=author,
                           publisher=publisher, date=date, language=language, rights=rights,
                           source=source, description=description).encode("utf-8")

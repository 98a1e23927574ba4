"""BRF: braille pages as North American ASCII braille (the "Braille ASCII" of BANA), the file
libraries for the blind send to embossers and braille displays.

Each cell is one of the 64 characters from space to underscore; lines end with CR LF, pages
with a form feed, the convention embossers and braille notetakers read.
"""
from __future__ import annotations

# The ASCII character of each six-dot pattern, indexed by the pattern's bits (dot 1 = 1,
# dot 2 = 2, dot 3 = 4, dot 4 = 8, dot 5 = 16, dot 6 = 32).
NA_ASCII = " A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V.%[$+X!&;:4\\0Z7(_?W]#Y)="


def ascii_line(cells) -> str:
    return "".join(NA_ASCII[cell & 0x3F] for cell in cells)


def brf_document(pages) -> bytes:
    """The pages (layout.Page) as a BRF file."""
    out = []
    for page in pages:
        out.append("".join(ascii_line(line) + "\r\n" for line in page.lines) + "\f")
    return "".join(out).encode("ascii")

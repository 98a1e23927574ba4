"""Braille editions: BRF (North American ASCII braille) and PEF 2008-1, made with liblouis.

`blocks` turns the web page (with its PDF page markers) into the reading order's blocks,
`translate` picks the liblouis table of the language and translates, `layout` sets the braille
pages (headings, indents, lists, linearized tables, transcriber's notes, page numbers and print
page indicators), `brf` and `pef` write the two files. README, "Braille editions".
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import RenderError
from .blocks import braille_blocks
from .brf import brf_document
from .layout import lay_out
from .pef import pef_document
from .translate import DEFAULT_GRADE, Translator

DEFAULT_PAGE = (40, 25)
FORMATS = ("brf", "pef")


@dataclass(frozen=True)
class BrailleOptions:
    grade: int = DEFAULT_GRADE
    width: int = DEFAULT_PAGE[0]
    height: int = DEFAULT_PAGE[1]


def parse_page(text: str) -> tuple[int, int]:
    """`--braille-page 40x25` → (40, 25): cells per line, lines per page."""
    try:
        width, height = (int(n) for n in text.lower().split("x"))
    except ValueError:
        width = height = 0
    if not (12 <= width <= 100 and 5 <= height <= 100):
        raise RenderError("--braille-page", None, f"{text!r} is not a braille page size; give "
                          "cells per line x lines per page, e.g. 40x25 (12–100 x 5–100)")
    return width, height


@dataclass(frozen=True)
class Editions:
    """The two files, and the characters the tables had no braille for (then shown as
    liblouis's escapes), for a warning."""
    brf: bytes
    pef: bytes
    undefined: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()


def braille_editions(marked_html: str, meta, options: BrailleOptions, where: str = "") -> Editions:
    """The BRF and PEF of a page rendered with its PDF page markers; `meta` is the document's
    Metadata."""
    translator = Translator(meta.language, options.grade, where)
    blocks = braille_blocks(marked_html)
    pages = lay_out(blocks, translator, options.width, options.height)
    table = ", ".join(translator.tables)
    undefined = dict.fromkeys(c for block in blocks
                              for c in translator.undefined(block.text, block.lang))
    return Editions(
        brf=brf_document(pages),
        pef=pef_document(
            pages, cols=options.width, rows=options.height,
            identifier=meta.identifier or meta.title, title=meta.title, author=meta.author,
            publisher=meta.publisher, date=meta.published.isoformat(), language=meta.language,
            rights=meta.rights, source=meta.source,
            description=f"Braille, grade {options.grade}, {options.width}x{options.height} "
                        f"cells, {table} ({translator.version()})"),
        undefined=tuple(undefined), tables=translator.tables)


def check_language(language: str, grade: int, where: str = "") -> None:
    """Raise the one-line RenderError now if liblouis has no table for `language`."""
    Translator(language, grade, where)

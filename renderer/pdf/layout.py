"""Reading WeasyPrint's layout: where each page begins and which elements run over each
page break, for the tag repair and the page markers."""
from __future__ import annotations

from dataclasses import dataclass, field


# WeasyPrint 70's element → tag mapping, for the elements our templates write (pdf/passes.py).
_TAGS = {"main": "Part", "article": "Art", "section": "Sect", "blockquote": "BlockQuote",
         "p": "P", "ul": "L", "ol": "L", "dl": "L", "li": "LI", "table": "Table", "tr": "TR",
         "th": "TH", "td": "TD", "thead": "THead", "tbody": "TBody", "div": "Div",
         "figcaption": "Caption", "caption": "Caption"}


@dataclass
class Layout:
    """What the PDF's pagination says about the content, for tag repair and page markers;
    and the characters no installed font could show."""
    continued: list[list[str]]  # per page break: PDF tags of the elements running over it
    page_starts: list  # per page: (index of its first block among <body>'s descendants,
                       #            words of that block printed on earlier pages), or None
    missing_glyphs: list = field(default_factory=list)


def read_layout(document) -> Layout:
    """Where each page begins, and which elements run over each page break.

    A page begins in the block (paragraph, heading, list item, cell, figure…) holding its first
    printed text, after as many of that block's words as earlier pages printed.
    """
    firsts, lasts, starts = [], [], []
    seen_heads: set[int] = set()
    printed: dict[int, list[str]] = {}  # block → its text boxes printed so far
    order: dict[int, int] = {}
    for page in document.pages:
        leaves = list(_text_leaves(page._page_box, ()))
        # A table header repeated on a continuation page is not where the page's text begins.
        heads = {id(e) for chain, _ in leaves for e in chain if e.tag == "thead"}
        leaves = [(c, b) for c, b in leaves
                  if not any(e.tag == "thead" and id(e) in seen_heads for e in c)]
        seen_heads |= heads
        if leaves and not order:
            body = next(e for e in leaves[0][0] if e.tag == "body")
            order = {id(e): i for i, e in enumerate(body.iter())}
        if leaves:
            block = _block_of(leaves[0][0])
            starts.append((order[id(block)], len("".join(printed.get(id(block), ())).split())))
        else:
            starts.append(None)
        for chain, box in leaves:
            text = getattr(box, "text", "")
            if text and "::" not in (getattr(box, "element_tag", "") or ""):  # not ::marker, q::before
                printed.setdefault(id(_block_of(chain)), []).append(text)  # not +: quadratic
        firsts.append(leaves[0][0] if leaves else ())
        lasts.append(leaves[-1][0] if leaves else ())
    continued = []
    for last, first in zip(lasts, firsts[1:]):
        shared = set(map(id, first))
        continued.append([_TAGS.get(e.tag, "NonStruct") for e in last
                          if id(e) in shared and e.tag not in ("html", "body")])
    return Layout(continued, starts)


_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "caption", "summary",
           "dt", "dd", "pre", "figure"}


def _block_of(chain):
    """The innermost block element of a chain (a figure for its image)."""
    for element in reversed(chain):
        if element.tag in _BLOCKS:
            return element
    return chain[-1]


def _text_leaves(box, chain):
    """(element chain, outermost first) of every text or image box, in layout order."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.MarginBox):
        return
    element = getattr(box, "element", None)
    if element is not None and (not chain or chain[-1] is not element):
        chain = chain + (element,)
    if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)) and element is not None:
        yield chain, box
        return
    for child in getattr(box, "children", ()):
        yield from _text_leaves(child, chain)

"""The reading order of an (X)HTML page: what a screen reader meets, in order, and where.

One walk serves `renderer read` (renderer.transcript) and the narration (renderer.narration),
so that the narrated EPUB speaks exactly what the transcript of the same book lists, in the same
order: alt text for images, nothing hidden, `<q>` with its quotation marks as browsers expose
them. Each `Item(role, text)` comes with the element it was read from.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .model import NOT_PRESERVED_ROLE

XHTML = "{http://www.w3.org/1999/xhtml}"
# Roles that exist in one format only (landmarks, list labels, the skip link): transcripts of
# the same article agree once these are set aside.
FORMAT_SPECIFIC = {"landmark", "skip link", "label"}
BLOCK_ROLES = {"h1": "heading 1", "h2": "heading 2", "h3": "heading 3", "h4": "heading 4",
               "h5": "heading 5", "h6": "heading 6", "p": "paragraph", "li": "item",
               "th": "header cell", "td": "cell", "caption": "table caption",
               "summary": "summary", "pre": "paragraph"}
LANDMARKS = {"header": "banner", "main": "main", "footer": "contentinfo"}
# Children of a list item that are read after its own text, as blocks of their own.
ITEM_BLOCKS = ("ul", "ol", "p", "blockquote", "table", "figure", "div")


@dataclass(frozen=True)
class Item:
    role: str
    text: str

    def __post_init__(self):
        # NFC: a PDF maps each glyph to one spelling, so "é" and "e\u0301" read back alike.
        object.__setattr__(self, "text", unicodedata.normalize("NFC", " ".join(self.text.split())))

    def __str__(self) -> str:
        return f"[{self.role}] {self.text}" if self.text else f"[{self.role}]"


def reading_order(element) -> list[tuple[Item, object]]:
    """Every item read inside `element`, in order, each with the element it comes from (the
    `<img>`, `<p>`, `<li>`, `<td>`…; for a landmark or a list label, its container). The tree
    is not changed."""
    found: list[tuple[Item, object]] = []
    _walk(list(element), found, in_caption=False, in_quote=False)
    return found


def local_name(tag) -> str:
    return tag.split("}")[-1] if isinstance(tag, str) else ""


def hidden(element) -> bool:
    return element.get("hidden") is not None or element.get("aria-hidden") == "true"


def _walk(children, found, in_caption, in_quote):
    for child in children:
        tag = local_name(child.tag)
        if not tag or hidden(child) or tag in ("script", "style", "template"):
            continue
        if tag == "a" and child.get("class") == "skip-link":
            found.append((Item("skip link", inline_text(child)), child))
        elif tag in LANDMARKS:
            found.append((Item("landmark", LANDMARKS[tag]), child))
            _walk(list(child), found, in_caption, in_quote)
        elif child.get("role") == "note":
            found.append((Item("landmark", "note"), child))
            _walk(list(child), found, in_caption, in_quote)
        elif tag == "img":
            figure = image_item(child)
            if figure is not None:
                found.append((figure, child))
        elif tag == "figcaption":
            _walk(list(child), found, True, in_quote)
        elif tag == "blockquote":
            _walk(list(child), found, in_caption, True)
        elif tag in ("ul", "ol"):
            count = len([c for c in child if local_name(c.tag) == "li"])
            found.append((Item("label", f"list of {count} items"), child))
            _walk(list(child), found, in_caption, in_quote)
        elif tag == "li":
            _list_item(child, found, in_caption, in_quote)
        elif tag == "p" and "figure-alt" in (child.get("class") or "").split():
            found.append((Item(NOT_PRESERVED_ROLE, inline_text(child)), child))  # read in place
        elif tag in BLOCK_ROLES:
            role = "caption" if in_caption else "quote" if in_quote and tag == "p" else BLOCK_ROLES[tag]
            found.append((Item(role, inline_text(child)), child))
        else:
            _walk(list(child), found, in_caption, in_quote)


def image_item(img) -> Item | None:
    """What a reader meets at an image: its alt text; nothing for `alt=""` (decorative);
    an unnamed figure when `alt` is missing, which a screen reader still announces (often by
    its file name), so that a transcript shows it as `[figure]`."""
    if img.get("role") in ("presentation", "none"):
        return None
    alt = img.get("alt")
    if alt is None:
        return Item("figure", img.get("aria-label") or "")
    return Item("figure", alt) if alt else None


def item_blocks(element) -> list:
    """The children of a list item read after its own text (nested lists, paragraphs…)."""
    return [c for c in element if local_name(c.tag) in ITEM_BLOCKS]


def _list_item(element, found, in_caption, in_quote):
    """An item's own text first, then any nested list or blocks."""
    blocks = item_blocks(element)
    own = [c for c in element if c not in blocks]
    inline = (element.text or "") + "".join(inline_text(c) + (c.tail or "") for c in own)
    if inline.strip():
        found.append((Item("item", inline), element))
    _walk(blocks, found, in_caption, in_quote)


def inline_text(element) -> str:
    """Text as read: `<q>` with its marks, `<br>` as a space, images by their alt."""
    parts = [element.text or ""]
    for child in element:
        tag = local_name(child.tag)
        if hidden(child):
            pass
        elif tag == "q":
            parts.append("“" + inline_text(child) + "”")
        elif tag == "br":
            parts.append(" ")
        elif tag == "img":
            parts.append(child.get("alt") or "")
        else:
            parts.append(inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)

"""Convert: the extracted article's HTML → the Markdown block model (markdown.py).

Kept: headings, paragraphs, lists, block quotes, tables (header rows and captions), code,
links (http, https, mailto), emphasis, inline quotations, `lang`/`dir` on passages, figures.
Dropped: scripts, styles, forms, iframes, embedded objects, navigation and share widgets
(the extractor removes most of the site already; this is the last sieve).
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import langcodes

from . import markdown as md
from .extract import RID

DROP = {"script", "style", "noscript", "iframe", "frame", "frameset", "form", "input", "button",
        "select", "textarea", "option", "optgroup", "label", "svg", "math", "canvas", "video",
        "audio", "object", "embed", "param", "template", "nav", "menu",
        "dialog", "map", "area", "link", "meta", "head", "title", "base", "applet", "aside"}
BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "h1", "h2", "h3", "h4",
          "h5", "h6", "ul", "ol", "dl", "dt", "dd", "li", "blockquote", "pre", "table", "figure",
          "figcaption", "hr", "address", "center", "details", "summary", "fieldset", "hgroup",
          "picture", "caption", "tr", "td", "th", "tbody", "thead", "tfoot", "body", "html",
          "listing", "xmp", "plaintext"}
EMPHASIS = {"em", "i", "cite", "dfn", "var"}
STRONG = {"strong", "b"}
CODE = {"code", "kbd", "samp", "tt"}
JUNK = re.compile(r"(?<![a-z])(share|sharing|social|related|newsletter|subscribe|cookie|"
                  r"advert|advertisement|promo|sponsor|comments?|skip-?link|breadcrumbs?|"
                  r"print-?button|toolbar|disqus|outbrain|taboola)(?![a-z])", re.I)
WS = re.compile(r"[ \t\n\r\f]+")


class Converter:
    """One article's HTML to blocks; figures come ready-made from `figures` (by rid)."""

    def __init__(self, base_url: str, language: str, figures: dict, consumed: set):
        self.base_url = base_url
        self.language = (language or "").lower()
        self.figures = figures      # rid of an <img> → figures.Outcome
        self.consumed = consumed    # rids of caption elements already in a figure
        self.pending: list = []     # figures met inside inline markup, placed after the block
        self.nested = 0             # > 0 inside a list item or a block quote

    # -------------------------------------------------------- blocks
    def blocks(self, element, lang: str = "", direction: str = "") -> list:
        out: list = []
        buffer: list = []
        if element.text:
            buffer.append(("text", element.text))
        for child in element:
            if not isinstance(child.tag, str):  # a comment or processing instruction
                if child.tail:
                    buffer.append(("text", child.tail))
                continue
            tag = child.tag.lower()
            if self._skipped(child, tag):
                pass
            elif tag in BLOCKS or tag == "img" and self._is_figure(child):
                self._flush(buffer, out, lang, direction)
                buffer = []
                out.extend(self.block(child, tag, lang, direction))
            else:
                buffer.extend(self.inline(child, lang))
            if child.tail:
                buffer.append(("text", child.tail))
        self._flush(buffer, out, lang, direction)
        return out

    def _skipped(self, element, tag: str) -> bool:
        if tag in DROP or element.get(RID) in self.consumed:
            return True
        if element.get("hidden") is not None or (element.get("aria-hidden") or "") == "true" \
                and tag != "img" and not element.findall(".//img"):
            return True
        klass = " ".join(filter(None, (element.get("class"), element.get("id"))))
        if klass and JUNK.search(klass) and tag not in ("h1", "h2", "h3", "h4", "h5", "h6",
                                                          "blockquote", "table", "figure", "img"):
            text = " ".join(element.text_content().split())
            links = " ".join(" ".join(a.text_content().split()) for a in element.iter("a"))
            if len(text) < 200 or len(links) > 0.5 * len(text):
                return True
        return False

    def _is_figure(self, img) -> bool:
        outcome = self.figures.get(img.get(RID))
        return outcome is not None and outcome.figure is not None

    def block(self, element, tag: str, lang: str, direction: str) -> list:
        own_lang, own_dir = self._lang(element, lang), self._dir(element, direction)
        if tag == "img":
            return [self.figures[element.get(RID)].figure]
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            inlines = self._pull(_normalise(self.inline_children(element, own_lang)))
            if not _has_text(inlines):
                return self._with_pending([])
            if self.nested:  # the outline is the article's: a heading inside a list item or
                return self._with_pending([md.Para([("strong", inlines)])])  # quote is emphasis
            return self._with_pending([md.Heading(int(tag[1]), inlines)])
        if tag == "p" or tag == "dt":
            inlines = _normalise(self.inline_children(element, own_lang))
            if tag == "dt" and _has_text(inlines):
                inlines = [("strong", inlines)]
            return self._paragraphs(inlines, own_lang, own_dir, lang)
        if tag in ("ul", "ol"):
            return self._list(element, tag == "ol", own_lang, own_dir)
        if tag == "blockquote":
            self.nested += 1
            try:
                inner = self.blocks(element, own_lang, own_dir)
            finally:
                self.nested -= 1
            if not inner:
                return []
            return [md.Quote(inner, _differs(own_lang, lang, self.language),
                             own_dir if own_dir != direction else "")]
        if tag in ("pre", "listing", "xmp", "plaintext"):
            text = element.text_content().strip("\n")
            return [md.CodeBlock(text)] if text.strip() else []
        if tag == "hr":
            return [md.Rule()]
        if tag == "table":
            return self._table(element, own_lang, own_dir)
        return self.blocks(element, own_lang, own_dir)  # div, section, figure, li…: a container

    def _flush(self, buffer, out, lang, direction):
        inlines = _normalise(buffer)
        out.extend(self._paragraphs(inlines, lang, direction, lang))

    def _paragraphs(self, inlines, lang, direction, outer_lang) -> list:
        """A paragraph, split where a figure stood in it; figures from inside links after."""
        out, current = [], []
        for node in inlines + [("figure", None)]:
            if node[0] == "figure":
                current = _normalise(current)
                if _has_text(current):
                    out.append(md.Para(current, _differs(lang, "", self.language),
                                       direction if direction == "rtl" and not lang else ""))
                if node[1] is not None:
                    out.append(node[1])
                current = []
            else:
                current.append(node)
        return self._with_pending(out)

    def _with_pending(self, blocks):
        if self.pending:
            blocks, self.pending = blocks + self.pending, []
        return blocks

    def _list(self, element, ordered: bool, lang: str, direction: str) -> list:
        items = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag.lower() == "li":
                if self._skipped(child, "li"):
                    continue
                self.nested += 1
                try:
                    blocks = self.blocks(child, self._lang(child, lang), direction)
                finally:
                    self.nested -= 1
                items.append(blocks)
            elif child.tag.lower() in ("ul", "ol") and items:
                items[-1].extend(self.block(child, child.tag.lower(), lang, direction))
        items = [item for item in items if item]
        if not items:
            return []
        start = 1
        if ordered:
            match = re.match(r"\s*(\d+)", element.get("start") or "")
            start = int(match.group(1)) if match else 1
        figures = []  # figures stand after the list, not inside an item
        for item in items:
            figures.extend(b for b in item if isinstance(b, md.Figure))
            item[:] = [b for b in item if not isinstance(b, md.Figure)]
        items = [item for item in items if item]
        return ([md.ListBlock(ordered, items, start)] if items else []) + figures

    def _table(self, table, lang, direction) -> list:
        rows = [tr for tr in table.iter("tr") if _owner_table(tr) is table]
        grid = []
        for tr in rows:
            cells = [c for c in tr if isinstance(c.tag, str) and c.tag.lower() in ("th", "td")]
            if cells:
                grid.append((tr, cells))
        if not grid:
            return self.blocks(table, lang, direction)
        in_head = [tr for tr, _ in grid if tr.getparent() is not None and tr.getparent().tag == "thead"]
        first_all_th = all(c.tag.lower() == "th" for c in grid[0][1])
        layout = len(grid) == 1 or max(len(c) for _, c in grid) == 1 or any(
            c.find(".//table") is not None or c.find(".//p") is not None or
            c.find(".//ul") is not None or c.find(".//div") is not None
            for _, cells in grid for c in cells) and not (in_head or first_all_th)
        if layout or not (in_head or first_all_th):
            out = []  # a layout table, or data with no header row: keep its content, in order
            for _, cells in grid:
                for cell in cells:
                    out.extend(self.blocks(cell, lang, direction))
            return out
        head_count = len(in_head) if in_head else 1
        widths = {sum(_span(c.get("colspan")) for c in cells) for _, cells in grid}
        spanning = any(_span(c.get("rowspan")) > 1 or _span(c.get("colspan")) > 1
                       for _, cells in grid for c in cells)
        if len(widths) > 1 or spanning:  # a pipe table is a plain grid: keep the content instead
            out = []
            for _, cells in grid:
                for cell in cells:
                    out.extend(self.blocks(cell, lang, direction))
            return out
        rendered = []
        for _, cells in grid:
            row = []
            for cell in cells:
                inlines = _normalise(self.inline_children(cell, lang, flat=True))
                row.append(self._pull(inlines))
            rendered.append(row)
        if any(not _has_text(cell) for row in rendered[:head_count] for cell in row):
            out = []  # a header cell with no text names nothing: not a data table's header
            for _, cells in grid:
                for cell in cells:
                    out.extend(self.blocks(cell, lang, direction))
            self.pending = []
            return out
        caption_el = table.find("caption")
        caption = self._pull(_normalise(self.inline_children(caption_el, lang, flat=True))) \
            if caption_el is not None else []
        head, body = rendered[:head_count], rendered[head_count:]
        if len(head) > 1:  # a pipe table has one header row: the others become body rows
            head, body = head[:1], head[1:] + body
        figures, self.pending = self.pending, []
        return [md.Table(head, body, caption)] + figures

    # -------------------------------------------------------- inlines
    def inline_children(self, element, lang, flat: bool = False) -> list:
        out = []
        if element.text:
            out.append(("text", element.text))
        for child in element:
            if isinstance(child.tag, str):
                out.extend(self.inline(child, lang, flat))
            if child.tail:
                out.append(("text", child.tail))
        return out

    def inline(self, element, lang: str, flat: bool = False) -> list:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if not tag or self._skipped(element, tag):
            return []
        if tag == "img":
            outcome = self.figures.get(element.get(RID))
            if outcome is None:
                return []
            if outcome.figure is not None:
                return [("figure", outcome.figure)]
            return [("text", outcome.inline)] if outcome.inline else []
        if tag == "br":
            return [("br",)]
        if tag in BLOCKS:  # block markup inside inline context: keep its words apart
            inner = self.inline_children(element, self._lang(element, lang), flat)
            return [("text", " ")] + inner + [("text", " ")]
        own = self._lang(element, lang)
        children = self.inline_children(element, own, flat)
        children = self._hoist(children)
        if tag in EMPHASIS:
            node = [("em", children)]
        elif tag in STRONG:
            node = [("strong", children)]
        elif tag in CODE:
            return [("code", " ".join(element.text_content().split()) if not flat else
                     " ".join(element.text_content().split()))]
        elif tag == "q":
            node = [("q", _differs(own, lang, self.language), children)]
        elif tag == "a":
            href = self._href(element.get("href"))
            title = " ".join((element.get("title") or "").split())
            node = [("link", href, title, children)] if href else children
        else:
            node = children
        if own != lang and tag != "q":
            node = [("span", _differs(own, lang, self.language), self._dir(element, ""), node)]
        return node

    def _pull(self, inlines):
        """Figures cannot stand inside a heading or a table cell: they follow it."""
        self.pending.extend(node[1] for node in inlines if node[0] == "figure")
        return _normalise([node for node in inlines if node[0] != "figure"])

    def _hoist(self, children):
        """A figure inside a link or emphasis is placed after the paragraph it stood in."""
        kept = []
        for node in children:
            if node[0] == "figure":
                self.pending.append(node[1])
            else:
                kept.append(node)
        return kept

    # -------------------------------------------------------- attributes
    def _lang(self, element, inherited: str) -> str:
        value = element.get("lang") or element.get("{http://www.w3.org/XML/1998/namespace}lang")
        if value is None:
            return inherited
        value = value.strip().replace("_", "-")
        if not value:
            return inherited
        try:
            if not langcodes.tag_is_valid(value):
                return inherited
            return langcodes.standardize_tag(value)
        except (ValueError, LookupError):
            return inherited

    def _dir(self, element, inherited: str) -> str:
        value = (element.get("dir") or "").strip().lower()
        return value if value in ("rtl", "ltr") else inherited

    def _href(self, href) -> str:
        if not href:
            return ""
        href = href.strip()
        if href.startswith("#"):
            return ""  # a place on the original page, which the copy does not have
        try:
            full = urljoin(self.base_url, href)
        except ValueError:
            return ""
        scheme = urlsplit(full).scheme.lower()
        if scheme not in ("http", "https", "mailto"):
            return ""
        return full if not any(c.isspace() for c in full) else full.replace(" ", "%20")


def _differs(lang: str, outer: str, document: str) -> str:
    """The passage's language if it is not the language around it (else "")."""
    if not lang:
        return ""
    around = (outer or document or "").lower()
    return "" if lang.lower() == around else lang


def _owner_table(tr):
    return next((a for a in tr.iterancestors() if a.tag == "table"), None)


def _span(value) -> int:
    match = re.match(r"\s*(\d+)", value or "")
    return max(1, min(int(match.group(1)), 50)) if match else 1


def _has_text(inlines) -> bool:
    for node in inlines:
        kind = node[0]
        if kind == "text" and node[1].strip():
            return True
        if kind == "code" and node[1].strip():
            return True
        if kind in ("em", "strong") and _has_text(node[1]):
            return True
        if kind == "link" and _has_text(node[3]):
            return True
        if kind == "span" and _has_text(node[3]):
            return True
        if kind == "q" and _has_text(node[2]):
            return True
    return False


def _normalise(inlines) -> list:
    """HTML whitespace rules: runs collapse to one space; none at the start or end of a
    block or beside a line break; empty formatting disappears."""
    flat = _collapse(inlines)
    _trim(flat, start=True)
    _trim(flat, start=False)
    return _drop_empty(_trim_breaks(flat))


def _collapse(nodes, state=None):
    state = state if state is not None else {"space": True}
    out = []
    for node in nodes:
        kind = node[0]
        if kind == "text":
            text = WS.sub(" ", node[1])
            if state["space"] and text.startswith(" "):
                text = text[1:]
            if text:
                state["space"] = text.endswith(" ")
                out.append(("text", text))
        elif kind == "br":
            out.append(node)
            state["space"] = True
        elif kind == "code":
            text = WS.sub(" ", node[1])
            if text:
                out.append(("code", text))
                state["space"] = False
        elif kind == "figure":
            out.append(node)
            state["space"] = True
        elif kind in ("em", "strong"):
            out.append((kind, _collapse(node[1], state)))
        elif kind == "link":
            out.append(("link", node[1], node[2], _collapse(node[3], state)))
        elif kind == "span":
            out.append(("span", node[1], node[2], _collapse(node[3], state)))
        elif kind == "q":
            out.append(("q", node[1], _collapse(node[2], state)))
    return out


def _children_index(node):
    return {"em": 1, "strong": 1, "link": 3, "span": 3, "q": 2}.get(node[0])


def _trim(nodes, start: bool):
    """Strip spaces at the start (or end) of a node list, reaching into formatting."""
    indices = range(len(nodes)) if start else range(len(nodes) - 1, -1, -1)
    for i in indices:
        node = nodes[i]
        if node[0] == "text":
            text = node[1].lstrip(" ") if start else node[1].rstrip(" ")
            nodes[i] = ("text", text)
            if text:
                return True
        elif node[0] in ("br", "figure"):
            return True
        elif node[0] == "code":
            return True
        else:
            index = _children_index(node)
            children = list(node[index])
            done = _trim(children, start)
            nodes[i] = node[:index] + (children,) + node[index + 1:]
            if done:
                return True
    return False


def _trim_breaks(nodes):
    """No space around a hard line break, no break at the very start or end."""
    out = []
    for i, node in enumerate(nodes):
        if node[0] == "br":
            if out:
                previous = [out[-1]]
                _trim(previous, start=False)
                out[-1] = previous[0]
            if i + 1 < len(nodes):
                following = [nodes[i + 1]]
                _trim(following, start=True)
                nodes[i + 1] = following[0]
        out.append(node)
    while out and (out[0][0] == "br" or (out[0][0] == "text" and not out[0][1])):
        out.pop(0)
    while out and (out[-1][0] == "br" or (out[-1][0] == "text" and not out[-1][1])):
        out.pop()
    collapsed = []
    for node in out:  # a run of breaks is one break
        if node[0] == "br" and collapsed and collapsed[-1][0] == "br":
            continue
        collapsed.append(node)
    return collapsed


def _drop_empty(nodes):
    out = []
    for node in nodes:
        kind = node[0]
        if kind == "text" and not node[1]:
            continue
        index = _children_index(node)
        if index is not None:
            children = _drop_empty(node[index])
            if not children:
                continue
            node = node[:index] + (children,) + node[index + 1:]
        if out and node[0] in ("code", "text") and out[-1][0] == node[0]:
            out[-1] = (node[0], out[-1][1] + node[1])  # `a``b` would read as one odd span
            continue
        if out and node[0] in ("em", "strong") and out[-1][0] == node[0]:
            out[-1] = (node[0], _drop_empty(list(out[-1][1]) + list(node[1])))
            continue
        out.append(node)
    return out

"""Markdown: write an imported article in the project's source format (README "Source format").

YAML front matter, CommonMark blocks, ```figure fences. Every piece of page text is escaped so
that the renderer's reader (markdown-it, CommonMark, raw HTML off, attribute spans) parses it
back to exactly the same text: nothing on a captured page can become markup by accident.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml


# ---------------------------------------------------------------- the little block model
@dataclass
class Para:
    inlines: list
    lang: str = ""
    dir: str = ""


@dataclass
class Heading:
    level: int
    inlines: list


@dataclass
class Quote:
    blocks: list
    lang: str = ""
    dir: str = ""


@dataclass
class ListBlock:
    ordered: bool
    items: list  # each a list of blocks
    start: int = 1


@dataclass
class CodeBlock:
    text: str


@dataclass
class Rule:
    pass


@dataclass
class Table:
    head: list      # rows of cells; a cell is a list of inlines
    body: list
    caption: list = field(default_factory=list)


@dataclass
class Figure:
    fields: dict    # in the order they are written


# Inlines are tuples: ("text", s), ("em", children), ("strong", children), ("code", s),
# ("link", href, title, children), ("span", lang, dir, children), ("q", lang, children), ("br",)


# ---------------------------------------------------------------- whole document
FRONT_ORDER = ("title", "language", "published", "publisher", "author", "description", "rights",
               "source", "identifier", "captured", "capture_id", "capture_file", "capture_offset",
               "capture_digest", "capture_software", "todo")
FIGURE_ORDER = ("src", "missing", "alt", "decorative", "title", "caption", "credit_label", "credit",
                "identifier_label", "identifier", "original", "todo")


def document(front: dict, blocks: list) -> str:
    """The whole article.md: front matter, a blank line, the blocks separated by blank lines."""
    lines = ["---"]
    for key in FRONT_ORDER:
        if front.get(key) not in (None, "", []):
            lines.append(yaml_line(key, front[key]))
    lines.append("---")
    body = "\n\n".join(render_block(b) for b in blocks)
    return "\n".join(lines) + "\n\n" + body.rstrip("\n") + "\n"


def yaml_line(key: str, value) -> str:
    """`key: value` on one line, quoted only when YAML needs it; a list is a block list."""
    if isinstance(value, list):
        return f"{key}:\n" + "\n".join("  - " + _scalar(item) for item in value)
    return f"{key}: {_scalar(value)}"


def _scalar(value) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, width=1_000_000, default_flow_style=False)
    text = text.rstrip("\n")
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    if "\n" in text:  # never several lines: double-quote with escapes instead
        text = yaml.safe_dump(value, allow_unicode=True, width=1_000_000,
                              default_style='"').rstrip("\n")
    return text


# ---------------------------------------------------------------- blocks
def render_block(block) -> str:
    if isinstance(block, Para):
        text = render_inlines(block.inlines)
        return _block_attrs(block.lang, block.dir) + text
    if isinstance(block, Heading):
        return "#" * block.level + " " + render_inlines(block.inlines, heading=True)
    if isinstance(block, Quote):
        inner = "\n\n".join(render_block(b) for b in block.blocks)
        quoted = "\n".join(("> " + line) if line else ">" for line in inner.split("\n"))
        return _block_attrs(block.lang, block.dir) + quoted
    if isinstance(block, ListBlock):
        return _render_list(block)
    if isinstance(block, CodeBlock):
        fence = "`" * max(3, _longest_run(block.text, "`") + 1)
        return f"{fence}\n{block.text.rstrip(chr(10))}\n{fence}"
    if isinstance(block, Rule):
        return "---"
    if isinstance(block, Table):
        return _render_table(block)
    if isinstance(block, Figure):
        body = [yaml_line(k, block.fields[k]) for k in FIGURE_ORDER
                if block.fields.get(k) not in (None, "", False, [])]
        return "```figure\n" + "\n".join(body) + "\n```"
    raise TypeError(f"unknown block {block!r}")


def _block_attrs(lang: str, direction: str) -> str:
    parts = ([f"lang={lang}"] if lang else []) + ([f"dir={direction}"] if direction else [])
    return "{" + " ".join(parts) + "}\n" if parts else ""


def _render_list(block: ListBlock) -> str:
    out = []
    for number, item in enumerate(block.items, start=block.start):
        marker = f"{number}." if block.ordered else "-"
        pad = " " * (len(marker) + 1)
        inner = "\n\n".join(render_block(b) for b in item) if item else ""
        lines = inner.split("\n") if inner else [""]
        first = f"{marker} {lines[0]}".rstrip()
        rest = [(pad + line) if line else "" for line in lines[1:]]
        out.append("\n".join([first] + rest))
    loose = any(len(item) > 1 for item in block.items)
    return ("\n\n" if loose else "\n").join(out)


def _render_table(table: Table) -> str:
    width = max(len(row) for row in table.head + table.body)
    rows = [row + [[]] * (width - len(row)) for row in table.head + table.body]

    def line(row):
        return "| " + " | ".join(render_inlines(cell, in_table=True) or " " for cell in row) + " |"

    out = []
    if table.caption:
        out.append("Table: " + render_inlines(table.caption) + "\n")
    out.append(line(rows[0]))
    out.append("|" + "|".join("---" for _ in range(width)) + "|")
    out.extend(line(row) for row in rows[1:])
    return "\n".join(out)


# ---------------------------------------------------------------- inlines
_ALWAYS = set("\\`*[]<{}|")
_LINE_START = re.compile(r"^(?:[#>+=~-]|\d{1,9}[.)])")


def escape(text: str) -> str:
    """Text → CommonMark that reads back as the same text (inline context, one line)."""
    out = []
    for i, char in enumerate(text):
        if char in _ALWAYS:
            out.append("\\" + char)
        elif char == "_":
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            out.append("_" if before.isalnum() and after.isalnum() else "\\_")
        elif char == "&" and re.match(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);", text[i:]):
            out.append("\\&")
        else:
            out.append(char)
    return "".join(out)


def _escape_line_start(text: str) -> str:
    """What would start a block at the start of a line (heading, quote, list, setext
    underline, fence, ordered-list number) is escaped there."""
    match = _LINE_START.match(text)
    if not match:
        return text
    token = match.group(0)  # '1.' becomes '1\.'; a leading '#', '>', '+', '=', '~', '-' a '\'
    if token[-1] in ".)":
        return token[:-1] + "\\" + token[-1] + text[len(token):]
    return "\\" + text


def render_inlines(inlines, heading: bool = False, in_table: bool = False) -> str:
    """Inline nodes → one line of Markdown; hard breaks become a backslash line end (a table
    cell or heading cannot hold one, so there they become a space).

    Emphasis is the one construct whose reading depends on its neighbours (flanking rules,
    runs of stars): a line with emphasis is read back with markdown-it, and if its words do
    not come back exactly, it is written again without the emphasis (words before looks)."""
    flat = heading or in_table
    text = _line(inlines, flat)
    if _risky(inlines) and _words(text) != _expected_words(inlines, flat):
        text = _line(_without_emphasis(inlines), flat)
    if heading:
        text = text.replace("#", "\\#") if text.rstrip().endswith("#") else text
    return text


def _line(inlines, flat: bool) -> str:
    lines = _inlines(inlines, flat).split("\n")
    return "\\\n".join(_escape_line_start(line) for line in lines)


def _risky(nodes) -> bool:
    """Emphasis whose reading could depend on its neighbours: more than one run, a nested
    run, or one whose words start or end with punctuation. (A single run of words is
    written so that CommonMark always reads it as emphasis; the rest is read back.)"""
    runs = []

    def walk(items, depth):
        for node in items:
            if node[0] in ("em", "strong"):
                runs.append((node, depth))
                walk(node[1], depth + 1)
            else:
                index = {"link": 3, "span": 3, "q": 2}.get(node[0])
                if index is not None:
                    walk(node[index], depth)

    walk(nodes, 0)
    if not runs:
        return False
    if len(runs) > 1:
        return True
    words = _plain(runs[0][0]).strip(" ")
    return not words or not (words[0].isalnum() and words[-1].isalnum())


def _has_emphasis(nodes) -> bool:
    for node in nodes:
        if node[0] in ("em", "strong"):
            return True
        index = {"link": 3, "span": 3, "q": 2}.get(node[0])
        if index is not None and _has_emphasis(node[index]):
            return True
    return False


def _without_emphasis(nodes) -> list:
    out = []
    for node in nodes:
        if node[0] in ("em", "strong"):
            out.extend(_without_emphasis(node[1]))
            continue
        index = {"link": 3, "span": 3, "q": 2}.get(node[0])
        if index is not None:
            node = node[:index] + (_without_emphasis(node[index]),) + node[index + 1:]
        out.append(node)
    return out


def _expected_words(nodes, flat: bool) -> str:
    return "".join(("\n" if not flat else " ") if n[0] == "br" else _plain(n) for n in nodes)


_READER = None


def _words(line: str) -> str:
    """What markdown-it (configured as renderer/reader.py) reads from one line."""
    global _READER
    if _READER is None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.attrs import attrs_plugin

        _READER = MarkdownIt("commonmark", {"html": False, "typographer": False})
        _READER.use(attrs_plugin, spans=True, allowed=("lang", "dir", "class"))
    out = []
    for token in _READER.parseInline(line):
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                out.append(child.content)
            elif child.type == "softbreak":
                out.append("\n")
            elif child.type == "hardbreak":
                out.append("\n")
    return "".join(out)


def _inlines(nodes, flat: bool, before: str = "", after: str = "") -> str:
    """Inline nodes → Markdown. `before`/`after` are the characters around this run (for the
    flanking rules of emphasis at its edges)."""
    parts = [None if node[0] in ("em", "strong") else _inline(node, flat) for node in nodes]
    out = ""
    for i, node in enumerate(nodes):
        if parts[i] is None:
            left = out[-1:] or before
            right = after
            for part in parts[i + 1:]:
                if part is None:
                    right = "*"  # another emphasis run next: never let markers touch
                    break
                if part:
                    right = part[0]
                    break
            marker = "*" if node[0] == "em" else "**"
            parts[i] = _emphasis(_inlines(node[1], flat, left, right), marker, left, right)
        text = parts[i]
        if out.endswith("`") and text.startswith("`"):
            text = escape(_plain(node))  # two code spans touching would read as one
            parts[i] = text
        out += text
    return out


def _inline(node, flat: bool) -> str:
    kind = node[0]
    if kind == "text":
        return escape(node[1])
    if kind == "br":
        return " " if flat else "\n"
    if kind in ("em", "strong"):
        return _inlines(node[1], flat)
    if kind == "code":
        return _code_span(node[1])
    if kind == "link":
        href, title, children = node[1], node[2], node[3]
        label = _inlines(children, True, "[", "]").strip()
        if not label:
            return ""
        dest = href if re.fullmatch(r"[^\s()<>\\]+", href) else \
            "<" + re.sub(r"([<>\\])", r"\\\1", href) + ">"
        if title:
            return f'[{label}]({dest} "{_escape_title(title)}")'
        return f"[{label}]({dest})"
    if kind == "span":
        lang, direction, children = node[1], node[2], node[3]
        inner = _inlines(children, flat, "[", "]")
        if not inner.strip() or not lang:
            return _inlines(children, flat)
        attrs = f"lang={lang}" + (f" dir={direction}" if direction else "")
        return "[" + inner + "]{" + attrs + "}"
    if kind == "q":
        lang, children = node[1], node[2]
        inner = _inlines(children, flat, "[", "]")
        if not inner.strip():
            return inner
        return "[" + inner + "]{.q" + (f" lang={lang}" if lang else "") + "}"
    raise TypeError(f"unknown inline {node!r}")


def _emphasis(text: str, marker: str, before: str, after: str) -> str:
    """`*text*` only where CommonMark reads it as emphasis (flanking rules); else plain text.

    Whitespace moves outside the markers; emphasis whose inner edge is punctuation next to a
    letter outside is left plain (its text is kept either way)."""
    core = text.strip(" ")
    if not core or "\n" in core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip(" "))], text[len(text.rstrip(" ")):]
    before = " " if lead else before
    after = " " if trail else after
    first, last = core[0], core[-1]
    if _is_punct(first) and before and not (before.isspace() or _is_punct(before)):
        return text
    if _is_punct(last) and after and not (after.isspace() or _is_punct(after)):
        return text
    if "*" in (first, last, before, after) or core.startswith("\\*") or core.endswith("\\*"):
        return text  # next to another marker, a run of stars would pair up differently
    return f"{lead}{marker}{core}{marker}{trail}"


def _plain(node) -> str:
    kind = node[0]
    if kind in ("text", "code"):
        return node[1]
    if kind == "br":
        return " "
    children = {"em": 1, "strong": 1, "link": 3, "span": 3, "q": 2}.get(kind)
    return "".join(_plain(child) for child in node[children]) if children else ""


def _is_punct(char: str) -> bool:
    import unicodedata
    return bool(char) and (unicodedata.category(char)[0] in "PS")


def _code_span(text: str) -> str:
    text = text.replace("\n", " ")
    ticks = "`" * (_longest_run(text, "`") + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    if not text.strip(" "):
        return escape(text)
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _escape_title(title: str) -> str:
    return re.sub(r'(["\\])', r"\\\1", " ".join(title.split()))


def _longest_run(text: str, char: str) -> int:
    runs = re.findall(re.escape(char) + "+", text)
    return max((len(r) for r in runs), default=0)

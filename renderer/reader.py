"""Reader: an article folder (Markdown + YAML front matter + images) → `model.Document`.

Parsing is markdown-it-py (CommonMark, raw HTML off, so `<script>` stays text) with plugins for
front matter, tables and `{lang=…}` attributes. Figures are fenced blocks whose info string is
`figure` and whose body is YAML: a plain Markdown viewer shows them as a readable code block.
"""
from __future__ import annotations

import difflib
import hashlib
import re
import uuid
from datetime import date, datetime, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import langcodes
import yaml
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from . import model as m
from .errors import Finding, RenderError

ARTICLE_NAMES = ("article.md", "index.md")

REQUIRED_META = ("title", "language", "published", "publisher", "rights")
CAPTURE_META = ("captured", "capture_id", "capture_file", "capture_offset", "capture_digest",
                "capture_software")
OPTIONAL_META = ("description", "author", "source", "notice", "identifier") + CAPTURE_META
FIGURE_KEYS = ("src", "alt", "title", "caption", "credit", "credit_label", "identifier",
               "identifier_label", "description", "decorative", "id", "missing", "original",
               "todo")
TODO = "todo"  # a note for a person (e.g. from `renderer import`): render refuses until it is gone
RTL_SCRIPTS = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg", "Samr", "Mand"}


def find_source(folder: Path) -> Path:
    """The Markdown file of an article folder (or the file itself when given one)."""
    folder = Path(folder)
    if folder.is_file():
        return folder
    for name in ARTICLE_NAMES:
        if (folder / name).is_file():
            return folder / name
    raise RenderError(folder, None, "no article.md in this folder; "
                      "put the article's Markdown in article.md")


def read_article(path) -> m.Document:
    """Read one article folder (or its Markdown file) into the content model."""
    source = find_source(Path(path))
    raw = source.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RenderError(source, line, "file is not UTF-8 text; save it as UTF-8") from None
    return parse_article(text, source, hashlib.sha256(raw).hexdigest())


def parse_article(text: str, source: Path, sha256: str = "") -> m.Document:
    """Parse article text; `source` names the file in messages and anchors image paths."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise RenderError(source, 1, "the file is empty; start it with YAML front matter "
                          "between two '---' lines, then the article text")
    parser = _Parser(Path(source))
    tokens = _markdown().parse(text)
    if not tokens or tokens[0].type != "front_matter":
        if text.startswith("---"):
            raise RenderError(source, 1, "front matter is not closed; add a '---' line after "
                              "its last field")
        raise RenderError(source, 1, "no front matter; start the file with a '---' line, "
                          "the YAML fields (title, language, …), and another '---' line")
    metadata = parser.metadata(tokens[0], sha256 or hashlib.sha256(text.encode()).hexdigest())
    blocks = parser.blocks(SyntaxTreeNode(tokens[1:]).children)
    if metadata.notice:
        english = metadata.language.split("-")[0].lower() == "en"
        blocks = (m.Notice("Archival notice", (m.Paragraph((m.Text(metadata.notice),)),),
                           "" if english else "en"),) + blocks
    blocks = _fix_outline(blocks, parser)
    _check_unique_ids(blocks, source)
    return m.Document(metadata=metadata, blocks=blocks, source_path=str(source),
                      source_sha256=sha256, findings=tuple(parser.findings))


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable("table")
    md.use(front_matter_plugin)
    md.use(attrs_plugin, spans=True, allowed=("lang", "dir", "class"))
    md.use(attrs_block_plugin, allowed=("lang", "dir", "class"))
    return md


class _Parser:
    """Turns markdown-it's syntax tree into model blocks, remembering the file for messages."""

    def __init__(self, source: Path):
        self.source = source
        self.findings: list[Finding] = []
        self.figure_count = 0

    def error(self, line, message):
        return RenderError(self.source, line, message)

    def warn(self, code, line, message):
        self.findings.append(Finding(code, "warning", str(self.source), line, message))

    # ------------------------------------------------------------ front matter
    def metadata(self, token, sha256: str) -> m.Metadata:
        first_line = 2  # the YAML starts on the line after '---'
        try:
            data = yaml.safe_load(token.content)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = first_line + mark.line if mark else 1
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise self.error(line, f"front matter is not valid YAML ({problem}); "
                             "write one 'key: value' per line and quote values containing ': '") from None
        if not isinstance(data, dict):
            raise self.error(1, "front matter must be 'key: value' lines; "
                             "see README.md for the fields")
        lines = _key_lines(token.content, first_line)
        for key in data:
            if key not in REQUIRED_META + OPTIONAL_META + (TODO,):
                raise self.error(lines.get(key, 1), _unknown_key("front-matter field", key,
                                                                   REQUIRED_META + OPTIONAL_META))
        if TODO in data:  # before the required fields: import leaves out what the todo asks for
            raise self.needs_person(data[TODO], lines.get(TODO, 1))
        for key in REQUIRED_META:
            if data.get(key) in (None, ""):
                raise self.error(lines.get(key, 1), f"front matter has no '{key}'; "
                                 f"add a '{key}:' line ({_META_HINTS[key]})")
        values = {}
        for key in REQUIRED_META + OPTIONAL_META:
            value = data.get(key)
            if key == "published":
                values[key] = _date(value, lambda msg: self.error(lines.get(key, 1), msg))
            elif key == "captured":
                values[key] = _captured(value, lambda msg: self.error(lines.get(key, 1), msg))
            elif key == "capture_offset":
                values[key] = _offset(value, lambda msg: self.error(lines.get(key, 1), msg))
            elif value is None:
                values[key] = ""
            elif isinstance(value, (dict, list)):
                raise self.error(lines.get(key, 1), f"'{key}' must be text, not a list or mapping; "
                                 "write it on one line after the colon")
            else:
                values[key] = str(value).strip()
        if values["capture_offset"] is not None and not values["capture_file"]:
            raise self.error(lines.get("capture_offset", 1), "'capture_offset' has no "
                             "'capture_file'; add the archive file's name, or remove the offset")
        if not langcodes.tag_is_valid(values["language"]):
            raise self.error(lines.get("language", 1), f"'{values['language']}' is not a BCP 47 "
                             "language tag; use one such as 'en', 'en-US' or 'ar'")
        if not values["identifier"]:
            key = values["source"] or sha256
            values["identifier"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"
        return m.Metadata(**values)

    def needs_person(self, value, line) -> RenderError:
        """The refusal for a `todo` field: its text, then what to do about the line itself."""
        notes = value if isinstance(value, list) else [value]
        if not all(isinstance(note, (str, int, float)) and not isinstance(note, bool)
                   for note in notes if note is not None):
            return self.error(line, "'todo' must be a text or a list of texts; write what a "
                              "person must do, or delete the 'todo' line")
        texts = [" ".join(str(note).split()) for note in notes if note is not None]
        texts = [text for text in texts if text]
        if not texts:
            return self.error(line, "'todo' is empty; write what a person must do, or delete "
                              "the 'todo' line")
        then = "do that" if len(texts) == 1 else "do these"
        return self.error(line, f"needs a person: {'; '.join(texts)}; {then}, then delete the "
                          "'todo' line")

    # ------------------------------------------------------------ blocks
    def blocks(self, nodes) -> tuple[m.Block, ...]:
        out = []
        pending_caption = None
        for node in nodes:
            block = self.block(node)
            if block is None:
                continue
            if isinstance(block, m.Table) and pending_caption is not None:
                out.pop()
                block = m.Table(block.head, block.body, pending_caption)
            pending_caption = _table_caption(block)
            out.append(block)
        return tuple(out)

    def block(self, node):
        line = node.map[0] + 1 if node.map else 0
        attrs = node.attrs
        if node.type == "paragraph":
            image = _alone_image(node)
            if image is not None:
                return self.implicit_figure(image, line)
            inlines = self.inlines(node.children[0].children if node.children else [], line)
            return m.Paragraph(inlines, str(attrs.get("lang", "")), self._dir(attrs))
        if node.type == "heading":
            inlines = self.inlines(node.children[0].children, line)
            return m.Heading(int(node.tag[1]), inlines, line=line)
        if node.type == "blockquote":
            return m.BlockQuote(self.blocks(node.children), str(attrs.get("lang", "")),
                                self._dir(attrs))
        if node.type in ("bullet_list", "ordered_list"):
            items = tuple(m.ListItem(self.blocks(item.children)) for item in node.children)
            start = int(attrs.get("start", 1)) if node.type == "ordered_list" else 1
            return m.List(node.type == "ordered_list", items, start)
        if node.type == "hr":
            return m.ThematicBreak()
        if node.type == "table":
            return self.table(node, line)
        if node.type in ("fence", "code_block"):
            info = node.info.strip().split(None, 1) if node.type == "fence" else []
            kind = info[0] if info else ""
            if kind == "figure":
                return self.figure(node.content, line)
            if kind == "notice":
                label = info[1].strip() if len(info) > 1 else "Note"
                inner = _markdown().parse(node.content)
                return m.Notice(label, self.blocks(SyntaxTreeNode(inner).children))
            # Code blocks are kept as a preformatted-looking paragraph of code.
            return m.Paragraph((m.Code(node.content.rstrip("\n")),))
        if node.type == "html_block":  # unreachable with html off; kept as visible text
            return m.Paragraph((m.Text(node.content),))
        raise self.error(line, f"unsupported Markdown block '{node.type}'; "
                         "use paragraphs, headings, lists, quotes, tables or a figure block")

    def _dir(self, attrs) -> str:
        """A passage in its own language gets its own direction, so it is isolated from the
        text around it (bidi) in every output."""
        if attrs.get("dir") in ("rtl", "ltr"):
            return str(attrs["dir"])
        lang = attrs.get("lang")
        return (direction_of(str(lang)) or "ltr") if lang else ""

    def table(self, node, line) -> m.Table:
        head, body = [], []
        for section in node.children:
            rows = head if section.type == "thead" else body
            for row in section.children:
                rows.append(tuple(
                    m.TableCell(self.inlines(cell.children[0].children if cell.children else [], line),
                                header=cell.type == "th",
                                align=_align(cell.attrs.get("style", "")))
                    for cell in row.children))
        return m.Table(tuple(head), tuple(body))

    # ------------------------------------------------------------ figures
    def figure(self, content: str, fence_line: int) -> m.Figure:
        self.figure_count += 1
        name = f"figure {self.figure_count}"
        first = fence_line + 1
        try:
            data = yaml.safe_load(content)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = first + mark.line if mark else fence_line
            raise self.error(line, f"{name} is not valid YAML; write one 'key: value' per line "
                             "and put values containing ': ' in quotes") from None
        if not isinstance(data, dict):
            raise self.error(fence_line, f"{name} must be 'key: value' lines (src, alt, title, "
                             "caption, credit, identifier)")
        lines = _key_lines(content, first)
        for key in data:
            if key not in FIGURE_KEYS:
                raise self.error(lines.get(key, fence_line), f"{name}: " +
                                 _unknown_key("figure field", key, FIGURE_KEYS))
        if TODO in data:
            raise self.needs_person(data[TODO], lines.get(TODO, fence_line))
        return self.figure_from(data, lines, fence_line, name)

    def implicit_figure(self, image, line: int) -> m.Figure:
        """`![alt](src "title")` alone in a paragraph: a figure, as pandoc reads it."""
        self.figure_count += 1
        data = {"src": str(image.attrs.get("src", "")), "title": str(image.attrs.get("title") or ""),
                "alt": m.plain_text(self.inlines(image.children, line))}
        return self.figure_from(data, {}, line, f"figure {self.figure_count}", implicit=True)

    def figure_from(self, data: dict, lines: dict, fence_line: int, name: str,
                    implicit: bool = False) -> m.Figure:
        """Check a figure's fields (from a figure block or a Markdown image) and build it."""
        fields = {k: ("" if v is None else v) for k, v in data.items()}
        if "missing" in fields and not (isinstance(fields["missing"], str) and fields["missing"].strip()):
            raise self.error(lines.get("missing", fence_line), f"{name}: 'missing' is empty; say why "
                             "the image is not preserved, e.g. 'missing: not captured with the page'")
        for key, value in fields.items():
            if key != "decorative" and not isinstance(value, (str, int, float)):
                raise self.error(lines.get(key, fence_line), f"{name}: '{key}' must be text; "
                                 "write it on one line after the colon")
            if key != "decorative":
                fields[key] = str(value).strip()
        decorative = fields.get("decorative", False)
        if not isinstance(decorative, bool):
            raise self.error(lines.get("decorative", fence_line),
                             f"{name}: 'decorative' must be true or false; write "
                             "'decorative: true' or remove the line")
        if fields.get("src") and fields.get("missing"):
            raise self.error(lines.get("missing", fence_line), f"{name} has both 'src' and "
                             "'missing'; keep 'src' if the image file is there, else 'missing'")
        if not fields.get("src") and not fields.get("missing"):
            raise self.error(fence_line, f"{name} has no 'src'; add 'src: images/NAME.jpg' "
                             "naming the image file in the article folder, or 'missing: REASON' "
                             "if the archive did not keep the image")
        if fields.get("original"):
            fields["original"] = self.original_url(fields["original"],
                                                   lines.get("original", fence_line), name)
        label = f"{name} ({fields.get('src') or 'not preserved'})"
        if not decorative and not fields.get("alt"):
            if implicit:
                raise self.error(fence_line, f"{label} has no alt text; write what the image "
                                 "shows between the brackets: ![what it shows](…)")
            raise self.error(fence_line, f"{label} has no alt text; add 'alt:' saying what "
                             "the image shows, or 'decorative: true' if it carries no information")
        if decorative and fields.get("alt"):
            raise self.error(lines.get("alt", fence_line), f"{label} is decorative but has alt "
                             "text; remove 'decorative: true' or the alt")
        if fields.get("src"):
            fields["src"] = self.image_path(fields["src"], lines.get("src", fence_line), label)
        fields.setdefault("src", "")
        fields.setdefault("id", f"figure-{self.figure_count}")
        fields.setdefault("alt", "")
        fields["decorative"] = decorative
        return m.Figure(line=fence_line, **fields)

    def image_path(self, src: str, line: int, label: str) -> str:
        """Image paths stay inside the article folder: no URLs, no absolute paths, no '..'."""
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", src) or src.startswith("//"):
            raise self.error(line, f"{label}: 'src' is a URL; the renderer never fetches "
                             "anything: copy the image into the article folder and name it there")
        posix = PurePosixPath(src.replace("\\", "/"))
        if posix.is_absolute() or ".." in posix.parts:
            raise self.error(line, f"{label}: 'src' points outside the article folder; "
                             "copy the image into the article folder and give a relative path")
        folder = self.source.parent.resolve()
        path = (folder / posix).resolve()
        if not path.is_relative_to(folder):
            raise self.error(line, f"{label}: 'src' resolves outside the article folder "
                             "(a symbolic link?); copy the image into the article folder")
        if not path.is_file():
            raise self.error(line, f"{label}: image file not found; check the 'src' path "
                             "(it is relative to the article folder)")
        return str(posix)

    def original_url(self, url: str, line: int, name: str) -> str:
        """Where the image lived in the capture: an http(s) URL, kept as provenance, never fetched."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
            raise self.error(line, f"{name}: 'original' is not an http or https URL; write the "
                             "image's address in the capture, e.g. https://example.org/photo.jpg")
        return url

    # ------------------------------------------------------------ inlines
    def inlines(self, nodes, line) -> tuple[m.Inline, ...]:
        out: list[m.Inline] = []
        for node in nodes:
            t = node.type
            if t == "text":
                out.append(m.Text(node.content))
            elif t == "softbreak":
                out.append(m.Text("\n"))
            elif t == "hardbreak":
                out.append(m.LineBreak())
            elif t == "em":
                out.append(m.Emphasis(self.inlines(node.children, line)))
            elif t == "strong":
                out.append(m.Strong(self.inlines(node.children, line)))
            elif t == "code_inline":
                out.append(m.Code(node.content))
            elif t == "link":
                out.append(m.Link(str(node.attrs.get("href", "")),
                                  self.inlines(node.children, line),
                                  str(node.attrs.get("title", "") or "")))
            elif t == "span":
                children = self.inlines(node.children, line)
                lang = str(node.attrs.get("lang", ""))
                if "q" in str(node.attrs.get("class", "")).split():
                    out.append(m.Quotation(children, lang))
                elif lang:
                    out.append(m.Span(children, lang, self._dir(node.attrs)))
                else:
                    out.extend(children)
            elif t == "image":
                raise self.error(line, "images inside a line of text are not supported; put the "
                                 "image alone in its own paragraph, or in a ```figure block with "
                                 "src, alt, title, caption and credit")
            elif t == "html_inline":
                out.append(m.Text(node.content))
            else:
                out.extend(self.inlines(node.children, line) if node.children
                           else (m.Text(node.content),))
        return _merge_text(out)


def direction_of(lang: str) -> str:
    """'rtl' for languages written right to left (by their likely script), else ''."""
    try:
        script = langcodes.Language.get(lang).maximize().script
    except (ValueError, LookupError):
        return ""
    return "rtl" if script in RTL_SCRIPTS else ""


def _alone_image(paragraph):
    """The image node of a paragraph that holds one image and nothing else, else None."""
    inline = paragraph.children[0] if paragraph.children else None
    kids = [k for k in (inline.children if inline is not None else [])
            if not (k.type == "text" and not k.content.strip())]
    return kids[0] if len(kids) == 1 and kids[0].type == "image" else None


def _merge_text(inlines):
    out = []
    for node in inlines:
        if isinstance(node, m.Text) and out and isinstance(out[-1], m.Text):
            out[-1] = m.Text(out[-1].text + node.text)
        else:
            out.append(node)
    return tuple(out)


def _table_caption(block):
    """A paragraph 'Table: …' right before a table is that table's caption (as in pandoc)."""
    if isinstance(block, m.Paragraph) and block.children and isinstance(block.children[0], m.Text):
        first = block.children[0].text
        if first.startswith("Table: "):
            return (m.Text(first[len("Table: "):]),) + block.children[1:]
    return None


def _align(style: str) -> str:
    match = re.search(r"text-align:\s*(left|center|right)", style or "")
    return match.group(1) if match else ""


def _fix_outline(blocks, parser) -> tuple[m.Block, ...]:
    """Headings start at level 2 under the title and never skip a level: fix and warn."""
    out, previous, used = [], 1, set()
    for block in blocks:
        if isinstance(block, m.Heading):
            level = min(max(block.level, 2), previous + 1)
            text = m.plain_text(block.children)
            if level != block.level:
                parser.warn("heading-level", block.line, f"heading '{text}' was level {block.level}; "
                            f"made it level {level} so the outline has no gaps")
            block = m.Heading(level, block.children, _unique(_slug(text) or "section", used), block.line)
            previous = level
        out.append(block)
    return tuple(out)


def _check_unique_ids(blocks, source):
    seen = {}
    for block in blocks:
        if isinstance(block, m.Figure) and block.identifier:
            if block.identifier in seen:
                raise RenderError(source, block.line, f"figure identifier '{block.identifier}' is "
                                  f"also used on line {seen[block.identifier]}; identifiers must be unique")
            seen[block.identifier] = block.line


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")[:60]


def _unique(slug, used):
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    used.add(candidate)
    return candidate


def _key_lines(yaml_text: str, first_line: int) -> dict:
    """Line number of each top-level key, for messages that point at the right line."""
    lines = {}
    for offset, row in enumerate(yaml_text.splitlines()):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", row)
        if match:
            lines.setdefault(match.group(1), first_line + offset)
    return lines


def _unknown_key(what, key, valid):
    close = difflib.get_close_matches(str(key), valid, n=1)
    hint = f"did you mean '{close[0]}'?" if close else "valid fields are " + ", ".join(valid)
    return f"unknown {what} '{key}'; {hint}"


def _date(value, error) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise error(f"'published' is '{value}', not a date; write it as YYYY-MM-DD") from None


def _captured(value, error):
    """The capture date-time, in UTC: ISO 8601 with a time and a time zone (WARC-Date's form)."""
    if value in (None, ""):
        return None
    when = value
    if not isinstance(value, datetime):
        try:
            when = datetime.fromisoformat(str(value).strip()) if not isinstance(value, date) else None
        except ValueError:
            when = None
        if when is None:
            raise error(f"'captured' is '{value}', not a date and time; write it in ISO 8601, "
                        "in UTC, e.g. 2020-01-03T14:05:09Z") from None
    if when.tzinfo is None:
        raise error(f"'captured' ({value}) has no time zone; write it in UTC, ending in Z, "
                    "e.g. 2020-01-03T14:05:09Z")
    return when.astimezone(timezone.utc)


def _offset(value, error):
    """A record's byte offset in its archive file: a whole number, zero or more."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or str(value).strip().isdigit()):
        raise error(f"'capture_offset' is '{value}', not a byte offset; write a whole number "
                    "of bytes, 0 or more")
    number = int(str(value).strip()) if not isinstance(value, int) else value
    if number < 0:
        raise error(f"'capture_offset' is {number}; a byte offset is 0 or more")
    return number


_META_HINTS = {
    "title": "the article's headline",
    "language": "a BCP 47 tag such as 'en'",
    "published": "the date of publication as YYYY-MM-DD",
    "publisher": "who published the article",
    "rights": "the rights statement, e.g. 'Public domain'",
}

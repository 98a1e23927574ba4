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
from contextlib import contextmanager
from dataclasses import dataclass, fields as dataclass_fields, is_dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import langcodes
import yaml
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from . import limits
from . import model as m
from .l10n import localizer
from .lang import direction_of
from .errors import Finding, RenderError
from .files import confined_file
from .images import image_file

ARTICLE_NAMES = ("article.md", "index.md")

REQUIRED_META = ("title", "language", "published", "publisher", "rights")
CAPTURE_META = ("captured", "capture_id", "capture_file", "capture_offset", "capture_digest",
                "capture_software")
OPTIONAL_META = ("description", "author", "source", "notice", "identifier") + CAPTURE_META
FIGURE_KEYS = ("src", "alt", "title", "caption", "credit", "credit_label", "identifier",
               "identifier_label", "description", "decorative", "id", "missing", "original",
               "todo")
TODO = "todo"  # a note for a person (e.g. from `renderer import`): render refuses until it is gone

# Documented limits (README, "Bad input"): deeper input is refused, never half-rendered.
MAX_YAML_DEPTH = 20      # front matter and figure YAML: values are text, so 2 levels suffice
MAX_NESTING = 8          # quotes, lists and notices inside each other
MAX_INLINE_NESTING = 20  # emphasis, links and spans inside each other
# Dates every output can write: zip (EPUB) file times end in 2107 (before 1980 they are
# clamped to 1980), and years before 1000 lose their four digits in strftime.
EARLIEST_DATE, LATEST_DATE = date(1000, 1, 1), date(2107, 12, 31)

LINK_SCHEMES = ("http", "https", "mailto")  # the only schemes a written link may have
SOURCE_SCHEMES = ("http", "https")
HEADING_ID_PREFIX = "sec-"  # heading ids live apart from the renderer's own and figure ids
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")
# The renderer's own ids (templates, page markers, notices, long descriptions, headings).
_RESERVED_ID = re.compile(r"(main|about-this-copy|page-\d+|notice-\d+|figure-\d+|"
                          + re.escape(HEADING_ID_PREFIX) + r".*|.*-description)\Z")
# Characters XML cannot hold (C0 controls but tab, LF, CR; surrogates; U+FFFE/U+FFFF), and
# C1 controls and DEL, which HTML calls parse errors and terminals act on.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def find_source(folder: Path) -> Path:
    """The Markdown file of an article folder (or the file itself when given one). It must
    lie in that folder: a symbolic link out of it is refused, as for images."""
    folder = Path(folder)
    if folder.is_file():
        return confined_file(folder.parent, folder.name)
    for name in ARTICLE_NAMES:
        if (folder / name).is_file():
            return confined_file(folder, name)
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
    limits.check_size(text, Path(source))
    bad = _FORBIDDEN.search(text)
    if bad:
        raise RenderError(source, text.count("\n", 0, bad.start()) + 1,
                          f"this line holds {_describe(bad.group(0))}, which HTML, EPUB and PDF "
                          "cannot carry; delete it (tabs and line breaks are fine)")
    parser = _Parser(Path(source), text)
    tokens = parser.parse(text, 0)
    limits.check_tokens(_markdown(), tokens, Path(source))  # refuses what is too big
    if not tokens or tokens[0].type != "front_matter":
        if text.startswith("---"):
            raise RenderError(source, 1, "front matter is not closed; add a '---' line after "
                              "its last field")
        raise RenderError(source, 1, "no front matter; start the file with a '---' line, "
                          "the YAML fields (title, language, …), and another '---' line")
    metadata = parser.metadata(tokens[0], sha256 or hashlib.sha256(text.encode()).hexdigest())
    parser.l10n = localizer(metadata.language)  # the renderer's own labels, in that language
    blocks = parser.blocks(SyntaxTreeNode(tokens[1:]).children)
    if metadata.notice:
        blocks = (m.Notice(parser.l10n.gettext("Archival notice"),
                           (m.Paragraph((m.Text(metadata.notice),)),),
                           parser.l10n.fallback_lang("Archival notice")),) + blocks
    blocks = _fix_outline(blocks, parser)
    # Numbered as the writers number them (notice-1, notice-2, …), a nested notice too.
    parser.notices = sum(isinstance(block, m.Notice) for block in m.walk(blocks))
    blocks = _map_links(blocks, lambda link: parser.resolve_link(link, metadata.source))
    doc = m.Document(metadata=metadata, blocks=blocks, source_path=str(source),
                     source_sha256=sha256, findings=tuple(parser.findings))
    _check_unique_ids(doc.figures, source)
    return doc


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable("table")
    md.use(front_matter_plugin)
    md.use(attrs_plugin, spans=True, allowed=("lang", "dir", "class"))
    md.use(attrs_block_plugin, allowed=("lang", "dir", "class"))
    # Every link reaches the reader, which refuses a bad scheme with a message; markdown-it's
    # own filter would silently show some (javascript:) as text and let others (data:image,
    # ftp:, tel:) through.
    md.validateLink = lambda url: True
    md.block.tokenize = _refuse_dropped_blocks(md.block.tokenize)
    return md


class _TooDeep(Exception):
    """markdown-it was about to drop blocks nested past its limit (`line` is 0-based)."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _refuse_dropped_blocks(tokenize):
    """markdown-it skips, silently, the text of blocks nested past its `maxNesting`: refuse
    instead (the reader's own, lower limit usually speaks first)."""
    def guarded(state, start, end, *args):
        if state.level >= state.md.options.maxNesting:
            line = state.skipEmptyLines(start)
            if line < end and state.sCount[line] >= state.blkIndent:
                raise _TooDeep(line)
        return tokenize(state, start, end, *args)
    return guarded


class _YAMLRefusal(yaml.YAMLError):
    """A YAML document that parses but is refused; `line` (0-based) is where."""

    def __init__(self, line: int, what: str, first: int | None = None):
        super().__init__(what)
        self.line, self.what, self.first = line, what, first


class _TextLoader(yaml.SafeLoader):
    """Safe YAML where every plain value is text: no dates, numbers or yes/no guessed from
    the spelling (`identifier: 0012` stays "0012", `language: no` stays "no", a caption of
    `2020-13-45` stays that text). Duplicate keys, tags that are not text (`!!binary`,
    `!!timestamp`, `!!set` …) and deep nesting are refused."""

    yaml_implicit_resolvers: dict = {}

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise _YAMLRefusal(self.peek_event().start_mark.line,
                                   f"is nested more than {MAX_YAML_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise _YAMLRefusal(key_node.start_mark.line,
                                       f"has {key_node.value!r} twice", seen[key_node.value])
                seen[key_node.value] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def _refuse_tag(loader, node):
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise _YAMLRefusal(node.start_mark.line, f"uses the YAML tag {tag}, which is not text")


for _tag in ("binary", "timestamp", "set", "omap", "pairs"):
    _TextLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)
_TextLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                  ["~", "n", "N", ""])


class _Fields:
    """The fields of one YAML mapping (front matter, a figure) with the file line of each key
    and value; `opening` (the '---' or fence line) stands for a field that is not there."""

    def __init__(self, opening: int, values: dict):
        self.opening, self.values = opening, values
        self.key_lines: dict = {}
        self.value_lines: dict = {}

    def line(self, key) -> int:
        return self.key_lines.get(key, self.opening)

    def value_line(self, key) -> int:
        return self.value_lines.get(key, self.opening)

    def mark(self, key, key_node, value_node, first: int):
        """Note where `key` and its value are written (YAML counts lines from 0 at `first`).
        A scalar has its own line (it may start below its key); a list, a mapping or an
        alias (whose mark is its anchor's) is reported at the key, where 'key: text' belongs."""
        key_line = self.key_lines.setdefault(key, first + key_node.start_mark.line)
        below = isinstance(value_node, yaml.ScalarNode) and \
            value_node.start_mark.line > key_node.start_mark.line
        self.value_lines.setdefault(key, first + value_node.start_mark.line if below else key_line)


def _load_mapping(text: str):
    """(the data, [(key, key node, value node)…] if it is a mapping): `yaml.load` with the
    text loader (every guard of `_TextLoader` applies), keeping the composed nodes, whose
    marks carry the lines."""
    loader = _TextLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        if not isinstance(data, dict):
            return data, []
        return data, [(loader.construct_object(k), k, v) for k, v in node.value]
    finally:
        loader.dispose()


@dataclass(frozen=True)
class _FieldForm:
    """What differs between front matter and a figure: the keys and the wording of refusals
    (`{owner}` is 'front matter' or 'figure N', `{problem}` what YAML found)."""
    kind: str
    valid: tuple
    prefix: str
    not_yaml: str
    not_mapping: str


_FRONT_MATTER = _FieldForm(
    "front-matter field", REQUIRED_META + OPTIONAL_META, "",
    "{owner} is not valid YAML ({problem}); write one 'key: value' per line and quote values "
    "containing ': '",
    "{owner} must be 'key: value' lines; see README.md for the fields")
_FIGURE = _FieldForm(
    "figure field", FIGURE_KEYS, "{owner}: ",
    "{owner} is not valid YAML; write one 'key: value' per line and put values containing ': ' "
    "in quotes",
    "{owner} must be 'key: value' lines (src, alt, title, caption, credit, identifier)")


class _Parser:
    """Turns markdown-it's syntax tree into model blocks, remembering the file for messages."""

    def __init__(self, source: Path, text: str = ""):
        self.source = source
        self.lines = text.split("\n")
        self.findings: list[Finding] = []
        self.figure_count = 0
        self.offset = 0          # lines before the text being parsed (a notice's body)
        self.depth = 0           # quotes, lists and notices we are inside
        self.span = (0, 0)       # first and last line of the block whose inlines we read
        self.heading_ids: dict[str, str] = {}  # the id a heading had before `sec-`, → its id
        self.figure_ids: set[str] = set()
        self.notices = 0  # notices in the article, at any depth: ids notice-1, notice-2, …
        self.l10n = localizer("en")  # set to the article's language once the front matter is read

    def error(self, line, message):
        return RenderError(self.source, line, message)

    def parse(self, text: str, offset: int):
        """markdown-it tokens of `text` (whose first line is line `offset + 1` of the file);
        refuse nesting deeper than the limits before a recursive walk could fail."""
        try:
            tokens = _markdown().parse(text)
        except _TooDeep as exc:
            raise self._too_deep(exc.line + 1 + offset) from None
        for token in tokens:
            if token.type == "inline" and token.children:
                deepest = max(child.level for child in token.children)
                if deepest > MAX_INLINE_NESTING:
                    raise self.error(token.map[0] + 1 + offset if token.map else offset + 1,
                                     f"emphasis, links and spans are nested {deepest} deep here "
                                     f"(the limit is {MAX_INLINE_NESTING}); flatten them")
        return tokens

    def _too_deep(self, line):
        return self.error(line, f"quotes, lists and notices are nested too deeply here (the "
                          f"limit is {MAX_NESTING} inside each other); flatten them")

    @contextmanager
    def deeper(self, line):
        """One level further into quotes, lists and notices (refused past MAX_NESTING)."""
        if self.depth >= MAX_NESTING:
            raise self._too_deep(line)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def check_text(self, value, line, what):
        """Refuse characters no output can hold in a value taken from the source."""
        if isinstance(value, str):
            bad = _FORBIDDEN.search(value)
            if bad:
                raise self.error(line, f"{what} holds {_describe(bad.group(0))}, which HTML, "
                                 "EPUB and PDF cannot carry; delete it (or the escape or "
                                 "character reference that makes it)")

    def locate(self, pattern, before: int = 0) -> int:
        """The line of the current block (or `before` lines above it) where `pattern` first
        occurs, else the block's first line."""
        first, last = self.span
        for number in range(max(first - before, 1), min(last, len(self.lines)) + 1):
            if re.search(pattern, self.lines[number - 1], re.I):
                return number
        return first

    def check_attrs(self, attrs, line):
        """`{lang=…}` must be a BCP 47 tag and `{dir=…}` rtl or ltr, as in the front matter."""
        lang, direction = attrs.get("lang"), attrs.get("dir")
        if lang and not langcodes.tag_is_valid(str(lang)):
            raise self.error(self.locate(r"lang\s*=", 1), f"{{lang={str(lang)!r}}} is not a BCP 47 "
                             "language tag; use one such as 'fr', 'ar' or 'pt-BR'")
        if direction is not None and direction not in ("rtl", "ltr"):
            raise self.error(self.locate(r"dir\s*=", 1), f"{{dir={str(direction)!r}}} is not a "
                             "direction; use {dir=rtl} or {dir=ltr}, or leave it out")

    def check_href(self, href: str, line):
        """Only http, https and mailto links, and links inside the article, are written."""
        # As a browser reads it: escapes decoded, tabs and line breaks dropped, leading
        # controls and spaces stripped.
        probe = re.sub(r"^[\x00-\x20]+", "", re.sub(r"[\t\n\r]", "", unquote(href)))
        scheme = _SCHEME.match(probe)
        if scheme and scheme.group(1).lower() not in LINK_SCHEMES:
            name = scheme.group(1).lower()
            raise self.error(self.locate(re.escape(name)),
                             f"a link to {_short(href)} uses the '{name}:' scheme; only http, "
                             "https and mailto links (and links inside the article, such as "
                             "'#section') are written: remove the link or point it at a web page")

    def resolve_link(self, link: m.Link, base: str):
        """Every written link reaches something: a fragment an id in the article has, or a
        valid web address (a relative one joined to the article's `source`); any other link
        is dropped, its text kept, with a `link-unresolvable` warning."""
        href = link.href
        if href.startswith("#"):
            name = unquote(href[1:])
            if name in self.heading_ids:
                return replace(link, href="#" + self.heading_ids[name])
            if name in self.known_ids():
                return link
            return self.unresolvable(link, "no heading, figure or notice in the article has "
                                     f"the id {_short(name)}; fix the '#…' part or remove the link")
        if _SCHEME.match(href):
            if _valid_url(href):
                return link
            return self.unresolvable(link, "it is not a valid web address; fix it or remove the link")
        if base:
            joined = urljoin(base, href)
            if _valid_url(joined):
                return replace(link, href=joined)
            return self.unresolvable(link, f"joined to the source {_short(base)} it is not a "
                                     "valid web address; fix it or remove the link")
        return self.unresolvable(link, "it is relative and the article has no 'source' to resolve "
                                 "it against; give the full address, add 'source' to the front "
                                 "matter, or remove the link")

    def known_ids(self) -> set:
        ids = set(self.heading_ids.values()) | self.figure_ids | {"main"}
        ids |= {f + "-description" for f in self.figure_ids}
        return ids | {f"notice-{n}" for n in range(1, self.notices + 1)}

    def unresolvable(self, link: m.Link, why: str):
        self.warn("link-unresolvable", link.line, f"the link to {_short(link.href)} was "
                  f"dropped (its text kept): {why}")
        return m.Span(link.children, "")

    def warn(self, code, line, message):
        self.findings.append(Finding(code, "warning", str(self.source), line, message))

    # ------------------------------------------------------------ fields (front matter, figures)
    def fields(self, text: str, opening: int, owner: str, form: _FieldForm) -> _Fields:
        """The `key: value` YAML after line `opening` (the '---' or the fence), loaded once for
        front matter and figures alike: text-only values (`_TextLoader`: no duplicate keys, no
        tags, limited depth), no unknown key, no character an output cannot hold, no `todo`.
        Each key's and value's line comes from the composed nodes, so every refusal names the
        line where the key or value is written."""
        first = opening + 1
        try:
            data, pairs = _load_mapping(text)
        except _YAMLRefusal as exc:
            raise self.error(first + exc.line, _yaml_refusal(owner, exc, first)) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise self.error(first + mark.line if mark else opening,
                             form.not_yaml.format(owner=owner, problem=problem)) from None
        if not isinstance(data, dict):
            raise self.error(opening, form.not_mapping.format(owner=owner))
        found = _Fields(opening, data)
        for key, key_node, value_node in pairs:
            found.mark(key, key_node, value_node, first)
        prefix = form.prefix.format(owner=owner)
        for key, value in data.items():
            self.check_text(value, found.value_line(key), f"{prefix}{str(key)!r}")
        for key in data:
            if key not in form.valid + (TODO,):
                raise self.error(found.line(key), prefix + _unknown_key(form.kind, key, form.valid))
        if TODO in data:  # before the required fields: import leaves out what the todo asks for
            raise self.needs_person(data[TODO], found.line(TODO))
        return found

    # ------------------------------------------------------------ front matter
    def metadata(self, token, sha256: str) -> m.Metadata:
        found = self.fields(token.content, 1, "front matter", _FRONT_MATTER)
        data = found.values
        for key in REQUIRED_META:
            value = data.get(key)
            if value is None or (not isinstance(value, (dict, list)) and not str(value).strip()):
                raise self.error(found.line(key), f"front matter has no '{key}'; "
                                 f"add a '{key}:' line ({_META_HINTS[key]})")
        values = {}
        for key in REQUIRED_META + OPTIONAL_META:
            value = data.get(key)
            if key == "published":
                values[key] = _date(value, lambda msg: self.error(found.value_line(key), msg))
            elif key == "captured":
                values[key] = _captured(value, lambda msg: self.error(found.value_line(key), msg))
            elif key == "capture_offset":
                values[key] = _offset(value, lambda msg: self.error(found.value_line(key), msg))
            elif value is None:
                values[key] = ""
            elif isinstance(value, (dict, list)):
                raise self.error(found.value_line(key), f"'{key}' must be text, not a list or mapping; "
                                 "write it on one line after the colon")
            else:
                values[key] = str(value).strip()
        if values["capture_offset"] is not None and not values["capture_file"]:
            raise self.error(found.line("capture_offset"), "'capture_offset' has no "
                             "'capture_file'; add the archive file's name, or remove the offset")
        if not langcodes.tag_is_valid(values["language"]):
            raise self.error(found.value_line("language"), f"{values['language']!r} is not a BCP 47 "
                             "language tag; use one such as 'en', 'en-US' or 'ar'")
        if values["source"] and not _is_web_url(values["source"]):
            raise self.error(found.value_line("source"), f"'source' is {_short(values['source'])}, "
                             "not an http or https address; give the web address of the original "
                             "(https://…) or remove the line")
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
        line = node.map[0] + 1 + self.offset if node.map else 0
        self.span = (line, node.map[1] + self.offset if node.map else line)
        attrs = node.attrs
        self.check_attrs(attrs, line)
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
            with self.deeper(line):
                return m.BlockQuote(self.blocks(node.children), str(attrs.get("lang", "")),
                                    self._dir(attrs))
        if node.type in ("bullet_list", "ordered_list"):
            with self.deeper(line):
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
                label = info[1].strip() if len(info) > 1 else self.l10n.gettext("Note")
                label_lang = "" if len(info) > 1 else self.l10n.fallback_lang("Note")
                self.check_text(label, line, "the notice label")
                with self.deeper(line):
                    outer, self.offset = self.offset, line
                    try:
                        inner = self.parse(node.content, line)
                        return m.Notice(label, self.blocks(SyntaxTreeNode(inner).children),
                                        label_lang)
                    finally:
                        self.offset = outer
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
        return self.figure_from(self.fields(content, fence_line, name, _FIGURE), name)

    def implicit_figure(self, image, line: int) -> m.Figure:
        """`![alt](src "title")` alone in a paragraph: a figure, as pandoc reads it."""
        self.figure_count += 1
        data = {"src": str(image.attrs.get("src", "")), "title": str(image.attrs.get("title") or ""),
                "alt": m.plain_text(self.inlines(image.children, line))}
        return self.figure_from(_Fields(line, data), f"figure {self.figure_count}", implicit=True)

    def figure_from(self, found: _Fields, name: str, implicit: bool = False) -> m.Figure:
        """Check a figure's fields (from a figure block or a Markdown image) and build it."""
        fence_line = found.opening
        fields = {k: ("" if v is None else v) for k, v in found.values.items()}
        if "missing" in fields and not (isinstance(fields["missing"], str) and fields["missing"].strip()):
            raise self.error(found.line("missing"), f"{name}: 'missing' is empty; say why "
                             "the image is not preserved, e.g. 'missing: not captured with the page'")
        for key, value in fields.items():
            if key != "decorative" and not isinstance(value, (str, int, float)):
                raise self.error(found.value_line(key), f"{name}: '{key}' must be text; "
                                 "write it on one line after the colon")
            if key != "decorative":
                fields[key] = str(value).strip()
        decorative = fields.get("decorative", False)
        if isinstance(decorative, str):
            decorative = _BOOLEANS.get(decorative.strip().lower(), decorative)
        if not isinstance(decorative, bool):
            raise self.error(found.value_line("decorative"),
                             f"{name}: 'decorative' must be true or false; write "
                             "'decorative: true' or remove the line")
        if fields.get("src") and fields.get("missing"):
            raise self.error(found.line("missing"), f"{name} has both 'src' and "
                             "'missing'; keep 'src' if the image file is there, else 'missing'")
        if not fields.get("src") and not fields.get("missing"):
            raise self.error(fence_line, f"{name} has no 'src'; add 'src: images/NAME.jpg' "
                             "naming the image file in the article folder, or 'missing: REASON' "
                             "if the archive did not keep the image")
        if fields.get("original"):
            fields["original"] = self.original_url(fields["original"],
                                                   found.value_line("original"), name)
        label = f"{name} ({fields.get('src') or 'not preserved'})"
        if not decorative and not fields.get("alt"):
            if implicit:
                raise self.error(fence_line, f"{label} has no alt text; write what the image "
                                 "shows between the brackets: ![what it shows](…)")
            raise self.error(fence_line, f"{label} has no alt text; add 'alt:' saying what "
                             "the image shows, or 'decorative: true' if it carries no information")
        if decorative and fields.get("alt"):
            raise self.error(found.line("alt"), f"{label} is decorative but has alt "
                             "text; remove 'decorative: true' or the alt")
        if fields.get("src"):
            fields["src"] = image_file(self.source, fields["src"], found.value_line("src"), label)
        fields.setdefault("src", "")
        fields["id"] = self.figure_id(fields.get("id", ""), found.value_line("id"), label)
        self.figure_ids.add(fields["id"])
        fields.setdefault("alt", "")
        fields["decorative"] = decorative
        return m.Figure(line=fence_line, **fields)

    def figure_id(self, given: str, line: int, label: str) -> str:
        """A figure's own id (an anchor for links), else `figure-N`; never one the renderer
        uses for something else, and always a valid XML id."""
        own = f"figure-{self.figure_count}"
        if not given:
            return own
        if not _ID.match(given):
            raise self.error(line, f"{label}: id {given!r} is not a valid identifier; use a "
                             "letter, then letters, digits, '-', '_' or '.' (no spaces)")
        if given != own and _RESERVED_ID.match(given):
            raise self.error(line, f"{label}: id {given!r} is one the renderer gives to something "
                             "else (main, about-this-copy, page-N, notice-N, figure-N, sec-…, "
                             "…-description); choose another")
        return given

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
            if node.attrs:
                self.check_attrs(node.attrs, line)
            if t == "text":
                bad = _FORBIDDEN.search(node.content)  # only a character reference makes one
                if bad:
                    self.check_text(node.content, self.locate(_reference_to(bad.group(0))), "this text")
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
                href = str(node.attrs.get("href", ""))
                title = str(node.attrs.get("title", "") or "")
                self.check_href(href, line)
                bad = _FORBIDDEN.search(title)
                if bad:
                    self.check_text(title, self.locate(_reference_to(bad.group(0))), "the link's title")
                out.append(m.Link(href, self.inlines(node.children, line), title, line))
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
    """Headings start at level 2 under the title and never skip a level: fix and warn.
    Every heading, also one inside a quote, list or notice, gets a unique valid id, so
    links to it work and EPUBCheck finds no empty or duplicate id."""
    out, previous, used = [], 1, set()
    def nested(heading):
        plain = _unique(_slug(m.plain_text(heading.children)) or "section", used)
        parser.heading_ids[plain] = HEADING_ID_PREFIX + plain
        return replace(heading, level=max(heading.level, 2), id=HEADING_ID_PREFIX + plain)
    for block in blocks:
        if not isinstance(block, m.Heading):
            out.append(_map_nodes(block, m.Heading, nested))
            continue
        if isinstance(block, m.Heading):
            level = min(max(block.level, 2), previous + 1)
            text = m.plain_text(block.children)
            if level != block.level:
                parser.warn("heading-level", block.line, f"heading '{text}' was level {block.level}; "
                            f"made it level {level} so the outline has no gaps")
            plain = _unique(_slug(text) or "section", used)
            parser.heading_ids[plain] = HEADING_ID_PREFIX + plain
            block = m.Heading(level, block.children, HEADING_ID_PREFIX + plain, block.line)
            previous = level
        out.append(block)
    return tuple(out)


def _check_unique_ids(figures, source):
    seen, ids = {}, {}
    for block in figures:
        if block.identifier:
            if block.identifier in seen:
                raise RenderError(source, block.line, f"figure identifier {block.identifier!r} is "
                                  f"also used on line {seen[block.identifier]}; identifiers must be unique")
            seen[block.identifier] = block.line
        if block.id in ids:
            raise RenderError(source, block.line, f"figure id {block.id!r} is also used on line "
                              f"{ids[block.id]}; give each figure its own id")
        ids[block.id] = block.line


def _map_links(node, change):
    """`node` (a block, an inline or a tuple of them) with `change` applied to every Link."""
    return _map_nodes(node, m.Link, change)


def _map_nodes(node, kind, change):
    """`node` (a block, an inline or a tuple of them) with `change` applied to every `kind`."""
    if isinstance(node, tuple):
        return tuple(_map_nodes(child, kind, change) for child in node)
    if not is_dataclass(node):
        return node
    updates = {f.name: _map_nodes(getattr(node, f.name), kind, change)
               for f in dataclass_fields(node) if isinstance(getattr(node, f.name), tuple)}
    node = replace(node, **updates) if updates else node
    return change(node) if isinstance(node, kind) else node


_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)\Z")


def _valid_url(href: str) -> bool:
    """An absolute http(s) address with a real host name (or IP), or a mailto link."""
    try:
        parts = urlsplit(href)
        host = parts.hostname or ""
        parts.port
    except ValueError:
        return False
    if parts.scheme.lower() == "mailto":
        return True
    if parts.scheme.lower() not in ("http", "https") or not host:
        return False
    if host.startswith("[") or ":" in host:
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return all(_HOST_LABEL.match(label) for label in labels)


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")[:60]


def _unique(slug, used):
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    used.add(candidate)
    return candidate


def _unknown_key(what, key, valid):
    close = difflib.get_close_matches(str(key), valid, n=1)
    hint = f"did you mean '{close[0]}'?" if close else "valid fields are " + ", ".join(valid)
    return f"unknown {what} {str(key)!r}; {hint}"


def _date(value, error) -> date:
    """YYYY-MM-DD (a time after it, as YAML writes timestamps, is allowed and dropped)."""
    text = str(value).strip()
    stamp = yaml.constructor.SafeConstructor.timestamp_regexp.match(text)
    try:
        if stamp and (stamp.group("hour") or re.fullmatch(r"\d{4}-\d\d-\d\d", text)):
            day = date(int(stamp.group("year")), int(stamp.group("month")), int(stamp.group("day")))
        else:
            day = date.fromisoformat(text)
    except ValueError:
        raise error(f"'published' is {text!r}, not a date; write it as YYYY-MM-DD") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise error(f"'published' is {day.isoformat()}, outside {EARLIEST_DATE.isoformat()}.."
                    f"{LATEST_DATE.isoformat()}, the dates every output can record (an EPUB's "
                    "zip file times end in 2107); check the year")
    return day


def _describe(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate (U+{ord(char):04X}), half of a character"
    if char in "\ufffe\uffff":
        return f"the noncharacter U+{ord(char):04X}"
    return f"the control character U+{ord(char):04X}"


def _reference_to(char: str) -> str:
    """A pattern for the numeric character references that make `char` (&#12; &#x0C;)."""
    return rf"&#0*{ord(char)};|&#x0*{ord(char):x};"


def _short(value: str, limit: int = 60) -> str:
    """A value quoted for a message (control characters escaped), cut if long."""
    return repr(value[:limit] + "…" if len(value) > limit else value)


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in SOURCE_SCHEMES and bool(parts.netloc) \
        and not re.search(r"[\s\x00-\x1f]", value)


def _yaml_refusal(owner: str, exc: _YAMLRefusal, first: int) -> str:
    if exc.first is not None:
        return (f"{owner} {exc.what} (also on line {first + exc.first}); keep one of them")
    if "tag" in exc.what:
        return f"{owner} {exc.what}; write the value as plain text, without a '!!' tag"
    return f"{owner} {exc.what}; write one 'key: value' per line, the value as plain text"


_BOOLEANS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _captured(value, error):
    """The capture date-time, in UTC: ISO 8601 with a time and a time zone (WARC-Date's form)."""
    if value in (None, ""):
        return None
    when = value
    if not isinstance(value, datetime):
        text = str(value).strip()
        try:  # a date alone is not a capture time: WARC-Date always has one
            when = datetime.fromisoformat(text) if "T" in text.upper() or " " in text else None
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

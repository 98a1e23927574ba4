"""`renderer import`: captures (saved pages, WARC, WACZ) → article folders under content/.

One page at a time: read it from its source (sources), decode and parse it, find the article
(extract), make its figures (figures), read its metadata (metadata), convert it (convert),
write it as Markdown (markdown), and place the folder (write). A page that cannot be imported
is one line naming file, record and URL; the other pages go on. The run ends with what needs
a person: figures without alt text, images not captured, guessed fields.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from . import convert, extract, markdown, metadata, sources, write
from .figures import Figures

MIN_ARTICLE_CHARACTERS = 20


@dataclass(frozen=True)
class Options:
    out: Path = Path("content")
    rights: str = ""          # --rights: used when the page states none
    charset: str = ""         # --charset: overrides what the page declares
    patterns: tuple = ()      # --url PATTERN…
    force: bool = False
    jobs: int | None = None
    debug: bool = False


@dataclass
class Page:
    """One imported page, ready to be written."""
    where: str
    key: str
    title: str
    url: str
    files: dict                 # relative name → bytes
    needs: list = field(default_factory=list)     # (line, text) for a person
    guessed: list = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        """A `todo` is left: `render` refuses the article until a person deals with it."""
        return any(text.startswith("needs a person") for _, text in self.needs)


@dataclass
class Outcome:
    folder: Path
    status: str               # written, unchanged, edited
    page: Page


@dataclass
class Report:
    imported: list = field(default_factory=list)   # Outcome
    refused: list = field(default_factory=list)    # sources.SourceError
    internal: list = field(default_factory=list)   # SourceError for faults of ours


def import_page(capture: sources.Capture, options: Options = Options()) -> Page:
    """One capture → one Page (not written). Raises extract.PageError on bad input."""
    text, charset_note = extract.decode(capture.html, capture.content_type, options.charset)
    tree = extract.parse(text)
    extract.prepare(tree)
    original = extract.by_rid(tree)
    article = extract.article(tree)
    if article is None:
        raise extract.PageError("no article found on the page (no block of running text); "
                                "it may be an index, a form or a script-built page")
    extract.recover_figures(tree, article, original)
    meta = metadata.read(tree, capture, article.text_content(), options.rights)
    blocks, images, outcomes = _convert(article, original, _base_url(tree, capture), capture,
                                        meta.front.get("language", ""))
    blocks = _without_title(blocks, meta.front.get("title", ""))
    if _characters(blocks) < MIN_ARTICLE_CHARACTERS and not any(
            isinstance(b, markdown.Figure) and b.fields.get("src") for b in blocks):
        raise extract.PageError("no article text found on the page (what is left without the "
                                "site's navigation, forms and scripts is empty); it may be an "
                                "index or a script-built page")
    front = dict(meta.front)
    if meta.todos:
        front["todo"] = meta.todos[0] if len(meta.todos) == 1 else meta.todos
    body = markdown.document(front, blocks)
    page = Page(where=capture.where, key=capture.key, title=front.get("title", ""),
                url=capture.url, files={"article.md": body.encode("utf-8")})
    page.files.update({f"images/{name}": data for name, data in sorted(images.items())})
    page.needs = _needs(body)
    page.guessed = list(meta.guessed) + _notes(charset_note, outcomes)
    return page


def _base_url(tree, capture) -> str:
    """What the page's relative URLs resolve against: its <base href>, else its own URL."""
    base = capture.base_url
    element = tree.find(".//base")
    if element is not None and element.get("href"):
        try:
            base = urljoin(base, element.get("href").strip())
        except ValueError:
            pass
    return base


def _convert(article, original, base: str, capture, language: str):
    """The article's blocks, its image files and what became of each image."""
    with tempfile.TemporaryDirectory(prefix="renderer-import-") as work:
        figures = Figures(original, base, capture.lookup, Path(work))
        outcomes = {}
        for img in article.iter("img"):
            parent = img.getparent()
            around = " ".join(parent.text_content().split()) if parent is not None else ""
            in_text = bool(around) and parent.tag in ("p", "span", "a", "li", "td", "em", "strong")
            outcomes[img.get(extract.RID)] = figures.of(img, in_text=in_text)
        consumed = set().union(*(o.consumed for o in outcomes.values())) if outcomes else set()
        blocks = convert.Converter(base, language, outcomes, consumed).blocks(article)
        return blocks, dict(figures.files), outcomes


def _notes(charset_note: str, outcomes: dict) -> list:
    """What a person should check beyond the metadata: the charset, images left out."""
    notes = []
    if charset_note and " " in charset_note:
        notes.append(f"charset: read as {charset_note}; check the text there")
    elif charset_note:
        notes.append(f"charset {charset_note} was recognised from the bytes (the page declares "
                     "none)")
    left_out = sum(1 for o in outcomes.values() if o.dropped.startswith("a decorative"))
    if left_out:
        notes.append(f"left out {left_out} decorative image(s) the capture does not hold")
    return notes


def _without_title(blocks, title: str) -> list:
    """The article's own headline is the title: drop it where it opens the body."""
    def plain(inlines):
        return " ".join(convert_text(inlines).split()).lower()
    wanted = " ".join(title.split()).lower()
    for i, block in enumerate(blocks[:3]):
        if isinstance(block, markdown.Heading) and plain(block.inlines) == wanted:
            return blocks[:i] + blocks[i + 1:]
    return blocks


def convert_text(inlines) -> str:
    out = []
    for node in inlines:
        kind = node[0]
        if kind in ("text", "code"):
            out.append(node[1])
        elif kind == "br":
            out.append(" ")
        elif kind in ("em", "strong"):
            out.append(convert_text(node[1]))
        elif kind in ("link", "span"):
            out.append(convert_text(node[3]))
        elif kind == "q":
            out.append(convert_text(node[2]))
    return "".join(out)


def block_text(block) -> str:
    """The words of a block (for measuring and for the no-article check)."""
    if isinstance(block, (markdown.Para, markdown.Heading)):
        return convert_text(block.inlines)
    if isinstance(block, markdown.Quote):
        return " ".join(block_text(b) for b in block.blocks)
    if isinstance(block, markdown.ListBlock):
        return " ".join(block_text(b) for item in block.items for b in item)
    if isinstance(block, markdown.CodeBlock):
        return block.text
    if isinstance(block, markdown.Table):
        cells = [convert_text(c) for row in block.head + block.body for c in row]
        return " ".join([convert_text(block.caption)] + cells)
    if isinstance(block, markdown.Figure):
        return " ".join(str(block.fields.get(k, "")) for k in ("caption", "credit", "identifier"))
    return ""


def _characters(blocks) -> int:
    return sum(len(block_text(b).strip()) for b in blocks if not isinstance(b, markdown.Figure))


def _needs(body: str) -> list:
    """(line, text) of each todo and each figure not preserved, in the written Markdown."""
    import yaml

    out = []
    lines = body.split("\n")
    in_todo_list = False
    for number, line in enumerate(lines, start=1):
        if in_todo_list and line.startswith("  - "):
            out.append((number, f"needs a person: {yaml.safe_load(line[4:])}"))
            continue
        in_todo_list = line == "todo:"
        if line.startswith("todo: "):
            out.append((number, f"needs a person: {yaml.safe_load(line[6:])}"))
        elif line.startswith("missing: "):
            out.append((number, f"image not preserved: {yaml.safe_load(line[9:])}"))
    return out


# ---------------------------------------------------------------- the run
_WORK: list = []
_OPTIONS: list = []


def run(source_paths, options: Options, on_page=None) -> Report:
    """Import every page of every source into options.out, in input order."""
    report = Report()
    writer = write.Writer(options.out, force=options.force)
    items = []
    for path in source_paths:
        items.extend(sources.plan(Path(path), options.patterns))
    loaders = [item for item in items if not isinstance(item, sources.SourceError)]
    jobs = options.jobs or os.cpu_count() or 1
    jobs = max(1, min(jobs, len(loaders)))
    results = _results(items, options, jobs)
    for item, result in zip(items, results):
        if isinstance(result, sources.SourceError):
            (report.internal if getattr(result, "internal", False) else report.refused).append(result)
            if on_page:
                on_page(result)
            continue
        folder = writer.place(write.slugify(result.title, result.url), result.key)
        status = writer.write(folder, result.files, result.key)
        result.files = {}  # written: the report keeps only what it prints (memory stays flat)
        outcome = Outcome(folder, status, result)
        report.imported.append(outcome)
        if on_page:
            on_page(outcome)
    return report


def _results(items, options: Options, jobs: int):
    """Each item's Page or SourceError, in order; pages are worked on by `jobs` processes."""
    if jobs <= 1:
        for item in items:
            yield item if isinstance(item, sources.SourceError) else _work_on(item, options)
        return
    import multiprocessing

    _preload()
    _WORK[:] = items
    _OPTIONS[:] = [options]
    context = multiprocessing.get_context("fork")  # workers share the archive index
    with context.Pool(jobs) as pool:
        yield from pool.imap(_work_index, range(len(items)), chunksize=1)
    _WORK.clear()


def _preload():
    """Import the extractor and its helpers once, before forking: every worker shares them."""
    import htmldate  # noqa: F401
    import readability  # noqa: F401
    from dateutil import parser  # noqa: F401

    extract._use_fast_clean()


def _work_index(index: int):
    item = _WORK[index]
    return item if isinstance(item, sources.SourceError) else _work_on(item, _OPTIONS[0])


class InternalError(sources.SourceError):
    internal = True


def _work_on(loader, options: Options):
    capture = loader()
    if isinstance(capture, sources.SourceError):
        return capture
    try:
        return import_page(capture, options)
    except extract.PageError as error:
        return sources.SourceError(capture.where, str(error))
    except Exception as error:  # a fault of ours: one line, the other pages go on
        if options.debug:
            raise
        import traceback
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        return InternalError(capture.where, f"internal error ({detail}); rerun with --debug "
                             "and report it")

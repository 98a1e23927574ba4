"""Build: the I/O edge. Reads an article folder, runs the writers, writes `dist/` atomically.

Everything is checked and rendered in memory first; files are then written to a temporary name
in the target folder and renamed into place, so a failed build never leaves a partial file and
never costs the previous good one.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from importlib.resources import files
from pathlib import Path

from . import NAME, __version__
from .errors import Finding, RenderError
from .files import confined_file
from .html import insert_page_markers, page_css, render_html
from .images import (DEFAULT_MAX_EDGE, DEFAULT_QUALITY, image_size, inspect_images,
                     prepared_images)
from .l10n import localizer, start_tracking
from .lint import lint_document
from .outdir import refuse_reserved
from .reader import find_source, read_article
from .provenance import Provenance

# The listening editions (README, "Listening editions") and the braille editions ("Braille
# editions") are asked for by name; the default is the three reading editions.
DEFAULT_FORMATS = ("html", "pdf", "epub")
LISTENING_FORMATS = ("narrated-epub", "audiobook")
BRAILLE_FORMATS = ("brf", "pef")
FORMATS = DEFAULT_FORMATS + LISTENING_FORMATS + BRAILLE_FORMATS


def _default_styles() -> Path:
    """The styles shipped in the package (a wheel maps the top-level styles/ to renderer/styles/),
    else the checkout's styles/ when running from source; WeasyPrint needs a real folder."""
    packaged = files("renderer") / "styles"
    if isinstance(packaged, Path) and (packaged / "base.css").is_file():
        return packaged.resolve()
    return Path(__file__).resolve().parent.parent / "styles"


STYLES = _default_styles()


@dataclass(frozen=True)
class Options:
    """What a build may vary. `build_date` is None → the article's publication date."""
    formats: tuple[str, ...] = DEFAULT_FORMATS
    strict: bool = False
    build_date: datetime | None = None
    styles: Path = STYLES
    max_edge: int = DEFAULT_MAX_EDGE      # longest edge of photos in the outputs, px
    jpeg_quality: int = DEFAULT_QUALITY
    image_cache: Path | None = None        # prepared images by content hash (dist/.cache)
    narration_cache: Path | None = None    # spoken sentences by text and voice (dist/.cache)
    braille_grade: int = 2                 # 2 contracted, 1 uncontracted (where liblouis has both)
    braille_page: tuple[int, int] = (40, 25)  # cells per line, lines per page


@dataclass
class Result:
    article: Path
    outputs: list[Path] = field(default_factory=list)
    warnings: list = field(default_factory=list)
    pages: int = 0
    doc: object = None  # the content model, for catalogs and feeds
    audio_seconds: int = 0  # the audiobook's length, for the collection's playlist


def find_articles(paths) -> list[Path]:
    """Article folders named directly, or the article folders inside a collection folder."""
    articles = []
    for path in map(Path, paths):
        if path.is_dir() and not any((path / n).is_file() for n in ("article.md", "index.md")):
            articles += sorted(p for p in path.iterdir()
                               if p.is_dir() and any((p / n).is_file()
                                                     for n in ("article.md", "index.md")))
        else:
            articles.append(path)
    return articles


def build_article(article: Path, out_dir: Path, options: Options = Options(), *,
                  font_config=None) -> Result:
    """Render one article into `out_dir/<slug>/`; raise RenderError before writing on bad input.

    `font_config` lets a long-lived worker keep WeasyPrint's fonts loaded between articles.
    (WeasyPrint's image cache is not kept: it is keyed by URL, and every article is laid out
    at the same base URL, so a kept cache gave later articles the first one's photos.)"""
    result, files = render_article(article, options, font_config=font_config)
    result.outputs = write_outputs(Path(out_dir) / result.article.name, files)
    return result


def render_article(article: Path, options: Options = Options(), *,
                   font_config=None) -> tuple[Result, dict[str, bytes]]:
    """One article's outputs in memory ({path inside OUT/<slug>/: bytes}), nothing written:
    a cluster worker sends them back to the one process that writes (renderer.cluster)."""
    source = find_source(article)
    article_dir = source.parent
    refuse_reserved(article_dir)
    untranslated = start_tracking()  # the renderer's words this article shows in English
    doc = read_article(source)
    findings = list(doc.findings) + lint_document(doc)
    errors = [f for f in findings if f.severity == "error" or (options.strict and f.severity == "warning")]
    if errors:
        first = errors[0]
        raise RenderError(first.path, first.line, first.message)
    inspect_images(doc, article_dir)
    images = prepared_images(doc, article_dir, options.image_cache, options.max_edge,
                             options.jpeg_quality)
    sizes = {src: image_size(data) for src, data in images.items()}
    build_date = options.build_date or datetime.combine(doc.metadata.published, time(0), timezone.utc)
    facts = provenance(doc, build_date)
    slug = article_dir.name
    files: dict[str, bytes] = {}
    listening = [f for f in LISTENING_FORMATS if f in options.formats]
    narrator = None
    if listening:  # first: a language espeak-ng cannot speak stops the article before any work
        from .narration import Narrator
        narrator = Narrator(doc.metadata.language, options.narration_cache, str(source))
    braille = [f for f in BRAILLE_FORMATS if f in options.formats]
    if braille:  # likewise: a language liblouis has no table for stops the article at once
        from .braille import check_language
        check_language(doc.metadata.language, options.braille_grade, str(source))
    html = render_html(doc, css=_css("base.css", "screen.css", styles=options.styles),
                       image_sizes=sizes, provenance=facts)
    # The PDF is laid out first: its pages are marked in the HTML and the EPUB.
    from .pdf import render_pdf_with_layout  # imports WeasyPrint (~0.4 s): only when rendering

    pdf, layout = render_pdf_with_layout(
        render_html(doc, css=page_css(doc), image_sizes=sizes, skip_link=False, provenance=facts),
        article_dir,
        [confined_file(options.styles, n) for n in ("base.css", "print.css")], images=images,
        provenance=facts, source=source.read_bytes(), font_config=font_config,
        write="pdf" in options.formats)
    marked = insert_page_markers(html, layout.page_starts)  # the page with the PDF's page breaks
    if "html" in options.formats:
        files[f"{slug}.html"] = marked.encode("utf-8")
        files.update(images)
    if braille:
        from .braille import BrailleOptions, braille_editions
        width, height = options.braille_page
        editions = braille_editions(marked, doc.metadata,
                                    BrailleOptions(options.braille_grade, width, height),
                                    str(source))
        files.update({f"{slug}.{kind}": getattr(editions, kind) for kind in braille})
        if editions.undefined:
            undefined = Finding(
                "braille-undefined-character", "warning", str(source), 0,
                f"liblouis's {', '.join(editions.tables)} has no braille for "
                + ", ".join(f"{c!r} (U+{ord(c):04X})" for c in editions.undefined[:8])
                + "; the braille shows liblouis's escape (\\xHHHH) there: replace the "
                  "character in the source, or add it to a liblouis table")
            if options.strict:
                raise RenderError(undefined.path, None, undefined.message)
            findings.append(undefined)
    if pdf is not None:
        files[f"{slug}.pdf"] = pdf
    if "epub" in options.formats or listening:
        from .epub import render_epub

        sheets = {n: confined_file(options.styles, n).read_bytes()
                  for n in ("base.css", "epub.css")}
        page_source = localizer(doc.metadata.language).gettext(
            "%(title)s (PDF edition, A4: %(file)s)") % {"title": doc.metadata.title,
                                                       "file": f"{slug}.pdf"}

        def epub(narration=None) -> bytes:
            styles = sheets
            if narration is not None:
                from .narration.smil import ACTIVE_CSS
                styles = dict(sheets, **{"epub.css": sheets["epub.css"] + ACTIVE_CSS.encode()})
            return render_epub(doc, images, styles, build_date, sizes, provenance=facts,
                               page_starts=layout.page_starts, page_source=page_source,
                               narration=narration)
        if "epub" in options.formats:
            files[f"{slug}.epub"] = epub()
        if listening:
            narrated = epub(narrator)
            if "narrated-epub" in listening:
                files[f"{slug}.narrated.epub"] = narrated
            if "audiobook" in listening:
                meta = doc.metadata
                files[f"{slug}.m4b"] = narrator.audiobook(meta.title, meta.author, meta.publisher,
                                                          meta.published.isoformat())
    pages = len(layout.page_starts)
    if layout.missing_glyphs:
        glyph = Finding("pdf-missing-glyph", "warning", str(source), 0,
                        "no installed font has " + ", ".join(f"U+{c}" for c in layout.missing_glyphs[:8])
                        + "; the PDF shows empty boxes there: install a font for that script "
                          "(`tools/system-deps.sh render-all-scripts` adds Chinese, Japanese and "
                          "Korean) or name one in styles/base.css")
        if options.strict:
            raise RenderError(glyph.path, None, glyph.message)
        findings.append(glyph)
    if untranslated:
        words = list(untranslated)
        missing = Finding("untranslated", "warning", str(source), 0,
                          f"{len(words)} of the renderer's words have no "
                          f"{doc.metadata.language!r} translation and are shown in English, "
                          f"marked lang=\"en\" (" + ", ".join(repr(w) for w in words[:3])
                          + (", …" if len(words) > 3 else "") + "); add a catalog for the "
                          "language (README, 'Languages')")
        if options.strict:
            raise RenderError(missing.path, None, missing.message)
        findings.append(missing)
    return Result(article_dir, warnings=[f for f in findings if f not in errors], pages=pages,
                  doc=doc, audio_seconds=narrator.seconds if narrator else 0), files


def write_outputs(target: Path, files: dict[str, bytes]) -> list[Path]:
    """Replace the outputs in `target` (OUT/<slug>/) as a set, or raise one RenderError."""
    remove_stale_temporaries(target)
    try:
        return write_together(target, files)
    except OSError as error:
        raise RenderError(target, None, f"could not write the outputs ({error.strerror or error});"
                          " free some space or choose another --out; the previous outputs are "
                          "kept") from None


def provenance(doc, build_date: datetime) -> Provenance:
    """The facts every copy states about where it came from (colophon, DC meta, OPF, XMP)."""
    meta = doc.metadata
    return Provenance(title=meta.title, language=meta.language, publisher=meta.publisher,
                      published=meta.published.isoformat(), rendered=build_date,
                      rights=meta.rights, source=meta.source, identifier=meta.identifier,
                      source_sha256=doc.source_sha256, renderer=f"{NAME} {__version__}",
                      captured=meta.captured.strftime("%Y-%m-%dT%H:%M:%SZ") if meta.captured else "",
                      capture_id=meta.capture_id, capture_file=meta.capture_file,
                      capture_offset=meta.capture_offset, capture_digest=meta.capture_digest,
                      capture_software=meta.capture_software, author=meta.author)


def write_atomically(path: Path, data: bytes) -> Path:
    """Write to a temporary file beside `path`, then rename: readers see old or new, never half."""
    os.replace(_write_temporary(path, data), path)
    return path


def write_together(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Replace an article's outputs as a set: every file is written to a temporary first and
    only then are all renamed into place, so a failed write (a full disk) removes the
    temporaries and leaves the previous HTML, PDF and EPUB together."""
    temporaries: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            temporaries.append((_write_temporary(folder / name, data), folder / name))
        for temporary, path in temporaries:  # renames need no space: they do not fail for lack
            os.replace(temporary, path)
    except BaseException:
        for temporary, _ in temporaries:
            temporary.unlink(missing_ok=True)
        raise
    return [path for _, path in temporaries]


def _write_temporary(path: Path, data: bytes) -> Path:
    """`data` in a new temporary file beside `path` (removed again if the write fails)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def remove_stale_temporaries(folder: Path):
    """Temporary files a killed build left behind (never the finished outputs)."""
    if folder.is_dir():
        for stale in list(folder.rglob(".*.part")):
            stale.unlink(missing_ok=True)


def _css(*names: str, styles: Path) -> str:
    return "\n".join(confined_file(styles, name).read_text(encoding="utf-8") for name in names)

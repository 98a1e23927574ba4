"""Command line: `renderer render`, `renderer read`, `renderer check`, `renderer import`.

Bad input prints one line, `path:line: what is wrong; how to fix it`, and exits 2; `--debug`
shows the traceback instead.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import NAME, __version__
from .errors import RenderError, one_line
from .images import DEFAULT_MAX_EDGE, DEFAULT_QUALITY
from .outdir import claim

EXIT_BAD_INPUT = 2
LATEST_EPOCH = 4354819199  # 2107-12-31T23:59:59Z: zip file times (EPUB) end in 2107


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.run(args)
    except RenderError as error:
        if args.debug:
            raise
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except SystemExit:
        raise
    except BaseException as error:  # an internal fault (some libraries raise BaseException,
        if args.debug:               # e.g. WeasyPrint's FatalURLFetchingError): one line
            raise
        print(one_line(f"{NAME}: internal error: {_one_line(error)}; rerun with --debug and "
                       "report it"), file=sys.stderr)
        return 1


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=NAME,
        description="Render archived articles into accessible HTML, tagged PDF (PDF/UA-1) and "
                    "EPUB 3 (EPUB Accessibility 1.1), and check them.")
    parser.add_argument("--version", action="version", version=f"{NAME} {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")

    render = commands.add_parser(
        "render", parents=[common], help="render articles into HTML, PDF and/or EPUB",
        description="Render each ARTICLE (a folder holding article.md, or a folder of such "
                    "folders) into OUT/<article-folder-name>/.")
    render.add_argument("articles", nargs="+", metavar="ARTICLE", type=Path)
    render.add_argument("-o", "--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    _format_argument(render)
    _braille_arguments(render)
    render.add_argument("--strict", action="store_true", help="treat alt-text warnings as errors")
    _styles_argument(render)
    render.set_defaults(run=_render)

    build = commands.add_parser(
        "build", parents=[common], help="build a whole collection, in parallel, redoing only what changed",
        description="Render every article folder under CONTENT into OUT (HTML, PDF, EPUB) with "
                    "a process per core; skip articles whose inputs did not change (OUT/manifest.json), "
                    "remove outputs of deleted articles, and write OUT/index.html and the OPDS "
                    "feeds (OUT/opds.xml, OUT/opds.json), and OUT/audiobooks.m3u8 when there are "
                    "audiobooks.")
    build.add_argument("content", type=Path, metavar="CONTENT")
    build.add_argument("-o", "--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    build.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: one per core)")
    build.add_argument("--force", action="store_true", help="rebuild every article")
    _format_argument(build)
    _braille_arguments(build)
    build.add_argument("--strict", action="store_true", help="treat alt-text warnings as errors")
    build.add_argument("--max-edge", type=int, default=DEFAULT_MAX_EDGE, metavar="PX",
                       help=f"longest edge of photos in the outputs (default {DEFAULT_MAX_EDGE}; never upscaled)")
    build.add_argument("--jpeg-quality", type=int, default=DEFAULT_QUALITY, metavar="Q",
                       help=f"JPEG quality of re-encoded photos (default {DEFAULT_QUALITY})")
    build.add_argument("--title", default=None, help="title of the catalog page and feeds "
                       "(default: \"Offline collection\", in the catalog's language)")
    _language_argument(build)
    build.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="render on this Dask cluster instead of this machine's cores "
                            "(default: $DASK_SCHEDULER_ADDRESS if set); needs renderer[cluster]")
    _styles_argument(build)
    build.set_defaults(run=_build)

    package = commands.add_parser(
        "package", parents=[common],
        help="write the catalog, the OPDS feeds, a BagIt bag (and a ZIM) of DIST",
        description="Write DIST/index.html and the OPDS feeds from the build manifest: "
                    "DIST/opds.xml (OPDS 1.2) and DIST/opds.json (OPDS 2.0), each entry with "
                    "its EPUB's accessibility metadata, its language and its files' sizes; in "
                    "a larger collection also a feed per language (opds-fr.xml) and per year "
                    "(opds.year-2024.xml), and pages of 500 (opds.page-2.xml). With --zim, a "
                    "ZIM file of it all for Kiwix (DIST/NAME.zim); then a BagIt bag (sha256) "
                    "of the whole package in DIST/bag.")
    package.add_argument("dist", type=Path, nargs="?", default=Path("dist"), metavar="DIST")
    package.add_argument("--title", default=None, help="title of the catalog page and feeds "
                         "(default: \"Offline collection\", in the catalog's language)")
    _language_argument(package)
    package.add_argument("--organisation", default="Archive library",
                         help="Source-Organization written in bag-info.txt (and the ZIM's "
                              "Publisher)")
    _styles_argument(package)
    _zim_arguments(package)
    package.set_defaults(run=_package)

    imp = commands.add_parser(
        "import", parents=[common], help="import captured web pages (HTML, WARC, WACZ) as article folders",
        description="Turn each page of each SOURCE (an .html file, a saved-page folder, a .warc, "
                    ".warc.gz or .wacz file) into OUT/<slug>/article.md and images/: the article "
                    "without the site, every figure with its alt, caption and credit, the "
                    "capture's provenance. Never uses the network. Ends with what needs a person.")
    imp.add_argument("sources", nargs="+", metavar="SOURCE", type=Path)
    imp.add_argument("-o", "--out", type=Path, default=Path("content"),
                     help="folder for the article folders (default: content)")
    imp.add_argument("--url", dest="patterns", action="append", default=[], metavar="PATTERN",
                     help="import only pages whose URL matches (wildcards * and ?); repeatable")
    imp.add_argument("--rights", default="", metavar="TEXT",
                     help="rights statement for pages that state none (else a 'todo' for a person)")
    imp.add_argument("--charset", default="", metavar="NAME",
                     help="read every page in this charset, whatever it declares")
    imp.add_argument("--force", action="store_true",
                     help="overwrite article folders a person has edited since they were imported")
    imp.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: one per core)")
    imp.set_defaults(run=_import)

    read = commands.add_parser(
        "read", parents=[common], help="print what a screen reader meets in a PDF, EPUB or HTML file",
        description="Walk FILE as a screen reader would (tag tree, XHTML or HTML) and print "
                    "landmarks, headings, paragraphs, figures (alt, then caption) in order.")
    read.add_argument("file", type=Path, metavar="FILE")
    read.set_defaults(run=_read)

    check = commands.add_parser(
        "check", parents=[common], help="run the validators on rendered outputs",
        description="Run EPUBCheck, the PDF/UA-1 and PDF/A-3a validators and axe-core on every output under "
                    "DIST and print a table; exit 1 on any finding.")
    check.add_argument("dist", type=Path, nargs="?", default=Path("dist"), metavar="DIST")
    check.set_defaults(run=_check)
    return parser


def _format_argument(command) -> None:
    command.add_argument("-f", "--format", dest="formats", default="html,pdf,epub",
                         help="comma-separated formats: html, pdf, epub, and the listening "
                              "editions narrated-epub (<slug>.narrated.epub, read aloud "
                              "sentence by sentence) and audiobook (<slug>.m4b with chapters), "
                              "and the braille editions brf (<slug>.brf, North American ASCII "
                              "braille) and pef (<slug>.pef, PEF 2008-1) "
                              "(default: html,pdf,epub)")


def _braille_arguments(command) -> None:
    command.add_argument("--braille-grade", type=int, choices=(1, 2), default=2,
                         help="braille grade for brf and pef: 2 contracted (UEB grade 2 for "
                              "English), 1 uncontracted (default: 2)")
    command.add_argument("--braille-page", default="40x25", metavar="CELLSxLINES",
                         help="braille page size for brf and pef: cells per line x lines per "
                              "page (default: 40x25)")


def _braille_page(args) -> tuple[int, int]:
    """The --braille-page size, checked before any work."""
    from .braille import parse_page
    return parse_page(args.braille_page)


def _formats(args) -> tuple[str, ...]:
    """The --format list, checked before any work."""
    from .build import FORMATS

    formats = tuple(dict.fromkeys(f.strip() for f in args.formats.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise RenderError("--format", None, f"unknown format '{','.join(unknown)}'; use "
                          f"{', '.join(FORMATS)} or a comma-separated mix")
    return formats


def _render(args) -> int:
    from .build import Options, build_article, find_articles

    formats = _formats(args)
    options = Options(formats=formats, strict=args.strict, build_date=_source_date_epoch(),
                      styles=_styles(args),
                      narration_cache=(args.out / ".cache" / "narration").resolve(),
                      braille_grade=args.braille_grade, braille_page=_braille_page(args))
    articles = find_articles(args.articles)
    if not articles:
        raise RenderError(args.articles[0], None, "no article folders found (a folder with "
                          "article.md); check the path")
    with claim(args.out):  # one writer per output folder
        return _render_each(args, articles, options)


def _styles_argument(command) -> None:
    command.add_argument("--styles", type=Path, default=None, metavar="DIR",
                         help="folder with base.css, screen.css, print.css and epub.css "
                              "(default: the styles shipped in the package, as in styles/)")


def _styles(args) -> Path:
    """The --styles folder, checked once before any work; else the package's default styles."""
    from .build import STYLES
    if args.styles is None:
        return STYLES
    missing = [n for n in ("base.css", "screen.css", "print.css", "epub.css")
               if not (args.styles / n).is_file()]
    if missing:
        raise RenderError(args.styles, None, f"no {missing[0]} in this styles folder; "
                          "copy styles/ and edit the copy")
    from .confine import check_imports
    sheets = [args.styles / n for n in ("base.css", "screen.css", "print.css", "epub.css")]
    check_imports(sheets, [args.styles])  # an @import loop, or one leaving the folder
    return args.styles.resolve()


def _render_each(args, articles, options) -> int:
    from .build import build_article

    failures, writers, crashes = [], {}, 0  # every article is tried, as `build` does
    for article in articles:
        try:
            _one_writer(article, writers, args.out)
            result = build_article(article, args.out, options)
        except RenderError as error:
            if args.debug:
                raise
            failures.append(str(error))
            continue
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # an internal fault in one article stops no other
            if args.debug:
                raise
            crashes += 1
            failures.append(one_line(f"{article}: internal error: {_one_line(error)}; "
                                     "rerun with --debug"))
            continue
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        for path in result.outputs:
            if path.suffix in (".html", ".pdf", ".epub", ".m4b", ".brf", ".pef"):
                print(path)
    for error in failures:  # every failure, together, at the end
        print(error, file=sys.stderr)
    if failures:
        print(f"{len(failures)} of {len(articles)} article(s) failed"
              + ("" if crashes else "; nothing was written for them"), file=sys.stderr)
    if crashes < len(failures):  # bad input first: exit 2
        return EXIT_BAD_INPUT
    return 1 if crashes else 0


def _one_writer(article: Path, writers: dict, out: Path):
    """Refuse a second article of the same run that would write the same OUT/<name>/."""
    folder = article if article.is_dir() else article.parent
    first = writers.setdefault(folder.name, folder)
    if first.resolve() != folder.resolve():
        raise RenderError(article, None, f"another article of this run, {first}, also writes "
                          f"{out / folder.name}/; rename one of the folders or render them "
                          "into different --out folders")


def _build(args) -> int:
    from .build import Options
    from .collection import build_collection, write_playlist
    from .package import write_catalog

    if not args.content.is_dir():
        raise RenderError(args.content, None, "not a folder; give the folder that holds the "
                          "article folders (e.g. content/)")
    if args.jobs is not None and args.jobs < 1:
        raise RenderError("--jobs", None, "must be 1 or more; leave it out for one per core")
    if not 1 <= args.jpeg_quality <= 95 or args.max_edge < 64:
        raise RenderError("--jpeg-quality/--max-edge", None, "quality must be 1–95 and the "
                          "longest edge at least 64 px")
    scheduler = args.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS", "").strip() or None
    if scheduler and args.jobs is not None:
        raise RenderError("--jobs", None, "the Dask cluster's workers do the work; leave out "
                          "--jobs, or leave out --scheduler (and unset DASK_SCHEDULER_ADDRESS) "
                          "to build on this machine")
    options = Options(formats=_formats(args), strict=args.strict,
                      build_date=_source_date_epoch(), max_edge=args.max_edge,
                      jpeg_quality=args.jpeg_quality,
                      image_cache=(args.out / ".cache" / "images").resolve(), styles=_styles(args),
                      narration_cache=(args.out / ".cache" / "narration").resolve(),
                      braille_grade=args.braille_grade, braille_page=_braille_page(args))
    with claim(args.out):
        summary = build_collection(args.content, args.out, options, jobs=args.jobs,
                                   force=args.force, scheduler=scheduler)
        write_catalog(args.out, args.title, _catalog_css(options.styles), _package_date(args.out),
                      args.language)
        write_playlist(args.out)
    for warning in summary.warnings:
        print(warning, file=sys.stderr)
    for failure in summary.failures:
        print(one_line(failure), file=sys.stderr)
    if summary.interrupted:
        print(f"{args.out}: interrupted; the {len(summary.built)} article(s) built before the "
              "stop are recorded in manifest.json; run the same build again for the rest",
              file=sys.stderr)
        return 130
    print(summary.line())
    return EXIT_BAD_INPUT if summary.failures else 0


def _zim_arguments(package):
    zim = package.add_argument_group(
        "the ZIM (Kiwix)", "A ZIM file of the whole package, for the Kiwix apps and "
        "kiwix-serve (README, 'The offline library (Kiwix)').")
    zim.add_argument("--zim", action="store_true",
                     help="also write DIST/NAME.zim, with full-text search, and bag it too")
    zim.add_argument("--zim-name", default=None, metavar="NAME",
                     help="the ZIM's name and file name (default: from the title and the "
                          "language, e.g. offline-collection_en_all)")
    zim.add_argument("--illustration", type=Path, default=None, metavar="PNG",
                     help="the ZIM's icon, a PNG, scaled to 48×48 (default: one the renderer "
                          "draws)")
    zim.add_argument("--zim-description", default=None, metavar="TEXT",
                     help="one line (at most 80 characters) for Kiwix's library (default: "
                          "'N articles, each as a web page, a PDF and an EPUB')")
    zim.add_argument("--zim-long-description", default=None, metavar="TEXT",
                     help="a longer description (at most 4000 characters)")
    zim.add_argument("--zim-tags", default=None, metavar="TAGS",
                     help="Kiwix tags, separated by ';' (e.g. 'news;archive')")


_ZIM_ONLY = ("zim_name", "illustration", "zim_description", "zim_long_description", "zim_tags")


def _package(args) -> int:
    from .collection import load_manifest
    from .package import write_package

    given = [n for n in _ZIM_ONLY if getattr(args, n) is not None]
    if given and not args.zim:
        option = "--" + given[0].replace("_", "-")
        raise RenderError(option, None, "describes the ZIM, which is written only with --zim; "
                          "add --zim or leave it out")
    with claim(args.dist, create=False):
        if not load_manifest(args.dist):
            raise RenderError(args.dist, None, "no build manifest here; run `renderer build` "
                              "first")
        date = _package_date(args.dist)
        zim = _zim_metadata(args, date) if args.zim else None
        bag = write_package(args.dist, _catalog_css(_styles(args)), date, title=args.title,
                            organisation=args.organisation, language=args.language, zim=zim)
    if zim:
        print(args.dist / f"{zim.name}.zim")
    print(bag)
    return 0


def _zim_metadata(args, date: datetime):
    """The ZIM's metadata, every --zim option checked before anything is written."""
    from .l10n import localizer
    from .package import DEFAULT_TITLE
    from .package.zim import zim_metadata

    title = args.title or localizer(args.language).gettext(DEFAULT_TITLE)
    return zim_metadata(args.dist, title=title, base_title=args.title or DEFAULT_TITLE,
                        publisher=args.organisation, date=date.strftime("%Y-%m-%d"),
                        name=args.zim_name, description=args.zim_description,
                        illustration=args.illustration, tags=args.zim_tags,
                        long_description=args.zim_long_description)


def _language_argument(command):
    command.add_argument("--language", type=_language_tag, default="en", metavar="TAG",
                         help="language of the catalog page and feed, a BCP 47 tag "
                              "(default: en; see README, 'Languages')")


def _language_tag(value: str) -> str:
    import langcodes
    if not langcodes.tag_is_valid(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a BCP 47 language tag; use one such "
                                         "as 'en', 'fr' or 'pt-BR'")
    return value


def _catalog_css(styles: Path) -> str:
    """The catalog page wears the same screen styles as the articles (--styles included)."""
    from .files import confined_file
    return "\n".join(confined_file(styles, n).read_text(encoding="utf-8")
                     for n in ("base.css", "screen.css"))


def _package_date(dist: Path) -> datetime:
    """SOURCE_DATE_EPOCH, else the newest article's date: the package is reproducible too."""
    from .collection import load_manifest
    fixed = _source_date_epoch()
    if fixed:
        return fixed
    dates = [e["published"] for e in load_manifest(dist).values() if "published" in e] \
        or ["1980-01-01"]
    return datetime.fromisoformat(max(dates)).replace(tzinfo=timezone.utc)


def _import(args) -> int:
    from .importer import Options, run

    if args.jobs is not None and args.jobs < 1:
        raise RenderError("--jobs", None, "must be 1 or more; leave it out for one per core")
    options = Options(out=args.out, rights=" ".join(args.rights.split()), charset=args.charset,
                      patterns=tuple(args.patterns), force=args.force, jobs=args.jobs,
                      debug=args.debug)

    def progress(item):
        if hasattr(item, "folder"):
            note = {"written": "", "unchanged": "  (unchanged)",
                    "edited": "  (kept: edited since it was imported; --force overwrites it)"}
            print(f"{item.folder / 'article.md'}  <- {item.page.url or item.page.where}"
                  f"{note[item.status]}")
        else:
            print(item, file=sys.stderr)

    report = run(args.sources, options, on_page=progress)
    people = [o for o in report.imported if o.page.needs or o.page.guessed]
    if people:
        print("\nWhat needs a person:")
        for outcome in people:
            article = outcome.folder / "article.md"
            for line, text in outcome.page.needs:
                print(f"  {article}:{line}: {text}")
            for text in outcome.page.guessed:
                print(f"  {article}: check: {text}")
    failed = report.refused + report.internal
    print(f"\n{len(report.imported)} page(s) imported into {args.out}, {len(failed)} refused; "
          f"{sum(1 for o in report.imported if o.page.blocking)} need a person before they render",
          file=sys.stderr if failed else sys.stdout)
    return EXIT_BAD_INPUT if report.refused else (1 if report.internal else 0)


def _read(args) -> int:
    import unicodedata

    from .transcript import transcript

    try:
        for item in transcript(args.file):  # a foreign file's text must not drive the terminal
            print("".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c
                          for c in str(item)))
        sys.stdout.flush()
    except BrokenPipeError:  # `renderer read … | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # for the exit's flush
        return 128 + signal.SIGPIPE
    return 0


def _check(args) -> int:
    from .check import run_checks

    return run_checks(args.dist)


def _source_date_epoch() -> datetime | None:
    """Honour SOURCE_DATE_EPOCH (reproducible-builds.org); read here, at the edge, only."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        seconds = int(value)
    except ValueError:
        raise RenderError("SOURCE_DATE_EPOCH", None, f"{value!r} is not a number of seconds; "
                          "unset it or give a Unix time") from None
    if not 0 <= seconds <= LATEST_EPOCH:
        raise RenderError("SOURCE_DATE_EPOCH", None, f"{value!r} is outside 0..{LATEST_EPOCH} "
                          "(1970-01-01 to 2107-12-31, the last date an EPUB's zip can record); "
                          "give a Unix time in that range")
    return datetime.fromtimestamp(seconds, timezone.utc)


if __name__ == "__main__":
    sys.exit(main())

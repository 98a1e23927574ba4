"""Command line: `renderer render`, `renderer read`, `renderer check`.

Bad input prints one line, `path:line: what is wrong; how to fix it`, and exits 2; `--debug`
shows the traceback instead.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from . import NAME, __version__
from .errors import RenderError

EXIT_BAD_INPUT = 2


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
    except Exception as error:  # an internal fault: say so in one line, keep going quietly
        if args.debug:
            raise
        print(f"{NAME}: internal error: {type(error).__name__}: {error}; rerun with --debug "
              "and report it", file=sys.stderr)
        return 1


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
    render.add_argument("-f", "--format", dest="formats", default="html,pdf,epub",
                        help="comma-separated formats: html, pdf, epub (default: all three)")
    render.add_argument("--strict", action="store_true", help="treat alt-text warnings as errors")
    render.add_argument("--styles", type=Path, default=None, metavar="DIR",
                        help="folder with base.css, screen.css, print.css and epub.css "
                             "(default: the project's styles/)")
    render.set_defaults(run=_render)

    read = commands.add_parser(
        "read", parents=[common], help="print what a screen reader meets in a PDF, EPUB or HTML file",
        description="Walk FILE as a screen reader would (tag tree, XHTML or HTML) and print "
                    "landmarks, headings, paragraphs, figures (alt, then caption) in order.")
    read.add_argument("file", type=Path, metavar="FILE")
    read.set_defaults(run=_read)

    check = commands.add_parser(
        "check", parents=[common], help="run the validators on rendered outputs",
        description="Run EPUBCheck, the PDF/UA-1 validator and axe-core on every output under "
                    "DIST and print a table; exit 1 on any finding.")
    check.add_argument("dist", type=Path, nargs="?", default=Path("dist"), metavar="DIST")
    check.set_defaults(run=_check)
    return parser


def _render(args) -> int:
    from .build import FORMATS, Options, build_article, find_articles

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise RenderError("--format", None, f"unknown format '{','.join(unknown)}'; "
                          "use html, pdf, epub or a comma-separated mix")
    options = Options(formats=formats, strict=args.strict, build_date=_source_date_epoch())
    if args.styles is not None:
        missing = [n for n in ("base.css", "screen.css", "print.css", "epub.css")
                   if not (args.styles / n).is_file()]
        if missing:
            raise RenderError(args.styles, None, f"no {missing[0]} in this styles folder; "
                              "copy styles/ and edit the copy")
        options = replace(options, styles=args.styles.resolve())
    articles = find_articles(args.articles)
    if not articles:
        raise RenderError(args.articles[0], None, "no article folders found (a folder with "
                          "article.md); check the path")
    failures = []
    for article in articles:
        try:
            result = build_article(article, args.out, options)
        except RenderError as error:
            if args.debug:
                raise
            failures.append(error)
            continue
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        for path in result.outputs:
            if path.suffix in (".html", ".pdf", ".epub"):
                print(path)
    for error in failures:  # every failure, together, at the end
        print(error, file=sys.stderr)
    if failures:
        print(f"{len(failures)} of {len(articles)} article(s) failed; nothing was written for "
              "them", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def _read(args) -> int:
    from .transcript import transcript

    for item in transcript(args.file):
        print(item)
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
        return datetime.fromtimestamp(int(value), timezone.utc)
    except ValueError:
        raise RenderError("SOURCE_DATE_EPOCH", None, f"'{value}' is not a number of seconds; "
                          "unset it or give a Unix time") from None


if __name__ == "__main__":
    sys.exit(main())

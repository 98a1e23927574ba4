"""Scale benchmark: does rendering cost grow linearly with the size of an article?

Generates one article per case — N `{lang=…}` spans, N inline links or N reference links (ten
to a paragraph), or a table of N rows — and renders it (HTML, PDF and EPUB, as `renderer render` does) in a child
process of its own, so each case's peak memory is its own (`ru_maxrss` read in the child).
Prints seconds (the render, without interpreter start-up and imports) and peak memory per case,
and for each doubling of N the ratio of times: about 2 means linear, about 4 quadratic.

Run: `.venv/bin/python bench/scale.py` (options: --sizes, --kinds, --timeout, --formats).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FRONT = ("---\ntitle: Scale test\nlanguage: en\npublished: 2020-01-03\npublisher: Bench Press\n"
         "rights: Public domain\n---\n\n")
LANGS = (("fr", "un passage en français"), ("de", "ein Satz auf Deutsch"),
         ("ar", "مرحبا بالعالم"), ("es", "una frase en español"))
PER_PARAGRAPH = 10  # spans or links per paragraph, as in a dense article (0: all in one)


def _paragraphs(items) -> str:
    items = list(items)
    step = PER_PARAGRAPH or len(items) or 1
    return "\n\n".join("Text before " + " and ".join(items[i:i + step]) + "."
                       for i in range(0, len(items), step))


def spans(n: int) -> str:
    return _paragraphs(f"[{LANGS[i % 4][1]} {i}]{{lang={LANGS[i % 4][0]}}}" for i in range(n))


def links(n: int) -> str:
    return _paragraphs(f"[link number {i}](https://example.org/page/{i})" for i in range(n))


def refs(n: int) -> str:
    body = _paragraphs(f"[reference number {i}][r{i}]" for i in range(n))
    return body + "\n\n" + "\n".join(f"[r{i}]: https://example.org/ref/{i}" for i in range(n))


def rows(n: int) -> str:
    lines = ["Table: A generated table", "", "| Year | Place | Count |", "|---|---|--:|"]
    lines += [f"| {1900 + i % 120} | place {i} | {i * 7} |" for i in range(n)]
    return "\n".join(lines)


KINDS = {"spans": spans, "links": links, "refs": refs, "rows": rows}


def write_article(folder: Path, kind: str, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "article.md").write_text(FRONT + KINDS[kind](n) + "\n", encoding="utf-8")
    return folder


def child(article: Path, out: Path, formats: str):
    """Render one article in this process; print seconds, peak memory and pages as JSON."""
    sys.path.insert(0, str(ROOT))
    from renderer.build import Options, build_article
    from renderer.errors import RenderError
    import weasyprint  # noqa: F401  (imported before timing, as a warm worker has it)

    start = time.perf_counter()
    try:
        result = build_article(article, out, Options(formats=tuple(formats.split(","))))
    except RenderError as error:  # over a limit (renderer/limits.py): say which
        print(json.dumps({"seconds": None, "peak_mb": None, "pages": None,
                          "note": "refused: " + error.message.split(";")[0].split(" (")[0]}))
        return
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "pages": result.pages}))


def run_case(kind: str, n: int, work: Path, formats: str, timeout: float) -> dict:
    article = write_article(work / f"{kind}-{n}", kind, n)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(article),
               str(work / "out"), formats]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "peak_mb": None, "pages": None, "note": f"> {timeout:.0f} s"}
    if done.returncode != 0:
        return {"seconds": None, "peak_mb": None, "pages": None,
                "note": (done.stderr.strip().splitlines() or ["failed"])[-1][:100]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    global PER_PARAGRAPH
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="250,500,1000,2000,4000")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--formats", default="html,pdf,epub")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--per-paragraph", type=int, default=PER_PARAGRAPH, metavar="K",
                        help=f"spans or links per paragraph (default {PER_PARAGRAPH}; 0: all in "
                             "one paragraph, which the paragraph limit refuses past a few hundred)")
    parser.add_argument("--child", nargs=3, metavar=("ARTICLE", "OUT", "FORMATS"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--write", type=Path, metavar="DIR",
                        help="only write the generated articles into DIR")
    args = parser.parse_args(argv)
    if args.child:
        return child(Path(args.child[0]), Path(args.child[1]), args.child[2])
    PER_PARAGRAPH = args.per_paragraph
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = args.kinds.split(",")
    if args.write:
        for kind in kinds:
            for n in sizes:
                write_article(args.write / f"{kind}-{n}", kind, n)
        return
    print(f"formats: {args.formats}; one child process per case; "
          "ratio = time / time at half the size (2.0 = linear, 4.0 = quadratic)")
    print(f"| case | N | pages | seconds | ratio | peak memory |")
    print(f"|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="renderer-scale-") as tmp:
        for kind in kinds:
            previous = {}
            for n in sizes:
                r = run_case(kind, n, Path(tmp), args.formats, args.timeout)
                if r["seconds"] is None:
                    print(f"| {kind} | {n:,} | – | {r['note']} | – | – |", flush=True)
                    break  # bigger sizes would be refused too, or take longer still
                half = previous.get(n // 2)
                ratio = f"{r['seconds'] / half:.2f}" if half else "–"
                previous[n] = r["seconds"]
                print(f"| {kind} | {n:,} | {r['pages']} | {r['seconds']:.2f} | {ratio} "
                      f"| {r['peak_mb']:.0f} MB |", flush=True)


if __name__ == "__main__":
    sys.exit(main())

"""The braille editions' speed: braille pages per second, and what one page costs.

Each article is rendered once as `renderer render --format brf,pef` does (the PDF is laid out
for its page starts), then the braille alone is made again from the marked web page, timed:
the walk, liblouis's translation and the layout (`braille_editions`), best of --repeat runs.
For comparison, the same paragraphs are translated by one `lou_translate` process each (the
other way to call liblouis), which is why the binding is loaded in-process.

Run: `.venv/bin/python bench/braille.py` (options: --article DIR …, --grade 1|2, --repeat N).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from renderer.braille import BrailleOptions, braille_editions  # noqa: E402
from renderer.braille.blocks import braille_blocks  # noqa: E402
from renderer.braille.translate import Translator  # noqa: E402
from renderer.build import Options, render_article  # noqa: E402
from renderer.html import insert_page_markers  # noqa: E402

ARTICLES = [ROOT / "content" / "dod-quds-force-commander",
            ROOT / "tests" / "corpus" / "good" / "long-report",
            ROOT / "tests" / "corpus" / "good" / "everything",
            ROOT / "tests" / "corpus" / "languages" / "ar"]


def measure(article: Path, grade: int, repeat: int) -> dict:
    options = Options(formats=("html", "brf", "pef"), braille_grade=grade)
    started = time.perf_counter()
    result, files = render_article(article, options)
    whole = time.perf_counter() - started
    slug = result.article.name
    marked = files[f"{slug}.html"].decode("utf-8")
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        editions = braille_editions(marked, result.doc.metadata, BrailleOptions(grade))
        best = min(best, time.perf_counter() - started)
    pages = editions.brf.count(b"\f")
    blocks = braille_blocks(marked)
    texts = [b.text for b in blocks if b.text][:40]
    translator = Translator(result.doc.metadata.language, grade)
    started = time.perf_counter()
    for text in texts:
        subprocess.run(["lou_translate", "--forward", ",".join(translator.tables)], input=text,
                       capture_output=True, text=True, check=True)
    per_process = (time.perf_counter() - started) / max(len(texts), 1)
    started = time.perf_counter()
    for text in texts:
        translator.cells(text)
    in_process = (time.perf_counter() - started) / max(len(texts), 1)
    return dict(slug=slug, table=translator.tables[0], pages=pages, seconds=best,
                whole=whole, brf=len(editions.brf), pef=len(editions.pef),
                process_ms=per_process * 1000, binding_ms=in_process * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article", type=Path, nargs="+", default=ARTICLES)
    parser.add_argument("--grade", type=int, choices=(1, 2), default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{Translator('en').version()}; grade {args.grade}, 40x25; braille alone best of "
          f"{args.repeat}; 'render s' is the whole render (PDF layout included)")
    print(f"{'article':28} {'table':15} {'pages':>5} {'braille s':>9} {'pages/s':>8} "
          f"{'render s':>8} {'BRF KB':>7} {'PEF KB':>7} {'ms/para proc':>12} {'ms/para lib':>11}")
    for article in args.article:
        m = measure(article, args.grade, args.repeat)
        print(f"{m['slug']:28} {m['table']:15} {m['pages']:5d} {m['seconds']:9.3f} "
              f"{m['pages'] / m['seconds']:8.0f} {m['whole']:8.2f} {m['brf'] / 1024:7.1f} "
              f"{m['pef'] / 1024:7.1f} {m['process_ms']:12.2f} {m['binding_ms']:11.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The catalog's search at 1,000 and 10,000 articles, opened from file:// in Debian's Chromium.

A synthetic dist/ of N articles: a manifest as `renderer build` writes it and one page per
article whose body holds 600 words drawn from a Zipf-like vocabulary of 30,000 made-up words
(as a real collection's words are spread) and one word of its own; titles, descriptions,
3 languages, 200 publishers and 20 years of dates. The catalog is written by the renderer
(`write_catalog`), then opened in Chromium from file://. Prints: the time to write the catalog;
its page weight (index.html and its scripts, bytes and gzipped); the time until the search is
ready (navigation start to the end of the page's script); the first query's time and the
median and 95th percentile of 60 more (typing a query and submitting it, to the results in
the page); and whether the one article whose body holds a word is found first.

Run: `.venv/bin/python bench/catalog.py` (options: --n 1000 10000, --keep DIR).
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from renderer import __version__  # noqa: E402
from renderer.check import CHROMIUM_ARGS, chromium_path  # noqa: E402
from renderer.collection import MANIFEST  # noqa: E402
from renderer.package import write_catalog  # noqa: E402
from renderer.package.search import SCRIPTS  # noqa: E402

UPDATED = datetime(2024, 1, 1, tzinfo=timezone.utc)
_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "de", "fa", "gu", "hi", "jo", "pe",
              "qua", "ri", "su", "te", "wo", "xe", "ya", "zo", "bri", "cla", "dro"]


def vocabulary(size: int, rng: random.Random) -> list[str]:
    """Made-up words of 2 to 4 syllables, all different."""
    found: dict[str, None] = {}
    while len(found) < size:
        found["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    return list(found)


def own_word(i: int) -> str:
    """A word no other article has (letters only; the vocabulary's syllables never give
    `zqx`)."""
    letters = "bcdfghjklmnp"
    text = ""
    while True:
        i, r = divmod(i, len(letters))
        text = letters[r] + text
        if i == 0:
            return "zqx" + text


def synthesise(dist: Path, n: int, seed: int = 1) -> list[str]:
    """dist/ with N article pages and their manifest; returns each article's own word."""
    rng = random.Random(seed)
    vocab = vocabulary(30_000, rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    publishers = [f"Publisher {' '.join(rng.choices(vocab, k=2)).title()}" for _ in range(200)]
    articles, owns = {}, []
    for i in range(n):
        slug = f"article-{i:05d}"
        language = ("en", "fr", "de")[i % 3]
        title = " ".join(rng.choices(vocab, weights, k=rng.randint(4, 9))).capitalize()
        description = " ".join(rng.choices(vocab, weights, k=rng.randint(12, 25))).capitalize()
        body = rng.choices(vocab, weights, k=600) + [own_word(i)]
        rng.shuffle(body)
        paragraphs = "".join(f"<p>{' '.join(body[k:k + 60])}.</p>" for k in range(0, 601, 60))
        page = (f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"><title>'
                f"{title}</title></head><body><main><h1>{title}</h1>{paragraphs}</main></body>"
                "</html>").encode("utf-8")
        (dist / slug).mkdir(parents=True)
        (dist / slug / f"{slug}.html").write_bytes(page)
        published = date(2004, 1, 1) + timedelta(days=rng.randrange(20 * 365))
        articles[slug] = {
            "title": title, "language": language, "published": published.isoformat(),
            "publisher": rng.choice(publishers), "description": description,
            "identifier": f"urn:uuid:{i:032x}", "rights": "CC BY 4.0", "pages": 2,
            "outputs": {f"{slug}.html": len(page), f"{slug}.pdf": 60_000 + i,
                        f"{slug}.epub": 20_000 + i}}
        owns.append(own_word(i))
    (dist / MANIFEST).write_text(json.dumps({"renderer": __version__, "articles": articles}),
                                 encoding="utf-8")
    return owns


def weight(dist: Path) -> tuple[int, int]:
    """Bytes of what the first page loads (index.html and its scripts), raw and gzipped."""
    files = [dist / "index.html"] + [dist / name for name in SCRIPTS]
    raw = sum(f.stat().st_size for f in files)
    return raw, sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)


_TIMED_QUERY = """async (text) => {
  const input = document.getElementById('catalog-query');
  const form = document.getElementById('catalog-search');
  const start = performance.now();
  input.value = text;
  form.requestSubmit();
  await new Promise(resolve => setTimeout(resolve, 0));  // after the search's own timer
  const first = document.querySelector('#catalog-results .formats a');
  return [performance.now() - start, first ? first.getAttribute('href') : null,
          document.querySelectorAll('#catalog-results .catalog > li').length];
}"""


def measure(dist: Path, owns: list[str], rng: random.Random) -> dict:
    """Open the catalog from file:// and time its search (each figure from inside the page)."""
    from playwright.sync_api import sync_playwright

    vocab = vocabulary(30_000, random.Random(1))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto((dist / "index.html").as_uri())
            page.wait_for_function("window.catalogSearchReady !== undefined", timeout=60_000)
            ready = page.evaluate("window.catalogSearchReady")
            target = len(owns) // 2
            first, found, _ = page.evaluate(_TIMED_QUERY, owns[target])
            queries = ([rng.choice(vocab[:2000]) for _ in range(20)]  # common words
                       + [" ".join(rng.sample(vocab[:5000], 2)) for _ in range(20)]  # two words
                       + [rng.choice(vocab[:3000])[:4] for _ in range(20)])  # a prefix, typing
            times = [page.evaluate(_TIMED_QUERY, q)[0] for q in queries]
        finally:
            browser.close()
    times.sort()
    return dict(ready=ready, first=first, found_first=found == f"article-{target:05d}/article-{target:05d}.html",
                median=statistics.median(times), p95=times[int(0.95 * (len(times) - 1))])


def run(n: int, keep: Path | None) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as work:
        dist = (keep or Path(work)) / f"dist-{n}"
        owns = synthesise(dist, n)
        start = time.perf_counter()
        write_catalog(dist, "Benchmark collection", "", UPDATED)
        written = time.perf_counter() - start
        raw, zipped = weight(dist)
        figures = measure(dist, owns, random.Random(2))
    return (f"{n:>6} articles: catalog written in {written:.1f} s; page weight {raw / 1e6:.2f} MB "
            f"({zipped / 1e6:.2f} MB gzipped); search ready {figures['ready']:.0f} ms; "
            f"first query {figures['first']:.0f} ms; queries median {figures['median']:.0f} ms, "
            f"p95 {figures['p95']:.0f} ms; own word found first: {figures['found_first']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--keep", type=Path, help="write the synthetic collections here")
    args = parser.parse_args()
    for n in args.n:
        print(run(n, args.keep), flush=True)


if __name__ == "__main__":
    main()

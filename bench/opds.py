"""OPDS feeds' time and size: the catalog of a collection of N articles (`write_catalog`: the
catalog page, then every OPDS 1.2 and 2.0 feed, facet and page).

Five real articles (the seed, `everything` with photos and page numbers, the Arabic notice, the
French and Arabic articles of the language corpus) are built once with the renderer; a
synthetic dist/ of N articles is then made from their outputs, each under its own slug (hard
links: the same bytes, no copying), dated over ten years, with a manifest as `renderer build`
writes it. Timed: the whole catalog, and apart from it reading every EPUB's accessibility
metadata (which the feeds do once per EPUB). Prints the files written and their sizes.

Run: `.venv/bin/python bench/opds.py` (options: --n 1000 10000, --keep DIR).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from renderer import __version__  # noqa: E402
from renderer.collection import CATALOG, MANIFEST  # noqa: E402
from renderer.package import write_catalog  # noqa: E402
from renderer.package.accessibility import read_accessibility  # noqa: E402
from zim import build_templates  # noqa: E402  (bench/zim.py: the same real articles, built)

CORPUS = ROOT / "tests" / "corpus"
SOURCES = [ROOT / "content" / "dod-quds-force-commander", CORPUS / "good" / "everything",
           CORPUS / "good" / "arabic-notice", CORPUS / "languages" / "fr",
           CORPUS / "languages" / "ar"]
UPDATED = datetime(2024, 1, 1, tzinfo=timezone.utc)


def synthesise(templates: Path, dist: Path, n: int) -> dict:
    """dist/ with N articles made from the templates' outputs, and its manifest."""
    source = json.loads((templates / MANIFEST).read_text(encoding="utf-8"))["articles"]
    kinds = sorted(source.items())
    articles = {}
    for i in range(n):
        name, entry = kinds[i % len(kinds)]
        slug = f"{name}-{i:05d}"
        outputs = {}
        for output, size in entry["outputs"].items():
            renamed = output.replace(name, slug, 1) if output.startswith(name + ".") else output
            (dist / slug / renamed).parent.mkdir(parents=True, exist_ok=True)
            os.link(templates / name / output, dist / slug / renamed)
            outputs[renamed] = size
        articles[slug] = dict(entry, title=f"{entry['title']} {i}", outputs=outputs,
                              published=f"{2014 + i % 10}-{1 + i % 12:02d}-01")
    (dist / MANIFEST).write_text(json.dumps(
        {"renderer": __version__, "articles": articles, CATALOG: []}), encoding="utf-8")
    return articles


def measure(n: int, templates: Path, work: Path) -> dict:
    dist = work / f"dist-{n}"
    articles = synthesise(templates, dist, n)
    started = time.perf_counter()
    for slug in articles:
        read_accessibility(dist / slug / f"{slug}.epub")
    reading = time.perf_counter() - started
    started = time.perf_counter()
    write_catalog(dist, None, "", UPDATED)
    seconds = time.perf_counter() - started
    feeds = [p for p in dist.glob("opds*.*") if p.suffix in (".xml", ".json")]
    size = {s: sum(p.stat().st_size for p in feeds if p.suffix == s) for s in (".xml", ".json")}
    first = {s: (dist / f"opds{s}").stat().st_size for s in (".xml", ".json")}
    return dict(n=n, seconds=seconds, reading=reading, files=len(feeds), size=size, first=first,
                pages=len(list(dist.glob("opds.page-*.xml"))) + 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-opds-") as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        templates = build_templates(work, SOURCES)
        print(f"OPDS feeds (catalog page included), {os.cpu_count()} cores")
        print(f"{'articles':>9} {'seconds':>8} {'a11y read':>10} {'feeds':>6} "
              f"{'XML MB':>7} {'JSON MB':>8} {'pages':>6} {'page 1 XML kB':>14} "
              f"{'page 1 JSON kB':>15}")
        for n in args.n:
            r = measure(n, templates, work)
            print(f"{r['n']:>9,} {r['seconds']:>8.1f} {r['reading']:>10.1f} {r['files']:>6} "
                  f"{r['size']['.xml'] / 1e6:>7.1f} {r['size']['.json'] / 1e6:>8.1f} "
                  f"{r['pages']:>6} {r['first']['.xml'] / 1e3:>14.0f} "
                  f"{r['first']['.json'] / 1e3:>15.0f}", flush=True)
            if not args.keep:
                shutil.rmtree(work / f"dist-{n}")
        print("(a11y read: reading every EPUB's accessibility metadata, timed apart (the "
              "catalog does it once too); "
              "feeds: XML and JSON files, every language, year and page; pages: of opds.xml)")


if __name__ == "__main__":
    main()

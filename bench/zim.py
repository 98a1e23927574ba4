"""ZIM build time and size: `renderer package --zim` on collections of N articles.

Three real articles (the seed, `everything` with two photos, `arabic-notice`) are built once
with the renderer; a synthetic dist/ of N articles is then made from their outputs, each under
its own slug with a word of its own in its page's body (the PDF, EPUB and photos are hard
links: the same bytes, no copying), with a manifest as `renderer build` writes it and the
catalog page. Only the ZIM is timed: libzim's compression, title and full-text indexes.
Prints seconds, seconds per 1,000 articles and the file's size; then checks that a full-text
search for one article's own word finds that article first.

Run: `.venv/bin/python bench/zim.py` (options: --n 1000 10000, --keep DIR).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
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
from renderer.package.zim import write_zim, zim_metadata  # noqa: E402

SOURCES = [ROOT / "content" / "dod-quds-force-commander", ROOT / "tests" / "corpus" / "good" /
           "everything", ROOT / "tests" / "corpus" / "good" / "arabic-notice"]
UPDATED = datetime(2024, 1, 1, tzinfo=timezone.utc)


def build_templates(work: Path, sources: list[Path] = SOURCES) -> Path:
    """Real articles (the three above unless told), built by the renderer as a user would."""
    content = work / "content"
    for source in sources:
        shutil.copytree(source, content / source.name)
    subprocess.run([sys.executable, "-m", "renderer", "build", str(content), "--out",
                    str(work / "templates")], cwd=ROOT, check=True, capture_output=True)
    return work / "templates"


_LETTERS = "bcdfghjklmnpqrtvwxz"


def word(i: int) -> str:
    """A word no other article has: letters only (the index splits at digits), and no vowel,
    `s` or `y`, so the English stemmer leaves it whole (`zqhky` would be stemmed as `zqhki`)."""
    letters = ""
    while True:
        i, r = divmod(i, len(_LETTERS))
        letters = _LETTERS[r] + letters
        if i == 0:
            return "zq" + letters


def synthesise(templates: Path, dist: Path, n: int):
    """dist/ with N articles made from the templates' outputs, and its manifest and catalog."""
    source = json.loads((templates / MANIFEST).read_text(encoding="utf-8"))["articles"]
    kinds = sorted(source.items())
    articles = {}
    for i in range(n):
        name, entry = kinds[i % len(kinds)]
        slug = f"{name}-{i:05d}"
        folder = dist / slug
        outputs = {}
        for output in entry["outputs"]:
            target = folder / output.replace(name, slug, 1)
            target.parent.mkdir(parents=True, exist_ok=True)
            original = templates / name / output
            if output == f"{name}.html":  # a word of its own, in the body
                page = original.read_text(encoding="utf-8")
                target.write_text(page.replace("</main>", f"<p>{word(i)}</p></main>", 1),
                                  encoding="utf-8")
            else:
                os.link(original, target)
            outputs[target.relative_to(folder).as_posix()] = target.stat().st_size
        articles[slug] = dict(entry, title=f"{entry['title']} {i}", outputs=outputs)
    manifest = {"renderer": __version__, "articles": articles, CATALOG: []}
    (dist / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    css = "\n".join((ROOT / "styles" / n).read_text(encoding="utf-8")
                    for n in ("base.css", "screen.css"))
    write_catalog(dist, None, css, UPDATED)
    return articles


def measure(n: int, templates: Path, work: Path) -> dict:
    dist = work / f"dist-{n}"
    started = time.perf_counter()
    articles = synthesise(templates, dist, n)
    prepared = time.perf_counter() - started
    metadata = zim_metadata(dist, title="Offline collection", base_title="Offline collection",
                            publisher="Bench library", date="2024-01-01")
    started = time.perf_counter()
    zim = write_zim(dist, metadata, progress=False)
    seconds = time.perf_counter() - started
    found = _first_hit(zim, word(n // 2))
    assert found and found.endswith(f"-{n // 2:05d}.html"), found
    files = sum(1 + len(a["outputs"]) for a in articles.values())
    return dict(n=n, seconds=seconds, per_1000=seconds * 1000 / n, size=zim.stat().st_size,
                payload=sum(sum(a["outputs"].values()) for a in articles.values()),
                files=files, prepared=prepared)


def _first_hit(zim: Path, text: str) -> str | None:
    from libzim.reader import Archive
    from libzim.search import Query, Searcher
    hits = list(Searcher(Archive(str(zim))).search(Query().set_query(text)).getResults(0, 1))
    return hits[0] if hits else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-zim-") as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        templates = build_templates(work)
        print(f"ZIM build (python-libzim 2.1.0 / libzim 8), {os.cpu_count()} cores")
        print(f"{'articles':>9} {'seconds':>8} {'s/1000':>7} {'ZIM MB':>7} {'files MB':>9}")
        for n in args.n:
            r = measure(n, templates, work)
            print(f"{r['n']:>9,} {r['seconds']:>8.1f} {r['per_1000']:>7.1f} "
                  f"{r['size'] / 1e6:>7.1f} {r['payload'] / 1e6:>9.1f}", flush=True)
            if not args.keep:
                shutil.rmtree(work / f"dist-{n}")
        print("(files MB: the articles' HTML, PDF, EPUB and photos the ZIM holds; a full-text "
              "search for one article's own word found it first in each)")


if __name__ == "__main__":
    main()

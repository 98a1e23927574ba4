"""Benchmark: our collection build against pandoc 3 on the same synthetic articles.

Generates N articles shaped like the seed (about 1,200 words, two 2400×1600 photos with alt text
and captions, a quotation, a list), then times on the same cores:
  - our cold build (`renderer build -j JOBS`), our no-op rebuild, and a one-article change;
  - pandoc (PyPI pypandoc-binary) making HTML, EPUB and PDF (--pdf-engine=weasyprint) of each
    article, JOBS at a time.
Prints articles per second, the ratio to pandoc, peak memory of the whole process tree and
output sizes. Run: `make bench` or `.venv/bin/python bench/bench.py --articles 200 --jobs 2`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
WORDS = ("the official said forces region attack militia bases coalition security embassy "
         "service members partners defense department statement iraq reported week months "
         "civilian contractor rockets responded actions western strikes").split()


def paragraph(seed: int, words: int = 60) -> str:
    text = " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(words))
    return text[0].upper() + text[1:] + "."


def photo(path: Path, number: int, which: int):
    image = Image.new("RGB", (2400, 1600), ((number * 37) % 200, 90 + which * 40, 120))
    draw = ImageDraw.Draw(image)
    for i in range(0, 2400, 160):  # some detail, so JPEG sizes are realistic
        draw.line([(i, 0), (2400 - i, 1600)], fill=(200, 200, 200), width=6)
    draw.rectangle([100 + number % 500, 200, 900 + number % 500, 900], fill=(230, 200, 60))
    image.save(path, "JPEG", quality=85)


def make_articles(content: Path, count: int):
    for n in range(count):
        folder = content / f"article-{n:04d}"
        (folder / "images").mkdir(parents=True, exist_ok=True)
        for which in (1, 2):
            photo(folder / "images" / f"photo-{which}.jpg", n, which)
        body = [paragraph(n * 20 + i) for i in range(9)]
        figure = lambda w: (f"```figure\nsrc: images/photo-{w}.jpg\nalt: Marines stand watch "
                            f"on a rooftop, scene {n}-{w}.\ntitle: Watch {w}\ncaption: A caption "
                            f"for photo {w} of article {n}.\ncredit_label: Photo By\ncredit: "
                            f"Sgt. Example\nidentifier_label: VIRIN\nidentifier: 2001{n:04d}-M-{w}\n```")
        text = (f"---\ntitle: Synthetic article {n}\nlanguage: en-US\npublished: 2020-01-03\n"
                f"publisher: Benchmark Press\nrights: Public domain\n---\n\n"
                + "\n\n".join(body[:2] + [figure(1)] + body[2:5]
                              + ['"' + paragraph(n, 30) + '" the official said.']
                              + ["- " + paragraph(n + k, 8) for k in range(4)]
                              + [figure(2)] + body[5:]) + "\n")
        (folder / "article.md").write_text(text, encoding="utf-8")
        # The same article in pandoc's own Markdown: images with alt text and a caption.
        pandoc_figure = lambda w: (f"![A caption for photo {w} of article {n}. Photo By: Sgt. "
                                   f"Example. VIRIN: 2001{n:04d}-M-{w}](images/photo-{w}.jpg)"
                                   f"{{alt=\"Marines stand watch on a rooftop, scene {n}-{w}.\"}}")
        pandoc_text = (f"---\ntitle: Synthetic article {n}\nlang: en-US\ndate: 2020-01-03\n---\n\n"
                       + "\n\n".join(body[:2] + [pandoc_figure(1)] + body[2:5]
                                      + ['"' + paragraph(n, 30) + '" the official said.']
                                      + ["- " + paragraph(n + k, 8) for k in range(4)]
                                      + [pandoc_figure(2)] + body[5:]) + "\n")
        (folder / "pandoc.md").write_text(pandoc_text, encoding="utf-8")


class PeakMemory:
    """Samples the resident memory of a process and all its descendants (from /proc)."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid))
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self.thread.join()
        return self.peak


def _tree_rss(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def timed(command: list[str], env=None) -> tuple[float, int]:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    memory = PeakMemory(process.pid)
    _, stderr = process.communicate()
    peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr.decode()[-2000:]}")
    return time.perf_counter() - started, peak


def pandoc_one(article: Path, out: Path, env) -> None:
    import pypandoc
    pandoc = pypandoc.get_pandoc_path()
    target = out / article.name
    target.mkdir(parents=True, exist_ok=True)
    source = article / "pandoc.md"
    for fmt, extra in (("html", ["--standalone", "--embed-resources"]), ("epub", []),
                       ("pdf", ["--pdf-engine=weasyprint"])):
        subprocess.run([pandoc, str(source), "-o", str(target / f"{article.name}.{fmt}"),
                        f"--resource-path={article}", *extra], check=True, env=env,
                       cwd=article, capture_output=True)


def sizes(folder: Path, suffix: str) -> float:
    files = list(folder.rglob(f"*.{suffix}"))
    return sum(f.stat().st_size for f in files) / max(len(files), 1) / 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-pandoc", action="store_true")
    parser.add_argument("--work", type=Path, default=HERE / "out")
    args = parser.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    content, ours, theirs = args.work / "content", args.work / "dist", args.work / "pandoc"
    make_articles(content, args.articles)
    renderer = [str(BIN / "renderer"), "build", str(content), "--out", str(ours), "-j", str(args.jobs)]
    cold, cold_peak = timed(renderer)
    noop, _ = timed(renderer)
    changed = content / "article-0000" / "article.md"
    changed.write_text(changed.read_text() + "\nOne more sentence.\n")
    one, _ = timed(renderer)
    rows = [("renderer cold build", cold, cold_peak), ("renderer no-op rebuild", noop, None),
            ("renderer one article changed", one, None)]
    if not args.no_pandoc:
        env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
        articles = sorted(p for p in content.iterdir() if p.is_dir())
        started = time.perf_counter()
        memory = PeakMemory(os.getpid())
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(lambda a: pandoc_one(a, theirs, env), articles))
        rows.append((f"pandoc 3 (html+epub+pdf), {args.jobs} at a time",
                     time.perf_counter() - started, memory.stop()))

    print(f"\n{args.articles} articles, {args.jobs} workers, {os.cpu_count()} cores\n")
    print("| run | seconds | articles/s | peak memory |")
    print("|---|---:|---:|---:|")
    for name, seconds, peak in rows:
        rate = args.articles / seconds if "one article" not in name and "no-op" not in name else None
        print(f"| {name} | {seconds:.2f} | {rate:.1f} |" if rate else f"| {name} | {seconds:.2f} | – |",
              f"{peak / 1e6:.0f} MB |" if peak else "– |")
    if not args.no_pandoc:
        print(f"\nthroughput ratio, renderer cold build / pandoc: {rows[-1][1] / cold:.1f}×")
    print(f"\nmean output size (renderer): HTML {sizes(ours, 'html'):.0f} kB, "
          f"PDF {sizes(ours, 'pdf'):.0f} kB, EPUB {sizes(ours, 'epub'):.0f} kB")
    if not args.no_pandoc:
        print(f"mean output size (pandoc):   HTML {sizes(theirs, 'html'):.0f} kB, "
              f"PDF {sizes(theirs, 'pdf'):.0f} kB, EPUB {sizes(theirs, 'epub'):.0f} kB")


if __name__ == "__main__":
    main()

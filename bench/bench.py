"""Benchmark: our collection build against pandoc 3 on the same synthetic articles.

Generates N articles shaped like the seed (about 1,200 words, two 2400×1600 photos with alt text
and captions, a quotation, a list), then times on the same cores:
  - our cold build (`renderer build -j JOBS`), our no-op rebuild, and a one-article change;
  - pandoc (PyPI pypandoc-binary) making HTML, EPUB and PDF (--pdf-engine=weasyprint) of each
    article, JOBS at a time.
Prints articles per second, the ratio to pandoc, peak memory of the whole process tree and
output sizes; then the PDF floor: raw WeasyPrint making PDF/A-3a from the same HTML pages and
the same prepared images in JOBS warm worker processes, against our PDF stage (layout, write,
tag repair, XMP) on the same inputs and workers, and the ratio of the two. Run: `make bench` or `.venv/bin/python bench/bench.py --articles 200 --jobs 2`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
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


def make_articles(content: Path, count: int, photo_pool: int = 0):
    """`count` articles; with `photo_pool`, their photos are hard links to that many distinct
    pictures (drawing 20,000 photos takes longer than building them), so the build's image
    cache prepares each picture once and the run measures everything else."""
    pool = content.parent / "photo-pool"
    for n in range(min(photo_pool, count)):
        pool.mkdir(parents=True, exist_ok=True)
        for which in (1, 2):
            photo(pool / f"{n}-{which}.jpg", n, which)
    for n in range(count):
        folder = content / f"article-{n:04d}"
        (folder / "images").mkdir(parents=True, exist_ok=True)
        for which in (1, 2):
            if photo_pool:
                os.link(pool / f"{n % photo_pool}-{which}.jpg", folder / "images" / f"photo-{which}.jpg")
            else:
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


# ---------------------------------------------------------------- the raw WeasyPrint floor
_WARM: dict = {}


def _warm_worker():
    import weasyprint
    _WARM["font_config"] = weasyprint.text.fonts.FontConfiguration()


def pdf_inputs(article: Path) -> dict:
    """What the PDF stage takes for one article, made outside the timed part: the print page's
    HTML and the prepared images (from the build's image cache)."""
    from datetime import datetime, time as midnight, timezone

    from renderer.build import provenance
    from renderer.html import render_html
    from renderer.images import image_size, prepared_images
    from renderer.reader import read_article

    doc = read_article(article / "article.md")
    images = prepared_images(doc, article, None)
    facts = provenance(doc, datetime.combine(doc.metadata.published, midnight(0), timezone.utc))
    html = render_html(doc, image_sizes={s: image_size(d) for s, d in images.items()},
                       skip_link=False, provenance=facts)
    return {"article": article, "html": html, "images": images, "provenance": facts,
            "source": (article / "article.md").read_bytes()}


def _raw_weasyprint(inputs: dict) -> int:
    """WeasyPrint alone: the same page, images and print stylesheets, PDF/A-3a, nothing after."""
    import weasyprint

    from renderer.confine import ARTICLE_BASE_URL, ConfinedFetcher

    styles = ROOT / "styles"
    fetcher = ConfinedFetcher(inputs["article"], [styles], inputs["images"])
    css = [weasyprint.CSS(filename=str(styles / n), url_fetcher=fetcher,
                          font_config=_WARM["font_config"]) for n in ("base.css", "print.css")]
    return len(weasyprint.HTML(string=inputs["html"], base_url=ARTICLE_BASE_URL,
                               url_fetcher=fetcher).write_pdf(
        stylesheets=css, font_config=_WARM["font_config"], pdf_variant="pdf/a-3a"))


def _our_pdf_stage(inputs: dict) -> int:
    """Our PDF stage on the same inputs: layout, write, tag repair, XMP, the source attached."""
    from renderer.pdf import render_pdf_with_layout

    styles = ROOT / "styles"
    pdf, _ = render_pdf_with_layout(inputs["html"], inputs["article"],
                                    [styles / "base.css", styles / "print.css"],
                                    images=inputs["images"], provenance=inputs["provenance"],
                                    source=inputs["source"], font_config=_WARM["font_config"])
    return len(pdf)


def pdf_floor(content: Path, jobs: int) -> list[tuple[str, float, None]]:
    """Wall seconds of raw WeasyPrint and of our PDF stage over all articles, JOBS warm
    workers each; each worker first renders one article both ways (warm-up, not timed)."""
    articles = sorted(p for p in content.iterdir() if p.is_dir())
    with ProcessPoolExecutor(jobs, initializer=_warm_worker) as pool:
        inputs = list(pool.map(pdf_inputs, articles))
        list(pool.map(_raw_weasyprint, inputs[:jobs]))
        list(pool.map(_our_pdf_stage, inputs[:jobs]))
        rows = []
        for name, stage in (("raw WeasyPrint PDF/A-3a (floor)", _raw_weasyprint),
                            ("our PDF stage (layout, write, repair, XMP)", _our_pdf_stage)):
            started = time.perf_counter()
            list(pool.map(stage, inputs, chunksize=4))
            rows.append((name, time.perf_counter() - started, None))
    return rows


def sizes(folder: Path, suffix: str) -> float:
    files = list(folder.rglob(f"*.{suffix}"))
    return sum(f.stat().st_size for f in files) / max(len(files), 1) / 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-pandoc", action="store_true")
    parser.add_argument("--photo-pool", type=int, default=0, metavar="K",
                        help="link every article's photos to K distinct pictures (for N = 10,000)")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the raw-WeasyPrint floor and the PDF-stage ratio")
    parser.add_argument("--work", type=Path, default=HERE / "out")
    args = parser.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    content, ours, theirs = args.work / "content", args.work / "dist", args.work / "pandoc"
    make_articles(content, args.articles, args.photo_pool)
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

    if not args.no_floor:
        rows += pdf_floor(content, args.jobs)

    print(f"\n{args.articles} articles, {args.jobs} workers, {os.cpu_count()} cores\n")
    print("| run | seconds | articles/s | peak memory |")
    print("|---|---:|---:|---:|")
    for name, seconds, peak in rows:
        rate = args.articles / seconds if "one article" not in name and "no-op" not in name else None
        print(f"| {name} | {seconds:.2f} | {rate:.1f} |" if rate else f"| {name} | {seconds:.2f} | – |",
              f"{peak / 1e6:.0f} MB |" if peak else "– |")
    seconds = dict((name, s) for name, s, _ in rows)
    if not args.no_pandoc:
        pandoc = next(s for name, s in seconds.items() if name.startswith("pandoc"))
        print(f"\nthroughput ratio, renderer cold build / pandoc: {pandoc / cold:.1f}×")
    if not args.no_floor:
        floor, stage = rows[-2][1], rows[-1][1]
        print(f"our PDF stage / raw WeasyPrint floor: {stage / floor:.2f}× "
              f"({stage / args.articles * 1e3:.0f} ms against {floor / args.articles * 1e3:.0f} ms "
              f"an article, per worker: ×{args.jobs})")
        print(f"whole cold build (HTML, PDF, EPUB) / floor: {cold / floor:.2f}×")
    print(f"\nmean output size (renderer): HTML {sizes(ours, 'html'):.0f} kB, "
          f"PDF {sizes(ours, 'pdf'):.0f} kB, EPUB {sizes(ours, 'epub'):.0f} kB")
    if not args.no_pandoc:
        print(f"mean output size (pandoc):   HTML {sizes(theirs, 'html'):.0f} kB, "
              f"PDF {sizes(theirs, 'pdf'):.0f} kB, EPUB {sizes(theirs, 'epub'):.0f} kB")


if __name__ == "__main__":
    main()

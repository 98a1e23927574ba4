"""Evaluate `renderer import` on real captured pages (../shared/corpus/web-pages/, 49 pages
from Mozilla Readability's test suite, Apache-2.0) and print the table the README shows.

1. Writes one WARC (warcio) holding every corpus page as a response record, and imports it with
   `python -m renderer import corpus.warc.gz -j JOBS` (timed: pages per second).
2. Compares each imported article with Readability's `expected.html` (token-level F1 of the
   text; `<img alt>` kept exactly as figure alt) and `expected-metadata.json` (title, lang).
3. Renders each article (`python -m renderer build`) and runs the validators (EPUBCheck,
   PDF/UA-1 via page-validation, axe-core): pages whose import report lists nothing for a
   person must be clean as they are; pages held only by `todo` items are rendered once as a
   copy with each todo filled by an obvious test value, to show that the rest is clean.

Run: `.venv/bin/python bench/import_eval.py` (add `--no-render` for the import side only,
`--renderer PATH` to render with another checkout of the renderer).
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

import lxml.html
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "web-pages"
sys.path.insert(0, str(ROOT))

TEST_ALT = "TEST ALT TEXT filled in by import_eval"
FILLS = {"rights": "TEST RIGHTS filled in by import_eval", "publisher": "TEST PUBLISHER",
         "published": "2000-01-01", "language": "en", "title": "TEST TITLE"}


# ---------------------------------------------------------------- the WARC
def build_warc(pages: list[Path], path: Path) -> dict[str, str]:
    """One gzipped WARC with a warcinfo record and one response per page; URL → page name."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    urls = {}
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(
            path.name, {"software": "import_eval (warcio)", "format": "WARC File Format 1.1"}))
        for page in pages:
            url = f"http://fakehost/test/{page.name}/page.html"
            urls[url] = page.name
            data = (page / "source.html").read_bytes()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                  ("Content-Length", str(len(data)))],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(data), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-01-02T03:04:05Z"}))
    return urls


# ---------------------------------------------------------------- measures
def tokens(text: str) -> collections.Counter:
    return collections.Counter(re.findall(r"\w+", text.lower()))


def f1(ours: str, expected: str) -> float:
    a, b = tokens(ours), tokens(expected)
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def article_text(markdown_text: str) -> tuple[str, list[dict], dict]:
    """The words a reader meets (text, captions, credits), the figures, the front matter."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.use(front_matter_plugin).use(attrs_plugin, spans=True).use(attrs_block_plugin)
    tokens_ = md.parse(markdown_text)
    front = yaml.safe_load(tokens_[0].content) if tokens_ and tokens_[0].type == "front_matter" else {}
    figures = [yaml.safe_load(t.content) or {} for t in tokens_
               if t.type == "fence" and t.info.strip() == "figure"]
    html = md.renderer.render([t for t in tokens_ if not (t.type == "fence" and t.info.strip() == "figure")
                               and t.type != "front_matter"], md.options, {})
    text = lxml.html.fromstring(f"<div>{html}</div>").text_content() if html.strip() else ""
    extra = " ".join(str(f.get(k, "")) for f in figures for k in ("caption", "credit", "identifier"))
    return text + " " + extra, figures, front or {}


def expected_alts(page: Path) -> list[str]:
    tree = lxml.html.fromstring((page / "expected.html").read_text(encoding="utf-8"))
    alts = [" ".join((img.get("alt") or "").split()) for img in tree.iter("img")]
    return [a for a in alts if a]


# ---------------------------------------------------------------- rendering
def fill_todos(article: Path, target: Path):
    """A copy of the article with every todo answered by an obvious test value."""
    shutil.copytree(article, target)
    text = (target / "article.md").read_text(encoding="utf-8")
    front_end = text.index("\n---\n", 4)
    front, body = text[:front_end], text[front_end:]
    asked = re.findall(r"set '(\w+)'", front)
    front = re.sub(r"\ntodo:(?: .*)?(?:\n  - .*)*", "", front)
    for field in asked:
        front += f"\n{field}: {json.dumps(FILLS.get(field, 'TEST VALUE'))}"

    def figure(match):
        block = re.sub(r"\ntodo: .*", "", match.group(0))
        if "\nalt: " not in block and "\ndecorative: " not in block:
            block = block.replace("```figure\n", f"```figure\nalt: {TEST_ALT}\n", 1)
        return block

    body = re.sub(r"```figure\n.*?\n```", figure, body, flags=re.S)
    (target / "article.md").write_text(front + body, encoding="utf-8")


def render_and_check(content: Path, dist: Path, renderer: Path, jobs: int) -> dict[str, list[str]]:
    """Build every article of `content`; run the validators; findings per article."""
    from renderer.check import epub_findings, pdf_findings, run_axe, run_epubcheck, run_pdfua

    env = dict(os.environ, PYTHONPATH=str(renderer), PYTHONDONTWRITEBYTECODE="1",
               SOURCE_DATE_EPOCH="1704164645")
    result = subprocess.run([sys.executable, "-m", "renderer", "build", str(content), "--out",
                             str(dist), "-j", str(jobs)], capture_output=True, text=True, env=env,
                            cwd=renderer)
    findings: dict[str, list[str]] = {p.name: [] for p in content.iterdir() if p.is_dir()}
    for line in result.stderr.splitlines():
        for name in findings:
            if f"/{name}/" in line and ("error" in line.lower() or ": " in line) and \
                    "warning" not in line:
                findings[name].append("render refused: " + line.strip()[:300])
                break
        if "Traceback" in line:
            findings.setdefault("(build)", []).append("traceback in build")
    htmls = []
    for name in findings:
        folder = dist / name
        epub, pdf, html = (folder / f"{name}.{x}" for x in ("epub", "pdf", "html"))
        if not epub.exists():
            if not findings[name]:
                findings[name].append("not rendered")
            continue
        findings[name] += [f"EPUBCheck: {f}" for f in epub_findings(run_epubcheck(epub))]
        findings[name] += [f"PDF/UA-1: {f}" for f in pdf_findings(run_pdfua(pdf, "ua1"))]
        htmls.append(html)
    if htmls:
        for path, violations in run_axe(htmls).items():
            findings[Path(path).parent.name] += [f"axe: {v['id']} ({len(v['nodes'])} nodes)"
                                                 for v in violations]
    return findings


# ---------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-render", action="store_true", help="measure the import side only")
    parser.add_argument("--renderer", type=Path, default=ROOT,
                        help="checkout whose renderer renders the articles (default: this one)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the work folder here")
    parser.add_argument("--verbose", action="store_true", help="one line per page")
    args = parser.parse_args()

    pages = sorted(p for p in args.corpus.iterdir() if (p / "source.html").is_file())
    work = Path(tempfile.mkdtemp(prefix="import-eval-")) if args.keep is None else args.keep
    if work.exists() and args.keep is not None:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    warc = work / "corpus.warc.gz"
    urls = build_warc(pages, warc)
    content = work / "content"

    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "renderer", "import", str(warc), "--out",
                             str(content), "-j", str(args.jobs)], capture_output=True, text=True,
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    seconds = time.perf_counter() - started
    tracebacks = result.stderr.count("Traceback") + result.stderr.count("internal error")
    refused = [line for line in result.stderr.splitlines() if " at offset " in line]

    by_name = {}
    for folder in sorted(p for p in content.iterdir() if p.is_dir()) if content.exists() else []:
        stamp = json.loads((folder / ".import.json").read_text())
        url = stamp["capture"].split(" ")[0]
        by_name[urls[url]] = folder

    rows, scores, alt_total, alt_kept = [], [], 0, 0
    titles = languages = language_total = 0
    needs_person, clean = [], []
    for page in pages:
        expected_meta = json.loads((page / "expected-metadata.json").read_text(encoding="utf-8"))
        expected_html = (page / "expected.html").read_text(encoding="utf-8")
        expected_text = lxml.html.fromstring(expected_html).text_content()
        alts = expected_alts(page)
        alt_total += len(alts)
        if expected_meta.get("lang"):
            language_total += 1
        folder = by_name.get(page.name)
        if folder is None:
            rows.append((page.name, None))
            continue
        text = (folder / "article.md").read_text(encoding="utf-8")
        ours, figures, front = article_text(text)
        score = f1(ours, expected_text)
        scores.append(score)
        ours_alts = collections.Counter(" ".join(str(f.get("alt", "")).split()) for f in figures)
        kept = 0
        for alt in alts:
            if ours_alts[alt] > 0:
                ours_alts[alt] -= 1
                kept += 1
        alt_kept += kept
        title_ok = " ".join(str(front.get("title", "")).split()) == " ".join(
            str(expected_meta.get("title") or "").split())
        titles += title_ok
        lang_ok = None
        if expected_meta.get("lang"):
            lang_ok = str(front.get("language", "")).lower() == expected_meta["lang"].lower()
            languages += lang_ok
        held = "todo" in text
        (needs_person if held else clean).append(page.name)
        rows.append((page.name, dict(f1=score, alts=f"{kept}/{len(alts)}", title=title_ok,
                                     lang=lang_ok, held=held, title_ours=front.get("title"),
                                     title_expected=expected_meta.get("title"))))

    imported = len(by_name)
    print(f"corpus: {len(pages)} pages ({args.corpus}); WARC {warc.stat().st_size / 1e6:.1f} MB; "
          f"import -j {args.jobs}")
    if args.verbose:
        for name, row in rows:
            if row is None:
                print(f"  {name:34} REFUSED")
            else:
                print(f"  {name:34} F1 {row['f1']:.3f}  alts {row['alts']:>5}  title "
                      f"{'ok' if row['title'] else 'NO'}  lang {row['lang']}  "
                      f"{'todo' if row['held'] else ''}"
                      + ("" if row["title"] else f"\n      ours: {row['title_ours']!r}\n      "
                                                 f"want: {row['title_expected']!r}"))
    ordered = sorted(scores)
    p10 = ordered[max(0, math.ceil(0.1 * len(ordered)) - 1)] if ordered else 0.0  # nearest rank
    table = [
        ("pages imported", f"{imported} of {len(pages)} ({imported / len(pages):.0%})", "≥ 90%"),
        ("pages refused", f"{len(refused)}" + "".join(f"\n    {r}" for r in refused), "–"),
        ("tracebacks / internal errors", str(tracebacks), "0"),
        ("text F1 vs expected.html, median", f"{statistics.median(scores):.3f}" if scores else "–", "≥ 0.90"),
        ("text F1, 10th percentile", f"{p10:.3f}", "≥ 0.75"),
        ("alt texts kept exactly", f"{alt_kept} of {alt_total} ({alt_kept / max(alt_total, 1):.1%})", "≥ 95%"),
        ("titles equal", f"{titles} of {imported} ({titles / max(imported, 1):.0%})", "≥ 90%"),
        ("languages equal (where given)", f"{languages} of {language_total}", "–"),
        ("import speed from the WARC", f"{len(pages) / seconds:.1f} pages/s ({seconds:.2f} s, "
                                       f"{seconds / len(pages) * 1000:.0f} ms/page)", "≥ 20 pages/s"),
        ("pages needing a person (todo)", f"{len(needs_person)}", "listed"),
    ]
    if not args.no_render and by_name:
        as_is, filled = work / "as-is", work / "filled"
        for folder in (as_is, filled):
            folder.mkdir(exist_ok=True)
        for name in clean:
            shutil.copytree(by_name[name], as_is / by_name[name].name)
        for name in needs_person:
            fill_todos(by_name[name], filled / by_name[name].name)
        findings = {}
        for folder, dist in ((as_is, work / "dist"), (filled, work / "dist-filled")):
            if any(folder.iterdir()):
                findings.update(render_and_check(folder, dist, args.renderer.resolve(), args.jobs))
        clean_ok = [n for n in clean if not findings.get(by_name[n].name)]
        filled_ok = [n for n in needs_person if not findings.get(by_name[n].name)]
        table += [
            ("pages with nothing for a person: EPUBCheck, PDF/UA-1, axe all clean",
             f"{len(clean_ok)} of {len(clean)}", "all"),
            ("pages held by todos, rendered with them filled: all clean",
             f"{len(filled_ok)} of {len(needs_person)}", "all"),
        ]
        for name in clean + needs_person:
            problems = findings.get(by_name[name].name)
            if problems:
                print(f"  {name}: {len(problems)} finding(s): " + "; ".join(problems[:6]))
    print(f"\n| measure | result | target |\n|---|---|---|")
    for measure, value, target in table:
        first, *rest = value.split("\n")
        print(f"| {measure} | {first} | {target} |")
        for line in rest:
            print(f"|   | {line.strip()} | |")
    print("\npages held by todo items only:", ", ".join(needs_person) or "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())

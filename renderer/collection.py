"""Collections: build every article of a folder in parallel, redo only what changed.

A manifest in the output folder records, per article, a fingerprint of everything its outputs
depend on (its folder's files, the styles, the templates, the renderer's code and the options).
An unchanged article is skipped; a deleted article's outputs are removed. Workers are
processes that keep WeasyPrint's fonts and parsed resources warm between articles.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import __version__
from .build import Options, build_article, find_articles, write_atomically
from .errors import RenderError

MANIFEST = "manifest.json"
PACKAGE_ROOT = Path(__file__).resolve().parent


@dataclass
class Summary:
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"{len(self.built)} built, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed, {len(self.failures)} failed; "
                f"{self.pages} PDF pages, {self.bytes / 1e6:.1f} MB written, {self.seconds:.1f} s")


def fingerprint(article: Path, options: Options, shared: str | None = None) -> str:
    """A hash of every input of one article's outputs: its folder, and `shared_inputs`."""
    digest = hashlib.sha256((shared or shared_inputs(options)).encode())
    _hash_tree(digest, article)
    return digest.hexdigest()


def shared_inputs(options: Options) -> str:
    """What every article depends on: renderer version and code, templates, styles, options."""
    digest = hashlib.sha256()
    settings = {k: str(v) for k, v in asdict(options).items() if k not in ("image_cache",)}
    digest.update(json.dumps({"version": __version__, "options": settings}, sort_keys=True).encode())
    for root in (Path(options.styles), PACKAGE_ROOT):
        _hash_tree(digest, root)
    return digest.hexdigest()


def _hash_tree(digest, root: Path):
    for path in sorted(p for p in root.rglob("*") if p.is_file() and _counts(p)):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _counts(path: Path) -> bool:
    return "__pycache__" not in path.parts and not path.name.startswith(".")


def build_collection(content: Path, out: Path, options: Options, jobs: int | None = None,
                     force: bool = False, progress: bool = True) -> Summary:
    """Build what changed under `content` into `out`; return what happened."""
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(out)
    articles = find_articles([content])
    summary = Summary()
    current = {a.name for a in articles}
    for slug in sorted(set(manifest) - current):  # articles deleted from the collection
        shutil.rmtree(out / slug, ignore_errors=True)
        del manifest[slug]
        summary.removed.append(slug)
    todo = []
    shared = shared_inputs(options)
    for article in articles:
        key = fingerprint(article, options, shared)
        entry = manifest.get(article.name)
        if not force and entry and entry.get("fingerprint") == key and all(
                (out / article.name / name).is_file() for name in entry.get("outputs", {})):
            summary.unchanged.append(article.name)
        else:
            todo.append((article, key))
    if todo:
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        bar = _progress(len(todo), progress)
        with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker) as pool:
            futures = {pool.submit(_build_one, article, out, options): (article, key)
                       for article, key in todo}
            for future in as_completed(futures):
                article, key = futures[future]
                outcome = future.result()
                if "error" in outcome:
                    summary.failures.append(outcome["error"])
                    manifest.pop(article.name, None)
                else:
                    manifest[article.name] = dict(outcome["entry"], fingerprint=key)
                    summary.built.append(article.name)
                    summary.warnings += outcome["warnings"]
                    summary.pages += outcome["entry"]["pages"]
                    summary.bytes += sum(outcome["entry"]["outputs"].values())
                bar.update(1)
        bar.close()
    save_manifest(out, manifest)
    summary.seconds = time.perf_counter() - started
    return summary


def load_manifest(out: Path) -> dict:
    path = Path(out) / MANIFEST
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("articles", {})
    except (ValueError, AttributeError):
        return {}  # a damaged manifest only costs a full rebuild


def save_manifest(out: Path, articles: dict):
    data = {"renderer": __version__, "articles": dict(sorted(articles.items()))}
    write_atomically(Path(out) / MANIFEST, json.dumps(data, indent=1, sort_keys=True).encode())


# ---------------------------------------------------------------- workers
_WARM: dict = {}


def _start_worker():
    """Import WeasyPrint and load fonts once per worker, not once per article."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    _WARM["font_config"] = FontConfiguration()
    _WARM["cache"] = {}
    del weasyprint


def _build_one(article: Path, out: Path, options: Options) -> dict:
    try:
        result = build_article(article, out, options, font_config=_WARM.get("font_config"),
                               cache=_WARM.get("cache"))
    except RenderError as error:
        return {"error": str(error)}
    except Exception as error:  # keep going: one broken article must not stop the others
        return {"error": f"{article}: internal error: {type(error).__name__}: {error}; "
                         "rerun this article with `renderer render --debug`"}
    meta = result.doc.metadata
    folder = Path(out) / article.name
    entry = {
        "title": meta.title, "language": meta.language, "published": meta.published.isoformat(),
        "publisher": meta.publisher, "description": meta.description,
        "identifier": meta.identifier, "rights": meta.rights, "pages": result.pages,
        "outputs": {str(p.relative_to(folder)): p.stat().st_size for p in result.outputs},
    }
    return {"entry": entry, "warnings": [str(w) for w in result.warnings]}


def _progress(total: int, enabled: bool):
    from tqdm import tqdm
    return tqdm(total=total, unit="article", disable=not enabled or not sys.stderr.isatty(),
                file=sys.stderr, desc="rendering")

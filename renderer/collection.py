"""Collections: build every article of a folder in parallel, redo only what changed.

A manifest in the output folder records, per article, a fingerprint of everything its outputs
depend on (the files the article uses, the styles, the templates, the renderer's code and the
options) and the files it wrote. An unchanged article is skipped; a deleted article's recorded
outputs are removed. The manifest is untrusted input: a damaged one costs a full rebuild, and no
name read from it can reach outside the output folder. Workers are processes that keep
WeasyPrint's fonts warm between articles.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from . import __version__
from .build import Options, build_article, find_articles, write_atomically
from .errors import RenderError
from .outdir import (PLAYLIST, is_catalog_feed, is_catalog_file, name_problem, remove_article,
                     remove_files, reserved_name_error, safe_relative)
from .reader import find_source, read_article

MANIFEST = "manifest.json"
# Appended to as each article finishes and folded into the manifest when the run ends: a run
# killed outright (SIGKILL, power cut) keeps what it finished. Hidden, so no article can take
# the name, and never part of the package.
JOURNAL = ".manifest.journal"
# The manifest's record of the catalog's feeds besides opds.xml/.json (a language's, a year's,
# a page: `opds-fr.xml`, `opds.year-2024.json`, `opds.page-2.xml`), written with the catalog:
# the next catalog removes those of a language, a year or a page the collection lost.
CATALOG = "catalog"
PACKAGE_ROOT = Path(__file__).resolve().parent
_FACTS = ("title", "language", "published", "publisher", "identifier", "rights")


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
    interrupted: bool = False  # Ctrl-C: what finished is built and recorded, the rest is not
    shipped: dict = field(default_factory=dict)  # on a Dask cluster: bytes each way, seconds

    def line(self) -> str:
        return (f"{len(self.built)} built, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed, {len(self.failures)} failed; "
                f"{self.pages} PDF pages, {self.bytes / 1e6:.1f} MB written, {self.seconds:.1f} s")


def fingerprint(article: Path, options: Options, shared: str | None = None,
                known: dict | None = None) -> tuple[str, dict]:
    """A hash of every input of one article's outputs, and what to remember for the next run.

    Only the files the article uses count: its Markdown and each figure's image, read in
    chunks and never through a symbolic link out of the folder, so a stray 3 GB file costs
    nothing. `known` (the manifest's memory of the same Markdown) saves parsing it again. An
    article that cannot be read gets a fingerprint that never matches: its build reports why."""
    shared = shared or shared_inputs(options)
    digest = hashlib.sha256(shared.encode())
    try:
        source = find_source(article)
        folder = source.parent
        markdown = _file_sha256(source, folder)
        if markdown is None:  # a link out of the folder: not read here
            return _never_matches(), {}
        known = known if isinstance(known, dict) else {}
        images = known.get("images")
        if not (known.get("markdown") == markdown and known.get("shared") == shared
                and isinstance(images, list)
                and all(isinstance(i, str) for i in images)):
            images = sorted({f.src for f in read_article(source).figures if f.src})
        files = [(source.name, markdown)] + [(src, _file_sha256(folder / src, folder))
                                             for src in images]
    except Exception:  # noqa: BLE001 - any failure here is the build's to report
        return _never_matches(), {}
    if any(sha is None for _, sha in files):
        return _never_matches(), {}
    for name, sha in files:
        digest.update(name.encode() + b"\0" + sha.encode())
    return digest.hexdigest(), {"markdown": markdown, "shared": shared, "images": images}


def shared_inputs(options: Options) -> str:
    """What every article depends on: renderer version and code, templates, styles, options."""
    digest = hashlib.sha256()
    settings = {k: str(v) for k, v in asdict(options).items()
                if k not in ("image_cache", "narration_cache")}
    digest.update(json.dumps({"version": __version__, "options": settings}, sort_keys=True).encode())
    for root in (Path(options.styles), PACKAGE_ROOT):
        _hash_tree(digest, root)
    return digest.hexdigest()


def _hash_tree(digest, root: Path):
    """Every file under `root`; a symbolic link that leaves `root` is not followed."""
    for path in sorted(p for p in root.rglob("*") if _counts(p)):
        sha = _file_sha256(path, root)
        if sha is not None:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + sha.encode())


def _file_sha256(path: Path, root: Path) -> str | None:
    """The sha256 of a regular file inside `root` (symlinks resolved), read in chunks; None for
    anything else."""
    real = Path(path).resolve()
    if not real.is_relative_to(Path(root).resolve()) or not real.is_file():
        return None
    with open(real, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _never_matches() -> str:
    return "unread-" + os.urandom(16).hex()


def _counts(path: Path) -> bool:
    return "__pycache__" not in path.parts and not path.name.startswith(".")


def build_collection(content: Path, out: Path, options: Options, jobs: int | None = None,
                     force: bool = False, progress: bool = True,
                     scheduler: str | None = None) -> Summary:
    """Build what changed under `content` into `out`; return what happened. With `scheduler`
    (a Dask scheduler's address) the articles are rendered on that cluster (renderer.cluster).

    Ctrl-C stops the run: pending articles are cancelled, those being rendered finish (on a
    cluster they are cancelled too), and the manifest records what was built
    (`Summary.interrupted`)."""
    started = time.perf_counter()
    client = None
    if scheduler:  # first: an unreachable cluster stops the run before anything changes
        from .cluster import connect
        client = connect(scheduler)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    manifest, problem = read_manifest(out)
    if problem:
        summary.warnings.append(problem)
    try:
        articles = []
        for article in find_articles([content]):
            refused = reserved_name_error(article)  # e.g. a folder named `bag` or `index.html`
            if refused:
                summary.failures.append(str(refused))
            else:
                articles.append(article)
        current = {a.name for a in articles}
        for slug in sorted(set(manifest) - current):  # articles deleted from the collection
            remove_article(out, slug, manifest[slug].get("outputs", {}))
            del manifest[slug]
            _journal(out, slug, None)
            summary.removed.append(slug)
        todo = []
        shared = shared_inputs(options)
        for article in articles:
            entry = manifest.get(article.name) or {}
            key, memory = fingerprint(article, options, shared, entry.get("inputs"))
            if not force and entry.get("fingerprint") == key and all(
                    (out / article.name / name).is_file() for name in entry.get("outputs", {})):
                summary.unchanged.append(article.name)
            else:
                todo.append((article, key, memory))
        if todo and client is not None:
            from .cluster import render_on_cluster
            summary.shipped = render_on_cluster(client, todo, out, options, manifest, summary,
                                                progress)
        elif todo:
            _render_all(todo, out, options, jobs, manifest, summary, progress)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        if client is not None:
            client.close()
    save_manifest(out, manifest)
    summary.seconds = time.perf_counter() - started
    return summary


def _render_all(todo, out: Path, options: Options, jobs, manifest: dict, summary: Summary,
                progress: bool):
    """Render `todo` in worker processes; on Ctrl-C cancel what has not started and record
    what finishes."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    bar = _progress(len(todo), progress)
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker)
    futures, recorded = {}, set()
    try:
        with _sigint_blocked():  # the workers start here and inherit the blocked signal
            for article, key, memory in todo:
                futures[pool.submit(_build_one, article, out, options)] = (article, key, memory)
        for future in as_completed(futures):
            _record(manifest, summary, out, *futures[future], future.result())
            recorded.add(future)
            bar.update(1)
    except KeyboardInterrupt:
        summary.interrupted = True
        pool.shutdown(wait=False, cancel_futures=True)
        for future, job in futures.items():
            if future not in recorded and not future.cancelled():
                _record(manifest, summary, out, *job, future.result())
    finally:
        pool.shutdown(wait=True)
        bar.close()


def _record(manifest: dict, summary: Summary, out: Path, article: Path, key: str, memory: dict,
            outcome: dict):
    """Put one article's outcome in the manifest. A failed article keeps its previous outputs
    (still on disk, still recorded), so they are removed if the article is deleted later."""
    previous = manifest.get(article.name) or {}
    if "error" in outcome:
        summary.failures.append(outcome["error"])
        kept = {k: v for k, v in previous.items() if k not in ("fingerprint", "inputs")}
        manifest[article.name] = dict(kept, outputs=kept.get("outputs", {}), failed=True)
        _journal(out, article.name, manifest[article.name])
        return
    entry = dict(outcome["entry"], fingerprint=key, inputs=memory)
    remove_files(out / article.name, set(previous.get("outputs", {})) - set(entry["outputs"]))
    manifest[article.name] = entry
    _journal(out, article.name, entry)
    summary.built.append(article.name)
    summary.warnings += outcome["warnings"]
    summary.pages += entry["pages"]
    summary.bytes += sum(entry["outputs"].values())


@contextmanager
def _sigint_blocked():
    """Hold SIGINT back while worker processes are forked: a Ctrl-C in the terminal then
    reaches only this process, which stops the run in order (workers ignore it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def load_manifest(out: Path) -> dict:
    """The manifest's articles; empty if there is none or it is damaged."""
    return read_manifest(out)[0]


def read_manifest(out: Path) -> tuple[dict, str | None]:
    """The manifest's articles, checked as untrusted input, and a warning if it is damaged."""
    path = Path(out) / MANIFEST
    if not path.is_file():
        return _replay_journal(out, {}), None  # a first run, perhaps killed
    try:
        articles = json.loads(path.read_text(encoding="utf-8")).get("articles")
        problem = _manifest_problem(articles)
    except (ValueError, AttributeError, OSError) as error:
        problem = f"not a build manifest ({type(error).__name__})"
    if problem:
        return {}, (f"{path}: warning: damaged build manifest ({problem}); ignoring it and "
                    "rebuilding every article")
    return _replay_journal(out, articles), None


def _manifest_problem(articles) -> str | None:
    """What makes `articles` unsafe or unusable, or None."""
    if not isinstance(articles, dict):
        return "'articles' is not a mapping"
    for slug, entry in articles.items():
        if name_problem(slug):
            return f"article name {slug!r} {name_problem(slug)}"
        if not isinstance(entry, dict):
            return f"the entry of {slug!r} is not a mapping"
        outputs = entry.get("outputs", {})
        if not isinstance(outputs, dict) or not all(
                safe_relative(n) and type(s) is int for n, s in outputs.items()):
            return f"the outputs of {slug!r} are not file names inside its folder with sizes"
        if outputs and not all(isinstance(entry.get(k), str) for k in _FACTS):
            return f"the entry of {slug!r} lacks its title, language, date or publisher"
        if outputs:
            try:
                date.fromisoformat(entry["published"])
            except ValueError:
                return f"the date of {slug!r} is not YYYY-MM-DD"
            if not isinstance(entry.get("description"), (str, type(None))) \
                    or type(entry.get("pages", 0)) is not int:
                return f"the entry of {slug!r} has a description or page count of the wrong type"
    return None


def save_manifest(out: Path, articles: dict):
    """The manifest with `articles`; the catalog's record (its feeds) is kept as it was."""
    data = {"renderer": __version__, "articles": dict(sorted(articles.items())),
            CATALOG: load_catalog_files(out)}
    write_atomically(Path(out) / MANIFEST, json.dumps(data, indent=1, sort_keys=True).encode())
    (Path(out) / JOURNAL).unlink(missing_ok=True)  # folded in above


def load_catalog_files(out: Path) -> list[str]:
    """The feeds (a language's, a year's, the pages of a long feed), further catalog pages and
    scripts the manifest records for the catalog, each a name the catalog writes
    (`opds-fr.xml`, `opds.year-2024.json`, `opds.page-2.xml`, `catalog-2.html`, `catalog.js`):
    the manifest is untrusted, and anything else in the record is ignored, so no other file
    can be removed or bagged through it."""
    try:
        names = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8")).get(CATALOG)
    except (ValueError, AttributeError, OSError):
        return []
    if not isinstance(names, list):
        return []
    return sorted({n for n in names if is_catalog_feed(n) or is_catalog_file(n)})


def record_catalog_files(out: Path, names):
    """Put the catalog's feeds (all but `opds.xml` and `opds.json`) in the manifest, leaving
    its articles (and a killed build's journal) as they are."""
    path = Path(out) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        data = None
    if not isinstance(data, dict):  # none, or damaged: the next build rebuilds every article
        data = {"renderer": __version__, "articles": {}}
    data[CATALOG] = sorted(names)
    write_atomically(path, json.dumps(data, indent=1, sort_keys=True).encode())


def _journal(out: Path, slug: str, entry: dict | None):
    """Append one article's new manifest entry (None: removed) as one line, in one write: the
    whole manifest is rewritten once, at the end, not once per article (10,000 articles)."""
    line = json.dumps({"article": slug, "entry": entry}, sort_keys=True).encode() + b"\n"
    handle = os.open(Path(out) / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o644)
    try:
        os.write(handle, line)
    finally:
        os.close(handle)


def _replay_journal(out: Path, articles: dict) -> dict:
    """The manifest with a killed run's journal applied, line by line, each line checked as
    the manifest is; replay stops at the first line that is not whole and sound (the one a kill
    cut short): what it would have recorded is simply built again."""
    path = Path(out) / JOURNAL
    if path.is_symlink() or not path.is_file():
        return articles
    try:
        lines = path.read_bytes().split(b"\n")[:-1]  # the last piece lacks its newline
    except OSError:
        return articles
    for line in lines:
        try:
            change = json.loads(line)
            slug, entry = change["article"], change["entry"]
        except (ValueError, TypeError, KeyError):
            break
        if not isinstance(slug, str) or (_manifest_problem({slug: entry}) if entry is not None
                                         else name_problem(slug)):
            break
        if entry is None:
            articles.pop(slug, None)
        else:
            articles[slug] = entry
    return articles


def write_playlist(out: Path) -> Path | None:
    """OUT/audiobooks.m3u8: every article's audiobook, newest first, for players that only
    play audio (an extended M3U in UTF-8, paths relative to OUT). No audiobook, no playlist:
    one left by an earlier build is removed."""
    from urllib.parse import quote

    lines = ["#EXTM3U"]
    articles = sorted(load_manifest(out).items(),
                      key=lambda pair: (pair[1].get("published", ""), pair[0]), reverse=True)
    for slug, entry in articles:
        name = f"{slug}.m4b"
        if name in entry.get("outputs", {}):
            seconds = entry.get("audio_seconds")
            seconds = seconds if type(seconds) is int and seconds > 0 else -1
            title = " ".join(str(entry.get("title") or slug).split())
            lines += [f"#EXTINF:{seconds},{title}", f"{quote(slug)}/{quote(name)}"]
    path = Path(out) / PLAYLIST
    if len(lines) == 1:
        remove_files(Path(out), [PLAYLIST])
        return None
    return write_atomically(path, ("\n".join(lines) + "\n").encode("utf-8"))


# ---------------------------------------------------------------- workers
_WARM: dict = {}


def _start_worker():
    """Import WeasyPrint and load fonts once per worker, not once per article.

    WeasyPrint's image `cache` is not kept: it is keyed by URL, and every article's photos
    have URLs under the same base (images/photo-1.jpg in two articles is one key), so a
    shared cache put the first article's photos into the PDFs of the next ones."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    _WARM["font_config"] = FontConfiguration()
    del weasyprint


def _build_one(article: Path, out: Path, options: Options) -> dict:
    try:
        result = build_article(article, out, options, font_config=_WARM.get("font_config"))
    except RenderError as error:
        return {"error": str(error)}
    except Exception as error:  # keep going: one broken article must not stop the others
        return {"error": f"{article}: internal error: {type(error).__name__}: {error}; "
                         "rerun this article with `renderer render --debug`"}
    folder = Path(out) / article.name
    entry = _entry(result, {str(p.relative_to(folder)): p.stat().st_size for p in result.outputs})
    return {"entry": entry, "warnings": [str(w) for w in result.warnings]}


def _entry(result, outputs: dict[str, int]) -> dict:
    """An article's manifest entry: the catalog's facts and its files with their sizes."""
    meta = result.doc.metadata
    return {
        "title": meta.title, "language": meta.language, "published": meta.published.isoformat(),
        "publisher": meta.publisher, "description": meta.description,
        "identifier": meta.identifier, "rights": meta.rights, "pages": result.pages,
        "outputs": outputs, **({"audio_seconds": result.audio_seconds}
                               if result.audio_seconds else {}),
    }


def _progress(total: int, enabled: bool):
    from tqdm import tqdm
    return tqdm(total=total, unit="article", disable=not enabled or not sys.stderr.isatty(),
                file=sys.stderr, desc="rendering")

"""Dask distributed as the build engine beyond one machine (`renderer build --scheduler`).

This process (the Dask client) is the only one that touches the collection and the output
folder. For each article it reads the inputs the fingerprint covers (the Markdown and the images
its figures use) and the styles, and ships them in the task as bytes; the worker renders them
in a private temporary folder of its own (its TMPDIR, removed after the task) and sends the
outputs back as bytes; the client writes them atomically (`build.write_outputs`) and records
them in the manifest. So workers need no shared filesystem and no write access to anything but
their own temporary space, and no task carries a path of the client's to open.

Dask is an optional extra (`pip install 'renderer[cluster]'`), imported only here and only
when a scheduler is named. Work is in flight for a bounded window of articles, so the client's
and the scheduler's memory do not grow with the collection. A worker that dies mid-task is
Dask's to handle: the scheduler gives its tasks to another worker (up to
`distributed.scheduler.allowed-failures` times, then the article fails with one line).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from . import NAME, __version__
from .build import Options, render_article, write_outputs
from .collection import PACKAGE_ROOT, _build_one, _counts, _entry, _progress, _record
from .errors import RenderError, one_line
from .files import confined_file
from .outdir import safe_relative
from .reader import find_source

CONNECT_TIMEOUT = 10  # seconds to reach the scheduler before giving up with one line
STYLE_NAMES = ("base.css", "screen.css", "print.css", "epub.css")
# Dask warns about task graphs over 10 MB; an article with large photos is one such task.
_DASK_CONFIG = {"distributed.admin.large-graph-warning-threshold": "2GB",
                "distributed.diagnostics.computations.nframes": 0}


def connect(address: str):
    """A Dask client of the scheduler at `address`, or one RenderError line saying why not."""
    try:
        from distributed import Client
    except ImportError:
        raise RenderError("--scheduler", None, "Dask is not installed here; install it with "
                          "pip install 'renderer[cluster]', or leave out --scheduler (and unset "
                          "DASK_SCHEDULER_ADDRESS) to build on this machine") from None
    from distributed.comm.addressing import get_address_host_port, parse_address
    from distributed.comm.registry import get_backend
    try:  # before the client exists: a client that never connected hangs on closing
        get_backend(parse_address(address)[0])
        get_address_host_port(address)
    except (ValueError, TypeError) as error:
        raise RenderError(address, None, one_line(
            f"not a Dask scheduler address ({error}); give tcp://HOST:PORT, as `dask "
            "scheduler` prints it")) from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as error:  # noqa: BLE001 - refused, timed out, no scheduler there
        raise RenderError(address, None, one_line(
            f"cannot reach the Dask scheduler within {CONNECT_TIMEOUT} s "
            f"({type(error).__name__}: {error}); start one with `dask scheduler` and workers "
            "with `dask worker ADDRESS`, or check the address")) from None


def render_on_cluster(client, todo, out: Path, options: Options, manifest: dict, summary,
                      progress: bool):
    """Render `todo` [(article, fingerprint, memory)] on the cluster, recording each article as
    it comes back. Ctrl-C cancels what is outstanding; what had finished is written and
    recorded first. Returns what was shipped (bytes out and back, worker seconds)."""
    import dask
    from distributed import as_completed

    styles = _read_styles(options.styles)
    shipped = replace(options, styles=None, image_cache=None, narration_cache=None)
    code = code_digest()
    queue, jobs = iter(todo), {}
    stats = {"articles": 0, "sent": 0, "received": 0, "worker_seconds": 0.0}
    bar = _progress(len(todo), progress)
    completed = as_completed(loop=client.loop)
    window = _Window(client)

    def submit_more():
        while len(jobs) < window.size():
            job = next(queue, None)
            if job is None:
                return
            article, key, memory = job
            inputs = _read_inputs(article, memory)
            if inputs is None:  # unreadable here: fails at once, with the line it gives today
                _record(manifest, summary, out, *job, _build_one(article, out, options))
                bar.update(1)
                continue
            stats["sent"] += sum(map(len, inputs.values())) + sum(map(len, styles.values()))
            with dask.config.set(_DASK_CONFIG):
                future = client.submit(render_shipped, article.name, inputs, styles, shipped,
                                       code, pure=False)
            jobs[future] = job
            completed.add(future)

    try:
        with _ctrl_c_noted() as pressed:
            submit_more()
            for future in completed:
                job = jobs.pop(future)
                _finish(future, job, out, manifest, summary, stats)
                del future  # the worker may forget the result
                bar.update(1)
                if pressed.is_set():  # its KeyboardInterrupt was lost in a __del__
                    raise KeyboardInterrupt
                submit_more()
    except KeyboardInterrupt:
        summary.interrupted = True
        finished = [f for f in jobs if f.status == "finished"]
        client.cancel([f for f in jobs if f.status != "finished"])
        for future in finished:
            _finish(future, jobs.pop(future), out, manifest, summary, stats)
    finally:
        bar.close()
    return stats


@contextlib.contextmanager
def _ctrl_c_noted():
    """Note each Ctrl-C as well as raising it. Python raises KeyboardInterrupt wherever the
    main thread is, and when that is a finalizer (a Dask Future's __del__ releasing its key),
    the exception is printed and dropped; the note lets the loop see the interrupt anyway."""
    pressed = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return

    def note(signum, frame):
        pressed.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def _finish(future, job, out: Path, manifest: dict, summary, stats: dict):
    """Write and record one article's outcome; a task Dask gave up on fails with one line."""
    article = job[0]
    try:
        outcome = future.result()
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # KilledWorker (it killed every worker it ran on), cancelled
        outcome = {"error": one_line(f"{article}: internal error: the cluster lost this article "
                                     f"({type(error).__name__}: {error}); rerun the build")}
    outcome = _localised(outcome, article)
    if outcome.get("other_code"):
        raise RenderError(article, None, outcome["error"])
    if "files" in outcome:
        stats["articles"] += 1
        stats["received"] += sum(map(len, outcome["files"].values()))
        stats["worker_seconds"] += outcome["seconds"]
        try:
            write_outputs(Path(out) / article.name, outcome.pop("files"))
        except RenderError as error:
            outcome = {"error": str(error)}
    _record(manifest, summary, out, *job, outcome)


def _localised(outcome: dict, article: Path) -> dict:
    """The worker's messages with its temporary folder replaced by the article's own path, so
    that a failure or warning reads exactly as a local build prints it."""
    plain, real = outcome.pop("places", ("\0", "\0"))

    def here(text: str) -> str:
        return text.replace(plain, str(article)).replace(real, str(Path(article).resolve()))

    if "crash" in outcome:
        return {"error": one_line(f"{article}: internal error: {here(outcome['crash'])}; "
                                  "rerun this article with `renderer render --debug`")}
    if "error" in outcome:
        outcome["error"] = here(outcome["error"])
    outcome["warnings"] = [here(w) for w in outcome.get("warnings", [])]
    return outcome


def _read_inputs(article: Path, memory: dict) -> dict[str, bytes] | None:
    """The files the article's fingerprint covers, by name inside its folder; None if any
    cannot be read here (the fingerprint found no list, a file vanished or links out)."""
    images = memory.get("images") if isinstance(memory, dict) else None
    if not isinstance(images, list):
        return None
    try:
        source = find_source(article)
        folder = source.parent
        files = {}
        for name in [source.name] + images:
            path = confined_file(folder, name)
            if not path.is_file():
                return None
            files[name] = path.read_bytes()
    except (RenderError, OSError):
        return None
    return files


def _read_styles(styles: Path) -> dict[str, bytes]:
    """Every style sheet of the styles folder (an @import may name any file in it)."""
    root = Path(styles)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if _counts(p) and p.is_file() and p.resolve().is_relative_to(root.resolve())}


class _Window:
    """How many articles to keep in flight: two per worker thread (one running, one queued
    behind it), read again from the scheduler every few seconds as workers come and go."""

    def __init__(self, client):
        self.client, self.checked, self.value = client, 0.0, 8

    def size(self) -> int:
        if time.monotonic() - self.checked > 5:
            self.checked = time.monotonic()
            self.value = max(8, 2 * sum(self.client.nthreads().values()))
        return self.value


# ---------------------------------------------------------------- on the workers
_WARM = threading.local()  # per worker thread: WeasyPrint's fonts, loaded once
_CODE: list[str] = []


def code_digest() -> str:
    """The renderer's own code (modules and templates): a worker running other code would
    make other outputs under the same fingerprint, so it is refused."""
    if not _CODE:
        digest = hashlib.sha256(__version__.encode())
        for path in sorted(PACKAGE_ROOT.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts \
                    and (path.suffix == ".py" or path.parent.name == "templates"):
                digest.update(str(path.relative_to(PACKAGE_ROOT)).encode() + b"\0"
                              + hashlib.sha256(path.read_bytes()).digest())
        _CODE.append(digest.hexdigest())
    return _CODE[0]


def render_shipped(slug: str, inputs: dict[str, bytes], styles: dict[str, bytes],
                   options: Options, code: str) -> dict:
    """Runs on a worker: render one article from its bytes; return its outputs as bytes.

    The files are unpacked in a private temporary folder, removed on return. The article is
    given as `TMP/in/../in/<slug>`, a spelling no resolved path has, so that the client can
    map both the plain and the resolved temporary path in a message back to its own."""
    started = time.perf_counter()
    if code != code_digest():
        return {"error": f"a Dask worker ({_worker_name()}) runs other renderer code than this "
                f"build ({NAME} {__version__}); install the same renderer on the client and "
                "every worker", "other_code": True}
    if not hasattr(_WARM, "font_config"):
        from weasyprint.text.fonts import FontConfiguration
        _WARM.font_config = FontConfiguration()
    with tempfile.TemporaryDirectory(prefix=f"{NAME}-") as temporary:
        root = Path(temporary).resolve()
        _unpack(root / "in" / slug, inputs)
        _unpack(root / "styles", styles)
        article = root / "in" / ".." / "in" / slug
        places = (str(article), str(root / "in" / slug))
        try:
            result, files = render_article(article, replace(options, styles=root / "styles"),
                                           font_config=_WARM.font_config)
        except RenderError as error:
            return {"error": str(error), "places": places}
        except Exception as error:  # noqa: BLE001 - one broken article must not stop the others
            return {"crash": f"{type(error).__name__}: {error}", "places": places}
    return {"files": files, "entry": _entry(result, {n: len(d) for n, d in files.items()}),
            "warnings": [str(w) for w in result.warnings], "places": places,
            "seconds": time.perf_counter() - started}


def _unpack(folder: Path, files: dict[str, bytes]):
    for name, data in files.items():
        if not safe_relative(name):
            raise ValueError(f"not a relative file name: {name!r}")
        path = folder.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _worker_name() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"

"""Shared fixtures and helpers: render real articles once per session with the real CLI, then
inspect them; make small article folders and check that bad ones are refused.

Test modules import helpers from here, never from one another."""
from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import subprocess
import sys
import tempfile
import traceback
import warnings
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = ROOT / "content" / "dod-quds-force-commander"
# The archived page the default article transcribes (a U.S. DoD release, public domain), kept
# here so that a bare clone collects and passes its tests without ../shared.
SEED_TEXT = ROOT / "tests" / "corpus" / "seed" / "000_bea0a350ea7accdb.txt"
CORPUS = ROOT / "tests" / "corpus"


def run_cli(*args, env=None, check=True) -> subprocess.CompletedProcess:
    """Run `python -m renderer ARGS` as a user would; return the finished process."""
    result = subprocess.run([sys.executable, "-m", "renderer", *map(str, args)], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"renderer {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


# What a fresh interpreter shows of warnings (Python's default filters, non-debug build).
_FRESH_WARNING_FILTERS = [("default", DeprecationWarning, "__main__"),
                          ("ignore", DeprecationWarning, ""), ("ignore", PendingDeprecationWarning, ""),
                          ("ignore", ImportWarning, ""), ("ignore", ResourceWarning, "")]


def run_main(*args, env=None, check=True) -> subprocess.CompletedProcess:
    """Run `renderer.cli.main(ARGS)` in this process, as `run_cli` runs the command, and
    return the same kind of result; a subprocess start per case is most of a refusal's time.

    What a separate process would show is kept: stdout and stderr, from Python and from C
    libraries (file descriptors 1 and 2); the exit status, from main's return value or
    SystemExit (argparse); an escaping exception as a traceback and status 1; warnings and
    log records printed to stderr as a fresh interpreter prints them (pytest would otherwise
    swallow them), so a stray one still breaks a one-line check. The call runs in ROOT with
    `env` as the whole environment (the CLI reads SOURCE_DATE_EPOCH at call time), both put
    back afterwards.

    Not for what depends on the process itself: interpreter start and `python -m`, signals,
    peak memory, hash randomisation (reproducibility), worker pools (`build`, `import`)."""
    from renderer.cli import main

    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    saved_env = dict(os.environ)
    with _fd_output() as fd_output, contextlib.chdir(ROOT), \
            warnings.catch_warnings(), _lastresort_logging():
        warnings.showwarning = _show_warning  # to sys.stderr, when raised, as Python does
        warnings.resetwarnings()
        for action, category, module in _FRESH_WARNING_FILTERS:
            warnings.filterwarnings(action, category=category, module=module, append=True)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    status = main(argv)
                except SystemExit as stop:
                    status = stop.code
                    if status is not None and not isinstance(status, int):
                        print(status, file=sys.stderr)  # as the interpreter does
                        status = 1
                except KeyboardInterrupt:
                    raise  # the person running the tests pressed Ctrl-C
                except BaseException:  # what an uncaught exception does to `python -m`
                    traceback.print_exc()
                    status = 1
        finally:
            if env is not None:
                os.environ.clear()
                os.environ.update(saved_env)
    stdout, stderr = out.getvalue() + fd_output[1], err.getvalue() + fd_output[2]
    result = subprocess.CompletedProcess(argv, status or 0, stdout, stderr)
    if check and result.returncode != 0:
        raise AssertionError(f"renderer {' '.join(argv)} failed:\n{result.stderr}")
    return result


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Python's own way of showing a warning, on the sys.stderr of the moment."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


@contextlib.contextmanager
def _fd_output():
    """Capture what is written to file descriptors 1 and 2 (C libraries write there, not to
    sys.stdout); yields a dict filled with the text on exit."""
    captured: dict[int, str] = {}
    with tempfile.TemporaryFile() as out1, tempfile.TemporaryFile() as out2:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = {fd: os.dup(fd) for fd in (1, 2)}
        try:
            os.dup2(out1.fileno(), 1)
            os.dup2(out2.fileno(), 2)
            yield captured
        finally:
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            for fd, file in ((1, out1), (2, out2)):
                file.seek(0)
                captured[fd] = file.read().decode("utf-8", "replace")


@contextlib.contextmanager
def _lastresort_logging():
    """No handler on the root logger, as in a fresh interpreter: a record no library handles
    goes to logging.lastResort, which writes to (the redirected) sys.stderr."""
    root = logging.getLogger()
    handlers = root.handlers[:]
    root.handlers.clear()
    try:
        yield
    finally:
        root.handlers[:] = handlers


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    """The seed article and the good test corpus, rendered to HTML, PDF and EPUB."""
    out = tmp_path_factory.mktemp("dist")
    articles = [SEED_ARTICLE] + sorted(p for p in (CORPUS / "good").glob("*") if p.is_dir())
    run_cli("render", *articles, "--out", out)
    return out


@pytest.fixture(scope="session")
def languages_built(tmp_path_factory) -> Path:
    """Every article under tests/corpus/languages, built once as a collection (so the catalog
    is there too), for tests/test_l10n.py and tests/test_language_corpus.py."""
    out = tmp_path_factory.mktemp("languages") / "dist"
    run_cli("build", CORPUS / "languages", "--out", out, "-j", str(min(2, os.cpu_count() or 1)))
    return out


@pytest.fixture(scope="session")
def seed(dist) -> dict[str, Path]:
    folder = dist / SEED_ARTICLE.name
    return {fmt: folder / f"{SEED_ARTICLE.name}.{fmt}" for fmt in ("html", "pdf", "epub")}


def epub_member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as book:
        return book.read(name)


def epub_with(path: Path, target: Path, changes: dict[str, bytes]) -> Path:
    """A copy of the EPUB at `path` with some members' bytes replaced (mimetype first and
    stored, as EPUB requires): to break one thing in a real book."""
    with zipfile.ZipFile(path) as book, zipfile.ZipFile(target, "w") as copy:
        for info in book.infolist():
            copy.writestr(info, changes.get(info.filename, book.read(info)))
    return target


def outputs(dist: Path, fmt: str) -> list[Path]:
    return sorted(dist.glob(f"*/*.{fmt}"))


# ---------------------------------------------------------------- small articles, refused
PHOTO = CORPUS / "good" / "everything" / "images" / "river.jpg"  # a real JPEG
FRONT = ("---\ntitle: A test article\nlanguage: en\npublished: 2020-01-03\n"
         "publisher: Test Press\nrights: Public domain\n---\n\n")


def make_article(folder: Path, text: str, images=("photo.jpg",)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "article.md").write_text(text, encoding="utf-8")
    (folder / "images").mkdir(exist_ok=True)
    for name in images:
        (folder / "images" / name).write_bytes(
            PHOTO.read_bytes())
    return folder


def assert_refused(article: Path, out: Path, line: int | None, *words: str,
                   run=run_main) -> str:
    """`render ARTICLE` exits 2 with one line `path:line: what; how` and writes nothing.
    In-process by default; `run=run_cli` for the real command."""
    result = run("render", article, "--out", out, check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    message = lines[0]
    assert len(lines) <= 2  # the message, and the "N of M failed" summary
    where = f"{article / 'article.md'}:{line}: " if line else f"{article}"
    assert message.startswith(where), message
    assert re.search(r": .+; .+", message), message  # what is wrong; how to fix it
    for word in words:
        assert word in message, message
    assert not out.exists() or not any(out.rglob("*")), list(out.rglob("*"))
    return message


def peak_kb(*args) -> tuple[subprocess.CompletedProcess, int]:
    """Run the CLI and return (result, the child's peak resident memory in kB) via wait4."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([sys.executable, "-m", "renderer", *map(str, args)],
                                   cwd=ROOT, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(args, process.returncode, out.read(), err.read()), \
            usage.ru_maxrss


# ---------------------------------------------------------------- reading outputs
OPF_NS = {"opf": "http://www.idpf.org/2007/opf"}


def package(path: Path):
    """The EPUB's package document (content.opf), parsed."""
    return etree.fromstring(epub_member(path, "EPUB/content.opf"))


def metas(path: Path, prop: str) -> list[str]:
    """The values of the package's <meta property=PROP> elements."""
    return package(path).xpath(f"//opf:meta[@property='{prop}']/text()", namespaces=OPF_NS)


def struct_elements(pdf):
    """Every structure element of the PDF's tag tree, in document order."""
    stack = list(pdf.Root.StructTreeRoot.K)
    while stack:
        node = stack.pop(0)
        if isinstance(node, pikepdf.Dictionary) and "/S" in node:
            yield node
            kids = node.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack[:0] = list(kids)
            elif isinstance(kids, pikepdf.Dictionary):
                stack.insert(0, kids)


def run_epubchecks(books: list[Path]) -> list[dict]:
    """EPUBCheck's report for each book, in order; one JVM per core at a time (each run is
    mostly one thread: a test checking several books waits for the slowest, not the sum)."""
    from concurrent.futures import ThreadPoolExecutor

    from renderer.check import run_epubcheck

    with ThreadPoolExecutor(max_workers=max(1, min(len(books), os.cpu_count() or 1))) as pool:
        return list(pool.map(run_epubcheck, books))


def interruptible():
    """preexec_fn for a command a test will Ctrl-C: SIGINT back to its default, as in a program
    started from a terminal. A process started in the background by a non-interactive shell
    (`cmd &`, as CI runners and nohup do) ignores SIGINT, its children inherit that, and
    Python then installs no KeyboardInterrupt handler: the signal would never arrive."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)

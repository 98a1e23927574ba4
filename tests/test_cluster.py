"""`renderer build --scheduler`: a real Dask scheduler and two real workers on 127.0.0.1,
started here with the `dask` command line and always stopped (issue 12, items 1 and 2).

The workers run from folders of their own (cwd and TMPDIR) and load a guard that refuses any
open or listing of the collection, the output folders and the styles: they must work from the
bytes the client ships, never from the client's paths.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORPUS, FRONT, PHOTO, ROOT, interruptible, make_article, run_cli

distributed = pytest.importorskip(
    "distributed", reason="Dask is not installed: pip install 'renderer[cluster]' (make test "
    "installs it from requirements.lock)")

sys.path.insert(0, str(ROOT / "bench"))
from bench import make_articles  # noqa: E402

ARTICLES = 20
STARTUP = 90  # seconds for the scheduler and the workers to come up on a busy machine
# Loaded in each worker (`dask worker --preload`): no file or folder listing under a forbidden
# root may be opened there. An audit hook sees every open() and os.listdir/os.scandir.
GUARD = '''
import os, sys
_FORBIDDEN = tuple(os.path.abspath(p) + os.sep
                   for p in os.environ["RENDERER_TEST_FORBIDDEN"].split(os.pathsep))

def _guard(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes)):
        path = os.path.abspath(os.fsdecode(args[0])) + os.sep
        if path.startswith(_FORBIDDEN):
            raise PermissionError(f"a worker opened a client path: {args[0]}")

sys.addaudithook(_guard)
'''


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A scheduler and named workers, each a process group of its own, logs in `root`."""

    def __init__(self, root: Path, forbidden: list[Path], code: Path = ROOT):
        self.root, self.forbidden, self.code = root, forbidden, code
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.client = None

    def start(self, workers=("worker-a", "worker-b")):
        self._spawn("scheduler", ["scheduler", "--host", "127.0.0.1", "--port",
                                  self.address.rsplit(":", 1)[1], "--no-dashboard",
                                  "--idle-timeout", "300s"], self.root)
        (self.root / "guard.py").write_text(GUARD)
        for name in workers:
            home = self.root / name
            (home / "tmp").mkdir(parents=True)
            self._spawn(name, ["worker", self.address, "--name", name, "--nthreads", "1",
                               "--host", "127.0.0.1", "--no-dashboard", "--death-timeout", "30",
                               "--preload", str(self.root / "guard.py")], home,
                        TMPDIR=str(home / "tmp"))
        self.client = distributed.Client(self.address, timeout=STARTUP, set_as_default=False)
        self.client.wait_for_workers(len(workers), timeout=STARTUP)

    def _spawn(self, name: str, args: list[str], cwd: Path, **env):
        log = open(self.root / f"{name}.log", "wb")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "dask", *args], cwd=cwd, stdout=log, stderr=log,
            start_new_session=True, env=dict(
                os.environ, PYTHONPATH=str(self.code), RENDERER_TEST_FORBIDDEN=os.pathsep.join(
                    map(str, self.forbidden)), **env))
        log.close()

    def kill(self, name: str):
        os.killpg(self.processes[name].pid, signal.SIGKILL)  # the nanny and its worker
        self.processes[name].wait(timeout=30)

    def stop(self):
        if self.client is not None:
            self.client.close(timeout=10)
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    """The collection (20 benchmark articles) and, beside it, the output folders."""
    root = tmp_path_factory.mktemp("cluster")
    make_articles(root / "content", ARTICLES)
    (root / "outputs").mkdir()
    return root


@pytest.fixture(scope="module")
def cluster(place):
    cluster = Cluster(place / "dask", [place / "content", place / "outputs", ROOT / "styles",
                                       ROOT / "content", CORPUS])
    (place / "dask").mkdir()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def local(place) -> Path:
    out = place / "outputs" / "local"
    run_cli("build", place / "content", "--out", out, "-j", "2")
    return out


def files(out: Path) -> dict[str, bytes]:
    """Everything a build leaves in `out` but the lock and the local image cache."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".lock" and ".cache" not in p.relative_to(out).parts}


def summary(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def test_the_workers_cannot_read_the_client_paths(cluster, place):
    """The guard works (or the byte-identical build below would prove nothing), and the
    workers run elsewhere, with a TMPDIR of their own."""
    with pytest.raises(PermissionError, match="a worker opened a client path"):
        cluster.client.run(open, str(place / "content" / "article-0000" / "article.md"))
    with pytest.raises(PermissionError):
        cluster.client.run(os.listdir, str(ROOT / "styles"))
    where = cluster.client.run(os.getcwd)
    assert sorted(Path(w).name for w in where.values()) == ["worker-a", "worker-b"]


def test_a_cluster_build_is_byte_identical_to_a_local_build(cluster, place, local):
    out = place / "outputs" / "cluster"
    result = run_cli("build", place / "content", "--out", out, "--scheduler", cluster.address)
    assert summary(result).startswith(f"{ARTICLES} built, 0 unchanged, 0 removed, 0 failed")
    assert not (out / ".cache").exists()  # the images were prepared on the workers
    ours, theirs = files(out), files(local)
    assert sorted(ours) == sorted(theirs)  # every output, the manifest, the catalog, the feed
    assert [n for n in ours if ours[n] != theirs[n]] == []


def test_failing_articles_are_reported_as_a_local_build_reports_them(cluster, place):
    """The same lines, the same exit status: refused on a worker (no alt text, a truncated
    photo), refused before shipping (a missing photo), and a warning from a worker."""
    content = place / "outputs" / "failing"  # under a forbidden root: workers may not read it
    make_article(content / "no-alt", FRONT + "```figure\nsrc: images/photo.jpg\n```\n")
    make_article(content / "truncated", FRONT + "```figure\nsrc: images/photo.jpg\n"
                 "alt: A rooftop at night.\n```\n")
    (content / "truncated" / "images" / "photo.jpg").write_bytes(PHOTO.read_bytes()[:5000])
    make_article(content / "missing", FRONT + "```figure\nsrc: images/gone.jpg\n"
                 "alt: A rooftop at night.\n```\n")
    make_article(content / "warned", FRONT + "```figure\nsrc: images/photo.jpg\n"
                 "alt: Image of a rooftop at night.\n```\n")
    here = run_cli("build", content, "--out", place / "outputs" / "failing-local", "-j", "1",
                   check=False)
    there = run_cli("build", content, "--out", place / "outputs" / "failing-cluster",
                    "--scheduler", cluster.address, check=False)
    # the same lines; their order is the order articles finish in, on either engine
    assert there.returncode == here.returncode
    assert sorted(there.stderr.splitlines()) == sorted(here.stderr.splitlines())
    assert here.returncode == 2 and len(here.stderr.splitlines()) == 4, here.stderr
    assert f"{content / 'truncated' / 'article.md'}:9: figure 'images/photo.jpg' is damaged" \
        in here.stderr  # the client's path, not the worker's temporary one
    untimed = lambda result: re.sub(r"[\d.]+ s$", "", summary(result))  # noqa: E731
    assert untimed(there) == untimed(here)
    assert summary(here).startswith("1 built, 0 unchanged, 0 removed, 3 failed")


def test_ctrl_c_cancels_the_rest_and_keeps_what_finished_whole(cluster, place):
    out = place / "outputs" / "interrupted"
    build = subprocess.Popen([sys.executable, "-m", "renderer", "build", str(place / "content"),
                              "--out", str(out), "--scheduler", cluster.address], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True, preexec_fn=interruptible)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("*/*.epub"))) < 2:
            assert build.poll() is None, build.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(build.pid, signal.SIGINT)  # as a terminal's Ctrl-C
        stdout, stderr = build.communicate(timeout=60)
    finally:
        if build.poll() is None:
            build.kill()
    assert build.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr.strip().splitlines()[-1]
    manifest = json.loads((out / "manifest.json").read_text())["articles"]
    assert 2 <= len(manifest) < ARTICLES
    on_disk = {str(p.relative_to(out)) for p in out.glob("*/**/*") if p.is_file()}
    assert on_disk == {f"{slug}/{name}" for slug, entry in manifest.items()
                       for name in entry["outputs"]}  # whole sets only, no temporaries
    deadline = time.monotonic() + 5  # the rest was cancelled, not left to run for seconds
    while any(cluster.client.processing().values()):
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_killed_worker_loses_nothing_and_the_rerun_is_a_noop(cluster, place, local):
    """SIGKILL one worker (its nanny too) while it renders, after the first outputs are back:
    the scheduler gives its tasks to the other; every article is built and recorded once.
    The second run through the cluster then renders nothing and touches no output."""
    out = place / "outputs" / "killed"
    build = subprocess.Popen([sys.executable, "-m", "renderer", "build", str(place / "content"),
                              "--out", str(out), "--scheduler", cluster.address], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("*/*.epub"))) < 3:
            assert build.poll() is None, build.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        busy = []
        while not busy:  # a worker with an article in hand (one thread: it is rendering it)
            assert time.monotonic() < deadline
            busy = [address for address, keys in cluster.client.processing().items() if keys]
        victim = busy[0]
        cluster.kill(cluster.client.scheduler_info()["workers"][victim]["name"])
        stdout, stderr = build.communicate(timeout=180)
    finally:
        if build.poll() is None:
            build.kill()
    assert build.returncode == 0, stderr
    assert stdout.strip().splitlines()[-1].startswith(
        f"{ARTICLES} built, 0 unchanged, 0 removed, 0 failed"), stdout
    assert list(cluster.client.nthreads()) != [] and victim not in cluster.client.nthreads()
    manifest = json.loads((out / "manifest.json").read_text())["articles"]
    assert sorted(manifest) == sorted(p.name for p in (place / "content").iterdir())
    on_disk = {str(p.relative_to(out)) for p in out.glob("*/**/*") if p.is_file()}
    recorded = {f"{slug}/{name}" for slug, entry in manifest.items() for name in entry["outputs"]}
    assert on_disk == recorded  # nothing half-written, nothing twice, nothing missing
    ours, theirs = files(out), files(local)
    assert [n for n in theirs if ours.get(n) != theirs[n]] == []

    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*/**/*")}
    again = run_cli("build", place / "content", "--out", out, "--scheduler", cluster.address)
    assert summary(again).startswith(f"0 built, {ARTICLES} unchanged, 0 removed, 0 failed")
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*/**/*")} == before
    assert json.loads((out / "manifest.json").read_text())["articles"] == manifest


def test_a_worker_running_other_code_stops_the_build_with_one_line(tmp_path):
    """A worker whose renderer differs from the client's (here by one comment) would write
    outputs the manifest attributes to this code: the build stops instead, exit 2."""
    other = tmp_path / "other"
    shutil.copytree(ROOT / "renderer", other / "renderer",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(other / "renderer" / "html.py", "a") as module:
        module.write("# a different renderer\n")
    content = tmp_path / "content"
    make_article(content / "a", FRONT + "Text.\n", images=())
    odd = Cluster(tmp_path / "dask", [content], code=other)
    (tmp_path / "dask").mkdir()
    try:
        odd.start(workers=("odd-worker",))
        result = run_cli("build", content, "--out", tmp_path / "out", "--scheduler",
                         odd.address, check=False)
    finally:
        odd.stop()
    assert result.returncode == 2
    assert re.fullmatch(re.escape(f"{content / 'a'}") + r": a Dask worker \(tcp://127\.0\.0\.1:"
                        r"\d+\) runs other renderer code than this build \(renderer [^)]+\); "
                        r"install the same renderer on the client and every worker\n",
                        result.stderr), result.stderr
    assert not list((tmp_path / "out").glob("a/*"))


def test_an_unreachable_scheduler_is_one_line_within_the_timeout(tmp_path, monkeypatch, capsys):
    import renderer.cluster
    from renderer.cli import main

    monkeypatch.setattr(renderer.cluster, "CONNECT_TIMEOUT", 2)
    make_article(tmp_path / "content" / "a", FRONT + "Text.\n", images=())
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    assert main(["build", str(tmp_path / "content"), "--out", str(tmp_path / "out"),
                 "--scheduler", address]) == 2
    assert time.monotonic() - started < 15
    message, = capsys.readouterr().err.strip().splitlines()
    assert message.startswith(f"{address}: cannot reach the Dask scheduler within 2 s")
    assert not (tmp_path / "out").exists()  # nothing was touched


@pytest.mark.parametrize("address", ["127.0.0.1", "http://127.0.0.1:8786"])
def test_a_malformed_address_is_one_line(tmp_path, address):
    make_article(tmp_path / "content" / "a", FRONT + "Text.\n", images=())
    result = run_cli("build", tmp_path / "content", "--out", tmp_path / "out", check=False,
                     env=dict(os.environ, DASK_SCHEDULER_ADDRESS=address))
    assert result.returncode == 2
    assert result.stderr.strip() == result.stderr.strip().splitlines()[0]
    assert result.stderr.startswith(f"{address}: not a Dask scheduler address")


def test_without_dask_installed_the_flag_is_one_line(tmp_path):
    """`distributed` made unimportable in the CLI's process, as on an install without the
    `cluster` extra; without --scheduler the same install builds as always."""
    make_article(tmp_path / "content" / "a", FRONT + "Text.\n", images=())
    code = ("import sys; sys.modules['distributed'] = None; from renderer.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code, "build", str(tmp_path / "content"), *args], cwd=ROOT,
        capture_output=True, text=True, timeout=300)
    refused = run("--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:8786")
    assert refused.returncode == 2
    assert refused.stderr == ("--scheduler: Dask is not installed here; install it with pip "
                              "install 'renderer[cluster]', or leave out --scheduler (and unset "
                              "DASK_SCHEDULER_ADDRESS) to build on this machine\n")
    assert run("--out", str(tmp_path / "out")).returncode == 0

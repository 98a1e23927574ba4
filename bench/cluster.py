"""Benchmark: the cost of building through Dask (`renderer build --scheduler`), for issue 12's
estimate beyond one machine.

Starts a Dask scheduler and W workers (`dask scheduler`, `dask worker --nthreads 1`) on
127.0.0.1, generates N benchmark articles (bench.py's), then prints:
  - bytes shipped per article, client → worker (Markdown, images, styles) and back (outputs);
  - a worker's render seconds per article, the cluster build's wall time and a local
    `-j W` build's;
  - the overhead per article: worker-slot seconds the cluster build spent on anything but
    rendering, (wall × W − Σ render) / N;
  - the scheduler's cost per task on its own: M tasks that do nothing (and M that carry one
    article's bytes each way) sent through the same client, the same way, in ms per task.
On one machine the client, the scheduler and the workers share the cores: the overheads are
upper bounds. Run: `.venv/bin/python bench/cluster.py --articles 40 --workers 2`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from bench import make_articles  # noqa: E402


def echo(data: bytes, size: int) -> bytes:
    """A task that does no work: takes bytes, gives `size` bytes back (pickled by value)."""
    return data[:1] * size


def start(work: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address, processes = f"tcp://127.0.0.1:{port}", []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    log = open(work / "dask.log", "wb")
    processes.append(subprocess.Popen(
        [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard", "--idle-timeout", "600s"], stdout=log, stderr=log, env=env,
        start_new_session=True, cwd=work))
    for n in range(workers):
        home = work / f"worker-{n}"
        home.mkdir()
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", address, "--nthreads", "1", "--host",
             "127.0.0.1", "--no-dashboard", "--death-timeout", "30"], stdout=log, stderr=log,
            env=dict(env, TMPDIR=str(home)), start_new_session=True, cwd=home))
    return address, processes


def stop(processes):
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)


def round_trips(client, count: int, window: int, payload: bytes, back: int) -> float:
    """Seconds per task for `count` echo tasks kept `window` in flight, as the build does."""
    from distributed import as_completed

    started = time.perf_counter()
    completed, sent = as_completed(loop=client.loop), 0
    while sent < min(window, count):
        completed.add(client.submit(echo, payload, back, pure=False))
        sent += 1
    for future in completed:
        future.result()
        if sent < count:
            completed.add(client.submit(echo, payload, back, pure=False))
            sent += 1
    return (time.perf_counter() - started) / count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=500)
    args = parser.parse_args()

    from distributed import Client

    from renderer.build import Options
    from renderer.collection import build_collection

    work = Path(tempfile.mkdtemp(prefix="renderer-cluster-bench-"))
    address, processes = start(work, args.workers)
    try:
        make_articles(work / "content", args.articles)
        client = Client(address, timeout=60, set_as_default=False)
        client.wait_for_workers(args.workers, timeout=120)
        client.run(lambda: __import__("weasyprint"))  # both engines start warm-ish

        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "renderer", "build", str(work / "content"),
                        "--out", str(work / "local"), "-j", str(args.workers)], check=True,
                       cwd=ROOT, capture_output=True)
        local = time.perf_counter() - started

        summary = build_collection(work / "content", work / "cluster", Options(),
                                   progress=False, scheduler=address)
        assert not summary.failures, summary.failures
        shipped, n = summary.shipped, summary.shipped["articles"]
        sent, received = shipped["sent"] / n, shipped["received"] / n
        render = shipped["worker_seconds"] / n
        overhead = (summary.seconds * args.workers - shipped["worker_seconds"]) / n

        window = 2 * args.workers
        empty = round_trips(client, args.tasks, window, b"x", 1)
        loaded = round_trips(client, max(args.tasks // 5, 20), window, b"x" * int(sent),
                             int(received))
        client.close()
    finally:
        stop(processes)
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{args.articles} articles, {args.workers} workers (--nthreads 1), "
          f"{os.cpu_count()} cores, all on 127.0.0.1\n")
    print("| measure | value |\n|---|---:|")
    print(f"| bytes per article, client → worker (Markdown, images, styles) | {sent / 1e3:.0f} kB |")
    print(f"| bytes per article, worker → client (HTML, images, PDF, EPUB) | {received / 1e3:.0f} kB |")
    print(f"| a worker's render time per article | {render * 1e3:.0f} ms |")
    print(f"| cluster build, wall | {summary.seconds:.2f} s |")
    print(f"| local build `-j {args.workers}`, wall (process start included) | {local:.2f} s |")
    print(f"| overhead per article, (wall × workers − Σ render) / N | {overhead * 1e3:.0f} ms |")
    print(f"| scheduler round trip per task, empty task, {window} in flight | {empty * 1e3:.1f} ms |")
    print(f"| the same with one article's bytes each way | {loaded * 1e3:.1f} ms |")


if __name__ == "__main__":
    main()

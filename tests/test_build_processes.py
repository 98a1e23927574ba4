"""`renderer build` as processes: warm workers render each article as if alone, and a build
killed outright keeps what it finished (issue 12, items 1 and 5)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "bench"))
from bench import make_articles  # noqa: E402  (the benchmark's articles: two photos each)


@pytest.fixture(scope="module")
def articles(tmp_path_factory) -> Path:
    """Ten benchmark articles; each one's photos differ, under the same file names."""
    content = tmp_path_factory.mktemp("processes") / "content"
    make_articles(content, 10)
    return content


def test_a_warm_worker_gives_every_article_its_own_photos(articles, tmp_path):
    """One worker renders three articles in turn; each PDF must be the one `renderer render`
    makes of that article alone. WeasyPrint's image cache, keyed by URL, once carried the
    first article's images/photo-1.jpg into the PDFs of the next ones."""
    three = sorted(articles.iterdir())[:3]
    content = tmp_path / "content"
    content.mkdir()
    for article in three:
        (content / article.name).symlink_to(article)
    run_cli("build", content, "--out", tmp_path / "built", "-j", "1")
    run_cli("render", *three, "--out", tmp_path / "alone", "--format", "pdf")
    for article in three:
        name = f"{article.name}/{article.name}.pdf"
        assert (tmp_path / "built" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes(), name


def test_a_killed_build_keeps_what_it_finished(articles, tmp_path):
    """SIGKILL (no Ctrl-C, no clean-up) after five articles' outputs are on disk: the rerun
    skips those the killed build recorded — all but at most the one the single worker had
    written and not yet reported — leaves their files untouched and builds only the rest."""
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "renderer", "build", str(articles),
                                "--out", str(out), "-j", "1"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("*/*.epub"))) < 5:
            assert process.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the build and its worker, at once
        process.wait(timeout=30)
    finished = {p.parent.name for p in out.glob("*/*.epub")}
    assert 5 <= len(finished) < 10
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*/*.*")}
    again = run_cli("build", articles, "--out", out, "-j", "1")
    summary = again.stdout.strip().splitlines()[-1]
    unchanged = int(summary.split(" unchanged")[0].rsplit(" ", 1)[1])
    assert unchanged >= len(finished) - 1, summary
    assert summary.startswith(f"{10 - unchanged} built, {unchanged} unchanged, 0 removed, 0 failed")
    kept = [p for p in before if before[p] == (p.stat().st_ino, p.stat().st_mtime_ns)]
    assert len({p.parent.name for p in kept}) >= unchanged  # skipped means not rewritten
    manifest = json.loads((out / "manifest.json").read_text())["articles"]
    assert set(manifest) == {p.name for p in articles.iterdir()}


def test_the_journal_is_untrusted_input_and_replay_stops_at_a_bad_line(tmp_path):
    """Like the manifest, the journal a killed run leaves can be edited by anyone: a line whose
    article name climbs out (or that a kill cut short) ends the replay; the rest is rebuilt."""
    from renderer.collection import JOURNAL, MANIFEST, load_manifest

    entry = {"outputs": {}, "fingerprint": "f"}
    (tmp_path / MANIFEST).write_text(json.dumps({"articles": {"old": entry, "gone": entry}}))
    lines = [{"article": "a", "entry": entry}, {"article": "gone", "entry": None},
             {"article": "../victim", "entry": entry}, {"article": "b", "entry": entry}]
    (tmp_path / JOURNAL).write_text("".join(json.dumps(l) + "\n" for l in lines))
    assert set(load_manifest(tmp_path)) == {"old", "a"}
    (tmp_path / JOURNAL).write_text(json.dumps(lines[0]) + "\n" + json.dumps(lines[3])[:20])
    assert set(load_manifest(tmp_path)) == {"old", "gone", "a"}

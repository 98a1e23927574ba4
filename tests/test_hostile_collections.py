"""Hostile and odd collections (issue 17): the manifest is untrusted, one writer per output
folder, Ctrl-C keeps what finished, outputs are replaced as a set, names cannot collide."""
from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import lxml.html
import pytest
from lxml import etree

from conftest import FRONT, ROOT, interruptible, make_article, run_cli, run_main

FIGURE = "Intro.\n\n```figure\nsrc: images/photo.jpg\nalt: A rooftop at night.\n```\n"


def one_line(result) -> str:
    """The single line a refusal prints (and no traceback)."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def article_folders(out: Path) -> set[str]:
    return {p.name for p in out.iterdir() if p.is_dir() and any(p.glob("*.html"))}


# ---------------------------------------------------------------- 1. the manifest is untrusted
def test_manifest_slugs_cannot_delete_anything_outside_out(tmp_path):
    content, out = tmp_path / "content", tmp_path / "out"
    make_article(content / "a", FRONT + "Text.\n", images=())
    victims = [tmp_path / "victim-absolute", tmp_path / "victim-relative"]
    for victim in victims:
        victim.mkdir()
        (victim / "precious.txt").write_text("keep me")
    out.mkdir()
    entry = {"published": "2020-01-01", "outputs": {}}
    (out / "manifest.json").write_text(json.dumps({"articles": {
        str(victims[0]): entry, "../victim-relative": entry}}))
    result = run_cli("build", content, "--out", out, "-j", "1")
    assert all((v / "precious.txt").read_text() == "keep me" for v in victims)
    assert "1 built, 0 unchanged, 0 removed" in result.stdout
    warning, = [l for l in result.stderr.splitlines() if "manifest" in l]
    assert "damaged build manifest" in warning and "rebuilding every article" in warning


def test_deleted_article_removes_only_recorded_files_never_through_links(tmp_path):
    content, out = tmp_path / "content", tmp_path / "out"
    make_article(content / "a", FRONT + "Text.\n", images=())
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "linked.html").write_text("not the renderer's")
    (outside / "photo.jpg").write_text("not the renderer's")
    out.mkdir()
    (out / "linked").symlink_to(outside)  # an article folder that is a link out of --out
    (out / "notes" / "images").mkdir(parents=True)  # a folder with a file the renderer did not write
    (out / "notes" / "notes.html").write_text("old output")
    (out / "notes" / "my-notes.txt").write_text("the librarian's own file")
    (out / "clean").mkdir()
    (out / "clean" / "clean.html").write_text("old output")
    (out / "clean" / "images").symlink_to(outside)  # recorded image reached through a link
    facts = dict(title="T", language="en", published="2020-01-01", publisher="P",
                 identifier="urn:x", rights="R", description=None, pages=1)
    (out / "manifest.json").write_text(json.dumps({"articles": {
        "linked": dict(facts, outputs={"linked.html": 1}),
        "notes": dict(facts, outputs={"notes.html": 1}),
        "clean": dict(facts, outputs={"clean.html": 1, "images/photo.jpg": 1})}}))
    result = run_cli("build", content, "--out", out, "-j", "1")
    assert "1 built, 0 unchanged, 3 removed" in result.stdout
    assert (outside / "linked.html").is_file() and (outside / "photo.jpg").is_file()
    assert (out / "linked").is_symlink()  # not the renderer's: left alone
    assert not (out / "notes" / "notes.html").exists()
    assert (out / "notes" / "my-notes.txt").read_text() == "the librarian's own file"
    assert not (out / "clean" / "clean.html").exists()
    assert set(json.loads((out / "manifest.json").read_text())["articles"]) == {"a"}


def test_the_catalog_record_removes_only_catalog_feeds_at_the_top_never_through_links(
        tmp_path):
    """The manifest's list of the catalog's feeds is untrusted too: a name that is not one
    the catalog writes (a path out, an article's output, the main feeds) is ignored, and a
    recorded feed that is a symbolic link is not followed, nor bagged."""
    import bagit
    content, out = tmp_path / "content", tmp_path / "out"
    make_article(content / "a", FRONT + "Text.\n", images=())
    run_cli("build", content, "--out", out, "-j", "1")
    victim = tmp_path / "victim.xml"
    victim.write_text("keep me")
    links = ["opds-zz.xml", "opds.year-2024.json", "opds.page-2.xml",
             "catalog-2.html"]  # the catalog's name for a page it no longer has
    for name in links:
        (out / name).symlink_to(victim)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["catalog"] = ["../victim.xml", str(victim), "a/a.html", "opds.xml", "opds.json",
                           "opds.png", *links, "catalog-0.html", "CATALOG.JS", "catalog-x.js",
                           "catalog-1234567.html", "index.html", "catalog-2.html/../../x"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = run_cli("build", content, "--out", out)
    assert "0 built, 1 unchanged" in result.stdout and result.stderr == ""
    assert victim.read_text() == "keep me" and all((out / n).is_symlink() for n in links)
    assert (out / "a" / "a.html").is_file()
    assert all((out / n).is_file() for n in ("opds.xml", "opds.json", "opds.png"))
    # what the catalog of one article writes besides index.html and the two feeds: its three
    # scripts, no page and no other feed
    assert json.loads((out / "manifest.json").read_text())["catalog"] == [
        "catalog-index.js", "catalog-lunr.js", "catalog.js"]
    run_cli("package", out)
    bag = bagit.Bag(str(out / "bag"))
    bag.validate()
    assert not {f"data/{n}" for n in links} & set(bag.payload_files())


@pytest.mark.parametrize("name, written", [
    ("opds-fr.xml", True), ("opds-pt-BR.json", True), ("opds.year-2024.xml", True),
    ("opds.page-2.json", True), ("opds-fr.page-12.xml", True),
    ("opds.year-1999.page-3.json", True),
    ("opds.xml", False), ("opds.json", False),  # always written: never removed through it
    ("opds.png", False), ("opds.page-1.xml", False), ("opds.page-02.xml", False),
    ("opds.year-24.xml", False), ("opds.page-2.txt", False), ("sub/opds.page-2.xml", False),
    ("../opds-fr.xml", False), ("OPDS.PAGE-2.XML", False), ("opds-fr.xml\n", False),
    ("opds-x/y.xml", False), ("opds.year-2024.page-2.page-3.xml", False), (7, False)])
def test_only_names_the_catalog_writes_are_catalog_feeds(name, written):
    """What load_catalog_files keeps of the manifest's record (and so what a catalog may
    remove or bag through it)."""
    from renderer.outdir import is_catalog_feed
    assert is_catalog_feed(name) is written


@pytest.mark.parametrize("text", [
    '{"articles": ["a"]}',
    '{"articles": {"a": "not an entry"}}',
    '{"articles": {"a": {"outputs": ["a.html"]}}}',
    '{"articles": {"a": {"outputs": {"a.html": 10}}}}',  # no title, date, publisher…
], ids=["list", "entry-not-mapping", "outputs-not-mapping", "entry-without-facts"])
def test_damaged_manifest_warns_in_one_line_and_rebuilds(tmp_path, text):
    content, out = tmp_path / "content", tmp_path / "out"
    make_article(content / "a", FRONT + "Text.\n", images=())
    out.mkdir()
    (out / "manifest.json").write_text(text)
    result = run_cli("build", content, "--out", out, "-j", "1", check=False)
    assert result.returncode == 0, result.stderr
    assert one_line(result).startswith(f"{out / 'manifest.json'}: warning: damaged build manifest")
    assert "1 built, 0 unchanged, 0 removed, 0 failed" in result.stdout
    assert json.loads((out / "manifest.json").read_text())["articles"]["a"]["outputs"]


# ---------------------------------------------------------------- 2. fingerprints
def test_fingerprint_reads_only_used_files_and_never_follows_links_out(tmp_path):
    content, out = tmp_path / "content", tmp_path / "out"
    article = make_article(content / "a", FRONT + FIGURE)
    run_cli("build", content, "--out", out, "-j", "1")
    (article / "notes.txt").write_text("an unreferenced file")
    (tmp_path / "elsewhere.txt").write_text("outside the article")
    (article / "link.txt").symlink_to(tmp_path / "elsewhere.txt")
    assert "0 built, 1 unchanged" in run_cli("build", content, "--out", out).stdout
    (tmp_path / "elsewhere.txt").write_text("changed outside the article")
    (article / "notes.txt").write_text("changed, still unreferenced")
    assert "0 built, 1 unchanged" in run_cli("build", content, "--out", out).stdout
    from PIL import Image
    Image.new("RGB", (300, 200), (20, 120, 40)).save(article / "images" / "photo.jpg")
    assert "1 built, 0 unchanged" in run_cli("build", content, "--out", out).stdout


def test_fingerprint_streams_large_files(tmp_path):
    from renderer.build import Options
    from renderer.collection import fingerprint
    article = make_article(tmp_path / "a", FRONT + FIGURE)
    with open(article / "images" / "photo.jpg", "r+b") as image:
        image.truncate(64 * 2**20)  # 64 MB, as a large photo would be
    tracemalloc.start()
    try:
        fingerprint(article, Options(), shared="x")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, peak


def test_styles_hash_does_not_follow_links_out_of_the_styles_folder(tmp_path):
    import shutil
    from renderer.build import STYLES, Options
    from renderer.collection import shared_inputs
    styles = tmp_path / "styles"
    shutil.copytree(STYLES, styles)
    (tmp_path / "secret.css").write_text("/* one */")
    (styles / "extra.css").symlink_to(tmp_path / "secret.css")
    before = shared_inputs(Options(styles=styles))
    (tmp_path / "secret.css").write_text("/* two: the hash must not have read this */")
    assert shared_inputs(Options(styles=styles)) == before


# ---------------------------------------------------------------- 3. Ctrl-C
def test_ctrl_c_stops_the_build_and_records_what_finished(tmp_path):
    content, out = tmp_path / "content", tmp_path / "out"
    total = 24  # enough that the build is still running when the signal is sent
    for n in range(total):
        make_article(content / f"article-{n:02d}", FRONT + f"Article number {n}.\n", images=())
    process = subprocess.Popen([sys.executable, "-m", "renderer", "build", str(content), "--out",
                                str(out), "-j", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=interruptible)
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/*.epub"))) < 2 and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert process.poll() is None, "the build ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr
    assert "interrupted" in stderr.strip().splitlines()[-1]
    recorded = set(json.loads((out / "manifest.json").read_text())["articles"])
    assert recorded == article_folders(out)
    assert 2 <= len(recorded) < total
    again = run_cli("build", content, "--out", out)
    assert f"{total - len(recorded)} built, {len(recorded)} unchanged" in again.stdout


# ---------------------------------------------------------------- 4. outputs as a set
def test_a_failed_write_keeps_the_previous_set_of_outputs(tmp_path, monkeypatch, capsys):
    from renderer.cli import main
    article = make_article(tmp_path / "a", FRONT + FIGURE)
    out = tmp_path / "out"
    assert main(["render", str(article), "--out", str(out)]) == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (article / "article.md").write_text(FRONT + FIGURE + "\nA new paragraph.\n")
    real_mkstemp, calls = tempfile.mkstemp, []

    def disk_full_on_second_file(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).is_relative_to(out / "a"):
            calls.append(dir)
            if len(calls) == 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", disk_full_on_second_file)
    capsys.readouterr()
    assert main(["render", str(article), "--out", str(out)]) == 2
    message = capsys.readouterr().err.strip().splitlines()[0]
    assert message.startswith(f"{out / 'a'}: could not write the outputs (No space left")
    assert "previous outputs are kept" in message
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the old HTML, PDF, EPUB and image, all of them, no temporaries


# ---------------------------------------------------------------- 5. one writer per folder
@contextmanager
def held_lock(out: Path):
    """Another process holding the output folder, as a running build does."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def test_a_second_writer_is_refused_while_the_folder_is_locked(tmp_path):
    content, out = tmp_path / "content", tmp_path / "out"
    make_article(content / "a", FRONT + "Text.\n", images=())
    run_cli("build", content, "--out", out, "-j", "1")
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    expected = (f"{out}: another renderer build is writing here (lock {out / '.lock'}); "
                "wait for it or use another --out")
    with held_lock(out):
        for args in (["build", content, "--force"], ["render", content / "a"], ["package"]):
            command = [args[0], *args[1:], "--out", out] if args[0] != "package" else ["package", out]
            result = run_cli(*command, check=False)
            assert result.returncode == 2, result.stderr
            assert one_line(result) == expected
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    run_cli("package", out)  # free again once the other run is done


# ---------------------------------------------------------------- 6. failed, then deleted
def test_outputs_of_a_failed_then_deleted_article_are_removed_and_never_bagged(tmp_path):
    import bagit
    content, out = tmp_path / "content", tmp_path / "out"
    make_article(content / "a", FRONT + "Text.\n", images=())
    make_article(content / "b", FRONT + "Text.\n", images=())
    run_cli("build", content, "--out", out, "-j", "1")
    (content / "b" / "article.md").write_text("---\ntitle: broken\n---\n\nText.\n")
    assert run_cli("build", content, "--out", out, check=False).returncode == 2
    assert (out / "b" / "b.html").is_file()  # a failed build keeps the previous outputs
    import shutil
    shutil.rmtree(content / "b")
    assert "1 removed" in run_cli("build", content, "--out", out).stdout
    assert not (out / "b").exists()
    (out / "stray").mkdir()
    (out / "stray" / "stray.html").write_text("not built by this collection")
    (out / "a" / "stray.txt").write_text("not recorded in the manifest")
    run_cli("package", out)
    bag = bagit.Bag(str(out / "bag"))
    bag.validate()
    assert sorted(bag.payload_files()) == sorted(
        ["data/index.html", "data/opds.xml", "data/opds.json", "data/opds.png", "data/a/a.html",
         "data/a/a.pdf", "data/a/a.epub", "data/catalog-index.js", "data/catalog-lunr.js",
         "data/catalog.js"])


# ---------------------------------------------------------------- 7. names
RESERVED = ["bag", "manifest.json", "index.html", "opds.xml", "opds.json", "opds.png", ".cache",
            ".lock", ".hidden",
            "opds-fr.xml", "opds-fr.json", "opds.year-2024.xml", "opds.page-2.json",  # feeds
            "catalog-2.html", "Catalog-7.HTML", "catalog.js", "catalog-index.js"]  # the catalog's


def test_article_folders_named_like_the_package_are_refused_and_others_build(tmp_path):
    import bagit
    content, out = tmp_path / "content", tmp_path / "out"
    for name in RESERVED + ["good", "opds-guide"]:  # not a feed's name: an article may take it
        make_article(content / name, FRONT + "Text.\n", images=())
    result = run_cli("build", content, "--out", out, "-j", "1", check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"2 built, 0 unchanged, 0 removed, {len(RESERVED)} failed" in result.stdout
    for name in RESERVED:
        line, = [l for l in result.stderr.splitlines() if l.startswith(f"{content / name}: ")]
        assert f"folder name '{name}'" in line and "rename the article folder" in line
    assert set(json.loads((out / "manifest.json").read_text())["articles"]) == {
        "good", "opds-guide"}
    assert "0 built, 2 unchanged" in run_cli("build", content, "--out", out, check=False).stdout
    run_cli("package", out)
    bagit.Bag(str(out / "bag")).validate()
    refused = run_main("render", content / "index.html", "--out", tmp_path / "rendered",
                      check=False)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"{content / 'index.html'}: the folder name 'index.html'")


def test_catalog_hrefs_are_escaped_and_ids_are_valid(tmp_path):
    content, out = tmp_path / "content", tmp_path / "out"
    names = ["100% #1?", "with space", "with-space"]
    for name in names:
        make_article(content / name, FRONT + "Text.\n", images=())
    run_cli("build", content, "--out", out, "-j", "1")
    page = lxml.html.parse(str(out / "index.html")).getroot()
    hrefs = page.xpath("//main//a/@href")
    assert len(hrefs) == 9
    for href in hrefs:
        assert not set(href) & set(" #?") and (out / unquote(href)).is_file(), href
    assert "100%25%20%231%3F/100%25%20%231%3F.epub" in hrefs
    ids = page.xpath("//@id")
    assert len(ids) == len(set(ids)) and all(i and not any(c.isspace() for c in i) for i in ids)
    feed = etree.parse(str(out / "opds.xml")).getroot()
    for href in feed.xpath("//a:entry/a:link/@href", namespaces={"a": "http://www.w3.org/2005/Atom"}):
        assert not set(href) & set(" #?") and (out / unquote(href)).is_file(), href


def test_two_articles_with_the_same_folder_name_are_not_merged(tmp_path):
    first = make_article(tmp_path / "a" / "same", FRONT.replace("A test article", "First") + "1\n",
                         images=())
    second = make_article(tmp_path / "b" / "same", FRONT.replace("A test article", "Second")
                          + "2\n", images=())
    out = tmp_path / "out"
    result = run_main("render", first, second, "--out", out, "--format", "html", check=False)
    assert result.returncode == 2
    message = result.stderr.splitlines()[0]
    assert message.startswith(f"{second}: another article of this run, {first}, also writes "
                              f"{out / 'same'}/")
    assert "<title>First" in (out / "same" / "same.html").read_text()


# ---------------------------------------------------------------- 8. --out
@pytest.mark.parametrize("command", ["render", "build", "package"])
def test_out_that_is_a_file_is_one_line(tmp_path, command):
    make_article(tmp_path / "content" / "a", FRONT + "Text.\n", images=())
    target = tmp_path / "dist"
    target.write_text("a file, not a folder")
    args = {"render": ["render", tmp_path / "content" / "a", "--out", target],
            "build": ["build", tmp_path / "content", "--out", target],
            "package": ["package", target]}[command]
    result = run_main(*args, check=False)
    assert result.returncode == 2
    assert one_line(result) == (f"{target}: the output folder is a file, not a folder; give "
                                "--out the path of a folder (it is created if missing)")
    assert target.read_text() == "a file, not a folder"


@contextmanager
def read_only(folder: Path):
    """A folder nobody can write in (root ignores permissions: make it immutable instead)."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("cannot make a folder read-only for root here (chattr +i)")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


def test_read_only_out_is_one_line_for_render_build_and_package(tmp_path):
    content = tmp_path / "content"
    make_article(content / "a", FRONT + "Text.\n", images=())
    empty, built = tmp_path / "empty", tmp_path / "built"
    empty.mkdir()
    run_cli("build", content, "--out", built, "-j", "1")
    with read_only(empty), read_only(built):
        for args in (["render", content / "a", "--out", empty], ["build", content, "--out", empty],
                     ["package", built]):
            result = run_main(*args, check=False)
            assert result.returncode == 2, result.stderr
            line = one_line(result)
            assert line.startswith(f"{args[-1]}: ") and "--out" in line, line
            assert "read-only" in line or "cannot write" in line, line
    assert not any(empty.iterdir()) and not (built / "bag").exists()

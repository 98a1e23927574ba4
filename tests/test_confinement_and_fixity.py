"""Nothing lost, nothing fetched, same bytes every time."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest

from conftest import CORPUS, FRONT, ROOT, SEED_ARTICLE, make_article, run_cli, run_main

STYLES = ROOT / "styles"


def styles_with(tmp_path, extra_css: str) -> Path:
    folder = tmp_path / "styles"
    shutil.copytree(STYLES, folder)
    css = folder / "print.css"
    css.write_text(extra_css + "\n" + css.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


@pytest.mark.parametrize("css", [
    '@import url("http://127.0.0.1:9/remote.css");',
    'body { background: url("https://example.org/pixel.png"); }',
    'body { background: url("file:///etc/hostname"); }',
], ids=["remote-import", "remote-image", "file-outside"])
def test_style_that_reaches_outside_is_an_error_not_a_fetch(tmp_path, css):
    article = make_article(tmp_path / "a", FRONT + "Text.\n")
    result = run_main("render", article, "--out", tmp_path / "dist", "--format", "pdf",
                     "--styles", styles_with(tmp_path, css), check=False)
    assert result.returncode == 2, result.stderr
    assert "refused to fetch" in result.stderr and "never uses the network" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "dist" / "a").exists()


def test_fetcher_refuses_symlinks_out_of_the_article(tmp_path):
    from renderer.confine import ARTICLE_BASE_URL, ConfinedFetcher
    from weasyprint.urls import FatalURLFetchingError
    article = tmp_path / "article"
    article.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "secret.txt", article / "link.txt")
    (article / "ok.txt").write_text("fine")
    fetcher = ConfinedFetcher(article)
    assert fetcher(ARTICLE_BASE_URL + "ok.txt").read() == b"fine"
    for url in (ARTICLE_BASE_URL + "link.txt", ARTICLE_BASE_URL + "../secret.txt",
                (tmp_path / "secret.txt").as_uri(), "http://127.0.0.1:9/x"):
        with pytest.raises(FatalURLFetchingError):
            fetcher(url)


def test_ebooklib_packs_only_what_the_model_names(seed):
    with zipfile.ZipFile(seed["epub"]) as book:
        names = sorted(book.namelist())
    assert names == sorted(["mimetype", "META-INF/container.xml", "EPUB/content.opf",
                            "EPUB/toc.ncx", "EPUB/nav.xhtml", "EPUB/article.xhtml",
                            "EPUB/styles/base.css", "EPUB/styles/epub.css"])  # no image: none preserved


def test_killed_build_keeps_the_previous_good_files(tmp_path):
    body = "\n\n".join(f"Paragraph {n} of a long article that takes a while." for n in range(3000))
    article = make_article(tmp_path / "big", FRONT + body + "\n")
    out = tmp_path / "dist"
    run_main("render", article, "--out", out)
    before = {p.name: p.read_bytes() for p in (out / "big").glob("big.*")}
    (article / "article.md").write_text(FRONT + body + "\n\nOne more paragraph.\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "renderer", "render", str(article), "--out",
                                str(out)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.0)  # inside the PDF layout, before anything is renamed into place
    process.send_signal(signal.SIGKILL)
    process.wait()
    after = {p.name: p.read_bytes() for p in (out / "big").glob("big.*")}
    assert after == before
    pikepdf.open(out / "big" / "big.pdf")  # still a whole PDF
    zipfile.ZipFile(out / "big" / "big.epub").testzip()
    run_main("render", article, "--out", out, "--format", "html")
    assert not list((out / "big").rglob(".*.part"))  # a later build sweeps up the leftovers


def sha256_tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_rebuild_from_another_place_gives_identical_bytes(tmp_path):
    """Same sources, copied to two different paths, built twice: every file identical."""
    trees = []
    for name in ("first", "second/deeper"):
        content = tmp_path / name / "content"
        shutil.copytree(SEED_ARTICLE, content / SEED_ARTICLE.name)
        shutil.copytree(CORPUS / "good" / "everything", content / "everything")
        out = tmp_path / name / "dist"
        run_cli("render", content, "--out", out)
        trees.append(sha256_tree(out))
    assert trees[0] == trees[1]
    assert len(trees[0]) >= 8  # two articles × three outputs, and the images beside a page


def test_source_date_epoch_sets_the_render_date(tmp_path):
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    run_cli("render", SEED_ARTICLE, "--out", tmp_path, "--format", "epub", env=env)
    with zipfile.ZipFile(tmp_path / SEED_ARTICLE.name / f"{SEED_ARTICLE.name}.epub") as book:
        assert {i.date_time for i in book.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert b"2023-11-14T22:13:20Z" in book.read("EPUB/content.opf")

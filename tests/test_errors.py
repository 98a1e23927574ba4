"""Bad input: one line `path:line: what is wrong; how to fix it`, exit 2, nothing in dist/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CORPUS, run_cli

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


def assert_refused(article: Path, out: Path, line: int | None, *words: str) -> str:
    result = run_cli("render", article, "--out", out, check=False)
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


def test_figure_without_alt_fails_with_file_line_and_figure(tmp_path):
    article = make_article(tmp_path / "no-alt", FRONT + "Intro.\n\n```figure\n"
                           "src: images/photo.jpg\ntitle: A title\ncaption: A caption.\n```\n")
    message = assert_refused(article, tmp_path / "dist", 11, "figure 1", "images/photo.jpg", "alt")
    assert "decorative: true" in message


def test_debug_shows_the_traceback(tmp_path):
    article = make_article(tmp_path / "no-alt", FRONT + "```figure\nsrc: images/photo.jpg\n```\n")
    result = run_cli("render", article, "--out", tmp_path / "dist", "--debug", check=False)
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_good_articles_still_render_when_one_fails(tmp_path):
    collection = tmp_path / "content"
    make_article(collection / "bad", FRONT + "```figure\nsrc: images/photo.jpg\n```\n")
    make_article(collection / "good", FRONT + "Fine.\n")
    result = run_cli("render", collection, "--out", tmp_path / "dist", "--format", "html",
                     check=False)
    assert result.returncode == 2
    assert (tmp_path / "dist" / "good" / "good.html").is_file()
    assert not (tmp_path / "dist" / "bad").exists()
    assert "1 of 2 article(s) failed" in result.stderr

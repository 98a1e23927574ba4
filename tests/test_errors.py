"""Bad input: one line `path:line: what is wrong; how to fix it`, exit 2, nothing in dist/."""
from __future__ import annotations

import os

import pytest

from conftest import FRONT, SEED_ARTICLE, assert_refused, make_article, run_cli, run_main


def test_figure_without_alt_fails_with_file_line_and_figure(tmp_path):
    article = make_article(tmp_path / "no-alt", FRONT + "Intro.\n\n```figure\n"
                           "src: images/photo.jpg\ntitle: A title\ncaption: A caption.\n```\n")
    message = assert_refused(article, tmp_path / "dist", 11, "figure 1", "images/photo.jpg", "alt",
                             run=run_cli)  # the real command; the catalog runs in-process
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


@pytest.mark.parametrize("case", ["refused", "usage", "no-command", "foreign-file", "environment"])
def test_in_process_runs_match_the_real_command(tmp_path, case):
    """The bad-input catalog calls `main(argv)` in the test process (run_main): for each kind
    of exit it gives the real command's status, stdout and stderr, byte for byte."""
    env = None
    if case == "refused":
        article = make_article(tmp_path / "a", FRONT + "```figure\nsrc: images/photo.jpg\n```\n")
        args = ["render", article, "--out", tmp_path / "dist"]
    elif case == "usage":
        args = ["render", "--no-such-option"]
    elif case == "no-command":
        args = []
    elif case == "foreign-file":
        (tmp_path / "garbage.pdf").write_bytes(bytes(range(256)) * 8)
        args = ["read", tmp_path / "garbage.pdf"]
    else:
        env = dict(os.environ, SOURCE_DATE_EPOCH="yesterday")
        args = ["render", SEED_ARTICLE, "--out", tmp_path / "dist"]
    real = run_cli(*args, env=env, check=False)
    here = run_main(*args, env=env, check=False)
    assert real.returncode != 0
    assert (here.returncode, here.stdout, here.stderr) == (real.returncode, real.stdout, real.stderr)
    assert os.environ.get("SOURCE_DATE_EPOCH") != "yesterday"  # put back

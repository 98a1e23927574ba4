"""Bad input: one line `path:line: what is wrong; how to fix it`, exit 2, nothing in dist/."""
from __future__ import annotations

import os

import pytest

from conftest import FRONT, ROOT, SEED_ARTICLE, assert_refused, make_article, run_cli, run_main


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


NOISY = '''
def noisy(args):
    import logging, warnings
    import weasyprint  # noqa: F401 (it gives its logger a NullHandler)
    warnings.warn("Duplicate name: 'EPUB/images/photo.jpg'", UserWarning)
    warnings.warn("an old API", DeprecationWarning)
    logging.getLogger("some.library").warning("a library's warning")
    logging.getLogger("weasyprint").warning("kept quiet by WeasyPrint's NullHandler")
    import os
    os.write(2, b"a C library's message\\n")  # last: run_main puts fd output after Python's
    print("done")
    return 0
'''


def test_in_process_runs_show_warnings_and_log_records_as_the_real_command(monkeypatch):
    """A warning, log record or C library's message the command lets through reaches stderr
    in run_main as in a fresh interpreter (pytest would otherwise keep it for its own report), so checks like
    "no 'Duplicate' on stderr" see it; what a fresh interpreter hides stays hidden."""
    import subprocess
    import sys

    import renderer.cli

    script = (f"import sys, renderer.cli\nnamespace = {{'__name__': 'noisy'}}\n"
              f"exec({NOISY!r}, namespace)\nrenderer.cli._read = namespace['noisy']\n"
              "sys.exit(renderer.cli.main(['read', 'x']))\n")
    real = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    namespace = {"__name__": "noisy"}  # a module's code, as the renderer's is: not __main__
    exec(NOISY, namespace)
    monkeypatch.setattr(renderer.cli, "_read", namespace["noisy"])
    here = run_main("read", "x", check=False)

    def shown(stderr):  # a warning's first line starts with the file and line that raised it
        return [line.split(": ", 1)[1] if "Warning: " in line else line
                for line in stderr.splitlines() if not line.startswith("  ")]
    assert shown(real.stderr) == ["UserWarning: Duplicate name: 'EPUB/images/photo.jpg'",
                                  "a library's warning", "a C library's message"], real.stderr
    assert (here.returncode, here.stdout, shown(here.stderr)) == \
        (real.returncode, real.stdout, shown(real.stderr))

"""Alt-text lint: each finding has a code, a place and a fix; --strict makes warnings errors."""
from __future__ import annotations

import pytest

from renderer import model as m
from renderer.lint import lint_figure

from conftest import FRONT, make_article, run_main


def codes(**fields):
    figure = m.Figure(src="images/photo.jpg", line=12, **fields)
    return [f.code for f in lint_figure(figure, "article.md")]


@pytest.mark.parametrize("fields, code", [
    (dict(alt="Boats on a river.", caption="Boats on a river."), "alt-is-caption"),
    (dict(alt="Boats", caption="Boats on a river at dawn."), "alt-is-caption"),
    (dict(alt="Image of boats on a river."), "alt-redundant-lead"),
    (dict(alt="photo of a bridge"), "alt-redundant-lead"),
    (dict(alt="Picture of a bridge"), "alt-redundant-lead"),
    (dict(alt="DSC_0042.JPG"), "alt-filename"),
    (dict(alt="river-bend.jpg"), "alt-filename"),
    (dict(alt="x" * 251), "alt-too-long"),
    (dict(alt="", decorative=True, caption="A caption."), "decorative-caption"),
    (dict(alt=""), "alt-missing"),
])
def test_each_problem_has_its_code(fields, code):
    assert code in codes(**fields)


@pytest.mark.parametrize("fields", [
    dict(alt="A wide river bends between low hills.", caption="The river from the bridge."),
    dict(alt="x" * 300, description="A long description carries the detail."),
    dict(alt="", decorative=True),
    dict(alt="Imagery analysts at work."),  # starts with "Image", not "image of"
])
def test_good_figures_have_no_findings(fields):
    assert codes(**fields) == []


def test_warning_is_printed_with_place_and_build_goes_on(tmp_path):
    article = make_article(tmp_path / "a", FRONT + "```figure\nsrc: images/photo.jpg\n"
                           "alt: Photo of a river.\n```\n")
    result = run_main("render", article, "--out", tmp_path / "dist", "--format", "html")
    assert f"{article / 'article.md'}:9: warning alt-redundant-lead: figure 'images/photo.jpg'" \
        in result.stderr
    assert (tmp_path / "dist" / "a" / "a.html").is_file()


def test_strict_turns_warnings_into_errors(tmp_path):
    article = make_article(tmp_path / "a", FRONT + "```figure\nsrc: images/photo.jpg\n"
                           "alt: Photo of a river.\n```\n")
    result = run_main("render", article, "--out", tmp_path / "dist", "--strict", check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{article / 'article.md'}:9: figure 'images/photo.jpg'")
    assert not (tmp_path / "dist").exists()


def test_characters_without_a_font_are_reported(tmp_path):
    # CJK Extension G: no font in the render dependencies covers it (fonts-noto-cjk stops at
    # Extension B); Chinese, Japanese and Hindi themselves are covered.
    article = make_article(tmp_path / "a", FRONT + "Chinese: 你好 \U00031350, Hindi: नमस्ते.\n")
    result = run_main("render", article, "--out", tmp_path / "dist", "--format", "pdf")
    assert f"{article / 'article.md'}: warning pdf-missing-glyph: no installed font has" in result.stderr
    assert "U+31350" in result.stderr and "U+4F60" not in result.stderr
    strict = run_main("render", article, "--out", tmp_path / "strict", "--strict", check=False)
    assert strict.returncode == 2
    assert strict.stderr.startswith(f"{article / 'article.md'}: no installed font has U+31350")
    assert not (tmp_path / "strict").exists()

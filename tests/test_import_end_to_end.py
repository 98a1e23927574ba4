"""End to end: a WARC (written here with warcio) → `renderer import` → `renderer build` → the
validators, `renderer read` and the colophon. The page holds three photos: one captured whose
caption carries 'Photo By:' and a VIRIN, one never captured, one decorative."""
from __future__ import annotations

import lxml.html
import pytest

from conftest import run_cli
from import_fixtures import (ALT_1, ALT_2, CAPTION_1, CAPTION_2, PAGE_URL, folders, read_article,
                             three_photo_records, write_warc)

@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    work = tmp_path_factory.mktemp("e2e")
    warc = work / "crawl-2020.warc.gz"
    write_warc(warc, three_photo_records())
    content = work / "content"
    result = run_cli("import", warc, "--out", content)
    [folder] = folders(content)
    return {"work": work, "content": content, "folder": folder, "result": result}


@pytest.fixture(scope="module")
def built(imported):
    dist = imported["work"] / "dist"
    result = run_cli("build", imported["content"], "--out", dist, check=False)
    assert result.returncode == 0, result.stderr
    name = imported["folder"].name
    return {fmt: dist / name / f"{name}.{fmt}" for fmt in ("html", "pdf", "epub")}


def test_the_warc_imports_into_an_article_that_needs_no_person(imported):
    front, figures, _ = read_article(imported["folder"])
    assert "todo" not in front and not any("todo" in f for f in figures)
    assert [("src" in f, "missing" in f, f.get("decorative", False)) for f in figures] == \
        [(True, False, False), (True, False, True), (False, True, False)]
    assert ": needs a person:" not in imported["result"].stdout  # only a figure not preserved
    assert "0 need a person before they render" in imported["result"].stdout


def test_outputs_pass_epubcheck_pdfua_and_axe(built):
    from renderer.check import epub_findings, pdf_findings, run_axe, run_epubcheck, run_pdfua

    assert epub_findings(run_epubcheck(built["epub"])) == []
    assert pdf_findings(run_pdfua(built["pdf"], "ua1")) == []
    assert run_axe([built["html"]])[built["html"]] == []


@pytest.mark.parametrize("fmt", ["html", "pdf", "epub"])
def test_read_gives_each_alt_once_then_its_caption_and_credit(built, fmt):
    lines = run_cli("read", built[fmt]).stdout.splitlines()
    text = "\n".join(lines)
    for alt in (ALT_1, ALT_2):
        assert text.count(alt) == 1, (fmt, alt)
    first = next(i for i, line in enumerate(lines) if ALT_1 in line)
    after = "\n".join(lines[first + 1:first + 6])
    assert CAPTION_1 in after and "Marine Corps Sgt. Kyle Talbot" in after \
        and "200103-M-ZX256-1032Y" in after, (fmt, after)
    assert lines[first].startswith("[figure]"), lines[first]


@pytest.mark.parametrize("fmt", ["html", "pdf", "epub"])
def test_the_figure_not_preserved_is_read_in_place(built, fmt):
    lines = run_cli("read", built[fmt]).stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if ALT_2 in line)
    assert lines[at].startswith("[figure not preserved]"), lines[at]
    before = "\n".join(lines[:at])
    after = "\n".join(lines[at + 1:])
    assert "minimized collateral damage" in before and "We have been very clear" in after
    assert CAPTION_2 in "\n".join(lines[at + 1:at + 5])


def test_colophon_shows_the_capture_date_and_record_id(built, imported):
    front, _, _ = read_article(imported["folder"])
    page = lxml.html.fromstring(built["html"].read_bytes())
    footer = " ".join(" ".join(e.text_content().split()) for e in page.iter("footer"))
    assert "January 4, 2020" in footer, footer
    assert front["capture_id"] in footer and PAGE_URL in footer
    assert "crawl-2020.warc.gz" in footer

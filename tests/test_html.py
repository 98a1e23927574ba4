"""The HTML page a screen reader meets: lang, title, landmarks, skip link, one h1, no gaps."""
from __future__ import annotations

import lxml.html
import pytest

from renderer import model as m
from renderer.html import render_html
from renderer.reader import read_article

from conftest import SEED_ARTICLE


@pytest.fixture(scope="module")
def page(seed):
    return lxml.html.parse(str(seed["html"])).getroot()


def test_language_and_title(page):
    assert page.get("lang") == "en-US"
    assert page.findtext("head/title") == read_article(SEED_ARTICLE).metadata.title


def test_landmarks_and_skip_link(page):
    body = page.find("body")
    first_link = body.xpath(".//a")[0]
    assert first_link.get("href") == "#main" and "Skip" in first_link.text
    assert len(body.xpath("./header")) == 1
    assert len(body.xpath("./main[@id='main']")) == 1
    assert len(body.xpath("./footer")) == 1


def test_exactly_one_h1_and_no_heading_gaps(page):
    levels = [int(h.tag[1]) for h in page.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels.count(1) == 1 and levels[0] == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1


def test_notice_is_a_labelled_note(page):
    note, = page.xpath("//*[@role='note']")
    label, = page.xpath(f"//*[@id='{note.get('aria-labelledby')}']")
    assert label.text == "Archival notice"
    assert "historical collection" in note.text_content()


def test_dublin_core_meta(page):
    meta = {e.get("name"): e.get("content") for e in page.xpath("//meta[@name]")}
    doc = read_article(SEED_ARTICLE)
    assert meta["DC.title"] == doc.metadata.title
    assert meta["DC.language"] == "en-US"
    assert meta["DC.date"] == "2020-01-03"
    assert meta["DC.publisher"] == "U.S. Department of Defense"
    assert meta["DC.rights"] == doc.metadata.rights
    assert meta["DC.identifier"] == doc.metadata.identifier


def test_markup_in_text_is_escaped_not_rendered(tmp_path):
    article = tmp_path / "a"
    article.mkdir()
    (article / "article.md").write_text(
        "---\ntitle: <script>alert(1)</script>\nlanguage: en\npublished: 2020-01-01\n"
        "publisher: P\nrights: R\n---\n\nA <b onclick=\"x()\">bold</b> claim <script>x()</script>\n",
        encoding="utf-8")
    html = render_html(read_article(article))
    root = lxml.html.fromstring(html)
    assert not root.xpath("//script") and not root.xpath("//b")
    assert not any(k.startswith("on") for e in root.iter() for k in e.attrib)
    assert "<b onclick" in root.text_content()


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_long_description_is_reachable_from_the_image(dist, fmt):
    from lxml import etree
    from conftest import epub_member
    folder = dist / "everything"
    if fmt == "html":
        root = lxml.html.parse(str(folder / "everything.html")).getroot()
    else:
        xhtml = epub_member(folder / "everything.epub", "EPUB/article.xhtml")
        root = lxml.html.fromstring(etree.tostring(etree.fromstring(xhtml)).decode()
                                    .replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    img, = root.xpath("//img[@aria-details]")
    details = root.xpath(f"//*[@id='{img.get('aria-details')}']")[0]
    assert details.tag == "details" and details.get("open") is not None
    figure = img.getparent()
    assert figure.tag == "figure" and figure.getnext() is details
    assert "two fishing boats" in details.text_content().lower()


def test_epub_declares_long_description_only_when_present(dist):
    from conftest import metas
    assert "longDescription" in metas(dist / "everything" / "everything.epub",
                                      "schema:accessibilityFeature")

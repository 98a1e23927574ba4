"""Figures whose image the archive does not hold, Markdown images as figures, and capture
provenance: what `renderer import` writes, rendered and read back from real outputs."""
from __future__ import annotations

import shutil
import subprocess
import zipfile

import lxml.html
import pikepdf
import pytest
from lxml import etree

from renderer import model as m
from renderer.check import epub_findings, run_axe, run_pdfua
from renderer.lint import lint_figure
from renderer.reader import read_article
from renderer.transcript import Item, comparable, transcript

from conftest import (CORPUS, FRONT, SEED_ARTICLE, epub_member, make_article, run_cli, run_epubchecks,
                      struct_elements)

NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf"}
LABEL = "Image not preserved in the archive"
ROLE = "figure not preserved"
RECORD = "urn:uuid:3f1c2b4a-0000-4000-8000-00000000abcd"

CAPTURED = f"""---
title: Boats on the River
language: en
published: 2020-01-03
publisher: Test Press
rights: Public domain
source: https://example.org/news/boats-on-the-river
captured: 2020-01-03T14:05:09Z
capture_id: {RECORD}
capture_file: crawl-2020.warc.gz
capture_offset: 1234
capture_digest: sha1:2FN4QXHQ7ZDMOH5WWS6NAMTNKAZVZQ4L
capture_software: Heritrix/3.4.0
---

The river was busy on the morning of the third.

![A wide river bends between low green hills.](images/river.jpg "The River Bend")

```figure
missing: not captured with the page
original: https://example.org/media/boats.jpg
alt: Two fishing boats are tied to a wooden jetty in fog.
title: Boats at Dawn
caption: Fishermen wait for the fog to lift.
credit_label: Photo By
credit: A. Tester
identifier_label: VIRIN
identifier: 200103-X-0000-0001
description: The jetty runs from the lower left corner; the boats are small and wooden.
```

```figure
missing: SVG images are refused (scripts)
decorative: true
```

The day went on.
"""

ARABIC = """---
title: القوارب على النهر
language: ar
published: 2020-01-03
publisher: دار الاختبار
rights: ملك عام
---

كان النهر مزدحما في الصباح.

```figure
missing: not captured with the page
alt: قاربان صغيران عند رصيف خشبي في الضباب.
caption: الصيادون ينتظرون انقشاع الضباب.
```
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    """Two articles as `renderer import` writes them, rendered once by the real CLI."""
    root = tmp_path_factory.mktemp("not-preserved")
    for name, text in (("captured", CAPTURED), ("arabic", ARABIC)):
        folder = root / "content" / name
        (folder / "images").mkdir(parents=True)
        (folder / "article.md").write_text(text, encoding="utf-8")
    shutil.copy(CORPUS / "good" / "everything" / "images" / "river.jpg",
                root / "content" / "captured" / "images" / "river.jpg")
    run_cli("render", root / "content" / "captured", root / "content" / "arabic", "--out", root / "dist")
    return {name: {fmt: root / "dist" / name / f"{name}.{fmt}" for fmt in ("html", "pdf", "epub")}
            for name in ("captured", "arabic")} | {"root": root}


def xhtml(book):
    return etree.fromstring(epub_member(book, "EPUB/article.xhtml"))


def pages(paths):
    """The HTML page and the EPUB chapter, both as lxml trees without the XHTML namespace."""
    chapter = etree.tostring(xhtml(paths["epub"])).decode().replace(
        'xmlns="http://www.w3.org/1999/xhtml"', "")
    return {"html": lxml.html.parse(str(paths["html"])).getroot(),
            "epub": lxml.html.fromstring(chapter)}


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


# ---------------------------------------------------------------- the model
def test_reader_keeps_every_fact_of_a_figure_not_preserved(rendered):
    doc = read_article(rendered["root"] / "content" / "captured")
    river, boats, divider = doc.figures
    assert (river.src, river.alt, river.title, river.missing) == (
        "images/river.jpg", "A wide river bends between low green hills.", "The River Bend", "")
    assert boats.src == "" and not boats.preserved
    assert boats.missing == "not captured with the page"
    assert boats.original == "https://example.org/media/boats.jpg"
    assert (boats.alt, boats.title, boats.credit, boats.identifier) == (
        "Two fishing boats are tied to a wooden jetty in fog.", "Boats at Dawn", "A. Tester",
        "200103-X-0000-0001")
    assert divider.decorative and divider.missing


def test_markdown_image_alone_in_a_paragraph_is_a_figure(tmp_path):
    article = make_article(tmp_path / "a", FRONT + 'Text.\n\n![Boats on a *grey* river.](images/photo.jpg "Boats")\n')
    figure, = read_article(article).figures
    assert (figure.src, figure.alt, figure.title, figure.caption) == (
        "images/photo.jpg", "Boats on a grey river.", "Boats", "")
    assert not [b for b in read_article(article).blocks if isinstance(b, m.Paragraph)
                and "Boats" in m.plain_text(b.children)]


# ---------------------------------------------------------------- HTML and EPUB
@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_frame_shows_label_reason_alt_then_caption_and_no_image(rendered, fmt):
    root = pages(rendered["captured"])[fmt]
    figure, = root.xpath("//figure[contains(@class, 'not-preserved')]")
    assert not figure.xpath(".//img")
    label = root.xpath(f"//*[@id='{figure.get('aria-labelledby')}']")[0]
    assert label.text_content() == LABEL and label.getparent().getparent() is figure
    frame = label.getparent()
    assert [p.get("class") for p in frame] == ["not-preserved-label", "not-preserved-reason", "figure-alt"]
    assert frame[1].text_content() == "Reason: not captured with the page"
    assert frame[2].text_content() == "Two fishing boats are tied to a wooden jetty in fog."
    caption, = figure.xpath("./figcaption")
    assert figure.index(caption) == figure.index(frame) + 1
    assert caption.xpath("string(.//*[@class='figure-title'])") == "Boats at Dawn"
    assert " ".join(caption.xpath("string(.//*[@class='figure-credit'])").split()) == "Photo By: A. Tester"
    assert " ".join(caption.xpath("string(.//*[@class='figure-identifier'])").split()) == "VIRIN: 200103-X-0000-0001"
    assert figure.get("data-original-src") == "https://example.org/media/boats.jpg"
    details = root.xpath(f"//*[@id='{frame[2].get('aria-details')}']")[0]
    assert details.tag == "details" and figure.getnext() is details


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_decorative_figure_not_preserved_shows_nothing(rendered, fmt):
    root = pages(rendered["captured"])[fmt]
    assert len(root.xpath("//figure")) == 2
    assert "SVG images are refused" not in root.text_content()


def test_frame_labels_are_in_the_article_language_and_only_the_reason_english(rendered):
    for root in pages(rendered["arabic"]).values():
        label, = root.xpath("//p[@class='not-preserved-label']")
        reason, = root.xpath("//p[@class='not-preserved-reason']")
        assert label.get("lang") is None and label.text_content() == "الصورة غير محفوظة في الأرشيف"
        assert reason.get("lang") is None and reason[0].text_content() == "السبب: "
        assert reason[1].get("lang") == "en" and reason[1].text_content() == "not captured with the page"
        alt, = root.xpath("//p[@class='figure-alt']")
        assert alt.get("lang") is None  # the alt text is in the article's language


def test_only_preserved_images_are_packed(rendered):
    with zipfile.ZipFile(rendered["captured"]["epub"]) as book:
        images = [n for n in book.namelist() if n.startswith("EPUB/images/")]
    assert images == ["EPUB/images/river.jpg"]
    assert sorted(p.name for p in rendered["captured"]["html"].parent.rglob("*.jpg")) == ["river.jpg"]


# ---------------------------------------------------------------- PDF
def frames(pdf):
    """The not-preserved frames of a PDF: a Div whose first paragraph is the label."""
    from renderer.transcript import _PdfWalker
    from renderer.pdf.text import mcid_glyphs
    walker = _PdfWalker(pdf, mcid_glyphs(pdf))
    return [e for e in struct_elements(pdf) if e.S == "/Div" and walker.is_not_preserved_frame(e)], walker


def test_pdf_tags_the_frame_as_text_grouped_with_its_caption(rendered):
    pdf = pikepdf.open(rendered["captured"]["pdf"])
    figures = [e for e in struct_elements(pdf) if e.S == "/Figure"]
    assert [str(f.Alt) for f in figures] == ["A wide river bends between low green hills."]
    (frame,), walker = frames(pdf)
    paragraphs = [k for k in frame.K if isinstance(k, pikepdf.Dictionary)]
    assert [str(p.S) for p in paragraphs] == ["/P", "/P", "/P"]
    assert walker.text(paragraphs[2]) == "Two fishing boats are tied to a wooden jetty in fog."
    assert frame.P.S == "/Div"  # the <figure>: frame and caption grouped, as for an image
    assert [str(k.S) for k in frame.P.K if isinstance(k, pikepdf.Dictionary)] == ["/Div", "/Caption"]


def test_seed_pdf_has_no_figure_and_reads_both_frames(seed):
    pdf = pikepdf.open(seed["pdf"])
    assert not [e for e in struct_elements(pdf) if e.S == "/Figure"]
    assert not any(x.get("/Subtype") == "/Image" for page in pdf.pages
                   for x in page.Resources.get("/XObject", {}).values())
    found, _ = frames(pdf)
    assert len(found) == 2


ARABIC_LABEL = "الصورة غير محفوظة في الأرشيف"  # the label in the Arabic catalog (issue 13)


def test_pdf_label_is_in_the_article_language_and_the_reason_english(rendered):
    """The label comes from the article's catalog; the reason is written in English (as
    `renderer import` writes it), so only it is marked so."""
    pdf = pikepdf.open(rendered["arabic"]["pdf"])
    (frame,), walker = frames(pdf)
    label, reason, alt = [k for k in frame.K if isinstance(k, pikepdf.Dictionary)]
    assert walker.text(label) == ARABIC_LABEL
    assert "/Lang" not in label and "/Lang" not in alt
    assert walker.text(reason) == "السبب: not captured with the page"
    html = lxml.html.parse(str(rendered["arabic"]["html"])).getroot()
    english, = html.xpath("//*[@class='not-preserved-reason']//*[@lang='en']")
    assert english.text_content() == "not captured with the page"


# ---------------------------------------------------------------- what a reader meets
@pytest.mark.parametrize("name", ["captured", "arabic"])
def test_all_three_outputs_read_the_frame_in_place(rendered, name):
    found = {fmt: comparable(transcript(path)) for fmt, path in rendered[name].items()}
    assert found["pdf"] == found["html"] and found["epub"] == found["html"]
    doc = read_article(rendered["root"] / "content" / name)
    lost = next(f for f in doc.figures if not f.preserved and not f.decorative)
    label, reason = (LABEL, "Reason: ") if name == "captured" else (ARABIC_LABEL, "السبب: ")
    for fmt, items in found.items():
        at = items.index(Item(ROLE, lost.alt))
        assert items[at - 2:at] == [Item("paragraph", label),
                                    Item("paragraph", f"{reason}{lost.missing}")], fmt
        assert items[at + 1] == Item("caption", lost.title or lost.caption), fmt
        assert sum(lost.alt in i.text for i in items) == 1, fmt
        assert not [i for i in items if "SVG images" in i.text], fmt


def test_read_command_prints_the_role(seed):
    lines = run_cli("read", seed["epub"]).stdout.splitlines()
    assert f"[{ROLE}] A Marine with combat gear stands watch on top of a building. A U.S. flag " \
           "is in the background." in lines


# ---------------------------------------------------------------- validators
def test_validators_pass_on_frames_images_and_capture_facts(rendered):
    import page
    books = [rendered[name]["epub"] for name in ("captured", "arabic")]
    for book, report in zip(books, run_epubchecks(books)):
        assert report["checker"]["nError"] == 0 and report["checker"]["nWarning"] == 0
        assert epub_findings(report) == [], book
    for name in ("captured", "arabic"):
        assert run_pdfua(rendered[name]["pdf"]).is_compliant, name
        assert page.validate_pdf(str(rendered[name]["pdf"]), profile="pdfa-3a").is_compliant, name
    html = [rendered[name]["html"] for name in ("captured", "arabic")]
    for path, violations in run_axe(html).items():
        assert violations == [], (path, [(v["id"], v["help"]) for v in violations])


# ---------------------------------------------------------------- EPUB accessibility metadata
def metas(book, prop):
    package = etree.fromstring(epub_member(book, "EPUB/content.opf"))
    return package.xpath(f"//opf:meta[@property='{prop}']/text()", namespaces=NS)


def test_book_without_images_is_textual_and_says_the_photos_were_not_preserved(seed):
    book = seed["epub"]
    assert metas(book, "schema:accessMode") == ["textual"]
    assert metas(book, "schema:accessModeSufficient") == ["textual"]
    assert "alternativeText" not in metas(book, "schema:accessibilityFeature")
    summary, = metas(book, "schema:accessibilitySummary")
    assert "Two photos were not preserved in the archive; their text alternatives are shown " \
           "as text" in summary
    assert "cannot be perceived without sight" not in summary


def test_book_with_both_counts_each_kind(rendered):
    book = rendered["captured"]["epub"]
    assert sorted(metas(book, "schema:accessMode")) == ["textual", "visual"]
    assert "alternativeText" in metas(book, "schema:accessibilityFeature")
    assert "longDescription" not in metas(book, "schema:accessibilityFeature")  # only the lost one has one
    summary, = metas(book, "schema:accessibilitySummary")
    assert "It has one preserved photo" in summary
    assert "One photo was not preserved in the archive; its text alternative is shown as text" in summary
    assert "decorative" not in summary  # the decorative image is not in the book either


# ---------------------------------------------------------------- lint
def test_alt_rules_apply_to_a_figure_not_preserved():
    figure = m.Figure(src="", alt="Photo of two boats.", missing="not captured", line=12,
                      original="https://example.org/boats.jpg")
    finding, = lint_figure(figure, "article.md")
    assert finding.code == "alt-redundant-lead"
    assert "not-preserved figure 'https://example.org/boats.jpg'" in finding.message
    assert [f.code for f in lint_figure(m.Figure(src="", alt="x" * 300, missing="gone"), "a.md")] \
        == ["alt-too-long"]


# ---------------------------------------------------------------- capture provenance
def test_colophon_shows_capture_date_record_and_tool_in_all_three(rendered):
    paths = rendered["captured"]
    texts = {"html": lxml.html.parse(str(paths["html"])).getroot().text_content(),
             "epub": "".join(xhtml(paths["epub"]).itertext()),
             "pdf": pdf_text(paths["pdf"]),
             "read": "\n".join(str(i) for i in transcript(paths["pdf"]))}
    for where, text in texts.items():
        text = " ".join(text.split())
        assert "Captured: January 3, 2020, 14:05:09 UTC" in text, where
        assert f"Capture record: {RECORD} (crawl-2020.warc.gz, offset 1234)" in text, where
        assert "Payload digest: sha1:2FN4QXHQ7ZDMOH5WWS6NAMTNKAZVZQ4L" in text, where
        assert "Captured with: Heritrix/3.4.0" in text, where
    time, = lxml.html.parse(str(paths["html"])).getroot().xpath("//footer//time[contains(@datetime, 'T')]")
    assert time.get("datetime") == "2020-01-03T14:05:09Z"


def test_provenance_statement_carries_the_capture_everywhere(rendered):
    paths = rendered["captured"]
    meta = {e.get("name"): e.get("content")
            for e in lxml.html.parse(str(paths["html"])).getroot().xpath("//meta[@name]")}
    statement = meta["DCTERMS.provenance"]
    assert statement.startswith("Captured from https://example.org/news/boats-on-the-river on "
                                "2020-01-03T14:05:09Z with Heritrix/3.4.0 (record "
                                f"{RECORD}, crawl-2020.warc.gz at offset 1234, payload digest "
                                "sha1:2FN4QXHQ7ZDMOH5WWS6NAMTNKAZVZQ4L). Rendered by renderer ")
    assert metas(paths["epub"], "dcterms:provenance") == [statement]
    with pikepdf.open(paths["pdf"]) as pdf:
        assert statement in pdf.Root.Metadata.read_bytes().decode()


def test_without_capture_facts_the_statement_and_colophon_are_as_before(seed):
    meta = {e.get("name"): e.get("content")
            for e in lxml.html.parse(str(seed["html"])).getroot().xpath("//meta[@name]")}
    assert meta["DCTERMS.provenance"].startswith("Rendered by renderer ")
    assert "Captured" not in lxml.html.parse(str(seed["html"])).getroot().text_content()


def test_capture_date_is_kept_in_utc(tmp_path):
    article = make_article(tmp_path / "a", FRONT.replace("---\n\n", "captured: 2020-01-03T16:05:09+02:00\n---\n\n")
                           + "Text.\n", images=())
    meta = read_article(article).metadata
    assert meta.captured.isoformat() == "2020-01-03T14:05:09+00:00"
    assert meta.capture_offset is None

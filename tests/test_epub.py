"""The EPUB: EPUBCheck-clean, navigable, with accessibility metadata that matches the content."""
from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from renderer.check import epub_findings, run_epubcheck

from conftest import epub_member, metas, outputs, package, run_epubchecks

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def test_epubcheck_reports_nothing(dist):
    books = outputs(dist, "epub")
    assert books
    for book, report in zip(books, run_epubchecks(books)):
        assert report["checker"]["nFatal"] == 0
        assert report["checker"]["nError"] == 0
        assert report["checker"]["nWarning"] == 0
        assert epub_findings(report) == [], book


def test_epubcheck_can_fail(tmp_path, dist):
    """The check is real: remove an image from the book and EPUBCheck reports an error."""
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(dist / "everything" / "everything.epub") as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith(".jpg"):
                dst.writestr(info, src.read(info))
    assert run_epubcheck(broken)["checker"]["nError"] > 0


def test_package_language_identifier_and_title(seed):
    root = package(seed["epub"])
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    identifier = root.xpath("//dc:identifier/text()", namespaces=NS)[0]
    assert identifier.startswith("urn:uuid:")
    assert root.xpath("//dc:title/text()", namespaces=NS)[0].startswith("Senior DOD Official")


def test_nav_has_toc_and_landmarks(seed):
    nav = etree.fromstring(epub_member(seed["epub"], "EPUB/nav.xhtml"))
    assert nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)
    kinds = nav.xpath("//x:nav[@epub:type='landmarks']//x:a/@epub:type", namespaces=NS)
    assert {"toc", "bodymatter"} <= set(kinds)


def test_images_are_in_the_book(dist):
    with zipfile.ZipFile(dist / "everything" / "everything.epub") as book:
        names = book.namelist()
    assert "EPUB/images/river.jpg" in names and "EPUB/images/divider.png" in names


def test_accessibility_metadata_matches_the_content(seed, dist):
    book = seed["epub"]  # its photos were not preserved: text only
    assert metas(book, "schema:accessMode") == ["textual"]
    assert metas(book, "schema:accessModeSufficient") == ["textual"]
    features = metas(book, "schema:accessibilityFeature")
    assert "structuralNavigation" in features and "tableOfContents" in features
    assert "alternativeText" not in features and "longDescription" not in features
    assert metas(book, "schema:accessibilityHazard") == ["none"]
    summary, = metas(book, "schema:accessibilitySummary")
    assert "Two photos were not preserved" in summary and "text alternatives" in summary
    photos = dist / "everything" / "everything.epub"
    assert sorted(metas(photos, "schema:accessMode")) == ["textual", "visual"]
    assert metas(photos, "schema:accessModeSufficient") == ["textual", "textual,visual"]
    assert "alternativeText" in metas(photos, "schema:accessibilityFeature")
    summary, = metas(photos, "schema:accessibilitySummary")
    assert "It has one photo" in summary and "text alternative" in summary
    assert metas(book, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    certifier = package(book).xpath("//opf:meta[@property='a11y:certifiedBy']", namespaces=NS)
    assert len(certifier) == 1 and certifier[0].text
    assert metas(book, "dcterms:modified") == ["2020-01-03T00:00:00Z"]


def test_chapter_declares_language_in_both_attributes(seed):
    chapter = etree.fromstring(epub_member(seed["epub"], "EPUB/article.xhtml"))
    assert chapter.get("lang") == "en-US"
    assert chapter.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"

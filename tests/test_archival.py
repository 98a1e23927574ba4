"""Archival outputs: "page N" means the same place everywhere; PDF/A-3a and PDF/UA-1 at once;
the source travels inside the PDF; every copy says where it came from."""
from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

import lxml.html
import pikepdf
import pytest
from lxml import etree

from renderer.check import run_pdfua
from renderer.reader import read_article

from conftest import CORPUS, SEED_ARTICLE, epub_member, outputs

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
PAGED = [SEED_ARTICLE.name, "long-report"]


# A list's number or bullet, which CSS draws (::marker): printed, but no word of the HTML.
LIST_LABEL = re.compile(r"^(?:\d+|[a-z]|[ivxlc]+)[.)]$|^[•◦▪‣–-]$", re.IGNORECASE)


def first_words_of_pdf_pages(path, count=3) -> list[list[str]]:
    """The first words printed on each page, as poppler's `pdftotext` reads them (not our
    own text extraction), once the artifacts (running head, page number) are cut out of
    every page's content stream with pikepdf, and a list label opening a page set aside."""
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / "content.pdf"
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                page.Contents = pdf.make_stream(without_artifacts(page))
            pdf.save(content)
            pages = len(pdf.pages)
        words = []
        for number in range(1, pages + 1):
            text = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number),
                                   str(content), "-"], capture_output=True, text=True,
                                  check=True).stdout.split()
            if text and LIST_LABEL.match(text[0]):
                text = text[1:]
            words.append(text[:count])
    return words


def without_artifacts(page) -> bytes:
    """The page's content stream less every `/Artifact` marked-content sequence (nested
    sequences inside one included): what is left is the page's real content."""
    kept, depth = [], 0
    for operands, operator in pikepdf.parse_content_stream(page):
        name = str(operator)
        if depth:
            depth += {"BDC": 1, "BMC": 1, "EMC": -1}.get(name, 0)
        elif name in ("BDC", "BMC") and operands[0] == "/Artifact":
            depth = 1
        else:
            kept.append((operands, operator))
    return pikepdf.unparse_content_stream(kept)


def words_after(marker, count=3) -> list[str]:
    return " ".join(marker.xpath("following::text()")).split()[:count]


@pytest.mark.parametrize("slug", PAGED)
def test_page_list_has_one_entry_per_pdf_page(dist, slug):
    folder = dist / slug
    pages = len(pikepdf.open(folder / f"{slug}.pdf").pages)
    nav = etree.fromstring(epub_member(folder / f"{slug}.epub", "EPUB/nav.xhtml"))
    entries = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    assert [a.text for a in entries] == [str(n) for n in range(1, pages + 1)]
    assert all(a.get("href") == f"article.xhtml#page-{n}" for n, a in enumerate(entries, 1))
    if slug == "long-report":
        assert pages > 5


@pytest.mark.parametrize("slug", PAGED)
def test_each_marker_precedes_the_first_words_of_its_pdf_page(dist, slug):
    folder = dist / slug
    expected = first_words_of_pdf_pages(folder / f"{slug}.pdf")
    chapter = etree.fromstring(epub_member(folder / f"{slug}.epub", "EPUB/article.xhtml"))
    page = lxml.html.parse(str(folder / f"{slug}.html")).getroot()
    for number, words in enumerate(expected, 1):
        marker, = chapter.xpath(f"//x:span[@id='page-{number}']", namespaces=NS)
        assert marker.get(f"{{{NS['epub']}}}type") == "pagebreak"
        assert marker.get("role") == "doc-pagebreak" and marker.get("aria-label") == str(number)
        assert words_after(marker) == words, (number, words_after(marker), words)
        html_marker, = page.xpath(f"//span[@id='page-{number}']")
        assert html_marker.get("role") == "doc-pagebreak"
        assert words_after(html_marker) == words


def test_epub_declares_page_source_and_navigation(dist):
    package = etree.fromstring(epub_member(dist / "long-report" / "long-report.epub", "EPUB/content.opf"))
    features = package.xpath("//opf:meta[@property='schema:accessibilityFeature']/text()", namespaces=NS)
    assert {"pageBreakMarkers", "pageNavigation"} <= set(features)
    source, = package.xpath("//opf:meta[@property='pageBreakSource']/text()", namespaces=NS)
    assert "PDF edition" in source and "long-report.pdf" in source


def test_every_pdf_is_pdfa3a_and_pdfua1(dist):
    import page
    for path in outputs(dist, "pdf"):
        for profile in ("pdfa-3a", "ua1"):
            report = page.validate_pdf(str(path), profile=profile)
            assert report.is_compliant, (path.name, profile, [str(f) for f in report.failures])
        with pikepdf.open(path) as pdf, pdf.open_metadata() as xmp:
            assert xmp["pdfaid:part"] == "3" and xmp["pdfaid:conformance"] == "A"
            assert xmp["pdfuaid:part"] == "1"
            assert "/OutputIntents" in pdf.Root


def test_pdfa_check_is_real(tmp_path, dist):
    """Turn interpolation on for an image (forbidden in PDF/A) and the PDF/A-3a profile says so."""
    import page
    pdf = pikepdf.open(dist / "everything" / "everything.pdf")
    images = [x for p in pdf.pages for x in p.Resources.get("/XObject", {}).values()
              if x.get("/Subtype") == "/Image"]
    assert images
    for xobject in images:
        xobject.Interpolate = True
    pdf.save(tmp_path / "broken.pdf")
    assert not page.validate_pdf(str(tmp_path / "broken.pdf"), profile="pdfa-3a").is_compliant


def test_embedded_source_equals_the_input(seed):
    pdf = pikepdf.open(seed["pdf"])
    files = pdf.attachments
    assert list(files) == ["article.md"]
    spec = files["article.md"]
    assert spec.obj.AFRelationship == "/Source"
    assert spec.get_file().read_bytes() == (SEED_ARTICLE / "article.md").read_bytes()
    assert any(a.get("/AFRelationship") == "/Source" for a in pdf.Root.AF)


def colophon(text: str) -> dict[str, str]:
    facts = {}
    for label in ("Publisher", "Published", "Rights", "Identifier", "Rendered by", "Rendered",
                  "Source SHA-256"):
        match = re.search(rf"(?:^|\n|\s){re.escape(label)}: ([^\n]+?)\s*(?:\n|$)", text)
        facts[label] = match.group(1).strip() if match else None
    return facts


def test_colophon_is_in_all_three_outputs_with_the_same_values(seed):
    html = lxml.html.parse(str(seed["html"])).getroot()
    html_text = "\n".join(p.text_content() for p in html.xpath("//footer//p"))
    chapter = etree.fromstring(epub_member(seed["epub"], "EPUB/article.xhtml"))
    epub_text = "\n".join("".join(p.itertext()) for p in chapter.xpath("//x:footer//x:p", namespaces=NS))
    pdf_text = subprocess.run(["pdftotext", "-layout", str(seed["pdf"]), "-"], capture_output=True,
                              text=True, check=True).stdout
    expected = colophon(html_text)
    doc = read_article(SEED_ARTICLE)
    assert expected["Publisher"] == "U.S. Department of Defense"
    assert expected["Published"] == "January 3, 2020"
    assert expected["Rendered"] == "January 3, 2020"  # in the article's locale (issue 13)
    assert expected["Source SHA-256"] == hashlib.sha256((SEED_ARTICLE / "article.md").read_bytes()).hexdigest()
    assert expected["Identifier"] == doc.metadata.identifier and expected["Rights"] == doc.metadata.rights
    assert colophon(epub_text) == expected
    assert colophon(re.sub(r"[ \t]+", " ", pdf_text)) == expected


def test_same_provenance_in_dublin_core_opf_and_xmp(seed):
    html = lxml.html.parse(str(seed["html"])).getroot()
    meta = {e.get("name"): e.get("content") for e in html.xpath("//meta[@name]")}
    statement = meta["DCTERMS.provenance"]
    sha = hashlib.sha256((SEED_ARTICLE / "article.md").read_bytes()).hexdigest()
    assert sha in statement and "2020-01-03" in statement
    package = etree.fromstring(epub_member(seed["epub"], "EPUB/content.opf"))
    assert package.xpath("//opf:meta[@property='dcterms:provenance']/text()", namespaces=NS) == [statement]
    with pikepdf.open(seed["pdf"]) as pdf, pdf.open_metadata() as xmp:
        raw = pdf.Root.Metadata.read_bytes().decode()
        assert statement in raw and sha in raw
        assert xmp["xmp:CreateDate"].startswith("2020-01-03")
        assert "U.S. Department of Defense" in raw
        assert meta["DC.rights"] in raw


def test_the_author_reaches_the_pdf_as_in_the_html_and_epub(dist):
    """The `author:` of the source (read here from the file's text) is dc:creator in the
    PDF's XMP and /Author in its Info, as it is DC.creator in the HTML and the EPUB."""
    source = (CORPUS / "good" / "everything" / "article.md").read_text(encoding="utf-8")
    author = re.search(r"^author: *(.+)$", source, re.M).group(1).strip().strip('"')
    html = lxml.html.parse(str(dist / "everything" / "everything.html")).getroot()
    assert html.xpath("//meta[@name='DC.creator']/@content") == [author]
    package = etree.fromstring(epub_member(dist / "everything" / "everything.epub", "EPUB/content.opf"))
    assert package.xpath("//dc:creator/text()", namespaces=NS) == [author]
    with pikepdf.open(dist / "everything" / "everything.pdf") as pdf, pdf.open_metadata() as xmp:
        assert xmp["dc:creator"] == [author]
        assert str(pdf.docinfo["/Author"]) == author


def test_no_stream_data_ends_in_cr_before_endstream(tmp_path, seed):
    """Flate data ending in CR (its Adler-32 does, one stream in 256) reads as CR LF before
    `endstream` to the PDF/A check: such streams get one harmless byte more, and pass."""
    import zlib

    from renderer.pdf import _no_cr_before_endstream
    from renderer.pdf.tree import save
    pdf = pikepdf.open(seed["pdf"])
    contents = pdf.pages[0].Contents
    plain = contents.read_bytes()
    while not zlib.compress(plain).endswith(b"\r"):
        plain += b"\n"
    contents.write(zlib.compress(plain), filter=pikepdf.Name.FlateDecode)
    broken = save(pdf)
    assert b"\r\nendstream" in broken
    (tmp_path / "broken.pdf").write_bytes(broken)
    assert not page_validate(tmp_path / "broken.pdf", "pdfa-3a")
    fixed = _no_cr_before_endstream(broken)
    (tmp_path / "fixed.pdf").write_bytes(fixed)
    assert page_validate(tmp_path / "fixed.pdf", "pdfa-3a") and page_validate(tmp_path / "fixed.pdf", "ua1")
    assert first_words_of_pdf_pages(tmp_path / "fixed.pdf", 50) == first_words_of_pdf_pages(seed["pdf"], 50)


def page_validate(path, profile) -> bool:
    import page
    return page.validate_pdf(str(path), profile=profile).is_compliant

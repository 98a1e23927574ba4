"""The tagged PDF: PDF/UA-1 identified and valid, a tag tree a screen reader can walk."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest

from renderer.check import pdf_findings, run_pdfua

from conftest import FRONT, outputs, struct_elements


def test_every_pdf_passes_pdfua1(dist):
    pdfs = outputs(dist, "pdf")
    assert pdfs
    for path in pdfs:
        report = run_pdfua(path)
        assert report.is_compliant and pdf_findings(report) == [], path


def test_validator_can_fail(tmp_path, seed):
    """The PDF/UA check is real: strip the language and the same file fails."""
    pdf = pikepdf.open(seed["pdf"])
    del pdf.Root["/Lang"]
    del pdf.Root["/MarkInfo"]
    broken = tmp_path / "broken.pdf"
    pdf.save(broken)
    assert not run_pdfua(broken).is_compliant


def test_catalog_identifies_pdfua_with_language_and_title(seed):
    pdf = pikepdf.open(seed["pdf"])
    assert str(pdf.Root.Lang) == "en-US"
    assert bool(pdf.Root.MarkInfo.Marked)
    assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
    with pdf.open_metadata() as xmp:
        assert xmp["pdfuaid:part"] == "1"
        assert xmp["dc:title"].startswith("Senior DOD Official")


@pytest.mark.parametrize("article, photos", [("dod-quds-force-commander", 0), ("everything", 1)])
def test_structure_has_headings_and_a_figure_with_alt_per_photo(dist, article, photos):
    """One /Figure per photo there is (the seed's photos were not preserved: none)."""
    pdf = pikepdf.open(dist / article / f"{article}.pdf")
    elements = list(struct_elements(pdf))
    tags = [str(e.S) for e in elements]
    assert tags.count("/H1") == 1
    figures = [e for e in elements if e.S == "/Figure"]
    assert len(figures) == photos and all(str(f.Alt) for f in figures)


def test_each_caption_is_grouped_with_its_figure(dist):
    pdf = pikepdf.open(dist / "everything" / "everything.pdf")
    figures = [e for e in struct_elements(pdf) if e.S == "/Figure"]
    assert figures
    for figure in figures:
        siblings = [k for k in figure.P.K if isinstance(k, pikepdf.Dictionary)]
        assert [str(k.S) for k in siblings] == ["/Figure", "/Caption"]
        assert figure.P.S == "/Div"


def test_each_caption_is_grouped_with_the_frame_of_a_photo_not_preserved(seed):
    pdf = pikepdf.open(seed["pdf"])
    captions = [e for e in struct_elements(pdf) if e.S == "/Caption"]
    assert len(captions) == 2
    for caption in captions:
        assert caption.P.S == "/Div"
        assert [str(k.S) for k in caption.P.K if isinstance(k, pikepdf.Dictionary)] == ["/Div", "/Caption"]


def bookmarks(pdf) -> list[tuple[int, str]]:
    """The outline, depth first: (depth, title) for every bookmark, nested ones included."""
    found = []

    def walk(items, depth):
        for item in items:
            found.append((depth, item.title))
            walk(item.children, depth + 1)
    with pdf.open_outline() as outline:
        walk(outline.root, 0)
    return found


def expected_bookmarks(page: Path) -> list[tuple[int, str]]:
    """The HTML page's headings (text as read, in order), each at the depth its level gives
    in an outline: under the nearest earlier heading of a higher level. A heading inside a
    quotation, a list item or a notice belongs to what holds it, not to the outline (as in
    the EPUB's nav)."""
    import lxml.html
    found, open_levels = [], []
    for heading in lxml.html.parse(str(page)).getroot().iter("h1", "h2", "h3", "h4", "h5", "h6"):
        if heading.xpath("ancestor::blockquote or ancestor::li or ancestor::*[@role='note']"):
            continue
        level = int(heading.tag[1])
        while open_levels and open_levels[-1] >= level:
            open_levels.pop()
        found.append((len(open_levels), " ".join(heading.text_content().split())))
        open_levels.append(level)
    return found


def test_bookmarks_follow_headings(dist):
    """Every heading of every article, in order and at its level, is a bookmark, and nothing
    else is; the headings are taken from the HTML page, not from the PDF stage."""
    pdfs = outputs(dist, "pdf")
    assert len(pdfs) >= 3
    for path in pdfs:
        expected = expected_bookmarks(path.with_suffix(".html"))
        assert len(expected) >= 2, path.name
        assert bookmarks(pikepdf.open(path)) == expected, path.name
    assert {depth for depth, _ in expected_bookmarks(dist / "long-report" / "long-report.html")} \
        == {0, 1, 2}  # three levels of nesting are compared, not only the top


def test_running_heads_and_page_numbers_are_artifacts(seed):
    """No marked content hangs from an element the tree cannot reach (WeasyPrint #1836)."""
    pdf = pikepdf.open(seed["pdf"])
    reachable = {e.objgen for e in struct_elements(pdf)}
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    for i in range(0, len(nums), 2):
        if isinstance(nums[i + 1], pikepdf.Array):
            for element in nums[i + 1]:
                assert element is None or not isinstance(element, pikepdf.Dictionary) \
                    or element.objgen in reachable
    artifacts = 0
    for page in pdf.pages:
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) == "BDC" and operands[0] == "/Artifact":
                artifacts += 1
                assert operands[1].Type == "/Pagination"
    assert artifacts >= 2 * len(pdf.pages) - 1  # page number on every page, head from page 2


def test_headings_inside_quotes_lists_and_notices_are_not_bookmarks(tmp_path):
    """The PDF's bookmarks and the EPUB's table of contents list the same outline: the
    article's own headings, not those quoted or inside a list item."""
    from conftest import epub_member, make_article, run_cli
    article = make_article(tmp_path / "nested", FRONT + (
        "## Own section\n\nText.\n\n> ## Quoted heading\n>\n> Quoted text.\n\n"
        "- ## Listed heading\n\n  Item text.\n\n### Own subsection\n\nMore text.\n"), images=())
    run_cli("render", article, "--out", tmp_path / "out")
    pdf = pikepdf.open(tmp_path / "out" / "nested" / "nested.pdf")
    titles = [title for _, title in bookmarks(pdf)]
    assert "Quoted heading" not in titles and "Listed heading" not in titles
    assert bookmarks(pdf)[:3] == [(0, "A test article"), (1, "Own section"), (2, "Own subsection")]
    nav = epub_member(tmp_path / "out" / "nested" / "nested.epub", "EPUB/nav.xhtml").decode()
    assert "Own subsection" in nav and "Quoted heading" not in nav and "Listed heading" not in nav


@pytest.mark.parametrize("language, region", [("ja", "JP"), ("ko", "KR"), ("zh-Hans", "SC"),
                                              ("zh-CN", "SC"), ("zh-Hant", "TC"), ("zh-TW", "TC"),
                                              ("zh-HK", "HK"), ("zh-MO", "HK"),
                                              ("zh-Hant-HK", "TC")])
def test_chinese_japanese_and_korean_each_get_their_own_glyph_forms(tmp_path, language, region):
    """The same code points (直 骨 今) are drawn differently in each: the PDF must embed the
    CJK font of the article's language, in body text and headings (pdffonts, not our code)."""
    from conftest import make_article, run_main
    front = FRONT.replace("language: en", f"language: {language}")
    article = make_article(tmp_path / "cjk", front + "## 直骨今\n\n直骨今角誤画次海這說門。\n", images=())
    run_main("render", article, "--out", tmp_path / "out")
    listing = subprocess.run(["pdffonts", str(tmp_path / "out" / "cjk" / "cjk.pdf")],
                             capture_output=True, text=True, check=True).stdout
    cjk = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:] if "CJK" in line}
    assert {f"Noto-Serif-CJK-{region}", f"Noto-Sans-CJK-{region}-Bold"} <= cjk, cjk
    assert {name.split("-CJK-")[1].split("-")[0] for name in cjk} == {region}, cjk

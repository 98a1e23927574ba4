"""The PDF tag tree reads right: lists, tables, links, languages, no stray or empty elements."""
from __future__ import annotations

import pikepdf
import pytest

from conftest import CORPUS, outputs, struct_elements


@pytest.fixture(scope="module")
def everything(dist):
    return pikepdf.open(dist / "everything" / "everything.pdf")


def by_tag(pdf, tag):
    return [e for e in struct_elements(pdf) if e.S == tag]


def kids(element):
    k = element.get("/K")
    return [] if k is None else list(k) if isinstance(k, pikepdf.Array) else [k]


def elements(element):
    return [k for k in kids(element) if isinstance(k, pikepdf.Dictionary) and "/S" in k]


def test_no_empty_or_nonstruct_elements(dist):
    for path in outputs(dist, "pdf"):
        pdf = pikepdf.open(path)
        for element in struct_elements(pdf):
            assert element.S != "/NonStruct", path
            assert kids(element), (path, str(element.S))


def test_main_is_one_part_even_over_several_pages(dist):
    for path in outputs(dist, "pdf"):
        pdf = pikepdf.open(path)
        assert len(by_tag(pdf, "/Part")) == 1, path


def test_lists_are_l_li_lbl_lbody_with_nested_lists_inside_the_body(everything):
    for item in by_tag(everything, "/LI"):
        assert {str(k.S) for k in elements(item)} <= {"/Lbl", "/LBody"}
        assert elements(item)[-1].S == "/LBody"
    for lst in by_tag(everything, "/L"):
        assert all(k.S == "/LI" for k in elements(lst))
    nested = [lst for lst in by_tag(everything, "/L") if lst.P.S == "/LBody"]
    assert len(nested) == 1 and len(elements(nested[0])) == 2


def test_table_has_caption_header_cells_with_scope_and_cells_with_headers(everything):
    table, = by_tag(everything, "/Table")
    assert elements(table)[0].S == "/Caption"
    headers = by_tag(everything, "/TH")
    assert len(headers) == 3 and all(h.A.Scope == "/Column" for h in headers)
    ids = {str(h.ID) for h in headers}
    for cell in by_tag(everything, "/TD"):
        assert {str(i) for i in cell.A.Headers} <= ids and len(cell.A.Headers) == 1


def test_each_link_is_one_element_with_its_annotation_described(everything):
    links = by_tag(everything, "/Link")
    example = [l for l in links if any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
                                       and str(k.Obj.A.URI) == "https://example.org/" for k in kids(l))]
    assert len(example) == 1  # one element even when the link text wraps
    for link in links:
        annotations = [k.Obj for k in kids(link) if isinstance(k, pikepdf.Dictionary)
                       and k.get("/Type") == "/OBJR"]
        assert annotations
        for annotation in annotations:
            assert str(annotation.Contents).strip()
    contents = {str(k.Obj.Contents) for k in kids(example[0]) if isinstance(k, pikepdf.Dictionary)
                and k.get("/Type") == "/OBJR"}
    assert contents == {"link to the example site (https://example.org/)"}


def test_passages_in_other_languages_carry_lang(everything):
    langs = {str(e.Lang): e for e in struct_elements(everything) if "/Lang" in e}
    assert set(langs) == {"ar", "fr"}
    assert langs["ar"].S == "/P"
    assert langs["fr"].S == "/Span"


def marked_content(element, page=None):
    """(page, MCID) of each marked-content sequence the element and its descendants own."""
    page = element.get("/Pg", page)
    kids_ = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
    for kid in kids_:
        if isinstance(kid, int):
            yield page.objgen, kid
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            yield kid.get("/Pg", page).objgen, int(kid.MCID)
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield from marked_content(kid, page)


def test_right_to_left_runs_say_their_text_in_reading_order(everything):
    """Arabic is painted in visual order: its runs carry /ActualText, in reading order, in
    the content stream (where pdftotext and screen readers take it from)."""
    arabic = next(e for e in struct_elements(everything) if str(e.get("/Lang", "")) == "ar")
    owned = set(marked_content(arabic))
    said = []
    for page in everything.pages:
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) \
                    and "/MCID" in operands[1] \
                    and (page.obj.objgen, int(operands[1].MCID)) in owned:
                said.append(str(operands[1].get("/ActualText", "")))
    # the full stop, a neutral character painted where it is read, needs none
    assert [t for t in said if t] == ["هذه فقرة باللغة العربية تُقرأ من اليمين إلى اليسار"]


def test_right_to_left_paragraph_reads_in_order(dist):
    from renderer.transcript import Item, pdf_transcript
    items = pdf_transcript((dist / "everything" / "everything.pdf").read_bytes())
    assert Item("paragraph", "هذه فقرة باللغة العربية تُقرأ من اليمين إلى اليسار.") in items


def test_decorative_image_is_an_artifact_not_a_figure(everything):
    figures = by_tag(everything, "/Figure")
    assert len(figures) == 1 and "/Alt" in figures[0]
    layout_artifacts = 0
    for page in everything.pages:
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) == "BDC" and operands[0] == "/Artifact" and operands[1].Type == "/Layout":
                layout_artifacts += 1
    assert layout_artifacts == 1


def test_figure_bbox_is_in_points_on_the_page(everything):
    figure, = by_tag(everything, "/Figure")
    x1, y1, x2, y2 = (float(v) for v in figure.A.BBox)
    width, height = (float(v) for v in everything.pages[0].mediabox[2:])
    assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height


def test_elements_split_by_page_breaks_are_whole_again(dist):
    """The long report's paragraphs, 40-item list and 45-row table cross pages (WeasyPrint #2903)."""
    from renderer import model as m
    from renderer.reader import read_article
    pdf = pikepdf.open(dist / "long-report" / "long-report.pdf")
    assert len(pdf.pages) > 5
    doc = read_article(CORPUS / "good" / "long-report")
    paragraphs = [b for b in doc.blocks if isinstance(b, m.Paragraph)]
    body_ps = [p for p in by_tag(pdf, "/P") if p.P.S == "/Part"]
    assert len(body_ps) == len(paragraphs)
    table, = by_tag(pdf, "/Table")
    assert [str(k.S) for k in elements(table)] == ["/Caption", "/THead", "/TBody"]
    assert len(by_tag(pdf, "/TR")) == 46 and len(by_tag(pdf, "/TH")) == 3
    ids = {str(h.ID) for h in by_tag(pdf, "/TH")}
    assert all({str(i) for i in cell.A.Headers} <= ids for cell in by_tag(pdf, "/TD"))
    numbered = [l for l in by_tag(pdf, "/L") if len(elements(l)) == 40]
    assert len(numbered) == 1 and len(by_tag(pdf, "/L")) == 1

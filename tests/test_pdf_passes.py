"""Each tag-repair pass on a tiny PDF that WeasyPrint 70 really writes: the fault is there just
before the pass and gone just after it, with the expected values written out by hand.

`around` runs PASSES in their order up to the pass under test, and then that pass, and saves
and reopens the PDF each time: a test sees its pass as the pipeline runs it (after the passes
it relies on), so a pass taken out of PASSES, or one that does nothing, fails its test."""
from __future__ import annotations

import base64
import io

import pikepdf
from pikepdf import Name

from renderer.pdf import passes
from renderer.pdf.tree import Tree, _is_elem, save


def tiny_pdf(body: str) -> bytes:
    """WeasyPrint's tagged PDF (PDF/A-3a, as render_pdf asks) of a small HTML body."""
    from weasyprint import HTML

    return HTML(string=f"<!doctype html><html lang='en'><body>{body}</body></html>").write_pdf(
        pdf_variant="pdf/a-3a")


def around(name: str, data: bytes, **inputs) -> tuple[Tree, Tree]:
    """The PDF's tree just before the pass called `name` runs in PASSES, and just after."""
    names = [step.__name__ for step in passes.PASSES]
    assert name in names, f"{name} is not in passes.PASSES"
    inputs = {"continued": [], "languages": [], **inputs}
    trees = []
    for upto in (names.index(name), names.index(name) + 1):
        tree = Tree(data)
        for step in passes.PASSES[:upto]:
            step(tree, **{key: inputs[key] for key in getattr(step, "needs", ())})
        trees.append(Tree(save(tree.finish())))
    return trees[0], trees[1]


def elements(tree: Tree, tag: str) -> list:
    return [e for e in tree.walk() if e.S == Name(tag)]


def shape(tree: Tree, node=None) -> str:
    """The element tags below `node` (the Document), kids in brackets: "P(Span Span)"."""
    parts = []
    for kid in tree.kids(tree.document if node is None else node):
        if _is_elem(kid):
            inner = shape(tree, kid)
            parts.append(str(kid.S)[1:] + (f"({inner})" if inner else ""))
    return " ".join(parts)


def marked_content(pdf, page=0) -> list[tuple[str, object]]:
    """(tag, MCID or artifact type) of each marked-content sequence on a page, in paint order."""
    return [(str(operands[0]), int(operands[1].MCID) if "/MCID" in operands[1]
             else str(operands[1].Type))
            for operands, operator in pikepdf.parse_content_stream(pdf.pages[page])
            if str(operator) == "BDC"]


def png_uri() -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 2), "red").save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_artifact_orphans_and_decorative_figures_marks_margin_boxes_and_empty_alt_images():
    before, after = around("artifact_orphans_and_decorative_figures", tiny_pdf(
        "<style>@page { size: 200px 200px; margin: 40px 0 0 0; @top-center { content: 'Head' } }"
        f"body {{ margin: 0 }}</style><p>Text</p><img alt='' src='{png_uri()}'>"))
    # The running head (MCID 2) hangs from no element; the image is a Figure without /Alt.
    assert shape(before) == "P(Span) NonStruct(Figure)"
    assert "/Alt" not in elements(before, "/Figure")[0]
    assert marked_content(before.pdf) == [("/Span", 0), ("/Figure", 1), ("/Span", 2)]
    assert shape(after) == "P(Span) NonStruct"
    assert marked_content(after.pdf) == [("/Span", 0), ("/Artifact", "/Layout"),
                                         ("/Artifact", "/Pagination")]


def test_merge_continued_makes_a_paragraph_split_by_a_page_break_one_element():
    words = " ".join(f"word{n}" for n in range(1, 21))
    before, after = around("merge_continued", tiny_pdf(
        "<style>@page { size: 200px 60px; margin: 0 } body { margin: 0; font-size: 12px;"
        f" line-height: 20px }}</style><p>{words}</p>"), continued=[["P"]])
    assert len(before.pdf.pages) == 2
    assert shape(before) == "P(Span Span) P(Span Span Span)"  # a Span per line
    assert shape(after) == "P(Span Span Span Span Span)"
    [paragraph] = elements(after, "/P")
    assert [after.page_of(span) for span in elements(after, "/Span")] == [0, 0, 1, 1, 1]
    assert after.element_text(paragraph).split() == words.split()


def test_group_figures_turns_a_figure_wrapper_into_a_div():
    before, after = around("group_figures", tiny_pdf(
        "<figure><p>x</p><figcaption>A caption</figcaption></figure>"))
    assert shape(before) == "NonStruct(P(Span) Caption(Span))"
    assert shape(after) == "Div(P(Span) Caption(Span))"


def test_unwrap_nonstruct_replaces_wrappers_by_their_kids_and_lone_text_by_a_paragraph():
    before, after = around("unwrap_nonstruct", tiny_pdf(
        "<header><p>x</p></header><details><summary>Sum</summary><p>body</p></details>"
        "<p>a <em>b</em> c</p>"))
    assert shape(before) == ("NonStruct(P(Span)) NonStruct(NonStruct(Span) P(Span)) "
                             "P(Span NonStruct(Span) Span)")
    assert shape(after) == "P(Span) P(Span) P(Span) P(Span Span Span)"
    assert [after.element_text(p) for p in elements(after, "/P")] == ["x", "Sum", "body", "a b c"]


def test_fix_lists_moves_a_nested_list_into_its_item_body():
    before, after = around("fix_lists", tiny_pdf(
        "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>"))
    item = "LI(Lbl(Span) LBody(Span))"
    assert shape(before) == f"L({item} L({item}) {item})"
    assert shape(after) == f"L(LI(Lbl(Span) LBody(Span L({item}))) {item})"
    nested = elements(after, "/L")[1]
    assert nested.P.S == Name.LBody and nested.P.P.S == Name.LI


def test_remove_empty_leaves_no_element_without_kids():
    before, after = around("remove_empty", tiny_pdf(
        "<p>one</p><div></div><figure><figcaption></figcaption></figure><p>two</p>"))
    assert shape(before) == "P(Span) Div Div(Caption) P(Span)"  # the figure: a Div already
    assert shape(after) == "P(Span) P(Span)"


def link_contents(pdf) -> list[str]:
    return [str(a.Contents) for page in pdf.pages for a in page.get("/Annots", [])
            if a.get("/Subtype") == Name.Link]


def test_fix_links_joins_a_link_broken_over_lines_and_describes_it_by_its_text():
    before, after = around("fix_links", tiny_pdf(
        "<p style='width: 4em'>x <a href='https://example.org/'>two words link</a> y</p>"))
    assert shape(before) == "P(Span Link Link Link Span)"
    assert link_contents(before.pdf) == ["https://example.org/"] * 3
    assert shape(after) == "P(Span Link Span)"
    assert after.element_text(elements(after, "/Link")[0]) == "two words link"
    assert link_contents(after.pdf) == ["two words link (https://example.org/)"] * 3


def languages_of(tree: Tree) -> list[tuple[str, str, str]]:
    return [(str(e.S), tree.element_text(e), str(e.Lang)) for e in tree.walk() if "/Lang" in e]


def test_set_languages_gives_lang_to_the_elements_holding_a_marked_passage():
    before, after = around("set_languages", tiny_pdf(
        "<p>Hello <span lang='fr'>bonjour le monde</span></p><p lang='de'>Guten Tag</p>"),
        languages=[("bonjour le monde", "fr"), ("Guten Tag", "de")])
    assert languages_of(before) == []
    assert languages_of(after) == [("/Span", "bonjour le monde", "fr"), ("/P", "Guten Tag", "de")]


def test_add_actual_text_for_rtl_gives_right_to_left_runs_their_reading_order():
    arabic = "مرحبا بالعالم"
    before, after = around("add_actual_text_for_rtl", tiny_pdf(
        f"<p lang='ar' dir='rtl'>{arabic}</p><p>Hello</p>"), languages=[(arabic, "ar")])
    assert [e for e in before.walk() if "/ActualText" in e] == []
    [span] = [e for e in after.walk() if "/ActualText" in e]
    assert str(span.ActualText) == arabic and span.S == Name.Span
    assert span.P.Lang == "ar"
    # what the page paints is in visual order: not the reading order
    painted = "".join(after.glyphs[(0, int(span.K[0]))])
    assert painted != arabic and sorted(painted.replace(" ", "")) == sorted(arabic.replace(" ", ""))


def test_fix_figure_boxes_turns_css_pixels_from_the_top_into_points_from_the_bottom():
    before, after = around("fix_figure_boxes", tiny_pdf(
        "<style>@page { size: 200px 200px; margin: 0 } body { margin: 0 } img { display: block }"
        f"</style><img alt='A red box' src='{png_uri()}' style='width: 100px; height: 50px'>"))
    [figure] = elements(before, "/Figure")
    assert [float(v) for v in figure.A.BBox] == [0, 0, 100, 50]  # px, from the top
    [figure] = elements(after, "/Figure")
    assert float(after.pdf.pages[0].mediabox[3]) == 150  # 200 px
    assert [float(v) for v in figure.A.BBox] == [0, 112.5, 75, 150]  # pt, from the bottom


def test_scope_table_headers_gives_column_in_thead_and_row_elsewhere():
    before, after = around("scope_table_headers", tiny_pdf(
        "<table><thead><tr><th>Name</th></tr></thead>"
        "<tbody><tr><th>Row</th><td>1</td></tr></tbody></table>"))
    assert all("/Scope" not in (th.get("/A") or {}) for th in elements(before, "/TH"))
    assert [th.A.Scope for th in elements(after, "/TH")] == [Name.Column, Name.Row]


def test_every_pass_has_its_test_here():
    tested = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    untested = [step.__name__ for step in passes.PASSES
                if not any(name.startswith(step.__name__) for name in tested)]
    assert untested == []


def test_passes_run_in_one_visible_order_and_the_result_saves():
    names = [step.__name__ for step in passes.PASSES]
    assert names[:2] == ["artifact_orphans_and_decorative_figures", "merge_continued"]
    assert names.index("set_languages") < names.index("add_actual_text_for_rtl")
    pdf = passes.repair_tags(tiny_pdf("<p>text</p>"), continued=[], languages=[])
    assert pikepdf.open(io.BytesIO(save(pdf))).Root.StructTreeRoot is not None


def test_actual_text_of_a_right_to_left_paragraph_after_another_has_no_leading_space():
    """The "\\n" that stands for a space lost between two elements at a line break belongs
    between them, not at the front of the second one's /ActualText."""
    arabic = "مرحبا بالعالم"
    _, after = around("add_actual_text_for_rtl", tiny_pdf(
        f"<p>Hello</p><p lang='ar' dir='rtl'>{arabic}</p>"), languages=[(arabic, "ar")])
    [span] = [e for e in after.walk() if "/ActualText" in e]
    assert str(span.ActualText) == arabic

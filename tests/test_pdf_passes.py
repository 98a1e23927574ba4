"""Each tag-repair pass on a tiny PDF that WeasyPrint 70 really writes: the fault is there
before the pass and gone after it, and the other passes are not needed to see it."""
from __future__ import annotations

import io

import pikepdf
import pytest
from pikepdf import Name

from renderer.pdf import passes
from renderer.pdf.tree import Tree, save


def tiny_pdf(body: str) -> bytes:
    """WeasyPrint's tagged PDF (PDF/A-3a, as render_pdf asks) of a small HTML body."""
    from weasyprint import HTML

    return HTML(string=f"<!doctype html><html lang='en'><body>{body}</body></html>").write_pdf(
        pdf_variant="pdf/a-3a")


def elements(tree: Tree, tag: str) -> list:
    return [e for e in tree.walk() if e.S == Name(tag)]


@pytest.fixture(scope="module")
def table_pdf():
    return tiny_pdf("<table><thead><tr><th>Name</th></tr></thead>"
                    "<tbody><tr><th>Row</th><td>1</td></tr></tbody></table>")


def test_scope_table_headers_gives_column_in_thead_and_row_elsewhere(table_pdf):
    tree = Tree(table_pdf)
    assert all("/Scope" not in (th.get("/A") or {}) for th in elements(tree, "/TH"))
    passes.scope_table_headers(tree)
    scopes = [th.A.Scope for th in elements(tree, "/TH")]
    assert scopes == [Name.Column, Name.Row]


def test_group_figures_turns_a_figure_wrapper_into_a_div():
    tree = Tree(tiny_pdf("<figure><p>x</p><figcaption>A caption</figcaption></figure>"))
    before = {str(e.S) for e in tree.walk()}
    passes.group_figures(tree)
    after = [e for e in tree.walk() if any(k.get("/S") == Name.Caption
                                           for k in tree.kids(e) if isinstance(k, pikepdf.Dictionary))]
    assert "/Div" not in before and [str(e.S) for e in after] == ["/Div"]


def test_remove_empty_leaves_no_element_without_kids():
    tree = Tree(tiny_pdf("<p>one</p><div></div><p>two</p>"))
    passes.unwrap_nonstruct(tree)
    passes.remove_empty(tree)
    assert all(tree.kids(e) for e in tree.walk() if e.S != Name.Figure)


def test_passes_run_in_one_visible_order_and_the_result_saves():
    names = [step.__name__ for step in passes.PASSES]
    assert names[:2] == ["artifact_orphans_and_decorative_figures", "merge_continued"]
    assert names.index("set_languages") < names.index("add_actual_text_for_rtl")
    pdf = passes.repair_tags(tiny_pdf("<p>text</p>"), continued=[], languages=[])
    assert pikepdf.open(io.BytesIO(save(pdf))).Root.StructTreeRoot is not None

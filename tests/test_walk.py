"""The model's one walk (`model.walk`), and what it fixes: every reader check, every id the
reader gives and every id a writer gives see a block inside a quote, list or notice too."""
from __future__ import annotations

import re
import zipfile
from datetime import date

import lxml.html
import pytest
from lxml import etree

from renderer import model as m
from renderer.check import epub_findings, run_epubcheck

from conftest import FRONT, assert_refused, make_article, run_cli


# ---------------------------------------------------------------- the walk itself
def _p(text):
    return m.Paragraph((m.Text(text),))


def test_walk_yields_every_block_at_any_depth_in_document_order():
    """A hand-built model with every container kind (quote, list, list item, notice) inside
    others, and a table (whose cells hold inlines, not blocks)."""
    title = m.Heading(2, (m.Text("Title"),))
    deep = _p("deep")
    inner_quote = m.BlockQuote((deep,))
    quoted = _p("quoted")
    quote = m.BlockQuote((quoted, inner_quote))
    first = _p("first item")
    sub_item_text = _p("sub item")
    sub_item = m.ListItem((sub_item_text,))
    sub_list = m.List(True, (sub_item,))
    item_one = m.ListItem((first, sub_list))
    listed_figure = m.Figure("images/a.jpg", "A boat.")
    item_two = m.ListItem((listed_figure,))
    bullets = m.List(False, (item_one, item_two))
    notice_heading = m.Heading(3, (m.Text("In a notice"),))
    cell = m.TableCell((m.Text("cell"),))
    table = m.Table(((cell,),), ((cell,),))
    quote_in_notice_text = _p("quoted in a notice")
    quote_in_notice = m.BlockQuote((quote_in_notice_text,))
    notice = m.Notice("Note", (notice_heading, table, quote_in_notice))
    rule = m.ThematicBreak()
    last = m.Figure("images/b.jpg", "A river.")
    blocks = (title, quote, bullets, notice, rule, last)

    walked = list(m.walk(blocks))

    expected = [title, quote, quoted, inner_quote, deep,
                bullets, item_one, first, sub_list, sub_item, sub_item_text,
                item_two, listed_figure,
                notice, notice_heading, table, quote_in_notice, quote_in_notice_text,
                rule, last]
    assert len(walked) == len(expected) == 20
    for got, want in zip(walked, expected):
        assert got is want, (got, want)
    doc = m.Document(m.Metadata("T", "en", date(2020, 1, 3), "P", "R"), blocks)
    assert doc.figures[0] is listed_figure and doc.figures[1] is last and len(doc.figures) == 2


def test_walk_of_nothing_and_of_leaves():
    assert list(m.walk(())) == []
    leaf = _p("alone")
    assert [b is leaf for b in m.walk((leaf,))] == [True]
    empty_list = m.List(False, ())
    assert [b is empty_list for b in m.walk((empty_list,))] == [True]


# ---------------------------------------------------------------- bug: nested duplicates
FIGURE = "```figure\nsrc: images/photo.jpg\nalt: A boat on a river.\n{key}: {value}\n```\n"


def _quoted(block: str) -> str:
    return "".join("> " + line + "\n" for line in block.splitlines())


def _listed(block: str) -> str:
    first, *rest = block.splitlines()
    return "- " + first + "\n" + "".join("  " + line + "\n" for line in rest)


def _in_notice(block: str) -> str:
    return "~~~notice Note\n" + block + "~~~\n"


# Line 9 is the first line after FRONT; the second figure's fence is on line 15, or 16 when
# it is the first line of a notice's body.
@pytest.mark.parametrize("wrap, line", [
    (_listed, 15),
    (_quoted, 15),
    (_in_notice, 16),
    (lambda block: _listed(_quoted(block)), 15),
], ids=["list-item", "block-quote", "notice", "quote-in-list"])
@pytest.mark.parametrize("key, words", [
    ("identifier", ("figure identifier 'X-1'", "also used on line 9", "unique")),
    ("id", ("figure id 'X-1'", "also used on line 9", "its own id")),
])
def test_nested_duplicate_figure_identifier_is_refused(tmp_path, wrap, line, key, words):
    figure = FIGURE.format(key=key, value="X-1")
    article = make_article(tmp_path / "art", FRONT + figure + "\n" + wrap(figure))
    assert_refused(article, tmp_path / "dist", line, *words)


def test_duplicate_between_two_nested_figures_is_refused(tmp_path):
    figure = FIGURE.format(key="identifier", value="X-1")
    article = make_article(tmp_path / "art", FRONT + _quoted(figure) + "\n" + _listed(figure))
    assert_refused(article, tmp_path / "dist", 15, "figure identifier 'X-1'", "also used on line 9")


# ---------------------------------------------------------------- bug: nested heading ids
NESTED_HEADINGS = (
    "> ## Quoted heading\n>\n> Text.\n\n"
    "## Quoted heading\n\nText.\n\n"
    "> ##\n\n"
    "- ## Listed heading\n\n"
    "~~~notice Note\n## In a notice\n~~~\n\n"
    "> > ### Deeper\n\n"
    "See [the quote](#quoted-heading) and [the deeper one](#deeper).\n"
)


def _render(tmp_path, text, formats="html,epub"):
    article = make_article(tmp_path / "art", FRONT + text)
    result = run_cli("render", article, "--out", tmp_path / "dist", "--format", formats,
                     check=False)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "dist" / "art"
    page = lxml.html.parse(str(folder / "art.html")).getroot()
    with zipfile.ZipFile(folder / "art.epub") as book:
        chapter = etree.fromstring(book.read("EPUB/article.xhtml"))
    return page, chapter, folder / "art.epub", result.stderr


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ids(root) -> list[str]:
    return [e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id") is not None]


def test_heading_inside_a_quote_list_or_notice_gets_a_unique_id(tmp_path):
    page, chapter, epub, stderr = _render(tmp_path, NESTED_HEADINGS)
    for root in (page, chapter):
        headings = [(_local(e.tag), e.get("id"), "".join(e.itertext())) for e in root.iter()
                    if isinstance(e.tag, str) and re.fullmatch(r"h[2-6]", _local(e.tag))
                    and e.get("id") != "about-this-copy"]  # the colophon's own heading
        assert headings == [("h2", "sec-quoted-heading", "Quoted heading"),
                            ("h2", "sec-quoted-heading-2", "Quoted heading"),
                            ("h2", "sec-section", ""),
                            ("h2", "sec-listed-heading", "Listed heading"),
                            ("h2", "sec-in-a-notice", "In a notice"),
                            ("h3", "sec-deeper", "Deeper")]
        ids = _ids(root)
        assert "" not in ids and len(ids) == len(set(ids)), ids
        hrefs = [a.get("href") for a in root.iter() if isinstance(a.tag, str) and a.get("href")]
        assert "#sec-quoted-heading" in hrefs and "#sec-deeper" in hrefs
    assert "link-unresolvable" not in stderr, stderr
    assert epub_findings(run_epubcheck(epub)) == []  # no RSC-005 (empty or duplicate id)


# ---------------------------------------------------------------- bug: nested notice ids
def test_link_to_a_notice_inside_a_quote_or_list_is_kept(tmp_path):
    """The writers number every notice (notice-1, notice-2, …), nested ones too; the reader
    counted only top-level ones, so a link to a nested notice was dropped as unresolvable."""
    text = ("See [the note](#notice-1), [the quoted note](#notice-2) and "
            "[the listed note](#notice-3).\n\n"
            "~~~notice Note\nA.\n~~~\n\n"
            "> ~~~notice Aside\n> B.\n> ~~~\n\n"
            "- ~~~notice Listed\n  C.\n  ~~~\n")
    page, chapter, _, stderr = _render(tmp_path, text, "html,epub")
    assert "link-unresolvable" not in stderr, stderr
    for root in (page, chapter):
        hrefs = [a.get("href") for a in root.iter() if isinstance(a.tag, str) and a.get("href")]
        labels = {e.get("id"): "".join(e.itertext()) for e in root.iter()
                  if isinstance(e.tag, str) and (e.get("id") or "").startswith("notice-")}
        assert labels == {"notice-1": "Note", "notice-2": "Aside", "notice-3": "Listed"}
        assert [h for h in hrefs if h.startswith("#notice-")] == ["#notice-1", "#notice-2",
                                                                   "#notice-3"]

"""What a screen reader meets: the three outputs of one article agree, and agree with the model."""
from __future__ import annotations

import difflib
import re

import pikepdf
import pytest

from renderer import model as m
from renderer.reader import read_article
from renderer.transcript import Item, comparable, transcript

from conftest import CORPUS, ROOT, SEED_ARTICLE, epub_member, epub_with, struct_elements

ARTICLES = [SEED_ARTICLE] + sorted(p for p in (CORPUS / "good").glob("*") if p.is_dir())


def transcripts(dist, article):
    folder = dist / article.name
    return {fmt: transcript(folder / f"{article.name}.{fmt}") for fmt in ("html", "pdf", "epub")}


def disagreement(expected: list[Item], got: list[Item]) -> list[str]:
    """Where two transcripts of one article differ, once format-specific items are set
    aside: the lines of a diff (at most 12), none if they agree."""
    diff = difflib.unified_diff([str(i) for i in comparable(expected)],
                                [str(i) for i in comparable(got)], lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")][:12]


def unlabelled(items: list[Item]) -> list[Item]:
    """Figures a reader meets with nothing to read: an <img> without alt, a /Figure without
    /Alt or with an empty one (a decorative image, alt="" or an artifact, is not met)."""
    return [i for i in items if i.role == "figure" and not i.text]


def expected_from_model(doc: m.Document) -> list[Item]:
    """What the model says a reader must meet, in order (the writers add labels around it)."""
    out = [Item("heading 1", doc.metadata.title)]

    def inline(nodes):
        parts = []
        for node in nodes:
            if isinstance(node, m.Quotation):
                parts.append("“" + inline(node.children) + "”")
            elif isinstance(node, m.LineBreak):
                parts.append(" ")
            elif isinstance(node, (m.Text, m.Code)):
                parts.append(node.text)
            else:
                parts.append(inline(node.children))
        return "".join(parts)

    def blocks(nodes, role="paragraph"):
        for block in nodes:
            if isinstance(block, m.Heading):
                out.append(Item(f"heading {block.level}", inline(block.children)))
            elif isinstance(block, m.Paragraph):
                out.append(Item(role, inline(block.children)))
            elif isinstance(block, m.BlockQuote):
                blocks(block.children, "quote")
            elif isinstance(block, m.Notice):
                out.append(Item("paragraph", block.label))
                blocks(block.children)
            elif isinstance(block, m.List):
                for item in block.items:
                    first, *rest = item.children
                    out.append(Item("item" if not rest else "paragraph", inline(first.children)))
                    blocks(rest)
            elif isinstance(block, m.Table):
                if block.caption:
                    out.append(Item("table caption", inline(block.caption)))
                for row in block.head:
                    out.extend(Item("header cell", inline(c.children)) for c in row)
                for row in block.body:
                    out.extend(Item("cell", inline(c.children)) for c in row)
            elif isinstance(block, m.Figure) and not block.decorative:
                if not block.preserved:  # the frame standing where the image was
                    out.append(Item("paragraph", m.NOT_PRESERVED_LABEL))
                    out.append(Item("paragraph", f"Reason: {block.missing}"))
                out.append(Item(role_of(block), block.alt))
                for text in (block.title, block.caption):
                    if text:
                        out.append(Item("caption", text))
                if block.credit:
                    out.append(Item("caption", f"{block.credit_label}: {block.credit}"))
                if block.identifier:
                    out.append(Item("caption", f"{block.identifier_label}: {block.identifier}"))
                if block.description:
                    out.append(Item("paragraph", block.description))
    blocks(doc.blocks)
    return out


def role_of(figure: m.Figure) -> str:
    return "figure" if figure.preserved else m.NOT_PRESERVED_ROLE


def is_subsequence(needles, haystack) -> bool:
    position = 0
    for item in haystack:
        if position < len(needles) and item == needles[position]:
            position += 1
    return position == len(needles)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name)
def test_html_pdf_and_epub_transcripts_agree(dist, article):
    found = transcripts(dist, article)
    assert not disagreement(found["html"], found["pdf"])
    assert not disagreement(found["html"], found["epub"])


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name)
def test_agreement_check_sees_weasyprint_s_unrepaired_pdf(tmp_path, dist, article):
    """The same page laid out by WeasyPrint alone, with its own tags and none of our repairs,
    reads differently (a photo's alt as a paragraph, Arabic backwards, paragraphs cut at page
    breaks, a decorative image announced): the agreement check must say so."""
    import weasyprint
    page = dist / article.name / f"{article.name}.html"
    sheets = [weasyprint.CSS(filename=str(ROOT / "styles" / n)) for n in ("base.css", "print.css")]
    raw = tmp_path / "unrepaired.pdf"
    weasyprint.HTML(filename=str(page)).write_pdf(raw, stylesheets=sheets, pdf_variant="pdf/a-3a")
    expected = transcript(page)
    assert disagreement(expected, transcript(raw)), "the unrepaired PDF reads like the page"
    assert not disagreement(expected, transcript(page.with_suffix(".pdf")))
    if article.name == "everything":  # WeasyPrint tags the alt="" image as a /Figure
        assert unlabelled(transcript(raw)) and not unlabelled(transcript(page.with_suffix(".pdf")))


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name)
def test_transcripts_carry_the_model_in_order(dist, article):
    expected = expected_from_model(read_article(article))
    for fmt, items in transcripts(dist, article).items():
        got = comparable(items)
        missing = [e for e in expected if e not in got]
        assert not missing, (fmt, missing[:3])
        assert is_subsequence(expected, got), fmt


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name)
def test_each_alt_once_then_its_caption_and_never_repeated(dist, article):
    doc = read_article(article)
    for fmt, items in transcripts(dist, article).items():
        got = comparable(items)
        figures = [i for i in got if i.role in ("figure", m.NOT_PRESERVED_ROLE)]
        informative = [f for f in doc.figures if not f.decorative]
        assert figures == [Item(role_of(f), f.alt) for f in informative], fmt
        for figure in informative:
            index = got.index(Item(role_of(figure), figure.alt))
            if figure.title:
                assert got[index + 1] == Item("caption", figure.title), fmt
            assert not any(figure.alt in i.text for i in got if i.role != role_of(figure)), fmt


def test_decorative_image_is_not_announced(dist):
    """The divider (decorative) is in every output but met in none, and every image a reader
    does meet has its text: alt="" in the page and the book, drawn outside the PDF's tree."""
    folder = dist / "everything"
    page = (folder / "everything.html").read_text(encoding="utf-8")
    chapter = epub_member(folder / "everything.epub", "EPUB/article.xhtml").decode()
    assert re.search(r'<img src="images/divider.png" alt=""', page)
    assert re.search(r'<img src="images/divider.png" alt=""', chapter)
    pdf = pikepdf.open(folder / "everything.pdf")
    drawn = {x.objgen for p in pdf.pages for x in p.Resources.get("/XObject", {}).values()
             if x.get("/Subtype") == "/Image"}
    assert len(drawn) == 2  # the river and the divider
    for fmt, items in transcripts(dist, CORPUS / "good" / "everything").items():
        assert [i.text for i in items if i.role == "figure"] == \
            ["A wide river bends between low green hills under a pale sky."], fmt
        assert not unlabelled(items), fmt


@pytest.mark.parametrize("breaking", ["html no alt", "epub no alt", "pdf no Alt", "pdf empty Alt"])
def test_an_image_without_text_is_reported(tmp_path, dist, breaking):
    """Take the river's text away in one output and the check finds a figure with nothing
    to read, where a screen reader would say "image" or its file name."""
    folder = dist / "everything"
    alt = ' alt="A wide river bends between low green hills under a pale sky."'
    if breaking == "html no alt":
        broken = tmp_path / "everything.html"
        page = (folder / "everything.html").read_text(encoding="utf-8")
        broken.write_text(page.replace(alt, ""), encoding="utf-8")
    elif breaking == "epub no alt":
        chapter = epub_member(folder / "everything.epub", "EPUB/article.xhtml").decode()
        broken = epub_with(folder / "everything.epub", tmp_path / "everything.epub",
                           {"EPUB/article.xhtml": chapter.replace(alt, "").encode()})
    else:
        pdf = pikepdf.open(folder / "everything.pdf")
        figure = next(e for e in struct_elements(pdf) if e.get("/S") == "/Figure")
        if breaking == "pdf no Alt":
            del figure["/Alt"]
        else:
            figure.Alt = pikepdf.String("")
        broken = tmp_path / "everything.pdf"
        pdf.save(broken)
    assert unlabelled(transcript(broken)) == [Item("figure", "")]


def test_read_command_prints_the_transcript(seed):
    from conftest import run_cli
    result = run_cli("read", seed["pdf"])
    lines = result.stdout.splitlines()
    assert lines[0].startswith("[heading 1] Senior DOD Official")
    assert any(line.startswith("[figure not preserved] A Marine with combat gear") for line in lines)


def test_read_into_a_reader_that_leaves_early_ends_quietly(seed):
    """`renderer read X | head -1`: once head has its line, the rest has nowhere to go; the
    command stops with the shell's status for SIGPIPE, saying nothing (not an internal error).
    The reading end is closed before the command can have written anything (it takes a
    second to read the PDF), so its first write finds the reader gone."""
    import subprocess
    import sys
    read = subprocess.Popen([sys.executable, "-m", "renderer", "read", str(seed["pdf"])],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    read.stdout.close()
    try:
        stderr = read.stderr.read()
        status = read.wait(timeout=60)
    finally:
        read.kill()
    assert (status, stderr) == (141, b"")


def test_read_refuses_other_files(tmp_path):
    from conftest import run_cli
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    result = run_cli("read", other, check=False)
    assert result.returncode == 2 and result.stderr.startswith(f"{other}: not a PDF")

"""What a screen reader meets: the three outputs of one article agree, and agree with the model."""
from __future__ import annotations

import pytest

from renderer import model as m
from renderer.reader import read_article
from renderer.transcript import Item, comparable, transcript

from conftest import CORPUS, SEED_ARTICLE

ARTICLES = [SEED_ARTICLE] + sorted(p for p in (CORPUS / "good").glob("*") if p.is_dir())


def transcripts(dist, article):
    folder = dist / article.name
    return {fmt: transcript(folder / f"{article.name}.{fmt}") for fmt in ("html", "pdf", "epub")}


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
    found = {fmt: comparable(items) for fmt, items in transcripts(dist, article).items()}
    assert found["pdf"] == found["html"]
    assert found["epub"] == found["html"]


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
    for fmt, items in transcripts(dist, CORPUS / "good" / "everything").items():
        assert all(i.text for i in items if i.role == "figure"), fmt


def test_read_command_prints_the_transcript(seed):
    from conftest import run_cli
    result = run_cli("read", seed["pdf"])
    lines = result.stdout.splitlines()
    assert lines[0].startswith("[heading 1] Senior DOD Official")
    assert any(line.startswith("[figure not preserved] A Marine with combat gear") for line in lines)


def test_read_refuses_other_files(tmp_path):
    from conftest import run_cli
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    result = run_cli("read", other, check=False)
    assert result.returncode == 2 and result.stderr.startswith(f"{other}: not a PDF")

"""The default article reaches all three outputs intact: every photo fact, character for character.

Expected values come from the seed capture itself (../shared/seed), not from our own output.
"""
from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import lxml.html
import pikepdf
import pytest
from lxml import etree

from renderer import model as m
from renderer.reader import read_article

from conftest import ROOT, SEED_ARTICLE, SEED_TEXT, epub_member, struct_elements

CHROME = ("An official website", "Here's how you know", "Official websites use .gov",
          ".gov website belongs", "Secure .gov websites", "A lock (", "Related Stories")


def seed_lines() -> list[str]:
    lines = [line.strip() for line in SEED_TEXT.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith(CHROME)]


def seed_photos() -> list[dict]:
    """Each photo in the capture is five lines: alt, title, caption, 'Photo By: …', 'VIRIN: …'."""
    lines = seed_lines()
    photos = []
    for i, line in enumerate(lines):
        if line.startswith("VIRIN: "):
            alt, title, caption, credit = lines[i - 4:i]
            assert credit.startswith("Photo By: ")
            photos.append(dict(alt=alt, title=title, caption=caption, credit=credit, virin=line))
    return photos


PHOTOS = seed_photos()


def test_seed_has_two_photos():
    assert len(PHOTOS) == 2


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_every_seed_line_is_transcribed():
    doc = read_article(SEED_ARTICLE)
    parts = [doc.metadata.title]
    for block in doc.blocks:
        if isinstance(block, m.Paragraph):
            parts.append(m.plain_text(block.children))
        elif isinstance(block, m.Notice):
            parts += [m.plain_text(p.children) for p in block.children]
        elif isinstance(block, m.Figure):
            parts += [block.alt, block.title, block.caption,
                      f"{block.credit_label}: {block.credit}",
                      f"{block.identifier_label}: {block.identifier}"]
    transcribed = [_norm(p) for p in parts]
    assert transcribed == [_norm(line) for line in seed_lines()]


def test_chrome_is_left_out(seed):
    text = lxml.html.parse(str(seed["html"])).getroot().text_content()
    for chrome in CHROME:
        assert chrome not in text


@pytest.mark.parametrize("photo", PHOTOS, ids=lambda p: p["title"])
def test_alt_text_identical_in_html_epub_and_pdf(seed, photo):
    """The photos were not captured: each alt text is shown as text, in the frame that stands
    where the photo was, and read as such in every output."""
    from renderer.transcript import Item, transcript
    html_alts = lxml.html.parse(str(seed["html"])).xpath("//p[@class='figure-alt']/text()")
    xhtml = etree.fromstring(epub_member(seed["epub"], "EPUB/article.xhtml"))
    epub_alts = xhtml.xpath("//x:p[@class='figure-alt']/text()",
                            namespaces={"x": "http://www.w3.org/1999/xhtml"})
    assert photo["alt"] in html_alts
    assert photo["alt"] in epub_alts
    for fmt in ("html", "epub", "pdf"):
        assert Item(m.NOT_PRESERVED_ROLE, photo["alt"]) in transcript(seed[fmt]), fmt


@pytest.mark.parametrize("photo", PHOTOS, ids=lambda p: p["title"])
def test_title_caption_credit_virin_in_all_three(seed, photo):
    html_text = _norm(lxml.html.parse(str(seed["html"])).getroot().text_content())
    xhtml = etree.fromstring(epub_member(seed["epub"], "EPUB/article.xhtml"))
    epub_text = _norm("".join(xhtml.itertext()))
    pdf_text = _norm(subprocess.run(["pdftotext", str(seed["pdf"]), "-"], capture_output=True,
                                    text=True, check=True).stdout)
    for key in ("title", "caption", "credit", "virin"):
        assert photo[key] in html_text
        assert photo[key] in epub_text
        assert photo[key] in pdf_text


def test_caption_parts_are_separate_labelled_elements(seed):
    root = lxml.html.parse(str(seed["html"])).getroot()
    figures = root.xpath("//figure")
    assert len(figures) == len(PHOTOS)
    for figure, photo in zip(figures, PHOTOS):
        assert not figure.xpath(".//img")  # no invented picture
        img, = figure.xpath(".//p[@class='figure-alt']")
        assert img.text == photo["alt"]
        assert "not-preserved" in figure.get("class").split()
        caption, = figure.xpath("./figcaption")
        assert caption.xpath("string(.//*[@class='figure-title'])") == photo["title"]
        assert caption.xpath("string(.//*[@class='figure-caption'])") == photo["caption"]
        assert _norm(caption.xpath("string(.//*[@class='figure-credit'])")) == photo["credit"]
        assert _norm(caption.xpath("string(.//*[@class='figure-identifier'])")) == photo["virin"]
        assert [t.strip() for t in caption.xpath(".//*[@class='figure-identifier']/*[@class='label']/text()")] == ["VIRIN:"]
        assert img.text != _norm(caption.text_content())
        assert img.text not in caption.text_content()


def test_no_invented_picture_reaches_any_output(seed):
    """The photos were never captured: no image, drawn or otherwise, is in any output."""
    assert not (SEED_ARTICLE / "images").exists()
    assert not lxml.html.parse(str(seed["html"])).xpath("//img")
    assert not [p for p in seed["html"].parent.rglob("*") if p.suffix in (".jpg", ".png")]
    with zipfile.ZipFile(seed["epub"]) as book:
        assert not [n for n in book.namelist() if "images/" in n]
    pdf = pikepdf.open(seed["pdf"])
    assert not [e for e in struct_elements(pdf) if e.S == "/Figure"]


def test_images_are_copied_beside_the_page_not_inlined(dist):
    page = dist / "everything" / "everything.html"
    sources = lxml.html.parse(str(page)).getroot().xpath("//img/@src")
    assert len(sources) == 2
    for src in sources:
        assert not src.startswith("data:")
        assert (page.parent / src).is_file()


def fonts_not_embedded(pdf: Path) -> list[str]:
    """pdffonts' rows whose "emb" column is not "yes" (counted from the right: a font's name
    and type may hold spaces); a PDF that lists no font at all is reported too."""
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    return [row for row in rows if row.split()[-5] != "yes"] if rows else ["no fonts listed"]


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def text_layer_faults(pdf: Path, source: str, title: str) -> list[str]:
    """What pdftotext cannot read back as the source says it: the title missing (text it
    cannot extract, e.g. glyphs without a Unicode map), soft or typographic hyphens, and
    lines ending in a hyphen the source does not have (a word broken by hyphenation)."""
    text = pdf_text(pdf)
    faults = [] if title in _norm(text) else [f"the title is not in the text layer: {text[:80]!r}"]
    faults += [f"{name} in the text" for char, name in (("\u00ad", "soft hyphen U+00AD"),
                                                        ("\u2010", "hyphen U+2010")) if char in text]
    for line in text.splitlines():
        match = re.search(r"(\w+)-$", line.strip())
        if match and match.group(0) not in source:
            faults.append(f"broken word: {line.strip()!r}")
    return faults


def test_pdf_embeds_every_font(seed):
    assert fonts_not_embedded(seed["pdf"]) == []


def test_font_check_sees_a_font_not_embedded(tmp_path, seed):
    """Take the font program out of one font and pdffonts' "emb" column says so."""
    pdf = pikepdf.open(seed["pdf"])
    name, font = next(iter(pdf.pages[0].Resources.Font.items()))
    del font.DescendantFonts[0].FontDescriptor["/FontFile2"]
    pdf.save(tmp_path / "broken.pdf")
    missing = fonts_not_embedded(tmp_path / "broken.pdf")
    assert len(missing) == 1 and missing[0].startswith(name[1:] + "+"), missing


def test_pdf_text_has_no_hyphenation_artefacts(seed):
    source = SEED_ARTICLE.joinpath("article.md").read_text(encoding="utf-8")
    assert text_layer_faults(seed["pdf"], source, read_article(SEED_ARTICLE).metadata.title) == []


def test_text_check_sees_text_pdftotext_cannot_read(tmp_path, seed):
    """Without their Unicode maps the glyphs no longer read as the title's letters."""
    pdf = pikepdf.open(seed["pdf"])
    for font in pdf.pages[0].Resources.Font.values():
        del font["/ToUnicode"]
    pdf.save(tmp_path / "broken.pdf")
    source = SEED_ARTICLE.joinpath("article.md").read_text(encoding="utf-8")
    faults = text_layer_faults(tmp_path / "broken.pdf", source, read_article(SEED_ARTICLE).metadata.title)
    assert faults and faults[0].startswith("the title is not in the text layer"), faults


def test_text_check_sees_hyphenation(tmp_path, seed):
    """The seed's own page laid out by WeasyPrint with `hyphens: auto` (what print.css turns
    off): words broken at line ends, which the check must report."""
    import weasyprint
    sheets = [weasyprint.CSS(filename=str(ROOT / "styles" / n)) for n in ("base.css", "print.css")]
    sheets.append(weasyprint.CSS(string="p { hyphens: auto; text-align: justify }"))
    weasyprint.HTML(filename=str(seed["html"])).write_pdf(tmp_path / "hyphenated.pdf",
                                                          stylesheets=sheets)
    source = SEED_ARTICLE.joinpath("article.md").read_text(encoding="utf-8")
    faults = text_layer_faults(tmp_path / "hyphenated.pdf", source,
                               read_article(SEED_ARTICLE).metadata.title)
    assert any(f.startswith(("broken word", "hyphen U+2010")) for f in faults), faults


def test_epub_is_byte_identical_on_rebuild(tmp_path):
    from conftest import run_cli
    for name in ("a", "b"):
        run_cli("render", SEED_ARTICLE, "--out", tmp_path / name, "--format", "epub,pdf,html")
    for fmt in ("epub", "pdf", "html"):
        a = (tmp_path / "a" / SEED_ARTICLE.name / f"{SEED_ARTICLE.name}.{fmt}").read_bytes()
        b = (tmp_path / "b" / SEED_ARTICLE.name / f"{SEED_ARTICLE.name}.{fmt}").read_bytes()
        assert a == b, fmt
    with zipfile.ZipFile(tmp_path / "a" / SEED_ARTICLE.name / f"{SEED_ARTICLE.name}.epub") as book:
        assert {info.date_time for info in book.infolist()} == {(2020, 1, 3, 0, 0, 0)}

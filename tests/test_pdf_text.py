"""logical_order: glyphs as painted (visual order, left to right) back to reading order.

Each row gives the painted glyphs and the text a reader should get, worked out by hand from the
Unicode bidi algorithm (UAX #9), not by running the code: in a right-to-left paragraph the
first letter read is the rightmost painted; European digits keep their left-to-right order
inside a right-to-left run; a neutral between two strong runs of different directions takes
the paragraph's direction."""
from __future__ import annotations

import pytest

from renderer.pdf.text import logical_order

CASES = [
    # (name, painted glyphs, right-to-left paragraph?, reading order)
    ("ltr text", list("Hello, world."), False, "Hello, world."),
    ("pure arabic run reversed back", list("مالس"), False, "سلام"),
    ("arabic with european digits", list("2024 ماع"), True, "عام 2024"),
    ("hebrew with punctuation", list(".םלוע ,םולש"), True, "שלום, עולם."),
    ("ltr sentence with an arabic word", list("The word مالس means peace"), False,
     "The word سلام means peace"),
    ("rtl base with an english word", list("انه hello ةملك"), True, "كلمة hello هنا"),
    ("lam-alef ligature is one glyph of two letters", ["م", "لا", "س"], False, "سلام"),
    ("leading line-break marker stays in front", ["\n"] + list("مالس"), False, "\nسلام"),
]


@pytest.mark.parametrize("painted, rtl, reading", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_logical_order(painted, rtl, reading):
    assert logical_order(painted, rtl) == reading


@pytest.mark.parametrize("language, sentence", [
    ("th", "กระทรวงกลาโหมสหรัฐฯแถลงว่ากองทัพได้โจมตีฐานที่มั่นของกลุ่มติดอาวุธในภูมิภาคเมื่อคืนที่ผ่านมา"),
    ("ja", "国防総省は昨夜地域の武装集団の拠点を攻撃したと発表した"),
])
def test_no_space_is_added_where_a_line_of_unspaced_script_breaks(tmp_path, language, sentence):
    """Thai and Japanese put no spaces between words: where their lines break in the PDF
    (pdftotext shows several lines), the text a screen reader gets has no space added."""
    import subprocess

    from conftest import FRONT, make_article, run_main
    article = make_article(tmp_path / "unspaced", FRONT.replace("language: en", f"language: {language}")
                           + sentence * 4 + "\n", images=())
    run_main("render", article, "--out", tmp_path / "out")
    pdf = tmp_path / "out" / "unspaced" / "unspaced.pdf"
    lines = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert sum(1 for line in lines if line.strip()) > 5  # the paragraph runs over several lines
    read = run_main("read", pdf).stdout
    [paragraph] = [line for line in read.splitlines()
                   if line.startswith("[paragraph] " + sentence[:10])]
    assert " " not in paragraph.removeprefix("[paragraph] ")

"""Property-based: any content model renders to an EPUB that EPUBCheck accepts and a PDF whose
tagged text is the input text (right-to-left script, shaped scripts such as Devanagari and
Thai, combining marks, emoji, markup-like text…)."""
from __future__ import annotations

import tempfile
import unicodedata
from datetime import date, datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from renderer import model as m
from renderer.check import run_epubcheck
from renderer.epub import render_epub
from renderer.html import render_html
from renderer.pdf import render_pdf
from renderer.transcript import comparable, pdf_transcript

from conftest import ROOT

def _rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL", "AN") for c in text)


SAMPLES = ["(see: “quoted”, ‘single’; 50% — ok?)", "€20 & £5 ≤ ¥9", "مرحبا بالعالم", "שלום עולם", "e\u0301te\u0301", "Z\u0351\u0352a\u0353lgo",
           "😀 👍🏽", "<script>&amp;</script>", "]]> \" ' &", "Donaudampfschifffahrtsgesellschaftskapitän",
           "x" * 30, "naïve café", "1 < 2 && 3 > 2", "١٢٣ عربي 456"]
# Scripts the bundled Debian fonts cover (DejaVu, Noto Arabic/Hebrew, Noto Color Emoji). A word
# longer than a line is broken by `overflow-wrap` and gains a space in the PDF text: words are
# kept shorter than a line (README, "Known limits").
SCRIPTS = [(0x20, 0x7E), (0xA0, 0x17F), (0x370, 0x3FF), (0x400, 0x4FF),
           (0x5D0, 0x5EA), (0x620, 0x64A), (0x660, 0x669)]
EMOJI = st.text(st.characters(min_codepoint=0x1F600, max_codepoint=0x1F64F), min_size=1, max_size=4)
# A generated word is letters and digits of one script, as real words are; punctuation,
# symbols and markup-like characters come from the samples, between words. (Inside a run of
# punctuation a line may break with no space, and the PDF text cannot show whether one was
# there: README, "Known limits".)
script_words = [st.text(st.characters(min_codepoint=a, max_codepoint=b, categories=["L", "N"]),
                        min_size=1, max_size=30)
                for a, b in SCRIPTS]
# Combining marks follow a base letter (a mark alone has nothing to sit on).
marked = st.lists(st.tuples(st.characters(min_codepoint=0x61, max_codepoint=0x7A),
                            st.characters(min_codepoint=0x300, max_codepoint=0x36F,
                                          exclude_characters="\u034f")),  # CGJ: invisible
                  min_size=1, max_size=5).map(lambda pairs: "".join(a + b for a, b in pairs))
# Shaped scripts (issue 13 §4): syllables whose glyphs are reordered, split, joined into
# conjuncts or stacked, which WeasyPrint's own Unicode maps cannot say (pdf/unicode.py).
# Devanagari: a consonant, maybe a conjunct (virama + consonant), maybe a vowel sign (the
# pre-base ि among them) and an anusvara; Thai: a consonant, maybe an upper or lower vowel or
# SARA AM (one character, two glyphs), maybe a tone mark; and words of other Indic scripts,
# Khmer, Myanmar and Sinhala.
def _pick(low, high):
    return st.characters(min_codepoint=low, max_codepoint=high)


def _maybe(strategy):
    return st.one_of(st.just(""), strategy)


devanagari = st.lists(st.tuples(
    _pick(0x915, 0x939), _maybe(_pick(0x915, 0x939).map(lambda c: "\u094d" + c)),
    _maybe(_pick(0x93E, 0x94C)), _maybe(st.just("\u0902"))).map("".join),
    min_size=1, max_size=5).map("".join)
thai = st.lists(st.tuples(
    _pick(0xE01, 0xE2E), _maybe(st.sampled_from("\u0e31\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39")),
    _maybe(_pick(0xE48, 0xE4B))).map("".join), min_size=1, max_size=6).map("".join)
SHAPED_SAMPLES = ["सुरक्षा", "क्षेत्र", "प्रधानमंत्री", "กำลัง", "น้ำ", "বাংলা", "தமிழ்", "ਪੰਜਾਬੀ",
                  "ગુજરાતી", "తెలుగు", "ಕನ್ನಡ", "മലയാളം", "ភាសាខ្មែរ", "မြန်မာ", "සිංහල"]
shaped_words = st.one_of(st.sampled_from(SHAPED_SAMPLES), devanagari, thai)
LTR_SAMPLES = [s for s in SAMPLES if not _rtl(s)]
RTL_SAMPLES = [s for s in SAMPLES if _rtl(s) and not any(c.isascii() and c.isalpha() for c in s)]
ltr_words = st.one_of(st.sampled_from(LTR_SAMPLES), marked, EMOJI, *script_words[:4])
rtl_words = st.one_of(st.sampled_from(RTL_SAMPLES), *script_words[4:])
# A paragraph is left-to-right text, or right-to-left text with right-to-left samples: within
# one line of a PDF, mixed directions with digits and brackets cannot always be read back in
# order (README, "Known limits"); the "everything" corpus article covers the mixed case.
text = st.one_of(st.lists(ltr_words, min_size=1, max_size=6),
                 st.lists(rtl_words, min_size=1, max_size=6),
                 st.lists(st.one_of(shaped_words, ltr_words), min_size=1, max_size=6)) \
    .map(" ".join).map(lambda t: " ".join(t.split())).filter(lambda t: t.strip())
paragraph = text.map(lambda t: m.Paragraph((m.Text(t),)))
heading = text.map(lambda t: m.Heading(2, (m.Text(t[:80]),), id="h"))
blocks = st.lists(st.one_of(paragraph, paragraph, heading), min_size=1, max_size=6)


def assert_valid_epub(doc: m.Document, folder: Path):
    """The model's EPUB, written in `folder`, has no EPUBCheck error or fatal message."""
    book = folder / "generated.epub"
    book.write_bytes(render_epub(doc, {}, {"base.css": (ROOT / "styles/base.css").read_bytes()},
                                 datetime(2024, 1, 2, tzinfo=timezone.utc)))
    report = run_epubcheck(book)
    assert report["checker"]["nError"] == 0 and report["checker"]["nFatal"] == 0, \
        [msg["message"] for msg in report["messages"]]


def document(blocks_) -> m.Document:
    ids, out = 0, []
    for block in blocks_:
        if isinstance(block, m.Heading):
            ids += 1
            block = m.Heading(2, block.children, id=f"section-{ids}")
        out.append(block)
    meta = m.Metadata(title="Generated", language="en", published=date(2024, 1, 2),
                      publisher="Hypothesis", rights="CC0", identifier="urn:uuid:00000000-0000-4000-8000-000000000000")
    return m.Document(metadata=meta, blocks=tuple(out), source_sha256="0" * 64)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: CI time
@given(blocks)
def test_any_model_gives_a_valid_epub_and_a_pdf_that_reads_as_written(blocks_):
    doc = document(blocks_)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        assert_valid_epub(doc, folder)
        pdf = render_pdf(render_html(doc, skip_link=False), folder,
                         [ROOT / "styles/base.css", ROOT / "styles/print.css"])
    items = pdf_transcript(pdf)
    body = items[[i.role for i in items].index("landmark") + 1:]  # after the byline, in <main>
    wanted = [unicodedata.normalize("NFC", " ".join(m.plain_text(b.children).split()))
              for b in doc.blocks]
    got = [i.text for i in comparable(body) if i.role in ("paragraph", "heading 2")]
    assert got[:len(wanted)] == wanted


# Markdown through the reader: headings inside quotes and list items, nested quotes, lists
# inside quotes, empty headings, reference-style, relative and fragment links, with and
# without `source`. Words are plain letters, so Markdown syntax comes only from the strategy.
md_words = st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7A), min_size=1, max_size=8)
md_text = st.lists(md_words, min_size=1, max_size=4).map(" ".join)
md_link = st.tuples(md_words, st.sampled_from(
    ["(/url)", "(foo%20bä)", "(../up.html)", "[ref]", "", "(#nope)", "(#{slug})",
     "(https://example.org/x)", "(<https://../>)"])).map(lambda p: f"[{p[0]}]{p[1]}")
md_paragraph = st.lists(st.one_of(md_text, md_link), min_size=1, max_size=4).map(" ".join)
md_heading = st.one_of(md_text, st.just("")).map(lambda t: ("## " + t).rstrip())


def _quote(block: str) -> str:
    return "\n".join(("> " + row).rstrip() for row in block.split("\n"))


def _item(block: str) -> str:
    first, *rest = block.split("\n")
    return "\n".join(["- " + first] + [("  " + row).rstrip() for row in rest])


md_block = st.recursive(st.one_of(md_paragraph, md_heading),
                        lambda inner: st.one_of(inner.map(_quote), inner.map(_item)), max_leaves=4)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: CI time
@given(st.lists(md_block, min_size=1, max_size=5), st.booleans())
def test_any_markdown_with_links_and_nested_headings_gives_a_valid_epub(blocks_, with_source):
    from renderer.reader import parse_article
    front = ("---\ntitle: Generated\nlanguage: en\npublished: 2024-01-02\npublisher: H\n"
             "rights: CC0\n" + ("source: https://example.org/a/b.html\n" if with_source else "")
             + "---\n\n")
    body = "\n\n".join(blocks_).replace("{slug}", "sec-x") + "\n\n[ref]: ../other.html\n"
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        doc = parse_article(front + body, folder / "article.md")
        assert_valid_epub(doc, folder)
    links = []
    from renderer.reader import _map_links
    _map_links(doc.blocks, lambda link: links.append(link.href) or link)
    assert all(h.startswith("https://example.org/") or h.startswith("#sec-") for h in links), links

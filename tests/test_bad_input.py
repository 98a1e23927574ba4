"""The bad-input catalog: every case exits 2 with one line `path:line: what; how`, writes nothing.

One test per case. Each case builds a small article folder, runs the CLI's `main(argv)` in this
process (conftest.run_main, which test_errors checks against the real command) and checks the
message, the place it names and that `dist/` stays empty.
"""
from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import FRONT, PHOTO, SEED_ARTICLE, assert_refused, make_article, run_main

FIG = "```figure\nsrc: images/photo.jpg\nalt: Boats on a river.\n"  # fence on line 9 after FRONT


def article_with(tmp_path, text, **kwargs):
    return make_article(tmp_path / "article", text, **kwargs)


def refused(tmp_path, text, line, *words, **kwargs):
    return assert_refused(article_with(tmp_path, text, **kwargs), tmp_path / "dist", line, *words)


# ---------------------------------------------------------------- the file itself
def test_empty_file(tmp_path):
    refused(tmp_path, "", 1, "empty")


def test_no_front_matter(tmp_path):
    refused(tmp_path, "Just text.\n", 1, "no front matter")


def test_unclosed_front_matter(tmp_path):
    refused(tmp_path, "---\ntitle: T\nlanguage: en\n\nText.\n", 1, "not closed")


def test_not_utf8(tmp_path):
    article = article_with(tmp_path, "x")
    (article / "article.md").write_bytes(FRONT.encode() + "Caf\xe9 au lait.\n".encode("latin-1"))
    assert_refused(article, tmp_path / "dist", 9, "not UTF-8", "UTF-8")


def test_folder_without_article(tmp_path):
    folder = tmp_path / "empty-folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("x")
    result = run_main("render", folder, "--out", tmp_path / "dist", check=False)
    assert result.returncode == 2 and "article.md" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- front matter
def test_malformed_yaml(tmp_path):
    refused(tmp_path, "---\ntitle: A: B: C\nlanguage: en\n---\n\nText.\n", 2, "not valid YAML")


def test_front_matter_is_not_a_mapping(tmp_path):
    refused(tmp_path, "---\n- a\n- b\n---\n\nText.\n", 1, "key: value")


def test_missing_title(tmp_path):
    refused(tmp_path, FRONT.replace("title: A test article\n", ""), 1, "no 'title'")


def test_empty_title(tmp_path):
    refused(tmp_path, FRONT.replace("title: A test article", "title:"), 2, "no 'title'")


def test_title_is_a_list(tmp_path):
    refused(tmp_path, FRONT.replace("title: A test article", "title: [a, b]"), 2, "must be text")


def test_missing_language(tmp_path):
    refused(tmp_path, FRONT.replace("language: en\n", ""), 1, "no 'language'", "BCP 47")


def test_invalid_language_tag(tmp_path):
    refused(tmp_path, FRONT.replace("language: en", "language: english!"), 3, "not a BCP 47")


def test_invalid_date(tmp_path):
    refused(tmp_path, FRONT.replace("published: 2020-01-03", "published: last Tuesday"), 4,
            "not a date", "YYYY-MM-DD")


def test_unknown_front_matter_key_suggests_nearest(tmp_path):
    refused(tmp_path, FRONT.replace("rights:", "titel: x\nrights:"), 6, "unknown", "'titel'",
            "did you mean 'title'")


# ---------------------------------------------------------------- figures
def test_figure_without_alt(tmp_path):
    refused(tmp_path, FRONT + "```figure\nsrc: images/photo.jpg\n```\n", 9, "no alt text")


def test_figure_without_src(tmp_path):
    refused(tmp_path, FRONT + "```figure\nalt: Boats.\n```\n", 9, "no 'src'")


def test_unknown_figure_key_suggests_nearest(tmp_path):
    refused(tmp_path, FRONT + FIG + "captoin: Boats at dawn.\n```\n", 12, "unknown figure field",
            "did you mean 'caption'")


def test_figure_yaml_is_malformed(tmp_path):
    refused(tmp_path, FRONT + FIG + "title: [unclosed\n```\n", 13, "not valid YAML")


def test_decorative_is_not_a_boolean(tmp_path):
    refused(tmp_path, FRONT + FIG + "decorative: maybe\n```\n", 12, "true or false")


def test_decorative_image_with_alt(tmp_path):
    refused(tmp_path, FRONT + FIG + "decorative: true\n```\n", 11, "decorative but has alt")


def test_duplicate_figure_identifiers(tmp_path):
    text = FRONT + FIG + "identifier: X-1\n```\n\n" + FIG + "identifier: X-1\n```\n"
    refused(tmp_path, text, 15, "identifier 'X-1'", "unique")


def test_inline_markdown_image(tmp_path):
    refused(tmp_path, FRONT + "See ![a boat](images/photo.jpg) here.\n", 9, "figure block")


def test_markdown_image_alone_without_alt(tmp_path):
    refused(tmp_path, FRONT + "Text.\n\n![](images/photo.jpg)\n", 11, "no alt text", "between the brackets")


def test_markdown_image_alone_with_a_url(tmp_path):
    refused(tmp_path, FRONT + "![Boats.](https://example.org/boats.jpg)\n", 9, "is a URL", "never fetches")


# ---------------------------------------------------------------- what import leaves for a person
def test_todo_in_front_matter(tmp_path):
    text = FRONT.replace("rights: Public domain\n", "todo: set 'rights' (the page gave no licence)\n")
    message = refused(tmp_path, text, 6, "needs a person: set 'rights' (the page gave no licence)",
                      "then delete the 'todo' line")
    assert "no 'rights'" not in message  # the note is what a person must act on


def test_todo_list_in_a_figure(tmp_path):
    text = FRONT + ("```figure\nsrc: images/photo.jpg\ntodo:\n  - write the alt text for "
                    "https://example.org/p.jpg (the page gave none)\n  - check the credit\n```\n")
    refused(tmp_path, text, 11, "needs a person: write the alt text for https://example.org/p.jpg "
            "(the page gave none); check the credit; do these, then delete the 'todo' line")


def test_todo_that_is_empty(tmp_path):
    refused(tmp_path, FRONT + FIG + "todo:\n```\n", 12, "'todo' is empty")


# ---------------------------------------------------------------- figures not preserved
def test_figure_with_src_and_missing(tmp_path):
    refused(tmp_path, FRONT + FIG + "missing: not captured\n```\n", 12, "both 'src' and 'missing'")


def test_missing_without_a_reason(tmp_path):
    refused(tmp_path, FRONT + "```figure\nalt: Boats.\nmissing:\n```\n", 11, "'missing' is empty", "say why")


def test_not_preserved_figure_without_alt(tmp_path):
    refused(tmp_path, FRONT + "```figure\nmissing: not captured\n```\n", 9, "not preserved",
            "no alt text")


@pytest.mark.parametrize("url", ["images/photo.jpg", "ftp://example.org/p.jpg", "https://",
                                 "javascript:alert(1)"])
def test_original_that_is_not_an_http_url(tmp_path, url):
    refused(tmp_path, FRONT + FIG + f"original: '{url}'\n```\n", 12, "'original' is not an http")


# ---------------------------------------------------------------- capture provenance
@pytest.mark.parametrize("value, words", [
    ("last Tuesday", ("not a date and time", "2020-01-03T14:05:09Z")),
    ("2020-01-03", ("not a date and time",)),
    ("2020-01-03T14:05:09", ("no time zone", "UTC")),
], ids=["text", "date-only", "no-zone"])
def test_captured_that_is_not_a_utc_date_time(tmp_path, value, words):
    refused(tmp_path, FRONT.replace("---\n\n", f"captured: {value}\n---\n\n"), 7, *words)


@pytest.mark.parametrize("value", ["-5", "twelve", "1.5"])
def test_capture_offset_that_is_not_a_byte_offset(tmp_path, value):
    text = FRONT.replace("---\n\n", f"capture_file: a.warc.gz\ncapture_offset: {value}\n---\n\n")
    refused(tmp_path, text, 8, "capture_offset")


def test_capture_offset_without_a_file(tmp_path):
    refused(tmp_path, FRONT.replace("---\n\n", "capture_offset: 1234\n---\n\n"), 7, "no 'capture_file'")


# ---------------------------------------------------------------- image files
def test_image_file_missing(tmp_path):
    refused(tmp_path, FRONT + FIG + "```\n", 10, "not found", images=())


def test_file_that_is_not_an_image(tmp_path):
    article = article_with(tmp_path, FRONT + FIG + "```\n")
    (article / "images" / "photo.jpg").write_text("this is not a picture")
    assert_refused(article, tmp_path / "dist", 9, "not an image")


def test_truncated_jpeg(tmp_path):
    article = article_with(tmp_path, FRONT + FIG + "```\n")
    data = PHOTO.read_bytes()
    (article / "images" / "photo.jpg").write_bytes(data[: len(data) // 3])
    assert_refused(article, tmp_path / "dist", 9, "damaged or truncated")


def test_decompression_bomb(tmp_path):
    article = article_with(tmp_path, FRONT + FIG.replace("photo.jpg", "bomb.png") + "```\n", images=())
    (article / "images" / "bomb.png").write_bytes(_png_header_only(50_000, 50_000))
    assert_refused(article, tmp_path / "dist", 9, "too many pixels")


def test_image_with_the_wrong_extension(tmp_path):
    article = article_with(tmp_path, FRONT + FIG + "```\n")
    from PIL import Image
    Image.new("RGB", (10, 10)).save(article / "images" / "photo.jpg", "PNG")
    assert_refused(article, tmp_path / "dist", 9, "wrong extension")


def test_svg_is_refused(tmp_path):
    article = article_with(tmp_path, FRONT + FIG.replace("photo.jpg", "x.svg") + "```\n", images=())
    (article / "images" / "x.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
        '<image href="http://example.org/x.png"/></svg>')
    assert_refused(article, tmp_path / "dist", 9, "SVG", "scripts")


# ---------------------------------------------------------------- where src may point
@pytest.mark.parametrize("src, words", [
    ("/etc/passwd", ("outside the article folder",)),
    ("../../secret.jpg", ("outside the article folder",)),
    ("http://example.org/photo.jpg", ("is a URL", "never fetches")),
    ("file:///etc/passwd", ("is a URL",)),
    ("data:image/png;base64,iVBORw0KGgo=", ("is a URL",)),
    ("//example.org/photo.jpg", ("is a URL",)),
], ids=["absolute", "parent", "http", "file", "data", "protocol-relative"])
def test_src_outside_the_article(tmp_path, src, words):
    refused(tmp_path, FRONT + FIG.replace("images/photo.jpg", src) + "```\n", 10, *words)


def test_symlink_pointing_outside(tmp_path):
    secret = tmp_path / "outside.jpg"
    secret.write_bytes(PHOTO.read_bytes())
    article = article_with(tmp_path, FRONT + FIG.replace("photo.jpg", "link.jpg") + "```\n", images=())
    os.symlink(secret, article / "images" / "link.jpg")
    assert_refused(article, tmp_path / "dist", 10, "outside the article folder")


# ---------------------------------------------------------------- not errors, but handled
def test_raw_html_is_shown_as_text_never_run(tmp_path):
    article = article_with(tmp_path, FRONT + '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n')
    run_main("render", article, "--out", tmp_path / "dist")
    import zipfile
    page = (tmp_path / "dist" / "article" / "article.html").read_text()
    with zipfile.ZipFile(tmp_path / "dist" / "article" / "article.epub") as book:
        chapter = book.read("EPUB/article.xhtml").decode()
    import lxml.html
    from lxml import etree
    for root in (lxml.html.fromstring(page), etree.fromstring(chapter.encode())):
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        assert not [e for e in elements if e.tag.rsplit("}", 1)[-1] == "script"]
        assert not [k for e in elements for k in e.attrib if k.lower().startswith("on")]
        text = "".join(root.itertext())
        assert "<script>alert(1)</script>" in text and '<img src=x onerror="alert(2)">' in text


def test_heading_that_skips_a_level_is_fixed_and_reported(tmp_path):
    article = article_with(tmp_path, FRONT + "## Part\n\n#### Detail\n\nText.\n")
    result = run_main("render", article, "--out", tmp_path / "dist", "--format", "html")
    assert f"{article / 'article.md'}:11: warning heading-level:" in result.stderr
    import lxml.html
    page = lxml.html.parse(str(tmp_path / "dist" / "article" / "article.html")).getroot()
    assert [h.tag for h in page.iter("h1", "h2", "h3", "h4")][:3] == ["h1", "h2", "h3"]


def test_unknown_output_format(tmp_path):
    result = run_main("render", SEED_ARTICLE, "--out", tmp_path / "dist", "--format", "docx",
                     check=False)
    assert result.returncode == 2 and result.stderr.startswith("--format: unknown format 'docx'")


def test_bad_source_date_epoch(tmp_path):
    env = dict(os.environ, SOURCE_DATE_EPOCH="yesterday")
    result = run_main("render", SEED_ARTICLE, "--out", tmp_path / "dist", env=env, check=False)
    assert result.returncode == 2 and "SOURCE_DATE_EPOCH: 'yesterday' is not a number" in result.stderr


def test_two_thousand_paragraphs_render_in_bounded_memory(tmp_path):
    """The peak of this one render (its own process, read by wait4), not of every child the
    test session has run before it."""
    from conftest import peak_kb as _peak_kb
    body = "\n\n".join(f"Paragraph {n}: the archive keeps every word of this sentence." for n in range(2000))
    article = article_with(tmp_path, FRONT + body + "\n")
    result, peak_kb = _peak_kb("render", article, "--out", tmp_path / "dist")
    assert result.returncode == 0, result.stderr
    peak_mb = peak_kb / 1024
    assert 50 < peak_mb < 1500, f"peak {peak_mb:.0f} MB"
    assert (tmp_path / "dist" / "article" / "article.pdf").stat().st_size > 50_000


# ---------------------------------------------------------------- active content (issue 17)
# Only http, https (and, for body links, mailto) URLs are written, and links inside the article.
@pytest.mark.parametrize("source", [
    "javascript:alert(document.domain)",
    "'data:text/html,<script>alert(1)</script>'",
    "JaVaScRiPt:alert(1)",
    "file:///etc/passwd",
    "www.example.org/no-scheme",
], ids=["javascript", "data", "mixed-case", "file", "no-scheme"])
def test_source_that_is_not_a_web_address(tmp_path, source):
    refused(tmp_path, FRONT.replace("rights:", f"source: {source}\nrights:") + "Text.\n", 6,
            "'source'", "not an http or https address")


@pytest.mark.parametrize("link, scheme", [
    ("[a](javascript:alert(1))", "javascript"),
    ("[a](JaVaScRiPt:alert(1))", "javascript"),
    ("[a](jav&#x61;script:alert(1))", "javascript"),
    ("[a](&#106;avascript&colon;alert(1))", "javascript"),
    ("[a](<\tjavascript:alert(1)>)", "javascript"),
    ("[a](<java\tscript:alert(1)>)", "javascript"),
    ("[a](%01javascript:alert(1))", "javascript"),
    ("<javascript:alert(1)>", "javascript"),
    ("[a](vbscript:msgbox(1))", "vbscript"),
    ("[a](data:text/html,<script>alert(1)</script>)", "data"),
    ("[a](data:image/png;base64,iVBORw0KGgo=)", "data"),
    ("[a](file:///etc/passwd)", "file"),
    ("[a](ftp://example.org/x)", "ftp"),
    ("[a](tel:+15555550100)", "tel"),
], ids=["javascript", "mixed-case", "entity", "entity-colon", "leading-tab", "inner-tab",
        "leading-control", "autolink", "vbscript", "data-html", "data-image", "file", "ftp", "tel"])
def test_link_with_another_scheme(tmp_path, link, scheme):
    """markdown-it shows some of these as text and lets others through: all are refused."""
    refused(tmp_path, FRONT + "First paragraph.\n\nSee " + link + " here.\n", 11,
            f"'{scheme}:' scheme", "http, https and mailto")


def test_reference_link_with_another_scheme(tmp_path):
    refused(tmp_path, FRONT + "See [the page][1].\n\n[1]: javascript:alert(1)\n", 9,
            "'javascript:' scheme")


# ---------------------------------------------------------------- crashes that are refusals now
def test_impossible_date(tmp_path):
    refused(tmp_path, FRONT.replace("2020-01-03", "2020-02-30"), 4, "'2020-02-30'", "not a date")


@pytest.mark.parametrize("day", ["2200-01-01", "0999-12-31"])
def test_date_outside_what_the_outputs_can_record(tmp_path, day):
    refused(tmp_path, FRONT.replace("2020-01-03", day), 4, day, "1000-01-01..2107-12-31")


def test_source_date_epoch_after_2107(tmp_path):
    article = article_with(tmp_path, FRONT + "Text.\n")
    env = dict(os.environ, SOURCE_DATE_EPOCH="5000000000")
    result = run_main("render", article, "--out", tmp_path / "dist", env=env, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("SOURCE_DATE_EPOCH: '5000000000' is outside 0..4354819199")
    assert "2107-12-31" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("escape, code", [("\\x1b", "U+001B"), ("\\0", "U+0000"),
                                           ("\\ud800", "U+D800")], ids=["escape", "nul", "surrogate"])
def test_title_with_a_character_no_output_can_hold(tmp_path, escape, code):
    refused(tmp_path, FRONT.replace("A test article", f'"A {escape} title"'), 2, "'title'", code)


def test_raw_control_character_in_the_body(tmp_path):
    refused(tmp_path, FRONT + "First.\n\nA form\x0cfeed.\n", 11, "U+000C")


def test_character_reference_to_a_control_character(tmp_path):
    refused(tmp_path, FRONT + "First.\n\nA paragraph\nwith a form feed &#12; here.\n", 12, "U+000C")


def test_deeply_nested_yaml(tmp_path):
    refused(tmp_path, FRONT.replace("A test article", "[" * 30 + "]" * 30), 2,
            "nested more than 20 levels")
    # 5,000 deep (a RecursionError once) is now refused earlier, as one overlong word
    refused(tmp_path / "deeper", FRONT.replace("A test article", "[" * 5000 + "]" * 5000), 2,
            "over the limit")


def test_deeply_nested_notices(tmp_path):
    opening = "".join("`" * (303 - n) + "notice Note\n" for n in range(300))
    closing = "".join("`" * (4 + n) + "\n" for n in range(300))
    # the 9th notice (line 17) is one too deep
    refused(tmp_path, FRONT + opening + "Text.\n" + closing, 17, "nested too deeply", "limit is 8")


@pytest.mark.parametrize("text, line", [
    ("> " * 9 + "Deep.\n", 9),
    ("> " * 25 + "Deep.\n", 9),  # past markdown-it's own limit, which drops the text silently
    ("".join("  " * n + "- item\n" for n in range(9)), 17),
], ids=["quotes", "quotes-past-markdown-it", "lists"])
def test_deeply_nested_blocks(tmp_path, text, line):
    refused(tmp_path, FRONT + text, line, "nested too deeply", "limit is 8")


def test_deeply_nested_emphasis(tmp_path):
    refused(tmp_path, FRONT + "*a " * 5000 + "x" + "*" * 5000 + "\n", 9, "nested 5000 deep",
            "limit is 20")


def test_a_value_cannot_spoof_a_second_message(tmp_path):
    message = refused(tmp_path, FRONT.replace("2020-01-03", '"2020\\nfake.md:1: all good"'), 4,
                      "not a date")
    assert "'2020\\nfake.md:1: all good'" in message


def test_a_value_cannot_drive_the_terminal(tmp_path):
    article = article_with(tmp_path, FRONT.replace("A test article", '"\\x1b[2J\\x1b]0;owned\\x07"'))
    result = run_main("render", article, "--out", tmp_path / "dist", check=False)
    assert result.returncode == 2 and "U+001B" in result.stderr
    assert not any(ord(c) < 32 and c != "\n" for c in result.stderr), repr(result.stderr)


def test_a_folder_name_cannot_spoof_a_second_message(tmp_path):
    article = make_article(tmp_path / "x\nfake.md:1: all good\x1b[2J", FRONT + FIG + "```\n",
                           images=())
    result = run_main("render", article, "--out", tmp_path / "dist", check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].endswith("image file not found; check the 'src' path "
                                                 "(it is relative to the article folder)")
    assert "x\\nfake.md:1: all good\\x1b[2J" in lines[0] and "\x1b" not in result.stderr
    assert not (tmp_path / "dist").exists()


# ---------------------------------------------------------------- values made valid or refused
@pytest.mark.parametrize("given", ["main", "about-this-copy", "page-3", "notice-1", "figure-2",
                                   "sec-background", "boats-description"])
def test_figure_id_the_renderer_uses_itself(tmp_path, given):
    refused(tmp_path, FRONT + FIG + f"id: {given}\n```\n", 12, f"id '{given}'",
            "renderer gives to something else")


def test_figure_id_that_is_not_an_identifier(tmp_path):
    refused(tmp_path, FRONT + FIG + "id: two words\n```\n", 12, "id 'two words'",
            "not a valid identifier")


def test_duplicate_figure_ids(tmp_path):
    text = FRONT + FIG + "id: boats\n```\n\n" + FIG.replace("photo", "other") + "id: boats\n```\n"
    refused(tmp_path, text, 15, "figure id 'boats'", "also used on line 9",
            images=("photo.jpg", "other.jpg"))


@pytest.mark.parametrize("text, line, words", [
    ('Say [bonjour]{lang="not a tag!"} now.\n', 9, ("{lang='not a tag!'}", "BCP 47")),
    ("{lang=xx_yy_zz}\nA paragraph.\n", 9, ("{lang='xx_yy_zz'}", "BCP 47")),
    ("Say [salaam]{lang=ar dir=up} now.\n", 9, ("{dir='up'}", "rtl")),
    ("{dir=sideways}\nA paragraph.\n", 9, ("{dir='sideways'}", "rtl")),
], ids=["span-lang", "block-lang", "span-dir", "block-dir"])
def test_attribute_lang_or_dir_that_is_invalid(tmp_path, text, line, words):
    refused(tmp_path, FRONT + text, line, *words)


@pytest.mark.parametrize("key, line", [("title", 2), ("publisher", 5), ("rights", 6)])
def test_whitespace_only_required_field(tmp_path, key, line):
    front = "".join(f"{row.split(':')[0]}: '   '\n" if row.startswith(key + ":") else row + "\n"
                    for row in FRONT.splitlines())
    refused(tmp_path, front, line, f"no '{key}'")


def test_binary_title(tmp_path):
    refused(tmp_path, FRONT.replace("A test article", "!!binary aGVsbG8="), 2, "!!binary",
            "plain text")


def test_set_in_a_figure(tmp_path):
    refused(tmp_path, FRONT + FIG + "caption: !!set {a, b}\n```\n", 12, "!!set", "plain text")


def test_duplicate_front_matter_key(tmp_path):
    refused(tmp_path, FRONT.replace("rights:", "title: Another title\nrights:"), 6,
            "'title' twice", "also on line 2")


def test_duplicate_figure_key(tmp_path):
    refused(tmp_path, FRONT + FIG + "alt: Ships on a sea.\n```\n", 12, "'alt' twice",
            "also on line 11")


# ---------------------------------------------------------------- accepted, and valid
def test_figure_fields_stay_text_and_norwegian_is_a_language(tmp_path):
    """Plain YAML values are text: no dates, numbers or booleans guessed from their spelling.
    (A relative link is resolved against `source`.)"""
    article = article_with(tmp_path, FRONT.replace("language: en", "language: no\n"
                                                   "source: https://example.org/news/a.html") + FIG
                           + "caption: 2020-13-45\nidentifier: 0012\ncredit: 1.50\n```\n\n"
                           "See [a neighbour](other-article.html).\n")
    run_main("render", article, "--out", tmp_path / "dist", "--format", "html")
    import lxml.html
    page = lxml.html.parse(str(tmp_path / "dist" / "article" / "article.html")).getroot()
    assert page.get("lang") == "no"
    assert page.findtext(".//p[@class='figure-caption']") == "2020-13-45"
    texts = [" ".join(p.text_content().split()) for p in page.iter("p")]
    assert "Identifier: 0012" in texts and "Credit: 1.50" in texts
    assert "https://example.org/news/other-article.html" in [a.get("href") for a in page.iter("a")]


IDS_ARTICLE = FRONT + (
    "Links: [the background](#background), [the second photo](#pic), [the desk](mailto:desk@example.org), "
    "[a report](https://example.org/report?year=2020#p2), [an old page](http://example.org/), "
    "[the top](#main).\n\n"
    "## Background\n\nText.\n\n## About this copy\n\n## Main\n\n## Page 1\n\n## Figure 1\n\n"
    + FIG + "title: A photo\n```\n\n## Notice 1\n\n```notice Note\nA note.\n```\n\n## Pic\n\n"
    + FIG.replace("photo.jpg", "second.jpg") + "id: pic\ndescription: A long description.\n```\n\n"
    "## Pic description\n\nThe end.\n")


def test_headings_named_like_the_renderers_own_ids(tmp_path):
    """Headings get ids of their own (`sec-…`): the EPUB has no duplicate id (RSC-005), the
    nav and a link to a heading's old id still arrive, the PDF keeps its bookmarks, and no
    output holds a URL other than http, https or mailto."""
    import zipfile

    import lxml.html
    import pikepdf
    from lxml import etree
    from renderer.check import epub_findings, run_epubcheck

    article = article_with(tmp_path, IDS_ARTICLE, images=("photo.jpg", "second.jpg"))
    run_main("render", article, "--out", tmp_path / "dist")
    folder = tmp_path / "dist" / "article"
    assert epub_findings(run_epubcheck(folder / "article.epub")) == []

    page = lxml.html.parse(str(folder / "article.html")).getroot()
    with zipfile.ZipFile(folder / "article.epub") as book:
        documents = {name: etree.fromstring(book.read(name)) for name in book.namelist()
                     if name.endswith(".xhtml")}
    chapter, nav = documents["EPUB/article.xhtml"], documents["EPUB/nav.xhtml"]
    for root in (page, chapter):
        ids = [e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")]
        assert len(ids) == len(set(ids)), sorted(ids)
        for href in (a.get("href") for a in root.iter() if isinstance(a.tag, str)
                     and a.get("href", "").startswith("#")):
            assert href[1:] in ids, href
        assert "#sec-background" in [a.get("href") for a in root.iter() if isinstance(a.tag, str)]
    chapter_ids = {e.get("id") for e in chapter.iter() if e.get("id")}
    toc = [a.get("href") for a in nav.iter("{http://www.w3.org/1999/xhtml}a")
           if "article.xhtml#" in a.get("href", "") and "#page-" not in a.get("href")]
    assert len(toc) == 8 + 1  # the eight headings above and the landmark to #main
    assert all(href.split("#")[1] in chapter_ids for href in toc)

    pdf = pikepdf.open(folder / "article.pdf")
    with pdf.open_outline() as outline:
        titles = [item.title for top in outline.root for item in top.children]
    assert titles[:9] == ["Background", "About this copy", "Main", "Page 1", "Figure 1",
                          "Notice 1", "Pic", "Pic description", "About this copy"]

    urls = [value for root in [page, *documents.values()] for e in root.iter()
            if isinstance(e.tag, str) for key, value in e.attrib.items()
            if key in ("href", "src") or key.endswith("}href")]
    urls += [str(annot.A.URI) for p in pdf.pages for annot in p.get("/Annots", [])
             if "/A" in annot and "/URI" in annot.A]
    assert "mailto:desk@example.org" in urls and "https://example.org/report?year=2020#p2" in urls
    for url in urls:
        assert urlsplit(url).scheme in ("", "http", "https", "mailto"), url


def _png_header_only(width, height) -> bytes:
    """A valid PNG signature and header claiming an enormous size (the data is tiny)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")

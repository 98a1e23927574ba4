"""The bad-input catalog: every case exits 2 with one line `path:line: what; how`, writes nothing.

One test per case. Each case builds a small article folder, runs the real CLI and checks the
message, the place it names and that `dist/` stays empty.
"""
from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from conftest import SEED_ARTICLE, run_cli
from test_errors import FRONT, PHOTO, assert_refused, make_article

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
    result = run_cli("render", folder, "--out", tmp_path / "dist", check=False)
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
    run_cli("render", article, "--out", tmp_path / "dist")
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
    result = run_cli("render", article, "--out", tmp_path / "dist", "--format", "html")
    assert f"{article / 'article.md'}:11: warning heading-level:" in result.stderr
    import lxml.html
    page = lxml.html.parse(str(tmp_path / "dist" / "article" / "article.html")).getroot()
    assert [h.tag for h in page.iter("h1", "h2", "h3", "h4")][:3] == ["h1", "h2", "h3"]


def test_unknown_output_format(tmp_path):
    result = run_cli("render", SEED_ARTICLE, "--out", tmp_path / "dist", "--format", "docx",
                     check=False)
    assert result.returncode == 2 and result.stderr.startswith("--format: unknown format 'docx'")


def test_bad_source_date_epoch(tmp_path):
    env = dict(os.environ, SOURCE_DATE_EPOCH="yesterday")
    result = run_cli("render", SEED_ARTICLE, "--out", tmp_path / "dist", env=env, check=False)
    assert result.returncode == 2 and "SOURCE_DATE_EPOCH: 'yesterday' is not a number" in result.stderr


def test_two_thousand_paragraphs_render_in_bounded_memory(tmp_path):
    import resource
    import subprocess
    import sys
    body = "\n\n".join(f"Paragraph {n}: the archive keeps every word of this sentence." for n in range(2000))
    article = article_with(tmp_path, FRONT + body + "\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run([sys.executable, "-m", "renderer", "render", str(article), "--out",
                             str(tmp_path / "dist")], capture_output=True, text=True, timeout=600,
                            cwd=Path(__file__).parent.parent)
    assert result.returncode == 0, result.stderr
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < 1500, f"peak {peak_mb:.0f} MB"
    assert (tmp_path / "dist" / "article" / "article.pdf").stat().st_size > 50_000


def _png_header_only(width, height) -> bytes:
    """A valid PNG signature and header claiming an enormous size (the data is tiny)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")

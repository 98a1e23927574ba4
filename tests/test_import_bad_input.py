"""Bad captures, case by case: one line naming file, record and URL, exit status 2, no
traceback, and the other pages of the same run still imported."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from conftest import run_cli
from import_fixtures import (PAGE_URL, PHOTO_1, folders, html_response, jpeg, png, read_article,
                             three_photo_page, three_photo_records, write_warc)

GOOD_URL = "https://www.defense.gov/News/good/"
BAD_URL = "https://www.defense.gov/News/bad/"


def good_page():
    return html_response(GOOD_URL, three_photo_page())


def refused(result, source: Path, url: str, *words: str) -> str:
    """The one line about the bad page; checks the run's shape around it."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if url in line]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"{source}"), line
    assert re.search(r": .+; .+", line), line  # what is wrong; how to fix it
    if source.suffix == ".gz" or source.suffix == ".warc":
        assert re.search(r"record urn:uuid:[0-9a-f-]+ at offset \d+ \(" + re.escape(url) + r"\)", line), line
    for word in words:
        assert word in line, line
    return line


def import_warc(tmp_path, records, *args):
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, records)
    out = tmp_path / "content"
    return warc, out, run_cli("import", warc, "--out", out, *args, check=False)


def imported_urls(out: Path) -> list[str]:
    return [read_article(f)[0].get("source") for f in folders(out)] if out.exists() else []


def test_binary_bytes_served_as_html_are_refused(tmp_path):
    warc, out, result = import_warc(tmp_path, [html_response(BAD_URL, png()), good_page()])
    refused(result, warc, BAD_URL, "not HTML", "binary")
    assert imported_urls(out) == [PAGE_URL]


def test_url_pattern_that_picks_an_image_is_refused(tmp_path):
    records = three_photo_records()
    warc, out, result = import_warc(tmp_path, records, "--url", PHOTO_1, "--url", PAGE_URL)
    refused(result, warc, PHOTO_1, "not HTML (image/jpeg)")
    assert len(folders(out)) == 1


def test_html_file_that_is_not_html_is_refused(tmp_path):
    bad = tmp_path / "photo.html"
    bad.write_bytes(png())
    text = tmp_path / "notes.html"
    text.write_text("Just a line of notes, no markup at all.\n" * 3)
    good = tmp_path / "good.html"
    good.write_text(three_photo_page())
    result = run_cli("import", bad, text, good, "--out", tmp_path / "content", check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{bad}: not HTML (the bytes are binary" in result.stderr
    assert f"{text}: not HTML (plain text" in result.stderr
    assert len(folders(tmp_path / "content")) == 1


def test_empty_page_is_refused(tmp_path):
    warc, out, result = import_warc(tmp_path, [html_response(BAD_URL, b""), good_page()])
    refused(result, warc, BAD_URL, "the page is empty")
    assert imported_urls(out) == [PAGE_URL]


def test_page_with_no_article_is_refused(tmp_path):
    page = ("<!DOCTYPE html><html lang='en'><head><title>Sign in</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/a'>About</a></nav>"
            "<form><input name='user'><input name='password' type='password'><button>Sign in"
            "</button></form><script>start()</script></body></html>")
    warc, out, result = import_warc(tmp_path, [html_response(BAD_URL, page), good_page()])
    refused(result, warc, BAD_URL, "no article")
    assert imported_urls(out) == [PAGE_URL]


def test_broken_gzip_member_stops_the_archive_there_and_keeps_what_came_before(tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    offsets = write_warc(warc, [good_page(), html_response(BAD_URL, three_photo_page())])
    data = bytearray(warc.read_bytes())
    middle = (offsets[1] + len(data)) // 2
    data[middle:middle + 64] = b"\x00" * 64  # corrupt the second record's gzip member
    warc.write_bytes(bytes(data))
    out = tmp_path / "content"
    result = run_cli("import", warc, "--out", out, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = [l for l in result.stderr.splitlines() if "damaged" in l]
    assert line.startswith(f"{warc}: record at offset {offsets[1]}"), line
    assert "broken gzip member" in line and "repair or re-download" in line
    assert imported_urls(out) == [PAGE_URL]


def test_truncated_warc_keeps_the_pages_before_the_cut(tmp_path):
    warc = tmp_path / "crawl.warc"
    offsets = write_warc(warc, [good_page(), html_response(BAD_URL, three_photo_page())],
                         gzip_records=False)
    data = warc.read_bytes()
    warc.write_bytes(data[: offsets[1] + 300])
    out = tmp_path / "content"
    result = run_cli("import", warc, "--out", out, check=False)
    assert "Traceback" not in result.stderr
    assert imported_urls(out)[0] == PAGE_URL
    bad_lines = [l for l in result.stderr.splitlines() if str(warc) in l]
    assert len(bad_lines) == 1 and f"offset {offsets[1]}" in bad_lines[0], result.stderr


def test_a_file_that_is_not_a_warc_is_refused(tmp_path):
    fake = tmp_path / "notes.warc.gz"
    fake.write_bytes(b"this is not an archive\n" * 20)
    result = run_cli("import", fake, "--out", tmp_path / "content", check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{fake}: record at offset 0: not a WARC file (it does not start")


CP1252_PAGE = three_photo_page().replace('<meta charset="utf-8">', "").replace(
    "launched, an airstrike", "launched, an airstrike — café —")


def test_wrong_charset_is_refused_and_names_the_fix(tmp_path):
    body = CP1252_PAGE.encode("windows-1252")
    warc, out, result = import_warc(tmp_path, [
        html_response(BAD_URL, body, "text/html; charset=utf-8"), good_page()])
    line = refused(result, warc, BAD_URL, "declares charset 'utf-8'", "is not utf-8", "--charset")
    assert imported_urls(out) == [PAGE_URL]
    fixed = run_cli("import", warc, "--out", tmp_path / "fixed", "--charset", "windows-1252",
                    "--url", BAD_URL)
    assert "café" in (folders(tmp_path / "fixed")[0] / "article.md").read_text()


def test_missing_charset_is_recognised_and_reported(tmp_path):
    body = CP1252_PAGE.encode("windows-1252")
    warc, out, result = import_warc(tmp_path, [html_response(BAD_URL, body, "text/html")])
    assert result.returncode == 0, result.stderr
    [folder] = folders(out)
    assert "— café —" in (folder / "article.md").read_text()
    assert "check: charset" in result.stdout and "recognised from the bytes" in result.stdout


def test_ten_megabyte_page_is_refused(tmp_path):
    huge = three_photo_page(extra_body="<p>" + "word " * 2_000_000 + "</p>")
    assert len(huge) > 10_000_000
    warc, out, result = import_warc(tmp_path, [html_response(BAD_URL, huge), good_page()])
    refused(result, warc, BAD_URL, "10.", "MB, over the 5 MB limit")
    assert imported_urls(out) == [PAGE_URL]


def _tiff() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 20, 30)).save(out, "TIFF")
    return out.getvalue()


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
       b'<script>alert(1)</script><rect width="40" height="40"/></svg>')


@pytest.mark.parametrize("data, kind, reason", [
    (SVG, "image/svg+xml", "the captured image was refused: it is SVG, which can carry scripts "
                           "and remote references"),
    (_tiff(), "image/tiff", "the captured image was refused: it is TIFF, not JPEG, PNG, GIF or WebP"),
    (jpeg()[:-200], "image/jpeg", "the captured image was refused: it is damaged or truncated"),
], ids=["svg", "tiff", "truncated-jpeg"])
def test_refused_image_types_become_figures_not_preserved(tmp_path, data, kind, reason):
    records = three_photo_records()
    records[1] = (PHOTO_1, "response", data, kind, "200 OK")
    warc, out, result = import_warc(tmp_path, records)
    assert result.returncode == 0, result.stderr
    [folder] = folders(out)
    _, figures, _ = read_article(folder)
    assert figures[0]["missing"].startswith(reason), figures[0]["missing"]
    assert figures[0]["original"] == PHOTO_1 and figures[0]["alt"]
    assert not (folder / "images").exists() or all(
        p.suffix in (".png",) for p in (folder / "images").iterdir())  # only the divider
    assert "image not preserved: the captured image was refused" in result.stdout

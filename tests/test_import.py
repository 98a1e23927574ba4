"""`renderer import`: real captures (an HTML news page, a WARC written with warcio, a WACZ, a
saved-page folder) become article folders whose figures keep alt, caption, credit and
identifier; never the network; the same capture gives the same bytes; a person's edits stay."""
from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from conftest import run_cli
from import_fixtures import (ALT_1, ALT_2, CAPTION_1, CAPTION_2, CAPTURED, DIVIDER, IMPORT_CORPUS,
                             PAGE_URL, PHOTO_1, PHOTO_2, SOFTWARE, folders, html_response, jpeg,
                             png, read_article, three_photo_page, three_photo_records,
                             tree_bytes, write_wacz, write_warc)


def import_cli(*args, check=True):
    return run_cli("import", *args, check=check)


# ---------------------------------------------------------------- a WARC with three photos
@pytest.fixture()
def warc(tmp_path) -> Path:
    path = tmp_path / "crawl-2020.warc.gz"
    write_warc(path, three_photo_records())
    return path


def test_warc_page_becomes_an_article_with_its_three_photos(warc, tmp_path):
    out = tmp_path / "content"
    result = import_cli(warc, "--out", out)
    [folder] = folders(out)
    front, figures, body = read_article(folder)
    assert front["title"] == "Senior DOD Official Describes Rationale for Attack on Quds Force Commander"
    assert front["language"] == "en-US" and str(front["published"]) == "2020-01-03"
    assert front["publisher"] == "U.S. Department of Defense" and front["author"] == "Jim Garamone"
    assert front["rights"].startswith("Public domain")
    assert front["source"] == PAGE_URL
    assert len(figures) == 3
    captured, decorative, missing = figures
    # 1: captured; credit and VIRIN split out of the caption's text by their patterns
    assert captured["alt"] == ALT_1 and captured["title"] == "Standing Watch"
    assert captured["caption"] == CAPTION_1
    assert (captured["credit_label"], captured["credit"]) == ("Photo By", "Marine Corps Sgt. Kyle Talbot")
    assert (captured["identifier_label"], captured["identifier"]) == ("VIRIN", "200103-M-ZX256-1032Y")
    assert captured["original"] == PHOTO_1
    assert (folder / captured["src"]).read_bytes() == jpeg()  # the capture's exact bytes
    # 2: never captured: kept, with everything the page says about it
    assert "src" not in missing and missing["missing"] == "not captured with the page"
    assert missing["alt"] == ALT_2 and missing["caption"] == CAPTION_2
    assert (missing["credit_label"], missing["credit"]) == ("Photo By", "Marine Corps Sgt. Kyle Talbot")
    assert (missing["identifier_label"], missing["identifier"]) == ("VIRIN", "191231-M-ZX256-1025Y")
    assert missing["original"] == PHOTO_2
    # 3: decorative (alt=""): kept as decorative, with no alt at all
    assert decorative["decorative"] is True and "alt" not in decorative
    assert (folder / decorative["src"]).read_bytes() == png()
    assert "Home" not in body and "Privacy" not in body  # navigation and footer left out
    assert "What needs a person" in result.stdout and f"{folder / 'article.md'}:" in result.stdout
    assert "image not preserved: not captured with the page" in result.stdout


def test_capture_provenance_goes_into_the_front_matter(warc, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    out = tmp_path / "content"
    import_cli(warc, "--out", out)
    front, _, _ = read_article(folders(out)[0])
    with open(warc, "rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_headers.get_header("WARC-Target-URI") == PAGE_URL:
                offset = records.get_record_offset()
                record_id = record.rec_headers.get_header("WARC-Record-ID").strip("<>")
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                break
    assert str(front["captured"]).replace("+00:00", "Z").replace(" ", "T") == CAPTURED
    assert front["capture_id"] == record_id and front["identifier"] == record_id
    assert front["capture_file"] == "crawl-2020.warc.gz"
    assert front["capture_offset"] == offset
    assert front["capture_digest"] == digest
    assert front["capture_software"] == SOFTWARE


def test_only_pages_matching_url_are_imported(tmp_path):
    warc = tmp_path / "two.warc.gz"
    other = "https://www.defense.gov/News/Releases/other/"
    write_warc(warc, three_photo_records() + [html_response(other, three_photo_page().replace(
        "Senior DOD Official Describes", "Another Official Describes"))])
    out = tmp_path / "content"
    import_cli(warc, "--out", out, "--url", "https://www.defense.gov/News/Releases/*")
    [folder] = folders(out)
    assert read_article(folder)[0]["title"].startswith("Another Official Describes")


def test_revisit_record_is_read_from_its_original(tmp_path):
    """A crawler that met the same image twice writes a revisit; the image is still there."""
    from warcio.archiveiterator import ArchiveIterator

    first = tmp_path / "first.warc.gz"
    write_warc(first, [(PHOTO_1, "response", jpeg(), "image/jpeg", "200 OK")])
    with open(first, "rb") as stream:
        digest = next(r for r in ArchiveIterator(stream) if r.rec_type == "response") \
            .rec_headers.get_header("WARC-Payload-Digest")
    warc = tmp_path / "revisit.warc.gz"
    records = three_photo_records()
    records[1] = (PHOTO_1, "revisit", digest.encode(), "image/jpeg", "200 OK")
    records.insert(0, (PHOTO_1, "response", jpeg(), "image/jpeg", "200 OK"))
    write_warc(warc, records)
    out = tmp_path / "content"
    import_cli(warc, "--out", out)
    _, figures, _ = read_article(folders(out)[0])
    assert (folders(out)[0] / figures[0]["src"]).read_bytes() == jpeg()


@pytest.mark.parametrize("index", [True, False], ids=["cdxj-index", "no-index"])
def test_wacz_pages_are_read_through_its_index(tmp_path, index):
    wacz = tmp_path / "collection.wacz"
    write_wacz(wacz, three_photo_records(), index=index)
    out = tmp_path / "content"
    import_cli(wacz, "--out", out)
    [folder] = folders(out)
    front, figures, _ = read_article(folder)
    assert front["capture_file"] == "collection.wacz#archive/data.warc.gz"
    assert front["capture_id"].startswith("urn:uuid:")
    assert (folder / figures[0]["src"]).read_bytes() == jpeg()
    assert figures[2]["missing"] == "not captured with the page"


def test_saved_page_folder_takes_images_from_beside_it(tmp_path):
    saved = tmp_path / "saved"
    (saved / "page_files").mkdir(parents=True)
    html = three_photo_page().replace(PHOTO_1, "page_files/standing-watch.jpg")
    (saved / "page.html").write_text(f"<!-- saved from url=(0068){PAGE_URL} -->\n" + html,
                                     encoding="utf-8")
    (saved / "page_files" / "standing-watch.jpg").write_bytes(jpeg())
    out = tmp_path / "content"
    import_cli(saved, "--out", out)
    [folder] = folders(out)
    front, figures, _ = read_article(folder)
    assert front["source"] == PAGE_URL
    assert (folder / figures[0]["src"]).read_bytes() == jpeg()
    assert len(figures) == 2  # the decorative divider was not saved: nothing to keep
    assert figures[1]["missing"] == "not saved with the page"


def test_html_news_page_keeps_the_article_and_drops_the_site(tmp_path):
    out = tmp_path / "content"
    import_cli(IMPORT_CORPUS / "news-page.html", "--out", out)
    [folder] = folders(out)
    front, figures, body = read_article(folder)
    assert front["title"] == "Senior DOD Official Describes Rationale for Attack on Quds Force Commander"
    assert front["description"].startswith("A senior Defense Department official")
    for chrome in ("Skip to main content", "cookies", "Spotlights", "Search", "Share on Facebook",
                   "Related Stories", "Great article", "Defense Media Activity", "injected",
                   "window.analytics", "youtube"):
        assert chrome not in body, chrome
    assert "## Attacks on coalition bases" in body
    assert "> This U.S. attack was carried out" in body
    assert "- rocket attacks near Kirkuk;" in body
    assert "Table: Rockets fired at coalition bases\n\n| Month | Rockets |\n|---|---|\n" \
           "| November 2019 | 11 |" in body
    assert "[« la force du nombre »]{lang=fr}" in body
    assert "*multiple attacks*" in body and "\\[Kataeb Hezbollah\\]" in body
    assert [f["alt"] for f in figures] == [ALT_1, ALT_2]  # no logo, no tracking pixel
    assert figures[0]["credit"] == figures[1]["credit"] == "Marine Corps Sgt. Kyle Talbot"
    assert figures[1]["caption"] == CAPTION_2
    assert figures[1]["identifier"] == "191231-M-ZX256-1025Y"


def test_image_without_alt_gets_a_todo_and_is_never_given_one(tmp_path):
    warc = tmp_path / "noalt.warc.gz"
    page = three_photo_page().replace(f'alt="{ALT_1}" ', "")
    write_warc(warc, three_photo_records(page))
    out = tmp_path / "content"
    result = import_cli(warc, "--out", out)
    [folder] = folders(out)
    _, figures, _ = read_article(folder)
    assert "alt" not in figures[0] and figures[0]["src"]
    assert figures[0]["todo"] == f"write the alt text for {PHOTO_1} (the page gave none)"
    line = (folder / "article.md").read_text().splitlines().index(f"todo: {figures[0]['todo']}") + 1
    assert f"{folder / 'article.md'}:{line}: needs a person: write the alt text for {PHOTO_1}" in result.stdout


def test_rights_come_from_the_page_or_the_option_else_a_todo(tmp_path):
    page = three_photo_page().replace('"license"', '"unused"')
    warc = tmp_path / "norights.warc.gz"
    write_warc(warc, three_photo_records(page))
    import_cli(warc, "--out", tmp_path / "a")
    front, _, _ = read_article(folders(tmp_path / "a")[0])
    assert "rights" not in front and front["todo"].startswith("set 'rights'")
    import_cli(warc, "--out", tmp_path / "b", "--rights", "Public domain (U.S. Government work)")
    front, _, _ = read_article(folders(tmp_path / "b")[0])
    assert front["rights"] == "Public domain (U.S. Government work)" and "todo" not in front
    licensed = page.replace("</article>", '<p>Licence: <a rel="license" '
                            'href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a></p></article>')
    write_warc(warc, three_photo_records(licensed))
    import_cli(warc, "--out", tmp_path / "c", "--rights", "ignored: the page states its own")
    front, _, _ = read_article(folders(tmp_path / "c")[0])
    assert front["rights"] == "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"


# ---------------------------------------------------------------- safe and repeatable
class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        self.wfile.write(jpeg())

    def log_message(self, *args):
        pass


def test_import_never_touches_the_network(tmp_path):
    """The page points at a real server on 127.0.0.1 (images, srcset, stylesheet, script,
    iframe, canonical); import must send it nothing."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        _Recorder.requests = []
        page = three_photo_page(extra_body=(
            f'<figure><img src="{base}/lazy.gif" data-src="{base}/photo.jpg" '
            f'srcset="{base}/photo-800.jpg 800w, {base}/photo-1600.jpg 1600w" alt="A photo on the server">'
            f'<figcaption>Served locally.</figcaption></figure>'
            f'<link rel="stylesheet" href="{base}/site.css"><script src="{base}/app.js"></script>'
            f'<iframe src="{base}/frame.html"></iframe>')).replace(PHOTO_2, f"{base}/night.jpg")
        page = page.replace(f'href="{PAGE_URL}"', f'href="{base}/canonical/"')
        saved = tmp_path / "page.html"
        saved.write_text(page, encoding="utf-8")
        warc = tmp_path / "local.warc.gz"
        write_warc(warc, [html_response(f"{base}/article/", page)])
        out = tmp_path / "content"
        import_cli(saved, warc, "--out", out)
        assert _Recorder.requests == []
        for folder in folders(out):
            _, figures, _ = read_article(folder)
            served = [f for f in figures if f.get("alt") == "A photo on the server"][0]
            assert "missing" in served and served["original"] == f"{base}/photo-1600.jpg"
        import urllib.request  # the server does answer: a fetch would have been seen
        urllib.request.urlopen(f"{base}/check.jpg", timeout=10).read()
        assert _Recorder.requests == ["/check.jpg"]
    finally:
        server.shutdown()
        server.server_close()


def test_the_same_capture_gives_the_same_bytes(warc, tmp_path):
    import_cli(warc, "--out", tmp_path / "one")
    import_cli(warc, "--out", tmp_path / "two", "-j", "1")
    [one], [two] = folders(tmp_path / "one"), folders(tmp_path / "two")
    assert one.name == two.name
    assert tree_bytes(one) == tree_bytes(two)
    again = import_cli(warc, "--out", tmp_path / "one")
    assert "(unchanged)" in again.stdout


def test_reimport_keeps_a_persons_edits_unless_forced(warc, tmp_path):
    out = tmp_path / "content"
    import_cli(warc, "--out", out)
    [folder] = folders(out)
    article = folder / "article.md"
    edited = article.read_text().replace("alt: " + ALT_2, "alt: " + ALT_2 + " Edited.")
    article.write_text(edited)
    result = import_cli(warc, "--out", out)
    assert "kept: edited since it was imported; --force overwrites it" in result.stdout
    assert article.read_text() == edited
    import_cli(warc, "--out", out, "--force")
    assert article.read_text() != edited and "Edited." not in article.read_text()
    (folder / "notes.txt").write_text("a person's note")  # an added file is an edit too
    assert "kept: edited" in import_cli(warc, "--out", out).stdout


def test_a_folder_import_did_not_write_is_never_overwritten(warc, tmp_path):
    out = tmp_path / "content"
    import_cli(warc, "--out", tmp_path / "probe")
    name = folders(tmp_path / "probe")[0].name
    (out / name).mkdir(parents=True)
    (out / name / "article.md").write_text("a person's own article")
    import_cli(warc, "--out", out)
    assert (out / name / "article.md").read_text() == "a person's own article"
    assert (out / f"{name}-2" / "article.md").is_file()


def test_duplicate_slugs_get_deterministic_suffixes(tmp_path):
    warc = tmp_path / "dupes.warc.gz"
    pages = [html_response(f"https://www.defense.gov/News/{n}/", three_photo_page().replace(
        "President Donald J. Trump", f"Story {n}: President Donald J. Trump")) for n in range(3)]
    write_warc(warc, pages)
    out = tmp_path / "content"
    import_cli(warc, "--out", out)
    names = [f.name for f in folders(out)]
    base = "senior-dod-official-describes-rationale-for-attack-on-quds"
    assert names == [base, f"{base}-2", f"{base}-3"]
    sources = {f.name: read_article(f)[2].strip().split(":")[0] for f in folders(out)}
    assert sources == {base: "Story 0", f"{base}-2": "Story 1", f"{base}-3": "Story 2"}
    import_cli(warc, "--out", out, "-j", "2")  # again, in parallel: the same folders
    assert [f.name for f in folders(out)] == names
    assert {f.name: read_article(f)[2].strip().split(":")[0] for f in folders(out)} == sources


def test_nothing_is_half_written(tmp_path):
    """A failure while a folder is written leaves no folder, no temporary, and the previous
    version of the folder whole."""
    from renderer.importer.write import write_folder

    target = tmp_path / "content" / "article"
    with pytest.raises(TypeError):
        write_folder(target, {"article.md": b"x", "images/z.jpg": "not bytes"}, {})
    assert not (tmp_path / "content").exists() or not any((tmp_path / "content").iterdir())
    write_folder(target, {"article.md": b"first"}, {"files": {}})
    with pytest.raises(TypeError):
        write_folder(target, {"article.md": b"second", "images/z.jpg": "not bytes"}, {})
    assert (target / "article.md").read_bytes() == b"first"
    assert [p.name for p in (tmp_path / "content").iterdir()] == ["article"]


def test_report_lists_what_needs_a_person(tmp_path):
    warc = tmp_path / "people.warc.gz"
    page = three_photo_page().replace(f'alt="{ALT_1}" ', "").replace('"license"', '"unused"') \
        .replace('<html lang="en-US">', "<html>")
    write_warc(warc, three_photo_records(page))
    result = import_cli(warc, "--out", tmp_path / "content")
    [folder] = folders(tmp_path / "content")
    report = result.stdout.split("What needs a person:")[1]
    article = folder / "article.md"
    assert f"{article}:" in report
    assert f"needs a person: write the alt text for {PHOTO_1}" in report
    assert "needs a person: set 'rights'" in report
    assert "image not preserved: not captured with the page" in report
    assert "check: language 'en' was recognised from the text" in report
    assert "1 need a person before they render" in result.stdout


def test_import_writes_nothing_outside_its_folders(warc, tmp_path):
    out = tmp_path / "content"
    import_cli(warc, "--out", out)
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    folder = folders(out)[0].name
    assert all(n == folder or n.startswith(folder + "/") for n in names), names
    stamp = (out / folder / ".import.json").read_text()
    digest = hashlib.sha256((out / folder / "article.md").read_bytes()).hexdigest()
    assert digest in stamp


def test_images_resolve_like_a_browser_inside_the_capture(tmp_path):
    """<base href>, srcset (the largest captured candidate), lazy-load attributes, redirects
    and data: URIs, all answered from the WARC itself."""
    import base64

    small, big, lazy, moved = jpeg(40, 30), jpeg(80, 60, (10, 200, 10)), jpeg(50, 50, (0, 0, 200)), \
        jpeg(30, 30, (200, 0, 0))
    data_png = base64.b64encode(png(12, 12)).decode()
    svg = base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>").decode()
    extra = ('<figure><img src="photos/small.jpg" srcset="photos/small.jpg 400w, photos/big.jpg 1600w, '
             'photos/huge.jpg 3200w" alt="Big one"></figure>'
             '<figure><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="photos/lazy.jpg" '
             'alt="Lazy one"></figure>'
             '<figure><img src="/old/moved.jpg" alt="Moved one"></figure>'
             f'<figure><img src="data:image/png;base64,{data_png}" alt="Inline one"></figure>'
             f'<figure><img src="data:image/svg+xml;base64,{svg}" alt="Inline SVG"></figure>')
    page = three_photo_page(extra_body=extra).replace(
        "<head>", '<head><base href="https://media.defense.gov/2020/">')
    base = "https://media.defense.gov/2020/photos/"
    records = three_photo_records(page) + [
        (base + "small.jpg", "response", small, "image/jpeg", "200 OK"),
        (base + "big.jpg", "response", big, "image/jpeg", "200 OK"),
        (base + "lazy.jpg", "response", lazy, "image/jpeg", "200 OK"),
        ("https://media.defense.gov/new/moved.jpg", "response", moved, "image/jpeg", "200 OK")]
    from import_fixtures import write_warc as write
    warc = tmp_path / "browser.warc.gz"
    write(warc, records)
    # a redirect needs its Location header, which write_warc does not write: add it here
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    import io
    with open(warc, "ab") as stream:
        writer = WARCWriter(stream, gzip=True)
        headers = StatusAndHeaders("301 Moved Permanently", [
            ("Location", "https://media.defense.gov/new/moved.jpg"), ("Content-Length", "0")],
            protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://media.defense.gov/old/moved.jpg", "response", payload=io.BytesIO(b""),
            http_headers=headers, warc_headers_dict={"WARC-Date": "2020-01-04T10:11:13Z"}))
    out = tmp_path / "content"
    import_cli(warc, "--out", out)
    [folder] = folders(out)
    _, figures, _ = read_article(folder)
    by_alt = {f.get("alt"): f for f in figures}
    assert (folder / by_alt["Big one"]["src"]).read_bytes() == big  # huge.jpg was not captured
    assert by_alt["Big one"]["original"] == base + "big.jpg"
    assert (folder / by_alt["Lazy one"]["src"]).read_bytes() == lazy
    assert (folder / by_alt["Moved one"]["src"]).read_bytes() == moved
    assert (folder / by_alt["Inline one"]["src"]).read_bytes() == png(12, 12)
    assert by_alt["Inline SVG"]["missing"].startswith("the captured image was refused: it is SVG")

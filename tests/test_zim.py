"""The ZIM (`renderer package --zim`): checked by zimcheck, read back with libzim's reader, served
by kiwix-serve (Debian's, on 127.0.0.1) and searched, its pages checked by axe in Chromium.

One small collection (two English articles, one Arabic) is built and packaged once."""
from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
from PIL import Image

from conftest import CORPUS, SEED_ARTICLE, run_cli, run_main

SLUGS = (SEED_ARTICLE.name, "everything", "arabic-notice")
NAME = "offline-collection_mul_all"  # the default: Kiwix's project_language_selection
SERVER_START_LIMIT = 15  # seconds for kiwix-serve to answer
SERVER_STOP_LIMIT = 5


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> Path:
    """dist/ of the seed (en-US), `everything` (en) and `arabic-notice` (ar), with the ZIM."""
    root = tmp_path_factory.mktemp("zim")
    for article in (SEED_ARTICLE, CORPUS / "good" / "everything",
                    CORPUS / "good" / "arabic-notice"):
        shutil.copytree(article, root / "content" / article.name)
    dist = root / "dist"
    run_cli("build", root / "content", "--out", dist, "-j", "2")
    result = run_cli("package", dist, "--zim", "--organisation", "Test Archive")
    assert result.stdout.splitlines()[0] == str(dist / f"{NAME}.zim"), result.stdout
    return dist


@pytest.fixture(scope="module")
def zim(packaged) -> Path:
    return packaged / f"{NAME}.zim"


@pytest.fixture(scope="module")
def archive(zim):
    from libzim.reader import Archive
    return Archive(str(zim))


def package_files(dist: Path) -> list[str]:
    """Every file the package holds, found by walking dist/ (not from the code's own list):
    the catalog's files at the top, each article's folder below."""
    skipped = {"manifest.json", ".lock", "bag", ".cache"}
    return sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*")
                  if p.is_file() and p.suffix != ".zim"
                  and not (set(p.relative_to(dist).parts) & skipped)
                  and not p.name.startswith("."))


# ---------------------------------------------------------------- zimcheck
def zimcheck(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["zimcheck", "-A", "-J", str(path)], capture_output=True, text=True,
                          timeout=120)


def test_zimcheck_finds_nothing(zim):
    result = zimcheck(zim)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["status"] is True and report["logs"] == [], report
    assert {"checksum", "integrity", "metadata", "favicon", "main_page", "url_internal"} \
        <= set(report["checks"])


@pytest.mark.parametrize("damage", ["truncated", "one byte flipped"])
def test_zimcheck_fails_a_damaged_copy(zim, tmp_path, damage):
    data = bytearray(zim.read_bytes())
    if damage == "truncated":
        data = data[: len(data) * 2 // 3]
    else:
        data[len(data) // 2] ^= 0xFF
    broken = tmp_path / zim.name
    broken.write_bytes(bytes(data))
    result = zimcheck(broken)
    assert result.returncode != 0, result.stdout


# ---------------------------------------------------------------- read back with libzim
def test_metadata_is_openzims_mandatory_set(archive, packaged):
    meta = {key: archive.get_metadata(key) for key in archive.metadata_keys}
    assert meta["Name"] == NAME.encode()
    assert meta["Title"] == b"Offline collection"
    assert meta["Description"] == b"3 articles, each as a web page, a PDF and an EPUB"
    # ISO 639-3, most frequent first: en-US and en are both English, then Arabic
    assert meta["Language"] == b"eng,ara"
    assert meta["Creator"] == b"Renderer Test Press, U.S. Department of Defense"
    assert meta["Publisher"] == b"Test Archive"
    assert meta["Date"] == b"2022-03-01"  # the newest article's date (arabic-notice)
    assert "LongDescription" not in meta  # none given
    assert meta["Tags"] == b"_ftindex:yes;_pictures:yes;_videos:no;_details:yes"  # Kiwix's
    assert archive.get_illustration_sizes() == {48}
    icon = Image.open(io.BytesIO(bytes(archive.get_illustration_item(48).content)))
    assert (icon.format, icon.size) == ("PNG", (48, 48))


def test_catalog_is_the_main_page_and_every_file_is_at_its_dist_path(archive, packaged):
    assert archive.main_entry.get_item().path == "index.html"
    files = package_files(packaged)
    assert {"index.html", "opds.xml"} | {f"{s}/{s}.{x}" for s in SLUGS
                                          for x in ("html", "pdf", "epub")} <= set(files)
    for name in files:  # PDF, EPUB, photos, pages and feeds: the same bytes
        item = archive.get_entry_by_path(name).get_item()
        assert bytes(item.content) == (packaged / name).read_bytes(), name
    assert archive.get_entry_by_path(f"{SLUGS[0]}/{SLUGS[0]}.epub").get_item().mimetype \
        == "application/epub+zip"


def test_only_articles_are_front_articles_with_their_titles(archive, packaged):
    assert archive.article_count == len(SLUGS)  # libzim 8 counts the front articles
    for slug in SLUGS:
        page = lxml.html.parse(str(packaged / slug / f"{slug}.html")).getroot()
        entry = archive.get_entry_by_path(f"{slug}/{slug}.html")
        assert entry.title == page.findtext(".//title").strip()
    from libzim.suggestion import SuggestionSearcher
    found = list(SuggestionSearcher(archive).suggest("Every").getResults(0, 10))
    assert found == ["everything/everything.html"]  # not its PDF nor its EPUB


def test_kiwix_library_lists_the_book_with_its_full_text_index(zim, tmp_path):
    """kiwix-manage (libkiwix, as the Kiwix apps) reads the book as a library would."""
    from lxml import etree
    library = tmp_path / "library.xml"
    subprocess.run(["kiwix-manage", str(library), "add", str(zim)], check=True,
                   capture_output=True, timeout=60)
    book = etree.parse(str(library)).getroot().find("book")
    assert (book.get("name"), book.get("language"), book.get("articleCount")) \
        == (NAME, "eng,ara", "3")
    assert "_ftindex:yes" in book.get("tags").split(";")
    assert book.get("faviconMimeType") == "image/png"


# ---------------------------------------------------------------- kiwix-serve
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[bytes, str, str]:
    """(body, content type, final URL) of a GET, redirects followed."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers.get("Content-Type", ""), response.url


@contextlib.contextmanager
def kiwix_serve(zim: Path, *options: str):
    """kiwix-serve on 127.0.0.1 with the ZIM; yields its base URL once the book answers
    (bounded), stops it on the way out (bounded too)."""
    port = free_port()
    server = subprocess.Popen(["kiwix-serve", "--address", "127.0.0.1", "--port", str(port),
                               *options, str(zim)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_LIMIT
        while True:
            try:
                fetch(f"{base}/{zim.stem}/index.html")
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("kiwix-serve did not answer: "
                                         + server.stderr.read().decode(errors="replace")
                                         if server.poll() is not None else "timed out")
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(SERVER_STOP_LIMIT)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(SERVER_STOP_LIMIT)


@pytest.fixture(scope="module")
def served(zim):
    """The ZIM served as the README says, without kiwix-serve's injected top bar."""
    with kiwix_serve(zim, "--nosearchbar") as base:
        yield base


# kiwix-serve 3.3.0 adds this one element to every page it serves, even with --nosearchbar
_ROOT_LINK = re.compile(rb'<link type="root" href="[^"]*">')


def test_kiwix_serve_serves_the_catalog_and_the_articles_at_name_slash_path(served, packaged):
    body, kind, url = fetch(f"{served}/{NAME}/")  # the book's root: its main page
    assert url == f"{served}/{NAME}/index.html" and kind.startswith("text/html")
    assert _ROOT_LINK.sub(b"", body) == (packaged / "index.html").read_bytes()
    catalog = lxml.html.fromstring(body)
    links = catalog.xpath("//main//a/@href")
    assert len(links) >= 3 * len(SLUGS)
    for href in links:  # every link of the catalog resolves inside the ZIM
        assert fetch(f"{served}/{NAME}/{href}")[0], href
    slug = SLUGS[1]
    page, kind, _ = fetch(f"{served}/{NAME}/{slug}/{slug}.html")
    assert _ROOT_LINK.sub(b"", page) == (packaged / slug / f"{slug}.html").read_bytes()
    for src in lxml.html.fromstring(page).xpath("//img/@src"):  # relative paths still work
        assert fetch(f"{served}/{NAME}/{slug}/{src}")[0] == (packaged / slug / src).read_bytes()


def test_an_epub_downloads_byte_for_byte(served, packaged):
    slug = SLUGS[0]
    body, kind, _ = fetch(f"{served}/{NAME}/{slug}/{slug}.epub")
    assert kind.startswith("application/epub+zip")
    assert body == (packaged / slug / f"{slug}.epub").read_bytes()


def body_text(path: Path) -> str:
    return " ".join(lxml.html.parse(str(path)).getroot().xpath("string(//main)").split()).lower()


@pytest.mark.parametrize("slug, word", [(SEED_ARTICLE.name, "embassy"),
                                        ("everything", "notebook"),
                                        ("arabic-notice", "قصيرة")])
def test_full_text_search_finds_the_one_article_whose_body_holds_the_word(served, packaged,
                                                                         slug, word):
    # the oracle: the word is in this article's body and in no other article or title
    assert word in body_text(packaged / slug / f"{slug}.html")
    for other in set(SLUGS) - {slug}:
        assert word not in (packaged / other / f"{other}.html").read_text().lower(), other
    body, _, _ = fetch(f"{served}/search?content={NAME}&pattern={quote(word)}")
    results = lxml.html.fromstring(body).xpath("//div[@class='results']//a/@href")
    assert results and results[0] == f"/{NAME}/{slug}/{slug}.html", results


def test_random_article_and_suggestions_offer_only_articles(served, packaged):
    pages = {f"/{NAME}/{s}/{s}.html" for s in SLUGS}
    for _ in range(12):
        _, _, url = fetch(f"{served}/random?content={NAME}")
        assert url.removeprefix(served) in pages, url
    body, _, _ = fetch(f"{served}/suggest?content={NAME}&term=Senior")
    titles = [s["value"] for s in json.loads(body)]
    assert "Senior DOD Official Describes Rationale for Attack on Quds Force Commander" in titles
    assert not any("PDF" in t or "EPUB" in t for t in titles), titles


def axe_violations(urls: list[str]) -> dict[str, list[dict]]:
    """axe-core (every rule) on pages served over http://127.0.0.1, in Debian's Chromium; no
    request leaves 127.0.0.1."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from renderer.check import CHROMIUM_ARGS, chromium_path

    axe, results = Axe(), {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith("http://127.0.0.1:")
                       else route.abort("blockedbyclient"))
            for url in urls:
                page.goto(url)
                results[url] = axe.run(page).response["violations"]
        finally:
            browser.close()
    return results


def test_axe_finds_nothing_on_the_served_catalog_and_article(served, zim):
    slug = SLUGS[0]
    pages = [f"{served}/{NAME}/index.html", f"{served}/{NAME}/{slug}/{slug}.html"]
    with kiwix_serve(zim) as with_bar:  # kiwix-serve's default: its own top bar injected
        barred = f"{with_bar}/{NAME}/{slug}/{slug}.html"
        results = axe_violations(pages + [barred])
    for url in pages:
        assert results[url] == [], (url, [(v["id"], v["help"]) for v in results[url]])
    # the break: the bar kiwix-serve injects by default sits outside any landmark, which is
    # why the README serves with --nosearchbar
    assert "region" in {v["id"] for v in results[barred]}, results[barred]


# ---------------------------------------------------------------- the bag, the options
def test_the_bag_holds_the_zim_and_says_what_each_payload_is(packaged, zim):
    import bagit
    bag = bagit.Bag(str(packaged / "bag"))
    bag.validate()
    assert (packaged / "bag" / "data" / zim.name).read_bytes() == zim.read_bytes()
    described = bag.info["Payload-Description"]
    assert isinstance(described, list)
    text = "\n".join(described)
    for pattern in (f"data/{zim.name}", "data/index.html", "data/opds.xml", "data/SLUG/SLUG.html",
                    "data/SLUG/SLUG.pdf", "data/SLUG/SLUG.epub", "data/SLUG/images/"):
        assert pattern in text, (pattern, described)
    assert "ZIM" in bag.info["External-Description"]


def copy_of(dist: Path, target: Path) -> Path:
    shutil.copytree(dist, target, ignore=shutil.ignore_patterns("bag", ".cache", ".lock"))
    return target


def test_without_zim_nothing_changes(packaged, tmp_path):
    import bagit
    dist = copy_of(packaged, tmp_path / "dist")
    before = (dist / f"{NAME}.zim").stat().st_mtime_ns
    result = run_cli("package", dist)
    assert result.stdout.strip() == str(dist / "bag")
    assert (dist / f"{NAME}.zim").stat().st_mtime_ns == before
    bag = bagit.Bag(str(dist / "bag"))
    assert not list((dist / "bag" / "data").glob("*.zim"))
    assert not any(".zim" in line for line in bag.info["Payload-Description"])


def test_the_options_reach_the_metadata(packaged, tmp_path):
    from libzim.reader import Archive
    dist = copy_of(packaged, tmp_path / "dist")
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 120), (0, 128, 0)).save(logo)
    long_text = "Press releases of the city council, as web pages, PDF and EPUB, 1998 to 2024."
    run_cli("package", dist, "--zim", "--zim-name", "city-archive_en_all", "--illustration",
            logo, "--title", "City archive", "--zim-description", "Council press releases",
            "--zim-tags", "news;archive", "--zim-long-description", long_text)
    archive = Archive(str(dist / "city-archive_en_all.zim"))
    assert {k: archive.get_metadata(k).decode() for k in
            ("Name", "Title", "Description", "LongDescription", "Tags")} == {
        "Name": "city-archive_en_all", "Title": "City archive",
        "Description": "Council press releases", "LongDescription": long_text,
        "Tags": "news;archive;_ftindex:yes;_pictures:yes;_videos:no;_details:yes"}
    icon = Image.open(io.BytesIO(bytes(archive.get_illustration_item(48).content)))
    assert icon.size == (48, 48) and icon.convert("RGB").getpixel((24, 24)) == (0, 128, 0)


def test_a_missing_file_is_refused_in_one_line_and_no_zim_is_left(packaged, tmp_path):
    dist = copy_of(packaged, tmp_path / "dist")
    (dist / f"{NAME}.zim").unlink()
    missing = dist / "everything" / "everything.pdf"
    missing.unlink()
    result = run_main("package", dist, "--zim", check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == f"{missing}: listed in the build manifest but missing (or " \
                                    "not a plain file); run `renderer build` again"
    assert not list(dist.glob("*.zim")) and not list(dist.glob(".zim-*"))


@pytest.mark.parametrize("args, words", [
    (["--illustration", "PHOTO"], ["--illustration", "only with --zim"]),
    (["--zim", "--illustration", "PHOTO"], ["river.jpg", "not a PNG"]),
    (["--zim", "--zim-name", "my archive"], ["--zim-name", "not a usable name"]),
    (["--zim", "--zim-description", "x" * 81], ["--zim-description", "1 to 80"]),
])
def test_bad_zim_options_are_refused_before_anything_is_written(packaged, args, words):
    photo = CORPUS / "good" / "everything" / "images" / "river.jpg"
    args = [str(photo) if a == "PHOTO" else a for a in args]
    before = {p: p.stat().st_mtime_ns for p in packaged.rglob("*") if p.is_file()}
    result = run_main("package", packaged, *args, check=False)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert {p: p.stat().st_mtime_ns for p in packaged.rglob("*") if p.is_file()} == before


def test_a_given_illustration_is_fitted_to_48_by_48(tmp_path):
    from renderer.package.zim import read_illustration
    wide = tmp_path / "wide.png"
    Image.new("RGB", (200, 100), (200, 30, 30)).save(wide)
    icon = Image.open(io.BytesIO(read_illustration(wide)))
    assert (icon.format, icon.size) == ("PNG", (48, 48))
    assert icon.convert("RGBA").getpixel((24, 24))[:3] == (200, 30, 30)  # the picture, centred
    assert icon.convert("RGBA").getpixel((24, 2))[3] == 0  # above it, transparent


def test_given_tags_come_first_and_kiwixs_own_fill_in():
    from renderer.package.zim import zim_tags
    assert zim_tags("news; archive;_videos:yes") \
        == "news;archive;_videos:yes;_ftindex:yes;_pictures:yes;_details:yes"

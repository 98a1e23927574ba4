"""The catalog's search, pages, filters and sort, opened from file:// in Debian's Chromium, as a
reader with a keyboard uses it; with JavaScript off a plain paginated list (parsed with lxml);
axe 0 violations with and without results."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import lxml.html
import pytest

from renderer.check import CHROMIUM_ARGS, chromium_path
from renderer.collection import MANIFEST

from conftest import CORPUS, run_cli

LANGUAGES = CORPUS / "languages"
# A word that occurs only in the body of the French article (not in any title or description).
FRENCH_ONLY = "coton"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Six real articles in five languages, built as a collection."""
    root = tmp_path_factory.mktemp("search")
    for name in ("ar", "en", "fr", "ja", "pt-BR", "th"):
        shutil.copytree(LANGUAGES / name, root / "content" / name)
    run_cli("build", root / "content", "--out", root / "dist", "-j", "2")
    return root / "dist"


def page_text(path: Path) -> str:
    return lxml.html.parse(str(path)).getroot().find(".//main").text_content()


@pytest.fixture(scope="module")
def many(built, tmp_path_factory) -> Path:
    """The same collection with 120 articles: the six real ones and 114 copies of the English
    one under their own names and dates (the manifest as a build writes it), re-catalogued by
    `renderer package`: three pages of 50."""
    dist = tmp_path_factory.mktemp("many") / "dist"
    shutil.copytree(built, dist)
    manifest = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    english = manifest["articles"]["en"]
    for i in range(114):
        slug = f"copy-{i:03d}"
        (dist / slug).mkdir()
        for name in english["outputs"]:
            target = dist / slug / name.replace("en", slug, 1)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(dist / "en" / name, target)
        manifest["articles"][slug] = dict(
            english, title=f"Copy {i:03d} of the harbour", published=f"20{10 + i % 10}-01-{1 + i % 28:02d}",
            outputs={name.replace("en", slug, 1): size for name, size in english["outputs"].items()})
    (dist / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    run_cli("package", dist)
    return dist


def test_the_word_occurs_in_one_article_body_only(built):
    """The premise of the search test, checked on the pages themselves."""
    holders = [p.parent.name for p in built.glob("*/*.html") if FRENCH_ONLY in page_text(p)]
    assert holders == ["fr"]
    manifest = json.loads((built / MANIFEST).read_text(encoding="utf-8"))["articles"]
    assert all(FRENCH_ONLY not in (e["title"] + (e["description"] or "")) for e in manifest.values())


# ---------------------------------------------------------------- in Chromium
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_catalog(browser, dist: Path, javascript: bool = True):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((dist / "index.html").as_uri())
    if javascript:
        page.wait_for_function("document.documentElement.dataset.search === 'ready'",
                               timeout=20_000)
    page.errors = errors
    return page


def result_titles(page) -> list[str]:
    return page.eval_on_selector_all("#catalog-results .catalog > li > h3",
                                     "hs => hs.map(h => h.textContent)")


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def search(page, text: str) -> str:
    """Type `text` in the field and press Enter; the live region's words once it has said them."""
    page.evaluate("document.getElementById('catalog-status').textContent = ''")
    page.fill("#catalog-query", text)
    page.press("#catalog-query", "Enter")
    return status_after_typing(page)


def status_after_typing(page) -> str:
    page.wait_for_function("document.getElementById('catalog-status').textContent !== ''",
                           timeout=5_000)
    return page.text_content("#catalog-status")


def test_a_word_of_one_article_body_finds_that_article_first(browser, built):
    page = open_catalog(browser, built)
    page.focus("#catalog-query")
    page.keyboard.type(FRENCH_ONLY)
    assert status_after_typing(page) == "1 article found"
    assert result_titles(page) == ["Le port de pêche au petit matin"]
    assert focused(page) == "catalog-query"  # typing never moves focus
    # the result links to the article's files, as the static list does
    hrefs = page.eval_on_selector_all("#catalog-results .formats a", "as => as.map(a => a.getAttribute('href'))")
    assert hrefs == ["fr/fr.html", "fr/fr.pdf", "fr/fr.epub"]
    assert all((built / href).is_file() for href in hrefs)
    # the static list is out of the way while results show, and the live region is polite
    assert page.is_hidden("main > section[aria-labelledby^=language]") and page.get_attribute("#catalog-status", "role") == "status"
    assert page.errors == []
    page.context.close()


def link_facts(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(selector, "as => as.map(a => [a.getAttribute('href'), "
                                     "a.getAttribute('type'), a.firstChild.textContent])")


def test_a_result_offers_every_edition_as_the_static_list_does(browser, tmp_path):
    """An article with its listening and braille editions: each found result links to the same
    files, with the same types and names, as its entry in the page's static list."""
    shutil.copytree(LANGUAGES / "fr", tmp_path / "content" / "fr")
    run_cli("build", tmp_path / "content", "--out", tmp_path / "dist", "-j", "1", "--format",
            "html,pdf,epub,narrated-epub,audiobook,brf,pef")
    page = open_catalog(browser, tmp_path / "dist")
    static = link_facts(page, "main > ul.catalog .formats a, main > section .formats a")
    assert len(static) == 7 and all((tmp_path / "dist" / href).is_file() for href, _, _ in static)
    assert search(page, FRENCH_ONLY) == "1 article found"
    assert link_facts(page, "#catalog-results .formats a") == static
    assert page.errors == []
    page.context.close()


def test_a_title_word_ranks_its_article_above_a_body_mention_and_a_prefix_matches(browser, built):
    page = open_catalog(browser, built)
    search(page, "pêche")  # in the French title
    assert result_titles(page)[0] == "Le port de pêche au petit matin"
    assert search(page, "coto") == "1 article found"  # typing: the last word as a prefix
    assert result_titles(page) == ["Le port de pêche au petit matin"]
    assert search(page, "zzznothing") == "0 articles found"
    assert result_titles(page) == []
    page.context.close()


def test_unspaced_scripts_are_found_by_a_word_inside_a_sentence(browser, built):
    """Thai and Japanese titles are written without spaces: a word within is still found."""
    page = open_catalog(browser, built)
    manifest = json.loads((built / MANIFEST).read_text(encoding="utf-8"))["articles"]
    for tag in ("th", "ja"):
        title = manifest[tag]["title"]
        search(page, title[1:4])  # three characters from inside the title
        assert title in result_titles(page), tag
    page.context.close()


def test_filter_by_language_and_publisher_and_sort_by_title_and_date(browser, built):
    manifest = json.loads((built / MANIFEST).read_text(encoding="utf-8"))["articles"]
    page = open_catalog(browser, built)
    languages = page.eval_on_selector_all("#catalog-language option", "os => os.map(o => o.textContent)")
    assert languages[0] == "All languages" and len(languages) == 1 + len(manifest)
    french = next(o for o in languages if o.startswith("French"))
    page.focus("#catalog-language")
    page.select_option("#catalog-language", label=french)
    assert result_titles(page) == [manifest["fr"]["title"]]
    assert focused(page) == "catalog-language"  # a change of filter leaves focus on it
    page.select_option("#catalog-language", value="")
    publisher = manifest["pt-BR"]["publisher"]
    page.select_option("#catalog-publisher", label=publisher)
    assert result_titles(page) == [e["title"] for e in manifest.values() if e["publisher"] == publisher]
    page.select_option("#catalog-publisher", value="")
    page.select_option("#catalog-sort", value="title")
    titles = result_titles(page)
    assert sorted(titles) == sorted(e["title"] for e in manifest.values()) and len(titles) == 6
    assert titles.index("Le port de pêche au petit matin") < titles.index("O porto de pesca ao amanhecer")
    page.context.close()


def test_newest_and_oldest_first_follow_the_dates(browser, many):
    manifest = json.loads((many / MANIFEST).read_text(encoding="utf-8"))["articles"]
    by_title = {e["title"]: e["published"] for e in manifest.values()}
    page = open_catalog(browser, many)
    for order, reverse in (("newest", True), ("oldest", False)):
        page.select_option("#catalog-sort", value=order)
        dates = [by_title[t] for t in result_titles(page)]
        assert len(dates) == 50 and dates == sorted(dates, reverse=reverse), order
        expected = sorted(by_title.values(), reverse=reverse)[:50]
        assert dates == expected
    page.context.close()


def test_pages_of_results_by_keyboard_move_focus_to_the_results_heading(browser, many):
    page = open_catalog(browser, many)
    page.focus("#catalog-query")
    page.keyboard.type("harbour")
    page.keyboard.press("Enter")  # submit: focus stays in the field, the count is said
    assert focused(page) == "catalog-query"
    assert status_after_typing(page) == "115 articles found"  # the copies and the original
    first = result_titles(page)
    assert len(first) == 50
    nav = page.locator("#catalog-results nav")
    assert nav.get_attribute("aria-label") == "Pages of results"
    assert nav.locator("[aria-current=page]").inner_text() == "1"
    # Tab from the field: the search button, the three choices, then the results' links
    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
    assert order[:4] == ["Search", "catalog-language", "catalog-publisher", "catalog-sort"]
    assert order[4].startswith("Web page")
    # the page's "Next page" button, reached and pressed by keyboard only
    page.locator("#catalog-results nav button", has_text="Next page").focus()
    page.keyboard.press("Enter")
    assert focused(page) == "catalog-results-heading"
    second = result_titles(page)
    assert len(second) == 50 and not set(first) & set(second)
    assert nav.locator("[aria-current=page]").inner_text() == "2"
    page.locator("#catalog-results nav button", has_text="3").focus()
    page.keyboard.press("Space")
    assert focused(page) == "catalog-results-heading"
    third = result_titles(page)
    assert len(third) == 15 and len(set(first + second + third)) == 115
    assert page.errors == []
    page.context.close()


# ---------------------------------------------------------------- with JavaScript off
def static_pages(dist: Path) -> list[Path]:
    pages = [dist / "index.html"]
    while True:
        root = lxml.html.parse(str(pages[-1])).getroot()
        following = root.xpath("//nav[@class='catalog-pages']//a[@rel='next']/@href")
        if not following:
            return pages
        pages.append(dist / following[0])


def test_static_pages_link_every_article_once_with_page_numbers(many):
    manifest = json.loads((many / MANIFEST).read_text(encoding="utf-8"))["articles"]
    pages = static_pages(many)
    assert [p.name for p in pages] == ["index.html", "catalog-2.html", "catalog-3.html"]
    linked = []
    for number, path in enumerate(pages, 1):
        root = lxml.html.parse(str(path)).getroot()
        linked += [h for h in root.xpath("//main//a/@href") if h.endswith(".html")
                   and "/" in h]
        nav, = root.xpath("//nav[@class='catalog-pages']")
        assert nav.get("aria-label") == "Pages of the catalog"
        current = nav.xpath(".//a[@aria-current='page']")
        assert [a.text_content() for a in current] == [str(number)]
        assert current[0].get("href") == path.name
        assert [a.get("href") for a in nav.xpath(".//a[@aria-label]")] == [
            "index.html", "catalog-2.html", "catalog-3.html"]
        assert len(root.xpath("//main//li/h2 | //main//li/h3")) == (50 if number < 3 else 20)
        if number > 1:
            assert root.findtext(".//title") == f"Offline collection, page {number} of 3"
            assert nav.xpath(".//a[@rel='prev']/@href") == [pages[number - 2].name]
    assert sorted(linked) == sorted(f"{slug}/{slug}.html" for slug in manifest)
    # the list of languages links to the page where each language starts
    root = lxml.html.parse(str(pages[2])).getroot()
    hrefs = root.xpath("//nav[@aria-label='Languages']//a/@href")
    assert "index.html#language-ar" in hrefs and "#language-th" in hrefs


def test_with_javascript_off_the_form_is_hidden_and_the_pages_are_the_catalog(browser, many):
    page = open_catalog(browser, many, javascript=False)
    assert page.is_hidden("#catalog-search")
    assert page.locator("main .catalog > li").count() == 50
    page.click("nav.catalog-pages >> text=Next page")
    assert page.url.endswith("catalog-2.html")
    assert page.locator("main .catalog > li").count() == 50
    page.context.close()


def test_without_its_index_the_page_stays_a_usable_list(browser, many, tmp_path):
    """Break it: no index script (a copy that lost a file). No error, no dead form."""
    dist = tmp_path / "broken"
    shutil.copytree(many, dist)
    (dist / "catalog-index.js").unlink()
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((dist / "index.html").as_uri())
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "data-search") is None
    assert page.is_hidden("#catalog-search")
    assert page.locator("main .catalog > li").count() == 50
    assert errors == []
    context.close()
    # and the search test above would see it: nothing to type into
    assert not open_catalog_ready(browser, dist)


def open_catalog_ready(browser, dist: Path) -> bool:
    context = browser.new_context()
    page = context.new_page()
    page.goto((dist / "index.html").as_uri())
    page.wait_for_load_state("load")
    ready = page.evaluate("document.documentElement.dataset.search === 'ready'")
    context.close()
    return ready


# ---------------------------------------------------------------- axe
def axe_on(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe
    return Axe().run(page).response["violations"]


def test_axe_finds_nothing_with_and_without_results(browser, many):
    page = open_catalog(browser, many)
    assert axe_on(page) == []
    search(page, "harbour")
    assert axe_on(page) == []
    search(page, "zzznothing")
    assert axe_on(page) == []
    page.context.close()
    # the static pages, as with JavaScript off (the page's scripts are not loaded)
    context = browser.new_context()
    context.route("**/*.js", lambda route: route.abort())
    page = context.new_page()
    for name in ("index.html", "catalog-2.html"):
        page.goto((many / name).as_uri())
        assert page.is_hidden("#catalog-search")
        assert axe_on(page) == [], name
    context.close()


def test_axe_sees_a_search_field_without_its_label(browser, many, tmp_path):
    """The axe check above can fail: the same page with the field's label removed."""
    dist = tmp_path / "unlabelled"
    shutil.copytree(many, dist)
    index = dist / "index.html"
    html = index.read_text(encoding="utf-8")
    html = re.sub(r'<label for="catalog-query">[^<]*</label>', "", html)
    index.write_text(html, encoding="utf-8")
    page = open_catalog(browser, dist)
    assert "label" in {v["id"] for v in axe_on(page)}
    page.context.close()


# ---------------------------------------------------------------- in another language
def test_the_search_speaks_the_catalogs_language(browser, many, tmp_path):
    dist = tmp_path / "ru"
    shutil.copytree(many, dist)
    run_cli("package", dist, "--language", "ru")
    page = open_catalog(browser, dist)
    assert search(page, "harbour") == "Найдено 115 статей"  # the plural of 115 (many)
    assert page.text_content("#catalog-results-heading") == "Результаты поиска"
    assert page.get_attribute("#catalog-results nav", "aria-label") == "Страницы результатов"
    assert search(page, FRENCH_ONLY) == "Найдена 1 статья"
    page.context.close()


# ---------------------------------------------------------------- files
def test_pages_no_longer_written_are_removed_and_every_file_is_bagged(many, tmp_path):
    import bagit
    dist = tmp_path / "shrinking"
    shutil.copytree(many, dist)
    recorded = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))["catalog"]
    assert {"catalog-2.html", "catalog-3.html", "catalog.js", "catalog-index.js",
            "catalog-lunr.js"} <= set(recorded)
    bagged = bagit.Bag(str(dist / "bag")).payload_files()
    assert {f"data/{n}" for n in recorded} <= set(bagged)
    manifest = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    for i in range(60):  # 60 articles left: two pages
        del manifest["articles"][f"copy-{i:03d}"]
    (dist / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    run_cli("package", dist)
    assert (dist / "catalog-2.html").is_file() and not (dist / "catalog-3.html").exists()
    recorded = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))["catalog"]
    assert "catalog-3.html" not in recorded and "catalog-2.html" in recorded
    assert "data/catalog-3.html" not in bagit.Bag(str(dist / "bag")).payload_files()

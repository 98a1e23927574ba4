"""Every language an archive holds (issue 13): the renderer's own words from gettext catalogs in
the article's language, dates by locale, right-to-left EPUBs, and English only where a word truly
has no translation. The articles in tests/corpus/languages/ (Arabic, French, Brazilian
Portuguese, each with a photo, a heading, a list, a table and two notices) are built with the
real CLI, and their HTML, EPUB and PDF read back."""
from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import lxml.html
import pikepdf
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from lxml import etree

from renderer import l10n
from renderer.check import epub_findings, pdf_findings, run_axe, run_epubcheck, run_pdfua
from renderer.transcript import comparable, transcript

from conftest import CORPUS, ROOT, epub_member, run_cli
from test_errors import make_article

LANGUAGES = CORPUS / "languages"
ARTICLES = ("ar", "fr", "pt-BR")
LOCALE = ROOT / "renderer" / "locale"
COMPLETE = ("ar", "de", "en", "es", "fa", "fr", "he", "hi", "ja", "pt", "ru", "th", "uk",
            "zh_Hans", "zh_Hant")
NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf"}
ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def po(name: str):
    with open(LOCALE / name / "LC_MESSAGES" / "renderer.po", "rb") as stream:
        return read_po(stream)


def english_phrases() -> list[re.Pattern]:
    """The renderer's English words, from the English catalog's msgids (not from the code
    under test), as patterns: placeholders match anything; separators are left out."""
    patterns = []
    for message in po("en"):
        if not message.id or message.context == "punctuation":
            continue
        for text in (message.id if isinstance(message.id, tuple) else (message.id,)):
            if text in ("PDF", "EPUB"):  # names, the same in every language
                continue
            parts = [re.escape(p.strip()) for p in re.split(r"%\(\w+\)s", text) if p.strip()]
            if parts:
                patterns.append(re.compile(r"\b" + r".+?".join(parts) + r"\b", re.I))
    return patterns


@pytest.fixture(scope="session")
def built(languages_built) -> Path:
    """The corpus, built once for this module and tests/test_language_corpus.py (conftest)."""
    return languages_built


def files(built, article):
    return {fmt: built / article / f"{article}.{fmt}" for fmt in ("html", "pdf", "epub")}


def html_root(path):
    return lxml.html.parse(str(path)).getroot()


def xhtml(book, name="EPUB/article.xhtml"):
    return etree.fromstring(epub_member(book, name))


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def squeezed(text: str) -> str:
    """Without spaces and bidi controls: pdftotext writes right-to-left lines in visual runs."""
    return re.sub(r"[\s\u200e\u200f\u202a-\u202e]", "", text)


# ---------------------------------------------------------------- the catalogs
@pytest.mark.parametrize("tag, chain", [
    ("pt-BR", ["pt"]), ("pt", ["pt"]), ("fr-CA", ["fr"]), ("ar-EG", ["ar"]), ("en-US", ["en"]),
    ("zh-CN", ["zh_Hans"]), ("zh-SG", ["zh_Hans"]), ("zh", ["zh_Hans"]), ("zh-Hans", ["zh_Hans"]),
    ("zh-TW", ["zh_Hant"]), ("zh-HK", ["zh_Hant"]), ("zh-Hant", ["zh_Hant"]), ("iw", ["he"]),
    ("sw", []), ("und", [])])
def test_catalog_follows_bcp47_fallback(tag, chain):
    assert l10n.catalog_chain(tag) == chain


def test_every_catalog_translates_every_message_of_the_template():
    with open(LOCALE / "renderer.pot", "rb") as stream:
        template = {(m.context, m.id) for m in read_po(stream) if m.id}
    assert len(template) > 50
    assert sorted(l10n.available()) == list(COMPLETE)
    for name in COMPLETE:
        catalog = po(name)
        ids = {(m.context, m.id) for m in catalog if m.id}
        assert ids == template, name
        untranslated = [m.id for m in catalog if m.id and (m.fuzzy or not all(
            m.string if isinstance(m.string, tuple) else (m.string,)))]
        assert not untranslated, (name, untranslated[:3])
        assert not [error for _, error in catalog.check()], name  # placeholders, plural forms


def test_template_holds_every_message_of_the_code():
    """`pybabel extract` with babel.cfg finds nothing the template lacks (run `make catalogs`)."""
    with open(ROOT / "babel.cfg") as stream:
        method_map, options_map = parse_mapping_cfg(stream)
    found = {(context, message if isinstance(message, str) else message[0])
             for _, _, message, _, context in extract_from_dir(str(ROOT), method_map, options_map)}
    with open(LOCALE / "renderer.pot", "rb") as stream:
        template = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(stream)
                    if m.id}
    assert found == template


@pytest.mark.parametrize("name", COMPLETE)
def test_compiled_catalog_is_the_po_compiled(name):
    """The committed .mo is what `pybabel compile` makes of the .po (so an edit is not lost)."""
    compiled = io.BytesIO()
    write_mo(compiled, po(name))
    assert (LOCALE / name / "LC_MESSAGES" / "renderer.mo").read_bytes() == compiled.getvalue()


# ---------------------------------------------------------------- Arabic: no English anywhere
def test_arabic_outputs_hold_no_english_words_of_the_renderer(built):
    out = files(built, "ar")
    texts = {fmt: " | ".join(i.text for i in comparable(transcript(path)))  # no role names
             for fmt, path in out.items()}
    texts["pdftotext"] = pdf_text(out["pdf"])
    texts["html page"] = html_root(out["html"]).find("body").text_content()  # + skip link
    texts["epub nav"] = "".join(xhtml(out["epub"], "EPUB/nav.xhtml").itertext())
    package = etree.fromstring(epub_member(out["epub"], "EPUB/content.opf"))
    texts["epub metadata"] = " | ".join(  # the provenance statement is declared English
        m.text for m in package.iter("{*}meta") if m.text and m.get(XML_LANG) != "en"
        and m.get("property") != "dcterms:conformsTo")  # a standard's name, not our words
    patterns = english_phrases()
    assert len(patterns) > 50
    for where, text in texts.items():
        found = [p.pattern for p in patterns if p.search(text)]
        assert not found, (where, found[:5])
    for where in ("html", "pdf", "epub"):
        assert "عن هذه النسخة" in texts[where] and "حقوق الصورة: سلمى حداد" in texts[where], where


def test_arabic_outputs_declare_arabic_right_to_left_and_no_english(built):
    out = files(built, "ar")
    page = html_root(out["html"])
    chapter, nav = xhtml(out["epub"]), xhtml(out["epub"], "EPUB/nav.xhtml")
    for root in (page.find("body"), chapter, nav):
        assert not [e for e in root.iter() if isinstance(e.tag, str) and "en" in
                    (e.get("lang"), e.get(XML_LANG))]
    for root in (page, chapter, nav):
        assert root.get("lang") == "ar" and root.get("dir") == "rtl"
    provenance, = page.xpath("//meta[@name='DCTERMS.provenance']")  # English, and says so
    assert provenance.get("lang") == "en" and provenance.get("content").startswith("Rendered by")
    pdf = pikepdf.open(out["pdf"])
    assert str(pdf.Root.Lang) == "ar"
    langs = set()
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Dictionary):
            if "/Lang" in node:
                langs.add(str(node.Lang))
            kids = node.get("/K")
            stack += list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids else []
    assert "en" not in langs


def test_rtl_epub_turns_pages_right_to_left(built):
    package = etree.fromstring(epub_member(files(built, "ar")["epub"], "EPUB/content.opf"))
    assert package.find("opf:spine", NS).get("page-progression-direction") == "rtl"
    assert package.get("dir") == "rtl"
    french = etree.fromstring(epub_member(files(built, "fr")["epub"], "EPUB/content.opf"))
    assert french.find("opf:spine", NS).get("page-progression-direction") is None


# ---------------------------------------------------------------- the words, in each language
WORDS = {  # written here, not read from the catalogs
    "ar": {"skip": "الانتقال إلى المحتوى الرئيسي", "about": "عن هذه النسخة",
           "notices": ["إشعار أرشيفي", "ملاحظة"], "credit": "حقوق الصورة: سلمى حداد",
           "identifier": "المعرف: AR-2022-0001", "description": "وصف «الميناء»",
           "date": "1 مارس 2022", "footer": "الصفحة 1 من 2", "contents": "المحتويات"},
    "fr": {"skip": "Aller au contenu principal", "about": "À propos de cette copie",
           "notices": ["Note d’archivage", "Note"], "credit": "Crédit\u00a0: Claire Martin",
           "identifier": "Identifiant\u00a0: FR-2022-0001",
           "description": "Description de «\u00a0Le port\u00a0»", "date": "1 mars 2022",
           "footer": "Page 1 sur 2", "contents": "Table des matières"},
    "pt-BR": {"skip": "Ir para o conteúdo principal", "about": "Sobre esta cópia",
              "notices": ["Aviso de arquivo", "Nota"], "credit": "Crédito: Ana Souza",
              "identifier": "Identificador: BR-2022-0001",
              "description": "Descrição de “O porto”", "date": "1 de março de 2022",
              "footer": "Página 1 de 2", "contents": "Índice"},
}


@pytest.mark.parametrize("article", ARTICLES)
def test_labels_and_dates_are_in_the_article_language(built, article):
    words, out = WORDS[article], files(built, article)
    page = html_root(out["html"])
    assert page.find_class("skip-link")[0].text_content() == words["skip"]
    assert page.get_element_by_id("about-this-copy").text_content() == words["about"]
    assert [p.text_content() for p in page.find_class("notice-label")] == words["notices"]
    for fmt in ("html", "pdf", "epub"):
        items = [i.text for i in transcript(out[fmt])]
        for key in ("credit", "identifier", "description", "about"):
            assert " ".join(words[key].split()) in items, (fmt, key)
        assert f"{' '.join(words['about'].split())}" in items
    # dates: the article's locale in the text, ISO 8601 for machines
    times = page.xpath("//time")
    assert [t.text for t in times] == [words["date"]] * 3  # byline, published, rendered
    assert {t.get("datetime") for t in times} == {"2022-03-01"}
    package = etree.fromstring(epub_member(out["epub"], "EPUB/content.opf"))
    assert package.find(".//{*}date").text == "2022-03-01"
    # the print footer, and the EPUB's contents
    assert squeezed(words["footer"]) in squeezed(pdf_text(out["pdf"]))
    nav = xhtml(out["epub"], "EPUB/nav.xhtml")
    assert nav.find(".//x:h1", NS).xpath("string()") == words["contents"]


@pytest.mark.parametrize("article", ARTICLES)
def test_transcripts_of_the_three_outputs_agree(built, article):
    found = {fmt: comparable(transcript(path)) for fmt, path in files(built, article).items()}
    assert found["pdf"] == found["html"] and found["epub"] == found["html"]


@pytest.mark.parametrize("article", ARTICLES)
def test_validators_pass(built, article):
    out = files(built, article)
    assert epub_findings(run_epubcheck(out["epub"])) == []
    report = run_pdfua(out["pdf"])
    assert report.is_compliant and pdf_findings(report) == []
    assert run_axe([out["html"]])[out["html"]] == []


def test_summary_is_in_the_article_language(built):
    meta = {m.get("property"): m.text for m in etree.fromstring(epub_member(
        files(built, "fr")["epub"], "EPUB/content.opf")).iter("{*}meta")}
    assert meta["schema:accessibilitySummary"].startswith(
        "Cet EPUB contient un seul article, avec une table des matières")
    assert "Il contient 1 photo\u00a0; elle a une alternative textuelle" in \
        meta["schema:accessibilitySummary"]
    assert meta["a11y:certifiedBy"] == "contrôles automatiques de renderer 0.1.0"
    assert meta["pageBreakSource"] == "Le port de pêche au petit matin (édition PDF, A4\u00a0: fr.pdf)"


def test_pt_br_reads_the_portuguese_catalog_with_brazilian_dates(built):
    assert l10n.catalog_chain("pt-BR") == ["pt"]
    page = html_root(files(built, "pt-BR")["html"])
    assert page.get_element_by_id("about-this-copy").text_content() == "Sobre esta cópia"
    assert not page.find("body").xpath(".//*[@lang='en']")  # no English island
    assert l10n.localizer("pt-BR").locale.territory == "BR"  # dates by pt_BR's CLDR data


# ---------------------------------------------------------------- no catalog: English, marked and reported
SWAHILI = ("---\ntitle: Bandari ya wavuvi\nlanguage: sw\npublished: 2022-03-01\n"
           "publisher: Wachapishaji wa Majaribio\nrights: Kikoa cha umma\n"
           "notice: Ukurasa huu ni sehemu ya mkusanyiko wa kihistoria.\n---\n\n"
           "Kazi bandarini huanza kabla ya jua kuchomoza.\n")


def test_a_language_without_catalog_falls_back_to_marked_english_with_one_warning(tmp_path):
    article = make_article(tmp_path / "sw", SWAHILI, images=())
    result = run_cli("render", article, "--out", tmp_path / "out")
    warnings = [line for line in result.stderr.splitlines() if "untranslated" in line]
    assert len(warnings) == 1, result.stderr
    assert "warning untranslated:" in warnings[0] and "'sw'" in warnings[0]
    assert "'Archival notice', 'Skip to main content', 'About this copy'" in warnings[0]
    page = html_root(tmp_path / "out" / "sw" / "sw.html")
    assert page.get("lang") == "sw"
    skip = page.find_class("skip-link")[0]
    island, = skip
    assert island.get("lang") == "en" and island.text == "Skip to main content"
    heading = page.get_element_by_id("about-this-copy")
    assert heading[0].get("lang") == "en" and heading.text_content() == "About this copy"
    notice = page.find_class("notice-label")[0]
    assert notice.get("lang") == "en" and notice.text_content() == "Archival notice"
    assert page.xpath("//time")[0].text == "1 Machi 2022"  # Babel has Swahili dates
    # --strict refuses it, before writing anything
    refused = run_cli("render", article, "--out", tmp_path / "strict", "--strict", check=False)
    assert refused.returncode == 2 and "no 'sw' translation" in refused.stderr
    assert not (tmp_path / "strict" / "sw" / "sw.html").exists()


# ---------------------------------------------------------------- the catalog page
def test_catalog_page_in_english_names_each_language_twice(built):
    page = html_root(built / "index.html")
    assert page.get("lang") == "en"
    facts = [p.text_content() for p in page.find_class("catalog-facts")]
    assert any("Language: Arabic – العربية." in f for f in facts)
    assert any("Language: French – français." in f for f in facts)
    assert all("Published: March 1, 2022." in f for f in facts)
    arabic = page.xpath("//li[@lang='ar']")[0]
    assert arabic.get("dir") == "rtl" and arabic.find_class("catalog-facts")[0].get("dir") == "ltr"


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> Path:
    """ar, fr and pt-BR alone, built as a collection: the catalog tests name every language."""
    import shutil
    root = tmp_path_factory.mktemp("three")
    for article in ARTICLES:
        shutil.copytree(LANGUAGES / article, root / "content" / article)
    run_cli("build", root / "content", "--out", root / "dist", "-j", "1")
    return root / "dist"


def test_catalog_page_and_feed_in_another_language(three, tmp_path):
    import shutil
    dist = tmp_path / "dist"
    shutil.copytree(three, dist)
    run_cli("package", dist, "--language", "fr")
    page = html_root(dist / "index.html")
    assert page.get("lang") == "fr"
    assert page.find(".//h1").text == "Collection hors ligne"
    assert page.find_class("skip-link")[0].text_content() == "Aller au contenu principal"
    facts = [p.text_content() for p in page.find_class("catalog-facts")]
    assert any("Langue\u00a0: arabe – العربية." in f for f in facts)
    assert all("Date de publication\u00a0: 1 mars 2022." in f for f in facts)
    sizes = [li.text_content() for li in page.xpath("//ul[@class='formats']/li")]
    assert all(re.search(r"\(\d+(,\d)?\u202fko\)$", s) for s in sizes), sizes
    feed = etree.parse(str(dist / "opds.xml")).getroot()
    assert feed.get(XML_LANG) == "fr"
    assert feed.find("{http://www.w3.org/2005/Atom}title").text == "Collection hors ligne"
    # the languages by their French names, capitalised standing alone ("Langue : arabe" within
    # a sentence), in the list, the headings and the facets
    assert page.xpath("//nav")[0].get("aria-label") == "Langues"
    assert [a.text_content() for a in page.xpath("//nav//a")] == [
        "Arabe – العربية (1 article)", "Français (1 article)",
        "Portugais (Brésil) – português (Brasil) (1 article)"]
    facets = feed.findall(f"{ATOM}link[@rel='http://opds-spec.org/facet']")
    assert [f.get("title") for f in facets] == [
        "Toutes les langues", "Arabe – العربية", "Français",
        "Portugais (Brésil) – português (Brasil)"]
    assert {f.get("{http://opds-spec.org/2010/catalog}facetGroup") for f in facets} == {"Langue"}
    french = etree.parse(str(dist / "opds-fr.xml")).getroot()
    assert french.findtext(f"{ATOM}title") == "Collection hors ligne\u00a0: français"
    assert run_axe([dist / "index.html"])[dist / "index.html"] == []
    bad = run_cli("package", dist, "--language", "not a tag", check=False)
    assert bad.returncode == 2 and "BCP 47" in bad.stderr


def test_arabic_catalog_groups_languages_in_arabic_order_and_words(three, tmp_path):
    """`package --language ar`: the list of languages, the groups' headings and the feeds'
    facets are Arabic (no English phrase of the renderer's), in the order of the Arabic
    names (البرتغالية, العربية, الفرنسية: ب, ع, ف), each other language's own name marked
    left to right."""
    import shutil
    dist = tmp_path / "dist"
    shutil.copytree(three, dist)
    run_cli("package", dist, "--language", "ar")
    page = html_root(dist / "index.html")
    assert page.get("lang") == "ar" and page.get("dir") == "rtl"
    nav = page.xpath("//nav")[0]
    assert nav.get("aria-label") == "اللغات"
    headings = page.xpath("//main/section/h2")
    assert [h.get("id") for h in headings] == ["language-pt-BR", "language-ar", "language-fr"]
    assert [a.get("href") for a in nav.iter("a")] == ["#" + h.get("id") for h in headings]
    assert [(s.get("lang"), s.get("dir")) for s in headings[2].xpath(".//span[@lang]")] == [
        ("fr", "ltr")]
    assert headings[2].text_content().startswith("الفرنسية – français")
    assert "مقالة واحدة" in headings[2].text_content()  # "one article"
    feeds = [etree.parse(str(dist / name)).getroot() for name in ("opds.xml", "opds-fr.xml")]
    facets = feeds[0].findall(f"{ATOM}link[@rel='http://opds-spec.org/facet']")
    assert facets[0].get("title") == "جميع اللغات"
    words = [nav.text_content()] + [h.text_content() for h in headings] + [
        page.find_class("byline")[0].text_content(), page.find_class("skip-link")[0].text_content(),
        feeds[1].findtext(f"{ATOM}title")] + [
        f.get("title") + " " + f.get("{http://opds-spec.org/2010/catalog}facetGroup") for f in facets]
    patterns = english_phrases()
    for text in words:
        assert not [p.pattern for p in patterns if p.search(text)], text
    assert run_axe([dist / "index.html"])[dist / "index.html"] == []


def test_wheel_carries_the_compiled_catalogs(tmp_path):
    """An English render cannot tell (English is the msgids); so look into the wheel itself."""
    import shutil
    import sys
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "dist", "build", "*.egg-info", "__pycache__", ".pytest_cache", "tests"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "w",
                    source], check=True, capture_output=True)
    [wheel] = (tmp_path / "w").glob("renderer-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for name in COMPLETE:
        assert f"renderer/locale/{name}/LC_MESSAGES/renderer.mo" in names, name

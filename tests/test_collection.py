"""Collections: incremental parallel builds, images prepared for offline, the offline package."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from renderer.images import prepare_image

from conftest import CORPUS, FRONT, SEED_ARTICLE, make_article, run_cli


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """A content folder with the seed and two corpus articles, built once."""
    root = tmp_path_factory.mktemp("collection")
    content = root / "content"
    for article in (SEED_ARTICLE, CORPUS / "good" / "everything", CORPUS / "good" / "arabic-notice"):
        shutil.copytree(article, content / article.name)
    # A camera-sized photo, so that preparing images has something to scale down.
    (content / "everything" / "images" / "river.jpg").write_bytes(jpeg((2400, 1600)))
    result = run_cli("build", content, "--out", root / "dist", "-j", "2")
    assert "3 built, 0 unchanged" in result.stdout
    return root


def mtimes(dist: Path) -> dict[str, int]:
    return {str(p.relative_to(dist)): p.stat().st_mtime_ns for p in dist.glob("*/*.*")}


def test_noop_rebuild_skips_everything(collection):
    dist = collection / "dist"
    before = mtimes(dist)
    result = run_cli("build", collection / "content", "--out", dist)
    assert "0 built, 3 unchanged, 0 removed, 0 failed" in result.stdout
    assert mtimes(dist) == before


def test_one_changed_image_rebuilds_only_its_article(collection):
    dist, content = collection / "dist", collection / "content"
    image = content / "everything" / "images" / "divider.png"
    Image.new("RGB", (90, 6), (10, 90, 160)).save(image)
    before = mtimes(dist)
    result = run_cli("build", content, "--out", dist)
    assert "1 built, 2 unchanged" in result.stdout
    after = mtimes(dist)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed and all(name.startswith("everything/") for name in changed)


def test_deleted_article_outputs_are_removed(collection):
    dist, content = collection / "dist", collection / "content"
    shutil.rmtree(content / "arabic-notice")
    result = run_cli("build", content, "--out", dist)
    assert "1 removed" in result.stdout
    assert not (dist / "arabic-notice").exists()
    manifest = json.loads((dist / "manifest.json").read_text())
    assert set(manifest["articles"]) == {"dod-quds-force-commander", "everything"}
    assert "arabic-notice" not in (dist / "index.html").read_text()


def test_failing_article_is_reported_and_others_still_build(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CORPUS / "good" / "everything", content / "good")
    (content / "bad").mkdir()
    (content / "bad" / "article.md").write_text("---\ntitle: x\n---\n\nText.\n")
    result = run_cli("build", content, "--out", tmp_path / "dist", check=False)
    assert result.returncode == 2
    assert "1 built, 0 unchanged, 0 removed, 1 failed" in result.stdout
    assert f"{content / 'bad' / 'article.md'}:1: front matter has no 'language'" in result.stderr
    assert (tmp_path / "dist" / "good" / "good.pdf").is_file()


# ---------------------------------------------------------------- images
def jpeg(size, exif=None, orientation=None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1] // 4))
    info = Image.Exif()
    if orientation:
        info[0x0112] = orientation
    if exif:
        info.get_ifd(0x8825)[1] = "N"  # GPS latitude reference: a location record
        info[0x0110] = "PhoneCam 9000"  # camera model
    out = io.BytesIO()
    image.save(out, "JPEG", exif=info.tobytes())
    return out.getvalue()


def test_photos_are_downscaled_never_upscaled():
    big = Image.open(io.BytesIO(prepare_image(jpeg((2400, 1600)), max_edge=1600)))
    assert big.size == (1600, 1067)
    small = jpeg((800, 500))
    assert Image.open(io.BytesIO(prepare_image(small, max_edge=1600))).size == (800, 500)


def test_location_and_device_exif_are_dropped():
    source = jpeg((800, 500), exif=True)
    assert Image.open(io.BytesIO(source)).getexif()[0x0110] == "PhoneCam 9000"
    prepared = Image.open(io.BytesIO(prepare_image(source)))
    exif = prepared.getexif()
    assert not exif.get_ifd(0x8825) and 0x0110 not in exif and "exif" not in prepared.info


def test_orientation_is_applied():
    rotated = prepare_image(jpeg((800, 400), orientation=6))  # 6: rotate 90° clockwise to view
    image = Image.open(io.BytesIO(rotated))
    assert image.size == (400, 800) and not image.getexif().get(0x0112)


def test_prepared_images_are_shared_cached_and_originals_untouched(collection):
    dist = collection / "dist"
    original = jpeg((2400, 1600))
    copy = (collection / "content" / "everything" / "images" / "river.jpg").read_bytes()
    assert copy == original
    page_image = (dist / "everything" / "images" / "river.jpg").read_bytes()
    assert Image.open(io.BytesIO(page_image)).size == (1600, 1067)
    import zipfile
    with zipfile.ZipFile(dist / "everything" / "everything.epub") as book:
        assert book.read("EPUB/images/river.jpg") == page_image
    cached = list((dist / ".cache" / "images").glob("*.jpg"))
    assert any(p.read_bytes() == page_image for p in cached)


@pytest.mark.parametrize("slug", ["dod-quds-force-commander", "everything"])  # the latter: a 2400×1600 photo
def test_pdf_and_epub_together_under_one_megabyte(collection, slug):
    folder = collection / "dist" / slug
    total = sum((folder / f"{slug}.{s}").stat().st_size for s in ("pdf", "epub"))
    assert total < 1_000_000


# ---------------------------------------------------------------- the package
def test_catalog_lists_every_article_with_its_files_and_passes_axe(collection):
    from renderer.check import run_axe
    import lxml.html
    dist = collection / "dist"
    page = lxml.html.parse(str(dist / "index.html")).getroot()
    # h2 in a collection of one language, h3 under each language's h2 in one of several
    titles = page.xpath("//main//li/*[self::h2 or self::h3]/text()")
    assert "Senior DOD Official Describes Rationale for Attack on Quds Force Commander" in titles
    for href in page.xpath("//main//a/@href"):
        assert (dist / href).is_file(), href
    assert run_axe([dist / "index.html"])[dist / "index.html"] == []


def test_opds_feed_is_an_acquisition_feed(collection):
    dist = collection / "dist"
    feed = etree.parse(str(dist / "opds.xml")).getroot()
    ns = {"a": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/terms/"}
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.find("a:id", ns).text.startswith("urn:uuid:")
    self_link = feed.find("a:link[@rel='self']", ns)
    assert "profile=opds-catalog" in self_link.get("type") and "kind=acquisition" in self_link.get("type")
    entries = feed.findall("a:entry", ns)
    assert len(entries) == len(json.loads((dist / "manifest.json").read_text())["articles"])
    for entry in entries:
        assert entry.find("a:title", ns).text and entry.find("dc:language", ns).text
        kinds = {l.get("type"): l for l in entry.findall("a:link", ns)}
        epub = kinds["application/epub+zip"]
        assert epub.get("rel") == "http://opds-spec.org/acquisition"
        assert (dist / epub.get("href")).stat().st_size == int(epub.get("length"))
        assert kinds["application/pdf"].get("rel") == "http://opds-spec.org/acquisition"


def test_bag_is_valid_and_holds_the_package(collection):
    import bagit
    dist = collection / "dist"
    run_cli("package", dist, "--organisation", "Test Archive")
    bag = bagit.Bag(str(dist / "bag"))
    bag.validate()  # raises on any mismatch
    assert bag.info["Source-Organization"] == "Test Archive"
    assert "sha256" in bag.algorithms
    assert (dist / "bag" / "data" / "index.html").is_file()
    assert (dist / "bag" / "data" / "opds.xml").is_file()
    (dist / "bag" / "data" / "index.html").write_text("tampered")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(dist / "bag")).validate()


def test_each_pdf_shows_its_own_photos_when_one_worker_builds_several(tmp_path):
    """Articles with photos at the same relative path, built one after another by one warm
    worker: each PDF must hold its own photo. (WeasyPrint caches images by URL, and every
    article is laid out at the same base URL: a cache kept across articles put the first
    article's photo into every later PDF.) The oracle is the photo's colour, read back
    from the PDF's image with pikepdf and Pillow, against the colour written here."""
    import pikepdf
    from pikepdf import PdfImage

    colours = {"red-one": (200, 30, 30), "green-two": (30, 160, 40), "blue-three": (30, 40, 190)}
    for slug, colour in colours.items():
        folder = tmp_path / "content" / slug
        (folder / "images").mkdir(parents=True)
        Image.new("RGB", (400, 300), colour).save(folder / "images" / "photo.jpg", quality=95)
        (folder / "article.md").write_text(
            f"---\ntitle: {slug}\nlanguage: en\npublished: 2020-01-03\npublisher: Test Press\nrights: Public domain\n---\n\nText.\n\n"
            "```figure\nsrc: images/photo.jpg\nalt: A plain square of colour.\n```\n",
            encoding="utf-8")
    run_cli("build", tmp_path / "content", "--out", tmp_path / "dist", "-j", "1")
    for slug, colour in colours.items():
        with pikepdf.open(tmp_path / "dist" / slug / f"{slug}.pdf") as pdf:
            images = [PdfImage(x).as_pil_image() for page in pdf.pages
                      for x in page.get_images().values()]
        assert len(images) == 1, slug
        seen = images[0].convert("RGB").resize((1, 1)).getpixel((0, 0))
        assert all(abs(a - b) <= 12 for a, b in zip(seen, colour)), (slug, seen, colour)


# ---------------------------------------------------------------- languages: grouped, filtered
ATOM, THR = "http://www.w3.org/2005/Atom", "http://purl.org/syndication/thread/1.0"
OPDS = "http://opds-spec.org/2010/catalog"
DC_LANGUAGE = "{http://purl.org/dc/terms/}language"
FACET = "http://opds-spec.org/facet"
ACQUISITION_FEED = "application/atom+xml;profile=opds-catalog;kind=acquisition"
# RFC 4287's Atom schema with OPDS 1.2's facet links, in RELAX NG, written for the tests
FEED_SCHEMA = CORPUS / "schemas" / "opds-atom.rng"


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory):
    """The Arabic, French and Brazilian Portuguese articles of the language corpus and a second
    French one, built once: three languages, one of them twice."""
    root = tmp_path_factory.mktemp("multilingual")
    content = root / "content"
    for name in ("ar", "fr", "pt-BR"):
        shutil.copytree(CORPUS / "languages" / name, content / name)
    shutil.copytree(CORPUS / "languages" / "fr", content / "fr-2")
    source = content / "fr-2" / "article.md"
    text = source.read_text(encoding="utf-8")
    for old, new in (("title: Le port de pêche au petit matin", "title: Le marché aux poissons"),
                     ("published: 2022-03-01", "published: 2021-05-04"),
                     ("port-au-petit-matin", "marche-aux-poissons")):
        assert old in text
        text = text.replace(old, new)
    source.write_text(text, encoding="utf-8")
    result = run_cli("build", content, "--out", root / "dist", "-j", "2")
    assert "4 built" in result.stdout
    return root / "dist"


def facets(feed) -> list:
    """The feed's language facets (its year facets are tests/test_opds.py's)."""
    links = feed.findall(f"{{{ATOM}}}link[@rel='{FACET}']")
    group = f"{{{OPDS}}}facetGroup"
    years = {f.get(group) for f in links if f.get("href").startswith("opds.year-")}
    return [f for f in links if f.get(group) not in years]


def assert_valid_feed(path: Path):
    schema = etree.RelaxNG(etree.parse(str(FEED_SCHEMA)))
    assert schema.validate(etree.parse(str(path))), (path.name, schema.error_log.last_error)


def heading_levels(page) -> list[int]:
    return [int(h.tag[1]) for h in page.iter("h1", "h2", "h3", "h4", "h5", "h6")]


def test_catalog_groups_articles_by_language_under_a_list_of_languages(multilingual):
    from renderer.check import run_axe
    import lxml.html
    page = lxml.html.parse(str(multilingual / "index.html")).getroot()
    nav, = page.xpath("//nav")
    assert nav.get("aria-label") == "Languages"
    links = [(a.text_content(), a.get("href")) for a in nav.iter("a")]
    # by the English names, each with its own name and the number of articles
    assert [text for text, _ in links] == [
        "Arabic – العربية (1 article)", "French – français (2 articles)",
        "Portuguese (Brazil) – português (Brasil) (1 article)"]
    sections = page.xpath("//main/section")
    assert [(s.find("h2").text_content(), "#" + s.find("h2").get("id")) for s in sections] == links
    assert all(s.get("aria-labelledby") == s.find("h2").get("id") for s in sections)
    articles = [[(li.get("lang"), li.findtext("h3")) for li in s.xpath("ul/li")] for s in sections]
    assert articles == [[("ar", "ميناء الصيد في الصباح")],
                        [("fr", "Le port de pêche au petit matin"),  # newest first
                         ("fr", "Le marché aux poissons")],
                        [("pt-BR", "O porto de pesca ao amanhecer")]]
    # a language's own name is in that language (and its direction) for screen readers
    assert [(s.get("lang"), s.get("dir"), s.text) for s in nav.xpath(".//span[@lang]")] == [
        ("ar", "rtl", "العربية"), ("fr", None, "français"), ("pt-BR", None, "português (Brasil)")]
    assert heading_levels(page) == [1, 2, 3, 2, 3, 3, 2, 3]
    assert run_axe([multilingual / "index.html"])[multilingual / "index.html"] == []


def test_languages_are_in_the_alphabetical_order_of_the_catalog_language(multilingual, tmp_path):
    """In Russian, Portuguese (португальский) comes before French (французский): the
    order of the names, not of the tags (ar, fr, pt-BR) nor of the English names; in
    Spanish, "Árabe" comes first, its accent set aside (by code point, "Á" follows "z")."""
    from renderer.check import run_axe
    import lxml.html
    dist = tmp_path / "dist"
    shutil.copytree(multilingual, dist)
    run_cli("package", dist, "--language", "ru")
    page = lxml.html.parse(str(dist / "index.html")).getroot()
    nav, = page.xpath("//nav")
    assert nav.get("aria-label") == "Языки"
    names = [a.text_content() for a in nav.iter("a")]
    # standing alone, a name starts with a capital (CLDR's titlecase-firstword in menus)
    assert [n.split(" – ")[0].split(" (")[0] for n in names] == [
        "Арабский", "Португальский", "Французский"]
    assert names[0].endswith("(1 статья)") and names[2].endswith("(2 статьи)")  # 1, 2: plural
    root = etree.parse(str(dist / "opds.xml")).getroot()
    assert [f.get("href") for f in facets(root)] == [
        "opds.xml", "opds-ar.xml", "opds-pt-BR.xml", "opds-fr.xml"]
    assert facets(root)[0].get("title") == "Все языки"
    assert {f.get(f"{{{OPDS}}}facetGroup") for f in facets(root)} == {"Язык"}
    assert run_axe([dist / "index.html"])[dist / "index.html"] == []
    run_cli("package", dist, "--language", "es")
    page = lxml.html.parse(str(dist / "index.html")).getroot()
    assert [a.text_content().split(" – ")[0] for a in page.xpath("//nav//a")] == [
        "Árabe", "Francés", "Portugués (Brasil)"]


def test_opds_feed_offers_each_language_as_a_facet_with_a_feed_of_its_own(multilingual):
    root = etree.parse(str(multilingual / "opds.xml")).getroot()
    assert [(f.get("title"), f.get("href"), f.get(f"{{{THR}}}count")) for f in facets(root)] == [
        ("All languages", "opds.xml", "4"), ("Arabic – العربية", "opds-ar.xml", "1"),
        ("French – français", "opds-fr.xml", "2"),
        ("Portuguese (Brazil) – português (Brasil)", "opds-pt-BR.xml", "1")]
    every = {e.findtext(f"{{{ATOM}}}id") for e in root.iter(f"{{{ATOM}}}entry")}
    by_language, feed_ids = set(), set()
    for facet in facets(root):
        assert facet.get("type") == ACQUISITION_FEED
        assert facet.get(f"{{{OPDS}}}facetGroup") == "Language"
        path = multilingual / facet.get("href")
        assert_valid_feed(path)
        feed = etree.parse(str(path)).getroot()
        feed_ids.add(feed.findtext(f"{{{ATOM}}}id"))
        links = {l.get("rel"): l.get("href") for l in feed.findall(f"{{{ATOM}}}link")
                 if l.get("rel") != FACET}
        assert links["self"] == facet.get("href") and links["start"] == "opds.xml"
        # every feed offers the same facets; the one active is the feed itself, only it
        assert [f.get("href") for f in facets(feed)] == [f.get("href") for f in facets(root)]
        assert [f.get("href") for f in facets(feed)
                if f.get(f"{{{OPDS}}}activeFacet") == "true"] == [facet.get("href")]
        entries = feed.findall(f"{{{ATOM}}}entry")
        assert len(entries) == int(facet.get(f"{{{THR}}}count"))
        if facet.get("href") != "opds.xml":
            tag = facet.get("href").removeprefix("opds-").removesuffix(".xml")
            assert {e.findtext(DC_LANGUAGE) for e in entries} == {tag}
            assert links["alternate"] == f"index.html#language-{tag}"
            by_language |= {e.findtext(f"{{{ATOM}}}id") for e in entries}
    assert by_language == every and len(every) == 4
    assert len(feed_ids) == 4  # each feed its own atom:id


def test_the_feed_schema_refuses_what_atom_and_opds_forbid(multilingual):
    """The schema the feeds pass is no rubber stamp: a feed without its id, an
    opds:activeFacet other than "true", or a facet group on a link that is no facet fails."""
    schema = etree.RelaxNG(etree.parse(str(FEED_SCHEMA)))
    good = etree.parse(str(multilingual / "opds-fr.xml")).getroot()
    assert schema.validate(good)
    no_id = etree.fromstring(etree.tostring(good))
    no_id.remove(no_id.find(f"{{{ATOM}}}id"))
    inactive = etree.fromstring(etree.tostring(good))
    facets(inactive)[0].set(f"{{{OPDS}}}activeFacet", "false")
    stray = etree.fromstring(etree.tostring(good))
    stray.find(f"{{{ATOM}}}link[@rel='self']").set(f"{{{OPDS}}}facetGroup", "Language")
    assert not any(schema.validate(bad) for bad in (no_id, inactive, stray))


def test_a_language_gone_from_the_collection_takes_its_feed_with_it(tmp_path):
    import bagit
    import lxml.html
    content, dist = tmp_path / "content", tmp_path / "dist"
    for slug in ("de", "en", "fr"):
        make_article(content / slug, FRONT.replace("language: en", f"language: {slug}")
                     + "Text.\n", images=())
    stray = dist / "opds-xx.xml"  # a file of that shape the renderer did not write

    def feeds():  # each in OPDS 1.2 (XML) and 2.0 (JSON)
        return sorted(p.name for p in dist.glob("opds-*.*") if p != stray)

    def both(*tags):
        return sorted(f"opds-{tag}{suffix}" for tag in tags for suffix in (".json", ".xml"))

    def bagged():
        run_cli("package", dist)
        bag = bagit.Bag(str(dist / "bag"))
        bag.validate()
        return sorted(bag.payload_files())

    def recorded():  # the language feeds among the catalog's files (its scripts besides)
        names = json.loads((dist / "manifest.json").read_text())["catalog"]
        assert {"catalog.js", "catalog-index.js", "catalog-lunr.js"} <= set(names)
        return [n for n in names if n.startswith("opds-")]

    run_cli("build", content, "--out", dist, "-j", "2")
    assert feeds() == recorded() == both("de", "en", "fr")
    assert {f"data/{name}" for name in both("de", "en", "fr")} <= set(bagged())
    stray.write_text("the librarian's own file")

    shutil.rmtree(content / "de")
    assert "1 removed" in run_cli("build", content, "--out", dist).stdout
    assert feeds() == recorded() == both("en", "fr")
    root = etree.parse(str(dist / "opds.xml")).getroot()
    assert [f.get("href") for f in facets(root)] == ["opds.xml", "opds-en.xml", "opds-fr.xml"]
    page = lxml.html.parse(str(dist / "index.html")).getroot()
    assert [a.get("href") for a in page.xpath("//nav//a")] == ["#language-en", "#language-fr"]
    assert not {"data/opds-de.xml", "data/opds-de.json"} & set(bagged())

    shutil.rmtree(content / "fr")  # one language left: nothing to group or filter
    assert "1 removed" in run_cli("build", content, "--out", dist).stdout
    assert feeds() == recorded() == []
    assert facets(etree.parse(str(dist / "opds.xml")).getroot()) == []
    page = lxml.html.parse(str(dist / "index.html")).getroot()
    assert page.xpath("//nav") == [] and heading_levels(page) == [1, 2]
    assert bagged() == ["data/catalog-index.js", "data/catalog-lunr.js", "data/catalog.js",
                        "data/en/en.epub", "data/en/en.html", "data/en/en.pdf",
                        "data/index.html", "data/opds.json", "data/opds.png", "data/opds.xml"]
    assert stray.read_text() == "the librarian's own file"

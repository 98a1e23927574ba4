"""The OPDS feeds: OPDS 1.2 (Atom) and OPDS 2.0 (JSON), each checked against its schema; each
entry with its EPUB's accessibility metadata (checked against the EPUB's own package document,
read here independently), its language and its files' sizes; facets by language and year;
pages of 500 that a reader walks from the first to the last."""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import zipfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

import pytest
from jsonschema import Draft7Validator
from lxml import etree
from PIL import Image
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from conftest import CORPUS, SEED_ARTICLE, run_cli

ATOM, OPDS = "http://www.w3.org/2005/Atom", "http://opds-spec.org/2010/catalog"
SCHEMA_ORG, DCTERMS = "http://schema.org/", "http://purl.org/dc/terms/"
NS = {"a": ATOM, "opds": OPDS, "s": SCHEMA_ORG, "dc": DCTERMS}
FACET, ACQUISITION = "http://opds-spec.org/facet", "http://opds-spec.org/acquisition"
# RFC 4287's Atom schema with OPDS 1.2's facet links, in RELAX NG (see the file's header)
ATOM_SCHEMA = CORPUS / "schemas" / "opds-atom.rng"
OPDS2 = CORPUS / "schemas" / "opds2"  # OPDS 2.0 and Readium's JSON Schemas (README there)
UPDATED = datetime(2024, 1, 1, tzinfo=timezone.utc)


# ---------------------------------------------------------------- the schemas
def _python_patterns(node):
    """ECMA-262 named groups `(?<name>…)` as Python's `re` reads them (`(?:…)`)."""
    ecma = re.compile(r"\(\?<([A-Za-z][A-Za-z0-9]*)>")
    if isinstance(node, dict):
        return {(ecma.sub("(?:", k) if isinstance(k, str) and "(?<" in k else k):
                (ecma.sub("(?:", v) if k == "pattern" and isinstance(v, str) else
                 _python_patterns(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_python_patterns(v) for v in node]
    return node


@pytest.fixture(scope="module")
def feed_validator() -> Draft7Validator:
    """OPDS 2.0's feed schema, every `$ref` resolved to the vendored files (http and https
    spellings of Readium's addresses both occur): no network."""
    resources = []
    for path in sorted(OPDS2.rglob("*.schema.json")):
        contents = _python_patterns(json.loads(path.read_text(encoding="utf-8")))
        relative = path.relative_to(OPDS2 / path.relative_to(OPDS2).parts[0]).as_posix()
        if path.relative_to(OPDS2).parts[0] == "opds":
            urls = [f"https://drafts.opds.io/schema/{relative}"]
        else:
            urls = [f"{scheme}://readium.org/webpub-manifest/schema/{relative}"
                    for scheme in ("https", "http")]
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        resources += [(url, resource) for url in urls]
    registry = Registry().with_resources(resources)
    schema = registry.contents("https://drafts.opds.io/schema/feed.schema.json")
    return Draft7Validator(schema, registry=registry)


def json_errors(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


def atom_schema():
    return etree.RelaxNG(etree.parse(str(ATOM_SCHEMA)))


# ---------------------------------------------------------------- a collection
@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The seed, `everything` (photos, page numbers), the Arabic notice and the French and
    Arabic articles of the language corpus: three languages, three years. Built and
    packaged by the CLI as a user would."""
    root = tmp_path_factory.mktemp("opds")
    content = root / "content"
    for article in (SEED_ARTICLE, CORPUS / "good" / "everything",
                    CORPUS / "good" / "arabic-notice", CORPUS / "languages" / "fr",
                    CORPUS / "languages" / "ar"):
        shutil.copytree(article, content / article.name)
    run_cli("build", content, "--out", root / "dist", "-j", "2")
    run_cli("package", root / "dist")
    return root / "dist"


def manifest(dist: Path) -> dict:
    return json.loads((dist / "manifest.json").read_text(encoding="utf-8"))


def entries(feed) -> list:
    return feed.findall("a:entry", NS)


def opf_accessibility(epub: Path) -> dict:
    """The EPUB's own declarations, read here from its package document with plain XPath."""
    with zipfile.ZipFile(epub) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        opf = etree.fromstring(archive.read(path))

    def values(prop):
        return [m.text for m in opf.xpath(f"//*[local-name()='meta'][@property='{prop}']")
                if m.get("refines") is None]
    return {"features": values("schema:accessibilityFeature"),
            "modes": values("schema:accessMode"),
            "sufficient": values("schema:accessModeSufficient"),
            "hazards": values("schema:accessibilityHazard"),
            "summary": values("schema:accessibilitySummary"),
            "conforms": values("dcterms:conformsTo"),
            "language": opf.get("{http://www.w3.org/XML/1998/namespace}lang")}


# ---------------------------------------------------------------- OPDS 1.2 (Atom)
def test_every_xml_feed_is_valid_atom_with_opds_facets(dist):
    schema = atom_schema()
    names = sorted(p.name for p in dist.glob("opds*.xml"))
    assert "opds.xml" in names and "opds.year-2022.xml" in names and "opds-fr.xml" in names
    for name in names:
        assert schema.validate(etree.parse(str(dist / name))), (name, schema.error_log.last_error)


def test_the_atom_schema_fails_a_broken_feed(dist):
    """The check above is no rubber stamp: an entry without its id, a link without its href,
    an accessibility element inside an Atom element that allows none, each fails."""
    schema, good = atom_schema(), etree.parse(str(dist / "opds.xml")).getroot()
    assert schema.validate(good)
    no_id = copy.deepcopy(good)
    entry = entries(no_id)[0]
    entry.remove(entry.find("a:id", NS))
    no_href = copy.deepcopy(good)
    del entries(no_href)[0].find("a:link", NS).attrib["href"]
    in_title = copy.deepcopy(good)
    etree.SubElement(entries(in_title)[0].find("a:title", NS), f"{{{SCHEMA_ORG}}}accessMode")
    for broken in (no_id, no_href, in_title):
        assert not schema.validate(broken)


def test_each_entry_carries_its_epubs_accessibility_metadata(dist):
    """Compared with the EPUB's package document, read here without the renderer's code."""
    feed = etree.parse(str(dist / "opds.xml")).getroot()
    assert len(entries(feed)) == 5
    for entry in entries(feed):
        epub, = [l.get("href") for l in entry.findall("a:link", NS)
                 if l.get("type") == "application/epub+zip"]
        declared = opf_accessibility(dist / unquote(epub))
        assert declared["features"] and declared["summary"]  # something to compare

        def texts(tag):
            return [e.text for e in entry.findall(tag, NS)]
        assert texts("s:accessibilityFeature") == declared["features"]
        assert texts("s:accessMode") == declared["modes"]
        assert texts("s:accessModeSufficient") == declared["sufficient"]
        assert texts("s:accessibilityHazard") == declared["hazards"]
        assert texts("s:accessibilitySummary") == declared["summary"]
        assert texts("dc:conformsTo") == declared["conforms"]
        summary = entry.find("s:accessibilitySummary", NS)
        assert summary.get("{http://www.w3.org/XML/1998/namespace}lang") == declared["language"]


def test_each_entry_gives_its_language_and_each_link_its_files_size(dist):
    articles = manifest(dist)["articles"]
    feed = etree.parse(str(dist / "opds.xml")).getroot()
    by_id = {a["identifier"]: a for a in articles.values()}
    for entry in entries(feed):
        article = by_id[entry.findtext("a:id", namespaces=NS)]
        assert entry.findtext("dc:language", namespaces=NS) == article["language"]
        files = [l for l in entry.findall("a:link", NS) if l.get("length")]
        assert {l.get("type") for l in files} == {"text/html", "application/pdf",
                                                 "application/epub+zip"}
        for link in files:
            assert int(link.get("length")) == os.path.getsize(dist / unquote(link.get("href")))


def test_xml_feeds_point_to_their_json_twins_and_the_catalog_to_both(dist):
    import lxml.html
    for path in dist.glob("opds*.xml"):
        feed = etree.parse(str(path)).getroot()
        twin, = feed.xpath("a:link[@rel='alternate'][@type='application/opds+json']/@href",
                           namespaces=NS)
        assert twin == path.with_suffix(".json").name and (dist / twin).is_file()
    head = lxml.html.parse(str(dist / "index.html")).getroot().find("head")
    assert {(l.get("type"), l.get("href")) for l in head.iter("link")
            if l.get("rel") == "alternate"} == {
        ("application/atom+xml;profile=opds-catalog;kind=acquisition", "opds.xml"),
        ("application/opds+json", "opds.json")}


# ---------------------------------------------------------------- OPDS 2.0 (JSON)
def test_every_json_feed_is_valid_opds_2(dist, feed_validator):
    names = sorted(p.name for p in dist.glob("opds*.json"))
    assert names == sorted(p.with_suffix(".json").name for p in dist.glob("opds*.xml"))
    for name in names:
        document = json.loads((dist / name).read_text(encoding="utf-8"))
        assert json_errors(feed_validator, document) == [], name


@pytest.mark.parametrize("breakage", [
    "no self link", "no images", "no acquisition", "unknown feature", "mode set of one word",
    "no title"])
def test_the_opds_2_schema_fails_a_broken_feed(dist, feed_validator, breakage):
    document = json.loads((dist / "opds.json").read_text(encoding="utf-8"))
    assert json_errors(feed_validator, document) == []
    publication = document["publications"][0]
    a11y = publication["metadata"]["accessibility"]
    if breakage == "no self link":
        document["links"] = [l for l in document["links"] if l["rel"] != "self"]
    elif breakage == "no images":
        del publication["images"]
    elif breakage == "no acquisition":
        publication["links"] = [l for l in publication["links"] if l["rel"] != ACQUISITION]
    elif breakage == "unknown feature":
        a11y["feature"].append("readableByEveryone")
    elif breakage == "mode set of one word":
        a11y["accessModeSufficient"].append("textual,visual")  # a set is an array
    elif breakage == "no title":
        del publication["metadata"]["title"]
    assert json_errors(feed_validator, document)


def test_each_publication_carries_the_epubs_accessibility_as_readium_writes_it(dist):
    document = json.loads((dist / "opds.json").read_text(encoding="utf-8"))
    assert len(document["publications"]) == 5
    articles = {a["identifier"]: a for a in manifest(dist)["articles"].values()}
    for publication in document["publications"]:
        metadata = publication["metadata"]
        epub, = [l["href"] for l in publication["links"] if l["type"] == "application/epub+zip"]
        declared = opf_accessibility(dist / unquote(epub))
        a11y = metadata["accessibility"]
        assert a11y["feature"] == declared["features"]
        assert a11y["accessMode"] == declared["modes"]
        assert a11y["accessModeSufficient"] == [
            s.split(",") if "," in s else s for s in declared["sufficient"]]
        assert a11y["hazard"] == declared["hazards"]
        assert [a11y["summary"]] == declared["summary"]
        assert declared["conforms"] == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
        assert a11y["conformsTo"] == ["https://www.w3.org/TR/epub-a11y-11#wcag-2.2-aa"]
        assert metadata["language"] == articles[metadata["identifier"]]["language"]
        for link in publication["links"] + publication["images"]:
            assert (dist / unquote(link["href"])).is_file()


def test_the_cover_every_publication_shows_is_a_png_of_the_size_the_feed_says(dist):
    document = json.loads((dist / "opds.json").read_text(encoding="utf-8"))
    image, = {json.dumps(p["images"]) for p in document["publications"]}
    image, = json.loads(image)
    with Image.open(dist / image["href"]) as png:
        assert (png.format, png.size) == ("PNG", (image["width"], image["height"]))
    assert (dist / "bag" / "data" / image["href"]).is_file()


# ---------------------------------------------------------------- facets
def test_year_facets_count_and_hold_the_articles_of_their_year(dist, feed_validator):
    articles = manifest(dist)["articles"].values()
    counts = Counter(a["published"][:4] for a in articles)
    assert len(counts) == 3
    feed = etree.parse(str(dist / "opds.xml")).getroot()
    years = [(f.get("title"), f.get("href"), f.get("{http://purl.org/syndication/thread/1.0}count"))
             for f in feed.findall(f"a:link[@rel='{FACET}']", NS)
             if f.get(f"{{{OPDS}}}facetGroup") == "Year"]
    assert years == [("All years", "opds.xml", "5")] + [
        (year, f"opds.year-{year}.xml", str(counts[year])) for year in sorted(counts, reverse=True)]
    for year, count in counts.items():
        part = etree.parse(str(dist / f"opds.year-{year}.xml")).getroot()
        assert [e.findtext("dc:issued", namespaces=NS)[:4] for e in entries(part)] == [year] * count
        active = part.xpath("a:link[@opds:activeFacet='true']/@href", namespaces=NS)
        assert active == [f"opds.year-{year}.xml"]
        document = json.loads((dist / f"opds.year-{year}.json").read_text(encoding="utf-8"))
        assert len(document["publications"]) == document["metadata"]["numberOfItems"] == count
        group, = [g for g in document["facets"] if g["metadata"]["title"] == "Year"]
        assert [l["href"] for l in group["links"] if l.get("rel") == "self"] == [
            f"opds.year-{year}.json"]
    recorded_feeds = [n for n in manifest(dist)["catalog"] if n.startswith("opds")]
    assert sorted(recorded_feeds) == sorted(
        p.name for p in dist.glob("opds?*.*") if p.suffix in (".xml", ".json")
        and p.name not in ("opds.xml", "opds.json"))


# ---------------------------------------------------------------- pages
def clone(dist: Path, target: Path, n: int, years: int = 3):
    """target/ with N articles made from dist's (hard links: the same EPUBs), dated over
    `years` years, and its manifest; the catalog is then written by write_catalog."""
    source = manifest(dist)["articles"]
    kinds = sorted(source.items())
    articles = {}
    for i in range(n):
        name, entry = kinds[i % len(kinds)]
        slug = f"{name}-{i:05d}"
        outputs = {}
        for output, size in entry["outputs"].items():
            renamed = output.replace(name, slug, 1) if output.startswith(name + ".") else output
            (target / slug / renamed).parent.mkdir(parents=True, exist_ok=True)
            os.link(dist / name / output, target / slug / renamed)
            outputs[renamed] = size
        articles[slug] = dict(entry, title=f"{entry['title']} {i}", outputs=outputs,
                              published=f"{2010 + i % years}-06-01")
    (target / "manifest.json").write_text(json.dumps(
        {"renderer": "test", "articles": articles, "catalog": []}), encoding="utf-8")


def walk(dist: Path, first: str, suffix: str) -> list[list[str]]:
    """Follow `next` from `first` to the end; each page's EPUB hrefs, checking on the way
    that first, previous and last say the same as the walk."""
    pages, name, previous = [], first, None
    while name:
        if suffix == ".xml":
            feed = etree.parse(str(dist / name)).getroot()
            links = {l.get("rel"): l.get("href") for l in feed.findall("a:link", NS)}
            hrefs = feed.xpath("a:entry/a:link[@type='application/epub+zip']/@href",
                               namespaces=NS)
        else:
            document = json.loads((dist / name).read_text(encoding="utf-8"))
            links = {l["rel"]: l["href"] for l in document["links"]}
            hrefs = [l["href"] for p in document["publications"] for l in p["links"]
                     if l["type"] == "application/epub+zip"]
        assert links["self"] == name and links["first"] == first
        assert links.get("previous") == previous
        pages.append(hrefs)
        previous, name = name, links.get("next")
        if name is None:
            assert links["last"] == previous
    return pages


def test_a_long_feed_is_cut_in_pages_a_reader_walks_once_through(dist, tmp_path, feed_validator):
    from renderer.package import write_catalog
    big = tmp_path / "big"
    clone(dist, big, 1300)
    write_catalog(big, None, "", UPDATED)
    every = {f"{slug}/{slug}.epub" for slug in manifest(big)["articles"]}
    for suffix in (".xml", ".json"):
        pages = walk(big, f"opds{suffix}", suffix)
        assert [len(p) for p in pages] == [500, 500, 300]
        walked = [href for page in pages for href in page]
        assert len(walked) == len(set(walked)) and set(walked) == every
    # two Arabic articles, 520 copies: the Arabic feed has two pages; a year's 434, one
    assert (big / "opds-ar.page-2.xml").is_file() and (big / "opds-ar.page-2.json").is_file()
    assert not (big / "opds.year-2010.page-2.xml").exists()
    second = json.loads((big / "opds.page-2.json").read_text(encoding="utf-8"))
    assert second["metadata"] | {"title": None} == {
        "identifier": second["metadata"]["identifier"], "title": None,
        "modified": "2024-01-01T00:00:00Z", "numberOfItems": 1300, "itemsPerPage": 500,
        "currentPage": 2}
    assert json_errors(feed_validator, second) == []
    schema = atom_schema()
    assert schema.validate(etree.parse(str(big / "opds.page-3.xml"))), schema.error_log
    recorded = manifest(big)["catalog"]
    assert {"opds.page-2.xml", "opds.page-3.json", "opds.year-2012.xml",
            "opds-ar.page-2.json"} <= set(recorded)

    # each language feed's web page is the catalog page where that language's heading is
    # (a catalog of 1,300 is cut in pages of 50: most languages start after the first)
    for language_feed in sorted(big.glob("opds-*.xml")):
        if ".page-" in language_feed.name:
            continue
        root = etree.parse(str(language_feed)).getroot()
        page, = root.xpath("a:link[@rel='alternate'][@type='text/html']/@href", namespaces=NS)
        name, anchor = page.split("#")
        html = etree.parse(str(big / name), etree.HTMLParser())
        assert html.xpath(f"//h2[@id='{anchor}']"), (language_feed.name, page)

    # fewer articles (no copies of the Arabic notice nor of `everything`: 780), of two years:
    # the third page, the Arabic feed's second and the year 2012 go, from disk and record
    data = manifest(big)
    kept = sorted(s for s in data["articles"] if not s.startswith(("arabic-notice", "everything")))
    data["articles"] = {slug: dict(data["articles"][slug], published=f"201{i % 2}-06-01")
                        for i, slug in enumerate(kept)}
    (big / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    write_catalog(big, None, "", UPDATED)
    left = sorted(p.name for p in big.glob("opds*.*"))
    assert left == ["opds-ar.json", "opds-ar.xml", "opds-en-US.json", "opds-en-US.xml",
                    "opds-fr.json", "opds-fr.xml", "opds.json", "opds.page-2.json",
                    "opds.page-2.xml", "opds.png", "opds.xml", "opds.year-2010.json",
                    "opds.year-2010.xml", "opds.year-2011.json", "opds.year-2011.xml"]
    assert sorted(n for n in manifest(big)["catalog"] if n.startswith("opds")) == [
        n for n in left if n not in (
        "opds.json", "opds.png", "opds.xml")]


# ---------------------------------------------------------------- every EPUB, and bad ones
def test_every_epub_of_an_entry_gets_its_own_accessibility_metadata(dist, tmp_path,
                                                                      feed_validator):
    """A second EPUB of an article (a narrated edition, say) is described by its own package
    document: on its own link, in the XML and in the JSON; the entry keeps the main one's."""
    from renderer.l10n import localizer
    from renderer.package.entries import catalog_entries
    from renderer.package.opds import plan_feeds, write_feeds
    out = tmp_path / "dist"
    shutil.copytree(dist, out, ignore=shutil.ignore_patterns("bag"))
    seed = SEED_ARTICLE.name
    other = out / "everything" / "everything.epub"
    shutil.copy(other, out / seed / f"{seed}.narrated.epub")
    t = localizer("en")
    articles = catalog_entries(out)
    article, = [a for a in articles if a["slug"] == seed]
    article["files"].append(dict(article["files"][-1], name=f"{seed}.narrated.epub",
                                 href=f"{seed}/{seed}.narrated.epub", label="EPUB (narrated)"))
    feeds, facets = plan_feeds(articles, [], "Offline collection", t)
    write_feeds(out, "Offline collection", feeds[:1], [], UPDATED, dict(
        title="Offline collection", language="en", l10n=t, renderer="renderer", direction="ltr"))
    main, narrated = opf_accessibility(out / seed / f"{seed}.epub"), opf_accessibility(other)
    assert main["features"] != narrated["features"]
    feed = etree.parse(str(out / "opds.xml")).getroot()
    entry, = [e for e in entries(feed) if e.xpath(f"a:link[@href='{seed}/{seed}.epub']",
                                                   namespaces=NS)]
    assert [e.text for e in entry.findall("s:accessibilityFeature", NS)] == main["features"]
    link = entry.find(f"a:link[@href='{seed}/{seed}.narrated.epub']", NS)
    assert [e.text for e in link.findall("s:accessibilityFeature", NS)] == narrated["features"]
    assert [e.text for e in link.findall("s:accessibilitySummary", NS)] == narrated["summary"]
    assert atom_schema().validate(feed)
    document = json.loads((out / "opds.json").read_text(encoding="utf-8"))
    publication, = [p for p in document["publications"]
                    if any(l["href"] == f"{seed}/{seed}.epub" for l in p["links"])]
    link, = [l for l in publication["links"] if l["href"].endswith(".narrated.epub")]
    assert link["properties"]["accessibility"]["feature"] == narrated["features"]
    assert publication["metadata"]["accessibility"]["feature"] == main["features"]
    assert json_errors(feed_validator, document) == []


def epub_with(tmp_path: Path, opf: bytes) -> Path:
    path = tmp_path / "x.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", (
            '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
            '<rootfiles><rootfile full-path="p.opf" media-type="application/oebps-package+xml"/>'
            '</rootfiles></container>'))
        archive.writestr("p.opf", opf)
    return path


def test_the_package_document_is_read_without_entities_or_network(tmp_path):
    from renderer.package.accessibility import read_accessibility
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret", encoding="utf-8")
    opf = (f'<?xml version="1.0"?><!DOCTYPE package [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
           '<package xmlns="http://www.idpf.org/2007/opf"><metadata>'
           '<meta property="schema:accessibilitySummary">&x;</meta>'
           '<meta property="schema:accessMode">textual</meta></metadata></package>').encode()
    found = read_accessibility(epub_with(tmp_path, opf))
    assert found.modes == ("textual",) and "secret" not in repr(found)


def test_a_damaged_epub_stops_the_package_in_one_line(dist, tmp_path):
    out = tmp_path / "dist"
    shutil.copytree(dist, out, ignore=shutil.ignore_patterns("bag"))
    epub = out / "fr" / "fr.epub"
    huge = epub_with(tmp_path, b"<package>" + b" " * (5 * 1024 * 1024) + b"</package>")
    for damage in (b"not a zip", huge.read_bytes()):
        epub.write_bytes(damage)
        result = run_cli("package", out, check=False)
        assert result.returncode == 2
        line, = result.stderr.strip().splitlines()
        assert line.startswith(f"{epub}: cannot read the EPUB's accessibility metadata (")
        assert "run `renderer build` again" in line

"""OPDS feeds for e-reader apps, each written twice, as OPDS 1.2 (Atom, `opds.xml`) and OPDS 2.0
(JSON, `opds.json`): every article, then facets by language (`opds-fr.xml`) and by year
(`opds.year-2024.xml`) when the collection holds several, and any feed longer than PAGE_SIZE
in pages (`opds.page-2.xml`, `opds-fr.page-2.json`). Each entry carries its language, its files'
sizes and what each of its EPUBs declares of its accessibility (accessibility.py)."""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from ..build import write_atomically
from ..html import render_template
from .accessibility import read_accessibility
from .cover import draw_book

FEED, FEED_JSON, COVER = "opds.xml", "opds.json", "opds.png"
PAGE_SIZE = 500  # entries per page: a phone's app loads one page at a time
COVER_EDGE = 240  # pixels: the one image OPDS 2.0 asks of each publication
XML_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
JSON_TYPE = "application/opds+json"
EPUB = "application/epub+zip"
ACQUISITION = "http://opds-spec.org/acquisition"


@dataclass(frozen=True)
class Feed:
    """One feed before it is cut in pages: `stem` names its files (`opds-fr` → `opds-fr.xml`,
    `opds-fr.json`, `opds-fr.page-2.xml`…); `key` (`language=fr`, `year=2024`) keeps its id
    stable; `page` is its place in the catalog page."""
    stem: str
    title: str
    articles: list
    page: str
    key: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.articles) // PAGE_SIZE))

    def name(self, number: int, suffix: str) -> str:
        """The file of page `number` (from 1, which is the feed's own name)."""
        return f"{self.stem}{'' if number == 1 else f'.page-{number}'}{suffix}"


@dataclass(frozen=True)
class Facet:
    group: str
    title: str
    stem: str
    count: int


def plan_feeds(articles: list[dict], groups: list[dict], title: str, t,
               pages: dict[str, str] | None = None) -> tuple[list, list]:
    """The feeds to write and the facets each offers: every article; each language of a
    collection in several (the groups of entries.py); each year of one spanning several.
    `pages` maps a language group's anchor to the catalog page where it starts (a long
    catalog is cut in pages), which a language feed gives as its `alternate`."""
    pages = pages or {}
    feeds = [Feed("opds", title, articles, "index.html")]
    language_feeds = [g for g in groups if g["feed"]]
    feeds += [Feed(g["feed"].removesuffix(".xml"), t.label(title) + g["name"], g["articles"],
                   f"{pages.get(g['anchor'], 'index.html')}#{g['anchor']}",
                   f"language={g['tag']}") for g in language_feeds]
    years = _years(articles)
    feeds += [Feed(f"opds.year-{year}", t.label(title) + year, members, "index.html",
                   f"year={year}") for year, members in years]
    facets = []
    if language_feeds:
        group = t.gettext("Language")
        # Translators: in e-reader apps, the choice that lists the articles in every language.
        facets += [Facet(group, t.gettext("All languages"), "opds", len(articles))]
        facets += [Facet(group, g["menu_name"], g["feed"].removesuffix(".xml"), g["count"])
                   for g in language_feeds]
    if years:
        # Translators: in e-reader apps, the heading of the choice of the articles of one year.
        group = t.gettext("Year")
        # Translators: in e-reader apps, the choice that lists the articles of every year.
        facets += [Facet(group, t.gettext("All years"), "opds", len(articles))]
        facets += [Facet(group, year, f"opds.year-{year}", len(members))
                   for year, members in years]
    return feeds, facets


def _years(articles: list[dict]) -> list[tuple[str, list]]:
    """The articles by year of publication, newest first; none for a collection of one year."""
    by_year: dict[str, list] = {}
    for article in articles:
        year = str(article["published"])[:4]
        if re.fullmatch(r"[0-9]{4}", year):
            by_year.setdefault(year, []).append(article)
    return sorted(by_year.items(), reverse=True) if len(by_year) > 1 else []


def feed_files(feeds: list[Feed]) -> set[str]:
    """Every file the feeds are written to, but `opds.xml` and `opds.json` (always written):
    what the manifest records, so that a later catalog removes those it no longer writes."""
    return {feed.name(n, suffix) for feed in feeds for n in range(1, feed.pages + 1)
            for suffix in (".xml", ".json")} - {FEED, FEED_JSON}


def write_feeds(out: Path, base: str, feeds: list[Feed], facets: list[Facet],
                updated: datetime, context: dict) -> list[Path]:
    """Every page of every feed, in XML and in JSON, and the cover image they share. `base`
    (the untranslated title) keeps the feeds' ids the same in every catalog language."""
    out = Path(out)
    described = {a["slug"]: _described(out, a) for a in feeds[0].articles}
    written = [write_atomically(out / COVER, draw_book(COVER_EDGE))]
    for feed in feeds:
        feed = replace(feed, articles=[described[a["slug"]] for a in feed.articles])
        for number in range(1, feed.pages + 1):
            page = _page(feed, number, facets, base, updated, context)
            written.append(write_atomically(out / feed.name(number, ".xml"),
                                            _xml(page, context).encode("utf-8")))
            written.append(write_atomically(out / feed.name(number, ".json"),
                                            _json(page).encode("utf-8")))
    return written


def _described(out: Path, article: dict) -> dict:
    """The article with the accessibility metadata of each of its EPUBs (read from the file
    the build wrote), and of its main one, `SLUG.epub`, on the article itself."""
    files = [dict(f, accessibility=read_accessibility(out / article["slug"] / f["name"])
                  if f["media_type"] == EPUB else None) for f in article["files"]]
    epubs = [f for f in files if f["media_type"] == EPUB]
    main = next((f for f in epubs if f["name"] == f"{article['slug']}.epub"),
                epubs[0] if epubs else None)
    return dict(article, files=files, accessibility=main["accessibility"] if main else None)


def _page(feed: Feed, number: int, facets: list[Facet], base: str, updated: datetime,
          context: dict) -> dict:
    """What the XML and the JSON of one page both say."""
    start = (number - 1) * PAGE_SIZE
    return dict(feed=feed, number=number, base=base, title=feed.title,
                articles=feed.articles[start:start + PAGE_SIZE],
                updated=updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
                feed_id=_feed_id(base, feed.key, number),
                facets=[dict(f.__dict__, active=f.stem == feed.stem,
                             href={s: quote(f"{f.stem}{s}") for s in (".xml", ".json")})
                        for f in facets])


def _links(page: dict, suffix: str) -> list[dict]:
    """The page's own links, in the feed of `suffix`: itself, the start, its twin in the other
    format, its place in the catalog page, and the pages before and after it."""
    feed, number, own = page["feed"], page["number"], XML_TYPE if suffix == ".xml" else JSON_TYPE
    other, other_type = (".json", JSON_TYPE) if suffix == ".xml" else (".xml", XML_TYPE)
    links = [dict(rel="self", href=quote(feed.name(number, suffix)), type=own),
             dict(rel="start", href=FEED if suffix == ".xml" else FEED_JSON, type=own),
             dict(rel="alternate", href=quote(feed.name(number, other)), type=other_type),
             dict(rel="alternate", href=feed.page, type="text/html")]
    if feed.pages > 1:
        around = [("first", 1), ("previous", number - 1), ("next", number + 1),
                  ("last", feed.pages)]
        links += [dict(rel=rel, href=quote(feed.name(n, suffix)), type=own)
                  for rel, n in around if 1 <= n <= feed.pages]
    return links


def _xml(page: dict, context: dict) -> str:
    facets = [dict(f, href=f["href"][".xml"], type=XML_TYPE) for f in page["facets"]]
    return render_template("opds.xml", **dict(context, title=page["title"]),
                           updated=page["updated"], feed_id=page["feed_id"],
                           links=_links(page, ".xml"), facets=facets,
                           articles=page["articles"], cover=dict(href=COVER, type="image/png"))


def _json(page: dict) -> str:
    """The OPDS 2.0 feed of one page: metadata, links, facets, and the publications."""
    feed = page["feed"]
    metadata = {"identifier": page["feed_id"], "title": page["title"],
                "modified": page["updated"], "numberOfItems": len(feed.articles)}
    if feed.pages > 1:
        metadata.update(itemsPerPage=PAGE_SIZE, currentPage=page["number"])
    document = {"metadata": metadata, "links": _links(page, ".json")}
    groups: dict[str, list] = {}
    for f in page["facets"]:
        link = {"href": f["href"][".json"], "type": JSON_TYPE, "title": f["title"],
                "properties": {"numberOfItems": f["count"]}}
        groups.setdefault(f["group"], []).append(dict(link, rel="self") if f["active"] else link)
    if groups:
        document["facets"] = [{"metadata": {"title": group}, "links": links}
                              for group, links in groups.items()]
    document["publications"] = [_publication(a) for a in page["articles"]]
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def _publication(article: dict) -> dict:
    """One article as an OPDS 2.0 publication (a Readium Web Publication Manifest's metadata):
    its page is its `self` link (the package writes no manifest of its own per article), its
    PDF and EPUB the acquisition links, and the renderer's book its image."""
    metadata = {"@type": "http://schema.org/Article", "identifier": article["identifier"],
                "title": article["title"], "language": article["language"],
                "published": article["published"], "publisher": article["publisher"]}
    if article.get("description"):
        metadata["description"] = article["description"]
    if article["accessibility"]:
        metadata["accessibility"] = article["accessibility"].as_webpub()
    page = next((f for f in article["files"] if f["media_type"] == "text/html"),
                article["files"][0])
    links = []
    for f in article["files"]:
        link = {"rel": "self" if f is page else f["rel"], "href": f["href"],
                "type": f["media_type"], "title": f["label"]}
        if f["accessibility"] and f["accessibility"] is not article["accessibility"]:
            link["properties"] = {"accessibility": f["accessibility"].as_webpub()}
        links.append(link)
    return {"metadata": metadata, "links": links,
            "images": [{"href": COVER, "type": "image/png", "width": COVER_EDGE,
                        "height": COVER_EDGE}]}


def _feed_id(title: str, key: str | None, page: int = 1) -> str:
    """A feed's stable `urn:uuid:`, from the collection's title (its facet, its page)."""
    name = f"renderer:{title}" + (f"#{key}" if key else "") + (f"&page={page}" if page > 1 else "")
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

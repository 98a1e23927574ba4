"""Metadata: the front matter of an imported article, from what the page says about itself.

Order of preference, for each field: JSON-LD (schema.org), then OpenGraph and `article:*`,
then other `<meta>` (Dublin Core, Parse.ly, citation_*), then `<title>`, then the text itself
(htmldate, for the date). What had to be guessed is said so in `guessed`; what nobody can
guess (rights, when the page states none) becomes a `todo` that `render` refuses.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

import langcodes

ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle",
                 "analysisnewsarticle", "opinionnewsarticle", "reviewnewsarticle",
                 "backgroundnewsarticle", "askpublicnewsarticle", "technicalarticle",
                 "techarticle", "scholarlyarticle", "report", "liveblogposting",
                 "socialmediaposting", "medicalwebpage", "webpage", "discussionforumposting",
                 "satiricalarticle", "advertisercontentarticle", "posting", "creativework"}
SEPARATORS = re.compile(r"\s+(?:\||-|–|—|\\|/|>|»|·|::)\s+")
HIERARCHICAL = re.compile(r"\s+(?:\\|/|>|»)\s+")


@dataclass
class Meta:
    front: dict = field(default_factory=dict)
    guessed: list = field(default_factory=list)  # what a person should check
    todos: list = field(default_factory=list)    # what a person must supply


def read(tree, capture, article_text: str, rights: str = "") -> Meta:
    """Front matter for one page: title, language, published, publisher, author, description,
    rights, source and the capture's provenance."""
    page = _Page(tree, capture)
    meta = Meta()
    front = meta.front
    site = page.first("jsonld:publisher", "og:site_name", "application-name", "dc.publisher",
                      "dcterms.publisher", "publisher")
    front["title"] = _title(page, site) or ""
    if not front["title"]:
        meta.todos.append("set 'title' (the page gives none)")
    language, how = _language(page, capture, article_text)
    if language:
        front["language"] = language
        if how:
            meta.guessed.append(f"language '{language}' {how}")
    else:
        meta.todos.append("set 'language' (the page declares none and it could not be recognised)")
    published, how = _published(page, tree, capture)
    if published:
        front["published"] = published
        if how:
            meta.guessed.append(f"published {published.isoformat()} {how}")
    else:
        meta.todos.append("set 'published' (the page gives no date)")
    if site:
        front["publisher"] = site
    else:
        host = urlsplit(page.source or capture.url or "").hostname or ""
        host = host[4:] if host.startswith("www.") else host
        if host:
            front["publisher"] = host
            meta.guessed.append(f"publisher '{host}' is the site's host name (the page names no "
                                "publisher)")
        else:
            meta.todos.append("set 'publisher' (the page names none)")
    author = page.first("jsonld:author", "article:author", "author", "dc.creator",
                        "dcterms.creator", "parsely-author", "byl", "sailthru.author")
    if author:
        front["author"] = re.sub(r"^by\s+", "", author, flags=re.I)
    description = page.first("jsonld:description", "og:description", "description",
                             "dc.description", "dcterms.description", "twitter:description")
    if description:
        front["description"] = description
    found = page.rights()
    if found:
        front["rights"] = found
    elif rights:
        front["rights"] = rights
    else:
        meta.todos.append("set 'rights' (the page states no licence or copyright; write who "
                          "holds the rights and on what terms, e.g. 'Public domain' or "
                          "'© 2020 Publisher; all rights reserved')")
    if page.source:
        front["source"] = page.source
    provenance = dict(capture.provenance)
    if provenance.get("capture_id", "").startswith("urn:"):
        front["identifier"] = provenance["capture_id"]
    front.update(provenance)
    return meta


class _Page:
    """Lookups over one page's metadata: JSON-LD, <meta>, <link>, <title>."""

    def __init__(self, tree, capture):
        self.tree = tree
        self.capture = capture
        self.meta: dict[str, str] = {}
        head = tree.find("head")
        for element in (tree.iter("meta")):
            key = (element.get("property") or element.get("name") or element.get("itemprop")
                   or "").strip().lower()
            value = " ".join((element.get("content") or "").split())
            if key and value and key not in self.meta:
                self.meta[key] = value
            equiv = (element.get("http-equiv") or "").strip().lower()
            if equiv and value and f"http-equiv:{equiv}" not in self.meta:
                self.meta[f"http-equiv:{equiv}"] = value
        self._parsely()
        self.jsonld = _jsonld(tree)
        title = tree.find(".//title") if head is None else head.find("title")
        if title is None:
            title = tree.find(".//title")
        self.title = " ".join(title.text_content().split()) if title is not None else ""
        self.source = self._source()

    def _parsely(self):
        raw = self.meta.get("parsely-metadata")
        if raw:
            try:
                data = json.loads(raw)
            except json.JSONDecodeError:
                return
            if isinstance(data, dict):
                for key, name in (("title", "parsely-title"), ("pub_date", "parsely-pub-date")):
                    if data.get(key) and name not in self.meta:
                        self.meta[name] = str(data[key])
                authors = data.get("authors") or data.get("author")
                if authors and "parsely-author" not in self.meta:
                    self.meta["parsely-author"] = _names(authors)

    def first(self, *keys) -> str:
        for key in keys:
            value = ""
            if key.startswith("jsonld:"):
                value = self.jsonld.get(key[7:], "")
            else:
                value = self.meta.get(key, "")
                if key in ("article:author", "article:publisher", "author") and \
                        value.startswith(("http://", "https://")):
                    value = ""  # a profile URL, not a name
            value = " ".join(str(value).split())
            if value:
                return value
        return ""

    def _source(self) -> str:
        for link in self.tree.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
                url = urljoin(self.capture.url or "", link.get("href").strip())
                if url.startswith(("http://", "https://")):
                    return url
        url = self.meta.get("og:url", "")
        if url.startswith(("http://", "https://")):
            return url
        return self.capture.url or ""

    def rights(self) -> str:
        """rel=license (link or anchor), JSON-LD license/copyrightNotice, DC rights."""
        for element in list(self.tree.iter("link")) + list(self.tree.iter("a")):
            if "license" in (element.get("rel") or "").lower().split() and element.get("href"):
                href = urljoin(self.capture.url or "", element.get("href").strip())
                text = " ".join(element.text_content().split()) if element.tag == "a" else ""
                if text and href.startswith(("http://", "https://")) and text != href:
                    return f"{text} ({href})"
                return text or href
        for key in ("jsonld:license", "jsonld:copyrightNotice", "dc.rights", "dcterms.rights",
                    "dcterms.license", "copyright", "rights"):
            value = self.first(key)
            if value:
                return value
        return ""


def _jsonld(tree) -> dict:
    """The article's schema.org facts, flattened: headline, author, publisher, dates…"""
    best, best_rank = None, 99
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", script.text or "").strip()
        if not text:
            continue
        try:
            data = json.loads(text, strict=False)
        except (json.JSONDecodeError, ValueError):
            try:  # a trailing comma or a comment is common; try without them once
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", re.sub(r"/\*.*?\*/", "", text, flags=re.S)),
                                  strict=False)
            except (json.JSONDecodeError, ValueError):
                continue
        for item in _items(data):
            types = item.get("@type")
            types = [str(t).lower() for t in (types if isinstance(types, list) else [types]) if t]
            ranks = [0 if t not in ("webpage", "creativework", "posting") else 1
                     for t in types if t in ARTICLE_TYPES]
            if ranks and min(ranks) < best_rank:
                best, best_rank = item, min(ranks)
    if not best:
        return {}
    out = {}
    name, headline = _text(best.get("name")), _text(best.get("headline"))
    out["title"] = name or headline
    if name and headline and name != headline:  # one of them may be the site's name (or a
        # summary): keep the one closer to the page's <title>, as Readability does
        title = tree.find(".//title")
        title = _from_title_element(" ".join(title.text_content().split())) if title is not None else ""
        if _similarity(headline, title) >= _similarity(name, title):
            out["title"] = headline
    out["author"] = _names(best.get("author") or best.get("creator"))
    out["publisher"] = _names(best.get("publisher") or best.get("sourceOrganization"))
    out["datePublished"] = _text(best.get("datePublished") or best.get("dateCreated"))
    out["description"] = _text(best.get("description"))
    out["inLanguage"] = _text(best.get("inLanguage"))
    license = best.get("license")
    if isinstance(license, dict):
        license = license.get("name") or license.get("url") or license.get("@id")
    out["license"] = _text(license)
    out["copyrightNotice"] = _text(best.get("copyrightNotice"))
    return {k: v for k, v in out.items() if v}


def _similarity(a: str, b: str) -> float:
    """Share of a's words found in b."""
    words_a = re.findall(r"\w+", a.lower())
    words_b = set(re.findall(r"\w+", b.lower()))
    return sum(w in words_b for w in words_a) / len(words_a) if words_a else 0.0


def _items(data):
    if isinstance(data, list):
        for item in data:
            yield from _items(item)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from _items(data["@graph"])
        if "@type" in data:
            yield data


def _text(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return " ".join(str(value or "").split())


def _names(value) -> str:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        name = " ".join(str(name or "").split())
        if name and not name.startswith(("http://", "https://")) and name not in names:
            names.append(name)
    return ", ".join(names)


# ---------------------------------------------------------------- title
def _title(page: _Page, site: str) -> str:
    title = page.first("jsonld:title", "og:title", "dc.title", "dcterms.title", "twitter:title",
                       "parsely-title")
    host = urlsplit(page.source or "").hostname or ""
    if title:
        return _strip_site(title, site, host)
    if page.title:
        return _strip_site(_from_title_element(page.title), site, host)
    h1 = page.tree.find(".//h1")
    return " ".join(h1.text_content().split()) if h1 is not None else ""


def _strip_site(title: str, site: str, host: str = "") -> str:
    """'Headline | Site' → 'Headline' when the part after the last separator names the site
    (its publisher name or its host name); the same for 'Site | Headline'."""
    names = [_squash(n) for n in (site, _site_label(host))]
    names = [n for n in names if len(n) >= 3]
    separators = list(SEPARATORS.finditer(title))
    if not names or not separators:
        return title
    last, first = separators[-1], separators[0]
    suffix, prefix = _squash(title[last.end():]), _squash(title[: first.start()])
    if len(suffix) >= 3 and any(n.startswith(suffix) or suffix.startswith(n) for n in names) \
            and last.start() > 0:
        return title[: last.start()].strip()
    if len(prefix) >= 3 and any(n.startswith(prefix) or prefix.startswith(n) for n in names) \
            and first.end() < len(title):
        return title[first.end():].strip()
    return title


def _site_label(host: str) -> str:
    """'en.wikipedia.org' → 'wikipedia', 'www.bbc.co.uk' → 'bbc': the site's own name."""
    generic = {"www", "com", "org", "net", "gov", "edu", "co", "ac", "go", "or", "ne", "news",
               "blog", "blogs", "m", "en", "amp", "int", "mil"}
    labels = [l for l in (host or "").lower().split(".")[:-1] if l not in generic and len(l) > 1]
    return max(labels, key=len) if labels else ""


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", (text or "").lower())


def _from_title_element(title: str) -> str:
    """The headline inside a <title> that also names the site, read as Readability reads it:
    drop the part after the last separator, unless that leaves too few words."""
    def words(text):
        return len(text.split())

    separators = list(SEPARATORS.finditer(title))
    if separators:
        current = title[: separators[-1].start()]
        if words(current) < 3:
            current = title[separators[0].end():]
        hierarchical = bool(HIERARCHICAL.search(title))
        if words(current) <= 4 and (not hierarchical or
                                    words(current) != words(SEPARATORS.sub(" ", title)) - 1):
            current = title
        return current.strip()
    return title


# ---------------------------------------------------------------- language
def _language(page: _Page, capture, text: str) -> tuple[str, str]:
    """(tag, how-it-was-guessed): declared tags first; detection only as a last resort."""
    root = page.tree if page.tree.tag == "html" else page.tree.find(".//html")
    declared = [
        root.get("lang") if root is not None else None,
        root.get("{http://www.w3.org/XML/1998/namespace}lang") if root is not None else None,
        capture.content_language,
        page.meta.get("http-equiv:content-language"),
        page.meta.get("og:locale"),
        page.jsonld.get("inLanguage"),
        page.meta.get("dc.language"), page.meta.get("dcterms.language"),
        page.meta.get("language"),
    ]
    for value in declared:
        tag = normalise_language(value)
        if tag:
            return tag, ""
    body = page.tree.find("body")
    if body is not None and body.get("lang"):
        tag = normalise_language(body.get("lang"))
        if tag:
            return tag, ""
    sample = " ".join(text.split())[:5000]
    if len(sample) < 20:
        return "", ""
    import py3langid

    tag, _ = py3langid.classify(sample)
    return (normalise_language(tag), "was recognised from the text (the page declares none)")


def normalise_language(value) -> str:
    value = (value or "").strip().split(",")[0].strip().replace("_", "-")
    if not value or value.lower() in ("x-default", "und", "mul", "zxx"):
        return ""
    try:
        if not langcodes.tag_is_valid(value):
            return ""
        return langcodes.standardize_tag(value)
    except (ValueError, LookupError):
        return ""


# ---------------------------------------------------------------- date
DATE_KEYS = ("jsonld:datePublished", "article:published_time", "og:published_time",
             "article:published", "article.published", "published_time", "datepublished",
             "dc.date.issued", "dcterms.issued", "dcterms.created", "dc.date", "dcterms.date",
             "citation_publication_date", "citation_date", "parsely-pub-date", "sailthru.date",
             "pubdate", "publishdate", "publish-date", "publish_date", "date", "article_date_original",
             "original-publish-date")


def _published(page: _Page, tree, capture) -> tuple[date | None, str]:
    for key in DATE_KEYS:
        value = page.first(key)
        found = parse_date(value)
        if found:
            return found, ""
    for element in tree.iter("time"):
        if element.get("pubdate") is not None or (element.get("itemprop") or "") == "datePublished":
            found = parse_date(element.get("datetime") or element.text_content())
            if found:
                return found, ""
    captured = capture.provenance.get("captured", "")
    found = _htmldate(tree, capture.url, captured)
    if found:
        return found, "was found by htmldate in the page's markup or text"
    if captured:
        return date.fromisoformat(captured[:10]), "is the capture date (the page gives none)"
    return None, ""


def _htmldate(tree, url: str, captured: str):
    import copy

    try:
        from htmldate import find_date
    except ImportError:
        return None
    limit = datetime.fromisoformat(captured[:10]) if captured else datetime(2100, 1, 1)
    try:
        value = find_date(tree, url=url or None, original_date=True,
                          extensive_search=False, outputformat="%Y-%m-%d",
                          max_date=limit.strftime("%Y-%m-%d"))
    except Exception:  # htmldate on odd pages: a guess we can do without
        return None
    return parse_date(value)


def parse_date(value) -> date | None:
    """The publication day as the page writes it (ISO 8601 and the common variants)."""
    value = " ".join(str(value or "").split())
    if not value:
        return None
    match = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if match:
        try:
            return _plausible(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
        except ValueError:
            return None
    match = re.match(r"(\d{4})(\d{2})(\d{2})(?:\D|$)", value)
    if match:
        try:
            return _plausible(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
        except ValueError:
            return None
    try:
        import warnings
        from dateutil import parser as dateparser

        with warnings.catch_warnings():  # an unknown time zone name: the day is still right
            warnings.simplefilter("ignore")
            parsed = dateparser.parse(value, default=datetime(1, 1, 1), fuzzy=False)
    except (ValueError, OverflowError, TypeError, ImportError):
        return None
    return _plausible(parsed.date()) if parsed.year > 1 else None


def _plausible(day: date) -> date | None:
    return day if 1900 <= day.year <= 2100 else None

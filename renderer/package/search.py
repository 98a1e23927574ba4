"""The catalog's pages and its search, for a collection opened from a stick (`file://`, no
server): static pages of 50 articles (`index.html`, `catalog-2.html`, …) that work with
JavaScript off, and a Lunr index (built here with PyPI `lunr`, read by the vendored lunr.js
2.3.9) loaded as `<script src>` files, since a page opened from `file://` cannot fetch().

The full text of 10,000 articles is too heavy for a page to load, so each article's body is
indexed by its most distinctive words (TF-IDF over the collection: the rarer in the collection
and the more frequent in the article, the higher), about 240,000 words in all: a collection of
600 articles or fewer is indexed whole (up to 400 distinct words a body), one of 10,000 by 24
words a body; titles and descriptions are always indexed in full.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from ..build import write_atomically
from ..html import TEMPLATES, render_template

PAGE_SIZE = 50  # articles per page of the catalog, with JavaScript on or off
# The most distinctive words of each article's body that the index keeps: about this many in
# all, shared out (a small collection's bodies are indexed whole), at least 24 each.
BODY_WORD_BUDGET, BODY_WORDS_MIN, BODY_WORDS_MAX = 240_000, 24, 400
LUNR, INDEX, UI = "catalog-lunr.js", "catalog-index.js", "catalog.js"
SCRIPTS = (LUNR, INDEX, UI)  # in the order the page loads them
_LUNR_SOURCE, _LUNR_LICENCE = "lunr-2.3.9.min.js", "LICENSE-lunr.txt"
_PAGE_LIMIT = 4_000_000  # bytes of an article's page read for its words; a page is far less
_FIELDS = (("title", 10), ("description", 3), ("body", 1))
# Combining marks belong to words (Thai vowels, Devanagari signs): Python's \w leaves them out,
# the page's script (\p{M}) keeps them; the same classes on both sides, so the same words.
_MARKS = "".join(chr(c) for c in range(0x300, 0x10000)
                 if unicodedata.category(chr(c)).startswith("M"))
_WORD = re.compile(f"[\\w{re.escape(_MARKS)}]+")
# Scripts written without spaces between words (Thai, Chinese, Japanese kana): no word list
# here to cut them, so they are indexed as overlapping pairs of characters, as is a query.
_UNSPACED = re.compile("[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def page_name(number: int) -> str:
    """The file of page `number` of the catalog: the first is `index.html`."""
    return "index.html" if number == 1 else f"catalog-{number}.html"


def catalog_file_names(page_count: int) -> set[str]:
    """Every file the catalog writes besides `index.html` and the feeds: its further pages
    and its scripts. The manifest records them, so those no longer written are removed."""
    return {page_name(n) for n in range(2, page_count + 1)} | set(SCRIPTS)


def catalog_pages(articles: list[dict], groups: list[dict], size: int = PAGE_SIZE) -> list[dict]:
    """The articles in the catalog's order (by language, then newest first), cut into pages;
    each page holds its own part of every language group it reaches, and each group knows the
    page where it starts (`starts`, anchor → file: the list of languages links there)."""
    ordered = [a for g in groups for a in g["articles"]] if groups else articles
    chunks = [ordered[i:i + size] for i in range(0, len(ordered), size)] or [[]]
    language_of = {id(a): g for g in groups for a in g["articles"]}
    starts: dict[str, int] = {}
    pages = []
    for number, chunk in enumerate(chunks, 1):
        parts: dict[str, dict] = {}
        for article in chunk:
            group = language_of.get(id(article))
            if group is not None:
                starts.setdefault(group["anchor"], number)
                parts.setdefault(group["anchor"], dict(group, articles=[]))["articles"].append(
                    article)
        pages.append(dict(number=number, name=page_name(number), articles=chunk,
                          groups=list(parts.values())))
    first_pages = {anchor: page_name(first) for anchor, first in starts.items()}
    for page in pages:
        page["starts"] = first_pages  # the same on every page (the page links within itself)
    return pages


def page_links(number: int, count: int, around: int = 2) -> list[dict | None]:
    """The page numbers a pagination shows: the first, the last, and `around` on each side
    of the current one; None where numbers are left out (shown as an ellipsis)."""
    shown = sorted({1, count} | set(range(max(1, number - around), min(count, number + around) + 1)))
    links: list[dict | None] = []
    for previous, n in zip([0] + shown, shown):
        if n - previous > 1:
            links.append(None)
        links.append(dict(number=n, name=page_name(n), current=n == number))
    return links


# ---------------------------------------------------------------- words
def words(text: str) -> list[str]:
    """The words of `text` as the index and the page's script both cut them: NFKC, lower
    case, runs of letters, marks and digits; unspaced scripts as pairs of characters."""
    found = []
    for word in _WORD.findall(unicodedata.normalize("NFKC", text).lower()):
        if _UNSPACED.search(word) and len(word) > 2:
            found += [word[i:i + 2] for i in range(len(word) - 1)]
        else:
            found.append(word)
    return found


def body_text(page: Path) -> str:
    """The text of an article page's <main>, or '' if the page is missing, not a plain file,
    or not HTML (the manifest that names it is untrusted)."""
    import lxml.html
    from lxml import etree

    try:
        if page.is_symlink() or not page.is_file():
            return ""
        with open(page, "rb") as handle:
            raw = handle.read(_PAGE_LIMIT)
        root = lxml.html.fromstring(raw)
    except (OSError, ValueError, etree.ParserError):
        return ""
    main = root.find(".//main")
    return (main if main is not None else root).text_content()


def body_word_limit(count: int) -> int:
    """How many words of each body the index keeps, in a collection of `count` articles."""
    return max(BODY_WORDS_MIN, min(BODY_WORDS_MAX, BODY_WORD_BUDGET // max(count, 1)))


def distinctive_words(bodies: list[list[str]], skip: list[set[str]],
                      limit: int) -> list[list[str]]:
    """For each body, the `limit` words with the highest TF-IDF over the collection (the
    rarer in the collection and the more frequent in the article, the higher), leaving out
    those its title or description already has; ties in alphabetical order."""
    counts = [Counter(body) for body in bodies]
    frequency = Counter(word for count in counts for word in count)
    total = len(bodies)
    chosen = []
    for count, known in zip(counts, skip):
        scored = [(-(n * math.log((1 + total) / frequency[w])), w) for w, n in count.items()
                  if w not in known and (len(w) > 1 or _UNSPACED.search(w))]
        chosen.append([w for _, w in sorted(scored)[:limit]])
    return chosen


# ---------------------------------------------------------------- the index
def search_data(out: Path, articles: list[dict], t) -> dict:
    """What the page's script needs: each article's facts as the catalog shows them, the
    tables they point into, and the Lunr index of title, description and body words."""
    languages, publishers = {}, {}
    for article in articles:
        languages.setdefault(article["language"], dict(
            tag=article["language"], dir=article["dir"], name=article["language_name"],
            label=str(article["language_label"])))
        publishers.setdefault(article["publisher"], len(publishers))
    language_index = {tag: i for i, tag in enumerate(languages)}
    formats, docs = {}, []  # each edition's suffix, name and type once, as the static list has them
    for article in articles:
        files = [[formats.setdefault(f["name"][len(article["slug"]):],
                                     (len(formats), f["label"], f["media_type"]))[0], f["size"]]
                 for f in article["files"]]
        docs.append([quote(article["slug"]), article["title"], article["description"] or "",
                     article["published"], article["published_text"],
                     publishers[article["publisher"]], language_index[article["language"]],
                     files])
    return dict(docs=docs, languages=list(languages.values()), publishers=list(publishers),
                formats=[[suffix, label, media_type]
                         for suffix, (_, label, media_type) in formats.items()],
                index=lunr_index(out, articles))


def lunr_index(out: Path, articles: list[dict]) -> dict:
    """The Lunr index of the articles (ref: position in `articles`), sent compactly: the
    terms in order, and per field each article's term vector as (term, score × 100) pairs;
    the page rebuilds Lunr's own serialised form from it (the inverted index is implied)."""
    from lunr.builder import Builder
    from lunr.pipeline import Pipeline

    titles = [words(a["title"]) for a in articles]
    descriptions = [words(a["description"] or "") for a in articles]
    bodies = [words(body_text(Path(out) / a["slug"] / f"{a['slug']}.html")) for a in articles]
    body_words = distinctive_words(bodies, [set(a) | set(b) for a, b in zip(titles, descriptions)],
                                   body_word_limit(len(articles)))
    builder = Builder()
    builder.pipeline, builder.search_pipeline = Pipeline(), Pipeline()  # words() did the work
    builder.ref("id")
    for field, boost in _FIELDS:
        builder.field(field, boost=boost)
    for i, (title, description, body) in enumerate(zip(titles, descriptions, body_words)):
        builder.add({"id": str(i), "title": " ".join(title),
                     "description": " ".join(description), "body": " ".join(body)})
    return _compact(builder.build().serialize(), len(articles))


def _compact(serialised: dict, count: int) -> dict:
    """Lunr's serialised index without its inverted index (each term's postings are the
    vectors that hold it) and with term numbers in alphabetical order."""
    terms = sorted(term for term, _ in serialised["invertedIndex"])
    number = {term: i for i, term in enumerate(terms)}
    old = {posting["_index"]: number[term] for term, posting in serialised["invertedIndex"]}
    vectors = {field: [[] for _ in range(count)] for field, _ in _FIELDS}
    for field_ref, elements in serialised["fieldVectors"]:
        field, ref = field_ref.split("/", 1)
        pairs = sorted((old[elements[i]], round(elements[i + 1] * 100))
                       for i in range(0, len(elements), 2))
        vectors[field][int(ref)] = [x for pair in pairs for x in pair]
    return dict(fields=[field for field, _ in _FIELDS], terms=terms, vectors=vectors)


def write_search_files(out: Path, data: dict) -> list[Path]:
    """The catalog's three scripts: lunr.js (with its licence), the index, the page's own."""
    lunr = (f"/*! lunr.js 2.3.9, vendored unchanged. Its licence:\n\n"
            f"{(TEMPLATES / _LUNR_LICENCE).read_text(encoding='utf-8')}*/\n"
            f"{(TEMPLATES / _LUNR_SOURCE).read_text(encoding='utf-8')}")
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    index = f"window.catalogSearch = JSON.parse({json.dumps(payload, ensure_ascii=False)});\n"
    return [write_atomically(Path(out) / name, text.encode("utf-8")) for name, text in
            ((LUNR, lunr), (INDEX, index), (UI, (TEMPLATES / UI).read_text(encoding="utf-8")))]


def plural_forms(t, message) -> dict[str, str]:
    """A plural message for each CLDR plural category of the catalog's language (what the
    page's Intl.PluralRules names): `message(n)` (an ngettext) for a number of that category."""
    samples: dict[str, int] = {}
    if t.locale is not None:
        for n in range(0, 1000):
            samples.setdefault(t.locale.plural_form(n), n)
    samples.setdefault("other", 10)
    return {category: message(n) for category, n in samples.items()}



def page_strings(t) -> dict:
    """The words the page's script shows, in the catalog's language: it has none of its own."""
    # Translators: the live region after a search in the catalog: "3 articles found".
    found = plural_forms(t, lambda n: t.ngettext("%(num)s article found",
                                                 "%(num)s articles found", n))
    return {
        "found": found,
        # Translators: the heading of the search results in the catalog.
        "results": t.gettext("Search results"),
        # Translators: the name of the list of page numbers under the search results.
        "pages": t.gettext("Pages of results"),
        "previous": t.gettext("Previous page"),
        "next": t.gettext("Next page"),
        # Translators: a page number's link, for screen readers: "Page 3".
        "page": t.gettext("Page %(num)s"),
        "published": t.label(t.gettext("Published")),
        "publisher": t.label(t.gettext("Publisher")),
        "language": t.label(t.gettext("Language")),
        "sentence": t.pgettext("punctuation", ". "),
        "end": t.pgettext("punctuation", "."),
        "formats": t.gettext("Formats of “%(title)s”"),
        "of": t.gettext(" of “%(title)s”"),
    }


def write_pages(out: Path, css: str, articles: list[dict], groups: list[dict],
                pages: list[dict], context: dict) -> list[Path]:
    """Every page of the catalog, then its scripts (the index last but one, the page's own
    script last): a page is usable, with JavaScript on or off, whatever else is missing."""
    t = context["l10n"]
    strings = page_strings(t)
    written = []
    for page in pages:
        html = render_template("catalog.html", css=css, articles=articles, groups=groups,
                               page=page, pages=pages, scripts=SCRIPTS, strings=strings,
                               links=page_links(page["number"], len(pages)), **context)
        written.append(write_atomically(Path(out) / page["name"], html.encode("utf-8")))
    return written + write_search_files(out, search_data(out, articles, t))

"""The offline package: an accessible catalog page, an OPDS 1.2 feed, and a BagIt bag.

The catalog (`index.html`) and the feed (`opds.xml`) are written from the build manifest, so
they describe exactly what is in `dist/`. A collection in more than one language has the
catalog's entries grouped by language, and one more acquisition feed per language
(`opds-fr.xml`) that every feed links to as OPDS facets; the manifest records those feeds, so
the feed of a language the collection no longer holds is removed. The bag (`dist/bag/`, made
with the Library of Congress `bagit` package, sha256 manifests) holds a copy of the package —
the catalog, the feeds and the files the manifest records, nothing else in the folder — ready
to copy to a stick or a share and to verify on arrival.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
import uuid
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import langcodes
from markupsafe import Markup, escape

from . import NAME, __version__
from .build import write_atomically
from .collection import load_catalog_files, load_manifest, record_catalog_files
from .errors import RenderError
from .l10n import language_name, localizer
from .lang import direction_of
from .outdir import language_feed_name, remove_files, safe_relative
from .html import render_template
from .media import media_type as media_type_of

MEDIA = {".html": ("Web page", "alternate"),  # label (a msgid) and OPDS link relation
         ".pdf": ("PDF", "http://opds-spec.org/acquisition"),
         ".epub": ("EPUB", "http://opds-spec.org/acquisition")}
BAG = "bag"
FEED = "opds.xml"
DEFAULT_TITLE = "Offline collection"  # a msgid: the catalog shows it in its own language


def catalog_entries(out: Path, language: str = "en") -> list[dict]:
    """The articles of the manifest, newest first, with their files and sizes. Hrefs are
    URL-escaped (a folder may be named `100% #1?`); `anchor` is a valid, unique element id.
    Dates, sizes and language names are written for a catalog in `language`."""
    t = localizer(language)
    # Translators: the three formats each article of the catalog is offered in.
    labels = {".html": t.gettext("Web page"), ".pdf": t.gettext("PDF"), ".epub": t.gettext("EPUB")}
    entries, anchors = [], {"main"}
    for slug, entry in sorted(load_manifest(out).items()):
        files = []
        for suffix in (".html", ".pdf", ".epub"):
            name = f"{slug}{suffix}"
            if name in entry["outputs"]:
                (label, rel), media_type = MEDIA[suffix], media_type_of(name)
                size = entry["outputs"][name]
                files.append(dict(href=f"{quote(slug)}/{quote(name)}", media_type=media_type,
                                  label=labels[suffix], rel=rel, bytes=size,
                                  size=t.file_size(size)))
        if files:  # an article that never built has nothing to list
            entries.append(dict(entry, slug=slug, files=files, anchor=_anchor(slug, anchors),
                                language_name=_language_name(entry["language"], t),
                                language_label=_language_label(entry["language"], t),
                                dir=direction_of(entry["language"]) or "ltr",
                                published_text=_date_text(entry["published"], t)))
    return sorted(entries, key=lambda e: (e["published"], e["slug"]), reverse=True)


def _anchor(slug: str, used: set) -> str:
    """An id without spaces, unique on the page (`main` is the page's own)."""
    return _unique("article-" + (re.sub(r"[^\w-]+", "-", slug).strip("-").lower()
                                 or "untitled"), used)


def _unique(base: str, used: set) -> str:
    """`base`, or `base-2`, `base-3`…: the first not in `used` (then added to it)."""
    anchor, n = base, 1
    while anchor in used:
        n += 1
        anchor = f"{base}-{n}"
    used.add(anchor)
    return anchor


def language_groups(articles: list[dict], t) -> list[dict]:
    """The catalog's entries by language, one group per tag (`pt-br` and `pt-BR` are one),
    ordered by the language's name in the catalog's language; none when the collection holds
    a single language (nothing to group or to filter). Each group knows its feed's file name
    (None if its tag cannot name a file) and the id of its heading on the page."""
    by_tag: dict[str, list[dict]] = {}
    for article in articles:
        by_tag.setdefault(_standard_tag(article["language"]), []).append(article)
    if len(by_tag) < 2:
        return []
    used = {"main"}
    groups = [dict(tag=tag, articles=members, count=len(members), feed=language_feed_name(tag),
                   anchor=_unique("language-" + re.sub(r"[^\w-]+", "-", tag), used),
                   name=_language_name(tag, t), menu_name=_language_name(tag, t, alone=True),
                   label=_language_label(tag, t, alone=True))
              for tag, members in by_tag.items()]
    return sorted(groups, key=lambda g: (_collation_key(t.language_name(g["tag"])), g["tag"]))


def write_catalog(out: Path, title: str | None, css: str, updated: datetime,
                  language: str = "en") -> list[Path]:
    """The catalog page and the OPDS feed, in `language` (BCP 47; English by default);
    `title` None → "Offline collection" in that language. A collection in several languages
    also gets one feed per language; the manifest records them (the new ones first, so a run
    killed while writing leaves none unrecorded), and the feeds of a language gone are
    removed."""
    out = Path(out)
    t = localizer(language)
    articles = catalog_entries(out, language)
    groups = language_groups(articles, t)
    names, recorded = {g["feed"] for g in groups if g["feed"]}, set(load_catalog_files(out))
    if names - recorded:
        record_catalog_files(out, names | recorded)
    context = dict(title=title or t.gettext("Offline collection"), language=language, l10n=t,
                   renderer=f"{NAME} {__version__}", direction=direction_of(language) or "ltr")
    index = render_template("catalog.html", css=css, articles=articles, groups=groups, **context)
    written = [write_atomically(out / "index.html", index.encode("utf-8"))]
    written += _write_feeds(out, title or DEFAULT_TITLE, articles, groups, updated, context)
    remove_files(out, recorded - names)
    if recorded - names:
        record_catalog_files(out, names)
    return written


def _write_feeds(out: Path, base: str, articles: list[dict], groups: list[dict],
                 updated: datetime, context: dict) -> list[Path]:
    """`opds.xml` with every article, and a feed of each language's articles; all of them
    carry the same facets, each marking itself active. `base` (the untranslated title) keeps
    the feeds' ids the same in every catalog language."""
    t, title = context["l10n"], context["title"]
    feeds = [g for g in groups if g["feed"]]
    facets = _facets(feeds, len(articles), t)
    written = []
    for group in [None] + feeds:
        name = group["feed"] if group else FEED
        feed = render_template(
            "opds.xml", **dict(context, title=t.label(title) + group["name"] if group else title),
            updated=updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
            feed_id=_feed_id(base, group["tag"] if group else None), self_href=quote(name),
            page_href="index.html" + (f"#{group['anchor']}" if group else ""),
            articles=group["articles"] if group else articles,
            facets=[dict(f, active=f["href"] == quote(name)) for f in facets])
        written.append(write_atomically(out / name, feed.encode("utf-8")))
    return written


def _facets(feeds: list[dict], total: int, t) -> list[dict]:
    """OPDS 1.2 facets of the group "Language": every language, then each language with its
    feed (none for a collection in one language)."""
    if not feeds:
        return []
    # Translators: in e-reader apps, the choice that lists the articles in every language.
    every = dict(href=quote(FEED), title=t.gettext("All languages"), count=total)
    return [every] + [dict(href=quote(g["feed"]), title=g["menu_name"], count=g["count"])
                      for g in feeds]


def _feed_id(title: str, tag: str | None) -> str:
    """A feed's stable `urn:uuid:`, from the collection's title (and the feed's language)."""
    key = f"renderer:{title}" + (f"#language={tag}" if tag else "")
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"


def write_package(out: Path, css: str, updated: datetime, *, title: str | None = None,
                  organisation: str = "Archive library", language: str = "en") -> Path:
    """The offline package of a built collection: catalog and feed, then a BagIt bag of it all.
    `css` is the catalog's screen style; `updated` dates the feed and bag (reproducible);
    `language` is the catalog's."""
    write_catalog(out, title, css, updated, language)
    return write_bag(out, organisation, updated)


def write_bag(out: Path, organisation: str, updated: datetime) -> Path:
    """Copy the package into a fresh bag and swap it in place of the old one."""
    import bagit

    out = Path(out)
    payload = [Path(n) for n in ("index.html", FEED, *load_catalog_files(out))]
    for slug, entry in sorted(load_manifest(out).items()):
        payload += [Path(slug, *PurePosixPath(name).parts) for name in sorted(entry["outputs"])
                    if safe_relative(name)]
    with tempfile.TemporaryDirectory(dir=out, prefix=".bag-") as staging:
        bag_dir = Path(staging) / BAG
        bag_dir.mkdir()
        for name in payload:  # only what the manifest lists: no stray folder enters the bag
            source = out / name
            if source.is_symlink() or not source.is_file() \
                    or not source.resolve().is_relative_to(out.resolve()):
                raise RenderError(source, None, "listed in the build manifest but missing (or "
                                  "not a plain file); run `renderer build` again")
            (bag_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, bag_dir / name)
        bagit.make_bag(str(bag_dir), {
            "Source-Organization": organisation,
            "Bagging-Date": updated.strftime("%Y-%m-%d"),
            "External-Description": "Accessible offline copies (HTML, PDF/UA, EPUB 3) with an "
                                    "index.html catalog and an OPDS feed.",
            "Bag-Software-Agent": f"{NAME} {__version__} with bagit {bagit.VERSION}",
        }, checksums=["sha256"])
        final = out / BAG
        old = out / f".{BAG}-old"
        shutil.rmtree(old, ignore_errors=True)  # left by a killed run
        if final.exists():
            final.rename(old)
        bag_dir.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    return out / BAG


def _date_text(published: str, t) -> str:
    """A manifest's YYYY-MM-DD in the catalog's words ('March 1, 2022'); as is if not a date."""
    try:
        return t.date(date.fromisoformat(published))
    except (TypeError, ValueError):
        return published


def _standard_tag(tag: str) -> str:
    """`pt-br` → `pt-BR`, `iw` → `he`: one spelling per language; a tag langcodes cannot
    read (only in a hand-edited manifest) stays as written."""
    try:
        return langcodes.standardize_tag(tag)
    except (ValueError, LookupError):
        return tag


def _collation_key(text: str) -> str:
    """Accents and case set aside ("Égyptien" with the E's): near enough to each locale's
    alphabetical order for a short list of language names, without ICU."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _language_name(tag: str, t, alone: bool = False) -> str:
    """'Arabic – العربية': the name in the catalog's language, then in the language itself.
    `alone` (a heading, a list of languages, an e-reader's menu): its first letter a capital,
    as CLDR writes language names standing alone in French, Spanish, Russian… ("Arabe")."""
    name, own = _names(tag, t, alone)
    return _pair(t) % {"name": name, "own": own} if own else name


def _language_label(tag: str, t, alone: bool = False) -> Markup:
    """The same, for the page: the language's own name marked as such (`<span lang="ar"
    dir="rtl">العربية</span>`), so a screen reader reads it in that language's voice."""
    name, own = _names(tag, t, alone)
    if not own:
        return Markup(escape(name))
    own_direction, direction = direction_of(tag) or "ltr", t.direction or "ltr"
    turn = Markup(' dir="{}"').format(own_direction) if own_direction != direction else ""
    span = Markup('<span lang="{}"{}>{}</span>').format(tag, turn, own)
    return Markup(escape(_pair(t))) % {"name": name, "own": span}


def _names(tag: str, t, alone: bool) -> tuple[str, str | None]:
    """A language's name in the catalog's language, and in its own (None if the same)."""
    name, own = t.language_name(tag), language_name(tag, tag)
    if alone:
        name = name[:1].upper() + name[1:]
    return name, (own if own and own != t.language_name(tag) else None)


def _pair(t) -> str:
    # Translators: a language's name in the catalog's language, then in its own: "Arabic – العربية"
    # (a dash, not parentheses: a name may hold some, "Portuguese (Brazil)").
    return t.pgettext("punctuation", "%(name)s – %(own)s")

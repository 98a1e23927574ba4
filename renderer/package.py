"""The offline package: an accessible catalog page, an OPDS 1.2 feed, and a BagIt bag.

The catalog (`index.html`) and the feed (`opds.xml`) are written from the build manifest, so
they describe exactly what is in `dist/`. The bag (`dist/bag/`, made with the Library of
Congress `bagit` package, sha256 manifests) holds a copy of the package — the catalog, the feed
and the files the manifest records, nothing else in the folder — ready to copy to a stick or a
share and to verify on arrival.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from datetime import date

from . import NAME, __version__
from .build import write_atomically
from .collection import load_manifest
from .errors import RenderError
from .l10n import language_name, localizer
from .lang import direction_of
from .outdir import safe_relative
from .html import render_template
from .media import media_type as media_type_of

MEDIA = {".html": ("Web page", "alternate"),  # label (a msgid) and OPDS link relation
         ".pdf": ("PDF", "http://opds-spec.org/acquisition"),
         ".epub": ("EPUB", "http://opds-spec.org/acquisition")}
BAG = "bag"
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
                                dir=direction_of(entry["language"]) or "ltr",
                                published_text=_date_text(entry["published"], t)))
    return sorted(entries, key=lambda e: (e["published"], e["slug"]), reverse=True)


def _anchor(slug: str, used: set) -> str:
    """An id without spaces, unique on the page (`main` is the page's own)."""
    base = "article-" + (re.sub(r"[^\w-]+", "-", slug).strip("-").lower() or "untitled")
    anchor, n = base, 1
    while anchor in used:
        n += 1
        anchor = f"{base}-{n}"
    used.add(anchor)
    return anchor


def write_catalog(out: Path, title: str | None, css: str, updated: datetime,
                  language: str = "en") -> list[Path]:
    """The catalog page and the OPDS feed, in `language` (BCP 47; English by default);
    `title` None → "Offline collection" in that language."""
    t = localizer(language)
    articles = catalog_entries(out, language)
    feed_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'renderer:' + (title or DEFAULT_TITLE))}"
    context = dict(title=title or t.gettext("Offline collection"), articles=articles,
                   renderer=f"{NAME} {__version__}", language=language, l10n=t,
                   direction=direction_of(language) or "ltr")
    index = render_template("catalog.html", css=css, **context)
    feed = render_template("opds.xml", updated=updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
                           feed_id=feed_id, **context)
    return [write_atomically(out / "index.html", index.encode("utf-8")),
            write_atomically(out / "opds.xml", feed.encode("utf-8"))]


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
    payload = [Path(n) for n in ("index.html", "opds.xml")]
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


def _language_name(tag: str, t) -> str:
    """'Arabic – العربية': the name in the catalog's language, then in the language itself."""
    name, own = t.language_name(tag), language_name(tag, tag)
    if not own or own == name:
        return name
    # Translators: a language's name in the catalog's language, then in its own: "Arabic – العربية"
    # (a dash, not parentheses: a name may hold some, "Portuguese (Brazil)").
    return t.pgettext("punctuation", "%(name)s – %(own)s") % {"name": name, "own": own}

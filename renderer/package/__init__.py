"""The offline package: an accessible catalog with its search, OPDS feeds, and a BagIt bag.

The catalog (`index.html`, its further pages and scripts: search.py) and the feeds
(`opds.xml` and `opds.json`, and in a larger collection one per language, one per year, and
pages: opds.py) are written from the build manifest (entries.py), so they describe exactly what
is in `dist/`; the manifest records the feeds besides the first and the catalog's further pages
and scripts, so a feed of a language or a year the collection no longer holds, or a page no
longer needed, is removed. The bag (bag.py) holds a copy of it all, and, when one is asked for,
a ZIM file of it all for Kiwix (zim.py).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .. import NAME, __version__
from ..collection import load_catalog_files, record_catalog_files
from ..l10n import localizer
from ..lang import direction_of
from ..outdir import remove_files
from .bag import BAG, write_bag
from .entries import catalog_entries, language_groups
from .opds import COVER, FEED, FEED_JSON, feed_files, plan_feeds, write_feeds
from .search import catalog_file_names, catalog_pages, write_pages

__all__ = ["BAG", "COVER", "FEED", "FEED_JSON", "catalog_entries", "write_bag", "write_catalog",
           "write_package"]
DEFAULT_TITLE = "Offline collection"  # a msgid: the catalog shows it in its own language


def write_catalog(out: Path, title: str | None, css: str, updated: datetime,
                  language: str = "en") -> list[Path]:
    """The catalog's pages and search, and the OPDS feeds, in `language` (BCP 47; English by
    default); `title` None → "Offline collection" in that language. Besides `opds.xml` and
    `opds.json` (every article), a collection in several languages or years gets a feed of
    each, and a long feed is cut in pages; the manifest records those feeds and the catalog's
    further pages and scripts (the new ones first, so a run killed while writing leaves none
    unrecorded), and those no longer written (a language or a year gone, a page fewer) are
    removed."""
    out = Path(out)
    t = localizer(language)
    articles = catalog_entries(out, language)
    groups = language_groups(articles, t)
    pages = catalog_pages(articles, groups)
    shown_title = title or t.gettext("Offline collection")
    feeds, facets = plan_feeds(articles, groups, shown_title, t, pages[0]["starts"])
    names = feed_files(feeds) | catalog_file_names(len(pages))
    recorded = set(load_catalog_files(out))
    if names - recorded:
        record_catalog_files(out, names | recorded)
    context = dict(title=shown_title, language=language, l10n=t,
                   renderer=f"{NAME} {__version__}", direction=direction_of(language) or "ltr")
    written = write_pages(out, css, articles, groups, pages, context)
    written += write_feeds(out, title or DEFAULT_TITLE, feeds, facets, updated, context)
    remove_files(out, recorded - names)
    if recorded - names:
        record_catalog_files(out, names)
    return written


def write_package(out: Path, css: str, updated: datetime, *, title: str | None = None,
                  organisation: str = "Archive library", language: str = "en",
                  zim=None) -> Path:
    """The offline package of a built collection: catalog and feed, then a BagIt bag of it all.
    `css` is the catalog's screen style; `updated` dates the feed and bag (reproducible);
    `language` is the catalog's. With `zim` (a zim.ZimMetadata) the ZIM is written after the
    catalog it holds and before the bag that holds it."""
    write_catalog(out, title, css, updated, language)
    written = None
    if zim is not None:
        from .zim import write_zim  # libzim is loaded only when a ZIM is asked for
        written = write_zim(out, zim)
    return write_bag(out, organisation, updated, zim=written)

"""OPDS 1.2 acquisition feeds: `opds.xml` with every article, and one feed per language
(`opds-fr.xml`) offered as facets when the collection holds several."""
from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from ..build import write_atomically
from ..html import render_template

FEED = "opds.xml"


def write_feeds(out: Path, base: str, articles: list[dict], groups: list[dict],
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

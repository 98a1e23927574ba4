"""The articles a package lists, read from the build manifest: their files and sizes, their
dates and language names in the catalog's language, grouped by language. The catalog page, the
feeds and the ZIM are all written from these entries, so they describe exactly what is in
`dist/`."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path
from urllib.parse import quote

import langcodes
from markupsafe import Markup, escape

from ..collection import load_manifest
from ..l10n import language_name, localizer
from ..lang import direction_of
from ..media import media_type as media_type_of
from ..outdir import language_feed_name

MEDIA = {".html": ("Web page", "alternate"),  # label (a msgid) and OPDS link relation
         ".pdf": ("PDF", "http://opds-spec.org/acquisition"),
         ".epub": ("EPUB", "http://opds-spec.org/acquisition"),
         ".narrated.epub": ("EPUB with narration", "http://opds-spec.org/acquisition"),
         ".m4b": ("Audiobook", "http://opds-spec.org/acquisition"),
         ".brf": ("Braille (BRF)", "http://opds-spec.org/acquisition"),
         ".pef": ("Braille (PEF)", "http://opds-spec.org/acquisition")}


def catalog_entries(out: Path, language: str = "en") -> list[dict]:
    """The articles of the manifest, newest first, with their files and sizes. Hrefs are
    URL-escaped (a folder may be named `100% #1?`); `anchor` is a valid, unique element id.
    Dates, sizes and language names are written for a catalog in `language`."""
    t = localizer(language)
    # Translators: the three formats each article of the catalog is offered in.
    labels = {".html": t.gettext("Web page"), ".pdf": t.gettext("PDF"), ".epub": t.gettext("EPUB"),
              # Translators: the listening editions (README, "Listening editions"): the EPUB
              # whose text is read aloud, sentence by sentence, and the audio-only file.
              ".narrated.epub": t.gettext("EPUB with narration"), ".m4b": t.gettext("Audiobook"),
              # Translators: the braille editions (README, "Braille editions"): the file to
              # emboss or read on a braille display (BRF), and the same in the XML format of
              # braille production tools (PEF). Keep BRF and PEF as they are.
              ".brf": t.gettext("Braille (BRF)"), ".pef": t.gettext("Braille (PEF)")}
    entries, anchors = [], {"main"}
    for slug, entry in sorted(load_manifest(out).items()):
        files = []
        for suffix in MEDIA:
            name = f"{slug}{suffix}"
            if name in entry["outputs"]:
                (_, rel), media_type = MEDIA[suffix], media_type_of(name)
                size = entry["outputs"][name]
                files.append(dict(name=name, href=f"{quote(slug)}/{quote(name)}",
                                  media_type=media_type,
                                  label=labels[suffix], rel=rel, bytes=size,
                                  size=t.file_size(size)))
        if files:  # an article that never built has nothing to list
            entries.append(dict(entry, slug=slug, files=files, anchor=_anchor(slug, anchors),
                                language_name=language_name_of(entry["language"], t),
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
                   name=language_name_of(tag, t), menu_name=language_name_of(tag, t, alone=True),
                   label=_language_label(tag, t, alone=True))
              for tag, members in by_tag.items()]
    return sorted(groups, key=lambda g: (_collation_key(t.language_name(g["tag"])), g["tag"]))


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


def language_name_of(tag: str, t, alone: bool = False) -> str:
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

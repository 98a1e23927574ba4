"""The renderer's own words in the article's language, and dates, numbers and names by locale.

Words come from gettext catalogs in the package (`renderer/locale/<name>/LC_MESSAGES/renderer.po`,
compiled to `.mo` and committed, managed with Babel: README, "Languages"); the msgids are the
English text. A catalog is chosen by BCP 47 fallback: `pt-BR` → `pt_BR`, then `pt`; `zh-TW`
and `zh-HK` → `zh_Hant`, `zh-CN` and `zh-SG` → `zh_Hans` (by the likely script); then English.
A word that falls back to English in an article in another language is recorded for the build
in progress (`start_tracking`), which reports it as an `untranslated` warning; the writers mark
such words `lang="en"`. Dates, numbers, file sizes and language names come from Babel's CLDR
data for the article's own locale (so `pt-BR` dates are Brazilian even though the words are
`pt`'s). Low level: imports only `lang`.
"""
from __future__ import annotations

import gettext
import re
from contextvars import ContextVar
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

import langcodes

from .lang import direction_of

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "renderer"
PUNCTUATION = "punctuation"  # msgctxt of separators: never reported as untranslated

# The words of the build in progress that fell back to English (None: no build is tracking).
_UNTRANSLATED: ContextVar[dict | None] = ContextVar("untranslated", default=None)


def start_tracking() -> dict:
    """A fresh dict that collects (as keys, in the order met), from now on in this thread,
    every msgid that falls back to English in an article in another language; the build
    calls this once per article."""
    found: dict = {}
    _UNTRANSLATED.set(found)
    return found


@lru_cache(maxsize=None)
def available() -> frozenset[str]:
    """Catalog names (folder names: `fr`, `zh_Hant`) with a compiled catalog in the package."""
    if not LOCALE_DIR.is_dir():
        return frozenset()
    return frozenset(p.name for p in LOCALE_DIR.iterdir()
                     if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file())


def candidates(tag: str) -> list[str]:
    """Catalog names for a BCP 47 tag, most specific first, by the likely script and region:
    `pt-BR` → pt_Latn_BR, pt_Latn, pt_BR, pt; `zh-HK` → zh_Hant_HK, zh_Hant, zh_HK, zh."""
    try:
        given = langcodes.Language.get(tag)  # normalised: `iw` → he, `zh-cmn-Hant` → zh-Hant
        script = given.script or given.maximize().script
    except (ValueError, LookupError):
        return []
    language, region = given.language, given.territory
    if not language:
        return []
    names = [f"{language}_{script}_{region}" if script and region else "",
             f"{language}_{script}" if script else "", f"{language}_{region}" if region else "",
             language]
    return list(dict.fromkeys(n for n in names if n))


def catalog_chain(tag: str) -> list[str]:
    """The catalogs an article in `tag` reads from, in order; English is the last resort."""
    return [name for name in candidates(tag) if name in available()]


@lru_cache(maxsize=None)
def _catalog(name: str) -> gettext.GNUTranslations:
    with open(LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as stream:
        return gettext.GNUTranslations(stream)


@lru_cache(maxsize=None)
def translations_of(message: str) -> frozenset[str]:
    """`message` in every catalog of the package (and as written): how the QA tools recognise
    a label the writers put in, whatever the language."""
    return frozenset([message] + [_catalog(n)._catalog[message] for n in sorted(available())
                                  if message in _catalog(n)._catalog])


@lru_cache(maxsize=None)
def localizer(tag: str) -> "Localizer":
    """The (shared, stateless) localizer of a language tag."""
    return Localizer(tag)


class Localizer:
    """Words, dates and numbers for one article language."""

    def __init__(self, tag: str):
        self.tag = tag
        self.primary = tag.split("-")[0].lower()
        self.english = self.primary == "en"
        self.names = catalog_chain(tag)
        self.direction = direction_of(tag)
        self.locale = _babel_locale(tag)

    # ------------------------------------------------------------ words
    def _find(self, key, n=None):
        """The translation of `key` (a msgid, "context\\x04msgid" or a plural msgid) from the
        first catalog in the chain that has it, else None."""
        for name in self.names:
            table = _catalog(name)
            if n is None and key in table._catalog:
                return table._catalog[key]
            if n is not None and (key, 0) in table._catalog:
                return table._catalog.get((key, table.plural(n)), table._catalog[(key, 0)])
        return None

    def translated(self, message: str, context: str = "") -> bool:
        """Whether `message` has a translation for this article (English always has)."""
        key = f"{context}\x04{message}" if context else message
        return self.english or self._find(key) is not None or self._find(key, 1) is not None

    def fallback_lang(self, message: str) -> str:
        """'en' when `message` is shown in English in an article in another language, else ''."""
        return "" if self.translated(message) else "en"

    def _missed(self, message: str, context: str = ""):
        if not self.english and context != PUNCTUATION:
            found = _UNTRANSLATED.get()
            if found is not None:
                found[message] = None

    def gettext(self, message: str) -> str:
        found = self._find(message)
        if found is None:
            self._missed(message)
            return message
        return found

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._find(singular, n)
        if found is None:
            self._missed(singular)
            return singular if n == 1 else plural
        return found

    def pgettext(self, context: str, message: str) -> str:
        found = self._find(f"{context}\x04{message}")
        if found is None:
            self._missed(message, context)
            return message
        return found

    def label(self, text: str) -> str:
        """A label as the colophon writes it, "Publisher: " (French "Éditeur : ",
        Chinese "出版者：")."""
        # Translators: a label before its value in the colophon and captions ("Publisher: ").
        # French puts a no-break space before the colon; Chinese and Japanese use "：".
        return self.pgettext("punctuation", "%(label)s: ") % {"label": text}

    # ------------------------------------------------------------ dates, numbers, names
    def date(self, day: date) -> str:
        """'March 1, 2022', '1 mars 2022', '1 مارس 2022'; ISO 8601 where Babel has no data."""
        if self.locale is None:
            return day.isoformat()
        from babel.dates import format_date
        return format_date(day, "long", locale=self.locale)

    def datetime(self, when: datetime) -> str:
        """A moment in UTC, to the second on a 24-hour clock as archives keep it: 'January 3,
        2020, 14:05:09 UTC', '3 janvier 2020, 14:05:09 UTC', '2020年1月3日 14:05:09 UTC'."""
        when = (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        if self.locale is None:
            return when.strftime("%Y-%m-%dT%H:%M:%SZ")
        from babel.dates import format_date, get_datetime_format
        glue = re.sub(r"'([^']*)'", r"\1", get_datetime_format("long", locale=self.locale))
        return glue.replace("{1}", format_date(when.date(), "long", locale=self.locale)) \
            .replace("{0}", f"{when:%H:%M:%S} UTC")

    def number(self, value) -> str:
        if self.locale is None:
            return str(value)
        from babel.numbers import format_decimal
        return format_decimal(value, locale=self.locale)

    def file_size(self, size: int) -> str:
        """'532 bytes'-sized files as '0.5 kB', then '1.4 kB', '87 kB', '3.1 MB' (two
        significant digits are enough to choose), in the locale's units ('1,4 ko')."""
        value, unit = size / 1000, "kilobyte"
        for larger in ("megabyte", "gigabyte"):
            if value < 999.5:
                break
            value, unit = value / 1000, larger
        value = round(value) if value >= 9.95 else round(value, 1)
        if self.locale is None:
            return f"{value} {dict(kilobyte='kB', megabyte='MB', gigabyte='GB')[unit]}"
        from babel.units import format_unit
        return format_unit(value, f"digital-{unit}", length="short", locale=self.locale)

    def language_name(self, tag: str) -> str:
        """The name of language `tag` in this locale's language ('Arabic', 'arabe', 'العربية')."""
        return language_name(tag, self.tag)


def language_name(tag: str, in_language: str) -> str:
    """`tag`'s name in `in_language` by CLDR (Babel), else by langcodes, else the tag itself."""
    target, where = _babel_locale(tag), _babel_locale(in_language)
    if target is not None and where is not None:
        name = target.get_display_name(where)
        if name:
            return name
    try:
        return langcodes.Language.get(tag).display_name(in_language)
    except (ValueError, LookupError, ImportError):
        return tag


@lru_cache(maxsize=None)
def _babel_locale(tag: str):
    """Babel's locale for a BCP 47 tag, or its language's, or None (then dates are ISO 8601)."""
    from babel import Locale, UnknownLocaleError

    for candidate in (tag, tag.split("-")[0]):
        try:
            return Locale.parse(candidate, sep="-")
        except (ValueError, TypeError, UnknownLocaleError):
            continue
    return None


_PLACEHOLDER = re.compile(r"%\((page|pages)\)s")


def page_footer_css(t: Localizer) -> str:
    """The print page's footer, "Page 1 of 2", in the article's words: an @page rule for the
    page's own <style> (a CSS `content` string cannot be looked up in a catalog)."""
    # Translators: the footer of every PDF page.
    text = t.gettext("Page %(page)s of %(pages)s")
    parts = []
    for position, piece in enumerate(_PLACEHOLDER.split(text)):
        if position % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append('"' + re.sub(r'(["\\])', r"\\\1", piece).replace("\n", " ") + '"')
    return "@page { @bottom-center { content: " + " ".join(parts) + "; } }"

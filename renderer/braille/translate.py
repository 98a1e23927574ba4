"""Text to braille cells with liblouis, in the table of the text's language.

liblouis's Python binding (`louis`, Debian's python3-louis) is plain ctypes over liblouis.so,
so it is loaded from Debian's dist-packages by path rather than installed into the venv: one
in-process call takes 0.02–0.3 ms where a `lou_translate` process per paragraph took 3–8 ms
(README, "Braille editions"). Cells come back as dot patterns (liblouis's dotsIO mode), so one
translation serves both the BRF (North American ASCII braille) and the PEF (Unicode braille).
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import langcodes

from ..errors import RenderError

# Where Debian's python3-louis puts the binding (any Python 3 can load it: it is ctypes only).
LOUIS_PATHS = (Path("/usr/lib/python3/dist-packages/louis/__init__.py"),
               Path("/usr/local/lib/python3/dist-packages/louis/__init__.py"))
DEFAULT_GRADE = 2
# Language → (contracted table, uncontracted table), all six-dot literary braille shipped by
# Debian's liblouis-data. Where liblouis has one table for a language, it serves both grades.
TABLES = {
    "en": ("en-ueb-g2.ctb", "en-ueb-g1.ctb"),        # Unified English Braille
    "fr": ("fr-bfu-g2.ctb", "fr-bfu-comp6.utb"),      # French unified braille
    "de": ("de-g2.ctb", "de-g0.utb"),                 # German Kurzschrift / Basisschrift
    "es": ("es-g2.ctb", "es-g1.ctb"),
    "pt": ("pt-pt-g2.ctb", "pt-pt-g1.utb"),
    "ar": ("ar-ar-g2.ctb", "ar-ar-g1.utb"),
    "ru": ("ru-litbrl.ctb", "ru-litbrl.ctb"),
    "uk": ("uk.utb", "uk.utb"),
    "he": ("he-IL.utb", "he-IL.utb"),
    "fa": ("fa-ir-g1.utb", "fa-ir-g1.utb"),
    "hi": ("hi-in-g1.utb", "hi-in-g1.utb"),
    "it": ("it-it-comp6.utb", "it-it-comp6.utb"),
    "nl": ("nl-NL-g0.utb", "nl-NL-g0.utb"),
    "sv": ("sv-g2.ctb", "sv-g1.ctb"),
    "da": ("da-dk-g26.ctb", "da-dk-g16.ctb"),
    "nb": ("no-no-g2.ctb", "no-no-g0.utb"),
    "no": ("no-no-g2.ctb", "no-no-g0.utb"),
    "tr": ("tr-g2.ctb", "tr-g1.ctb"),
    "el": ("el.ctb", "el.ctb"),
    "cs": ("cs-g1.ctb", "cs-g1.ctb"),
    "hu": ("hu-hu-g2.ctb", "hu-hu-g1.ctb"),
    "vi": ("vi-vn-g2.ctb", "vi-vn-g1.ctb"),
    "ko": ("ko-g2.ctb", "ko-g1.ctb"),
    "zh-Hans": ("zh-chn.ctb", "zh-chn.ctb"),
    "zh-Hant": ("zh-tw.ctb", "zh-tw.ctb"),
}


@lru_cache(maxsize=None)
def louis():
    """The liblouis binding, or a RenderError saying how to install it."""
    for path in LOUIS_PATHS:
        if path.is_file():
            spec = importlib.util.spec_from_file_location("louis", path)
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except OSError:  # the binding without liblouis.so
                break
            return module
    raise RenderError("--format", None, "braille needs liblouis and its Python binding; "
                      "install them with `tools/system-deps.sh braille` (Debian's liblouis-bin, "
                      "liblouis-data and python3-louis)")


def table_key(tag: str) -> str | None:
    """The TABLES key for a BCP 47 tag (`pt-BR` → pt, `zh-TW` → zh-Hant), or None."""
    try:
        language = langcodes.Language.get(tag)
    except (ValueError, LookupError):
        return None
    if language.language == "zh":
        script = language.script or language.maximize().script
        return f"zh-{script}" if f"zh-{script}" in TABLES else None
    return language.language if language.language in TABLES else None


def closest_table(tag: str) -> str:
    """The supported language nearest to `tag`, for messages: by CLDR's language distance,
    then one written in the same script (Japanese → Chinese, for its kanji), then by name."""
    def distance(key: str) -> int:
        try:
            return langcodes.tag_distance(tag, key)
        except (ValueError, LookupError):
            return 1000
    script = _script(tag)
    return min(TABLES, key=lambda key: (distance(key), _script(key) != script, key))


def _script(tag: str) -> str:
    """The likely script, with Chinese characters one family (Hans, Hant, Jpan)."""
    try:
        script = langcodes.Language.get(tag).maximize().script or ""
    except (ValueError, LookupError):
        return ""
    return "Hani" if script in ("Hans", "Hant", "Jpan", "Hani") else script


def tables_for(tag: str, grade: int = DEFAULT_GRADE, where: str = "") -> tuple[str, ...]:
    """The liblouis table list for a language and grade; RenderError if there is none."""
    key = table_key(tag)
    if key is None:
        near = closest_table(tag)
        raise RenderError(where or tag, None, f"liblouis has no braille table for the language "
                          f"{tag!r} (the closest it has is {near!r}, {TABLES[near][0]}); leave "
                          "out brf and pef for this article, or set its language if it is wrong")
    contracted, uncontracted = TABLES[key]
    return (contracted if grade == 2 else uncontracted,)


class Translator:
    """Translates text in the tables of the document's language, or of a passage's own
    language when liblouis has one (an Arabic paragraph in an English article)."""

    def __init__(self, language: str, grade: int = DEFAULT_GRADE, where: str = ""):
        self.louis = louis()
        self.grade = grade
        self.tables = tables_for(language, grade, where)

    def tables_of(self, lang: str) -> tuple[str, ...]:
        if lang and table_key(lang) is not None:
            return tables_for(lang, self.grade)
        return self.tables

    def cells(self, text: str, lang: str = "") -> list[int]:
        """The cells of `text` as six-dot patterns (bit 0 = dot 1 … bit 5 = dot 6; 0 a blank)."""
        return self.cells_in(text, self.tables_of(lang)) if text else []

    def undefined(self, text: str, lang: str = "") -> list[str]:
        """The characters of `text` the table has no braille for: liblouis writes each as its
        escape, `'\\x2014'` in braille (the cells of `\\x` are dots 1-2-5-6, 1-3-4-6)."""
        return [c for c in dict.fromkeys(text) if not c.isspace()
                and self._undefined(c, self.tables_of(lang))]

    @lru_cache(maxsize=4096)
    def _undefined(self, character: str, tables: tuple[str, ...]) -> bool:
        cells = self.cells_in(character, tables)
        return len(cells) >= 6 and any(cells[i:i + 2] == [0b110011, 0b101101]
                                       for i in range(len(cells) - 1))

    def cells_in(self, text: str, tables: tuple[str, ...]) -> list[int]:
        dots = self.louis.translateString(list(tables), text, mode=self.louis.dotsIO)
        return [ord(c) & 0x3F for c in dots]

    def version(self) -> str:
        return f"liblouis {self.louis.version()}"

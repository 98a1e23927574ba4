"""Text helpers shared by the reader, the writers and the QA tools: direction of a language,
and the one normalisation every output's text is compared in. Low level: imports no renderer module."""
from __future__ import annotations

import unicodedata

import langcodes

RTL_SCRIPTS = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg", "Samr", "Mand"}


def direction_of(lang: str) -> str:
    """'rtl' for languages written right to left (by their likely script), else ''."""
    try:
        script = langcodes.Language.get(lang).maximize().script
    except (ValueError, LookupError):
        return ""
    return "rtl" if script in RTL_SCRIPTS else ""


def normalised(text: str) -> str:
    """Whitespace collapsed and NFC: a PDF maps each glyph to one spelling, so "é" and
    "e\u0301" read back alike."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def cjk_face(tag: str) -> str | None:
    """The Noto CJK face (JP, KR, SC, TC, HK) for a Chinese, Japanese or Korean language tag,
    chosen as styles/base.css's :lang() rules choose it (a script subtag wins over a region);
    None for other languages."""
    parts = tag.lower().replace("_", "-").split("-")
    if parts[0] in ("ja", "ko"):
        return {"ja": "JP", "ko": "KR"}[parts[0]]
    if parts[0] != "zh":
        return None
    if "hant" in parts or "hans" in parts:
        return "TC" if "hant" in parts else "SC"
    if "hk" in parts or "mo" in parts:
        return "HK"
    return "TC" if "tw" in parts else "SC"

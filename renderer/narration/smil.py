"""EPUB 3 Media Overlays: one SMIL document per content document, and the package's facts.

Each `<par>` pairs a sentence (its `<span id>` in the XHTML) with its clip of the track; the
clips follow each other without gaps or overlaps, in reading order (EPUB 3.3, "Media
Overlays"). The package then says how long each overlay and the whole book last
(`media:duration`), which class a reading system puts on the sentence being spoken
(`media:active-class`) and who reads (`media:narrator`). That the book can be read by ear alone
(accessMode "auditory", …) is said with the rest of its accessibility metadata, in
renderer.epub.
"""
from __future__ import annotations

from ..html import render_template

ACTIVE_CLASS = "-epub-media-overlay-active"  # the name reading systems use by default
# The sentence being read aloud, for the narrated edition only (appended to its epub.css): a
# plain EPUB with this rule draws EPUBCheck's CSS-029, a class with no media:active-class.
# Reading systems may draw their own highlight instead.
ACTIVE_CSS = f"\n.{ACTIVE_CLASS} {{ background-color: #ffef9e; color: #000; }}\n"


def clock(ms: int) -> str:
    """A SMIL full clock value, 'h:mm:ss.fff'."""
    seconds, ms = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{ms:03d}"


def smil_document(units, clips, text_href: str, audio_href: str) -> bytes:
    """The overlay of one content document; `clips[i]` is (begin, end) in ms of `units[i]`."""
    return render_template("overlay.smil", clips=list(zip(units, clips)), clock=clock,
                           text_href=text_href, audio_href=audio_href).encode("utf-8")


def overlay_metadata(overlay_id: str, duration_ms: int, narrator: str) -> list[tuple]:
    """The package metadata rows (property, value, attributes) of a book with one overlay."""
    return [
        ("media:duration", clock(duration_ms), {"refines": f"#{overlay_id}"}),
        ("media:duration", clock(duration_ms), {}),
        ("media:active-class", ACTIVE_CLASS, {}),
        ("media:narrator", narrator, {}),
    ]

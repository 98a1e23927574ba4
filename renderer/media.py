"""Media types by file suffix: the one table the fetcher, the EPUB writer and the package share.

Only what the renderer accepts or writes is here (no SVG: it is refused, since it can carry
scripts and remote references)."""
from __future__ import annotations

from pathlib import PurePath

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
               ".gif": "image/gif", ".webp": "image/webp"}
MEDIA_TYPES = {**IMAGE_TYPES, ".css": "text/css", ".html": "text/html",
               ".xhtml": "application/xhtml+xml", ".pdf": "application/pdf",
               ".epub": "application/epub+zip", ".mp3": "audio/mpeg", ".m4b": "audio/mp4",
               ".smil": "application/smil+xml",
               # Braille (README, "Braille editions"): BRF has no registered type; Apache's
               # mime.types serves it as text/plain. PEF's own is in its spec (dc:format).
               ".brf": "text/plain", ".pef": "application/x-pef+xml"}


def media_type(name, default: str = "application/octet-stream") -> str:
    """The media type of a file name or path, from its suffix (case does not matter)."""
    return MEDIA_TYPES.get(PurePath(str(name)).suffix.lower(), default)

"""Files a render reads: each must really lie inside its folder (the article's or the styles').

Kept apart from confine.py, which needs WeasyPrint: the reader and the build use this too, and
import nothing slow.
"""
from __future__ import annotations

from pathlib import Path

from .errors import RenderError


def confined_file(folder: Path, name: str) -> Path:
    """`folder/name`, refused unless its real path (symbolic links resolved) lies inside
    `folder`: a link may point elsewhere in the folder, never out of it. The folder itself may
    be reached through links; only what is in it is held to it."""
    path = Path(folder) / name
    if not path.resolve().is_relative_to(Path(folder).resolve()):
        raise RenderError(path, None, "is a symbolic link that leads out of its folder, and "
                          "the renderer reads only inside the article folder and the styles "
                          "folder; copy the file there instead of linking to it")
    return path


def ocf_forbidden(path) -> str:
    """What in a relative path no EPUB may hold in a file name (EPUB 3.3, OCF 'File names'),
    named for a message ('' if nothing): control characters, `" * : < > ? \\ |`, private-use
    characters, non-characters, specials, tags, lone surrogates, or a name ending in '.'.
    Windows forbids most of the same, so an HTML copy with such a name would not travel."""
    for part in getattr(path, "parts", str(path).split("/")):
        for char in part:
            if _forbidden(ord(char)):
                return f"'{char}'" if char.isprintable() else f"the character U+{ord(char):04X}"
        if part.endswith("."):
            return "a name ending in '.'"
    return ""


def _forbidden(code: int) -> bool:
    return (code <= 0x1F or 0x7F <= code <= 0x9F or chr(code) in '"*:<>?\\|'
            or 0xD800 <= code <= 0xF8FF            # surrogates, private use
            or 0xFDD0 <= code <= 0xFDEF or 0xFFF0 <= code <= 0xFFFF
            or (code & 0xFFFE) == 0xFFFE           # non-characters of every plane
            or 0xE0000 <= code <= 0xE0FFF or code >= 0xF0000)

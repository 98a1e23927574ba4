"""Errors and findings carry a place (path, line) so the CLI can print `path:line: message`."""
from __future__ import annotations

import re
from dataclasses import dataclass

# What must never reach a terminal raw: C0 and C1 controls (escape sequences, bells, line
# breaks that would start a spoofed second message), the Unicode line and paragraph separators,
# bidi controls that reorder what is shown, and lone surrogates (which cannot even be encoded).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    r"""`text` with every unsafe character written as an escape (`\n`, `\x1b`, `\u2028`):
    one message stays one line, and a value from the input cannot drive the terminal."""
    def escape(match):
        char = match.group(0)
        if char in _NAMED:
            return _NAMED[char]
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    return _UNSAFE.sub(escape, str(text))


class RenderError(Exception):
    """Bad input or a failed render: one line a librarian can act on."""

    def __init__(self, path, line: int | None, message: str):
        super().__init__(message)
        self.path = str(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return one_line(f"{where}: {self.message}")


@dataclass(frozen=True)
class Finding:
    """A lint result: a stable code, a severity and a place."""
    code: str
    severity: str  # "warning" or "error"
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return one_line(f"{where}: {self.severity} {self.code}: {self.message}")

"""Errors and findings carry a place (path, line) so the CLI can print `path:line: message`."""
from __future__ import annotations

from dataclasses import dataclass


class RenderError(Exception):
    """Bad input or a failed render: one line a librarian can act on."""

    def __init__(self, path, line: int | None, message: str):
        super().__init__(message)
        self.path = str(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


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
        return f"{where}: {self.severity} {self.code}: {self.message}"

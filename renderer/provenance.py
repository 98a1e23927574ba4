"""Provenance: where a copy came from, and the one sentence that says so in the HTML, the
EPUB and the PDF. Low level (model layer): the writers all import it, it imports none of them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Provenance:
    """Where a copy came from: the same facts in the colophon, the HTML, the EPUB and the PDF."""
    title: str
    language: str
    publisher: str
    published: str      # YYYY-MM-DD
    rendered: datetime  # from SOURCE_DATE_EPOCH or the article: reproducible
    rights: str
    source: str         # the original's URL, or ""
    identifier: str
    source_sha256: str
    renderer: str       # "renderer 0.1.0"
    author: str = ""    # who wrote the article, when known
    # Capture provenance (renderer import): where and when the page itself was archived.
    captured: str = ""          # ISO 8601 UTC, e.g. 2020-01-03T14:05:09Z
    capture_id: str = ""        # WARC record ID
    capture_file: str = ""      # archive file name
    capture_offset: int | None = None
    capture_digest: str = ""    # payload digest
    capture_software: str = ""  # the crawler or browser that captured it


def statement(provenance: Provenance) -> str:
    """Provenance in plain words, worded the same in the HTML, the EPUB and the PDF: how the
    page was captured (when known), then how this copy was made."""
    rendered = (f"Rendered by {provenance.renderer} on {provenance.rendered:%Y-%m-%d} from a "
                f"source with SHA-256 {provenance.source_sha256}")
    captured = capture_statement(provenance)
    return f"{captured}. {rendered}" if captured else rendered


def capture_statement(p: Provenance) -> str:
    """'Captured from URL on DATE with TOOL (record ID, FILE at offset N, payload digest D)',
    with what is known; "" when the article carries no capture facts."""
    if not (p.captured or p.capture_id or p.capture_file or p.capture_digest or p.capture_software):
        return ""
    text = "Captured" + (f" from {p.source}" if p.source else "") + \
        (f" on {p.captured}" if p.captured else "") + \
        (f" with {p.capture_software}" if p.capture_software else "")
    record = [f"record {p.capture_id}"] if p.capture_id else []
    if p.capture_file:
        offset = f" at offset {p.capture_offset}" if p.capture_offset is not None else ""
        record.append(f"{p.capture_file}{offset}")
    if p.capture_digest:
        record.append(f"payload digest {p.capture_digest}")
    return text + (f" ({', '.join(record)})" if record else "")

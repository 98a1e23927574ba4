"""Alt-text lint: findings (code, severity, place) about figures, returned, never printed.

Codes (documented in README.md):
  alt-missing        error    an informative figure without alt text
  alt-is-caption     warning  alt equals, or is contained in, the caption or title
  alt-redundant-lead warning  alt begins "image of", "photo of", "picture of" …
  alt-filename       warning  alt looks like a file name
  alt-too-long       warning  alt over 250 characters and no long description
  decorative-caption warning  a decorative image has a caption
The build adds two more, from the PDF's layout and the catalogs:
  pdf-missing-glyph  warning  characters no installed font can show (empty boxes in the PDF)
  untranslated       warning  the renderer's own words with no translation for the article's
                              language (shown in English, marked lang="en")
The reader adds one, for a link it dropped (text kept):
  link-unresolvable  warning  relative with no `source`, an invalid URL, or an unknown `#id`
`--strict` turns every warning into an error.
"""
from __future__ import annotations

import re

from . import model as m
from .errors import Finding

MAX_ALT = 250
REDUNDANT_LEAD = re.compile(r"^\s*(an?\s+)?(image|photo|photograph|picture|graphic)\s+of\b", re.I)
FILENAME = re.compile(r"^\S+\.(jpe?g|png|gif|webp|svg|tiff?|bmp)$|^(IMG|DSC|DCIM)[_-]?\d+", re.I)


def lint_document(doc: m.Document) -> list[Finding]:
    return [finding for figure in doc.figures for finding in lint_figure(figure, doc.source_path)]


def lint_figure(figure: m.Figure, path: str) -> list[Finding]:
    # A figure not preserved has no file name: its alt is still shown (as text), so the rules hold.
    name = f"figure '{figure.src}'" if figure.src else \
        f"not-preserved figure '{figure.original or figure.id}'"

    def finding(code, severity, message):
        return Finding(code, severity, path, figure.line, f"{name}: {message}")

    if figure.decorative:
        if figure.has_caption:
            return [finding("decorative-caption", "warning", "is decorative but has a caption; "
                            "give it alt text and drop 'decorative: true'")]
        return []
    alt = _normal(figure.alt)
    if not alt:
        return [finding("alt-missing", "error", "has no alt text; add 'alt:' saying what the "
                        "image shows")]
    found = []
    for field_name in ("caption", "title"):
        text = _normal(getattr(figure, field_name))
        if text and (alt == text or alt in text):
            found.append(finding("alt-is-caption", "warning", f"alt text repeats the {field_name}; "
                                 "describe what the image shows instead"))
            break
    if REDUNDANT_LEAD.match(figure.alt):
        found.append(finding("alt-redundant-lead", "warning", "alt text starts with 'image of' or "
                             "similar; screen readers already say it is an image, so drop it"))
    if FILENAME.search(figure.alt.strip()):
        found.append(finding("alt-filename", "warning", "alt text looks like a file name; "
                             "describe what the image shows"))
    if len(figure.alt) > MAX_ALT and not figure.description:
        found.append(finding("alt-too-long", "warning", f"alt text is {len(figure.alt)} characters "
                             f"(over {MAX_ALT}); shorten it and move detail to 'description:'"))
    return found


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".")

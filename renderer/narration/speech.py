"""The spoken text of a content document: the reading order cut into sentences, each with an
id in the XHTML and the words a voice should say.

The units come from the same walk as `renderer read` (renderer.reading), so the narration says
what the transcript lists, in its order: headings, paragraphs, list items, table cells (a data
cell with its column's header), each figure's alt text then its caption and credit, the frames
of photos not preserved, long descriptions, the notice and the colophon. What is written for
the eye is adapted for the ear only in what the voice is given: a hash becomes "SHA-256
checksum, see text", a web address its site, a VIRIN its characters in groups.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ..l10n import localizer
from ..reading import FORMAT_SPECIFIC, XHTML, inline_text, item_blocks, local_name, reading_order

ID_PREFIX = "s"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass(frozen=True)
class Unit:
    """One sentence (or an image's alt text) as spoken: `id` in the XHTML, `text` as written
    there, `speech` as given to the voice; `heading` is part of one (a longer pause after),
    `chapter` the whole heading on its first sentence, where the audiobook's chapter starts."""
    id: str
    role: str
    text: str
    speech: str
    heading: bool = False
    chapter: str = ""


def spoken_units(xhtml: str, language: str) -> tuple[str, list[Unit]]:
    """The XHTML with every sentence in a `<span id>` (images get an id), and its units in
    reading order."""
    root = etree.fromstring(xhtml.encode("utf-8"), _PARSER)
    body = root.find(f"{XHTML}body")
    t = localizer(language)
    ids = _Ids({e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")})
    units: list[Unit] = []
    for item, element in reading_order(body):
        if item.role in FORMAT_SPECIFIC or not item.text:
            continue
        heading = item.role.startswith("heading")
        if local_name(element.tag) == "img":
            if not element.get("id"):
                element.set("id", ids.new())
            # Translators: said before a picture's text alternative in the narration
            # ("Image: A wide river bends…"), so that a listener knows what is described.
            image = t.label(t.gettext("Image"))
            units.append(Unit(element.get("id"), item.role, item.text,
                              image + speakable(item.text, t), heading))
            continue
        before = _column_header(element, t)
        for number, (span_id, text) in enumerate(wrap_sentences(element, ids, language)):
            speech = speakable(text, t)
            first = number == 0
            units.append(Unit(span_id, item.role, text, (before + speech) if first else speech,
                              heading, item.text if heading and first else ""))
    marked = etree.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + marked + "\n", units


class _Ids:
    """New ids `s1`, `s2`… that no element of the document already has."""

    def __init__(self, taken: set):
        self.taken, self.number = taken, 0

    def new(self) -> str:
        while True:
            self.number += 1
            candidate = f"{ID_PREFIX}{self.number}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate


def _column_header(cell, t) -> str:
    """"Rockets: " before a data cell's first sentence: a listener cannot glance up."""
    if local_name(cell.tag) != "td":
        return ""
    row = cell.getparent()
    column = [c for c in row if local_name(c.tag) in ("td", "th")].index(cell)
    table = row.getparent()
    while table is not None and local_name(table.tag) != "table":
        table = table.getparent()
    head = table.find(f"{XHTML}thead/{XHTML}tr") if table is not None else None
    if head is None:
        return ""
    cells = [c for c in head if local_name(c.tag) in ("td", "th")]
    header = " ".join(inline_text(cells[column]).split()) if column < len(cells) else ""
    return t.label(header) if header else ""


# ---------------------------------------------------------------- sentences
# Words ending in "." that do not end a sentence (English; other languages rarely abbreviate
# before a capital in our corpus); a single capital letter is an initial ("Donald J. Trump").
_ABBREVIATIONS = {"gen", "sgt", "lt", "col", "maj", "capt", "adm", "cpl", "pvt", "cmdr", "gov",
                  "sen", "rep", "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "no", "vs",
                  "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec",
                  "u.s", "u.k", "u.n", "e.g", "i.e", "etc", "fig", "p", "pp", "art"}
_LATIN_END = re.compile(r"[.!?…][\"'”’»)\]]*(\s+)(?=\S)")
_OTHER_END = re.compile(r"[。！？][」』”’)]*\s*(?=\S)|[؟۔।॥][\"”’)]*\s+(?=\S)")


def sentence_starts(text: str) -> list[int]:
    """Offsets where a new sentence begins in `text` (after the end of the one before)."""
    starts = [m.end() for m in _LATIN_END.finditer(text)
              if text[m.start()] != "." or _full_stop_ends(text[:m.start()], text[m.end():])]
    starts += [m.end() for m in _OTHER_END.finditer(text)]
    return sorted(set(s for s in starts if 0 < s < len(text)))


def _full_stop_ends(before: str, after: str) -> bool:
    """Whether a full stop between `before` and `after` ends a sentence: not after an initial
    or a known abbreviation, and only before a capital or an opening quote or bracket."""
    words = before.split()
    word = words[-1].strip("\"'“‘([").lower() if words else ""
    if word in _ABBREVIATIONS or len(word) == 1:
        return False
    return after[:1].isupper() or after[:1] in ("\"", "“", "‘", "(", "[")


def wrap_sentences(element, ids: _Ids, language: str) -> list[tuple[str, str]]:
    """Put each sentence of `element`'s own inline content in a `<span id>`; return the ids
    and texts. A sentence end inside a child element (a link, an emphasis) does not split: the
    child stays whole, so the markup keeps its shape."""
    children = list(element)
    blocks = item_blocks(element) if local_name(element.tag) == "li" else []
    own = children[:children.index(blocks[0])] if blocks else children
    atoms: list = [element.text or ""]
    for child in own:
        atoms += [child, child.tail or ""]
    text = "".join(a if isinstance(a, str) else inline_text(a) for a in atoms)
    if not text.strip():
        return []
    cuts = [s for s in sentence_starts(text) if _in_text_atom(atoms, s)]
    groups = _split_atoms(atoms, cuts)
    for child in own:
        element.remove(child)
    element.text = ""
    found = []
    position = 0
    for group in groups:
        group_text = "".join(a if isinstance(a, str) else inline_text(a) for a in group)
        if not group_text.strip():  # only white space: it stays between the spans
            _append_text(element, position, group_text)
            continue
        lead = len(group_text) - len(group_text.lstrip())
        span = etree.Element(f"{XHTML}span")
        span.set("id", ids.new())
        _fill(span, group, lead)
        tail = _strip_trailing_space(span)
        _append_text(element, position, group_text[:lead])
        element.insert(position, span)
        position += 1
        span.tail = tail
        found.append((span.get("id"), " ".join(group_text.split())))
    return found


def _in_text_atom(atoms, offset: int) -> bool:
    """Whether `offset` of the joined text falls in a text atom (not inside a child element)."""
    at = 0
    for atom in atoms:
        length = len(atom) if isinstance(atom, str) else len(inline_text(atom))
        if isinstance(atom, str) and at < offset <= at + length:
            return True
        at += length
    return False


def _split_atoms(atoms, cuts: list[int]) -> list[list]:
    """The atoms cut at each offset in `cuts` (offsets fall in text atoms only)."""
    groups: list[list] = [[]]
    at = 0
    for atom in atoms:
        if not isinstance(atom, str):
            groups[-1].append(atom)
            at += len(inline_text(atom))
            continue
        start = at
        for cut in [c for c in cuts if at < c <= at + len(atom)]:
            groups[-1].append(atom[start - at:cut - at])
            groups.append([])
            start = cut
        groups[-1].append(atom[start - at:])
        at += len(atom)
    return groups


def _fill(span, group: list, lead: int):
    """Put the group's text and elements into `span`, without its `lead` white space."""
    first = True
    for atom in group:
        if isinstance(atom, str):
            if first:
                atom = atom[lead:] if lead <= len(atom) else ""
            if len(span):
                span[-1].tail = (span[-1].tail or "") + atom
            else:
                span.text = (span.text or "") + atom
        else:
            atom.tail = None
            span.append(atom)
        first = False


def _strip_trailing_space(span) -> str:
    """Take the white space at the end of `span` out of it; return it (the span's tail)."""
    if len(span):
        text = span[-1].tail or ""
        stripped = text.rstrip()
        span[-1].tail = stripped or None
    else:
        text = span.text or ""
        stripped = text.rstrip()
        span.text = stripped
    return text[len(stripped):]


def _append_text(element, position: int, text: str):
    """Add `text` before child `position` of `element` (after the child before it)."""
    if not text:
        return
    if position == 0:
        element.text = (element.text or "") + text
    else:
        previous = element[position - 1]
        previous.tail = (previous.tail or "") + text


# ---------------------------------------------------------------- words for the ear
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"“”]+", re.IGNORECASE)
_UUID = re.compile(r"\b(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}\b", re.IGNORECASE)
_HASH = re.compile(r"\b(?:(?:sha1|sha256|sha512|md5):)?(?:[0-9a-f]{32,128}|[A-Z2-7]{32})\b",
                   re.IGNORECASE)
_HASH_NAMES = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
# A VIRIN (200103-M-ZX256-1032Y), a catalogue number (AR-2022-0001): groups of capitals and
# digits joined by hyphens, with at least one digit and one capital.
_IDENTIFIER = re.compile(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]+(?:-[A-Z0-9]+)+\b")
_DOTTED = re.compile(r"\b\d+(?:\.\d+){2,}\b")  # a version, "0.1.0"; an IP address
_ALGORITHM = re.compile(r"(?:SHA|MD)-?\d+")  # a name, said as one: "SHA-256"
_ENGLISH = {"Gen.": "General", "Lt. Gen.": "Lieutenant General", "Sgt.": "Sergeant",
            "Lt.": "Lieutenant", "Col.": "Colonel", "Maj.": "Major", "Capt.": "Captain",
            "Adm.": "Admiral", "Cpl.": "Corporal", "Pvt.": "Private", "Cmdr.": "Commander",
            "Sen.": "Senator", "Rep.": "Representative", "Gov.": "Governor", "Dr.": "Doctor",
            "Prof.": "Professor", "Jr.": "Junior", "Jan.": "January", "Feb.": "February",
            "Mar.": "March", "Apr.": "April", "Aug.": "August", "Sept.": "September",
            "Sep.": "September", "Oct.": "October", "Nov.": "November", "Dec.": "December",
            "e.g.": "for example", "i.e.": "that is", "vs.": "versus"}
_ENGLISH_WORDS = re.compile(r"(?<![\w.])(" + "|".join(
    re.escape(k) for k in sorted(_ENGLISH, key=len, reverse=True)) + r")(?=\s|$|[,;:)])")


def speakable(text: str, t) -> str:
    """`text` as the voice should say it, in the localizer `t`'s language."""
    text = _URL.sub(lambda m: _web_address(m.group(0), t), text)
    # Translators: what the narration says for a UUID (a long random identifier), which the
    # reader finds written out in the text.
    text = _UUID.sub(lambda m: t.gettext("UUID, see text"), text)
    text = _HASH.sub(lambda m: _hash(m.group(0), t), text)
    text = _IDENTIFIER.sub(lambda m: m.group(0) if _ALGORITHM.fullmatch(m.group(0))
                           else spelled(m.group(0)), text)
    if t.english:
        text = _ENGLISH_WORDS.sub(lambda m: _ENGLISH[m.group(1)], text)
    if t.primary == "ar":  # espeak-ng 1.51's Arabic reads "0.1.0" differently from run to run
        text = _DOTTED.sub(lambda m: " . ".join(m.group(0).split(".")), text)
    return " ".join(text.split())


def _web_address(url: str, t) -> str:
    after = url[len(url.rstrip(".,;:!?)]")):]  # the sentence's punctuation, not the address's
    url = url[:len(url) - len(after)]
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.IGNORECASE).split("/")[0]
    # Translators: what the narration says for a web address: its site, then that the
    # whole address is in the text ("web address on example.org, see text").
    return t.gettext("web address on %(host)s, see text") % {"host": host.split(":")[0]} + after


def _hash(token: str, t) -> str:
    algorithm, _, digits = token.rpartition(":")
    name = {"sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512", "md5": "MD5"}.get(
        algorithm.lower()) or _HASH_NAMES.get(len(digits))
    if name is None or not re.search(r"\d", digits) and not algorithm:
        return token  # a long word of hex letters only, or of an unusual length: not a hash
    # Translators: what the narration says instead of reading a hash digit by digit
    # ("SHA-256 checksum, see text"); %(algorithm)s is SHA-256, SHA-1 or MD5.
    return t.gettext("%(algorithm)s checksum, see text") % {"algorithm": name}


def spelled(identifier: str) -> str:
    """An identifier said character by character, its groups apart: "2 0 0 1 0 3, M, Z X…"."""
    return ", ".join(" ".join(group) for group in identifier.split("-"))

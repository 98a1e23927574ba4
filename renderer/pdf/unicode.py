"""What the PDF's text says, exactly as written, for scripts whose glyphs are not one per letter.

WeasyPrint 70 writes one ToUnicode map per font, glyph by glyph, from the first place each
glyph is drawn: a glyph gets the text of the whole cluster it ends (or nothing, `<025d> <>`,
when it is not a cluster's last glyph). Shaping breaks that in every script whose letters
become several glyphs, or one glyph, or glyphs in another order: Thai "กำลัง" read "กาลัง",
Hindi "सुरक्षा" read "सुरिक्षा" (the pre-base ि of an earlier "कि" stuck to क), an Arabic
damma came back twice, and the empty entries make page-validation reject the whole map
(PDFUA1-FONT-UNICODE-MAPPING-001). Two repairs, both from facts WeasyPrint had:

- `recording`: while WeasyPrint draws, the text of each text box it marks (the text Pango
  shaped, in reading order) is kept by (page, MCID). Where the glyphs read back do not say
  that text, the marked-content sequence gets it as `/ActualText` (`/Span << /MCID 7
  /ActualText <…> >> BDC`), which text extraction (poppler's pdftotext), screen readers and
  this package's own reader (text.mcid_glyphs) take in place of the glyphs.
- `repair_maps`: each ToUnicode entry is checked against the embedded font's own cmap. A
  glyph that is a character's nominal glyph maps to that character (not to a cluster it once
  ended; a bracket drawn mirrored in right-to-left text keeps its own character); a glyph with no character of its own (a conjunct, a ligature, a contextual form)
  keeps WeasyPrint's text, or, where that is empty, gets U+200B ZERO WIDTH SPACE: the map
  must give every drawn code a character, and the run's /ActualText says what it reads.
"""
from __future__ import annotations

import contextlib
import contextvars
import io
import re
import unicodedata

import pikepdf
from pikepdf import Name


ZERO_WIDTH_SPACE = "\u200b"
_recorder: contextvars.ContextVar[dict | None] = contextvars.ContextVar("recorder", default=None)
_installed = False


@contextlib.contextmanager
def recording(document):
    """Within: every text box WeasyPrint marks while it writes `document` is noted. Yields a
    dict that, on leaving, maps (page index, MCID) to the text the box was shaped from."""
    _install()
    boxes: dict[int, tuple[int, str]] = {}
    found: dict[tuple[int, int], str] = {}
    token = _recorder.set(boxes)
    try:
        yield found
    finally:
        _recorder.reset(token)
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            if id(box) in boxes:
                mcid, text = boxes[id(box)]
                found[number, mcid] = text


def _install():
    """Wrap WeasyPrint's `Stream.marked` (where each box gets its MCID) once, to tell the
    active recorder which text each MCID holds. Only text boxes are noted, and only while a
    `recording` is active (per thread or task, so warm workers can share the process)."""
    global _installed
    if _installed:
        return
    from weasyprint.formatting_structure.boxes import TextBox
    from weasyprint.pdf.stream import Stream

    marked = Stream.marked

    @contextlib.contextmanager
    def noting_marked(self, box, tag):
        boxes = _recorder.get()
        if boxes is not None and self._tags is not None and isinstance(box, TextBox):
            boxes[id(box)] = (len(self._tags), box.text)
        with marked(self, box, tag):
            yield

    Stream.marked = noting_marked
    _installed = True


# ------------------------------------------------------------------ the fonts' Unicode maps
def repair_maps(pdf: pikepdf.Pdf):
    """Each composite font's ToUnicode map made right where its embedded cmap can tell, and
    complete (see the module's docstring)."""
    from fontTools.ttLib import TTFont

    seen = set()
    for page in pdf.pages:
        for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
            if font.objgen in seen or font.get("/Subtype") != Name.Type0 or "/ToUnicode" not in font:
                continue
            seen.add(font.objgen)
            descendant = font.DescendantFonts[0]
            program = descendant.get("/FontDescriptor", {}).get("/FontFile2")
            if program is None or descendant.get("/CIDToGIDMap", Name.Identity) != Name.Identity:
                continue
            try:
                cmap = TTFont(io.BytesIO(program.read_bytes()), lazy=True).getBestCmap() or {}
            except Exception:  # noqa: BLE001 - a font fontTools cannot read keeps its map
                continue
            entries = _entries(font.ToUnicode.read_bytes().decode("latin-1"))
            fixed = _fixed(entries, _characters_of(cmap, program))
            if fixed != entries:
                font.ToUnicode = pdf.make_stream(_cmap_text(fixed).encode("ascii"))


def _characters_of(cmap: dict[int, str], program) -> dict[int, set[str]]:
    """glyph id → the characters whose nominal glyph it is."""
    from fontTools.ttLib import TTFont

    order = TTFont(io.BytesIO(program.read_bytes()), lazy=True).getReverseGlyphMap()
    out: dict[int, set[str]] = {}
    for code, name in cmap.items():
        if name in order:
            out.setdefault(order[name], set()).add(chr(code))
    return out


def _fixed(entries: dict[int, str], nominal: dict[int, set[str]]) -> dict[int, str]:
    out = {}
    for glyph, text in entries.items():
        own = nominal.get(glyph, set())
        if text and (all(char in own for char in text) or unicodedata.mirrored(text[:1]) or
                     any(unicodedata.normalize("NFKD", c) == unicodedata.normalize("NFKD", text)
                         for c in own)):
            # already says a character this glyph is drawn for (ﬁ: fi); or a bracket or
            # guillemet, whose glyph in right-to-left text is its mirror's ("»" for "«")
            out[glyph] = text
        elif own:
            out[glyph] = min(own, key=lambda c: (c not in text, ord(c)))
        else:
            out[glyph] = text or ZERO_WIDTH_SPACE
    return out


def _entries(cmap: str) -> dict[int, str]:
    table = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            table[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be", "replace")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in re.findall(
                r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            for offset in range(int(high, 16) - int(low, 16) + 1):
                table[int(low, 16) + offset] = chr(int(text, 16) + offset)
    return table


def _cmap_text(entries: dict[int, str]) -> str:
    """A ToUnicode CMap as WeasyPrint writes one, in blocks of at most 100 (ISO 32000-1 9.10.3)."""
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo", "<< /Registry (Adobe)", "/Ordering (UCS)", "/Supplement 0",
             ">> def", "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <ffff>", "endcodespacerange"]
    items = sorted(entries.items())
    for start in range(0, len(items), 100):
        block = items[start:start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines += [f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>" for glyph, text in block]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ /ActualText on runs
# `/Span <</MCID 7>> BDC`, on one line or three (WeasyPrint writes three, qpdf one)
_BDC = re.compile(rb"^(/[A-Za-z0-9]+)\s*<<\s*/MCID ([0-9]+)\s*>>\s*BDC$", re.M)


def add_actual_text(pdf: pikepdf.Pdf, laid_out: dict[tuple[int, int], str], glyphs) -> dict:
    """Give `/ActualText` to each marked-content sequence of a shaped script (SHAPED), and to
    each whose glyphs (`glyphs`, as text.mcid_glyphs reads them) do not say the text it was
    laid out from. Returns
    {(page, MCID): text} of those given one."""
    wanted: dict[int, dict[int, str]] = {}
    for key, text in laid_out.items():
        if key in glyphs and (_shaped(text) or not _reads_as(glyphs[key], text)):
            wanted.setdefault(key[0], {})[key[1]] = text
    for number, texts in wanted.items():
        page = pdf.pages[number]
        page.contents_coalesce()
        data = page.obj.Contents.read_bytes()

        def replace(match, texts=texts):
            text = texts.get(int(match.group(2)))
            if text is None:
                return match.group(0)
            return match.group(1) + b" << /MCID " + match.group(2) + b" /ActualText <feff" + \
                text.encode("utf-16-be").hex().encode("ascii") + b"> >> BDC"

        page.obj.Contents = pdf.make_stream(_BDC.sub(replace, data))
    return {(page, mcid): text for page, texts in wanted.items() for mcid, text in texts.items()}


# Scripts whose clusters are shaped into glyphs that are reordered, split, merged or stacked
# with offsets (Indic scripts and Sinhala, Thai, Lao, Tibetan, Myanmar, Khmer, Balinese,
# Javanese): a run of them always gets /ActualText, even where its glyphs' characters happen
# to read right, since an extractor that places glyphs by position (pdftotext) splits a mark
# drawn with a rise onto a line of its own.
SHAPED = re.compile("[\u0900-\u0DFF\u0E00-\u0FFF\u1000-\u109F\u1780-\u17FF\u1B00-\u1B7F"
                    "\uA980-\uA9DF]")


def _shaped(text: str) -> bool:
    return SHAPED.search(text) is not None


def _reads_as(glyphs: list[str], text: str) -> bool:
    """Whether painted glyphs say `text`, spaces at either end included: a run's leading
    space painted after it (a Latin name ending a right-to-left line) or right-to-left letters
    painted in visual order would otherwise be read in the wrong place."""
    painted = "".join(g for g in glyphs if g != "\n")
    return _spaced(painted) == _spaced(text)


def _spaced(text: str) -> str:
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text))

"""Text of a PDF's marked content: glyphs read from the content streams with each font's
ToUnicode map, then put back from visual into logical (reading) order."""
from __future__ import annotations

import io
import re
import unicodedata

import pikepdf
from pikepdf import Dictionary, Name

BREAK_AFTER = set("-\u2010\u2012\u2013\u2014/\u2024\u2025\u2026\u00ad")


def mcid_glyphs(data: bytes) -> dict[tuple[int, int], list[str]]:
    """Painted glyphs (their text, in visual order) of each marked-content sequence, keyed by
    (page index, MCID). `logical_order` turns them into text in reading order.

    Read straight from the content streams (text operators, decoded with each font's ToUnicode
    map): ten times faster than a general text extractor, and all we need. Spaces come from the
    page: the print stylesheet keeps the space at each line break (`white-space: pre-wrap`) and
    the HTML writer keeps a space between two elements inside one of them (html.attach_spaces),
    so WeasyPrint paints them; where a space still stood alone in a box of its own at a line
    break, a "\n" marker stands for it. A sequence with /ActualText (unicode.py) reads as that
    text, once, in place of its glyphs.
    """
    pdf = pikepdf.open(io.BytesIO(data)) if isinstance(data, (bytes, bytearray)) else data
    maps: dict = {}
    texts: dict[tuple[int, int], list[str]] = {}
    previous = None  # (glyph, y, size) of the last glyph painted in marked content
    actual: dict[tuple[int, int], str] = {}  # /ActualText of marked content not yet painted
    said: set[tuple[int, int]] = set()  # marked content whose /ActualText is in `texts`
    for number, page in enumerate(pdf.pages):
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        stack: list = []  # marked-content MCIDs (None for BMC or artifacts)
        font, size, y = None, 0.0, None
        for operands, operator in pikepdf.parse_content_stream(page, "BDC BMC EMC Tf Tm Td TD TJ Tj"):
            op = str(operator)
            if op == "BDC":
                props = operands[1] if len(operands) > 1 else None
                mcid = props.get("/MCID") if isinstance(props, Dictionary) else None
                stack.append(None if mcid is None or operands[0] == Name.Artifact else int(mcid))
                if stack[-1] is not None and "/ActualText" in props:
                    actual[number, stack[-1]] = str(props.ActualText)
            elif op == "BMC":
                stack.append(None)
            elif op == "EMC":
                if stack:
                    stack.pop()
            elif op == "Tf":
                key = str(operands[0])
                font = _font_map(fonts.get(key), maps) if key in fonts else None
                size = float(operands[1])
            elif op == "Tm":
                y = float(operands[5])
            elif op in ("Td", "TD") and y is not None:
                y += float(operands[1])
            elif op in ("TJ", "Tj") and font is not None:
                mcid = next((m for m in reversed(stack) if m is not None), None)
                if mcid is None:
                    continue
                glyphs = texts.setdefault((number, mcid), [])
                strings = operands[0] if op == "TJ" else [operands[0]]
                decoded = _decode(b"".join(bytes(item) for item in strings
                                           if isinstance(item, pikepdf.String)), font)
                if not decoded:
                    continue
                # Only an operator's first glyph can start a new line: y moves between text
                # operators, never inside one.
                if previous is not None and _space_lost_at_line_break(previous, decoded[0], y, size):
                    glyphs.append("\n")
                text = actual.pop((number, mcid), None)
                if text is not None:  # the run's /ActualText stands for all its glyphs
                    glyphs.append(text)
                    said.add((number, mcid))
                elif (number, mcid) not in said:
                    glyphs.extend(decoded)
                previous = (decoded[-1], y, size)
    return texts


def _font_map(font, cache) -> tuple[int, dict[bytes, str]]:
    """(code width in bytes, code → text) for a font, from its ToUnicode CMap."""
    if font.objgen in cache:
        return cache[font.objgen]
    width = 2 if font.get("/Subtype") == Name.Type0 else 1
    table: dict[bytes, str] = {}
    if "/ToUnicode" in font:
        cmap = font.ToUnicode.read_bytes().decode("latin-1")
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for code, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
                table[bytes.fromhex(code)] = _utf16(text)
        for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, text in re.findall(
                    r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                start, end, first = int(low, 16), int(high, 16), int(text, 16)
                for offset in range(end - start + 1):
                    table[(start + offset).to_bytes(len(low) // 2, "big")] = chr(first + offset)
    cache[font.objgen] = (width, table)
    return cache[font.objgen]


def _utf16(hex_text: str) -> str:
    return bytes.fromhex(hex_text).decode("utf-16-be", errors="replace") if hex_text else ""


def _decode(raw: bytes, font) -> list[str]:
    width, table = font
    return [table.get(raw[i:i + width], "\ufffd") for i in range(0, len(raw) - width + 1, width)]


def _space_lost_at_line_break(previous, glyph: str, y, size) -> bool:
    """A new line that follows a letter, not a space: the space was in a text box of its own
    (after an inline element), which WeasyPrint does not paint. Lines may also break with no
    space after hyphens, dashes and ellipses, next to wide characters (emoji, ideographs) and
    between letters of scripts written without spaces (Thai, Lao, Myanmar, Khmer): no space is
    added there. (A word longer than a line, broken by `overflow-wrap`, still gains
    one: README, "Known limits".)"""
    last, last_y, last_size = previous
    if y is None or last_y is None or abs(y - last_y) <= max(size, last_size) * 0.5:
        return False
    if not last or not glyph or last.isspace() or glyph.isspace() or last[-1] in BREAK_AFTER:
        return False
    return not _unspaced(last[-1]) and not _unspaced(glyph[0])


# Scripts written without spaces between words: a line breaks between two of their letters.
UNSPACED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x19E0, 0x19FF))  # Thai, Lao, Myanmar, Khmer


def _unspaced(char: str) -> bool:
    """A wide character (CJK ideographs, kana, emoji) or a letter of Thai, Lao, Myanmar or
    Khmer: no space was lost next to it at a line break."""
    return unicodedata.east_asian_width(char) in ("W", "F") or \
        any(low <= ord(char) <= high for low, high in UNSPACED)


def logical_order(glyphs, rtl_base: bool = False) -> str:
    """Right-to-left text is painted in visual order; put one line of it back in reading order.

    `glyphs` are the painted glyphs' texts (a ligature such as lam-alef is one glyph of two
    letters, already in reading order). Each glyph is a right-to-left letter (R), a
    left-to-right letter (L), a digit (D) or neutral. A neutral takes the direction of the
    strong glyphs on both sides when they agree, digits counting as R, else the base
    direction (Unicode bidi rules N1/N2). Right-to-left segments (R letters, R neutrals and
    the digits among them) are reversed run by run; digits and L runs keep their own order.
    """
    glyphs = list(glyphs)
    if glyphs and glyphs[0] == "\n":  # mcid_glyphs' line-break marker stays in front
        return "\n" + logical_order(glyphs[1:], rtl_base)
    kinds = [_direction(g) for g in glyphs]
    if not any(k in ("R", "AL", "AN") for k in kinds) and \
            (not rtl_base or any(k in ("L", "EN") for k in kinds)):
        return "".join(glyphs)  # left-to-right text, or a right-to-left line's LTR piece
    if "L" not in kinds:  # an isolated right-to-left run (html.isolate_rtl): its base is RTL
        rtl_base = True
    classes = ["R" if k in ("R", "AL") else "L" if k == "L" else "D" if k in ("EN", "AN")
               else None for k in kinds]
    as_rtl = [None if c is None else c != "L" for c in classes]  # digits act as R on neutrals
    after_of = [rtl_base] * len(as_rtl)  # the nearest strong value after each glyph
    for index in range(len(as_rtl) - 2, -1, -1):
        following = as_rtl[index + 1]
        after_of[index] = after_of[index + 1] if following is None else following
    before = rtl_base  # the nearest strong value before the glyph at hand
    for index, value in enumerate(as_rtl):
        if value is None:
            after = after_of[index]
            classes[index] = "R" if (before if before == after else rtl_base) else "L"
        else:
            before = value
    runs: list[list] = []  # [class, glyphs]
    for glyph, kind in zip(glyphs, classes):
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(glyph)
        else:
            runs.append([kind, [glyph]])
    # Segments: in an RTL base the whole line; in an LTR base each stretch of R and D runs
    # that holds an R letter. A segment's runs are read in reverse order.
    out: list[str] = []
    segment: list = []

    def flush():
        if any(kind == "R" for kind, _ in segment) or (rtl_base and segment):
            out.extend("".join(reversed(g)) if kind == "R" else "".join(g)
                       for kind, g in reversed(segment))
        else:
            out.extend("".join(g) for _, g in segment)
        segment.clear()

    for run in runs:
        if rtl_base or run[0] != "L":
            segment.append(run)
        else:
            flush()
            out.append("".join(run[1]))
    flush()
    return "".join(out)


def _direction(glyph: str) -> str:
    """The bidi class of a glyph's first strong character (or of its first character)."""
    for char in glyph:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL", "L", "EN", "AN"):
            return kind
    return unicodedata.bidirectional(glyph[0]) if glyph else "ON"


def join_text(pieces) -> str:
    """Pieces of marked content as one whitespace-normalised string."""
    return " ".join("".join(pieces).split())


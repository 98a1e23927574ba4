"""Extract: decode a captured page, parse it, and find the article in it, without the site.

The extractor is readability-lxml (chosen by measuring it against trafilatura and readabilipy
on the Readability test pages; README "Importing captures"). It keeps the page's own elements,
so each element is stamped first with an id (`data-import-rid`): figures and captions are then
read from the original page around each image, including what the extractor cleaned away
(`srcset`, `<picture>`, a caption beside the image).
"""
from __future__ import annotations

import codecs
import logging
import re

import lxml.etree
import lxml.html

RID = "data-import-rid"
SHORT_BLOCK = 1000  # characters: a best block shorter than this may be one of several
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
for _name in ("readability", "readability.readability", "htmldate", "charset_normalizer"):
    _logger = logging.getLogger(_name)  # libraries that log tracebacks: we report in one line
    _logger.addHandler(logging.NullHandler())
    _logger.propagate = False


class PageError(Exception):
    """A page that cannot become an article: one line saying why and what to do."""


def decode(data: bytes, content_type: str = "", override: str = "") -> tuple[str, str]:
    """The page's text and how its charset was decided ("" when declared and right).

    Order, as a browser does: --charset, the byte-order mark, the HTTP header, <meta charset>;
    a page that declares none is read as UTF-8 if it is valid UTF-8, else its charset is
    guessed (charset-normalizer) and reported. A declared charset the bytes do not fit is
    refused: the text would come out garbled."""
    if not data.strip():
        raise PageError("the page is empty; the capture holds no HTML for it")
    head = data[:2048].lstrip()
    if _looks_binary(data[:4096]):
        raise PageError("not HTML (the bytes are binary: an image, a PDF or a compressed file?); "
                        "import only HTML pages")
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return data.decode(name), ""
    declared, where = override, "--charset"
    if not declared:
        declared, where = _charset_param(content_type), "the HTTP header"
    if not declared:
        match = _META_CHARSET.search(data[:8192])
        declared, where = (match.group(1).decode("ascii") if match else ""), "<meta charset>"
    if declared:
        try:
            name = codecs.lookup(_alias(declared)).name
        except LookupError:
            raise PageError(f"{where} declares charset '{declared}', which is unknown; give the "
                            "real one with --charset (e.g. --charset windows-1252)") from None
        try:
            return data.decode(name, "whatwg" if name == "cp1252" else "strict"), ""
        except UnicodeDecodeError as exc:
            bad = _bad_sequences(data, name)
            if len(bad) <= MAX_STRAY_BYTES and len(bad) * 1000 < len(data):
                return data.decode(name, "replace"), (
                    f"{name} as declared, but {len(bad)} stray byte(s) (the first at offset "
                    f"{bad[0]}) were not {name} and became U+FFFD")
            raise PageError(f"{where} declares charset '{declared}', but byte {exc.start} "
                            f"(0x{data[exc.start]:02X}) is not {name}, and "
                            f"{'at least ' if len(bad) > MAX_STRAY_BYTES else ''}{len(bad) - 1} "
                            "more are not either: the declaration is wrong; give the real one with --charset "
                            "(e.g. --charset windows-1252)") from None
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        bad = _bad_sequences(data, "utf-8")
        if len(bad) <= MAX_STRAY_BYTES and len(bad) * 1000 < len(data) and len(data) > 2000:
            return data.decode("utf-8", "replace"), (
                f"utf-8 (none declared), with {len(bad)} stray byte(s) (the first at offset "
                f"{bad[0]}) that became U+FFFD")
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise PageError("no charset declared and none could be recognised; give it with "
                        "--charset (e.g. --charset windows-1252)")
    return data.decode(best.encoding, "replace"), best.encoding


MAX_STRAY_BYTES = 8  # a few broken bytes in a long page are damage, not a wrong charset


def _whatwg(error: UnicodeDecodeError):
    """windows-1252 as browsers read it: the five bytes Python leaves undefined are the C1
    controls of the same number (WHATWG Encoding)."""
    return "".join(chr(b) for b in error.object[error.start:error.end]), error.end


codecs.register_error("whatwg", _whatwg)


def _bad_sequences(data: bytes, name: str) -> list[int]:
    """Offsets of the byte sequences that are not `name` (at most a few more than allowed)."""
    offsets, position = [], 0
    decoder = codecs.getincrementaldecoder(name)()
    while position < len(data) and len(offsets) <= MAX_STRAY_BYTES:
        try:
            decoder.decode(data[position:], final=True)
            break
        except UnicodeDecodeError as exc:
            offsets.append(position + exc.start)
            position += exc.end
            decoder.reset()
    return offsets


def _looks_binary(sample: bytes) -> bool:
    if sample.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b",
                          b"RIFF")):
        return True
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return sample.count(b"\0") > len(sample) // 100 + 1


def _charset_param(content_type: str) -> str:
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type or "", re.I)
    return match.group(1) if match else ""


def _alias(name: str) -> str:
    """Browsers read these labels as windows-1252 (WHATWG Encoding), so do we."""
    lowered = name.strip().lower()
    return "windows-1252" if lowered in ("iso-8859-1", "latin1", "latin-1", "us-ascii",
                                         "ascii", "iso8859-1") else lowered


def parse(text: str) -> lxml.html.HtmlElement:
    """The page as an lxml tree; a page with no element to speak of is refused."""
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith("<?xml"):  # lxml refuses str input with an encoding declaration
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        tree = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise PageError(f"the page is empty or not HTML ({exc}); import only HTML pages") from None
    if tree.find("body") is None and tree.tag != "html":
        raise PageError("not HTML (no <html> or <body>); import only HTML pages")
    if not looks_like_html(text):
        raise PageError("not HTML (plain text or another format with an .html name); import "
                        "only HTML pages")
    return tree


def looks_like_html(text: str) -> bool:
    return re.search(r"<(!doctype\s+html|html|head|body|p|div|article|h1|title|meta|table|br)\b",
                     text[:100_000], re.I) is not None


def prepare(tree) -> None:
    """Before extraction: put the real image in place of a lazy-load placeholder whose
    `<noscript>` holds it (as Readability.js does), then stamp every element with an id."""
    for noscript in list(tree.iter("noscript")):
        images = noscript.findall(".//img")
        previous = noscript.getprevious()
        if len(images) != 1 or previous is None:
            continue
        placeholder = previous if previous.tag == "img" else None
        if placeholder is None:
            inner = previous.findall(".//img")
            placeholder = inner[0] if len(inner) == 1 and not previous.text_content().strip() else None
        if placeholder is None:
            continue
        real = images[0]
        for key, value in placeholder.attrib.items():  # keep what only the placeholder says
            if key not in real.attrib and key not in ("src", "srcset", "class"):
                real.set(key, value)
        placeholder.getparent().replace(placeholder, real)
        noscript.drop_tree()
    for number, element in enumerate(tree.iter()):
        if isinstance(element.tag, str):
            element.set(RID, str(number))


# readability-lxml 0.9 measures text with `clean()`, three regex substitutions per call; its
# `\s*\n\s*` backtracks over every space of a long indentation run (quadratic), which made it
# half of all import time on real pages. This is the same function (tests/test_import_units.py
# checks equality against the original on generated text), anchored at the start of each
# whitespace run so that each run is scanned once.
_LONG_RUN = re.compile(r"(?<!\s)\s{255,}")
_NEWLINE_RUN = re.compile(r"(?<!\s)\s*\n\s*")
_TABS = re.compile(r"\t|[ \t]{2,}")


def fast_clean(text: str) -> str:
    text = _LONG_RUN.sub(" " * 255, text)
    text = _NEWLINE_RUN.sub("\n", text)
    text = _TABS.sub(" ", text)
    return text.strip()


def _use_fast_clean():
    import readability.readability as module

    if getattr(module, "original_clean", None) is None:
        module.original_clean = module.clean
        module.clean = fast_clean


def article(tree) -> lxml.html.HtmlElement | None:
    """The article's element tree, as readability-lxml chooses and cleans it (elements keep
    their ids); None when it finds nothing."""
    from readability import Document
    from readability.readability import Unparseable

    _use_fast_clean()

    class _Kept(Document):
        """readability-lxml, minus the regex that strips attributes from serialised HTML
        (it also edits alt texts that contain 'style=')."""
        node = None

        def get_clean_html(self):
            self.node = self.html
            return lxml.html.tostring(self.html, encoding="unicode")

        def select_best_candidate(self, candidates):
            """readability-lxml's choice, then Readability.js's rule for pages whose
            content is split into several similar blocks (a list of stories, a gallery): when
            three or more of the five top candidates score within 75% of the best, take their
            nearest common ancestor instead of the one block. Only for a short best block: a
            long one is the article itself."""
            best = super().select_best_candidate(candidates)
            if not best or len(" ".join(best["elem"].text_content().split())) >= SHORT_BLOCK:
                return best
            ranked = sorted(candidates.values(), key=lambda c: c["content_score"], reverse=True)
            top = best["content_score"] or 1
            close = [set(c["elem"].iterancestors()) for c in ranked[:5]
                     if c is not best and c["content_score"] / top >= 0.75]
            if len(close) < 3:
                return best
            for ancestor in best["elem"].iterancestors():
                if ancestor.tag in ("body", "html"):
                    break
                if sum(ancestor in ancestors for ancestors in close) >= 3:
                    candidate = candidates.get(ancestor) or {"content_score": top, "elem": ancestor}
                    candidates[ancestor] = candidate
                    return candidate
            return best

    extractor = _Kept(tree, min_text_length=25, retry_length=250)
    try:
        extractor.summary(html_partial=True, keep_all_images=True)
    except (Unparseable, ValueError, TypeError, AttributeError, lxml.etree.LxmlError):
        return None
    return extractor.node


def by_rid(tree) -> dict[str, lxml.html.HtmlElement]:
    return {e.get(RID): e for e in tree.iter() if isinstance(e.tag, str) and e.get(RID)}


FRAME = ("article", "main")
OUTSIDE = ("nav", "aside", "footer", "form", "menu", "noscript", "template")
JUNK = re.compile(r"(?<![a-z])(share|sharing|social|related|recommend\w*|newsletter|subscribe|"
                  r"promo|advert\w*|sponsor\w*|comments?|outbrain|taboola|more-?stories|"
                  r"avatar|icon)(?![a-z])", re.I)


def recover_figures(tree, article_root, original: dict) -> int:
    """Put back images the extractor cleaned away from inside the article's own frame (its
    <article> or <main>): an image with alt text or a caption there is content (an infobox's
    picture, a byline photo), and an archive must not lose it. Each goes before the first
    block of the article that follows it in the page. Returns how many came back."""
    kept = {e.get(RID) for e in article_root.iter() if isinstance(e.tag, str)}
    first = next((original[r] for r in (e.get(RID) for e in article_root.iter()
                                        if isinstance(e.tag, str)) if r in original), None)
    if first is None:
        return 0
    frame = next((a for a in ([first] + list(first.iterancestors()))
                  if a.tag in FRAME or (a.get("role") or "").lower() == "main"), None)
    if frame is None:
        return 0
    blocks = [e for e in article_root.iter() if isinstance(e.tag, str) and e.get(RID)
              and e.tag in ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table",
                            "figure", "blockquote", "section", "pre", "dl")]
    count = 0
    for img in frame.iter("img"):
        rid = img.get(RID)
        if rid in kept or not _content_image(img, frame):
            continue
        position = int(rid)
        following = next((b for b in blocks if int(b.get(RID)) > position), None)
        copy = lxml.html.fromstring(lxml.html.tostring(img, with_tail=False))
        if following is not None and following.getparent() is not None:
            following.addprevious(copy)
        else:
            article_root.append(copy)
        count += 1
    return count


def _content_image(img, frame) -> bool:
    alt = " ".join((img.get("alt") or "").split())
    captioned = any(a.tag == "figure" and a.find(".//figcaption") is not None
                    for a in img.iterancestors())
    if not (alt or captioned):
        return False
    sizes = [int(v) for v in (img.get("width"), img.get("height")) if v and v.isdigit()]
    if sizes and max(sizes) <= 48:
        return False
    for element in [img] + list(img.iterancestors()):
        if element is frame:
            return True
        if element.tag in OUTSIDE:
            return False
        klass = " ".join(filter(None, (element.get("class"), element.get("id"))))
        if klass and JUNK.search(klass):
            return False
    return True

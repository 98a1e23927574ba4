"""Figures: each content image of a page, with its alt, title, caption, credit and identifier,
and its exact bytes from the capture when the capture holds them.

Never invented: `alt` is the page's own (whitespace normalised); an image without one gets a
`todo` for a person. An image the capture does not hold stays a figure, marked `missing` with
the reason. Bytes are checked with the renderer's own image checks (renderer.images), so what
import writes is what render accepts. Tracking pixels, icons, avatars and logos are dropped.
"""
from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from .extract import RID
from .markdown import Figure
from .sources import Fetched

LAZY_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url",
              "data-hi-res-src", "data-full-src")
LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
PLACEHOLDER = re.compile(r"placeholder|blank\.gif|spacer|transparent|lazy|loading|1x1|grey\.gif|"
                         r"pixel\.gif|data:image/gif|data:image/svg", re.I)
TRACKER = re.compile(r"(?<![a-z])(pixel|beacon|tracking|tracker|analytics|doubleclick|"
                     r"scorecardresearch|quantserve|adserver|1x1|spacer)(?![a-z])|"
                     r"facebook\.com/tr|/b/ss/|bat\.bing\.com", re.I)
CHROME = re.compile(r"(?<![a-z])(logo|icon|avatar|gravatar|sprite|badge|spinner|loader|favicon|"
                    r"profile-?pic|author-?(photo|image|img)|headshot|social|share|rss)(?![a-z])", re.I)
EMOJI = re.compile(r"emoji|wp-smiley|twemoji|smiley", re.I)
CAPTION_CLASS = re.compile(r"caption|credit|byline|photographer|cutline|legend|virin|copyright|"
                           r"attribution|image-?desc|img-?desc|photo-?info|media-?info|"
                           r"image-?info|courtesy", re.I)
CREDIT_CLASS = re.compile(r"credit|byline|photographer|copyright|attribution|courtesy|"
                          r"(?<![a-z])(source|author)(?![a-z])", re.I)
IDENT_CLASS = re.compile(r"virin|identifier|image-?id|photo-?id", re.I)
TITLE_CLASS = re.compile(r"(?<![a-z])(title|headline)(?![a-z])", re.I)

# Credits and identifiers inside caption text, by the patterns newsrooms use.
VIRIN = re.compile(r"\s*\b(VIRIN)\s*:\s*(\d{6}-[A-Z]-[A-Z0-9]{5}-\d{3,4}[A-Z]?)\s*", re.I)
IDENT_LABELLED = re.compile(r"\s*\b(Image ID|Photo ID|Asset ID)\s*:\s*(\S+)\s*$", re.I)
CREDIT_LABEL = re.compile(
    r"^(photo(?:graph)?s?\s+by|photo(?:graph)?s?\s+credit|photo(?:graph)?s?|image\s+credit|"
    r"images?\s+by|image|credit|credits|illustration\s+by|illustration|video\s+by|"
    r"picture|pictures?\s+by|source)\s*[:：]\s*(.+)$", re.I)
CREDIT_BY = re.compile(r"^(photo(?:graph)?s?\s+by|illustration\s+by|images?\s+by)\s+(.+)$", re.I)
TRAILING_CREDITS = [
    # "(Photo by Jane Doe/Reuters)", "(Photo: Jane Doe)", "(AP Photo/Evan Vucci)"
    re.compile(r"\s*\(((?:photo(?:graph)?|image|illustration|credit)s?(?:\s+by|\s*:)\s*[^()]+)\)\s*$", re.I),
    re.compile(r"\s*\(((?:AP|AFP|Reuters|EPA|Getty|UPI)[^()]*(?:photo|images?|pool)[^()]*)\)\s*$", re.I),
    re.compile(r"\s*\(([^()]*(?:Getty Images|Reuters|AFP|Associated Press|Shutterstock|"
               r"EPA-EFE|Bloomberg|via Getty)[^()]*)\)\s*$", re.I),
    # "… Baghdad. Photo By: Marine Corps Sgt. Kyle Talbot", "… Credit: NASA"
    re.compile(r"(?:^|(?<=[\s.!?\"”’)]))((?:photo(?:graph)?s?(?:\s+by|\s+credit)?|image(?:\s+credit)?|"
               r"credit|illustration(?:\s+by)?|picture)\s*[:：]\s*.+)$", re.I),
    re.compile(r"(?:^|(?<=[\s.!?\"”’)]))((?:courtesy(?:\s+of)?|©|\(c\)|copyright)\s*.+)$", re.I),
    re.compile(r"(?:^|(?<=[.!?\"”’)]\s))((?:photo(?:graph)?|illustration|images?)\s+by\s+.+)$", re.I),
    # "… stands guard. John Smith / Getty Images"
    re.compile(r"(?:^|(?<=[.!?\"”’)]\s))([^.!?]{2,80}?\s*/\s*(?:Getty Images|Reuters|AFP|AP|EPA|"
               r"Shutterstock|Bloomberg|The New York Times|Redux)[^.]*)$", re.I),
]


@dataclass
class Outcome:
    """What became of one image: a figure, inline text (an emoji), or nothing (dropped)."""
    figure: Figure | None = None
    inline: str = ""
    dropped: str = ""                       # why, when dropped
    consumed: set = field(default_factory=set)  # rids of caption elements used
    needs: list = field(default_factory=list)   # report items for a person


class Figures:
    """Builds the figures of one page, names their image files and keeps their bytes."""

    def __init__(self, original: dict, base_url: str, lookup, workdir: Path):
        self.original = original        # rid → element of the original page
        self.base_url = base_url
        self.lookup = lookup or (lambda url: Fetched(None, reason="not captured with the page"))
        self.workdir = workdir
        self.files: dict[str, bytes] = {}   # images/<name> → bytes
        self._names_by_hash: dict[str, str] = {}
        self._checked: dict[str, tuple] = {}
        self.count = 0

    # -------------------------------------------------------- one image
    def of(self, img, in_text: bool = False) -> Outcome:
        """The figure for `img` (an element of the extracted article)."""
        original = self.original.get(img.get(RID), img)
        alt_attr = original.get("alt")
        alt = " ".join(alt_attr.split()) if alt_attr is not None else None
        klass = " ".join(filter(None, (original.get("class"), original.get("id"))))
        urls = self.candidates(original)
        first = urls[0] if urls else ""
        width, height = _size(original.get("width")), _size(original.get("height"))
        if not urls:
            return Outcome(dropped="an image with no source")
        if (width is not None and width <= 2) or (height is not None and height <= 2) or \
                TRACKER.search(_path_of(first)):
            return Outcome(dropped="a tracking pixel")
        if EMOJI.search(klass) or "/emoji/" in first:
            return Outcome(inline=alt or "", dropped="" if alt else "an emoji without alt text")
        small = max(width or 0, height or 0)
        if CHROME.search(klass) or (CHROME.search(_basename(first)) and 0 < small <= 48):
            return Outcome(dropped="an icon, logo or avatar")
        if in_text and 0 < small <= 24:
            return Outcome(inline=alt or "", dropped="" if alt else "a small inline icon")
        role = (original.get("role") or "").lower()
        decorative = alt == "" or (alt is None and role in ("presentation", "none")) or \
            (original.get("aria-hidden") or "").lower() == "true"
        if decorative:
            alt = ""
        facts, consumed = self.caption_facts(original)
        if original.get("title") and not facts.get("title"):
            facts["title"] = " ".join(original.get("title").split())
        if facts.get("title") and facts.get("title") == alt:
            facts.pop("title")
        self.count += 1
        data, fetched, name, reason = self.bytes_for(urls)
        outcome = Outcome(consumed=consumed)
        link = fetched.url if fetched and fetched.url.startswith(("http://", "https://")) else \
            next((u for u in urls if u.startswith(("http://", "https://"))), "")
        shown = link or _local(first)
        fields = {}
        if name:
            fields["src"] = f"images/{name}"
        else:
            if decorative:
                return Outcome(dropped=f"a decorative image that was {reason}", consumed=consumed)
            fields["missing"] = reason
            outcome.needs.append(f"image not preserved ({reason}): {shown}")
        if decorative:
            fields["decorative"] = True
        elif alt is None:
            fields["todo"] = (f"write the alt text for {shown} (the page gave none)" if name else
                              f"write the alt text for {shown} (the page gave none and the "
                              "image was not captured), or delete this figure")
            outcome.needs.append(f"no alt text: {shown}")
        else:
            fields["alt"] = alt
        fields.update(facts)
        if link:
            fields["original"] = link
        outcome.figure = Figure(fields)
        return outcome

    def candidates(self, img) -> list[str]:
        """The image's URLs, best first, resolved as a browser would: <picture> sources and
        srcset (largest first), lazy-load attributes, then src (a placeholder last)."""
        sized: list[tuple[float, int, str]] = []
        order = 0
        # libxml2 does not know <source> is empty: it nests the <img> inside the sources
        picture = next((a for a in list(img.iterancestors())[:6] if a.tag == "picture"), None)
        sets = []
        if picture is not None:
            for source in picture.iter("source"):
                kind = (source.get("type") or "").lower()
                if kind and kind not in ("image/jpeg", "image/png", "image/webp", "image/gif",
                                         "image/jpg", "image/svg+xml"):
                    continue  # AVIF, JXL…: the renderer does not take them
                sets += [source.get(a) for a in ("srcset",) + LAZY_SRCSET if source.get(a)]
        sets += [img.get(a) for a in ("srcset",) + LAZY_SRCSET if img.get(a)]
        for value in sets:
            for url, size in parse_srcset(value):
                order += 1
                sized.append((-size, order, url))
        plain = [img.get(a) for a in LAZY_ATTRS if img.get(a)]
        src = img.get("src") or ""
        out = []
        for _, _, url in sorted(sized):
            out.append(url)
        out += plain
        if src and not (PLACEHOLDER.search(src[:200]) and out):
            out.append(src)
        elif src:
            out.append(src)  # a placeholder, tried last
        resolved = []
        for url in out:
            url = url.strip()
            if not url or url.startswith(("javascript:", "about:", "blob:")):
                continue
            full = url if url.startswith("data:") else urljoin(self.base_url, url)
            if full not in resolved:
                resolved.append(full)
        return resolved

    # -------------------------------------------------------- bytes
    def bytes_for(self, urls):
        """The first candidate the capture holds and the renderer accepts: (data, fetched,
        file name, reason-if-none)."""
        reasons = []
        for url in urls:
            fetched = self.lookup(url)
            if fetched.data is None:
                reasons.append(fetched.reason)
                continue
            name, problem = self.store(fetched, url)
            if name:
                return fetched.data, fetched, name, ""
            reasons.append(problem)
        refused = [r for r in reasons if r.startswith("the captured image")]
        return None, None, "", (refused or reasons or ["not captured with the page"])[0]

    def store(self, fetched: Fetched, url: str) -> tuple[str, str]:
        """Check the bytes with the renderer's image checks; name and keep them if good."""
        digest = hashlib.sha256(fetched.data).hexdigest()
        if digest in self._names_by_hash:
            return self._names_by_hash[digest], ""
        if digest in self._checked:
            return "", self._checked[digest][1]
        extension, problem = check_image(fetched.data, fetched.content_type, self.workdir)
        if problem:
            self._checked[digest] = ("", problem)
            return "", problem
        stem = _stem(url) or "image"
        name, n = f"{stem}{extension}", 2
        while name in self.files:
            name, n = f"{stem}-{n}{extension}", n + 1
        self.files[name] = fetched.data
        self._names_by_hash[digest] = name
        return name, ""

    # -------------------------------------------------------- captions
    def caption_facts(self, img) -> tuple[dict, set]:
        """Caption, credit, identifier (and a title) from the markup around the image: its
        <figure>'s <figcaption>, or caption-like elements next to it."""
        nodes = caption_nodes(img)
        if not nodes:
            return {}, set()
        consumed = set()
        credit = identifier = title = ""
        skip = set()
        for node in nodes:
            for element in node.iter():
                if not isinstance(element.tag, str) or element in skip:
                    continue
                klass = " ".join(filter(None, (element.get("class"), element.get("id"))))
                text = _text(element)
                if not text:
                    continue
                if IDENT_CLASS.search(klass) and not identifier:
                    identifier = text
                    skip.update(element.iter())
                elif CREDIT_CLASS.search(klass) and not credit and (
                        element is not node or len(nodes) > 1 or "caption" not in klass.lower()):
                    credit = text
                    skip.update(element.iter())
                elif (TITLE_CLASS.search(klass) or element.tag in ("h2", "h3", "h4", "h5", "h6")) \
                        and element is not node and not title:
                    title = text
                    skip.update(element.iter())
            consumed.update(e.get(RID) for e in node.iter() if isinstance(e.tag, str) and e.get(RID))
        caption = " ".join(filter(None, (_text(node, skip) for node in nodes)))
        facts = split_caption(caption)
        if credit:
            label, value = split_credit(credit)
            if not (label and ":" in credit) and VIRIN.search(credit) and not identifier:
                match = VIRIN.search(credit)
                identifier = f"{match.group(1)}: {match.group(2)}"
                credit = VIRIN.sub(" ", credit).strip()
                label, value = split_credit(credit)
            facts["credit_label"], facts["credit"] = label or facts.get("credit_label", ""), value
        if identifier:
            label, value = split_identifier(identifier)
            facts["identifier_label"], facts["identifier"] = label, value
        if title:
            facts["title"] = title
        return {k: v for k, v in facts.items() if v}, consumed


def caption_nodes(img) -> list:
    """The elements that caption this image in the original page."""
    figure = next((a for a in img.iterancestors() if a.tag == "figure"), None)
    if figure is not None:
        images = [i for i in figure.iter("img")]
        if images and images[-1] is not img and len(images) > 1:
            return []  # a gallery: the caption belongs with its last image
        captions = figure.findall(".//figcaption")
        if captions:
            return captions
        return [c for c in figure if isinstance(c.tag, str) and c.tag not in ("img", "picture", "noscript")
                and not c.findall(".//img") and c.tag != "img" and _text(c)]
    node = img
    for _ in range(4):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html", "article", "main"):
            break
        if len(parent.findall(".//img")) > 1 or len(_text(parent)) > 1500:
            break
        found = [c for c in parent if isinstance(c.tag, str) and c is not node
                 and (c.tag == "figcaption" or CAPTION_CLASS.search(
                     " ".join(filter(None, (c.get("class"), c.get("id"))))))
                 and not c.findall(".//img") and _text(c)]
        if found:
            return found
        node = parent
    following = node.getnext()
    if following is not None and isinstance(following.tag, str) and not following.findall(".//img") \
            and CAPTION_CLASS.search(" ".join(filter(None, (following.get("class"), following.get("id"))))) \
            and _text(following):
        return [following]
    return []


def split_caption(caption: str) -> dict:
    """A caption's text with its identifier (VIRIN…) and trailing credit split out."""
    facts = {}
    caption = " ".join(caption.split())
    match = VIRIN.search(caption)
    if match:
        facts["identifier_label"], facts["identifier"] = match.group(1), match.group(2)
        caption = (caption[:match.start()] + " " + caption[match.end():]).strip()
    else:
        match = IDENT_LABELLED.search(caption)
        if match:
            facts["identifier_label"], facts["identifier"] = match.group(1), match.group(2)
            caption = caption[:match.start()].strip()
    for pattern in TRAILING_CREDITS:
        match = pattern.search(caption)
        if match and match.group(1).strip() and len(match.group(1)) < 200:
            label, value = split_credit(match.group(1))
            if value:
                facts["credit_label"], facts["credit"] = label, value
                caption = caption[:match.start()].strip()
                break
    facts["caption"] = caption
    return facts


def split_credit(text: str) -> tuple[str, str]:
    """'Photo By: Jane Doe' → ('Photo By', 'Jane Doe'); '© Jane Doe' → ('', '© Jane Doe')."""
    text = " ".join(text.split()).strip(" ()")
    match = CREDIT_LABEL.match(text) or CREDIT_BY.match(text)
    if match:
        return match.group(1).strip(), match.group(2).strip(" ()")
    return "", text


def split_identifier(text: str) -> tuple[str, str]:
    text = " ".join(text.split())
    label, sep, value = text.partition(":")
    if sep and value.strip() and len(label) <= 20:
        return label.strip(), value.strip()
    return "", text


# ---------------------------------------------------------------- image checks
def check_image(data: bytes, content_type: str, workdir: Path) -> tuple[str, str]:
    """(extension, "") if the renderer accepts these bytes, else ("", reason). The checks are
    renderer.images' own: the file is written under a name with the extension its bytes call
    for, and `inspect_images` judges it exactly as `render` will."""
    from PIL import Image, UnidentifiedImageError
    import io

    from .. import model as m
    from ..errors import RenderError
    from ..images import FORMATS, inspect_images

    head = data[:1024].lstrip()
    if "svg" in (content_type or "") or head.startswith(b"<svg") or (
            head.startswith(b"<?xml") and b"<svg" in data[:4096]):
        extension = ".svg"
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                fmt, size = image.format, image.size
        except (UnidentifiedImageError, OSError, ValueError):
            fmt, size = None, None
        if size is not None and size[0] <= 2 and size[1] <= 2:
            return "", "a tracking pixel"
        extension = FORMATS[fmt][0] if fmt in FORMATS else f".{(fmt or 'bin').lower()}"
    name = f"check{extension}"
    path = workdir / name
    path.write_bytes(data)
    figure = m.Figure(src=name, alt="x")
    document = m.Document(metadata=m.Metadata(title="x", language="en", published=date(2000, 1, 1),
                                              publisher="x", rights="x"),
                          blocks=(figure,), source_path=str(path))
    try:
        inspect_images(document, workdir)
    except RenderError as error:
        reason = error.message.split(";")[0]
        reason = re.sub(r"^figure '[^']*' ", "", reason)
        return "", f"the captured image was refused: it {reason}"
    finally:
        path.unlink(missing_ok=True)
    return extension, ""


# ---------------------------------------------------------------- small helpers
def parse_srcset(value: str) -> list[tuple[str, float]]:
    """srcset candidates as (url, size): width descriptors as pixels, density as ×10000."""
    out = []
    for part in re.split(r",\s+|,(?=\S+\s+\d)", value.strip()):
        bits = part.strip().split()
        if not bits:
            continue
        url, size = bits[0], 1.0
        if len(bits) > 1:
            descriptor = bits[1].lower()
            try:
                if descriptor.endswith("w"):
                    size = float(descriptor[:-1])
                elif descriptor.endswith("x"):
                    size = float(descriptor[:-1]) * 10000
            except ValueError:
                size = 1.0
        out.append((url.rstrip(","), size))
    return out


def _size(value) -> int | None:
    match = re.match(r"\s*(\d+)", value or "")
    return int(match.group(1)) if match else None


def _text(element, skip=()) -> str:
    """An element's text, whitespace normalised, leaving out `skip`ped descendants."""
    if not skip:
        return " ".join(element.text_content().split()) if isinstance(element.tag, str) else ""
    parts = []

    def walk(node):
        if node in skip:
            if node.tail:
                parts.append(node.tail)
            return
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            elif child.tail:
                parts.append(child.tail)
        parts.append(" ")
        if node.tail and node is not element:
            parts.append(node.tail)

    walk(element)
    return " ".join("".join(parts).split())


def _path_of(url: str) -> str:
    if url.startswith("data:"):
        return ""
    parts = urlsplit(url)
    return parts.netloc + parts.path


def _basename(url: str) -> str:
    if url.startswith("data:"):
        return ""
    return unquote(PurePosixPath(urlsplit(url).path).name)


def _stem(url: str) -> str:
    name = PurePosixPath(_basename(url)).stem.lower()
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:40].strip("-")


def _local(url: str) -> str:
    """How a message names an image that has no web address (a saved page's file)."""
    if url.startswith("data:"):
        return "a data: URI image"
    if url.startswith("file:"):
        return unquote(urlsplit(url).path).rsplit("/", 2)[-2] + "/" + _basename(url)
    return url

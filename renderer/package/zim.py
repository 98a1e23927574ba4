"""The collection as one ZIM file (`dist/<name>.zim`) for Kiwix: its apps on phones and desktops,
`kiwix-serve` on a school's or a ship's server.

Everything the package holds goes in at the path it has in `dist/` (so every relative link
still works): the catalog as the main page, each article's page and images, its PDF and EPUB
as downloads, and the catalog's own files. libzim builds the title and full-text indexes.
Only article pages carry the front-article hint, so Kiwix's random article and suggestions
offer articles, never a photo or a feed.

Written with python-libzim 2.1.0 (libzim 8): Debian stable's zimcheck and kiwix-serve are
built on libzim 8.1 and cannot read the title index libzim 9 writes (README, "The offline
library (Kiwix)").
"""
from __future__ import annotations

import io
import os
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import langcodes
from libzim.writer import Creator, FileProvider, Hint, IndexData, Item

from .. import NAME, __version__
from ..collection import load_manifest
from ..errors import RenderError
from ..media import media_type
from .bag import checked_source, payload_files
from .cover import draw_book
from .opds import JSON_TYPE

ZIM_SUFFIX = ".zim"
ILLUSTRATION_EDGE = 48  # Kiwix's library shows the 48×48 illustration (Illustration_48x48@1)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
# openZIM's metadata limits (wiki.openzim.org/wiki/Metadata)
DESCRIPTION_LIMIT, LONG_DESCRIPTION_LIMIT = 80, 4000
# What media.py does not list: the catalog's feeds and whatever else the catalog writes.
_MORE_TYPES = {".xml": "application/xml", ".json": "application/json",
               ".js": "text/javascript", ".txt": "text/plain", ".svg": "image/svg+xml"}
_TEXT = ("text/", "application/xml", "application/atom+xml", "application/json",
         "image/svg+xml")
_FEED_TYPES = {".xml": "application/atom+xml;profile=opds-catalog",
               ".json": JSON_TYPE}


@dataclass(frozen=True)
class ZimMetadata:
    """What Kiwix's library shows of the book. `name` names the file and kiwix-serve's URLs;
    `date` is YYYY-MM-DD; `illustration` is a 48×48 PNG."""
    name: str
    title: str
    description: str
    creator: str
    publisher: str
    date: str
    illustration: bytes
    tags: str | None = None
    long_description: str | None = None


def write_zim(out: Path, metadata: ZimMetadata, progress: bool = True) -> Path:
    """Write OUT/<name>.zim from the package's files, in a hidden folder then renamed into
    place: a reader (or kiwix-serve) sees the old ZIM or the new one, never half of one."""
    out = Path(out)
    final = out / f"{metadata.name}{ZIM_SUFFIX}"
    if final.is_symlink() or (final.exists() and not final.is_file()):
        raise RenderError(final, None, "is in the way of the ZIM (not a plain file); move it "
                          "or choose another --zim-name")
    manifest = load_manifest(out)
    items = _items(out, manifest)
    languages = zim_languages(entry["language"] for entry in manifest.values()
                              if entry.get("outputs"))
    with tempfile.TemporaryDirectory(dir=out, prefix=".zim-") as staging:
        temporary = Path(staging) / final.name
        try:
            _create(temporary, items, metadata, languages, progress)
            os.replace(temporary, final)
        except RenderError:
            raise
        except Exception as error:  # libzim reports its failures as RuntimeError and others
            raise RenderError(final, None, "libzim could not write the ZIM "
                              f"({type(error).__name__}: {error}); check the free space in "
                              f"{out} and run again") from error
    return final


def _create(path: Path, items: list, metadata: ZimMetadata, languages: list[str],
            progress: bool):
    """Hand every item and the metadata to libzim; leaving the `with` writes the indexes."""
    creator = Creator(str(path)).config_indexing(True, languages[0]) \
        .config_nbworkers(os.cpu_count() or 1)  # configured before it starts, in `with`
    with _stdout_held(), creator:
        creator.set_mainpath("index.html")
        for item in _progress(items, progress):
            creator.add_item(item)
        for key, value in _metadata_fields(metadata, languages).items():
            creator.add_metadata(key, value)
        creator.add_illustration(ILLUSTRATION_EDGE, metadata.illustration)


def _metadata_fields(metadata: ZimMetadata, languages: list[str]) -> dict[str, str]:
    """openZIM's mandatory metadata, then the optional ones given."""
    fields = {"Name": metadata.name, "Title": metadata.title,
              "Description": metadata.description, "Language": ",".join(languages),
              "Creator": metadata.creator, "Publisher": metadata.publisher,
              "Date": metadata.date, "Scraper": f"{NAME} {__version__}"}
    fields["Tags"] = zim_tags(metadata.tags)
    if metadata.long_description:  # python-libzim 2.1 "pascalizes" a key: LongDescription
        fields["long_description"] = metadata.long_description  # would be Longdescription
    return fields


def _items(out: Path, manifest: dict) -> list:
    """A ZIM item for each file of the package (the bag's payload, the same list), in order.
    An article's page is a front article with the article's title; nothing else is."""
    pages = {f"{slug}/{slug}.html": entry for slug, entry in manifest.items()}
    items = []
    for relative in payload_files(out):
        path = relative.as_posix()
        entry = pages.get(path)
        title = entry["title"] if entry else _file_title(relative, manifest)
        kind = _media_type(relative)
        made = _UnindexedPage if entry is None and kind == "text/html" else _FileItem
        items.append(made(path, checked_source(out, relative), kind, title,
                          article=entry is not None))
    return items


def _file_title(relative: Path, manifest: dict) -> str:
    """An article's PDF or EPUB is titled for its article ("Title (PDF)"); any other file
    keeps its path as its title, as libzim would do."""
    entry = manifest.get(relative.parts[0]) if len(relative.parts) == 2 else None
    kind = {".pdf": "PDF", ".epub": "EPUB"}.get(relative.suffix.lower())
    if entry and kind and relative.name == f"{relative.parts[0]}{relative.suffix}":
        return f"{entry['title']} ({kind})"
    return relative.as_posix()


def _media_type(relative: Path) -> str:
    if relative.parent == Path(".") and relative.name.lower().startswith("opds") \
            and relative.suffix.lower() in _FEED_TYPES:
        return _FEED_TYPES[relative.suffix.lower()]
    return media_type(relative, _MORE_TYPES.get(relative.suffix.lower(),
                                                "application/octet-stream"))


class _NotIndexed(IndexData):
    """The catalog and other pages that are not articles stay out of the full-text index:
    a search lists articles."""

    def has_indexdata(self):
        return False


class _FileItem(Item):
    """A file of the package at its path in `dist/`, read by libzim when it needs it."""

    def __init__(self, path: str, source: Path, mimetype: str, title: str, article: bool):
        super().__init__()
        self.path, self.source, self.mimetype = path, source, mimetype
        self.title, self.article = title, article

    def get_path(self):
        return self.path

    def get_title(self):
        return self.title

    def get_mimetype(self):
        return self.mimetype

    def get_contentprovider(self):
        return FileProvider(str(self.source))

    def get_hints(self):
        # already compressed (photos, PDF, EPUB): not compressed again, which is slow
        return {Hint.FRONT_ARTICLE: self.article, Hint.COMPRESS: self.mimetype.startswith(_TEXT)}


class _UnindexedPage(_FileItem):
    """A page that is not an article (the catalog): out of the full-text index. (An item
    without `get_indexdata` is read by libzim itself, as article pages are; one whose
    method returns None is not indexed at all.)"""

    def get_indexdata(self):
        return _NotIndexed()


@contextmanager
def _stdout_held():
    """libzim 8 writes its stages ("Resolve redirect", "set index") to the process's standard
    output from C++; the command's output stays its own, so they go to a discarded file."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _progress(items: list, enabled: bool):
    from tqdm import tqdm
    return tqdm(items, unit="file", desc="ZIM", file=sys.stderr,
                disable=not enabled or not sys.stderr.isatty())


# ---------------------------------------------------------------- metadata
# Kiwix's own tags (openZIM "Tags"): without `_ftindex:yes`, libkiwix lists the book as having
# no full-text index; the rest are its defaults made true to what the package holds.
KIWIX_TAGS = {"_ftindex": "yes", "_pictures": "yes", "_videos": "no", "_details": "yes"}


def zim_tags(given: str | None) -> str:
    """The tags given (`news;archive`), then Kiwix's own, unless given already."""
    tags = [t.strip() for t in (given or "").split(";") if t.strip()]
    named = {t.split(":", 1)[0] for t in tags}
    return ";".join(tags + [f"{k}:{v}" for k, v in KIWIX_TAGS.items() if k not in named])


def zim_metadata(out: Path, *, title: str, base_title: str, publisher: str, date: str,
                 name: str | None = None, description: str | None = None,
                 illustration: Path | None = None, tags: str | None = None,
                 long_description: str | None = None) -> ZimMetadata:
    """The ZIM's metadata from the manifest and the options, every option checked: called
    before anything is written, so a bad one leaves the package as it was. `title` is the
    catalog's (in its language), `base_title` the untranslated one the default name comes
    from."""
    entries = [e for e in load_manifest(out).values() if e.get("outputs")]
    count = len(entries)
    noun = "article" if count == 1 else "articles"
    return ZimMetadata(
        name=check_zim_name(name) if name is not None
        else default_zim_name(base_title, (e["language"] for e in entries)),
        title=" ".join(title.split()),
        description=check_text("--zim-description", description, DESCRIPTION_LIMIT)
        or f"{count} {noun}, each as a web page, a PDF and an EPUB",
        creator=creator_of(e.get("publisher") for e in entries), publisher=publisher,
        date=date, illustration=read_illustration(illustration) if illustration
        else draw_illustration(),
        tags=check_text("--zim-tags", tags, LONG_DESCRIPTION_LIMIT),
        long_description=check_text("--zim-long-description", long_description,
                                    LONG_DESCRIPTION_LIMIT))


def zim_languages(tags) -> list[str]:
    """The collection's languages as ISO 639-3 codes, the most frequent first (openZIM's
    `Language`); `und` when none can be read."""
    counts = Counter()
    for tag in tags:
        try:
            counts[langcodes.Language.get(tag).to_alpha3()] += 1
        except (ValueError, LookupError):
            continue
    return [code for code, _ in sorted(counts.items(), key=lambda c: (-c[1], c[0]))] or ["und"]


def default_zim_name(title: str, tags) -> str:
    """Kiwix's naming habit, `project_language_selection`: `offline-collection_en_all` for the
    default title in English, `_mul_` for several languages."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    project = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-") \
        or "collection"
    languages = set()
    for tag in tags:
        try:
            languages.add(langcodes.Language.get(tag).language or "und")
        except (ValueError, LookupError):
            languages.add("und")
    language = languages.pop() if len(languages) == 1 else "mul"
    return f"{project}_{language}_all"


def check_zim_name(name: str) -> str:
    """A name that is a safe file name and a clean URL segment in kiwix-serve."""
    if name.lower().endswith(ZIM_SUFFIX):
        raise RenderError("--zim-name", None, f"{name!r} ends with .zim; give the name without "
                          "it (the file is NAME.zim)")
    if not _NAME.fullmatch(name):
        raise RenderError("--zim-name", None, f"{name!r} is not a usable name; use letters, "
                          "digits, '-', '_' and '.' (at most 100), e.g. offline-collection_en_all")
    return name


def check_text(option: str, text: str | None, limit: int) -> str | None:
    """One line of metadata text (a description), within openZIM's limit."""
    if text is None:
        return None
    text = " ".join(text.split())
    if not text or len(text) > limit:
        raise RenderError(option, None, f"is {len(text)} characters; give 1 to {limit} "
                          "(openZIM's limit for it)")
    return text


def creator_of(publishers) -> str:
    """The articles' publishers (openZIM's `Creator`: who made the content), most frequent
    first; three at most, then 'and others'."""
    counts = Counter(p for p in publishers if p)
    names = [name for name, _ in sorted(counts.items(), key=lambda c: (-c[1], c[0]))]
    if not names:
        return "Unknown"
    return ", ".join(names[:3]) + (" and others" if len(names) > 3 else "")


# ---------------------------------------------------------------- the illustration
def draw_illustration() -> bytes:
    """The renderer's 48×48 icon: an open book, white on blue (the same picture as the OPDS
    feeds' cover image, cover.py), the same bytes every time."""
    return draw_book(ILLUSTRATION_EDGE)


def read_illustration(path: Path) -> bytes:
    """A PNG given with --illustration, as a 48×48 PNG: any other size is scaled to fit,
    centred on a transparent square (a non-square one keeps its shape); always re-encoded,
    so nothing but pixels comes from the file."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as image:
            if image.format != "PNG":
                raise RenderError(path, None, f"is a {image.format} image, not a PNG; give a "
                                  "PNG for --illustration (48×48, or square and larger)")
            if image.width * image.height > 64_000_000:
                raise RenderError(path, None, f"is {image.width}×{image.height} pixels, too "
                                  "large for an icon; give a PNG of at most 8000×8000")
            return _fitted(image.convert("RGBA"))
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, SyntaxError) as error:
        raise RenderError(path, None, f"cannot be read as a PNG image ({type(error).__name__}); "
                          "give a PNG for --illustration") from None


def _fitted(image) -> bytes:
    from PIL import Image, ImageOps

    image = ImageOps.contain(image, (ILLUSTRATION_EDGE, ILLUSTRATION_EDGE),
                             Image.Resampling.LANCZOS)
    square = Image.new("RGBA", (ILLUSTRATION_EDGE, ILLUSTRATION_EDGE), (0, 0, 0, 0))
    square.paste(image, ((ILLUSTRATION_EDGE - image.width) // 2,
                         (ILLUSTRATION_EDGE - image.height) // 2))
    buffer = io.BytesIO()
    square.save(buffer, format="PNG")
    return buffer.getvalue()

"""The offline package: an accessible catalog page, an OPDS 1.2 feed, and a BagIt bag.

The catalog (`index.html`) and the feed (`opds.xml`) are written from the build manifest, so
they describe exactly what is in `dist/`. The bag (`dist/bag/`, made with the Library of
Congress `bagit` package, sha256 manifests) holds a copy of the package — the catalog, the feed
and the files the manifest records, nothing else in the folder — ready to copy to a stick or a
share and to verify on arrival.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import langcodes

from . import NAME, __version__
from .build import write_atomically
from .collection import load_manifest
from .errors import RenderError
from .outdir import safe_relative
from .html import render_template
from .media import media_type as media_type_of

MEDIA = {".html": ("Web page", "alternate"),  # label and OPDS link relation of each output
         ".pdf": ("PDF", "http://opds-spec.org/acquisition"),
         ".epub": ("EPUB", "http://opds-spec.org/acquisition")}
BAG = "bag"


def catalog_entries(out: Path) -> list[dict]:
    """The articles of the manifest, newest first, with their files and sizes. Hrefs are
    URL-escaped (a folder may be named `100% #1?`); `anchor` is a valid, unique element id."""
    entries, anchors = [], {"main"}
    for slug, entry in sorted(load_manifest(out).items()):
        files = []
        for suffix in (".html", ".pdf", ".epub"):
            name = f"{slug}{suffix}"
            if name in entry["outputs"]:
                (label, rel), media_type = MEDIA[suffix], media_type_of(name)
                size = entry["outputs"][name]
                files.append(dict(href=f"{quote(slug)}/{quote(name)}", media_type=media_type,
                                  label=label, rel=rel, bytes=size, size=_human(size)))
        if files:  # an article that never built has nothing to list
            entries.append(dict(entry, slug=slug, files=files, anchor=_anchor(slug, anchors),
                                language_name=_language_name(entry["language"])))
    return sorted(entries, key=lambda e: (e["published"], e["slug"]), reverse=True)


def _anchor(slug: str, used: set) -> str:
    """An id without spaces, unique on the page (`main` is the page's own)."""
    base = "article-" + (re.sub(r"[^\w-]+", "-", slug).strip("-").lower() or "untitled")
    anchor, n = base, 1
    while anchor in used:
        n += 1
        anchor = f"{base}-{n}"
    used.add(anchor)
    return anchor


def write_catalog(out: Path, title: str, css: str, updated: datetime) -> list[Path]:
    articles = catalog_entries(out)
    context = dict(title=title, articles=articles, renderer=f"{NAME} {__version__}")
    index = render_template("catalog.html", css=css, **context)
    feed = render_template("opds.xml", updated=updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
                           feed_id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'renderer:' + title)}",
                           **context)
    return [write_atomically(out / "index.html", index.encode("utf-8")),
            write_atomically(out / "opds.xml", feed.encode("utf-8"))]


def write_package(out: Path, css: str, updated: datetime, *, title: str = "Offline collection",
                  organisation: str = "Archive library") -> Path:
    """The offline package of a built collection: catalog and feed, then a BagIt bag of it all.
    `css` is the catalog's screen style; `updated` dates the feed and bag (reproducible)."""
    write_catalog(out, title, css, updated)
    return write_bag(out, organisation, updated)


def write_bag(out: Path, organisation: str, updated: datetime) -> Path:
    """Copy the package into a fresh bag and swap it in place of the old one."""
    import bagit

    out = Path(out)
    payload = [Path(n) for n in ("index.html", "opds.xml")]
    for slug, entry in sorted(load_manifest(out).items()):
        payload += [Path(slug, *PurePosixPath(name).parts) for name in sorted(entry["outputs"])
                    if safe_relative(name)]
    with tempfile.TemporaryDirectory(dir=out, prefix=".bag-") as staging:
        bag_dir = Path(staging) / BAG
        bag_dir.mkdir()
        for name in payload:  # only what the manifest lists: no stray folder enters the bag
            source = out / name
            if source.is_symlink() or not source.is_file() \
                    or not source.resolve().is_relative_to(out.resolve()):
                raise RenderError(source, None, "listed in the build manifest but missing (or "
                                  "not a plain file); run `renderer build` again")
            (bag_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, bag_dir / name)
        bagit.make_bag(str(bag_dir), {
            "Source-Organization": organisation,
            "Bagging-Date": updated.strftime("%Y-%m-%d"),
            "External-Description": "Accessible offline copies (HTML, PDF/UA, EPUB 3) with an "
                                    "index.html catalog and an OPDS feed.",
            "Bag-Software-Agent": f"{NAME} {__version__} with bagit {bagit.VERSION}",
        }, checksums=["sha256"])
        final = out / BAG
        old = out / f".{BAG}-old"
        shutil.rmtree(old, ignore_errors=True)  # left by a killed run
        if final.exists():
            final.rename(old)
        bag_dir.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    return out / BAG


def _human(size: int) -> str:
    """'532 bytes', '1.4 KB', '87 KB', '3.1 MB': two significant digits are enough to choose."""
    if size < 1000:
        return f"{size} bytes"
    value, unit = size / 1000, "KB"
    for larger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, larger
    return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"


def _language_name(tag: str) -> str:
    try:
        return langcodes.Language.get(tag).display_name("en")
    except (ValueError, LookupError, ImportError):
        return tag

"""The BagIt bag (`dist/bag/`, made with the Library of Congress `bagit` package, sha256
manifests): a copy of the package — the catalog, the feeds and the files the manifest records,
nothing else in the folder, and the ZIM when the same run made one — ready to copy to a stick
or a share and to verify on arrival; `bag-info.txt` says what each kind of file is."""
from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path, PurePosixPath

from .. import NAME, __version__
from ..collection import load_catalog_files, load_manifest
from ..errors import RenderError
from ..outdir import PLAYLIST, safe_relative
from .opds import COVER, FEED, FEED_JSON

BAG = "bag"


def payload_files(out: Path) -> list[Path]:
    """The package's files, relative to OUT: the catalog page, its feeds and files, and every
    output the manifest records. The bag copies them; the ZIM holds them too."""
    payload = [Path(n) for n in ("index.html", FEED, FEED_JSON, COVER,
                                  *load_catalog_files(out))]
    if (Path(out) / PLAYLIST).is_file():  # written by a build with audiobooks
        payload.append(Path(PLAYLIST))
    for slug, entry in sorted(load_manifest(out).items()):
        payload += [Path(slug, *PurePosixPath(name).parts) for name in sorted(entry["outputs"])
                    if safe_relative(name)]
    return payload


def checked_source(out: Path, name: Path) -> Path:
    """OUT/name, refused unless it is a plain file inside OUT (the manifest is untrusted)."""
    source = out / name
    if source.is_symlink() or not source.is_file() \
            or not source.resolve().is_relative_to(out.resolve()):
        raise RenderError(source, None, "listed in the build manifest but missing (or "
                          "not a plain file); run `renderer build` again")
    return source


def write_bag(out: Path, organisation: str, updated: datetime, zim: Path | None = None) -> Path:
    """Copy the package into a fresh bag and swap it in place of the old one; `zim` (a ZIM
    this run wrote in OUT) goes in too."""
    import bagit

    out = Path(out)
    payload = payload_files(out) + ([Path(Path(zim).name)] if zim else [])
    with tempfile.TemporaryDirectory(dir=out, prefix=".bag-") as staging:
        bag_dir = Path(staging) / BAG
        bag_dir.mkdir()
        for name in payload:  # only what the manifest lists: no stray folder enters the bag
            source = checked_source(out, name)
            (bag_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, bag_dir / name)
        bagit.make_bag(str(bag_dir), {
            "Source-Organization": organisation,
            "Bagging-Date": updated.strftime("%Y-%m-%d"),
            "External-Description": "Accessible offline copies (HTML, PDF/UA, EPUB 3) with an "
                                    "index.html catalog and an OPDS feed"
                                    + (", and a ZIM file of it all for Kiwix." if zim else "."),
            "Payload-Description": payload_descriptions(payload),
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


# What each kind of payload file is, for bag-info.txt: (a test on the path, a description).
_KINDS = [
    (lambda p: p == Path("index.html"), "the catalog page (HTML), which links every article"),
    (lambda p: len(p.parts) == 1 and p.name.startswith("opds") and p.suffix == ".xml",
     "OPDS 1.2 acquisition feeds, for e-reader apps"),
    (lambda p: len(p.parts) == 1 and p.name.startswith("opds") and p.suffix == ".json",
     "OPDS 2.0 feeds (JSON) of the same, for e-reader apps"),
    (lambda p: p == Path(COVER), "the image the OPDS feeds show for each article"),
    (lambda p: p == Path(PLAYLIST), "a playlist (M3U8) of the audiobooks, for players that "
     "only play audio"),
    (lambda p: len(p.parts) == 1 and p.suffix == ".zim",
     "the whole collection as one ZIM file (Kiwix), with a full-text index"),
    (lambda p: len(p.parts) == 1, "files of the catalog page"),
    (lambda p: len(p.parts) == 2 and p.name == f"{p.parts[0]}.html",
     "each article as an accessible web page (HTML)"),
    (lambda p: len(p.parts) == 2 and p.name == f"{p.parts[0]}.pdf",
     "each article as tagged PDF (PDF/UA-1, PDF/A-3a)"),
    (lambda p: len(p.parts) == 2 and p.name == f"{p.parts[0]}.epub",
     "each article as EPUB 3 (EPUB Accessibility 1.1)"),
    (lambda p: len(p.parts) == 2 and p.name == f"{p.parts[0]}.narrated.epub",
     "each article as EPUB 3 read aloud, sentence by sentence (Media Overlays)"),
    (lambda p: len(p.parts) == 2 and p.name == f"{p.parts[0]}.m4b",
     "each article as an audiobook (M4B) with a chapter at each heading"),
    (lambda p: len(p.parts) == 2 and p.name == f"{p.parts[0]}.brf",
     "each article in braille, to emboss or read on a braille display (BRF, North American "
     "ASCII braille)"),
    (lambda p: len(p.parts) == 2 and p.name == f"{p.parts[0]}.pef",
     "each article in braille for embossers and braille production tools (PEF 2008-1)"),
    (lambda p: True, "the photos and other files of the articles' pages"),
]


def payload_descriptions(payload: list[Path]) -> list[str]:
    """One line per kind of file the bag holds, `pattern: what it is` (e.g. `data/SLUG/SLUG.pdf:
    each article as tagged PDF…`), in the order of _KINDS; only kinds present are listed."""
    found: dict[int, list[Path]] = {}
    for path in payload:
        kind = next(i for i, (test, _) in enumerate(_KINDS) if test(path))
        found.setdefault(kind, []).append(path)
    lines = []
    for kind, paths in sorted(found.items()):
        names = sorted({"data/" + _pattern(p) for p in paths})
        lines.append(f"{', '.join(names[:4])}{', …' if len(names) > 4 else ''}: "
                     f"{_KINDS[kind][1]}")
    return lines


def _pattern(path: Path) -> str:
    """A top-level file by its name; an article's file as `SLUG/SLUG.pdf`, an image as
    `SLUG/images/…`: one line covers every article."""
    if len(path.parts) == 1:
        return path.name
    if len(path.parts) == 2 and path.name.startswith(f"{path.parts[0]}."):
        return f"SLUG/SLUG{path.name[len(path.parts[0]):]}"  # .pdf, .narrated.epub…
    return f"SLUG/{'/'.join(path.parts[1:-1]) + '/' if len(path.parts) > 2 else ''}…"

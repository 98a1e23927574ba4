"""The BagIt bag (`dist/bag/`, made with the Library of Congress `bagit` package, sha256
manifests): a copy of the package — the catalog, the feeds and the files the manifest records,
nothing else in the folder — ready to copy to a stick or a share and to verify on arrival."""
from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path, PurePosixPath

from .. import NAME, __version__
from ..collection import load_catalog_files, load_manifest
from ..errors import RenderError
from ..outdir import safe_relative
from .opds import FEED

BAG = "bag"


def write_bag(out: Path, organisation: str, updated: datetime) -> Path:
    """Copy the package into a fresh bag and swap it in place of the old one."""
    import bagit

    out = Path(out)
    payload = [Path(n) for n in ("index.html", FEED, *load_catalog_files(out))]
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

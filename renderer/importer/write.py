"""Write: article folders, whole or not at all, and never over a person's edits.

Each folder is built beside its final place (`content/.<slug>.import-<pid>.tmp/`) and renamed
into place. `.import.json` in the folder records what import wrote (sha256 of each file) and
which capture it came from: a re-import of the same capture reuses the folder, leaves it alone
if a person has edited it since (unless --force), and writes nothing when nothing changed.
Slugs come from the title; a slug already taken by another page gets -2, -3… in input order.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

STAMP = ".import.json"


def slugify(title: str, url: str = "") -> str:
    """A folder name from the title (ASCII, lower case, at most 60 characters), else from
    the URL's last path segment, else 'article'."""
    for text in (title, _last_segment(url)):
        ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
        if len(slug) > 60:
            slug = slug[:61].rsplit("-", 1)[0] if "-" in slug[:61] else slug[:60]
        if slug:
            return slug
    return "article"


def _last_segment(url: str) -> str:
    from urllib.parse import unquote, urlsplit
    path = unquote(urlsplit(url or "").path).rstrip("/")
    segment = path.rsplit("/", 1)[-1]
    return re.sub(r"\.(s?html?|php|aspx?|jsp)$", "", segment, flags=re.I)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Writer:
    """Places the pages of one run under `out`, deterministically, in input order."""

    def __init__(self, out: Path, force: bool = False):
        self.out = Path(out)
        self.force = force
        self.used: set[str] = set()
        self.out.mkdir(parents=True, exist_ok=True)
        recover(self.out)

    def place(self, slug: str, key: str) -> Path:
        """The folder for a page: its own from an earlier import of the same capture, else
        the first free one of slug, slug-2, slug-3…"""
        n = 1
        while True:
            name = slug if n == 1 else f"{slug}-{n}"
            n += 1
            if name in self.used:
                continue
            folder = self.out / name
            if not folder.exists():
                break
            stamp = read_stamp(folder)
            if stamp is not None and stamp.get("capture") == key:
                break
        self.used.add(name)
        return self.out / name

    def write(self, folder: Path, files: dict[str, bytes], key: str) -> str:
        """'written', 'unchanged' or 'edited' (kept as a person left it)."""
        stamp = read_stamp(folder) if folder.exists() else None
        wanted = {name: digest(data) for name, data in files.items()}
        if stamp is not None:
            current = current_files(folder)
            edited = current != stamp.get("files")
            if edited and not self.force:
                return "edited"
            if not edited and stamp.get("files") == wanted:
                return "unchanged"
        elif folder.exists() and not self.force:
            return "edited"  # a folder import did not write: a person's
        write_folder(folder, files, {"capture": key, "files": wanted})
        return "written"


def read_stamp(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def current_files(folder: Path) -> dict[str, str]:
    """sha256 of every file in the folder now (the stamp itself aside)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != STAMP:
            out[path.relative_to(folder).as_posix()] = digest(path.read_bytes())
    return out


def write_folder(folder: Path, files: dict[str, bytes], stamp: dict):
    """Build the folder beside its place, then rename it in: whole or not at all."""
    temporary = folder.parent / f".{folder.name}.import-{os.getpid()}.tmp"
    if temporary.exists():
        shutil.rmtree(temporary)
    try:
        for name, data in sorted(files.items()):
            path = temporary / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.chmod(path, 0o644)
        (temporary / STAMP).write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n",
                                       encoding="utf-8")
        if folder.exists():
            old = folder.parent / f".{folder.name}.import-{os.getpid()}.old"
            os.replace(folder, old)
            os.replace(temporary, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, folder)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def recover(out: Path):
    """What a killed import left: half-built folders go; a folder caught between its two
    renames gets its previous version back."""
    for path in out.glob(".*.import-*.tmp"):
        shutil.rmtree(path, ignore_errors=True)
    for path in out.glob(".*.import-*.old"):
        name = re.sub(r"^\.(.*)\.import-\d+\.old$", r"\1", path.name)
        target = out / name
        if target.exists():
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.replace(path, target)

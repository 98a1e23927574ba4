"""The output folder (`--out`): one writer at a time, the package's own names, safe removal.

The output folder outlives every run and holds a manifest that anyone can edit, so nothing here
trusts a name read from it: a folder is removed only file by file, for files the renderer
recorded, inside the output folder, never through a symbolic link.
"""
from __future__ import annotations

import fcntl
import os
import re
import stat
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from .errors import RenderError

LOCK = ".lock"
# What the package itself writes at the top of the output folder: no article may take these.
PLAYLIST = "audiobooks.m3u8"
RESERVED = ("bag", "index.html", "manifest.json", "opds.xml", "opds.json", "opds.png",
            PLAYLIST, ".cache", LOCK)
# The catalog's other feeds: `opds-fr.xml` (a language: a BCP 47 tag as langcodes writes it),
# `opds.year-2024.xml` (a year), `opds.page-2.xml` (a page of a long feed, also
# `opds-fr.page-2.xml`), each also as `.json` (OPDS 2.0). Names of the shape `opds-….xml`,
# `opds.….json` and the like are the package's, whatever stands between.
_FEED_SHAPE = re.compile(r"opds[.-].*\.(xml|json)", re.IGNORECASE | re.DOTALL)
# Page 1 of a feed is the feed itself: pages are numbered from 2.
_CATALOG_FEED = re.compile(r"opds(-[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8}){0,15}|\.year-[0-9]{4})?"
                           r"(\.page-([2-9]|[1-9][0-9]{1,5}))?\.(xml|json)")
FEED_NAMES = "opds-TAG.xml, opds.year-YYYY.xml, opds.page-N.xml, and the same in .json"
# The catalog's further pages (`catalog-2.html`…) and scripts (`catalog.js`, `catalog-index.js`,
# `catalog-lunr.js`): refused as article folders in any case (a stick's FAT ignores case), and
# recorded in the manifest only as the catalog writes them.
_CATALOG_SHAPE = re.compile(r"catalog(-[0-9]+\.html|(-[a-z]+)?\.js)", re.IGNORECASE)
_CATALOG_FILE = re.compile(r"catalog-[1-9][0-9]{0,5}\.html|catalog(-index|-lunr)?\.js")


def name_problem(name: str) -> str | None:
    """Why `name` cannot be an article's folder in the output folder, or None if it can."""
    if not name or name in (".", "..") or any(c in name for c in "/\\\0"):
        return "is not a plain folder name"
    if name.casefold() in RESERVED or _FEED_SHAPE.fullmatch(name) \
            or _CATALOG_SHAPE.fullmatch(name):
        return (f"is one of the package's own names ({', '.join(RESERVED)}, {FEED_NAMES}, "
                "catalog-N.html, catalog*.js)")
    if name.startswith("."):
        return "starts with '.', which marks the package's hidden files"
    return None


def language_feed_name(tag: str) -> str | None:
    """The file name of the catalog's feed of one language (`opds-pt-BR.xml`), or None for a
    tag that cannot name a file safely (the manifest it comes from is untrusted)."""
    name = f"opds-{tag}.xml"
    return name if is_catalog_feed(name) else None


def is_catalog_feed(name) -> bool:
    """Whether `name` is one the catalog gives a feed besides `opds.xml` and `opds.json` (a
    language's, a year's, a page of one): what the manifest may ask the catalog to remove
    or bag, at the top of the output folder, and nothing else."""
    return isinstance(name, str) and name not in ("opds.xml", "opds.json") \
        and _CATALOG_FEED.fullmatch(name) is not None


def is_catalog_file(name) -> bool:
    """Whether `name` is one of the catalog's further pages or scripts, as the catalog writes
    them: what the manifest may ask the catalog to remove (or the bag to hold), nothing else."""
    return isinstance(name, str) and _CATALOG_FILE.fullmatch(name) is not None


def refuse_reserved(folder: Path):
    """Raise the refusal below if the folder's name would collide with the package's files."""
    error = reserved_name_error(folder)
    if error:
        raise error


def reserved_name_error(folder: Path) -> RenderError | None:
    """One line naming the article folder whose name the output folder cannot take."""
    problem = name_problem(Path(folder).name)
    return problem and RenderError(folder, None, f"the folder name {Path(folder).name!r} "
                                   f"{problem}; rename the article folder")


def safe_relative(name) -> bool:
    """A relative path of plain components: no '..', no absolute path, no backslash or NUL."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and all(p not in ("", ".", "..") for p in name.split("/"))


@contextmanager
def claim(out: Path, create: bool = True):
    """Hold an exclusive lock on OUT/.lock for a whole run, after checking OUT is a writable
    folder: two runs sweeping each other's temporary files would lose outputs.

    A run that wrote nothing (every article refused) leaves nothing behind: the lock file it
    created, and the folder if it created that too, are removed while still locked."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RenderError(out, None, "the output folder is a file, not a folder; give --out "
                          "the path of a folder (it is created if missing)")
    if not create and not out.is_dir():
        raise RenderError(out, None, "no such folder; run `renderer build` into it first")
    made_folder = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        made_lock = not (out / LOCK).exists()
        handle = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise RenderError(out, None, f"cannot write the output folder ({error.strerror}); make "
                          "it writable or choose another with --out") from None
    try:
        if not os.access(out, os.W_OK):
            raise RenderError(out, None, "the output folder is read-only; make it writable or "
                              "choose another with --out")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            made_lock = made_folder = False  # the other run's, not ours to tidy
            raise RenderError(out, None, f"another renderer build is writing here (lock "
                              f"{out / LOCK}); wait for it or use another --out") from None
        except OSError:
            pass  # a file system without locks (some network shares): go on unlocked
        yield out
    finally:
        if made_lock and _holds_only_lock(out):
            (out / LOCK).unlink(missing_ok=True)
            if made_folder:
                _rmdir(out)
        os.close(handle)  # releases the lock


def _holds_only_lock(out: Path) -> bool:
    try:
        return os.listdir(out) == [LOCK]
    except OSError:
        return False


def remove_article(out: Path, slug: str, names) -> None:
    """Remove a deleted article's recorded outputs, then its folders if nothing else is left."""
    folder = Path(out) / slug
    if name_problem(slug) or not _real_dir(folder) \
            or folder.resolve().parent != Path(out).resolve():
        return
    remove_files(folder, names)
    subfolders = {parts[:i] for parts in (PurePosixPath(n).parts for n in names
                                          if safe_relative(n)) for i in range(1, len(parts))}
    for parts in sorted(subfolders, key=len, reverse=True) + [()]:
        if _inside(folder, parts):
            _remove_temporaries(folder.joinpath(*parts))
            _rmdir(folder.joinpath(*parts))


def remove_files(folder: Path, names) -> None:
    """Remove the regular files `names` (relative to `folder`): no symlink is followed."""
    for name in names:
        if safe_relative(name):
            parts = PurePosixPath(name).parts
            path = Path(folder).joinpath(*parts)
            if _inside(folder, parts[:-1]) and _regular(path):
                path.unlink(missing_ok=True)


def _inside(folder: Path, parts) -> bool:
    """`folder/parts…` is a real folder reached without a symbolic link on the way."""
    return all(_real_dir(Path(folder).joinpath(*parts[:i])) for i in range(len(parts) + 1))


def _remove_temporaries(folder: Path):
    """Temporary files (`.NAME.XXXX.part`) a killed build left behind."""
    for path in folder.glob(".*.part"):
        if _regular(path):
            path.unlink(missing_ok=True)


def _rmdir(folder: Path):
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty: it holds files the renderer did not write; keep them


def _real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False

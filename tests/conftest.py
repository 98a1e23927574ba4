"""Shared fixtures: render real articles once per session with the real CLI, then inspect them."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = ROOT / "content" / "dod-quds-force-commander"
# The archived page the default article transcribes (a U.S. DoD release, public domain), kept
# here so that a bare clone collects and passes its tests without ../shared.
SEED_TEXT = ROOT / "tests" / "corpus" / "seed" / "000_bea0a350ea7accdb.txt"
CORPUS = ROOT / "tests" / "corpus"


def run_cli(*args, env=None, check=True) -> subprocess.CompletedProcess:
    """Run `python -m renderer ARGS` as a user would; return the finished process."""
    result = subprocess.run([sys.executable, "-m", "renderer", *map(str, args)], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"renderer {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    """The seed article and the good test corpus, rendered to HTML, PDF and EPUB."""
    out = tmp_path_factory.mktemp("dist")
    articles = [SEED_ARTICLE] + sorted(p for p in (CORPUS / "good").glob("*") if p.is_dir())
    run_cli("render", *articles, "--out", out)
    return out


@pytest.fixture(scope="session")
def seed(dist) -> dict[str, Path]:
    folder = dist / SEED_ARTICLE.name
    return {fmt: folder / f"{SEED_ARTICLE.name}.{fmt}" for fmt in ("html", "pdf", "epub")}


def epub_member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as book:
        return book.read(name)


def epub_with(path: Path, target: Path, changes: dict[str, bytes]) -> Path:
    """A copy of the EPUB at `path` with some members' bytes replaced (mimetype first and
    stored, as EPUB requires): to break one thing in a real book."""
    with zipfile.ZipFile(path) as book, zipfile.ZipFile(target, "w") as copy:
        for info in book.infolist():
            copy.writestr(info, changes.get(info.filename, book.read(info)))
    return target


def outputs(dist: Path, fmt: str) -> list[Path]:
    return sorted(dist.glob(f"*/*.{fmt}"))

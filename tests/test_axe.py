"""axe-core in Debian's Chromium, every default rule (best practice included): 0 violations."""
from __future__ import annotations

import pytest

from renderer.check import CHROMIUM_ARGS, chromium_path, run_axe

from conftest import outputs


def test_every_page_has_no_axe_violations(dist):
    pages = outputs(dist, "html")
    assert len(pages) >= 2
    for page, violations in run_axe(pages).items():
        assert violations == [], (page, [(v["id"], v["help"]) for v in violations])


def test_best_practice_rules_are_on(tmp_path):
    """A page without a <main> and an <h1> breaks best-practice rules: axe must say so."""
    page = tmp_path / "bare.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><title>t</title></head>'
                    "<body><p>Text outside any landmark.</p></body></html>", encoding="utf-8")
    ids = {v["id"] for v in run_axe([page])[page]}
    assert {"landmark-one-main", "page-has-heading-one", "region"} <= ids


def test_skip_link_is_first_and_moves_focus_to_main(seed):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(seed["html"].resolve().as_uri())
            page.keyboard.press("Tab")
            focused = page.evaluate("[document.activeElement.tagName, document.activeElement.textContent]")
            assert focused == ["A", "Skip to main content"]
            assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "main"
        finally:
            browser.close()

"""Links in the three outputs: relative targets resolved against `source`, unresolvable ones
dropped (text kept) with a `link-unresolvable` warning, and every heading reachable by id."""
from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser

import pikepdf

from conftest import FRONT, make_article, run_main
from renderer.check import epub_findings, run_epubcheck

SOURCE_FRONT = FRONT.replace("rights:", "source: https://example.org/news/a.html\nrights:")


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "id" in attrs:
            self.ids.append(attrs["id"])


def _parse(text):
    parser = _Hrefs()
    parser.feed(text)
    return parser


def render(tmp_path, text, *extra):
    """Render for real; return (html, epub xhtml, pdf URIs, stderr)."""
    article = make_article(tmp_path / "art", text)
    out = tmp_path / "dist"
    result = run_main("render", article, "--out", out, *extra, check=False)
    assert result.returncode == 0, result.stderr
    folder = out / "art"
    html = _parse((folder / "art.html").read_text(encoding="utf-8"))
    epub = folder / "art.epub"
    with zipfile.ZipFile(epub) as book:
        xhtml = "".join(book.read(n).decode() for n in book.namelist()
                        if n.endswith(".xhtml") and "nav" not in n)
    assert epub_findings(run_epubcheck(epub)) == []
    uris = []
    with pikepdf.open(folder / "art.pdf") as pdf:
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                if "/A" in annot and "/URI" in annot.A:
                    uris.append(str(annot.A.URI))
    return html, _parse(xhtml), uris, result.stderr


def test_relative_links_resolve_against_source(tmp_path):
    text = (SOURCE_FRONT + "See [one](/url), [two] and [three](foo%20bä).\n\n"
            "[two]: ../other.html\n")
    html, xhtml, uris, _ = render(tmp_path, text)
    wanted = ["https://example.org/url", "https://example.org/other.html",
              "https://example.org/news/foo%20b%C3%A4"]
    for href in wanted:
        assert href in html.hrefs and href in xhtml.hrefs and href in uris
    assert not [u for u in uris if "article.invalid" in u]


def test_relative_link_without_source_is_dropped_with_warning(tmp_path):
    html, xhtml, uris, stderr = render(tmp_path, FRONT + "Intro.\n\nSee [the page](/url) now.\n")
    assert "/url" not in html.hrefs and "/url" not in xhtml.hrefs
    assert not [u for u in uris if "url" in u and "example" not in u]
    assert re.search(r"article\.md:11: warning link-unresolvable: .*'/url'", stderr), stderr


def test_unresolvable_link_fails_with_strict(tmp_path):
    article = make_article(tmp_path / "art", FRONT + "See [it](/url).\n")
    result = run_main("render", article, "--out", tmp_path / "dist", "--strict", check=False)
    assert result.returncode == 2, result.stderr
    assert re.search(r"article\.md:9: the link to '/url' .*'source'", result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_absolute_url_is_dropped(tmp_path):
    html, xhtml, uris, stderr = render(tmp_path, FRONT + "Go <https://../> and [x](http://a_b..c/).\n")
    assert not [h for h in html.hrefs + xhtml.hrefs + uris if ".." in h]
    assert len(re.findall(r"article\.md:9: warning link-unresolvable", stderr)) == 2, stderr


def test_fragments_and_heading_ids(tmp_path):
    text = (FRONT + "## 2.\n\nTo [two](#2), [quote](#inside-quote), [list](#in-list), "
            "[empty](#section), [missing](#nope).\n\n> ## Inside quote\n>\n> > nested\n\n"
            "- ## In list\n\n## \n")
    html, xhtml, uris, stderr = render(tmp_path, text)
    for href in ("#sec-2", "#sec-inside-quote", "#sec-in-list", "#sec-section"):
        assert href in html.hrefs and href.lstrip("#") in html.ids
        assert href in xhtml.hrefs and href.lstrip("#") in xhtml.ids
    assert "#nope" not in html.hrefs + xhtml.hrefs
    assert "" not in html.ids + xhtml.ids
    assert re.search(r"article\.md:11: warning link-unresolvable: .*'#nope'", stderr), stderr

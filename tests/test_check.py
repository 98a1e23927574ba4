"""The validators' wrapper (`renderer.check`, `renderer check`): what it counts as a finding,
and that a broken output makes it fail. Every file is a real output, broken in one place."""
from __future__ import annotations

import shutil

import pikepdf

from renderer.check import epub_findings, run_epubcheck

from conftest import SEED_ARTICLE, epub_member, epub_with, run_cli

MATH = '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi></math>'


def broken_book(dist, tmp_path, name, chapter=None, opf=None, css=None):
    """The 'everything' EPUB with its chapter, package or style sheet edited."""
    book = dist / "everything" / "everything.epub"
    changes = {}
    for member, edit in (("EPUB/article.xhtml", chapter), ("EPUB/content.opf", opf),
                         ("EPUB/styles/epub.css", css)):
        if edit:
            changes[member] = edit(epub_member(book, member).decode()).encode()
    return epub_with(book, tmp_path / f"{name}.epub", changes)


def usage(report) -> list[str]:
    return [m["ID"] for m in report["messages"] if m["severity"] == "USAGE"]


def test_an_accessibility_usage_message_is_a_finding(tmp_path, dist):
    """MathML without a text alternative: EPUBCheck says so only as USAGE (ACC-009), and
    the book is otherwise valid; the filter must count it."""
    book = broken_book(dist, tmp_path, "math",
                       chapter=lambda x: x.replace("<p>Things to pack:</p>",
                                                   f"<p>Things to pack: {MATH}</p>"),
                       opf=lambda x: x.replace('id="article" media-type="application/xhtml+xml"',
                                               'id="article" media-type="application/xhtml+xml" '
                                               'properties="mathml"'))
    report = run_epubcheck(book)
    assert [m["severity"] for m in report["messages"]] == ["USAGE"] and usage(report) == ["ACC-009"]
    findings = epub_findings(report)
    assert len(findings) == 1 and findings[0].startswith("USAGE ACC-009: MathML"), findings


def test_other_usage_messages_are_not_findings(tmp_path, dist):
    """USAGE messages about anything but accessibility (an unknown epub:type, a @font-face)
    are advice, not findings: they stay filtered out."""
    book = broken_book(dist, tmp_path, "advice",
                       chapter=lambda x: x.replace("<p>Things to pack:</p>",
                                                   '<p epub:type="not-a-known-type">Things to pack:</p>'),
                       css=lambda x: x + "\n@font-face { font-family: X; src: local(DejaVu Sans); }\n")
    report = run_epubcheck(book)
    assert sorted(usage(report)) == ["CSS-028", "OPF-088"], report["messages"]
    assert epub_findings(report) == []


def seed_outputs(dist, target):
    """A dist of its own holding the seed article's three outputs."""
    folder = target / SEED_ARTICLE.name
    shutil.copytree(dist / SEED_ARTICLE.name, folder)
    return {fmt: folder / f"{SEED_ARTICLE.name}.{fmt}" for fmt in ("html", "pdf", "epub")}


def rows(result, path) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(str(path))]


def test_check_passes_good_outputs(tmp_path, dist):
    """All three validators on the seed's three outputs: one row each (two for the PDF, one
    per profile), all "pass", exit status 0."""
    files = seed_outputs(dist, tmp_path / "dist")
    result = run_cli("check", tmp_path / "dist", check=False)
    assert result.returncode == 0 and result.stderr == "", result.stdout + result.stderr
    for fmt, count in (("html", 1), ("pdf", 2), ("epub", 1)):
        found = rows(result, files[fmt])
        assert len(found) == count and all(r.endswith("  pass") for r in found), result.stdout


def test_check_fails_a_pdf_that_breaks_pdfua(tmp_path, dist):
    """The PDF without its language and its Marked flag: its rows say FAIL with the count,
    each finding follows on its own line, and the exit status is 1."""
    files = seed_outputs(dist, tmp_path / "dist")
    files["html"].unlink()  # no page: no browser needed for this one
    files["epub"].unlink()
    with pikepdf.open(files["pdf"], allow_overwriting_input=True) as pdf:
        del pdf.Root["/Lang"]
        del pdf.Root["/MarkInfo"]
        pdf.save(files["pdf"])
    result = run_cli("check", tmp_path / "dist", check=False)
    assert result.returncode == 1 and result.stderr == "", result.stdout + result.stderr
    found = rows(result, files["pdf"])
    assert len(found) == 2 and all(r.endswith("  FAIL") for r in found), result.stdout
    assert "page-validation PDF/UA-1" in found[0] and int(found[0].split()[-2]) > 0
    assert result.stdout.splitlines()[2].startswith("    ")  # findings, indented under it


def test_check_refuses_an_output_it_cannot_read_in_one_line(tmp_path, dist):
    """An EPUB that is not a zip: one line on stderr naming it and what to do, exit 2."""
    files = seed_outputs(dist, tmp_path / "dist")
    files["html"].unlink()
    files["pdf"].unlink()
    files["epub"].write_bytes(b"this is not a book")
    result = run_cli("check", tmp_path / "dist", check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [f"{files['epub']}: not an EPUB (not a zip file); "
                                          "re-make it, or remove it from here"]
    assert rows(result, files["epub"])[0].endswith("  FAIL")

"""Hostile and odd inputs to `read`, `check` and the render loop (issue 17): one line, never a
traceback, never the network, never unbounded memory.

Every test runs the command line on real files (`read` and `render` through its `main`
in-process, conftest.run_main; `check` and the memory cases as real processes): a real HTTP
server on 127.0.0.1, real Chromium, real EPUBCheck and page-validation, PDFs built with
pikepdf, zips built with zipfile.
"""
from __future__ import annotations

import http.server
import re
import shutil
import threading
import zipfile
from pathlib import Path

import pikepdf
import pytest

from conftest import FRONT, ROOT, make_article, peak_kb, run_cli, run_main


# ---------------------------------------------------------------- helpers
class RecordingServer:
    """An HTTP server on 127.0.0.1 that records every connection and every request."""

    def __init__(self):
        self.requests: list[str] = []
        self.connections: list = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                body = b"body { color: red }" if self.path.endswith(".css") else b"x"
                self.send_response(200)
                self.send_header("Content-Type", "text/css" if self.path.endswith(".css")
                                 else "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def verify_request(self, request, address):
                outer.connections.append(address)
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def assert_one_line(result, path, *words):
    """Exit 2, one line `PATH: what is wrong; how to fix it`, no traceback, no internal error."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{path}: "), lines[0]
    assert re.search(r": .+; .+", lines[0]), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def tagged_pdf(path: Path, shape: str) -> Path:
    """A one-page PDF whose structure tree is `cyclic` (an element inside itself), `parent`
    (a child holding its parent), `deep` (5,000 nested elements) or `untagged` (none)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    if shape != "untagged":
        root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        top = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem,
                                                   S=pikepdf.Name.Document, P=root))
        root.K = pikepdf.Array([top])
        if shape == "cyclic":
            top.K = pikepdf.Array([top])
        elif shape == "parent":
            child = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem,
                                                         S=pikepdf.Name.P, P=top))
            top.K = pikepdf.Array([child])
            child.K = pikepdf.Array([top])
        elif shape == "deep":
            parent = top
            for _ in range(5000):
                child = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem,
                                                             S=pikepdf.Name.Div, P=parent))
                parent.K = pikepdf.Array([child])
                parent = child
        pdf.Root.StructTreeRoot = root
        pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    pdf.save(path)
    return path


CONTAINER = (b'<?xml version="1.0"?><container version="1.0" '
             b'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
             b'<rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>'
             b'</rootfiles></container>')
OPF = (b'<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
       b'<manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml"/></manifest>'
       b'<spine><itemref idref="c"/></spine></package>')
XHTML = (b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head>'
         b'<body><p>Hello.</p></body></html>')


def epub(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo("mimetype"), b"application/epub+zip")
        for name, data in members.items():
            book.writestr(name, data)
    return path


def foreign_file(folder: Path, kind: str) -> Path:
    """A file the renderer did not make, named as one of its outputs."""
    folder.mkdir(parents=True, exist_ok=True)
    garbage = bytes(range(256)) * 40
    if kind in ("garbage.pdf", "garbage.epub", "garbage.html"):
        path = folder / kind
        path.write_bytes(garbage if kind != "garbage.html" else b"")
        return path
    if kind.endswith(".pdf"):
        return tagged_pdf(folder / kind, kind.removesuffix(".pdf"))
    if kind == "no-container.epub":
        return epub(folder / kind, {"EPUB/package.opf": OPF, "EPUB/c.xhtml": XHTML})
    if kind == "broken-opf.epub":
        return epub(folder / kind, {"META-INF/container.xml": CONTAINER,
                                    "EPUB/package.opf": b"<package><manifest>", "EPUB/c.xhtml": XHTML})
    if kind == "missing-item.epub":
        return epub(folder / kind, {"META-INF/container.xml": CONTAINER, "EPUB/package.opf": OPF})
    raise ValueError(kind)


FOREIGN = ["garbage.pdf", "garbage.epub", "garbage.html", "cyclic.pdf", "parent.pdf",
           "deep.pdf", "untagged.pdf", "no-container.epub", "broken-opf.epub", "missing-item.epub"]


# ---------------------------------------------------------------- 1. check stays offline
def test_check_runs_no_page_script_and_fetches_nothing(tmp_path):
    """A page holding every kind of remote reference and a script: axe still checks it, the
    script never runs (it would remove <main>), and the server sees no connection at all."""
    dist = tmp_path / "dist"
    (dist / "hostile").mkdir(parents=True)
    with RecordingServer() as server:
        url = server.url
        (dist / "hostile" / "hostile.html").write_text(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Hostile page</title>
<link rel="stylesheet" href="{url}/sheet.css">
<link rel="preconnect" href="{url}/">
<style>main {{ background: url({url}/background.png) }}</style></head>
<body><main><h1>A page with remote references</h1>
<p><img src="{url}/img.png" alt="A remote image"></p>
<iframe src="{url}/frame.html" title="A remote frame"></iframe>
<p><img src="missing.png" alt="A missing image" onerror="fetch('{url}/onerror')"></p>
<script>fetch("{url}/fetch"); document.querySelector("main").remove();</script>
</main></body></html>""", encoding="utf-8")
        result = run_cli("check", dist, check=False)
        threading.Event().wait(0.5)  # let a late request arrive, if any would
        assert server.requests == [] and server.connections == [], server.requests
        assert "axe-core (Chromium)" in result.stdout, result.stdout + result.stderr
        assert "landmark-one-main" not in result.stdout  # the page's script never ran


# ---------------------------------------------------------------- 2. a long table validates
def test_check_validates_the_pdf_of_a_1100_row_table(tmp_path):
    rows = "\n".join(f"| {n} | Value {n} |" for n in range(1, 1101))
    article = make_article(tmp_path / "long-table", FRONT + "Table: Eleven hundred rows\n\n"
                           "| Number | Value |\n|---:|---|\n" + rows + "\n", images=())
    dist = tmp_path / "dist"
    run_main("render", article, "--out", dist, "--format", "pdf")
    result = run_cli("check", dist, check=False)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    rows = [line for line in result.stdout.splitlines() if "long-table.pdf" in line]
    assert len(rows) == 2 and all(line.endswith("pass") for line in rows), result.stdout
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------- 3. foreign files
@pytest.mark.parametrize("kind", FOREIGN)
def test_read_refuses_a_foreign_file_in_one_line(tmp_path, kind):
    path = foreign_file(tmp_path, kind)
    assert_one_line(run_main("read", path, check=False), path)


def test_read_names_what_is_wrong(tmp_path):
    cases = {"cyclic.pdf": "loop", "parent.pdf": "loop", "deep.pdf": "deep",
             "untagged.pdf": "not tagged", "no-container.epub": "META-INF/container.xml",
             "garbage.epub": "not a zip"}
    for kind, words in cases.items():
        path = foreign_file(tmp_path, kind)
        assert_one_line(run_main("read", path, check=False), path, words)


def test_check_reports_each_foreign_file_in_one_line_and_checks_the_rest(tmp_path):
    """A dist holding files the renderer did not make, beside a good one: every file gets its
    row, each unreadable one one line on stderr, and the exit status says bad input."""
    dist = tmp_path / "dist"
    bad = [foreign_file(dist / "a", "garbage.pdf"), foreign_file(dist / "b", "cyclic.pdf"),
           foreign_file(dist / "c", "garbage.epub"), foreign_file(dist / "d", "deep.pdf")]
    run_main("render", make_article(tmp_path / "good", FRONT + "Fine.\n", images=()),
            "--out", dist, "--format", "pdf")
    result = run_cli("check", dist, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(bad), result.stderr
    for path, line in zip(sorted(bad), sorted(lines)):
        assert line.startswith(f"{path}: ") and re.search(r": .+; .+", line), line
    good = [line for line in result.stdout.splitlines() if "good.pdf" in line]
    assert len(good) == 2 and all(line.endswith("pass") for line in good), result.stdout


# ---------------------------------------------------------------- 4. zip bombs
def zip_bomb(path: Path, size: int, lie: bool = False) -> Path:
    """An EPUB whose one chapter inflates to `size` zero bytes (about size/1000 on disk),
    written in 1 MB pieces so the test never holds it. With `lie`, the zip's central directory
    claims the chapter holds 1 kB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo("mimetype"), b"application/epub+zip")
        book.writestr("META-INF/container.xml", CONTAINER)
        book.writestr("EPUB/package.opf", OPF)
        info = zipfile.ZipInfo("EPUB/c.xhtml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with book.open(info, "w") as chapter:
            piece = bytes(1 << 20)
            for _ in range(size >> 20):
                chapter.write(piece)
    if lie:  # the uncompressed size, 24 bytes into the chapter's central directory entry
        data = bytearray(path.read_bytes())
        entry = data.rindex(b"PK\x01\x02", 0, data.rindex(b"EPUB/c.xhtml"))
        assert int.from_bytes(data[entry + 24:entry + 28], "little") == size
        data[entry + 24:entry + 28] = (1024).to_bytes(4, "little")
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("lie", [False, True], ids=["honest-sizes", "lying-sizes"])
def test_read_refuses_a_zip_bomb_without_inflating_it(tmp_path, lie):
    bomb = zip_bomb(tmp_path / "bomb.epub", 256 << 20, lie=lie)
    assert bomb.stat().st_size < 1 << 20
    result, peak = peak_kb("read", bomb)
    assert_one_line(result, bomb)
    assert peak < 400_000, f"read used {peak} kB"  # far below the 256 MB the bomb holds


# ---------------------------------------------------------------- 5. render goes on
def _crash_on(monkeypatch, name: str):
    """Make one article's render fail with an unexpected fault (a bug of ours, not bad input):
    our own build function is wrapped; WeasyPrint and ebooklib run for real for the others."""
    import renderer.build

    real = renderer.build.build_article

    def build_article(article, *args, **kwargs):
        if Path(article).name == name:
            raise RuntimeError("a fault no input should cause")
        return real(article, *args, **kwargs)

    monkeypatch.setattr(renderer.build, "build_article", build_article)


def test_render_goes_past_an_internal_error(tmp_path, monkeypatch, capsys):
    """An article that crashes does not stop the next one; the crash is one line."""
    from renderer.cli import main

    first = make_article(tmp_path / "first", FRONT + "First.\n", images=())
    second = make_article(tmp_path / "second", FRONT + "Second.\n", images=())
    out = tmp_path / "dist"
    _crash_on(monkeypatch, "first")
    status = main(["render", str(first), str(second), "--out", str(out), "--format", "html"])
    err = capsys.readouterr().err
    assert (out / "second" / "second.html").is_file(), err
    assert not (out / "first").exists()
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{first}: internal error: RuntimeError"), err
    assert "--debug" in lines[0]
    assert status == 1, err


def test_render_reports_bad_input_over_internal_errors(tmp_path, monkeypatch, capsys):
    from renderer.cli import main

    first = make_article(tmp_path / "first", FRONT + "First.\n", images=())
    bad = make_article(tmp_path / "bad", "no front matter\n", images=())
    _crash_on(monkeypatch, "first")
    status = main(["render", str(first), str(bad), "--out", str(tmp_path / "dist"),
                   "--format", "html"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    assert any(line.startswith(f"{first}: internal error") for line in err.splitlines())
    assert any(line.startswith(str(bad)) for line in err.splitlines())


def test_an_output_path_taken_by_a_folder_is_one_line(tmp_path):
    """A folder where an output file must go: the write fails as one line; the next article
    is still rendered."""
    first = make_article(tmp_path / "first", FRONT + "First.\n", images=())
    second = make_article(tmp_path / "second", FRONT + "Second.\n", images=())
    out = tmp_path / "dist"
    (out / "first" / "first.html").mkdir(parents=True)  # cannot be replaced by a file
    result = run_main("render", first, second, "--out", out, "--format", "html", check=False)
    assert (out / "second" / "second.html").is_file(), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith(f"{out / 'first'}: could not write")
    assert result.returncode == 2, result.stderr


# ---------------------------------------------------------------- 6. style sheets
def styles_with(tmp_path, print_css: str, **extra: str) -> Path:
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    (styles / "print.css").write_text(print_css + (styles / "print.css").read_text(), "utf-8")
    for name, text in extra.items():
        (styles / name.replace("_", ".")).write_text(text, encoding="utf-8")
    return styles


def render_with(tmp_path, styles: Path):
    article = make_article(tmp_path / "plain", FRONT + "Text.\n", images=())
    return run_main("render", article, "--out", tmp_path / "dist", "--format", "pdf",
                   "--styles", styles, check=False)


def test_a_style_sheet_importing_itself_is_one_line(tmp_path):
    styles = styles_with(tmp_path, '@import "print.css";\n')
    result = render_with(tmp_path, styles)
    line = assert_one_line_or_summary(result, styles / "print.css")
    assert "imports itself (an @import loop)" in line
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").rglob("*.pdf"))


def test_an_import_loop_through_two_sheets_is_one_line(tmp_path):
    styles = styles_with(tmp_path, '@import "more.css";\n', more_css='@import url(print.css);\n')
    line = assert_one_line_or_summary(render_with(tmp_path, styles), styles / "more.css")
    assert "@import loop (print.css → more.css → print.css)" in line


def test_an_import_from_outside_the_styles_folder_is_refused(tmp_path):
    (tmp_path / "outside.css").write_text("body { color: red }", encoding="utf-8")
    styles = styles_with(tmp_path, '@import "../outside.css";\n')
    line = assert_one_line_or_summary(render_with(tmp_path, styles), styles / "print.css")
    assert "outside.css" in line


def test_an_import_of_an_http_url_is_refused_and_not_fetched(tmp_path):
    with RecordingServer() as server:
        styles = styles_with(tmp_path, f'@import "{server.url}/remote.css";\n')
        line = assert_one_line_or_summary(render_with(tmp_path, styles), styles / "print.css")
        assert server.url in line
        assert server.requests == [] and server.connections == []


def assert_one_line_or_summary(result, path) -> str:
    """The refusal line for `path` (line number allowed), then at most the run's summary."""
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, \
        result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2, result.stderr[-3000:]
    assert re.match(rf"{re.escape(str(path))}(:\d+)?: .+; .+", lines[0]), lines[0]
    return lines[0]


def test_the_pdf_writer_refuses_an_import_loop_itself(tmp_path):
    """`build` passes no --styles through the CLI: the PDF writer checks @imports too."""
    from renderer.errors import RenderError
    from renderer.pdf import render_pdf

    styles = styles_with(tmp_path, '@import "print.css";\n')
    with pytest.raises(RenderError, match="imports itself"):
        render_pdf("<html lang=en><body><p>Text.</p></body></html>", tmp_path,
                   [styles / "base.css", styles / "print.css"])


def test_a_fatal_fetch_error_never_escapes_as_base_exception(tmp_path):
    """WeasyPrint's FatalURLFetchingError derives from BaseException: `reporting` turns even
    one the @import check did not foresee (here, a loop WeasyPrint follows) into one line."""
    import weasyprint

    from renderer.confine import ConfinedFetcher
    from renderer.errors import RenderError

    sheet = tmp_path / "loop.css"
    sheet.write_text('@import "loop.css";\n', encoding="utf-8")
    fetcher = ConfinedFetcher(tmp_path, [tmp_path])
    with pytest.raises(RenderError, match=r"RecursionError.*; check the style sheets"):
        with fetcher.reporting():
            weasyprint.CSS(filename=str(sheet), url_fetcher=fetcher)


def test_read_prints_no_terminal_control_characters(tmp_path):
    """Text from a foreign PDF (here /ActualText with an escape that clears the screen and a
    NUL) is printed escaped, on its line."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    para = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.P,
                                                P=root, ActualText="\x1b[2Jall\x00good"))
    root.K = pikepdf.Array([para])
    pdf.Root.StructTreeRoot = root
    path = tmp_path / "escape.pdf"
    pdf.save(path)
    result = run_main("read", path)
    assert result.stdout == "[paragraph] \\x1b[2Jall\\x00good\n"

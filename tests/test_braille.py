"""Braille editions (README, "Braille editions"): BRF and PEF made with liblouis, checked with
the real tools: the PEF 2008-1 RELAX NG schema (lxml), liblouis's own back-translation
(`lou_translate --backward`), poppler's `pdftotext` for the print pages, `renderer read` for
the reading order."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from conftest import CORPUS, ROOT, SEED_ARTICLE, run_cli

SCHEMA = CORPUS / "schemas" / "pef" / "pef-2008-1.rng"
PEF = "{http://www.daisy.org/ns/2008/pef}"
LIBLOUIS_TABLES = Path("/usr/share/liblouis/tables")
# The whole test corpus: the default article, every article under good/ and every language
# article (their folder names do not collide).
CORPUS_ARTICLES = {"seed": SEED_ARTICLE, **{
    folder.name: folder for kind in ("good", "languages")
    for folder in sorted((CORPUS / kind).iterdir()) if (folder / "article.md").is_file()}}


def language_of(folder: Path) -> str:
    """The article's language subtag, read from its front matter."""
    found = re.search(r"^language:\s*(\S+)", (folder / "article.md").read_text(encoding="utf-8"),
                      re.MULTILINE)
    return found.group(1).split("-")[0].lower() if found else "en"


def liblouis_literary_languages() -> set[str]:
    """Languages liblouis's own table metadata (#+language, #+type, #+dots) gives a six-dot
    literary table, read from its table files, not from the renderer. Mandarin is `cmn` there;
    Japanese has only ja-kantenji.utb, eight-dot kanji braille, and Thai none."""
    languages = set()
    for table in LIBLOUIS_TABLES.iterdir():
        meta: dict[str, set[str]] = {}
        for line in table.read_text(encoding="utf-8", errors="replace").splitlines():
            found = re.match(r"^#\+(\w+):\s*(\S+)", line)
            if found:
                meta.setdefault(found.group(1), set()).add(found.group(2))
        if "literary" in meta.get("type", ()) and "8" not in meta.get("dots", ()):
            languages |= {tag.split("-")[0] for tag in meta.get("language", ())}
    return languages | ({"zh"} if "cmn" in languages else set())


NO_TABLE = {slug for slug, folder in CORPUS_ARTICLES.items()
            if language_of(folder) not in liblouis_literary_languages()}
ARTICLES = {slug: folder for slug, folder in CORPUS_ARTICLES.items() if slug not in NO_TABLE}
# The grade-1 round trip and the print-page text check need liblouis to back-translate the
# braille into print letters comparable with pdftotext and `renderer read`: the Latin-script
# articles, each with its language's uncontracted table (chosen here, not by the renderer).
# Left out: Arabic, Persian, Hebrew, Hindi, Russian, Ukrainian and Chinese, whose text is not
# in Latin letters after back-translation compared letter by letter with print (and zh-chn.ctb
# and zh-tw.ctb are forward-only); their print-page indicators are still counted against the PDF.
BACK_TABLES = {"en": "en-ueb-g1.ctb", "de": "de-g0.utb", "es": "es-g1.ctb",
               "fr": "fr-bfu-comp6.utb", "pt": "pt-pt-g1.utb"}
ROUND_TRIP = {slug: folder for slug, folder in ARTICLES.items()
              if language_of(folder) in BACK_TABLES}
INDICATOR = re.compile(r"^-{2,}([^-\s]+)$")
BOX = re.compile(r"^(7{40}|G{40})$")
TN = re.compile(r"@\.[<>]")  # UEB transcriber's note indicators in ASCII braille
ROLES = ("heading", "paragraph", "item", "figure", "caption", "quote", "summary",
         "table caption", "header cell", "cell")


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The whole test corpus built once as a collection with the braille editions (grade 2,
    40x25) beside the HTML and PDF, then packaged; with the build's own output."""
    root = tmp_path_factory.mktemp("braille")
    for slug, folder in CORPUS_ARTICLES.items():
        shutil.copytree(folder, root / "content" / slug)
    result = run_cli("build", root / "content", "--out", root / "dist", "--format",
                     "html,pdf,brf,pef", "-j", "2", check=False)
    run_cli("package", root / "dist")
    return root / "dist", result


@pytest.fixture(scope="session")
def braille(corpus_build) -> Path:
    return corpus_build[0]


@pytest.fixture(scope="session")
def grade1(tmp_path_factory) -> Path:
    """Uncontracted braille (grade 1), which liblouis back-translates exactly, for the
    Latin-script articles: one collection build."""
    root = tmp_path_factory.mktemp("grade1")
    for slug, folder in ROUND_TRIP.items():
        shutil.copytree(folder, root / "content" / slug)
    run_cli("build", root / "content", "--out", root / "dist", "--format", "html,pdf,brf",
            "--braille-grade", "1", "-j", "2")
    return root / "dist"


def brf_pages(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("ascii")
    assert text.endswith("\f")
    return [page.split("\r\n")[:-1] for page in text[:-1].split("\f")]


@lru_cache(maxsize=None)
def number_labels(table: str = "en-ueb-g1.ctb") -> dict[str, int]:
    """Page numbers 1-400 as liblouis writes them in `table` (UEB `#a`, French `,*`, Chinese
    `1`…), back to the number: how a print page indicator line ends."""
    numbers = [str(number) for number in range(1, 401)]
    return {label: int(number) for number, label in zip(numbers, translate(numbers, table))}


def content_lines(pages, table: str = "en-ueb-g1.ctb") -> list[tuple[str, int | None]]:
    """Each line below the page number line, with the print page it indicates (or None);
    box lines (a notice's, rows of dots 2-3-5-6 or 1-2-4-5) are left out. An indicator is a
    row of dots 3-6 ending in the page number in the article's table."""
    labels = number_labels(table)
    out = []
    for page in pages:
        for line in page[1:]:
            if BOX.match(line):
                continue
            found = INDICATOR.match(line)
            out.append((line, labels.get(found.group(1)) if found else None))
    return out


def back_translate(lines: list[str], table: str = "en-ueb-g1.ctb") -> list[str]:
    """liblouis's own back-translation of ASCII braille lines, one line out per line in.
    lou_translate reads a backslash as an escape (`\\x00fc`), so the braille cell `\\` (dots
    1-2-5-6: German ü) goes in doubled."""
    result = subprocess.run(["lou_translate", "--backward", f"en-us-brf.dis,{table}"],
                            input="\n".join(lines).replace("\\", "\\\\") + "\n",
                            capture_output=True, text=True, check=True, timeout=60)
    out = result.stdout.split("\n")[: len(lines)]
    assert len(out) == len(lines)
    return out


def translate(lines: list[str], table: str) -> list[str]:
    """liblouis's forward translation of print lines into ASCII braille, one line per line."""
    result = subprocess.run(["lou_translate", "--forward", f"en-us-brf.dis,{table}"],
                            input="\n".join(lines) + "\n", capture_output=True, text=True,
                            check=True, timeout=60)
    return [line.upper() for line in result.stdout.split("\n")[: len(lines)]]


def table_of(pef: Path) -> str:
    """The liblouis table the PEF's dc:description names."""
    description = etree.parse(str(pef)).findtext(".//{http://purl.org/dc/elements/1.1/}description")
    return re.search(r"\S+\.(?:ctb|utb)", description).group(0)


def letters(text: str) -> str:
    """Text compared without case, spaces or punctuation (braille marks capitals, numbers and
    quotation differently from print)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def read_items(path: Path) -> list[tuple[str, str]]:
    """`renderer read FILE`, as (role, text)."""
    items = []
    for line in run_cli("read", path).stdout.splitlines():
        found = re.match(r"^\[([^\]]+)\] ?(.*)$", line)
        if found:
            items.append((found.group(1), found.group(2)))
    return items


# ---------------------------------------------------------------- PEF
@pytest.mark.parametrize("slug", ARTICLES)
def test_pef_is_valid_pef_2008_1_with_rows_and_cells_within_the_page(braille, slug):
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    document = etree.parse(str(braille / slug / f"{slug}.pef"))
    assert schema.validate(document), schema.error_log.last_error
    volume = document.find(f".//{PEF}volume")
    assert (volume.get("cols"), volume.get("rows")) == ("40", "25")
    pages = document.findall(f".//{PEF}page")
    assert len(pages) > 2 and len(document.findall(f".//{PEF}section")) == 3
    for page in pages:  # the schema's two Schematron rules
        assert len(page.findall(f"{PEF}row")) <= 25
        assert all(len(row.text or "") <= 40 for row in page.findall(f"{PEF}row"))


def test_a_broken_pef_fails_the_schema(braille, tmp_path):
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    text = (braille / "seed" / "seed.pef").read_text(encoding="utf-8")
    for broken in (text.replace("<row>⠠", "<row>A", 1),  # print letters in a row
                   re.sub(r"<dc:format>.*?</dc:format>", "", text),  # no dc:format
                   text.replace('rowgap="0" ', "")):  # a volume without rowgap
        assert not schema.validate(etree.fromstring(broken.encode("utf-8")))


def test_pef_rows_are_the_brf_lines(braille):
    """The two files are the same braille: each PEF row is its BRF line in Unicode braille."""
    ascii_braille = " A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V.%[$+X!&;:4\\0Z7(_?W]#Y)="
    for slug in ARTICLES:
        rows = [[row.text or "" for row in page.findall(f"{PEF}row")]
                for page in etree.parse(str(braille / slug / f"{slug}.pef")).iter(f"{PEF}page")]
        as_ascii = [["".join(ascii_braille[ord(c) - 0x2800] for c in row) for row in page]
                    for page in rows]
        assert as_ascii == brf_pages(braille / slug / f"{slug}.brf")


# ---------------------------------------------------------------- BRF
@pytest.mark.parametrize("slug", ARTICLES)
def test_no_line_over_40_cells_no_page_over_25_lines_and_numbered_pages(braille, slug):
    pages = brf_pages(braille / slug / f"{slug}.brf")
    assert all(len(page) <= 25 for page in pages)
    assert all(len(line) <= 40 and set(line) <= set(" A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V"
                                                    ".%[$+X!&;:4\\0Z7(_?W]#Y)=") for page in pages
               for line in page)
    # Each page's number at the right margin (the title page carries none), as liblouis writes
    # that number in the article's table (UEB: number sign, then a-j; French: dot 6, then the
    # digits with dot 6 added).
    numbers = [str(number) for number in range(2, len(pages) + 1)]
    labels = translate(numbers, table_of(braille / slug / f"{slug}.pef"))
    for page, label in zip(pages[1:], labels):
        assert page[0].endswith(label) and page[0].strip() == label


@pytest.mark.parametrize("slug", ROUND_TRIP)
def test_grade_1_back_translates_to_what_renderer_read_reads_in_order(grade1, slug):
    pages = brf_pages(grade1 / slug / f"{slug}.brf")
    table = BACK_TABLES[language_of(ROUND_TRIP[slug])]
    lines = [TN.sub(" ", line) for line, page in content_lines(pages, table) if page is None]
    braille_text = letters("".join(back_translate(lines, table)))
    items = [(role, text) for role, text in read_items(grade1 / slug / f"{slug}.html")
             if role.startswith(ROLES) and letters(text)]
    assert len(items) > 5
    # liblouis's own round trip of the print text, with no renderer in between, for the few
    # places its back-translation is lossy: Spanish's semicolon (dots 2-3) comes back as "2",
    # and Portuguese's "-#jjja" as "-jjja" (the number sign after a hyphen is dropped).
    alone = back_translate(translate([text for _, text in items], table), table)
    position = 0
    for (role, text), round_trip in zip(items, alone):
        if re.search(r"[\u0600-\u06ff]", text):  # in its own (Arabic) table: checked below
            continue
        found, expected = -1, letters(text)
        for expected in dict.fromkeys((letters(text), letters(round_trip))):
            found = braille_text.find(expected, position)
            if found >= 0:
                break
        assert found >= 0, f"[{role}] {text!r} not found in order after {braille_text[position:position + 80]!r}"
        position = found + len(expected)


@pytest.mark.parametrize("slug", ROUND_TRIP)
def test_each_print_page_indicator_is_where_that_pdf_page_starts(grade1, slug):
    pdf = grade1 / slug / f"{slug}.pdf"
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout).group(1))
    table = BACK_TABLES[language_of(ROUND_TRIP[slug])]
    lines = content_lines(brf_pages(grade1 / slug / f"{slug}.brf"), table)
    indicated = [page for _, page in lines if page is not None]
    assert indicated == list(range(1, pages + 1))
    text_lines = back_translate([TN.sub(" ", line) for line, page in lines if page is None],
                                table)
    # A table row in braille has each cell after its column's header ("Station: Structure;
    # Month: February"), which print shows once, in the header row: the labels are left out.
    labels = tuple(f"{text.casefold()}:" for role, text in read_items(pdf.with_suffix(".html"))
                   if role.startswith("header cell"))
    following, index = {}, 0
    for line, page in lines:
        if page is not None:
            start = " ".join(text_lines[index:index + 3]).strip()
            if any(start.casefold().startswith(label) for label in labels):
                for label in labels:
                    start = re.sub(re.escape(label), " ", start, flags=re.IGNORECASE)
            following[page] = letters(start)[:24]
        else:
            index += 1
    for page, start in following.items():
        printed = letters(subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout",
                                          pdf, "-"], capture_output=True, text=True,
                                         check=True).stdout)
        earlier = letters(subprocess.run(["pdftotext", "-f", "1", "-l", str(page - 1), pdf, "-"],
                                         capture_output=True, text=True).stdout) if page > 1 else ""
        head = start[:12]
        assert head and head in printed, f"page {page}: {head!r} is not on that PDF page"
        assert not earlier.endswith(head), f"page {page}: {head!r} ends the page before"


def pdf_page_count(pdf: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout).group(1))


@pytest.mark.parametrize("slug", ARTICLES)
def test_the_print_page_indicators_count_the_pdf_pages_in_order(braille, slug):
    """Every article, whatever its script: one indicator per PDF page (pdfinfo), 1, 2, 3…"""
    lines = content_lines(brf_pages(braille / slug / f"{slug}.brf"),
                          table_of(braille / slug / f"{slug}.pef"))
    indicated = [page for _, page in lines if page is not None]
    assert indicated == list(range(1, pdf_page_count(braille / slug / f"{slug}.pdf") + 1))


def test_exactly_the_articles_without_a_liblouis_table_are_refused(corpus_build):
    """The collection build fails those articles (Japanese, Thai: no six-dot literary table in
    liblouis's own metadata), each in one line, and builds all the others."""
    dist, result = corpus_build
    assert NO_TABLE == {"ja", "ja-mixed", "th"}  # the corpus as it stands: a guard on the above
    refused = {re.search(r"/content/([^/]+)/article\.md:", line).group(1)
               for line in result.stderr.splitlines() if "no braille table" in line}
    assert refused == NO_TABLE and result.returncode != 0
    assert f"{len(ARTICLES)} built" in result.stdout and f"{len(NO_TABLE)} failed" in result.stdout
    assert all((dist / slug / f"{slug}.pef").is_file() for slug in ARTICLES)
    assert not any((dist / slug / f"{slug}.brf").exists() for slug in NO_TABLE)
    assert "Traceback" not in result.stderr


def test_same_source_same_bytes(tmp_path):
    for run in ("one", "two"):
        run_cli("render", CORPUS / "good" / "everything", "--out", tmp_path / run,
                "--format", "brf,pef")
    for name in ("everything.brf", "everything.pef"):
        assert (tmp_path / "one" / "everything" / name).read_bytes() == \
               (tmp_path / "two" / "everything" / name).read_bytes()


def test_the_arabic_article_is_in_arabic_braille(braille):
    """Its title, translated by lou_translate with the Arabic table, is on the title page."""
    pef = etree.parse(str(braille / "ar" / "ar.pef"))
    assert "ar-ar-g2.ctb" in pef.findtext(".//{http://purl.org/dc/elements/1.1/}description")
    title = pef.findtext(".//{http://purl.org/dc/elements/1.1/}title")
    expected = subprocess.run(["lou_translate", "--forward", "en-us-brf.dis,ar-ar-g2.ctb"],
                              input=title + "\n", capture_output=True, text=True,
                              check=True).stdout.strip().upper()
    title_page = " ".join(" ".join(brf_pages(braille / "ar" / "ar.brf")[0]).split())
    assert expected and expected in title_page
    english = subprocess.run(["lou_translate", "--forward", "en-us-brf.dis,en-ueb-g2.ctb"],
                             input=title + "\n", capture_output=True, text=True).stdout.strip()
    assert english not in title_page


def test_a_language_without_a_table_is_refused_in_one_line_naming_the_closest(tmp_path):
    result = run_cli("render", CORPUS / "languages" / "th", "--out", tmp_path, "--format",
                     "html,brf", check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert "no braille table for the language 'th'" in lines[0] and "closest" in lines[0]
    assert "Traceback" not in result.stderr and not list(tmp_path.rglob("*.html"))


def test_a_bad_page_size_is_refused(tmp_path):
    result = run_cli("render", CORPUS / "good" / "everything", "--out", tmp_path, "--format",
                     "brf", "--braille-page", "40by25", check=False)
    assert result.returncode == 2 and result.stderr.startswith("--braille-page:")
    assert not list(tmp_path.rglob("*.brf"))


# ---------------------------------------------------------------- the collection
def test_manifest_catalog_feed_and_bag_list_the_braille_files(braille):
    manifest = json.loads((braille / "manifest.json").read_text(encoding="utf-8"))
    for slug in ARTICLES:
        outputs = manifest["articles"][slug]["outputs"]
        assert {f"{slug}.brf", f"{slug}.pef"} <= set(outputs)
    catalog = (braille / "index.html").read_text(encoding="utf-8")
    assert "Braille (BRF)" in catalog and "Braille (PEF)" in catalog
    feed = etree.parse(str(braille / "opds.xml"))
    links = {(link.get("href").rsplit(".", 1)[-1], link.get("type"), link.get("rel"))
             for link in feed.iter("{http://www.w3.org/2005/Atom}link")}
    assert ("brf", "text/plain", "http://opds-spec.org/acquisition") in links
    assert ("pef", "application/x-pef+xml", "http://opds-spec.org/acquisition") in links
    bag_info = next(braille.parent.rglob("bag-info.txt"), None) or next(braille.rglob("bag-info.txt"))
    info = bag_info.read_text(encoding="utf-8")
    assert "SLUG/SLUG.brf" in info and "SLUG/SLUG.pef" in info


def test_a_character_the_table_lacks_is_named_in_a_warning(tmp_path):
    """Persian's table has no braille for U+0654 (hamza above): liblouis itself writes its
    escape, 'x0654' in braille letters, and the build says so."""
    escape = subprocess.run(["lou_translate", "--forward", "en-us-brf.dis,fa-ir-g1.utb"],
                            input="\u0654\n", capture_output=True, text=True, check=True).stdout
    assert "JFED" in escape.upper()  # the digits 0654 as letters j f e d: an escape, not braille
    result = run_cli("render", CORPUS / "languages" / "fa", "--out", tmp_path, "--format", "brf")
    warnings = [line for line in result.stderr.splitlines() if "braille-undefined-character" in line]
    assert len(warnings) == 1 and "U+0654" in warnings[0] and "fa-ir-g1.utb" in warnings[0]
    clean = run_cli("render", CORPUS / "languages" / "fr", "--out", tmp_path, "--format", "brf")
    assert "braille-undefined-character" not in clean.stderr


def test_a_notice_stands_between_box_lines(grade1):
    """The every-block-type article's editor's note: a top box line, its label and text, a
    bottom box line, and nothing else between them."""
    lines = [line for page in brf_pages(grade1 / "everything" / "everything.brf") for line in page]
    top, bottom = lines.index("7" * 40), lines.index("G" * 40)
    inside = back_translate(lines[top + 1:bottom])
    assert letters(" ".join(inside)) == letters("Editor's note This note is set apart from the "
                                                "text and labelled.")


def test_another_page_size_is_kept_and_valid(tmp_path):
    run_cli("render", CORPUS / "good" / "everything", "--out", tmp_path, "--format", "brf,pef",
            "--braille-page", "32x20")
    pages = brf_pages(tmp_path / "everything" / "everything.brf")
    assert max(len(page) for page in pages) == 20  # full pages are full
    assert all(len(line) <= 32 for page in pages for line in page)
    assert max(len(line) for page in pages for line in page) == 32
    document = etree.parse(str(tmp_path / "everything" / "everything.pef"))
    assert etree.RelaxNG(etree.parse(str(SCHEMA))).validate(document)
    volume = document.find(f".//{PEF}volume")
    assert (volume.get("cols"), volume.get("rows")) == ("32", "20")


def test_a_rebuild_redoes_the_braille_only_when_its_options_change(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CORPUS / "good" / "everything", content / "everything")
    out = tmp_path / "dist"
    build = ("build", content, "--out", out, "--format", "brf,pef", "-j", "1")
    assert run_cli(*build).stdout.startswith("1 built")
    grade2 = (out / "everything" / "everything.brf").read_bytes()
    assert run_cli(*build).stdout.startswith("0 built, 1 unchanged")
    assert run_cli(*build, "--braille-grade", "1").stdout.startswith("1 built")
    grade1 = (out / "everything" / "everything.brf").read_bytes()
    assert grade1 != grade2 and len(grade1) > len(grade2)  # uncontracted braille is longer

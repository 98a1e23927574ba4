"""Images and the files a render reads, from a hostile or careless source (issue 17).

Photo metadata never reaches an output; CMYK photos give a valid PDF/A; an image that does not
decode is refused by `render` and `build` alike; one file shown twice is packed once; odd
characters in file names work or are refused with a line; symbolic links never lead a render
out of the article folder or the styles folder. Every test runs the CLI on a real article (its
`main` in-process, conftest.run_main; `build` as a real process) and looks at the real outputs
with the real validators.
"""
from __future__ import annotations

import io
import os
import shutil
import struct
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

import pikepdf
import pytest
from lxml import html as lxml_html
from PIL import Image, ImageCms, PngImagePlugin

from conftest import (CORPUS, FRONT, ROOT, SEED_ARTICLE, assert_refused, make_article, run_cli,
                      run_main)

SECRETS = (b"Jane Doe", b"35.6895N", b"PhoneCam")
NOTE = "GPS 35.6895N 139.6917E, taken by Jane Doe on a PhoneCam"
XMP = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
       f'22-rdf-syntax-ns#"><rdf:Description>{NOTE}</rdf:Description></rdf:RDF></x:xmpmeta>')


def figures(*names: str) -> str:
    """Figure blocks for `images/NAME`, in order (the first fence is on line 11 after FRONT)."""
    return "Text.\n\n" + "".join(f'```figure\nsrc: "images/{name}"\nalt: Picture {n}.\n```\n\n'
                                 for n, name in enumerate(names, 1))


def article_with_images(folder: Path, images: dict[str, bytes], text: str | None = None) -> Path:
    article = make_article(folder, text or FRONT + figures(*images), images=())
    for name, data in images.items():
        (article / "images" / name).write_bytes(data)
    return article


def picture(mode="RGB", size=(120, 80)) -> Image.Image:
    image = Image.new(mode, size, {"RGB": (200, 30, 30), "CMYK": (20, 230, 220, 10)}.get(mode, 3))
    image.paste({"RGB": (30, 30, 200), "CMYK": (230, 150, 0, 20)}.get(mode, 7), (0, 0, 60, 20))
    return image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_metadata(**options) -> bytes:
    exif = Image.Exif()
    exif[0x0110] = "PhoneCam 9000"
    return encoded(picture(), "JPEG", comment=NOTE.encode(), xmp=XMP.encode(),
                   exif=exif.tobytes(), **options)


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe")                        # tEXt
    info.add_text("Comment", NOTE, zip=True)                   # zTXt
    info.add_itxt("Description", NOTE, lang="en")             # iTXt
    info.add_itxt("XML:com.adobe.xmp", XMP)                    # XMP, as iTXt
    return encoded(picture(), "PNG", pnginfo=info)


def pdf_image_streams(path: Path) -> list[bytes]:
    """Every image XObject's stream, raw and (where pikepdf can) decoded."""
    out = []
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                out.append(obj.read_raw_bytes())
                try:
                    out.append(obj.read_bytes())  # Flate decoded; a JPEG (DCT) stays as it is
                except pikepdf.PdfError:
                    pass
    return out


def epub_images(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {n: book.read(n) for n in book.namelist() if n.startswith("EPUB/images/")}


def epub_clean(path: Path) -> list[str]:
    from renderer.check import epub_findings, run_epubcheck
    return epub_findings(run_epubcheck(path))


# ---------------------------------------------------------------- 1. photo metadata
def test_no_metadata_but_icc_reaches_any_output(tmp_path):
    """A JPEG comment (and XMP and EXIF), PNG tEXt/zTXt/iTXt chunks with XMP, a GIF comment
    and WebP XMP/EXIF: none of their words reach the HTML's images, the EPUB or the PDF."""
    exif = Image.Exif()
    exif[0x0110] = "PhoneCam 9000"
    images = {
        "comment.jpg": jpeg_with_metadata(),
        "text.png": png_with_text(),
        "comment.gif": encoded(picture("P"), "GIF", comment=NOTE.encode()),
        "xmp.webp": encoded(picture(), "WEBP", xmp=XMP.encode(), exif=exif.tobytes()),
    }
    for data in images.values():
        assert all(secret in data for secret in SECRETS[:2])
    article = article_with_images(tmp_path / "meta", images)
    out = tmp_path / "dist"
    run_main("render", article, "--out", out)
    folder = out / "meta"
    page_images = {p.name: p.read_bytes() for p in (folder / "images").iterdir()}
    book_images = epub_images(folder / "meta.epub")
    pdf_streams = pdf_image_streams(folder / "meta.pdf")
    assert len(page_images) == len(book_images) == 4 and len(pdf_streams) >= 4 + 3  # raw, and decoded but the JPEG
    for where, blobs in (("HTML images", page_images.values()),
                         ("EPUB images", book_images.values()), ("PDF images", pdf_streams)):
        for blob in blobs:
            for secret in SECRETS:
                assert secret not in blob, f"{secret!r} is in the {where}"
    for name, data in page_images.items():
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (120, 80), name  # still the picture


def test_icc_profile_is_the_one_metadata_kept():
    from renderer.images import prepare_image
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = jpeg_with_metadata(icc_profile=srgb)
    prepared = prepare_image(source)
    assert NOTE.encode() not in prepared and b"xmpmeta" not in prepared
    from renderer.images import metadata_segments
    assert metadata_segments(prepared, "JPEG") == []
    with Image.open(io.BytesIO(prepared)) as image:
        assert image.info.get("icc_profile") == srgb
        assert "comment" not in image.info and not image.getexif()
    clean = encoded(picture(), "PNG")
    assert prepare_image(clean) == clean  # a file with no metadata is kept byte for byte


# ---------------------------------------------------------------- 2. CMYK
def test_cmyk_jpeg_gives_a_valid_pdf_a_and_ua(tmp_path):
    from renderer.check import pdf_findings, run_pdfua
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    article = article_with_images(tmp_path / "cmyk", {
        "print.jpg": encoded(picture("CMYK"), "JPEG"),
        # a CMYK file whose profile does not fit it: converted plainly, the profile dropped
        "mislabelled.jpg": encoded(picture("CMYK"), "JPEG", icc_profile=srgb)})
    out = tmp_path / "dist"
    run_main("render", article, "--out", out)
    pdf = out / "cmyk" / "cmyk.pdf"
    assert pdf_findings(run_pdfua(pdf, "pdfa-3a")) == []
    assert pdf_findings(run_pdfua(pdf, "ua1")) == []
    with pikepdf.open(pdf) as document:
        spaces = {str(o.get("/ColorSpace")) for o in document.objects
                  if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"}
    assert "/DeviceCMYK" not in spaces
    for image_file in (out / "cmyk" / "images").iterdir():
        with Image.open(image_file) as image:
            assert image.mode == "RGB" and "icc_profile" not in image.info
            red, green, blue = image.getpixel((100, 70))  # (20, 230, 220, 10) CMYK: red
            assert red > 150 and green < 100 and blue < 100


# ---------------------------------------------------------------- 3. data that does not decode
def short_idat_png(cut_stream: bool = True, width=64, height=64) -> bytes:
    """A PNG whose every chunk has a good CRC but whose IDAT is short: its compressed stream
    cut off (Pillow finds it only on decoding), or a whole stream of 3 of its 64 rows (Pillow
    decodes it without a word, the missing rows black)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\0" + bytes([200, 30, 30]) * width
    pixels = zlib.compress(row * height)
    data = pixels[:len(pixels) // 3] if cut_stream else zlib.compress(row * 3)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


@pytest.mark.parametrize("cut_stream", [True, False], ids=["stream-cut", "rows-missing"])
def test_short_idat_is_refused_by_render(tmp_path, cut_stream):
    article = article_with_images(tmp_path / "short", {"short.png": short_idat_png(cut_stream)})
    assert_refused(article, tmp_path / "dist", 11, "damaged or truncated", "short.png")


def test_short_idat_is_refused_by_build(tmp_path):
    content = tmp_path / "content"
    article = article_with_images(content / "short", {"short.png": short_idat_png()})
    make_article(content / "fine", FRONT + "Fine.\n", images=())
    out = tmp_path / "dist"
    result = run_cli("build", content, "--out", out, "-j", "1", check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    failures = [line for line in result.stderr.splitlines() if "short.png" in line]
    assert len(failures) == 1, result.stderr
    assert failures[0].startswith(f"{article / 'article.md'}:11: ")
    assert "damaged or truncated" in failures[0]
    assert "1 built, 0 unchanged, 0 removed, 1 failed" in result.stdout
    assert not (out / "short").exists()
    assert (out / "fine" / "fine.html").is_file()


# ---------------------------------------------------------------- 4. one file, two figures
def test_one_image_in_two_figures_is_packed_once(tmp_path):
    photo = (CORPUS / "good" / "everything" / "images" / "river.jpg").read_bytes()
    article = article_with_images(tmp_path / "twice", {"photo.jpg": photo},
                                  FRONT + figures("photo.jpg", "photo.jpg"))
    out = tmp_path / "dist"
    result = run_main("render", article, "--out", out)
    assert "Warning" not in result.stderr and "Duplicate" not in result.stderr, result.stderr
    book = out / "twice" / "twice.epub"
    with zipfile.ZipFile(book) as epub:
        names = epub.namelist()
        opf = epub.read("EPUB/content.opf").decode()
        chapter = epub.read("EPUB/article.xhtml").decode()
    assert names.count("EPUB/images/photo.jpg") == 1 and len(names) == len(set(names))
    assert opf.count('href="images/photo.jpg"') == 1
    assert chapter.count('src="images/photo.jpg"') == 2  # both figures show it
    assert epub_clean(book) == []
    assert [p.name for p in (out / "twice" / "images").iterdir()] == ["photo.jpg"]


# ---------------------------------------------------------------- 5. odd file names
ODD_NAMES = ("my photo.jpg", "a#b.jpg", "c%20d.jpg", "100%.jpg", "café.jpg")


def test_odd_file_names_render_and_validate(tmp_path):
    photo = (CORPUS / "good" / "everything" / "images" / "river.jpg").read_bytes()
    article = article_with_images(tmp_path / "names", {n: photo for n in ODD_NAMES})
    out = tmp_path / "dist"
    result = run_main("render", article, "--out", out, check=False)
    assert result.returncode == 0, result.stderr
    folder = out / "names"
    page = lxml_html.parse(str(folder / "names.html")).getroot()
    sources = [img.get("src") for img in page.iter("img")]
    assert [unquote(s) for s in sources] == [f"images/{n}" for n in ODD_NAMES]
    assert all((folder / unquote(s)).is_file() for s in sources)
    assert not [s for s in sources if " " in s or "#" in s]
    assert epub_clean(folder / "names.epub") == []
    assert len(epub_images(folder / "names.epub")) == len(ODD_NAMES)
    with pikepdf.open(folder / "names.pdf") as pdf:
        assert sum(1 for o in pdf.objects if isinstance(o, pikepdf.Stream)
                   and o.get("/Subtype") == "/Image") == len(ODD_NAMES)


@pytest.mark.parametrize("name, shown", [("a?b.jpg", "'?'"), ("a|b.jpg", "'|'"),
                                         ("tab\there.jpg", "U+0009")],
                         ids=["question-mark", "bar", "control"])
def test_names_no_epub_may_hold_are_refused(tmp_path, name, shown):
    photo = (CORPUS / "good" / "everything" / "images" / "river.jpg").read_bytes()
    article = article_with_images(tmp_path / "bad", {name: photo},
                                  FRONT + figures(name.replace("\t", "\\t")))
    assert_refused(article, tmp_path / "dist", 12, "rename the file", shown)


# ---------------------------------------------------------------- 6. symbolic links
def test_article_md_linked_from_outside_is_refused(tmp_path):
    secret = tmp_path / "elsewhere" / "private.md"
    secret.parent.mkdir()
    secret.write_text(FRONT + "A private note that must not be published.\n", encoding="utf-8")
    article = tmp_path / "linked"
    article.mkdir()
    os.symlink(secret, article / "article.md")
    message = assert_refused(article, tmp_path / "dist", None, "symbolic link", "copy the file")
    assert message.startswith(f"{article / 'article.md'}: ")
    direct = run_main("render", article / "article.md", "--out", tmp_path / "dist", check=False)
    assert direct.returncode == 2 and "symbolic link" in direct.stderr
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").rglob("*"))


def test_article_md_linked_inside_the_folder_is_read(tmp_path):
    article = make_article(tmp_path / "inside", "x", images=())
    (article / "text").mkdir()
    (article / "text" / "body.md").write_text(FRONT + "Linked but inside.\n", encoding="utf-8")
    (article / "article.md").unlink()
    os.symlink(Path("text") / "body.md", article / "article.md")
    run_main("render", article, "--out", tmp_path / "dist", "--format", "html")
    assert "Linked but inside." in (tmp_path / "dist" / "inside" / "inside.html").read_text()


@pytest.mark.parametrize("name", ["base.css", "print.css"])
def test_stylesheet_linked_from_outside_is_refused(tmp_path, name):
    styles = tmp_path / "my-styles"
    shutil.copytree(ROOT / "styles", styles)
    outside = tmp_path / "outside.css"
    outside.write_text("/* private */ body { color: black; }\n", encoding="utf-8")
    (styles / name).unlink()
    os.symlink(outside, styles / name)
    article = make_article(tmp_path / "a", FRONT + "Text.\n", images=())
    out = tmp_path / "dist"
    result = run_main("render", article, "--out", out, "--styles", styles, check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"{styles.resolve() / name}: is a symbolic link"), lines
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert not out.exists() or not any(out.rglob("*"))


def test_styles_folder_given_through_a_link_with_links_inside_is_fine(tmp_path):
    real = tmp_path / "real-styles"
    shutil.copytree(ROOT / "styles", real)
    (real / "print.css").rename(real / "print-v2.css")
    os.symlink("print-v2.css", real / "print.css")  # a link that stays in the folder
    os.symlink(real, tmp_path / "styles-link")        # the folder itself: any path will do
    article = make_article(tmp_path / "a", FRONT + "Text.\n", images=())
    run_main("render", article, "--out", tmp_path / "dist", "--format", "pdf",
            "--styles", tmp_path / "styles-link")
    assert (tmp_path / "dist" / "a" / "a.pdf").is_file()

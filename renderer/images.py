"""Images: check that each figure's file is where it may be and is a real, sane image, and
prepare the copy the outputs carry (sized for offline reading, metadata stripped, cached by
content hash). The reader parses a figure's `src`; what is true of the file is judged here."""
from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import warnings
import zlib
from pathlib import Path, PurePosixPath

from PIL import Image, UnidentifiedImageError

from . import model as m
from .errors import RenderError
from .files import ocf_forbidden

MAX_PIXELS = 80_000_000  # 80 MP: far above any photo, far below a decompression bomb
FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "GIF": (".gif",), "WEBP": (".webp",)}


def image_file(source: Path, src: str, line: int, label: str) -> str:
    """`src` as the path of an image file inside the folder of the article `source`, else a
    RenderError at `line`: no URLs (nothing is ever fetched), no absolute paths, no '..', no
    name an EPUB cannot hold, no symbolic link out of the folder, and the file must be there.
    The reader calls it while parsing, so the first bad figure is the one reported."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", src) or src.startswith("//"):
        raise RenderError(source, line, f"{label}: 'src' is a URL; the renderer never fetches "
                          "anything: copy the image into the article folder and name it there")
    posix = PurePosixPath(src.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts:
        raise RenderError(source, line, f"{label}: 'src' points outside the article folder; "
                          "copy the image into the article folder and give a relative path")
    bad = ocf_forbidden(posix)
    if bad:
        raise RenderError(source, line, f"{label}: 'src' has {bad}, which EPUB file names may "
                          "not hold (nor Windows ones); rename the file without \" * : < > ? | "
                          "or control characters, not ending in '.', and change 'src' to match")
    folder = Path(source).parent.resolve()
    path = (folder / posix).resolve()
    if not path.is_relative_to(folder):
        raise RenderError(source, line, f"{label}: 'src' resolves outside the article folder "
                          "(a symbolic link?); copy the image into the article folder")
    if not path.is_file():
        raise RenderError(source, line, f"{label}: image file not found; check the 'src' path "
                          "(it is relative to the article folder)")
    return str(posix)


def inspect_images(doc: m.Document, article_dir: Path) -> dict[str, tuple[int, int]]:
    """Width and height of every figure's image; a broken or hostile file is a RenderError."""
    sizes: dict[str, tuple[int, int]] = {}
    for figure in doc.figures:
        if figure.src and figure.src not in sizes:  # a figure not preserved has no image
            sizes[figure.src] = _inspect(article_dir / figure.src, doc.source_path, figure)
    return sizes


def _inspect(path: Path, source: str, figure: m.Figure) -> tuple[int, int]:
    where = f"figure '{figure.src}'"
    if path.suffix.lower() == ".svg":
        raise RenderError(source, figure.line, f"{where} is SVG, which can carry scripts and "
                          "remote references; convert it to PNG")
    from PIL import ImageFile

    strict, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:  # WeasyPrint lets Pillow load truncated images; the check must not
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                size, fmt = image.size, image.format
                if size[0] * size[1] > MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image.verify()  # checks a PNG's chunks; a JPEG is checked below
            if fmt in FORMATS:  # other formats are refused below, undecoded
                _decode(path, fmt)
        if fmt == "JPEG" and not path.read_bytes().rstrip(b"\0").endswith(b"\xff\xd9"):
            raise OSError("the file ends before the image does")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RenderError(source, figure.line, f"{where} has too many pixels (limit "
                          f"{MAX_PIXELS // 1_000_000} MP); scale it down") from None
    except UnidentifiedImageError:
        raise RenderError(source, figure.line, f"{where} is not an image Pillow can read; "
                          "use a JPEG or PNG file") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise RenderError(source, figure.line, f"{where} is damaged or truncated ({exc}); "
                          "export the image again") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = strict
    if fmt not in FORMATS:
        raise RenderError(source, figure.line, f"{where} is {fmt}, not JPEG, PNG, GIF or WebP; "
                          "convert it")
    if path.suffix.lower() not in FORMATS[fmt]:
        raise RenderError(source, figure.line, f"{where} is a {fmt} file with the wrong "
                          f"extension; rename it to {FORMATS[fmt][0]}")
    return size


def _decode(path: Path, fmt: str):
    """Decode every pixel: chunks with good checksums can still hold too little image data
    (a short IDAT), which only decoding finds. The caller has checked the pixel count and
    turned off LOAD_TRUNCATED_IMAGES. A JPEG is decoded at 1/8 scale: every byte of its
    entropy-coded data is still read, at a fraction of the time and memory."""
    with Image.open(path) as image:
        if fmt == "JPEG":
            image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()
    if fmt == "PNG":
        _check_png_rows(path.read_bytes())


def _check_png_rows(data: bytes):
    """A PNG whose compressed data ends cleanly before the last row loads in Pillow as if
    whole (the missing rows black): count the decompressed bytes against what the header
    needs, streaming, so a small file cannot make a large buffer."""
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    bits = depth * {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour, 4)
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
              (0, 1, 1, 2)) if interlace else ((0, 0, 1, 1),)
    needed = 0
    for x0, y0, dx, dy in passes:
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            needed += rows * (1 + -(-(columns * bits) // 8))
    inflate, got, i = zlib.decompressobj(), 0, 8
    while i + 8 <= len(data) and got < needed:
        length = struct.unpack(">I", data[i:i + 4])[0]
        if data[i + 4:i + 8] == b"IDAT":
            chunk = data[i + 8:i + 8 + length]
            while chunk and got < needed:
                got += len(inflate.decompress(chunk, 1 << 20))
                chunk = inflate.unconsumed_tail
        i += 12 + length
    if got < needed:
        raise OSError(f"its pixel data stops after {got} of {needed} bytes")


# ---------------------------------------------------------------- preparing images for offline
DEFAULT_MAX_EDGE = 1600   # px: sharp on screen and in print at the column width
DEFAULT_QUALITY = 85
# Bump when prepare_image changes what it writes: cached copies are keyed by it, so a copy
# prepared by older code (which kept comments and text chunks) is never served again.
PREPARATION = "3"
# Modes every output takes as they are (PDF/A included: no DeviceCMYK, no 16-bit samples).
KEPT_MODES = ("1", "L", "LA", "P", "RGB", "RGBA")


def prepare_image(data: bytes, max_edge: int = DEFAULT_MAX_EDGE,
                  quality: int = DEFAULT_QUALITY) -> bytes:
    """A copy sized for offline reading: orientation applied, never upscaled, longest edge at
    most `max_edge`, in sRGB or grey, re-encoded in the same format with no metadata but the
    ICC profile (no EXIF, XMP, comments or text chunks: no location, device or name).
    Animations keep their first frame, as in the PDF.

    The exact file is kept only when its raw bytes hold nothing but the picture (see
    `metadata_segments`). Pure and deterministic: the same bytes and settings give the same
    bytes, so the result can be cached by hash and shared by the HTML, the PDF and the EPUB.
    """
    from PIL import ImageOps

    with Image.open(io.BytesIO(data)) as original:
        fmt = original.format
        orientation = original.getexif().get(0x0112, 1)
        width, height = original.size
        scale = max_edge / max(width, height)
        if scale >= 1 and orientation == 1 and original.mode in KEPT_MODES \
                and not metadata_segments(data, fmt):
            return data  # already small, plain and clean: keep the exact file
        icc = original.info.get("icc_profile")
        if scale < 1:
            target = (max(1, round(width * scale)), max(1, round(height * scale)))
            original.draft("RGB", target)  # a JPEG decodes straight at 1/2, 1/4… when it can
        image = ImageOps.exif_transpose(original) if orientation != 1 else original
        if scale < 1:
            size = target if orientation in (1, 2, 3, 4) else target[::-1]
            # An area average (box filter): at the 1–2× left after `draft` it looks the same
            # as bicubic (SSIM ≥ 0.985 on hard synthetic lines, 0.995 on a photo:
            # bench/images.py) at half the time, the largest part of preparing a photo.
            image = image.resize(size, Image.Resampling.BOX)
        image, icc = _plain_colours(image, icc)
        if fmt == "JPEG" and image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        return _encode(image, fmt, icc, quality, lossless=fmt == "WEBP" and "VP8L" in _webp_segments(data))


def _plain_colours(image, icc: bytes | None):
    """(image, ICC profile) in a mode all three outputs take: CMYK (and YCCK, which decodes to
    CMYK) becomes sRGB through its embedded profile when it has a usable one; 16-bit grey
    becomes 8-bit; other modes become RGB(A). A profile that no longer fits is dropped."""
    if image.mode == "CMYK":
        return _cmyk_to_srgb(image, icc), None
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        image = image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    elif image.mode not in KEPT_MODES:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return image, icc if icc and _icc_space(icc) == _SPACES.get(image.mode) else None


_SPACES = {"RGB": "RGB", "RGBA": "RGB", "P": "RGB", "L": "GRAY", "LA": "GRAY", "1": "GRAY"}


def _icc_space(icc: bytes) -> str:
    """The colour space an ICC profile describes ('RGB', 'CMYK', 'GRAY'…), or '' if unusable."""
    from PIL import ImageCms

    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.xcolor_space.strip()
    except (ImageCms.PyCMSError, OSError, ValueError):
        return ""


def _cmyk_to_srgb(image, icc: bytes | None):
    """sRGB from CMYK: through the embedded CMYK profile if there is one (as the printer meant
    the colours), else Pillow's plain conversion. PDF/A forbids DeviceCMYK without an output
    intent, and browsers and reading systems show CMYK JPEGs unreliably."""
    from PIL import ImageCms

    if icc and _icc_space(icc) == "CMYK":
        try:
            return ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                             ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return image.convert("RGB")


def _encode(image, fmt: str, icc: bytes | None, quality: int, lossless: bool) -> bytes:
    """Encode with nothing carried over from the source: Pillow copies a JPEG's or GIF's
    comment (and a GIF's loop extension) from `info`, so only transparency is kept there."""
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    options = {"icc_profile": icc} if icc else {}
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=quality, **options)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True, **options)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=quality, lossless=lossless, **options)
    else:
        image.save(out, fmt)
    return out.getvalue()


# ---------------------------------------------------------------- what a file holds, byte by byte
# Segments and chunks that carry only the picture, its colours (ICC) or its geometry.
PLAIN_SEGMENTS = {
    "JPEG": {"structure", "APP0:JFIF", "APP2:ICC_PROFILE", "APP14:Adobe"},
    "PNG": {"IHDR", "PLTE", "IDAT", "IEND", "iCCP", "gAMA", "cHRM", "sRGB", "pHYs", "tRNS"},
    "GIF": {"header", "graphic control", "image", "trailer"},
    "WEBP": {"VP8 ", "VP8L", "VP8X", "ALPH", "ICCP"},
}


def metadata_segments(data: bytes, fmt: str) -> list[str]:
    """The segments, chunks or extensions of an image file that are not plainly the picture:
    EXIF, XMP, IPTC, comments, text chunks, application extensions, thumbnails, further
    frames, bytes after the end. Read from the raw bytes, as Pillow's `info` misses some.
    A file this cannot walk is reported as one odd segment, so it is re-encoded."""
    walk = {"JPEG": _jpeg_segments, "PNG": _png_segments, "GIF": _gif_segments,
            "WEBP": _webp_segments}.get(fmt)
    if walk is None:
        return [f"{fmt} file"]
    try:
        return [s for s in walk(data) if s not in PLAIN_SEGMENTS[fmt]]
    except (IndexError, struct.error):
        return ["a damaged segment"]


def _jpeg_segments(data: bytes):
    if data[:2] != b"\xff\xd8":
        yield "no start of image"
        return
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            yield "bytes between segments"
            return
        while data[i] == 0xFF:  # fill bytes
            i += 1
        marker = data[i]
        i += 1
        if marker == 0xD9:  # end of image
            if data[i:].strip(b"\0"):
                yield "bytes after the end"
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # restart markers, TEM: no length
            yield "structure"
            continue
        length = struct.unpack(">H", data[i:i + 2])[0]
        body = data[i + 2:i + length]
        yield _jpeg_segment_name(marker, body)
        i += length
        if marker == 0xDA:  # start of scan: skip the entropy-coded data to the next marker
            while True:
                i = data.index(b"\xff", i)
                following = data[i + 1]
                if following == 0 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    i += 1
                    continue
                break
    yield "no end of image"


def _jpeg_segment_name(marker: int, body: bytes) -> str:
    if 0xE0 <= marker <= 0xEF:
        name = f"APP{marker - 0xE0}:" + body.split(b"\0", 1)[0][:16].decode("latin-1")
        if name == "APP0:JFIF" and body[12:14] != b"\0\0":
            return "APP0:JFIF thumbnail"  # a thumbnail may show what a crop removed
        return name
    if marker == 0xFE:
        return "COM"
    if 0xC0 <= marker <= 0xDF:  # SOFn, DHT, DAC, SOS, DQT, DNL, DRI, DHP, EXP
        return "structure"
    return f"marker {marker:02X}"


def _png_segments(data: bytes):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        yield "no PNG signature"
        return
    i = 8
    while i + 8 <= len(data):
        length = struct.unpack(">I", data[i:i + 4])[0]
        kind = data[i + 4:i + 8].decode("latin-1")
        yield kind
        i += 12 + length
        if kind == "IEND":
            if data[i:]:
                yield "bytes after the end"
            return
    yield "no IEND"


def _gif_segments(data: bytes):
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        yield "no GIF signature"
        return
    yield "header"
    flags = data[10]
    i = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = 0
    while i < len(data):
        block = data[i]
        if block == 0x3B:
            yield "trailer"
            if data[i + 1:].strip(b"\0"):
                yield "bytes after the end"
            return
        if block == 0x21:
            label = data[i + 1]
            if label == 0xFF:
                yield "application " + data[i + 3:i + 14].decode("latin-1")
            else:
                yield {0xF9: "graphic control", 0xFE: "comment"}.get(label, f"extension {label:02X}")
            i = _skip_sub_blocks(data, i + 2)
        elif block == 0x2C:
            frames += 1
            yield "image" if frames == 1 else "another frame"
            flags = data[i + 9]
            i += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
            i = _skip_sub_blocks(data, i + 1)  # after the LZW code size
        else:
            yield "bytes between blocks"
            return
    yield "no trailer"


def _skip_sub_blocks(data: bytes, i: int) -> int:
    while data[i]:
        i += data[i] + 1
    return i + 1


def _webp_segments(data: bytes):
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        yield "no WebP signature"
        return
    end = 8 + struct.unpack("<I", data[4:8])[0]
    if data[end:]:
        yield "bytes after the end"
    i = 12
    while i + 8 <= min(end, len(data)):
        kind = data[i:i + 4].decode("latin-1")
        length = struct.unpack("<I", data[i + 4:i + 8])[0]
        yield "another frame" if kind == "ANMF" else kind
        i += 8 + length + (length & 1)


def prepared_images(doc: m.Document, article_dir: Path, cache_dir: Path | None,
                    max_edge: int = DEFAULT_MAX_EDGE, quality: int = DEFAULT_QUALITY) -> dict[str, bytes]:
    """Each image's prepared bytes, once per file however many figures show it, from the cache
    (keyed by content hash, settings and the preparation's version) if there."""
    out = {}
    for figure in doc.figures:
        if not figure.src or figure.src in out:  # a figure not preserved has no image
            continue
        data = (article_dir / figure.src).read_bytes()
        key = hashlib.sha256(data + f"|{max_edge}|{quality}|{PREPARATION}".encode()).hexdigest()
        cached = cache_dir / f"{key}{Path(figure.src).suffix.lower()}" if cache_dir else None
        if cached is not None and cached.is_file():
            out[figure.src] = cached.read_bytes()
            continue
        out[figure.src] = prepare_image(data, max_edge, quality)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            temporary = cached.with_name(f".{cached.name}.{os.getpid()}.part")
            temporary.write_bytes(out[figure.src])
            os.replace(temporary, cached)
    return out


def image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size

"""Images: check that each figure's file is a real, sane image, and prepare the copy the
outputs carry (sized for offline reading, metadata stripped, cached by content hash)."""
from __future__ import annotations

import hashlib
import io
import os
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from . import model as m
from .errors import RenderError

MAX_PIXELS = 80_000_000  # 80 MP: far above any photo, far below a decompression bomb
FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "GIF": (".gif",), "WEBP": (".webp",)}


def inspect_images(doc: m.Document, article_dir: Path) -> dict[str, tuple[int, int]]:
    """Width and height of every figure's image; a broken or hostile file is a RenderError."""
    return {f.src: _inspect(article_dir / f.src, doc.source_path, f) for f in doc.figures if f.src}


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
        if fmt == "JPEG" and not path.read_bytes().rstrip(b"\0").endswith(b"\xff\xd9"):
            raise OSError("the file ends before the image does")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RenderError(source, figure.line, f"{where} has too many pixels (limit "
                          f"{MAX_PIXELS // 1_000_000} MP); scale it down") from None
    except UnidentifiedImageError:
        raise RenderError(source, figure.line, f"{where} is not an image Pillow can read; "
                          "use a JPEG or PNG file") from None
    except (OSError, SyntaxError, ValueError) as exc:
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


# ---------------------------------------------------------------- preparing images for offline
DEFAULT_MAX_EDGE = 1600   # px: sharp on screen and in print at the column width
DEFAULT_QUALITY = 85


def prepare_image(data: bytes, max_edge: int = DEFAULT_MAX_EDGE,
                  quality: int = DEFAULT_QUALITY) -> bytes:
    """A copy sized for offline reading: orientation applied, never upscaled, longest edge at
    most `max_edge`, re-encoded without EXIF (no location, no device), same format.

    Pure and deterministic: the same bytes and settings give the same bytes, so the result can
    be cached by hash and shared by the HTML, the PDF and the EPUB.
    """
    from PIL import ImageOps

    with Image.open(io.BytesIO(data)) as original:
        fmt = original.format
        orientation = original.getexif().get(0x0112, 1)
        width, height = original.size
        scale = max_edge / max(width, height)
        if scale >= 1 and orientation == 1 and not _has_metadata(original):
            return data  # already small and clean: keep the exact file
        if scale < 1:
            target = (max(1, round(width * scale)), max(1, round(height * scale)))
            original.draft("RGB", target)  # a JPEG decodes straight at 1/2, 1/4… when it can
        image = ImageOps.exif_transpose(original) if orientation != 1 else original
        if scale < 1:
            size = target if orientation in (1, 2, 3, 4) else target[::-1]
            image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
        out = io.BytesIO()
        if fmt == "JPEG":
            image.convert("RGB").save(out, "JPEG", quality=quality,
                                      icc_profile=original.info.get("icc_profile"))
        elif fmt == "PNG":
            image.save(out, "PNG", optimize=True)
        else:
            image.save(out, fmt)
        return out.getvalue()


def _has_metadata(image) -> bool:
    """EXIF, XMP or comments: what may carry a location, a device or a name."""
    return bool(image.getexif()) or any(
        k in image.info for k in ("exif", "xmp", "XML:com.adobe.xmp", "comment"))


def prepared_images(doc: m.Document, article_dir: Path, cache_dir: Path | None,
                    max_edge: int = DEFAULT_MAX_EDGE, quality: int = DEFAULT_QUALITY) -> dict[str, bytes]:
    """Each figure's prepared bytes, from the cache (keyed by content hash + settings) if there."""
    out = {}
    for figure in (f for f in doc.figures if f.src):  # a figure not preserved has no image
        data = (article_dir / figure.src).read_bytes()
        key = hashlib.sha256(data + f"|{max_edge}|{quality}".encode()).hexdigest()
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

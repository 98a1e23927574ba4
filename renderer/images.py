"""Images: check that each figure's file is a real, sane image before any writer sees it."""
from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from . import model as m
from .errors import RenderError

MAX_PIXELS = 80_000_000  # 80 MP: far above any photo, far below a decompression bomb
FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "GIF": (".gif",), "WEBP": (".webp",)}


def inspect_images(doc: m.Document, article_dir: Path) -> dict[str, tuple[int, int]]:
    """Width and height of every figure's image; a broken or hostile file is a RenderError."""
    return {f.src: _inspect(article_dir / f.src, doc.source_path, f) for f in doc.figures}


def _inspect(path: Path, source: str, figure: m.Figure) -> tuple[int, int]:
    where = f"figure '{figure.src}'"
    if path.suffix.lower() == ".svg":
        raise RenderError(source, figure.line, f"{where} is SVG, which can carry scripts and "
                          "remote references; convert it to PNG")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                size, fmt = image.size, image.format
                if size[0] * size[1] > MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image.verify()
            with Image.open(path) as image:
                image.load()  # verify() does not decode: a truncated JPEG only fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RenderError(source, figure.line, f"{where} has too many pixels (limit "
                          f"{MAX_PIXELS // 1_000_000} MP); scale it down") from None
    except UnidentifiedImageError:
        raise RenderError(source, figure.line, f"{where} is not an image Pillow can read; "
                          "use a JPEG or PNG file") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise RenderError(source, figure.line, f"{where} is damaged or truncated ({exc}); "
                          "export the image again") from None
    if fmt not in FORMATS:
        raise RenderError(source, figure.line, f"{where} is {fmt}, not JPEG, PNG, GIF or WebP; "
                          "convert it")
    if path.suffix.lower() not in FORMATS[fmt]:
        raise RenderError(source, figure.line, f"{where} is a {fmt} file with the wrong "
                          f"extension; rename it to {FORMATS[fmt][0]}")
    return size

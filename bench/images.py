"""Image preparation: time per photo and quality of the box filter against bicubic.

Preparing a camera photo (2400×1600 JPEG → 1600 px) was a quarter of an article's cost, most
of it the resize. `draft` cannot help there (it decodes a JPEG at 1/2, 1/4, 1/8 only, and
1600/2400 is more than 1/2), so the resize itself changed: bicubic (6 taps at this scale) →
box, an area average (3 taps). This prints both times and SSIM (8×8 windows, luma) of the
box result against the bicubic one, on the benchmark's synthetic photo (hard straight
lines: the worst case for aliasing) and on a photo-like picture (a fractal under noise and
blur). Run: `.venv/bin/python bench/images.py`.
"""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import photo  # noqa: E402

from renderer.images import prepare_image  # noqa: E402


def ssim(a: Image.Image, b: Image.Image, window: int = 8) -> float:
    x, y = (np.asarray(i.convert("L"), dtype=np.float64) for i in (a, b))
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    x, y = (sliding_window_view(v, (window, window))[::4, ::4] for v in (x, y))
    mx, my = x.mean((-1, -2)), y.mean((-1, -2))
    vx, vy = x.var((-1, -2)), y.var((-1, -2))
    cov = ((x - mx[..., None, None]) * (y - my[..., None, None])).mean((-1, -2))
    return float((((2 * mx * my + c1) * (2 * cov + c2))
                  / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))).mean())


def bicubic(data: bytes) -> bytes:
    """What prepare_image did before (PREPARATION 2), for a plain RGB JPEG."""
    with Image.open(io.BytesIO(data)) as image:
        target = (1600, round(1600 * image.size[1] / image.size[0]))
        image.draft("RGB", target)
        out = io.BytesIO()
        image.resize(target, Image.Resampling.BICUBIC, reducing_gap=3.0).save(out, "JPEG", quality=85)
        return out.getvalue()


def photo_like() -> bytes:
    image = Image.effect_mandelbrot((2400, 1600), (-2.2, -1.2, 1.0, 1.2), 120).convert("RGB")
    noise = Image.effect_noise((2400, 1600), 40).convert("RGB")
    image = Image.blend(image, noise, 0.25).filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def main():
    folder = Path("/tmp/bench-images")
    folder.mkdir(exist_ok=True)
    samples = {}
    for n in range(8):
        photo(folder / f"lines-{n}.jpg", n, 1 + n % 2)
        samples[f"lines-{n}"] = (folder / f"lines-{n}.jpg").read_bytes()
    samples["photo-like"] = photo_like()
    print("| picture | bicubic ms | box ms (prepare_image) | SSIM box vs bicubic |")
    print("|---|---:|---:|---:|")
    totals = [0.0, 0.0]
    for name, data in samples.items():
        started = time.process_time()
        old = bicubic(data)
        middle = time.process_time()
        new = prepare_image(data)
        done = time.process_time()
        totals[0] += middle - started
        totals[1] += done - middle
        score = ssim(Image.open(io.BytesIO(new)), Image.open(io.BytesIO(old)))
        print(f"| {name} | {(middle - started) * 1e3:.0f} | {(done - middle) * 1e3:.0f} | {score:.4f} |")
    print(f"\nspeed-up: {totals[0] / totals[1]:.2f}× (CPU time, {len(samples)} pictures)")


if __name__ == "__main__":
    main()

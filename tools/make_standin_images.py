"""Draw the stand-in photos for the default article: the originals were not captured.

Each is 2400×1600, visibly labelled as a stand-in, and names the original's title and VIRIN.
Run: .venv/bin/python tools/make_standin_images.py   (rewrites content/*/images/*.jpg)
"""
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
ARTICLE = Path(__file__).resolve().parent.parent / "content" / "dod-quds-force-commander"
STANDINS = {
    "standing-watch.jpg": ("Standing Watch", "VIRIN 200103-M-ZX256-1032Y", (62, 84, 110)),
    "night-watch.jpg": ("Night Watch", "VIRIN 191231-M-ZX256-1025Y", (24, 30, 52)),
}


def draw_standin(title: str, identifier: str, colour) -> Image.Image:
    """A flat, clearly labelled card: it must never be mistaken for the original photo."""
    image = Image.new("RGB", (2400, 1600), colour)
    draw = ImageDraw.Draw(image)
    for inset in range(0, 40, 8):
        draw.rectangle([60 + inset, 60 + inset, 2340 - inset, 1540 - inset], outline=(230, 200, 60))
    big, small = ImageFont.truetype(FONT, 150), ImageFont.truetype(FONT, 80)
    lines = [("STAND-IN IMAGE", big), ("original photo not captured", small),
             (title, big), (identifier, small)]
    y = 300
    for text, font in lines:
        width = draw.textlength(text, font=font)
        draw.text(((2400 - width) / 2, y), text, font=font, fill=(255, 255, 255))
        y += 260
    return image


if __name__ == "__main__":
    for name, (title, identifier, colour) in STANDINS.items():
        path = ARTICLE / "images" / name
        draw_standin(title, identifier, colour).save(path, "JPEG", quality=80, optimize=True)
        print(path, path.stat().st_size, "bytes")

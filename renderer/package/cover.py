"""The renderer's picture of an open book: the ZIM's 48×48 illustration, and the one image
OPDS 2.0 asks of every publication (the articles have no covers of their own)."""
from __future__ import annotations

import io

BLUE, WHITE = (22, 64, 120, 255), (255, 255, 255, 255)  # 4.5:1 and more


def draw_book(edge: int = 48) -> bytes:
    """An open book, white on a blue rounded square, `edge` pixels wide, as PNG: drawn on a
    48-pixel grid and scaled, so the same bytes every time."""
    from PIL import Image, ImageDraw

    s = edge / 48
    image = Image.new("RGBA", (edge, edge), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def at(points):
        return [(x * s, y * s) for x, y in points]

    draw.rounded_rectangle((0, 0, edge - 1, edge - 1), radius=8 * s, fill=BLUE)
    draw.polygon(at([(6, 12), (23, 15), (23, 38), (6, 35)]), fill=WHITE)
    draw.polygon(at([(25, 15), (42, 12), (42, 35), (25, 38)]), fill=WHITE)
    for y in (19, 24, 29):  # lines of text on each page
        draw.line(at([(9, y), (20, y + 1)]), fill=BLUE, width=max(1, round(s)))
        draw.line(at([(28, y + 1), (39, y)]), fill=BLUE, width=max(1, round(s)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()

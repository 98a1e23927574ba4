"""A page to look at braille by eye: the first pages of PEF files side by side, each row in
Unicode braille in a box of the volume's cells x rows, so that margins, centring, indents and
page numbers show. Not an output of the renderer: a proofing aid (README, "Braille editions").

Run: `.venv/bin/python tools/braille_preview.py dist/a/a.pef dist/b/b.pef --pages 3 -o p.html`,
then open p.html (or `chromium --headless --screenshot=p.png p.html`).
"""
from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

from lxml import etree

PEF = "{http://www.daisy.org/ns/2008/pef}"
STYLE = """body{font-family:sans-serif;margin:12px;background:#eee}
section{display:inline-block;vertical-align:top;margin:0 12px 12px 0}
h2{font-size:14px;margin:4px 0}
.page{background:#fff;border:1px solid #888;margin:0 0 8px;padding:4px;
font:16px/1.15 "DejaVu Sans",sans-serif;white-space:pre}
.page div{height:1.15em}"""


def preview(paths: list[Path], pages: int) -> str:
    parts = []
    for path in paths:
        document = etree.parse(str(path))
        volume = document.find(f".//{PEF}volume")
        cols, rows = int(volume.get("cols")), int(volume.get("rows"))
        shown = []
        for page in list(document.iter(f"{PEF}page"))[:pages]:
            lines = [row.text or "" for row in page.findall(f"{PEF}row")]
            lines += [""] * (rows - len(lines))
            # Every row padded with blank cells (U+2800) to the volume's width: all cells are
            # one glyph width, so the box is the page's width and a line that ran over shows.
            shown.append('<div class="page">%s</div>' % "".join(
                f"<div>{html.escape(line.ljust(cols, chr(0x2800)))}</div>" for line in lines))
        parts.append(f"<section><h2>{html.escape(path.name)}</h2>{''.join(shown)}</section>")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Braille preview'
            f"</title><style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pef", type=Path, nargs="+")
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("-o", "--out", type=Path, default=Path("braille-preview.html"))
    args = parser.parse_args()
    args.out.write_text(preview(args.pef, args.pages), encoding="utf-8")
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

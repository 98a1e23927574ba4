"""Every command that renders takes --styles: `build` renders the articles and the catalog with it."""
import shutil
from pathlib import Path

from renderer.build import STYLES
from renderer.cli import main

ROOT = Path(__file__).resolve().parent.parent
MARK = "/* styles-option-marker */"


def test_build_and_catalog_use_the_styles_folder(tmp_path):
    styles = tmp_path / "mine"
    shutil.copytree(STYLES, styles)
    with (styles / "screen.css").open("a", encoding="utf-8") as sheet:
        sheet.write(f"\n{MARK}\nbody {{ color: #111; }}\n")
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "dod-quds-force-commander", content / "dod-quds-force-commander")
    out = tmp_path / "dist"
    assert main(["build", str(content), "--out", str(out), "-j", "1", "--styles", str(styles)]) == 0
    assert MARK in (out / "index.html").read_text(encoding="utf-8")
    pages = list(out.glob("dod-quds-force-commander/*.html"))
    assert pages and MARK in pages[0].read_text(encoding="utf-8")


def test_default_styles_come_from_the_package_or_the_checkout():
    """A wheel carries renderer/styles; a source checkout uses its top-level styles/."""
    assert (STYLES / "base.css").is_file()
    assert STYLES.name == "styles"

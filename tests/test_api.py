"""The README's Python example runs as written, on the default article, from another folder."""
import os
import re
import shutil
import sys
from pathlib import Path

import pikepdf

import renderer

ROOT = Path(__file__).resolve().parent.parent


def _example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### From Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "content" / "dod-quds-force-commander",
                    tmp_path / "content" / "dod-quds-force-commander")
    monkeypatch.chdir(tmp_path)
    exec(compile(_example(), "README.md example", "exec"), {})
    printed = capsys.readouterr().out
    assert "figures" in printed
    out = tmp_path / "out" / "dod-quds-force-commander"
    [pdf] = out.glob("*.pdf")
    assert list(out.glob("*.epub")) and not list(out.glob("*.html"))
    with pikepdf.open(pdf) as document:
        assert "/StructTreeRoot" in document.Root


def test_public_names_resolve_lazily():
    assert set(renderer.__all__) <= set(dir(renderer))
    for name in renderer.__all__:
        assert getattr(renderer, name) is not None
    code = "import sys, renderer; print(sorted(m for m in sys.modules if m.startswith('renderer.')))"
    import subprocess
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout.strip() == "[]"

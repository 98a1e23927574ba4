"""Imports run one way: a module may import its own layer or a lower one, never a higher one.

The table is the architecture (README, "Layout"): helpers at the bottom, the reader, writers,
build, collection and CLI above, the QA tools (transcript, check) beside the top so that no
writer depends on them. The walk reads every module's imports with `ast`, including imports
inside functions (build imports the PDF writer lazily)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "renderer"

# Bottom → top. A subpackage (pdf, importer) is one entry: its modules share its layer.
# `renderer` is the root package as imported for NAME and __version__.
LAYERS = [
    {"renderer", "errors", "model", "lang", "provenance", "files", "limits", "confine", "outdir", "media",
     "l10n"},
    {"reader", "lint", "images", "reading"},
    {"html", "pdf", "epub", "narration", "braille"},
    {"build"},
    {"collection", "cluster", "package", "importer"},
    {"transcript", "check"},
    {"cli", "__main__"},
]


def layer_of(module: str) -> int:
    """The layer of a dotted module name under renderer ("renderer.pdf.text" → pdf's)."""
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else parts[0]
    for rank, layer in enumerate(LAYERS):
        if name in layer:
            return rank
    raise KeyError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")


def imports_of(path: Path, module: str, is_package: bool) -> set[str]:
    """The renderer modules `path` imports (absolute names), wherever the import stands."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "renderer"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "renderer":
                continue
            if node.module is None:  # `from . import model`: each name may be a module
                found |= {f"{target}.{a.name}" if _is_module(f"{target}.{a.name}") else target
                          for a in node.names}
            else:
                found.add(target)
    return found


def _is_module(dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative).is_dir()


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """'importer → imported' for every import of a higher layer, from {module: imports}."""
    return sorted(f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
                  for module, targets in graph.items() for target in targets
                  if layer_of(target) > layer_of(module))


def package_graph() -> dict[str, set[str]]:
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        is_package = relative.name == "__init__"
        module = ".".join(relative.parts[:-1] if is_package else relative.parts)
        graph[module] = imports_of(path, module, is_package)
    return graph


def test_no_module_imports_a_higher_layer():
    assert upward_imports(package_graph()) == []


def test_every_module_has_a_layer():
    for module in package_graph():
        layer_of(module)  # raises for a module nobody placed


def test_the_pdf_writer_does_not_import_the_qa_tools():
    imported = set().union(*(t for m, t in package_graph().items() if m.startswith("renderer.pdf")))
    assert not {t for t in imported if t.split(".")[1:2] in (["transcript"], ["check"])}


@pytest.mark.parametrize("graph, expected", [
    ({"renderer.reader": {"renderer.model", "renderer.errors"}}, []),
    ({"renderer.html": {"renderer.epub"}}, []),  # same layer: allowed by the table
    ({"renderer.pdf.tree": {"renderer.reader"}}, []),
    ({"renderer.pdf.text": {"renderer.transcript"}},
     ["renderer.pdf.text (layer 2) imports renderer.transcript (layer 5)"]),
    ({"renderer.model": {"renderer.html"}},
     ["renderer.model (layer 0) imports renderer.html (layer 2)"]),
    ({"renderer.build": {"renderer.cli"}, "renderer.cli": {"renderer.build"}},
     ["renderer.build (layer 3) imports renderer.cli (layer 6)"]),
])
def test_the_checker_flags_exactly_the_upward_imports(graph, expected):
    assert upward_imports(graph) == expected


def test_the_walk_resolves_relative_and_lazy_imports(tmp_path):
    """A planted upward import, hidden in a function of a module in a subpackage, is found."""
    fake = tmp_path / "fake.py"
    fake.write_text("import os\nfrom . import text\nfrom .. import model as m\n"
                    "from ..lang import direction_of\n"
                    "def later():\n    from ..transcript import said\n    import renderer.cli\n",
                    encoding="utf-8")
    found = imports_of(fake, "renderer.pdf.fake", False)
    assert found == {"renderer.pdf.text", "renderer.model", "renderer.lang",
                     "renderer.transcript", "renderer.cli"}
    assert upward_imports({"renderer.pdf.fake": found}) == [
        "renderer.pdf.fake (layer 2) imports renderer.cli (layer 6)",
        "renderer.pdf.fake (layer 2) imports renderer.transcript (layer 5)"]

"""Accessible document renderer: one article → screen-reader-friendly HTML, tagged PDF and EPUB 3.

The public API is what is accessible from this root package (as in WeasyPrint):

- `read_article(folder)`: an article folder (or its Markdown file) → the content model;
- `render_article(folder, out, Options(formats=("pdf",)))`: one article into `out/<slug>/`;
- `build_collection(content, out, Options())`: every article that changed, in parallel;
- `write_package(out, css, updated)`: the catalog, the OPDS feed and a BagIt bag of `out`;
- `transcribe(path)`: what a screen reader meets in a PDF, EPUB or HTML file.

Names are imported on first use (PEP 562), so `import renderer` stays cheap.
"""
__version__ = "0.1.0"
NAME = "renderer"

__all__ = ["Options", "STYLES", "RenderError", "read_article", "render_article",
           "build_collection", "write_package", "transcribe"]

_WHERE = {  # public name → (module, name in it)
    "Options": ("build", "Options"),
    "STYLES": ("build", "STYLES"),
    "RenderError": ("errors", "RenderError"),
    "read_article": ("reader", "read_article"),
    "render_article": ("build", "build_article"),
    "build_collection": ("collection", "build_collection"),
    "write_package": ("package", "write_package"),
    "transcribe": ("transcript", "transcript"),
}


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module
    module, attribute = _WHERE[name]
    value = getattr(import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
# `transcribe`, not `transcript`: importing the submodule renderer.transcript sets that attribute
# on this package, which would hide a function of the same name.

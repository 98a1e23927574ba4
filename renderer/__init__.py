"""Accessible document renderer: one article → screen-reader-friendly HTML, tagged PDF and EPUB 3.

Public API: `read_article` (source → model), `render_html`, `render_pdf`, `render_epub`,
and `build_article`, which does all of it into an output folder.
"""
__version__ = "0.1.0"
NAME = "renderer"

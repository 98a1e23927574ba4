"""The importer's parts: text escaped so the renderer's own reader reads it back unchanged,
credits and identifiers split from captions, image URLs resolved as a browser would,
metadata in its order of preference, slugs, and the faster text cleaner for readability."""
from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from renderer import model as m
from renderer.importer import markdown as md
from renderer.importer.extract import RID, fast_clean, prepare
from renderer.importer.figures import Figures, caption_nodes, parse_srcset, split_caption
from renderer.importer.metadata import normalise_language, read
from renderer.importer.sources import Capture
from renderer.importer.write import slugify
from renderer.reader import parse_article

FRONT = ("---\ntitle: T\nlanguage: en\npublished: 2020-01-03\npublisher: P\nrights: R\n---\n\n")
MARKUP = list("\\`*_[]<>{}|#+-=~!&.;:()\"'/@$%^?,0123456789") + [
    "a", "b", "Z", " ", "é", "€", "&amp;", "&#35;", "1. ", "- ", "# ", "> ", "```", "~~~", "***",
    "{lang=fr}", "[x](y)", "<http://a>", "![a](b)", "Table: ", "\u00a0", "_a_", "*b*", "\\"]


def reread(markdown_body: str) -> tuple:
    """The renderer's own reader on an article whose body is `markdown_body`."""
    return parse_article(FRONT + markdown_body + "\n", Path("x/article.md")).blocks


def normal(text: str) -> str:
    return " ".join(text.split(" ")).strip(" ")


text_strategy = st.lists(st.sampled_from(MARKUP), min_size=1, max_size=30).map("".join).map(
    lambda s: " ".join(s.split())).filter(bool)


@settings(max_examples=400, deadline=None)
@given(text_strategy)
def test_any_text_reads_back_as_the_same_text(text):
    blocks = reread(md.render_block(md.Para([("text", text)])))
    assert len(blocks) == 1 and isinstance(blocks[0], m.Paragraph)
    assert m.plain_text(blocks[0].children) == text


inline = st.deferred(lambda: st.one_of(
    text_strategy.map(lambda t: ("text", t)),
    text_strategy.map(lambda t: ("code", t)),
    st.tuples(st.just("em"), st.lists(inline, min_size=1, max_size=3)),
    st.tuples(st.just("strong"), st.lists(inline, min_size=1, max_size=3)),
    st.tuples(st.just("span"), st.sampled_from(["fr", "ar", "de-CH"]), st.just(""),
              st.lists(inline, min_size=1, max_size=3)),
))


def plain(nodes) -> str:
    out = []
    for node in nodes:
        if node[0] in ("text", "code"):
            out.append(node[1])
        elif node[0] in ("em", "strong"):
            out.append(plain(node[1]))
        elif node[0] == "span":
            out.append(plain(node[3]))
        elif node[0] == "link":
            out.append(plain(node[3]))
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.lists(inline, min_size=1, max_size=4),
       st.sampled_from(["https://example.org/a b(c)", "https://example.org/plain", "mailto:x@y.org"]))
def test_formatted_text_and_links_read_back_as_the_same_words(nodes, href):
    nodes = nodes + [("text", " see "), ("link", href, 'a "title"', [("text", "the source")])]
    from renderer.importer.convert import _normalise
    nodes = _normalise(nodes)
    blocks = reread(md.render_block(md.Para(nodes)))
    assert len(blocks) == 1
    code_free = "".join(" ".join(p.split()) for p in [plain(nodes)])
    assert " ".join(m.plain_text(blocks[0].children).split()) == " ".join(code_free.split())
    links = [n for n in blocks[0].children if isinstance(n, m.Link)]
    assert links[-1].href == href.replace(" ", "%20") or links[-1].href == href


def test_emphasis_links_spans_and_quotes_become_the_model_s_own():
    nodes = [("text", "A "), ("em", [("text", "fine")]), ("text", " and "),
             ("strong", [("text", "bold")]), ("text", " "), ("link", "https://example.org/", "",
                                                            [("text", "link")]),
             ("text", ", "), ("span", "fr", "", [("text", "la force")]), ("text", " and "),
             ("q", "", [("text", "a quote")]), ("text", "."), ("br",), ("text", "Next line.")]
    [paragraph] = reread(md.render_block(md.Para(nodes)))
    kinds = [type(n).__name__ for n in paragraph.children]
    assert kinds == ["Text", "Emphasis", "Text", "Strong", "Text", "Link", "Text", "Span", "Text",
                     "Quotation", "Text", "LineBreak", "Text"]
    assert paragraph.children[7].lang == "fr"


@pytest.mark.parametrize("text", ["# not a heading", "- not a list", "1. not a list",
                                  "2020) not a list either", "> not a quote", "=== not a rule",
                                  "--- not a rule", "```not a fence", "    four spaces",
                                  "{lang=fr} not attributes", "[a]: https://x not a definition",
                                  "<b>not html</b>", "&amp; not an entity", "a \\"])
def test_block_syntax_in_text_stays_text(text):
    body = md.render_block(md.Para([("text", text)])) + "\n\n" + \
        md.render_block(md.Para([("text", "x"), ("br",), ("text", text)]))
    first, second = reread(body)
    assert m.plain_text(first.children) == " ".join(text.split())
    assert m.plain_text(second.children) == "x\n" + " ".join(text.split())


def test_headings_lists_quotes_and_tables_read_back():
    blocks = [md.Heading(2, [("text", "Section #1 #")]),
              md.ListBlock(True, [[md.Para([("text", "one")])],
                                  [md.Para([("text", "two")]),
                                   md.ListBlock(False, [[md.Para([("text", "- nested")])]])]], 3),
              md.Quote([md.Para([("text", "> quoted")])], lang="de"),
              md.Table([[[("text", "A|B")], [("text", "C")]]], [[[("text", "1")], []]],
                       caption=[("text", "Caption")])]
    heading, ordered, quote, table = reread("\n\n".join(md.render_block(b) for b in blocks))
    assert m.plain_text(heading.children) == "Section #1 #"
    assert ordered.ordered and ordered.start == 3 and len(ordered.items) == 2
    nested = ordered.items[1].children[1]
    assert m.plain_text(nested.items[0].children[0].children) == "- nested"
    assert quote.lang == "de" and m.plain_text(quote.children[0].children) == "> quoted"
    assert m.plain_text(table.caption) == "Caption"
    assert [m.plain_text(c.children) for c in table.head[0]] == ["A|B", "C"]
    assert table.head[0][0].header and [m.plain_text(c.children) for c in table.body[0]] == ["1", ""]


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=80).map(lambda s: " ".join(s.split())).filter(bool))
def test_figure_fields_read_back_exactly(value):
    block = md.render_block(md.Figure({"src": "images/a.jpg", "alt": value, "caption": value,
                                       "todo": [value, "second"]}))
    content = block.split("\n", 1)[1].rsplit("\n", 1)[0]
    data = yaml.safe_load(content)
    assert data["alt"] == data["caption"] == value and data["todo"] == [value, "second"]
    assert not any(line.startswith("```") for line in content.splitlines())


# ---------------------------------------------------------------- captions
@pytest.mark.parametrize("text, caption, label, credit", [
    ("A Marine stands guard. Photo By: Marine Corps Sgt. Kyle Talbot VIRIN: 200103-M-ZX256-1032Y",
     "A Marine stands guard.", "Photo By", "Marine Corps Sgt. Kyle Talbot"),
    ("Protesters gather in Seoul. (Photo by Jane Doe/Reuters)", "Protesters gather in Seoul.",
     "Photo by", "Jane Doe/Reuters"),
    ("The president speaks. (AP Photo/Evan Vucci)", "The president speaks.", "", "AP Photo/Evan Vucci"),
    ("The harbor at dawn. Chip Somodevilla / Getty Images", "The harbor at dawn.", "",
     "Chip Somodevilla / Getty Images"),
    ("The launch pad. Credit: NASA", "The launch pad.", "Credit", "NASA"),
    ("A quiet street. Courtesy of the City Archive", "A quiet street.", "",
     "Courtesy of the City Archive"),
    ("Sunset over the bay. © Jane Doe 2019", "Sunset over the bay.", "", "© Jane Doe 2019"),
    ("Photo: John Smith", "", "Photo", "John Smith"),
    ("The photo shows a street in Paris.", "The photo shows a street in Paris.", None, None),
    ("Photograph of the harbor, 1920.", "Photograph of the harbor, 1920.", None, None),
])
def test_credits_are_split_from_captions_by_known_patterns(text, caption, label, credit):
    facts = split_caption(text)
    assert facts["caption"] == caption
    assert facts.get("credit_label", None if credit is None else "") == label
    assert facts.get("credit") == credit


def test_virin_is_split_out_as_the_identifier():
    facts = split_caption("Marines at night. VIRIN: 191231-M-ZX256-1025Y Photo By: Sgt. Kyle Talbot")
    assert (facts["identifier_label"], facts["identifier"]) == ("VIRIN", "191231-M-ZX256-1025Y")
    assert facts["caption"] == "Marines at night." and facts["credit"] == "Sgt. Kyle Talbot"


def figures_of(html: str, base="https://example.org/news/page.html"):
    tree = lxml.html.document_fromstring(html)
    prepare(tree)
    original = {e.get(RID): e for e in tree.iter() if isinstance(e.tag, str)}
    return tree, Figures(original, base, None, Path("."))


def test_image_urls_resolve_as_a_browser_would():
    tree, figures = figures_of(
        '<html><body><picture><source type="image/avif" srcset="a.avif 3000w">'
        '<source srcset="b-800.jpg 800w, b-1600.jpg 1600w"><img src="data:image/gif;base64,R0lGOD" '
        'data-src="/c.jpg" alt="x"></picture>'
        '<img id="two" src="lazy-placeholder.gif" data-srcset="d.jpg 1x, d@2x.jpg 2x"></body></html>')
    first, second = tree.iter("img")
    assert figures.candidates(first) == ["https://example.org/news/b-1600.jpg",
                                         "https://example.org/news/b-800.jpg",
                                         "https://example.org/c.jpg", "data:image/gif;base64,R0lGOD"]
    assert figures.candidates(second)[:2] == ["https://example.org/news/d@2x.jpg",
                                              "https://example.org/news/d.jpg"]
    assert parse_srcset("a.jpg 480w, b.jpg 1200w,c.jpg 800w") == [("a.jpg", 480.0), ("b.jpg", 1200.0),
                                                                 ("c.jpg", 800.0)]


def test_tracking_pixels_icons_and_logos_are_dropped_decorative_kept():
    tree, figures = figures_of(
        '<html><body><img src="/pixel.gif?x=1" width="1" height="1" alt="">'
        '<img class="site-logo" src="/brand.png" alt="Example News">'
        '<img class="avatar" src="/u/1.jpg" alt="Jane">'
        '<img src="/divider.png" alt="">'
        '<img src="/photo.jpg" role="presentation">'
        '<img src="/photo2.jpg" alt="  A  dog\n on a beach ">'
        '</body></html>')
    outcomes = [figures.of(img) for img in tree.iter("img")]
    assert [o.dropped for o in outcomes[:3]] == ["a tracking pixel", "an icon, logo or avatar",
                                                 "an icon, logo or avatar"]
    # decorative, and the capture holds nothing here: nothing worth keeping
    assert outcomes[3].figure is None and outcomes[3].dropped.startswith("a decorative image")
    assert outcomes[4].figure is None and outcomes[4].dropped.startswith("a decorative image")
    assert outcomes[5].figure.fields["alt"] == "A dog on a beach"  # whitespace normalised only


def test_caption_is_found_in_markup_beside_the_image():
    tree, _ = figures_of(
        '<html><body><div class="wp-caption"><img src="a.jpg" alt="A">'
        '<p class="wp-caption-text">The caption.</p></div>'
        '<figure><img src="b.jpg" alt="B"><img src="c.jpg" alt="C"><figcaption>Both.</figcaption></figure>'
        '</body></html>')
    a, b, c = tree.iter("img")
    assert [e.text_content() for e in caption_nodes(a)] == ["The caption."]
    assert caption_nodes(b) == []  # a gallery's caption goes with its last image
    assert [e.text_content() for e in caption_nodes(c)] == ["Both."]


# ---------------------------------------------------------------- metadata
def meta_of(head: str, body: str = "<p>Text.</p>", url="https://news.example.org/a/",
            provenance=None, html_attrs='lang="en"'):
    tree = lxml.html.document_fromstring(f"<html {html_attrs}><head>{head}</head><body>{body}</body></html>")
    capture = Capture(html=b"", url=url, base_url=url, where="x", provenance=provenance or {})
    return read(tree, capture, tree.text_content())


def test_title_prefers_json_ld_then_opengraph_then_meta_then_title():
    jsonld = ('<script type="application/ld+json">{"@context": "https://schema.org", '
              '"@type": "NewsArticle", "headline": "From JSON-LD"}</script>')
    og = '<meta property="og:title" content="From OpenGraph">'
    dc = '<meta name="dc.title" content="From Dublin Core">'
    title = "<title>From the title | Example News</title>"
    site = '<meta property="og:site_name" content="Example News">'
    assert meta_of(jsonld + og + dc + title).front["title"] == "From JSON-LD"
    assert meta_of(og + dc + title).front["title"] == "From OpenGraph"
    assert meta_of(dc + title).front["title"] == "From Dublin Core"
    assert meta_of(title + site).front["title"] == "From the title"
    assert meta_of('<meta property="og:title" content="Headline - Example News">' + site) \
        .front["title"] == "Headline"


def test_dates_languages_publishers_and_what_was_guessed():
    meta = meta_of('<meta property="article:published_time" content="2021-11-01T10:52:50+0100">'
                   '<meta property="og:site_name" content="Aktuálně.cz">', html_attrs='lang="cs_CZ"')
    assert str(meta.front["published"]) == "2021-11-01" and meta.front["language"] == "cs-CZ"
    assert meta.front["publisher"] == "Aktuálně.cz" and meta.guessed == []
    meta = meta_of("<title>Bonjour</title>", body="<p>" + "Ceci est un texte en français, "
                   "écrit pour que la langue soit reconnue sans le moindre doute. " * 3 + "</p>",
                   provenance={"captured": "2019-05-06T07:08:09Z"}, html_attrs="")
    assert meta.front["language"] == "fr" and str(meta.front["published"]) == "2019-05-06"
    assert meta.front["publisher"] == "news.example.org"
    assert any("recognised from the text" in g for g in meta.guessed)
    assert any("capture date" in g for g in meta.guessed)
    assert any("host name" in g for g in meta.guessed)
    assert normalise_language("en_US") == "en-US" and normalise_language("x-default") == ""


def test_slugs_are_ascii_and_fall_back_to_the_url():
    assert slugify("Senior DOD Official Describes Rationale for Attack on Quds Force Commander") == \
        "senior-dod-official-describes-rationale-for-attack-on-quds"
    assert slugify("West Ham hrozí gigantům") == "west-ham-hrozi-gigantum"
    assert slugify("深度学习", "https://tech.qq.com/a/20161014/deepmind.htm") == "deepmind"
    assert slugify("", "") == "article"


# ---------------------------------------------------------------- readability's cleaner
@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([" ", "\n", "\t", "\r", "\xa0", "\u2028", "\x0b", "a", "b c",
                                 " " * 300, "\t" * 40, "\n \n", "  \n  "]), max_size=40).map("".join))
def test_fast_clean_is_readability_s_clean(text):
    import readability.readability as module

    original = getattr(module, "original_clean", module.clean)
    assert fast_clean(text) == original(text)


def test_a_few_stray_bytes_are_damage_many_are_a_wrong_charset():
    from renderer.importer.extract import PageError, decode

    page = ('<html><head><meta charset="utf-8"></head><body><p>' + "word " * 2000 +
            "</p></body></html>").encode()
    text, note = decode(page[:500] + b"\xe9" + page[500:])
    assert "\ufffd" in text and "1 stray byte(s) (the first at offset 500)" in note
    with pytest.raises(PageError, match=r"byte 23 \(0xE9\) is not utf-8, and at least 8 more"):
        decode(('<meta charset=utf-8>' + "caf\xe9 " * 50).encode("cp1252"))
    text, note = decode(b"<meta charset=iso-8859-1><p>caf\xe9 \x81</p>")  # as browsers read it
    assert text.endswith("café \x81</p>") and note == ""

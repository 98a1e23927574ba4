"""The field loader (front matter, figure blocks): every refusal names the line where the key or
value is written, taken from YAML's own node marks, not from a search of the text.

Each article is written as a list of lines, so the expected line is the list index + 1,
counted by hand in the comments. The reader runs in-process on a real folder with a real JPEG.
"""
from __future__ import annotations

import os
import shutil

import pytest

from conftest import CORPUS
from renderer.errors import RenderError
from renderer.reader import OPTIONAL_META, REQUIRED_META, read_article

PHOTO = CORPUS / "good" / "everything" / "images" / "river.jpg"
FRONT = ["---",                      # 1
         "title: A test article",    # 2
         "language: en",             # 3
         "published: 2020-01-03",    # 4
         "publisher: Test Press",    # 5
         "rights: Public domain",    # 6
         "---",                      # 7
         ""]                         # 8: the body starts on line 9
FIGURE = ["```figure",               # 9
          "src: images/photo.jpg",   # 10
          "alt: Boats on a river."]  # 11


def refusal(tmp_path, lines) -> RenderError:
    """The reader's refusal of an article made of `lines` (with images/photo.jpg beside it)."""
    (tmp_path / "images").mkdir(exist_ok=True)
    shutil.copyfile(PHOTO, tmp_path / "images" / "photo.jpg")
    (tmp_path / "article.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        read_article(tmp_path)
    return caught.value


def front(*rows):
    """FRONT with `rows` added before its closing '---' (the first added row is line 7)."""
    return FRONT[:6] + list(rows) + FRONT[6:]


# ---------------------------------------------------------------- a key inside a multi-line value
def test_front_matter_key_spelled_inside_an_earlier_value(tmp_path):
    """'author:' at the start of a line inside a quoted description is text, not the key:
    the list on line 9 is the wrong value (a search of the text said line 8)."""
    error = refusal(tmp_path, front('description: "A summary that runs on,',  # 7
                                    'author: as long descriptions do"',      # 8
                                    "author: [Jane, John]"))                  # 9
    assert (error.line, error.message) == (9, "'author' must be text, not a list or mapping; "
                                              "write it on one line after the colon")


def test_figure_key_spelled_inside_an_earlier_value(tmp_path):
    error = refusal(tmp_path, FRONT + ["```figure",                       # 9
                                       "src: images/photo.jpg",           # 10
                                       'caption: "Boats at dawn,',        # 11
                                       'decorative: from the bridge"',   # 12
                                       "decorative: maybe",               # 13
                                       "alt: Boats.",                     # 14
                                       "```"])
    assert error.line == 13 and "'decorative' must be true or false" in error.message


# ---------------------------------------------------------------- wrong types, at their line
def test_nested_mapping_value_after_a_key_spelled_in_a_value(tmp_path):
    """The mapping on line 14 is the wrong 'credit' (a search of the text said line 13)."""
    error = refusal(tmp_path, FRONT + FIGURE + ['caption: "Boats at dawn,',                   # 12
                                                'credit: seen from the bridge"',             # 13
                                                "credit: {name: Jane, role: photographer}",  # 14
                                                "```"])
    assert (error.line, error.message) == (14, "figure 1: 'credit' must be text; write it on "
                                               "one line after the colon")


def test_wrong_typed_value_after_a_flow_mapping_across_lines(tmp_path):
    """'source:' opens line 8 inside the flow mapping of 'notice' (a search said line 8)."""
    error = refusal(tmp_path, front("notice: {text: Kept,",    # 7
                                    "source: elsewhere}",       # 8
                                    "source: [a, b]"))          # 9
    # 'source' is checked before 'notice', so the list on line 9 is refused first
    assert error.line == 9 and "'source' must be text" in error.message


def test_nested_block_mapping_is_refused_at_its_key(tmp_path):
    """Regression guard (the old search found this line too): a mapping under a key is
    reported at the key, where 'key: text' belongs, not at its first nested line."""
    error = refusal(tmp_path, front("author:",           # 7
                                    "  name: Jane",      # 8
                                    "  role: writer"))   # 9
    assert error.line == 7 and "'author' must be text" in error.message


def test_figure_list_value_is_refused_at_its_key(tmp_path):
    """Regression guard, as above, for a figure: the list starts on line 13, the key is on 12."""
    error = refusal(tmp_path, FRONT + FIGURE + ["title:",        # 12
                                                "  - Boats",     # 13
                                                "  - River",     # 14
                                                "```"])
    assert error.line == 12 and "figure 1: 'title' must be text" in error.message


# ---------------------------------------------------------------- a value below its key
def test_value_on_the_line_below_its_key(tmp_path):
    error = refusal(tmp_path, FRONT[:3] + ["published:",       # 4
                                           "  2020-13-45"]     # 5
                    + FRONT[4:])
    assert error.line == 5 and "'published' is '2020-13-45', not a date" in error.message


def test_escaped_control_character_in_a_value_below_its_key(tmp_path):
    error = refusal(tmp_path, FRONT + FIGURE + ["caption:",                 # 12
                                                '  "Boats \\x1b at dawn"',  # 13
                                                "```"])
    assert error.line == 13 and "figure 1: 'caption' holds the control character U+001B" \
        in error.message


def test_figure_id_below_its_key(tmp_path):
    error = refusal(tmp_path, FRONT + FIGURE + ["id:",            # 12
                                                "  two words",    # 13
                                                "```"])
    assert error.line == 13 and "id 'two words' is not a valid identifier" in error.message


# ---------------------------------------------------------------- keys a search could not see
@pytest.mark.parametrize("row", ['"colour": blue', "colour.name: blue", "photo credit: Jane",
                                 "? colour\n: blue"],
                         ids=["quoted", "dotted", "space-in-key", "explicit-key"])
def test_unknown_figure_key_of_any_spelling(tmp_path, row):
    error = refusal(tmp_path, FRONT + FIGURE + ["title: Boats",   # 12
                                                row,              # 13
                                                "```"])
    assert error.line == 13 and "figure 1: unknown figure field" in error.message


def test_unknown_key_in_an_indented_front_matter(tmp_path):
    """YAML allows the whole mapping indented; the key is on line 7 (the search, which
    wanted a key at the start of the line, said line 1)."""
    error = refusal(tmp_path, ["---"] + [" " + row for row in FRONT[1:6]]
                    + [" titel: x", "---", "", "Text."])
    assert error.line == 7 and "unknown front-matter field 'titel'" in error.message


def test_whole_message_names_file_and_line(tmp_path):
    error = refusal(tmp_path, front('"colour": blue'))  # 7
    assert str(error) == (f"{tmp_path / 'article.md'}:7: unknown front-matter field 'colour'; "
                          "valid fields are " + ", ".join(REQUIRED_META + OPTIONAL_META))


# ---------------------------------------------------------------- the file checks, in images.py
def test_image_file_judges_a_path_without_the_reader(tmp_path):
    """The file checks live in renderer.images and work on a path alone."""
    from renderer.images import image_file  # here, so the other tests run on the old code too

    source = tmp_path / "article" / "article.md"
    (source.parent / "images").mkdir(parents=True)
    shutil.copyfile(PHOTO, source.parent / "images" / "photo.jpg")
    os.symlink(PHOTO, source.parent / "images" / "out.jpg")
    assert image_file(source, "images\\photo.jpg", 3, "figure 1") == "images/photo.jpg"
    for src, words in [("images/out.jpg", "resolves outside the article folder"),
                       ("images/none.jpg", "image file not found"),
                       ("../photo.jpg", "points outside the article folder"),
                       ("https://example.org/a.jpg", "is a URL")]:
        with pytest.raises(RenderError) as caught:
            image_file(source, src, 12, "figure 2 (x)")
        assert caught.value.line == 12 and caught.value.path == str(source)
        assert caught.value.message.startswith("figure 2 (x): ") and words in caught.value.message

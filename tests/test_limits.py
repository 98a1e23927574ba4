"""Input limits (renderer/limits.py): an article that would hold a worker for minutes or take
gigabytes is refused at once, with one line `path:line: what; how`, exit 2 and nothing written.

Each test checks the refusal (its line and words), not a time: before the limits these inputs
rendered, slowly (a 50,000-character word took 64 s, 100,000 `[` 117 s, a 10,000-column table
917 MB). Where a limit has an edge, the test also reads the largest input it accepts, so the
limit is where the README says.
"""
from __future__ import annotations

from renderer.reader import parse_article

from conftest import FRONT, assert_refused, make_article

# The limits the README documents (renderer/limits.py), written out so that this file also
# runs, and fails, against a renderer without them.
MAX_WORD, MAX_COLUMNS, MAX_ELEMENTS = 1_000, 100, 10_000
BODY_LINE = FRONT.count("\n") + 1  # the first line after the front matter


def refused(tmp_path, text, line, *words):
    return assert_refused(make_article(tmp_path / "article", text), tmp_path / "dist", line, *words)


def accepted(tmp_path, text):
    """The reader takes `text` (the largest input a limit lets through; rendering it would
    cost the test the layout time the limit is about)."""
    assert parse_article(text, tmp_path / "accepted" / "article.md").blocks


def test_a_word_of_fifty_thousand_characters(tmp_path):
    text = FRONT + "Intro.\n\nBefore " + "a" * 50_000 + " after.\n"
    message = refused(tmp_path, text, BODY_LINE + 2, "word of 50,000 characters", "1,000",
                      "break it with spaces")
    assert "aaaaaaaaaa" in message and len(message) < 400  # a start of the word, not all of it
    accepted(tmp_path, FRONT + "Before " + "a" * MAX_WORD + " after.\n")


def test_a_hundred_thousand_brackets(tmp_path):
    """markdown-it reads them in 2 s (linear); it was WeasyPrint laying out one 100,000-character
    word, line by line, that took 117 s."""
    refused(tmp_path, FRONT + "[" * 100_000 + "\n", BODY_LINE, "word of 100,000 characters")


def test_a_word_split_by_markup_is_still_one_word(tmp_path):
    text = FRONT + "One line.\nx" + "a" * 600 + "`" + "b" * 600 + "`*" + "c" * 10 + "*\n"
    refused(tmp_path, text, BODY_LINE + 1, "word of 1,211 characters")


def test_a_long_word_in_the_title_caption_or_code(tmp_path):
    word = "z" * 2_000
    title = FRONT.replace("title: A test article", f"title: A {word}")
    refused(tmp_path / "title", title + "Text.\n", 2, "word of 2,000 characters")
    figure = (FRONT + "Text.\n\n```figure\nsrc: images/photo.jpg\nalt: Boats.\n"
              f"caption: Boats {word}\n```\n")
    refused(tmp_path / "figure", figure, BODY_LINE + 5, "word of 2,000 characters")
    code = FRONT + "Text.\n\n```\nshort line\n" + word + "\n```\n"
    refused(tmp_path / "code", code, BODY_LINE + 4, "word of 2,000 characters")


def test_a_paragraph_over_ten_thousand_characters(tmp_path):
    """Words wider than a line cost the rest of their paragraph per line: 40,000 characters of
    200-letter words took 30 s, and the cost grows with the square of the paragraph."""
    sentence = "The archive keeps every word of this sentence. "  # 47 characters
    text = FRONT + "Intro.\n\n" + sentence * 213 + "\n"  # 10,011 characters
    refused(tmp_path, text, BODY_LINE + 2, "this paragraph has 10,010 characters", "10,000",
            "blank line")
    accepted(tmp_path, FRONT + "x" * 10 + sentence * 212 + "\n")  # 9,974 characters


def test_a_table_cell_or_heading_over_the_limit_is_named(tmp_path):
    cell = "word " * 2_100
    table = FRONT + "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | " + cell + "|\n"
    refused(tmp_path / "cell", table, BODY_LINE + 3, "this table cell has")
    refused(tmp_path / "heading", FRONT + "## " + cell + "\n", BODY_LINE, "this heading has")


def test_a_table_of_ten_thousand_columns(tmp_path):
    def table(columns):
        return ("Text.\n\n|" + "|".join(f"c{i}" for i in range(columns)) + "|\n|"
                + "-|" * columns + "\n|" + "|".join(str(i) for i in range(columns)) + "|\n")
    refused(tmp_path, FRONT + table(10_000), BODY_LINE + 2, "more than 100 columns",
            "narrower tables")
    accepted(tmp_path, FRONT + table(MAX_COLUMNS))


def test_too_many_elements(tmp_path):
    """10,000 one-letter list items took 30 s and 540 MB: each element costs layout time and
    memory. The list is element 1; item k is element k + 1, on line BODY_LINE + k - 1."""
    items = "".join(f"- {n}\n" for n in range(MAX_ELEMENTS))
    refused(tmp_path, FRONT + items, BODY_LINE + MAX_ELEMENTS - 1,
            "more than 10,000 elements", "several articles")
    accepted(tmp_path, FRONT + items[items.index("\n") + 1:])  # one item fewer: at the limit


def test_links_and_emphasis_count_as_elements(tmp_path):
    text = FRONT + "Intro.\n\n" + "*a* [b](https://example.org) " * 5_000 + "\n"
    refused(tmp_path, text, BODY_LINE + 2, "more than 10,000 elements")


def test_a_file_over_half_a_megabyte(tmp_path):
    paragraph = "The archive keeps every word of this sentence, and of the next one too. " * 50
    text = FRONT + "\n\n".join([paragraph] * 140) + "\n"  # 140 ordinary paragraphs
    size = len(text.encode("utf-8"))
    assert 500_000 < size < 520_000
    message = refused(tmp_path, text, None, "500,000", "split")
    assert message.startswith(f"{tmp_path / 'article' / 'article.md'}: the file is {size:,} bytes")
    accepted(tmp_path, FRONT + "\n\n".join([paragraph] * 136) + "\n")  # 489,981 bytes


def test_limits_hold_inside_notices(tmp_path):
    """The reader parses a notice's body on its own: the limits look inside it too, and name
    the line in the file."""
    wide = "|" + "|".join("x" * 101) + "|\n|" + "-|" * 101 + "\n"
    text = FRONT + "Text.\n\n````notice Note\nSome words.\n\n```notice Inner\n" + wide + "```\n````\n"
    refused(tmp_path, text, BODY_LINE + 6, "more than 100 columns")


def test_emphasis_nested_deeply(tmp_path):
    """500 nested asterisks overflowed Python's stack (an internal error, exit 1)."""
    refused(tmp_path, FRONT + "*" * 500 + "a" + "*" * 500 + "\n", BODY_LINE, "nested", "limit is 20")
    accepted(tmp_path, FRONT + "*" * 40 + "a" + "*" * 40 + "\n")  # 20 levels of strong
    refused(tmp_path / "one-more", FRONT + "*" * 42 + "a" + "*" * 42 + "\n", BODY_LINE, "nested")

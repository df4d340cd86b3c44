"""Tests for model.text: sentence splitting with offsets into plain text, HTML and Markdown."""

from __future__ import annotations

import html
import re
import time
import unicodedata
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.errors import InputError
from model.text import (
    MAX_SENTENCE_CHARS,
    Format,
    Sentence,
    sniff_format,
    split_sentences,
    visible_text,
)

# ------------------------------------------------------------------ helpers


def texts(source: str, fmt: Format = "text") -> list[str]:
    """Sentence texts only, for compact expectations."""
    return [s.text for s in split_sentences(source, fmt)]


def slices(source: str, fmt: Format = "text") -> list[str]:
    """The source slices the sentences point at."""
    return [source[s.start : s.end] for s in split_sentences(source, fmt)]


def assert_well_formed(source: str, sentences: list[Sentence]) -> None:
    """Spans are ordered, disjoint, inside the source and trimmed; texts are bounded."""
    previous_end = 0
    for s in sentences:
        assert previous_end <= s.start < s.end <= len(source), (s, previous_end)
        assert not source[s.start].isspace() and not source[s.end - 1].isspace()
        assert s.text and s.text == " ".join(s.text.split())
        assert re.search(r"[^\W_]", s.text), s
        assert len(s.text) <= MAX_SENTENCE_CHARS
        previous_end = s.end


def is_extender(ch: str) -> bool:
    """Characters that belong to the grapheme cluster before them."""
    return unicodedata.category(ch)[0] == "M" or ch in "\u200c\u200d" or "\U0001f3fb" <= ch <= "\U0001f3ff"


def letters_in_order(text: str, fragment: str) -> bool:
    """Every letter and digit of ``text`` appears in the decoded ``fragment``, in order."""
    remaining = iter(html.unescape(fragment))
    return all(ch in remaining for ch in text if ch.isalnum())


def html_reference(fragment: str) -> str:
    """Visible text of an HTML fragment, computed independently of the module."""
    fragment = re.sub(r"<!--.*?-->", "", fragment, flags=re.DOTALL)
    fragment = re.sub(r"<(script|style|noscript|template)\b[^>]*>.*?</\1>", "", fragment, flags=re.DOTALL)
    fragment = re.sub(r"<[^>]*>", "", fragment)
    return " ".join(html.unescape(fragment).split())


def markdown_reference(fragment: str) -> str:
    """Visible text of a Markdown fragment built from the ``MD_LINE`` strategy."""
    fragment = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", fragment)
    fragment = re.sub(r"\]\([^)]*\)", "", fragment).replace("[", "")
    fragment = re.sub(r"\n[ \t]*(?:>[ \t]*)*", " ", fragment)
    fragment = re.sub(r"</?[a-z]+>", "", fragment)
    fragment = re.sub(r"\*+|_+|~~|`+", "", fragment)
    return " ".join(html.unescape(fragment).split())


# --------------------------------------------------------------- plain text


def test_plain_abbreviations_decimals_and_quotes() -> None:
    source = (
        "Dr. Smith recommends 2.5 mg daily. It works e.g. for adults. Ask your doctor! "
        'She said "Take it daily." Then she left. Made in the U.S. by Acme Inc. since 1990.'
    )
    assert texts(source) == [
        "Dr. Smith recommends 2.5 mg daily.",
        "It works e.g. for adults.",
        "Ask your doctor!",
        'She said "Take it daily."',
        "Then she left.",
        "Made in the U.S. by Acme Inc. since 1990.",
    ]
    assert slices(source) == texts(source)


def test_plain_more_abbreviations() -> None:
    source = (
        "Take 1 capsule at 8 a.m. with food. Results vary, i.e. not everyone benefits. "
        "Costs approx. 20 dollars vs. 40 elsewhere, etc. and more. See Fig. 3 and No. 5 here."
    )
    assert texts(source) == [
        "Take 1 capsule at 8 a.m. with food.",
        "Results vary, i.e. not everyone benefits.",
        "Costs approx. 20 dollars vs. 40 elsewhere, etc. and more.",
        "See Fig. 3 and No. 5 here.",
    ]


def test_plain_initials_but_not_vitamins() -> None:
    source = "J. K. Rowling wrote it. Take vitamin D. It helps. Take vitamins C and E. Answer: No. It is not."
    assert texts(source) == [
        "J. K. Rowling wrote it.",
        "Take vitamin D.",
        "It helps.",
        "Take vitamins C and E.",
        "Answer: No.",
        "It is not.",
    ]


def test_plain_ellipses_and_punctuation_runs() -> None:
    source = "Wait... it works. Really?! Yes!!! Hmm… Maybe. (See the label.) Then buy it."
    assert texts(source) == [
        "Wait... it works.",
        "Really?!",
        "Yes!!!",
        "Hmm…",
        "Maybe.",
        "(See the label.)",
        "Then buy it.",
    ]


def test_plain_headings_and_bullets_on_their_own_lines() -> None:
    source = (
        "BENEFITS\n"
        "- Boosts energy\n"
        "* Supports immunity\n"
        "  1. Take daily\n"
        "2) Drink water\n"
        "• Feel great\n"
        "Why Choose Us\n"
        "Our formula is pure. Energy • Focus • Calm\n"
    )
    assert texts(source) == [
        "BENEFITS",
        "Boosts energy",
        "Supports immunity",
        "Take daily",
        "Drink water",
        "Feel great",
        "Why Choose Us",
        "Our formula is pure.",
        "Energy",
        "Focus",
        "Calm",
    ]
    assert slices(source) == texts(source)  # list markers are outside the spans


def test_plain_whitespace_never_inside_span_edges() -> None:
    source = "  Line one\r\nLine two\n\n\t   indented  sentence   here.   \n"
    sentences = split_sentences(source)
    assert [s.text for s in sentences] == ["Line one", "Line two", "indented sentence here."]
    assert source[sentences[2].start : sentences[2].end] == "indented  sentence   here."
    assert_well_formed(source, sentences)


@pytest.mark.parametrize("source", ["", " ", "\n\n\t \r\n", "\u3000\xa0"])
def test_empty_or_blank_input(source: str) -> None:
    assert split_sentences(source) == []
    assert split_sentences(source, "html") == []
    assert split_sentences(source, "markdown") == []


def test_pieces_without_letters_or_digits_are_dropped() -> None:
    assert texts("---\n***\n•\n!!!\n🎉\nReal text.") == ["Real text."]


def test_sentence_is_frozen() -> None:
    sentence = split_sentences("Hello there.")[0]
    assert sentence == Sentence(0, 12, "Hello there.")
    with pytest.raises(FrozenInstanceError):
        sentence.start = 3  # type: ignore[misc]


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(InputError, match="unknown format"):
        split_sentences("text", "rtf")  # type: ignore[arg-type]


# --------------------------------------------------------------------- HTML


def test_html_block_and_inline_tags() -> None:
    source = (
        "<div><h1>Daily Greens</h1><p>Made with <b>real</b> <a href='/x'>kale</a>. "
        "Tastes <em>great</em>!</p><section>Order <span>today</span></section></div>"
    )
    assert texts(source, "html") == ["Daily Greens", "Made with real kale.", "Tastes great!", "Order today"]
    assert slices(source, "html")[1] == "Made with <b>real</b> <a href='/x'>kale</a>."


def test_html_script_style_comments_head_and_attributes_are_ignored() -> None:
    source = (
        "<!DOCTYPE html><html><head><title>Page Title</title><meta charset='utf-8'>"
        "<style>p { color: red; } .a:after { content: 'No. Way.' }</style></head>"
        "<body><p title='Hidden. Attr.'>Seen.</p><script>var s = '<p>Not seen.</p>';</script>"
        "<noscript>Enable JS.</noscript><!-- <p>Commented out.</p> --><template><p>Tmpl.</p></template>"
        "<img alt='Alt text.'><p>Also seen.</p></body></html>"
    )
    assert texts(source, "html") == ["Seen.", "Also seen."]


def test_html_head_without_end_tag_is_closed_by_body_content() -> None:
    assert texts("<html><head><title>T</title><p>Body text.</p>", "html") == ["Body text."]


def test_html_entities_decode_and_spans_cover_whole_entities() -> None:
    source = "<p>It&#8217;s caf&eacute; time &amp; more&#x2019;</p><p>Bare & sign &copy 2024 &ampx</p>"
    sentences = split_sentences(source, "html")
    assert [s.text for s in sentences] == ["It’s café time & more’", "Bare & sign © 2024 &x"]  # noqa: RUF001
    assert source[sentences[0].start : sentences[0].end] == "It&#8217;s caf&eacute; time &amp; more&#x2019;"
    assert source[sentences[1].start : sentences[1].end] == "Bare & sign &copy 2024 &ampx"


def test_html_nbsp_and_br() -> None:
    source = "<p>&nbsp;Hello&nbsp;world.&nbsp;</p><p>one<br>two<br/>three\nstill three</p>"
    sentences = split_sentences(source, "html")
    assert [s.text for s in sentences] == ["Hello world.", "one", "two", "three still three"]
    assert source[sentences[0].start : sentences[0].end] == "Hello&nbsp;world."


def test_html_nested_lists_and_tables() -> None:
    source = (
        "<ul><li>Outer<ul><li>Inner one</li><li>Inner <b>two</b></li></ul></li><li>Last</li></ul>"
        "<table><tr><th>Name</th><td>Zinc</td></tr></table><pre>line 1\nline 2</pre>"
    )
    assert texts(source, "html") == ["Outer", "Inner one", "Inner two", "Last", "Name", "Zinc", "line 1", "line 2"]
    assert slices(source, "html")[2] == "Inner <b>two"


@pytest.mark.parametrize(
    "source",
    [
        "<p>Unclosed <b>bold <i>italic",
        "<div><p>One.<p>Two.</div></span></p>",
        "a < b and c > d. Next <3 sentence.",
        "text <a href='x' unterminated",
        "<p>x</p><!-- unclosed comment <p>y</p>",
        "<![CDATA[ data ]]> after. <![if !IE]> ie <![endif]> <![bogus stuff",
        "&#; &#xZZ; &#99999999999; &#0; &# &",
        "</> </ p> <//> <? pi ?> <!bogus> <!doctype",
        "<script>never closed <p>hidden</p>",
        "<a b=\"x>\" c='y>' d=e>Link text.</a>",
        "<p\nclass='multi\nline'>Across\nlines.</p>",
        "\x00<p>\x01nul\ud800 and \x7f.</p>",
        "<" * 50 + "p>" + ">" * 50,
    ],
)
def test_malformed_html_does_not_crash(source: str) -> None:
    sentences = split_sentences(source, "html")
    assert_well_formed(source, sentences)
    for s in sentences:
        assert letters_in_order(s.text, source[s.start : s.end]), (s, source)


def test_malformed_html_keeps_text() -> None:
    assert texts("<p>Unclosed <b>bold <i>italic", "html") == ["Unclosed bold italic"]
    assert texts("<p>One.<p>Two.</div></span></p>", "html") == ["One.", "Two."]
    assert texts("a < b and c > d.", "html") == ["a < b and c > d."]


def test_html_deep_nesting() -> None:
    for tag in ("div", "span", "b"):
        source = f"<{tag}>" * 10_000 + "Deep text." + f"</{tag}>" * 10_000
        sentences = split_sentences(source, "html")
        assert [s.text for s in sentences] == ["Deep text."]
        assert source[sentences[0].start : sentences[0].end] == "Deep text."
    unclosed = "<div><p>" * 10_000 + "Still fine."
    assert texts(unclosed, "html") == ["Still fine."]


# ----------------------------------------------------------------- Markdown


def test_markdown_headings_lists_and_quotes() -> None:
    source = (
        "# Daily Greens\n\n"
        "Intro line one\nline two continues. Second sentence.\n\n"
        "- first item\n* second item\n1. third item\n2) fourth item\n- [x] done task\n\n"
        "> quoted line\n> still quoted.\n\n"
        "## Closing ##\n\nSetext Heading\n==============\n\n---\nText\\\nafter hard break."
    )
    assert texts(source, "markdown") == [
        "Daily Greens",
        "Intro line one line two continues.",
        "Second sentence.",
        "first item",
        "second item",
        "third item",
        "fourth item",
        "done task",
        "quoted line still quoted.",
        "Closing",
        "Setext Heading",
        "Text",
        "after hard break.",
    ]
    assert slices(source, "markdown")[8] == "quoted line\n> still quoted."


def test_markdown_emphasis_links_images_and_inline_html() -> None:
    source = (
        'Some *emphasis*, __strong__ and ~~old~~ `code` with a [link](http://x.com "T") '
        "and ![an image](a.png). Keep snake_case, 2*3 and 5 * 4. \\*Escaped\\*. "
        "<span>Inline</span> html<br>breaks. <!-- hidden. -->Shown. [Ref][1] and [![b](b.svg)](u).\n\n"
        "[1]: https://example.com/study"
    )
    sentences = split_sentences(source, "markdown")
    assert [s.text for s in sentences] == [
        "Some emphasis, strong and old code with a link and .",
        "Keep snake_case, 2*3 and 5 * 4.",
        "*Escaped*.",
        "Inline html",
        "breaks.",
        "Shown.",
        "Ref and .",
    ]
    assert source[sentences[0].start : sentences[0].end].startswith("Some *emphasis*")
    assert source[sentences[3].start : sentences[3].end] == "Inline</span> html"


def test_markdown_code_fences_are_dropped() -> None:
    source = "Before fence.\n```python\nprint('Hidden. Code.')\n```\n~~~~\nMore hidden.\n~~~~\nAfter fence."
    assert texts(source, "markdown") == ["Before fence.", "After fence."]


def test_markdown_tables_give_a_sentence_per_cell() -> None:
    source = "| Name | Dose |\n| :--- | ---: |\n| Zinc | 15 mg |\n| Vitamin C \\| D | 500 mg |\nAfter table."
    assert texts(source, "markdown") == ["Name", "Dose", "Zinc", "15 mg", "Vitamin C | D", "500 mg", "After table."]


def test_markdown_heading_like_lines_end_blocks() -> None:
    source = "WHY IT WORKS\nIt is pure.\nOur Vitamin D\nSupports bones.\nWrapped line of text\ncontinues here."
    assert texts(source, "markdown") == [
        "WHY IT WORKS",
        "It is pure.",
        "Our Vitamin D",
        "Supports bones.",
        "Wrapped line of text continues here.",
    ]


def test_markdown_line_ending_a_sentence_ends_it_whatever_follows() -> None:
    source = "Fast relief.\nmy knees feel better\nsince the gel\n\nFor adults, e.g.\nthose over 50. Wait...\nit works."
    assert texts(source, "markdown") == [
        "Fast relief.",
        "my knees feel better since the gel",
        "For adults, e.g. those over 50.",
        "Wait... it works.",
    ]


def test_markdown_entities() -> None:
    source = "Fish &amp; chips&nbsp;today &#8212; fresh."
    sentences = split_sentences(source, "markdown")
    assert [s.text for s in sentences] == ["Fish & chips today — fresh."]
    assert source[sentences[0].start : sentences[0].end] == source


# ------------------------------------------------------------------ Unicode


def test_emoji_sequences_keep_offsets() -> None:
    source = "Great 👍🏽 product! Family 👨‍👩‍👧‍👦 approved. Flags 🇺🇸🇨🇦 too."
    assert texts(source) == ["Great 👍🏽 product!", "Family 👨‍👩‍👧‍👦 approved.", "Flags 🇺🇸🇨🇦 too."]
    assert slices(source) == texts(source)


def test_cjk_full_stops_split_without_spaces() -> None:
    source = "日本語の文です。次の文！最後？終わり"  # noqa: RUF001
    assert texts(source) == ["日本語の文です。", "次の文！", "最後？", "終わり"]  # noqa: RUF001
    assert slices(source) == texts(source)
    assert texts("文です。\u0301次の文。") == ["文です。\u0301", "次の文。"]


def test_combining_marks_keep_offsets() -> None:
    source = "Cafe\u0301 au lait. Nai\u0308ve claims. Tre\u0300s bien."
    assert texts(source) == ["Cafe\u0301 au lait.", "Nai\u0308ve claims.", "Tre\u0300s bien."]
    assert slices(source) == texts(source)
    html_source = "<p>Cafe\u0301 &amp; the\u0301</p>"
    sentence = split_sentences(html_source, "html")[0]
    assert html_source[sentence.start : sentence.end] == "Cafe\u0301 &amp; the\u0301"


def test_right_to_left_text_with_bidi_controls() -> None:
    source = "שלום עולם. \u202bמה שלומך?\u202c טוב. مرحبا. كيف حالك؟ بخير.\u200f"
    assert texts(source) == ["שלום עולם.", "\u202bמה שלומך?\u202c", "טוב.", "مرحبا.", "كيف حالك؟", "بخير.\u200f"]
    assert slices(source) == texts(source)


def test_surrogates_and_control_characters_do_not_crash() -> None:
    source = "\ud800abc. \udfff Def\x00 ghi.\x07\x1f Jkl\x1c mno."
    formats: tuple[Format, ...] = ("text", "html", "markdown")
    for fmt in formats:
        assert_well_formed(source, split_sentences(source, fmt))
    assert texts(source) == ["\ud800abc.", "\udfff Def\x00 ghi.\x07 Jkl", "mno."]  # "\x07" is no space


# ---------------------------------------------------------- long inputs


def test_long_word_is_cut_into_bounded_pieces() -> None:
    source = "x" * 100_000
    sentences = split_sentences(source)
    assert [(s.start, s.end) for s in sentences] == [(i, i + 2000) for i in range(0, 100_000, 2000)]


def test_long_sentence_is_cut_at_whitespace() -> None:
    source = " ".join(["word"] * 1000) + "."  # 5,000 characters, one sentence
    sentences = split_sentences(source)
    assert len(sentences) == 3
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert " ".join(s.text for s in sentences) == source
    assert all(not s.text.startswith(" ") and s.text.startswith("word") for s in sentences)


def test_long_emoji_run_is_not_cut_inside_a_grapheme() -> None:
    family = "👨\u200d👩\u200d👧"
    source = family * 20_000 + " ok"
    for s in split_sentences(source + " x1."):
        assert s.start == 0 or (not is_extender(source[s.start]) and source[s.start - 1] != "\u200d")
    flags = "🇺🇸" * 3_000 + " a1"
    for s in split_sentences(flags):
        assert (s.end - s.start) % 2 == 0 or s.text == "a1"


@pytest.mark.parametrize("fmt", ["text", "html", "markdown"])
def test_long_and_hostile_inputs_take_linear_time(fmt: Format) -> None:
    hostile = [
        "word " * 40_000,
        "." * 200_000,
        "a" * 100_000 + "." + " " * 100_000 + "B",
        "<a" * 100_000,
        "<!--x>" * 30_000,
        '<a b="x>" ' * 20_000,
        "[a](" * 50_000,
        "*_" * 100_000,
        "&#" * 100_000,
        "e" + "\u0301" * 200_000,
    ]
    for source in hostile:
        started = time.perf_counter()
        sentences = split_sentences(source, fmt)
        assert time.perf_counter() - started < 5, source[:20]  # quadratic would take minutes
        assert_well_formed(source, sentences)


# -------------------------------------------------------- sniff and helpers


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello</p>", "html"),
        ("Line one<br>Line two", "html"),
        ("<!DOCTYPE html><title>x</title>", "html"),
        ("# Title\n\nText.", "markdown"),
        ("Text\n- item\n- item", "markdown"),
        ("Some **bold** claim.", "markdown"),
        ("See [the study](https://x.org).", "markdown"),
        ("Plain text. 2 < 3 and 5 > 4.", "text"),
        ("Price: $5 * 2 items", "text"),
        ("", "text"),
    ],
)
def test_sniff_format(source: str, expected: Format) -> None:
    assert sniff_format(source) == expected


def test_visible_text() -> None:
    assert visible_text("Plain.", "text") == "Plain."
    assert visible_text("<p>a &amp; <b>b</b></p><script>x</script>", "html").split() == ["a", "&", "b"]
    assert visible_text("**a** [b](u)", "markdown").strip() == "a b"


# ------------------------------------------------------------- properties

ANY_CHAR = st.characters(exclude_categories=())  # every category, surrogates included
STRUCTURE = st.sampled_from(list(".!?…。！？•-*1 \n\t\r\xa0\u2028\u0301\u200d\u202bAaZz\"'()"))  # noqa: RUF001
ANY_TEXT = st.text(st.one_of(ANY_CHAR, STRUCTURE, STRUCTURE), max_size=120)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_plain_spans_point_at_their_text(source: str) -> None:
    sentences = split_sentences(source)
    assert_well_formed(source, sentences)
    covered: set[int] = set()
    for s in sentences:
        assert " ".join(source[s.start : s.end].split()) == s.text
        covered.update(range(s.start, s.end))
        for edge, neighbour in ((s.start, s.start - 1), (s.end, s.end)):
            if 0 <= neighbour < len(source) and not source[neighbour].isspace() and edge < len(source):
                assert not is_extender(source[edge]), (source, s)
    lost = [c for i, c in enumerate(source) if i not in covered and c.isalnum() and not c.isdigit()]
    assert not lost  # only list-marker digits may fall outside every span


TEXT_PIECE = st.text(ANY_CHAR, max_size=12) | st.sampled_from(
    ["Take it daily. ", "Really?! ", "e.g. this", " Dr. No. 5 ", "end.", "Zinc", "  ", "\n"]
)
ENTITIES = ["&amp;", "&nbsp;", "&#8217;", "&#x2019;", "&eacute;", "&lt;", "&#10;", "&#0;", "&notit;", "& "]
HIDDEN = [
    "<script>var a = '<p>Hidden. Script.</p>';</script>",
    "<style>p { content: 'Hidden. Style.' }</style>",
    "<!-- Hidden. Comment. <p>x</p> -->",
    "<noscript>Hidden noscript.</noscript>",
]
INLINE_TAGS = ["b", "i", "em", "strong", "span", "a", "sup", "small"]
BLOCK_TAGS = ["p", "div", "li", "ul", "h2", "blockquote", "td", "section"]
VOIDS = ["<br>", "<br/>", "<hr>", '<img src="a.png" alt="Alt. Text.">', "<wbr>"]


def _element(tag_and_children: tuple[str, list[str]]) -> str:
    """Wrap rendered children in a tag with an attribute that must be ignored."""
    tag, children = tag_and_children
    return f'<{tag} class="c" title="Attr. Text &amp; more">{"".join(children)}</{tag}>'


HTML_LEAF = st.one_of(
    TEXT_PIECE.map(lambda t: html.escape(t, quote=False)),
    st.sampled_from(ENTITIES),
    st.sampled_from(HIDDEN),
    st.sampled_from(VOIDS),
)
HTML_DOCS = st.recursive(
    HTML_LEAF,
    lambda children: st.tuples(st.sampled_from(INLINE_TAGS + BLOCK_TAGS), st.lists(children, max_size=4)).map(_element),
    max_leaves=25,
)
BLOCK_TAG_IN_SLICE = re.compile(r"</?(?:p|div|li|ul|h2|blockquote|td|section|br|hr)\b")


@settings(max_examples=150, deadline=None)
@given(st.lists(HTML_DOCS, max_size=5).map("".join))
def test_html_spans_point_at_their_text(source: str) -> None:
    sentences = split_sentences(source, "html")
    assert_well_formed(source, sentences)
    for s in sentences:
        fragment = source[s.start : s.end]
        assert html_reference(fragment) == s.text, (fragment, s)
        assert "Hidden" not in s.text and "Attr" not in s.text and "Alt" not in s.text
        without_hidden = re.sub(r"<(script|style|noscript)\b.*?</\1>|<!--.*?-->", "", fragment, flags=re.DOTALL)
        assert not BLOCK_TAG_IN_SLICE.search(without_hidden), fragment


WORD = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=7)
PHRASE = st.lists(
    st.tuples(WORD, st.sampled_from(["", "", "", ".", "!", "?", ","])).map("".join), min_size=1, max_size=4
).map(" ".join)
MD_PIECE = st.one_of(
    PHRASE,
    PHRASE,
    st.tuples(st.sampled_from(["**", "*", "_", "__", "~~", "`"]), PHRASE).map(lambda p: p[0] + p[1] + p[0]),
    PHRASE.map(lambda p: f"[{p}](https://example.com/a_b)"),
    PHRASE.map(lambda p: f"![{p}](img_1.png)"),
    PHRASE.map(lambda p: f"<span>{p}</span>"),
    st.sampled_from(["&amp;", "&#8217;", "&nbsp;"]),
)
MD_TEXT = st.lists(MD_PIECE, min_size=1, max_size=5).map(" ".join)
MD_LINE = st.one_of(
    MD_TEXT,
    MD_TEXT,
    st.tuples(st.sampled_from(["# ", "## ", "- ", "* ", "1. ", "> ", ">> ", "  "]), MD_TEXT).map("".join),
    st.just(""),
    WORD.map(lambda w: f"```\nzzcode {w}. More zzcode.\n```"),
    st.tuples(MD_TEXT, MD_TEXT, MD_TEXT).map(lambda c: f"| {c[0]} | {c[1]} |\n|---|:-:|\n| {c[2]} | x |"),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(MD_LINE, max_size=8).map("\n".join))
def test_markdown_spans_point_at_their_text(source: str) -> None:
    sentences = split_sentences(source, "markdown")
    assert_well_formed(source, sentences)
    for s in sentences:
        fragment = source[s.start : s.end]
        assert markdown_reference(fragment) == s.text, (fragment, s)
        assert "zzcode" not in s.text and "|" not in s.text

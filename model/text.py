"""Plain text, HTML or Markdown in; sentences with offsets into the source out.

Every format is first reduced to its *visible text*, together with a map from
each visible character back to the source characters it came from (plain text
maps to itself). One segmenter then cuts the visible text into sentences, so
the sentence rules are the same for every format and every offset points into
the string exactly as the caller sent it.

In the visible text, characters from ``_LINE_BREAKS`` always end a block (a
paragraph, heading, list item, table cell); the HTML and Markdown readers turn
line breaks that do not end a block into plain spaces.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.entities import html5
from html.parser import HTMLParser
from typing import Literal

from model.errors import InputError

__all__ = [
    "FORMATS",
    "MAX_SENTENCE_CHARS",
    "Format",
    "Sentence",
    "sniff_format",
    "split_sentences",
    "visible_text",
]

Format = Literal["text", "html", "markdown"]
FORMATS: tuple[Format, ...] = ("text", "html", "markdown")
MAX_SENTENCE_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: its span in the source and its visible, whitespace-collapsed text."""

    start: int
    end: int
    text: str


# ---------------------------------------------------------------- public API


def split_sentences(source: str, fmt: Format = "text") -> list[Sentence]:
    """Split a document into sentences, headings, list items and table cells.

    Args:
        source: the document exactly as the caller sent it.
        fmt: ``"text"``, ``"html"`` or ``"markdown"`` (see ``sniff_format``).

    Returns:
        Sentences in document order. ``start``/``end`` index ``source`` (code
        points) from the first to just after the last visible character;
        ``text`` has markup removed, entities decoded and whitespace collapsed.
        Pieces without a letter or digit are dropped, and none is longer than
        ``MAX_SENTENCE_CHARS``.

    Raises:
        InputError: ``fmt`` is not one of ``FORMATS``.
    """
    visible = _visible(source, fmt)
    found = _sentence_ranges(visible.text)
    if visible.run_at is None:  # plain text: offsets are the source's own
        return [Sentence(i, j, text) for i, j, text in found]
    return [Sentence(*visible.source_span(i, j), text) for i, j, text in found]


def visible_text(source: str, fmt: Format) -> str:
    """Return the plain text the sentences are cut from (block ends as line breaks)."""
    return _visible(source, fmt).text


def sniff_format(source: str) -> Format:
    """Guess the format cheaply from the first ``_SNIFF_LIMIT`` characters.

    HTML wins if there is a real tag, then Markdown if there is Markdown
    structure (headings, list markers, strong emphasis, links), else text.
    """
    sample = source[:_SNIFF_LIMIT]
    if _HTML_HINT.search(sample):
        return "html"
    if _MARKDOWN_HINT.search(sample):
        return "markdown"
    return "text"


def _visible(source: str, fmt: Format) -> _Visible:
    """Dispatch to the reader for ``fmt``; unknown formats are a caller error."""
    if fmt == "text":
        return _Visible(source)
    if fmt == "html":
        return _html_visible(source)
    if fmt == "markdown":
        return _MarkdownReader(source).read()
    raise InputError(f"unknown format {fmt!r}; expected one of {list(FORMATS)}")


# ------------------------------------------------------ visible text + offsets


@dataclass(slots=True)
class _Visible:
    """Visible text and its map back to the source (no map: the text is the source).

    The map is a list of runs. Run k starts at visible offset ``run_at[k]``;
    ``run_source[k]`` is the source offset of its first character;
    ``run_end[k]`` is -1 for a verbatim copy (characters map one to one),
    else the source end of what the run replaces (an entity: each of its
    characters maps to the whole entity).
    """

    text: str
    run_at: list[int] | None = None
    run_source: list[int] = field(default_factory=list)
    run_end: list[int] = field(default_factory=list)

    def source_span(self, i: int, j: int) -> tuple[int, int]:
        """Source span from visible character ``i`` to just after ``j - 1``."""
        if self.run_at is None:
            return i, j
        first = bisect_right(self.run_at, i) - 1
        last = bisect_right(self.run_at, j - 1) - 1
        start = self.run_source[first]
        if self.run_end[first] < 0:
            start += i - self.run_at[first]
        end = self.run_end[last]
        if end < 0:
            end = self.run_source[last] + j - self.run_at[last]
        return start, end


class _Builder:
    """Accumulates visible text as runs, each remembering the source it stands for.

    One run per text chunk (not one entry per character) keeps the per-chunk
    cost of HTML parsing low; sentences look their two ends up by bisection.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.run_at: list[int] = []
        self.run_source: list[int] = []
        self.run_end: list[int] = []
        self.size = 0

    def copy(self, text: str, pos: int) -> None:
        """Add text standing for ``source[pos:pos + len(text)]`` character by character."""
        self._run(text, pos, -1)

    def replace(self, text: str, start: int, end: int) -> None:
        """Add text standing for ``source[start:end]`` as a whole (an entity)."""
        self._run(text, start, end)

    def block_break(self, pos: int) -> None:
        """End the current block; the break is whitespace, so never inside a span."""
        self._run("\n", pos, pos)

    def _run(self, text: str, source: int, end: int) -> None:
        """Append one run; empty ones are skipped so that run starts strictly increase."""
        if text:
            self.parts.append(text)
            self.run_at.append(self.size)
            self.run_source.append(source)
            self.run_end.append(end)
            self.size += len(text)

    def copy_decoding(self, raw: str, pos: int, soft: bool = True) -> None:
        """Copy source text, decoding character references exactly as ``html.unescape``.

        ``soft`` turns line breaks into spaces, for formats where a newline
        inside running text does not end a block.
        """
        if "&" not in raw:
            self._copy_soft(raw, pos, soft)
            return
        last = 0
        for ref in _CHARREF.finditer(raw):
            decoded = _decode_reference(ref.group())
            if decoded is None:
                continue
            text, used = decoded
            self._copy_soft(raw[last : ref.start()], pos + last, soft)
            start = pos + ref.start()
            self.replace(text.translate(_SOFTEN) if soft else text, start, start + used)
            last = ref.start() + used
        self._copy_soft(raw[last:], pos + last, soft)

    def _copy_soft(self, raw: str, pos: int, soft: bool) -> None:
        """Copy, optionally with line breaks as spaces (same length, so offsets hold)."""
        self._run(raw.translate(_SOFTEN) if soft else raw, pos, -1)

    def build(self) -> _Visible:
        """Freeze into a ``_Visible``."""
        return _Visible("".join(self.parts), self.run_at, self.run_source, self.run_end)


# Same pattern as html.unescape, so decoding here matches it character for character.
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


def _decode_reference(ref: str) -> tuple[str, int] | None:
    """Decode one ``&...`` match like ``html.unescape``: (text, source chars used) or None.

    Named references without ``;`` may use only a prefix (``&ampx`` is ``&`` + ``x``),
    so the number of characters used is returned for the offset map.
    """
    name = ref[1:]
    if name.startswith("#"):
        return html.unescape(ref), len(ref)
    if name in html5:
        return html5[name], len(ref)
    for x in range(len(name) - 1, 1, -1):
        if name[:x] in html5:
            return html5[name[:x]], x + 1
    return None


# ------------------------------------------------------------- segmentation

_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits at
_SOFTEN = str.maketrans(dict.fromkeys(_LINE_BREAKS, " "))
# Non-ASCII punctuation is the point here, so ruff's confusable-character rule is silenced per line.
_TERMINATORS = ".!?…‼⁇⁈⁉؟۔।॥"  # noqa: RUF001
_CJK_TERMINATORS = "。！？｡"  # noqa: RUF001
_CLOSERS = "\"'”’»›)]}」』）】〕〉》"  # noqa: RUF001
_BIDI_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_OPENERS = "\"'“‘«‹([{「『（【〔〈《"  # noqa: RUF001
_BULLETS = "•‣◦▪●"


def _char_class(chars: str) -> str:
    """Build a regex character class matching any of ``chars``."""
    return "[" + re.escape(chars) + "]"


_T = _char_class(_TERMINATORS)
_C = _char_class(_CLOSERS + _BIDI_CONTROLS)  # "?\u202c " still ends an RTL sentence
_BLOCK = re.compile(f"[^{re.escape(_LINE_BREAKS)}]++")
_LIST_MARKER = re.compile(rf"\s*+(?:[-*+·{_BULLETS}]|\d{{1,3}}[.)]|\(\d{{1,3}}\))\s++")
# Candidate cuts. Every alternative starts with one character from the same
# class, so the C scanner skips ordinary text without trying each position;
# lookbehinds keep a match to the start of a run and possessive quantifiers
# forbid backtracking, so scanning stays linear on inputs like 100,000 dots.
_CUT = re.compile(
    rf"{_char_class(_TERMINATORS + _CJK_TERMINATORS + _BULLETS)}"
    rf"(?:(?<!{_T}{_T})(?<={_T})(?P<more>{_T}*+){_C}*+(?=\s++(?P<next>\S))"
    rf"|(?<={_char_class(_CJK_TERMINATORS)}){_char_class(_CJK_TERMINATORS)}*+{_C}*+(?P<cjk>)"
    rf"|(?<=\s{_char_class(_BULLETS)})(?=\s))"
)
_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "st", "vs", "etc", "approx", "fig", "figs", "inc", "ltd"}
    | {"jr", "sr", "prof", "cf", "al"}
)
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # U.S, e.g, i.e, a.m (final dot excluded)
_NOT_INITIALS = frozenset({"vitamin", "vitamins"})  # "vitamin D." ends a sentence
_WORD_CHAR = re.compile(r"[^\W_]")
_NON_SPACE = re.compile(r"\S")
_LAST_SPACE = re.compile(r".*\s", re.DOTALL)


def _sentence_ranges(text: str) -> list[tuple[int, int, str]]:
    """``(i, j, collapsed text)`` for every sentence of the visible text.

    Pieces are appended to one list rather than yielded through nested
    generators: that overhead was a third of the time on CMS text, which has
    a short block on almost every line.
    """
    found: list[tuple[int, int, str]] = []
    for block in _BLOCK.finditer(text):
        _add_block(text, block.start(), block.end(), found)
    return found


def _add_block(text: str, start: int, end: int, found: list[tuple[int, int, str]]) -> None:
    """Cut one block (a line, paragraph or cell) at sentence ends."""
    marker = _LIST_MARKER.match(text, start, end)
    if marker:
        start = marker.end()
    begin = start
    for candidate in _CUT.finditer(text, start, end):
        cut = _cut_at(text, candidate, start)
        if cut is not None:
            _add_piece(text, begin, cut[0], found)
            begin = cut[1]
    _add_piece(text, begin, end, found)


def _cut_at(text: str, m: re.Match[str], block_start: int) -> tuple[int, int] | None:
    """(end of this sentence, start of the next) for a candidate, or None to read on."""
    if m.group("cjk") is not None:
        end = _skip_extenders(text, m.end())
        return end, end
    following = m.group("next")
    if following is None:  # a bullet in the middle of a line
        return m.start(), m.end()
    if following.islower() or following in ",;:":
        return None
    if text[m.start()] == "." and not m.group("more") and _is_abbreviation(text, m.start(), block_start, following):
        return None
    return m.end(), m.end()


def _is_abbreviation(text: str, dot: int, block_start: int, following: str) -> bool:
    """Tell whether the period at ``dot`` closes an abbreviation or an initial."""
    window = text[max(block_start, dot - 24) : dot]
    words = window.split()
    if not words or window[-1].isspace():
        return False
    word = words[-1].lstrip(_OPENERS)
    if len(word) >= 20:  # also covers a long word cut by the window
        return False
    if word == "No":
        return following.isdigit()
    if word.lower() in _ABBREVIATIONS or _DOTTED.fullmatch(word):
        return True
    return len(word) == 1 and word.isupper() and _is_initial(words[-2] if len(words) > 1 else "")


def _is_initial(previous: str) -> bool:
    """Tell whether a capital letter and a period are an initial, given the word before.

    Initials open a sentence or follow a name (``John F.``), but a letter after
    ``vitamin`` ends the sentence ("Take vitamin D. It helps.").
    """
    previous = previous.strip(_OPENERS + _CLOSERS + ",;:")
    if not previous or previous[-1] in _TERMINATORS:
        return True
    return previous.lower() not in _NOT_INITIALS and previous[0].isupper()


def _add_piece(text: str, a: int, b: int, found: list[tuple[int, int, str]]) -> None:
    """Strip whitespace, drop pieces without letters or digits, bound the length."""
    piece = text[a:b]
    if _WORD_CHAR.search(piece) is None:
        return
    i = a + len(piece) - len(piece.lstrip())
    j = b - len(piece) + len(piece.rstrip())
    if j - i <= MAX_SENTENCE_CHARS:
        found.append((i, j, " ".join(piece.split())))
        return
    for p, q in _bounded_pieces(text, i, j):
        _add_piece(text, p, q, found)


def _bounded_pieces(text: str, i: int, j: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long span at its last whitespace before the limit, else hard."""
    while j - i > MAX_SENTENCE_CHARS:
        limit = i + MAX_SENTENCE_CHARS
        space = _LAST_SPACE.match(text, i, limit + 1)
        cut = space.end() - 1 if space else _grapheme_safe_cut(text, i, limit)
        yield i, cut
        nxt = _NON_SPACE.search(text, cut, j)
        i = nxt.start() if nxt else j
    yield i, j


def _grapheme_safe_cut(text: str, lo: int, cut: int) -> int:
    """Move a hard cut back so that it splits no grapheme cluster (if it can)."""
    if _is_regional(text[cut]) and _is_regional(text[cut - 1]):
        run = 1
        while cut - run - 1 >= lo and _is_regional(text[cut - run - 1]):
            run += 1
        cut -= run % 2  # flags are pairs: never cut between the two halves
    q = cut
    while q > lo + 1 and (_is_extender(text[q]) or text[q - 1] == "\u200d"):
        q -= 1
    return q if q > lo + 1 else cut


def _skip_extenders(text: str, i: int) -> int:
    """First index at or after ``i`` that does not attach to the character before it."""
    while i < len(text) and _is_extender(text[i]):
        i += 1
    return i


def _is_extender(ch: str) -> bool:
    """Tell whether ``ch`` extends the grapheme before it (mark, joiner, skin tone, tag)."""
    return (
        unicodedata.category(ch)[0] == "M"
        or ch in "\u200c\u200d"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
        or "\U000e0020" <= ch <= "\U000e007f"
    )


def _is_regional(ch: str) -> bool:
    """Regional indicator symbols pair up into flags."""
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


# --------------------------------------------------------------------- HTML

_BLOCK_TAGS = (
    frozenset({"address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details"})
    | {"dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3"}
    | {"h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol"}
    | {"option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul"}
)
_HIDDEN_TAGS = frozenset({"noscript", "template"})  # script/style are CDATA to HTMLParser
_HEAD_TAGS = frozenset({"base", "link", "meta", "noscript", "script", "style", "template", "title"})
# Appended after the source: whatever is unterminated at the end of the input
# (a tag, comment, declaration) closes here, as browsers drop it, instead of
# HTMLParser re-scanning the rest once per '<' (quadratic in Python 3.11).
_HTML_SENTINEL = "\n-->"
_NEWLINE = re.compile("\n")


def _html_visible(source: str) -> _Visible:
    """Visible text of an HTML document, mapped back to the source."""
    fed = _html_for_parser(source) + _HTML_SENTINEL
    parser = _HtmlReader(source, fed)
    parser.feed(fed)
    parser.close()
    return parser.out.build()


def _html_for_parser(source: str) -> str:
    """Return a same-length copy of the source that HTMLParser cannot stumble on.

    ``&`` becomes a neutral byte: references are decoded by ``_Builder`` from
    the real source, which avoids HTMLParser's ``&#`` quirk (it may stop and
    emit the rest of the document, tags included, as text). ``<![`` becomes a
    processing instruction, because a malformed marked section raises
    AssertionError inside ``_markupbase``.
    """
    return source.replace("&", "\x01").replace("<![", "<?[")


class _HtmlReader(HTMLParser):
    """Collects visible HTML text; text offsets come from ``getpos()``.

    Handlers see no nesting: state is counters and flags, so 10,000 nested
    elements cost nothing and unclosed tags cannot break anything.
    """

    def __init__(self, source: str, fed: str) -> None:
        super().__init__(convert_charrefs=False)
        self.out = _Builder()
        self._source = source
        self._line_starts = [0, *(m.end() for m in _NEWLINE.finditer(fed))]
        self._hidden = 0
        self._pre = 0
        self._in_head = False

    def _offset(self) -> int:
        """Source offset of the token being handled."""
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Track hidden regions and <pre>; block elements end the current block."""
        if self._in_head and tag not in _HEAD_TAGS:
            self._in_head = False  # body content implicitly closes <head>
        if tag == "head":
            self._in_head = True
        elif tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag == "pre":
            self._pre += 1
        if tag in _BLOCK_TAGS:
            self.out.block_break(self._offset())

    def handle_endtag(self, tag: str) -> None:
        """Close what ``handle_starttag`` opened; stray end tags are harmless."""
        if tag == "head":
            self._in_head = False
        elif tag in _HIDDEN_TAGS and self._hidden:
            self._hidden -= 1
        elif tag == "pre" and self._pre:
            self._pre -= 1
        if tag in _BLOCK_TAGS:
            self.out.block_break(self._offset())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """``<br/>`` breaks; a self-closed ``<template/>`` hides nothing."""
        if tag in _BLOCK_TAGS:
            self.out.block_break(self._offset())

    def handle_data(self, data: str) -> None:
        """Copy visible text from the real source (the parser saw a sanitized copy)."""
        if self.cdata_elem or self._hidden or self._in_head:
            return
        line, column = self.getpos()
        pos = self._line_starts[line - 1] + column
        raw = self._source[pos : pos + len(data)]  # empty inside the sentinel
        if "&" in raw:
            self.out.copy_decoding(raw, pos, soft=not self._pre)
        else:  # the common case, inlined: this runs once per text chunk
            self.out.copy(raw if self._pre else raw.translate(_SOFTEN), pos)


# ----------------------------------------------------------------- Markdown

_MD_LINE = re.compile(r"[^\r\n]*+(?:\r\n|[\r\n])|[^\r\n]++")
_MD_CONTAINER = re.compile(r"[ \t]*+(?:>[ \t]*+)*+")  # indentation and quote markers
_MD_FENCE = re.compile(r"`{3,}+|~{3,}+")
_MD_RULE = re.compile(r"(?:(?:-[ \t]*+){3,}+|(?:\*[ \t]*+){3,}+|(?:_[ \t]*+){3,}+|=++[ \t]*+)\Z")
_MD_HEADING = re.compile(r"#{1,6}+(?:[ \t]|\Z)")
_MD_LIST = re.compile(rf"(?:[-*+{_BULLETS}]|\d{{1,9}}[.)])(?:[ \t]++(?:\[[ xX]\][ \t]++)?|\Z)")
_MD_LINK_DEFINITION = re.compile(r"\[[^\[\]\n]++\]:[ \t]*+\S")  # "[1]: https://..." is not text
_MD_CELL = re.compile(r"(?:[^|\\]|\\.)++")
_MD_URL = r"\([^()\s]*+(?:[ \t]++\"[^\"\n]*+\")?[ \t]*+\)"
_MD_INLINE = re.compile(
    rf"(?P<linked_image>\[!\[[^\[\]\n]*+\]{_MD_URL}\]{_MD_URL})"
    rf"|(?P<image>!\[[^\[\]\n]*+\]{_MD_URL})"
    rf"|(?P<link>\[(?P<label>[^\[\]\n]*+)\](?:{_MD_URL}|\[[^\[\]\n]*+\]))"
    r"|(?P<tag></?(?P<tag_name>[A-Za-z][A-Za-z0-9-]*+)(?:[\s/][^<>]*+)?>)"
    r"|(?P<escape>\\[!-/:-@\[-`{-~])"
    r"|(?P<marks>\*++|_++|~~++|`++)"
)
_NOT_NEWLINE = re.compile(r"[^\r\n]")
_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "of", "on"}
    | {"or", "per", "the", "to", "vs", "with"}
)
_FINAL_PUNCTUATION = frozenset(_TERMINATORS + _CJK_TERMINATORS + ",;:")


class _MarkdownReader:
    """Line-by-line Markdown reader: one pass, no backtracking, no nesting stack.

    It knows enough Markdown for CMS text: ATX/setext headings, lists, block
    quotes, fences (content dropped), tables (a block per cell), emphasis,
    links (text kept), images and inline HTML (dropped), escapes, entities.
    """

    def __init__(self, source: str) -> None:
        self.work = _blank_html_comments(source)  # same length as the source
        self.out = _Builder()
        self.fence: str | None = None  # opening fence while inside a code block
        self.depth = 0  # block-quote depth of the previous line
        self.joinable = False  # the previous line is text that the next may continue
        self.in_table = False

    def read(self) -> _Visible:
        """Read every line and return the visible text."""
        lines = [(m.start(), m.group().rstrip("\r\n")) for m in _MD_LINE.finditer(self.work)]
        for k, (pos, line) in enumerate(lines):
            self._line(pos, line, lines[k + 1][1] if k + 1 < len(lines) else "")
        return self.out.build()

    def _line(self, pos: int, line: str, nxt: str) -> None:
        """Strip container markers, then handle the line by what it starts with."""
        container = _MD_CONTAINER.match(line)
        body = container.end() if container else 0  # the pattern matches everywhere
        rest, pos = line[body:], pos + body
        if self.fence is not None:  # code is dropped up to the closing fence
            if _closes_fence(rest, self.fence):
                self.fence = None
            return
        depth = line.count(">", 0, body)
        if depth != self.depth:
            self.depth, self.joinable = depth, False
        is_row = "|" in rest and (self.in_table or _is_table_delimiter(nxt))
        self.in_table = is_row
        if is_row:
            self._table_row(pos, rest)
        else:
            self._block_line(pos, rest, nxt)

    def _block_line(self, pos: int, rest: str, nxt: str) -> None:
        """Dispatch a line that is not code and not a table row."""
        if not rest.strip() or _MD_RULE.match(rest) or _MD_LINK_DEFINITION.match(rest):
            self._end_block(pos)
        elif fence := _MD_FENCE.match(rest):
            self.fence = fence.group()
            self._end_block(pos)
        elif heading := _MD_HEADING.match(rest):
            self._heading(pos, rest, heading.end())
        elif item := _MD_LIST.match(rest):
            self._end_block(pos)
            self._text_line(pos + item.end(), rest[item.end() :], nxt)
        else:
            if self.joinable:
                self.out.replace(" ", pos, pos)  # a soft line break inside a paragraph
            else:
                self._end_block(pos)
            self._text_line(pos, rest, nxt)

    def _end_block(self, pos: int) -> None:
        """Break the block; the next line starts a new one."""
        self.out.block_break(pos)
        self.joinable = False

    def _heading(self, pos: int, rest: str, start: int) -> None:
        """Emit an ATX heading as a block of its own, without its closing hashes."""
        self._end_block(pos)
        self._inline(_strip_closing_hashes(rest[start:]), pos + start)
        self._end_block(pos + len(rest))

    def _text_line(self, pos: int, text: str, nxt: str) -> None:
        """Paragraph or list-item text; decide whether the next line may continue it."""
        hard = text.endswith(("  ", "\\"))
        self._inline(text[:-1] if text.endswith("\\") else text, pos)
        self.joinable = not (hard or _ends_sentence(text, nxt) or _looks_like_heading(text, nxt))

    def _table_row(self, pos: int, rest: str) -> None:
        """Every cell is a block of its own (the delimiter row has no words)."""
        for cell in _MD_CELL.finditer(rest):
            self._end_block(pos + cell.start())
            self._inline(cell.group(), pos + cell.start())
        self._end_block(pos + len(rest))

    def _inline(self, text: str, pos: int) -> None:
        """Emit a line's visible text: keep link text, drop markers, images and tags."""
        last = 0
        for m in _MD_INLINE.finditer(text):
            kind = m.lastgroup
            if kind == "marks" and not _is_emphasis(text, m.start(), m.end()):
                continue
            self.out.copy_decoding(text[last : m.start()], pos + last)
            last = m.end()
            if kind == "link":
                self._inline(m.group("label"), pos + m.start("label"))
            elif kind == "escape":
                self.out.copy(text[last - 1], pos + last - 1)
            elif kind == "tag" and m.group("tag_name").lower() in _BLOCK_TAGS:
                self.out.block_break(pos + m.start())
        self.out.copy_decoding(text[last:], pos + last)


def _blank_html_comments(source: str) -> str:
    """Blank ``<!-- -->`` comments (keeping newlines) so offsets stay valid.

    ``str.find`` instead of a lazy regex: an unclosed comment is seen once,
    not once per later ``<!--``.
    """
    if "<!--" not in source:
        return source
    parts, pos = [], 0
    while (start := source.find("<!--", pos)) >= 0:
        end = source.find("-->", start + 4)
        if end < 0:
            break
        parts += [source[pos:start], _NOT_NEWLINE.sub(" ", source[start : end + 3])]
        pos = end + 3
    parts.append(source[pos:])
    return "".join(parts)


def _closes_fence(line: str, fence: str) -> bool:
    """Tell whether a line closes a code block opened by ``fence`` (same character, as long)."""
    stripped = line.strip()
    return len(stripped) >= len(fence) and not stripped.strip(fence[0])


def _strip_closing_hashes(content: str) -> str:
    """``## Title ##`` -> ``Title``; hashes glued to a word stay."""
    stripped = content.rstrip(" \t")
    head = stripped.rstrip("#")
    if len(head) < len(stripped) and (not head or head[-1] in " \t"):
        return head
    return stripped


def _is_table_delimiter(line: str) -> bool:
    """``| --- | :-: |``: the row that turns the line above into a table header."""
    cells = line.strip(" \t>")
    return "-" in cells and "|" in cells and not cells.strip("|:- \t")


def _is_emphasis(text: str, start: int, end: int) -> bool:
    """Tell whether a run of ``*``, ``_``, ``~~`` or backticks is markup.

    It is not when spaced on both sides or inside a word.
    """
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before.isspace() and after.isspace():
        return False  # "2 * 3"
    return not (before.isalnum() and after.isalnum())  # "snake_case", "2*3"


def _ends_sentence(line: str, nxt: str) -> bool:
    """Tell whether a line ends with a sentence, so that the next line starts a new one.

    Without this, CMS text read as Markdown would glue "It works." to a next
    line that starts in lower case ("my knees feel better").
    """
    s = line.rstrip().rstrip(_CLOSERS + _BIDI_CONTROLS + "*_~`")
    if not s or s[-1] not in _TERMINATORS + _CJK_TERMINATORS:
        return False
    following = nxt.lstrip(" \t>")[:1] or " "
    if s.endswith(("..", "…")):  # an ellipsis before a lower-case word goes on
        return not following.islower()
    return s[-1] != "." or not _is_abbreviation(s, len(s) - 1, 0, following)


def _looks_like_heading(line: str, nxt: str) -> bool:
    """Tell whether a line is a heading that ends its block without a blank line.

    That is an ALL CAPS line, or a short Title Case line without final
    punctuation followed by a capitalised line.
    """
    s = line.strip().strip("*_~`")
    if not s or len(s) > 120:
        return False
    if s.isupper():
        return True
    words = s.split()
    if s[-1] in _FINAL_PUNCTUATION or len(words) > 12 or not _starts_upper(words[0]):
        return False
    if not all(_starts_upper(w) or w.lower() in _SMALL_WORDS for w in words):
        return False
    first = nxt.lstrip(" \t>*_#")[:1]
    return first.isupper() or first.isdigit()


def _starts_upper(word: str) -> bool:
    """Tell whether the first letter of ``word`` is a capital (or it has no letter)."""
    for ch in word:
        if ch.isalpha():
            return ch.isupper()
    return True


# ------------------------------------------------------------------ sniffing

_SNIFF_LIMIT = 20_000
_SNIFF_TAGS = _BLOCK_TAGS | {"a", "b", "em", "i", "img", "script", "span", "strong", "style", "sub", "sup", "u"}
_HTML_HINT = re.compile(
    r"<(?:!doctype[\s>]|/?(?:" + "|".join(sorted(_SNIFF_TAGS)) + r")(?=[\s/>])[^<>]*+>)",
    re.IGNORECASE,
)
_MARKDOWN_HINT = re.compile(
    r"^[ \t]{0,3}+(?:#{1,6}[ \t]+\S|[-*+][ \t]+\S|\d{1,9}[.)][ \t]+\S|>|```|~~~)"
    r"|\*\*[^*\n]++\*\*|__[^_\n]++__|\[[^\[\]\n]++\]\([^()\s]++\)",
    re.MULTILINE,
)

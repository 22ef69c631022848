"""Comment units: a parsed comment's lines (items) and sentences, with labels and markup flags.

The analysis stage works on these. An *item* is one list item or paragraph line of a comment;
a standalone bold line (``'''Budget'''``) is a *block label* for the items after it, and a
``Label: text`` or ``Label - text`` prefix is an *item label*; both carry the structure of
point-by-point replies. Each item is split into sentences (with ``sentencex``), and a Spanish
``¿…?`` span is a unit of its own. Quoted text (``{{tq}}``, ``<blockquote>``, ``<q>``) and struck
text (``<s>``, ``<del>``) are flagged, not dropped.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import overload

from .langdata import load_language
from .model import Page, Span
from .wikitext import INVIS, PLACEHOLDER, Lexed, lex


@dataclass(frozen=True, slots=True)
class Item:
    """One line of a comment: a list item or a paragraph line, like ``* Budget: we spent…``."""

    comment: int  # index into Page.comments
    index: int  # position among the comment's items
    text: str  # readable text, label included
    span: Span
    label: str | None  # "Budget" in "Budget: we spent…"
    block_label: str | None  # the last standalone bold line before it in the comment
    templates: frozenset[str]  # normalised names of the templates written in the line
    indent: int  # list indentation of the line
    struck: bool  # the whole line is struck through
    number: int | None = None  # its number in a numbered (#) list: replies say "Re 2:", "Zu 2:"


@dataclass(frozen=True, slots=True)
class Unit:
    """A sentence of an item (or a ``¿…?`` span), the grain of questions and actions."""

    comment: int
    item: int  # index into the comment's items
    text: str
    span: Span
    quoted: bool  # mostly inside a quotation
    struck: bool  # mostly struck through


@dataclass(frozen=True, slots=True)
class CommentUnits:
    """The items and units of one comment."""

    items: tuple[Item, ...]
    units: tuple[Unit, ...]
    addressees: frozenset[str] = frozenset()  # users the comment pings ({{ping|X}}, {{re|X}})


# "\s*(?::\s*)?$" reads as "\s*:?\s*$" without trying every split of a run of spaces in two
_BOLD_LINE = re.compile(r"^[:*#\s]*'''+([^'\n]{1,80}?)'''+\s*(?::\s*)?$")
# "Budget: we spent…"; not "Draft:St Ebba's Well", a page name (no space after its colon)
_ITEM_LABEL = re.compile(r"^\s*([^\s:?!.][^:?!.\n]{0,78}?)\s*(?::(?=\s|$)|\s[–—-]\s)\s*(\S.*)$", re.S)
_LIST_PREFIX = re.compile(r"[:*#;]+\s*")
# <s>…</s>, <blockquote>…</blockquote>: see _elements
_STRUCK_TAGS = ("s", "del", "strike")
_QUOTE_TAGS = ("blockquote", "q")
_SPANISH_Q = re.compile(r"¿[^¿?]*\?")
_STRIKE_TEMPLATES = frozenset({"strike", "s", "strikethrough", "del"})


def fold(text: str) -> str:
    """Lower-case and strip accents, for matching cue words (envíen -> envien)."""
    lowered = text.casefold()
    if lowered.isascii():
        return lowered  # nothing to decompose (and the common case, read at C speed)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _elements(text: str, names: tuple[str, ...]) -> list[tuple[int, int]]:
    """Spans of the elements ``<name ...>…</name>``: the matches of
    ``<(name|…)\\b[^>]*>.*?</\\1\\s*>`` (case-insensitive, across lines), found in linear time.

    The regex would scan to the end of the page from every opening tag that is never closed;
    here the next ``>`` and the next closing tag of each name are searched once and reused
    while they lie ahead.
    """
    opening = re.compile(r"<(" + "|".join(names) + r")\b", re.I)
    closing = {n: re.compile(r"</" + n + r"\s*>", re.I) for n in names}
    ahead: dict[str, re.Match[str] | None] = {}  # name -> next closing tag found; None: no more
    gt = -1  # the next ">" found
    out: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = opening.search(text, pos)
        if m is None:
            break
        if gt < m.end():
            gt = text.find(">", m.end())
            if gt == -1:
                break  # no opening tag from here on is complete
        name = m.group(1).lower()
        if name not in ahead or (ahead[name] is not None and ahead[name].start() <= gt):  # type: ignore[union-attr]
            ahead[name] = closing[name].search(text, gt + 1)
        close = ahead[name]
        if close is None:
            pos = m.start() + 1
            continue
        out.append((m.start(), close.end()))
        pos = close.end()
    return out


class _Ranges:
    """Sorted, possibly overlapping ranges, asked how much of a span they cover."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        merged: list[tuple[int, int]] = []
        for s, e in sorted(ranges):
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
            else:
                merged.append((s, e))
        self.ranges = merged
        self.starts = [s for s, _ in merged]

    def covered(self, a: int, b: int) -> int:
        i = max(bisect.bisect_right(self.starts, a) - 1, 0)
        total = 0
        while i < len(self.ranges) and self.ranges[i][0] < b:
            s, e = self.ranges[i]
            total += max(0, min(e, b) - max(s, a))
            i += 1
        return total


class UnitBuilder:
    """Split every comment of a page into items and units."""

    def __init__(self, page: Page, lexed: Lexed | None = None) -> None:
        self.page = page
        self.text = page.source
        self.lexed = lexed or lex(page.source, load_language(page.lang), page.title)
        self.masked = self.lexed.masked
        templates = self.lexed.templates
        quote_names = load_language(page.lang).templates
        self.tpl_starts = [t.start for t in templates]
        self.templates = templates
        quoted = _elements(self.text, _QUOTE_TAGS) + [
            (t.start, t.end)
            for t in templates
            if t.name in quote_names.quote_inline or t.name in quote_names.quote_block
        ]
        struck = _elements(self.text, _STRUCK_TAGS) + [
            (t.start, t.end) for t in templates if t.name in _STRIKE_TEMPLATES
        ]
        self.quoted = _Ranges(quoted)
        self.struck = _Ranges(struck)

    def build(self) -> list[CommentUnits]:
        return [self.comment_units(i) for i in range(len(self.page.comments))]

    def comment_units(self, index: int) -> CommentUnits:
        c = self.page.comments[index]
        cut = sorted(s.span for s in c.signatures)
        items: list[Item] = []
        units: list[Unit] = []
        block_label: str | None = None
        numbers: dict[str, int] = {}  # list prefix -> last number given
        for a, b in c.spans:
            for ls, le in self._lines(a, b, cut):
                raw = self.text[ls:le]
                bold = _BOLD_LINE.match(raw)
                if bold:
                    block_label = _clean(bold.group(1))
                    continue
                text, offsets = self._readable(ls, le)
                stripped = text.strip()
                templates = self._templates_in(ls, le)
                if not _has_letters(stripped) and not templates:
                    continue
                lead = len(text) - len(text.lstrip())
                prefix = raw[: len(raw) - len(raw.lstrip(":*#"))]
                line_start = self.text.rfind("\n", 0, ls) + 1
                if not prefix and line_start < ls and not self.text[line_start:ls].strip(":*# \t"):
                    prefix = self.text[line_start:ls].rstrip()  # the comment starts after its "# "
                number = None
                if prefix.endswith("#"):
                    number = numbers[prefix] = numbers.get(prefix, 0) + 1
                elif not prefix:
                    numbers.clear()
                label = None
                m = _ITEM_LABEL.match(stripped)
                if m and len(m.group(1).split()) <= 10 and not re.search(r"\d:\d", m.group(1)):
                    label = m.group(1).strip(" '\"")
                item = Item(
                    comment=index,
                    index=len(items),
                    text=stripped,
                    span=(ls, le),
                    label=label,
                    block_label=block_label,
                    templates=templates,
                    indent=len(raw) - len(raw.lstrip(":*#")),
                    struck=self.struck.covered(ls, le) >= 0.8 * (le - ls),
                    number=number,
                )
                items.append(item)
                units.extend(self._sentences(item, stripped, offsets[lead:]))
        signed = _Ranges(cut)
        links, link_starts = self.lexed.links, self.lexed.link_starts
        pinged = set()
        for a, b in c.spans:
            for k in range(bisect.bisect_left(link_starts, a), bisect.bisect_left(link_starts, b)):
                link = links[k]
                if link.kind == "template" and not signed.covered(link.start, link.start + 1):
                    pinged.add(link.user)
        return CommentUnits(tuple(items), tuple(units), frozenset(pinged))

    def _lines(self, a: int, b: int, cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Source lines of ``[a, b)``, with signature ranges (sorted) cut out."""
        out: list[tuple[int, int]] = []
        pos = a
        first = 0  # the ranges before this one end before the current line: they cut no more
        while pos < b:
            nl = self.text.find("\n", pos, b)
            end = b if nl == -1 else nl
            start = pos
            while first < len(cut) and cut[first][1] <= start:
                first += 1
            for k in range(first, len(cut)):
                s, e = cut[k]
                if s >= end:
                    break
                if e > start:
                    if s > start:
                        out.append((start, s))
                    start = max(start, e)
            if start < end:
                out.append((start, end))
            pos = end + 1
        return out

    def _readable(self, a: int, b: int) -> tuple[str, _Offsets]:
        """Visible text of source ``[a, b)`` and the source offset of each of its characters.

        Visible runs are copied whole and their offsets kept as runs, not one list entry per
        character: a line of tens of megabytes costs a few times its size, not fifty.
        """
        masked, text = self.masked, self.text
        pos = a
        if text.rfind("\n", 0, a) + 1 == a:
            m = _LIST_PREFIX.match(text, a, b)
            if m:
                pos = m.end()
        out = _Readable()
        hidden_start, hidden_end = -1, -1  # the next run of hidden characters
        while pos < b:
            if hidden_end <= pos:
                h = _HIDDEN_RUN.search(masked, pos, b)
                hidden_start, hidden_end = (h.start(), h.end()) if h else (b, b + 1)
            if hidden_start <= pos:
                if text.startswith("<br", pos) or text.startswith("<BR", pos):
                    out.add(" ", pos)  # "…people.<br>3. Only if…": two sentences, not "people.3."
                pos = hidden_end
                continue
            amp = text.find("&", pos, hidden_start)
            if amp == -1:
                out.add(text[pos:hidden_start], pos)
                pos = hidden_start
                continue
            if amp > pos:
                out.add(text[pos:amp], pos)
            semi = text.find(";", amp, min(b, amp + 10))
            if semi != -1:
                decoded = html.unescape(text[amp : semi + 1])
                if len(decoded) == 1:
                    out.add(decoded, amp)
                    pos = semi + 1
                    continue
            out.add("&", amp)
            pos = amp + 1
        return out.text(), out.offsets()

    def _templates_in(self, a: int, b: int) -> frozenset[str]:
        i = bisect.bisect_left(self.tpl_starts, a)
        names = set()
        while i < len(self.templates) and self.templates[i].start < b:
            names.add(self.templates[i].name)
            i += 1
        return frozenset(names)

    def _sentences(self, item: Item, text: str, offsets: _Offsets) -> list[Unit]:
        from sentencex import segment

        out: list[Unit] = []
        pos = 0
        sentences = _join_markers(_join_ordinals(self.page.lang, segment(self.page.lang, text)))
        for sentence in _after_questions(sentences):
            start = text.find(sentence, pos)
            if start == -1:
                continue
            pos = start + len(sentence)
            pieces = [(start, pos, text[start:pos])]
            if "¿" in sentence and _SPANISH_Q.search(sentence):
                # each ¿…? is a question of its own; the words around them are one more unit
                spans = [(start + m.start(), start + m.end()) for m in _SPANISH_Q.finditer(sentence)]
                pieces = [(s, e, text[s:e]) for s, e in spans]
                rest = " ".join(_SPANISH_Q.sub(" ", sentence).split())
                if len(rest.split()) >= 4 and "?" not in rest:
                    pieces.append((start, spans[0][0], rest))
            for s, e, unit_text in sorted(pieces):
                unit_text = unit_text.strip()
                if not _has_letters(unit_text):
                    continue
                src = (offsets[s], offsets[max(min(e, len(offsets)) - 1, s)] + 1)
                length = max(1, src[1] - src[0])
                out.append(
                    Unit(
                        comment=item.comment,
                        item=item.index,
                        text=unit_text,
                        span=src,
                        quoted=self.quoted.covered(*src) >= 0.5 * length,
                        struck=self.struck.covered(*src) >= 0.5 * length,
                    )
                )
        return out


# languages that write ordinals with a dot ("im 18. Jahrhundert"), where a sentence ending in a
# bare number is far rarer than an ordinal the segmenter took for a full stop
_ORDINAL_DOT = frozenset("de da nb nn no fi is cs sk hu sl hr et lv tr".split())
_ENDS_IN_ORDINAL = re.compile(r"(?:^|\s)\d{1,4}\.\s*$")


_POINT_MARKER = re.compile(r"\(?\d{1,2}[.)]")


def _join_markers(sentences: Iterable[str]) -> Iterator[str]:
    """Sentences, with a lone point number ("1." + "Holdings only.") joined to the next one."""
    pending = ""
    for sentence in sentences:
        if len(sentence) < 12 and _POINT_MARKER.fullmatch(sentence.strip()):
            pending += sentence
            continue
        yield pending + sentence
        pending = ""
    if pending:
        yield pending


def _join_ordinals(lang: str, sentences: Iterable[str]) -> Iterator[str]:
    """Sentences, with a split after an ordinal ("18." + "Jahrhundert …") joined again."""
    if lang.split("-")[0] not in _ORDINAL_DOT:
        yield from sentences
        return
    pending: list[str] = []  # kept only while it ends in an ordinal
    for sentence in sentences:
        pending.append(sentence)
        if not _ends_in_ordinal(pending):
            yield "".join(pending)
            pending = []
    if pending:
        yield "".join(pending)


def _ends_in_ordinal(parts: list[str]) -> bool:
    """Whether ``_ENDS_IN_ORDINAL`` matches the joined parts, reading only their end: a match
    starts at most six characters before the trailing spaces (a list "1. 2. 3. …" would
    otherwise be searched again from its start at every item)."""
    if not parts[-1].strip():
        return len(parts) > 1  # spaces after what already ends in an ordinal (or after nothing)
    tail = ""
    for part in reversed(parts):
        tail = part + tail
        if len(tail.rstrip()) > 6:
            break
    # "^" matches only at the start of the joined text, never at a later search position
    return _ENDS_IN_ORDINAL.search(tail, max(0, len(tail.rstrip()) - 6)) is not None


_QUESTION_END = re.compile(r"(?<=[?？؟])\s+(?=[^\s?？؟])")


def _after_questions(sentences: Iterable[str]) -> Iterator[str]:
    """Sentences, split after every question mark: "what did i do wrong?? the capacity is…"
    (the segmenter keeps a lower-case word after "?" in the same sentence)."""
    for sentence in sentences:
        if "¿" in sentence:  # Spanish spans are cut out later, ¿…? by ¿…?
            yield sentence
            continue
        pos = 0
        for m in _QUESTION_END.finditer(sentence):
            yield sentence[pos : m.end()]
            pos = m.end()
        yield sentence[pos:]


_HIDDEN_RUN = re.compile("[" + INVIS + PLACEHOLDER + "]+")


class _Offsets:
    """Source offsets of a readable text's characters, stored as runs of consecutive offsets.

    Supports what a list of offsets would here: ``len``, ``offsets[i]`` and ``offsets[i:]``.
    """

    __slots__ = ("_text_pos", "_source_pos", "_shift", "_length")

    def __init__(self, text_pos: array[int], source_pos: array[int], shift: int, length: int) -> None:
        self._text_pos = text_pos  # where each run starts in the text...
        self._source_pos = source_pos  # ... and in the source
        self._shift = shift
        self._length = length

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> _Offsets: ...

    def __getitem__(self, i: int | slice) -> int | _Offsets:
        if isinstance(i, slice):
            start, stop, step = i.indices(self._length)
            if step != 1 or stop < self._length:
                raise ValueError("only offsets[i:] is supported")
            return _Offsets(self._text_pos, self._source_pos, self._shift + start, self._length - start)
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError("offset index out of range")
        j = i + self._shift
        k = bisect.bisect_right(self._text_pos, j) - 1
        return self._source_pos[k] + (j - self._text_pos[k])


class _Readable:
    """Builds a readable text and its offsets from pieces of source text."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.text_pos = array("q")
        self.source_pos = array("q")
        self.length = 0
        self.next_source = -1  # the source offset that would continue the last run

    def add(self, piece: str, source: int) -> None:
        """Append ``piece``, whose characters come from ``source``, ``source + 1``…"""
        if source != self.next_source:
            self.text_pos.append(self.length)
            self.source_pos.append(source)
        self.pieces.append(piece)
        self.length += len(piece)
        self.next_source = source + len(piece)

    def text(self) -> str:
        return "".join(self.pieces)

    def offsets(self) -> _Offsets:
        return _Offsets(self.text_pos, self.source_pos, 0, self.length)


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _clean(text: str) -> str:
    return " ".join(re.sub(r"\[\[(?:[^|\]]*\|)?([^\]]*)\]\]", r"\1", text).split())

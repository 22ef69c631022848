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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .langdata import load_language
from .model import Page, Span
from .wikitext import INVIS, OPAQUE, PLACEHOLDER, Lexed, lex


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


_BOLD_LINE = re.compile(r"^[:*#\s]*'''+([^'\n]{1,80}?)'''+\s*:?\s*$")
_ITEM_LABEL = re.compile(r"^\s*([^\s:?!.][^:?!.\n]{0,78}?)\s*(?::|\s[–—-]\s)\s*(\S.*)$", re.S)
_LIST_PREFIX = re.compile(r"[:*#;]+\s*")
_STRUCK = re.compile(r"<(s|del|strike)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_QUOTE_TAGS = re.compile(r"<(blockquote|q)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_SPANISH_Q = re.compile(r"¿[^¿?]*\?")
_STRIKE_TEMPLATES = frozenset({"strike", "s", "strikethrough", "del"})


def fold(text: str) -> str:
    """Lower-case and strip accents, for matching cue words (envíen -> envien)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _ranges(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


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
        quoted = _ranges(_QUOTE_TAGS, self.text) + [
            (t.start, t.end)
            for t in templates
            if t.name in quote_names.quote_inline or t.name in quote_names.quote_block
        ]
        struck = _ranges(_STRUCK, self.text) + [
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
        pinged = frozenset(
            link.user
            for link in self.lexed.links
            if link.kind == "template" and any(a <= link.start < b for a, b in c.spans)
            and not any(s <= link.start < e for s, e in cut)
        )
        return CommentUnits(tuple(items), tuple(units), pinged)

    def _lines(self, a: int, b: int, cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Source lines of ``[a, b)``, with signature ranges cut out."""
        out: list[tuple[int, int]] = []
        pos = a
        while pos < b:
            nl = self.text.find("\n", pos, b)
            end = b if nl == -1 else nl
            start = pos
            for s, e in cut:
                if s < end and e > start:
                    if s > start:
                        out.append((start, s))
                    start = max(start, e)
            if start < end:
                out.append((start, end))
            pos = end + 1
        return out

    def _readable(self, a: int, b: int) -> tuple[str, list[int]]:
        """Visible text of source ``[a, b)`` and the source offset of each of its characters."""
        chars: list[str] = []
        offsets: list[int] = []
        masked, text = self.masked, self.text
        k = a
        line_start = text.rfind("\n", 0, a) + 1 == a
        if line_start:
            m = _LIST_PREFIX.match(text, a, b)
            if m:
                k = m.end()
        while k < b:
            mk = masked[k]
            if mk == INVIS or mk == PLACEHOLDER:
                k += 1
                continue
            ch = text[k] if mk == OPAQUE else mk
            if ch == "&":
                semi = text.find(";", k, min(b, k + 10))
                if semi != -1:
                    decoded = html.unescape(text[k : semi + 1])
                    if len(decoded) == 1:
                        chars.append(decoded)
                        offsets.append(k)
                        k = semi + 1
                        continue
            chars.append(ch)
            offsets.append(k)
            k += 1
        return "".join(chars), offsets

    def _templates_in(self, a: int, b: int) -> frozenset[str]:
        i = bisect.bisect_left(self.tpl_starts, a)
        names = set()
        while i < len(self.templates) and self.templates[i].start < b:
            names.add(self.templates[i].name)
            i += 1
        return frozenset(names)

    def _sentences(self, item: Item, text: str, offsets: list[int]) -> list[Unit]:
        from sentencex import segment

        out: list[Unit] = []
        pos = 0
        for sentence in _after_questions(_join_ordinals(self.page.lang, segment(self.page.lang, text))):
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


def _join_ordinals(lang: str, sentences: Iterable[str]) -> Iterator[str]:
    """Sentences, with a split after an ordinal ("18." + "Jahrhundert …") joined again."""
    if lang.split("-")[0] not in _ORDINAL_DOT:
        yield from sentences
        return
    pending = ""
    for sentence in sentences:
        pending += sentence
        if not _ENDS_IN_ORDINAL.search(pending):
            yield pending
            pending = ""
    if pending:
        yield pending


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


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _clean(text: str) -> str:
    return " ".join(re.sub(r"\[\[(?:[^|\]]*\|)?([^\]]*)\]\]", r"\1", text).split())

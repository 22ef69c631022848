"""Block structure of masked wikitext: lines, headings, list indentation, paragraphs, tables.

This plays the part of MediaWiki's block-level pass: it tells, for any offset, which block
(paragraph, list item, table cell...) holds it and how deeply it is indented, which is all the
comment stage needs to find signatures and comment boundaries as DiscussionTools does.
"""

from __future__ import annotations

import bisect
import re
from enum import Enum
from typing import NamedTuple

from .wikitext import INVIS, Lexed


class LineKind(Enum):
    BLANK = "blank"  # whitespace only: ends a paragraph
    VOID = "void"  # only hidden markup (a comment line): removed, as by MediaWiki
    HEADING = "heading"
    LIST = "list"  # starts with : * # ;
    TEXT = "text"  # paragraph text
    PRE = "pre"  # starts with a space
    HR = "hr"  # ----
    TABLE = "table"  # {| |- |} lines
    CELL = "cell"  # | or ! lines inside a table
    TERM = "term"  # a lone ;term line: a "fake heading", a comment separator


_HEADING = re.compile(r"(={1,6})(.*?)(={1,6})[ \t\r\x00]*$")
_PREFIX = re.compile(r"[:*#;]*")
_WS = " \t\r" + INVIS


class Line(NamedTuple):
    """One source line and its role in the block structure (a named tuple: a page has one per
    line, and a frozen dataclass cost three times as much to make)."""

    start: int
    end: int  # offset of the newline, or of the end of the text
    kind: LineKind
    indent: int  # li/dd ancestors (0 = unindented)
    content: int  # offset where the line's content starts (after list prefix or cell marker)
    block: int  # index of the first line of the block (paragraph) this line belongs to
    split: int = -1  # for ;term:definition lines, offset of the colon; text after it is indent+1
    heading_level: int = 0


class Blocks:
    """Lines of a lexed page and the queries the comment stage needs."""

    def __init__(self, lexed: Lexed) -> None:
        self.lexed = lexed
        self.masked = lexed.masked
        self.lines: list[Line] = []
        self.starts: list[int] = []
        self._build()
        # end of the last line of each paragraph (by its first line's index): block_end looks
        # it up instead of walking the paragraph's lines from every signature in it
        self._paragraph_end = [0] * len(self.lines)
        for ln in self.lines:
            self._paragraph_end[ln.block] = ln.end
        splits = {ln.split for ln in self.lines if ln.split >= 0}
        self.bounds = sorted(set(lexed.bounds) | splits | set(self._cell_bounds))
        self.seps = lexed.seps

    # construction --------------------------------------------------------------------------
    def _build(self) -> None:
        masked = self.masked
        lines, starts = self.lines, self.starts
        self._cell_bounds: list[int] = []
        table_indents: list[int] = []
        pos = 0
        n = len(masked)
        block = 0
        prev_kind = LineKind.BLANK
        while pos <= n:
            nl = masked.find("\n", pos)
            end = n if nl == -1 else nl
            body = masked[pos:end]
            kind, indent, content, split, hlevel = self._classify(body, pos, table_indents)
            if kind is LineKind.VOID:
                # a removed line neither starts nor ends a paragraph
                lines.append(Line(pos, end, kind, indent, content, block))
                starts.append(pos)
                pos = end + 1
                continue
            continues = (kind is LineKind.TEXT and prev_kind in (LineKind.TEXT, LineKind.CELL)) or (
                kind is LineKind.PRE and prev_kind is LineKind.PRE
            )
            if not continues:
                block = len(lines)
            lines.append(Line(pos, end, kind, indent, content, block, split, hlevel))
            starts.append(pos)
            if kind is LineKind.CELL:
                # inline cells: | a || b, ! a !! b
                sep = "!!" if body.lstrip(_WS).startswith("!") else "||"
                k = masked.find(sep, content, end)
                while k != -1:
                    self._cell_bounds.append(k)
                    k = masked.find(sep, k + 2, end)
            prev_kind = kind
            if kind is LineKind.TEXT and self._has_bound(pos, end):
                # text after a block (a box template, a <div>) is a paragraph ending with its line
                prev_kind = LineKind.BLANK
            pos = end + 1

    def _classify(
        self, body: str, pos: int, tables: list[int]
    ) -> tuple[LineKind, int, int, int, int]:
        stripped = body.strip(_WS)
        if not stripped:
            return (LineKind.VOID if INVIS in body else LineKind.BLANK), 0, pos, -1, 0
        base = tables[-1] if tables else 0
        if body.startswith("="):
            m = _HEADING.match(body)
            if m and m.group(2).strip(_WS):
                a, b = len(m.group(1)), len(m.group(3))
                return LineKind.HEADING, 0, pos, -1, min(a, b)
        lead = body.lstrip(_WS)
        if lead.startswith("{|"):
            prefix = _PREFIX.match(body).group()  # type: ignore[union-attr]
            tables.append(base + prefix.count(":") if not tables else base)
            return LineKind.TABLE, tables[-1], pos + len(body), -1, 0
        if tables:
            if lead.startswith("|}"):
                tables.pop()
                return LineKind.TABLE, base, pos + len(body), -1, 0
            if lead.startswith("|-"):
                return LineKind.TABLE, base, pos + len(body), -1, 0
            if lead[:1] in ("|", "!"):
                off = len(body) - len(lead) + 1 + (1 if lead[1:2] == "+" else 0)
                return LineKind.CELL, base, pos + off, -1, 0
        if body.startswith("----"):
            return LineKind.HR, base, pos, -1, 0
        prefix = _PREFIX.match(body).group()  # type: ignore[union-attr]
        if prefix:
            indent = base + sum(1 for ch in prefix if ch != ";")
            content = pos + len(prefix)
            split = -1
            if prefix.endswith(";"):
                colon = body.find(":", len(prefix))
                if colon != -1:
                    split = pos + colon
                elif self._lone_term(pos + len(body)):
                    return LineKind.TERM, indent, content, -1, 0
            return LineKind.LIST, indent, content, split, 0
        if body.startswith(" ") and not tables and not self._has_bound(pos, pos + len(body)):
            return LineKind.PRE, base, pos + 1, -1, 0
        return LineKind.TEXT, base, pos, -1, 0

    def _lone_term(self, end: int) -> bool:
        """Whether a ;term line is a dl of its own (no :definition line follows it)."""
        return not self.masked.startswith(":", end + 1)

    def _has_bound(self, a: int, b: int) -> bool:
        bounds = self.lexed.bounds
        i = bisect.bisect_left(bounds, a)
        return i < len(bounds) and bounds[i] < b

    # queries -------------------------------------------------------------------------------
    def line_at(self, pos: int) -> int:
        """Index of the line holding offset ``pos``."""
        return bisect.bisect_right(self.starts, pos) - 1

    def indent_at(self, pos: int) -> int:
        """Indentation (li/dd ancestors) of the content at ``pos``."""
        line = self.lines[self.line_at(pos)]
        if line.split >= 0 and pos > line.split:
            return line.indent + 1
        return line.indent

    def block_start(self, pos: int) -> int:
        """Where the block holding ``pos`` starts: line, paragraph or the last block boundary."""
        i = self.line_at(pos)
        line = self.lines[i]
        first = self.lines[line.block]
        start = first.content if first.kind is not LineKind.TEXT else first.start
        if line.split >= 0 and pos > line.split:
            start = line.split + 1
        j = bisect.bisect_right(self.bounds, pos) - 1
        if j >= 0 and self.bounds[j] > start:
            start = self.bounds[j]
        return start

    def block_end(self, pos: int) -> int:
        """Where the block holding ``pos`` ends: end of line or paragraph, or the next boundary."""
        i = self.line_at(pos)
        line = self.lines[i]
        end = line.end
        if line.kind in (LineKind.TEXT, LineKind.CELL, LineKind.PRE):
            end = self._paragraph_end[line.block]  # the lines of a paragraph are consecutive
        if line.split >= 0 and pos < line.split:
            end = line.split
        j = bisect.bisect_right(self.bounds, pos)
        if j < len(self.bounds) and self.bounds[j] < end:
            end = self.bounds[j]
        j = bisect.bisect_left(self.seps, pos)
        if j < len(self.seps) and self.seps[j] < end:
            end = self.seps[j]
        return end

    def crosses_bound(self, a: int, b: int) -> bool:
        """Whether a block boundary lies strictly inside ``(a, b)``."""
        i = bisect.bisect_right(self.bounds, a)
        return i < len(self.bounds) and self.bounds[i] < b

    def first_content(self, pos: int, limit: int) -> int | None:
        """Offset of the first visible content at or after ``pos`` and before ``limit``."""
        lines = self.lines
        i = self.line_at(pos)
        while i < len(lines) and pos < limit:
            line = lines[i]
            if line.kind in _CONTENT_KINDS:
                m = _CONTENT.search(self.masked, max(pos, line.content), min(line.end, limit))
                if m:
                    return m.start()
            i += 1
            if i < len(lines):
                pos = lines[i].start
        return None


_CONTENT = re.compile(r"[^\s\x00]")
_CONTENT_KINDS = frozenset((LineKind.TEXT, LineKind.LIST, LineKind.PRE, LineKind.CELL))

"""Threading: indentation levels and reply parents, DiscussionTools' way and a reader's way.

DiscussionTools attaches each comment to the last comment indented one step less. Reader mode
keeps that rule and corrects the places where it misreads a page:

* an unsigned list (or paragraph) followed by another user's signed reply, and the list's
  author's signature only after it: the list belongs to its author's comment, and the inserted
  reply replies to that comment at its own indentation (DT glues the list to the reply);
* after ``{{outdent}}``/``{{od}}`` the comment replies to the comment just above it;
* relisting and deletion-sorting notices in deletion discussions are not thread parents: the
  votes after them reply to the nomination;
* a closed box (``{{archive top}}`` ... ``{{archive bottom}}``) keeps its replies inside: the
  comments after the box continue the thread as it stood before the box opened.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from .blocks import Blocks, LineKind
from .model import Signature
from .wikitext import Lexed


@dataclass(slots=True)
class RawComment:
    """A comment while the parser is still deciding its level and parent."""

    start: int
    end: int
    sigs: list[Signature]
    start_level: int
    end_level: int
    heading: int | None
    level: int = 0
    parent: int | None = None
    pieces: list[tuple[int, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notice: bool = False  # a relisting or deletion-sorting notice
    owner: int | None = None  # reader mode: the interrupted comment this one replies to

    @property
    def when(self) -> datetime:
        return self.sigs[0].timestamp


def assign_parents(
    comments: list[RawComment], blocks: Blocks, lexed: Lexed, *, reader_mode: bool
) -> None:
    """Set ``level``, ``parent`` (and in reader mode ``pieces``) of every comment, in place."""
    for c in comments:
        c.level = min(c.start_level, c.end_level)
        c.pieces = [(c.start, c.end)]
    if not reader_mode:
        _stack_parents(comments)
        return
    _reattach_interrupted(comments, blocks)
    _stack_parents(
        comments,
        outdented=_after_outdent(comments, lexed),
        box_spans=_closed_boxes(lexed),
        notices=True,
    )


def _stack_parents(
    comments: list[RawComment],
    *,
    outdented: set[int] | None = None,
    box_spans: list[tuple[int, int]] | None = None,
    notices: bool = False,
) -> None:
    """A comment replies to the last one indented one step less (DiscussionTools' stack)."""
    stack: list[int | None] = [None]
    heading: int | None = -1
    first_in_section: int | None = None
    saved: list[tuple[int, list[int | None]]] = []  # (box end, stack when the box opened)
    boxes = box_spans or []
    next_box = 0
    for i, c in enumerate(comments):
        if c.heading != heading:
            heading = c.heading
            stack = [None]
            first_in_section = i
            saved.clear()
        while next_box < len(boxes) and boxes[next_box][0] <= c.start:
            box_start, box_end = boxes[next_box]
            next_box += 1
            if box_end > c.start:
                saved.append((box_end, list(stack)))
        while saved and saved[-1][0] <= c.start:
            stack = saved.pop()[1]
        level = c.level + 1
        if len(stack) < level:
            c.warnings.append("Comment skips indentation level")
            stack.extend([stack[-1]] * (level - len(stack)))
        parent = stack[level - 1]
        if outdented and i in outdented and i > 0 and comments[i - 1].heading == heading:
            parent = i - 1
        if c.owner is not None:
            parent = c.owner
        if notices and c.notice and first_in_section is not None and first_in_section != i:
            c.parent = parent
            continue  # a notice is not a thread parent
        c.parent = parent
        del stack[level:]
        stack.append(i)


def _after_outdent(comments: list[RawComment], lexed: Lexed) -> set[int]:
    """Indexes of comments that start after an {{outdent}} (since the previous comment)."""
    out: set[int] = set()
    marks = lexed.outdents
    prev_end = 0
    for i, c in enumerate(comments):
        j = bisect.bisect_left(marks, prev_end)
        if j < len(marks) and marks[j] < c.sigs[0].span[0]:
            out.add(i)
        prev_end = c.end
    return out


def _closed_boxes(lexed: Lexed) -> list[tuple[int, int]]:
    """``(start, end)`` of each {{archive top}}...{{archive bottom}} pair, outermost pairing."""
    spans: list[tuple[int, int]] = []
    opened: list[int] = []
    for offset, kind in lexed.boxes:
        if kind == "open":
            opened.append(offset)
        elif opened:
            spans.append((opened.pop(), offset))
    return sorted(spans)


INSERTED_REPLY_SCAN = 200  # comments looked through for the author of an interrupted comment


def _reattach_interrupted(comments: list[RawComment], blocks: Blocks) -> None:
    """Give unsigned text back to its author when another user's reply was inserted into it.

    The author's signature is looked for among the next ``INSERTED_REPLY_SCAN`` comments (a
    reviewer's list with a few replies under each item needs tens): a page made only of such
    comments is then read in linear time.
    """
    n = len(comments)
    for k in range(n):
        x = comments[k]
        if x.start_level >= x.end_level or len(x.pieces) != 1:
            continue
        owner = None
        for j in range(k + 1, min(n, k + 1 + INSERTED_REPLY_SCAN)):
            y = comments[j]
            if y.heading != x.heading:
                break
            if min(y.start_level, y.end_level) <= x.start_level:
                if y.when < x.when:
                    owner = j
                    break
                if y.start_level < y.end_level:
                    continue  # another reply inserted under the next item: keep looking
                break
        if owner is None:
            continue
        reply_start = _first_line_at(blocks, x.start, x.sigs[0].span[0], x.end_level)
        if reply_start is None or reply_start <= x.start:
            continue
        head_end = x.start + len(blocks.masked[x.start:reply_start].rstrip())
        y = comments[owner]
        # the owner's pieces stay in page order: earlier heads first
        y.pieces = sorted([*y.pieces, (x.start, head_end)])
        y.level = min(y.level, x.start_level)
        x.start = reply_start
        x.pieces = [(reply_start, x.end)]
        x.start_level = x.end_level
        x.level = x.end_level
        x.owner = owner
        x.warnings = [w for w in x.warnings if not w.startswith("Comment starts and ends")]


def _first_line_at(blocks: Blocks, start: int, limit: int, level: int) -> int | None:
    """Content offset of the first line from ``start`` indented at least ``level``."""
    i = blocks.line_at(start)
    lines = blocks.lines
    while i < len(lines) and lines[i].start <= limit:
        line = lines[i]
        if line.kind is LineKind.LIST and line.indent >= level:
            return blocks.first_content(line.start, line.end + 1) or line.content
        i += 1
    return None

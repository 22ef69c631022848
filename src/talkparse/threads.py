"""Threading: indentation levels and reply parents, DiscussionTools' way and a reader's way."""

from __future__ import annotations

from dataclasses import dataclass, field

from .blocks import Blocks
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


def assign_parents(
    comments: list[RawComment], blocks: Blocks, lexed: Lexed, *, reader_mode: bool
) -> None:
    """Set ``level`` and ``parent`` of every comment, in place."""
    for c in comments:
        c.level = min(c.start_level, c.end_level)
    _dt_parents(comments)


def _dt_parents(comments: list[RawComment]) -> None:
    """DiscussionTools' stack: a comment replies to the last one indented one step less."""
    stack: list[int | None] = [None]
    heading: int | None = -1
    for i, c in enumerate(comments):
        if c.heading != heading:
            heading = c.heading
            stack = [None]
        level = c.level + 1
        if len(stack) < level:
            c.warnings.append("Comment skips indentation level")
            stack.extend([stack[-1]] * (level - len(stack)))
        c.parent = stack[level - 1]
        del stack[level:]
        stack.append(i)

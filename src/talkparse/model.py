"""Typed, frozen records passed between talkparse's stages."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Iterator, Literal, Mapping

Span = tuple[int, int]
"""A half-open ``(start, end)`` range of character offsets into the page's wikitext."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something odd in the wikitext, like an unclosed ``<ref>`` or a transcluded ``{{Talk:X/GA1}}``."""

    code: str  # stable machine name, e.g. "transclusion", "skipped-indentation"
    message: str  # one human sentence
    offset: int | None = None  # character offset into the wikitext, when the problem has a place


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading, like ``== Budget ==``."""

    title: str  # rendered headline text (links shown as their labels, markup removed)
    level: int  # 1-6, the number of ``=``
    span: Span = field(compare=False)  # the heading line, without its newline


@dataclass(frozen=True, slots=True)
class Signature:
    """A user link then a timestamp, like ``[[User:X|X]] ([[User talk:X|talk]]) 12:11, 19 August 2019 (UTC)``."""

    author: str  # normalised user name: first letter upper case, spaces not underscores
    timestamp: datetime  # aware, UTC
    display_name: str | None = None  # the link label, when it differs from the user name
    via_template: str | None = None  # {{unsigned|...}}-style template that supplied it, if any
    span: Span = field(default=(0, 0), compare=False)  # from the first link to the end of the timestamp


@dataclass(frozen=True, slots=True)
class Comment:
    """A signed contribution, like ``:Reply text. [[User:X|X]] 12:11, 19 August 2019 (UTC)``."""

    id: str  # DiscussionTools-style id: c-<author>-<time>[-<parent author>-<parent time>]
    author: str  # author of the first signature
    timestamp: datetime  # time of the first signature, aware UTC
    level: int  # indentation, 0 = unindented
    parent: int | None  # index into Page.comments of the comment it replies to; None = starts a thread
    heading: int | None  # index into Page.headings; None = before the first heading
    text: str  # plain text of the body, signature removed
    signatures: tuple[Signature, ...]  # every signature in the comment, the first one included
    display_name: str | None = None  # label of the author's link, when it differs from the name
    spans: tuple[Span, ...] = field(default=(), compare=False)  # pieces of source; >1 when interrupted
    warnings: tuple[Diagnostic, ...] = ()
    transcluded_from: str | None = None  # title of the transcluded page it was read from, if any

    @property
    def span(self) -> Span:
        """Return the overall ``(start, end)`` extent, from the first piece to the last."""
        return (self.spans[0][0], self.spans[-1][1]) if self.spans else (0, 0)


SegmentKind = Literal["heading", "comment", "other"]


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of the page's source that belongs to one item: a heading, a comment, or neither."""

    start: int
    end: int
    kind: SegmentKind
    index: int | None  # index into Page.headings or Page.comments; None for "other"


@dataclass(frozen=True, slots=True)
class Page:
    """A parsed talk page: its headings and signed comments.

    ``wiki`` and ``revision`` are None for wikitext read from a file or stdin.
    """

    title: str | None
    lang: str
    timezone: str  # IANA name of the zone local signatures were read in
    headings: tuple[Heading, ...]
    comments: tuple[Comment, ...]
    warnings: tuple[Diagnostic, ...]
    length: int = field(default=0, compare=False)  # characters in the source wikitext
    source: str = field(default="", compare=False, repr=False)  # the wikitext itself
    wiki: str | None = None  # where it came from: a wiki's host or api.php URL, a dump's dbname
    revision: int | None = None  # its revision id, when it came from a wiki or a dump

    def segments(self) -> Iterator[Segment]:
        """Yield segments that cover the whole source exactly once, in page order.

        Headings and comment pieces come from the parse; everything between them (blank lines,
        unsigned text, separators) is reported as ``"other"``.
        """
        items: list[tuple[int, int, SegmentKind, int]] = [
            (h.span[0], h.span[1], "heading", i) for i, h in enumerate(self.headings)
        ]
        for i, c in enumerate(self.comments):
            items.extend((s, e, "comment", i) for s, e in c.spans)
        items.sort()
        pos = 0
        for start, end, kind, index in items:
            if start > pos:
                yield Segment(pos, start, "other", None)
            if end > start:
                yield Segment(start, end, kind, index)
            pos = max(pos, end)
        if pos < self.length:
            yield Segment(pos, self.length, "other", None)

    def replace(self, **changes: object) -> Page:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


class QuestionStatus(str, Enum):
    """Whether a question got an answer."""

    ANSWERED = "answered"
    UNCLEAR = "unclear"  # someone replied, but not clearly to this question
    UNANSWERED = "unanswered"


class ActionKind(str, Enum):
    """What an action item is."""

    REQUEST = "request"  # someone asks another party to do something
    COMMITMENT = "commitment"  # someone promises to do something


class ActionStatus(str, Enum):
    """Where an action item stands at the end of the page."""

    OPEN = "open"
    PROMISED = "promised"  # a request the other party promised to do, not yet confirmed
    RESOLVED = "resolved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class Question:
    """A question asked in a comment, like ``Could you share the budget breakdown?``."""

    comment: int  # index into Page.comments of the comment that asks it
    text: str  # the question sentence, markup removed
    status: QuestionStatus
    answered_by: tuple[int, ...]  # comments that answer it, best first
    indirect: bool = False  # asked without a question mark ("I'd like to know...")
    span: Span = field(default=(0, 0), compare=False)

    @property
    def answered(self) -> bool:
        """True when the question has an answer."""
        return self.status is QuestionStatus.ANSWERED


@dataclass(frozen=True, slots=True)
class Action:
    """A request or a commitment, like ``Please return the remaining funds.``."""

    comment: int  # index into Page.comments of the comment that makes it
    text: str
    kind: ActionKind
    status: ActionStatus
    resolved_by: tuple[int, ...]  # comments that settle it (done, declined, withdrawn)
    promised_by: tuple[int, ...] = ()  # comments that promise to do a request
    actor: str | None = None  # who owes it: the promiser, or the party asked
    span: Span = field(default=(0, 0), compare=False)


@dataclass(frozen=True, slots=True)
class Analysis:
    """A page with its questions and action items."""

    page: Page
    questions: tuple[Question, ...]
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class RawPage:
    """One revision of a wiki page as fetched: its wikitext and where and when it came from."""

    wiki: str  # the wiki: its host (meta.wikimedia.org) or, off the usual layout, its api.php URL
    api: str  # the wiki's api.php URL
    title: str  # the page title as the wiki normalised it
    revid: int  # revision id
    timestamp: datetime  # time of the revision, aware UTC
    wikitext: str
    lang: str  # the wiki's content language
    timezone: str  # the wiki's local time zone ($wgLocaltimezone)
    siteinfo: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    transcluded: tuple[RawPage, ...] = ()  # pages transcluded into this one, as fetched with it


@dataclass(frozen=True, slots=True)
class Revision:
    """One line of a page's history: ``12345 2024-01-01T10:00:00Z Alice 140 new section``."""

    revid: int
    timestamp: datetime  # aware UTC
    user: str | None  # None when hidden
    anon: bool  # an IP edit
    size: int  # bytes
    comment: str  # edit summary

"""Statistics of one or many analysed pages: who takes part, how threads grow, how fast people
reply, how many questions get answered, and what has waited longest."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from .model import Analysis, QuestionStatus
from .report import OUTSTANDING


@dataclass(frozen=True, slots=True)
class Participant:
    name: str
    comments: int
    threads: int  # threads they wrote in
    first: datetime
    last: datetime


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An unanswered question or an outstanding action, for the "oldest open" list."""

    page: str
    kind: str  # "question", "request", "commitment"
    who: str  # the asker, or who made the request or promise
    since: datetime
    text: str
    status: str


@dataclass(frozen=True, slots=True)
class Stats:
    """Figures over every page given to :func:`page_stats`."""

    pages: int
    comments: int
    threads: int
    participants: tuple[Participant, ...]  # most comments first
    thread_sizes: tuple[int, ...]  # comments per thread, page order
    thread_depths: tuple[int, ...]  # deepest reply level below each thread's first comment
    first_reply: tuple[timedelta, ...]  # time from a thread's first comment to its first reply
    questions: int
    answered: int
    unclear: int
    actions: int
    outstanding: int
    oldest_open: tuple[OpenItem, ...]  # longest waiting first

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    @property
    def median_first_reply(self) -> timedelta | None:
        if not self.first_reply:
            return None
        ordered = sorted(self.first_reply)  # statistics.median, for timedeltas
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    def record(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        def minutes(d: timedelta | None) -> float | None:
            return None if d is None else round(d.total_seconds() / 60, 1)

        return {
            "pages": self.pages,
            "comments": self.comments,
            "threads": self.threads,
            "participants": [
                {"name": p.name, "comments": p.comments, "threads": p.threads,
                 "first": _iso(p.first), "last": _iso(p.last)} for p in self.participants
            ],
            "thread_size": _summary(self.thread_sizes),
            "thread_depth": _summary(self.thread_depths),
            "median_minutes_to_first_reply": minutes(self.median_first_reply),
            "threads_with_replies": len(self.first_reply),
            "questions": self.questions,
            "answered": self.answered,
            "unclear": self.unclear,
            "answered_share": None if self.answered_share is None else round(self.answered_share, 3),
            "actions": self.actions,
            "outstanding": self.outstanding,
            "oldest_open": [
                {"page": o.page, "kind": o.kind, "who": o.who, "since": _iso(o.since), "status": o.status,
                 "text": o.text} for o in self.oldest_open
            ],
        }


def _iso(when: datetime) -> str:
    from .export import iso

    return iso(when)


def _summary(values: tuple[int, ...]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "median": None, "mean": None, "max": None}
    return {"count": len(values), "median": statistics.median(values),
            "mean": round(statistics.fmean(values), 2), "max": max(values)}


def page_stats(analyses: Iterable[Analysis], *, oldest: int = 10) -> Stats:
    """Compute the statistics of the analysed pages together.

    A thread is a comment that replies to no other, with every reply below it (as in
    :func:`talkparse.to_frame`); its size counts them all, its depth is the deepest chain of
    replies under the first comment, and its first reply is the earliest reply in it.
    """
    per_name: Counter[str] = Counter()
    threads_of: dict[str, set[tuple[int, int]]] = {}
    first_seen: dict[str, datetime] = {}
    last_seen: dict[str, datetime] = {}
    sizes: list[int] = []
    depths: list[int] = []
    first_reply: list[timedelta] = []
    questions = answered = unclear = actions = outstanding = pages = comments_total = 0
    open_items: list[OpenItem] = []
    for n, a in enumerate(analyses):
        pages += 1
        page = a.page
        name = page.title or f"page {n + 1}"
        comments = page.comments
        comments_total += len(comments)
        root: list[int] = []
        depth: list[int] = []
        for i, c in enumerate(comments):
            r, d, p, guard = i, 0, c.parent, 0
            while p is not None and guard < len(comments):
                r, d, p, guard = p, d + 1, comments[p].parent, guard + 1
            root.append(r)
            depth.append(d)
        members: dict[int, list[int]] = {}
        for i, r in enumerate(root):
            members.setdefault(r, []).append(i)
        for r, ids in members.items():
            sizes.append(len(ids))
            depths.append(max(depth[i] for i in ids))
            replies = [comments[i].timestamp for i in ids if i != r]
            if replies:
                first_reply.append(max(timedelta(0), min(replies) - comments[r].timestamp))
        for i, c in enumerate(comments):
            per_name[c.author] += 1
            threads_of.setdefault(c.author, set()).add((n, root[i]))
            first_seen[c.author] = min(first_seen.get(c.author, c.timestamp), c.timestamp)
            last_seen[c.author] = max(last_seen.get(c.author, c.timestamp), c.timestamp)
        for q in a.questions:
            questions += 1
            answered += q.status is QuestionStatus.ANSWERED
            unclear += q.status is QuestionStatus.UNCLEAR
            if q.status is not QuestionStatus.ANSWERED:
                c = comments[q.comment]
                open_items.append(OpenItem(name, "question", c.author, c.timestamp, q.text, q.status.value))
        for x in a.actions:
            actions += 1
            if x.status in OUTSTANDING:
                outstanding += 1
                c = comments[x.comment]
                open_items.append(OpenItem(name, x.kind.value, c.author, c.timestamp, x.text, x.status.value))
    people = sorted(
        (Participant(who, k, len(threads_of[who]), first_seen[who], last_seen[who]) for who, k in per_name.items()),
        key=lambda p: (-p.comments, p.first, p.name),
    )
    open_items.sort(key=lambda o: o.since)
    return Stats(
        pages=pages, comments=comments_total, threads=len(sizes), participants=tuple(people),
        thread_sizes=tuple(sizes), thread_depths=tuple(depths), first_reply=tuple(first_reply),
        questions=questions, answered=answered, unclear=unclear, actions=actions,
        outstanding=outstanding, oldest_open=tuple(open_items[:oldest]),
    )


def render_stats(stats: Stats) -> Any:
    """The statistics as rich renderables for the terminal."""
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    rec = stats.record()
    head = Table.grid(padding=(0, 2))
    share = stats.answered_share
    reply = stats.median_first_reply
    for label, value in (
        ("pages", stats.pages), ("comments", stats.comments), ("threads", stats.threads),
        ("participants", len(stats.participants)),
        ("thread size", _describe(rec["thread_size"])), ("thread depth", _describe(rec["thread_depth"])),
        ("median time to first reply", _duration(reply) if reply is not None else "no replies"),
        ("questions answered", f"{stats.answered} of {stats.questions}"
         + (f" ({share:.0%})" if share is not None else "") + f", {stats.unclear} unclear"),
        ("actions outstanding", f"{stats.outstanding} of {stats.actions}"),
    ):
        head.add_row(Text(label, style="bold"), str(value))
    people = Table(title="Participants", expand=False)
    for col in ("name", "comments", "threads", "first", "last"):
        people.add_column(col, justify="right" if col in ("comments", "threads") else "left")
    for p in stats.participants:
        people.add_row(escape(p.name), str(p.comments), str(p.threads), f"{p.first:%Y-%m-%d}", f"{p.last:%Y-%m-%d}")
    parts: list[Any] = [head, people]
    if stats.oldest_open:
        old = Table(title="Oldest open items", expand=True)
        old.add_column("since", no_wrap=True)
        old.add_column("page", max_width=22, overflow="fold")
        old.add_column("kind", no_wrap=True)
        old.add_column("who", max_width=18, overflow="fold")
        old.add_column("text", ratio=1, min_width=30)
        for o in stats.oldest_open:
            old.add_row(f"{o.since:%Y-%m-%d}", escape(o.page), o.kind, escape(o.who), escape(o.text))
        parts.append(old)
    return Group(*parts)


def _describe(summary: dict[str, Any]) -> str:
    if not summary["count"]:
        return "-"
    return f"median {summary['median']}, mean {summary['mean']}, max {summary['max']}"


def _duration(d: timedelta) -> str:
    minutes = d.total_seconds() / 60
    if minutes < 90:
        return f"{minutes:.0f} minutes"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes / 1440:.1f} days"

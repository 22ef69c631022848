"""The audit report: unanswered questions and outstanding actions, then the settled ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .model import Action, ActionKind, ActionStatus, Analysis, Comment, Question, QuestionStatus

OUTSTANDING = (ActionStatus.OPEN, ActionStatus.PROMISED)


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts behind the summary line and the exit status of ``--fail-on``."""

    questions: int
    answered: int
    unclear: int
    unanswered: int
    actions: int
    open: int
    promised: int
    resolved: int
    declined: int
    withdrawn: int

    @property
    def outstanding(self) -> int:
        return self.open + self.promised

    def line(self) -> str:
        return (
            f"{self.questions} questions: {self.answered} answered, {self.unanswered} unanswered, "
            f"{self.unclear} unclear; {self.actions} actions: {self.outstanding} outstanding "
            f"({self.promised} promised, not confirmed), {self.resolved} resolved, "
            f"{self.declined} declined, {self.withdrawn} withdrawn"
        )


def summarise(analysis: Analysis) -> Summary:
    """Count questions by status and actions by status."""
    qs = [q.status for q in analysis.questions]
    acts = [a.status for a in analysis.actions]
    return Summary(
        questions=len(qs),
        answered=qs.count(QuestionStatus.ANSWERED),
        unclear=qs.count(QuestionStatus.UNCLEAR),
        unanswered=qs.count(QuestionStatus.UNANSWERED),
        actions=len(acts),
        open=acts.count(ActionStatus.OPEN),
        promised=acts.count(ActionStatus.PROMISED),
        resolved=acts.count(ActionStatus.RESOLVED),
        declined=acts.count(ActionStatus.DECLINED),
        withdrawn=acts.count(ActionStatus.WITHDRAWN),
    )


def _ago(then: datetime, now: datetime) -> str:
    days = (now - then).days
    if days >= 730:
        return f"{days // 365} years ago"
    if days >= 60:
        return f"{days // 30} months ago"
    if days >= 1:
        return f"{days} days ago"
    hours = int((now - then).total_seconds() // 3600)
    return f"{hours} hours ago" if hours > 0 else "just now"


def _who(c: Comment) -> str:
    return f"{escape(c.author)}\n[dim]{c.timestamp:%Y-%m-%d %H:%M}[/]"


def _section(analysis: Analysis, c: Comment) -> str:
    if c.heading is None:
        return "[dim](top)[/]"
    return escape(analysis.page.headings[c.heading].title)


def _ref(analysis: Analysis, indexes: tuple[int, ...]) -> str:
    comments = analysis.page.comments
    return ", ".join(f"{escape(comments[i].author)} ({comments[i].timestamp:%Y-%m-%d})" for i in indexes)


def _question_table(analysis: Analysis, questions: list[Question], now: datetime) -> Table:
    table = Table(expand=True, show_lines=True)
    table.add_column("asked by", no_wrap=True)
    table.add_column("section", ratio=1, min_width=14)
    table.add_column("question", ratio=4, min_width=30)
    table.add_column("waiting", no_wrap=True)
    for q in questions:
        c = analysis.page.comments[q.comment]
        note = " [yellow](replied, but not clearly to this)[/]" if q.status is QuestionStatus.UNCLEAR else ""
        table.add_row(_who(c), _section(analysis, c), escape(q.text) + note, _ago(c.timestamp, now))
    return table


def _owes(analysis: Analysis, a: Action) -> str:
    c = analysis.page.comments[a.comment]
    if a.kind is ActionKind.COMMITMENT:
        return f"{escape(c.author)}\n[dim]promised it[/]"
    actor = escape(a.actor) if a.actor else "[dim]anyone[/]"
    return f"{actor}\n[dim]to {escape(c.author)}[/]"


def _action_table(analysis: Analysis, actions: list[Action], now: datetime) -> Table:
    table = Table(expand=True, show_lines=True)
    table.add_column("owed by", no_wrap=True, min_width=12)
    table.add_column("since", no_wrap=True)
    table.add_column("what", ratio=3, min_width=30)
    table.add_column("state", ratio=1, min_width=14)
    for a in actions:
        c = analysis.page.comments[a.comment]
        state = a.status.value
        if a.status is ActionStatus.PROMISED:
            when = analysis.page.comments[a.promised_by[0]].timestamp
            state = f"[yellow]promised {when:%Y-%m-%d},\nnot confirmed[/]"
        table.add_row(
            _owes(analysis, a), f"{c.timestamp:%Y-%m-%d}\n[dim]{_ago(c.timestamp, now)}[/]",
            escape(a.text), state,
        )
    return table


def audit_report(analysis: Analysis, *, now: datetime | None = None) -> RenderableType:
    """Render the audit of one page for the terminal."""
    now = now or datetime.now(timezone.utc)
    page = analysis.page
    open_qs = [q for q in analysis.questions if q.status is not QuestionStatus.ANSWERED]
    owed = [a for a in analysis.actions if a.status in OUTSTANDING]
    parts: list[RenderableType] = [
        Text.from_markup(f"[bold]{escape(page.title or '(untitled page)')}[/]  "
                         f"[dim]{len(page.comments)} comments in {len(page.headings)} sections[/]")
    ]
    if open_qs:
        parts.append(Panel(_question_table(analysis, open_qs, now), title="[bold red]Unanswered questions[/]"))
    else:
        parts.append(Text("No unanswered questions.", style="green"))
    if owed:
        parts.append(Panel(_action_table(analysis, owed, now), title="[bold red]Outstanding actions[/]"))
    else:
        parts.append(Text("No outstanding actions.", style="green"))
    answered = [q for q in analysis.questions if q.status is QuestionStatus.ANSWERED]
    if answered:
        brief = Table.grid(padding=(0, 1))
        for q in answered:
            brief.add_row("[green]✓[/]", escape(_short(q.text)), f"[dim]→ {_ref(analysis, q.answered_by[:1])}[/]")
        parts.append(Panel(brief, title=f"Answered questions ({len(answered)})", border_style="dim"))
    settled = [a for a in analysis.actions if a.status not in OUTSTANDING]
    if settled:
        brief = Table.grid(padding=(0, 1))
        for a in settled:
            brief.add_row(f"[green]{a.status.value}[/]", escape(_short(a.text)),
                          f"[dim]→ {_ref(analysis, a.resolved_by[:1])}[/]")
        parts.append(Panel(brief, title=f"Settled actions ({len(settled)})", border_style="dim"))
    parts.append(Text(summarise(analysis).line(), style="bold"))
    return Group(*parts)


def _short(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"

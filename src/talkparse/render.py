"""Terminal rendering with rich: a tree of sections and replies, a table of comments, progress."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.tree import Tree

from .model import Comment, Page

if TYPE_CHECKING:
    from .dumpjob import DumpStatus

PREVIEW = 90  # characters of comment text shown in the tree


def _when(c: Comment) -> str:
    return c.timestamp.strftime("%Y-%m-%d %H:%M UTC")


def _preview(text: str, width: int = PREVIEW) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def page_tree(page: Page) -> Tree:
    """Sections as branches, each comment under the comment it replies to."""
    title = escape(page.title or "(untitled page)")
    root = Tree(f"[bold]{title}[/] [dim]{len(page.comments)} comments, {len(page.headings)} sections[/]")
    children: dict[int | None, list[int]] = {}
    for i, c in enumerate(page.comments):
        children.setdefault(c.parent, []).append(i)

    def add(node: Tree, index: int) -> None:
        c = page.comments[index]
        label = (
            f"[bold cyan]{escape(c.author)}[/] [dim]{_when(c)}[/]"
            f"  {escape(_preview(c.text))}"
        )
        branch = node.add(label)
        for child in children.get(index, []):
            add(branch, child)

    sections: dict[int | None, Tree] = {}
    if any(c.heading is None for c in page.comments):
        sections[None] = root.add("[italic dim](before the first heading)[/]")
    for h_index, h in enumerate(page.headings):
        sections[h_index] = root.add(f"[bold magenta]{'=' * h.level} {escape(h.title)}[/]")
    for i, c in enumerate(page.comments):
        if c.parent is None:
            add(sections[c.heading], i)
    return root


def comment_table(page: Page) -> Table:
    """One row per comment."""
    table = Table(title=page.title or None, show_lines=False)
    for name, justify in (("#", "right"), ("author", "left"), ("time (UTC)", "left"),
                          ("lvl", "right"), ("parent", "right"), ("section", "left"), ("text", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for i, c in enumerate(page.comments):
        section = page.headings[c.heading].title if c.heading is not None else ""
        table.add_row(
            str(i), escape(c.author), c.timestamp.strftime("%Y-%m-%d %H:%M"), str(c.level),
            "" if c.parent is None else str(c.parent), escape(_preview(section, 30)),
            escape(_preview(c.text, 60)),
        )
    return table


def print_warnings(console: Console, page: Page, source: str) -> None:
    """Page warnings, one line each, on the (stderr) console."""
    for w in page.warnings:
        where = f":{w.offset}" if w.offset is not None else ""
        console.print(f"[yellow]warning[/]: {escape(source)}{where}: {escape(w.message)}", highlight=False)


class Ticker:
    """Progress over the sources of a many-page run; this one shows nothing (a null object)."""

    def advance(self, done: str = "") -> None:
        """One more source done (``done`` names it)."""

    def note(self, line: str) -> None:
        """Print a line on stderr, above the bar if there is one."""
        Console(stderr=True, highlight=False).print(line, markup=False, soft_wrap=True)


class _BarTicker(Ticker):
    def __init__(self, bar: Progress, task: TaskID) -> None:
        self.bar, self.task = bar, task

    def advance(self, done: str = "") -> None:
        self.bar.update(self.task, advance=1, description=_preview(done, 40) if done else None)

    def note(self, line: str) -> None:
        self.bar.console.print(line, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def progress(total: int | None, *, enabled: bool, console: Console | None = None) -> Iterator[Ticker]:
    """A rich progress bar over ``total`` sources on stderr, or, when not ``enabled``, nothing.

    The bar is removed when the run ends; lines given to :meth:`Ticker.note` stay.
    """
    if not enabled:
        yield Ticker()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console or Console(stderr=True), transient=True) as bar:
        yield _BarTicker(bar, bar.add_task("pages", total=total))


class DumpTicker(Ticker):
    """Progress of ``talkparse dump``; this one shows nothing (a null object)."""

    def update(self, status: DumpStatus) -> None:
        """Show where the run is."""


class _DumpBar(DumpTicker, _BarTicker):
    def update(self, status: DumpStatus) -> None:
        seconds = max(status.seconds, 1e-9)
        pages, megabytes = status.run_pages / seconds, status.run_text_bytes / seconds / 1e6
        self.bar.update(self.task, completed=status.read_bytes, pages=f"{status.totals.pages:,} pages",
                        rate=f"{pages:,.0f} pages/s  {megabytes:.2f} MB/s")


@contextmanager
def dump_progress(total_bytes: int, *, enabled: bool) -> Iterator[DumpTicker]:
    """A rich progress bar on stderr over the bytes of a dump file, with pages done, pages/s and
    MB/s of wikitext (this run's), or, when not ``enabled``, nothing.

    The dump's page count is unknown until it is read, so the bar follows the file instead.
    """
    if not enabled:
        yield DumpTicker()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[pages]}  {task.fields[rate]}"), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        yield _DumpBar(bar, bar.add_task("dump", total=total_bytes, pages="", rate=""))

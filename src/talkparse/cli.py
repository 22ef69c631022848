"""The command line: a thin layer that parses options, calls the library and renders results."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any, Callable

import click

from . import __version__
from .errors import TalkparseError
from .analyse import analyse
from .export import analysis_record, to_csv, to_json, to_jsonl
from .files import atomic_write, read_source
from .model import Page
from .parse import parse
from .report import summarise

EXIT_FINDINGS = 1
EXIT_INPUT = 3


class CliError(click.ClickException):
    """A talkparse error shown as one line, exit status 3."""

    exit_code = EXIT_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except TalkparseError as exc:
        raise CliError(str(exc)) from None


def parse_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that parses a page."""
    f = click.option(
        "--mode",
        type=click.Choice(["reader", "discussiontools"]),
        default="reader",
        show_default=True,
        help="reader: threads as people read them; discussiontools: exactly as MediaWiki's "
        "DiscussionTools parser, quirks included.",
    )(f)
    f = click.option("--title", help="Page title, for ids and output.")(f)
    f = click.option(
        "--timezone",
        metavar="ZONE",
        help="The wiki's local time zone (IANA name, e.g. Europe/Berlin). "
        "Default: that of the language's Wikipedia.",
    )(f)
    f = click.option(
        "--lang", default="en", show_default=True, metavar="CODE",
        help="Content language of the wiki (en, de, fr, pl, ckb...).",
    )(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="talkparse")
def cli() -> None:
    """Read MediaWiki talk pages: who said what, when, in reply to whom.

    Every command reads wikitext from a FILE or from stdin (-), prints data on stdout and
    messages on stderr. Exit status: 0 ok, 1 findings (with --fail-on), 2 usage error,
    3 unreadable input.
    """


FORMATS = ["tree", "table", "json", "jsonl", "csv", "tsv"]


@cli.command()
@click.argument("source", metavar="SOURCE")
@parse_options
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS),
    help="Output format. Default: tree on a terminal, json otherwise.",
)
@click.option("--details", is_flag=True, help="JSON: add signatures, spans and warnings.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
def threads(
    source: str, lang: str, timezone: str | None, title: str | None, mode: str,
    fmt: str | None, details: bool, output: str | None,
) -> None:
    """Show the sections, signed comments and replies of a talk page.

    SOURCE is a wikitext file, or - for stdin.

    Example:

        talkparse threads fixtures/iberoconf-2019-report.wikitext

        talkparse threads page.wikitext --lang pl --format json -o threads.json
    """
    page, name = _load_page(source, lang, timezone, title, mode)
    fmt = fmt or ("tree" if sys.stdout.isatty() and not output else "json")
    _emit(page, fmt, details, output, name)


def _load_page(
    source: str, lang: str, timezone: str | None, title: str | None, mode: str
) -> tuple[Page, str]:
    """Read SOURCE and parse it; errors become one-line CLI errors."""
    src = _run(lambda: read_source(source))
    page = _run(
        lambda: parse(src.text, lang=lang, timezone=timezone, title=title or _title_from(source),
                      mode=mode)  # type: ignore[arg-type]
    )
    return page, src.name


@cli.command()
@click.argument("source", metavar="SOURCE")
@parse_options
@click.option(
    "--format", "fmt", type=click.Choice(["report", "json"]),
    help="Output format. Default: report on a terminal, json otherwise.",
)
@click.option(
    "--fail-on", type=click.Choice(["unanswered", "open"]), multiple=True,
    help="Exit with status 1 when there are unanswered (or unclear) questions, or outstanding "
    "(open or promised) actions. Repeatable.",
)
@click.option("--details", is_flag=True, help="JSON: add signatures, spans and warnings.")
@click.option("--now", type=click.DateTime(), help="Reference time for \"how long ago\" (default: now, UTC).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
def audit(
    source: str, lang: str, timezone: str | None, title: str | None, mode: str, fmt: str | None,
    fail_on: tuple[str, ...], details: bool, now: datetime | None, output: str | None,
) -> None:
    """Report unanswered questions and outstanding actions of a talk page.

    Lists who asked what and when, still without an answer; who owes what to whom (requests and
    promises), since when, and whether it was promised but not confirmed; then the answered and
    settled items in brief and a summary line.

    Example:

        talkparse audit fixtures/iberoconf-2019-report.wikitext

        talkparse audit page.wikitext --format json --fail-on unanswered --fail-on open
    """
    page, name = _load_page(source, lang, timezone, title, mode)
    result = analyse(page)
    fmt = fmt or ("report" if sys.stdout.isatty() and not output else "json")
    if fmt == "report":
        from rich.console import Console

        from .report import audit_report

        when = now.replace(tzinfo=dt_timezone.utc) if now else None
        _write_rich(audit_report(result, now=when), output)
    else:
        _write_text(json.dumps(analysis_record(result, details=details), ensure_ascii=False, indent=1) + "\n",
                    output)
    summary = summarise(result)
    click.echo(summary.line(), err=True)
    if ("unanswered" in fail_on and summary.unanswered + summary.unclear) or (
        "open" in fail_on and summary.outstanding
    ):
        sys.exit(EXIT_FINDINGS)


def _write_rich(obj: Any, output: str | None) -> None:
    from rich.console import Console

    if output:
        console = Console(record=True, width=120, file=io.StringIO())
        console.print(obj)
        _run(lambda: atomic_write(output, console.export_text()))
    else:
        Console().print(obj)


def _write_text(text: str, output: str | None) -> None:
    if output:
        _run(lambda: atomic_write(output, text))
    else:
        sys.stdout.write(text)


def _title_from(source: str) -> str | None:
    if source == "-":
        return None
    name = source.rsplit("/", 1)[-1]
    return name[: -len(".wikitext")] if name.endswith(".wikitext") else name


def _emit(page: Page, fmt: str, details: bool, output: str | None, source: str) -> None:
    from rich.console import Console

    from .render import comment_table, page_tree, print_warnings

    print_warnings(Console(stderr=True), page, source)
    if fmt in ("tree", "table"):
        _write_rich(page_tree(page) if fmt == "tree" else comment_table(page), output)
        return
    text = {
        "json": lambda: to_json(page, details=details),
        "jsonl": lambda: to_jsonl(page),
        "csv": lambda: to_csv(page),
        "tsv": lambda: to_csv(page, delimiter="\t"),
    }[fmt]()
    _write_text(text, output)


def main() -> None:
    """Entry point for ``python -m talkparse``."""
    cli(prog_name="talkparse")

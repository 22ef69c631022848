"""The command line: a thin layer that parses options, calls the library and renders results."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import sys
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import click

from . import __version__
from .analyse import analyse
from .batch import Report, read_pages
from .dumpjob import BATCH_PAGES
from .errors import TalkparseError
from .export import analysis_record, to_csv, to_json, to_jsonl
from .fetch import DEFAULT_RETRIES, DEFAULT_TIMEOUT, WHOLE_ANSWER, FetchOptions
from .files import atomic_write
from .model import Page
from .sources import (
    Document,
    SourceOptions,
    documents,
    is_dump,
    iso_moment,
    parse_document,
    wiki_pages,
)
from .wikis import is_url, parse_page_url

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
    f = click.option("--title", help="Page title, for ids and output.")(f)
    return language_options(f)


def language_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--lang, --timezone and --mode: how pages are read, also for whole dumps."""
    f = click.option(
        "--mode",
        type=click.Choice(["reader", "discussiontools"]),
        default="reader",
        show_default=True,
        help="reader: threads as people read them; discussiontools: exactly as MediaWiki's "
        "DiscussionTools parser, quirks included.",
    )(f)
    f = click.option(
        "--timezone",
        metavar="ZONE",
        help="The wiki's local time zone (IANA name, e.g. Europe/Berlin). "
        "Default: the wiki's own for fetched pages, else that of the language's Wikipedia.",
    )(f)
    f = click.option(
        "--lang", metavar="CODE",
        help="Content language of the wiki (en, de, fr, pl, ckb...). "
        "Default: the wiki's own for fetched pages, else en.",
    )(f)
    return f


def fetch_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--retries and --timeout, for every command that may fetch."""
    f = click.option("--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT,
                     show_default=True, metavar="SECONDS",
                     help="Seconds to wait for the wiki to connect and for each read of an answer; "
                     f"an answer still arriving after {WHOLE_ANSWER} times this long is cut off and retried.")(f)
    f = click.option("--retries", type=click.IntRange(min=0), default=DEFAULT_RETRIES,
                     show_default=True,
                     help="Retries of a request that failed, timed out or met an overloaded or "
                     "lagged wiki (waits as its Retry-After asks, else 1, 2, 4... s; at most 30 s).")(f)
    return f


def source_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options of every command that takes a SOURCE; they reach the command as ``sources``."""

    @functools.wraps(f)
    def wrapper(**kw: Any) -> Any:
        if kw["revision"] is not None and kw["at"] is not None:
            raise click.UsageError("give --revision or --at, not both")
        at = _run(lambda: iso_moment(kw.pop("at"))) if kw["at"] else kw.pop("at")
        kw["sources"] = SourceOptions(
            wiki=kw.pop("wiki"), revision=kw.pop("revision"), at=at,
            archives=kw.pop("archives"), subpages=kw.pop("subpages"),
            refresh=kw.pop("refresh", False), namespaces=kw.pop("namespace", ()),
            fetch=FetchOptions(retries=kw.pop("retries"), timeout=kw.pop("timeout")),
        )
        return f(**kw)

    for option in reversed([
        click.option("--wiki", metavar="SITE",
                     help="The wiki of a title SOURCE: en.wikipedia.org, dewiki or an api.php URL."),
        click.option("--revision", type=int, metavar="ID", help="That revision, not the current one."),
        click.option("--at", metavar="DATE",
                     help="The revision current at DATE (2019-09-01 is midnight UTC)."),
        click.option("--archives", is_flag=True,
                     help="Also the page's archives (/Archive 1, /Archiv/2019...)."),
        click.option("--subpages", is_flag=True, help="Also all of the page's subpages."),
    ]):
        wrapper = option(wrapper)
    return fetch_options(wrapper)


def _namespace_ids(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[int, ...]:
    """``--namespace 1,3 --namespace 4`` as ``(1, 3, 4)``."""
    try:
        return tuple(int(part) for value in values for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"{', '.join(values)}: give namespace ids, like 1,3,4,5") from None


namespace_option = click.option(
    "--namespace", multiple=True, callback=_namespace_ids, metavar="ID[,ID...]",
    help="XML dumps: namespaces to read (1,3,4,5; repeatable). Default: every talk namespace.")


def reading_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Source options plus those that only make sense when reading (cache, dumps)."""
    f = namespace_option(f)
    f = click.option("--refresh", is_flag=True, help="Fetch the page again even if it is cached.")(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="talkparse")
def cli() -> None:
    """Read MediaWiki talk pages: who said what, when, in reply to whom.

    Every command reads a SOURCE: a wikitext FILE, stdin (-), a page title with --wiki, a page
    URL, a cached page or an XML dump; threads, audit and export read any number of them, and
    those listed with --from FILE or --category. Data goes to stdout, messages to stderr. Exit
    status: 0 ok, 1 findings (audit --fail-on), 2 usage error, 3 unreadable input or a page
    that cannot be fetched (in a run over many pages: any page that failed).
    """


FORMATS = ["tree", "table", "json", "jsonl", "csv", "tsv"]


def many_page_source(f: Callable[..., Any]) -> Callable[..., Any]:
    """SOURCEs, the lists --from and --category, --quiet, and every option of the commands that
    read and parse pages."""
    for option in reversed([
        click.option("--from", "from_file", metavar="FILE",
                     help="Also every SOURCE listed in FILE (- for stdin), one per line; blank "
                     "lines and lines starting with # are skipped."),
        click.option("--category", metavar="CATEGORY",
                     help="Also every page in CATEGORY of --wiki (not its subcategories)."),
        click.option("--limit", type=click.IntRange(min=1), metavar="N",
                     help="With --category: at most N pages of it."),
        click.option("-q", "--quiet", is_flag=True,
                     help="No progress bar, page warnings or summary line; errors still show."),
    ]):
        f = option(f)
    return click.argument("source", nargs=-1, metavar="[SOURCE]...")(
        source_options(reading_options(parse_options(f)))
    )


def _source_list(source: tuple[str, ...], from_file: str | None, category: str | None,
                 limit: int | None, sources: SourceOptions, title: str | None) -> list[str]:
    """Every SOURCE of a many-page command, in order: arguments, then --from, then --category."""
    from .batch import source_list

    if title and (len(source) > 1 or from_file or category):
        raise click.UsageError("--title names one page: give one SOURCE")

    if limit is not None and not category:
        raise click.UsageError("--limit goes with --category")
    if category and not sources.wiki:
        raise click.UsageError("--category needs --wiki")
    if not (source or from_file or category):
        raise click.UsageError("give a SOURCE, --from FILE or --category CATEGORY")
    items = list(source)
    if from_file:
        items += _run(lambda: source_list(from_file))
    if category:
        from .fetch import category_members

        assert sources.wiki
        items += _run(lambda: category_members(category, wiki=sources.wiki, limit=limit,
                                               options=sources.fetch))
    return items


@contextlib.contextmanager
def _reading(items: list[str], sources: SourceOptions, quiet: bool, *, warn: bool,
             **parse_kw: Any) -> Iterator[tuple[Iterator[Page], Report]]:
    """Parse every page of ``items`` with a progress bar (on a terminal, unless quiet); a page
    that fails is one ``error:`` line on stderr, counted in the report."""
    from .render import progress

    report = Report()
    with progress(len(items), enabled=not quiet and sys.stderr.isatty()) as ticker:
        pages = read_pages(items, sources, report=report, **parse_kw,
                           on_failure=lambda f: ticker.note(f"error: {f.message}"),
                           on_source=ticker.advance)
        yield (_warned(pages, ticker) if warn and not quiet else pages), report


def _warned(pages: Iterable[Page], ticker: Any) -> Iterator[Page]:
    """Pass pages on, their parser warnings printed."""
    for page in pages:
        for w in page.warnings:
            where = f":{w.offset}" if w.offset is not None else ""
            ticker.note(f"warning: {page.title or '<stdin>'}{where}: {w.message}")
        yield page


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


@cli.command()
@many_page_source
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS),
    help="Output format. Default: tree on a terminal, json otherwise.",
)
@click.option("--details", is_flag=True, help="JSON: add signatures, spans and warnings.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
def threads(
    source: tuple[str, ...], from_file: str | None, category: str | None, limit: int | None,
    quiet: bool, sources: SourceOptions, lang: str | None, timezone: str | None,
    title: str | None, mode: str, fmt: str | None, details: bool, output: str | None,
) -> None:
    """Show the sections, signed comments and replies of talk pages.

    SOURCE is a wikitext file, - for stdin, a page title with --wiki, a page URL, a page in
    talkparse's cache (by title or by its file), or an XML dump (.xml, .bz2, .gz: one JSON
    line per page). With --archives, the page's archives follow it (JSON: a list of pages).
    With several SOURCEs, --from or --category, JSON is a list of pages, and a page that fails
    is one line on stderr while the others go on (exit status 3 at the end).

    Example:

        talkparse threads fixtures/iberoconf-2019-report.wikitext

        talkparse threads page.wikitext --lang pl --format json -o threads.json

        talkparse threads "Talk:Example" --wiki en.wikipedia.org --archives
    """
    items = _source_list(source, from_file, category, limit, sources, title)
    fmt = fmt or ("tree" if sys.stdout.isatty() and not output else "json")
    if len(items) > 1 or from_file or category:
        with _reading(items, sources, quiet, warn=False, lang=lang, timezone=timezone, title=title,
                      mode=mode) as (pages, report):
            parsed = list(pages)
        if parsed or not report.failures:
            _emit_pages(parsed, fmt, details, output, "", many=True, lines=False)
        sys.exit(report.return_code)
    one = items[0]
    docs = _run(lambda: list(documents(one, sources))) if not _is_dump(one) else None
    pages = (
        (parse_document(d, lang=lang, timezone=timezone, title=title, mode=mode)  # type: ignore[arg-type]
         for d in (docs if docs is not None else _stream(one, sources)))
    )
    _emit_pages(_checked(pages), fmt, details, output, docs[0].name if docs else one,
                many=docs is None or len(docs) > 1, lines=docs is None)


def _is_dump(source: str) -> bool:
    path = Path(source)
    return source != "-" and path.is_file() and is_dump(path)


def _stream(source: str, sources: SourceOptions) -> Iterator[Document]:
    yield from documents(source, sources)


def _checked(pages: Iterable[Page]) -> Iterator[Page]:
    iterator = iter(pages)
    while True:
        try:
            page = next(iterator)
        except StopIteration:
            return
        except TalkparseError as exc:
            raise CliError(str(exc)) from None
        yield page


def _emit_pages(
    pages: Iterable[Page], fmt: str, details: bool, output: str | None, source: str,
    *, many: bool, lines: bool,
) -> None:
    """Render one page, or several: JSON as a list (or, for a dump, one line per page)."""
    if not many:
        _emit(next(iter(pages)), fmt, details, output, source)
        return
    from rich.console import Console

    from .export import page_record
    from .render import comment_table, page_tree, print_warnings

    err = Console(stderr=True)
    chunks: list[str] = []
    out = (lambda text: chunks.append(text)) if output else sys.stdout.write
    records = []
    for i, page in enumerate(pages):
        print_warnings(err, page, page.title or source)
        if fmt == "json" and lines:
            out(json.dumps(page_record(page, details=details), ensure_ascii=False) + "\n")
        elif fmt == "json":
            records.append(page_record(page, details=details))
        elif fmt in ("csv", "tsv"):
            text = to_csv(page, delimiter="," if fmt == "csv" else "\t")
            out(text if i == 0 else text.split("\n", 1)[1])
        elif fmt == "jsonl":
            out(to_jsonl(page))
        elif output:
            out(_rendered(page, fmt))
        else:
            Console().print(page_tree(page) if fmt == "tree" else comment_table(page))
    if records or (fmt == "json" and not lines):
        out(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    if output:
        _run(lambda: atomic_write(output, "".join(chunks)))


def _rendered(page: Page, fmt: str) -> str:
    from rich.console import Console

    from .render import comment_table, page_tree

    console = Console(record=True, width=120, file=io.StringIO())
    console.print(page_tree(page) if fmt == "tree" else comment_table(page))
    return console.export_text()


def _emit(page: Page, fmt: str, details: bool, output: str | None, source: str) -> None:
    from rich.console import Console

    from .render import comment_table, page_tree, print_warnings

    print_warnings(Console(stderr=True), page, source)
    if fmt in ("tree", "table"):
        if output:
            _run(lambda: atomic_write(output, _rendered(page, fmt)))
        else:
            Console().print(page_tree(page) if fmt == "tree" else comment_table(page))
        return
    text = {
        "json": lambda: to_json(page, details=details),
        "jsonl": lambda: to_jsonl(page),
        "csv": lambda: to_csv(page),
        "tsv": lambda: to_csv(page, delimiter="\t"),
    }[fmt]()
    if output:
        _run(lambda: atomic_write(output, text))
    else:
        sys.stdout.write(text)


@cli.command()
@many_page_source
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
@click.option("--now", type=click.DateTime(), help='Reference time for "how long ago" (default: now, UTC).')
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
def audit(
    source: tuple[str, ...], from_file: str | None, category: str | None, limit: int | None,
    quiet: bool, sources: SourceOptions, lang: str | None, timezone: str | None,
    title: str | None, mode: str, fmt: str | None, fail_on: tuple[str, ...], details: bool,
    now: datetime | None, output: str | None,
) -> None:
    """Report unanswered questions and outstanding actions of talk pages.

    Lists who asked what and when, still without an answer; who owes what to whom (requests and
    promises), since when, and whether it was promised but not confirmed; then the answered and
    settled items in brief, and a summary line. SOURCE takes the same forms as for threads;
    with several pages, JSON is a list, and a page that fails is one line on stderr while the
    others go on (exit status 3 at the end, before 1 for --fail-on).

    Example:

        talkparse audit fixtures/iberoconf-2019-report.wikitext

        talkparse audit page.wikitext --format json --fail-on unanswered --fail-on open
    """
    from .report import summarise

    items = _source_list(source, from_file, category, limit, sources, title)
    with _reading(items, sources, quiet, warn=False, lang=lang, timezone=timezone, title=title,
                  mode=mode) as (pages, report):
        results = [analyse(page) for page in pages]
    many = len(items) > 1 or bool(from_file or category) or len(results) != 1
    if results or not report.failures:
        fmt = fmt or ("report" if sys.stdout.isatty() and not output else "json")
        _emit_audit(results, fmt, many, details, now, output)
    findings = False
    for result in results:
        summary = summarise(result)
        if not quiet:
            name = f"{result.page.title or '<stdin>'}: " if many else ""
            click.echo(name + summary.line(), err=True)
        findings |= bool("unanswered" in fail_on and summary.unanswered + summary.unclear)
        findings |= bool("open" in fail_on and summary.outstanding)
    sys.exit(report.return_code or (EXIT_FINDINGS if findings else 0))


def _emit_audit(results: list[Any], fmt: str, many: bool, details: bool, now: datetime | None,
                output: str | None) -> None:
    if fmt == "report":
        from rich.console import Console

        from .report import audit_report

        when = now.replace(tzinfo=dt_timezone.utc) if now else None
        console = Console(record=bool(output), width=120 if output else None,
                          file=io.StringIO() if output else None)
        for result in results:
            console.print(audit_report(result, now=when))
        if output:
            _run(lambda: atomic_write(output, console.export_text()))
        return
    records = [analysis_record(r, details=details) for r in results]
    text = json.dumps(records if many else records[0], ensure_ascii=False, indent=1) + "\n"
    if output:
        _run(lambda: atomic_write(output, text))
    else:
        sys.stdout.write(text)


@cli.command()
@many_page_source
@click.option("--table", type=click.Choice(["comments", "threads", "questions", "actions"]),
              default="comments", show_default=True, help="One row per comment, thread, question or action.")
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "jsonl", "parquet", "xlsx"]),
              help="Output format. Default: the one -o FILE's suffix names, else csv.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to FILE (atomically). Needed for parquet and xlsx.")
def export(
    source: tuple[str, ...], from_file: str | None, category: str | None, limit: int | None,
    quiet: bool, sources: SourceOptions, lang: str | None, timezone: str | None, title: str | None,
    mode: str, table: str, fmt: str | None, output: str | None,
) -> None:
    """Export the comments, threads, questions or actions of many pages as one table.

    Reads every SOURCE (the forms threads takes), every SOURCE listed in --from FILE and every
    page of --category, one after another; a page that fails is one line on stderr and the
    others go on (exit status 3 at the end). CSV, TSV and XLSX join lists with ; and put a '
    before text starting with = + - @, a tab or a carriage return, so that no spreadsheet runs
    it as a formula; jsonl and parquet keep lists and text as they are.

    Example:

        talkparse export fixtures/iberoconf-2019-report.wikitext --table questions

        talkparse export --from pages.txt --wiki en.wikipedia.org --table threads -o threads.parquet

        talkparse export --category "Category:Open reviews" --wiki en.wikipedia.org -o a.xlsx --table actions
    """
    from .frames import format_of, frame_bytes, to_frame

    fmt = fmt or (output and format_of(output)) or "csv"
    if fmt in ("parquet", "xlsx") and not output:
        raise click.UsageError(f"--format {fmt} needs -o FILE")
    items = _source_list(source, from_file, category, limit, sources, title)
    with _reading(items, sources, quiet, warn=True, lang=lang, timezone=timezone, title=title,
                  mode=mode) as (pages, report):
        frame = to_frame(pages, table=table)  # type: ignore[arg-type]
    if report.pages or not report.failures:
        data = frame_bytes(frame, fmt, sheet=table)  # type: ignore[arg-type]
        if output:
            _run(lambda: atomic_write(output, data))
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
    if not quiet:
        failed = f"; {_count(len(report.failures), 'source')} failed" if report.failures else ""
        click.echo(f"{_count(len(frame), table[:-1])} from {_count(report.pages, 'page')}{failed}", err=True)
    sys.exit(report.return_code)


@cli.command()
@many_page_source
@click.option("--format", "fmt", type=click.Choice(["table", "json"]),
              help="Output format. Default: table on a terminal, json otherwise.")
@click.option("--oldest", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many of the longest-waiting open items to list.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
def stats(
    source: tuple[str, ...], from_file: str | None, category: str | None, limit: int | None,
    quiet: bool, sources: SourceOptions, lang: str | None, timezone: str | None, title: str | None,
    mode: str, fmt: str | None, oldest: int, output: str | None,
) -> None:
    """Statistics of one or many talk pages, taken together.

    Participants and their comment counts, thread sizes and depths, the median time to a
    thread's first reply, the share of questions answered, and the open items that have waited
    longest (unanswered questions, outstanding requests and promises).

    Example:

        talkparse stats fixtures/iberoconf-2019-report.wikitext

        talkparse stats --from reports.txt --wiki meta.wikimedia.org --format json
    """
    from .stats import page_stats, render_stats

    items = _source_list(source, from_file, category, limit, sources, title)
    with _reading(items, sources, quiet, warn=False, lang=lang, timezone=timezone, title=title,
                  mode=mode) as (pages, report):
        result = page_stats((analyse(page) for page in pages), oldest=oldest)
    if result.pages or not report.failures:
        fmt = fmt or ("table" if sys.stdout.isatty() and not output else "json")
        if fmt == "json":
            text = json.dumps(result.record(), ensure_ascii=False, indent=1) + "\n"
        else:
            from rich.console import Console

            console = Console(record=True, width=120, file=io.StringIO()) if output else Console()
            console.print(render_stats(result))
            text = console.export_text() if output else ""
        if output:
            _run(lambda: atomic_write(output, text))
        elif text:
            sys.stdout.write(text)
    sys.exit(report.return_code)


@cli.command()
@many_page_source
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The HTML file to write (atomically).")
@click.option("--now", type=click.DateTime(), help='Reference time for "how long ago" (default: now, UTC).')
def report(
    source: tuple[str, ...], from_file: str | None, category: str | None, limit: int | None,
    quiet: bool, sources: SourceOptions, lang: str | None, timezone: str | None, title: str | None,
    mode: str, output: str, now: datetime | None,
) -> None:
    """Write one self-contained HTML report of the findings of one or many talk pages.

    For each page: the summary, unanswered questions and outstanding actions linked to the
    comments that asked or promised them, a timeline picture (who posted when, each question
    joined to its answers), and the sections and threads with the findings highlighted. The
    file needs no network to open, runs no script, and everything from the pages is escaped.

    Example:

        talkparse report fixtures/iberoconf-2019-report.wikitext -o report.html

        talkparse report --from reports.txt --wiki meta.wikimedia.org -o reports.html
    """
    from .htmlreport import ReportPage, html_report

    items = _source_list(source, from_file, category, limit, sources, title)
    with _reading(items, sources, quiet, warn=False, lang=lang, timezone=timezone, title=title,
                  mode=mode) as (pages, report):
        results = [ReportPage.of(analyse(page)) for page in pages]
    if results:
        when = now.replace(tzinfo=dt_timezone.utc) if now else None
        _run(lambda: atomic_write(output, html_report(results, now=when)))
        if not quiet:
            click.echo(f"wrote {output}: {_count(len(results), 'page')}", err=True)
    sys.exit(report.return_code)


@cli.command()
@click.argument("file", metavar="FILE")
@click.option("-o", "--output", required=True, metavar="OUT.parquet|OUT.jsonl",
              help="The folder to write: a folder per table of part files, and a journal.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "jsonl"]),
              help="Part files' format. Default: the one OUT's suffix names.")
@namespace_option
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="every core", help="Worker processes (local engine; 1: this process).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: processes on this machine; dask: the Dask cluster of --scheduler.")
@click.option("--scheduler", metavar="ADDRESS", help="The Dask scheduler: tcp://HOST:8786.")
@click.option("--batch-pages", type=click.IntRange(min=1), default=BATCH_PAGES, show_default=True,
              help="Pages per batch: the unit of work, of writing and of resuming.")
@language_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary line; errors still show.")
def dump(file: str, output: str, fmt: str | None, namespace: tuple[int, ...], jobs: int,
         engine: str, scheduler: str | None, batch_pages: int, lang: str | None,
         timezone: str | None, mode: str, quiet: bool) -> None:
    """Read a whole XML dump into tables: comments, threads, questions and actions.

    FILE is a pages-articles or pages-meta-current dump (.xml, .xml.bz2, .xml.gz), streamed
    in constant memory and parsed on every core (--jobs) or on a Dask cluster. OUT is a
    folder: OUT/comments/, OUT/threads/, OUT/questions/, OUT/actions/ hold one part file per
    batch of pages, in dump order (pandas.read_parquet("OUT/comments") reads a table whole),
    OUT/failures/ the pages that could not be read. Interrupted, the same command goes on
    where it stopped, without losing or repeating rows.

    Example:

        talkparse dump enwiki-latest-pages-meta-current.xml.bz2 --namespace 1,3,4,5 -o talk.parquet

        talkparse dump dewiki.xml.gz -o talk.jsonl --engine dask --scheduler tcp://10.0.0.5:8786
    """
    from .dumpjob import DumpOptions, run_dump
    from .render import dump_progress

    options = DumpOptions(namespaces=namespace, lang=lang, timezone=timezone, mode=mode,  # type: ignore[arg-type]
                          format=_dump_format(output, fmt), batch_pages=batch_pages)
    runner = _run(lambda: _dump_engine(engine, scheduler, jobs))
    size = Path(file).stat().st_size if Path(file).is_file() else 0
    with dump_progress(size, enabled=not quiet and sys.stderr.isatty()) as bar:
        failures = _FailureNotes(bar, output)
        try:
            report = _run(lambda: run_dump(file, output, options, engine=runner, on_progress=bar.update,
                                           on_failure=failures.note))
        except KeyboardInterrupt:
            bar.note(f"interrupted: run the same command again to go on where {output} stopped")
            sys.exit(130)
    if not quiet:
        click.echo(_dump_summary(report), err=True)
    sys.exit(report.return_code)


def _dump_format(output: str, fmt: str | None) -> Any:
    found = fmt or Path(output.rstrip("/")).suffix.lstrip(".").lower()
    if found not in ("parquet", "jsonl"):
        raise click.UsageError("give -o OUT.parquet or OUT.jsonl, or --format parquet|jsonl")
    return found


def _dump_engine(engine: str, scheduler: str | None, jobs: int) -> Any:
    from .dumpjob import LocalEngine

    if engine == "dask":
        if not scheduler:
            raise click.UsageError("--engine dask needs --scheduler ADDRESS")
        from .dumpdask import DaskEngine

        return DaskEngine(scheduler)
    if scheduler:
        raise click.UsageError("--scheduler goes with --engine dask")
    return LocalEngine(jobs)


class _FailureNotes:
    """One ``error:`` line per page that failed, up to :attr:`SHOWN`; the rest are in OUT/failures."""

    SHOWN = 10

    def __init__(self, bar: Any, output: str) -> None:
        self.bar, self.output, self.count = bar, output, 0

    def note(self, failure: Any) -> None:
        self.count += 1
        if self.count <= self.SHOWN:
            self.bar.note(f"error: {failure.page}: {failure.message}")
        elif self.count == self.SHOWN + 1:
            self.bar.note(f"error: more pages failed; every one is listed in {self.output}/failures")


def _dump_summary(report: Any) -> str:
    tables = ", ".join(_count(report.rows.get(t, 0), t[:-1]) for t in
                       ("comments", "threads", "questions", "actions"))
    done = "was complete already: " if report.already_complete else ""
    line = f"{report.output}: {done}{_count(report.pages, 'page')}, {tables}"
    if report.failed:
        line += f"; {_count(report.failed, 'page')} failed (see {report.output}/failures)"
    if report.already_complete:
        return line
    seconds = max(report.seconds, 1e-9)
    line += (f"; this run: {_count(report.run_pages, 'page')} in {report.seconds:.1f} s "
             f"({report.run_pages / seconds:,.1f} pages/s, {report.run_text_bytes / seconds / 1e6:.2f} MB/s)")
    if report.resumed:
        line += f", going on from an earlier run ({report.discarded} unfinished part files deleted)"
    return line


@cli.command()
@click.argument("page", metavar="PAGE")
@source_options
@click.option("--format", "fmt", type=click.Choice(["wikitext", "json"]), default="wikitext",
              show_default=True, help="What -o writes: the wikitext, or the parsed threads as JSON.")
@click.option("-o", "--output", type=click.Path(), metavar="FILE|DIR",
              help="Write the page to FILE, or each page to DIR (with --archives).")
def fetch(page: str, sources: SourceOptions, fmt: str, output: str | None) -> None:
    """Fetch a page from a wiki into talkparse's cache and summarise it.

    PAGE is a title with --wiki (meta.wikimedia.org, en.wikipedia.org, dewiki, or an api.php
    URL), or a page URL. The wikitext is cached with its wiki, title, revision, content
    language and time zone, so every command can then read it offline; the summary goes to
    stderr.

    Example:

        talkparse fetch "Grants talk:Conference/WMCL/Iberoconf 2019/Report" --wiki meta.wikimedia.org

        talkparse fetch https://en.wikipedia.org/wiki/Talk:Example --archives -o pages/
    """
    from .fetch_report import summary, write_pages

    if not is_url(page) and not sources.wiki:
        raise click.UsageError("give --wiki, or a page URL")
    raws = _run(lambda: wiki_pages(page, sources, always_fetch=True))
    parsed = [(raw, parse_document(Document(f"{raw.wiki}:{raw.title}", raw.wikitext, raw.title, raw)))
              for raw in raws]
    for raw, parsed_page in parsed:
        click.echo(summary(raw, parsed_page), err=True)
    if output:
        _run(lambda: write_pages(parsed, output, fmt))


@cli.command()
@click.argument("page", metavar="PAGE")
@click.option("--wiki", metavar="SITE", help="The wiki: en.wikipedia.org, dewiki or an api.php URL.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many revisions, newest first.")
@fetch_options
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv", "tsv"]),
              help="Output format. Default: table on a terminal, jsonl otherwise.")
def history(page: str, wiki: str | None, limit: int | None, retries: int, timeout: float,
            fmt: str | None) -> None:
    """List the revisions of a page: id, time, user, size and edit summary, newest first.

    Example:

        talkparse history "Talk:Example" --wiki en.wikipedia.org --limit 20
    """
    from .fetch import page_history
    from .fetch_report import render_history

    if not is_url(page) and not wiki:
        raise click.UsageError("give --wiki, or a page URL")
    api, title = (parse_page_url(page).api, parse_page_url(page).title) if is_url(page) else (None, page)
    options = FetchOptions(retries=retries, timeout=timeout)
    revisions = _run(lambda: page_history(title, wiki=wiki, api=api, limit=limit, options=options))
    fmt = fmt or ("table" if sys.stdout.isatty() else "jsonl")
    sys.stdout.write(render_history(revisions, fmt))


def main() -> None:
    """Entry point for ``python -m talkparse``."""
    cli(prog_name="talkparse")

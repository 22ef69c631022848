"""Many pages in one run: lists of SOURCEs read one by one, a page that fails counted, not fatal.

:func:`read_pages` parses every page that a list of SOURCEs stands for (files, titles, URLs,
cached pages, dumps), in order; a source that cannot be read or fetched is recorded in a
:class:`Report` and the run goes on with the next. :func:`source_list` reads the SOURCE list
files of ``--from``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from .errors import TalkparseError
from .files import read_source
from .model import Page
from .parse import Mode
from .sources import SourceOptions, documents, parse_document

EXIT_FAILED = 3  # the exit status of a run in which a page failed


@dataclass(frozen=True, slots=True)
class Failure:
    """A source or page that could not be read, like ``cannot read x.wikitext: no such file``."""

    source: str  # the SOURCE as given, or the page of a dump that failed
    message: str  # one line naming what failed and why


@dataclass(slots=True)
class Report:
    """What a many-page run read and what failed; it decides the exit status."""

    pages: int = 0  # pages read and parsed
    failures: list[Failure] = field(default_factory=list)

    @property
    def return_code(self) -> int:
        """0 when every source was read, :data:`EXIT_FAILED` when one failed."""
        return EXIT_FAILED if self.failures else 0


def source_list(path: str) -> list[str]:
    """Read a list of SOURCEs (``-`` for stdin): one page path, title or URL per line.

    Blank lines and lines starting with ``#`` are skipped; spaces around a line are dropped.

    :raises InputError: when the list cannot be read.
    """
    lines = (line.strip() for line in read_source(path).text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def read_pages(
    sources: Iterable[str],
    options: SourceOptions | None = None,
    *,
    report: Report,
    lang: str | None = None,
    timezone: str | None = None,
    title: str | None = None,
    mode: Mode = "reader",
    on_failure: Callable[[Failure], None] | None = None,
    on_source: Callable[[str], None] | None = None,
) -> Iterator[Page]:
    """Yield the parsed pages of every source in turn; failures go to ``report``, not up.

    A source that cannot be read or fetched is skipped whole; in a dump, a page that cannot be
    parsed is skipped alone. ``on_failure`` is called with each failure as it happens, and
    ``on_source`` with each source once it is done (a progress bar's tick).

    >>> report = Report()
    >>> pages = list(read_pages(["no/such.wikitext"], report=report))
    >>> pages, report.return_code, report.failures[0].message
    ([], 3, 'cannot read no/such.wikitext: no such file')
    """
    def failed(source: str, exc: TalkparseError) -> None:
        failure = Failure(source, str(exc))
        report.failures.append(failure)
        if on_failure is not None:
            on_failure(failure)

    for source in sources:
        try:
            for doc in documents(source, options or SourceOptions()):
                try:
                    page = parse_document(doc, lang=lang, timezone=timezone, title=title, mode=mode)
                except TalkparseError as exc:  # e.g. an unknown language: name the page
                    failed(doc.name, TalkparseError(f"{doc.name}: {exc}"))
                    continue
                report.pages += 1
                yield page
        except TalkparseError as exc:
            failed(source, exc)
        if on_source is not None:
            on_source(source)

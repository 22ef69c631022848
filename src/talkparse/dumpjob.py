"""Whole XML dumps into tables: pages streamed in batches, parsed on every core, written resumably.

:func:`run_dump` reads a dump (plain, ``.bz2`` or ``.gz``) page by page, cuts it into batches
of pages (:class:`Batch`), has an engine parse and analyse each batch (:func:`process_batch`)
and writes each result, as it comes back, to an output folder
(:mod:`talkparse.dumpstore`). Only a few batches are in flight at once, so memory stays the same
however large the dump is. The engine is :class:`LocalEngine` (processes on this machine) or
:class:`talkparse.dumpdask.DaskEngine` (a Dask cluster); both run :func:`process_batch` and
hand back the same results, written by the same writer, so they give the same rows.

A batch's bounds depend only on the dump and the options, never on timing, so a run that was
interrupted cuts the same batches again, skips those its journal has, and does the rest.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Literal, Mapping, Protocol, TypeVar

from . import __version__
from .analyse import analyse
from .dumpstore import BatchResult, PageFailure, Store, Totals
from .errors import InputError, TalkparseError
from .model import Analysis
from .parse import Mode
from .sources import Document, dump_documents, is_dump, parse_document

DumpFormat = Literal["parquet", "jsonl"]
TABLES = ("comments", "threads", "questions", "actions")
BATCH_PAGES = 500  # default pages per batch: the unit of work, of writing and of resuming
BATCH_CHARS = 2_000_000  # a batch closes past this many characters, so huge pages stay few


@dataclass(frozen=True, slots=True)
class DumpOptions:
    """How a dump becomes tables. Every field decides the rows, so resuming needs the same."""

    namespaces: tuple[int, ...] = ()  # namespace ids to read; () = every talk namespace
    lang: str | None = None  # content language; default the dump's own (xml:lang)
    timezone: str | None = None  # the wiki's local zone; default that of the dump's wiki
    mode: Mode = "reader"  # reader or discussiontools, as for parse()
    format: DumpFormat = "parquet"  # of the part files
    batch_pages: int = BATCH_PAGES  # pages per batch at most
    batch_chars: int = BATCH_CHARS  # characters of wikitext per batch, about (one page may pass it)


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive pages of a dump, processed and written together."""

    index: int  # its number in the dump, from 0
    documents: tuple[Document, ...]


@dataclass(frozen=True, slots=True)
class DumpStatus:
    """Where a run is, for a progress bar."""

    read_bytes: int  # of the dump file (compressed, as stored) that finished batches reach
    total_bytes: int  # the dump file's size
    totals: Totals  # pages, failures, text and rows written, earlier runs included
    run_pages: int  # pages written by this run
    run_text_bytes: int  # wikitext bytes written by this run
    seconds: float  # since this run started


@dataclass(frozen=True, slots=True)
class DumpReport:
    """What a run did: counts over the whole output, earlier runs of a resumed one included."""

    output: Path
    pages: int  # pages written
    failed: int  # pages that could not be read (in OUT/failures)
    rows: Mapping[str, int]  # rows per table
    text_bytes: int  # UTF-8 bytes of wikitext read
    run_pages: int  # of which by this run
    run_text_bytes: int  # of which by this run
    seconds: float  # this run's time
    resumed: bool  # an earlier run had done part of it
    already_complete: bool  # an earlier run had done all of it: nothing was done
    discarded: int  # part files of unfinished batches deleted before going on

    @property
    def return_code(self) -> int:
        """0, or 3 when a page failed (as for other many-page runs)."""
        return 3 if self.failed else 0


class Engine(Protocol):
    """Runs :func:`process_batch` over batches, a bounded number at a time."""

    def map(self, batches: Iterable[Batch], options: DumpOptions) -> Iterator[BatchResult]:
        """Yield the result of every batch, in the order they finish."""
        ...


# --- one batch ---------------------------------------------------------------------------------

def process_batch(batch: Batch, options: DumpOptions) -> BatchResult:
    """Parse and analyse a batch of pages, and encode its rows as one part file per table.

    Runs in a worker (a process here, or a Dask worker), which is why it returns encoded files:
    they are much smaller than pages to send back, and encoding is work worth spreading. A page
    that fails is recorded, not raised: one page must not stop a run over millions.
    """
    from .frames import frame_bytes, to_frame

    analyses: list[Analysis] = []
    ids: list[int | None] = []
    failures: list[tuple[Document, PageFailure]] = []
    text_bytes = 0
    for doc in batch.documents:
        text_bytes += len(doc.text.encode("utf-8"))
        try:
            page = parse_document(doc, lang=options.lang, timezone=options.timezone, mode=options.mode)
            analyses.append(analyse(page))
            ids.append(doc.page_id)
        except Exception as exc:  # noqa: BLE001 - any page's failure is counted, never fatal
            failures.append((doc, PageFailure(doc.title, doc.page_id, _message(exc))))
    parts: list[tuple[str, bytes]] = []
    rows: list[tuple[str, int]] = []
    for table in TABLES:
        frame = to_frame(analyses, table=table, page_ids=ids)  # type: ignore[arg-type]
        parts.append((table, frame_bytes(frame, options.format)))
        rows.append((table, len(frame)))
    if failures:
        parts.append(("failures", frame_bytes(_failure_frame(failures), options.format)))
    return BatchResult(batch.index, tuple(parts), len(analyses), tuple(f for _, f in failures),
                       text_bytes, tuple(rows))


def _message(exc: Exception) -> str:
    if isinstance(exc, TalkparseError):
        return str(exc)
    return f"{type(exc).__name__}: {exc} (this is a bug in talkparse)"


def _failure_frame(failures: list[tuple[Document, PageFailure]]) -> Any:
    import pandas as pd

    return pd.DataFrame({
        "wiki": pd.Series([d.wiki for d, _ in failures], dtype="string"),
        "page": pd.Series([f.page for _, f in failures], dtype="string"),
        "page_id": pd.Series([f.page_id for _, f in failures], dtype="Int64"),
        "revision": pd.Series([d.revision for d, _ in failures], dtype="Int64"),
        "error": pd.Series([f.message for _, f in failures], dtype="string"),
    })


def batches(documents: Iterable[Document], options: DumpOptions) -> Iterator[Batch]:
    """Cut a stream of documents into batches of at most ``batch_pages`` pages and about
    ``batch_chars`` characters, the same cuts on every run."""
    current: list[Document] = []
    chars = index = 0
    for doc in documents:
        current.append(doc)
        chars += len(doc.text)
        if len(current) >= options.batch_pages or chars >= options.batch_chars:
            yield Batch(index, tuple(current))
            current, chars, index = [], 0, index + 1
    if current:
        yield Batch(index, tuple(current))


# --- engines -----------------------------------------------------------------------------------

F = TypeVar("F")


def bounded(batches: Iterable[Batch], submit: Callable[[Batch], F],
            wait_first: Callable[[set[F]], set[F]], limit: int) -> Iterator[F]:
    """Submit batches, never more than ``limit`` unfinished, and yield each future once done.

    The next batch is read from the dump only when a slot is free: that bound is what keeps
    memory constant whatever the dump's size.
    """
    pending: set[F] = set()
    for batch in batches:
        pending.add(submit(batch))
        while len(pending) >= limit:
            done = wait_first(pending)
            pending -= done
            yield from done
    while pending:
        done = wait_first(pending)
        pending -= done
        yield from done


@dataclass(frozen=True, slots=True)
class LocalEngine:
    """Worker processes on this machine: ``jobs`` of them (1: everything in this process)."""

    jobs: int = os.cpu_count() or 1

    def map(self, batches: Iterable[Batch], options: DumpOptions) -> Iterator[BatchResult]:
        """Yield each batch's result as it finishes; at most two batches a worker in flight."""
        if self.jobs <= 1:
            for batch in batches:
                yield process_batch(batch, options)
            return
        pool = concurrent.futures.ProcessPoolExecutor(
            self.jobs, mp_context=_context(), initializer=_start_worker, initargs=(os.getpid(),))
        try:
            for future in bounded(batches, lambda b: pool.submit(process_batch, b, options),
                                  _first_done, 2 * self.jobs):
                try:
                    yield future.result()
                except BrokenProcessPool:
                    raise TalkparseError("a worker process died (killed, or out of memory?); "
                                         "run the same command again to go on") from None
        except BaseException:
            _kill(pool)
            raise
        pool.shutdown(wait=True)


def _first_done(pending: set[concurrent.futures.Future[BatchResult]]
                ) -> set[concurrent.futures.Future[BatchResult]]:
    return concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED).done


def _context() -> Any:
    """Workers forked from a clean server process: forking this one, which runs a progress
    bar's thread, could copy a held lock; spawning would import everything again per worker."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:  # no forkserver on Windows
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(["talkparse.dumpjob"])
    return ctx


def _start_worker(parent: int) -> None:
    """Ignore Ctrl-C (the run's own process stops the workers), and exit when the run's process
    is gone, even killed with SIGKILL, rather than wait forever for work."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    first = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != first or not _alive(parent):
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="talkparse-parent-watch").start()


def _alive(pid: int) -> bool:
    """True while ``pid`` runs. A killed process whose parent has not yet reaped it (a zombie)
    counts as gone; forkserver workers need this check, as their parent is the fork server,
    which lives on as long as they do."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rpartition(b")")[2].split()[0] != b"Z"
    except (OSError, IndexError):
        return True  # no /proc: trust kill()


def _kill(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Stop at once: cancel what waits and kill the workers, whose batches are lost anyway
    (their rows are not in the journal, so a rerun does them again)."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


# --- a whole run -------------------------------------------------------------------------------

def settings(path: Path, options: DumpOptions) -> dict[str, Any]:
    """What a resumed run must share with the run that started the output (as JSON values)."""
    return {
        "input": str(path.resolve()), "input_bytes": path.stat().st_size,
        "format": options.format, "namespaces": sorted(options.namespaces), "lang": options.lang,
        "timezone": options.timezone, "mode": options.mode, "batch_pages": options.batch_pages,
        "batch_chars": options.batch_chars, "talkparse": __version__,
    }


def check_input(path: Path, options: DumpOptions) -> None:
    """Fail early, with one line, on an input that is not a dump or options that cannot work.

    :raises InputError: for a missing file, a folder, a file that is not a dump, an unknown
        language or time zone.
    """
    if not path.exists():
        raise InputError(f"cannot read {path}: no such file")
    if path.is_dir():
        raise InputError(f"cannot read {path}: it is a directory")
    if not is_dump(path):
        raise InputError(f"cannot read {path}: not an XML dump (.xml, .xml.bz2 or .xml.gz)")
    if options.batch_pages < 1 or options.batch_chars < 1:
        raise InputError("batches must hold at least one page")
    # An unknown --lang or --timezone would fail every page: say so once, before starting.
    parse_document(Document("options", "", None), lang=options.lang, timezone=options.timezone,
                   mode=options.mode)


def run_dump(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    options: DumpOptions = DumpOptions(),
    *,
    engine: Engine | None = None,
    on_progress: Callable[[DumpStatus], None] | None = None,
    on_failure: Callable[[PageFailure], None] | None = None,
) -> DumpReport:
    """Read a dump into the tables comments, threads, questions and actions under ``output``.

    When ``output`` holds an unfinished run with the same settings, go on from where it
    stopped; a finished one is left as it is. Pages that fail are recorded in
    ``output/failures`` and passed to ``on_failure``; ``on_progress`` is called after each batch.

    :param engine: :class:`LocalEngine` (the default: every core) or
        :class:`talkparse.dumpdask.DaskEngine`.
    :raises InputError: for an input that is not a readable dump, an output that cannot be
        written or resumed, or bad options.
    :raises TalkparseError: when the engine fails (a worker died, a cluster went away).

    >>> report = run_dump("enwiki-pages-meta-current.xml.bz2", "out.parquet")  # doctest: +SKIP
    >>> report.rows["comments"]  # doctest: +SKIP
    """
    source = Path(path)
    check_input(source, options)
    with Store.open(output, options.format, settings(source, options)) as store:
        run = _Run(source, options, store, on_progress)
        already_complete = store.complete
        if not already_complete:
            for result in (engine or LocalEngine()).map(run.todo(), options):
                store.write(result)
                run.written(result)
                for failure in result.failures:
                    if on_failure is not None:
                        on_failure(failure)
            store.finish()
        t = store.totals
        return DumpReport(Path(output), t.pages, t.failed, dict(t.rows), t.text_bytes, run.pages,
                          run.text_bytes, time.monotonic() - run.start, store.resumed,
                          already_complete, store.discarded)


class _Run:
    """One run's reading and counting: which batches to do, how far the finished ones reach."""

    def __init__(self, source: Path, options: DumpOptions, store: Store,
                 on_progress: Callable[[DumpStatus], None] | None) -> None:
        self.source, self.options, self.store, self.on_progress = source, options, store, on_progress
        self.start = time.monotonic()
        self.total = source.stat().st_size
        self.read = 0  # bytes of the file the reader has passed
        self.ends: dict[int, int] = {}  # batch in flight -> where in the file it ends
        self.reached = 0  # the furthest end of a finished batch: what the progress bar shows
        self.pages = self.text_bytes = 0  # this run's

    def todo(self) -> Iterator[Batch]:
        """The batches the journal does not have, in dump order; the others pass as progress."""
        docs = dump_documents(self.source, self.options.namespaces, on_read=self._at)
        for batch in batches(docs, self.options):
            if self.store.is_done(batch.index):
                self.reached = self.read
                self._report()
            else:
                self.ends[batch.index] = self.read
                yield batch

    def _at(self, offset: int) -> None:
        self.read = offset

    def written(self, result: BatchResult) -> None:
        """Count a batch the store has written."""
        self.reached = max(self.reached, self.ends.pop(result.index, 0))
        self.pages += result.pages
        self.text_bytes += result.text_bytes
        self._report()

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(DumpStatus(self.reached, self.total, self.store.totals, self.pages,
                                        self.text_bytes, time.monotonic() - self.start))

"""Where ``talkparse dump`` writes: a folder of part files per table and a journal to resume by.

An output ``OUT`` (``out.parquet`` or ``out.jsonl``) is a folder::

    OUT/_journal.json                     the run's settings, the batches done, counts so far
    OUT/comments/part-00000000.parquet    the rows of batch 0 of pages; one part per batch
    OUT/threads/  OUT/questions/  OUT/actions/
    OUT/failures/part-00000007.parquet    pages that could not be read (batches that had some)

Why parts and a journal rather than one growing file: a batch's parts are each written
atomically, and only then is the batch added to the journal, itself rewritten atomically. A run
killed at any moment (Ctrl-C, SIGKILL, a power cut) leaves every batch either in the journal
with all its parts, or not in it, in which case the next run deletes whatever parts it left and
does it again. Nothing is appended to, so no row is half written, lost or written twice.
``pandas.read_parquet("OUT/comments")`` reads a table whole (parts sort in dump order), and
``cat OUT/comments/part-*.jsonl`` gives one JSON-lines file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Iterator, Mapping

from .errors import InputError
from .files import atomic_write

if TYPE_CHECKING:
    import pandas as pd

JOURNAL = "_journal.json"
LOCK = "_lock"
LAYOUT = 1  # the version of this layout, in the journal
TABLE_DIRS = ("comments", "threads", "questions", "actions", "failures")
_PART = re.compile(r"part-(\d+)\.(parquet|jsonl)")


@dataclass(frozen=True, slots=True)
class PageFailure:
    """A page of a dump that could not be read, like ``Talk:X: unknown time zone 'Mars/Base'``."""

    page: str | None  # its title
    page_id: int | None  # its id in the dump
    message: str  # one line: why


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What one batch of pages became: a file per table, ready to write, and its counts."""

    index: int  # the batch's number, in dump order
    parts: tuple[tuple[str, bytes], ...]  # (table, the part file's bytes); "failures" when any
    pages: int  # pages read and analysed
    failures: tuple[PageFailure, ...]  # pages that could not be
    text_bytes: int  # UTF-8 bytes of wikitext in the batch
    rows: tuple[tuple[str, int], ...]  # rows per table


@dataclass(frozen=True, slots=True)
class Totals:
    """Counts over the batches written so far, this run's and earlier runs'."""

    pages: int = 0
    failed: int = 0
    text_bytes: int = 0
    rows: Mapping[str, int] = field(default_factory=dict)

    def plus(self, result: BatchResult) -> Totals:
        """The counts with one more batch."""
        rows = dict(self.rows)
        for table, n in result.rows:
            rows[table] = rows.get(table, 0) + n
        return Totals(self.pages + result.pages, self.failed + len(result.failures),
                      self.text_bytes + result.text_bytes, rows)


class Store:
    """An output folder being written: its journal, its parts, and a lock against a second run.

    Open it with :meth:`open`, which starts a new folder or picks up an unfinished one.
    """

    def __init__(self, path: Path, fmt: str, settings: Mapping[str, Any], lock: IO[bytes]) -> None:
        self.path, self.fmt, self.settings, self._lock = path, fmt, dict(settings), lock
        self.done: list[list[int]] = []  # finished batch numbers, as sorted [first, last] ranges
        self.totals = Totals()
        self.complete = False
        self.resumed = False  # batches were done already when it was opened
        self.discarded = 0  # part files of unfinished batches deleted when it was opened

    @classmethod
    def open(cls, path: str | os.PathLike[str], fmt: str, settings: Mapping[str, Any]) -> Store:
        """Start writing ``path``, or go on with an unfinished run that had the same ``settings``.

        :raises InputError: when ``path`` is a file, a folder this did not make, one a run with
            other settings made, or one another run is writing now.
        """
        out = Path(path)
        if out.exists() and not out.is_dir():
            raise InputError(f"cannot write {out}: it is a file; talkparse dump writes a folder")
        journal = out / JOURNAL
        # A run killed before its first journal leaves the lock and perhaps a temporary file.
        if out.is_dir() and not journal.exists() and any(
                e.name != LOCK and not e.name.startswith(f".{JOURNAL}.") for e in out.iterdir()):
            raise InputError(f"cannot write {out}: a folder that talkparse dump did not make "
                             f"(no {JOURNAL}); remove it or choose another -o")
        try:
            out.mkdir(parents=True, exist_ok=True)
            lock = (out / LOCK).open("ab")
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
        store = cls(out, fmt, settings, lock)
        try:
            store._take_lock()
            if journal.exists():
                store._resume(store._read_journal())
            else:
                store._save()
            for name in TABLE_DIRS[:-1]:  # failures/ only when a page fails
                (out / name).mkdir(exist_ok=True)
        except BaseException:
            store.close()
            raise
        return store

    def _take_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; a second run is the user's to avoid
            return
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InputError(f"cannot write {self.path}: another talkparse dump is writing it") from None

    def _read_journal(self) -> dict[str, Any]:
        try:
            data = json.loads((self.path / JOURNAL).read_text(encoding="utf-8"))
            if data.get("layout") != LAYOUT:
                raise ValueError(f"layout {data.get('layout')!r}")
            return dict(data)
        except (OSError, ValueError, AttributeError) as exc:
            raise InputError(f"cannot resume {self.path}: unreadable {JOURNAL} ({exc}); "
                             "remove the folder to start again") from None

    def _resume(self, data: dict[str, Any]) -> None:
        old = data.get("settings", {})
        for key, value in self.settings.items():
            if old.get(key) != value:
                raise InputError(
                    f"cannot resume {self.path}: it was written with {key} {_shown(old.get(key))}, "
                    f"not {_shown(value)}; give the same options, or remove it to start again"
                )
        self.done = [list(r) for r in data["done"]]
        self.totals = Totals(data["pages"], data["failed"], data["text_bytes"], dict(data["rows"]))
        self.complete = bool(data["complete"])
        self.resumed = bool(self.done)
        self.discarded = self._discard_unfinished()

    def _discard_unfinished(self) -> int:
        """Delete the parts of batches not in the journal, and temporary files of killed writes."""
        gone = 0
        for name in TABLE_DIRS:
            folder = self.path / name
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                m = _PART.fullmatch(entry.name)
                if (m and not self.is_done(int(m.group(1)))) or (
                        entry.name.startswith(".") and entry.name.endswith(".tmp")):
                    entry.unlink()
                    gone += 1
        return gone

    def is_done(self, index: int) -> bool:
        """True when batch ``index`` is in the journal, all its parts written."""
        return any(first <= index <= last for first, last in self.done)

    def part_path(self, table: str, index: int) -> Path:
        """Where batch ``index`` of ``table`` is written."""
        return self.path / table / f"part-{index:08d}.{self.fmt}"

    def write(self, result: BatchResult) -> None:
        """Write a batch's parts, each atomically, then record the batch in the journal."""
        for table, data in result.parts:
            self.part_path(table, result.index).parent.mkdir(exist_ok=True)
            atomic_write(self.part_path(table, result.index), data, tidy=False)  # see _discard_unfinished
        self.done = _add(self.done, result.index)
        self.totals = self.totals.plus(result)
        self._save()

    def finish(self) -> None:
        """Record that every batch of the dump is written."""
        self.complete = True
        self._save()

    def _save(self) -> None:
        record = {
            "layout": LAYOUT, "settings": self.settings, "complete": self.complete,
            "done": self.done, "pages": self.totals.pages, "failed": self.totals.failed,
            "text_bytes": self.totals.text_bytes, "rows": dict(self.totals.rows),
        }
        atomic_write(self.path / JOURNAL, json.dumps(record, ensure_ascii=False, indent=1) + "\n")

    def close(self) -> None:
        """Release the lock."""
        self._lock.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _add(ranges: list[list[int]], index: int) -> list[list[int]]:
    """``ranges`` with ``index`` added, merged: batches finish nearly in order, so the journal
    stays a handful of ranges however long the dump."""
    out: list[list[int]] = []
    for first, last in sorted([*ranges, [index, index]]):
        if out and first <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return out


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "(none)"
    return "(none)" if value is None else str(value)


# --- reading back ------------------------------------------------------------------------------

def journal(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The journal of an output folder: settings, ``complete``, ``done`` ranges and counts.

    :raises InputError: when there is none.
    """
    try:
        return dict(json.loads((Path(path) / JOURNAL).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: not a talkparse dump output ({exc})") from None


def parts(path: str | os.PathLike[str], table: str) -> list[Path]:
    """The part files of ``table`` that the journal counts as written, in dump order."""
    done = journal(path)["done"]
    folder = Path(path) / table
    found = []
    for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
        m = _PART.fullmatch(entry.name)
        if m and any(first <= int(m.group(1)) <= last for first, last in done):
            found.append(entry)
    return found


def read_table(path: str | os.PathLike[str], table: str) -> pd.DataFrame:
    """Read one table of a ``talkparse dump`` output folder as a DataFrame, in dump order.

    Parquet keeps its types; JSON lines are read as JSON gives them (times as strings).

    :param table: ``comments``, ``threads``, ``questions``, ``actions`` or ``failures``.

    >>> read_table("out.parquet", "questions")  # doctest: +SKIP
    """
    import pandas as pd

    files = parts(path, table)
    if not files:
        return pd.DataFrame()
    if files[0].suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        return pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()
    return pd.DataFrame(list(_jsonl_rows(files)))


def _jsonl_rows(files: list[Path]) -> Iterator[dict[str, Any]]:
    for f in files:
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)

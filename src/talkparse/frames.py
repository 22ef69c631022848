"""Tables of many pages: comments, threads, questions and actions as pandas DataFrames, and files.

:func:`to_frame` turns parsed pages (or their analyses) into one DataFrame with stable columns,
listed in :data:`COLUMNS`; :func:`frame_bytes` and :func:`save_frame` write it as CSV, TSV,
JSON lines, Parquet or an Excel workbook. In CSV, TSV and XLSX, lists are joined with ``;`` and
text that a spreadsheet program would run as a formula is neutralised (:func:`spreadsheet_safe`);
JSON lines and Parquet keep real lists and the original text.

A *thread* is a comment that replies to no other (``Comment.parent is None``: it starts a
thread) together with every comment that replies to it, directly or not; its id is the id of
the comment that starts it. A page's section can hold several threads.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from datetime import datetime, timezone
from typing import Any, Iterable, Literal, Mapping, cast, get_args

import pandas as pd

from .analyse import analyse
from .model import Analysis, Comment, Page

Table = Literal["comments", "threads", "questions", "actions"]
Format = Literal["csv", "tsv", "jsonl", "parquet", "xlsx"]
TABLES: tuple[str, ...] = get_args(Table)
FORMATS: tuple[str, ...] = get_args(Format)

COMMENTS = (
    "wiki", "page", "revision", "section", "thread_id", "comment_id", "parent_id", "author",
    "timestamp", "level", "words", "text",
)
THREADS = (
    "wiki", "page", "revision", "section", "thread_id", "starter", "participant_count",
    "participants", "comments", "first_time", "last_time", "depth", "questions", "answered",
    "unclear", "unanswered",
)
QUESTIONS = (
    "wiki", "page", "revision", "section", "thread_id", "comment_id", "asker", "timestamp",
    "text", "status", "answered", "indirect", "answered_by",
)
ACTIONS = (
    "wiki", "page", "revision", "section", "thread_id", "comment_id", "author", "timestamp",
    "actor", "kind", "status", "text", "resolved_by", "promised_by",
)
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "comments": COMMENTS, "threads": THREADS, "questions": QUESTIONS, "actions": ACTIONS,
}

# The type of every column; a name means the same thing, with the same type, in every table,
# except "answered": a flag in questions, a count in threads.
_TEXT = frozenset({
    "wiki", "page", "section", "thread_id", "comment_id", "parent_id", "author", "text",
    "starter", "asker", "status", "kind", "actor",
})
_TIMES = frozenset({"timestamp", "first_time", "last_time"})
_LISTS = frozenset({"participants", "answered_by", "resolved_by", "promised_by"})
_FLAGS = frozenset({"indirect"})
_OPTIONAL_INTS = frozenset({"revision"})

LIST_SEPARATOR = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list for CSV injection
XLSX_CELL_LIMIT = 32767  # characters Excel keeps in one cell
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML 1.0 forbids
_WORD = re.compile(r"\w+(?:['’-]\w+)*")


def to_frame(pages_or_results: Page | Analysis | Iterable[Page | Analysis], *,
             table: Table = "comments", page_ids: Iterable[int | None] | None = None) -> pd.DataFrame:
    """Return one table of one or many pages as a DataFrame, one row per comment (or thread,
    question, action), pages in the order given.

    Pages are analysed (:func:`talkparse.analyse`) when the table needs questions or actions
    and an :class:`~talkparse.Analysis` was not given. The columns are those of
    ``COLUMNS[table]``, in that order; times are aware UTC timestamps, ``revision`` a nullable
    integer, id lists Python lists; ``wiki`` and ``revision`` are missing (``<NA>``) for pages
    read from files.

    :param pages_or_results: a :class:`~talkparse.Page` or :class:`~talkparse.Analysis`, or an
        iterable of them (consumed once, page by page).
    :param table: ``"comments"``, ``"threads"``, ``"questions"`` or ``"actions"``.
    :param page_ids: the page id of each page, in the same order, for pages of a dump: then a
        ``page_id`` column (nullable integer) follows ``revision``. Titles change when pages
        move, ids do not, so tables of different dumps join on them.
    :raises ValueError: for an unknown table.

    >>> import talkparse
    >>> page = talkparse.parse("== Q ==\\nWhat is the budget? [[User:A|A]] 10:00, 1 May 2020 (UTC)\\n"
    ...                        ":USD 500. [[User:B|B]] 11:00, 1 May 2020 (UTC)\\n")
    >>> talkparse.to_frame(page, table="threads")[["starter", "participants", "depth"]]
      starter participants  depth
    0       A       [A, B]      1
    """
    if table not in COLUMNS:
        raise ValueError(f"unknown table {table!r}: use one of {', '.join(TABLES)}")
    if isinstance(pages_or_results, (Page, Analysis)):
        pages_or_results = [pages_or_results]
    rows: dict[str, list[Any]] = {name: [] for name in COLUMNS[table]}
    ids: list[int | None] = []
    id_of = iter(page_ids) if page_ids is not None else None
    for item in pages_or_results:
        before = len(rows["page"])
        if table == "comments":
            _comment_rows(item.page if isinstance(item, Analysis) else item, rows)
        else:
            result = item if isinstance(item, Analysis) else analyse(item)
            {"threads": _thread_rows, "questions": _question_rows, "actions": _action_rows}[table](
                result, rows
            )
        if id_of is not None:
            ids.extend([next(id_of)] * (len(rows["page"]) - before))
    frame = pd.DataFrame({name: _column(table, name, values) for name, values in rows.items()})
    if id_of is not None:
        frame.insert(frame.columns.get_loc("revision") + 1, "page_id", pd.Series(ids, dtype="Int64"))
    return frame


def _column(table: str, name: str, values: list[Any]) -> pd.Series:
    if name in _TEXT:
        return pd.Series(values, dtype="string")
    if name in _TIMES:
        return pd.Series(pd.to_datetime(values, utc=True) if values else [],
                         dtype="datetime64[ns, UTC]")
    if name in _OPTIONAL_INTS:
        return pd.Series(values, dtype="Int64")
    if name in _LISTS:
        return pd.Series(values, dtype=object)
    if name in _FLAGS or (name == "answered" and table == "questions"):
        return pd.Series(values, dtype=bool)
    return pd.Series(values, dtype="int64")


class _Threads:
    """Where each comment of a page sits: the comment that starts its thread, its reply depth."""

    def __init__(self, page: Page) -> None:
        n = len(page.comments)
        root: list[int | None] = [None] * n
        self.depth = [0] * n
        # A parent can come after its reply: in reader mode a reviewer's comment, signed after
        # the replies inserted into it, is their parent. So follow each chain up to its start.
        for i in range(n):
            path: list[int] = []
            on_path: set[int] = set()
            j = i
            while root[j] is None:
                parent = page.comments[j].parent
                if parent is None or parent in on_path or not 0 <= parent < n:
                    root[j] = j  # starts a thread (a loop, which the parser never makes, too)
                    break
                path.append(j)
                on_path.add(j)
                j = parent
            for k in reversed(path):
                parent = page.comments[k].parent
                assert parent is not None
                root[k], self.depth[k] = root[parent], self.depth[parent] + 1
        self.root: list[int] = [r if r is not None else i for i, r in enumerate(root)]


def _page_columns(page: Page, rows: dict[str, list[Any]], n: int) -> None:
    rows["wiki"].extend([page.wiki] * n)
    rows["page"].extend([page.title] * n)
    rows["revision"].extend([page.revision] * n)


def _section(page: Page, c: Comment) -> str | None:
    return page.headings[c.heading].title if c.heading is not None else None


def _ids(page: Page, indexes: Iterable[int]) -> list[str]:
    return [page.comments[i].id for i in indexes]


def _comment_rows(page: Page, rows: dict[str, list[Any]]) -> None:
    threads = _Threads(page)
    _page_columns(page, rows, len(page.comments))
    for i, c in enumerate(page.comments):
        rows["section"].append(_section(page, c))
        rows["thread_id"].append(page.comments[threads.root[i]].id)
        rows["comment_id"].append(c.id)
        rows["parent_id"].append(page.comments[c.parent].id if c.parent is not None else None)
        rows["author"].append(c.author)
        rows["timestamp"].append(c.timestamp)
        rows["level"].append(c.level)
        rows["words"].append(len(_WORD.findall(c.text)))
        rows["text"].append(c.text)


def _thread_rows(result: Analysis, rows: dict[str, list[Any]]) -> None:
    page = result.page
    threads = _Threads(page)
    members: dict[int, list[int]] = {root: [] for root in sorted(set(threads.root))}
    for i, root in enumerate(threads.root):
        members[root].append(i)
    statuses: dict[int, list[str]] = {root: [] for root in members}
    for q in result.questions:
        statuses[threads.root[q.comment]].append(q.status.value)
    _page_columns(page, rows, len(members))
    for root, indexes in members.items():
        first = page.comments[root]
        authors = list(dict.fromkeys(page.comments[i].author for i in indexes))
        times = [page.comments[i].timestamp for i in indexes]
        asked = statuses[root]
        rows["section"].append(_section(page, first))
        rows["thread_id"].append(first.id)
        rows["starter"].append(first.author)
        rows["participant_count"].append(len(authors))
        rows["participants"].append(authors)
        rows["comments"].append(len(indexes))
        rows["first_time"].append(min(times))
        rows["last_time"].append(max(times))
        rows["depth"].append(max(threads.depth[i] for i in indexes))
        rows["questions"].append(len(asked))
        rows["answered"].append(asked.count("answered"))
        rows["unclear"].append(asked.count("unclear"))
        rows["unanswered"].append(asked.count("unanswered"))


def _item_columns(page: Page, threads: _Threads, index: int, rows: dict[str, list[Any]]) -> Comment:
    c = page.comments[index]
    rows["section"].append(_section(page, c))
    rows["thread_id"].append(page.comments[threads.root[index]].id)
    rows["comment_id"].append(c.id)
    rows["timestamp"].append(c.timestamp)
    return c


def _question_rows(result: Analysis, rows: dict[str, list[Any]]) -> None:
    page = result.page
    threads = _Threads(page)
    _page_columns(page, rows, len(result.questions))
    for q in result.questions:
        c = _item_columns(page, threads, q.comment, rows)
        rows["asker"].append(c.author)
        rows["text"].append(q.text)
        rows["status"].append(q.status.value)
        rows["answered"].append(q.answered)
        rows["indirect"].append(q.indirect)
        rows["answered_by"].append(_ids(page, q.answered_by))


def _action_rows(result: Analysis, rows: dict[str, list[Any]]) -> None:
    page = result.page
    threads = _Threads(page)
    _page_columns(page, rows, len(result.actions))
    for a in result.actions:
        c = _item_columns(page, threads, a.comment, rows)
        rows["author"].append(c.author)
        rows["actor"].append(a.actor)
        rows["kind"].append(a.kind.value)
        rows["status"].append(a.status.value)
        rows["text"].append(a.text)
        rows["resolved_by"].append(_ids(page, a.resolved_by))
        rows["promised_by"].append(_ids(page, a.promised_by))


# --- files -----------------------------------------------------------------------------------

def neutralise(text: str) -> str:
    """Return ``text`` with a ``'`` in front when a spreadsheet would read it as a formula.

    That is text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP's
    advice against CSV injection).

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("fine")
    ('\\'=HYPERLINK("http://x")', 'fine')
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy for CSV, TSV and XLSX: lists joined with ``;``, text neutralised.

    Every list becomes one string (``"c-A-…;c-B-…"``; an empty list an empty string), then
    every string cell is passed through :func:`neutralise`. Numbers, flags, times and missing
    values are left as they are.
    """
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object:
            column = column.map(
                lambda v: LIST_SEPARATOR.join(map(str, v)) if isinstance(v, (list, tuple)) else v
            )
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            out[name] = column.map(lambda v: neutralise(v) if isinstance(v, str) else v)
    return out


def frame_bytes(frame: pd.DataFrame, fmt: Format, *, sheet: str = "talkparse") -> bytes:
    """Return the frame as a file in ``fmt``: csv, tsv, jsonl (UTF-8 text), parquet or xlsx.

    CSV and TSV have a header line, ``\\r\\n`` line ends (RFC 4180), times as ``2019-07-31T14:18:00Z`` and
    missing values empty; TSV is CSV with tabs (fields holding tabs, quotes or line breaks are
    quoted). JSON lines hold one object per row, keys in column order, lists as arrays,
    missing values as ``null``. XLSX has one sheet named ``sheet``, times in UTC without a zone
    (Excel has none); control characters XML cannot hold are dropped and text longer than a
    cell holds (32,767 characters) is cut. CSV, TSV and XLSX go through
    :func:`spreadsheet_safe`; JSON lines and Parquet keep the original text.
    """
    if fmt in ("csv", "tsv"):
        text: str = _with_iso_times(spreadsheet_safe(frame)).to_csv(
            # CRLF as RFC 4180 has it: then the csv module quotes a field holding a lone \r too
            index=False, sep="," if fmt == "csv" else "\t", lineterminator="\r\n",
        )
        return text.encode("utf-8")
    if fmt == "jsonl":
        return "".join(
            json.dumps(dict(zip(frame.columns, map(_plain, row))), ensure_ascii=False) + "\n"
            for row in frame.itertuples(index=False, name=None)
        ).encode("utf-8")
    buf = io.BytesIO()
    if fmt == "parquet":
        frame.to_parquet(buf, engine="pyarrow", index=False, schema=_arrow_schema(frame))
    elif fmt == "xlsx":
        _for_excel(spreadsheet_safe(frame)).to_excel(buf, index=False, sheet_name=sheet,
                                                     engine="openpyxl")
    else:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return buf.getvalue()


def save_frame(frame: pd.DataFrame, path: str | os.PathLike[str], *, fmt: Format | None = None,
               sheet: str = "talkparse") -> None:
    """Write the frame to ``path`` atomically, in ``fmt`` or else the format its suffix names.

    :raises ValueError: when no format is given and the suffix names none.
    """
    from .files import atomic_write

    fmt = fmt or format_of(str(path))
    if fmt is None:
        raise ValueError(f"cannot tell the format of {os.fspath(path)!r}: give one of {', '.join(FORMATS)}")
    atomic_write(path, frame_bytes(frame, fmt, sheet=sheet))


def format_of(path: str) -> Format | None:
    """The format a file name's suffix names (``.csv``, ``.tsv``, ``.jsonl``, ``.parquet``,
    ``.xlsx``), or None."""
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    return cast(Format, suffix) if suffix in FORMATS else None


def _arrow_schema(frame: pd.DataFrame) -> Any:
    """The frame's Arrow schema, id lists typed as lists of strings even when all are empty.

    Arrow would call a column of empty lists ``list<null>``; files of the same table must
    agree, so that a folder of parts (``talkparse dump``) reads as one table.
    """
    import pyarrow as pa

    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    for i, name in enumerate(schema.names):
        if name in _LISTS:
            schema = schema.set(i, pa.field(name, pa.list_(pa.string())))
    return schema


def _iso(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _with_iso_times(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = pd.Series([_iso(v) if not pd.isna(v) else None for v in out[name]],
                                  dtype="string", index=out.index)
    return out


def _for_excel(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            out[name] = column.dt.tz_convert("UTC").dt.tz_localize(None)
        elif column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            out[name] = column.map(
                lambda v: _XLSX_ILLEGAL.sub("", v)[:XLSX_CELL_LIMIT] if isinstance(v, str) else v
            )
    return out


def _plain(value: Any) -> Any:
    """A cell as a JSON value."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy scalars, arrays
        return _plain(value.tolist())
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    return _iso(value)

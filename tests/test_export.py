"""Tables of pages (talkparse.frames) and the export command: columns, rows, files, safety, many pages."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT

import talkparse
from talkparse import analyse, parse
from talkparse.cli import cli
from talkparse.frames import (
    COLUMNS,
    FORMULA_STARTS,
    frame_bytes,
    neutralise,
    save_frame,
    spreadsheet_safe,
    to_frame,
)
from talkparse.model import QuestionStatus
from talkparse.sources import documents, parse_document

GRANT = FIXTURES / "iberoconf-2019-report.wikitext"
DUMP = Path(__file__).resolve().parent / "wiki" / "en.xml"
TABLES = ("comments", "threads", "questions", "actions")

HOSTILE = """== -1 vote ==
=HYPERLINK("http://evil.example","click") is what I typed. [[User:+1|+1]] 10:00, 1 May 2020 (UTC)
:@SUM(1+1) and more. [[User:@SUM(A1)|x]] 11:00, 1 May 2020 (UTC)
::+1 agreed. [[User:=1+2|y]] 12:00, 1 May 2020 (UTC)
:::-5 points, really? [[User:-Dash|-Dash]] 13:00, 1 May 2020 (UTC)
"""


@pytest.fixture(scope="module")
def grant():
    return parse(GRANT.read_text(encoding="utf-8"), title="iberoconf-2019-report")


@pytest.fixture(scope="module")
def grant_analysis(grant):
    return analyse(grant)


def hostile_page():
    """Authors, texts and a heading that a spreadsheet would run as formulas; a tab and a CR too."""
    page = parse(HOSTILE, title="Talk:Evil")
    comments = list(page.comments)
    comments[1] = dataclasses.replace(comments[1], text="\t=cmd|' /C calc'!A0")
    comments[3] = dataclasses.replace(comments[3], text="\r=2+5+cmd|' /C calc'!A0")
    return page.replace(comments=tuple(comments))


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


# --- columns -----------------------------------------------------------------------------------

def test_columns_are_stable_and_in_order(grant) -> None:
    assert COLUMNS == {
        "comments": ("wiki", "page", "revision", "section", "thread_id", "comment_id", "parent_id",
                     "author", "timestamp", "level", "words", "text"),
        "threads": ("wiki", "page", "revision", "section", "thread_id", "starter",
                    "participant_count", "participants", "comments", "first_time", "last_time",
                    "depth", "questions", "answered", "unclear", "unanswered"),
        "questions": ("wiki", "page", "revision", "section", "thread_id", "comment_id", "asker",
                      "timestamp", "text", "status", "answered", "indirect", "answered_by"),
        "actions": ("wiki", "page", "revision", "section", "thread_id", "comment_id", "author",
                    "timestamp", "actor", "kind", "status", "text", "resolved_by", "promised_by"),
    }
    for table in TABLES:
        assert tuple(to_frame(grant, table=table).columns) == COLUMNS[table]
        assert tuple(to_frame([], table=table).columns) == COLUMNS[table]  # empty, same columns
        header = frame_bytes(to_frame([], table=table), "csv").decode()
        assert header == ",".join(COLUMNS[table]) + "\r\n"


def test_readme_documents_every_column() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Export\n", 1)[1].split("\n## ", 1)[0]
    for table, columns in COLUMNS.items():
        m = re.search(rf"^- `{table}`: (.+?)(?:\n(?!  )|\Z)", section, re.M | re.S)
        assert m, f"no line for {table} in README's Export section"
        documented = re.findall(r"`([a-z_]+)`", m.group(1))
        assert tuple(documented) == columns, table


def test_types(grant) -> None:
    comments = to_frame(grant)
    assert str(comments["timestamp"].dt.tz) == "UTC"
    assert comments["revision"].dtype == "Int64" and comments["revision"].isna().all()
    assert comments["wiki"].isna().all()  # a file: no wiki, no revision
    assert comments["level"].dtype == "int64" and comments["words"].dtype == "int64"
    questions = to_frame(grant, table="questions")
    assert questions["answered"].dtype == bool and questions["indirect"].dtype == bool
    assert all(isinstance(v, list) for v in questions["answered_by"])
    threads = to_frame(grant, table="threads")
    assert threads["answered"].dtype == "int64"
    assert all(isinstance(v, list) for v in threads["participants"])
    assert to_frame([], table="questions")["answered"].dtype == bool


def test_unknown_table() -> None:
    with pytest.raises(ValueError, match="unknown table 'posts'"):
        to_frame([], table="posts")  # type: ignore[arg-type]


# --- rows --------------------------------------------------------------------------------------

def test_one_row_per_comment(grant) -> None:
    frame = to_frame(grant)
    assert len(frame) == len(grant.comments) == 6
    assert list(frame["comment_id"]) == [c.id for c in grant.comments]
    assert list(frame["author"]) == [c.author for c in grant.comments]
    assert list(frame["text"]) == [c.text for c in grant.comments]
    assert list(frame["level"]) == [c.level for c in grant.comments]
    assert [t.to_pydatetime() for t in frame["timestamp"]] == [c.timestamp for c in grant.comments]
    assert list(frame["parent_id"].fillna("")) == [
        grant.comments[c.parent].id if c.parent is not None else "" for c in grant.comments
    ]
    assert list(frame["section"]) == ["WMF comments"] + ["WMCL responses"] * 5
    assert set(frame["page"]) == {"iberoconf-2019-report"}
    # parents [None, None, 1, 2, 3, None]: threads start at comments 0, 1 and 5
    ids = [c.id for c in grant.comments]
    assert list(frame["thread_id"]) == [ids[0], ids[1], ids[1], ids[1], ids[1], ids[5]]
    assert list(frame["words"]) == [len(re.findall(r"\w+(?:['’-]\w+)*", c.text)) for c in grant.comments]
    assert frame["words"].min() > 10


def test_threads_of_a_small_page() -> None:
    page = parse(
        "== A ==\nFirst? [[User:Ann|Ann]] 10:00, 1 May 2020 (UTC)\n"
        ":Reply. [[User:Bob|Bob]] 11:00, 1 May 2020 (UTC)\n"
        "::Reply to the reply. [[User:Ann|Ann]] 12:00, 3 May 2020 (UTC)\n"
        ":Another reply. [[User:Cy|Cy]] 09:00, 2 May 2020 (UTC)\n"
        "New thread, same section. [[User:Dee|Dee]] 13:00, 1 May 2020 (UTC)\n"
        "== B ==\nLone. [[User:Bob|Bob]] 14:00, 3 May 2020 (UTC)\n"
    )
    threads = to_frame(page, table="threads")
    assert list(threads["thread_id"]) == [page.comments[i].id for i in (0, 4, 5)]
    assert list(threads["section"]) == ["A", "A", "B"]
    assert list(threads["starter"]) == ["Ann", "Dee", "Bob"]
    assert threads["participants"].tolist() == [["Ann", "Bob", "Cy"], ["Dee"], ["Bob"]]
    assert list(threads["participant_count"]) == [3, 1, 1]
    assert list(threads["comments"]) == [4, 1, 1]
    assert list(threads["depth"]) == [2, 0, 0]
    assert threads["first_time"][0] == pd.Timestamp("2020-05-01T10:00Z")
    assert threads["last_time"][0] == pd.Timestamp("2020-05-03T12:00Z")  # latest, not last in order


def test_counts_equal_analyse(grant, grant_analysis) -> None:
    result = grant_analysis
    ids = [c.id for c in grant.comments]
    questions = to_frame(result, table="questions")
    assert len(questions) == len(result.questions) > 20
    assert list(questions["text"]) == [q.text for q in result.questions]
    assert list(questions["status"]) == [q.status.value for q in result.questions]
    assert list(questions["answered"]) == [q.answered for q in result.questions]
    assert questions["answered_by"].tolist() == [[ids[i] for i in q.answered_by] for q in result.questions]
    assert list(questions["comment_id"]) == [ids[q.comment] for q in result.questions]
    assert list(questions["asker"]) == [grant.comments[q.comment].author for q in result.questions]

    actions = to_frame(result, table="actions")
    assert len(actions) == len(result.actions) > 3
    assert list(actions["status"]) == [a.status.value for a in result.actions]
    assert list(actions["kind"]) == [a.kind.value for a in result.actions]
    assert list(actions["actor"].astype(object).where(actions["actor"].notna(), None)) == [
        a.actor for a in result.actions
    ]
    assert actions["resolved_by"].tolist() == [[ids[i] for i in a.resolved_by] for a in result.actions]
    assert actions["promised_by"].tolist() == [[ids[i] for i in a.promised_by] for a in result.actions]

    threads = to_frame(result, table="threads")
    assert len(threads) == sum(c.parent is None for c in grant.comments) == 3
    assert threads["comments"].sum() == len(grant.comments)
    assert threads["questions"].sum() == len(result.questions)
    for status, column in ((QuestionStatus.ANSWERED, "answered"), (QuestionStatus.UNCLEAR, "unclear"),
                           (QuestionStatus.UNANSWERED, "unanswered")):
        assert threads[column].sum() == sum(q.status is status for q in result.questions), column

    def start(i: int) -> int:
        parent = grant.comments[i].parent
        return i if parent is None else start(parent)

    unanswered = {t: 0 for t in threads["thread_id"]}
    for q in result.questions:
        unanswered[ids[start(q.comment)]] += q.status is QuestionStatus.UNANSWERED
    assert threads["unanswered"].tolist() == list(unanswered.values())
    assert sum(unanswered.values()) >= 1  # "Have you been actively asking for a response?"


def test_thread_counts_on_every_audit_page() -> None:
    """Per-thread question counts add up to analyse()'s on the labelled audit pages."""
    unclear = forward_parents = 0
    for path in sorted((FIXTURES / "audit").glob("*.wikitext")):
        lang = json.loads(path.with_suffix(".gold.json").read_text(encoding="utf-8")).get("lang", "en")
        result = analyse(parse(path.read_text(encoding="utf-8"), lang=lang, title=path.stem))
        threads = to_frame(result, table="threads")
        assert len(threads) == sum(c.parent is None for c in result.page.comments), path.name
        assert threads["comments"].sum() == len(result.page.comments), path.name
        for status in QuestionStatus:
            expected = sum(q.status is status for q in result.questions)
            assert threads[status.value].sum() == expected, (path.name, status)
        assert (threads["questions"] == threads[["answered", "unclear", "unanswered"]].sum(axis=1)).all()
        questions = to_frame(result, table="questions")
        assert questions.groupby("thread_id").size().to_dict() == {
            t: n for t, n in zip(threads["thread_id"], threads["questions"]) if n
        }, path.name
        unclear += int(threads["unclear"].sum())
        # a reply's thread is where its chain of parents starts, even when a parent comes later
        # in the page (reader mode: a reviewer's list signed after the replies inserted into it)
        comments = result.page.comments

        def start(i: int) -> int:
            return i if comments[i].parent is None else start(comments[i].parent)

        frame = to_frame(result.page)
        assert list(frame["thread_id"]) == [comments[start(i)].id for i in range(len(comments))]
        forward = sum(c.parent is not None and c.parent > i for i, c in enumerate(comments))
        forward_parents += forward
    assert unclear > 0  # the pages do have unclear questions to count
    assert forward_parents > 0  # and replies whose parent comes after them


def test_pages_are_analysed_when_not_given_analyses(grant, grant_analysis) -> None:
    for table in ("threads", "questions", "actions"):
        pd.testing.assert_frame_equal(to_frame(grant, table=table), to_frame(grant_analysis, table=table))
    pd.testing.assert_frame_equal(to_frame(grant), to_frame(grant_analysis))


def test_wiki_and_revision_of_dump_pages() -> None:
    pages = [parse_document(d) for d in documents(str(DUMP))]
    frame = to_frame(pages)
    assert len(frame) == sum(len(p.comments) for p in pages)
    assert set(frame["wiki"]) == {"enwiki"}  # the dump's database name
    first = frame[frame["page"] == "Talk:Imported"]
    assert set(first["revision"]) == {3}  # the last revision in the dump
    assert list(frame["page"].unique())[:2] == ["Talk:Imported", "Talk:Imported/Archive 1"]


def test_many_pages_in_order(grant) -> None:
    other = parse(HOSTILE, title="Talk:Evil")
    frame = to_frame(iter([grant, other]))  # any iterable, consumed once
    assert list(frame["page"]) == ["iberoconf-2019-report"] * 6 + ["Talk:Evil"] * 4


# --- files -------------------------------------------------------------------------------------

def _lists_as_lists(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = pd.Series([list(v) for v in out[name]], dtype=object, index=out.index)
    return out


@pytest.mark.parametrize("table", TABLES)
def test_parquet_round_trip(grant_analysis, table: str) -> None:
    frame = to_frame([grant_analysis, analyse(hostile_page())], table=table)
    back = pd.read_parquet(io.BytesIO(frame_bytes(frame, "parquet")))
    pd.testing.assert_frame_equal(_lists_as_lists(back), frame)
    assert back["text" if table != "threads" else "starter"].tolist() == \
        frame["text" if table != "threads" else "starter"].tolist()  # original text, no quote


_NULLABLE = {"wiki", "revision", "section", "parent_id", "actor"}


def _from_csv(data: bytes, table: str, sep: str) -> pd.DataFrame:
    """Read an exported CSV back into the frame's types, removing the neutralising quotes."""
    raw = pd.read_csv(io.BytesIO(data), sep=sep, dtype=str, keep_default_na=False)
    assert tuple(raw.columns) == COLUMNS[table]
    out = {}
    like = to_frame([], table=table)
    for name in raw.columns:
        values = [v[1:] if v.startswith("'") and v[1:].startswith(FORMULA_STARTS) else v
                  for v in raw[name]]
        dtype = like[name].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            out[name] = pd.to_datetime(pd.Series(values), utc=True).astype(dtype)
        elif dtype == "object":
            out[name] = pd.Series([v.split(";") if v else [] for v in values], dtype=object)
        elif dtype == "bool":
            out[name] = pd.Series([{"True": True, "False": False}[v] for v in values], dtype=bool)
        elif name in _NULLABLE:
            out[name] = pd.Series([v or None for v in values], dtype=dtype)
        else:
            out[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(out)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
@pytest.mark.parametrize("table", TABLES)
def test_csv_round_trip_modulo_the_quote(grant_analysis, table: str, fmt: str) -> None:
    frame = to_frame([grant_analysis, analyse(hostile_page())], table=table)
    data = frame_bytes(frame, fmt)  # type: ignore[arg-type]
    back = _from_csv(data, table, "," if fmt == "csv" else "\t")
    pd.testing.assert_frame_equal(back, frame)
    data.decode("utf-8")  # UTF-8


def test_jsonl_keeps_lists_and_text(grant_analysis) -> None:
    page = hostile_page()
    frame = to_frame(analyse(page), table="comments")
    lines = frame_bytes(frame, "jsonl").decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [list(r) for r in records] == [list(COLUMNS["comments"])] * len(page.comments)
    assert [r["text"] for r in records] == [c.text for c in page.comments]  # no quote added
    assert [r["author"] for r in records] == ["+1", "@SUM(A1)", "=1+2", "-Dash"]
    assert records[0]["timestamp"] == "2020-05-01T10:00:00Z"
    assert records[0]["wiki"] is None and records[0]["revision"] is None
    threads = frame_bytes(to_frame(grant_analysis, table="threads"), "jsonl").decode()
    first = json.loads(threads.splitlines()[1])
    assert first["participants"] == ["PDiazR (WMCL)", "CAlmog (WMF)", "B1mbo"]
    assert "\\/" not in threads


# --- spreadsheet safety ------------------------------------------------------------------------

def test_neutralise_rule() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "x") == "'" + start + "x"
    for text in ("x=1", " =1", "'=1", "", "1+1", "Ünïcode"):
        assert neutralise(text) == text


HOSTILE_VALUES = {
    "+1", "@SUM(A1)", "=1+2", "-Dash", "-1 vote",
    '=HYPERLINK("http://evil.example","click") is what I typed.', "@SUM(1+1) and more.",
    "\t=cmd|' /C calc'!A0", "\r=2+5+cmd|' /C calc'!A0",
}


def _check_cells(cells: list[str]) -> None:
    seen = set()
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS), repr(cell)
        if cell.startswith("'") and cell[1:] in HOSTILE_VALUES:
            seen.add(cell[1:])
        if cell in HOSTILE_VALUES:
            raise AssertionError(f"not neutralised: {cell!r}")
    assert {"+1", "@SUM(A1)", "=1+2", "-Dash", "-1 vote", "\t=cmd|' /C calc'!A0"} <= seen


@pytest.mark.parametrize("fmt, sep", [("csv", ","), ("tsv", "\t")])
def test_hostile_cells_in_csv_and_tsv(fmt: str, sep: str) -> None:
    frame = to_frame(analyse(hostile_page()))
    rows = list(csv.reader(io.StringIO(frame_bytes(frame, fmt).decode()), delimiter=sep))  # type: ignore[arg-type]
    _check_cells([cell for row in rows[1:] for cell in row])
    authors = [row[COLUMNS["comments"].index("author")] for row in rows[1:]]
    assert authors == ["'+1", "'@SUM(A1)", "'=1+2", "'-Dash"]
    # ids and lists too: a thread id starting with "c-+1" is fine, a list starting with "=" is not
    threads = to_frame(analyse(hostile_page()), table="threads")
    rows = list(csv.reader(io.StringIO(frame_bytes(threads, fmt).decode()), delimiter=sep))  # type: ignore[arg-type]
    participants = rows[1][COLUMNS["threads"].index("participants")]
    assert participants == "'+1;@SUM(A1);=1+2;-Dash"


def test_hostile_cells_in_xlsx(tmp_path: Path) -> None:
    for table in TABLES:
        frame = to_frame(analyse(hostile_page()), table=table)
        path = tmp_path / f"{table}.xlsx"
        save_frame(frame, path)
        book = openpyxl.load_workbook(path)
        sheet = book.active
        assert sheet.title == "talkparse"
        rows = list(sheet.iter_rows())
        assert [c.value for c in rows[0]] == list(COLUMNS[table])
        assert len(rows) == len(frame) + 1
        for row in rows:
            for cell in row:
                assert cell.data_type != "f", (table, cell.coordinate, cell.value)
        texts = [c.value for row in rows[1:] for c in row if isinstance(c.value, str)]
        if table == "comments":
            _check_cells(texts)
            authors = [r[COLUMNS["comments"].index("author")].value for r in rows[1:]]
            assert authors == ["'+1", "'@SUM(A1)", "'=1+2", "'-Dash"]
            times = [r[COLUMNS["comments"].index("timestamp")].value for r in rows[1:]]
            assert times[0] == pd.Timestamp("2020-05-01T10:00").to_pydatetime()  # UTC, no zone
        else:
            for text in texts:
                assert not text.startswith(FORMULA_STARTS), (table, text)


def test_spreadsheet_safe_leaves_numbers_and_the_frame_alone() -> None:
    frame = to_frame(analyse(hostile_page()), table="threads")
    safe = spreadsheet_safe(frame)
    assert safe["depth"].tolist() == frame["depth"].tolist() == [3]
    assert frame["starter"][0] == "+1" and safe["starter"][0] == "'+1"
    assert frame["participants"][0] == ["+1", "@SUM(A1)", "=1+2", "-Dash"]  # unchanged


def test_xlsx_drops_control_characters_and_cuts_long_cells(tmp_path: Path) -> None:
    page = parse(HOSTILE, title="Talk:Evil")
    comments = list(page.comments)
    comments[0] = dataclasses.replace(comments[0], text="bell\x07 and vertical tab\x0b here")
    comments[1] = dataclasses.replace(comments[1], text="x" * 40000)
    frame = to_frame(page.replace(comments=tuple(comments)))
    save_frame(frame, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    column = COLUMNS["comments"].index("text") + 1
    assert sheet.cell(2, column).value == "bell and vertical tab here"
    assert len(sheet.cell(3, column).value) == 32767


# --- the command ---------------------------------------------------------------------------------

def test_export_csv_to_stdout_matches_the_library(grant) -> None:
    result = invoke("export", str(GRANT))
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == frame_bytes(to_frame(grant), "csv")
    assert result.stderr.strip().splitlines() == ["6 comments from 1 page"]


@pytest.mark.parametrize("table", TABLES)
def test_export_tables_and_formats(tmp_path: Path, grant, table: str) -> None:
    for fmt in ("csv", "tsv", "jsonl", "parquet", "xlsx"):
        out = tmp_path / f"out.{fmt}"
        result = invoke("export", str(GRANT), "--table", table, "--format", fmt, "-o", str(out))
        assert result.exit_code == 0, (fmt, result.stderr)
        assert result.stdout == ""
        expected = to_frame(grant, table=table)
        if fmt == "parquet":
            pd.testing.assert_frame_equal(_lists_as_lists(pd.read_parquet(out)), expected)
        elif fmt == "xlsx":
            assert openpyxl.load_workbook(out).active.title == table
            assert len(pd.read_excel(out)) == len(expected)
        else:
            assert out.read_bytes() == frame_bytes(expected, fmt)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "out.csv", "out.jsonl", "out.parquet", "out.tsv", "out.xlsx",
    ]  # no temporary files left


def test_format_from_the_suffix_and_binary_formats_need_a_file(tmp_path: Path) -> None:
    out = tmp_path / "q.parquet"
    assert invoke("export", str(GRANT), "--table", "questions", "-o", str(out)).exit_code == 0
    assert len(pd.read_parquet(out)) > 20
    for fmt in ("parquet", "xlsx"):
        result = invoke("export", str(GRANT), "--format", fmt)
        assert result.exit_code == 2 and f"--format {fmt} needs -o FILE" in result.stderr
    result = invoke("export", str(GRANT), "--format", "jsonl")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 6


def test_many_pages_with_one_missing(tmp_path: Path) -> None:
    a, b = tmp_path / "a.wikitext", tmp_path / "b.wikitext"
    a.write_text(GRANT.read_text(encoding="utf-8"), encoding="utf-8")
    b.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["export", str(a), str(tmp_path / "missing.wikitext"), str(b),
                                      "-o", str(out)])
    assert result.exit_code == 3, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"error: cannot read {tmp_path / 'missing.wikitext'}: no such file"
    assert lines[1:] == ["10 comments from 2 pages; 1 source failed"]
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame["page"]) == ["a"] * 6 + ["b"] * 4
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_every_page_failing_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    result = CliRunner().invoke(cli, ["export", "no/a.wikitext", "no/b.wikitext", "-o", str(out)])
    assert result.exit_code == 3
    assert result.stderr.count("error: cannot read") == 2
    assert out.read_text() == "old\n"


def test_a_page_that_cannot_be_parsed_is_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", str(GRANT), "--lang", "xx"])
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0].startswith(f"error: {GRANT}: unknown language 'xx'")


def test_from_file(tmp_path: Path) -> None:
    b = tmp_path / "b.wikitext"
    b.write_text(HOSTILE, encoding="utf-8")
    listing = tmp_path / "pages.txt"
    listing.write_text(f"# pages to export\n\n{GRANT}\n   \n  {b}  \n# {tmp_path / 'gone.wikitext'}\n",
                       encoding="utf-8")
    result = invoke("export", "--from", str(listing), "--format", "jsonl", "--table", "threads")
    assert result.exit_code == 0, result.stderr
    pages = [json.loads(line)["page"] for line in result.stdout.splitlines()]
    assert pages == ["iberoconf-2019-report"] * 3 + ["b"]
    # SOURCE arguments come first, then the list; --from - reads the list from stdin
    result = invoke("export", str(b), "--from", "-", input=f"{GRANT}\n", )
    assert pd.read_csv(io.StringIO(result.stdout))["page"].unique().tolist() == ["b", "iberoconf-2019-report"]


def test_from_file_that_cannot_be_read() -> None:
    result = CliRunner().invoke(cli, ["export", "--from", "no/such/list.txt"])
    assert result.exit_code == 3
    assert result.stderr == "error: cannot read no/such/list.txt: no such file\n"


@pytest.mark.parametrize("args, message", [
    ([], "give a SOURCE, --from FILE or --category"),
    ([str(GRANT), "--limit", "3"], "--limit goes with --category"),
    (["--category", "Category:X"], "--category needs --wiki"),
    ([str(GRANT), str(GRANT), "--title", "T"], "--title names one page"),
    ([str(GRANT), "--table", "posts"], "Invalid value for '--table'"),
])
def test_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["export", *args])
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr


def test_quiet_hides_summary_and_warnings_not_errors(tmp_path: Path) -> None:
    page = tmp_path / "p.wikitext"
    page.write_text("== A ==\n{{Talk:Foo/GA1}}\nHi. [[User:A|A]] 10:00, 1 May 2020 (UTC)\n")
    loud = CliRunner().invoke(cli, ["export", str(page), "no/x.wikitext"])
    assert "warning: p:" in loud.stderr and "Talk:Foo/GA1" in loud.stderr
    assert "1 comment from 1 page; 1 source failed" in loud.stderr
    quiet = CliRunner().invoke(cli, ["export", str(page), "no/x.wikitext", "--quiet"])
    assert quiet.stderr == "error: cannot read no/x.wikitext: no such file\n"
    assert quiet.exit_code == 3 and quiet.stdout == loud.stdout


def _stderr_on_a_terminal(*args: str) -> str:
    """Run talkparse with stderr on a pseudo-terminal and stdout on a pipe; return stderr."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "talkparse", *args], stdout=subprocess.PIPE,
                            stderr=slave, env={**os.environ, "COLUMNS": "100", "TERM": "xterm"})
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            proc.kill()
            raise AssertionError("no output for 30 s")
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.communicate(timeout=30)
    os.close(master)
    assert proc.returncode == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_only_on_a_terminal_and_not_when_quiet() -> None:
    args = ["export", str(GRANT), str(GRANT), str(GRANT)]
    shown = _stderr_on_a_terminal(*args)
    assert "━" in shown and "3/3" in shown
    assert "━" not in _stderr_on_a_terminal(*args, "--quiet")
    piped = subprocess.run([sys.executable, "-m", "talkparse", *args], capture_output=True, text=True)
    assert piped.returncode == 0 and "━" not in piped.stderr
    assert piped.stderr == "18 comments from 3 pages\n"


def test_import_talkparse_stays_light() -> None:
    code = ("import sys, talkparse; light = 'pandas' not in sys.modules; "
            "talkparse.to_frame; print(light, 'pandas' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["True", "True"]
    assert talkparse.to_frame is to_frame


# --- many pages in audit and threads, and the library behind them ---------------------------------

def test_audit_many_pages(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.wikitext"
    quiet.write_text("== A ==\nWhat is the budget? [[User:A|A]] 10:00, 1 May 2020 (UTC)\n"
                     ":USD 500 in all. [[User:B|B]] 11:00, 1 May 2020 (UTC)\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", str(GRANT), "no/such.wikitext", str(quiet),
                                      "--format", "json", "--fail-on", "unanswered"])
    assert result.exit_code == 3, result.stderr  # a failed page wins over findings (1)
    records = json.loads(result.stdout)
    assert [r["page"] for r in records] == ["iberoconf-2019-report", "quiet"]
    lines = result.stderr.splitlines()
    assert lines[0] == "error: cannot read no/such.wikitext: no such file"
    assert lines[1].startswith("iberoconf-2019-report: ") and "unanswered" in lines[1]
    assert lines[2].startswith("quiet: 1 questions: 1 answered")
    findings = CliRunner().invoke(cli, ["audit", str(GRANT), str(quiet), "--format", "json",
                                        "--fail-on", "unanswered"])
    assert findings.exit_code == 1 and len(json.loads(findings.stdout)) == 2
    clean = CliRunner().invoke(cli, ["audit", str(quiet), str(quiet), "--format", "json",
                                     "--fail-on", "unanswered", "-q"])
    assert clean.exit_code == 0 and clean.stderr == ""
    one = CliRunner().invoke(cli, ["audit", "--from", "-", "--format", "json"], input=f"{quiet}\n")
    assert isinstance(json.loads(one.stdout), list)  # --from: always a list


def test_threads_many_pages(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["threads", str(GRANT), "no/such.wikitext", str(GRANT),
                                      "--format", "json"])
    assert result.exit_code == 3
    assert result.stderr == "error: cannot read no/such.wikitext: no such file\n"
    pages = json.loads(result.stdout)
    assert [len(p["comments"]) for p in pages] == [6, 6]
    tree = CliRunner().invoke(cli, ["threads", str(GRANT), str(GRANT), "--format", "tree"])
    assert tree.exit_code == 0 and tree.stdout.count("WMCL responses") == 2
    single = CliRunner().invoke(cli, ["threads", str(GRANT), "--format", "json"])
    assert isinstance(json.loads(single.stdout), dict)  # one SOURCE: one object, as before


def test_read_pages_isolates_failures(tmp_path: Path) -> None:
    from talkparse.batch import Report, read_pages, source_list

    done: list[str] = []
    failed: list[str] = []
    report = Report()
    pages = list(read_pages([str(GRANT), "no/such.wikitext", str(DUMP)], report=report,
                            on_source=done.append, on_failure=lambda f: failed.append(f.source)))
    assert [p.title for p in pages][:2] == ["iberoconf-2019-report", "Talk:Imported"]
    assert report.pages == len(pages) == 10  # 1 file + 9 talk pages of the dump
    assert done == [str(GRANT), "no/such.wikitext", str(DUMP)] and failed == ["no/such.wikitext"]
    assert report.return_code == 3
    assert Report(pages=2).return_code == 0
    listing = tmp_path / "l.txt"
    listing.write_text("\ufeff# list\n a.wikitext \n\n#b\nTalk:X\r\nhttps://x.org/wiki/Y\n", encoding="utf-8")
    assert source_list(str(listing)) == ["a.wikitext", "Talk:X", "https://x.org/wiki/Y"]


def test_docstring_examples() -> None:
    import doctest

    from talkparse import batch, frames

    for module in (frames, batch):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, module.__name__

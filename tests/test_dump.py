"""``talkparse dump``: whole dumps into tables, on local processes or Dask, resumable.

Dumps are generated from the English fixture pages (tests/dumpgen.py); the rows are checked
against the library run on each page directly. Interruptions are real: a subprocess killed
with SIGKILL or interrupted with SIGINT, then run again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT
from dumpgen import NAMESPACES, DumpPage, write_dump

import talkparse
from talkparse.cli import cli
from talkparse.dumpdask import DaskEngine
from talkparse.dumpjob import Batch, DumpOptions, LocalEngine, process_batch, run_dump
from talkparse.dumpstore import JOURNAL, Store, parts, read_table
from talkparse.errors import TalkparseError
from talkparse.frames import COLUMNS, frame_bytes, to_frame
from talkparse.sources import Document, parse_document

TABLES = ("comments", "threads", "questions", "actions")
ENGLISH = [p for p in sorted((FIXTURES / "audit").glob("*.wikitext"))
           if not p.name.startswith(("de-", "es-"))] + [FIXTURES / "iberoconf-2019-report.wikitext"]


def pages(copies: int = 1) -> list[DumpPage]:
    """The English fixture pages, ``copies`` times under new titles and ids, spread over
    namespaces 0 to 5 (so that namespace filtering has something to drop)."""
    out = []
    for copy in range(copies):
        for n, path in enumerate(ENGLISH):
            page_id = 1000 * copy + n + 1
            ns = page_id % 6
            prefix = f"{NAMESPACES[ns]}:" if NAMESPACES[ns] else ""
            out.append(DumpPage(ns, f"{prefix}{path.stem} {copy}", page_id, 7 * page_id,
                                path.read_text(encoding="utf-8")))
    return out


def expected(dump_pages: list[DumpPage], namespaces: set[int], table: str) -> pd.DataFrame:
    """The table as the library makes it, page by page, from each page's text."""
    chosen = [p for p in dump_pages if p.namespace in namespaces]
    results = [talkparse.analyse(talkparse.parse(p.text, lang="en", title=p.title)
                                 .replace(wiki="enwiki", revision=p.revision)) for p in chosen]
    return to_frame(results, table=table, page_ids=[p.page_id for p in chosen])  # type: ignore[arg-type]


def as_jsonl(frame: pd.DataFrame) -> list[str]:
    return frame_bytes(frame, "jsonl").decode("utf-8").splitlines()


def part_bytes(out: Path, table: str) -> bytes:
    return b"".join(p.read_bytes() for p in parts(out, table))


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, ["dump", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[DumpPage]]:
    dump_pages = pages()
    return write_dump(tmp_path_factory.mktemp("dump") / "enwiki.xml", dump_pages), dump_pages


# --- rows --------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".xml", ".xml.bz2", ".xml.gz"])
def test_rows_are_those_of_the_library_page_by_page(tmp_path: Path, suffix: str) -> None:
    dump_pages = pages()
    dump = write_dump(tmp_path / f"enwiki{suffix}", dump_pages)
    out = tmp_path / "out.parquet"
    result = invoke(str(dump), "--namespace", "1,3", "--namespace", "4", "-o", str(out), "--jobs", "1",
                    "--batch-pages", "4")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    chosen = [p for p in dump_pages if p.namespace in {1, 3, 4}]
    assert 0 < len(chosen) < len(dump_pages)
    for table in TABLES:
        got = pd.read_parquet(out / table)  # the documented way: the folder reads as one table
        want = expected(dump_pages, {1, 3, 4}, table)
        assert list(got.columns) == [*COLUMNS[table][:3], "page_id", *COLUMNS[table][3:]]
        assert got.dtypes.to_dict() == want.dtypes.to_dict()
        assert as_jsonl(got) == as_jsonl(want), table
    journal = json.loads((out / JOURNAL).read_text())
    assert journal["complete"] and journal["pages"] == len(chosen) and journal["failed"] == 0
    assert not (out / "failures").exists()


def test_default_namespaces_are_the_talk_namespaces(tmp_path: Path, small) -> None:
    dump, dump_pages = small
    out = tmp_path / "out.jsonl"
    run_dump(dump, out, DumpOptions(format="jsonl", batch_pages=5), engine=LocalEngine(1))
    talk = [p for p in dump_pages if p.namespace % 2 == 1]
    got = [json.loads(line) for line in part_bytes(out, "threads").decode().splitlines()]
    assert {r["page"] for r in got} <= {p.title for p in talk}
    want = as_jsonl(expected(dump_pages, {1, 3, 5}, "threads"))
    assert [json.dumps(r, ensure_ascii=False) for r in got] == want
    assert read_table(out, "threads")["page_id"].tolist() == [r["page_id"] for r in got]


def test_jobs_1_and_2_write_the_same_files(tmp_path: Path, small) -> None:
    dump, _ = small
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    for out, jobs in ((one, "1"), (two, "2")):
        result = invoke(str(dump), "-o", str(out), "--jobs", jobs, "--batch-pages", "3", "-q")
        assert result.exit_code == 0 and result.output == "", result.output  # type: ignore[attr-defined]
    for table in TABLES:
        names = [p.name for p in parts(one, table)]
        assert len(names) > 3 and names == [p.name for p in parts(two, table)]
        assert part_bytes(one, table) == part_bytes(two, table) != b""


def test_a_page_that_fails_is_counted_and_the_rest_written(tmp_path: Path) -> None:
    good = [Document(f"d:{p.title}", p.text, p.title, page_id=p.page_id, wiki="enwiki",
                     revision=p.revision) for p in pages()[:3]]
    # A wiki whose siteinfo names a zone that does not exist: that page cannot be read.
    bad = Document("d:Talk:Bad", good[0].text, "Talk:Bad", siteinfo={"lang": "en", "timezone": "Mars/Base"},
                   page_id=99, wiki="enwiki", revision=5)
    result = process_batch(Batch(0, (good[0], bad, good[1], good[2])), DumpOptions(format="jsonl"))
    assert result.pages == 3
    [failure] = result.failures
    assert (failure.page, failure.page_id) == ("Talk:Bad", 99) and "Mars/Base" in failure.message
    with Store.open(tmp_path / "out.jsonl", "jsonl", {"test": 1}) as store:
        store.write(result)
        store.finish()
    failed = read_table(tmp_path / "out.jsonl", "failures")
    assert failed.to_dict("records") == [{"wiki": "enwiki", "page": "Talk:Bad", "page_id": 99,
                                         "revision": 5, "error": failure.message}]
    for table in TABLES:
        want = to_frame([talkparse.analyse(parse_document(d)) for d in good], table=table,  # type: ignore[arg-type]
                        page_ids=[d.page_id for d in good])
        assert part_bytes(tmp_path / "out.jsonl", table) == frame_bytes(want, "jsonl")


# --- interruptions -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A dump of 4 copies of the fixture pages, and its output by an uninterrupted run."""
    folder = tmp_path_factory.mktemp("big")
    dump = write_dump(folder / "enwiki.xml.bz2", pages(4))
    reference = folder / "reference.jsonl"
    run_dump(dump, reference, DumpOptions(format="jsonl", batch_pages=4), engine=LocalEngine(1))
    return dump, reference


def _start(dump: Path, out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "talkparse", "dump", str(dump), "-o", str(out), "--jobs", "2",
         "--batch-pages", "4", "-q"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, start_new_session=True)


def _reap(proc: subprocess.Popen[str]) -> None:
    """Whatever happened, leave no process of the run behind and no pipe open."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=60)


def _after_some_batches(proc: subprocess.Popen[str], out: Path, batches: int = 3) -> dict:
    """Wait until the run's journal counts ``batches`` batches done (it must not be complete)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            journal = json.loads((out / JOURNAL).read_text())
        except (OSError, ValueError):
            journal = {"done": [], "complete": False}
        if sum(last - first + 1 for first, last in journal["done"]) >= batches:
            assert not journal["complete"], "the run ended before it could be interrupted"
            return journal
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("no progress in 120 s")


def _same_as_reference(out: Path, reference: Path) -> None:
    for table in TABLES:
        assert part_bytes(out, table) == part_bytes(reference, table), table
        rows = read_table(out, table)
        assert len(rows) == json.loads((reference / JOURNAL).read_text())["rows"][table]
    keys = read_table(out, "comments")[["page", "comment_id"]]
    assert not keys.duplicated().any()


def _interrupted(dump: Path, out: Path, stop: Callable[[subprocess.Popen[str]], None],
                 batches: int = 3) -> tuple[subprocess.Popen[str], str, dict]:
    """A real run of ``talkparse dump`` stopped by ``stop(proc)`` once ``batches`` batches are
    done: the process (exited), its stderr, and the journal as it was before the stop."""
    proc = _start(dump, out)
    try:
        before = _after_some_batches(proc, out, batches)
        stop(proc)
        _, stderr = proc.communicate(timeout=60)
    finally:
        _reap(proc)
    return proc, stderr, before


def _rerun_gives_reference(dump: Path, out: Path, reference: Path, jobs: str, *extra: str) -> object:
    """Running the same command again finishes the output, exactly as an uninterrupted run."""
    result = invoke(str(dump), "-o", str(out), "--jobs", jobs, "--batch-pages", "4", *extra)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    _same_as_reference(out, reference)
    return result


def test_resume_after_sigkill(tmp_path: Path, big) -> None:
    import psutil

    dump, reference = big
    out = tmp_path / "out.jsonl"

    def kill(proc: subprocess.Popen[str]) -> None:
        workers = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)  # the run's own process only, as the OOM killer does
        # Its worker processes notice and exit rather than linger.
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert alive == [], alive

    _, _, before = _interrupted(dump, out, kill)
    journal = json.loads((out / JOURNAL).read_text())
    assert not journal["complete"] and journal["pages"] >= before["pages"]
    result = _rerun_gives_reference(dump, out, reference, "2")
    assert "going on from an earlier run" in result.stderr  # type: ignore[attr-defined]


def test_ctrl_c_stops_with_one_line_and_the_run_goes_on(tmp_path: Path, big) -> None:
    dump, reference = big
    out = tmp_path / "out.jsonl"
    # as a terminal does: to every process of the job
    proc, stderr, _ = _interrupted(dump, out, lambda proc: os.killpg(proc.pid, signal.SIGINT))
    assert proc.returncode == 130
    assert stderr.splitlines() == [f"interrupted: run the same command again to go on where {out} stopped"]
    assert not json.loads((out / JOURNAL).read_text())["complete"]
    _rerun_gives_reference(dump, out, reference, "1", "-q")


def test_a_worker_killed_is_one_line_and_the_run_goes_on(tmp_path: Path, big) -> None:
    import psutil

    dump, reference = big
    out = tmp_path / "out.jsonl"

    def kill_a_worker(proc: subprocess.Popen[str]) -> None:
        [server] = [p for p in psutil.Process(proc.pid).children() if "forkserver" in " ".join(p.cmdline())]
        server.children()[0].kill()  # a worker, as the out-of-memory killer would

    proc, stderr, _ = _interrupted(dump, out, kill_a_worker, batches=1)
    assert proc.returncode == 3
    assert stderr.splitlines() == ["error: a worker process died (killed, or out of memory?); "
                                   "run the same command again to go on"]
    _rerun_gives_reference(dump, out, reference, "2", "-q")


def test_leftovers_of_a_killed_writer_are_discarded(tmp_path: Path, small) -> None:
    dump, _ = small
    out, reference = tmp_path / "out.jsonl", tmp_path / "reference.jsonl"
    options = DumpOptions(format="jsonl", batch_pages=5)
    run_dump(dump, reference, options, engine=LocalEngine(1))
    run_dump(dump, out, options, engine=LocalEngine(1))
    # Make it look killed after batch 2 was written but before the journal said so, and in the
    # middle of an atomic write of batch 3.
    journal = json.loads((out / JOURNAL).read_text())
    journal.update(done=[[0, 1]], complete=False, pages=10,
                   rows={t: len(b"".join(p.read_bytes() for p in parts(out, t)[:2]).splitlines())
                         for t in TABLES})
    (out / JOURNAL).write_text(json.dumps(journal))
    (out / "comments" / ".part-00000003.jsonl.abc.tmp").write_text('{"half": ')
    (out / "comments" / "part-00000002.jsonl").write_text('{"page": "stale"}\n')
    (out / "threads" / "part-00000099.jsonl").write_text('{"page": "past the end"}\n')
    report = run_dump(dump, out, options, engine=LocalEngine(1))
    assert report.resumed and report.discarded >= 6  # parts of batches 2.., 99 and the temp file
    assert not list(out.glob("*/.*.tmp")) and not (out / "threads" / "part-00000099.jsonl").exists()
    _same_as_reference(out, reference)
    assert report.rows == json.loads((reference / JOURNAL).read_text())["rows"]


def test_rerunning_a_finished_run_changes_nothing(tmp_path: Path, small) -> None:
    dump, _ = small
    out = tmp_path / "out.parquet"
    assert invoke(str(dump), "-o", str(out), "--jobs", "1", "-q").exit_code == 0  # type: ignore[attr-defined]
    before = {p: p.stat().st_mtime_ns for p in out.rglob("part-*")}
    again = invoke(str(dump), "-o", str(out), "--jobs", "1")
    assert again.exit_code == 0  # type: ignore[attr-defined]
    assert "complete already" in again.stderr  # type: ignore[attr-defined]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("part-*")} == before


# --- errors ------------------------------------------------------------------------------------

def _one_line_error(result: object, *needles: str) -> None:
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def test_bad_inputs_are_one_line_errors(tmp_path: Path, small) -> None:
    dump, _ = small
    out = str(tmp_path / "out.parquet")
    _one_line_error(invoke(str(tmp_path / "missing.xml"), "-o", out), "missing.xml", "no such file")
    _one_line_error(invoke(str(tmp_path), "-o", out), str(tmp_path), "directory")
    text = tmp_path / "page.wikitext"
    text.write_text("== Hi ==\n", encoding="utf-8")
    _one_line_error(invoke(str(text), "-o", out), "page.wikitext", "not an XML dump")
    corrupt = tmp_path / "corrupt.xml.bz2"
    corrupt.write_bytes(b"BZh91AY&SY" + os.urandom(200))
    _one_line_error(invoke(str(corrupt), "-o", out), "corrupt.xml.bz2")
    whole = dump.read_bytes()
    cut = tmp_path / "cut.xml.gz"
    import gzip

    cut.write_bytes(gzip.compress(whole)[: len(whole) // 8])
    _one_line_error(invoke(str(cut), "-o", str(tmp_path / "cut.parquet")), "cut.xml.gz")
    _one_line_error(invoke(str(dump), "-o", out, "--lang", "xx"), "unknown language 'xx'")
    _one_line_error(invoke(str(dump), "-o", out, "--timezone", "Mars/Base"), "Mars/Base")


def test_outputs_that_cannot_be_written_or_resumed(tmp_path: Path, small) -> None:
    dump, _ = small
    a_file = tmp_path / "file.parquet"
    a_file.write_text("x")
    _one_line_error(invoke(str(dump), "-o", str(a_file)), "file.parquet", "is a file")
    foreign = tmp_path / "foreign.parquet"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep me")
    _one_line_error(invoke(str(dump), "-o", str(foreign)), "did not make")
    assert (foreign / "mine.txt").read_text() == "keep me"
    out = tmp_path / "out.parquet"
    out.mkdir()  # as a run killed before its first journal leaves it
    (out / "_lock").touch()
    (out / "._journal.json.x1.tmp").write_text("{")
    assert invoke(str(dump), "-o", str(out), "--namespace", "1", "--jobs", "1", "-q").exit_code == 0  # type: ignore[attr-defined]
    _one_line_error(invoke(str(dump), "-o", str(out), "--namespace", "1,3"),
                    "cannot resume", "namespaces 1, not 1,3")
    _one_line_error(invoke(str(dump), "-o", str(out), "--namespace", "1", "--mode", "discussiontools"),
                    "mode reader, not discussiontools")
    usage = invoke(str(dump), "-o", str(tmp_path / "out.csv"))
    assert usage.exit_code == 2  # type: ignore[attr-defined]
    assert invoke(str(dump), "-o", str(out), "--engine", "dask").exit_code == 2  # type: ignore[attr-defined]
    assert invoke(str(dump), "-o", str(out), "--scheduler", "tcp://127.0.0.1:1").exit_code == 2  # type: ignore[attr-defined]


# --- Dask --------------------------------------------------------------------------------------

def test_dask_cluster_gives_the_rows_of_the_local_engine(tmp_path: Path, small) -> None:
    from distributed import LocalCluster

    dump, _ = small
    local, remote = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    run_dump(dump, local, DumpOptions(batch_pages=3), engine=LocalEngine(1))
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", processes=True,
                      dashboard_address=None) as cluster:
        result = invoke(str(dump), "-o", str(remote), "--engine", "dask", "--scheduler",
                        cluster.scheduler_address, "--batch-pages", "3")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    for table in TABLES:
        assert len(parts(remote, table)) > 3
        pd.testing.assert_frame_equal(read_table(remote, table), read_table(local, table))
        assert as_jsonl(read_table(remote, table)) == as_jsonl(read_table(local, table))


def test_unreachable_scheduler_is_an_error_naming_it(tmp_path: Path, small) -> None:
    dump, _ = small
    with pytest.raises(TalkparseError, match="^cannot reach the Dask scheduler at tcp://127.0.0.1:9: "):
        run_dump(dump, tmp_path / "o.parquet", engine=DaskEngine("tcp://127.0.0.1:9", timeout=1))


def test_dask_is_imported_only_by_its_engine(tmp_path: Path, small) -> None:
    dump, _ = small
    code = ("import sys; from talkparse.cli import cli; sys.argv = ['talkparse', 'dump', sys.argv[1], "
            "'-o', sys.argv[2], '--jobs', '1', '-q']\n"
            "try:\n    cli()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    ran = subprocess.run([sys.executable, "-c", code, str(dump), str(tmp_path / "o.parquet")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert ran.stdout.strip() == "[]", ran.stderr
    assert (tmp_path / "o.parquet" / JOURNAL).exists()
    # Without dask, the engine says so in one line before anything is written.
    missing = ("import sys; sys.modules['distributed'] = None; from talkparse.cli import cli; "
               "cli(['dump', sys.argv[1], '-o', sys.argv[2], '--engine', 'dask', '--scheduler', 'tcp://x:1'])")
    ran = subprocess.run([sys.executable, "-c", missing, str(dump), str(tmp_path / "d.parquet")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 3
    assert ran.stderr == "error: --engine dask needs dask.distributed: pip install 'talkparse[dask]'\n"
    assert not (tmp_path / "d.parquet").exists()


_NO_SITEINFO = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">
  <page>
    <title>Talk:Lonely</title>
    <ns>1</ns>
    <id>7</id>
    <revision>
      <id>70</id>
      <timestamp>2024-01-01T10:00:00Z</timestamp>
      <text xml:space="preserve">== Q ==
Is this right? [[User:Alice|Alice]] 10:00, 1 January 2024 (UTC)
:Yes. [[User:Bob|Bob]] 11:00, 1 January 2024 (UTC)
</text>
    </revision>
  </page>
  <page>
    <title>Lonely</title>
    <ns>0</ns>
    <id>8</id>
    <revision><id>80</id><timestamp>2024-01-01T10:00:00Z</timestamp><text>Article.</text></revision>
  </page>
</mediawiki>
"""


@pytest.mark.parametrize("suffix", [".xml", ".xml.bz2"])
def test_a_dump_without_siteinfo_is_read(tmp_path: Path, suffix: str) -> None:
    """An XML file written for importDump.php has no <siteinfo>: its pages are read all the same."""
    import bz2

    from talkparse.sources import dump_documents

    path = tmp_path / f"import{suffix}"
    data = _NO_SITEINFO.encode("utf-8")
    path.write_bytes(bz2.compress(data) if suffix.endswith(".bz2") else data)
    docs = list(dump_documents(path))
    assert [(d.title, d.page_id, d.revision) for d in docs] == [("Talk:Lonely", 7, 70)]
    page = parse_document(docs[0])
    assert [(c.author, c.parent) for c in page.comments] == [("Alice", None), ("Bob", 0)]
    result = CliRunner().invoke(cli, ["dump", str(path), "-o", str(tmp_path / "out.jsonl"), "--jobs", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert len(read_table(tmp_path / "out.jsonl", "comments")) == 2

"""The command line, through click's runner and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from talkparse import parse
from talkparse.cli import cli
from talkparse.export import page_record

GRANT = FIXTURES / "iberoconf-2019-report.wikitext"


def invoke(*args: str, input: str | None = None):
    runner = CliRunner()
    result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
    return result


def test_threads_json_matches_library() -> None:
    result = invoke("threads", str(GRANT), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    expected = page_record(parse(GRANT.read_text(encoding="utf-8"), title="iberoconf-2019-report"))
    assert data == json.loads(json.dumps(expected))
    assert [c["author"] for c in data["comments"]] == [
        "CAlmog (WMF)",
        "PDiazR (WMCL)",
        "CAlmog (WMF)",
        "B1mbo",
        "CAlmog (WMF)",
        "PDiazR (WMCL)",
    ]
    assert [c["parent"] for c in data["comments"]] == [None, None, 1, 2, 3, None]
    assert data["comments"][2]["section"] == "WMCL responses"


def test_threads_json_follows_the_gold_schema() -> None:
    data = json.loads(invoke("threads", str(GRANT), "--format", "json").stdout)
    assert list(data) == ["page", "lang", "timezone", "headings", "comments", "warnings"]
    assert list(data["headings"][0]) == ["title", "level"]
    assert list(data["comments"][0]) == [
        "id",
        "author",
        "timestamp",
        "level",
        "parent",
        "heading",
        "section",
        "text",
    ]
    assert data["comments"][0]["timestamp"] == "2019-07-31T14:18:00Z"


def test_tree_and_table_render_everything() -> None:
    tree = invoke("threads", str(GRANT), "--format", "tree")
    assert tree.exit_code == 0
    assert "WMCL responses" in tree.stdout and "B1mbo" in tree.stdout
    table = invoke("threads", str(GRANT), "--format", "table")
    assert table.exit_code == 0
    assert table.stdout.count("CAlmog") >= 3


def test_jsonl_and_csv() -> None:
    lines = invoke("threads", str(GRANT), "--format", "jsonl").stdout.splitlines()
    assert len(lines) == 6 and json.loads(lines[3])["author"] == "B1mbo"
    csv_out = invoke("threads", str(GRANT), "--format", "csv").stdout
    header, *rows = csv_out.splitlines()
    assert header.startswith("page,id,author,timestamp,level,parent")
    tsv = invoke("threads", str(GRANT), "--format", "tsv").stdout
    assert tsv.splitlines()[0].split("\t")[:3] == ["page", "id", "author"]


def test_stdin_and_options() -> None:
    text = "== Hallo ==\nFrage? [[Benutzer:Anna|Anna]] 16:07, 5. Jun. 2020 (CEST)\n"
    result = invoke("threads", "-", "--lang", "de", "--format", "json", input=text)
    assert result.exit_code == 0
    comment = json.loads(result.stdout)["comments"][0]
    assert (comment["author"], comment["timestamp"]) == ("Anna", "2020-06-05T14:07:00Z")


def test_output_file_is_written(tmp_path: Path) -> None:
    out = tmp_path / "threads.json"
    result = invoke("threads", str(GRANT), "--format", "json", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert len(json.loads(out.read_text())["comments"]) == 6
    assert [p.name for p in tmp_path.iterdir()] == ["threads.json"]  # no temporary left


def test_warnings_go_to_stderr() -> None:
    result = invoke("threads", "-", "--format", "json", input="== A ==\n{{Talk:Foo/GA1}}\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["warnings"][0]["code"] == "transclusion"
    assert "warning" in result.stderr and "Talk:Foo/GA1" in result.stderr


@pytest.mark.parametrize(
    "args, input_bytes, message",
    [
        (
            ["threads", "no/such/file.wikitext"],
            None,
            "error: cannot read no/such/file.wikitext: no such file",
        ),
        (["threads", "-"], b"\xff\xfe\x00bad", "error: cannot read <stdin>: not UTF-8 text"),
        (["threads", "-"], b"ab\x00cd", "error: cannot read <stdin>: binary data"),
        (["threads", "-", "--lang", "xx"], b"text", "error: unknown language 'xx'"),
        (["threads", "-", "--timezone", "Nowhere/Place"], b"text", "error: unknown time zone"),
    ],
)
def test_bad_input_is_one_line_and_exit_3(args, input_bytes, message) -> None:
    result = CliRunner().invoke(cli, args, input=input_bytes)
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_usage_error_is_exit_2() -> None:
    result = CliRunner().invoke(cli, ["threads", str(GRANT), "--format", "yaml"])
    assert result.exit_code == 2


def test_directory_is_an_input_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["threads", str(tmp_path)])
    assert result.exit_code == 3 and "is a directory" in result.stderr


def test_odd_wikitext_is_never_an_error() -> None:
    odd = "{{unclosed [[User:X\n<ref>never closed\n== ==\n::::\n{|\n| 10:00, 1 May 2020 (UTC)"
    result = invoke("threads", "-", "--format", "json", input=odd)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["comments"] == []


def test_help_and_module_entry_point() -> None:
    assert "threads" in invoke("--help").stdout
    assert "Example" in invoke("threads", "--help").stdout
    proc = subprocess.run(
        [sys.executable, "-m", "talkparse", "threads", str(GRANT), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["comments"]) == 6


def test_audit_json_and_fail_on() -> None:
    result = invoke("audit", str(GRANT), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    unanswered = [q["text"] for q in data["questions"] if not q["answered"]]
    assert unanswered == ["Have you been actively asking for a response?"]
    assert {"comment", "text", "kind", "status", "resolved_by"} <= set(data["actions"][0])
    assert "1 unanswered" in result.stderr
    assert invoke("audit", str(GRANT), "--format", "json", "--fail-on", "unanswered").exit_code == 1
    assert invoke("audit", str(GRANT), "--format", "json", "--fail-on", "open").exit_code == 1
    quiet = "== A ==\nWhat is the budget? [[User:A|A]] 10:00, 1 May 2020 (UTC)\n:USD 500 in all. [[User:B|B]] 11:00, 1 May 2020 (UTC)\n"
    ok = invoke("audit", "-", "--format", "json", "--fail-on", "unanswered", "--fail-on", "open", input=quiet)
    assert ok.exit_code == 0, ok.stderr


def test_audit_report_shows_the_findings() -> None:
    result = invoke("audit", str(GRANT), "--format", "report", "--now", "2019-10-01")
    assert result.exit_code == 0
    out = result.stdout
    assert "Unanswered questions" in out and "actively asking" in out
    assert "Outstanding actions" in out and "14,497" in out and "not confirmed" in out
    assert "42 days ago" in out


def test_audit_bad_input_is_exit_3() -> None:
    result = CliRunner().invoke(cli, ["audit", "no/such.wikitext"])
    assert result.exit_code == 3 and result.stderr.startswith("error: cannot read")


def test_every_command_has_help_with_an_example() -> None:
    from talkparse.cli import cli

    for name in cli.commands:
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example:" in result.output and f"talkparse {name}" in result.output, name

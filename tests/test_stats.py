"""talkparse stats: figures checked on a page small enough to count by hand, and the command."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from conftest import FIXTURES

from talkparse import analyse, parse
from talkparse.cli import cli
from talkparse.stats import page_stats

PAGE = """== One ==
Could you add a source for the 1999 figure? [[User:A|A]] 10:00, 1 May 2020 (UTC)
:Added, it is from the 2001 census report. [[User:B|B]] 12:00, 1 May 2020 (UTC)
::Thanks. [[User:A|A]] 13:00, 1 May 2020 (UTC)
:Also, the lead is long. [[User:C|C]] 16:00, 1 May 2020 (UTC)

== Two ==
Who took the photo in the infobox? [[User:C|C]] 09:00, 2 May 2020 (UTC)

== Three ==
I will expand the history section next week. [[User:B|B]] 10:00, 3 May 2020 (UTC)
:Good idea. [[User:A|A]] 10:30, 3 May 2020 (UTC)
"""


def test_figures_of_a_small_page() -> None:
    s = page_stats([analyse(parse(PAGE, title="Talk:Small"))])
    assert (s.pages, s.comments, s.threads) == (1, 7, 3)
    assert [(p.name, p.comments, p.threads) for p in s.participants] == [("A", 3, 2), ("B", 2, 2), ("C", 2, 2)]
    assert s.thread_sizes == (4, 1, 2)
    assert s.thread_depths == (2, 0, 1)
    # first replies: 2 hours (thread one), 30 minutes (thread three); thread two has none
    assert sorted(s.first_reply) == [timedelta(minutes=30), timedelta(hours=2)]
    assert s.median_first_reply == timedelta(minutes=75)
    assert (s.questions, s.answered) == (2, 1)
    assert s.answered_share == 0.5
    # the unanswered question about the photo, and the promise never reported done
    assert [(o.kind, o.who) for o in s.oldest_open] == [("question", "C"), ("commitment", "B")]


def test_pages_are_counted_together() -> None:
    a = analyse(parse(PAGE, title="Talk:Small"))
    one, two = page_stats([a]), page_stats([a, a])
    assert two.comments == 2 * one.comments and two.threads == 2 * one.threads
    assert two.participants[0].comments == 2 * one.participants[0].comments
    assert two.participants[0].threads == 2 * one.participants[0].threads  # threads of each page


def test_stats_command_json(tmp_path: Path) -> None:
    page = tmp_path / "small.wikitext"
    page.write_text(PAGE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["stats", str(page), "--format", "json"])
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout)
    assert rec["threads"] == 3 and rec["median_minutes_to_first_reply"] == 75.0
    assert rec["answered_share"] == 0.5
    assert rec["oldest_open"][0]["text"] == "Who took the photo in the infobox?"


def test_stats_command_many_pages_and_a_missing_one(tmp_path: Path) -> None:
    out = tmp_path / "stats.json"
    result = CliRunner().invoke(cli, [
        "stats", str(FIXTURES / "iberoconf-2019-report.wikitext"), str(tmp_path / "missing.wikitext"),
        "--format", "json", "-o", str(out),
    ])
    assert result.exit_code == 3
    assert "missing.wikitext" in result.stderr and "Traceback" not in result.output
    assert json.loads(out.read_text())["pages"] == 1


def test_report_command_writes_html(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", str(FIXTURES / "iberoconf-2019-report.wikitext"),
                                      "-o", str(out), "--now", "2026-11-24"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Have you been actively asking for a response?" in html
    assert "7 years ago" in html
    assert result.stdout == ""  # data goes to the file, the note to stderr


def test_report_needs_an_output_file() -> None:
    result = CliRunner().invoke(cli, ["report", str(FIXTURES / "iberoconf-2019-report.wikitext")])
    assert result.exit_code == 2 and "-o" in result.output

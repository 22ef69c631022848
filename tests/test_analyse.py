"""Analysis: questions, answers and actions on mini cases and on the grant-report fixture."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, Case, load_cases

from talkparse import ActionStatus, QuestionStatus, analyse, parse
from talkparse.export import analysis_record

CASES = load_cases("audit.talktest")


def _check(items, expected, fields) -> None:
    assert len(items) == len(expected), [i.text for i in items]
    for item, exp in zip(items, expected):
        assert item.text.startswith(exp[0]), (item.text, exp[0])
        assert [getattr(item, f).value if hasattr(getattr(item, f), "value") else list(getattr(item, f))
                for f in fields] == exp[1:], item.text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_audit_case(case: Case) -> None:
    result = analyse(parse(case.input, **case.options))
    _check(result.questions, case.expected["questions"], ("status", "answered_by"))
    _check(result.actions, case.expected["actions"], ("kind", "status", "resolved_by"))


def test_grant_report_fixture_findings() -> None:
    """The issue's acceptance test on the page this project started from."""
    page = parse((FIXTURES / "iberoconf-2019-report.wikitext").read_text(encoding="utf-8"))
    result = analyse(page)
    unanswered = [q.text for q in result.questions if q.status is not QuestionStatus.ANSWERED]
    assert unanswered == ["Have you been actively asking for a response?"]
    funds = [a for a in result.actions if "USD 14,497" in a.text]
    assert funds and all(a.status is ActionStatus.PROMISED for a in funds)
    assert {page.comments[i].author for a in funds for i in a.promised_by} == {"B1mbo"}
    docs = [a for a in result.actions if "expanses documentation" in a.text]
    assert len(docs) == 1 and docs[0].status is ActionStatus.RESOLVED
    assert docs[0].resolved_by == (1, 2)


def test_analysis_record_follows_gold_schema() -> None:
    gold = json.loads((FIXTURES / "iberoconf-2019-report.gold.json").read_text(encoding="utf-8"))
    page = parse((FIXTURES / "iberoconf-2019-report.wikitext").read_text(encoding="utf-8"))
    rec = analysis_record(analyse(page))
    for key in ("comments", "questions", "actions"):
        assert key in rec
    for field in gold["questions"][0]:
        if field != "required":
            assert field in rec["questions"][0]
    for field in gold["actions"][0]:
        if field != "required":
            assert field in rec["actions"][0]

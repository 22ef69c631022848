"""Mini cases: each construct of talk-page wikitext, with the comments a reader expects."""

from __future__ import annotations

import pytest
from conftest import Case, load_cases

from talkparse import parse

CASES = load_cases("signatures.talktest") + load_cases("threads.talktest")


def _summary(page) -> list:
    return [
        [c.author, c.timestamp.strftime("%Y-%m-%dT%H:%M"), c.level, c.parent]
        for c in page.comments
    ]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    page = parse(case.input, **case.options)
    assert _summary(page) == case.expected
    if case.warnings is not None:
        assert [w.code for w in page.warnings] == case.warnings


def test_case_names_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))

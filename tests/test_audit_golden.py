"""Labelled audit pages: each held to a floor just under its measured scores, and the totals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import audit_accuracy  # noqa: E402

FLOORS = json.loads((Path(__file__).parent / "audit_floors.json").read_text())
PAGES = audit_accuracy.labelled_pages()


def _name(path: Path) -> str:
    return path.name.replace(".gold.json", "")


def test_every_labelled_page_has_a_floor() -> None:
    assert sorted(_name(p) for p in PAGES) == sorted(FLOORS["pages"])
    assert len(PAGES) >= 11  # the grant report and at least 10 more


@pytest.mark.parametrize("path", PAGES, ids=_name)
def test_audit_floor(path: Path) -> None:
    _, _, res = audit_accuracy.run(path)
    for metric, minimum in FLOORS["pages"][_name(path)].items():
        assert res[metric] >= minimum, f"{metric} {res[metric]:.3f} < floor {minimum}"


def test_audit_totals_floor() -> None:
    totals = audit_accuracy.Totals()
    for path in PAGES:
        totals.add(*audit_accuracy.run(path))
    m = totals.metrics()
    for metric, minimum in FLOORS["all"].items():
        assert m[metric] >= minimum, f"{metric} {m[metric]:.3f} < floor {minimum}"

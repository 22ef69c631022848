"""Labelled pages: accuracy floors per page, the corpus targets, and invariants on every page."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import ROOT, gold_pages, page_id, wikitext_of

from talkparse import parse
from talkparse.export import page_from_record, page_record, to_json

sys.path.insert(0, str(ROOT / "benchmarks"))
import accuracy  # noqa: E402

FLOORS = json.loads((Path(__file__).parent / "accuracy_floors.json").read_text())["floors"]
PAGES = gold_pages()


def _key(gold: Path) -> str:
    rel = page_id(gold)
    if rel.startswith("corpus/expanded/"):
        return "expanded/" + rel.split("/", 2)[2]
    if rel.startswith("corpus/"):
        return "main/" + rel.split("/", 1)[1]
    return "fixtures/" + rel


def _parse_gold(gold: Path, mode: str = "reader"):
    meta = json.loads(gold.read_text(encoding="utf-8"))
    return parse(
        wikitext_of(gold), lang=meta.get("lang", "en"), timezone=meta.get("timezone"),
        title=meta.get("page"), mode=mode,
    )


def test_every_labelled_page_has_a_floor() -> None:
    assert sorted(_key(p) for p in PAGES) == sorted(FLOORS)


@pytest.mark.parametrize("gold", PAGES, ids=page_id)
def test_accuracy_floor(gold: Path) -> None:
    _, res, _ = accuracy.run_case(gold, "reader")
    floor = FLOORS[_key(gold)]
    for metric, minimum in floor.items():
        assert res[metric] >= minimum, f"{metric} {res[metric]:.3f} < floor {minimum}"


@pytest.mark.parametrize("mode", ["reader", "discussiontools"])
def test_corpus_targets(mode: str) -> None:
    """Issue targets over the whole corpus, all languages together."""
    totals = accuracy.Counts()
    for _, gold in accuracy.cases(["main"]):
        totals.add(accuracy.run_case(gold, mode)[2])
    m = totals.metrics()
    assert m["comment_f1"] >= 0.99
    assert m["level_acc"] >= 0.98
    assert m["parent_acc_all"] >= 0.97


def test_grant_report_fixture_is_exact() -> None:
    gold = ROOT / "fixtures" / "iberoconf-2019-report.gold.json"
    _, res, _ = accuracy.run_case(gold, "reader")
    assert res["comments_gold"] == res["comments_pred"] == 6
    assert res["comment_f1"] == res["level_acc"] == res["parent_acc"] == 1.0


@pytest.mark.parametrize("gold", PAGES, ids=page_id)
def test_invariants(gold: Path) -> None:
    text = wikitext_of(gold)
    page = _parse_gold(gold)
    comments = page.comments
    # comments are listed in the order of their signatures
    sig_starts = [c.signatures[0].span[0] for c in comments]
    assert sig_starts == sorted(sig_starts)
    assert len(set(sig_starts)) == len(sig_starts)
    # spans lie inside the page and never overlap; each comment holds its own signature
    pieces = sorted(
        [h.span for h in page.headings] + [s for c in comments for s in c.spans]
    )
    for (_, b), (c, _) in zip(pieces, pieces[1:]):
        assert b <= c
    assert all(0 <= a <= b <= len(text) for a, b in pieces)
    for c in comments:
        s0, s1 = c.signatures[0].span
        assert any(a <= s0 and s1 <= b for a, b in c.spans)
        assert list(c.spans) == sorted(c.spans)
    # segments cover the page exactly once
    assert "".join(text[s.start : s.end] for s in page.segments()) == text
    # replies form a forest within each section
    for i, c in enumerate(comments):
        seen = {i}
        p = c.parent
        while p is not None:
            assert 0 <= p < len(comments)
            assert p not in seen, f"comment {i} is its own ancestor"
            assert comments[p].heading == c.heading
            seen.add(p)
            p = comments[p].parent
    # deterministic
    again = _parse_gold(gold)
    assert page_record(again, details=True) == page_record(page, details=True)
    # JSON export round-trips
    rec = json.loads(to_json(page, details=True))
    assert page_record(page_from_record(rec), details=True) == page_record(page, details=True)
    assert page_from_record(rec) == page

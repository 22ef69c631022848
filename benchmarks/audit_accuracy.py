#!/usr/bin/env python3
"""Score talkparse's audit (questions, answers, actions) on every labelled page.

Pages: every ``*.gold.json`` with questions or actions labelled, in two sets:

- dev: fixtures/ and fixtures/audit/ - the pages the rules were developed on;
- test: fixtures/audit-test/ - held-out pages written and labelled blind to the detector, for
  measuring how the rules generalise (do not tune on them: look at their errors only after
  recording the figures, and then move a page you learn from into dev).

Each page is parsed and analysed, then scored with ``benchmarks/score.py``; the table shows
per-page figures and the totals of each set and of all pages together (micro-averaged from
the scorer's counts).

    python benchmarks/audit_accuracy.py                 # every page, totals per set
    python benchmarks/audit_accuracy.py --set test
    python benchmarks/audit_accuracy.py --json
    python benchmarks/audit_accuracy.py --show PAGE     # list this page's disagreements
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

import score  # noqa: E402

from talkparse import analyse, parse  # noqa: E402
from talkparse.export import analysis_record  # noqa: E402

TARGETS = {
    "question_f1": 0.95,
    "unanswered_p": 0.90,
    "unanswered_r": 0.90,
    "answer_link_acc": 0.85,
    "action_f1": 0.85,
    "open_p": 0.85,
    "open_r": 0.85,
}


SETS = {
    "dev": ("fixtures/*.gold.json", "fixtures/audit/*.gold.json"),
    "test": ("fixtures/audit-test/*.gold.json",),
}


def labelled_pages(which: str = "all") -> list[Path]:
    """Labelled pages of one set ("dev", "test") or of both ("all")."""
    out = []
    for name, patterns in SETS.items():
        if which not in ("all", name):
            continue
        for pattern in patterns:
            for path in sorted(ROOT.glob(pattern)):
                gold = json.loads(path.read_text(encoding="utf-8"))
                if "questions" in gold or "actions" in gold:
                    out.append(path)
    return out


def page_set(path: Path) -> str:
    return "test" if path.parent.name == "audit-test" else "dev"


def run(path: Path) -> tuple[dict, dict, dict]:
    gold = json.loads(path.read_text(encoding="utf-8"))
    text = path.with_name(path.name.replace(".gold.json", ".wikitext")).read_text(encoding="utf-8")
    page = parse(text, lang=gold.get("lang", "en"), timezone=gold.get("timezone"), title=gold.get("page"))
    pred = analysis_record(analyse(page))
    return gold, pred, score.score(gold, pred)


class Totals:
    """Counts summed over pages, from which the overall figures are computed."""

    def __init__(self) -> None:
        self.c: dict[str, float] = {}

    def add(self, gold: dict, pred: dict, res: dict) -> None:
        mapping = score.match_comments(gold["comments"], pred["comments"])
        gq, pq = gold.get("questions", []), pred.get("questions", [])
        m = score.match_items(gq, pq, mapping)
        req = [i for i, q in enumerate(gq) if q.get("required", True)]
        self._inc("q_pred", len(pq))
        self._inc("q_match", len(m))
        self._inc("q_req", len(req))
        self._inc("q_tp_req", sum(1 for i in m.values() if gq[i].get("required", True)))
        gold_un = {i for i in req if not gq[i].get("answered")}
        pred_un = [j for j, q in enumerate(pq) if not q.get("answered")]
        self._inc("un_gold", len(gold_un))
        self._inc("un_tp", sum(1 for j in pred_un if j in m and m[j] in gold_un))
        self._inc("un_fp", sum(
            1 for j in pred_un
            if not (j in m and (m[j] in gold_un or not gq[m[j]].get("required", True)))
        ))
        ab_n = ab_ok = 0
        for j, i in m.items():
            if gq[i].get("answered") and gq[i].get("required", True):
                ab_n += 1
                named = {mapping.get(k) for k in pq[j].get("answered_by", []) or []}
                ab_ok += bool(named & set(gq[i].get("answered_by", [])))
        self._inc("ab_n", ab_n)
        self._inc("ab_ok", ab_ok)
        ga, pa = gold.get("actions", []), pred.get("actions", [])
        ma = score.match_items(ga, pa, mapping, threshold=0.5)
        areq = [i for i, a in enumerate(ga) if a.get("required", True)]
        self._inc("a_pred", len(pa))
        self._inc("a_match", len(ma))
        self._inc("a_req", len(areq))
        self._inc("a_tp_req", sum(1 for i in ma.values() if ga[i].get("required", True)))
        gold_open = {i for i in areq if ga[i].get("status") in score.OUTSTANDING}
        pred_open = [j for j, a in enumerate(pa) if a.get("status") in score.OUTSTANDING]
        self._inc("o_gold", len(gold_open))
        self._inc("o_tp", sum(1 for j in pred_open if j in ma and ma[j] in gold_open))
        self._inc("o_fp", sum(
            1 for j in pred_open
            if not (j in ma and (ma[j] in gold_open or not ga[ma[j]].get("required", True)))
        ))

    def _inc(self, k: str, v: float) -> None:
        self.c[k] = self.c.get(k, 0) + v

    def metrics(self) -> dict[str, float]:
        c = self.c

        def ratio(a: str, b: float) -> float:
            return c.get(a, 0) / b if b else 1.0

        def f1(p: float, r: float) -> float:
            return 2 * p * r / (p + r) if p + r else 0.0

        qp, qr = ratio("q_match", c.get("q_pred", 0)), ratio("q_tp_req", c.get("q_req", 0))
        up = ratio("un_tp", c.get("un_tp", 0) + c.get("un_fp", 0))
        ur = ratio("un_tp", c.get("un_gold", 0))
        ap, ar = ratio("a_match", c.get("a_pred", 0)), ratio("a_tp_req", c.get("a_req", 0))
        op = ratio("o_tp", c.get("o_tp", 0) + c.get("o_fp", 0))
        orr = ratio("o_tp", c.get("o_gold", 0))
        return {
            "question_p": qp, "question_r": qr, "question_f1": f1(qp, qr),
            "unanswered_p": up, "unanswered_r": ur,
            "answer_link_acc": ratio("ab_ok", c.get("ab_n", 0)),
            "action_p": ap, "action_r": ar, "action_f1": f1(ap, ar),
            "open_p": op, "open_r": orr,
        }


def show(path: Path) -> None:
    gold, pred, _ = run(path)
    mapping = score.match_comments(gold["comments"], pred["comments"])
    for kind, threshold in (("questions", 0.6), ("actions", 0.5)):
        g, p = gold.get(kind, []), pred.get(kind, [])
        m = score.match_items(g, p, mapping, threshold=threshold)
        inv = {i: j for j, i in m.items()}
        for i, item in enumerate(g):
            if i not in inv:
                req = "" if item.get("required", True) else " (optional)"
                print(f"MISSED {kind[:-1]}{req} c{item['comment']}: {item['text'][:110]}")
        for j, item in enumerate(p):
            if j not in m:
                print(f"EXTRA  {kind[:-1]} c{item['comment']}: {item['text'][:110]}")
                continue
            gi = g[m[j]]
            if kind == "questions":
                named = {mapping.get(k) for k in item["answered_by"]}
                if gi.get("answered") != item["answered"] or (
                    gi.get("answered") and not named & set(gi.get("answered_by", []))
                ):
                    print(f"STATUS question c{item['comment']} gold answered={gi.get('answered')} "
                          f"by {gi.get('answered_by')} / pred {item['status']} by {item['answered_by']}: "
                          f"{item['text'][:80]}")
            elif (gi.get("status") in score.OUTSTANDING) != (item["status"] in score.OUTSTANDING) or (
                gi.get("kind") != item["kind"]
            ):
                print(f"STATUS action c{item['comment']} gold {gi.get('kind')}/{gi.get('status')} "
                      f"by {gi.get('resolved_by')} / pred {item['kind']}/{item['status']} by "
                      f"{item['resolved_by']}: {item['text'][:80]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=("all", "dev", "test"), default="all",
                    help="which labelled pages to score (default: all, with totals per set)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show", metavar="PAGE", help="list disagreements for a page (name or path)")
    ap.add_argument("--write-floors", metavar="FILE",
                    help="write regression floors (measured - 0.02) per page and overall, for tests/")
    args = ap.parse_args()
    pages = labelled_pages(args.set)
    if not pages:
        # (an empty held-out set between two batches: no figures, rather than a perfect score)
        print(f"no labelled pages in the {args.set} set", file=sys.stderr)
        return 1
    if args.show:
        match = [p for p in pages if args.show in str(p)]
        for p in match:
            print(f"== {p.name}")
            show(p)
        return 0
    totals = Totals()
    by_set: dict[str, Totals] = {}
    rows = []
    for path in pages:
        gold, pred, res = run(path)
        totals.add(gold, pred, res)
        by_set.setdefault(page_set(path), Totals()).add(gold, pred, res)
        rows.append((path.name.replace(".gold.json", ""), res))
    m = totals.metrics()
    if args.write_floors:
        keys = ("question_f1", "unanswered_p", "unanswered_r", "answer_link_acc", "action_f1", "open_p", "open_r")

        def floor(x: float) -> float:
            return max(0.0, int((x - 0.02) * 1000) / 1000)

        floors = {
            "pages": {name: {k: floor(r[k]) for k in keys if k in r} for name, r in rows},
            "all": {k: floor(m[k]) for k in keys},
        }
        Path(args.write_floors).write_text(json.dumps(floors, indent=1) + "\n")
    if args.json:
        print(json.dumps({**m, "sets": {k: t.metrics() for k, t in by_set.items()}}))
        return 0
    cols = ("question_f1", "unanswered_p", "unanswered_r", "answer_link_acc", "action_f1", "open_p", "open_r")
    head = f"{'page':28} {'Q gold':>6} {'Q pred':>6} " + " ".join(f"{c[:11]:>11}" for c in cols)
    print(head)
    print("-" * len(head))
    for name, r in rows:
        print(f"{name[:28]:28} {r.get('questions_gold_required', 0):6d} {r.get('questions_pred', 0):6d} "
              + " ".join(f"{r.get(c, float('nan')):11.3f}" for c in cols))
    print("-" * len(head))
    if len(by_set) > 1:
        for name, t in by_set.items():
            label = {"dev": "dev set (tuned on)", "test": "test set (held out)"}[name]
            print(f"{label:28} {'':6} {'':6} " + " ".join(f"{t.metrics()[c]:11.3f}" for c in cols))
    print(f"{'ALL PAGES':28} {'':6} {'':6} " + " ".join(f"{m[c]:11.3f}" for c in cols))
    print(f"{'target':28} {'':6} {'':6} " + " ".join(f"{TARGETS[c]:11.2f}" for c in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Score talkparse's thread parser against every labelled page in fixtures/.

For each ``*.gold.json`` beside a ``*.wikitext`` (the bundled grant report, the DiscussionTools
corpus and its template-expanded variant) it parses the page, scores the result with
``benchmarks/score.py`` (the project's scorer, copied from shared/eval) and prints one row per
page and the totals per set, all languages together.

    python benchmarks/accuracy.py                     # reader mode, every set
    python benchmarks/accuracy.py --mode discussiontools --set main
    python benchmarks/accuracy.py --json              # machine-readable totals
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

import score  # noqa: E402  (benchmarks/score.py)

from talkparse import parse  # noqa: E402
from talkparse.export import page_record  # noqa: E402

SETS = {
    "fixtures": ROOT / "fixtures",
    "main": ROOT / "fixtures" / "corpus",
    "expanded": ROOT / "fixtures" / "corpus" / "expanded",
}


@dataclass
class Counts:
    gold: int = 0
    pred: int = 0
    tp: int = 0
    level_ok: int = 0
    parent_ok: int = 0

    def add(self, other: "Counts") -> None:
        for k in ("gold", "pred", "tp", "level_ok", "parent_ok"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def metrics(self) -> dict[str, float]:
        p = self.tp / self.pred if self.pred else 1.0
        r = self.tp / self.gold if self.gold else 1.0
        return {
            "comment_p": p,
            "comment_r": r,
            "comment_f1": 2 * p * r / (p + r) if p + r else 0.0,
            "level_acc": self.level_ok / self.tp if self.tp else 1.0,
            "parent_acc": self.parent_ok / self.tp if self.tp else 1.0,
            "parent_acc_all": self.parent_ok / self.gold if self.gold else 1.0,
        }


def cases(which: list[str]) -> list[tuple[str, Path]]:
    out = []
    for name in which:
        out.extend((name, p) for p in sorted(SETS[name].glob("*.gold.json")))
    return out


def run_case(gold_path: Path, mode: str) -> tuple[dict, dict, Counts]:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    text = gold_path.with_name(gold_path.name.replace(".gold.json", ".wikitext")).read_text(
        encoding="utf-8"
    )
    tz = gold.get("timezone")
    page = parse(text, lang=gold.get("lang", "en"), timezone=tz, title=gold.get("page"), mode=mode)
    pred = page_record(page)
    res = score.score(gold, pred)
    tp = round(res["comment_r"] * res["comments_gold"])
    counts = Counts(
        gold=res["comments_gold"],
        pred=res["comments_pred"],
        tp=tp,
        level_ok=round(res["level_acc"] * tp),
        parent_ok=round(res["parent_acc"] * tp),
    )
    return gold, res, counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=("reader", "discussiontools"), default="reader")
    ap.add_argument("--set", choices=(*SETS, "all"), default="all")
    ap.add_argument("--json", action="store_true", help="print totals as JSON only")
    ap.add_argument(
        "--write-floors", metavar="FILE",
        help="write per-page regression floors (measured score - 0.005) for tests/",
    )
    args = ap.parse_args(argv)
    which = list(SETS) if args.set == "all" else [args.set]
    totals = {name: Counts() for name in which}
    rows = []
    for name, path in cases(which):
        _, res, counts = run_case(path, args.mode)
        totals[name].add(counts)
        rows.append((name, path.name.replace(".gold.json", ""), res))
    if args.write_floors:
        floors = {
            f"{name}/{case}": {
                k: max(0.0, int((r[k] - 0.005) * 1000) / 1000)
                for k in ("comment_f1", "level_acc", "parent_acc_all")
            }
            for name, case, r in rows
        }
        Path(args.write_floors).write_text(json.dumps({"mode": args.mode, "floors": floors}, indent=1) + "\n")
    if args.json:
        print(json.dumps({k: {**v.metrics(), "gold": v.gold, "pred": v.pred} for k, v in totals.items()}))
        return 0
    print(f"mode: {args.mode}")
    head = f"{'set':9} {'page':52} {'gold':>5} {'pred':>5} {'F1':>6} {'level':>6} {'parent':>6} {'p_all':>6}"
    print(head)
    print("-" * len(head))
    for name, case, r in rows:
        print(
            f"{name:9} {case[:52]:52} {r['comments_gold']:5d} {r['comments_pred']:5d} "
            f"{r['comment_f1']:6.3f} {r['level_acc']:6.3f} {r['parent_acc']:6.3f} {r['parent_acc_all']:6.3f}"
        )
    print("-" * len(head))
    for name, c in totals.items():
        m = c.metrics()
        print(
            f"{'TOTAL':9} {name:52} {c.gold:5d} {c.pred:5d} {m['comment_f1']:6.3f} "
            f"{m['level_acc']:6.3f} {m['parent_acc']:6.3f} {m['parent_acc_all']:6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

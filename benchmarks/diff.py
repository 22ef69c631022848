#!/usr/bin/env python3
"""Show where talkparse disagrees with a gold file: missed, extra, wrong level, wrong parent.

python benchmarks/diff.py fixtures/corpus/parsoid-sections.gold.json [--mode discussiontools]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import score  # noqa: E402

from talkparse import parse  # noqa: E402
from talkparse.export import page_record  # noqa: E402


def line_of(text: str, pos: int) -> str:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return text[a : b if b != -1 else len(text)][:220]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("gold")
    ap.add_argument("--mode", default="reader")
    args = ap.parse_args()
    gold_path = Path(args.gold)
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    text = gold_path.with_name(gold_path.name.replace(".gold.json", ".wikitext")).read_text(encoding="utf-8")
    page = parse(
        text,
        lang=gold.get("lang", "en"),
        timezone=gold.get("timezone"),
        title=gold.get("page"),
        mode=args.mode,
    )
    pred = page_record(page)
    gc, pc = gold["comments"], pred["comments"]
    mapping = score.match_comments(gc, pc)
    inv = {i: j for j, i in mapping.items()}
    for i, g in enumerate(gc):
        if i not in inv:
            print(f"MISSED gold#{i} {g['author']} {g['timestamp']} level={g['level']} parent={g['parent']}")
    for j, c in enumerate(pc):
        pos = page.comments[j].signatures[0].span[0]
        if j not in mapping:
            print(
                f"EXTRA  pred#{j} {c['author']} {c['timestamp']} level={c['level']}\n    | {line_of(text, pos)}"
            )
            continue
        g = gc[mapping[j]]
        gp = g["parent"]
        pp = mapping.get(c["parent"]) if c["parent"] is not None else None
        if g["level"] != c["level"] or gp != pp:
            what = []
            if g["level"] != c["level"]:
                what.append(f"level gold={g['level']} pred={c['level']}")
            if gp != pp:
                gpa = f"{gc[gp]['author']}@{gc[gp]['timestamp'][:16]}" if gp is not None else None
                ppa = (
                    f"{pc[c['parent']]['author']}@{pc[c['parent']]['timestamp'][:16]}"
                    if c["parent"] is not None
                    else None
                )
                what.append(f"parent gold={gpa} pred={ppa}")
            print(
                f"WRONG  pred#{j} {c['author']} {c['timestamp']}: {'; '.join(what)}\n    | {line_of(text, pos)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Where the time goes: each stage of parse and analyse on the corpus's big pages.

    python benchmarks/stages.py             # en-big-parsoid, parsoid-sections (nl), ckb-big-parsoid
    python benchmarks/stages.py --repeat 5

For each page, the CPU time of every stage (best of --repeat runs, process time so that other
programs on a shared machine count less), its share of the whole, and the MB/s the whole would
reach without it; mwparserfromhell.parse of the same text is the baseline. It prints figures and
asserts nothing. The stages are internal functions, called here as parse() and analyse() call
them: when those change, this script changes with them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import mwparserfromhell  # noqa: E402

from talkparse.blocks import Blocks  # noqa: E402
from talkparse.context import PageContext  # noqa: E402
from talkparse.detect import detect, lexicon  # noqa: E402
from talkparse.langdata import load_language  # noqa: E402
from talkparse.link import link_actions, link_answers  # noqa: E402
from talkparse.parse import _PageParser, assign_parents  # noqa: E402
from talkparse.signatures import timestamp_reader  # noqa: E402
from talkparse.units import UnitBuilder  # noqa: E402
from talkparse.wikitext import forget_last, lex  # noqa: E402

CORPUS = HERE.parent / "fixtures" / "corpus"
PAGES = (("en-big-parsoid", "en"), ("parsoid-sections", "nl"), ("ckb-big-parsoid", "ckb"))


def run_once(text: str, lang: str) -> list[tuple[str, float]]:
    """One parse and analyse, stage by stage: [(stage, seconds)]."""
    times: list[tuple[str, float]] = []
    state: dict[str, Any] = {}

    def step(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.process_time()
        out = fn()
        times.append((name, time.process_time() - t0))
        return out

    language = load_language(lang)
    zone = language.default_timezone
    reader = timestamp_reader(language, zone)
    forget_last()
    lexed = step("parse: lex (mask markup, templates, links)", lambda: lex(text, language, None))
    blocks = step("parse: blocks (lines, lists, tables)", lambda: Blocks(lexed))
    p = _PageParser(text, language, zone, reader, lexed, blocks, None, "reader")
    headings, heading_lines = step("parse: headings", p._headings)
    stamps = step("parse: timestamps", p._stamps)
    raw = step("parse: comments (signatures, spans)", lambda: p._comments(stamps, heading_lines))
    step("parse: threads (levels, parents)", lambda: assign_parents(raw, blocks, lexed, reader_mode=True))
    comments = step("parse: comment text and ids", lambda: p._finish(raw, headings))
    page = p.run()  # the Page itself (not timed: the stages above are its parts)
    assert len(page.comments) == len(comments)
    lx = lexicon(lang)
    done = load_language(lang).templates.done.get("done", frozenset())
    units = step("audit: sentences and items", lambda: UnitBuilder(page, lexed).build())
    hits = step("audit: detection (cue patterns)", lambda: [detect(cu, lx, done) for cu in units])
    q_hits = [h for qs, _ in hits for h in qs]
    a_hits = [h for _, acts in hits for h in acts]
    ctx = step("audit: page context (replies, topics)", lambda: PageContext(page, units, lx))
    step("audit: answers to questions", lambda: link_answers(ctx, q_hits, a_hits))
    step("audit: resolution of actions", lambda: link_actions(ctx, a_hits))
    del state
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for name, lang in PAGES:
        text = (CORPUS / f"{name}.wikitext").read_text(encoding="utf-8")
        mb = len(text.encode("utf-8")) / 1e6
        run_once(text, lang)  # warm: lexicons compiled, caches filled
        best: dict[str, float] = {}
        for _ in range(args.repeat):
            for stage, seconds in run_once(text, lang):
                best[stage] = min(best.get(stage, seconds), seconds)
        base = min(_timed(lambda: mwparserfromhell.parse(text)) for _ in range(args.repeat))
        parse_total = sum(s for k, s in best.items() if k.startswith("parse"))
        total = sum(best.values())
        print(f"\n{name} ({lang}), {mb:.2f} MB: parse {parse_total * 1000:.1f} ms = {mb / parse_total:.2f} MB/s "
              f"({base / parse_total:.2f}x mwparserfromhell's {base * 1000:.1f} ms); "
              f"parse + audit {total * 1000:.1f} ms = {mb / total:.2f} MB/s")
        print(f"  {'stage':44} {'ms':>8} {'share':>6} {'MB/s without it':>16}")
        for stage, seconds in best.items():
            print(f"  {stage:44} {seconds * 1000:8.1f} {seconds / total:6.1%} {mb / (total - seconds):16.2f}")
    return 0


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


if __name__ == "__main__":
    sys.exit(main())

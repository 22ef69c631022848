#!/usr/bin/env python3
"""Parse and audit throughput and linearity, against mwparserfromhell.parse of the same text.

    python benchmarks/speed.py                  # corpus pages and generated 1, 10, 50 MB pages
    python benchmarks/speed.py --sizes 1,5      # other generated sizes
    python benchmarks/speed.py --quick          # 1 and 5 MB, one run each

Prints, per page: MB/s and comments/s of talkparse.parse; MB/s of parse + analyse (the audit);
the time of mwparserfromhell.parse on the same text and the speed-up over it; how parse time
grows with size (time per MB relative to the 1 MB page: 1.00 means linear); and peak memory over
page size. Times are CPU time of this process (other programs on a shared machine count less
than in wall-clock time), the best of --repeat runs (one run above 20 MB); peak memory is
measured with tracemalloc in a separate run. The targets of issue 6 are printed below the table.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "tests"))

import mwparserfromhell  # noqa: E402
from test_scale import make_page  # noqa: E402

from talkparse import analyse, parse  # noqa: E402
from talkparse.wikitext import forget_last  # noqa: E402

CORPUS = HERE.parent / "fixtures" / "corpus"


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        forget_last()  # lex() keeps its last page for analyse(): each run lexes afresh
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def peak_memory(fn) -> int:
    forget_last()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", default="1,10,50", help="generated page sizes in MB (default 1,10,50)")
    ap.add_argument("--no-audit", action="store_true", help="skip the audit column (faster)")
    args = ap.parse_args()
    texts: list[tuple[str, str, str]] = []
    for name, lang in (("en-big-parsoid", "en"), ("parsoid-sections", "nl"), ("ckb-big-parsoid", "ckb")):
        texts.append((name, (CORPUS / f"{name}.wikitext").read_text(encoding="utf-8"), lang))
    sizes = (1, 5) if args.quick else tuple(float(x) for x in args.sizes.split(","))
    if args.quick:
        args.repeat = 1
    for mb in sizes:
        text, _ = make_page(int(mb * 790))
        texts.append((f"generated {mb:g} MB", text, "en"))
    print(f"{'page':22} {'MB':>6} {'parse s':>8} {'MB/s':>6} {'comm/s':>8} {'audit MB/s':>10} "
          f"{'mwph s':>7} {'speedup':>7} {'s/MB vs 1MB':>11} {'peak mem':>9}")
    per_mb_1 = None
    rows = []
    for name, text, lang in texts:
        size = len(text.encode("utf-8")) / 1e6
        repeat = 1 if size > 20 else args.repeat
        n = len(parse(text, lang=lang).comments)
        t = best(lambda: parse(text, lang=lang), repeat)
        audit = "-"
        if not args.no_audit:
            ta = best(lambda: analyse(parse(text, lang=lang)), 1 if size > 5 else repeat)
            audit = f"{size / ta:.2f}"
        base = best(lambda: mwparserfromhell.parse(text), max(1, repeat - 1))
        mem = peak_memory(lambda: parse(text, lang=lang))
        growth = ""
        if name.startswith("generated"):
            if per_mb_1 is None:
                per_mb_1 = t / size
            growth = f"{(t / size) / per_mb_1:.2f}"
        rows.append((name, size, t, base, mem))
        print(f"{name:22} {size:6.2f} {t:8.3f} {size / t:6.2f} {n / t:8.0f} {audit:>10} {base:7.3f} "
              f"{base / t:6.2f}x {growth:>11} {mem / 1e6 / size:7.1f}x", flush=True)
    print("\nspeedup = mwparserfromhell.parse time / talkparse.parse time (same text, same process);")
    print("s/MB vs 1MB = time per MB relative to the 1 MB page (1.00 = linear);")
    print("peak mem = peak traced allocation / page size.")
    print("targets (issue 6): parse >= 30 MB/s on en-big-parsoid and >= 3x mwparserfromhell; audit >= 5 MB/s;")
    print("                   a 50 MB page <= 55x the time of a 1 MB one; peak memory < 10x the page.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

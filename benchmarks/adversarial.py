#!/usr/bin/env python3
"""Adversarial inputs at realistic worst sizes: time, throughput and memory of parse and analyse.

    python benchmarks/adversarial.py                  # every case of tests/test_adversarial.py
    python benchmarks/adversarial.py --case one_long_line --case unclosed_user_links
    python benchmarks/adversarial.py --scale 1        # the tests' sizes (quick)
    python benchmarks/adversarial.py --no-memory      # skip the traced run (the slowest part)

Builds each case of ``tests/test_adversarial.py`` at ``--scale`` (default ``BENCH_SCALE``, ten
times the tests' sizes: a 50 MB line, a million ``[[User:``, a reply chain 5,000 deep),
then prints one row per case: the input size, the seconds of ``parse`` and of ``analyse``,
MB/s through both, the peak of memory traced by tracemalloc in a separate run of both and its
ratio to the input size, and ``mwparserfromhell.parse`` of the same text as a baseline (run in
a child process with a time limit; the ratio is its time over talkparse's parse time: above
1, talkparse parses faster). It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "tests"))

from test_adversarial import BENCH_SCALE, CASES, build  # noqa: E402

from talkparse import analyse, parse  # noqa: E402

_MWPH = (
    "import sys, time, mwparserfromhell\n"
    "text = open(sys.argv[1], encoding='utf-8').read()\n"
    "t0 = time.perf_counter()\n"
    "mwparserfromhell.parse(text)\n"
    "print(time.perf_counter() - t0)\n"
)


def baseline(text: str, limit: float) -> str:
    """mwparserfromhell.parse of the text in a child process: seconds, or why there are none."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".wikitext", delete=False) as fh:
        fh.write(text)
        path = fh.name
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _MWPH, path], capture_output=True, text=True, timeout=limit
        )
    except subprocess.TimeoutExpired:
        return f">{limit:.0f}"
    finally:
        Path(path).unlink()
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return "error: " + last[:40]
    return proc.stdout.strip()


def traced_peak(text: str, lang: str) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        analyse(parse(text, lang=lang))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=BENCH_SCALE, help=f"size scale (default {BENCH_SCALE})")
    ap.add_argument("--case", action="append", help="run only this case (repeatable)")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    ap.add_argument("--no-baseline", action="store_true", help="skip mwparserfromhell")
    ap.add_argument("--baseline-limit", type=float, default=120, help="seconds for mwparserfromhell")
    args = ap.parse_args()
    names = [name for name, _ in CASES]
    for name in args.case or ():
        if name not in names:
            ap.error(f"unknown case {name!r}; cases: {', '.join(names)}")
    print(f"scale {args.scale:g} (the tests use 1)  {time.strftime('%Y-%m-%d %H:%M')}  Python {sys.version.split()[0]}")
    print(f"{'case':30} {'MB':>7} {'parse s':>8} {'analyse s':>9} {'MB/s':>6} {'peak MB':>8} "
          f"{'peak/in':>7} {'mwph s':>8} {'mwph/parse':>10}")
    for name, builder in CASES:
        if args.case and name not in args.case:
            continue
        text, lang = build(builder, args.scale)
        size = len(text.encode("utf-8"))
        mb = size / 1e6
        gc.collect()
        t0 = time.perf_counter()
        page = parse(text, lang=lang)
        t1 = time.perf_counter()
        analyse(page)
        t2 = time.perf_counter()
        del page
        parse_s, analyse_s = t1 - t0, t2 - t1
        rate = f"{mb / (parse_s + analyse_s):6.2f}" if size else f"{'-':>6}"
        peak = ratio = "-"
        if not args.no_memory:
            traced = traced_peak(text, lang)
            peak = f"{traced / 1e6:.1f}"
            ratio = f"{traced / size:.1f}x" if size else "-"
        base = speed = "-"
        if not args.no_baseline:
            base = baseline(text, args.baseline_limit)
            try:
                speed = f"{float(base) / parse_s:.2f}x" if parse_s > 0 else "-"
                base = f"{float(base):.3f}"
            except ValueError:
                pass
        print(f"{name:30} {mb:7.2f} {parse_s:8.3f} {analyse_s:9.3f} {rate} {peak:>8} {ratio:>7} "
              f"{base:>8} {speed:>10}", flush=True)
    print("\nMB/s: input through parse and analyse together; peak MB: tracemalloc's peak over both,")
    print("in a separate run; peak/in: that peak over the input's UTF-8 size; mwph s: mwparserfromhell.parse")
    print("of the same text in a child process; mwph/parse: its time over talkparse's parse time.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

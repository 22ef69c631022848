#!/usr/bin/env python3
"""``talkparse dump`` throughput on a generated dump of real talk pages: local engine and Dask.

    python benchmarks/dump.py                    # a 200 MB dump, cached in /tmp/talkparse-bench
    python benchmarks/dump.py --mb 50 --cache ~/bench   # another size or place
    python benchmarks/dump.py --runs jobs1,dask2        # some of the runs

The dump is made of the English pages of ../shared/corpus (the Village pump archive, the AfD
log, DiscussionTools' test pages; as written and with templates expanded), cut at level-2
headings into pages of 1 to 8 sections, as talk pages come, and repeated under new titles and
ids, in namespaces 1, 3, 4 and 5, until the dump is large enough. It is written once and kept.

Then it runs, one after another, each a fresh output folder:

- ``talkparse dump DUMP --namespace 1,3,4,5 -o OUT.parquet --jobs 1`` and ``--jobs 2``;
- ``--engine dask --scheduler ADDRESS`` on a dask.distributed LocalCluster on 127.0.0.1 with 1
  and with 2 worker processes of one thread each.

It prints pages/s, MB/s of wikitext, the peak resident memory and the CPU time of the whole
process tree (the command and its workers; for Dask also the scheduler and the workers, sampled
every 0.2 s), each run's speed relative to the first (``--jobs 1``), and the load average
during the run, since other work on the machine slows it. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

from dumpgen import FOOTER, NAMESPACES, DumpPage, header, open_for_writing, page_xml  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")
ENGLISH = ("en-big-parsoid", "en-bigafd-parsoid", "dt-tags", "reflist-parsoid", "signatures-T356884",
           "signatures-T356884b", "tracked-template")
_H2 = re.compile(r"^==[^=].*==[ \t]*$", re.M)


def english_pages() -> list[tuple[str, str]]:
    """(name, wikitext) of the corpus's English pages, main and expanded variants."""
    found = []
    for folder in (CORPUS, CORPUS / "expanded"):
        for path in sorted(folder.glob("*.wikitext")):
            stem = path.name[: -len(".wikitext")]
            if stem in ENGLISH or stem.startswith("ThreadItemStore"):
                found.append((f"{folder.name}/{stem}", path.read_text(encoding="utf-8")))
    return found


def talk_pages(text: str) -> list[str]:
    """Cut a page at level-2 headings into pages of 1, 2, ... 8 sections in turn."""
    starts = [m.start() for m in _H2.finditer(text)]
    if len(starts) < 2:
        return [text]
    cuts = [0, *starts[1:]]
    out, i, size = [], 0, 1
    while i < len(cuts):
        j = min(i + size, len(cuts))
        out.append(text[cuts[i]: cuts[j] if j < len(cuts) else len(text)])
        i, size = j, size % 8 + 1
    return out


def make_dump(path: Path, megabytes: float) -> Path:
    """Write the benchmark dump at ``path`` unless a complete one is there."""
    done = path.with_name(path.name + ".done")
    if path.exists() and done.exists() and done.read_text() == str(megabytes):
        return path
    pieces = [(name, piece) for name, text in english_pages() for piece in talk_pages(text)]
    spaces = [ns for ns in NAMESPACES if ns % 2 == 1 or ns == 4]
    target, written, page_id, round_ = megabytes * 1e6, 0, 0, 0
    tmp = path.with_name(path.name + ".tmp")
    with open_for_writing(tmp) as fh:
        fh.write(header().encode("utf-8"))
        while written < target:
            round_ += 1
            for n, (name, text) in enumerate(pieces):
                page_id += 1
                ns = spaces[page_id % len(spaces)]
                title = f"{NAMESPACES[ns]}:Bench {round_}/{name}/{n}"
                data = page_xml(DumpPage(ns, title, page_id, 10 * page_id, text)).encode("utf-8")
                fh.write(data)
                written += len(data)
        fh.write(FOOTER.encode("utf-8"))
    tmp.replace(path)
    done.write_text(str(megabytes))
    return path


class TreeMonitor:
    """Peak resident memory and CPU time of this process and its descendants, sampled."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._cpu: dict[int, float] = {}  # pid -> user + system seconds when last seen
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def cpu(self) -> float:
        """CPU seconds of every process seen (this one's scheduler thread included)."""
        return sum(self._cpu.values())

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        start = me.cpu_times()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    with p.oneshot():
                        total += p.memory_info().rss
                        t = p.cpu_times()
                        if p.pid == me.pid:  # only what this process spent during the run
                            self._cpu[p.pid] = t.user + t.system - start.user - start.system
                        else:
                            self._cpu[p.pid] = t.user + t.system
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(dump: Path, out: Path, *extra: str) -> dict[str, float]:
    """Run ``talkparse dump`` on a fresh ``out``; its time, pages, MB and peak tree memory."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "talkparse", "dump", str(dump), "--namespace", "1,3,4,5",
               "-o", str(out), "-q", *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    load = os.getloadavg()[0]
    with TreeMonitor() as tree:
        t0 = time.perf_counter()
        proc = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr.strip()}")
    journal = json.loads((out / "_journal.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    return {"seconds": seconds, "pages": journal["pages"], "mb": journal["text_bytes"] / 1e6,
            "rows": journal["rows"]["comments"], "peak": tree.peak, "cpu": tree.cpu,
            "load": (load + os.getloadavg()[0]) / 2}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=200, help="size of the generated dump (default 200)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/talkparse-bench"),
                    help="where the dump is kept between runs (default /tmp/talkparse-bench)")
    ap.add_argument("--runs", default="jobs1,jobs2,dask1,dask2",
                    help="which runs, of jobs1,jobs2,dask1,dask2 (default all; ratios are to the first)")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    dump = make_dump(args.cache / f"bench-{args.mb:g}MB.xml", args.mb)
    print(f"dump: {dump} ({dump.stat().st_size / 1e6:.0f} MB; ready in {time.perf_counter() - t0:.1f} s)")
    out = args.cache / "out.parquet"
    results: list[tuple[str, dict[str, float]]] = []
    for name in args.runs.split(","):
        n = int(name[-1])
        if name.startswith("jobs"):
            results.append((f"local --jobs {n}", run(dump, out, "--jobs", str(n))))
        else:
            from distributed import LocalCluster

            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None) as cluster:
                results.append((f"dask, {n} worker{'s' * (n > 1)}",
                                run(dump, out, "--engine", "dask", "--scheduler", cluster.scheduler_address)))
        show(results)
    print(f"\nmachine: {os.cpu_count()} cores. MB/s: MB of wikitext per second. Peak RSS and CPU s: "
          "the resident memory and the CPU time of the whole process tree (the command and its "
          "workers; for Dask also the scheduler and workers, hosted by this script), sampled every "
          "0.2 s. MB/CPU-s: MB of wikitext per CPU second, which other work on the machine does not "
          "change. Load: the 1-minute load average at the start and end of the run; above the "
          "run's own processes, something else was busy and the times are longer than they would be.")
    return 0


def show(results: list[tuple[str, dict[str, float]]]) -> None:
    base = results[0][1]["seconds"]
    print(f"\n{'run':18} {'pages':>8} {'comments':>9} {'seconds':>8} {'pages/s':>8} {'MB/s':>6} "
          f"{'peak RSS MB':>11} {'vs first':>9} {'CPU s':>7} {'MB/CPU-s':>8} {'load':>5}")
    for name, r in results:
        print(f"{name:18} {r['pages']:>8,} {r['rows']:>9,} {r['seconds']:>8.1f} "
              f"{r['pages'] / r['seconds']:>8.1f} {r['mb'] / r['seconds']:>6.2f} "
              f"{r['peak'] / 1e6:>11.0f} {base / r['seconds']:>8.2f}x {r['cpu']:>7.0f} "
              f"{r['mb'] / r['cpu']:>8.2f} {r['load']:>5.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())

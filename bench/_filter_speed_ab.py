"""Paired A/B of the default filter chain between two checkouts, run by hand (not by make bench).

The machine's speed moves by a third within minutes, so two ``filter_speed.py`` runs a minute
apart compare the machine as much as the code. This starts one warm worker per checkout (its own
code on ``PYTHONPATH``) and asks them in turn, alternating who goes first, to run the chain of
``bench/filter_speed.py`` once on Alpaca and on CodeAlpaca; each run's CPU seconds are paired
with the other checkout's run next to it. Prints per corpus the median, best and worst records/s
of each checkout and the median of the per-pair ratios.

Run: python bench/_filter_speed_ab.py BASELINE_CHECKOUT CANDIDATE_CHECKOUT [--runs 12]
(``CLEANROOM_SHARED_DATA`` as for ``filter_speed.py``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

WORKER = """
import os, sys, time
os.environ.setdefault("POLARS_MAX_THREADS", "1")
sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
import filter_speed as fs
from curate.run.pipeline import run_steps
frames = {n: fs.working_frame(fs.load(n, 10)) for n in ("alpaca", "codealpaca")}
for f in frames.values():
    run_steps(f.head(50), fs.plan())
    run_steps(f, fs.plan())
print("ready", flush=True)
for line in sys.stdin:
    t = time.process_time()
    run_steps(frames[line.strip()], fs.plan())
    print(f"{time.process_time() - t:.5f}", flush=True)
"""
RECORDS = {"alpaca": 5000, "codealpaca": 4535}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("baseline")
    ap.add_argument("candidate")
    ap.add_argument("--runs", type=int, default=12)
    args = ap.parse_args()
    trees = {"baseline": Path(args.baseline).resolve(), "candidate": Path(args.candidate).resolve()}
    procs = {
        k: subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=t,
            env={**os.environ, "PYTHONPATH": str(t)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k, t in trees.items()
    }
    for k, p in procs.items():
        if p.stdout is None or p.stdout.readline().strip() != "ready":
            sys.exit(f"{k}: the worker did not start (is the shared data there?)")
    times: dict[tuple[str, str], list[float]] = {(k, n): [] for k in trees for n in RECORDS}
    start, load = time.strftime("%H:%M:%S", time.gmtime()), os.getloadavg()[0]
    for r in range(args.runs):
        for n in RECORDS:
            for k in list(trees) if r % 2 == 0 else list(trees)[::-1]:
                p = procs[k]
                assert p.stdin is not None and p.stdout is not None
                p.stdin.write(n + "\n")
                p.stdin.flush()
                times[(k, n)].append(float(p.stdout.readline()))
    for p in procs.values():
        assert p.stdin is not None
        p.stdin.close()
        p.wait()
    end = time.strftime("%H:%M:%S", time.gmtime())
    print(f"UTC {start}-{end}, load {load:.2f} -> {os.getloadavg()[0]:.2f}, {args.runs} runs each")
    for n, count in RECORDS.items():
        for k in trees:
            v = times[(k, n)]
            med, best, worst = statistics.median(v), min(v), max(v)
            print(
                f"{n:<11}{k:<10} median {count / med:7.0f}  best {count / best:7.0f}  "
                f"worst {count / worst:7.0f} records/s/core"
            )
        pairs = [
            a / b for a, b in zip(times[("baseline", n)], times[("candidate", n)], strict=True)
        ]
        print(
            f"{'':11}baseline/candidate CPU per pair: median {statistics.median(pairs):.2f} "
            f"(min {min(pairs):.2f}, max {max(pairs):.2f})"
        )


if __name__ == "__main__":
    main()

"""``cleanroom audit scan`` through the CLI vs the in-process API vs a plain-Python 13-gram scan.

All three read the same >= 300 MB alpaca-layout JSONL (``bench/_corpus.py``: Alpaca, CodeAlpaca
and the Chinese/Russian web pages from ``../shared/data``, repeated; not committed) for the same
benchmarks (HumanEval + GSM8K test, 13-grams), each in its own process on one core
(``POLARS_MAX_THREADS=1``), runs interleaved (CLI, API, plain, CLI, API, plain, ...):

- **cli**: ``python -m curate.cli audit scan --preset gpt3 --n 13`` as a user runs it: process
  start, imports, reading and parsing the JSONL, the scan and the evidence; CPU seconds of the
  whole child process.
- **api**: :func:`audit.scan.scan` on the same ``id, text`` rows already in memory (read before
  the clock starts), with the CLI's default commonness background (``--background stdlib``,
  loaded inside the clock as the CLI loads it) so both do the same work; CPU seconds of the
  call. (Until 2026-12-06 13:40 UTC the API ran without the background: 0.2-0.3 s less work
  than the CLI.)
- **plain**: the classic script: ``json.loads`` every line, join the fields, tokenise with a
  Python regex (:func:`audit.reference.plain_tokens`), a dict of 13-gram tuples
  (:func:`audit.reference.plain_scan`); CPU seconds from opening the file to the pairs.

Prints a table (median of ``--runs`` interleaved runs, min and max, MB/s/core, peak RSS), the
ratios of the medians and the medians of the per-run ratios, and writes
``bench/results/audit_cli_speed.{json,md}``.

Usage: ``python bench/audit_cli_speed.py [--mb 320] [--runs 3]``
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _corpus  # noqa: E402
from _measure import child_run, load_line, results_md  # noqa: E402

N = 13


def benchmarks() -> list[str]:
    return ["humaneval", f"gsm8k={_corpus.DATA / 'gsm8k' / 'test.jsonl'}"]


def run_api(path: str) -> dict:
    """In-process: texts in memory first, then the timed scan call."""
    import dataclasses

    import polars as pl

    from audit.background import get_background
    from audit.benchmarks import load_benchmark
    from audit.presets import PRESETS
    from audit.scan import iter_corpus, scan, shards_of

    corpus = pl.concat(list(iter_corpus(path)))
    items = [load_benchmark(b) for b in benchmarks()]
    preset = dataclasses.replace(PRESETS["gpt3"].with_n(N))
    t0 = time.process_time()
    # the CLI's default commonness background (--background stdlib), so both do the same work
    res = scan(items, shards_of(corpus, 20_000), preset, background=get_background("stdlib"))
    cpu = time.process_time() - t0
    return {"cpu_seconds": cpu, "pairs": res.contamination.height, "records": corpus.height}


def run_plain(path: str) -> dict:
    """The classic script, reading included."""
    from audit.benchmarks import load_benchmark
    from audit.reference import plain_scan, plain_tokens

    items = {}
    for b in benchmarks():
        frame = load_benchmark(b)
        for row in frame.iter_rows(named=True):
            items[row["item_id"]] = plain_tokens(row["text"])
            if row["answer"]:
                items[row["item_id"] + "#answer"] = plain_tokens(row["answer"])
    t0 = time.process_time()

    def records():
        with open(path, encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                r = json.loads(line)
                text = "\n\n".join(v for v in (r["instruction"], r["input"], r["output"]) if v)
                yield str(i), plain_tokens(text)

    found = plain_scan(items, records(), N)
    cpu = time.process_time() - t0
    return {"cpu_seconds": cpu, "pairs": len({(i.split("#")[0], r) for i, r in found})}


def cli_cmd(path: str) -> list[str]:
    cmd = [sys.executable, "-m", "curate.cli", "audit", "scan", "--preset", "gpt3", "--n", str(N)]
    for b in benchmarks():
        cmd += ["--benchmark", b]
    return cmd + ["--corpus", path]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=320, help="corpus size (>= 300 for the issue)")
    ap.add_argument("--runs", type=int, default=3, help="interleaved runs; medians reported")
    ap.add_argument("--mode", choices=["api", "plain"], help=argparse.SUPPRESS)
    ap.add_argument("--corpus", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.mode:
        fn = run_api if args.mode == "api" else run_plain
        print("RESULT " + json.dumps(fn(args.corpus)))
        return
    if not _corpus.available():
        print(f"skipped: bench data missing under {_corpus.DATA}")
        return
    path = str(_corpus.build(args.mb))
    mb = Path(path).stat().st_size / 1e6
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POLARS_MAX_THREADS": "1", "COLUMNS": "200"}
    # warm-up (not timed): numba compiles or loads its cache, the OS caches the file
    small = str(_corpus.build(8))
    subprocess.run(cli_cmd(small), env=env, capture_output=True, check=True)
    me = [sys.executable, str(Path(__file__).resolve()), "--corpus", path]
    samples: dict[str, list[dict]] = {"cli": [], "api": [], "plain": []}
    for run in range(args.runs):
        for name in samples:
            cmd = cli_cmd(path) if name == "cli" else [*me, "--mode", name]
            m = child_run(cmd, env)
            if name != "cli":
                m.update(json.loads(m.pop("stdout").split("RESULT ", 1)[1]))
            else:
                m["pairs"] = int(
                    re.search(r"(\d+)\s+\(item,\s+record\)\s+pairs", m.pop("stdout"))[1]
                )
                m["cpu_seconds"] = m["process_cpu_seconds"]
            samples[name].append(m)
            print(f"run {run + 1} {name}: {m['cpu_seconds']:.2f} s CPU, {m['wall_seconds']:.1f} s wall, "
                  f"peak RSS {m['peak_rss_mib']:.0f} MiB, pairs {m['pairs']}", flush=True)  # fmt: skip
    rows = []
    for name, runs in samples.items():
        cpu = [r["cpu_seconds"] for r in runs]
        med = statistics.median(cpu)
        rows.append({
            "harness": name, "median_cpu_s": med, "min_cpu_s": min(cpu), "max_cpu_s": max(cpu),
            "MB/s/core": mb / med, "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
            "pairs": runs[0]["pairs"],
        })  # fmt: skip
    by = {r["harness"]: r["median_cpu_s"] for r in rows}
    ratios = {
        "cli_vs_plain": by["plain"] / by["cli"],
        "cli_over_api": by["cli"] / by["api"],
        "api_vs_plain": by["plain"] / by["api"],
    }
    # the same ratios run by run (each run's three harnesses ran one after the other), median:
    # less moved by the machine's speed drifting between runs than the ratio of medians
    cpu = {name: [r["cpu_seconds"] for r in runs] for name, runs in samples.items()}
    for key, (a, b) in {"cli_vs_plain": ("plain", "cli"), "cli_over_api": ("cli", "api")}.items():
        ratios[f"{key} (median of per-run ratios)"] = statistics.median(
            x / y for x, y in zip(cpu[a], cpu[b], strict=True)
        )
    header = (
        f"corpus {mb:.0f} MB JSONL ({Path(path).name}), HumanEval + GSM8K test, n={N}, one core; "
        f"median of {args.runs} interleaved runs; {load_line()}"
    )
    md = results_md(
        "audit scan: CLI vs API vs plain Python (bench/audit_cli_speed.py)", header, rows, ratios
    )
    print(md)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "audit_cli_speed.md").write_text(md)
    (out / "audit_cli_speed.json").write_text(
        json.dumps({"header": header, "rows": rows, "ratios": ratios, "samples": samples}, indent=2)
    )
    print(f"wrote {out / 'audit_cli_speed.md'}")


if __name__ == "__main__":
    main()

"""``cleanroom dedup`` CLI vs the ``near_duplicates`` API vs datasketch and rensa, interleaved runs.

Input: the 100,000 records of ``bench/dedup_speed.py`` (real text from ``../shared/data``, with
planted near-duplicates), written once as Parquet (for the in-process timings) and as JSONL
``{"id", "text"}`` (for the CLI). Every tool: word 5-gram shingles, 128 permutations, threshold
0.6, from raw text to dedup decisions, each run in a fresh process, rounds interleaved (cli,
api, datasketch, rensa, cli, ...); medians of ``--runs`` rounds:

- **cli**: ``python -m curate.cli dedup FILE.jsonl --id-field id --out X.parquet``: the whole
  process (start, imports, numba cache load, reading the JSONL, dedup, writing Parquet).
- **api script**: a Python process that imports ``curate.lib.dedup``, reads the JSONL with
  ``pl.read_ndjson`` and calls ``near_duplicates``: the whole process, like the CLI.
- **api**: ``near_duplicates`` alone, in-process, after the numba warm-up (``dedup_speed.py
  --child cleanroom``).
- **datasketch**, **rensa**: ``dedup_speed.py --child`` (same shingler, timed from raw text).

CPU seconds are what the ratios use (every thread counted; the machine is shared).
Writes ``bench/results/dedup_cli_speed.{json,md}``. rensa needs the ``bench`` extra
(``pip install -e '.[bench]'``); without it that row is skipped.

Usage: ``python bench/dedup_cli_speed.py [--n 100000] [--runs 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import _corpus  # noqa: E402
from _measure import child_run, load_line, results_md  # noqa: E402

API_SCRIPT = """
import sys, time, polars as pl
from curate.lib.dedup import MinHashParams, near_duplicates
frame = pl.read_ndjson(sys.argv[1])
res = near_duplicates(frame["text"], MinHashParams(threshold=0.6))
print("dropped", int((~res.keep).sum()))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not _corpus.available():
        print(f"skipped: bench data missing under {_corpus.DATA}")
        return
    import dedup_speed
    import polars as pl

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    dedup_speed.RESULTS.mkdir(exist_ok=True)
    texts = dedup_speed.build(args.n)
    pl.DataFrame({"text": texts}).write_parquet(dedup_speed.INPUT)
    jsonl = _corpus.CACHE / f"dedup_{args.n}.jsonl"
    _corpus.CACHE.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"id": [f"r{i}" for i in range(len(texts))], "text": texts}).write_ndjson(jsonl)
    try:
        import rensa  # noqa: F401

        tools = ["cli", "api_script", "api", "datasketch", "rensa"]
    except ImportError:
        print("rensa not installed (pip install -e '.[bench]'): skipped")
        tools = ["cli", "api_script", "api", "datasketch"]
    out_parquet = Path(tempfile.mkdtemp()) / "clusters.parquet"
    cli = [sys.executable, "-m", "curate.cli", "dedup", str(jsonl), "--id-field", "id"]
    cli += ["--out", str(out_parquet)]
    me = [sys.executable, str(ROOT / "bench" / "dedup_speed.py"), "--n", str(args.n)]
    child_run(cli, env)  # warm-up, not timed: numba compiles or loads its cache; file cached
    samples: dict[str, list[dict]] = {t: [] for t in tools}
    for run in range(args.runs):
        for tool in tools:
            if tool == "cli":
                m = child_run(cli, env)
                m["dropped"] = int(pl.read_parquet(out_parquet)["keep"].not_().sum())
                m["cpu_seconds"] = m["process_cpu_seconds"]
            elif tool == "api_script":
                m = child_run([sys.executable, "-c", API_SCRIPT, str(jsonl)], env)
                m["dropped"] = int(m["stdout"].split("dropped")[-1])
                m["cpu_seconds"] = m["process_cpu_seconds"]
            else:
                name = "cleanroom" if tool == "api" else tool
                m = child_run([*me, "--child", name, "--repeats", "1"], env)
                m.update(json.loads(m["stdout"].strip().splitlines()[-1]))
            m.pop("stdout", None)
            samples[tool].append(m)
            print(f"run {run + 1} {tool}: {m['cpu_seconds']:.2f} s CPU, {m['wall_seconds']:.1f} s wall "
                  f"(process), peak RSS {m['peak_rss_mib']:.0f} MiB, dropped {m['dropped']}", flush=True)  # fmt: skip
    rows = []
    for tool, runs in samples.items():
        cpu = [r["cpu_seconds"] for r in runs]
        med = statistics.median(cpu)
        rows.append({
            "harness": tool, "median_cpu_s": med, "min_cpu_s": min(cpu), "max_cpu_s": max(cpu),
            "records/cpu_s": args.n / med,
            "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
            "dropped": runs[0]["dropped"],
        })  # fmt: skip
    by = {r["harness"]: r["median_cpu_s"] for r in rows}
    ratios = {
        "cli_over_api_script (whole processes)": by["cli"] / by["api_script"],
        "cli_over_api (process vs warm call)": by["cli"] / by["api"],
        "api_vs_datasketch": by["datasketch"] / by["api"],
    }
    if "rensa" in by:
        ratios["api_vs_rensa"] = by["rensa"] / by["api"]
    header = (
        f"{args.n:,} records (bench/dedup_speed.py input), word 5-grams, 128 permutations, "
        f"threshold 0.6; CPU seconds, median of {args.runs} interleaved runs; {load_line()}"
    )
    md = results_md("dedup: CLI vs API vs datasketch / rensa (bench/dedup_cli_speed.py)",
                    header, rows, ratios)  # fmt: skip
    print(md)
    res = ROOT / "bench" / "results"
    (res / "dedup_cli_speed.md").write_text(md)
    (res / "dedup_cli_speed.json").write_text(
        json.dumps({"header": header, "rows": rows, "ratios": ratios, "samples": samples}, indent=2)
    )
    print(f"wrote {res / 'dedup_cli_speed.md'}")


if __name__ == "__main__":
    main()

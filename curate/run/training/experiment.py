"""The planted-contamination experiment: does train -> eval measure contamination at all?

Plant ``n`` items of a benchmark (question + answer, as instruction records) into an instruction
corpus, curate it *without* decontamination, audit the curated records (so the DB holds
verdicts), train a model, and split its benchmark scores by verdict: memorised planted items
should score much better than the clean rest (a large, significant dirty - clean gap). Then curate
the same corpus *with* ``decontaminate_v1``, retrain, re-evaluate: the planted items are dropped
before training, so the gap should vanish (its interval should cover 0).

Used by ``bench/contamination_effect.py`` (GSM8K test questions, or HumanEval from the wheel) and,
at toy size on :func:`synthetic_items`, by ``tests/test_training.py``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from curate.run.training.eval_run import EvalResult, run_eval
from curate.run.training.evaluate import EvalOptions
from curate.run.training.trainer import TrainConfig, TrainResult, train

_ALPHA = "abcdefghijklmnopqrstuvwxyz"


def synthetic_items(n: int, seed: int = 0) -> list[dict[str, str]]:
    """``n`` question/answer pairs whose answers cannot be guessed, only memorised.

    Questions are 14 random words plus an index (long enough for every preset's n-gram), answers
    3 random words. Example: ``{"question": "In the ledger of qwhe ... (item 0)?",
    "answer": "zorv plen datu"}``.
    """
    rng = random.Random(seed)
    vocab = ["".join(rng.choice(_ALPHA) for _ in range(rng.randint(4, 7))) for _ in range(300)]

    def words(k: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(k))

    return [
        {
            "question": f"In the ledger of {words(6)}, which word did the {words(6)} keep (item {i})?",
            "answer": words(3),
        }
        for i in range(n)
    ]


def to_alpaca(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Question/answer rows as alpaca records: ``{"instruction": q, "input": "", "output": a}``."""
    return [{"instruction": r["question"], "input": "", "output": r["answer"]} for r in rows]


@dataclass
class Phase:
    """One curate -> train -> eval pass."""

    name: str
    train: TrainResult
    eval: EvalResult
    kept_planted: int


@dataclass
class Experiment:
    """Both phases and the setup."""

    planted: list[str]
    contaminated: Phase
    decontaminated: Phase
    setup: dict[str, Any] = field(default_factory=dict)

    def table(self) -> pl.DataFrame:
        """Both phases' ``eval_results`` rows, labelled by phase."""
        return pl.concat(
            [
                p.eval.results.select(pl.lit(p.name).alias("phase"), pl.all())
                for p in (self.contaminated, self.decontaminated)
            ]
        )


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def write_inputs(
    folder: Path, filler: list[dict], planted: list[dict], heldout: list[dict]
) -> None:
    """The three inputs of the experiment's recipe (alpaca records) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_jsonl(folder / "filler.jsonl", filler)
    _write_jsonl(folder / "planted.jsonl", planted)
    _write_jsonl(folder / "heldout.jsonl", heldout)


def _recipe(work: Path, bench_arg: str, decontaminate: bool, preset: str) -> Path:
    steps = "  - step: normalise_v1\n"
    if decontaminate:
        steps += (
            "  - step: decontaminate_v1\n"
            f"    params: {{benchmarks: [{json.dumps(bench_arg)}], preset: {preset}, mode: drop, parts: [text]}}\n"
        )
    steps += "  - step: exact_dedup_v1\n"
    body = f"""version: 1
name: planted-{"decontaminated" if decontaminate else "contaminated"}
seed: 0
inputs:
  - {{name: filler, path: filler.jsonl, layout: alpaca}}
  - {{name: planted, path: planted.jsonl, layout: alpaca}}
  - {{name: heldout, path: heldout.jsonl, layout: alpaca}}
steps:
{steps}mixtures:
  - name: sft
    sources: [filler, planted, heldout]
    holdout_sources: [heldout]
output: {{db: {work / "cleanroom.duckdb"}, parquet_dir: {work / "parquet"}}}
"""
    path = work / "recipe.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def curate_corpus(work: Path, bench_arg: str, decontaminate: bool, preset: str) -> Path:
    """Curate ``work``'s filler/planted/heldout files into ``work/cleanroom.duckdb``; without
    decontamination the kept records are audited afterwards, so the DB holds verdicts either way."""
    from curate.run.export import export_run
    from curate.run.pipeline import run_curate
    from curate.run.recipe import load_recipe

    res = run_curate(load_recipe(_recipe(work, bench_arg, decontaminate, preset)))
    db = work / "cleanroom.duckdb"
    export_run(res, db, work / "parquet")
    if not decontaminate:
        _audit_records(db, bench_arg, preset)
    return db


def _audit_records(db: Path, bench_arg: str, preset: str) -> None:
    """Audit the kept records of a curated DB and write the verdicts into it (``--into-existing``)."""
    from audit.benchmarks import load_benchmark
    from audit.presets import get_preset
    from audit.report import new_run_id, write_db
    from audit.scan import scan, shards_of
    from curate.io.store import read_table

    kept = read_table(
        db,
        "SELECT r.id, r.text FROM records r JOIN decisions d USING (id) WHERE d.keep ORDER BY r.id",
    )
    result = scan([load_benchmark(bench_arg)], shards_of(kept), get_preset(preset))
    write_db(result, db, new_run_id(), into_existing=True)


def _planted_kept(db: Path) -> int:
    from curate.io.store import read_table

    return read_table(
        db, "SELECT count(*) AS n FROM mixtures WHERE mixture = 'sft' AND source = 'planted'"
    )["n"][0]


def run_experiment(
    work: Path,
    bench_rows: list[dict[str, str]],
    filler: list[dict[str, str]],
    heldout: list[dict[str, str]],
    n_plant: int,
    train_cfg: TrainConfig,
    *,
    preset: str = "gpt3",
    eval_opts: EvalOptions | None = None,
    reps: int = 1000,
    seed: int = 0,
) -> Experiment:
    """Run both phases in ``work/contaminated`` and ``work/decontaminated``.

    Args:
        work: a fresh folder.
        bench_rows: the benchmark (``question``, ``answer``); all of them are evaluated.
        filler: instruction records (alpaca fields) trained on in both phases.
        heldout: instruction records for the validation split (eval loss).
        n_plant: how many benchmark items to plant (chosen with ``seed``).
        train_cfg: training options; ``mixture``, ``out``, ``db`` are filled in per phase.
        preset: the contamination preset of the audit and of ``decontaminate_v1``.
        eval_opts: scoring options.
        reps: bootstrap resamples.
        seed: which items are planted.
    """
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    order = list(range(len(bench_rows)))
    rng.shuffle(order)
    planted = sorted(order[:n_plant])
    bench = _write_jsonl(work / "bench.jsonl", bench_rows)
    bench_arg = f"{bench}:question:answer"
    phases = {}
    for name, decon in (("contaminated", False), ("decontaminated", True)):
        d = work / name
        write_inputs(d, filler, to_alpaca([bench_rows[i] for i in planted]), heldout)
        db = curate_corpus(d, bench_arg, decon, preset)
        cfg = replace(train_cfg, mixture="sft", out=d / "model", db=db, evals_db=d / "evals.duckdb")
        trained = train(cfg)
        evaluated = run_eval(
            str(d / "model"),
            bench_arg,
            db,
            evals_db=d / "evals.duckdb",
            opts=eval_opts,
            reps=reps,
            seed=seed,
        )
        phases[name] = Phase(name, trained, evaluated, int(_planted_kept(db)))
    return Experiment(
        planted=[f"bench/file/{i}" for i in planted],
        contaminated=phases["contaminated"],
        decontaminated=phases["decontaminated"],
        setup={
            "benchmark_items": len(bench_rows),
            "planted": n_plant,
            "filler": len(filler),
            "heldout": len(heldout),
            "preset": preset,
        },
    )

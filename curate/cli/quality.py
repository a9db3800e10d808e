"""``cleanroom quality``: train a fastText quality classifier, score a file with any scorer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from curate.cli.console import console

quality_app = typer.Typer(
    help="Quality scoring: train a fastText classifier, score files.", no_args_is_help=True
)


@quality_app.command("train")
def train(
    positive: Annotated[
        Path,
        typer.Option(
            "--positive", help="High-quality examples: .txt (one per line) or any input file."
        ),
    ],
    negative: Annotated[
        Path,
        typer.Option("--negative", help="Other examples: .txt (one per line) or any input file."),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="Model file to write (.bin); a .json sidecar goes next to it."),
    ],
    config: Annotated[
        Path | None,
        typer.Option("--config", help="YAML of training options (labels, n-grams, epochs...)."),
    ] = None,
    positive_field: Annotated[
        str | None, typer.Option(help="Field of --positive to read (default: the record text).")
    ] = None,
    negative_field: Annotated[
        str | None, typer.Option(help="Field of --negative to read (default: the record text).")
    ] = None,
    epoch: Annotated[int | None, typer.Option(help="Overrides the config's epoch.")] = None,
    word_ngrams: Annotated[
        int | None, typer.Option(help="Overrides the config's word_ngrams.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Overrides the config's seed.")] = None,
) -> None:
    """Train a fastText quality classifier and print its held-out precision/recall/AUC.

    Example: cleanroom quality train --positive good.jsonl --negative web.txt --out out/quality.bin
    """
    from curate.lib.quality.fasttext_model import load_train_config, read_texts, train_fasttext

    cfg = load_train_config(config, epoch=epoch, word_ngrams=word_ngrams, seed=seed)
    pos = read_texts(positive, positive_field)
    neg = read_texts(negative, negative_field)
    res = train_fasttext(pos, neg, out, cfg)
    r = res.report
    t = Table("split", "positive", "negative", title="fastText quality classifier")
    t.add_row("train", str(res.train_positive), str(res.train_negative))
    t.add_row("held out", str(res.test_positive), str(res.test_negative))
    console.print(t)
    m = Table(
        "precision",
        "recall",
        "F1",
        "accuracy",
        "AUC",
        title=f"held-out metrics (score >= {r.threshold})",
    )
    m.add_row(
        f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.f1:.3f}", f"{r.accuracy:.3f}", f"{r.auc:.3f}"
    )
    console.print(m)
    console.print(f"trained in {res.seconds:.1f} s; wrote {out} (+ {out}.json)")


@quality_app.command("score")
def score(
    input: Annotated[Path, typer.Argument(help="Input file (.jsonl[.gz], .json, .parquet, .csv).")],
    out: Annotated[
        Path, typer.Option("--out", help="Parquet file: the records plus score columns.")
    ],
    fasttext: Annotated[
        Path | None, typer.Option("--fasttext", help="Score with this fastText model.")
    ] = None,
    hf: Annotated[
        str | None,
        typer.Option("--hf", help="Score with this Hugging Face classifier (id or folder)."),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Texts per batch (transformers).")] = 32,
    max_length: Annotated[int, typer.Option(help="Tokens per text (transformers).")] = 512,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda[:N].")] = "auto",
) -> None:
    """Add quality scores to a file: fastText, a HF classifier, or (default) the offline MiniLM head.

    Example: cleanroom quality score data.jsonl --out scored.parquet --fasttext out/quality.bin
    """
    import polars as pl

    from curate.core.errors import ConfigError
    from curate.io.ingest import read_input
    from curate.lib.quality.batching import run_batched

    if fasttext is not None and hf is not None:
        raise ConfigError("give at most one of --fasttext and --hf")
    if fasttext is not None:
        from curate.lib.quality.fasttext_model import FastTextScorer

        ft = FastTextScorer(fasttext)

        def scorer(texts: list[str]) -> dict:
            return run_batched(
                texts, ft.score_batch, batch_size=4096, by_length=False, desc="fastText"
            )

        family = "quality"
    elif hf is not None:
        from curate.lib.quality.transformer import HFClassifier

        scorer = HFClassifier(hf, device=device, batch_size=batch_size, max_length=max_length).score
        family = "hf_classifier"
    else:
        from curate.lib.quality.minilm_head import MiniLMQualityScorer

        mini = MiniLMQualityScorer(device=device, batch_size=batch_size)

        def scorer(texts: list[str]) -> dict:
            return {"score": mini.score(texts)}

        family = "quality"
    got = read_input(str(input), source=input.stem)
    texts = [t or "" for t in got.records["text"].to_list()]
    t0 = time.perf_counter()
    res = scorer(texts)
    seconds = time.perf_counter() - t0
    frame = got.records.with_columns(
        [pl.Series(f"{family}__{k}", v.tolist()) for k, v in res.items()]
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(out)
    if "score" in res and len(texts):
        q = [
            float(x)
            for x in __import__("numpy").quantile(res["score"].astype(float), [0.1, 0.5, 0.9])
        ]
        console.print(f"{family}__score p10/p50/p90: {q[0]:.3f} / {q[1]:.3f} / {q[2]:.3f}")
    console.print(
        f"scored {len(texts)} records in {seconds:.1f} s ({len(texts) / max(seconds, 1e-9):.0f} records/s); "
        f"{got.quarantine.height} quarantined; wrote {out}"
    )

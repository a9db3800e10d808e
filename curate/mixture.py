"""Mixtures: the rows a training job reads (``mixtures`` table, ``mixture_<name>`` views, Parquet).

This module builds the simple mixture of the walking skeleton: every kept record of the chosen
sources, rendered by the ``plain_v1`` template (instruction records keep their messages; a
document becomes a pretraining row with the text as ``completion``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from curate.schema import MESSAGE, ROW

if TYPE_CHECKING:
    from curate.pipeline import RunResult

MIXTURE_SCHEMA = pl.Schema(
    {
        "mixture": pl.String,
        "row_id": pl.Int64,
        "id": pl.String,
        "source": pl.String,
        "template_id": pl.String,
        "split": pl.String,
        "messages": pl.List(MESSAGE),
        "prompt": pl.String,
        "completion": pl.String,
        "n_tokens": pl.Int64,
    }
)
CHARS_PER_TOKEN = 4  # the labelled estimate used when no tokenizer is configured


def estimate_tokens(expr: pl.Expr) -> pl.Expr:
    """Token estimate from characters (``ceil(chars / 4)``), used without a tokenizer."""
    return (expr.str.len_chars() + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def build_mixtures(result: RunResult) -> dict[str, pl.DataFrame]:
    """One frame per mixture of the recipe, in input order."""
    out = {}
    kept = result.frame.filter(pl.col("keep")).sort(ROW)
    for m in result.recipe.mixtures:
        rows = kept if m.sources is None else kept.filter(pl.col("source").is_in(list(m.sources)))
        prompt = pl.col("messages").list.first().struct.field("content")
        completion = pl.col("messages").list.last().struct.field("content")
        frame = rows.select(
            mixture=pl.lit(m.name),
            row_id=pl.int_range(pl.len(), dtype=pl.Int64),
            id=pl.col("id"),
            source=pl.col("source"),
            template_id=pl.lit(m.template),
            split=pl.lit("train"),
            messages=pl.col("messages"),
            prompt=pl.when(pl.col("kind") == "instruction").then(prompt).otherwise(pl.lit("")),
            completion=pl.when(pl.col("kind") == "instruction")
            .then(completion)
            .otherwise(pl.col("text")),
        ).with_columns(
            n_tokens=estimate_tokens(pl.col("prompt")) + estimate_tokens(pl.col("completion"))
        )
        out[m.name] = frame.cast(dict(MIXTURE_SCHEMA)).select(list(MIXTURE_SCHEMA))
    return out

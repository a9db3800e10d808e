"""The one decision writer: how a row becomes dropped (``keep``, ``stage``, ``drop_reason``,
``detail``), whether the reason comes from an expression (filters) or from a table of ids (dedup,
decontamination, reviewer verdicts).

The rule is the same everywhere: only rows still kept are touched, so the first reason that fired
is the one recorded, and ``stage`` names who dropped the row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import polars as pl

from curate.core.step import Step, StepContext

DECISION_COLUMNS = ("keep", "stage", "drop_reason", "detail")


def decide(hit: pl.Expr, reason: pl.Expr, stage: pl.Expr, detail: pl.Expr) -> list[pl.Expr]:
    """The four decision-column expressions for "drop where ``hit``" (``hit`` must imply kept).

    Example: ``lf.with_columns(decide(pl.col("x") > 3, pl.lit("too_big"), pl.lit("s"), pl.lit(None)))``.
    """
    return [
        pl.when(hit).then(False).otherwise(pl.col("keep")).alias("keep"),
        pl.when(hit).then(reason).otherwise(pl.col("drop_reason")).alias("drop_reason"),
        pl.when(hit).then(stage).otherwise(pl.col("stage")).alias("stage"),
        pl.when(hit).then(detail).otherwise(pl.col("detail")).alias("detail"),
    ]


def filter_step(
    ctx: StepContext,
    reasons: Mapping[str, pl.Expr],
    detail: pl.Expr | Mapping[str, pl.Expr] | None = None,
) -> Step:
    """Build a filter: the first reason whose expression is true drops a row that is still kept.

    Only rows still kept and in the step's scope are touched; the reason names the threshold that
    fired (datatrove returns ``False, "dup_line_frac"``). ``detail`` (a JSON string expression, or
    one per reason: the evidence of :mod:`curate.core.evidence`) is stored with the drop.

    Example: ``filter_step(ctx, {"length__empty_text": pl.col("text").str.strip_chars() == ""})``.
    """
    fired = pl.coalesce([pl.when(expr).then(pl.lit(name)) for name, expr in reasons.items()])
    live = pl.col("keep") & ctx.scope()
    extra = {}
    if isinstance(detail, Mapping):
        # one chain, computed next to the reasons (shared sub-expressions are computed once)
        chain: Any = pl
        for name, expr in reasons.items():
            chain = chain.when(expr).then(detail.get(name, pl.lit(to_json({"rule": name}))))
        extra["_detail"] = pl.when(live).then(chain)
        detail = pl.col("_detail")
    detail = detail if detail is not None else pl.lit(None, pl.String)

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        lf = lf.with_columns(_fired=pl.when(live).then(fired), **extra)
        hit = pl.col("_fired").is_not_null()
        return lf.with_columns(decide(hit, pl.col("_fired"), pl.lit(ctx.key), detail)).drop(
            "_fired", *extra
        )

    return step


def drop_ids(frame: pl.DataFrame, drops: pl.DataFrame, stage: str) -> tuple[pl.DataFrame, int]:
    """Drop the still-kept rows whose ``id`` is in ``drops`` (columns ``id``, ``drop_reason``,
    ``detail``); returns the frame and how many rows this call dropped.

    Used by steps that need the whole frame (dedup, decontamination) and by reviewer verdicts.
    Rows already dropped stay as they were, so the first reason that fired is the one recorded.
    """
    if drops.is_empty() or frame.is_empty():
        return frame, 0
    joined = frame.join(
        drops.select("id", pl.col("drop_reason").alias("_r"), pl.col("detail").alias("_d")),
        on="id",
        how="left",
        maintain_order="left",
    )
    hit = pl.col("_r").is_not_null() & pl.col("keep")
    n = int(joined.select(hit.sum()).item())
    out = joined.with_columns(decide(hit, pl.col("_r"), pl.lit(stage), pl.col("_d")))
    return out.drop("_r", "_d"), n


def drop_rows(frame: pl.DataFrame, ctx: StepContext, drops: pl.DataFrame) -> pl.DataFrame:
    """:func:`drop_ids` with the step's key as the stage."""
    return drop_ids(frame, drops, ctx.key)[0]


def to_json(obj: Any) -> str:
    """Compact, key-sorted JSON used for every ``detail`` and ``stats`` value.

    Example: ``to_json({"b": 1, "a": [2]})`` -> ``'{"a":[2],"b":1}'``.
    """
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

"""Exact deduplication on normalised text.

Records whose :func:`curate.core.textnorm.dedup_key` (case-folded, whitespace-collapsed) is equal form
one cluster; the first in input order is kept, the rest are dropped as ``exact_duplicate`` with
``detail = {cluster_id, representative, jaccard: 1.0}``. Only rows still kept take part, so a row
dropped earlier is never chosen as the representative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl
import xxhash

from curate.core.decisions import drop_rows
from curate.core.records import last_response
from curate.core.schemas import ROW
from curate.core.step import Step, StepContext, register
from curate.core.textnorm import dedup_key
from curate.core.verdicts import apply_cluster_verdicts


@dataclass(frozen=True)
class ExactDedupParams:
    field: Literal["text", "response"] = "text"


def key_hashes(texts: pl.Series) -> pl.Series:
    """64-bit xxh3 of each text's dedup key, as 16 hex digits (null stays null)."""
    return pl.Series(
        [None if t is None else xxhash.xxh3_64_hexdigest(dedup_key(t).encode()) for t in texts],
        dtype=pl.String,
    )


def cluster_rows(frame: pl.DataFrame, method: str) -> pl.DataFrame:
    """From ``id``, ``_row``, ``_key`` rows, the clusters of size > 1 with representatives.

    Returns ``cluster_id, id, is_representative, jaccard, method, representative`` rows.
    """
    return (
        frame.filter(pl.len().over("_key") > 1)
        .sort(ROW)
        .with_columns(
            cluster_id=pl.lit(f"{method}:") + pl.col("_key"),
            representative=pl.col("id").first().over("_key"),
        )
        .with_columns(
            is_representative=pl.col("id") == pl.col("representative"),
            jaccard=pl.lit(1.0),
            method=pl.lit(method),
        )
        .select("cluster_id", "id", "is_representative", "jaccard", "method", "representative")
    )


@register("exact_dedup_v1", kind="dedup", params=ExactDedupParams, reasons=("exact_duplicate",))
def exact_dedup(p: ExactDedupParams, ctx: StepContext) -> Step:
    """Keep the first of each group of records with equal normalised text."""

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        frame = lf.collect()
        source = pl.col("text") if p.field == "text" else last_response()
        live = (
            frame.filter(pl.col("keep") & ctx.scope())
            .select("id", ROW, _key=source.map_batches(key_hashes, return_dtype=pl.String))
            .filter(pl.col("_key").is_not_null())
        )
        clusters = cluster_rows(live, "exact")
        clusters = apply_cluster_verdicts(clusters, ctx.resources)
        ctx.emit("clusters", clusters.drop("representative"))
        drops = clusters.filter(~pl.col("is_representative")).select(
            "id",
            drop_reason=pl.lit("exact_duplicate"),
            detail=pl.struct("cluster_id", "jaccard", "representative").struct.json_encode(),
        )
        return drop_rows(frame, ctx, drops).lazy()

    return step

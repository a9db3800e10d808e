"""Near-duplicate removal with MinHash LSH (``minhash_dedup_v1``).

Only rows still kept and in the step's scope take part. Records whose compared text (``field``)
reaches the Jaccard ``threshold`` with another, directly or through a chain of verified pairs,
form one cluster; the representative (``first``, ``longest`` or highest ``quality__score``) is
kept and the rest are dropped as ``near_duplicate`` with ``detail = {cluster_id, representative,
jaccard}`` (Jaccard with the representative). Every cluster member is written to the ``clusters``
table with ``method = "minhash"``.

Default threshold 0.6 on word 5-grams. 5-gram Jaccard is harsh on short texts: one changed word
in a 40-word answer already costs 5 of its 36 shingles (Jaccard 0.76), two cost about 0.57. At 0.6
(25 bands x 5 rows, verified on 128-value signatures) a copy with Jaccard 0.7 is found with
probability 0.98 and one with 0.8 with probability > 0.9999, while unrelated real texts stay apart
(precision 1.0 on bench/dedup_quality.py, where 0.7 found only 86 % of the planted copies). For
long web documents, 0.7-0.8 (datatrove's 14 x 8 bands sit near 0.72) is the more usual choice.
See docs/DEDUP.md for the measured precision and recall.
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from curate.core.decisions import drop_rows
from curate.core.records import field_text as compared_text
from curate.core.schemas import ROW
from curate.core.step import Step, StepContext, register
from curate.core.verdicts import apply_cluster_verdicts
from curate.lib.dedup.near_dup import MinHashParams, near_duplicates

log = logging.getLogger(__name__)
QUALITY_COLUMN = "quality__score"


@register("minhash_dedup_v1", kind="dedup", params=MinHashParams, reasons=("near_duplicate",))
def minhash_dedup(p: MinHashParams, ctx: StepContext) -> Step:
    """Drop near-duplicates (MinHash LSH, every candidate pair verified); keep one per cluster."""

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        frame = lf.collect()
        has_quality = QUALITY_COLUMN in frame.columns
        if p.representative == "quality" and not has_quality:
            log.warning(
                "%s: representative='quality' but no %s column; keeping the first",
                ctx.key,
                QUALITY_COLUMN,
            )
        cols = ["id", ROW, compared_text(p.field).alias("_text")]
        if has_quality:
            cols.append(pl.col(QUALITY_COLUMN).cast(pl.Float64).alias("_score"))
        live = (
            frame.filter(pl.col("keep") & ctx.scope())
            .select(cols)
            .filter(pl.col("_text").is_not_null())
        )
        scores = live["_score"].to_numpy() if has_quality else None
        result = near_duplicates(live["_text"], p, scores=scores)
        ids = live["id"].to_numpy()
        member = np.flatnonzero(result.cluster_size > 1)
        clusters = pl.DataFrame(
            {
                "cluster_id": pl.Series(ids[result.label[member]], dtype=pl.String),
                "id": pl.Series(ids[member], dtype=pl.String),
                "is_representative": result.is_representative[member],
                "jaccard": result.jaccard[member],
                "representative": pl.Series(ids[result.representative[member]], dtype=pl.String),
            },
            schema={
                "cluster_id": pl.String,
                "id": pl.String,
                "is_representative": pl.Boolean,
                "jaccard": pl.Float64,
                "representative": pl.String,
            },
        ).with_columns(
            cluster_id=pl.lit("minhash:") + pl.col("cluster_id"), method=pl.lit("minhash")
        )
        clusters = apply_cluster_verdicts(clusters, ctx.resources)
        ctx.emit(
            "clusters",
            clusters.select("cluster_id", "id", "is_representative", "jaccard", "method"),
        )
        drops = clusters.filter(~pl.col("is_representative")).select(
            "id",
            drop_reason=pl.lit("near_duplicate"),
            detail=pl.struct(
                "cluster_id", pl.col("jaccard").round(4), "representative"
            ).struct.json_encode(),
        )
        s = result.stats
        ctx.resources.setdefault("notes", {}).setdefault("summary_lines", []).append(
            f"{ctx.key}: {s['records']} records compared, {s['candidate_pairs']} candidate pairs, "
            f"{s['verified_pairs']} verified, {s['clusters']} clusters, {s['duplicates']} near-duplicates "
            f"({s['bands']} bands x {s['rows']} rows, {s['seconds']:.2f} s)"
        )
        return drop_rows(frame, ctx, drops).lazy()

    return step

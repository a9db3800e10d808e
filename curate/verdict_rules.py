"""What reviewer verdicts mean, per match: precedence, per-reviewer views, and how curate obeys them.

Pure functions of Polars frames (no file access), shared by the review app and the pipeline.

- **Per match.** A contamination verdict is about one (record, benchmark item) match. The verdict
  in force for a match is its latest one (:func:`curate.reviews.latest_per_match`). A
  ``false_positive`` clears only that match: a record is kept by the decontamination step only
  when *every* match that would drop it is reviewed ``false_positive``
  (:func:`cleared_records`); a record with one unreviewed (or ``unsure``) dropping match stays
  dropped, and is counted (:func:`held_records`).
- **Clusters.** A duplicate-cluster member's verdict is ``keep`` (it becomes the copy its cluster
  keeps), ``drop`` (dropped before any step, reason ``reviewer_dropped``), ``false_positive`` ("not
  a duplicate": it leaves the cluster and is kept by dedup) or ``unsure`` (nothing changes):
  :func:`obey_cluster_verdicts`.
- **Records.** A record verdict ``keep`` overrides any step's drop of that record (it is restored
  right after the step, so later steps still see it); ``drop`` drops it before any step.
- **Reviewers.** :func:`per_reviewer` takes each reviewer's latest verdict per match;
  :func:`disagreements` lists matches whose reviewers disagree.

Example: record ``r`` matches items 1 (100 % coverage) and 2 (a shared phrase); a reviewer marks
the match with item 2 ``false_positive``. ``cleared_records`` does not contain ``r`` (item 1 is
unreviewed), so the next curate still drops ``r``; ``held_records`` counts it.
"""

from __future__ import annotations

import polars as pl

MATCH_KEYS = ["target_kind", "target_id", "benchmark", "item_id"]
REVIEWER_DROPPED = "reviewer_dropped"
# Audit verdicts of a contamination row that make the decontamination step drop a record.
DIRTY_VERDICTS = ("dirty", "not_clean")


def _match_frame(hits: pl.DataFrame) -> pl.DataFrame:
    """Distinct (id, benchmark, item_id) of contamination hits."""
    return hits.select("id", "benchmark", pl.col("item_id").cast(pl.String)).unique()


def _with_verdicts(hits: pl.DataFrame, per_match: pl.DataFrame) -> pl.DataFrame:
    """``hits`` (id, benchmark, item_id) with the contamination verdict in force per match."""
    mv = per_match.filter(pl.col("target_kind") == "contamination").select(
        pl.col("target_id").alias("id"), "benchmark", "item_id", "verdict"
    )
    return _match_frame(hits).join(mv, on=["id", "benchmark", "item_id"], how="left")


def cleared_records(hits: pl.DataFrame, per_match: pl.DataFrame) -> set[str]:
    """Records whose every dropping match is reviewed ``false_positive`` (kept by decontamination).

    ``hits``: the contamination rows that would drop a record (id, benchmark, item_id);
    ``per_match``: the latest verdict per match (``latest_per_match``).

    Example: hits ``[(r, b, 1), (r, b, 2)]`` with ``false_positive`` on ``(r, b, 2)`` only -> ``set()``;
    with ``false_positive`` on both -> ``{"r"}``.
    """
    if hits.is_empty():
        return set()
    per_record = (
        _with_verdicts(hits, per_match)
        .group_by("id")
        .agg(cleared=(pl.col("verdict") == "false_positive").fill_null(False).all())
    )
    return set(per_record.filter(pl.col("cleared"))["id"].to_list())


def held_records(hits: pl.DataFrame, per_match: pl.DataFrame) -> set[str]:
    """Records with at least one ``false_positive`` match that stay dropped because another
    dropping match of theirs is not reviewed ``false_positive`` (unreviewed, unsure or confirmed).

    Example: hits ``[(r, b, 1), (r, b, 2)]``, ``false_positive`` on ``(r, b, 2)`` -> ``{"r"}``.
    """
    if hits.is_empty():
        return set()
    per_record = (
        _with_verdicts(hits, per_match)
        .with_columns(fp=(pl.col("verdict") == "false_positive").fill_null(False))
        .group_by("id")
        .agg(any_fp=pl.col("fp").any(), all_fp=pl.col("fp").all())
    )
    return set(per_record.filter(pl.col("any_fp") & ~pl.col("all_fp"))["id"].to_list())


def per_reviewer(reviews: pl.DataFrame) -> pl.DataFrame:
    """Each reviewer's latest verdict per match: one row per (match, reviewer).

    Example: ada says ``unsure`` then ``confirmed`` on a match, bob ``false_positive``
    -> two rows: ada ``confirmed``, bob ``false_positive``.
    """
    return (
        reviews.sort(["created_at", "review_id"])
        .group_by([*MATCH_KEYS, "reviewer"], maintain_order=True)
        .last()
    )


def disagreements(reviews: pl.DataFrame) -> pl.DataFrame:
    """Matches whose reviewers' latest verdicts differ (``unsure`` counts as a verdict).

    Columns: the match keys, ``reviewers`` (count), ``verdicts`` (``"ada: confirmed · bob:
    false_positive"``), ``latest`` (the verdict in force) and ``updated_at``.
    """
    pr = per_reviewer(reviews)
    if pr.is_empty():
        return pl.DataFrame(
            schema={
                **{k: pl.String for k in MATCH_KEYS},
                "reviewers": pl.UInt32,
                "verdicts": pl.String,
                "latest": pl.String,
                "updated_at": reviews.schema.get("created_at", pl.Datetime("us", "UTC")),
            }
        )
    return (
        pr.sort("created_at")
        .group_by(MATCH_KEYS, maintain_order=True)
        .agg(
            reviewers=pl.col("reviewer").n_unique(),
            distinct=pl.col("verdict").n_unique(),
            verdicts=pl.concat_str("reviewer", pl.lit(": "), "verdict").str.join(" · "),
            latest=pl.col("verdict").last(),
            updated_at=pl.col("created_at").max(),
        )
        .filter(pl.col("distinct") > 1)
        .drop("distinct")
        .sort("updated_at", descending=True)
    )


def progress(reviews: pl.DataFrame, targets: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Per reviewer: how many of ``targets`` (target_id, benchmark, item_id) they reviewed.

    Columns ``reviewer``, ``reviewed``, ``total``; an ``(all)`` row counts matches anyone
    reviewed.

    Example: 10 matches, ada reviewed 3, bob 2 of them (one in common) -> ada 3/10, bob 2/10,
    (all) 4/10.
    """
    total = targets.height
    keys = ["target_id", "benchmark", "item_id"]
    mine = (
        reviews.filter(pl.col("target_kind") == kind)
        .select(*keys, "reviewer")
        .unique()
        .join(targets.select(keys).unique(), on=keys, how="semi", nulls_equal=True)
    )
    rows = (
        mine.group_by("reviewer")
        .agg(reviewed=pl.len())
        .sort("reviewer")
        .with_columns(total=pl.lit(total, pl.UInt32))
    )
    anyone = mine.select(keys).unique().height
    all_row = pl.DataFrame(
        {"reviewer": ["(all)"], "reviewed": [anyone], "total": [total]},
        schema=rows.schema,
    )
    return pl.concat([rows, all_row])


def verdict_ids(verdicts: pl.DataFrame, kind: str, verdict: str) -> set[str]:
    """Target ids of ``kind`` whose verdict in force is ``verdict`` (from ``latest_per_match``).

    Example: ``verdict_ids(v, "cluster", "keep")`` -> ``{"ab12"}``.
    """
    if verdicts is None or verdicts.is_empty():
        return set()
    rows = verdicts.filter((pl.col("target_kind") == kind) & (pl.col("verdict") == verdict))
    return set(rows["target_id"].to_list())


def obey_cluster_verdicts(
    clusters: pl.DataFrame, verdicts: pl.DataFrame | None
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Apply cluster-member verdicts to one dedup step's clusters before it drops anything.

    ``clusters`` has ``cluster_id``, ``id``, ``is_representative`` (and more). A member marked
    ``false_positive`` ("not a duplicate") leaves its cluster (kept by this step); a member marked
    ``keep`` becomes its cluster's kept copy (with other ``keep`` members: each is kept), and the
    previous representative becomes a member. Returns the clusters and counts
    ``{"not_duplicate": n, "kept_by_reviewer": n}``.

    Example: cluster ``c`` = rep ``a``, member ``b``; ``keep`` on ``b`` -> ``b`` representative,
    ``a`` member (dropped by the step).
    """
    counts = {"not_duplicate": 0, "kept_by_reviewer": 0}
    if verdicts is None or verdicts.is_empty() or clusters.is_empty():
        return clusters, counts
    not_dup = verdict_ids(verdicts, "cluster", "false_positive")
    keep = verdict_ids(verdicts, "cluster", "keep")
    out = clusters.filter(~(pl.col("id").is_in(list(not_dup)) & ~pl.col("is_representative")))
    counts["not_duplicate"] = clusters.height - out.height
    kept = pl.col("id").is_in(list(keep))
    has_keep = kept.any().over("cluster_id")
    changed = out.filter(has_keep & kept & ~pl.col("is_representative")).height
    out = out.with_columns(
        is_representative=pl.when(has_keep).then(kept).otherwise(pl.col("is_representative"))
    )
    if "representative" in out.columns:
        first_keep = pl.col("id").filter(kept).first().over("cluster_id")
        out = out.with_columns(
            representative=pl.when(has_keep).then(first_keep).otherwise(pl.col("representative"))
        )
    counts["kept_by_reviewer"] = changed
    return out, counts

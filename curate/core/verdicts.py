"""Reviewer verdicts: the vocabulary, the one precedence rule, and what each verdict makes the
next ``curate`` do (used by curate, the app and the decontamination step alike).

The reviews log holds one row per verdict (append-only). The verdict in force for a match is its
latest one (a reviewer may change their mind): :func:`latest_per_match`. Several states fold into
one with :data:`RANK` (``confirmed > unsure > unreviewed > false_positive``): :func:`fold_status`,
:func:`fold_per_target`.

- **Per match (issue 15).** A ``false_positive`` clears only the match it was given on: a record is
  kept by the decontamination step only when *every* match that would drop it is reviewed
  ``false_positive`` (:func:`cleared_records`); one unreviewed (or ``unsure``) dropping match
  keeps it dropped, and such records are counted (:func:`held_records`). One ``confirmed`` match
  drops the record before any step runs.
- **Cluster members.** ``keep`` (it becomes the copy its cluster keeps), ``drop`` (dropped before
  any step, reason ``reviewer_dropped``), ``false_positive`` ("not a duplicate": it leaves the
  cluster) or ``unsure``: :func:`obey_cluster_verdicts`.
- **Records.** ``keep`` overrides any step's drop of the record (restored right after the step,
  so later steps still judge it: :func:`restore_reviewer_keeps`); ``drop`` drops it before any
  step (:func:`reviewer_drops`).
- **Reviewers.** :func:`per_reviewer`, :func:`disagreements`, :func:`progress`.

Example: record ``r`` matches items 1 (100 % coverage) and 2 (a shared phrase); a reviewer marks
the match with item 2 ``false_positive``. ``cleared_records`` does not contain ``r`` (item 1 is
unreviewed), so the next curate still drops ``r``; ``held_records`` counts it.
"""

from __future__ import annotations

import polars as pl

TARGET_KINDS = ("contamination", "cluster", "record")
VERDICTS = ("confirmed", "false_positive", "unsure")  # contamination verdicts
# Which verdicts each kind of target takes: a cluster member can be kept (it becomes the copy its
# cluster keeps), dropped, or said not to be a duplicate (``false_positive``); a record kept or
# dropped whatever the steps say.
KIND_VERDICTS = {
    "contamination": VERDICTS,
    "cluster": ("keep", "drop", "false_positive", "confirmed", "unsure"),
    "record": ("keep", "drop", "unsure"),
}
# The one precedence of review states, wherever several fold into one (a record with several
# matches, an item with several matching records): a confirmed match makes the whole confirmed; an
# unreviewed one keeps it from being cleared.
RANK = {"confirmed": 0, "unsure": 1, "unreviewed": 2, "false_positive": 3}
VERDICT_COLUMNS = [
    "target_kind",
    "target_id",
    "verdict",
    "reviewer",
    "note",
    "created_at",
    "benchmark",
    "item_id",
]
MATCH_KEYS = ["target_kind", "target_id", "benchmark", "item_id"]
REVIEWER_DROPPED = "reviewer_dropped"
# Audit verdicts of a contamination row that make the decontamination step drop a record.
DIRTY_VERDICTS = ("dirty", "not_clean")


def latest_per_match(reviews: pl.DataFrame) -> pl.DataFrame:
    """The latest verdict per (target_kind, target_id, benchmark, item_id).

    Example: two verdicts on record ``r`` x item ``gsm8k/7`` (``unsure`` then ``confirmed``)
    -> one row, ``confirmed``.
    """
    return (
        reviews.sort(["created_at", "review_id"])
        .group_by(MATCH_KEYS, maintain_order=True)
        .last()
        .select(VERDICT_COLUMNS)
    )


def rank_expr(column: str = "verdict", default: int = 1) -> pl.Expr:
    """The precedence rank of a verdict column (lower wins); unknown values get ``default``."""
    return pl.col(column).replace_strict(RANK, default=default, return_dtype=pl.Int8)


def fold_per_target(per_match: pl.DataFrame) -> pl.DataFrame:
    """One row per (target_kind, target_id): ``confirmed > unsure > false_positive``.

    The row kept is the deciding verdict (its reviewer, note, benchmark, item); ``created_at`` is
    that verdict's time.
    """
    return (
        per_match.with_columns(_rank=rank_expr())
        .sort(
            ["target_kind", "target_id", "_rank", "created_at"],
            descending=[False, False, False, True],
        )
        .group_by(["target_kind", "target_id"], maintain_order=True)
        .first()
        .drop("_rank")
        .select(VERDICT_COLUMNS)
    )


def in_force(reviews: pl.DataFrame) -> pl.DataFrame:
    """The verdict in force per target (both steps above)."""
    return fold_per_target(latest_per_match(reviews))


def ids_with(verdicts: pl.DataFrame | None, verdict: str, kind: str = "contamination") -> set[str]:
    """Target ids whose verdict in force (a frame from :func:`in_force`) is ``verdict``.

    Example: ``ids_with(in_force(reviews), "false_positive")`` -> ``{"ab12"}``.
    """
    if verdicts is None or verdicts.is_empty():
        return set()
    rows = verdicts.filter((pl.col("target_kind") == kind) & (pl.col("verdict") == verdict))
    return set(rows["target_id"].to_list())


def fold_status(status: pl.Expr) -> pl.Expr:
    """The folded status of several review states (an aggregation): the one ranked first in
    :data:`RANK`.

    Example: ``["false_positive", "unreviewed"]`` -> ``"unreviewed"``; ``["unsure", "confirmed"]``
    -> ``"confirmed"``.
    """
    back = {v: k for k, v in RANK.items()}
    rank = status.replace_strict(RANK, default=RANK["unreviewed"], return_dtype=pl.Int8)
    return rank.min().replace_strict(back, return_dtype=pl.String)


def per_match_latest(verdicts: pl.DataFrame | None) -> pl.DataFrame:
    """The verdict in force per (target_kind, target_id, benchmark, item_id): the latest one.

    Tolerant of frames without ``benchmark``/``item_id`` (a verdict on a whole record) or
    ``created_at`` (row order is time order).

    Example: ``(r, b, 7)`` ``unsure`` then ``confirmed`` -> one row ``confirmed``.
    """
    if verdicts is None or not isinstance(verdicts, pl.DataFrame) or verdicts.is_empty():
        return pl.DataFrame(schema={**{k: pl.String for k in MATCH_KEYS}, "verdict": pl.String})
    v = verdicts.with_row_index("_order")
    for col in ("benchmark", "item_id"):
        if col not in v.columns:
            v = v.with_columns(pl.lit(None, pl.String).alias(col))
    order = ["created_at", "_order"] if "created_at" in v.columns else ["_order"]
    return (
        v.with_columns(pl.col("item_id").cast(pl.String), pl.col("benchmark").cast(pl.String))
        .sort(order)
        .group_by(MATCH_KEYS, maintain_order=True)
        .agg(pl.col("verdict").last())
    )


def latest_by_target(verdicts: pl.DataFrame | None, kind: str) -> dict[str, str]:
    """The latest verdict per target of one kind, whatever item it was given on (a cluster
    member's verdict holds in later runs, whose cluster ids may differ).

    Example: member ``m``: ``keep`` then ``drop`` -> ``{"m": "drop"}``.
    """
    if verdicts is None or verdicts.is_empty():
        return {}
    v = verdicts.with_row_index("_order").filter(pl.col("target_kind") == kind)
    order = ["created_at", "_order"] if "created_at" in v.columns else ["_order"]
    last = v.sort(order).group_by("target_id", maintain_order=True).agg(pl.col("verdict").last())
    return dict(last.iter_rows())


def _match_frame(hits: pl.DataFrame) -> pl.DataFrame:
    """Distinct (id, benchmark, item_id) of contamination hits."""
    return hits.select(
        "id", pl.col("benchmark").cast(pl.String), pl.col("item_id").cast(pl.String)
    ).unique()


def _with_verdicts(hits: pl.DataFrame, per_match: pl.DataFrame) -> pl.DataFrame:
    """``hits`` (id, benchmark, item_id) with the contamination verdict in force per match.

    A verdict with no benchmark and item (given on the whole record) applies to every match of
    the record that has no verdict of its own.
    """
    mv = per_match.filter(pl.col("target_kind") == "contamination")
    own = mv.filter(pl.col("item_id").is_not_null()).select(
        pl.col("target_id").alias("id"), "benchmark", "item_id", "verdict"
    )
    wide = mv.filter(pl.col("item_id").is_null() & pl.col("benchmark").is_null()).select(
        pl.col("target_id").alias("id"), pl.col("verdict").alias("_wide")
    )
    return (
        _match_frame(hits)
        .join(own, on=["id", "benchmark", "item_id"], how="left")
        .join(wide.unique("id", keep="last"), on="id", how="left")
        .with_columns(verdict=pl.coalesce("verdict", "_wide"))
        .drop("_wide")
    )


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


def obey_cluster_verdicts(
    clusters: pl.DataFrame, verdicts: dict[str, str] | None
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Apply cluster-member verdicts to one dedup step's clusters before it drops anything.

    ``clusters`` has ``cluster_id``, ``id``, ``is_representative`` (and more); ``verdicts`` maps a
    member id to its latest cluster verdict (:func:`latest_by_target`). A member marked
    ``false_positive`` ("not a duplicate") leaves its cluster (kept by this step); a member marked
    ``keep`` becomes its cluster's kept copy (with other ``keep`` members: each is kept), and the
    previous representative becomes a member. Returns the clusters and counts
    ``{"not_duplicate": n, "kept_by_reviewer": n}``.

    Example: cluster ``c`` = rep ``a``, member ``b``; ``{"b": "keep"}`` -> ``b`` representative,
    ``a`` a member (dropped by the step).
    """
    counts = {"not_duplicate": 0, "kept_by_reviewer": 0}
    if not verdicts or clusters.is_empty():
        return clusters, counts
    not_dup = [k for k, v in verdicts.items() if v == "false_positive"]
    keep = [k for k, v in verdicts.items() if v == "keep"]
    out = clusters.filter(~(pl.col("id").is_in(not_dup) & ~pl.col("is_representative")))
    counts["not_duplicate"] = clusters.height - out.height
    kept = pl.col("id").is_in(keep)
    has_keep = kept.any().over("cluster_id")
    counts["kept_by_reviewer"] = out.filter(has_keep & kept & ~pl.col("is_representative")).height
    if "representative" in out.columns:
        first_keep = pl.col("id").filter(kept).first().over("cluster_id")
        out = out.with_columns(
            representative=pl.when(has_keep).then(first_keep).otherwise(pl.col("representative"))
        )
    out = out.with_columns(
        is_representative=pl.when(has_keep).then(kept).otherwise(pl.col("is_representative"))
    )
    return out, counts


def reviewer_drops(frame: pl.DataFrame, targets: dict[str, dict[str, str]]) -> pl.DataFrame:
    """``id, drop_reason, detail`` for kept records a reviewer said to drop (record or cluster
    verdict ``drop``), applied before any step runs.

    Example: ``{"record": {"r1": "drop"}, "cluster": {"r2": "keep"}}`` -> one row for ``r1``.
    """
    rows = [
        (rid, kind)
        for kind in ("record", "cluster")
        for rid, v in (targets.get(kind) or {}).items()
        if v == "drop"
    ]
    ids = pl.DataFrame(rows, schema={"id": pl.String, "_kind": pl.String}, orient="row")
    return (
        frame.filter(pl.col("keep"))
        .select("id")
        .join(ids.unique("id"), on="id")
        .select(
            "id",
            drop_reason=pl.lit(REVIEWER_DROPPED),
            detail=pl.format(
                '{{"rule":"{}","verdict":"drop","target_kind":"{}"}}',
                pl.lit(REVIEWER_DROPPED),
                "_kind",
            ),
        )
    )


def restore_reviewer_keeps(
    before: pl.DataFrame, after: pl.DataFrame, keep_ids: list[str]
) -> tuple[pl.DataFrame, int]:
    """Undo a step's drops of records a reviewer said to keep (record verdict ``keep``).

    The record is restored right after the step, so later steps still judge it; the step's
    reason is kept in ``detail`` (``{"overridden": reason}``). Returns the frame and the count.

    Example: a step drops ``r1`` as ``length__min_words``, ``keep_ids=["r1"]`` -> ``r1`` kept.
    """
    if not keep_ids:
        return after, 0
    hit = before["keep"] & ~after["keep"] & after["id"].is_in(keep_ids)
    n = int(hit.sum())
    if not n:
        return after, 0
    out = after.with_columns(
        detail=pl.when(hit)
        .then(pl.format('{{"overridden":"{}","by":"reviewer keep"}}', pl.col("drop_reason")))
        .otherwise(pl.col("detail")),
        keep=pl.when(hit).then(True).otherwise(pl.col("keep")),
        drop_reason=pl.when(hit).then(None).otherwise(pl.col("drop_reason")),
        stage=pl.when(hit).then(None).otherwise(pl.col("stage")),
    )
    return out, n


def apply_cluster_verdicts(clusters: pl.DataFrame, resources: dict) -> pl.DataFrame:
    """:func:`obey_cluster_verdicts` with the run's cluster verdicts (``resources
    ["target_verdicts"]["cluster"]``), counted into ``resources["notes"]`` (``not_duplicate``,
    ``cluster_kept``). A dedup step calls it on its clusters before it drops anything."""
    verdicts = (resources.get("target_verdicts") or {}).get("cluster")
    out, counts = obey_cluster_verdicts(clusters, verdicts)
    if any(counts.values()):
        notes = resources.setdefault("notes", {})
        notes["not_duplicate"] = notes.get("not_duplicate", 0) + counts["not_duplicate"]
        notes["cluster_kept"] = notes.get("cluster_kept", 0) + counts["kept_by_reviewer"]
    return out

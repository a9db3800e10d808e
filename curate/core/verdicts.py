"""Reviewer verdicts: the vocabulary and the one precedence rule (used by curate, the app and the
decontamination step alike).

The reviews log holds one row per verdict (append-only). The verdict in force is found in two
steps: the latest verdict per (target, benchmark, item) — a reviewer may change their mind — then
one per target with ``confirmed > unsure > false_positive``: one confirmed match is enough to drop
a record, and a record is a false positive only when every reviewed match of it is.

Example: record ``r`` with ``false_positive`` on item 1 and ``confirmed`` on item 2 -> ``confirmed``.
"""

from __future__ import annotations

import polars as pl

TARGET_KINDS = ("contamination", "cluster", "record")
VERDICTS = ("confirmed", "false_positive", "unsure")
RANK = {"confirmed": 0, "unsure": 1, "false_positive": 2}
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

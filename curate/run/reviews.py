"""How a ``curate`` run obeys reviewer verdicts (read from the reviews store at start).

- ``target_kind="contamination"``: ``confirmed`` drops the record with reason
  ``reviewer_confirmed_contamination`` (stage ``reviews``) before any step runs;
  ``false_positive`` clears the match it was given on: the decontamination step keeps the record
  only when every match that would drop it is a false positive; ``unsure`` changes nothing.
- ``target_kind="cluster"`` (a duplicate-cluster member): ``keep`` makes it the copy its cluster
  keeps, ``drop`` drops it before any step (``reviewer_dropped``), ``false_positive`` takes it out
  of its cluster (not a duplicate). ``target_kind="record"``: ``keep`` overrides any step's drop,
  ``drop`` drops it before any step. See :mod:`curate.core.verdicts`.

The verdict in force per target follows the one rule of :mod:`curate.core.verdicts`.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from curate.core.decisions import drop_ids
from curate.core.verdicts import ids_with

CONFIRMED_REASON = "reviewer_confirmed_contamination"
STAGE = "reviews"


def apply_confirmed(frame: pl.DataFrame, verdicts: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Drop still-kept records whose contamination verdict is ``confirmed``.

    Sets ``keep=False``, ``stage="reviews"``, ``drop_reason="reviewer_confirmed_contamination"`` and
    a ``detail`` JSON with the reviewer, note, benchmark and item. Returns the frame and the number
    of records dropped.
    """
    confirmed = verdicts.filter(
        (pl.col("target_kind") == "contamination") & (pl.col("verdict") == "confirmed")
    )
    drops = confirmed.select(
        pl.col("target_id").alias("id"),
        pl.lit(CONFIRMED_REASON).alias("drop_reason"),
        pl.struct(
            "reviewer",
            "note",
            "benchmark",
            "item_id",
            pl.col("created_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("reviewed_at"),
        )
        .struct.json_encode()
        .alias("detail"),
    )
    return drop_ids(frame, drops, STAGE)


def false_positives_kept(
    frame: pl.DataFrame, verdicts: pl.DataFrame, contamination: pl.DataFrame | None
) -> int:
    """Kept records with a ``false_positive`` verdict that the audit flagged again in this run.

    Used when the decontamination step did not report its own count.
    """
    ids = ids_with(verdicts, "false_positive")
    if not ids or contamination is None or contamination.is_empty():
        return 0
    flagged = set(contamination["id"].to_list()) & ids
    if not flagged:
        return 0
    return int(frame.filter(pl.col("keep") & pl.col("id").is_in(list(flagged))).height)


def summary_line(notes: dict[str, Any]) -> str:
    """The run-summary line, e.g. ``reviews: 5 verdicts (out/reviews.duckdb); 2 records dropped as
    reviewer-confirmed contamination; 1 false positive kept though flagged again; 1 record with a
    false-positive match stays dropped because of unreviewed matches; 1 cluster member(s) kept as
    not a duplicate``."""
    plural = "s" if notes["verdicts"] != 1 else ""
    fp = notes["false_positive_kept"]
    line = (
        f"reviews: {notes['verdicts']} verdict{plural} ({notes['reviews_db']}); "
        f"{notes['confirmed_dropped']} record{'s' if notes['confirmed_dropped'] != 1 else ''} dropped as "
        f"reviewer-confirmed contamination ({CONFIRMED_REASON}); "
        f"{fp} false positive{'s' if fp != 1 else ''} kept though flagged again"
    )
    held = notes.get("held_by_unreviewed", 0)
    if held:
        line += (
            f"; {held} record{'s' * (held != 1)} with a false-positive match stay dropped because "
            "of unreviewed matches"
        )
    extra = [
        (notes.get("not_duplicate", 0), "cluster member(s) kept as not a duplicate"),
        (notes.get("cluster_kept", 0), "cluster member(s) made the kept copy"),
        (notes.get("reviewer_dropped", 0), "record(s) dropped by a reviewer (reviewer_dropped)"),
        (notes.get("record_kept", 0), "record(s) kept over a step's drop"),
    ]
    shown = [f"{n} {what}" for n, what in extra if n]
    if shown:
        line += "; " + "; ".join(shown)
    return line

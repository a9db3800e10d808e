"""Reviewer verdicts: the ``reviews`` table of ``out/reviews.duckdb`` and how ``curate`` obeys it.

The review app writes one row per verdict (an append-only log; nothing is updated in place), and
the next ``curate`` run reads the latest verdict per target at start:

- ``target_kind="contamination"``, ``target_id`` = a corpus record id (with the ``benchmark`` and
  ``item_id`` of the match reviewed). ``confirmed`` drops the record with reason
  ``reviewer_confirmed_contamination`` (stage ``reviews``) before any step runs;
  ``false_positive`` tells the decontamination step to keep the record even if the audit flags it
  again; ``unsure`` changes nothing.
- ``target_kind="cluster"`` (a duplicate-cluster member) and ``"record"`` verdicts are recorded for
  analysis; ``curate`` does not act on them yet.

Verdicts live in their own file, never in the curation DB, so a ``curate`` run (which replaces the
curation DB) never loses them, and record ids are content hashes, so a verdict still applies to the
same record in later runs.

One target can have several verdicts (a record matching two benchmark items, or a reviewer changing
their mind). :func:`latest_verdicts` takes the latest verdict per (target, benchmark, item) and then
folds them per target with ``confirmed > unsure > false_positive``: one confirmed match is enough
to drop a record, and a record is a false positive only when every reviewed match of it is.

Example::

    record_verdict("out/reviews.duckdb", "contamination", "3f2a...", "confirmed",
                   reviewer="ada", note="verbatim GSM8K question", benchmark="gsm8k", item_id="17")
    latest_verdicts("out/reviews.duckdb")  # one row per (target_kind, target_id)
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl

from curate.errors import ConfigError, InputError
from curate.export import query_frame
from curate.verdict_rules import STATUS_RANK

TARGET_KINDS = ("contamination", "cluster", "record")
VERDICTS = ("confirmed", "false_positive", "unsure")  # contamination verdicts
# Which verdicts each kind of target takes: a cluster member can be kept (it becomes the copy its
# cluster keeps), dropped, or said not to be a duplicate (``false_positive``); a record kept or
# dropped whatever the steps say.
KIND_VERDICTS = {
    "contamination": ("confirmed", "false_positive", "unsure"),
    "cluster": ("keep", "drop", "false_positive", "confirmed", "unsure"),
    "record": ("keep", "drop", "unsure"),
}
CONFIRMED_REASON = "reviewer_confirmed_contamination"
STAGE = "reviews"

REVIEWS_SCHEMA = pl.Schema(
    {
        "review_id": pl.String,
        "target_kind": pl.String,
        "target_id": pl.String,
        "verdict": pl.String,
        "reviewer": pl.String,
        "note": pl.String,
        "created_at": pl.Datetime("us", "UTC"),
        "benchmark": pl.String,
        "item_id": pl.String,
        "run_id": pl.String,
    }
)
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

_DDL = """
CREATE TABLE IF NOT EXISTS reviews (
    review_id   VARCHAR PRIMARY KEY,
    target_kind VARCHAR NOT NULL,
    target_id   VARCHAR NOT NULL,
    verdict     VARCHAR NOT NULL,
    reviewer    VARCHAR NOT NULL,
    note        VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL,
    benchmark   VARCHAR,
    item_id     VARCHAR,
    run_id      VARCHAR
)
"""
# One DuckDB file cannot be open read-only and read-write in the same process at once, and another
# process (the app, a curate run) may hold it for a moment: serialise here and retry briefly.
_LOCK = threading.RLock()
_T = TypeVar("_T")


def is_transient(e: Exception) -> bool:
    """A DuckDB error worth retrying: another process or connection holds the file for a moment.

    Example: ``IOException("Could not set lock on file ...")`` -> True; ``IOException("... is not a
    valid DuckDB database file")`` -> False.
    """
    msg = str(e).lower()
    return "lock" in msg or "different configuration" in msg


def _retry(fn: Callable[[], _T], attempts: int = 20, wait: float = 0.05) -> _T:
    """Call ``fn``, retrying on DuckDB lock/IO errors (another process holds the file briefly)."""
    for i in range(attempts):
        try:
            with _LOCK:
                return fn()
        except (duckdb.IOException, duckdb.ConnectionException) as e:
            if i == attempts - 1 or not is_transient(e):
                raise
            time.sleep(wait * (1 + i))
    raise AssertionError("unreachable")  # pragma: no cover


def record_verdict(
    path: str | Path,
    target_kind: str,
    target_id: str,
    verdict: str,
    reviewer: str,
    note: str = "",
    *,
    benchmark: str | None = None,
    item_id: str | None = None,
    run_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """Append one verdict to the reviews DB (created if missing) and return its ``review_id``.

    Raises:
        ConfigError: unknown ``target_kind`` or ``verdict``, empty reviewer or target id.

    Example: ``record_verdict(p, "contamination", "ab12", "false_positive", "ada",
    benchmark="gsm8k", item_id="7")`` -> ``"5b0c..."`` (a uuid4 hex).
    """
    return record_verdicts(
        path,
        [
            {
                "target_kind": target_kind,
                "target_id": target_id,
                "verdict": verdict,
                "reviewer": reviewer,
                "note": note,
                "benchmark": benchmark,
                "item_id": item_id,
                "run_id": run_id,
            }
        ],
        now=now,
    )[0]


def _check_verdict(row: dict[str, Any]) -> None:
    kind, verdict = row.get("target_kind"), row.get("verdict")
    if kind not in TARGET_KINDS:
        raise ConfigError(f"unknown target_kind {kind!r} (one of {', '.join(TARGET_KINDS)})")
    if verdict not in KIND_VERDICTS[kind]:
        raise ConfigError(
            f"unknown verdict {verdict!r} for a {kind} (one of {', '.join(KIND_VERDICTS[kind])})"
        )
    if not (row.get("reviewer") or "").strip():
        raise ConfigError("a verdict needs a reviewer name")
    if not (row.get("target_id") or "").strip():
        raise ConfigError("a verdict needs a target id")


def record_verdicts(
    path: str | Path, rows: list[dict[str, Any]], *, now: datetime | None = None
) -> list[str]:
    """Append several verdicts in one transaction (a bulk verdict); returns their ``review_id``s.

    Each row has the keyword arguments of :func:`record_verdict`. All rows are checked before
    anything is written: one bad row writes none.

    Example: ``record_verdicts(p, [{"target_kind": "contamination", "target_id": "ab12",
    "verdict": "confirmed", "reviewer": "ada", "benchmark": "gsm8k", "item_id": "7"}])``
    -> ``["5b0c..."]``.
    """
    for row in rows:
        _check_verdict(row)
    created = now or datetime.now(timezone.utc)
    values = [
        [
            uuid.uuid4().hex,
            r["target_kind"],
            r["target_id"],
            r["verdict"],
            r["reviewer"].strip(),
            r.get("note") or "",
            created,
            r.get("benchmark"),
            r.get("item_id"),
            r.get("run_id"),
        ]
        for r in rows
    ]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def write() -> None:
        with duckdb.connect(str(path)) as con:
            con.execute(_DDL)
            con.execute("BEGIN TRANSACTION")
            con.executemany("INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
            con.execute("COMMIT")

    if values:
        _retry(write)
    return [v[0] for v in values]


def delete_verdicts(path: str | Path, review_ids: list[str]) -> int:
    """Undo: remove the verdicts with these ids (the ones a reviewer just gave); returns how many.

    The log is otherwise append-only; undo removes only rows the app wrote in the same session.

    Example: ``delete_verdicts(p, [record_verdict(p, ...)])`` -> ``1``.
    """
    path = Path(path)
    if not review_ids or not path.exists():
        return 0

    def delete() -> int:
        with duckdb.connect(str(path)) as con:
            con.execute(_DDL)
            marks = ", ".join("?" for _ in review_ids)
            n = con.execute(
                f"SELECT count(*) FROM reviews WHERE review_id IN ({marks})", review_ids
            ).fetchone()[0]
            con.execute(f"DELETE FROM reviews WHERE review_id IN ({marks})", review_ids)
            return int(n)

    return _retry(delete)


def read_reviews(path: str | Path) -> pl.DataFrame:
    """Every verdict in the reviews DB, oldest first (an empty frame if the file is missing).

    Raises:
        InputError: the file exists but is not a readable DuckDB database (verdicts are never
            silently ignored).
    """
    path = Path(path)
    if not path.exists():
        return pl.DataFrame(schema=REVIEWS_SCHEMA)

    def read() -> pl.DataFrame:
        with duckdb.connect(str(path), read_only=True) as con:
            tables = set(
                query_frame(con, "SELECT table_name FROM information_schema.tables")[
                    "table_name"
                ].to_list()
            )
            if "reviews" not in tables:
                return pl.DataFrame(schema=REVIEWS_SCHEMA)
            return query_frame(con, "SELECT * FROM reviews ORDER BY created_at, review_id")

    try:
        frame = _retry(read)
    except duckdb.Error as e:
        raise InputError(
            str(path), None, f"cannot read the reviews database ({type(e).__name__}: {e})"
        ) from None
    for col, dtype in REVIEWS_SCHEMA.items():
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(col))
    return frame.select(list(REVIEWS_SCHEMA)).cast(dict(REVIEWS_SCHEMA))


def latest_per_match(reviews: pl.DataFrame) -> pl.DataFrame:
    """The latest verdict per (target_kind, target_id, benchmark, item_id).

    Example: two verdicts on record ``r`` x item ``gsm8k/7`` (``unsure`` then ``confirmed``)
    -> one row, ``confirmed``.
    """
    keys = ["target_kind", "target_id", "benchmark", "item_id"]
    return (
        reviews.sort(["created_at", "review_id"])
        .group_by(keys, maintain_order=True)
        .last()
        .select(VERDICT_COLUMNS)
    )


def fold_per_target(per_match: pl.DataFrame) -> pl.DataFrame:
    """One row per (target_kind, target_id): ``confirmed > unsure > false_positive``.

    The row kept is the deciding verdict (its reviewer, note, benchmark, item); ``created_at`` is
    that verdict's time.

    Example: record ``r`` with ``false_positive`` on item 1 and ``confirmed`` on item 2
    -> ``confirmed``.
    """
    return (
        per_match.with_columns(
            _rank=pl.col("verdict").replace_strict(STATUS_RANK, default=1, return_dtype=pl.Int8)
        )
        .sort(
            ["target_kind", "target_id", "_rank", "created_at"],
            descending=[False, False, False, True],
        )
        .group_by(["target_kind", "target_id"], maintain_order=True)
        .first()
        .drop("_rank")
        .select(VERDICT_COLUMNS)
    )


def latest_verdicts(path: str | Path, target_kind: str | None = None) -> pl.DataFrame:
    """The verdict in force per target: columns target_kind, target_id, verdict, reviewer, note,
    created_at, benchmark, item_id; one row per (target_kind, target_id).

    A missing reviews DB gives an empty frame with those columns.
    """
    per_target = fold_per_target(latest_per_match(read_reviews(path)))
    if target_kind is not None:
        per_target = per_target.filter(pl.col("target_kind") == target_kind)
    return per_target


def contamination_ids(verdicts: pl.DataFrame, verdict: str) -> set[str]:
    """Record ids whose contamination verdict in force is ``verdict``.

    Example: ``contamination_ids(latest_verdicts(p), "false_positive")`` -> ``{"ab12"}``.
    """
    if verdicts.is_empty():
        return set()
    rows = verdicts.filter(
        (pl.col("target_kind") == "contamination") & (pl.col("verdict") == verdict)
    )
    return set(rows["target_id"].to_list())


def apply_confirmed(frame: pl.DataFrame, verdicts: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Drop still-kept records whose contamination verdict is ``confirmed``.

    Sets ``keep=False``, ``stage="reviews"``, ``drop_reason="reviewer_confirmed_contamination"`` and
    a ``detail`` JSON with the reviewer, note, benchmark and item. Returns the frame and the number
    of records dropped.
    """
    confirmed = verdicts.filter(
        (pl.col("target_kind") == "contamination") & (pl.col("verdict") == "confirmed")
    )
    if confirmed.is_empty() or frame.is_empty():
        return frame, 0
    detail = confirmed.select(
        pl.col("target_id").alias("_id"),
        pl.struct(
            "reviewer",
            "note",
            "benchmark",
            "item_id",
            pl.col("created_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("reviewed_at"),
        )
        .struct.json_encode()
        .alias("_detail"),
    )
    joined = frame.join(detail, left_on="id", right_on="_id", how="left", maintain_order="left")
    hit = pl.col("_detail").is_not_null() & pl.col("keep")
    n = int(joined.select(hit.sum()).item())
    out = joined.with_columns(
        keep=pl.when(hit).then(False).otherwise(pl.col("keep")),
        drop_reason=pl.when(hit).then(pl.lit(CONFIRMED_REASON)).otherwise(pl.col("drop_reason")),
        stage=pl.when(hit).then(pl.lit(STAGE)).otherwise(pl.col("stage")),
        detail=pl.when(hit).then(pl.col("_detail")).otherwise(pl.col("detail")),
    ).drop("_detail")
    return out, n


def false_positives_kept(
    frame: pl.DataFrame, verdicts: pl.DataFrame, contamination: pl.DataFrame | None
) -> int:
    """Kept records with a ``false_positive`` verdict that the audit flagged again in this run.

    Used when the decontamination step did not report its own count.
    """
    ids = contamination_ids(verdicts, "false_positive")
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

"""The reviews store: reviewer verdicts in their own DuckDB file (``out/reviews.duckdb``).

The review app writes one row per verdict (an append-only log; nothing is updated in place) and the
next ``curate`` run reads them. Verdicts live in their own file, never in the curation DB, so a
``curate`` run (which replaces the curation DB) never loses them; record ids are content hashes, so
a verdict still applies to the same record in later runs. Which verdict is in force is decided by
:mod:`curate.core.verdicts` (the one precedence rule).

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

from curate.core.errors import ConfigError, InputError
from curate.core.schemas import REVIEWS_SCHEMA
from curate.core.verdicts import KIND_VERDICTS, TARGET_KINDS, in_force
from curate.io.store import query_frame, table_names

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
            if "reviews" not in table_names(con):
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


def latest_verdicts(path: str | Path, target_kind: str | None = None) -> pl.DataFrame:
    """The verdict in force per target (see :mod:`curate.core.verdicts`): columns target_kind,
    target_id, verdict, reviewer, note, created_at, benchmark, item_id; one row per
    (target_kind, target_id). A missing reviews DB gives an empty frame with those columns.
    """
    per_target = in_force(read_reviews(path))
    if target_kind is not None:
        per_target = per_target.filter(pl.col("target_kind") == target_kind)
    return per_target

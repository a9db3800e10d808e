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
from typing import TypeVar

import duckdb
import polars as pl

from curate.core.errors import ConfigError, InputError
from curate.core.schemas import REVIEWS_SCHEMA
from curate.core.verdicts import TARGET_KINDS, VERDICTS, in_force
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
    if target_kind not in TARGET_KINDS:
        raise ConfigError(f"unknown target_kind {target_kind!r} (one of {', '.join(TARGET_KINDS)})")
    if verdict not in VERDICTS:
        raise ConfigError(f"unknown verdict {verdict!r} (one of {', '.join(VERDICTS)})")
    if not (reviewer or "").strip():
        raise ConfigError("a verdict needs a reviewer name")
    if not (target_id or "").strip():
        raise ConfigError("a verdict needs a target id")
    review_id = uuid.uuid4().hex
    created = now or datetime.now(timezone.utc)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def write() -> None:
        with duckdb.connect(str(path)) as con:
            con.execute(_DDL)
            con.execute(
                "INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    review_id,
                    target_kind,
                    target_id,
                    verdict,
                    reviewer.strip(),
                    note or "",
                    created,
                    benchmark,
                    item_id,
                    run_id,
                ],
            )

    _retry(write)
    return review_id


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

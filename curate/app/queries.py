"""Read-only, cached queries on the curation DB and the reviews DB.

Every query opens a short ``duckdb.connect(path, read_only=True)`` and closes it, so the app never
holds the curation DB open: ``make curate`` can rename a new DB into place while the app runs. The
cache key includes the file's (inode, mtime, size), so a replaced DB is re-read on the next rerun
and an unchanged one costs nothing. SQL takes parameters only; identifiers that come from the DB
schema (score column names) are quoted with :func:`ident`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st
import yaml

from curate.app.config import db_path, reviews_path
from curate.core.errors import InputError
from curate.core.schemas import REVIEWS_SCHEMA
from curate.core.verdicts import latest_per_match
from curate.io.reviews import is_transient, read_reviews
from curate.io.store import query_frame

_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "REAL",
)


def signature(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime_ns, size) of a file, or None if it is missing: the cache key of its contents."""
    try:
        st_ = path.stat()
    except OSError:
        return None
    return (st_.st_ino, st_.st_mtime_ns, st_.st_size)


def reviews_signature(path: Path) -> tuple:
    """Signature of the reviews DB and its write-ahead log (a verdict may sit in the WAL)."""
    return (signature(path), signature(path.with_name(path.name + ".wal")))


def ident(name: str) -> str:
    """A quoted SQL identifier: ``quality__score`` -> ``"quality__score"``; ``a"b`` -> ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'


_LOCAL = threading.local()


@contextlib.contextmanager
def page_connection() -> Iterator[None]:
    """Share one read-only connection among the cache misses of one page run, then close it.

    Opening a DuckDB file costs tens of milliseconds, so a page that misses the cache on ten
    queries opens it once, not ten times. The connection is opened lazily (a page served from the
    cache opens nothing) and closed when the page run ends, also on ``st.rerun``/``st.stop``.
    """
    _LOCAL.cons = {}
    try:
        yield
    finally:
        for con in _LOCAL.cons.values():
            con.close()
        _LOCAL.cons = None


def _connect(path: str, sig: tuple) -> tuple[duckdb.DuckDBPyConnection, bool]:
    """A read-only connection to ``path``: the page run's shared one if any (keyed by file
    version), else a fresh one the caller must close."""
    cons = getattr(_LOCAL, "cons", None)
    if cons is None:
        return duckdb.connect(path, read_only=True), True
    key = (path, sig)
    if key not in cons:
        cons[key] = duckdb.connect(path, read_only=True)
    return cons[key], False


@st.cache_data(show_spinner=False, max_entries=512)
def _query(path: str, sig: tuple, sql: str, params: tuple) -> pl.DataFrame:
    for attempt in range(10):
        try:
            con, own = _connect(path, sig)
            try:
                return query_frame(con, sql, list(params))
            finally:
                if own:
                    con.close()
        except (duckdb.IOException, duckdb.ConnectionException) as e:
            # The file is briefly locked or being replaced: try again.
            if attempt == 9 or not is_transient(e):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def q(sql: str, params: tuple | list = ()) -> pl.DataFrame:
    """Run one parameterised read-only query on the curation DB (cached per DB version)."""
    path = db_path()
    return _query(str(path), signature(path), sql, tuple(params))


@dataclass(frozen=True)
class DbState:
    """What the app found at the curation DB path."""

    ok: bool
    message: str
    run: dict | None = None
    tables: frozenset[str] = frozenset()


@st.cache_data(show_spinner=False, max_entries=16)
def _state(path: str, sig: tuple | None) -> DbState:
    if sig is None:
        return DbState(False, f"No curation database at `{path}`.")
    try:
        tables = frozenset(
            _query(path, sig, "SELECT table_name FROM information_schema.tables", ())[
                "table_name"
            ].to_list()
        )
    except duckdb.Error as e:
        return DbState(False, f"`{path}` could not be read as a DuckDB file ({type(e).__name__}).")
    if "runs" not in tables or "records" not in tables:
        return DbState(
            False,
            f"`{path}` has no curation run in it (no `runs`/`records` tables).",
            tables=tables,
        )
    runs = _query(path, sig, "SELECT * FROM runs ORDER BY started_at DESC LIMIT 1", ())
    if runs.is_empty():
        return DbState(
            False, f"`{path}` has no curation run in it (the `runs` table is empty).", tables=tables
        )
    return DbState(True, "", runs.row(0, named=True), tables)


def state() -> DbState:
    """The curation DB's state: usable (with its latest run) or a message saying why not."""
    path = db_path()
    return _state(str(path), signature(path))


def has(table: str) -> bool:
    """Whether the curation DB has ``table``."""
    return table in state().tables


def run_id() -> str:
    """The latest run's id (the one the tables other than ``runs`` hold)."""
    run = state().run
    return run["run_id"] if run else ""


def columns(table: str) -> pl.DataFrame:
    """``column_name, data_type`` of a table."""
    return q(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        (table,),
    )


def score_columns() -> list[str]:
    """Numeric ``*__score`` columns of ``records`` (tagger outputs)."""
    cols = columns("records")
    return [
        r["column_name"]
        for r in cols.iter_rows(named=True)
        if r["column_name"].endswith("__score") and r["data_type"].split("(")[0].upper() in _NUMERIC
    ]


@st.cache_data(show_spinner=False, max_entries=16)
def _reviews(path: str, sig: tuple) -> pl.DataFrame:
    del sig
    return read_reviews(path)


def reviews() -> pl.DataFrame:
    """Every verdict in the reviews DB (cached per file version); an unreadable file is reported
    on the page and treated as empty."""
    path = reviews_path()
    try:
        return _reviews(str(path), reviews_signature(path))
    except InputError as e:
        st.error(f"{e}. Verdicts cannot be shown or saved until it is fixed or moved away.")
        return pl.DataFrame(schema=REVIEWS_SCHEMA)


def match_verdicts(target_kind: str = "contamination") -> pl.DataFrame:
    """Latest verdict per (target_id, benchmark, item_id) for one kind of target."""
    rv = reviews()
    return latest_per_match(rv.filter(pl.col("target_kind") == target_kind))


@st.cache_data(show_spinner=False, max_entries=16)
def _decontamination_rule(recipe_yaml: str | None) -> dict | None:
    try:
        recipe = yaml.safe_load(recipe_yaml or "") or {}
    except yaml.YAMLError:
        return None
    for step in recipe.get("steps") or []:
        if isinstance(step, dict) and str(step.get("step", "")).startswith("decontaminate_"):
            params = step.get("params") or {}
            return {
                "key": step["step"],
                "parts": tuple(params.get("parts") or ("text", "answer")),
                "kinds": step.get("kinds"),
                "preset": params.get("preset", "gpt3"),
            }
    return None


def decontamination_rule() -> dict | None:
    """The latest run's decontamination step (``key``, counted ``parts``, ``kinds``, ``preset``)
    read from the recipe stored with the run; None when the recipe has none.

    Example: a recipe step ``{step: decontaminate_v1, params: {parts: [text]}}``
    -> ``{"key": "decontaminate_v1", "parts": ("text",), "kinds": None, "preset": "gpt3"}``.
    """
    run = state().run
    return _decontamination_rule(run.get("recipe") if run else None)


def clear_reviews_cache() -> None:
    """Forget cached reviews (after this session wrote a verdict)."""
    _reviews.clear()

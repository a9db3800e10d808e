"""Where training runs and eval results are kept: ``evals.duckdb`` next to the curation DB.

A ``curate`` run replaces the curation DB whole (temp file + rename), so anything appended to it
would be lost on the next run. ``training_runs`` and ``eval_results`` therefore live in their own
file, by default ``evals.duckdb`` beside ``--db`` (``out/evals.duckdb``); rows are appended in
short transactions (no connection is held), and each table is also written to Parquet beside it
(``out/eval_results.parquet``, ``out/training_runs.parquet``; temp file + rename). The review app
reads the DuckDB file read-only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import polars as pl

from curate.core.schemas import EVAL_RESULTS_SCHEMA, TRAINING_RUNS_SCHEMA
from curate.io.store import query_frame

SCHEMAS = {"training_runs": TRAINING_RUNS_SCHEMA, "eval_results": EVAL_RESULTS_SCHEMA}
_DDL_TYPES = {
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Float64: "DOUBLE",
    pl.Boolean: "BOOLEAN",
}


def evals_path(db: str | Path) -> Path:
    """The evals DB beside a curation DB: ``out/cleanroom.duckdb`` -> ``out/evals.duckdb``."""
    return Path(db).with_name("evals.duckdb")


def _ddl(table: str) -> str:
    cols = []
    for name, dtype in SCHEMAS[table].items():
        sql = "TIMESTAMPTZ" if isinstance(dtype, pl.Datetime) else _DDL_TYPES[dtype.base_type()]
        cols.append(f'"{name}" {sql}')
    return f'CREATE TABLE IF NOT EXISTS "{table}" ({", ".join(cols)})'


def append(path: str | Path, table: str, rows: pl.DataFrame, attempts: int = 20) -> Path:
    """Append ``rows`` to ``table`` of the evals DB in one short transaction, then refresh the
    table's Parquet copy; returns the Parquet path. Retries briefly while another process
    (the app) holds the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = rows.select(list(SCHEMAS[table])).cast(dict(SCHEMAS[table]))
    for attempt in range(attempts):
        try:
            with duckdb.connect(str(path)) as con:
                con.execute(_ddl(table))
                con.register("_rows", frame.to_arrow())
                con.execute("BEGIN TRANSACTION")
                con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _rows')
                con.execute("COMMIT")
                con.unregister("_rows")
                full = query_frame(con, f'SELECT * FROM "{table}" ORDER BY created_at')
            break
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    out = path.with_name(f"{table}.parquet")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    full.write_parquet(tmp)
    os.replace(tmp, out)
    return out


def read(path: str | Path, table: str) -> pl.DataFrame:
    """Every row of ``table`` (an empty frame with the schema when the file or table is missing)."""
    path = Path(path)
    if not path.exists():
        return pl.DataFrame(schema=SCHEMAS[table])
    with duckdb.connect(str(path), read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if table not in names:
            return pl.DataFrame(schema=SCHEMAS[table])
        return query_frame(con, f'SELECT * FROM "{table}" ORDER BY created_at')

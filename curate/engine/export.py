"""Write a sharded run to DuckDB: the same tables as :func:`curate.export.export_run`.

``records`` and ``decisions`` are loaded by DuckDB straight from the shard Parquet files (never
one frame in Python); side tables, quarantine and mixtures are small frames. The file is written
under a temporary name and renamed into place, as in the single-frame export.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl

from curate.engine.run import ShardedRunResult
from curate.export import (
    DECISION_COLUMNS,
    RECORD_COLUMNS,
    RUNS_SCHEMA,
    SIDE_TABLES,
    _create,
    _create_views,
    _sql_str,
    previous_runs,
    run_row,
    write_hf,
    write_parquet,
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def side_frames(result: ShardedRunResult) -> dict[str, pl.DataFrame]:
    """Side tables with the export schema, each with a leading ``run_id`` (``benchmark_items``
    has none, as in the single-frame export)."""
    rid = pl.lit(result.run_id).alias("run_id")
    tables: dict[str, pl.DataFrame] = {"quarantine": result.quarantine.select(rid, pl.all())}
    for name, schema in SIDE_TABLES.items():
        if name in result.large_side_files:
            continue  # loaded by DuckDB from its files
        part = result.side_tables.get(name)
        if part is None:
            part = pl.DataFrame(schema=schema)
        else:
            present = {c: t for c, t in schema.items() if c in part.columns}
            part = part.select(list(present)).cast(present, strict=False)
        for col in schema:
            if col not in part.columns:
                part = part.with_columns(pl.lit(None, schema[col]).alias(col))
        part = part.select(list(schema))
        tables[name] = part if name == "benchmark_items" else part.select(rid, pl.all())
    for name, extra in result.side_tables.items():
        if name not in SIDE_TABLES:
            tables[name] = extra.select(rid, pl.all())
    if result.mixtures:
        tables["mixtures"] = pl.concat(list(result.mixtures.values())).select(rid, pl.all())
    return tables


def _duck_type(t: pl.DataType) -> str:
    return {pl.String: "VARCHAR", pl.Boolean: "BOOLEAN", pl.Float64: "DOUBLE"}.get(t, "VARCHAR")


def export_sharded(
    result: ShardedRunResult,
    db_path: str | Path,
    parquet_dir: str | Path | None,
    hf_dir: str | Path | None = None,
) -> Path:
    """Write the run to ``db_path`` (temp file + rename) and the mixtures to Parquet / HF."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    files = [str(f) for f in result.shard_files]
    columns = pl.read_parquet_schema(files[0]).names() if files else []
    taggers = [c for c in columns if "__" in c and not c.startswith("_")]
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET memory_limit = '1GB'")
        history = previous_runs(db_path)
        runs = run_row(result)  # type: ignore[arg-type]
        if history is not None:
            common = {c: t for c, t in RUNS_SCHEMA.items() if c in history.columns}
            runs = pl.concat(
                [history.select(list(common)).cast(common, strict=False), runs],
                how="diagonal_relaxed",
            )
        _create(con, "runs", runs)
        src = "read_parquet([" + ", ".join(_sql_str(f) for f in files) + "], union_by_name = true)"
        rid = f"{_sql_str(result.run_id)} AS run_id"
        for name, cols in (
            ("records", RECORD_COLUMNS + taggers),
            ("decisions", DECISION_COLUMNS),
        ):
            if files:
                con.execute(
                    f"CREATE TABLE {name} AS SELECT {rid}, {', '.join(map(_quote, cols))} FROM {src}"
                )
        for name, table in side_frames(result).items():
            _create(con, name, table)
        for name, paths in result.large_side_files.items():
            schema = SIDE_TABLES[name]
            got = pl.read_parquet_schema(paths[0])
            cols = [
                _quote(c) if c in got else f"CAST(NULL AS {_duck_type(t)}) AS {_quote(c)}"
                for c, t in schema.items()
            ]
            listed = ", ".join(_sql_str(str(p)) for p in paths)
            con.execute(
                f"CREATE TABLE {_quote(name)} AS SELECT {rid}, {', '.join(cols)} "
                f"FROM read_parquet([{listed}], union_by_name = true)"
            )
        _create_views(con, list(result.mixtures))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, db_path)
    if parquet_dir is not None:
        write_parquet(result.mixtures, Path(parquet_dir))
    if hf_dir is not None and result.mixtures:
        write_hf(result.mixtures, Path(hf_dir))
    return db_path

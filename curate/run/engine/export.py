"""Write a sharded run to DuckDB: the same tables as :func:`curate.run.export.export_run`.

``records`` and ``decisions`` are loaded by DuckDB straight from the shard Parquet files (never
one frame in Python); side tables, quarantine and mixtures are small frames. The file is written
under a temporary name and renamed into place, as in the single-frame export.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from curate.core.schemas import DECISION_COLUMNS, RECORD_COLUMNS, SIDE_TABLES, conform
from curate.io.store import atomic_db, create_table, sql_str, writer_lock
from curate.run.engine.run import ShardedRunResult
from curate.run.export import create_mixture_views, run_row, with_history, write_mixture_files


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
        part = pl.DataFrame(schema=schema) if part is None else conform(part, schema)
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
    """Write the run to ``db_path`` (temp file + rename, under the writer lock) and the mixtures
    to Parquet / HF."""
    db_path = Path(db_path)
    files = [str(f) for f in result.shard_files]
    columns = pl.read_parquet_schema(files[0]).names() if files else []
    taggers = [c for c in columns if "__" in c and not c.startswith("_")]
    rid = f"{sql_str(result.run_id)} AS run_id"
    with writer_lock(db_path):
        runs = with_history(run_row(result), db_path)  # type: ignore[arg-type]
        with atomic_db(db_path) as con:
            con.execute("SET preserve_insertion_order = true")
            con.execute("SET memory_limit = '1GB'")
            create_table(con, "runs", runs)
            src = (
                "read_parquet([" + ", ".join(sql_str(f) for f in files) + "], union_by_name = true)"
            )
            for name, cols in (
                ("records", RECORD_COLUMNS + taggers),
                ("decisions", DECISION_COLUMNS),
            ):
                if files:
                    con.execute(
                        f"CREATE TABLE {name} AS SELECT {rid}, {', '.join(map(_quote, cols))} FROM {src}"
                    )
            for name, table in side_frames(result).items():
                create_table(con, name, table)
            for name, paths in result.large_side_files.items():
                schema = SIDE_TABLES[name]
                got = pl.read_parquet_schema(paths[0])
                cols = [
                    _quote(c) if c in got else f"CAST(NULL AS {_duck_type(t)}) AS {_quote(c)}"
                    for c, t in schema.items()
                ]
                listed = ", ".join(sql_str(str(p)) for p in paths)
                con.execute(
                    f"CREATE TABLE {_quote(name)} AS SELECT {rid}, {', '.join(cols)} "
                    f"FROM read_parquet([{listed}], union_by_name = true)"
                )
            create_mixture_views(con, list(result.mixtures))
    write_mixture_files(result.mixtures, parquet_dir, hf_dir)
    return db_path

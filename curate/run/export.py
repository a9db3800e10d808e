"""Write a run to DuckDB and Parquet (the tables of docs/SCHEMA.md), through the store.

The DuckDB file is written under a temporary name and renamed into place (:func:`atomic_db`), under
the path's writer lock, so a reader never sees half a run, a crash never corrupts the last good file
and two runs never race. The ``runs`` table keeps the history of earlier runs (copied from the file
being replaced; a file that cannot be read stops the run); every other table holds the latest run.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl

from curate.core.decisions import to_json
from curate.core.schemas import (
    DECISION_COLUMNS,
    MIXTURE_TABLES,
    RECORD_COLUMNS,
    RUNS_SCHEMA,
    SCHEMA_VERSION,
    SIDE_TABLES,
    conform,
)
from curate.io.hf_datasets import push_mixtures
from curate.io.store import (
    atomic_db,
    create_table,
    query_frame,
    read_history,
    sql_str,
    write_bytes_atomic,
    write_hf,
    writer_lock,
)
from curate.lib.mixing.build import parquet_bytes
from curate.run.pipeline import RunResult
from curate.run.recipe import dump_yaml


def tagger_columns(frame: pl.DataFrame) -> list[str]:
    """Score/tag columns added by steps: ``<family>__<field>``."""
    return [c for c in frame.columns if "__" in c and not c.startswith("_")]


def run_row(result: RunResult) -> pl.DataFrame:
    """The run's row of the ``runs`` table."""
    stats = {
        "drops_by_reason": result.drops_by_reason(),
        "steps": [s.as_dict() for s in result.steps],
        "quarantined_by_file": dict(
            sorted(result.quarantine.group_by("source_file").len().iter_rows())
        ),
        "mixtures": {k: v.height for k, v in result.mixtures.items()},
        **result.notes,
    }
    return pl.DataFrame(
        [
            {
                "run_id": result.run_id,
                "started_at": result.started_at,
                "finished_at": result.finished_at,
                "recipe_name": result.recipe.name,
                "recipe_sha256": result.recipe.sha256(),
                "recipe": dump_yaml(result.recipe),
                "schema_version": SCHEMA_VERSION,
                "inputs": result.inputs,
                "kept": result.kept,
                "dropped": result.dropped,
                "quarantined": result.quarantine.height,
                "stats": to_json(stats),
            }
        ],
        schema=RUNS_SCHEMA,
    )


def table_frames(result: RunResult) -> dict[str, pl.DataFrame]:
    """Every table of the run (except ``runs`` history), each with a leading ``run_id``."""
    rid = pl.lit(result.run_id).alias("run_id")
    frame = result.frame
    tables = {
        "records": frame.select(rid, *RECORD_COLUMNS, *tagger_columns(frame)),
        "decisions": frame.select(rid, *DECISION_COLUMNS),
        "quarantine": result.quarantine.select(rid, pl.all()),
    }
    for name, schema in SIDE_TABLES.items():
        part = result.side_tables.get(name)
        part = pl.DataFrame(schema=schema) if part is None else conform(part, schema)
        tables[name] = part if name == "benchmark_items" else part.select(rid, pl.all())
    for name, extra in result.side_tables.items():
        if name not in SIDE_TABLES:
            tables[name] = extra.select(rid, pl.all())
    mixtures = [m for m in result.mixtures.values()]
    if mixtures:
        tables["mixtures"] = pl.concat(mixtures).select(rid, pl.all())
    return tables


def export_run(
    result: RunResult,
    db_path: str | Path,
    parquet_dir: str | Path | None,
    hf_dir: str | Path | None = None,
    push_to_hub: str | None = None,
    hub_private: bool = True,
) -> Path:
    """Write the run to ``db_path`` (temp file + rename), mixtures to ``parquet_dir`` (Parquet)
    and ``hf_dir`` (``datasets.DatasetDict`` per mixture, ``save_to_disk``), then push those to
    the hub dataset repo ``push_to_hub`` when given (:func:`curate.io.hf_datasets.push_mixtures`)."""
    db_path = Path(db_path)
    with writer_lock(db_path):
        runs = with_history(run_row(result), db_path)
        with atomic_db(db_path) as con:
            create_table(con, "runs", runs)
            for name, table in table_frames(result).items():
                create_table(con, name, table)
            create_mixture_views(con, list(result.mixtures))
    write_mixture_files(result.mixtures, parquet_dir, hf_dir, push_to_hub, hub_private)
    return db_path


def with_history(run: pl.DataFrame, db_path: Path) -> pl.DataFrame:
    """The earlier ``runs`` rows of the file being replaced, then this run's row.

    Older files may lack newer columns; what is there is cast to this version's types.
    """
    history = read_history(db_path, "SELECT * FROM runs ORDER BY started_at")
    if history is None:
        return run
    common = {c: t for c, t in RUNS_SCHEMA.items() if c in history.columns}
    old = history.select(list(common)).cast(common, strict=False)
    return pl.concat([old, run], how="diagonal_relaxed")


def create_mixture_views(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """One ``mixture_<name>`` view per mixture over the ``mixtures`` table."""
    for name in names:
        con.execute(
            f'CREATE VIEW "mixture_{name}" AS SELECT * FROM mixtures '
            f"WHERE mixture = {sql_str(name)} ORDER BY row_id"
        )


def export_mixtures(
    db_path: str | Path,
    run_id: str,
    frames: dict[str, pl.DataFrame],
    manifest: pl.DataFrame,
    counts: pl.DataFrame,
    parquet_dir: str | Path | None,
    hf_dir: str | Path | None = None,
    push_to_hub: str | None = None,
    hub_private: bool = True,
) -> None:
    """Replace the mixtures of an existing curation DB (``cleanroom mix``): a copy of the DB gets
    the new tables and is renamed into place, so a reader (or a kill) sees the old mixtures or the
    new ones, never a mix. Then the Parquet and HF copies."""
    db_path = Path(db_path)
    rid = pl.lit(run_id).alias("run_id")
    with writer_lock(db_path), atomic_db(db_path, copy_existing=True) as con:
        _drop_mixtures(con)
        if frames:
            create_table(con, "mixtures", pl.concat(list(frames.values())).select(rid, pl.all()))
        create_table(con, "mixture_manifest", manifest.select(rid, pl.all()))
        create_table(con, "mixture_counts", counts.select(rid, pl.all()))
        create_mixture_views(con, list(frames))
    write_mixture_files(frames, parquet_dir, hf_dir, push_to_hub, hub_private)


def _drop_mixtures(con: duckdb.DuckDBPyConnection) -> None:
    views = query_frame(
        con,
        "SELECT view_name FROM duckdb_views() WHERE NOT internal "
        "AND view_name LIKE 'mixture\\_%' ESCAPE '\\'",
    )["view_name"]
    for v in views:
        con.execute(f'DROP VIEW IF EXISTS "{v}"')
    for t in MIXTURE_TABLES:
        con.execute(f'DROP TABLE IF EXISTS "{t}"')


def write_mixture_files(
    mixtures: dict[str, pl.DataFrame],
    parquet_dir: str | Path | None,
    hf_dir: str | Path | None,
    push_to_hub: str | None = None,
    hub_private: bool = True,
) -> None:
    """Parquet (``mixture_<name>.parquet``, the bytes hashed in the manifest) and HF copies
    (``save_to_disk``), pushed to the hub repo ``push_to_hub`` when given."""
    if parquet_dir is not None:
        for name, frame in mixtures.items():
            write_bytes_atomic(Path(parquet_dir) / f"mixture_{name}.parquet", parquet_bytes(frame))
    if hf_dir is not None and mixtures:
        write_hf(mixtures, Path(hf_dir))
        if push_to_hub:
            push_mixtures(hf_dir, list(mixtures), push_to_hub, hub_private)


def stats_of(run: dict) -> dict:
    """The parsed ``stats`` JSON of a ``runs`` row."""
    return json.loads(run["stats"]) if run.get("stats") else {}

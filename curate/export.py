"""Write a run to DuckDB and Parquet (the tables of docs/SCHEMA.md).

The DuckDB file is written under a temporary name and renamed into place (``os.replace``), so a
reader never sees half a run and a crash never corrupts the last good file. The ``runs`` table keeps
the history of earlier runs (copied from the file being replaced); every other table holds the
latest run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from curate.pipeline import RunResult
from curate.recipe import dump_yaml
from curate.registry import to_json
from curate.schema import CONTAMINATION_SCHEMA, SCHEMA_VERSION

RUNS_SCHEMA = pl.Schema(
    {
        "run_id": pl.String,
        "started_at": pl.Datetime("us", "UTC"),
        "finished_at": pl.Datetime("us", "UTC"),
        "recipe_name": pl.String,
        "recipe_sha256": pl.String,
        "recipe": pl.String,
        "schema_version": pl.Int64,
        "inputs": pl.Int64,
        "kept": pl.Int64,
        "dropped": pl.Int64,
        "quarantined": pl.Int64,
        "stats": pl.String,
    }
)
CLUSTERS_SCHEMA = pl.Schema(
    {
        "cluster_id": pl.String,
        "id": pl.String,
        "is_representative": pl.Boolean,
        "jaccard": pl.Float64,
        "method": pl.String,
    }
)
BENCHMARK_ITEMS_SCHEMA = pl.Schema(
    {
        "benchmark": pl.String,
        "split": pl.String,
        "item_id": pl.String,
        "text": pl.String,
        "answer": pl.String,
    }
)
# Side tables steps may report; each is created (maybe empty) in every run.
SIDE_TABLES = {
    "clusters": CLUSTERS_SCHEMA,
    "benchmark_items": BENCHMARK_ITEMS_SCHEMA,
    "contamination": CONTAMINATION_SCHEMA,
}
RECORD_COLUMNS = ["id", "source", "kind", "text", "messages", "meta"]
DECISION_COLUMNS = ["id", "keep", "stage", "drop_reason", "detail"]


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
    the hub dataset repo ``push_to_hub`` when given (:func:`curate.hf_datasets.push_mixtures`)."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        history = previous_runs(db_path)
        runs = run_row(result)
        if history is not None:
            # Older files may lack newer columns; cast what is there to this version's types.
            common = {c: t for c, t in RUNS_SCHEMA.items() if c in history.columns}
            runs = pl.concat(
                [history.select(list(common)).cast(common, strict=False), runs],
                how="diagonal_relaxed",
            )
        _create(con, "runs", runs)
        for name, table in table_frames(result).items():
            _create(con, name, table)
        _create_views(con, list(result.mixtures))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, db_path)
    if parquet_dir is not None:
        write_parquet(result.mixtures, Path(parquet_dir))
    if hf_dir is not None and result.mixtures:
        write_hf(result.mixtures, Path(hf_dir))
        if push_to_hub:
            from curate.hf_datasets import push_mixtures

            push_mixtures(hf_dir, list(result.mixtures), push_to_hub, hub_private)
    return db_path


def _create_views(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    for name in names:
        con.execute(
            f'CREATE VIEW "mixture_{name}" AS SELECT * FROM mixtures WHERE mixture = {_sql_str(name)} ORDER BY row_id'
        )


MIXTURE_TABLES = ("mixtures", "mixture_manifest", "mixture_counts")


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
    """Replace the mixtures of an existing curation DB (``cleanroom mix``), in one transaction:
    a reader sees the old mixtures or the new ones, never a mix. Then Parquet and HF copies
    (pushed to the hub dataset repo ``push_to_hub`` when given)."""
    rid = pl.lit(run_id).alias("run_id")
    with duckdb.connect(str(db_path)) as con:
        old_views = [
            r[0]
            for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal AND view_name LIKE 'mixture\\_%' ESCAPE '\\'"
            ).fetchall()
        ]
        con.execute("BEGIN TRANSACTION")
        try:
            for v in old_views:
                con.execute(f'DROP VIEW IF EXISTS "{v}"')
            for t in MIXTURE_TABLES:
                con.execute(f'DROP TABLE IF EXISTS "{t}"')
            if frames:
                _create(con, "mixtures", pl.concat(list(frames.values())).select(rid, pl.all()))
            _create(con, "mixture_manifest", manifest.select(rid, pl.all()))
            _create(con, "mixture_counts", counts.select(rid, pl.all()))
            _create_views(con, list(frames))
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    if parquet_dir is not None:
        write_parquet(frames, Path(parquet_dir))
    if hf_dir is not None and frames:
        write_hf(frames, Path(hf_dir))
        if push_to_hub:
            from curate.hf_datasets import push_mixtures

            push_mixtures(hf_dir, list(frames), push_to_hub, hub_private)


def previous_runs(db_path: Path) -> pl.DataFrame | None:
    """The ``runs`` rows of the file about to be replaced (None if there is none or it is unreadable)."""
    if not db_path.exists():
        return None
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            return query_frame(con, "SELECT * FROM runs ORDER BY started_at")
    except duckdb.Error:
        return None


def write_parquet(mixtures: dict[str, pl.DataFrame], out: Path) -> list[Path]:
    """One Parquet file per mixture (``mixture_<name>.parquet``), written atomically; the bytes are
    those hashed in the manifest (:func:`curate.mixture.parquet_bytes`)."""
    from curate.mixture import parquet_bytes

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in mixtures.items():
        path = out / f"mixture_{name}.parquet"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(parquet_bytes(frame))
        os.replace(tmp, path)
        paths.append(path)
    return paths


def write_hf(mixtures: dict[str, pl.DataFrame], out: Path) -> list[Path]:
    """One ``datasets.DatasetDict`` (``train``, ``validation``) per mixture, ``save_to_disk`` at
    ``out/<name>``; read it with ``datasets.load_from_disk``. Written to a temp folder, then renamed."""
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets is a core dependency
        from curate.errors import MissingDependencyError

        raise MissingDependencyError("the `datasets` package", "pip install datasets") from None
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        return _write_hf(datasets, mixtures, out, paths)
    finally:
        if bars:
            datasets.enable_progress_bars()


def _write_hf(
    datasets: Any, mixtures: dict[str, pl.DataFrame], out: Path, paths: list[Path]
) -> list[Path]:
    import shutil

    for name, frame in mixtures.items():
        splits = {
            split: datasets.Dataset(frame.filter(pl.col("split") == split).to_arrow())
            for split in ("train", "validation")
        }
        path = out / name
        tmp = out / f".{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        datasets.DatasetDict(splits).save_to_disk(str(tmp))
        shutil.rmtree(path, ignore_errors=True)
        os.replace(tmp, path)
        paths.append(path)
    return paths


def _create(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    con.register("_frame", frame.to_arrow())
    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
    con.unregister("_frame")


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_table(db_path: str | Path, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run one read-only query on a curation DB and return a Polars frame (short connection)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return query_frame(con, sql, params)


def query_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
) -> pl.DataFrame:
    """A parameterised query's result as a Polars frame (via Arrow; DuckDB 2 has no ``.pl()``)."""
    return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())  # type: ignore[return-value]


def stats_of(run: dict) -> dict:
    """The parsed ``stats`` JSON of a ``runs`` row."""
    return json.loads(run["stats"]) if run.get("stats") else {}

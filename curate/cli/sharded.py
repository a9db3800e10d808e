"""``cleanroom curate --engine local|ray``: a sharded run, its export and its summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from curate.io.store import OutputPaths
from curate.run.engine.run import RichReporter, ShardedRunResult, run_sharded, shard_summary
from curate.run.recipe import Recipe


def step_rates(result: ShardedRunResult) -> Table:
    """Per step: records in, seconds (summed over shards and workers), records/s."""
    table = Table("step", "kind", "records", "dropped", "seconds", "records/s", title="step speed")
    for s in result.steps:
        rate = f"{s.rows / s.seconds:,.0f}" if s.seconds > 0 else "-"
        table.add_row(
            s.key, s.kind, f"{s.rows:,}", str(sum(s.dropped.values())), f"{s.seconds:.2f}", rate
        )
    return table


def curate_sharded(
    rec: Recipe,
    where: str,
    *,
    engine: str,
    workers: int | None,
    resume: bool,
    run_dir: Path | None,
    shard_records: int | None,
    paths: OutputPaths,
    reviews_db: Path | None,
    console: Any,
) -> ShardedRunResult:
    """Run, export and print the summary (the same tables as the in-memory run, plus speeds)."""
    from curate.cli.summary import print_summary
    from curate.run.engine.export import export_sharded

    with RichReporter(console) as rep:
        result = run_sharded(
            rec,
            where=where,
            engine=engine,
            workers=workers,
            resume=resume,
            run_dir=run_dir or paths.db.parent / "runs" / rec.name,
            shard_records=shard_records,
            reviews_db=reviews_db,
            reporter=rep,
        )
        rep.phase("export to DuckDB", 1, "files")
        db_path = paths.db
        export_sharded(result, db_path, paths.parquet_dir, paths.hf_dir)
        rep.advance(1)
        rep.end_phase()
    print_summary(result, db_path)
    console.print(step_rates(result))
    for line in shard_summary(result):
        console.print(line)
    return result

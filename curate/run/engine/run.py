"""Sharded, resumable curate runs (``cleanroom curate RECIPE --engine local|ray``).

The run is a list of *tasks*, each with its state on disk under the run folder
(:mod:`curate.run.engine.rundir`):

- task 0, **ingest** (driver, streaming): every input is read in chunks
  (:func:`curate.run.engine.reader.iter_chunks`) and cut into shards of ``shard_records`` units
  (records + quarantine rows); ids are made unique across the whole run in input order with a
  sorted array of 64-bit id prefixes (no per-record dict), and the units the reader saw are
  recorded per shard.
- **per-record segments**: consecutive transforms, taggers and filters run shard by shard on the
  executor (:mod:`curate.run.engine.executors`), with the same step functions as the single-frame run.
- **global steps**, in phases:
  ``exact_dedup_v1``: per-shard content hashes partitioned by hash -> per partition, first
  occurrence in record order -> per-shard decisions;
  ``minhash_dedup_v1``: per-shard signatures and band keys -> global bucket join, verification,
  union-find (:mod:`curate.lib.dedup.sharded`) -> per-shard decisions;
  ``decontaminate_v1``: the benchmark index is built once and the shards are streamed through
  one scan (texts of one shard in memory at a time) -> per-shard decisions.
  Any other global step (a plugin's) runs on the whole frame, assembled from the shards.
- **finish**: conservation per shard (rows read = kept + dropped + quarantined; each chunk's rows
  were checked against the units the reader saw, :mod:`curate.run.engine.reader`),
  mixtures from the kept rows of the store, and one DuckDB file written under a temporary
  name and renamed into place (the same tables as :func:`curate.run.export.export_run`).

A finished task is recorded in the manifest; ``resume=True`` skips finished tasks (and finished
shards of an unfinished task). Results equal the single-frame run on the same recipe (tested).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from curate.core.decisions import drop_rows
from curate.core.errors import StepError
from curate.core.schemas import QUARANTINE_SCHEMA, ROW
from curate.core.step import StepContext
from curate.io.paths import display_path, expand_paths
from curate.io.store import write_parquet
from curate.run.engine.executors import Executor, make_executor
from curate.run.engine.reader import iter_chunks
from curate.run.engine.rundir import RunDir, fingerprint
from curate.run.pipeline import StepStats
from curate.run.recipe import PlannedStep, Recipe, validate

log = logging.getLogger(__name__)

DEFAULT_SHARD_RECORDS = 50_000
GLOBAL_STEPS = ("exact_dedup_v1", "minhash_dedup_v1", "decontaminate_v1")


# ---------------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------------


class Reporter:
    """Progress callbacks of a sharded run (no-op by default; the CLI shows rich bars)."""

    def phase(self, name: str, total: int, unit: str = "records") -> None:
        """A phase starts; ``total`` units of work (records or shards)."""

    def advance(self, n: int) -> None:
        """``n`` more units of the current phase are done."""

    def end_phase(self) -> None:
        """The current phase is finished."""

    def message(self, text: str) -> None:
        """A one-line note (resumed shards, skipped phases)."""


class RichReporter(Reporter):
    """One rich progress bar per phase: done/total, records/s and ETA."""

    def __init__(self, console: Any = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description:<34}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[speed_text]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task: Any = None
        self.unit = "records"

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def phase(self, name: str, total: int, unit: str = "records") -> None:
        self.unit = unit
        self.task = self.progress.add_task(name, total=max(total, 1), speed_text="")

    def advance(self, n: int) -> None:
        if self.task is None:
            return
        self.progress.advance(self.task, n)
        t = self.progress.tasks[self.task]
        speed = t.speed
        self.progress.update(self.task, speed_text=f"{speed:,.0f} {self.unit}/s" if speed else "")

    def end_phase(self) -> None:
        if self.task is not None:
            t = self.progress.tasks[self.task]
            rate = t.completed / t.elapsed if t.elapsed else 0.0
            self.progress.update(
                self.task, completed=t.total, speed_text=f"{rate:,.0f} {self.unit}/s"
            )
        self.task = None

    def message(self, text: str) -> None:
        self.progress.console.print(text)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass
class ShardedRunResult:
    """What a sharded run produced; duck-types the fields of :class:`curate.run.pipeline.RunResult`
    that export and the summary read (the record frame itself stays on disk)."""

    run_id: str
    recipe: Recipe
    run_dir: Path
    quarantine: pl.DataFrame
    steps: list[StepStats]
    counts: dict[str, int]
    reasons: dict[str, int]
    mixtures: dict[str, pl.DataFrame] = field(default_factory=dict)
    side_tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    finished_at: datetime | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    shard_files: list[Path] = field(default_factory=list)
    engine: str = "local"
    workers: int = 1
    shards_run: dict[str, int] = field(default_factory=dict)
    large_side_files: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def inputs(self) -> int:
        return self.counts["kept"] + self.counts["dropped"] + self.quarantine.height

    @property
    def kept(self) -> int:
        return self.counts["kept"]

    @property
    def dropped(self) -> int:
        return self.counts["dropped"]

    def drops_by_reason(self) -> dict[str, int]:
        return self.reasons

    def frame(self) -> pl.DataFrame:
        """Every record with its decision (reads all shards: small runs and tests only)."""
        return pl.concat([pl.read_parquet(p) for p in self.shard_files], how="diagonal_relaxed")


# ---------------------------------------------------------------------------------------------
# Plan
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One task of the run: a segment of per-record steps, or one global step."""

    number: int  # output files are t<number>.parquet; ingest is 0
    kind: str  # "records" or "global"
    start: int  # first step index
    stop: int  # one past the last step index

    @property
    def name(self) -> str:
        return f"t{self.number:02d}"


def plan_tasks(plan: list[PlannedStep]) -> list[Task]:
    """Cut the steps into per-record segments and global steps.

    Example: ``[normalise, length, exact_dedup, langid]`` -> ``[records 0-2, global 2, records 3-4]``.
    """
    tasks: list[Task] = []
    i = 0
    while i < len(plan):
        if plan[i].spec.kind == "dedup":
            tasks.append(Task(len(tasks) + 1, "global", i, i + 1))
            i += 1
            continue
        j = i
        while j < len(plan) and plan[j].spec.kind != "dedup":
            j += 1
        tasks.append(Task(len(tasks) + 1, "records", i, j))
        i = j
    return tasks


def _ctx(plan: list[PlannedStep], i: int, resources: dict[str, Any]) -> StepContext:
    ps = plan[i]
    return StepContext(
        key=ps.spec.key, index=i, kinds=ps.config.kinds, side_tables={}, resources=resources
    )


def _write_side(rd: RunDir, ctx: StepContext, shard: int, task: int) -> None:
    for name, parts in ctx.side_tables.items():
        parts = [p for p in parts if p is not None]
        if parts:
            write_parquet(pl.concat(parts, how="diagonal_relaxed"), rd.side_file(name, shard, task))


def _drops(before: pl.DataFrame, after: pl.DataFrame) -> dict[str, int]:
    newly = after.filter(before["keep"] & ~after["keep"])
    return dict(sorted(newly.group_by("drop_reason").len().iter_rows())) if newly.height else {}


def _check_rows(key: str, before: pl.DataFrame, after: pl.DataFrame, shard: int) -> None:
    if after.height != before.height or not after["id"].equals(before["id"]):
        raise StepError(
            f"shard {shard}: step {key} changed the rows ({before.height} in, {after.height} out); "
            "steps must keep every row in order"
        )


# ---------------------------------------------------------------------------------------------
# Worker tasks (top-level functions: they run in other processes or on other machines)
# ---------------------------------------------------------------------------------------------


def records_task(
    root: str, recipe: Recipe, where: str, task: Task, shard: int, verdicts: pl.DataFrame | None
) -> dict[str, Any]:
    """Run the per-record steps ``task.start:task.stop`` on one shard."""
    rd = RunDir(root)
    plan = validate(recipe, where)
    frame = pl.read_parquet(rd.shard_file(shard, task.number - 1))
    resources: dict[str, Any] = {"recipe": recipe, "verdicts": verdicts}
    stats = []
    for i in range(task.start, task.stop):
        ctx = _ctx(plan, i, resources)
        t0 = time.perf_counter()
        try:
            after = frame.lazy().pipe(plan[i].spec.build(plan[i].params, ctx)).collect()
        except Exception as e:
            raise StepError(f"shard {shard}: step {plan[i].spec.key} failed: {e}") from e
        seconds = time.perf_counter() - t0
        _check_rows(plan[i].spec.key, frame, after, shard)
        stats.append((i, seconds, _drops(frame, after), frame.height))
        _write_side(rd, ctx, shard, task.number)
        frame = after
    write_parquet(frame, rd.shard_file(shard, task.number))
    return {"shard": shard, "stats": stats, "notes": resources.get("notes", {})}


def _live(frame: pl.DataFrame, ctx: StepContext) -> pl.DataFrame:
    return frame.filter(pl.col("keep") & ctx.scope())


def exact_map_task(
    root: str, recipe: Recipe, where: str, task: Task, shard: int, parts: int
) -> int:
    """Exact dedup, phase 1: the shard's live content hashes, partitioned by hash."""
    from curate.core.records import last_response
    from curate.plugins import sharded_forms

    key_hashes = sharded_forms().key_hashes

    rd = RunDir(root)
    plan = validate(recipe, where)
    p = plan[task.start].params
    ctx = _ctx(plan, task.start, {})
    frame = pl.read_parquet(rd.shard_file(shard, task.number - 1))
    source = pl.col("text") if p.field == "text" else last_response()
    live = (
        _live(frame, ctx)
        .select("id", ROW, _key=source.map_batches(key_hashes, return_dtype=pl.String))
        .filter(pl.col("_key").is_not_null())
        .with_columns(_part=(pl.col("_key").str.slice(0, 8).str.to_integer(base=16) % parts))
    )
    out = rd.phase_dir(task.number, "exact")
    for (q,), part in live.partition_by("_part", as_dict=True).items():
        write_parquet(part.drop("_part"), out / f"keys-{shard:05d}-{int(q):04d}.parquet")
    return live.height


def exact_reduce_task(root: str, task: Task, part: int, offsets: list[int]) -> int:
    """Exact dedup, phase 2: one hash partition of every shard -> clusters, split by shard."""
    from curate.plugins import sharded_forms

    cluster_rows = sharded_forms().cluster_rows

    rd = RunDir(root)
    folder = rd.phase_dir(task.number, "exact")
    files = sorted(folder.glob(f"keys-*-{part:04d}.parquet"))
    if not files:
        return 0
    keys = pl.concat([pl.read_parquet(f) for f in files]).sort(ROW)
    clusters = cluster_rows(keys, "exact").join(keys.select("id", ROW), on="id")
    shard = np.searchsorted(np.asarray(offsets), clusters[ROW].to_numpy(), side="right") - 1
    clusters = clusters.with_columns(_shard=pl.Series(shard, dtype=pl.Int64))
    for (s,), part_frame in clusters.partition_by("_shard", as_dict=True).items():
        write_parquet(part_frame.drop("_shard"), folder / f"res-{int(s):05d}-{part:04d}.parquet")
    return clusters.height


def exact_apply_task(root: str, recipe: Recipe, where: str, task: Task, shard: int) -> dict:
    """Exact dedup, phase 3: the shard's clusters and drops."""
    rd = RunDir(root)
    plan = validate(recipe, where)
    ctx = _ctx(plan, task.start, {})
    frame = pl.read_parquet(rd.shard_file(shard, task.number - 1))
    folder = rd.phase_dir(task.number, "exact")
    files = sorted(folder.glob(f"res-{shard:05d}-*.parquet"))
    t0 = time.perf_counter()
    if files:
        clusters = pl.concat([pl.read_parquet(f) for f in files]).sort(ROW).drop(ROW)
    else:
        clusters = pl.DataFrame(
            schema={
                "cluster_id": pl.String,
                "id": pl.String,
                "is_representative": pl.Boolean,
                "jaccard": pl.Float64,
                "method": pl.String,
                "representative": pl.String,
            }
        )
    ctx.emit("clusters", clusters.drop("representative"))
    drops = clusters.filter(~pl.col("is_representative")).select(
        "id",
        drop_reason=pl.lit("exact_duplicate"),
        detail=pl.struct("cluster_id", "jaccard", "representative").struct.json_encode(),
    )
    after = drop_rows(frame, ctx, drops)
    _check_rows(ctx.key, frame, after, shard)
    _write_side(rd, ctx, shard, task.number)
    write_parquet(after, rd.shard_file(shard, task.number))
    return {"shard": shard, "seconds": time.perf_counter() - t0, "dropped": _drops(frame, after)}


QUALITY_COLUMN = "quality__score"


def minhash_map_task(
    root: str, recipe: Recipe, where: str, task: Task, shard: int, parts: int
) -> int:
    """MinHash, phase 1: the shard's signatures and partitioned band keys, and its live ids."""
    from curate.core.records import field_text as compared_text
    from curate.lib.dedup.sharded import map_shard

    rd = RunDir(root)
    plan = validate(recipe, where)
    p = dataclasses.replace(plan[task.start].params, threads=1)
    ctx = _ctx(plan, task.start, {})
    frame = pl.read_parquet(rd.shard_file(shard, task.number - 1))
    has_quality = QUALITY_COLUMN in frame.columns
    cols = ["id", compared_text(p.field).alias("_text")]
    if has_quality:
        cols.append(pl.col(QUALITY_COLUMN).cast(pl.Float64).alias("_score"))
    live = _live(frame, ctx).select(cols).filter(pl.col("_text").is_not_null())
    folder = rd.phase_dir(task.number, "minhash")
    scores = live["_score"].to_numpy() if has_quality else None
    map_shard(live["_text"], p, folder, shard, parts, scores=scores)
    write_parquet(live.select("id"), folder / f"ids-{shard:05d}.parquet")
    return live.height


def minhash_apply_task(root: str, recipe: Recipe, where: str, task: Task, shard: int) -> dict:
    """MinHash, phase 3: the shard's cluster rows and drops (same detail as the step)."""
    rd = RunDir(root)
    plan = validate(recipe, where)
    ctx = _ctx(plan, task.start, {})
    frame = pl.read_parquet(rd.shard_file(shard, task.number - 1))
    t0 = time.perf_counter()
    clusters = pl.read_parquet(rd.phase_dir(task.number, "minhash") / f"res-{shard:05d}.parquet")
    ctx.emit(
        "clusters", clusters.select("cluster_id", "id", "is_representative", "jaccard", "method")
    )
    drops = clusters.filter(~pl.col("is_representative")).select(
        "id",
        drop_reason=pl.lit("near_duplicate"),
        detail=pl.struct(
            "cluster_id", pl.col("jaccard").round(4), "representative"
        ).struct.json_encode(),
    )
    after = drop_rows(frame, ctx, drops)
    _check_rows(ctx.key, frame, after, shard)
    _write_side(rd, ctx, shard, task.number)
    write_parquet(after, rd.shard_file(shard, task.number))
    return {"shard": shard, "seconds": time.perf_counter() - t0, "dropped": _drops(frame, after)}


def decisions_apply_task(root: str, recipe: Recipe, where: str, task: Task, shard: int) -> dict:
    """Apply per-shard decisions (``id, drop_reason, detail``) and column updates of a global step."""
    rd = RunDir(root)
    plan = validate(recipe, where)
    ctx = _ctx(plan, task.start, {})
    frame = pl.read_parquet(rd.shard_file(shard, task.number - 1))
    folder = rd.phase_dir(task.number, "global")
    t0 = time.perf_counter()
    drops = pl.read_parquet(folder / "drops.parquet")
    after = drop_rows(frame, ctx, drops)
    cuts_file = folder / "cuts.parquet"
    if cuts_file.exists():
        cuts = pl.read_parquet(cuts_file)
        after = (
            after.join(cuts, on="id", how="left", maintain_order="left")
            .with_columns(text=pl.coalesce("_new", "text"))
            .drop("_new")
        )
    _check_rows(ctx.key, frame, after, shard)
    write_parquet(after, rd.shard_file(shard, task.number))
    return {"shard": shard, "seconds": time.perf_counter() - t0, "dropped": _drops(frame, after)}


# ---------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------


class _Driver:
    def __init__(
        self,
        recipe: Recipe,
        where: str,
        rd: RunDir,
        ex: Executor,
        reporter: Reporter,
        shard_records: int,
    ) -> None:
        self.recipe, self.where, self.rd, self.ex, self.rep = recipe, where, rd, ex, reporter
        self.shard_records = shard_records
        self.plan = validate(recipe, where)
        self.root = str(rd.root)
        self.step_seconds: dict[int, float] = {}
        self.step_dropped: dict[int, dict[str, int]] = {}
        self.step_rows: dict[int, int] = {}
        self.notes: dict[str, Any] = {}
        self.ran: dict[str, int] = {}
        self.verdicts: pl.DataFrame | None = None
        self.reviews_db: str | Path = ""

    # -- bookkeeping ------------------------------------------------------------------------
    @property
    def shards(self) -> list[dict[str, Any]]:
        return self.rd.manifest["shards"]

    def _add_stats(self, i: int, seconds: float, dropped: dict[str, int]) -> None:
        self.step_seconds[i] = self.step_seconds.get(i, 0.0) + seconds
        d = self.step_dropped.setdefault(i, {})
        for k, v in dropped.items():
            d[k] = d.get(k, 0) + v

    def _run_shards(
        self, label: str, done_key: str, fn: Callable[..., Any], args: Callable[[int], tuple]
    ) -> list[Any]:
        """Run ``fn`` on every shard not yet done; returns the stored result of every shard."""
        todo = [s for s in range(len(self.shards)) if not self.rd.is_done(f"{done_key}/s{s}")]
        total = sum(sh["units"] for sh in self.shards)
        self.rep.phase(f"{label} ({len(self.shards)} shards)", total)
        skipped = len(self.shards) - len(todo)
        if skipped:
            self.rep.advance(
                sum(self.shards[s]["units"] for s in range(len(self.shards)) if s not in todo)
            )
            self.rep.message(f"{label}: {skipped} shard(s) already done, {len(todo)} to run")
        for s, res in zip(todo, self.ex.map(fn, [args(s) for s in todo]), strict=True):
            self.rd.mark_done(f"{done_key}/s{s}", res)
            self.rep.advance(self.shards[s]["units"])
        self.ran[label] = self.ran.get(label, 0) + len(todo)
        self.rep.end_phase()
        return [self.rd.done_value(f"{done_key}/s{s}") for s in range(len(self.shards))]

    # -- ingest -----------------------------------------------------------------------------
    def ingest(self) -> None:
        if self.rd.is_done("t00"):
            self.rep.message(f"ingest: done ({len(self.shards)} shards), skipped")
            return
        self.rep.phase("ingest", 0)
        shards: list[dict[str, Any]] = []
        buf_r: list[pl.DataFrame] = []
        buf_q: list[pl.DataFrame] = []
        tasks: list[pl.DataFrame] = []
        seen_prefixes = np.zeros(0, np.uint64)
        repeats: dict[str, int] = {}
        units = 0
        row = 0
        confirmed = [0, 0.0]
        seen_units = [0]  # what the reader saw (lines, items, rows); each chunk checked by it

        def flush() -> None:
            nonlocal buf_r, buf_q, units, row, seen_prefixes
            if not buf_r and not buf_q:
                return
            k = len(shards)
            records = pl.concat(buf_r) if buf_r else None
            quarantine = pl.concat(buf_q) if buf_q else pl.DataFrame(schema=QUARANTINE_SCHEMA)
            if records is None:
                from curate.core.schemas import RECORD_SCHEMA

                records = pl.DataFrame(schema=RECORD_SCHEMA)
            ids, seen_prefixes = unique_ids(records["id"], seen_prefixes, repeats)
            frame: pl.DataFrame = (
                records.with_columns(id=ids)
                .with_row_index(ROW, offset=row)
                .with_columns(
                    keep=pl.lit(True),
                    stage=pl.lit(None, pl.String),
                    drop_reason=pl.lit(None, pl.String),
                    detail=pl.lit(None, pl.String),
                )
            )
            if self.verdicts is not None:
                from curate.run.reviews import apply_confirmed

                t0 = time.perf_counter()
                frame, n = apply_confirmed(frame, self.verdicts)
                confirmed[0] += n
                confirmed[1] += time.perf_counter() - t0
            write_parquet(frame, self.rd.shard_file(k, 0))
            write_parquet(quarantine, self.rd.quarantine_file(k))
            shards.append(
                {
                    "units": units,
                    "records": frame.height,
                    "quarantined": quarantine.height,
                    "row": row,
                }
            )
            self.rep.advance(units)
            row += frame.height
            buf_r, buf_q, units = [], [], 0

        for inp in self.recipe.inputs:
            locations = [str(p) for p in expand_paths(inp.path)] if inp.path else [inp.hf or ""]
            for location in locations:
                display = display_path(location) if inp.path else inp.hf
                for chunk in iter_chunks(
                    location,
                    source=inp.name,
                    layout=inp.layout,
                    fields=inp.fields,
                    split=inp.split,
                    limit=inp.limit,
                    display=display,
                    chunk=self.shard_records,
                ):
                    if chunk.tasks is not None:
                        tasks.append(chunk.tasks)
                    # cut the chunk where the shard fills up
                    taken = 0
                    recs, quar = chunk.records, chunk.quarantine
                    seen_units[0] += chunk.seen
                    rows = chunk.records.height + chunk.quarantine.height
                    while taken < rows:
                        room = self.shard_records - units
                        n = min(room, rows - taken)
                        if n == rows - taken and taken == 0:
                            buf_r.append(recs)
                            buf_q.append(quar)
                        else:  # split by rows: records and quarantine rows in line order
                            r_part, q_part = _split_units(recs, quar, taken, n)
                            buf_r.append(r_part)
                            buf_q.append(q_part)
                        units += n
                        taken += n
                        if units >= self.shard_records:
                            flush()
        flush()
        if tasks:
            write_parquet(pl.concat(tasks), self.rd.side_file("tasks", 0, 0))
        self.rd.manifest["shards"] = shards
        self.rd.manifest["units_seen"] = seen_units[0]
        self.rd.mark_done("t00", {"confirmed": confirmed})
        self.rep.end_phase()

    # -- steps ------------------------------------------------------------------------------
    def run_task(self, task: Task, verdicts: pl.DataFrame | None) -> None:
        if self.rd.is_done(task.name):
            saved = self.rd.done_value(task.name)
            self._restore(saved)
            self.rep.message(f"{task.name}: done, skipped")
            return
        before = (
            {i: self.step_seconds.get(i, 0.0) for i in range(task.start, task.stop)},
            {i: dict(self.step_dropped.get(i, {})) for i in range(task.start, task.stop)},
        )
        notes_before = json.dumps(self.notes, sort_keys=True, default=str)
        if task.kind == "records":
            self._records(task, verdicts)
        else:
            key = self.plan[task.start].spec.key
            if key == "exact_dedup_v1":
                self._exact(task)
            elif key == "minhash_dedup_v1":
                self._minhash(task)
            elif key == "decontaminate_v1":
                self._decontaminate(task, verdicts)
            else:
                self._whole_frame(task, verdicts)
        # what this task added, so a resumed run can restore it
        saved = {
            "seconds": {i: self.step_seconds.get(i, 0.0) - before[0][i] for i in before[0]},
            "dropped": {
                i: {k: v - before[1][i].get(k, 0) for k, v in self.step_dropped.get(i, {}).items()}
                for i in before[1]
            },
            "notes": self.notes
            if json.dumps(self.notes, sort_keys=True, default=str) != notes_before
            else None,
        }
        self.rd.mark_done(task.name, saved)
        self._cleanup(task.number - 1)

    def _restore(self, saved: dict[str, Any]) -> None:
        for i, s in saved["seconds"].items():
            self._add_stats(int(i), s, saved["dropped"].get(i, {}))
        if saved.get("notes"):
            self.notes = saved["notes"]

    def _cleanup(self, number: int) -> None:
        if number <= 0:
            return  # keep t00 (the ingested shards) until the end
        for s in range(len(self.shards)):
            self.rd.shard_file(s, number).unlink(missing_ok=True)

    def _merge_notes(self, notes: dict[str, Any]) -> None:
        for k, v in notes.items():
            if isinstance(v, list):
                self.notes.setdefault(k, []).extend(v)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                self.notes[k] = self.notes.get(k, 0) + v
            else:
                self.notes[k] = v

    def _records(self, task: Task, verdicts: pl.DataFrame | None) -> None:
        keys = "+".join(self.plan[i].spec.key for i in range(task.start, task.stop))
        results = self._run_shards(
            f"{task.name} {keys}"[:60],
            task.name,
            records_task,
            lambda s: (self.root, self.recipe, self.where, task, s, verdicts),
        )
        for res in results:
            for i, seconds, dropped, _rows in res["stats"]:
                self._add_stats(int(i), seconds, dropped)
        for res in results:  # notes in shard order
            self._merge_notes(res.get("notes") or {})

    def _parts(self) -> int:
        from curate.lib.dedup.sharded import parts_for

        return parts_for(len(self.shards))

    def _offsets(self) -> list[int]:
        return [sh["row"] for sh in self.shards] + [
            self.shards[-1]["row"] + self.shards[-1]["records"] if self.shards else 0
        ]

    def _exact(self, task: Task) -> None:
        parts = self._parts()
        t0 = time.perf_counter()
        self._run_shards(
            f"{task.name} exact_dedup: hashes",
            f"{task.name}/map",
            exact_map_task,
            lambda s: (self.root, self.recipe, self.where, task, s, parts),
        )
        if not self.rd.is_done(f"{task.name}/reduce"):
            self.rep.phase(f"{task.name} exact_dedup: first occurrence", parts, "partitions")
            offsets = self._offsets()
            for _ in self.ex.map(
                exact_reduce_task, [(self.root, task, q, offsets) for q in range(parts)]
            ):
                self.rep.advance(1)
            self.rep.end_phase()
            self.rd.mark_done(f"{task.name}/reduce")
        res = self._run_shards(
            f"{task.name} exact_dedup: decisions",
            f"{task.name}/apply",
            exact_apply_task,
            lambda s: (self.root, self.recipe, self.where, task, s),
        )
        self._add_stats(task.start, time.perf_counter() - t0, {})
        for r in res:
            self._add_stats(task.start, 0.0, r["dropped"])

    def _minhash(self, task: Task) -> None:
        from curate.lib.dedup.sharded import reduce_shards, stats_line

        ps = self.plan[task.start]
        p = dataclasses.replace(ps.params, threads=1)
        parts = self._parts()
        t0 = time.perf_counter()
        self._run_shards(
            f"{task.name} minhash: signatures",
            f"{task.name}/map",
            minhash_map_task,
            lambda s: (self.root, self.recipe, self.where, task, s, parts),
        )
        folder = self.rd.phase_dir(task.number, "minhash")
        if not self.rd.is_done(f"{task.name}/reduce"):
            self.rep.phase(f"{task.name} minhash: buckets + clusters", 1, "phases")
            if p.representative == "quality":
                has_q = any(
                    QUALITY_COLUMN in pl.read_parquet_schema(self.rd.shard_file(s, task.number - 1))
                    for s in range(min(1, len(self.shards)))
                )
                if not has_q:
                    log.warning(
                        "%s: representative='quality' but no %s column; keeping the first",
                        ps.spec.key,
                        QUALITY_COLUMN,
                    )
            result = reduce_shards(folder, len(self.shards), p, parts)
            self._minhash_outputs(folder, result)
            s = result.stats
            self.notes.setdefault("summary_lines", []).append(stats_line(ps.spec.key, s))
            self.notes.setdefault("minhash", {})[ps.spec.key] = s
            self.rep.advance(1)
            self.rep.end_phase()
            self.rd.mark_done(f"{task.name}/reduce", {"notes": self.notes})
        else:
            self.notes = self.rd.done_value(f"{task.name}/reduce")["notes"]
        res = self._run_shards(
            f"{task.name} minhash: decisions",
            f"{task.name}/apply",
            minhash_apply_task,
            lambda s: (self.root, self.recipe, self.where, task, s),
        )
        self._add_stats(task.start, time.perf_counter() - t0, {})
        for r in res:
            self._add_stats(task.start, 0.0, r["dropped"])

    def _minhash_outputs(self, folder: Path, result: Any) -> None:
        """Per shard, the cluster rows of its members (ids looked up only for members)."""
        offsets = result.offsets
        member = np.flatnonzero(result.cluster_size > 1)
        needed = np.unique(np.concatenate([result.label[member], result.representative[member]]))
        ids_needed: list[str] = []
        for s in range(len(self.shards)):
            a, b = np.searchsorted(needed, [offsets[s], offsets[s + 1]])
            if b > a:
                ids = pl.read_parquet(folder / f"ids-{s:05d}.parquet")["id"]
                ids_needed.extend(ids.gather(needed[a:b] - offsets[s]).to_list())
        ids_needed_s = pl.Series(ids_needed, dtype=pl.String)
        for s in range(len(self.shards)):
            a, b = int(offsets[s]), int(offsets[s + 1])
            m = member[(member >= a) & (member < b)]
            ids = pl.read_parquet(folder / f"ids-{s:05d}.parquet")["id"]
            frame = pl.DataFrame(
                {
                    "cluster_id": ids_needed_s.gather(np.searchsorted(needed, result.label[m])),
                    "id": ids.gather(m - a),
                    "is_representative": result.representative[m] == m,
                    "jaccard": result.jaccard[m],
                    "representative": ids_needed_s.gather(
                        np.searchsorted(needed, result.representative[m])
                    ),
                },
                schema={
                    "cluster_id": pl.String,
                    "id": pl.String,
                    "is_representative": pl.Boolean,
                    "jaccard": pl.Float64,
                    "representative": pl.String,
                },
            ).with_columns(
                cluster_id=pl.lit("minhash:") + pl.col("cluster_id"), method=pl.lit("minhash")
            )
            write_parquet(frame, folder / f"res-{s:05d}.parquet")

    def _decontaminate(self, task: Task, verdicts: pl.DataFrame | None) -> None:
        from curate.plugins import sharded_forms

        decontaminate_global = sharded_forms().decontaminate_global

        if not self.rd.is_done(f"{task.name}/scan"):
            self.rep.phase(
                f"{task.name} decontaminate: scan", sum(sh["units"] for sh in self.shards)
            )
            t0 = time.perf_counter()
            ps = self.plan[task.start]
            ctx = _ctx(self.plan, task.start, {"verdicts": verdicts})
            files = [self.rd.shard_file(s, task.number - 1) for s in range(len(self.shards))]
            folder = self.rd.phase_dir(task.number, "global")
            decontaminate_global(ps.params, ctx, files, folder, advance=self.rep.advance)
            for name, parts in ctx.side_tables.items():
                write_parquet(
                    pl.concat(parts, how="diagonal_relaxed"),
                    self.rd.side_file(name, 0, task.number),
                )
            self._merge_notes(ctx.resources.get("notes", {}))
            self.rep.end_phase()
            self.rd.mark_done(
                f"{task.name}/scan", {"seconds": time.perf_counter() - t0, "notes": self.notes}
            )
        saved = self.rd.done_value(f"{task.name}/scan")
        self.notes = saved["notes"]
        res = self._run_shards(
            f"{task.name} decontaminate: decisions",
            f"{task.name}/apply",
            decisions_apply_task,
            lambda s: (self.root, self.recipe, self.where, task, s),
        )
        self._add_stats(task.start, saved["seconds"], {})
        for r in res:
            self._add_stats(task.start, r["seconds"], r["dropped"])

    def _whole_frame(self, task: Task, verdicts: pl.DataFrame | None) -> None:
        """A global step without a sharded form: run it on all shards at once (memory: corpus)."""
        ps = self.plan[task.start]
        self.rep.phase(f"{task.name} {ps.spec.key} (whole frame)", 1, "phases")
        frames = [
            pl.read_parquet(self.rd.shard_file(s, task.number - 1)) for s in range(len(self.shards))
        ]
        frame = pl.concat(frames, how="diagonal_relaxed")
        resources: dict[str, Any] = {"recipe": self.recipe, "verdicts": verdicts}
        ctx = _ctx(self.plan, task.start, resources)
        t0 = time.perf_counter()
        after = frame.lazy().pipe(ps.spec.build(ps.params, ctx)).collect()
        _check_rows(ps.spec.key, frame, after, -1)
        self._add_stats(task.start, time.perf_counter() - t0, _drops(frame, after))
        _write_side(self.rd, ctx, 0, task.number)
        self._merge_notes(resources.get("notes", {}))
        at = 0
        for s, f in enumerate(frames):
            write_parquet(after.slice(at, f.height), self.rd.shard_file(s, task.number))
            at += f.height
        self.rep.advance(1)
        self.rep.end_phase()


def _split_units(
    recs: pl.DataFrame, quar: pl.DataFrame, start: int, n: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Units ``start:start+n`` of a chunk (records and quarantine rows merged by line)."""
    r_lines = recs["meta"].str.json_path_match("$.line").cast(pl.Int64).to_numpy()
    q_lines = quar["line"].to_numpy()
    lines = np.sort(np.concatenate([r_lines, q_lines]), kind="stable")
    lo = lines[start] if start < len(lines) else np.iinfo(np.int64).max
    hi = lines[start + n] if start + n < len(lines) else np.iinfo(np.int64).max
    r_sel = (r_lines >= lo) & (r_lines < hi)
    q_sel = (q_lines >= lo) & (q_lines < hi)
    return recs.filter(pl.Series(r_sel)), quar.filter(pl.Series(q_sel))


def unique_ids(
    ids: pl.Series, seen: np.ndarray, repeats: dict[str, int]
) -> tuple[pl.Series, np.ndarray]:
    """:func:`curate.core.records.assign_ids` across shards with bounded state.

    ``seen`` is the sorted array of the 64-bit prefixes of every id so far; ``repeats`` counts
    only ids met more than once. An id whose prefix was seen but which is not in ``repeats`` had
    exactly one earlier copy (two different content hashes sharing 64 bits would be taken as one:
    chance about n^2 / 2^65, 3e-8 at a million records). Returns the ids and the new ``seen``.

    Example: shards ``["a", "b"]`` then ``["a", "a"]`` -> ``["a", "b"]``, ``["a-1", "a-2"]``.
    """
    if ids.is_empty():
        return ids, seen
    prefix = ids.str.slice(0, 16).str.to_integer(base=16, strict=False).cast(pl.UInt64)
    if prefix.null_count():  # not hex (tests): hash the string instead
        prefix = ids.hash(seed=7)
    u = prefix.to_numpy()
    prior = np.isin(u, seen)
    dup = pl.Series(u).is_duplicated().to_numpy()
    out = ids.to_list()
    for i in np.flatnonzero(prior | dup):
        h = out[i]
        n = repeats.get(h)
        if n is None:
            n = 1 if prior[i] else 0
        repeats[h] = n + 1
        if n:
            out[i] = f"{h}-{n}"
    return pl.Series("id", out, dtype=pl.String), np.union1d(seen, u)


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def default_run_dir(recipe: Recipe) -> Path:
    """``<db folder>/runs/<recipe name>``: one resumable run folder per recipe and output."""
    return Path(recipe.output.db).parent / "runs" / recipe.name


def run_sharded(
    recipe: Recipe,
    *,
    where: str = "recipe",
    engine: str = "local",
    workers: int | None = None,
    resume: bool = False,
    run_dir: str | Path | None = None,
    shard_records: int | None = None,
    reviews_db: str | Path | None = None,
    reporter: Reporter | None = None,
) -> ShardedRunResult:
    """Run a recipe shard by shard (see the module docstring); returns a result for export.

    Args:
        recipe: the recipe.
        where: how to name the recipe in messages.
        engine: ``local`` or ``ray``.
        workers: processes (local) or CPUs of a local Ray; default: the CPU count.
        resume: continue the run in ``run_dir`` (refused if the recipe or inputs changed).
        run_dir: the run folder (default :func:`default_run_dir`).
        shard_records: units per shard (default: the recipe's ``shard_records``, else 50,000).
        reviews_db: reviewer verdicts (default: the recipe's ``output.reviews_db``).
        reporter: progress callbacks.
    """
    from curate.io.reviews import latest_verdicts

    plan = validate(recipe, where)
    started = datetime.now(timezone.utc)
    rep = reporter or Reporter()
    size = shard_records or getattr(recipe, "shard_records", None) or DEFAULT_SHARD_RECORDS
    locations = []
    for inp in recipe.inputs:
        locations += [str(p) for p in expand_paths(inp.path)] if inp.path else [inp.hf or ""]
    rd = RunDir(run_dir or default_run_dir(recipe))
    resumed = rd.open(recipe.sha256(), fingerprint(locations) + [{"shard_records": size}], resume)
    verdicts = latest_verdicts(reviews_db or recipe.output.reviews_db)
    if verdicts is not None and verdicts.is_empty():
        verdicts = None
    ex = make_executor(engine, workers)
    driver = _Driver(recipe, where, rd, ex, rep, size)
    driver.verdicts = verdicts
    driver.reviews_db = reviews_db or recipe.output.reviews_db
    if resumed:
        rep.message(f"resuming {rd.root}: {len(rd.manifest['done'])} task(s) already done")
    try:
        driver.ingest()
        last = 0
        for task in plan_tasks(plan):
            driver.run_task(task, verdicts)
            last = task.number
        result = _finish(driver, last, started)
        result.engine, result.workers = ex.name, ex.workers
        return result
    finally:
        ex.close()


def _finish(driver: _Driver, last: int, started: datetime) -> ShardedRunResult:
    """Conservation, counts, mixtures; the result (export is separate)."""
    from curate.lib.mixing.build import build_all

    rd, recipe = driver.rd, driver.recipe
    files = [rd.shard_file(s, last) for s in range(len(driver.shards))]
    quarantine = (
        pl.concat([pl.read_parquet(rd.quarantine_file(s)) for s in range(len(driver.shards))])
        if driver.shards
        else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    )
    kept = dropped = 0
    reasons: dict[str, int] = {}
    for s, f in enumerate(files):
        d = pl.read_parquet(f, columns=["keep", "drop_reason"])
        k = int(d["keep"].sum())
        sh = driver.shards[s]
        check_conserved(s, sh["units"], k, d.height - k, sh["quarantined"])
        if d.filter(~pl.col("keep") & pl.col("drop_reason").is_null()).height:
            raise StepError(f"shard {s}: a dropped record has no drop_reason")
        kept += k
        dropped += d.height - k
        for r, n in d.filter(~pl.col("keep")).group_by("drop_reason").len().iter_rows():
            reasons[r] = reasons.get(r, 0) + n
    total_units = sum(sh["units"] for sh in driver.shards)
    check_conserved(None, total_units, kept, dropped, quarantine.height)
    reasons = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    large = {k: v for k, v in side_files(rd).items() if k in LARGE_SIDE_TABLES}
    side = _side_tables(side_files(rd))
    steps = [
        StepStats(
            ps.spec.key,
            ps.spec.kind,
            driver.step_seconds.get(i, 0.0),
            dict(sorted(driver.step_dropped.get(i, {}).items())),
            kept + dropped,
        )
        for i, ps in enumerate(driver.plan)
    ]
    if driver.verdicts is not None:
        from curate.run.reviews import CONFIRMED_REASON, STAGE, summary_line

        n, seconds = driver.rd.done_value("t00")["confirmed"]
        dropped_r = {CONFIRMED_REASON: n} if n else {}
        steps.insert(0, StepStats(STAGE, "filter", seconds, dropped_r, kept + dropped))
        notes = {
            "reviews_db": str(driver.reviews_db),
            "verdicts": driver.verdicts.height,
            "confirmed_dropped": int(n),
            "false_positive_kept": int(driver.notes.get("false_positive_kept", 0)),
        }
        driver.notes["reviews"] = notes
        driver.notes["summary_lines"] = [
            *driver.notes.get("summary_lines", []),
            summary_line(notes),
        ]
    run_id = f"{started:%Y%m%dT%H%M%S%fZ}-{recipe.sha256()[:8]}"
    result = ShardedRunResult(
        run_id,
        recipe,
        rd.root,
        quarantine,
        steps,
        {"kept": kept, "dropped": dropped},
        reasons,
        side_tables=side,
        started_at=started,
        notes=driver.notes,
        shard_files=files,
        shards_run=dict(driver.ran),
        large_side_files=large,
    )
    if recipe.mixtures:
        clusters = (
            pl.concat([pl.read_parquet(f) for f in large["clusters"]])
            if large.get("clusters")
            else None
        )
        kept_rows = (
            pl.scan_parquet([str(f) for f in files])
            .filter(pl.col("keep"))
            .select("id", "source", "kind", "text", "messages", "meta")
            .collect()
        )
        frames, manifest, counts = build_all(
            recipe.mixtures,
            kept_rows,
            all_sources=recipe.source_names(),
            seed=recipe.seed,
            clusters=clusters,
            tasks=side.get("tasks"),
            recipe_sha256=recipe.sha256(),
        )
        del kept_rows, clusters
        side["mixture_manifest"] = manifest
        side["mixture_counts"] = counts
        result.mixtures = frames
    result.finished_at = datetime.now(timezone.utc)
    return result


def check_conserved(
    shard: int | None, seen: int, kept: int, dropped: int, quarantined: int
) -> None:
    """Rows read (records + quarantine rows; each chunk was checked against the units the reader
    saw) = kept + dropped + quarantined at the end, or a StepError naming the shard.

    Example: ``check_conserved(3, 10, 6, 3, 0)`` raises ``shard 3: 10 rows were read ...``.
    """
    if seen != kept + dropped + quarantined:
        where = f"shard {shard}" if shard is not None else "run"
        raise StepError(
            f"{where}: {seen} rows were read but {kept} kept + {dropped} dropped + "
            f"{quarantined} quarantined = {kept + dropped + quarantined}; records were lost or invented"
        )


# Side tables that grow with the corpus: exported by DuckDB straight from the shard files.
LARGE_SIDE_TABLES = ("clusters",)


def side_files(rd: RunDir) -> dict[str, list[Path]]:
    """Side-table files by table, in step order, then shard order."""
    out = {}
    side = rd.root / "side"
    if side.exists():
        for folder in sorted(p for p in side.iterdir() if p.is_dir()):
            files = sorted(folder.glob("*.parquet"), key=lambda f: (f.stem.split("-")[1], f.stem))
            if files:
                out[folder.name] = files
    return out


def _side_tables(files: dict[str, list[Path]]) -> dict[str, pl.DataFrame]:
    return {
        name: pl.concat([pl.read_parquet(f) for f in paths], how="diagonal_relaxed")
        for name, paths in files.items()
        if name not in LARGE_SIDE_TABLES
    }


def shard_summary(result: ShardedRunResult) -> list[str]:
    """Lines about the run folder and how many shard tasks ran in this invocation."""
    lines = [f"run folder {result.run_dir} ({result.engine}, {result.workers} workers)"]
    lines += [f"ran {k}: {v} shard task(s)" for k, v in result.shards_run.items()]
    return lines

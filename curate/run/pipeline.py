"""The curate run: ingest every input, run the steps, build mixtures, export.

Every input record ends as kept, dropped with a reason, or quarantined with an error, and
``inputs = kept + dropped + quarantined`` is checked before anything is written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from curate.core.decisions import drop_ids
from curate.core.errors import ConfigError, StepError
from curate.core.progress import Bar, stage
from curate.core.records import assign_ids
from curate.core.schemas import QUARANTINE_SCHEMA, RECORD_SCHEMA, ROW
from curate.core.step import StepContext
from curate.core.verdicts import (
    REVIEWER_DROPPED,
    fold_per_target,
    latest_by_target,
    latest_per_match,
    restore_reviewer_keeps,
    reviewer_drops,
)
from curate.io.ingest import read_input
from curate.io.paths import display_path, expand_paths
from curate.io.reviews import read_reviews
from curate.lib.categories.records import LABEL_COLUMN
from curate.lib.mixing.build import build_all
from curate.run.recipe import PlannedStep, Recipe, validate
from curate.run.reviews import (
    CONFIRMED_REASON,
    STAGE,
    apply_confirmed,
    false_positives_kept,
    summary_line,
)

log = logging.getLogger(__name__)


@dataclass
class StepStats:
    """What one step did: seconds taken and rows it dropped, by reason."""

    key: str
    kind: str
    seconds: float
    dropped: dict[str, int]
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.key,
            "kind": self.kind,
            "seconds": round(self.seconds, 3),
            "dropped": self.dropped,
            "rows": self.rows,
        }


@dataclass
class RunResult:
    """Everything a run produced, before and after export."""

    run_id: str
    recipe: Recipe
    frame: pl.DataFrame
    quarantine: pl.DataFrame
    steps: list[StepStats]
    side_tables: dict[str, pl.DataFrame]
    mixtures: dict[str, pl.DataFrame] = field(default_factory=dict)
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    finished_at: datetime | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def inputs(self) -> int:
        return self.frame.height + self.quarantine.height

    @property
    def kept(self) -> int:
        return int(self.frame["keep"].sum())

    @property
    def dropped(self) -> int:
        return self.frame.height - self.kept

    def drops_by_reason(self) -> dict[str, int]:
        return drops_by_reason(self.frame)


def drops_by_reason(frame: pl.DataFrame) -> dict[str, int]:
    """Dropped rows per reason, most frequent first: ``{"exact_duplicate": 23, ...}``."""
    counts = (
        frame.filter(~pl.col("keep"))
        .group_by("drop_reason")
        .len()
        .sort(["len", "drop_reason"], descending=[True, False])
    )
    return dict(zip(counts["drop_reason"].to_list(), counts["len"].to_list(), strict=True))


def ingest_all(
    recipe: Recipe,
    progress: Callable[[str], None] | None = None,
    side_tables: dict[str, pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read every input; returns the working frame (records + decision columns) and quarantine.

    Task descriptions read by the ``natural_instructions`` layout go to ``side_tables["tasks"]``.
    """
    with stage("reading", total=len(recipe.inputs), unit="inputs") as bar:
        return _ingest_all(recipe, progress, side_tables, bar)


def _ingest_all(
    recipe: Recipe,
    progress: Callable[[str], None] | None,
    side_tables: dict[str, pl.DataFrame] | None,
    bar: Bar,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    frames, quarantines, tasks = [], [], []
    for inp in recipe.inputs:
        if progress:
            progress(f"reading {inp.name} ({inp.location})")
        bar.describe(f"reading {inp.name}")
        locations = [str(p) for p in expand_paths(inp.path)] if inp.path else [inp.hf or ""]
        seen = 0
        for location in locations:
            got = read_input(
                location,
                source=inp.name,
                layout=inp.layout,
                fields=inp.fields,
                split=inp.split,
                limit=inp.limit,
                display=display_path(location) if inp.path else inp.hf,
                hf_options=inp.hf_options() if inp.hf else None,
            )
            seen += got.seen
            frames.append(got.records)
            quarantines.append(got.quarantine)
            if got.tasks is not None:
                tasks.append(got.tasks)
        if seen == 0 and not inp.allow_empty:
            raise ConfigError(
                f"input {inp.name!r} ({inp.location}) has no rows; nothing was written "
                "(set `allow_empty: true` on the input to run with it empty)"
            )
        bar.advance(1)
    if tasks and side_tables is not None:
        side_tables["tasks"] = pl.concat(tasks)
    records = pl.concat(frames) if frames else pl.DataFrame(schema=RECORD_SCHEMA)
    records = records.with_columns(
        id=pl.Series(assign_ids(records["id"].to_list()), dtype=pl.String)
    )
    frame = records.with_row_index(ROW).with_columns(
        keep=pl.lit(True),
        stage=pl.lit(None, pl.String),
        drop_reason=pl.lit(None, pl.String),
        detail=pl.lit(None, pl.String),
    )
    quarantine = pl.concat(quarantines) if quarantines else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return frame, quarantine


def run_steps(
    frame: pl.DataFrame,
    plan: list[PlannedStep],
    resources: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[pl.DataFrame, list[StepStats], dict[str, pl.DataFrame]]:
    """Run the planned steps in order, checking each keeps every row and id."""
    with stage("steps", total=len(plan) * frame.height) as bar:
        return _run_steps(frame, plan, resources, progress, bar)


def _run_steps(
    frame: pl.DataFrame,
    plan: list[PlannedStep],
    resources: dict[str, Any] | None,
    progress: Callable[[str], None] | None,
    bar: Bar,
) -> tuple[pl.DataFrame, list[StepStats], dict[str, pl.DataFrame]]:
    side: dict[str, list[pl.DataFrame]] = {}
    stats = []
    for i, ps in enumerate(plan):
        ctx = StepContext(
            key=ps.spec.key,
            index=i,
            kinds=ps.config.kinds,
            side_tables=side,
            resources=resources or {},
        )
        if progress:
            progress(f"step {i + 1}/{len(plan)}: {ps.spec.key}")
        bar.describe(f"step {i + 1}/{len(plan)}: {ps.spec.key}")
        t0 = time.perf_counter()
        fn = ps.spec.build(ps.params, ctx)
        after = frame.lazy().pipe(fn).collect()
        after = obey_record_keeps(frame, after, ctx.resources)
        seconds = time.perf_counter() - t0
        if after.height != frame.height or not after["id"].equals(frame["id"]):
            raise StepError(
                f"step {ps.spec.key} changed the rows ({frame.height} in, {after.height} out); steps must keep every row in order"
            )
        newly = after.filter(frame["keep"] & ~after["keep"])
        dropped = (
            dict(sorted(newly.group_by("drop_reason").len().iter_rows())) if newly.height else {}
        )
        stats.append(StepStats(ps.spec.key, ps.spec.kind, seconds, dropped, after.height))
        frame = after
        bar.advance(frame.height)
    tables = {
        name: pl.concat(parts, how="diagonal_relaxed") for name, parts in side.items() if parts
    }
    return frame, stats, tables


def run_curate(
    recipe: Recipe,
    *,
    where: str = "recipe",
    progress: Callable[[str], None] | None = None,
    reviews_db: str | Path | None = None,
) -> RunResult:
    """Ingest, run steps and build mixtures (no export: see :func:`curate.run.export.export_run`).

    Reviewer verdicts are read from ``reviews_db`` (default: the recipe's ``output.reviews_db``)
    before any step runs: see :func:`apply_reviews`.
    """
    plan = validate(recipe, where)
    started = datetime.now(timezone.utc)
    ingest_side: dict[str, pl.DataFrame] = {}
    frame, quarantine = ingest_all(recipe, progress, ingest_side)
    resources: dict[str, Any] = {"recipe": recipe}
    frame, review_stats = apply_reviews(frame, resources, reviews_db or recipe.output.reviews_db)
    frame, stats, side = run_steps(frame, plan, resources, progress)
    side = {**ingest_side, **side}
    run_id = f"{started:%Y%m%dT%H%M%S%fZ}-{recipe.sha256()[:8]}"
    result = RunResult(
        run_id, recipe, frame, quarantine, review_stats + stats, side, started_at=started
    )
    result.notes.update(resources.get("notes", {}))
    note_reviews(result, resources)
    result.mixtures = build_mixtures(result)
    assert_conserved(result)
    result.finished_at = datetime.now(timezone.utc)
    return result


def apply_reviews(
    frame: pl.DataFrame, resources: dict[str, Any], reviews_db: str | Path
) -> tuple[pl.DataFrame, list[StepStats]]:
    """Load reviewer verdicts into ``resources["verdicts"]`` and drop confirmed contamination.

    Records whose contamination verdict in force is ``confirmed`` are dropped with reason
    ``reviewer_confirmed_contamination`` (stage ``reviews``) before any step runs, so no later
    step picks them (e.g. as a cluster representative). ``false_positive`` verdicts are left to the
    decontamination step, which reads ``resources["verdicts"]``. Returns the frame and the
    pseudo-step's stats (none when there are no verdicts).
    """
    t0 = time.perf_counter()
    raw = read_reviews(reviews_db)
    verdicts = fold_per_target(latest_per_match(raw))
    resources["verdicts"] = verdicts
    resources["match_verdicts"] = latest_per_match(raw)
    resources["target_verdicts"] = {k: latest_by_target(raw, k) for k in ("cluster", "record")}
    resources["reviews_db"] = str(reviews_db)
    if verdicts.is_empty():
        return frame, []
    frame, n = apply_confirmed(frame, verdicts)
    drops = reviewer_drops(frame, resources["target_verdicts"])
    frame, _ = drop_ids(frame, drops, STAGE)
    resources["confirmed_dropped"] = n
    resources["reviewer_dropped"] = drops.height
    dropped = {CONFIRMED_REASON: n, REVIEWER_DROPPED: drops.height}
    dropped = {k: v for k, v in dropped.items() if v}
    return frame, [StepStats(STAGE, "filter", time.perf_counter() - t0, dropped, frame.height)]


def obey_record_keeps(
    before: pl.DataFrame, after: pl.DataFrame, resources: dict[str, Any]
) -> pl.DataFrame:
    """Restore records a reviewer said to keep that this step dropped (counted in the notes)."""
    keeps = resources.get("target_verdicts", {}).get("record") or {}
    ids = [k for k, v in keeps.items() if v == "keep"]
    after, n = restore_reviewer_keeps(before, after, ids)
    if n:
        notes = resources.setdefault("notes", {})
        notes["record_kept"] = notes.get("record_kept", 0) + n
    return after


def note_reviews(result: RunResult, resources: dict[str, Any]) -> None:
    """Count what the verdicts did into ``result.notes["reviews"]`` and a summary line."""
    verdicts = resources.get("verdicts")
    if verdicts is None or verdicts.is_empty():
        return
    fp = resources.get("notes", {}).get("false_positive_kept")
    if fp is None:
        fp = false_positives_kept(result.frame, verdicts, result.side_tables.get("contamination"))
    more = resources.get("notes", {})
    notes = {
        "reviews_db": resources["reviews_db"],
        "verdicts": verdicts.height,
        "confirmed_dropped": int(resources.get("confirmed_dropped", 0)),
        "false_positive_kept": int(fp),
        "held_by_unreviewed": int(more.get("held_by_unreviewed", 0)),
        "reviewer_dropped": int(resources.get("reviewer_dropped", 0)),
        "not_duplicate": int(more.get("not_duplicate", 0)),
        "cluster_kept": int(more.get("cluster_kept", 0)),
        "record_kept": int(more.get("record_kept", 0)),
    }
    result.notes["reviews"] = notes
    result.notes["summary_lines"] = [*result.notes.get("summary_lines", []), summary_line(notes)]


def assert_conserved(result: RunResult) -> None:
    """``inputs = kept + dropped + quarantined``, every dropped row has a reason, ids are unique."""
    f = result.frame
    if result.inputs != result.kept + result.dropped + result.quarantine.height:
        raise StepError("record counts do not add up")
    if f.filter(~pl.col("keep") & pl.col("drop_reason").is_null()).height:
        raise StepError("a dropped record has no drop_reason")
    if f["id"].n_unique() != f.height:
        raise StepError("record ids are not unique")


def build_mixtures(result: RunResult) -> dict[str, pl.DataFrame]:
    """One frame per mixture of the recipe; the manifests go to ``result.side_tables``
    (``mixture_manifest``, ``mixture_counts``)."""
    label = [LABEL_COLUMN] if LABEL_COLUMN in result.frame.columns else []
    kept = result.frame.filter(pl.col("keep")).select(
        "id", "source", "kind", "text", "messages", "meta", *label
    )
    frames, manifest, counts = build_all(
        result.recipe.mixtures,
        kept,
        all_sources=result.recipe.source_names(),
        seed=result.recipe.seed,
        clusters=result.side_tables.get("clusters"),
        tasks=result.side_tables.get("tasks"),
        recipe_sha256=result.recipe.sha256(),
    )
    result.side_tables["mixture_manifest"] = manifest
    result.side_tables["mixture_counts"] = counts
    return frames

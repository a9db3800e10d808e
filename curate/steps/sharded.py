"""Step-level pieces of sharded runs (``curate.run.engine``), reached through ``curate.plugins``.

``decontaminate_v1`` over shards on disk: one index, every shard streamed through one scan.

The benchmark index is built once (:func:`audit.scan.scan` builds it before reading the first
shard); the shards are read from the run folder one at a time (``id, text`` of the records in
scope), so only one shard's texts and the texts of records with a hit are in memory. The scan is
the same function on the same rows in the same order as the single-frame step (it does not
depend on where shards start), and the decisions below repeat the step's own rules
(:func:`curate.steps.decontaminate.decontaminate`), so the outcome is the same. Decisions are written
to ``drops.parquet`` (and ``cuts.parquet`` in ``cut`` mode) for every shard to apply.

Also re-exported for the engine: the exact-dedup key hash and cluster rows of ``exact_dedup_v1``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

from audit.presets import get_preset
from audit.scan import shards_of
from curate.core.step import StepContext
from curate.io.store import write_parquet
from curate.steps.decontaminate import DecontaminateParams, decide, run_scan
from curate.steps.exact_dedup import cluster_rows, key_hashes

__all__ = ["cluster_rows", "decontaminate_global", "key_hashes"]


def decontaminate_global(
    p: DecontaminateParams,
    ctx: StepContext,
    files: list[Path],
    folder: Path,
    advance: Callable[[int], None] | None = None,
) -> None:
    """Scan every shard file, emit ``benchmark_items`` and ``contamination`` into ``ctx`` and write
    the per-record decisions under ``folder``."""
    preset = get_preset(p.preset).with_n(p.n)

    def shards() -> Iterator[pl.DataFrame]:
        for f in files:
            frame = pl.read_parquet(f, columns=["id", "text", "kind"])
            if advance:
                advance(frame.height)
            yield from shards_of(frame.filter(ctx.scope()).select("id", "text"))

    result = run_scan(p, preset, shards())
    hit_ids = result.contamination["id"].unique().to_list()
    rows = pl.concat(
        [
            pl.read_parquet(f, columns=["id", "text", "kind", "keep"]).filter(
                pl.col("id").is_in(hit_ids)
            )
            for f in files
        ]
    ).filter(ctx.scope())
    live = set(rows.filter(pl.col("keep"))["id"].to_list())
    drops, cuts = decide(p, ctx, preset, result, rows.select("id", "text", "kind"), live)
    write_parquet(drops, folder / "drops.parquet")
    if cuts is not None:
        write_parquet(cuts, folder / "cuts.parquet")

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

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

from audit.benchmarks import load_benchmark
from audit.presets import DIRTY_VERDICTS, get_preset
from audit.scan import scan, shards_of
from curate.core.decisions import to_json
from curate.core.step import StepContext
from curate.core.verdicts import ids_with
from curate.io.store import write_parquet
from curate.steps.decontaminate import DecontaminateParams, _cut_spans, cut_pieces
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
    items = [load_benchmark(b) for b in p.benchmarks]

    def shards() -> Iterator[pl.DataFrame]:
        for f in files:
            frame = pl.read_parquet(f, columns=["id", "text", "kind"])
            if advance:
                advance(frame.height)
            yield from shards_of(frame.filter(ctx.scope()).select("id", "text"))

    result = scan(items, shards(), preset)
    ctx.emit("benchmark_items", result.items)
    hit_ids = result.contamination["id"].unique().to_list()
    rows = pl.concat(
        [
            pl.read_parquet(f, columns=["id", "text", "kind", "keep"]).filter(
                pl.col("id").is_in(hit_ids)
            )
            for f in files
        ]
    ).filter(ctx.scope())
    scanned = rows.select("id", "text", "kind")
    live = set(rows.filter(pl.col("keep"))["id"].to_list())
    hits = result.contamination.filter(
        pl.col("verdict").is_in(DIRTY_VERDICTS)
        & pl.col("part").is_in(list(p.parts))
        & pl.col("id").is_in(list(live))
    )
    fps = ids_with(ctx.resources.get("verdicts"), "false_positive")
    fp_kept = hits.filter(pl.col("id").is_in(list(fps)))["id"].n_unique() if fps else 0
    notes = ctx.resources.setdefault("notes", {})
    notes["false_positive_kept"] = notes.get("false_positive_kept", 0) + fp_kept
    for row in result.summary.iter_rows(named=True):
        notes.setdefault("contamination", []).append(
            {k: v for k, v in row.items() if v is not None}
        )
        notes.setdefault("summary_lines", []).append(
            f"contamination ({preset.name}, n={row['n']}): {row['benchmark']}: "
            f"{row['dirty']} of {row['items']} items dirty ({row['pct_clean']}% clean), "
            f"{row['answer_only']} by answer only, {row['records_hit']} records hit"
        )
    hits = hits.filter(~pl.col("id").is_in(list(fps)))
    best = (
        hits.sort("coverage", descending=True)
        .group_by("id", maintain_order=True)
        .agg(
            pl.col("benchmark", "item_id", "part", "coverage").first(),
            pl.len().alias("items"),
            pl.col("spans"),
            pl.struct("benchmark", "item_id").alias("matched"),
        )
        .join(scanned, on="id")
    )
    drops, cut_rows, cut_ids = [], [], set()
    for r in best.iter_rows(named=True):
        detail = to_json(
            {
                "benchmark": r["benchmark"],
                "item_id": r["item_id"],
                "part": r["part"],
                "coverage": r["coverage"],
                "preset": preset.name,
                "items": r["items"],
            }
        )
        if p.mode == "drop" or r["kind"] != "document":
            drops.append((r["id"], "contamination", detail))
            continue
        spans = [s for js in r["spans"] for s in json.loads(js)["record"]]
        kept, pieces = cut_pieces(r["text"], spans, p.window, p.min_piece)
        if pieces > p.max_pieces:
            drops.append((r["id"], "contamination_fragmented", detail))
        elif not kept:
            drops.append((r["id"], "contamination", detail))
        else:
            new = "\n\n".join(piece.strip() for piece in kept)
            cut_ids.add(r["id"])
            cut_rows.append((r["id"], new, len(r["text"]) - len(new), to_json(r["matched"])))
    contamination = result.contamination
    if cut_ids:
        contamination = contamination.with_columns(
            spans=pl.when(pl.col("id").is_in(list(cut_ids)))
            .then(pl.col("spans").map_elements(_cut_spans, return_dtype=pl.String))
            .otherwise(pl.col("spans"))
        )
    ctx.emit("contamination", contamination)
    write_parquet(
        pl.DataFrame(
            drops,
            schema={"id": pl.String, "drop_reason": pl.String, "detail": pl.String},
            orient="row",
        ),
        folder / "drops.parquet",
    )
    if p.mode == "cut":
        write_parquet(
            pl.DataFrame(
                cut_rows,
                schema={
                    "id": pl.String,
                    "_new": pl.String,
                    ctx.column("cut_chars"): pl.Int64,
                    ctx.column("matched"): pl.String,
                },
                orient="row",
            ),
            folder / "cuts.parquet",
        )

"""``decontaminate_v1``: drop (or cut) corpus records that contain benchmark items.

The step scans the records still kept with :func:`audit.scan.scan` and reports two side tables,
``benchmark_items`` and ``contamination`` (so ``cleanroom curate`` fills them in the DB), then:

- ``mode: drop`` — every record with a contaminated pair (verdict ``dirty``, or llama2's
  ``not_clean``/``dirty``) is dropped with reason ``contamination``;
  ``detail = {benchmark, item_id, part, coverage, preset, items}`` names the item it matched
  best and how many items it matched.
- ``mode: cut`` — GPT-3's rule (Brown et al. 2020, Appendix C): each match is removed from a
  *document* with ``window`` (200) characters either side; the text is split there; pieces under
  ``min_piece`` (200) characters are discarded; a record split into more than ``max_pieces`` (10)
  pieces is dropped as ``contamination_fragmented``; a record with nothing left is dropped as
  ``contamination``. Kept, cut records get ``decontaminate__cut_chars`` and
  ``decontaminate__matched`` (the items they matched). Instruction records are never cut (a
  half question-answer pair is worse than none): they are dropped as in ``drop`` mode. The
  ``contamination`` rows of a cut record keep their item spans; their record spans are emptied
  (``"record": []``, ``"cut": true``), because the matched text is no longer in ``records.text``.

Reviewer verdicts, per match (issue 15): ``ctx.resources["match_verdicts"]`` (else
``["verdicts"]``) holds verdicts with ``target_kind``, ``target_id``, ``verdict`` and the
``benchmark``/``item_id`` of the match (optionally ``created_at``). A record is kept only when
every match that would drop it has ``false_positive`` as its latest verdict
(:func:`curate.core.verdicts.cleared_records`); their number goes to
``notes["false_positive_kept"]``, and the records that stay dropped although some of their matches
are false positives to ``notes["held_by_unreviewed"]``. A verdict without benchmark and item
applies to every match of its record. (``confirmed`` records are dropped by the pipeline itself.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import polars as pl

from audit.benchmarks import check_benchmark_arg, load_benchmark
from audit.presets import DIRTY_VERDICTS, get_preset
from audit.scan import scan, shards_of
from curate.core.decisions import drop_rows, to_json
from curate.core.errors import ConfigError
from curate.core.step import Step, StepContext, register
from curate.core.verdicts import cleared_records, held_records, per_match_latest


@dataclass(frozen=True)
class DecontaminateParams:
    """Parameters of ``decontaminate_v1``.

    Attributes:
        benchmarks: names (``humaneval``), ``NAME=PATH`` or ``FILE:FIELD[:ANSWER]``; relative
            paths are relative to the working directory.
        preset: ``gpt3`` | ``llama2`` | ``tulu3`` | ``gpt4``.
        n: override the preset's n-gram length.
        mode: ``drop`` or ``cut``.
        parts: which matches count: the item ``text``, its ``answer``, or both.
        window: ``cut``: characters removed either side of a match.
        min_piece: ``cut``: pieces shorter than this are discarded.
        max_pieces: ``cut``: a record split into more pieces is dropped.
    """

    benchmarks: tuple[str, ...] = ("humaneval",)
    preset: Literal["gpt3", "llama2", "tulu3", "gpt4"] = "gpt3"
    n: int | None = None
    mode: Literal["drop", "cut"] = "drop"
    parts: tuple[Literal["text", "answer"], ...] = ("text", "answer")
    window: int = 200
    min_piece: int = 200
    max_pieces: int = 10

    def __post_init__(self) -> None:
        if not self.benchmarks:
            raise ConfigError("decontaminate_v1: give at least one benchmark")
        for b in self.benchmarks:
            check_benchmark_arg(b)
        get_preset(self.preset).with_n(self.n)
        if self.window < 0 or self.min_piece < 0 or self.max_pieces < 1:
            raise ConfigError(
                "decontaminate_v1: window and min_piece must be >= 0, max_pieces >= 1"
            )


def cut_pieces(
    text: str, spans: list[list[int]], window: int, min_piece: int
) -> tuple[list[str], int]:
    """Remove each span with ``window`` characters either side; return (kept pieces, pieces).

    ``pieces`` counts every piece the cuts made (before discarding short ones).

    Example: a 1000-char text with a match at [500, 510], window 200, min_piece 200 ->
    pieces ``text[:300]`` and ``text[710:]`` (both kept), 2.
    """
    cuts: list[list[int]] = []
    for a, b in sorted((max(0, a - window), min(len(text), b + window)) for a, b in spans):
        if cuts and a <= cuts[-1][1]:
            cuts[-1][1] = max(cuts[-1][1], b)
        else:
            cuts.append([a, b])
    pieces, at = [], 0
    for a, b in cuts:
        pieces.append(text[at:a])
        at = b
    pieces.append(text[at:])
    pieces = [p for p in pieces if p.strip()]
    return [p for p in pieces if len(p) >= min_piece], len(pieces)


@register(
    "decontaminate_v1",
    kind="dedup",
    params=DecontaminateParams,
    reasons=("contamination", "contamination_fragmented"),
)
def decontaminate(p: DecontaminateParams, ctx: StepContext) -> Step:
    """Drop (or GPT-3-style cut) records containing benchmark items; emits contamination rows."""
    preset = get_preset(p.preset).with_n(p.n)

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        frame = lf.collect()
        # Evidence is gathered for every record in scope, dropped ones included (a reviewer sees
        # every copy of an item, and a confirmed record stays visible); only kept records drop.
        scanned = frame.filter(ctx.scope()).select("id", "text", "kind")
        live = set(frame.filter(pl.col("keep") & ctx.scope())["id"].to_list())
        items = [load_benchmark(b) for b in p.benchmarks]
        result = scan(items, shards_of(scanned.select("id", "text")), preset)
        ctx.emit("benchmark_items", result.items)
        hits = result.contamination.filter(
            pl.col("verdict").is_in(DIRTY_VERDICTS)
            & pl.col("part").is_in(list(p.parts))
            & pl.col("id").is_in(list(live))
        )
        # per match: a record is kept only when every match that would drop it is a false positive
        mv = per_match_latest(ctx.resources.get("match_verdicts", ctx.resources.get("verdicts")))
        fps = cleared_records(hits, mv)
        notes = ctx.resources.setdefault("notes", {})
        notes["false_positive_kept"] = notes.get("false_positive_kept", 0) + len(fps)
        notes["held_by_unreviewed"] = notes.get("held_by_unreviewed", 0) + len(
            held_records(hits, mv)
        )
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
        out = drop_rows(
            frame,
            ctx,
            pl.DataFrame(
                drops,
                schema={"id": pl.String, "drop_reason": pl.String, "detail": pl.String},
                orient="row",
            ),
        )
        if p.mode == "cut":
            cuts = pl.DataFrame(
                cut_rows,
                schema={
                    "id": pl.String,
                    "_new": pl.String,
                    ctx.column("cut_chars"): pl.Int64,
                    ctx.column("matched"): pl.String,
                },
                orient="row",
            )
            out = (
                out.join(cuts, on="id", how="left", maintain_order="left")
                .with_columns(text=pl.coalesce("_new", "text"))
                .drop("_new")
            )
        return out.lazy()

    return step


def _cut_spans(spans: str) -> str:
    data = json.loads(spans)
    return json.dumps({"item": data["item"], "record": [], "cut": True}, separators=(",", ":"))

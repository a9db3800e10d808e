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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from audit.background import get_background
from audit.benchmarks import check_benchmark_arg, load_benchmark
from audit.ids import detect_in_meta, source_ids_from_meta
from audit.presets import DIRTY_VERDICTS, Preset, get_preset
from audit.result import ScanResult
from audit.scan import scan, shards_of
from audit.semantic import SemanticOptions
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
        preset: ``gpt3`` | ``llama2`` | ``tulu3`` | ``gpt4`` | ``semantic`` (paraphrases).
        n: override the preset's n-gram length.
        mode: ``drop`` or ``cut``.
        parts: which matches count: the item ``text``, its ``answer``, or both.
        window: ``cut``: characters removed either side of a match.
        min_piece: ``cut``: pieces shorter than this are discarded.
        max_pieces: ``cut``: a record split into more pieces is dropped.
        background: ``none``, ``stdlib`` or a ``.npz`` table (``cleanroom audit background``):
            pairs made only of spans common there become ``common_only`` and drop nothing.
        id_field: field of the input records (``meta.fields``) reported as ``source_id``
            (default: ``id``, ``_id``, ``uid`` or ``task_id`` when present).
        top_k, min_cosine, judge: ``semantic`` preset (``audit/semantic.py``).
    """

    benchmarks: tuple[str, ...] = ("humaneval",)
    preset: Literal["gpt3", "llama2", "tulu3", "gpt4", "semantic"] = "gpt3"
    n: int | None = None
    mode: Literal["drop", "cut"] = "drop"
    parts: tuple[Literal["text", "answer"], ...] = ("text", "answer")
    window: int = 200
    min_piece: int = 200
    max_pieces: int = 10
    background: str = "none"
    id_field: str | None = None
    top_k: int = 5
    min_cosine: float = 0.6
    judge: str | None = None

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
        if self.background not in ("none", "stdlib") and not Path(self.background).is_file():
            raise ConfigError(
                f"decontaminate_v1: background must be none, stdlib or a .npz file, got {self.background!r}"
            )
        if self.preset == "semantic":
            self.semantic_options()  # checks judge / thresholds before any data is read

    def semantic_options(self) -> SemanticOptions:
        """The paraphrase matcher's options from these params."""
        return SemanticOptions(top_k=self.top_k, min_cosine=self.min_cosine, judge=self.judge)


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
        corpus = scanned.select("id", "text")
        if "meta" in frame.columns:  # the input's own ids, next to the content hashes
            meta = frame.filter(ctx.scope())["meta"]
            idf = detect_in_meta(meta, p.id_field, where="decontaminate_v1")
            if idf is not None:
                corpus = corpus.with_columns(source_id=source_ids_from_meta(meta, idf))
        result = run_scan(p, preset, shards_of(corpus))
        drops, cuts = decide(p, ctx, preset, result, scanned, live)
        out = drop_rows(frame, ctx, drops)
        if cuts is not None:
            out = (
                out.join(cuts, on="id", how="left", maintain_order="left")
                .with_columns(text=pl.coalesce("_new", "text"))
                .drop("_new")
            )
        return out.lazy()

    return step


def run_scan(p: DecontaminateParams, preset: Preset, shards: Iterable[pl.DataFrame]) -> ScanResult:
    """The audit scan of the step's benchmarks over corpus shards (``id, text[, source_id]``)."""
    items = [load_benchmark(b) for b in p.benchmarks]
    return scan(
        items,
        shards,
        preset,
        semantic=p.semantic_options() if p.preset == "semantic" else None,
        background=get_background(p.background),
    )


def decide(
    p: DecontaminateParams,
    ctx: StepContext,
    preset: Preset,
    result: ScanResult,
    scanned: pl.DataFrame,
    live: set[str],
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """From a scan to decisions, for the in-memory step and the sharded engine alike: emits the
    ``benchmark_items`` and ``contamination`` side tables and the run notes, and returns the drops
    (``id, drop_reason, detail``) and, in cut mode, the cut texts (``id, _new`` + tag columns).

    ``scanned`` holds ``id, text, kind`` of (at least) every record with a hit; ``live`` the ids
    still kept. Per match: a record is kept only when every match that would drop it is a false
    positive (:mod:`curate.core.verdicts`).
    """
    ctx.emit("benchmark_items", result.items)
    hits = result.contamination.filter(
        pl.col("verdict").is_in(DIRTY_VERDICTS)
        & pl.col("part").is_in(list(p.parts))
        & pl.col("id").is_in(list(live))
    )
    mv = per_match_latest(ctx.resources.get("match_verdicts", ctx.resources.get("verdicts")))
    fps = cleared_records(hits, mv)
    _note(ctx, preset, result, fps, held_records(hits, mv))
    best = (
        hits.filter(~pl.col("id").is_in(list(fps)))
        .sort("coverage", descending=True)
        .group_by("id", maintain_order=True)
        .agg(
            pl.col("benchmark", "item_id", "part", "coverage").first(),
            pl.len().alias("items"),
            pl.col("spans"),
            pl.struct("benchmark", "item_id").alias("matched"),
        )
        .join(scanned, on="id")
    )
    drops, cut_rows = _drops_and_cuts(p, preset, best)
    cut_ids = {r[0] for r in cut_rows}
    contamination = result.contamination
    if cut_ids:
        contamination = contamination.with_columns(
            spans=pl.when(pl.col("id").is_in(list(cut_ids)))
            .then(pl.col("spans").map_elements(_cut_spans, return_dtype=pl.String))
            .otherwise(pl.col("spans"))
        )
    ctx.emit("contamination", contamination)
    drop_frame = pl.DataFrame(
        drops, schema={"id": pl.String, "drop_reason": pl.String, "detail": pl.String}, orient="row"
    )
    if p.mode != "cut":
        return drop_frame, None
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
    return drop_frame, cuts


def _note(ctx: StepContext, preset: Preset, result: ScanResult, fps: set, held: set) -> None:
    """The run notes: false positives kept, records held by unreviewed matches, one summary line
    per benchmark."""
    notes = ctx.resources.setdefault("notes", {})
    notes["false_positive_kept"] = notes.get("false_positive_kept", 0) + len(fps)
    notes["held_by_unreviewed"] = notes.get("held_by_unreviewed", 0) + len(held)
    for row in result.summary.iter_rows(named=True):
        notes.setdefault("contamination", []).append(
            {k: v for k, v in row.items() if v is not None}
        )
        notes.setdefault("summary_lines", []).append(
            f"contamination ({preset.name}, n={row['n']}): {row['benchmark']}: "
            f"{row['dirty']} of {row['items']} items dirty ({row['pct_clean']}% clean), "
            f"{row['answer_only']} by answer only, {row['records_hit']} records hit"
        )


def _drops_and_cuts(
    p: DecontaminateParams, preset: Preset, best: pl.DataFrame
) -> tuple[list[tuple], list[tuple]]:
    """Per contaminated record: a drop (reason, detail) or, for documents in cut mode, the text
    with the matched spans cut out (GPT-3: more than ``max_pieces`` pieces -> fragmented)."""
    drops, cut_rows = [], []
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
            cut_rows.append((r["id"], new, len(r["text"]) - len(new), to_json(r["matched"])))
    return drops, cut_rows


def _cut_spans(spans: str) -> str:
    data = json.loads(spans)
    return json.dumps({"item": data["item"], "record": [], "cut": True}, separators=(",", ":"))

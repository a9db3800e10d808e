"""Quality taggers (fastText, Hugging Face classifier, the offline MiniLM head) and the filter.

Taggers add ``<family>__score`` (float, higher = better; ``family`` defaults to ``quality``, so
the column is ``quality__score``: the contract dedup uses to choose cluster representatives and
the app draws histograms of). ``hf_classifier_v1`` defaults to the family ``hf_classifier`` and
adds ``__label``/``__prob`` for classification heads; give it ``family: quality`` to make its
score the quality score. Only rows still kept (and in the step's ``kinds``) are scored unless
``score_dropped: true``; the others get null.

``quality_filter_v1`` drops by a ``threshold`` on the score (FineWeb-Edu keeps ``int_score >= 3``
of its 0-5 scale) or keeps the ``top_fraction`` best of each source (DCLM keeps the top 10% of
its fastText scores; AlpaGasus 9k of 52k, about the top 17%). Rows without a score are kept.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from curate.core.decisions import filter_step
from curate.core.errors import ConfigError
from curate.core.records import last_response, prompt_response
from curate.core.step import Step, StepContext, register

_FAMILY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _check_family(family: str) -> None:
    if not _FAMILY.match(family):
        raise ValueError(f"family must be lower_snake_case without '__', got {family!r}")


def _check_batch(batch_size: int, max_length: int | None = None) -> None:
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    if max_length is not None and max_length < 1:
        raise ValueError("max_length must be >= 1")


def field_expr(field: str) -> pl.Expr:
    """What a scorer reads: ``text`` or ``response`` (the last assistant turn)."""
    return pl.col("text") if field == "text" else last_response()


def tag_scores(
    ctx: StepContext,
    *,
    source: pl.Expr,
    score_dropped: bool,
    compute: Callable[[list[str]], dict[str, np.ndarray]],
    columns: Callable[[], dict[str, tuple[str, pl.DataType]]],
) -> Step:
    """A tagger step: score ``source`` of the rows in scope, write one column per output.

    ``compute(values)`` returns ``{output: array}`` in input order; ``columns()`` maps each output
    to ``(column name, dtype)``. Rows not scored get null.
    """

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        frame = lf.collect()
        live = ctx.scope() & (pl.lit(True) if score_dropped else pl.col("keep"))
        picked = frame.select(_t=source, _m=live).with_columns(
            _m=pl.col("_m") & pl.col("_t").is_not_null()
        )
        mask = picked["_m"].to_numpy()
        texts = picked["_t"].filter(picked["_m"]).to_list()
        results = compute(texts) if texts else {}
        new = []
        for out, (name, dtype) in columns().items():
            values = results.get(out)
            if values is None:
                new.append(pl.Series(name, [None] * frame.height, dtype=dtype))
                continue
            full = np.full(frame.height, None, dtype=object)
            full[mask] = values
            new.append(pl.Series(name, full.tolist(), dtype=dtype))
        return frame.with_columns(new).lazy()

    return step


# -- fastText -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FastTextQualityParams:
    model: str
    positive_label: str | None = None
    family: str = "quality"
    field: Literal["text", "response"] = "text"
    batch_size: int = 4096
    score_dropped: bool = False

    def __post_init__(self) -> None:
        _check_family(self.family)
        _check_batch(self.batch_size)
        if not Path(self.model).expanduser().is_file():
            raise ValueError(
                f"fastText model {self.model!r} not found (train one with `cleanroom quality train`)"
            )


@functools.lru_cache(maxsize=4)
def _fasttext_scorer(path: str, label: str | None, mtime: float) -> object:
    from curate.lib.quality.fasttext_model import FastTextScorer

    return FastTextScorer(path, positive_label=label)


@register("fasttext_quality_v1", kind="tagger", params=FastTextQualityParams)
def fasttext_quality(p: FastTextQualityParams, ctx: StepContext) -> Step:
    """Score P(high quality) with a fastText model from `cleanroom quality train`."""
    from curate.lib.quality.batching import run_batched

    path = str(Path(p.model).expanduser().resolve())
    scorer = _fasttext_scorer(path, p.positive_label, Path(path).stat().st_mtime)

    def compute(texts: list[str]) -> dict[str, np.ndarray]:
        return run_batched(
            texts,
            scorer.score_batch,
            batch_size=p.batch_size,
            by_length=False,
            desc="fastText quality",
        )  # type: ignore[attr-defined]

    return tag_scores(
        ctx,
        source=field_expr(p.field),
        score_dropped=p.score_dropped,
        compute=compute,
        columns=lambda: {"score": (f"{p.family}__score", pl.Float32)},
    )


# -- any Hugging Face sequence classifier ---------------------------------------------------------


@dataclass(frozen=True)
class HFClassifierParams:
    model: str
    batch_size: int = 32
    max_length: int = 512
    device: str = "auto"
    bf16: bool = True
    by_length: bool = True
    score_label: str | None = None
    family: str = "hf_classifier"
    field: Literal["text", "response"] = "text"
    score_dropped: bool = False

    def __post_init__(self) -> None:
        _check_family(self.family)
        _check_batch(self.batch_size, self.max_length)
        if self.device not in ("auto", "cpu") and not re.match(r"^cuda(:\d+)?$", self.device):
            raise ValueError(f"device must be auto, cpu or cuda[:N], got {self.device!r}")


@register("hf_classifier_v1", kind="tagger", params=HFClassifierParams)
def hf_classifier(p: HFClassifierParams, ctx: StepContext) -> Step:
    """Score with any Hugging Face sequence-classification model (GPU batches, CPU fallback)."""
    from curate.lib.quality.transformer import HFClassifier

    clf = HFClassifier(
        p.model,
        device=p.device,
        batch_size=p.batch_size,
        max_length=p.max_length,
        bf16=p.bf16,
        by_length=p.by_length,
        score_label=p.score_label,
    )
    dtypes = {"score": pl.Float32, "label": pl.String, "prob": pl.Float32}

    def columns() -> dict[str, tuple[str, pl.DataType]]:
        return {out: (f"{p.family}__{out}", dtypes[out]) for out in clf.outputs}

    return tag_scores(
        ctx,
        source=field_expr(p.field),
        score_dropped=p.score_dropped,
        compute=clf.score,
        columns=columns,
    )


# -- the offline default: MiniLM embeddings + shipped linear head ---------------------------------


@dataclass(frozen=True)
class MiniLMQualityParams:
    head: str | None = None
    batch_size: int = 64
    max_length: int | None = None
    device: str = "auto"
    by_length: bool = True
    family: str = "quality"
    score_dropped: bool = False

    def __post_init__(self) -> None:
        _check_family(self.family)
        _check_batch(self.batch_size, self.max_length)
        if self.head is not None and not Path(self.head).expanduser().is_file():
            raise ValueError(f"quality head {self.head!r} not found")


@register("minilm_quality_v1", kind="tagger", params=MiniLMQualityParams)
def minilm_quality(p: MiniLMQualityParams, ctx: StepContext) -> Step:
    """Accurate option (transformer): MiniLM embeddings of prompt and response through the shipped linear head."""
    from curate.lib.quality.minilm_head import MiniLMQualityScorer

    scorer = MiniLMQualityScorer(
        p.head,
        device=p.device,
        batch_size=p.batch_size,
        max_length=p.max_length,
        by_length=p.by_length,
    )

    def compute(texts: list[str]) -> dict[str, np.ndarray]:
        return {"score": scorer.score(texts)}

    return tag_scores(
        ctx,
        source=prompt_response(),
        score_dropped=p.score_dropped,
        compute=compute,
        columns=lambda: {"score": (f"{p.family}__score", pl.Float32)},
    )


# -- the fast default: static MiniLM embeddings + answer statistics + shipped linear head ---------


@dataclass(frozen=True)
class StaticQualityParams:
    head: str | None = None
    model: str | None = None
    batch_size: int = 4096
    family: str = "quality"
    score_dropped: bool = False

    def __post_init__(self) -> None:
        _check_family(self.family)
        _check_batch(self.batch_size)
        if self.head is not None and not Path(self.head).expanduser().is_file():
            raise ValueError(f"quality head {self.head!r} not found")
        if self.model is not None and not Path(self.model).expanduser().is_dir():
            raise ValueError(f"static model folder {self.model!r} not found")


@register("static_quality_v1", kind="tagger", params=StaticQualityParams)
def static_quality(p: StaticQualityParams, ctx: StepContext) -> Step:
    """Fast default: static MiniLM token vectors + answer statistics through the shipped head."""
    from curate.lib.quality.static_head import StaticQualityScorer

    scorer = StaticQualityScorer(p.head, model=p.model)

    def compute(texts: list[str]) -> dict[str, np.ndarray]:
        return {"score": scorer.score(texts, batch_size=p.batch_size)}

    return tag_scores(
        ctx,
        source=prompt_response(),
        score_dropped=p.score_dropped,
        compute=compute,
        columns=lambda: {"score": (f"{p.family}__score", pl.Float32)},
    )


# -- the filter -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityFilterParams:
    threshold: float | None = None
    top_fraction: float | None = None
    column: str = "quality__score"
    per_source: bool = True

    def __post_init__(self) -> None:
        if (self.threshold is None) == (self.top_fraction is None):
            raise ValueError("give exactly one of threshold or top_fraction")
        if self.top_fraction is not None and not 0.0 < self.top_fraction <= 1.0:
            raise ValueError(f"top_fraction must be in (0, 1], got {self.top_fraction}")


@register(
    "quality_filter_v1",
    kind="filter",
    params=QualityFilterParams,
    reasons=("quality__below_threshold", "quality__below_top_fraction"),
)
def quality_filter(p: QualityFilterParams, ctx: StepContext) -> Step:
    """Drop records scoring under `threshold`, or outside the `top_fraction` best per source."""
    score = pl.col(p.column)
    if p.threshold is not None:
        reasons = {"quality__below_threshold": score < p.threshold}
        detail = pl.struct(
            rule=pl.lit("quality__below_threshold"),
            op=pl.lit("<"),
            score=score,
            threshold=pl.lit(p.threshold),
            value=score,
        ).struct.json_encode()
    else:
        live = pl.when(pl.col("keep") & ctx.scope()).then(score)
        group = "source" if p.per_source else pl.lit(0)
        rank = live.rank("ordinal", descending=True).over(group)
        keep_n = (live.count().over(group) * p.top_fraction).ceil()
        reasons = {"quality__below_top_fraction": rank > keep_n}
        detail = pl.struct(
            rule=pl.lit("quality__below_top_fraction"),
            op=pl.lit(">"),
            value=rank,
            threshold=keep_n.cast(pl.Int64),
            score=score,
            rank=rank,
            keep_n=keep_n.cast(pl.Int64),
            top_fraction=pl.lit(p.top_fraction),
        ).struct.json_encode()
    inner = filter_step(ctx, reasons, detail)

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        if p.column not in lf.collect_schema().names():
            raise ConfigError(
                f"quality_filter_v1: no column {p.column!r}; put a quality tagger before it "
                "(static_quality_v1, minilm_quality_v1, fasttext_quality_v1, or hf_classifier_v1 with family: quality)"
            )
        return inner(lf)

    return step

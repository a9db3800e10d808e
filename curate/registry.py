"""Registry of pipeline steps, by versioned key (dolma ``gopher_v1``, lm-eval's registry).

A recipe names a step by key plus params, never by import path. Changing a step's behaviour means
registering a new ``_vN`` key, so old recipes keep meaning what they meant. A step is built by a
*factory* ``factory(params, ctx) -> Step`` where ``Step`` is ``LazyFrame -> LazyFrame``.

Kinds of step:
- ``tagger``: only adds ``<family>__<field>`` columns (dolma attributes);
- ``filter``: maps each reason to a drop-if expression (see :func:`filter_step`);
- ``transform``: rewrites ``text``/``messages`` (normalisation, line cleaning, PII redaction);
- ``dedup``: needs the whole frame at once and records clusters.
Rows are never deleted: every decision stays queryable.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl
from pydantic import TypeAdapter, ValidationError

from curate.errors import ConfigError

Step = Callable[[pl.LazyFrame], pl.LazyFrame]
StepKind = Literal["tagger", "filter", "transform", "dedup"]
_VERSIONED = re.compile(r"^[a-z][a-z0-9_]*_v\d+$")


@dataclass(frozen=True)
class NoParams:
    """For steps that take no parameters."""


@dataclass
class StepContext:
    """What a step may know about the run it is in, and where it reports side tables.

    Attributes:
        key: the step's registry key, e.g. ``exact_dedup_v1``; it is the ``stage`` of its drops.
        index: position of the step in the recipe.
        kinds: record kinds the step applies to (``None``: all).
        side_tables: tables a step reports besides the frame (``clusters``, ``contamination``).
        resources: run-wide inputs a step may need (reviewer verdicts, benchmark index).
    """

    key: str
    index: int = 0
    kinds: tuple[str, ...] | None = None
    side_tables: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)

    @property
    def family(self) -> str:
        """The key without its version: ``gopher_quality_v1`` -> ``gopher_quality``."""
        return re.sub(r"_v\d+$", "", self.key)

    def column(self, name: str) -> str:
        """Name of a tagger column: ``langid_v1`` + ``lang`` -> ``langid__lang``."""
        return f"{self.family}__{name}"

    def scope(self) -> pl.Expr:
        """True for the rows this step applies to."""
        return pl.lit(True) if self.kinds is None else pl.col("kind").is_in(list(self.kinds))

    def emit(self, table: str, frame: pl.DataFrame) -> None:
        """Report rows for a side table (written to DuckDB at export)."""
        self.side_tables.setdefault(table, []).append(frame)


@dataclass(frozen=True)
class StepSpec:
    """A registered step: its key, kind, parameter class, factory and drop reasons."""

    key: str
    kind: StepKind
    params: type
    factory: Callable[[Any, StepContext], Step]
    reasons: tuple[str, ...]
    doc: str

    def build_params(self, raw: Mapping[str, Any] | None, where: str) -> Any:
        """Validate raw recipe params into the step's frozen dataclass, or raise ConfigError."""
        raw = dict(raw or {})
        known = [f.name for f in dataclasses.fields(self.params)]
        for name in raw:
            if name not in known:
                raise ConfigError(
                    f"{where}: step {self.key!r} has no parameter {name!r}"
                    f"{did_you_mean(name, known)} (parameters: {', '.join(known) or 'none'})"
                )
        try:
            return TypeAdapter(self.params).validate_python(raw)
        except ValidationError as e:
            raise ConfigError(f"{where}: {format_validation_error(e)}") from None

    def build(self, params: Any, ctx: StepContext) -> Step:
        """Build the step function."""
        return self.factory(params, ctx)


REGISTRY: dict[str, StepSpec] = {}


def register(
    key: str,
    *,
    kind: StepKind,
    params: type = NoParams,
    reasons: tuple[str, ...] = (),
) -> Callable[[Callable[[Any, StepContext], Step]], Callable[[Any, StepContext], Step]]:
    """Decorator registering a step factory under a versioned key.

    Example::

        @register("length_filter_v1", kind="filter", params=LengthParams,
                  reasons=("length__empty_text",))
        def length_filter(p: LengthParams, ctx: StepContext) -> Step: ...
    """
    if not _VERSIONED.match(key):
        raise ValueError(f"step key {key!r} must look like 'name_v1'")

    def deco(factory: Callable[[Any, StepContext], Step]) -> Callable[[Any, StepContext], Step]:
        if key in REGISTRY:
            raise ValueError(f"step {key!r} registered twice")
        REGISTRY[key] = StepSpec(
            key, kind, params, factory, reasons, (factory.__doc__ or "").strip()
        )
        return factory

    return deco


def get_step(key: str) -> StepSpec:
    """Look a step up by key; an unknown key fails with a did-you-mean hint."""
    _load_builtin_steps()
    try:
        return REGISTRY[key]
    except KeyError:
        raise ConfigError(
            f"unknown step {key!r}{did_you_mean(key, REGISTRY)} (`cleanroom steps` lists them)"
        ) from None


def all_steps() -> dict[str, StepSpec]:
    """Every registered step, by key."""
    _load_builtin_steps()
    return dict(sorted(REGISTRY.items()))


def _load_builtin_steps() -> None:
    import curate.steps  # noqa: F401  (importing registers the built-in steps)


def did_you_mean(name: str, choices: Any) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""``.

    Example: ``did_you_mean("lenght_filter_v1", ["length_filter_v1"])``
    -> ``"; did you mean 'length_filter_v1'?"``.
    """
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def format_validation_error(e: ValidationError) -> str:
    """One line per pydantic error: ``min_chars: Input should be a valid integer (got 'abc')``."""
    parts = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "value"
        parts.append(f"{loc}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(parts)


def filter_step(
    ctx: StepContext,
    reasons: Mapping[str, pl.Expr],
    detail: pl.Expr | Mapping[str, pl.Expr] | None = None,
) -> Step:
    """Build a filter: the first reason whose expression is true drops a row that is still kept.

    Only rows still kept and in the step's scope are touched; the reason names the threshold that
    fired (datatrove returns ``False, "dup_line_frac"``). ``detail`` (a JSON string expression, or
    one per reason: see :mod:`curate.evidence`) is stored with the drop.

    Example: ``filter_step(ctx, {"length__empty_text": pl.col("text").str.strip_chars() == ""})``.
    """
    fired = pl.coalesce([pl.when(expr).then(pl.lit(name)) for name, expr in reasons.items()])
    extra = {}
    if isinstance(detail, Mapping):
        # one chain, computed next to the reasons (shared sub-expressions are computed once)
        chain: Any = pl
        for name, expr in reasons.items():
            chain = chain.when(expr).then(detail.get(name, pl.lit(to_json({"rule": name}))))
        extra["_detail"] = pl.when(pl.col("keep") & ctx.scope()).then(chain)
        detail = pl.col("_detail")

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        lf = lf.with_columns(_fired=pl.when(pl.col("keep") & ctx.scope()).then(fired), **extra)
        drop = pl.col("_fired").is_not_null()
        return lf.with_columns(
            keep=pl.when(drop).then(False).otherwise(pl.col("keep")),
            drop_reason=pl.when(drop).then(pl.col("_fired")).otherwise(pl.col("drop_reason")),
            stage=pl.when(drop).then(pl.lit(ctx.key)).otherwise(pl.col("stage")),
            detail=pl.when(drop)
            .then(detail if detail is not None else pl.lit(None, pl.String))
            .otherwise(pl.col("detail")),
        ).drop("_fired", *extra)

    return step


def drop_rows(frame: pl.DataFrame, ctx: StepContext, drops: pl.DataFrame) -> pl.DataFrame:
    """Apply decisions computed outside expressions: ``drops`` has ``id``, ``drop_reason``, ``detail``.

    Used by steps that need the whole frame (dedup, decontamination). Rows already dropped stay
    as they were, so the first reason that fired is the one recorded.
    """
    joined = frame.join(
        drops.select("id", pl.col("drop_reason").alias("_r"), pl.col("detail").alias("_d")),
        on="id",
        how="left",
        maintain_order="left",
    )
    hit = pl.col("_r").is_not_null() & pl.col("keep")
    return joined.with_columns(
        keep=pl.when(hit).then(False).otherwise(pl.col("keep")),
        drop_reason=pl.when(hit).then(pl.col("_r")).otherwise(pl.col("drop_reason")),
        stage=pl.when(hit).then(pl.lit(ctx.key)).otherwise(pl.col("stage")),
        detail=pl.when(hit).then(pl.col("_d")).otherwise(pl.col("detail")),
    ).drop("_r", "_d")


def to_json(obj: Any) -> str:
    """Compact, key-sorted JSON used for every ``detail`` and ``stats`` value."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

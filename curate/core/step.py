"""The step contract: what a step is, what it may know about its run, and the step registry.

A recipe names a step by key plus params, never by import path (dolma ``gopher_v1``, lm-eval's
registry). Changing a step's behaviour means registering a new ``_vN`` key, so old recipes keep
meaning what they meant. A step is built by a *factory* ``factory(params, ctx) -> Step`` where
``Step`` is ``LazyFrame -> LazyFrame``.

Kinds of step:
- ``tagger``: only adds ``<family>__<field>`` columns (dolma attributes);
- ``filter``: maps each reason to a drop-if expression (see :func:`curate.core.decisions.filter_step`);
- ``transform``: rewrites ``text``/``messages`` (normalisation, line cleaning, PII redaction);
- ``dedup``: needs the whole frame at once and records clusters.
Rows are never deleted: every decision stays queryable.

The built-in steps live in :mod:`curate.steps`; :mod:`curate.plugins` is the only module that
imports them (the core never does), and :func:`curate.plugins.steps` returns this registry filled.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import polars as pl
from pydantic import TypeAdapter, ValidationError

from curate.core.errors import ConfigError
from curate.core.registry import Registry, did_you_mean, format_validation_error

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
        for name, value in raw.items():
            at = f"{where}: step {self.key!r}: {name}"
            if _bool_for_number(self.params, name, value):
                raise ConfigError(f"{at}: a number is needed, got {value!r}")
            check_number(at, value)
        try:
            return _adapter(self.params).validate_python(raw)
        except ValidationError as e:
            raise ConfigError(f"{where}: {format_validation_error(e)}") from None

    def build(self, params: Any, ctx: StepContext) -> Step:
        """Build the step function."""
        return self.factory(params, ctx)


@lru_cache(maxsize=256)
def _adapter(params: type) -> TypeAdapter:
    """The pydantic validator of a step's parameter class, built once per class: building it
    costs more than validating (a third of a millisecond per step each time a plan is built;
    issue 19). Example: ``_adapter(NoParams).validate_python({})`` -> ``NoParams()``."""
    return TypeAdapter(params)


def check_number(where: str, value: Any) -> None:
    """Refuse what YAML makes too easy: a negative count, or a NaN.

    Integer step parameters are counts and lengths (``min_words: -1`` is a typo, not "no
    minimum"); a float threshold may be negative, which is how a ratio rule is switched off
    (``line_punct_thr: -1.0`` never fires). Lists and mappings are checked item by item.
    Booleans given for numbers are refused by :meth:`StepSpec.build_params`.
    Example: ``min_words: -1`` -> ConfigError; ``line_punct_thr: -1.0`` -> accepted.
    """
    if isinstance(value, bool):
        return
    if isinstance(value, int) and value < 0:
        raise ConfigError(f"{where}: must be a count (0 or more), got {value!r}")
    if isinstance(value, float) and value != value:
        raise ConfigError(f"{where}: must be a number, got NaN")
    items = (
        value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else ()
    )
    for v in items:
        check_number(where, v)


def _bool_for_number(spec_params: type, name: str, value: Any) -> bool:
    """True when ``value`` is a boolean given for a field whose type is a number."""
    if not isinstance(value, bool):
        return False
    types = {f.name: f.type for f in dataclasses.fields(spec_params)}
    return str(types.get(name, "")).replace(" ", "") in {"int", "float", "int|None", "float|None"}


STEPS: Registry[StepSpec] = Registry("step", hint="(`cleanroom steps` lists them)")


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
        STEPS.add(
            key, StepSpec(key, kind, params, factory, reasons, (factory.__doc__ or "").strip())
        )
        return factory

    return deco

"""Threshold rules: one description per rule, from which a filter's reason names (for the
registry), its drop-if expressions and its evidence (``detail``) are all derived, so a reason is
spelled once.

Example::

    RULES = (ThresholdRule("min_words", "words", "min_doc_words", "<"),)
    reason_names("gopher_quality", RULES)  # ("gopher_quality__min_words",)
    reasons, details = build_rules(ctx, params, RULES)  # {name: drop-if}, {name: detail}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from curate.core.evidence import rule_detail
from curate.core.step import StepContext


@dataclass(frozen=True)
class ThresholdRule:
    """``<family>__<name>`` fires when the tagger column ``<family>__<column>`` compares with the
    parameter ``param`` by ``op`` (``<``, ``>``, ``>=``, or ``outside`` a ``(low, high)`` pair of
    parameters). ``pattern`` / ``repeated`` / ``shown`` (parameters shown beside the threshold)
    go into the evidence.
    """

    name: str
    column: str
    param: str | tuple[str, str]
    op: str
    pattern: str | None = None
    repeated: str | None = None
    shown: tuple[str, ...] = ()

    def threshold(self, params: Any) -> Any:
        if isinstance(self.param, tuple):
            return [getattr(params, p) for p in self.param]
        return getattr(params, self.param)

    def fires(self, value: pl.Expr, params: Any) -> pl.Expr:
        """The drop-if expression."""
        t = self.threshold(params)
        if self.op == "outside":
            return (value < t[0]) | (value > t[1])
        return {"<": value.__lt__, ">": value.__gt__, ">=": value.__ge__}[self.op](t)

    def detail(self, reason: str, value: pl.Expr, params: Any) -> pl.Expr:
        """The evidence: rule, measured value, comparison, threshold (and pattern, extras)."""
        extra = {name: pl.lit(getattr(params, name)) for name in self.shown}
        return rule_detail(
            reason,
            value,
            self.threshold(params),
            self.op,
            pattern=self.pattern,
            repeated=self.repeated,
            **extra,
        )


def reason_names(family: str, rules: Sequence[ThresholdRule]) -> tuple[str, ...]:
    """The reasons a filter can drop with: ``("gopher_quality__min_words", ...)``."""
    return tuple(f"{family}__{r.name}" for r in rules)


def build_rules(
    ctx: StepContext, params: Any, rules: Sequence[ThresholdRule]
) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr]]:
    """The drop-if expressions and evidence of every rule, keyed by reason, in rule order."""
    reasons, details = {}, {}
    for rule in rules:
        reason = f"{ctx.family}__{rule.name}"
        value = pl.col(ctx.column(rule.column))
        reasons[reason] = rule.fires(value, params)
        details[reason] = rule.detail(reason, value, params)
    return reasons, details

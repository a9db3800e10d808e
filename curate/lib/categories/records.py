"""Task categories of kept records, for mixing: read from the tagger's column or tagged now.

A curate run with ``task_category_v1`` stores ``task_category__label`` in ``records``; a mixture
with ``categories:`` reads it. Records without a label (no tagger in the recipe, or rows it did
not score) are tagged when the mixture is built, with the same rules and shipped head.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import polars as pl

from curate.lib.categories.mix_plan import CategoryPlan, distance, distribution
from curate.lib.categories.rules import rule_category

log = logging.getLogger(__name__)

LABEL_COLUMN = "task_category__label"
Classify = Callable[[list[str]], tuple[Any, Any]]


def prompt_and_turns(text: str | None, messages: list[dict[str, Any]] | None) -> tuple[str, int]:
    """The prompt a category is read from (non-assistant turns joined; a document: its text) and
    the number of user turns.

    Example: ``prompt_and_turns("q\\n\\na", [user "q", assistant "a"])`` -> ``("q", 1)``.
    """
    if messages:
        prompt = "\n\n".join(
            m.get("content") or "" for m in messages if m.get("role") != "assistant"
        )
        turns = sum(1 for m in messages if m.get("role") == "user")
        if prompt.strip():
            return prompt, turns
    return text or "", 0


def record_categories(
    kept: pl.DataFrame, classify: Classify | None = None
) -> tuple[dict[str, str], str]:
    """``id -> category`` for every kept record, and where the labels came from.

    Labels in :data:`LABEL_COLUMN` are used as they are; the rest are decided by the rules, then
    by ``classify(prompts) -> (labels, scores)`` (default: the shipped MiniLM head).
    """
    has_col = LABEL_COLUMN in kept.columns
    stored = kept[LABEL_COLUMN].to_list() if has_col else [None] * kept.height
    out: dict[str, str] = {}
    todo: list[tuple[str, str]] = []
    for rid, text, msgs, label in zip(
        kept["id"].to_list(),
        kept["text"].to_list(),
        kept["messages"].to_list(),
        stored,
        strict=True,
    ):
        if label is not None:
            out[rid] = label
            continue
        prompt, turns = prompt_and_turns(text, msgs)
        ruled = rule_category(prompt, turns)
        if ruled is not None:
            out[rid] = ruled
        else:
            todo.append((rid, prompt))
    tagged = kept.height - sum(1 for v in stored if v is not None)
    if todo:
        if classify is None:
            from curate.lib.categories.classifier import TaskCategoryClassifier

            classify = TaskCategoryClassifier(rules=False).classify
        labels, _ = classify([p for _, p in todo])
        out.update({rid: str(lab) for (rid, _), lab in zip(todo, labels, strict=True)})
    if tagged == 0:
        how = f"the {LABEL_COLUMN} column"
    elif tagged == kept.height:
        how = "task_category_v1 at mix time (no stored labels)"
    else:
        how = f"the {LABEL_COLUMN} column; {tagged} unlabelled records tagged at mix time"
    if tagged:
        log.warning("task categories: %s", how)
    return out, how


def category_detail(
    spec: str | dict[str, float], plan: CategoryPlan, train_labels: list[str], how: str
) -> dict[str, Any]:
    """The ``categories`` entry of a mixture manifest's detail: target, what was built, distance.

    Example: a target ``{"code": 1.0}`` met by two code rows gives ``actual["code"] == 1.0`` and
    ``distance_to_target == {"max_abs_points": 0.0, "tv_points": 0.0}``.
    """
    actual = distribution(train_labels)
    return {
        "spec": spec,
        "labels": how,
        "target": {c: round(v, 6) for c, v in plan.target.items()},
        "effective_target": {c: round(v, 6) for c, v in plan.effective_target.items()},
        "actual": {c: round(v, 6) for c, v in actual.items()},
        "distance_to_target": distance(actual, plan.target),
        "distance_to_effective": distance(actual, plan.effective_target),
        "planned": {c: round(v, 6) for c, v in plan.planned.items()},
        "distance_to_planned": distance(actual, plan.planned),
        "unsupplied": list(plan.unsupplied),
        "short": {c: list(v) for c, v in plan.short.items()},
        "total": plan.total,
        "limited_by": plan.limited_by,
        "rows_by_source": {
            s: dict(sorted(cs.items())) for s, cs in sorted(plan.cells.items()) if cs
        },
        "warnings": plan.warnings(),
    }

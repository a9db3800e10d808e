"""``task_category_v1``: label each instruction record with its task category and a score.

Categories are InstructGPT's use cases (Ouyang et al. 2022, Table 1) plus ``code`` and ``math``
(see :mod:`curate.lib.categories.taxonomy`). A few rules go first (two or more user turns: chat;
code fences/syntax: code; arithmetic: math, :mod:`curate.lib.categories.rules`), then MiniLM
embeddings of the prompt (the non-assistant turns) through the shipped softmax head
(:mod:`curate.lib.categories.classifier`). Columns: ``task_category__label`` (string) and
``task_category__score`` (the head's probability of that label; 1.0 for a rule or a source
category).

``source_categories`` pins the label of every record of a source: a Super-NaturalInstructions
file is one task, whose category its definition states once while its instances (what the
record holds) often do not (``{ni_task141: classification}``). Only kept rows in the step's
``kinds`` are tagged unless ``score_dropped: true``; the others get null.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from curate.core.records import prompt_response
from curate.core.step import Step, StepContext, register
from curate.lib.categories.rules import rule_category
from curate.lib.categories.taxonomy import CATEGORIES
from curate.steps.quality import tag_scores


@dataclass(frozen=True)
class TaskCategoryParams:
    head: str | None = None
    rules: bool = True
    source_categories: dict[str, str] = field(default_factory=dict)
    batch_size: int = 128
    device: str = "auto"
    score_dropped: bool = False

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if self.head is not None and not Path(self.head).expanduser().is_file():
            raise ValueError(f"task-category head {self.head!r} not found")
        bad = {s: c for s, c in self.source_categories.items() if c not in CATEGORIES}
        if bad:
            raise ValueError(
                f"source_categories: unknown categor{'y' if len(bad) == 1 else 'ies'} "
                f"{', '.join(f'{s}: {c!r}' for s, c in bad.items())} (categories: {', '.join(CATEGORIES)})"
            )


def category_input() -> pl.Expr:
    """``{source, prompt, user_turns}`` per row: the prompt of an instruction record (the text of
    a document) and how many user turns it has."""
    turns = (
        pl.col("messages")
        .list.eval(
            pl.element().struct.field("role").filter(pl.element().struct.field("role") == "user")
        )
        .list.len()
        .fill_null(0)
    )
    prompt = prompt_response().struct.field("prompt")
    return pl.struct(
        source=pl.col("source"),
        prompt=pl.when(prompt.str.len_chars() > 0).then(prompt).otherwise(pl.col("text")),
        user_turns=turns,
    )


def label_rows(
    rows: list[dict[str, Any]],
    classify: Any,
    source_categories: dict[str, str],
    rules: bool = True,
) -> dict[str, np.ndarray]:
    """Labels and scores of ``{source, prompt, user_turns}`` rows: a pinned source, then the rules,
    then ``classify(prompts) -> (labels, scores)`` for the rest (so the model loads only if needed).

    Example: with ``source_categories={"ni": "classification"}`` a row of source ``ni`` gets
    ``("classification", 1.0)``, ``"What is 2 * 3?"`` gets ``("math", 1.0)``, and ``classify``
    sees neither.
    """
    n = len(rows)
    labels = np.empty(n, dtype=object)
    scores = np.ones(n, dtype=np.float32)
    todo = []
    for i, row in enumerate(rows):
        decided = source_categories.get(row["source"])
        if decided is None and rules:
            decided = rule_category(row["prompt"] or "", int(row["user_turns"]))
        if decided is None:
            todo.append(i)
        else:
            labels[i] = decided
    if todo:
        got, probs = classify([rows[i]["prompt"] or "" for i in todo])
        labels[todo] = got
        scores[todo] = probs
    return {"label": labels, "score": scores}


@register("task_category_v1", kind="tagger", params=TaskCategoryParams)
def task_category(p: TaskCategoryParams, ctx: StepContext) -> Step:
    """Label each record's task category (InstructGPT's use cases + code, math) with a score."""
    from curate.lib.categories.classifier import TaskCategoryClassifier

    state: dict[str, Any] = {}

    def classify(prompts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        if "clf" not in state:  # load MiniLM only when a row needs it
            state["clf"] = TaskCategoryClassifier(
                p.head, rules=False, device=p.device, batch_size=p.batch_size
            )
        return state["clf"].classify(prompts)

    return tag_scores(
        ctx,
        source=category_input(),
        score_dropped=p.score_dropped,
        compute=lambda rows: label_rows(rows, classify, dict(p.source_categories), p.rules),
        columns=lambda: {
            "label": (ctx.column("label"), pl.String),
            "score": (ctx.column("score"), pl.Float32),
        },
    )

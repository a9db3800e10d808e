"""``cleanroom filter``: run a recipe's filters, taggers and transforms on one input.

No dedup and no mixing: every input row comes back, with ``keep``, ``stage``, ``drop_reason``,
``detail`` and every score column the steps added, so the decisions can be read, counted and
joined back to the source.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.core.errors import ConfigError
from curate.core.schemas import ROW
from curate.run.pipeline import StepStats, drops_by_reason, ingest_all, run_steps
from curate.run.recipe import Recipe, load_recipe, validate

log = logging.getLogger(__name__)


@dataclass
class FilterResult:
    """The filtered frame (every row) and per-step statistics."""

    frame: pl.DataFrame
    quarantine: pl.DataFrame
    steps: list[StepStats]
    skipped: list[str]

    def drops_by_reason(self) -> dict[str, int]:
        return drops_by_reason(self.frame)


def filter_recipe(
    recipe_path: str | Path, input_path: str | Path, layout: str = "auto", limit: int | None = None
) -> Recipe:
    """The recipe with its inputs replaced by one input file (validated, no data read)."""
    inp = Path(input_path)
    if not inp.is_file():
        raise ConfigError(f"input file not found: {inp}")
    spec: dict[str, Any] = {
        "name": inp.name.split(".")[0] or "input",
        "path": str(inp.resolve()),
        "layout": layout,
    }
    if limit is not None:
        spec["limit"] = limit
    # mixtures may name the recipe's own inputs; `filter` builds none, so they are dropped
    return load_recipe(recipe_path, overrides={"inputs": [spec], "mixtures": []})


def run_filter(recipe: Recipe, progress: Any = None) -> FilterResult:
    """Run the recipe's non-dedup steps on its inputs and return every row with its decision."""
    plan = validate(recipe, "recipe")
    skipped = [ps.spec.key for ps in plan if ps.spec.kind == "dedup"]
    for key in skipped:
        log.warning("cleanroom filter skips dedup step %s (use `cleanroom curate` for dedup)", key)
    plan = [ps for ps in plan if ps.spec.kind != "dedup"]
    frame, quarantine = ingest_all(recipe, progress)
    frame, stats, _ = run_steps(frame, plan, {"recipe": recipe}, progress)
    return FilterResult(frame.drop(ROW), quarantine, stats, skipped)

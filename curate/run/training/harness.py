"""``cleanroom eval --harness``: run EleutherAI's lm-evaluation-harness on the clean and the dirty
items (optional; ``pip install lm-eval``).

The harness addresses documents by their index in the task's split; for registry benchmarks read
from the hub (``gsm8k``, ``humaneval`` ...) our item ids are ``<name>/<split>/<index>`` or the
benchmark's own id (``HumanEval/<index>``), so the index is the number after the last ``/``. The
harness' ``samples`` argument (lm-eval >= 0.4.8) restricts a task to those documents.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import polars as pl

from curate.core.errors import ConfigError, MissingDependencyError


def require_harness() -> None:
    """Fail early, with the install command, when lm-evaluation-harness is missing."""
    if importlib.util.find_spec("lm_eval") is None:
        raise MissingDependencyError(
            "lm-evaluation-harness (--harness)", "pip install lm-eval  (then rerun with --harness)"
        )


def doc_indices(item_ids: list[str]) -> list[int]:
    """Harness document indices of our item ids: ``["gsm8k/test/7", "HumanEval/3"]`` -> ``[7, 3]``."""
    out = []
    for item in item_ids:
        tail = item.rsplit("/", 1)[-1].split("#", 1)[0]
        if not tail.isdigit():
            raise ConfigError(f"--harness: cannot map item id {item!r} to a harness document index")
        out.append(int(tail))
    return out


def run_harness(model: str, benchmark: str, items: pl.DataFrame, console: Any) -> dict[str, Any]:
    """Run the harness task named like the benchmark on the clean and dirty items of each preset.

    Not exercised by the tests (lm-eval is not installed in CI); see docs/TRAINING.md.
    """
    require_harness()
    import lm_eval

    task = benchmark.split("=", 1)[0]
    out: dict[str, Any] = {}
    for col in [c for c in items.columns if c.startswith("dirty_")]:
        for label, mask in (("clean", ~pl.col(col)), ("dirty", pl.col(col))):
            ids = items.filter(mask)["item_id"].to_list()
            if not ids:
                continue
            res = lm_eval.simple_evaluate(
                model="hf",
                model_args=f"pretrained={model}",
                tasks=[task],
                samples={task: doc_indices(ids)},
            )
            key = f"{col.removeprefix('dirty_')}/{label}"
            out[key] = res["results"].get(task, {})
            console.print(f"harness {task} {key}: {out[key]}")
    return out

"""The package edge where steps are plugged in: the only module that imports :mod:`curate.steps`.

Lower layers never import the steps (dolma registers plugins at the package edge so its core never
imports them); the run layer and the CLI ask this module for the filled step registry.

Example: ``get_step("length_filter_v1").kind`` -> ``"filter"``.
"""

from __future__ import annotations

from typing import Any

import curate.steps  # noqa: F401  (importing the package registers every built-in step)
from curate.core.registry import Registry
from curate.core.step import STEPS, StepSpec


def steps() -> Registry[StepSpec]:
    """The step registry with every built-in step registered."""
    return STEPS


def get_step(key: str) -> StepSpec:
    """Look a step up by key; an unknown key fails with a did-you-mean hint (ConfigError)."""
    return STEPS[key]


def all_steps() -> dict[str, StepSpec]:
    """Every registered step, by key, sorted."""
    return dict(sorted(STEPS.items()))


def sharded_forms() -> Any:
    """Step-level pieces the sharded engine (:mod:`curate.run.engine`) needs: exact-dedup keys and
    cluster rows, decontamination over shard files (:mod:`curate.steps.sharded`)."""
    from curate.steps import sharded

    return sharded

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


# Model loaders that keep what they load for the whole process: (module, attribute path).
MODEL_CACHES = (
    ("curate.lib.quality.static_head", "StaticEmbedder.load"),
    ("curate.lib.quality.transformer", "load_pretrained"),
    ("curate.lib.quality.transformer", "load_sentence_model"),
    ("curate.steps.langid", "load_model"),
    ("curate.steps.quality", "_fasttext_scorer"),
)


def release_models() -> int:
    """Free the models that steps keep for the process, once a run no longer needs them; returns
    how many caches held something. Only modules already imported are touched, and a later step
    that needs a model loads it again.

    ``cleanroom curate`` calls it between the pipeline and the export: the export needs no model,
    and the static embedder's table (46 MB) and the language-ID model otherwise stay resident while
    the ``datasets`` copy is written, which is the run's peak memory (issue 19: about 20 MB less).

    Example: after a run of the default recipe, ``release_models()`` -> ``2``.
    """
    import gc
    import sys

    held = 0
    for module, path in MODEL_CACHES:
        obj: Any = sys.modules.get(module)
        for name in path.split(".") if obj is not None else ():
            obj = getattr(obj, name)
        if obj is None:
            continue
        func = getattr(obj, "__func__", obj)  # a cached classmethod: the function behind it
        held += func.cache_info().currsize > 0
        func.cache_clear()
    gc.collect()
    return held

"""Built-in steps. Importing this package registers them in :data:`curate.core.step.STEPS`.

Only :mod:`curate.plugins` imports this package (the layer rule; see docs/ARCHITECTURE.md).
"""

from curate.steps import (  # noqa: F401
    basic,
    c4,
    decontaminate,
    exact_dedup,
    fineweb,
    gopher,
    instruction,
    langid,
    lines,
    minhash_dedup,
    pii,
    quality,
    task_category,
)

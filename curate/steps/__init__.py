"""Built-in steps. Importing this package registers them (see :mod:`curate.registry`)."""

from audit import decontaminate  # noqa: F401  (registers decontaminate_v1)
from curate.steps import (  # noqa: F401
    basic,
    c4,
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

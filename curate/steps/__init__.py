"""Built-in steps. Importing this package registers them (see :mod:`curate.registry`)."""

from audit import decontaminate  # noqa: F401, E402  (registers decontaminate_v1)
from curate.steps import basic, exact_dedup  # noqa: F401

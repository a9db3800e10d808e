"""Built-in steps. Importing this package registers them (see :mod:`curate.registry`)."""

from curate.steps import basic, exact_dedup, quality  # noqa: F401

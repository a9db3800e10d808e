"""Built-in steps. Importing this package registers them (see :mod:`curate.registry`)."""

from curate.steps import basic, exact_dedup, minhash_dedup  # noqa: F401

"""Near-duplicate detection with MinHash LSH: shingles, signatures, buckets, clusters.

Stages (each a pure, separately tested function):
:mod:`~curate.lib.dedup.shingles` -> :mod:`~curate.lib.dedup.minhash` -> :mod:`~curate.lib.dedup.lsh` ->
:mod:`~curate.lib.dedup.clusters`; :mod:`~curate.lib.dedup.near_dup` composes them.

The names below are loaded on first use (PEP 562), so importing ``curate.cli.dedup`` to build
``cleanroom --help`` does not import numba.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from curate.lib.dedup.near_dup import (
        DEFAULT_THRESHOLD,
        MinHashParams,
        NearDupResult,
        near_duplicates,
    )

__all__ = ["DEFAULT_THRESHOLD", "MinHashParams", "NearDupResult", "near_duplicates"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from curate.lib.dedup import near_dup

        return getattr(near_dup, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

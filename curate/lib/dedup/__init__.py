"""Near-duplicate detection with MinHash LSH: shingles, signatures, buckets, clusters.

Stages (each a pure, separately tested function):
:mod:`~curate.lib.dedup.shingles` -> :mod:`~curate.lib.dedup.minhash` -> :mod:`~curate.lib.dedup.lsh` ->
:mod:`~curate.lib.dedup.clusters`; :mod:`~curate.lib.dedup.near_dup` composes them.
"""

from curate.lib.dedup.near_dup import (
    DEFAULT_THRESHOLD,
    MinHashParams,
    NearDupResult,
    near_duplicates,
)

__all__ = ["DEFAULT_THRESHOLD", "MinHashParams", "NearDupResult", "near_duplicates"]

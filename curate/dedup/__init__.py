"""Near-duplicate detection with MinHash LSH: shingles, signatures, buckets, clusters.

Stages (each a pure, separately tested function):
:mod:`~curate.dedup.shingles` -> :mod:`~curate.dedup.minhash` -> :mod:`~curate.dedup.lsh` ->
:mod:`~curate.dedup.clusters`; :mod:`~curate.dedup.near_dup` composes them.
"""

from curate.dedup.near_dup import DEFAULT_THRESHOLD, MinHashParams, NearDupResult, near_duplicates

__all__ = ["DEFAULT_THRESHOLD", "MinHashParams", "NearDupResult", "near_duplicates"]

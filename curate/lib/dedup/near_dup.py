"""Near-duplicate detection end to end: shingles -> signatures -> buckets -> verified clusters.

This composes the three pure stages (:mod:`~curate.lib.dedup.minhash`, :mod:`~curate.lib.dedup.lsh`,
:mod:`~curate.lib.dedup.clusters`) and is what both the ``minhash_dedup_v1`` step and the standalone
``cleanroom dedup`` command call.

Memory: signatures are kept as ``uint32[n, num_perm]`` (512 B a record at 128 permutations) and
band keys as ``uint64[n, bands]``; texts are shingled and hashed ``shard_size`` records at a time,
so the shingle arrays of only one shard are alive at once (plus all shingle hashes when
``verify="exact"``, 4 B per shingle). Every stage is a pure function of the record, so results do
not depend on ``shard_size`` (tested).

Records with identical signatures are grouped first and LSH runs on one record per distinct
signature: exact copies then cost one pair each instead of a quadratic bucket.
"""

from __future__ import annotations

import logging
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from curate.lib.dedup.clusters import (
    Policy,
    components,
    exact_jaccard,
    representatives,
    verify_pairs,
)
from curate.lib.dedup.lsh import band_and_signature_keys, candidate_pairs, optimal_params
from curate.lib.dedup.minhash import estimate_jaccard, signatures
from curate.lib.dedup.shingles import ShingleKind, sha1_shingle_hashes, shingle_hashes

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.6
_TEXT_SEED = 0x7E47


@dataclass(frozen=True)
class MinHashParams:
    """Parameters of MinHash near-duplicate detection (also the ``minhash_dedup_v1`` params).

    Attributes:
        threshold: Jaccard similarity at or above which two records are near-duplicates.
        num_perm: signature length (datasketch's ``num_perm``).
        ngram: shingle length, in words or characters.
        shingle: ``word`` or ``char`` n-grams of the normalised text.
        field: what is compared: ``text`` (whole record), ``prompt`` (instruction + input: the
            non-assistant messages) or ``response`` (last assistant message). Documents have no
            messages; they are compared on their text in every mode.
        hash: ``fast`` (Polars token hashes folded with NumPy) or ``datasketch`` (SHA-1 of each
            shingle string: signatures equal ``datasketch.MinHash(...).hashvalues``; slow).
        seed: permutation seed (datasketch's ``seed``).
        bands: override the number of LSH bands (with ``rows``); default: derived from threshold.
        rows: override the rows per band.
        false_positive_weight: weight of the false-positive area when choosing bands x rows.
            datasketch's default is 0.5/0.5; here every candidate is verified, so a false
            positive costs one comparison while a false negative is a duplicate missed for good:
            the default 0.1/0.9 gives 25 bands x 5 rows at 0.6 (datasketch's weights: 18 x 7),
            which makes a pair with Jaccard 0.7 a candidate with probability 0.990 (18 x 7: 0.787).
        false_negative_weight: weight of the false-negative area when choosing bands x rows.
        verify: ``signature`` (estimate >= threshold) or ``exact`` (also the exact Jaccard of the
            two shingle-hash sets >= threshold; a Python loop per pair, slower).
        representative: who is kept in a cluster: ``first``, ``longest`` or ``quality`` (the
            highest ``quality__score``; falls back to ``first`` when that column is absent).
        shard_size: records shingled and hashed at a time (per worker thread).
        threads: worker threads for shards (default: ``min(2, cpu count)``); results do not
            depend on it.
        max_bucket_anchors: each bucket member is paired with at most this many earlier members.
    """

    threshold: float = DEFAULT_THRESHOLD
    num_perm: int = 128
    ngram: int = 5
    shingle: ShingleKind = "word"
    field: Literal["text", "prompt", "response"] = "text"
    hash: Literal["fast", "datasketch"] = "fast"
    seed: int = 1
    bands: int | None = None
    rows: int | None = None
    false_positive_weight: float = 0.1
    false_negative_weight: float = 0.9
    verify: Literal["signature", "exact"] = "signature"
    representative: Policy = "first"
    shard_size: int = 20_000
    max_bucket_anchors: int = 32
    threads: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 2 <= self.num_perm <= 4096:
            raise ValueError(f"num_perm must be in [2, 4096], got {self.num_perm}")
        if self.ngram < 1:
            raise ValueError(f"ngram must be >= 1, got {self.ngram}")
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both bands and rows, or neither")
        if self.bands is not None and (
            self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm
        ):  # type: ignore[operator]
            raise ValueError(f"bands x rows must be positive and <= num_perm ({self.num_perm})")
        if (
            self.false_positive_weight < 0
            or self.false_negative_weight < 0
            or self.false_positive_weight + self.false_negative_weight == 0
        ):
            raise ValueError(
                "false_positive_weight and false_negative_weight must be >= 0, not both 0"
            )
        if (
            self.shard_size < 1
            or self.max_bucket_anchors < 1
            or (self.threads is not None and self.threads < 1)
        ):
            raise ValueError("shard_size, max_bucket_anchors and threads must be >= 1")

    def band_rows(self) -> tuple[int, int]:
        """The LSH ``(bands, rows)``: the override, or datasketch's optimum for the threshold."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return optimal_params(
            self.threshold, self.num_perm, self.false_positive_weight, self.false_negative_weight
        )


@dataclass
class NearDupResult:
    """Per-record outcome (arrays of length ``n``) and run statistics.

    Attributes:
        label: the smallest record index of the record's cluster (itself when alone).
        representative: index of the record kept for its cluster (itself when alone).
        jaccard: similarity to the representative (estimate, or exact with ``verify="exact"``);
            1.0 for representatives, NaN for records in no cluster.
        cluster_size: number of records in the record's cluster.
        stats: counts and timings (records, candidate_pairs, verified_pairs, clusters, dropped, ...).
        pairs: the verified pairs ``(left, right)`` that made the clusters (``left < right``).
    """

    label: np.ndarray
    representative: np.ndarray
    jaccard: np.ndarray
    cluster_size: np.ndarray
    stats: dict = field(default_factory=dict)
    pairs: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0, np.int64), np.zeros(0, np.int64))
    )

    @property
    def is_representative(self) -> np.ndarray:
        return self.representative == np.arange(len(self.label))

    @property
    def keep(self) -> np.ndarray:
        """True for records that are alone or represent their cluster."""
        return self.is_representative


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (``getrusage`` maxrss)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _workers(p: MinHashParams) -> int:
    return 1 if p.hash != "fast" else p.threads or min(2, os.cpu_count() or 1)


def effective_shard_size(n: int, p: MinHashParams) -> int:
    """Records per shard: at most ``p.shard_size``, and a shard count that is a multiple of
    the worker count, so every worker thread gets the same amount of work (a 20k-record input
    with 2 threads is cut in two shards of 10k, not one of 20k).

    Example: 100,000 records, ``shard_size`` 20,000, 2 threads -> 6 shards of 16,667.
    """
    workers = _workers(p)
    shards = max(1, -(-n // p.shard_size))
    shards = -(-shards // workers) * workers
    return max(1, min(p.shard_size, -(-n // shards)))


def compute_signatures(
    texts: pl.Series, p: MinHashParams, keep_hashes: bool = False
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Signatures of every text; identical texts are shingled and signed once.

    A signature is a pure function of the text, so a repeated text (common in crawled data)
    takes its first copy's row. Texts are grouped by a 64-bit hash and the grouping is checked
    by comparing the strings, so a hash collision only costs the shortcut. Not used with
    ``keep_hashes`` (exact verification reads the shingles of every record by position).
    """
    n = len(texts)
    if not keep_hashes and n > 1:
        filled = texts.cast(pl.String).fill_null("")
        _, first, inverse = np.unique(
            filled.hash(seed=_TEXT_SEED).to_numpy(), return_index=True, return_inverse=True
        )
        rep = first[inverse.reshape(-1)].astype(np.int64)
        own = np.arange(n, dtype=np.int64)
        differs = (filled != filled.gather(rep)).to_numpy()
        rep[differs] = own[differs]  # a hash collision: sign it on its own
        distinct = np.flatnonzero(rep == own)
        if len(distinct) < n:
            sigs, has, _ = _compute_signatures(texts.gather(distinct), p, False)
            at = np.searchsorted(distinct, rep)
            return sigs[at], has[at], []
    return _compute_signatures(texts, p, keep_hashes)


def _compute_signatures(
    texts: pl.Series, p: MinHashParams, keep_hashes: bool = False
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Signatures of every text, shard by shard; also which texts had shingles.

    Returns ``(sigs, has_shingles, shards)`` where ``shards`` holds each shard's
    ``(hashes, offsets)`` when ``keep_hashes`` (for exact verification), else is empty; shard
    ``k`` covers records from ``k * effective_shard_size(n, p)``.
    """
    n = len(texts)
    sigs = np.empty((n, p.num_perm), dtype=np.uint32)
    has = np.zeros(n, dtype=bool)
    size = effective_shard_size(n, p)
    starts = list(range(0, n, size))
    kept: list[tuple[np.ndarray, np.ndarray]] = [
        (np.zeros(0, np.uint32), np.zeros(1, np.int64))
    ] * len(starts)

    def shard(k: int) -> None:
        start = starts[k]
        part = texts.slice(start, size)
        if p.hash == "fast":
            hashes, offsets = shingle_hashes(part, p.shingle, p.ngram)
        else:
            hashes, offsets = sha1_shingle_hashes(part, p.shingle, p.ngram)
        sigs[start : start + len(part)] = signatures(hashes, offsets, p.num_perm, p.seed, threads=1)
        has[start : start + len(part)] = np.diff(offsets) > 0
        if keep_hashes:
            kept[k] = (hashes, offsets)

    workers = min(_workers(p), len(starts))
    if workers <= 1:
        for k in range(len(starts)):
            shard(k)
    else:  # Polars and NumPy release the GIL: shards overlap on the cores
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(shard, range(len(starts))))
    if not keep_hashes:
        kept = []
    return sigs, has, kept


def _shingle_set(
    shards: list[tuple[np.ndarray, np.ndarray]], shard_size: int, i: int
) -> np.ndarray:
    hashes, offsets = shards[i // shard_size]
    j = i % shard_size
    return np.unique(hashes[offsets[j] : offsets[j + 1]])


def _first_equal(values: np.ndarray) -> np.ndarray:
    """For each position, the first position holding an equal value (one stable sort).

    Example: ``_first_equal(np.array([7, 3, 7, 3, 5]))`` -> ``[0, 1, 0, 1, 4]``.
    """
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    start = np.ones(len(values), dtype=bool)
    start[1:] = ordered[1:] != ordered[:-1]
    first = np.empty(len(values), dtype=np.int64)
    first[order] = order[np.flatnonzero(start)][np.cumsum(start) - 1]
    return first


def near_duplicates(
    texts: pl.Series | list[str | None],
    params: MinHashParams | None = None,
    *,
    scores: np.ndarray | None = None,
) -> NearDupResult:
    """Cluster near-duplicate texts.

    Args:
        texts: one text per record (null or empty texts have no shingles and stay alone).
        params: see :class:`MinHashParams`.
        scores: quality scores (higher is better) for the ``quality`` representative policy.

    Returns:
        A :class:`NearDupResult`.

    Example: ``near_duplicates(["a b c d e f g", "a b c d e f g h", "x y z"]).label``
    -> ``[0, 0, 2]`` (the first two share 3 of their 4 distinct word 5-grams, Jaccard 0.75).
    """
    p = params or MinHashParams()
    t0 = time.perf_counter()
    texts = texts if isinstance(texts, pl.Series) else pl.Series("text", texts, dtype=pl.String)
    n = len(texts)
    bands, rows = p.band_rows()
    sigs, has, shards = compute_signatures(texts, p, keep_hashes=p.verify == "exact")
    shard_size = effective_shard_size(n, p)
    t_sig = time.perf_counter()

    # Identical signatures first: one pair to the group's first record, LSH on the rest.
    live = np.flatnonzero(has)
    live_sigs = sigs if len(live) == n else sigs[live]  # no copy when every text has shingles
    # Band keys, and the whole signature's key: its band keys plus the values no band uses.
    live_keys, whole = band_and_signature_keys(live_sigs, bands, rows)
    copy_left = live[_first_equal(whole)]
    copy_right = live
    is_copy = copy_left != copy_right
    head = ~is_copy  # the first record of each distinct signature, in input order
    cand_left, cand_right = candidate_pairs(live_keys[head], live[head], p.max_bucket_anchors)
    left = np.concatenate([copy_left[is_copy], cand_left])
    right = np.concatenate([copy_right[is_copy], cand_right])
    n_candidates = len(left)
    t_lsh = time.perf_counter()

    left, right, jac = verify_pairs(sigs, left, right, p.threshold)
    if p.verify == "exact" and len(left):
        exact = np.array(
            [
                exact_jaccard(
                    _shingle_set(shards, shard_size, int(i)),
                    _shingle_set(shards, shard_size, int(j)),
                )
                for i, j in zip(left, right, strict=True)
            ]
        )
        ok = exact >= p.threshold - 1e-12
        left, right = left[ok], right[ok]
    label = components(n, left, right)
    size = np.bincount(label, minlength=n)[label]
    lengths = (
        texts.fill_null("").str.len_chars().to_numpy() if p.representative == "longest" else None
    )
    policy = p.representative
    if policy == "quality" and scores is None:
        policy = "first"
    reps = representatives(label, policy, lengths=lengths, scores=scores)
    jaccard = np.full(n, np.nan)
    member = np.flatnonzero(size > 1)
    if len(member):
        if p.verify == "exact":
            jaccard[member] = [
                exact_jaccard(
                    _shingle_set(shards, shard_size, int(i)),
                    _shingle_set(shards, shard_size, int(reps[i])),
                )
                for i in member
            ]
        else:
            jaccard[member] = estimate_jaccard(sigs[member], sigs[reps[member]])
    t_end = time.perf_counter()
    n_clusters = int(len(np.unique(label[member]))) if len(member) else 0
    stats = {
        "records": n,
        "records_without_shingles": int(n - has.sum()),
        "bands": bands,
        "rows": rows,
        "candidate_pairs": int(n_candidates),
        "verified_pairs": int(len(left)),
        "clusters": n_clusters,
        "duplicates": int(len(member) - n_clusters),
        "seconds": round(t_end - t0, 4),
        "seconds_signatures": round(t_sig - t0, 4),
        "seconds_lsh": round(t_lsh - t_sig, 4),
        "seconds_clusters": round(t_end - t_lsh, 4),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
    log.debug("near_duplicates: %s", stats)
    return NearDupResult(label, reps, jaccard, size, stats, (left, right))

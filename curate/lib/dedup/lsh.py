"""Locality-sensitive hashing: bands of signature rows, and the candidate pairs they give.

A signature of ``num_perm`` values is cut into ``bands`` bands of ``rows`` values; two sets whose
signatures agree on all rows of at least one band become a *candidate pair*. With Jaccard ``s``
the chance of that is ``1 - (1 - s^rows)^bands``, an S-curve whose steep part sits near
``(1/bands)^(1/rows)`` (Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3).

Users give a Jaccard threshold; :func:`optimal_params` picks ``(bands, rows)`` with datasketch's
own function, as ``MinHashLSH`` does: minimise ``w_fp * P(candidate | s < t) + w_fn * P(not candidate | s >= t)``,
the two areas under the S-curve either side of the threshold. Candidates are only candidates:
every pair is verified afterwards (:mod:`curate.lib.dedup.clusters`).

Buckets are found by sorting each band's 64-bit keys (NumPy, stable, so members stay in input
order). A huge bucket (thousands of copies of one
boilerplate page) would give a quadratic number of pairs, so each member is paired with at most
``max_anchors`` earlier members of its bucket: every member is still linked to the bucket's first
members, so connected components are unchanged whenever those links verify.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from curate.lib.dedup import _kernels

_M64 = np.uint64(0x9E3779B97F4A7C15)


@lru_cache(maxsize=64)
def optimal_params(
    threshold: float,
    num_perm: int = 128,
    false_positive_weight: float = 0.5,
    false_negative_weight: float = 0.5,
) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows <= num_perm`` minimising weighted FP + FN area.

    The definition is datasketch's ``_optimal_param`` (what ``MinHashLSH(threshold=...)`` uses):
    over every ``(b, r)`` with ``b * r <= num_perm``, in the order ``b`` then ``r`` ascending,
    the first minimum of ``w_fp * FP + w_fn * FN``, where ``FP`` is the area under the S-curve
    ``1 - (1 - s^r)^b`` on ``[0, threshold]`` and ``FN`` the area above it on ``[threshold, 1]``.
    datasketch integrates with ``scipy.integrate.quad``; the S-curve is a polynomial of degree
    ``b * r <= num_perm``, so Gauss-Legendre quadrature with ``num_perm // 2 + 2`` nodes is exact
    (up to rounding) and needs neither scipy nor datasketch: importing those cost 0.4 s CPU and
    44 MiB of memory per process, against 0.01 s for this. The choice equals datasketch's on
    every setting tested (``test_optimal_params_match_datasketch*``: 1,216 settings checked
    once, num_perm 16-256, four weightings, thresholds 0.01-0.99).

    Example: ``optimal_params(0.7, 128)`` -> ``(14, 9)``; ``optimal_params(0.8, 128)`` -> ``(9, 13)``.
    """
    bands = np.concatenate([np.full(num_perm // k, k) for k in range(1, num_perm + 1)])
    rows = np.concatenate([np.arange(1, num_perm // k + 1) for k in range(1, num_perm + 1)])
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 2)
    below = threshold / 2 * (nodes + 1)  # nodes on [0, threshold]
    above = threshold + (1 - threshold) / 2 * (nodes + 1)  # nodes on [threshold, 1]
    error = np.empty(len(bands))
    step = 2048  # pairs at a time: (step, nodes) temporaries stay small at large num_perm
    for lo in range(0, len(bands), step):
        b = bands[lo : lo + step, None].astype(np.float64)
        r = rows[lo : lo + step, None].astype(np.float64)
        fp = (1 - (1 - below[None, :] ** r) ** b) @ weights * (threshold / 2)
        fn = (1 - above[None, :] ** r) ** b @ weights * ((1 - threshold) / 2)
        error[lo : lo + step] = fp * false_positive_weight + fn * false_negative_weight
    best = int(np.argmin(error))  # the first minimum, as datasketch's strict "<" keeps
    return int(bands[best]), int(rows[best])


def candidate_probability(jaccard: float, bands: int, rows: int) -> float:
    """Chance that a pair with this Jaccard shares at least one band: ``1 - (1 - s^r)^b``.

    Example: ``candidate_probability(0.8, 14, 9)`` -> ``0.86``.
    """
    return 1.0 - (1.0 - jaccard**rows) ** bands


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def fold_columns(cols: np.ndarray, salt: int = 0) -> np.ndarray:
    """One 64-bit hash per row of an ``(n, k)`` integer array, order-sensitive.

    Example: equal rows give equal hashes; ``[1, 2]`` and ``[2, 1]`` differ.
    """
    cols = np.asarray(cols)
    h = np.full(cols.shape[0], ((salt + 1) * int(_M64)) & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)
    for j in range(cols.shape[1]):
        h ^= cols[:, j].astype(np.uint64)
        h *= _M64
    return _fmix64(h)


def band_hashes(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit hash per band: ``uint64[n, bands]`` from ``uint32[n, num_perm]`` signatures.

    The band index salts the hash, so equal values in two different bands never share a bucket
    key and all keys can be grouped as one flat array. All bands are folded together, row by
    row (``rows`` passes over an ``(n, bands)`` array; the same values as :func:`fold_columns`
    of each band with ``salt=band``).

    Example: two equal signatures give equal rows of band hashes.
    """
    sigs = np.asarray(sigs)
    n = sigs.shape[0]
    by_row = sigs[:, : bands * rows].reshape(n, bands, rows).transpose(2, 0, 1)
    salts = (np.arange(1, bands + 1, dtype=np.uint64) * _M64)[None, :]
    h = np.broadcast_to(salts, (n, bands)).copy()
    for r in range(rows):
        h ^= by_row[r]
        h *= _M64
    return _fmix64(h)


def band_and_signature_keys(
    sigs: np.ndarray, bands: int, rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Band keys and one key per whole signature, in one pass when numba is installed.

    Returns ``(band_hashes(sigs, bands, rows), whole)`` where ``whole`` is
    :func:`fold_columns` (``salt=-1``) of the band keys followed by the signature values no
    band uses: equal signatures, equal ``whole`` (the compiled loop gives the same bits, tested).

    Example: two equal signature rows give equal band keys and equal whole keys.
    """
    sigs = np.asarray(sigs)
    n = sigs.shape[0]
    if _kernels.HAVE_NUMBA and n:
        salts = np.arange(1, bands + 1, dtype=np.uint64) * _M64
        keys = np.empty((n, bands), dtype=np.uint64)
        whole = np.empty(n, dtype=np.uint64)
        _kernels.band_keys_kernel(np.ascontiguousarray(sigs), salts, int(rows), keys, whole)
        return keys, whole
    keys = band_hashes(sigs, bands, rows)
    whole = fold_columns(
        np.concatenate([keys, sigs[:, bands * rows :].astype(np.uint64)], axis=1), salt=-1
    )
    return keys, whole


def bucket_pairs(
    keys: np.ndarray, docs: np.ndarray, max_anchors: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of documents with equal keys, from one band's keys (documents in ascending order).

    Each member of a bucket is paired with at most ``max_anchors`` earlier members. Documents
    must be distinct non-negative numbers.

    Example: keys ``[5, 7, 5, 5]`` with docs ``[0, 1, 2, 3]`` -> ``([0, 0, 2], [2, 3, 3])``.
    """
    # Sort (key, doc) as one 64-bit number: the key's low bits above the doc number. The key's top
    # bits are dropped, which can only merge buckets (more candidates, all verified later).
    docs = np.asarray(docs, dtype=np.int64)
    n = len(docs)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    bits = max(1, int(docs.max()).bit_length())
    mask = np.uint64((1 << bits) - 1)
    packed = np.sort(
        (np.asarray(keys, dtype=np.uint64) << np.uint64(bits)) | docs.astype(np.uint64)
    )
    if _kernels.HAVE_NUMBA:  # the same pairs in the same order, one pass per bucket
        none = np.zeros(0, dtype=np.int64)
        count = _kernels.bucket_pairs_kernel(packed, bits, mask, max_anchors, False, none, none)
        left = np.empty(count, dtype=np.int64)
        right = np.empty(count, dtype=np.int64)
        _kernels.bucket_pairs_kernel(packed, bits, mask, max_anchors, True, left, right)
        return left, right
    sk, sd = packed >> np.uint64(bits), (packed & mask).astype(np.int64)
    new = np.ones(n, dtype=bool)
    new[1:] = sk[1:] != sk[:-1]
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, n))
    multi = sizes > 1
    starts, sizes = starts[multi], sizes[multi]
    if len(starts) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    n_anchor = np.minimum(sizes - 1, max_anchors)  # anchors that have a later member
    group = np.repeat(np.arange(len(starts)), n_anchor)
    pos = np.arange(len(group)) - np.repeat(np.cumsum(n_anchor) - n_anchor, n_anchor)
    later = sizes[group] - 1 - pos
    left = np.repeat(starts[group] + pos, later)
    right = left + 1 + np.arange(len(left)) - np.repeat(np.cumsum(later) - later, later)
    return sd[left], sd[right]


def candidate_pairs(
    keys: np.ndarray, docs: np.ndarray | None = None, max_anchors: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of documents that share a bucket in at least one band.

    Args:
        keys: ``uint64[n, bands]`` band hashes (:func:`band_hashes`).
        docs: int64 document number of each row, ascending (default ``0..n-1``).
        max_anchors: each member is paired with at most this many earlier members of a bucket.

    Returns:
        ``(left, right)`` int64 arrays with ``left < right``, each pair once, sorted.

    Example: rows 0 and 2 equal in band 1 only -> ``([0], [2])``.
    """
    n, bands = keys.shape
    docs = np.arange(n, dtype=np.int64) if docs is None else np.asarray(docs, dtype=np.int64)
    parts = [bucket_pairs(keys[:, b], docs, max_anchors) for b in range(bands)]
    left = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    right = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    if len(left) == 0:
        return left, right
    span = int(docs.max()) + 1
    code = np.sort(left * span + right)
    if len(code) > 1:  # np.unique, without its hash table: sorted, then repeats dropped
        code = code[np.concatenate(([True], code[1:] != code[:-1]))]
    return code // span, code % span

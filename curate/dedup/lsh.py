"""Locality-sensitive hashing: bands of signature rows, and the candidate pairs they give.

A signature of ``num_perm`` values is cut into ``bands`` bands of ``rows`` values; two sets whose
signatures agree on all rows of at least one band become a *candidate pair*. With Jaccard ``s``
the chance of that is ``1 - (1 - s^rows)^bands``, an S-curve whose steep part sits near
``(1/bands)^(1/rows)`` (Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3).

Users give a Jaccard threshold; :func:`optimal_params` picks ``(bands, rows)`` the way datasketch's
``MinHashLSH`` does: minimise ``w_fp * P(candidate | s < t) + w_fn * P(not candidate | s >= t)``,
the two areas under the S-curve either side of the threshold. Candidates are only candidates:
every pair is verified afterwards (:mod:`curate.dedup.clusters`).

Buckets are Polars group-bys over ``(band, band hash)``. A huge bucket (thousands of copies of one
boilerplate page) would give a quadratic number of pairs, so each member is paired with at most
``max_anchors`` earlier members of its bucket: every member is still linked to the bucket's first
members, so connected components are unchanged whenever those links verify.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

_M64 = np.uint64(0x9E3779B97F4A7C15)


def _integrate(f: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Trapezoid rule along the last axis (datasketch uses scipy's quad; agreement is tested)."""
    return np.sum((f[..., 1:] + f[..., :-1]) * np.diff(x), axis=-1) / 2.0


@lru_cache(maxsize=64)
def optimal_params(
    threshold: float,
    num_perm: int = 128,
    false_positive_weight: float = 0.5,
    false_negative_weight: float = 0.5,
) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows <= num_perm`` minimising weighted FP + FN area.

    Same objective and search order as datasketch's ``_optimal_param`` (tested to agree); all
    ``(b, r)`` candidates are scored at once on a 501-point grid.

    Example: ``optimal_params(0.7, 128)`` -> ``(14, 9)``; ``optimal_params(0.8, 128)`` -> ``(9, 13)``.
    """
    combos = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=np.float64)
    b, r = combos[:, :1], combos[:, 1:]
    lo = np.linspace(0.0, threshold, 501)
    hi = np.linspace(threshold, 1.0, 501)
    fp = _integrate(1.0 - (1.0 - lo**r) ** b, lo)
    fn = _integrate((1.0 - hi**r) ** b, hi)
    err = fp * false_positive_weight + fn * false_negative_weight
    best = int(np.argmin(err))  # first minimum, as datasketch's strict "<" keeps the first
    return int(combos[best, 0]), int(combos[best, 1])


def candidate_probability(jaccard: float, bands: int, rows: int) -> float:
    """Chance that a pair with this Jaccard shares at least one band: ``1 - (1 - s^r)^b``.

    Example: ``candidate_probability(0.8, 14, 9)`` -> ``0.86``.
    """
    return 1.0 - (1.0 - jaccard**rows) ** bands


def band_hashes(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit hash per band: ``uint64[n, bands]`` from ``uint32[n, num_perm]`` signatures.

    The band's ``rows`` values are folded in order with multiply-rotate steps, then the band
    index is mixed in, so equal values in two different bands never share a bucket key.

    Example: two equal signatures give equal rows of band hashes.
    """
    sigs = np.asarray(sigs)
    n = sigs.shape[0]
    out = np.empty((n, bands), dtype=np.uint64)
    for band in range(bands):
        h = np.full(n, ((band + 1) * int(_M64)) & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)
        for col in range(band * rows, (band + 1) * rows):
            h = (h ^ sigs[:, col].astype(np.uint64)) * _M64
            h = (h << np.uint64(29)) | (h >> np.uint64(35))
        out[:, band] = h
    return out


def candidate_pairs(keys: np.ndarray, docs: np.ndarray | None = None, max_anchors: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of documents that share a bucket in at least one band.

    Args:
        keys: ``uint64[n, bands]`` band hashes (:func:`band_hashes`).
        docs: int64 document number of each row (default ``0..n-1``).
        max_anchors: each member is paired with at most this many earlier members of a bucket.

    Returns:
        ``(left, right)`` int64 arrays with ``left < right``, each pair once, sorted.

    Example: rows 0 and 2 equal in band 1 only -> ``([0], [2])``.
    """
    n, bands = keys.shape
    if docs is None:
        docs = np.arange(n, dtype=np.int64)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    long = pl.DataFrame(
        {
            "doc": np.repeat(np.asarray(docs, dtype=np.int64), bands),
            "band": np.tile(np.arange(bands, dtype=np.int32), n),
            "key": keys.reshape(-1),
        }
    )
    shared = (
        long.filter(pl.len().over("band", "key") > 1)
        .sort("band", "key", "doc")
        .with_columns(pos=pl.int_range(pl.len()).over("band", "key"))
    )
    if shared.height == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    anchors = shared.filter(pl.col("pos") < max_anchors).select("band", "key", "pos", left="doc")
    pairs = (
        anchors.join(shared.select("band", "key", right="doc", rpos="pos"), on=["band", "key"])
        .filter(pl.col("rpos") > pl.col("pos"))
        .select("left", "right")
        .unique()
        .sort("left", "right")
    )
    return pairs["left"].to_numpy(), pairs["right"].to_numpy()

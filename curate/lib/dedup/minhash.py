"""MinHash signatures with datasketch's permutation scheme, vectorised over whole batches.

A signature is ``num_perm`` minima: for permutation ``k``, ``min over shingles of (a_k * fmix32(h)
+ b_k) mod 2^32`` (Broder 1997, "On the resemblance and containment of documents"). The
permutation parameters ``a_k`` (odd) and ``b_k`` are datasketch's own ``affine32`` scheme (its
default since 2.0, drawn from ``numpy.random.RandomState(seed)``), and the pre-mix is the same
MurmurHash3 finaliser, so the signature of a shingle-hash set equals datasketch's
``MinHash(num_perm, seed).update_batch(...)`` whenever the shingle hashes are the same: feed
:func:`curate.lib.dedup.shingles.sha1_shingle_hashes` (datasketch's ``sha1_hash32``) and the two agree
bit for bit (tested). The fast default feeds Polars/xxhash-style 32-bit shingle hashes instead;
the permutation step is identical, so Jaccard estimates have the same distribution.

The fraction of equal positions of two signatures estimates the Jaccard similarity ``J`` of the
two sets with standard error ``sqrt(J (1 - J) / num_perm)`` (0.035 at J = 0.8, num_perm = 128).

Work is done on chunks of about ``chunk`` shingles laid out ``(num_perm, shingles)`` in one
reused scratch buffer per thread, so the temporary product fits in cache and ``minimum.reduceat`` runs along contiguous rows.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from curate.lib.dedup import _kernels

EMPTY = np.uint32(0xFFFFFFFF)  # the signature value of an empty set (datasketch's max hash)


@lru_cache(maxsize=16)
def permutations(num_perm: int = 128, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``affine32`` permutation parameters ``(a, b)``, each ``uint32[num_perm]``.

    Drawn exactly as ``datasketch.MinHash(num_perm, seed, scheme="affine32")`` draws them (tested
    equal), without importing datasketch: ``a = 2 * randint(0, 2^31) + 1`` (odd, so each
    permutation is a bijection of the 32-bit range), ``b = randint(0, 2^32)``.

    Example: ``permutations(2, 1)[0] % 2`` -> ``[1, 1]``.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, element-wise (datasketch's pre-mix).

    Example: ``fmix32(np.array([0], np.uint32))`` -> ``[0]`` (zero is its fixed point).
    """
    h = np.asarray(h, dtype=np.uint32)
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signatures(
    hashes: np.ndarray,
    offsets: np.ndarray,
    num_perm: int = 128,
    seed: int = 1,
    chunk: int = 4_096,
    threads: int | None = None,
) -> np.ndarray:
    """MinHash signatures of many shingle-hash sets at once.

    Args:
        hashes: uint32 shingle hashes, sets one after another.
        offsets: int64, length ``n_sets + 1``; set ``i`` is ``hashes[offsets[i]:offsets[i+1]]``.
        num_perm: signature length.
        seed: permutation seed (datasketch's ``seed``).
        chunk: about how many shingles are permuted at once (memory: ``4 * num_perm * chunk`` B
            per thread).
        threads: worker threads (NumPy releases the GIL); default ``min(2, cpu count)``. Each
            chunk writes its own rows, so the result does not depend on it. With ``threads=1``
            and numba installed, the fused kernel of :mod:`curate.lib.dedup._kernels` computes the
            same bits in one pass.

    Returns:
        ``uint32[n_sets, num_perm]``; an empty set's row is all ``0xFFFFFFFF`` (as datasketch).

    Example: two sets ``{h1, h2}`` and ``{h1, h2}`` give equal rows; ``{}`` gives all ``EMPTY``.
    """
    a, b = permutations(num_perm, seed)
    offsets = np.asarray(offsets, dtype=np.int64)
    n = len(offsets) - 1
    out = np.full((n, num_perm), EMPTY, dtype=np.uint32)
    sizes = np.diff(offsets)
    nonempty = np.flatnonzero(sizes > 0)
    if len(nonempty) == 0:
        return out
    if _kernels.HAVE_NUMBA and (threads or 1) == 1:
        # Fused kernel: same bits, no (num_perm, shingles) temporary.
        _kernels.signatures_kernel(
            np.ascontiguousarray(hashes, dtype=np.uint32), offsets, a, b, out
        )
        return out
    mixed = fmix32(hashes)
    col_a, col_b = a[:, None], b[:, None]
    starts = offsets[nonempty]
    bounds = [0]
    while bounds[-1] < len(nonempty):
        # Take whole sets until the chunk holds about `chunk` shingles (at least one set).
        i = bounds[-1]
        j = int(np.searchsorted(starts, starts[i] + chunk, side="left"))
        bounds.append(max(j, i + 1))

    local = threading.local()
    widest = chunk + int(sizes.max())

    def work(k: int) -> None:
        i, j = bounds[k], bounds[k + 1]
        lo, hi = int(starts[i]), int(offsets[nonempty[j - 1] + 1])
        # One scratch buffer per thread, reused: a fresh multi-MB array per chunk costs page
        # faults every time.
        if getattr(local, "buf", None) is None or local.buf.shape[1] < hi - lo:
            local.buf = np.empty((num_perm, max(hi - lo, min(widest, 2 * chunk))), np.uint32)
        block = local.buf[:, : hi - lo]
        np.multiply(col_a, mixed[lo:hi][None, :], out=block)  # (num_perm, shingles), wraps
        block += col_b
        out[nonempty[i:j]] = np.minimum.reduceat(block, starts[i:j] - lo, axis=1).T

    n_threads = threads or min(2, os.cpu_count() or 1)
    if n_threads == 1 or len(bounds) < 4:
        for k in range(len(bounds) - 1):
            work(k)
    else:
        with ThreadPoolExecutor(n_threads) as pool:
            list(pool.map(work, range(len(bounds) - 1)))
    return out


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Fraction of equal positions, row by row: the MinHash estimate of Jaccard similarity.

    Example: rows ``[1, 2, 3, 4]`` and ``[1, 2, 0, 0]`` -> ``0.5``.
    """
    return (np.asarray(sig_a) == np.asarray(sig_b)).mean(axis=-1)


def jaccard_std(jaccard: float, num_perm: int) -> float:
    """Standard error of the MinHash estimate: ``sqrt(J (1 - J) / num_perm)``.

    Example: ``jaccard_std(0.8, 128)`` -> ``0.0354``.
    """
    return float(np.sqrt(jaccard * (1.0 - jaccard) / num_perm))

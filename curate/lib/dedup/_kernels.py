"""Optional numba kernels for the fast (non-compat) MinHash path; bit-identical to NumPy.

``numba`` is optional: when it cannot be imported, :data:`HAVE_NUMBA` is ``False`` and callers
use the NumPy implementations in :mod:`curate.lib.dedup.minhash` and :mod:`curate.lib.dedup.shingles`,
which give the same bits (tested with Hypothesis). The kernels are compiled with
``cache=True`` (the one-off compile is cached on disk next to this module) and ``nogil=True``
(shards run them on several threads at once).

- :func:`signatures_kernel`: for each set, ``min over shingles of (a_k * fmix32(h) + b_k) mod
  2^32`` written straight into the signature row, without materialising the ``(shingles x
  num_perm)`` product that the NumPy path builds chunk by chunk.
- :func:`ngram_kernel`: folds ``n`` consecutive 64-bit token hashes into one 32-bit shingle hash
  per window (same fold, sentinel padding and ``fmix64`` as ``shingles.ngram_hashes``).
"""

from __future__ import annotations

import os

import numpy as np

try:  # pragma: no cover - exercised implicitly by whichever branch is installed
    if os.environ.get("CLEANROOM_NO_NUMBA"):
        raise ImportError("disabled by CLEANROOM_NO_NUMBA")
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    numba = None
    HAVE_NUMBA = False

_M64 = 0x9E3779B97F4A7C15
_SENTINEL = 0xD6E8FEB86659FD93


def _signatures_py(
    hashes: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray
) -> None:
    """Reference loop of :func:`signatures_kernel` (compiled by numba when available)."""
    num_perm = a.shape[0]
    row = np.empty(num_perm, dtype=np.uint32)
    for i in range(offsets.shape[0] - 1):
        lo, hi = offsets[i], offsets[i + 1]
        if hi <= lo:
            continue  # empty set: the caller pre-fills EMPTY
        row[:] = np.uint32(0xFFFFFFFF)
        for j in range(lo, hi):
            h = np.uint32(hashes[j])
            h ^= h >> np.uint32(16)
            h = np.uint32(h * np.uint32(0x85EBCA6B))
            h ^= h >> np.uint32(13)
            h = np.uint32(h * np.uint32(0xC2B2AE35))
            h ^= h >> np.uint32(16)
            for k in range(num_perm):
                row[k] = min(row[k], np.uint32(a[k] * h + b[k]))
        out[i, :] = row


def _fmix64_scalar(h):
    h ^= h >> np.uint64(33)
    h = np.uint64(h * np.uint64(0xFF51AFD7ED558CCD))
    h ^= h >> np.uint64(33)
    h = np.uint64(h * np.uint64(0xC4CEB9FE1A85EC53))
    h ^= h >> np.uint64(33)
    return h


def _ngram_py(
    token_hashes: np.ndarray, lens: np.ndarray, n: int, offsets: np.ndarray, out: np.ndarray
) -> None:
    """Reference loop of :func:`ngram_kernel`: one folded hash per window of each text."""
    m64 = np.uint64(_M64)
    sentinel = np.uint64(_SENTINEL)
    start = 0
    for i in range(lens.shape[0]):
        ln = lens[i]
        pos = offsets[i]
        if ln >= n:
            for w in range(ln - n + 1):
                h = np.uint64(0)
                for k in range(n):
                    h = np.uint64((h ^ token_hashes[start + w + k]) * m64)
                out[pos + w] = np.uint32(_fmix64(h) >> np.uint64(32))
        elif ln > 0:
            h = np.uint64(0)
            for k in range(n):
                c = token_hashes[start + k] if k < ln else sentinel
                h = np.uint64((h ^ c) * m64)
            out[pos] = np.uint32(_fmix64(h) >> np.uint64(32))
        start += ln


if HAVE_NUMBA:
    _fmix64 = numba.njit(cache=True, nogil=True, inline="always")(_fmix64_scalar)
    signatures_kernel = numba.njit(cache=True, nogil=True, boundscheck=False)(_signatures_py)
    ngram_kernel = numba.njit(cache=True, nogil=True, boundscheck=False)(_ngram_py)
else:  # pragma: no cover
    _fmix64 = _fmix64_scalar
    signatures_kernel = None
    ngram_kernel = None


def _ascii_words_py(
    data: np.ndarray,
    offs: np.ndarray,
    out_buf: np.ndarray,
    out_offs: np.ndarray,
    lens: np.ndarray,
    is_ascii: np.ndarray,
) -> int:
    """Lower-cased, punctuation-stripped words of the ASCII texts of a batch, in one pass.

    ``data``/``offs`` are the UTF-8 bytes and offsets of the texts (an Arrow string column).
    For each ASCII text, writes its words (split on the whitespace the Polars path splits on,
    ``string.punctuation`` stripped from both ends, empty words dropped) into ``out_buf`` with
    offsets ``out_offs`` and sets ``lens[i]``; a text with a byte >= 128 is left to the Polars
    path (``is_ascii[i] = False``, ``lens[i] = 0``). Returns the number of words written.
    """
    nw = 0
    pos = 0
    out_offs[0] = 0
    for i in range(offs.shape[0] - 1):
        lo, hi = offs[i], offs[i + 1]
        ok = True
        for j in range(lo, hi):
            if data[j] >= 128:
                ok = False
                break
        is_ascii[i] = ok
        lens[i] = 0
        if not ok:
            continue
        count = 0
        j = lo
        while j < hi:
            c = data[j]
            # whitespace: \t \n \x0b \x0c \r, \x1c-\x1f, space
            if c == 32 or (9 <= c <= 13) or (28 <= c <= 31):
                j += 1
                continue
            s = j
            while j < hi:
                c = data[j]
                if c == 32 or (9 <= c <= 13) or (28 <= c <= 31):
                    break
                j += 1
            e = j
            # string.punctuation: 33-47, 58-64, 91-96, 123-126
            while s < e and (
                (33 <= data[s] <= 47)
                or (58 <= data[s] <= 64)
                or (91 <= data[s] <= 96)
                or (123 <= data[s] <= 126)
            ):
                s += 1
            while e > s and (
                (33 <= data[e - 1] <= 47)
                or (58 <= data[e - 1] <= 64)
                or (91 <= data[e - 1] <= 96)
                or (123 <= data[e - 1] <= 126)
            ):
                e -= 1
            if e > s:
                for k in range(s, e):
                    c = data[k]
                    if 65 <= c <= 90:
                        c += 32
                    out_buf[pos] = c
                    pos += 1
                nw += 1
                out_offs[nw] = pos
                count += 1
        lens[i] = count
    return nw


def _merge_py(
    is_a: np.ndarray,
    a_hashes: np.ndarray,
    a_lens: np.ndarray,
    b_hashes: np.ndarray,
    b_lens: np.ndarray,
    out: np.ndarray,
) -> None:
    """Interleave two groups' token hashes back into text order (``is_a[i]``: text i in A)."""
    pa = 0
    pb = 0
    ib = 0
    p = 0
    for i in range(is_a.shape[0]):
        if is_a[i]:
            for k in range(a_lens[i]):
                out[p] = a_hashes[pa + k]
                p += 1
            pa += a_lens[i]
        else:
            for k in range(b_lens[ib]):
                out[p] = b_hashes[pb + k]
                p += 1
            pb += b_lens[ib]
            ib += 1


if HAVE_NUMBA:
    ascii_words_kernel = numba.njit(cache=True, nogil=True, boundscheck=False)(_ascii_words_py)
    merge_kernel = numba.njit(cache=True, nogil=True, boundscheck=False)(_merge_py)
else:  # pragma: no cover
    ascii_words_kernel = None
    merge_kernel = None


def warm_up() -> float:
    """Compile (or load from the on-disk cache) every kernel; returns the seconds it took.

    Example: ``warm_up()`` -> ``0.0`` without numba; about a second on a first compile.
    """
    if not HAVE_NUMBA:
        return 0.0
    import time

    t0 = time.perf_counter()
    out = np.empty((1, 2), dtype=np.uint32)
    signatures_kernel(
        np.zeros(1, np.uint32),
        np.array([0, 1], np.int64),
        np.ones(2, np.uint32),
        np.zeros(2, np.uint32),
        out,
    )
    ngram_kernel(
        np.zeros(2, np.uint64),
        np.array([2], np.int64),
        2,
        np.array([0, 1], np.int64),
        np.empty(1, np.uint32),
    )
    ascii_words_kernel(
        np.frombuffer(b"Ab, c", np.uint8),
        np.array([0, 5], np.int64),
        np.empty(5, np.uint8),
        np.empty(4, np.int64),
        np.empty(1, np.int64),
        np.empty(1, np.bool_),
    )
    merge_kernel(
        np.array([True, False]),
        np.zeros(1, np.uint64),
        np.array([1, 0], np.int64),
        np.zeros(1, np.uint64),
        np.array([1], np.int64),
        np.empty(2, np.uint64),
    )
    return time.perf_counter() - t0

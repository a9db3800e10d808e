"""One compiled pass for Gopher's n-gram repetition fractions of many documents (issue 19).

:func:`curate.steps.gopher.top_ngram_char_frac` and :func:`~curate.steps.gopher.dup_ngram_char_frac`
make a handful of NumPy calls per document and n-gram length (nine lengths by default), so a
short document costs ~0.5 ms in call overhead alone. :func:`ngram_fracs` computes the same
numbers for a batch of documents in one numba call: the same polynomial n-gram hash
(``h = h * 1_000_003 + id + 1``, wrapping), the same first-occurrence rule (stable sort, like
``np.unique(return_index=True)``) and the same tie-break for the most frequent n-gram (the one
with the smallest hash), so the results are bit-identical (``tests/test_filters_fast.py``).

numba is imported on the first call, not at import time (``cleanroom --help`` stays light); with
``CLEANROOM_NO_NUMBA=1`` or without numba the plain-Python loop below runs instead (same code,
not compiled).

Example: ids ``[0, 1, 0, 1, 0, 1]`` (``"a b a b a b"``), lengths all 1, ``top_ns=[2]`` ->
``[[1.0]]`` ("a b" three times covers all 6 characters).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curate.core.jit import numba_or_none

_BASE = 1_000_003
_compiled = None


def _fracs_py(
    ids: np.ndarray,
    lens: np.ndarray,
    offsets: np.ndarray,
    totals: np.ndarray,
    top_ns: np.ndarray,
    dup_ns: np.ndarray,
    out: np.ndarray,
) -> None:
    """For document ``d`` (words ``ids[offsets[d]:offsets[d+1]]``), row ``out[d]``: the top
    n-gram fractions for ``top_ns`` then the duplicate n-gram fractions for ``dup_ns``."""
    base = np.uint64(_BASE)
    one = np.uint64(1)
    for d in range(offsets.shape[0] - 1):
        lo, hi = offsets[d], offsets[d + 1]
        n_words = hi - lo
        total = totals[d]
        col = 0
        for kind in range(2):
            ns = top_ns if kind == 0 else dup_ns
            for k in range(ns.shape[0]):
                n = ns[k]
                out[d, col] = 0.0
                if n_words < n or total == 0:
                    col += 1
                    continue
                m = n_words - n + 1
                h = np.zeros(m, dtype=np.uint64)
                for i in range(m):
                    v = np.uint64(0)
                    for j in range(n):
                        v = v * base + np.uint64(ids[lo + i + j]) + one
                    h[i] = v
                order = np.argsort(h, kind="mergesort")
                if kind == 0:
                    best_count = 0
                    best_first = 0
                    g = 0
                    while g < m:
                        e = g + 1
                        while e < m and h[order[e]] == h[order[g]]:
                            e += 1
                        if e - g > best_count:
                            best_count = e - g
                            best_first = order[g]
                        g = e
                    if best_count >= 2:
                        chars = 0
                        for j in range(n):
                            chars += lens[lo + best_first + j]
                        out[d, col] = min(1.0, chars * best_count / total)
                else:
                    covered = np.zeros(n_words, dtype=np.bool_)
                    any_repeat = False
                    g = 0
                    while g < m:
                        e = g + 1
                        while e < m and h[order[e]] == h[order[g]]:
                            s = order[e]  # a later occurrence: its words are covered
                            any_repeat = True
                            for j in range(n):
                                covered[s + j] = True
                            e += 1
                        g = e
                    if any_repeat:
                        chars = 0
                        for i in range(n_words):
                            if covered[i]:
                                chars += lens[lo + i]
                        out[d, col] = chars / total
                col += 1


def _fracs_quiet(*args: np.ndarray) -> None:
    """The uncompiled loop, with NumPy's scalar-overflow warnings off (the hash wraps)."""
    with np.errstate(over="ignore"):
        _fracs_py(*args)


def _kernel():
    """The compiled kernel (numba, cached on disk), or the Python loop without numba."""
    global _compiled
    if _compiled is None:
        _compiled = _fracs_quiet
        numba = numba_or_none()
        if numba is not None:
            _compiled = numba.njit(cache=True, nogil=True, boundscheck=False)(_fracs_py)
    return _compiled


def ngram_fracs(
    docs: Sequence[tuple[np.ndarray, np.ndarray]],
    top_ns: Sequence[int],
    dup_ns: Sequence[int],
) -> np.ndarray:
    """``(len(docs), len(top_ns) + len(dup_ns))`` fractions for ``(word ids, word lengths)`` docs.

    Word ids must be equal exactly for equal words (``gopher._word_ids``); fractions are over the
    document's total word characters.
    """
    counts = np.fromiter((len(i) for i, _ in docs), dtype=np.int64, count=len(docs))
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    ids = np.concatenate([i for i, _ in docs]).astype(np.uint64) if docs else np.zeros(0, np.uint64)
    lens = np.concatenate([w for _, w in docs]).astype(np.int64) if docs else np.zeros(0, np.int64)
    totals = np.fromiter((int(w.sum()) for _, w in docs), dtype=np.int64, count=len(docs))
    out = np.zeros((len(docs), len(top_ns) + len(dup_ns)), dtype=np.float64)
    _kernel()(
        ids,
        lens,
        offsets,
        totals,
        np.asarray(list(top_ns), dtype=np.int64),
        np.asarray(list(dup_ns), dtype=np.int64),
        out,
    )
    return out

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

import numpy as np

from curate.core.jit import numba_or_none

numba = numba_or_none()  # None without numba or with CLEANROOM_NO_NUMBA
HAVE_NUMBA = numba is not None

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


def _byte_tables() -> tuple[np.ndarray, np.ndarray]:
    """Byte class (0 word, 1 whitespace, 2 punctuation, 3 non-ASCII) and ASCII lower-case tables.

    Whitespace is what the Polars path splits on among ASCII bytes (``\\t \\n \\x0b \\x0c \\r``,
    ``\\x1c``-``\\x1f``, space); punctuation is ``string.punctuation``.

    Example: ``_byte_tables()[0][ord(",")]`` -> ``2``; ``_byte_tables()[1][ord("A")]`` -> ``97``.
    """
    import string

    cls = np.zeros(256, dtype=np.uint8)
    cls[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = 1
    cls[[ord(c) for c in string.punctuation]] = 2
    cls[128:] = 3
    lower = np.arange(256, dtype=np.uint8)
    lower[65:91] += 32
    return cls, lower


BYTE_CLASS, BYTE_LOWER = _byte_tables()


def _ascii_words_py(
    data: np.ndarray,
    offs: np.ndarray,
    out_buf: np.ndarray,
    out_offs: np.ndarray,
    lens: np.ndarray,
    is_ascii: np.ndarray,
    cls: np.ndarray,
    lower: np.ndarray,
) -> int:
    """Lower-cased, punctuation-stripped words of the ASCII texts of a batch, in one pass.

    ``data``/``offs`` are the UTF-8 bytes and offsets of the texts (an Arrow string column);
    ``cls``/``lower`` are :data:`BYTE_CLASS` and :data:`BYTE_LOWER`. For each ASCII text,
    writes its words (split on the whitespace the Polars path splits on, ``string.punctuation``
    stripped from both ends, empty words dropped) into ``out_buf`` with offsets ``out_offs`` and
    sets ``lens[i]``; a text with a byte >= 128 is left to the Polars path (``is_ascii[i] =
    False``, ``lens[i] = 0``, its partial output rolled back). Returns the number of words written.

    One read of each byte: a word's bytes are written from its first non-punctuation byte on,
    and at its end the output is cut back to just after its last non-punctuation byte.
    """
    nw = 0
    pos = 0
    out_offs[0] = 0
    for i in range(offs.shape[0] - 1):
        lo, hi = offs[i], offs[i + 1]
        nw0 = nw
        pos0 = pos
        ok = True
        inword = False  # a non-punctuation byte of the current word has been written
        wend = pos
        for j in range(lo, hi):
            c = data[j]
            k = cls[c]
            if k == 0:
                out_buf[pos] = lower[c]
                pos += 1
                wend = pos
                inword = True
            elif k == 2:
                if inword:
                    out_buf[pos] = c
                    pos += 1
            elif k == 1:
                if inword:
                    pos = wend
                    nw += 1
                    out_offs[nw] = pos
                    inword = False
            else:
                ok = False
                break
        if ok and inword:
            pos = wend
            nw += 1
            out_offs[nw] = pos
        is_ascii[i] = ok
        if ok:
            lens[i] = nw - nw0
        else:
            nw = nw0
            pos = pos0
            lens[i] = 0
    return nw


def utf8_class_table(spaces: list[str], punct: str) -> np.ndarray:
    """Class of every Basic Multilingual Plane code point: 0 word, 1 whitespace, 2 punctuation.

    ``spaces`` are the characters the Polars path replaces with a space before splitting (plus
    the space itself); ``punct`` the characters it strips from both ends of a word. Code points
    above ``U+FFFF`` are all word characters (none is in either set).

    Example: ``utf8_class_table(["\\u3000"], ",")[0x3000]`` -> ``1``.
    """
    table = np.zeros(0x10000, dtype=np.uint8)
    table[[ord(c) for c in punct]] = 2
    table[[ord(c) for c in [*spaces, " "]]] = 1
    return table


def _utf8_words_py(
    data: np.ndarray,
    offs: np.ndarray,
    skip: np.ndarray,
    out_buf: np.ndarray,
    out_offs: np.ndarray,
    lens: np.ndarray,
    table: np.ndarray,
) -> int:
    """Words of already lower-cased UTF-8 texts, split and stripped by code point, in one pass.

    The same state machine as :func:`_ascii_words_py`, one code point at a time, classified by
    ``table`` (:func:`utf8_class_table`); a text with ``skip[i]`` gets ``lens[i] = 0`` (the
    caller tokenises it another way). Equals the Polars path's ``replace_many(spaces, " ")``,
    ``split(" ")``, ``strip_chars(punct)`` and dropping empty words (tested).
    """
    nw = 0
    pos = 0
    out_offs[0] = 0
    for i in range(offs.shape[0] - 1):
        lens[i] = 0
        if skip[i]:
            continue
        nw0 = nw
        inword = False
        wend = pos
        j = offs[i]
        hi = offs[i + 1]
        while j < hi:
            b0 = np.int64(data[j])
            if b0 < 0x80:
                step = 1
                k = table[b0]
            elif b0 < 0xE0:
                step = 2
                k = table[((b0 & 0x1F) << 6) | (np.int64(data[j + 1]) & 0x3F)]
            elif b0 < 0xF0:
                step = 3
                cp = (
                    ((b0 & 0x0F) << 12)
                    | ((np.int64(data[j + 1]) & 0x3F) << 6)
                    | (np.int64(data[j + 2]) & 0x3F)
                )
                k = table[cp]
            else:
                step = 4
                k = 0
            if k == 0 or (k == 2 and inword):
                for t in range(step):
                    out_buf[pos] = data[j + t]
                    pos += 1
                if k == 0:
                    wend = pos
                    inword = True
            elif k == 1 and inword:
                pos = wend
                nw += 1
                out_offs[nw] = pos
                inword = False
            j += step
        if inword:
            pos = wend
            nw += 1
            out_offs[nw] = pos
        lens[i] = nw - nw0
    return nw


def _band_keys_py(
    sigs: np.ndarray, salts: np.ndarray, rows: int, out: np.ndarray, whole: np.ndarray
) -> None:
    """Reference loop of :func:`band_keys_kernel`: each band's key, and each signature's key.

    ``out[i, b]`` is ``lsh.band_hashes``'s key of band ``b`` of row ``i`` (start at ``salts[b]``,
    fold the band's ``rows`` values with ``(h ^ v) * M``, ``fmix64``); ``whole[i]`` is
    ``lsh.fold_columns`` with ``salt=-1`` of the band keys followed by the values no band uses.
    """
    m64 = np.uint64(_M64)
    bands = salts.shape[0]
    width = sigs.shape[1]
    for i in range(sigs.shape[0]):
        w = np.uint64(0)
        for b in range(bands):
            h = salts[b]
            for r in range(rows):
                h = np.uint64((h ^ np.uint64(sigs[i, b * rows + r])) * m64)
            key = _fmix64(h)
            out[i, b] = key
            w = np.uint64((w ^ key) * m64)
        for c in range(bands * rows, width):
            w = np.uint64((w ^ np.uint64(sigs[i, c])) * m64)
        whole[i] = _fmix64(w)


def _match_counts_py(
    sigs: np.ndarray, left: np.ndarray, right: np.ndarray, out: np.ndarray
) -> None:
    """Number of equal signature positions of each pair ``(left[p], right[p])``."""
    width = sigs.shape[1]
    for p in range(left.shape[0]):
        a = left[p]
        b = right[p]
        c = 0
        for k in range(width):
            if sigs[a, k] == sigs[b, k]:
                c += 1
        out[p] = c


def _bucket_pairs_py(
    packed: np.ndarray,
    bits: int,
    mask: np.uint64,
    max_anchors: int,
    fill: bool,
    left: np.ndarray,
    right: np.ndarray,
) -> int:
    """Pairs within runs of equal keys of sorted ``key << bits | doc`` numbers.

    Reference loop of :func:`bucket_pairs_kernel`, in ``lsh.bucket_pairs``'s order: bucket by
    bucket, each of the first ``max_anchors`` members with every later member. With ``fill``
    false it only counts; with ``fill`` true it writes ``left``/``right``. Returns the count.
    """
    shift = np.uint64(bits)
    n = packed.shape[0]
    cnt = 0
    i = 0
    while i < n:
        key = packed[i] >> shift
        j = i + 1
        while j < n and (packed[j] >> shift) == key:
            j += 1
        size = j - i
        if size > 1:
            na = min(size - 1, max_anchors)
            for a in range(na):
                if fill:
                    doc = np.int64(packed[i + a] & mask)
                    for m in range(a + 1, size):
                        left[cnt] = doc
                        right[cnt] = np.int64(packed[i + m] & mask)
                        cnt += 1
                else:
                    cnt += size - 1 - a
        i = j
    return cnt


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
    utf8_words_kernel = numba.njit(cache=True, nogil=True, boundscheck=False)(_utf8_words_py)
    bucket_pairs_kernel = numba.njit(cache=True, nogil=True, boundscheck=False)(_bucket_pairs_py)
    band_keys_kernel = numba.njit(cache=True, nogil=True, boundscheck=False)(_band_keys_py)
    match_counts_kernel = numba.njit(cache=True, nogil=True, boundscheck=False)(_match_counts_py)
else:  # pragma: no cover
    ascii_words_kernel = None
    merge_kernel = None
    utf8_words_kernel = None
    bucket_pairs_kernel = None
    band_keys_kernel = None
    match_counts_kernel = None


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
        BYTE_CLASS,
        BYTE_LOWER,
    )
    merge_kernel(
        np.array([True, False]),
        np.zeros(1, np.uint64),
        np.array([1, 0], np.int64),
        np.zeros(1, np.uint64),
        np.array([1], np.int64),
        np.empty(2, np.uint64),
    )
    utf8_words_kernel(
        np.frombuffer("a\u00e9 b".encode(), np.uint8),
        np.array([0, 5], np.int64),
        np.zeros(1, np.bool_),
        np.empty(5, np.uint8),
        np.empty(4, np.int64),
        np.empty(1, np.int64),
        np.zeros(0x10000, np.uint8),
    )
    for fill in (False, True):
        bucket_pairs_kernel(
            np.array([2, 3], np.uint64),
            1,
            np.uint64(1),
            32,
            fill,
            np.empty(1, np.int64),
            np.empty(1, np.int64),
        )
    band_keys_kernel(
        np.zeros((1, 3), np.uint32),
        np.ones(1, np.uint64),
        2,
        np.empty((1, 1), np.uint64),
        np.empty(1, np.uint64),
    )
    match_counts_kernel(
        np.zeros((2, 2), np.uint32),
        np.zeros(1, np.int64),
        np.ones(1, np.int64),
        np.empty(1, np.int64),
    )
    return time.perf_counter() - t0

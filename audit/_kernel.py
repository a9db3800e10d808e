"""Optional compiled kernel (numba) for the byte path of the audit tokeniser.

:func:`block_token_hashes` does in one pass over a translated byte block what the NumPy code of
:func:`audit.index._byte_token_hashes` does in several: find token runs (maximal runs of non-zero
bytes) and hash each token. The hash is *bit for bit* the NumPy one (tested with Hypothesis on
random bytes, including long tokens), so whether numba is installed never changes a result, only
the speed. Without numba (or with ``CLEANROOM_NO_NUMBA=1``) ``KERNEL`` is None and the NumPy
path runs. :mod:`audit.index` imports this module on first use (numba's import takes ~1 s).

The first call compiles the kernel (~1-4 s), cached on disk by numba (``cache=True``, in
``audit/__pycache__``); later processes load it from the cache (~1 s including numba's start).
"""

from __future__ import annotations

import os

import numpy as np

KERNEL = None
WINDOW_KERNEL = None
UTF8_KERNEL = None


if not os.environ.get("CLEANROOM_NO_NUMBA"):
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency, the fallback is tested
        numba = None
    if numba is not None:
        _M1 = np.uint64(0xBF58476D1CE4E5B9)
        _M2 = np.uint64(0x94D049BB133111EB)
        _S8 = np.uint64(0x9FB21C651E98DF25)
        _S16 = np.uint64(0xC2B2AE3D27D4EB4F)
        _S24 = np.uint64(0x165667B19E3779F9)
        _LEN = np.uint64(0x2545F4914F6CDD1D)
        _SEED = np.uint64(0x5EED)
        _P = np.uint64(0x9E3779B97F4A7C15)

        @numba.njit(cache=True, nogil=True, inline="always")
        def _mix(x):
            x ^= x >> np.uint64(30)
            x *= _M1
            x ^= x >> np.uint64(27)
            x *= _M2
            x ^= x >> np.uint64(31)
            return x

        from numba.cpython.unsafe.numbers import trailing_zeros

        _LO = np.uint64(0x0101010101010101)
        _HI = np.uint64(0x8080808080808080)
        _7F = np.uint64(0x7F7F7F7F7F7F7F7F)
        _MASK = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], dtype=np.uint64)

        @numba.njit(cache=True, nogil=True, inline="always")
        def _low_byte(m):
            """Index of the lowest non-zero byte of a non-zero ``m`` (lowest set bit // 8)."""
            return np.int64(trailing_zeros(m)) >> 3

        @numba.njit(cache=True, nogil=True)
        def _block_token_hashes(buf, u64):
            """Token start offsets and hashes of the non-zero runs of ``buf`` (uint8, ending
            with at least 8 zero bytes); ``u64[i]`` is the little-endian word at ``buf[i:]``.

            Same values as ``_byte_token_hashes(buf, starts, ends)`` on NumPy's runs. Runs are
            found eight bytes at a time with bit tricks: the lowest zero byte of the word at a
            token's start ends the token (short tokens), and the word's non-zero bytes after it
            give the next token's start without another read (single separators).
            """
            n = len(buf)
            starts = np.empty(n // 2 + 1, np.int64)
            out = np.empty(n // 2 + 1, np.uint64)
            k = 0
            i = 0
            while i + 8 <= n:
                v = u64[i]
                if v == 0:  # eight separator bytes
                    i += 8
                    continue
                s = i + _low_byte(v)  # first token byte
                while True:
                    head = u64[s]
                    zero = (head - _LO) & ~head & _HI  # lowest set bit: the first zero byte
                    if zero != 0:
                        length = _low_byte(zero)
                    else:  # a token of 8 bytes or more: walk to its end
                        e = s + 8
                        while buf[e] != 0:
                            e += 1
                        length = e - s
                    h = head & _MASK[min(length, 8)]
                    if length > 8:
                        h = _mix(h + _S8) ^ u64[s + length - 8]
                        if length > 16:
                            h = _mix(h + _S16) ^ u64[s + 8]
                            if length > 24:
                                poly = np.uint64(0)
                                pw = np.uint64(1)
                                for j in range(s, s + length):
                                    poly += np.uint64(buf[j]) * pw
                                    pw *= _P
                                h = _mix(h + _S24) ^ poly
                    h += np.uint64(length) * _LEN + _SEED
                    starts[k] = s
                    out[k] = _mix(h)
                    k += 1
                    if length >= 7:
                        i = s + length
                        break
                    # non-zero bytes of ``head`` past the token's end: the next token's start
                    nonzero = (((head & _7F) + _7F) | head) & _HI & ~_MASK[length + 1]
                    if nonzero == 0:
                        i = s + 8
                        break
                    s += _low_byte(nonzero)
            return starts[:k], out[:k]

        def block_token_hashes(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """See :func:`_block_token_hashes`; ``buf`` must end with at least 8 zero bytes."""
            if len(buf) < 8 or buf[-8:].any():
                raise ValueError("the block must end with 8 zero bytes")
            u64 = np.ndarray(
                shape=(len(buf) - 7,), dtype="<u8", buffer=buf.data, offset=0, strides=(1,)
            )
            return _block_token_hashes(buf, u64)

        KERNEL = block_token_hashes

        @numba.njit(cache=True, nogil=True, inline="always")
        def _in_sorted(vals, lo, hi, x):
            """True when ``x`` is in the sorted slice ``vals[lo:hi]`` (binary search)."""
            while lo < hi:
                mid = (lo + hi) >> 1
                v = vals[mid]
                if v < x:
                    lo = mid + 1
                elif v > x:
                    hi = mid
                else:
                    return True
            return False

        @numba.njit(cache=True, nogil=True, inline="always")
        def _bit(bits, off, shift, x):
            """Bit ``x >> shift`` of the packed table starting at word ``off``."""
            b = x >> shift
            return (bits[off + np.int64(b >> np.uint64(6))] >> (b & np.uint64(63))) & np.uint64(1)

        @numba.njit(cache=True, nogil=True)
        def _direct_hits(h, pw, p_inv, L, bits, off, shift, exact, lo, hi, out):
            """Positions of the windows of ``L`` tokens whose hash is in ``exact[lo:hi]``: the
            window hash is rolled along ``h``, checked in its bit table, then exactly."""
            n = len(h)
            k = 0
            if n < L:
                return k
            top = pw[L - 1]
            w = np.uint64(0)
            for j in range(L):
                w += h[j] * pw[j]
            last = n - L
            for i in range(last + 1):
                if _bit(bits, off, shift, w) != 0 and _in_sorted(exact, lo, hi, w):
                    out[k] = i
                    k += 1
                if i < last:
                    w = (w - h[i]) * p_inv + h[i + L] * top
            return k

        @numba.njit(cache=True, nogil=True)
        def _head_hits(h, pw, p_inv, m, bits, shift, out):
            """Positions whose window of ``m`` tokens has its bit set in ``bits``."""
            n = len(h)
            k = 0
            if m > n:
                return k
            top = pw[m - 1]
            w = np.uint64(0)
            for j in range(m):
                w += h[j] * pw[j]
            last = n - m
            for i in range(last + 1):
                if _bit(bits, 0, shift, w) != 0:
                    out[k] = i
                    k += 1
                if i < last:
                    w = (w - h[i]) * p_inv + h[i + m] * top
            return k

        @numba.njit(cache=True, nogil=True)
        def _window_hits(h, pw, p_inv, lengths, exact, exact_off, direct, bits, bits_off, shifts,
                         head_m, head_bits, head_shift, grouped):  # fmt: skip
            """Every window of ``h`` whose hash is in ``exact`` (sorted hashes per length).

            A window of ``L`` tokens at ``i`` hashes to ``sum_j h[i+j] * pw[j]`` (mod 2**64),
            the value of :meth:`audit.index.Tokenised.all_windows`. Lengths ``lengths[direct[k]]``
            are rolled along ``h`` and checked in their packed bit table (top bits of the hash),
            then exactly; the ``grouped`` lengths (few hashes each) are only computed where the
            window of ``head_m`` tokens (their shortest) is in ``head_bits``. Returns positions,
            length indexes and hashes of the hits, grouped by length, in position order.
            """
            n = len(h)
            buf = np.empty(n + 1, np.int64)
            pos_parts = []
            li_parts = []
            for d in range(len(direct)):
                li = direct[d]
                L = lengths[li]
                k = _direct_hits(h, pw, p_inv, L, bits, bits_off[d], shifts[d], exact,
                                 exact_off[li], exact_off[li + 1], buf)  # fmt: skip
                pos_parts.append(buf[:k].copy())
                li_parts.append(np.full(k, li, np.int64))
            if head_m > 0 and len(grouped):
                k = _head_hits(h, pw, p_inv, head_m, head_bits, head_shift, buf)
                cand = buf[:k].copy()
                for g in range(len(grouped)):
                    li = grouped[g]
                    L = lengths[li]
                    got = np.empty(len(cand), np.int64)
                    c = 0
                    for t in range(len(cand)):
                        i = cand[t]
                        if i + L > n:
                            continue
                        w = np.uint64(0)
                        for j in range(L):
                            w += h[i + j] * pw[j]
                        if _in_sorted(exact, exact_off[li], exact_off[li + 1], w):
                            got[c] = i
                            c += 1
                    pos_parts.append(got[:c])
                    li_parts.append(np.full(c, li, np.int64))
            total = 0
            for p in pos_parts:
                total += len(p)
            out_pos = np.empty(total, np.int64)
            out_li = np.empty(total, np.int64)
            out_h = np.empty(total, np.uint64)
            k = 0
            for q in range(len(pos_parts)):
                L = lengths[li_parts[q][0]] if len(li_parts[q]) else 0
                for t in range(len(pos_parts[q])):
                    i = pos_parts[q][t]
                    w = np.uint64(0)
                    for j in range(L):
                        w += h[i + j] * pw[j]
                    out_pos[k] = i
                    out_li[k] = li_parts[q][t]
                    out_h[k] = w
                    k += 1
            return out_pos, out_li, out_h

        WINDOW_KERNEL = _window_hits

        @numba.njit(cache=True, nogil=True, inline="always")
        def _word(buf, s):
            """Little-endian uint64 of ``buf[s:s+8]``."""
            x = np.uint64(0)
            for j in range(8):
                x |= np.uint64(buf[s + j]) << np.uint64(8 * j)
            return x

        @numba.njit(cache=True, nogil=True)
        def _token_hash(buf, length):
            """The hash of the token ``buf[:length]`` (``buf`` has 8 spare bytes after it): the
            same value as :func:`audit.index._byte_token_hashes` for these bytes."""
            h = _word(buf, 0) & _MASK[min(length, 8)]
            if length > 8:
                h = _mix(h + _S8) ^ _word(buf, length - 8)
                if length > 16:
                    h = _mix(h + _S16) ^ _word(buf, 8)
                    if length > 24:
                        poly = np.uint64(0)
                        pw = np.uint64(1)
                        for j in range(length):
                            poly += np.uint64(buf[j]) * pw
                            pw *= _P
                        h = _mix(h + _S24) ^ poly
            h += np.uint64(length) * _LEN + _SEED
            return _mix(h)

        @numba.njit(cache=True, nogil=True, inline="always")
        def _put(scratch, tl, cp):
            """Write the UTF-8 bytes of code point ``cp`` at ``scratch[tl:]`` (room checked by
            the caller); returns the new length."""
            if cp < 0x80:
                scratch[tl] = cp
                return tl + 1
            if cp < 0x800:
                scratch[tl] = 0xC0 | (cp >> 6)
                scratch[tl + 1] = 0x80 | (cp & 0x3F)
                return tl + 2
            if cp < 0x10000:
                scratch[tl] = 0xE0 | (cp >> 12)
                scratch[tl + 1] = 0x80 | ((cp >> 6) & 0x3F)
                scratch[tl + 2] = 0x80 | (cp & 0x3F)
                return tl + 3
            scratch[tl] = 0xF0 | (cp >> 18)
            scratch[tl + 1] = 0x80 | ((cp >> 12) & 0x3F)
            scratch[tl + 2] = 0x80 | ((cp >> 6) & 0x3F)
            scratch[tl + 3] = 0x80 | (cp & 0x3F)
            return tl + 4

        @numba.njit(cache=True, nogil=True)
        def _utf8_tokens(data, offsets, ascii_cls, ascii_low, cls, one, multi_keys, multi_off,
                         multi_chars, multi_cls):  # fmt: skip
            """Token hashes of every text ``data[offsets[t]:offsets[t+1]]`` (UTF-8), tokenised
            as the normaliser does (NFKC, lower case, separators, CJK characters one by one),
            from per-code-point tables (:func:`audit.normalise.codepoint_tables`).

            Class 0 separates tokens, 1 is a token character, 2 a CJK character (a token of
            its own), 3 a character whose normalisation may depend on its neighbours (the text
            is left to the reference path: ``ok[t]`` False, no tokens), 4 a character that
            normalises to several (looked up in ``multi_*``). Returns hashes, tokens per text
            and ``ok``. ASCII bytes take a short loop of their own. A text with a token over
            ~64 KB also goes to the reference path (``ok`` False).
            """
            nt = len(offsets) - 1
            out = np.empty((offsets[nt] - offsets[0]) // 2 + 64, np.uint64)
            lens = np.zeros(nt, np.int64)
            ok = np.ones(nt, np.bool_)
            # the token being built; a character adds at most 72 bytes (NFKC of one character:
            # at most 18 characters of 4 bytes), and 8 spare bytes follow the token
            scratch = np.zeros(1 << 16, np.uint8)
            limit = len(cls)
            k = 0
            for t in range(nt):
                k0 = k
                tl = 0
                i = offsets[t]
                end = offsets[t + 1]
                bad = False
                if k + (end - i) * 18 + 32 > len(out):  # room for every token of this text
                    more = np.empty(2 * len(out) + (end - i) * 18 + 32, np.uint64)
                    more[:k] = out[:k]
                    out = more
                head = np.uint64(0)  # the first 8 bytes of an all-ASCII token, kept as read
                plain = True  # the token is all ASCII so far (``head`` is valid)
                while i < end:
                    if tl + 96 > len(scratch):  # a token over ~64 KB: the reference path
                        bad = True
                        break
                    b = data[i]
                    if b < 0x80:
                        i += 1
                        if ascii_cls[b] != 0:
                            low = ascii_low[b]
                            scratch[tl] = low
                            if tl < 8:
                                head |= np.uint64(low) << np.uint64(8 * tl)
                            tl += 1
                        elif tl > 0:
                            if plain and tl <= 8:  # short ASCII token: hash from ``head``
                                out[k] = _mix(head + np.uint64(tl) * _LEN + _SEED)
                            else:
                                out[k] = _token_hash(scratch, tl)
                            k += 1
                            tl = 0
                            head = np.uint64(0)
                            plain = True
                        continue
                    if b < 0xE0:
                        cp = ((np.int64(b) & 0x1F) << 6) | (np.int64(data[i + 1]) & 0x3F)
                        i += 2
                    elif b < 0xF0:
                        cp = ((np.int64(b) & 0x0F) << 12) | ((np.int64(data[i + 1]) & 0x3F) << 6)
                        cp |= np.int64(data[i + 2]) & 0x3F
                        i += 3
                    else:
                        cp = ((np.int64(b) & 0x07) << 18) | ((np.int64(data[i + 1]) & 0x3F) << 12)
                        cp |= ((np.int64(data[i + 2]) & 0x3F) << 6) | (np.int64(data[i + 3]) & 0x3F)
                        i += 4
                    if cp >= limit or cls[cp] == 3:
                        bad = True
                        break
                    c = cls[cp]
                    if c == 1:
                        tl = _put(scratch, tl, np.int64(one[cp]))
                        plain = False
                        continue
                    if c != 4:
                        if tl > 0:
                            out[k] = _token_hash(scratch, tl)
                            k += 1
                            tl = 0
                            head = np.uint64(0)
                            plain = True
                        if c == 2:
                            tl = _put(scratch, 0, np.int64(one[cp]))
                            out[k] = _token_hash(scratch, tl)
                            k += 1
                            tl = 0
                        continue
                    lo = 0
                    hi = len(multi_keys)
                    while lo < hi:
                        mid = (lo + hi) >> 1
                        if multi_keys[mid] < cp:
                            lo = mid + 1
                        else:
                            hi = mid
                    for q in range(multi_off[lo], multi_off[lo + 1]):
                        cc = multi_cls[q]
                        if cc == 1:
                            tl = _put(scratch, tl, multi_chars[q])
                            plain = False
                            continue
                        if tl > 0:
                            out[k] = _token_hash(scratch, tl)
                            k += 1
                            tl = 0
                            head = np.uint64(0)
                            plain = True
                        if cc == 2:
                            tl = _put(scratch, 0, multi_chars[q])
                            out[k] = _token_hash(scratch, tl)
                            k += 1
                            tl = 0
                if bad:
                    k = k0
                    ok[t] = False
                    continue
                if tl > 0:
                    out[k] = _token_hash(scratch, tl)
                    k += 1
                lens[t] = k - k0
            return out[:k], lens, ok

        UTF8_KERNEL = _utf8_tokens

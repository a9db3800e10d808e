"""Optional compiled kernel (numba) for the byte path of the audit tokeniser.

:func:`block_token_hashes` does in one pass over a translated byte block what the NumPy code of
:func:`audit.index._byte_token_hashes` does in several: find token runs (maximal runs of non-zero
bytes) and hash each token. The hash is *bit for bit* the NumPy one (tested with Hypothesis on
random bytes, including long tokens), so whether numba is installed never changes a result, only
the speed. Without numba (or with ``CLEANROOM_NO_NUMBA=1``) ``KERNEL`` is None and the NumPy
path runs. :mod:`audit.index` imports this module on first use (numba's import takes ~1 s).

The first call compiles the kernel (~1-4 s), cached on disk by numba (``cache=True``, in
``audit/__pycache__``); later processes load it from the cache (~0.55 s of CPU including
numba's start). ``make install`` also compiles the four entry points ahead of time
(:mod:`audit.compiled`): the audit then loads them without importing numba, and this module is
only imported for a call whose arguments do not match the compiled types, or with
``CLEANROOM_NO_AOT=1``.

Also here: ``UTF8_KERNEL`` (texts to token hashes through per-code-point tables),
``WINDOW_KERNEL`` (the window lookup) and ``JSONL_KERNEL`` (JSONL lines straight to token
hashes for :mod:`audit.jsonl_tokens`; compiling it takes ~60 s once).
"""

from __future__ import annotations

import os

import numpy as np

from audit.compiled import byte_kernel
from curate.core.jit import numba_or_none

KERNEL = None
WINDOW_KERNEL = None
UTF8_KERNEL = None
JSONL_KERNEL = None


if not os.environ.get("CLEANROOM_NO_NUMBA"):
    numba = numba_or_none()  # without scipy.linalg (see curate.core.jit)
    if numba is not None:
        _M1 = np.uint64(0xBF58476D1CE4E5B9)
        _M2 = np.uint64(0x94D049BB133111EB)
        _S8 = np.uint64(0x9FB21C651E98DF25)
        _S16 = np.uint64(0xC2B2AE3D27D4EB4F)
        _S24 = np.uint64(0x165667B19E3779F9)
        _LEN = np.uint64(0x2545F4914F6CDD1D)
        _SEED = np.uint64(0x5EED)
        # Functions that take arrays, allocate nothing and run inside a loop of a function
        # that allocates: compiled without numba's reference counting (``_nrt=False``). A
        # helper inlined by numba (``inline="always"``) into a function with reference
        # counting, or called from it, increfs and decrefs each array argument on every call
        # (atomic operations, ~100 ns a call with a dozen arrays): Cyrillic JSONL text ran at
        # 15 MB/s against 272 for ASCII (now 131 and 382). Small helpers stay
        # ``inline="always"``; they are inlined into these functions, where nothing is counted.
        _LEAF = {"cache": True, "nogil": True, "_nrt": False}
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

        KERNEL = byte_kernel(_block_token_hashes)

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

        @numba.njit(**_LEAF)
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

        @numba.njit(**_LEAF)
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

        @numba.njit(**_LEAF)
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

        @numba.njit(cache=True, nogil=True, inline="always")
        def _utf8_at(data, i, b):
            """The code point whose UTF-8 lead byte ``b >= 0x80`` is ``data[i]``, and the index
            after it; -1 for a sequence :func:`json.loads` does not read as text (a stray
            continuation byte, an overlong form, a surrogate, a bad continuation, over
            U+10FFFF). ``data`` has 3 readable bytes after ``i``."""
            b1 = np.int64(data[i + 1])
            if b < 0xE0:
                if b < 0xC2 or (b1 & 0xC0) != 0x80:
                    return -1, i
                return ((np.int64(b) & 0x1F) << 6) | (b1 & 0x3F), i + 2
            b2 = np.int64(data[i + 2])
            if b < 0xF0:
                if (b1 & 0xC0) != 0x80 or (b2 & 0xC0) != 0x80:
                    return -1, i
                if (b == 0xE0 and b1 < 0xA0) or (b == 0xED and b1 >= 0xA0):
                    return -1, i
                return ((np.int64(b) & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F), i + 3
            b3 = np.int64(data[i + 3])
            if b >= 0xF5 or (b1 & 0xC0) != 0x80 or (b2 & 0xC0) != 0x80 or (b3 & 0xC0) != 0x80:
                return -1, i
            if (b == 0xF0 and b1 < 0x90) or (b == 0xF4 and b1 >= 0x90):
                return -1, i
            cp = ((np.int64(b) & 0x07) << 18) | ((b1 & 0x3F) << 12)
            return cp | ((b2 & 0x3F) << 6) | (b3 & 0x3F), i + 4

        @numba.njit(cache=True, nogil=True, inline="always")
        def _end_token(out, k, scratch, tl, head, plain):
            """Write the hash of the token ``scratch[:tl]`` at ``out[k]`` (a short all-ASCII
            token from its first bytes ``head``); returns ``k + 1``."""
            if plain and tl <= 8:
                out[k] = _mix(head + np.uint64(tl) * _LEN + _SEED)
            else:
                out[k] = _token_hash(scratch, tl)
            return k + 1

        @numba.njit(cache=True, nogil=True, inline="always")
        def _feed(cc, ch, scratch, tl, head, plain, out, k):
            """One normalised character ``ch`` of class ``cc`` (1 a token character, 2 a CJK
            character, 0 a separator) given to the token being built: appended, or ending it
            (its hash to ``out[k]``), a CJK character a token of its own. Returns ``(tl, head,
            plain, k)``."""
            if cc == 1:
                return _put(scratch, tl, ch), head, False, k
            if tl > 0:
                out[k] = _token_hash(scratch, tl)
                k += 1
                tl = 0
                head = np.uint64(0)
                plain = True
            if cc == 2:
                tl = _put(scratch, 0, ch)
                out[k] = _token_hash(scratch, tl)
                k += 1
                tl = 0
            return tl, head, plain, k

        @numba.njit(cache=True, nogil=True, inline="always")
        def _code_point(cp, scratch, tl, head, plain, out, k, cls, one, multi_keys, multi_off,
                        multi_chars, multi_cls):  # fmt: skip
            """One non-ASCII code point ``cp`` of a text, for :func:`_utf8_tokens` and
            :func:`_jsonl_tokens` alike: appended to the token being built (``scratch[:tl]``),
            or ending it (its hash goes to ``out[k]``), a CJK character a token of its own, a
            character that normalises to several fed one by one (classes as in
            :func:`_utf8_tokens`). Returns ``(tl, head, plain, k, good)``; ``good`` is False for
            a character the kernels leave to the reference path (class 3, or outside the
            tables), with nothing written.
            """
            if cp >= len(cls) or cls[cp] == 3:
                return tl, head, plain, k, False
            c = cls[cp]
            if c != 4:
                tl, head, plain, k = _feed(c, np.int64(one[cp]), scratch, tl, head, plain, out, k)
                return tl, head, plain, k, True
            lo = 0
            hi = len(multi_keys)
            while lo < hi:
                mid = (lo + hi) >> 1
                if multi_keys[mid] < cp:
                    lo = mid + 1
                else:
                    hi = mid
            for q in range(multi_off[lo], multi_off[lo + 1]):
                tl, head, plain, k = _feed(
                    multi_cls[q], multi_chars[q], scratch, tl, head, plain, out, k
                )
            return tl, head, plain, k, True

        @numba.njit(cache=True, nogil=True)
        def _utf8_tokens(data, u64, offsets, ascii_cls, ascii_low, cls, one, multi_keys,
                         multi_off, multi_chars, multi_cls):  # fmt: skip
            """Token hashes of every text ``data[offsets[t]:offsets[t+1]]`` (UTF-8), tokenised
            as the normaliser does (NFKC, lower case, separators, CJK characters one by one),
            from per-code-point tables (:func:`audit.normalise.codepoint_tables`).

            Class 0 separates tokens, 1 is a token character, 2 a CJK character (a token of
            its own), 3 a character whose normalisation may depend on its neighbours (the text
            is left to the reference path: ``ok[t]`` False, no tokens), 4 a character that
            normalises to several (looked up in ``multi_*``). Returns hashes, tokens per text
            and ``ok``. Each text is tokenised by :func:`_field_tokens` (``u64[i]``: the
            little-endian word at ``data[i:]``), the JSON reader's tokeniser: with a class
            table where no byte is an escape it reads raw text. A text with a token over
            ~64 KB also goes to the reference path (``ok`` False).
            """
            nt = len(offsets) - 1
            out = np.empty((offsets[nt] - offsets[0]) // 2 + 64, np.uint64)
            lens = np.zeros(nt, np.int64)
            ok = np.ones(nt, np.bool_)
            # the token being built; a character adds at most 72 bytes (NFKC of one character:
            # at most 18 characters of 4 bytes), and 8 spare bytes follow the token
            scratch = np.zeros(1 << 16, np.uint8)
            k = 0
            for t in range(nt):
                i = offsets[t]
                end = offsets[t + 1]
                if k + (end - i) * 18 + 32 > len(out):  # room for every token of this text
                    out = _grow(out, k, (end - i) * 18 + 32)
                k0 = k
                k, _, state, _ = _field_tokens(
                    data, u64, i, end, out, k, ascii_cls, ascii_low, cls, one, multi_keys,
                    multi_off, multi_chars, multi_cls, scratch,
                )  # fmt: skip
                if state != 1:  # (with this room ``out`` never runs short: state 3 is not seen)
                    k = k0
                    ok[t] = False
                    continue
                lens[t] = k - k0
            return out[:k], lens, ok

        UTF8_KERNEL = _utf8_tokens

        # ---- JSONL lines straight to token hashes (issue 19: the CLI's read + tokenise) ----

        _QQ = np.uint64(0x2222222222222222)
        # x + _GEc has the top bit of a byte set when that byte (under 0x80) is >= c
        _GE30, _GE3A = np.uint64(0x5050505050505050), np.uint64(0x4646464646464646)
        _GE41, _GE5B = np.uint64(0x3F3F3F3F3F3F3F3F), np.uint64(0x2525252525252525)
        _GE61, _GE7B = np.uint64(0x1F1F1F1F1F1F1F1F), np.uint64(0x0505050505050505)
        _BS = np.uint64(0x5C5C5C5C5C5C5C5C)
        _SP = np.uint64(0x2020202020202020)

        @numba.njit(cache=True, nogil=True, inline="always")
        def _ws(data, i):
            """The first index at or after ``i`` that is not a space or a tab."""
            while data[i] == 32 or data[i] == 9:
                i += 1
            return i

        @numba.njit(cache=True, nogil=True, inline="always")
        def _hex4(data, i):
            """The value of 4 hex digits at ``data[i:i+4]``, or -1."""
            v = 0
            for j in range(i, i + 4):
                c = np.int64(data[j])
                if 48 <= c <= 57:
                    v = v * 16 + c - 48
                elif 97 <= c <= 102:
                    v = v * 16 + c - 87
                elif 65 <= c <= 70:
                    v = v * 16 + c - 55
                else:
                    return -1
            return v

        @numba.njit(**_LEAF)
        def _skip_string(data, u64, i, n):
            """Index after the closing quote of the JSON string whose contents start at ``i``,
            or -1 when it is not one :func:`json.loads` reads as Unicode text: a raw control
            character (a line break included), a bad escape, a lone surrogate escape, invalid
            UTF-8. Eight bytes at a time while none is a quote, a backslash, a control
            character or non-ASCII (bit tricks: the lowest flagged byte is exact)."""
            while True:
                if i + 8 <= n:
                    w = u64[i]
                    x = w ^ _QQ
                    y = w ^ _BS
                    m = (((x - _LO) & ~x) | ((y - _LO) & ~y) | ((w - _SP) & ~w) | w) & _HI
                    if m == 0:
                        i += 8
                        continue
                    i += _low_byte(m)
                c = data[i]
                if c == 34:
                    return i + 1
                if c == 92:
                    cp, i = _unescape(data, i)
                elif c < 0x20:
                    return -1
                elif c < 0x80:
                    i += 1
                    continue
                else:
                    cp, i = _utf8_at(data, i, c)
                if cp < 0:
                    return -1

        @numba.njit(**_LEAF)
        def _skip_number(data, i):
            """Index after the JSON number at ``i`` (the grammar of ``json.loads``: no NaN, no
            Infinity, no leading zeros), or -1; numbers over 1000 characters give -1 too."""
            st = i
            if data[i] == 45:
                i += 1
            if data[i] == 48:
                i += 1
            elif 49 <= data[i] <= 57:
                while 48 <= data[i] <= 57:
                    i += 1
            else:
                return -1
            if data[i] == 46:
                i += 1
                if not 48 <= data[i] <= 57:
                    return -1
                while 48 <= data[i] <= 57:
                    i += 1
            if data[i] == 101 or data[i] == 69:
                i += 1
                if data[i] == 43 or data[i] == 45:
                    i += 1
                if not 48 <= data[i] <= 57:
                    return -1
                while 48 <= data[i] <= 57:
                    i += 1
            return i if i - st <= 1000 else -1

        @numba.njit(cache=True, nogil=True, inline="always")
        def _key_colon(data, u64, i, n):
            """Index after the ``:`` of the object key whose opening quote should be at
            ``data[i]`` (white space allowed before the colon), or -1."""
            if data[i] != 34:
                return -1
            i = _skip_string(data, u64, i + 1, n)
            if i < 0:
                return -1
            i = _ws(data, i)
            if data[i] != 58:
                return -1
            return i + 1

        @numba.njit(**_LEAF)
        def _skip_value(data, u64, i, n, stack):
            """Index after the JSON value at ``i`` (any nesting up to ``len(stack)`` levels,
            validated as :func:`json.loads` would), or -1."""
            depth = 0
            while True:
                i = _ws(data, i)
                c = data[i]
                if c == 34:
                    i = _skip_string(data, u64, i + 1, n)
                    if i < 0:
                        return -1
                elif c == 123 or c == 91:
                    i = _ws(data, i + 1)
                    if (c == 123 and data[i] == 125) or (c == 91 and data[i] == 93):
                        i += 1
                    else:
                        if depth == len(stack):
                            return -1
                        stack[depth] = c
                        depth += 1
                        if c == 123:  # the first key of an object
                            i = _key_colon(data, u64, i, n)
                            if i < 0:
                                return -1
                        continue
                elif c == 116:
                    if data[i + 1] != 114 or data[i + 2] != 117 or data[i + 3] != 101:
                        return -1
                    i += 4
                elif c == 102:
                    if data[i + 1] != 97 or data[i + 2] != 108 or data[i + 3] != 115:
                        return -1
                    if data[i + 4] != 101:
                        return -1
                    i += 5
                elif c == 110:
                    if data[i + 1] != 117 or data[i + 2] != 108 or data[i + 3] != 108:
                        return -1
                    i += 4
                elif c == 45 or 48 <= c <= 57:
                    i = _skip_number(data, i)
                    if i < 0:
                        return -1
                else:
                    return -1
                # after a value: close containers, or go on to the next element
                while True:
                    if depth == 0:
                        return i
                    i = _ws(data, i)
                    c = data[i]
                    obj = stack[depth - 1] == 123
                    if c == (125 if obj else 93):  # the container closes
                        depth -= 1
                        i += 1
                        continue
                    if c != 44:
                        return -1
                    if obj:  # the next key
                        i = _key_colon(data, u64, _ws(data, i + 1), n)
                        if i < 0:
                            return -1
                    else:
                        i += 1
                    break

        @numba.njit(**_LEAF)
        def _scan_line(data, u64, i, n, kb, koff, kind, fs, fe, ftok, fnb, stack, out, k, acls,
                       ascii_low, cls, one, multi_keys, multi_off, multi_chars, multi_cls,
                       scratch):  # fmt: skip
            """Check the line at ``i`` as one JSON object, find the wanted keys' values and
            tokenise the string ones as they are read (:func:`_field_tokens`: one pass over
            each value, which finds its end and checks it too).

            Tokens go to ``out`` from ``k`` while the wanted keys come in their order (in
            any other order only their places are noted: ``reorder``). Returns ``(status,
            end, k, reorder)``: status 0 (an object; ``kind[j]`` of wanted key ``j``: 0
            absent, 1 a string whose contents are ``data[fs[j]:fe[j]]``, with ``ftok[j]``
            tokens and ``fnb[j]`` decoded bytes when not ``reorder``, 2 null, 3 another
            value), 1 (anything else, or a character the reference decides: the line goes to
            the reference reader), 2 (a blank line), 3 (``out`` is nearly full: grow it and
            read the line again); ``end`` is the index of the line's ``\\n`` (or ``n``) for
            status 0 and 2, -1 otherwise. Only spaces and tabs are taken as white space (and
            one CR before the line break); a key with an escape or a wanted key seen twice
            also give status 1.
            """
            nk = len(koff) - 1
            for j in range(nk):
                kind[j] = 0
            last = -1  # the last wanted key tokenised
            reorder = False
            i = _ws(data, i)
            if data[i] == 13:
                i = _ws(data, i + 1)
            if i >= n or data[i] == 10:
                return 2, i, k, reorder
            if data[i] != 123:
                return 1, -1, k, reorder
            i = _ws(data, i + 1)
            if data[i] != 125:
                while True:
                    if data[i] != 34:
                        return 1, -1, k, reorder
                    ks = i + 1
                    i = _skip_string(data, u64, ks, n)
                    if i < 0:
                        return 1, -1, k, reorder
                    ke = i - 1
                    which = -1
                    for j in range(nk):
                        if koff[j + 1] - koff[j] == ke - ks:
                            same = True
                            for t in range(ke - ks):
                                if data[ks + t] != kb[koff[j] + t]:
                                    same = False
                                    break
                            if same:
                                which = j
                    for t in range(ks, ke):
                        if data[t] == 92:
                            return 1, -1, k, reorder
                    i = _ws(data, i)
                    if data[i] != 58:
                        return 1, -1, k, reorder
                    i = _ws(data, i + 1)
                    if which >= 0:
                        if kind[which] != 0:
                            return 1, -1, k, reorder
                        c = data[i]
                        if c == 34 and which > last:  # in order: its tokens now
                            fs[which] = i + 1
                            k0 = k
                            k, nb, state, q = _field_tokens_inline(
                                data, u64, i + 1, n, out, k, acls, ascii_low, cls, one,
                                multi_keys, multi_off, multi_chars, multi_cls, scratch,
                            )  # fmt: skip
                            if state != 1 or q >= n:  # (no closing quote: not a string)
                                return (3 if state == 3 else 1), -1, k, reorder
                            fe[which] = q
                            ftok[which] = k - k0
                            fnb[which] = nb
                            last = which
                            i = q + 1
                            kind[which] = 1
                        elif c == 34:
                            reorder = True
                            fs[which] = i + 1
                            i = _skip_string(data, u64, i + 1, n)
                            if i < 0:
                                return 1, -1, k, reorder
                            fe[which] = i - 1
                            kind[which] = 1
                        else:
                            st = i
                            i = _skip_value(data, u64, i, n, stack)
                            if i < 0:
                                return 1, -1, k, reorder
                            null = i - st == 4 and c == 110
                            kind[which] = 2 if null else 3
                    else:
                        i = _skip_value(data, u64, i, n, stack)
                        if i < 0:
                            return 1, -1, k, reorder
                    i = _ws(data, i)
                    if data[i] == 44:
                        i = _ws(data, i + 1)
                        continue
                    if data[i] == 125:
                        break
                    return 1, -1, k, reorder
            i = _ws(data, i + 1)
            if data[i] == 13:
                i += 1
            if i < n and data[i] != 10:
                return 1, -1, k, reorder
            return 0, i, k, reorder

        @numba.njit(cache=True, nogil=True, inline="always")
        def _unescape(data, i):
            """``(code point, next index)`` of the JSON escape at ``data[i]`` (a backslash), or
            ``(-1, i)`` for one :func:`json.loads` does not read as text: an unknown escape,
            bad hex digits, a lone surrogate. ``data`` has 11 readable bytes after ``i``."""
            d = data[i + 1]
            if d == 117:
                h = _hex4(data, i + 2)
                if h < 0 or 0xDC00 <= h < 0xE000:
                    return -1, i
                if 0xD800 <= h < 0xDC00:
                    if data[i + 6] != 92 or data[i + 7] != 117:
                        return -1, i
                    lo = _hex4(data, i + 8)
                    if lo < 0xDC00 or lo >= 0xE000:
                        return -1, i
                    return 0x10000 + ((h - 0xD800) << 10) + (lo - 0xDC00), i + 12
                return h, i + 6
            if d == 110:
                return 10, i + 2
            if d == 116:
                return 9, i + 2
            if d == 114:
                return 13, i + 2
            if d == 98:
                return 8, i + 2
            if d == 102:
                return 12, i + 2
            if d == 34 or d == 92 or d == 47:
                return np.int64(d), i + 2
            return -1, i

        @numba.njit(cache=True, nogil=True, inline="always")
        def _utf8_len(cp):
            return 1 if cp < 0x80 else (2 if cp < 0x800 else (3 if cp < 0x10000 else 4))

        @numba.njit(**_LEAF)
        def _is_blank(data, i, end, space):
            """True when the JSON string contents ``data[i:end]`` are only white space in the
            sense of :meth:`str.strip` (``space``: a table of :meth:`str.isspace` per code
            point, True only below its length)."""
            while i < end:
                b = data[i]
                if b == 92:
                    cp, i = _unescape(data, i)
                elif b < 0x80:
                    cp = np.int64(b)
                    i += 1
                else:
                    cp, i = _utf8_at(data, i, b)
                if cp >= len(space) or not space[cp]:
                    return False
            return True

        @numba.njit(cache=True, nogil=True)
        def _grow(out, k, need):
            """``out`` with room for ``need`` more values after ``k`` (a new array, or ``out``)."""
            if k + need <= len(out):
                return out
            more = np.empty(max(2 * len(out), k + need) + 1024, np.uint64)
            more[:k] = out[:k]
            return more

        @numba.njit(**_LEAF)
        def _field_tokens(data, u64, i, end, out, k, acls, ascii_low, cls, one, multi_keys,
                          multi_off, multi_chars, multi_cls, scratch):  # fmt: skip
            """Token hashes of the JSON string contents from ``data[i]`` (escapes decoded on
            the fly) appended at ``out[k:]``, as the normaliser tokenises the decoded text.

            ``acls`` is the ASCII class table of :func:`audit.jsonl_tokens._tables`: the
            backslash is class 2 (an escape), and a raw quote or control byte has bit 8 set
            (the low bits keep its class for an escape that decodes to it). The contents end
            at the closing quote, or at ``end`` if that comes first, and are checked as
            :func:`json.loads` reads them (a raw control byte, a bad escape, invalid UTF-8:
            state 2). With the plain table (no class 2, no bit 8) the bytes ``data[i:end]``
            are read as raw UTF-8 text, which is how :func:`_utf8_tokens` uses it.

            Returns ``(k, decoded UTF-8 bytes, state, index)``: state 1 done (``index``: the
            closing quote, or ``end``), 0 a character whose normalisation depends on its
            neighbours or a token over ~64 KB (the reference path decides), 2 not a string
            :func:`json.loads` reads, 3 ``out`` is nearly full (the caller grows it and starts
            again). The room is checked before each character, which gives at most 19 tokens
            (an array assigned inside the loop, or returned, makes the loop 3x slower).
            """
            start = i
            shrink = 0  # escapes: bytes of the escape over bytes of its character
            room = len(out) - 20
            tl = 0
            head = np.uint64(0)
            plain = True
            while i < end:
                if tl + 96 > len(scratch):
                    return k, 0, 0, i
                if k > room:
                    return k, 0, 3, i
                b = data[i]
                if b < 0x80:
                    c = acls[b]
                    if c == 1 and tl == 0 and i + 8 <= end:
                        # a short word and the separator after it in one step: the run of
                        # letters and digits from ``i`` found with bit tricks on 8 bytes (no
                        # carry between bytes: each is under 0x80); when a plain separator
                        # ends it, the token is hashed from the word itself (the same value
                        # as the byte loop's ``head``), else the byte loop takes over
                        w = u64[i]
                        x = w & _7F
                        upper = ((x + _GE41) & ~(x + _GE5B)) & _HI
                        alnum = ((x + _GE30) & ~(x + _GE3A)) | upper | ((x + _GE61) & ~(x + _GE7B))
                        stop = ~(alnum & ~w) & _HI  # a byte that is not ASCII stops too
                        if stop != 0:
                            m = _low_byte(stop)
                            sb = data[i + m]
                            if m > 0 and sb < 0x80 and acls[sb] == 0:
                                low8 = (w | (upper >> np.uint64(2))) & _MASK[m]
                                out[k] = _mix(low8 + np.uint64(m) * _LEN + _SEED)
                                k += 1
                                i += m + 1
                                continue
                        elif i + 16 <= end:  # 8 to 15 letters and digits: two words
                            w2 = u64[i + 8]
                            x = w2 & _7F
                            up2 = ((x + _GE41) & ~(x + _GE5B)) & _HI
                            al2 = ((x + _GE30) & ~(x + _GE3A)) | up2 | ((x + _GE61) & ~(x + _GE7B))
                            stop = ~(al2 & ~w2) & _HI
                            if stop != 0:
                                m = 8 + _low_byte(stop)
                                sb = data[i + m]
                                if sb < 0x80 and acls[sb] == 0:
                                    h = w | (upper >> np.uint64(2))
                                    if m > 8:  # the token's last 8 bytes, lower-cased
                                        we = u64[i + m - 8]
                                        x = we & _7F
                                        up2 = ((x + _GE41) & ~(x + _GE5B)) & _HI
                                        h = _mix(h + _S8) ^ (we | (up2 >> np.uint64(2)))
                                    out[k] = _mix(h + np.uint64(m) * _LEN + _SEED)
                                    k += 1
                                    i += m + 1
                                    continue
                    if c == 1:
                        i += 1
                        low = ascii_low[b]
                        scratch[tl] = low
                        if tl < 8:
                            head |= np.uint64(low) << np.uint64(8 * tl)
                        tl += 1
                        continue
                    if c == 0:
                        i += 1
                        if tl > 0:
                            k = _end_token(out, k, scratch, tl, head, plain)
                            tl = 0
                            head = np.uint64(0)
                            plain = True
                        continue
                    if c >= 8:  # a raw quote (the string's end) or control byte
                        if b != 34:
                            return k, 0, 2, i
                        break
                    st = i
                    cp, i = _unescape(data, i)
                    if cp < 0:
                        return k, 0, 2, i
                    shrink += (i - st) - _utf8_len(cp)
                    if cp < 0x80:
                        if cp != 92 and (acls[cp] & 7) == 1:
                            low = ascii_low[cp]
                            scratch[tl] = low
                            if tl < 8:
                                head |= np.uint64(low) << np.uint64(8 * tl)
                            tl += 1
                        elif tl > 0:
                            k = _end_token(out, k, scratch, tl, head, plain)
                            tl = 0
                            head = np.uint64(0)
                            plain = True
                        continue
                else:
                    cp, i = _utf8_at(data, i, b)
                    if cp < 0:
                        return k, 0, 2, i
                tl, head, plain, k, good = _code_point(
                    cp, scratch, tl, head, plain, out, k, cls, one, multi_keys, multi_off,
                    multi_chars, multi_cls,
                )  # fmt: skip
                if not good:
                    return k, 0, 0, i
            if tl > 0:
                k = _end_token(out, k, scratch, tl, head, plain)
            return k, (i - start) - shrink, 1, i

        # the same function inlined where it runs once per string (:func:`_scan_line`): a call
        # passes each array as 7 words, ~100 pushed per call, ~40 % of that function's time
        _field_tokens_inline = numba.njit(cache=True, nogil=True, inline="always")(
            _field_tokens.py_func
        )

        # :func:`_scan_line` inlined into the line loop below (a call per line passed ~160 words)
        _scan_line_inline = numba.njit(cache=True, nogil=True, inline="always")(_scan_line.py_func)

        @numba.njit(**_LEAF)
        def _jsonl_lines(data, u64, i, n, r, k, mode, kb, koff, out, acls, ascii_low, cls, one,
                         multi_keys, multi_off, multi_chars, multi_cls, space, status, ls, le,
                         lens, nbytes, kind, fs, fe, ftok, fnb, stack, scratch, per_byte):  # fmt: skip
            """The line loop of :func:`_jsonl_tokens` from the line at ``i`` (record ``r``, its
            tokens at ``out[k]``), in a function that allocates nothing, so that
            :func:`_scan_line` is inlined without reference counting. Returns ``(i, r, k,
            need)``: ``need`` 0 at the end of the block, else ``out`` lacks room for the line at
            ``i``: the caller grows it by ``need`` and calls again from there."""
            nk = len(koff) - 1
            while i < n:
                k0 = k
                st, end, k, reorder = _scan_line_inline(
                    data, u64, i, n, kb, koff, kind, fs, fe, ftok, fnb, stack, out, k0, acls,
                    ascii_low, cls, one, multi_keys, multi_off, multi_chars, multi_cls, scratch,
                )  # fmt: skip
                if st == 3:  # ``out`` nearly full: grown for the whole line, read again
                    e = i
                    while e < n and data[e] != 10:
                        e += 1
                    return i, r, k0, (e - i) * per_byte + 32
                if st == 0:
                    # which wanted values make the text (the reader's rules)
                    use_ctx = False
                    if mode == 0:
                        ok = kind[0] == 1 and kind[nk - 1] == 1 and not (nk == 3 and kind[1] == 3)
                        if ok and nk == 3 and kind[1] == 1:
                            use_ctx = not _is_blank(data, fs[1], fe[1], space)
                    else:
                        ok = not (mode == 2 and kind[0] != 1)
                        for j in range(nk):
                            ok = ok and kind[j] != 3
                    dropped = mode == 0 and nk == 3 and kind[1] == 1 and not use_ctx
                    if ok and (reorder or (dropped and ftok[1] > 0)):
                        # keys out of order (or a blank context with tokens): the text's
                        # values tokenised again, in the text's order
                        k = k0
                        need = (end - i) * per_byte + 32  # room for every field of the line
                        if k + need > len(out):
                            return i, r, k0, need
                        for j in range(nk):
                            if kind[j] != 1 or (dropped and j == 1):
                                continue
                            k, nb, state, _ = _field_tokens(
                                data, u64, fs[j], fe[j], out, k, acls, ascii_low, cls, one,
                                multi_keys, multi_off, multi_chars, multi_cls, scratch,
                            )  # fmt: skip
                            fnb[j] = nb
                            if state != 1:
                                ok = False
                                break
                    total = 0
                    part = 0  # mode 0: bytes of the prompt and context parts so far
                    present = 0  # modes 1 and 2: values joined so far
                    for j in range(nk):
                        if kind[j] != 1 or (dropped and j == 1):
                            continue
                        nb = fnb[j]
                        if mode != 0:
                            total += nb + (2 if present > 0 else 0)
                            present += 1
                        elif j == 1 and nk == 3:  # the context
                            part += 2 + nb
                        elif j == 0:
                            part += nb
                        else:  # the answer: joined to a non-empty prompt by a blank line
                            total = part + nb + (2 if part > 0 and nb > 0 else 0)
                    if ok:
                        lens[r] = k - k0
                        nbytes[r] = total
                    else:
                        st = 1
                if st == 1:
                    k = k0
                    end = i
                    while end < n and data[end] != 10:
                        end += 1
                    lens[r] = 0
                    nbytes[r] = 0
                if st != 2:
                    status[r] = st
                    ls[r] = i
                    le[r] = end
                    r += 1
                i = end + 1
            return i, r, k, 0

        @numba.njit(cache=True, nogil=True)
        def _jsonl_tokens(data, u64, n, mode, kb, koff, out, acls, ascii_low, cls, one,
                          multi_keys, multi_off, multi_chars, multi_cls, space):  # fmt: skip
            """Token hashes of the records of the JSONL lines in ``data[:n]`` (``data`` has 16
            zero bytes after ``n``), without building their text.

            ``mode`` says how a record's text is made of the wanted keys' string values
            (``kb``/``koff``: the keys, in that order), like :class:`curate.io.ingest_arrow._Reader`:
            0 instruction pair (keys: prompt, context if the layout has one, answer; text =
            prompt, context unless blank, answer, non-empty parts joined by a blank line), 1
            document (keys: the fields; text = the present non-null values joined by a blank
            line), 2 document of one required field (the ``text`` layout). A line
            whose record this cannot decide exactly (not a plain JSON object, a wanted value of
            another type, a required one missing, a character decided on the whole text, ...)
            gets status 1 and is left to the reference reader; blank lines are skipped.

            Returns ``(out, tokens, status, line_start, line_end, token_counts, text_bytes)``
            per line (status 0: tokens in ``out`` in line order).
            """
            lines = (
                n // 2 + 2
            )  # a recorded line has at least 2 bytes (untouched pages cost nothing)
            status = np.empty(lines, np.int8)
            ls = np.empty(lines, np.int64)
            le = np.empty(lines, np.int64)
            lens = np.empty(lines, np.int64)
            nbytes = np.empty(lines, np.int64)
            nk = len(koff) - 1
            kind = np.zeros(nk, np.int64)
            fs = np.zeros(nk, np.int64)
            fe = np.zeros(nk, np.int64)
            ftok = np.zeros(nk, np.int64)
            fnb = np.zeros(nk, np.int64)
            stack = np.zeros(64, np.uint8)
            scratch = np.zeros(1 << 16, np.uint8)
            # tokens per input byte at most: ASCII 1, a CJK character 2 from 3 bytes, a character
            # of 2 or more bytes that normalises to ``wide`` characters ``wide`` + 1
            wide = 1
            for j in range(len(multi_off) - 1):
                wide = max(wide, multi_off[j + 1] - multi_off[j])
            per_byte = wide // 2 + 2
            k = 0
            r = 0
            i = 0
            while True:
                i, r, k, need = _jsonl_lines(
                    data, u64, i, n, r, k, mode, kb, koff, out, acls, ascii_low, cls, one,
                    multi_keys, multi_off, multi_chars, multi_cls, space, status, ls, le, lens,
                    nbytes, kind, fs, fe, ftok, fnb, stack, scratch, per_byte,
                )  # fmt: skip
                if need == 0:
                    break
                out = _grow(out, k, need)  # room for the line at ``i``, read again
            return out, k, status[:r], ls[:r], le[:r], lens[:r], nbytes[:r]

        JSONL_KERNEL = _jsonl_tokens

"""String fields of ``meta.fields`` read in one compiled pass (issue 19).

``instruction_checks_v1`` reads ``$.fields.instruction`` and ``$.fields.input`` of every
record's ``meta`` JSON with Polars' ``str.json_path_match``, which parses each document into a
tree once per path: 21 ms for CodeAlpaca's 4,535 records (3.7 MB of JSON, mostly the answer
repeated). :func:`fields` validates each document once and copies out the wanted strings.

It answers only where it is sure to give what ``json_path_match`` (serde_json, strict) gives,
and says where it is not (the caller asks Polars for those rows):

- answered: a document that is one JSON object, valid by RFC 8259, whose keys have no escapes,
  whose numbers have no exponent and at most 18 digits, whose ``\\u`` escapes are no surrogates,
  nested at most 64 deep, with ``fields`` at most once; a wanted key inside ``fields`` at most
  once, its value a string without ``\\u`` escapes (decoded), or ``null``/missing (null);
- referred back: anything else (a number or object value, duplicate keys, an invalid or odd
  document, ``fields`` not an object).

``tests/test_chain_margin_issue19.py`` compares it with ``json_path_match`` on Hypothesis JSON.
``CLEANROOM_NO_NUMBA`` keeps Polars.

Example: ``{"fields": {"input": "a\\nb"}, "line": 3}`` with keys ``instruction``, ``input`` ->
``null`` and ``"a<newline>b"``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from curate.core.jit import numba_or_none

_MAX_DEPTH = 64


def _ws_py(raw: np.ndarray, i: int, hi: int) -> int:
    """Index of the first byte at or after ``i`` that is not JSON whitespace."""
    while i < hi and (raw[i] == 32 or raw[i] == 9 or raw[i] == 10 or raw[i] == 13):
        i += 1
    return i


def _hex_py(c: int) -> int:
    """Value of a hex digit byte, -1 for another byte."""
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return -1


def _string_py(raw: np.ndarray, i: int, hi: int) -> tuple[int, int]:
    """A string starting at the quote ``raw[i]``: ``(index past its closing quote, flags)``,
    flags 1 for an escape, 2 for a ``\\u`` escape; index -1 when it is invalid or has a
    surrogate escape."""
    i += 1
    flags = 0
    while i < hi:
        c = raw[i]
        if c == 34:
            return i + 1, flags
        if c < 32:
            return -1, flags
        if c == 92:
            if i + 1 >= hi:
                return -1, flags
            e = raw[i + 1]
            flags |= 1
            if e == 117:
                if i + 5 >= hi:
                    return -1, flags
                v = 0
                for k in range(2, 6):
                    h = _hex(raw[i + k])
                    if h < 0:
                        return -1, flags
                    v = v * 16 + h
                if 0xD800 <= v <= 0xDFFF:
                    return -1, flags
                flags |= 2
                i += 6
            elif e in (34, 92, 47, 98, 102, 110, 114, 116):  # " \ / b f n r t
                i += 2
            else:
                return -1, flags
        else:
            i += 1
    return -1, flags


def _number_py(raw: np.ndarray, i: int, hi: int) -> int:
    """A number at ``i`` without exponent and with at most 18 digits: the index past it, or -1."""
    if i < hi and raw[i] == 45:
        i += 1
    if i >= hi or not 48 <= raw[i] <= 57:
        return -1
    digits = 0
    if raw[i] == 48:
        i += 1
        digits = 1
    else:
        while i < hi and 48 <= raw[i] <= 57:
            i += 1
            digits += 1
    if i < hi and raw[i] == 46:
        i += 1
        start = i
        while i < hi and 48 <= raw[i] <= 57:
            i += 1
        if i == start:
            return -1
        digits += i - start
    if digits > 18 or (i < hi and (raw[i] == 101 or raw[i] == 69)):
        return -1
    return i


def _word_py(raw: np.ndarray, i: int, hi: int, word: np.ndarray, a: int, b: int) -> int:
    """``true``/``false``/``null`` (``word[a:b]``) at ``i``: the index past it, or -1."""
    if hi - i < b - a:
        return -1
    for k in range(b - a):
        if raw[i + k] != word[a + k]:
            return -1
    return i + b - a


def _value_py(raw: np.ndarray, i: int, hi: int, words: np.ndarray, stack: np.ndarray) -> int:
    """Skip the JSON value at ``i`` (after whitespace): the index past it, or -1."""
    depth = 0
    while True:
        # a value
        i = _ws(raw, i, hi)
        if i >= hi:
            return -1
        c = raw[i]
        opened = False
        if c == 123 or c == 91:
            if depth == _MAX_DEPTH:
                return -1
            stack[depth] = c
            depth += 1
            i = _ws(raw, i + 1, hi)
            if i < hi and raw[i] == c + 2:  # "{}" or "[]"
                depth -= 1
                i += 1
            else:
                opened = True
                if c == 123:
                    i = _key_colon(raw, i, hi)
                    if i < 0:
                        return -1
        elif c == 34:
            i, _ = _string(raw, i, hi)
        elif c == 45 or 48 <= c <= 57:
            i = _number(raw, i, hi)
        elif c == 116:
            i = _word(raw, i, hi, words, 0, 4)
        elif c == 102:
            i = _word(raw, i, hi, words, 4, 9)
        elif c == 110:
            i = _word(raw, i, hi, words, 9, 13)
        else:
            return -1
        if i < 0:
            return -1
        if opened:
            continue
        # after a value: close containers, or a comma and the next member
        while True:
            if depth == 0:
                return i
            i = _ws(raw, i, hi)
            if i >= hi:
                return -1
            top = stack[depth - 1]
            if raw[i] == top + 2:
                depth -= 1
                i += 1
                continue
            if raw[i] != 44:
                return -1
            i = _ws(raw, i + 1, hi)
            if top == 123:
                i = _key_colon(raw, i, hi)
                if i < 0:
                    return -1
            break


def _key_colon_py(raw: np.ndarray, i: int, hi: int) -> int:
    """Index after the colon of the object key whose quote should be at ``i``, or -1."""
    if i >= hi or raw[i] != 34:
        return -1
    i, _ = _string(raw, i, hi)
    if i < 0:
        return -1
    i = _ws(raw, i, hi)
    if i >= hi or raw[i] != 58:
        return -1
    return i + 1


def _same_py(raw: np.ndarray, a: int, b: int, keys: np.ndarray, c: int, d: int) -> bool:
    """``raw[a:b]`` equals ``keys[c:d]``."""
    if b - a != d - c:
        return False
    for k in range(b - a):  # noqa: SIM110 - numba compiles loops, not all() of a generator
        if raw[a + k] != keys[c + k]:
            return False
    return True


def _member_key_py(raw: np.ndarray, i: int, hi: int) -> tuple[int, int, int]:
    """A member's key at ``i`` and its colon: ``(key start, key end, index after the colon)``;
    -1s for an invalid key or one with an escape."""
    if i >= hi or raw[i] != 34:
        return -1, -1, -1
    end, flags = _string(raw, i, hi)
    if end < 0 or flags != 0:
        return -1, -1, -1
    j = _ws(raw, end, hi)
    if j >= hi or raw[j] != 58:
        return -1, -1, -1
    return i + 1, end - 1, j + 1


def _next_member_py(raw: np.ndarray, i: int, hi: int) -> tuple[int, int]:
    """After an object member's value at ``i``: ``(start of the next key, 1)`` past a comma,
    ``(index after the closing brace, 0)``, or ``(i, -1)`` for anything else."""
    i = _ws(raw, i, hi)
    if i < hi and raw[i] == 44:
        return _ws(raw, i + 1, hi), 1
    if i < hi and raw[i] == 125:
        return i + 1, 0
    return i, -1


def _document_py(
    raw: np.ndarray,
    lo: int,
    hi: int,
    keys: np.ndarray,
    keys_off: np.ndarray,
    words: np.ndarray,
    stack: np.ndarray,
    span: np.ndarray,
) -> bool:
    """Parse ``raw[lo:hi]``; ``span[k]`` = (start, end, flags) of wanted key ``k``'s string,
    (-1, -1, 0) for null or missing. False: refer the row back."""
    nk = keys_off.shape[0] - 2  # the last key is "fields"
    for k in range(nk):
        span[k, 0] = -1
        span[k, 1] = -1
        span[k, 2] = 0
    i = _ws(raw, lo, hi)
    if i >= hi or raw[i] != 123:
        return False
    i = _ws(raw, i + 1, hi)
    seen_fields = False
    if i < hi and raw[i] == 125:
        i += 1
    else:
        while True:
            ka, kb, i = _member_key(raw, i, hi)
            if ka < 0:
                return False
            i = _ws(raw, i, hi)
            if _same(raw, ka, kb, keys, keys_off[nk], keys_off[nk + 1]):
                if seen_fields:
                    return False
                seen_fields = True
                if i < hi and raw[i] == 110:
                    i = _word(raw, i, hi, words, 9, 13)
                    if i < 0:
                        return False
                else:
                    if i >= hi or raw[i] != 123:
                        return False
                    i = _ws(raw, i + 1, hi)
                    if i < hi and raw[i] == 125:
                        i += 1
                    else:
                        while True:
                            fa, fb, i = _member_key(raw, i, hi)
                            if fa < 0:
                                return False
                            i = _ws(raw, i, hi)
                            want = -1
                            for k in range(nk):
                                if _same(raw, fa, fb, keys, keys_off[k], keys_off[k + 1]):
                                    want = k
                            if want >= 0:
                                if span[want, 2] != 0:  # the key again
                                    return False
                                span[want, 2] = 4  # seen
                                if i < hi and raw[i] == 34:
                                    end, flags = _string(raw, i, hi)
                                    if end < 0 or (flags & 2) != 0:
                                        return False
                                    span[want, 0] = i + 1
                                    span[want, 1] = end - 1
                                    span[want, 2] = 4 | flags
                                    i = end
                                elif i < hi and raw[i] == 110:
                                    i = _word(raw, i, hi, words, 9, 13)
                                else:
                                    return False
                            else:
                                i = _value(raw, i, hi, words, stack)
                            if i < 0:
                                return False
                            i, more = _next_member(raw, i, hi)
                            if more < 0:
                                return False
                            if more == 0:
                                break
            else:
                i = _value(raw, i, hi, words, stack)
                if i < 0:
                    return False
            i, more = _next_member(raw, i, hi)
            if more < 0:
                return False
            if more == 0:
                break
    return _ws(raw, i, hi) == hi


def _fields_py(
    raw: np.ndarray,
    off: np.ndarray,
    keys: np.ndarray,
    keys_off: np.ndarray,
    words: np.ndarray,
    out: np.ndarray,
    out_off: np.ndarray,
    status: np.ndarray,
) -> None:
    """Per document ``t`` and wanted key ``k``: ``status[t, k]`` 1 (the string is
    ``out[out_off[t, k]:out_off[t, k + 1]]``), 0 (null) or 2 (referred back)."""
    nk = keys_off.shape[0] - 2
    stack = np.zeros(_MAX_DEPTH + 1, dtype=np.uint8)
    span = np.zeros((nk, 3), dtype=np.int64)
    pos = 0
    for t in range(off.shape[0] - 1):
        ok = _document(raw, off[t], off[t + 1], keys, keys_off, words, stack, span)
        for k in range(nk):
            out_off[t, k] = pos
            if not ok:
                status[t, k] = 2
            elif span[k, 0] < 0:
                status[t, k] = 0
            else:
                status[t, k] = 1
                i = span[k, 0]
                end = span[k, 1]
                while i < end:
                    c = raw[i]
                    if c == 92:
                        e = raw[i + 1]
                        if e == 98:
                            c = 8
                        elif e == 102:
                            c = 12
                        elif e == 110:
                            c = 10
                        elif e == 114:
                            c = 13
                        elif e == 116:
                            c = 9
                        else:  # " \ /
                            c = e
                        i += 2
                    else:
                        i += 1
                    out[pos] = c
                    pos += 1
            out_off[t, k + 1] = pos


_ws = _ws_py  # the helpers: replaced by their compiled forms in _kernel()
_hex = _hex_py
_string = _string_py
_number = _number_py
_word = _word_py
_key_colon = _key_colon_py
_value = _value_py
_same = _same_py
_member_key = _member_key_py
_next_member = _next_member_py
_document = _document_py


@lru_cache(maxsize=1)
def _kernel():
    """The compiled kernel (numba, cached on disk), its helpers compiled first."""
    global _ws, _hex, _string, _number, _word, _key_colon, _value, _same, _member_key
    global _next_member, _document
    numba = numba_or_none()
    assert numba is not None, "callers check available() first"
    jit = numba.njit(cache=True, nogil=True, boundscheck=False)
    _ws = jit(_ws_py)
    _hex = jit(_hex_py)
    _string = jit(_string_py)
    _number = jit(_number_py)
    _word = jit(_word_py)
    _key_colon = jit(_key_colon_py)
    _value = jit(_value_py)
    _same = jit(_same_py)
    _member_key = jit(_member_key_py)
    _next_member = jit(_next_member_py)
    _document = jit(_document_py)
    return jit(_fields_py)


def available() -> bool:
    """Whether the compiled path may be used (numba importable, not switched off)."""
    return numba_or_none() is not None


def fields(
    raw: np.ndarray, off: np.ndarray, wanted: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Documents as UTF-8 bytes and int64 offsets: ``(bytes, offsets, status)``, string ``k``
    of document ``t`` being ``bytes[offsets[t, k]:offsets[t, k + 1]]`` where ``status[t, k]``
    is 1 (0: null, 2: ask ``json_path_match``)."""
    names = [w.encode("utf-8") for w in (*wanted, "fields")]
    keys = np.frombuffer(b"".join(names), dtype=np.uint8).copy()
    keys_off = np.zeros(len(names) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in names], out=keys_off[1:])
    words = np.frombuffer(b"truefalsenull", dtype=np.uint8).copy()
    n = max(off.shape[0] - 1, 0)
    out = np.zeros(max(raw.shape[0], 1), dtype=np.uint8)
    out_off = np.zeros((n, len(wanted) + 1), dtype=np.int64)
    status = np.zeros((n, len(wanted)), dtype=np.int8)
    if n:
        src = raw if raw.shape[0] else np.zeros(1, dtype=np.uint8)
        _kernel()(src, off, keys, keys_off, words, out, out_off, status)
    return out, out_off, status

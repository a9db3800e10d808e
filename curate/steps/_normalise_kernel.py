"""``normalise_v1`` on plain ASCII texts in one compiled pass (issue 19).

:func:`curate.core.textnorm.normalise_expr` normalises the texts :func:`curate.core.textnorm.
plain_text` accepts in seven Polars passes (two replacements of ``\\r``, the control characters,
trailing spaces, runs of blank lines, two strips), each copying every text, and ``plain_text``
reads each text three more times: 20 ms for the 10,000 message contents of Alpaca.
:func:`normalise_plain` does both per text in one numba loop over the Arrow buffers:

- plain: every byte ASCII, and with ``fix_mojibake`` any ``&`` starts no HTML entity
  (``&#?[0-9A-Za-z]{1,24};``) and the text has none of :data:`FTFY_ASCII` (what ftfy's other
  fixers change: control characters, ESC, ``\\r``), as ``plain_text`` decides;
- normalised (plain texts only, ``strip_control`` and ``collapse_whitespace`` on): ``\\r\\n``
  and ``\\r`` to ``\\n``; ``[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]`` removed; each line's trailing
  ``[\\t\\x0b\\x0c\\x1c-\\x1f ]`` removed; runs of 3+ newlines to 2; newlines stripped from both
  ends; trailing ``[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f ]`` stripped, as ``normalise_expr`` does.

``tests/test_chain_margin_issue19.py`` compares it with ``plain_text`` and ``normalise_expr`` on
Hypothesis text. ``CLEANROOM_NO_NUMBA`` keeps the Polars path.

Example: ``normalise_plain(["a \\r\\n\\n\\n\\n\\x07b  ", "café"])`` -> ``["a\\n\\nb", ""]``, plain
``[True, False]`` (a text that is not plain gets ``""``: the caller normalises it in Python).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from curate.core.jit import numba_or_none

# ASCII characters ftfy's fixers other than unescape_html change (textnorm._ASCII_TOUCHED_BUT_AMP)
FTFY_ASCII = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0D, *range(0x0E, 0x20), 0x7F]))


def _tables() -> np.ndarray:
    """Byte classes: 1 removed as a control character, 2 trailing space of a line, 4 stripped
    from the end, 8 alphanumeric, 16 ftfy changes it (``FTFY_ASCII``)."""
    cls = np.zeros(256, dtype=np.uint8)
    for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]:
        cls[c] |= 1
    for c in "\t\x0b\x0c\x1c\x1d\x1e\x1f ":
        cls[ord(c)] |= 2
    for c in "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f ":
        cls[ord(c)] |= 4
    for c in range(128):
        if chr(c).isalnum():
            cls[c] |= 8
    for c in FTFY_ASCII:
        cls[ord(c)] |= 16
    return cls


def _plain_py(raw: np.ndarray, lo: int, hi: int, fix_mojibake: bool, cls: np.ndarray) -> bool:
    """``plain_text`` of ``raw[lo:hi]`` (see the module docstring)."""
    amp = False
    touched = False
    for i in range(lo, hi):
        c = raw[i]
        if c >= 128:
            return False
        if c == 38:
            amp = True
        elif (cls[c] & 16) != 0:
            touched = True
    if not (fix_mojibake and amp):
        return True
    if touched:
        return False
    for i in range(lo, hi):
        if raw[i] == 38:  # an HTML entity: "&", "#" maybe, 1-24 letters or digits, ";"
            j = i + 1
            if j < hi and raw[j] == 35:
                j += 1
            k = j
            while k < hi and (cls[raw[k]] & 8) != 0:
                k += 1
            if 1 <= k - j <= 24 and k < hi and raw[k] == 59:
                return False
    return True


def _normalise_py(
    raw: np.ndarray,
    off: np.ndarray,
    fix_mojibake: bool,
    cls: np.ndarray,
    out: np.ndarray,
    out_off: np.ndarray,
    plain: np.ndarray,
) -> None:
    """Text ``k`` is ``raw[off[k]:off[k+1]]``; writes ``plain[k]`` and, for a plain text, its
    normalised form to ``out[out_off[k]:out_off[k+1]]`` (compiled by numba)."""
    pos = 0
    for t in range(off.shape[0] - 1):
        lo, hi = off[t], off[t + 1]
        out_off[t] = pos
        plain[t] = _plain(raw, lo, hi, fix_mojibake, cls)
        if not plain[t]:
            out_off[t + 1] = pos
            continue
        # one pass, as the Polars passes in turn: "\r\n" and "\r" to "\n" (on the original
        # pairs), control characters removed, each line's trailing spaces removed, runs of 3+
        # newlines to 2 (spaces dropped at a line's end do not break a run)
        w = pos
        spaces = -1  # where the trailing spaces being written began, -1: none
        run = 0  # newlines since the last character that is neither newline nor space
        for i in range(lo, hi):
            c = raw[i]
            if c == 13:
                if i + 1 < hi and raw[i + 1] == 10:
                    continue
                c = 10
            elif (cls[c] & 1) != 0:
                continue
            if c == 10:
                if spaces >= 0:
                    w = spaces
                    spaces = -1
                run += 1
                if run <= 2:
                    out[w] = 10
                    w += 1
            else:
                if (cls[c] & 2) != 0:
                    if spaces < 0:
                        spaces = w
                else:
                    spaces = -1
                    run = 0
                out[w] = c
                w += 1
        if spaces >= 0:
            w = spaces
        # newlines stripped from both ends, then the end's spaces
        s = pos
        while s < w and out[s] == 10:
            s += 1
        e = w
        while e > s and out[e - 1] == 10:
            e -= 1
        while e > s and (cls[out[e - 1]] & 4) != 0:
            e -= 1
        if s > pos:
            for i in range(s, e):
                out[pos + i - s] = out[i]
        pos += e - s
        out_off[t + 1] = pos


_plain = _plain_py  # replaced by its compiled form in _kernel()


@lru_cache(maxsize=1)
def _kernel():
    """The compiled kernel (numba, cached on disk), its helper compiled first."""
    global _plain
    numba = numba_or_none()
    assert numba is not None, "callers check available() first"
    jit = numba.njit(cache=True, nogil=True, boundscheck=False)
    _plain = jit(_plain_py)
    return jit(_normalise_py)


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    """:func:`_tables`, built once."""
    return _tables()


def available() -> bool:
    """Whether the compiled path may be used (numba importable, not switched off)."""
    return numba_or_none() is not None


def normalise_plain(
    raw: np.ndarray, off: np.ndarray, fix_mojibake: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Texts as UTF-8 bytes and int64 offsets (text ``k`` is ``raw[off[k]:off[k+1]]``):
    ``(bytes, offsets, plain)`` of their normalised forms (``""`` where ``plain`` is False)."""
    n = max(off.shape[0] - 1, 0)
    out = np.empty(max(raw.shape[0], 1), dtype=np.uint8)
    out_off = np.zeros(n + 1, dtype=np.int64)
    plain = np.zeros(n, dtype=np.bool_)
    if n:
        src = raw if raw.shape[0] else np.zeros(1, dtype=np.uint8)
        _kernel()(src, off, fix_mojibake, _table(), out, out_off, plain)
    return out, out_off, plain

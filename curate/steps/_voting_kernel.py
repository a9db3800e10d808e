"""``langid_v2``'s whole-text heads of ASCII texts in one compiled pass (issue 19).

For an all-ASCII answer, :meth:`curate.steps.langid.LanguageIdentifier.identify_whole` predicts
once on the head of its voting lines. Finding them in Polars takes seven passes and a Python list
per line (split, strip, letters, the three code-line regexes, a window sum, a group-by join, the
head cut): 35 ms on CodeAlpaca's 4,533 code answers, more than predicting them. :func:`heads`
does the same per text in one numba loop over the Arrow buffers:

- the text's first ``max_chars`` characters split on ``\\n``, each line stripped of Python's
  whitespace (on ASCII: ``\\t \\n \\x0b \\x0c \\r \\x1c-\\x1f`` and space), empty lines dropped;
  texts with fewer than 2 letters (``A-Z a-z``) in all have no voting line;
- in a text of two or more lines, :func:`curate.steps.words.is_code_line`'s three tests on each
  (a code keyword first, a code shape, more than ``max_symbol_frac`` code punctuation), read off
  its patterns for stripped ASCII lines (:data:`CODE_PATTERNS` are the patterns they were read
  from: another pattern switches this kernel off);
- the lines that vote: the prose lines when they hold 10 letters or more, else every line;
- the head: the voting lines joined by spaces, cut to ``text_chars`` characters at the start of
  its last run of ``\\t \\x0b \\x0c \\r`` or spaces in the first ``text_chars + 1`` characters
  (:func:`curate.steps.langid.whole_text_head`), hard when there is none.

It gives, per text, the head (bytes), the letters of its voting lines and whether they would
vote line by line (prose of two or more lines), as the Polars path does
(``tests/test_chain_margin_issue19.py`` compares them on Hypothesis text). ``CLEANROOM_NO_NUMBA``
keeps the Polars path.

Example: ``heads(["import os\\nRead the file now.", "x"])`` -> heads ``["Read the file now."]``
for text 0 (text 1 has one letter: no head), letters ``[13, 0]``, ``has`` ``[True, False]``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from curate.core.jit import numba_or_none

# The patterns of curate.steps.words the code test below was read from.
CODE_PATTERNS = (
    r"^\s*(?:import|from \S+ import|def|class|return|for|while|if|elif|else|try|except|#include|"
    r"using|public|private|protected|static|int|void|var|let|const|function|print|printf|console\.|"
    r"echo|SELECT|INSERT|UPDATE|DELETE|CREATE|package|func|fn|end|do|done|fi)\b",
    r"\s=\s|[;{}]\s*$|^\s*[}\])]|\w+\(.*\)\s*$|^\s*[\w.]+\s*=",
    r"[{}();=<>\[\]#$*/\\|`^~]",
)
# _CODE_START's keywords but "from \S+ import" (tested on its own): one matches where the line
# starts with it and a word boundary follows.
KEYWORDS = (
    "import",
    "def",
    "class",
    "return",
    "for",
    "while",
    "if",
    "elif",
    "else",
    "try",
    "except",
    "#include",
    "using",
    "public",
    "private",
    "protected",
    "static",
    "int",
    "void",
    "var",
    "let",
    "const",
    "function",
    "print",
    "printf",
    "console.",
    "echo",
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "package",
    "func",
    "fn",
    "end",
    "do",
    "done",
    "fi",
)
_SYMBOLS = "{}();=<>[]#$*/\\|`^~"


def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byte classes (bit 1 space, 2 word, 4 code symbol, 8 head cut, 16 letter, 32 first of a
    keyword), and the
    keywords (then ``"from "`` and ``" import"``) as bytes and offsets."""
    cls = np.zeros(256, dtype=np.uint8)
    for c in "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f ":
        cls[ord(c)] |= 1
    for c in range(128):
        if chr(c).isalnum() or chr(c) == "_":
            cls[c] |= 2
        if chr(c).isalpha():
            cls[c] |= 16
    for c in _SYMBOLS:
        cls[ord(c)] |= 4
    for c in "\t\x0b\x0c\r ":
        cls[ord(c)] |= 8
    for w in [*KEYWORDS, "from "]:
        cls[ord(w[0])] |= 32
    words = [w.encode("ascii") for w in [*KEYWORDS, "from ", " import"]]
    off = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in words], out=off[1:])
    return cls, np.frombuffer(b"".join(words), dtype=np.uint8).copy(), off


def _starts_with_py(raw: np.ndarray, at: int, hi: int, kw: np.ndarray, a: int, b: int) -> bool:
    """``raw[at:hi]`` starts with ``kw[a:b]``."""
    if b - a > hi - at:
        return False
    for i in range(b - a):  # noqa: SIM110 - numba compiles loops, not all() of a generator
        if raw[at + i] != kw[a + i]:
            return False
    return True


def _boundary_py(raw: np.ndarray, at: int, hi: int, cls: np.ndarray) -> bool:
    """A ``\\b`` between ``raw[at - 1]`` and ``raw[at]`` (the end counts as a non-word byte)."""
    before = (cls[raw[at - 1]] & 2) != 0
    after = at < hi and (cls[raw[at]] & 2) != 0
    return before != after


def _is_code_py(
    raw: np.ndarray,
    lo: int,
    hi: int,
    cls: np.ndarray,
    kw: np.ndarray,
    kw_off: np.ndarray,
    max_symbol_frac: float,
) -> bool:
    """``is_code_line(raw[lo:hi])`` for a stripped, non-empty ASCII line (first and last bytes
    not whitespace)."""
    nkw = kw_off.shape[0] - 3  # the last two entries are "from " and " import"
    # _CODE_START: a keyword first, then a word boundary
    if (cls[raw[lo]] & 32) != 0:
        for k in range(nkw):
            a, b = kw_off[k], kw_off[k + 1]
            if (
                kw[a] == raw[lo]
                and _starts_with(raw, lo, hi, kw, a, b)
                and _boundary(raw, lo + b - a, hi, cls)
            ):
                return True
    # "from " + a run of non-spaces + " import" + a word boundary
    if raw[lo] == 102 and _starts_with(raw, lo, hi, kw, kw_off[nkw], kw_off[nkw + 1]):
        j = lo + 5
        if j < hi and (cls[raw[j]] & 1) == 0:
            while j < hi and (cls[raw[j]] & 1) == 0:
                j += 1
            a, b = kw_off[nkw + 1], kw_off[nkw + 2]
            if _starts_with(raw, j, hi, kw, a, b) and _boundary(raw, j + b - a, hi, cls):
                return True
    first, last = raw[lo], raw[hi - 1]
    # _CODE_SHAPE: a trailing ; { }, a leading } ] ), an assignment first, " = ", a call at the end
    if last == 59 or last == 123 or last == 125 or first == 125 or first == 93 or first == 41:
        return True
    j = lo
    while j < hi and ((cls[raw[j]] & 2) != 0 or raw[j] == 46):
        j += 1
    if j > lo:
        while j < hi and (cls[raw[j]] & 1) != 0:
            j += 1
        if j < hi and raw[j] == 61:
            return True
    # one pass: " = " (spaces of any kind), a word character then "(" before a final ")", and
    # _CODE_CHARS: more code punctuation than max_symbol_frac of the characters
    count = 0
    call = False
    for i in range(lo, hi):
        c = raw[i]
        if (cls[c] & 4) != 0:
            count += 1
            if i > lo and i < hi - 1:
                if c == 61 and (cls[raw[i - 1]] & 1) != 0 and (cls[raw[i + 1]] & 1) != 0:
                    return True
                if c == 40 and (cls[raw[i - 1]] & 2) != 0:
                    call = True
    if call and last == 41:
        return True
    return count > max_symbol_frac * max(1, hi - lo)


# the helpers the kernels call: the Python functions, replaced by their compiled forms in _kernel()
_starts_with = _starts_with_py
_boundary = _boundary_py
_is_code = _is_code_py


def _text_lines_py(
    raw: np.ndarray,
    lo: int,
    hi: int,
    max_chars: int,
    skip_code: bool,
    max_symbol_frac: float,
    cls: np.ndarray,
    kw: np.ndarray,
    kw_off: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    nlet: np.ndarray,
    code: np.ndarray,
) -> tuple[int, bool]:
    """The lines of ``raw[lo:hi]`` that ``_voting_frame`` keeps before its code test, in
    ``starts``/``ends``/``nlet`` (their letters), ``code`` set for those that do not vote when
    the text has prose: ``(lines, prose)``, 0 lines for a text with fewer than 2 letters."""
    cut = min(hi, lo + max_chars)
    total = 0  # letters, of the whole text: fewer than 2 and it has no voting line
    nlines = 0
    a = lo
    while a <= cut:
        # one line: its letters, then its ends stripped of whitespace
        b = a
        c = 0
        while b < cut and raw[b] != 10:
            if (cls[raw[b]] & 16) != 0:
                c += 1
            b += 1
        total += c
        s, e = a, b
        while s < e and (cls[raw[s]] & 1) != 0:
            s += 1
        while e > s and (cls[raw[e - 1]] & 1) != 0:
            e -= 1
        if e > s:
            starts[nlines] = s
            ends[nlines] = e
            nlet[nlines] = c
            code[nlines] = False
            nlines += 1
        a = b + 1
    i = cut
    while total < 2 and i < hi:
        if (cls[raw[i]] & 16) != 0:
            total += 1
        i += 1
    if total < 2:
        return 0, False
    prose = True
    if skip_code and nlines > 0:
        prose_letters = 0
        for k in range(nlines):
            code[k] = nlines >= 2 and _is_code(
                raw, starts[k], ends[k], cls, kw, kw_off, max_symbol_frac
            )
            if not code[k]:
                prose_letters += nlet[k]
        prose = prose_letters >= 10
    return nlines, prose


def _line_arrays_py(off: np.ndarray, max_chars: int) -> tuple[np.ndarray, ...]:
    """Room for the lines of the longest text (a text has one line more than it has bytes)."""
    width = 1
    for t in range(off.shape[0] - 1):
        width = max(width, min(off[t + 1] - off[t], max_chars) + 1)
    return (
        np.zeros(width, dtype=np.int64),
        np.zeros(width, dtype=np.int64),
        np.zeros(width, dtype=np.int64),
        np.zeros(width, dtype=np.bool_),
    )


_text_lines = _text_lines_py
_line_arrays = _line_arrays_py


def _heads_py(
    raw: np.ndarray,
    off: np.ndarray,
    max_chars: int,
    text_chars: int,
    skip_code: bool,
    max_symbol_frac: float,
    cls: np.ndarray,
    kw: np.ndarray,
    kw_off: np.ndarray,
    head: np.ndarray,
    head_off: np.ndarray,
    letters: np.ndarray,
    vote: np.ndarray,
    has: np.ndarray,
) -> None:
    """Text ``k`` is ``raw[off[k]:off[k+1]]`` (ASCII); writes its head to ``head`` (from
    ``head_off[k]`` to ``head_off[k+1]``), the letters of its voting lines, whether they vote line
    by line and whether it has any. Compiled by numba (see the module docstring)."""
    starts, ends, nlet, code = _line_arrays(off, max_chars)
    pos = 0
    for t in range(off.shape[0] - 1):
        lo, hi = off[t], off[t + 1]
        head_off[t] = pos
        letters[t] = 0
        vote[t] = False
        has[t] = False
        nlines, prose = _text_lines(
            raw, lo, hi, max_chars, skip_code, max_symbol_frac, cls, kw, kw_off,
            starts, ends, nlet, code,
        )  # fmt: skip
        if nlines == 0:
            head_off[t + 1] = pos
            continue
        voting = 0
        n = 0
        width = 0  # characters of the voting lines joined by spaces
        filled = 0  # of which copied to head (at most text_chars + 1)
        for k in range(nlines):
            if skip_code and code[k] and prose:
                continue
            n += nlet[k]
            if voting > 0:
                width += 1
                if filled <= text_chars:
                    head[pos + filled] = 32
                    filled += 1
            voting += 1
            width += ends[k] - starts[k]
            i = starts[k]
            while filled <= text_chars and i < ends[k]:
                head[pos + filled] = raw[i]
                filled += 1
                i += 1
        if width > text_chars:
            # whole_text_head: cut at the start of the last run of spaces, hard without one
            j = filled - 1
            while j >= 0 and (cls[head[pos + j]] & 8) == 0:
                j -= 1
            if j < 0:
                filled = text_chars
            else:
                while j > 0 and (cls[head[pos + j - 1]] & 8) != 0:
                    j -= 1
                filled = min(j, text_chars)
        pos += filled
        head_off[t + 1] = pos
        letters[t] = n
        vote[t] = prose and voting >= 2
        has[t] = True


def _lines_py(
    raw: np.ndarray,
    off: np.ndarray,
    max_chars: int,
    skip_code: bool,
    max_symbol_frac: float,
    cls: np.ndarray,
    kw: np.ndarray,
    kw_off: np.ndarray,
    out: np.ndarray,
    out_off: np.ndarray,
    owner: np.ndarray,
    letters: np.ndarray,
) -> int:
    """The voting lines of ASCII texts (text ``k`` is ``raw[off[k]:off[k+1]]``), in text and
    line order: line ``j`` is ``out[out_off[j]:out_off[j+1]]``, of text ``owner[j]``, with
    ``letters[j]`` letters; returns the number of lines (compiled by numba)."""
    starts, ends, nlet, code = _line_arrays(off, max_chars)
    j = 0
    pos = 0
    out_off[0] = 0
    for t in range(off.shape[0] - 1):
        nlines, prose = _text_lines(
            raw, off[t], off[t + 1], max_chars, skip_code, max_symbol_frac, cls, kw, kw_off,
            starts, ends, nlet, code,
        )  # fmt: skip
        for k in range(nlines):
            if skip_code and code[k] and prose:
                continue
            for i in range(starts[k], ends[k]):
                out[pos] = raw[i]
                pos += 1
            owner[j] = t
            letters[j] = nlet[k]
            j += 1
            out_off[j] = pos
    return j


@lru_cache(maxsize=1)
def _kernel():
    """The compiled kernel (numba, cached on disk), its helpers compiled first."""
    global _starts_with, _boundary, _is_code, _text_lines, _line_arrays
    numba = numba_or_none()
    assert numba is not None, "callers check available() first"
    jit = numba.njit(cache=True, nogil=True, boundscheck=False)
    _starts_with = jit(_starts_with_py)
    _boundary = jit(_boundary_py)
    _is_code = jit(_is_code_py)
    _text_lines = jit(_text_lines_py)
    _line_arrays = jit(_line_arrays_py)
    return jit(_heads_py), jit(_lines_py)


def available() -> bool:
    """Whether :func:`heads` may be used: numba on, and ``words``' code patterns the ones the
    kernel was read from."""
    from curate.steps.words import _CODE_CHARS, _CODE_SHAPE, _CODE_START

    pats = (_CODE_START.pattern, _CODE_SHAPE.pattern, _CODE_CHARS.pattern)
    return numba_or_none() is not None and pats == CODE_PATTERNS


def heads(
    raw: np.ndarray,
    off: np.ndarray,
    *,
    max_chars: int,
    text_chars: int,
    skip_code: bool,
    max_symbol_frac: float = 0.05,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Heads of ASCII texts given as UTF-8 bytes and int64 offsets (text ``k`` is
    ``raw[off[k]:off[k+1]]``): ``(head_bytes, head_offsets, letters, vote, has)``, head ``k``
    being ``head_bytes[head_offsets[k]:head_offsets[k+1]]`` (empty where ``has[k]`` is False).
    """
    cls, kw, kw_off = _tables_cached()
    n = max(off.shape[0] - 1, 0)
    head = np.zeros(max(n * (text_chars + 1), 1), dtype=np.uint8)
    head_off = np.zeros(n + 1, dtype=np.int64)
    letters = np.zeros(n, dtype=np.int64)
    vote = np.zeros(n, dtype=np.bool_)
    has = np.zeros(n, dtype=np.bool_)
    if n:
        _kernel()[0](
            raw if raw.shape[0] else np.zeros(1, dtype=np.uint8),
            off,
            max_chars,
            text_chars,
            skip_code,
            max_symbol_frac,
            cls,
            kw,
            kw_off,
            head,
            head_off,
            letters,
            vote,
            has,
        )
    return head, head_off, letters, vote, has


def lines(
    raw: np.ndarray,
    off: np.ndarray,
    *,
    max_chars: int,
    skip_code: bool,
    max_symbol_frac: float = 0.05,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The voting lines of ASCII texts given as UTF-8 bytes and int64 offsets, as
    ``_voting_frame`` finds them: ``(line_bytes, line_offsets, owner, letters)`` in text and
    line order. Example: texts ``["import os\\nRead it now.", "x"]`` -> one line,
    ``b"Read it now."``, of text 0, with 9 letters.
    """
    cls, kw, kw_off = _tables_cached()
    n = max(off.shape[0] - 1, 0)
    size = raw.shape[0] + n + 1  # lines hold fewer bytes than their texts, and one line each
    out = np.zeros(max(raw.shape[0], 1), dtype=np.uint8)
    out_off = np.zeros(size + 1, dtype=np.int64)
    owner = np.zeros(size, dtype=np.int64)
    letters = np.zeros(size, dtype=np.int64)
    count = 0
    if n:
        count = _kernel()[1](
            raw if raw.shape[0] else np.zeros(1, dtype=np.uint8),
            off,
            max_chars,
            skip_code,
            max_symbol_frac,
            cls,
            kw,
            kw_off,
            out,
            out_off,
            owner,
            letters,
        )
    return out, out_off[: count + 1], owner[:count], letters[:count]


@lru_cache(maxsize=1)
def _tables_cached() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_tables`, built once."""
    return _tables()

"""The one text normaliser of the contamination audit, shared by the index and the scan.

Benchmark items and corpus records go through exactly the same steps, so their tokens can never
differ because of how they were read:

1. **NFKC** (``ﬁ`` -> ``fi``, full-width ``Ｈ`` -> ``H``, ``①`` -> ``1``);
2. **lower case** (Unicode lower-casing);
3. **punctuation and symbols -> space**: every character of Unicode category ``P*`` or ``S*``
   (``. , ; : ! ? ' " ( ) [ ] { } _ - + = < > $ # @ ...``) separates tokens and is dropped, so
   ``"the end ."`` and ``"the end."`` and ``"the-end"`` give the same tokens (lm-eval-harness
   splits on spaces only, so a lone ``.`` between spaces breaks its n-grams);
4. **whitespace** of any kind (spaces, tabs, newlines) separates tokens, so re-wrapped lines and
   doubled spaces change nothing;
5. **CJK characters as tokens**: each Han, Hiragana or Katakana character is a token of its own
   (those scripts are written without spaces; the same rule as ``word_count`` in
   :mod:`curate.steps.basic`).

Example: ``"Ｈｅｌｌｏ,  World!\\n我爱 data_x"`` -> ``["hello", "world", "我", "爱", "data", "x"]``.

Tokenisation is vectorised (one Polars expression over a whole shard). Character spans of tokens
in the *original* text (for highlighting evidence) come from :func:`token_spans`, which aligns the
tokens back onto the original string; it is only run for records that matched something.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import polars as pl

_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
TOKEN_PATTERN = rf"[{_CJK}]|[^\s\p{{P}}\p{{S}}{_CJK}]+"


def tokens_expr(expr: pl.Expr) -> pl.Expr:
    """The token list of each text (null text -> empty list).

    Example: ``"The end ."`` -> ``["the", "end"]``.
    """
    return (
        expr.fill_null("")
        .str.normalize("NFKC")
        .str.to_lowercase()
        .str.extract_all(TOKEN_PATTERN)
        .fill_null(pl.lit([], pl.List(pl.String)))
    )


def tokenize_series(texts: pl.Series) -> pl.Series:
    """Tokens of every text in a Series (see :func:`tokens_expr`)."""
    return pl.select(tokens_expr(pl.lit(texts))).to_series()


def tokenize(text: str | None) -> list[str]:
    """Tokens of one text: ``"Hello, World!"`` -> ``["hello", "world"]``."""
    return tokenize_series(pl.Series([text], dtype=pl.String))[0].to_list()


def compact(text: str | None) -> str:
    """The text with spaces and symbols removed (GPT-4's processing): ``"A b, c!"`` -> ``"abc"``."""
    return "".join(tokenize(text))


_ASCII_TABLE: list[bytes] = []


def ascii_table() -> bytes:
    """256-byte table for ``bytes.translate``, derived from the normaliser itself so the two
    never differ: byte ``b`` < 128 maps to its lower-cased self when it can be part of a token,
    else to 0 (bytes >= 128 map to 0). Computed once.

    Example: ``b"A-b".translate(ascii_table())`` -> ``b"a\\x00b"``.
    """
    if not _ASCII_TABLE:
        table = bytearray(256)
        for c in range(1, 128):
            got = tokenize(chr(c))
            if got:
                table[c] = ord(got[0])
        _ASCII_TABLE.append(bytes(table))
    return _ASCII_TABLE[0]


def _ascii_spans(text: str) -> list[tuple[int, int]]:
    """Token spans of an ASCII text without NUL: maximal runs of token bytes (vectorised)."""
    import numpy as np

    buf = np.frombuffer((" " + text + " ").encode("ascii").translate(ascii_table()), np.uint8)
    is_tok = buf != 0
    edges = np.flatnonzero(is_tok[1:] != is_tok[:-1])  # in text offsets: start, end, ...
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def token_spans(text: str, tokens: list[str] | None = None) -> list[tuple[int, int]]:
    """Character span ``[start, end)`` in ``text`` of each of its tokens.

    Every original character is normalised on its own (NFKC, lower case) and the tokens are found
    in order in that character-aligned string. In the rare case a token cannot be aligned (NFKC
    composing characters across a boundary), it gets an empty span at the current position.

    Example: ``token_spans("Hi, ｂｏｂ!")`` -> ``[(0, 2), (4, 7)]``.
    """
    if tokens is None:
        tokens = tokenize(text)
    if text.isascii() and "\x00" not in text:
        spans = _ascii_spans(text)
        if len(spans) == len(tokens):  # always, by construction of the table
            return spans
    flat = _one_to_one(text)
    if flat is not None:  # every character normalises to exactly one: offsets are unchanged
        spans = []
        cursor = 0
        for tok in tokens:
            at = flat.find(tok, cursor)
            if at < 0:
                spans.append((cursor, cursor))
                continue
            cursor = at + len(tok)
            spans.append((at, cursor))
        return spans
    pieces: list[str] = []
    origin: list[int] = []  # origin[k] = index in text of normalised character k
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch).lower() if ord(ch) > 127 else ch.lower()
        pieces.append(norm)
        origin.extend([i] * len(norm))
    flat = "".join(pieces)
    origin.append(len(text))
    spans = []
    cursor = 0
    for tok in tokens:
        at = flat.find(tok, cursor)
        if at < 0:
            pos = origin[min(cursor, len(origin) - 1)]
            spans.append((pos, pos))
            continue
        end = at + len(tok)
        start_char = origin[at]
        end_char = origin[end - 1] + 1
        spans.append((start_char, end_char))
        cursor = end
    return spans


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _one_to_one(text: str) -> str | None:
    """The text normalised character by character when each character stays one character
    (all ASCII, and most other text: curly quotes, accents), else None.

    Example: ``"Don’t"`` -> ``"don’t"``; ``"ﬁne"`` -> None (``ﬁ`` becomes two characters).
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        return None
    if text.isascii():
        return lowered
    chars = list(lowered)
    for m in _NON_ASCII.finditer(text):
        norm = unicodedata.normalize("NFKC", m.group()).lower()
        if len(norm) != 1:
            return None
        chars[m.start()] = norm
    return "".join(chars)


def merge_token_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge token index ranges ``[a, b)`` that overlap or touch.

    Example: ``[(0, 3), (2, 5), (7, 8)]`` -> ``[(0, 5), (7, 8)]``.
    """
    if len(ranges) > 64:
        import numpy as np

        arr = np.array(ranges, dtype=np.int64).reshape(-1, 2)
        return merge_range_arrays(arr[:, 0], arr[:, 1])
    out: list[list[int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def merge_range_arrays(starts: Any, ends: Any) -> list[tuple[int, int]]:
    """:func:`merge_token_ranges` for ranges given as two NumPy arrays, vectorised: sort, running
    maximum of the ends, cut where a gap opens.

    Example: ``starts=[7, 0, 2]``, ``ends=[8, 3, 5]`` -> ``[(0, 5), (7, 8)]``.
    """
    import numpy as np

    if len(starts) == 0:
        return []
    order = np.lexsort((ends, starts))
    a, b = np.asarray(starts)[order], np.asarray(ends)[order]
    reach = np.maximum.accumulate(b)
    gap = np.flatnonzero(a[1:] > reach[:-1])
    first = a[np.concatenate([[0], gap + 1])]
    last = reach[np.concatenate([gap, [len(a) - 1]])]
    return list(zip(first.tolist(), last.tolist(), strict=True))


def char_spans(
    spans: list[tuple[int, int]], token_ranges: list[tuple[int, int]]
) -> list[list[int]]:
    """Character spans covering merged token ranges, given each token's character span.

    Example: tokens at ``[(0, 2), (4, 7), (9, 12)]`` and ranges ``[(0, 2)]`` -> ``[[0, 7]]``.
    """
    out = []
    for a, b in merge_token_ranges(token_ranges):
        if a >= len(spans) or b <= a:
            continue
        b = min(b, len(spans))
        out.append([spans[a][0], spans[b - 1][1]])
    return out

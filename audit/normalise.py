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
from collections.abc import Sequence
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
        chars = pl.Series([chr(c) for c in range(1, 128)], dtype=pl.String)
        for c, got in enumerate(tokenize_series(chars).to_list(), start=1):  # one Polars call
            if got:
                table[c] = ord(got[0])
        _ASCII_TABLE.append(bytes(table))
    return _ASCII_TABLE[0]


def _ascii_span_array(text: str) -> Any:
    """Token spans of an ASCII text without NUL as an ``(n, 2)`` int64 array: maximal runs of
    token bytes (vectorised)."""
    import numpy as np

    buf = np.frombuffer((" " + text + " ").encode("ascii").translate(ascii_table()), np.uint8)
    is_tok = buf != 0
    edges = np.flatnonzero(is_tok[1:] != is_tok[:-1])  # in text offsets: start, end, ...
    return edges.reshape(-1, 2)


def _ascii_spans(text: str) -> list[tuple[int, int]]:
    """Token spans of an ASCII text without NUL: maximal runs of token bytes (vectorised)."""
    edges = _ascii_span_array(text)
    return list(zip(edges[:, 0].tolist(), edges[:, 1].tolist(), strict=True))


def token_spans_many(texts: Sequence[str]) -> list[Any]:
    """:func:`token_spans` of many texts, for :func:`char_spans`: an ASCII text (without NUL)
    gets an ``(n, 2)`` array without being tokenised; the others are tokenised in one Polars
    pass. Same spans as :func:`token_spans` (tested).

    Example: ``token_spans_many(["Hi, bob!"])[0].tolist()`` -> ``[[0, 2], [4, 7]]``.
    """
    out: list[Any] = [None] * len(texts)
    rest = []
    for i, text in enumerate(texts):
        if text.isascii() and "\x00" not in text:
            out[i] = _ascii_span_array(text)
        else:
            rest.append(i)
    if rest:
        tokens = tokenize_series(pl.Series([texts[i] for i in rest], dtype=pl.String)).to_list()
        for i, toks in zip(rest, tokens, strict=True):
            out[i] = token_spans(texts[i], toks)
    return out


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
    spans: Sequence[tuple[int, int]] | Any, token_ranges: list[tuple[int, int]]
) -> list[list[int]]:
    """Character spans covering merged token ranges, given each token's character span.

    Example: tokens at ``[(0, 2), (4, 7), (9, 12)]`` and ranges ``[(0, 2)]`` -> ``[[0, 7]]``.
    """
    out = []
    for a, b in merge_token_ranges(token_ranges):
        if a >= len(spans) or b <= a:
            continue
        b = min(b, len(spans))
        out.append([int(spans[a][0]), int(spans[b - 1][1])])
    return out


CODEPOINT_LIMIT = 0x30000  # planes 0-2 (BMP, emoji and symbols, CJK extensions); above: reference
_TABLES: list[dict[str, Any]] = []
_TABLES_VERSION = 1


def _composition_seconds() -> set[int]:
    """Code points that may join the character before them under NFKC: the second character of
    every two-character canonical decomposition, and the Hangul vowel and trailing jamo."""
    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for c in range(CODEPOINT_LIMIT):
        d = unicodedata.decomposition(chr(c)) if not 0xD800 <= c <= 0xDFFF else ""
        if d and not d.startswith("<"):
            parts = d.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    return seconds


def _build_codepoint_tables() -> dict[str, Any]:
    import numpy as np

    cps = [c for c in range(CODEPOINT_LIMIT) if not 0xD800 <= c <= 0xDFFF]
    chars = pl.Series([chr(c) for c in cps], dtype=pl.String)
    nfkc = chars.str.normalize("NFKC")
    mapped = nfkc.str.to_lowercase().to_list()
    seconds = _composition_seconds()
    alphabet = sorted(set("".join(mapped)))
    letters = pl.Series(alphabet, dtype=pl.String)
    is_tok = letters.str.contains(TOKEN_PATTERN).to_numpy()
    is_cjk = letters.str.contains(f"[{_CJK}]").to_numpy()
    cls_of = {
        ch: (2 if j else 1) if t else 0 for ch, t, j in zip(alphabet, is_tok, is_cjk, strict=True)
    }
    cls = np.full(CODEPOINT_LIMIT, 3, np.uint8)
    one = np.arange(CODEPOINT_LIMIT, dtype=np.int32)
    multi: dict[int, str] = {}
    for c, m, n in zip(cps, mapped, nfkc.to_list(), strict=True):
        ch = chr(c)
        if unicodedata.category(ch) == "Cn" or "Σ" in n:  # unassigned here / context-dependent
            continue
        head = unicodedata.normalize("NFKD", ch)[:1]
        if head and (unicodedata.combining(head) or ord(head) in seconds):
            continue  # may join the character before it: decided on the whole text
        if len(m) > 18:  # the compiled pass reserves room for 18 characters per character
            continue
        if len(m) == 1:
            cls[c], one[c] = cls_of[m], ord(m)
        else:
            cls[c] = 4
            multi[c] = m
    keys = sorted(multi)
    off = np.zeros(len(keys) + 1, np.int64)
    off[1:] = np.cumsum([len(multi[c]) for c in keys])
    flat = "".join(multi[c] for c in keys)
    ascii_low = np.frombuffer(ascii_table(), np.uint8).copy()
    ascii_cls = (ascii_low != 0).astype(np.uint8)
    if tokenize("\x00") == ["\x00"]:  # NUL is a token character (not in the bytes table)
        ascii_cls[0] = 1
    return {
        "ascii_cls": ascii_cls[:128],
        "ascii_low": ascii_low[:128],
        "cls": cls,
        "one": one,
        "multi_keys": np.array(keys, np.int64),
        "multi_off": off,
        "multi_chars": np.array([ord(ch) for ch in flat], np.int64),
        "multi_cls": np.array([cls_of[ch] for ch in flat], np.uint8),
    }


def codepoint_tables() -> dict[str, Any]:
    """Per-code-point tables of the normaliser for the compiled tokeniser (``audit._kernel``).

    For every code point below :data:`CODEPOINT_LIMIT`: its class (0 separator, 1 token
    character, 2 CJK character, 3 *decided on the whole text*, 4 several characters) and what
    NFKC + lower case make of it, computed **by Polars itself** (the normaliser's own
    ``str.normalize`` / ``str.to_lowercase`` / token regex), so the tables cannot disagree with
    it. A character is class 3 when normalising it alone might differ from normalising it in a
    text: when its decomposition starts with a combining mark or a character that composes with
    the one before it (NFKC joins them), when it becomes a capital sigma (lower-cased by
    context), or when Python's Unicode database does not know it. A text holding any class-3
    character (or any above the limit) takes the reference path. Built once (~0.5 s) and cached
    in ``$CLEANROOM_CACHE`` or ``~/.cache/cleanroom`` per Polars and Unicode version.

    Example: ``cls[ord("Я")] == 1`` and ``one[ord("Я")] == ord("я")``; ``cls[ord("，")] == 0``
    (NFKC makes it ``,``); ``cls[ord("\\u0301")] == 3``.
    """
    if _TABLES:
        return _TABLES[0]
    import hashlib
    import os
    from pathlib import Path

    import numpy as np

    key = hashlib.sha256(
        f"{pl.__version__}|{unicodedata.unidata_version}|{TOKEN_PATTERN}|{CODEPOINT_LIMIT}|"
        f"{_TABLES_VERSION}".encode()
    ).hexdigest()[:16]
    root = Path(os.environ.get("CLEANROOM_CACHE") or Path.home() / ".cache" / "cleanroom")
    path = root / f"audit_codepoints_{key}.npz"
    tables = None
    if path.is_file():
        try:
            with np.load(path) as z:
                tables = {k: z[k] for k in z.files}
        except (OSError, ValueError):
            tables = None
    if tables is None:
        tables = _build_codepoint_tables()
        try:  # a read-only home: use the tables without caching them
            root.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, **tables)
            tmp.replace(path)
        except OSError:
            pass
    _TABLES.append(tables)
    return tables

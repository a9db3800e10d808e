"""Shingles: the sets MinHash compares, as word or character n-grams of normalised text.

Both forms start from :func:`curate.core.textnorm.dedup_key` (case-folded, whitespace collapsed), the
project's one comparison normaliser. Words are the project's words (``WORD_PATTERN`` of
:mod:`curate.steps.basic`: whitespace-separated runs, each CJK character a word of its own) with
punctuation stripped from both ends, so ``"Hello,"`` and ``"hello"`` are the same word; a token
that is only punctuation is dropped. Shingles are n-grams of these words: 5-grams by default
(Lee et al. 2022, "Deduplicating Training Data Makes Language Models Better"; datatrove and NeMo
Curator's fuzzy dedup both default to 5-grams). A text shorter than ``n`` tokens has one shingle,
the whole token sequence; an empty text has none.

Two implementations of the same sets:

- :func:`shingle_strings` is the readable reference (one Python list per text); the datasketch
  compatibility mode hashes these strings with datasketch's ``sha1_hash32``.
- :func:`shingle_hashes` is the fast path: Polars lower-cases and splits every text of a batch at
  once (texts without CJK by a plain split on whitespace, which is what ``WORD_PATTERN`` does
  there; texts with CJK by the regex), each token gets a 64-bit hash (Polars' seeded string hash),
  and NumPy folds ``n`` consecutive token hashes into one 32-bit shingle hash per window.
  Lower-casing is Polars' ``to_lowercase`` plus the two common full case folds (``ß`` -> ``ss``,
  final ``ς`` -> ``σ``); rarer full folds of ``str.casefold`` are not applied.
"""

from __future__ import annotations

import string
from typing import Literal

import numpy as np
import polars as pl
import regex

from curate.core.textnorm import dedup_key
from curate.lib.dedup import _kernels

ShingleKind = Literal["word", "char"]

# The project's word: ``curate.steps.basic.WORD_PATTERN`` (a test checks they are equal; it is
# repeated here because importing the steps package from here would be circular).
WORD_PATTERN = r"[\p{Han}\p{Hiragana}\p{Katakana}]|[^\s\p{Han}\p{Hiragana}\p{Katakana}]+"
_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
_WORD_RE = regex.compile(WORD_PATTERN)
# Stripped from both ends of a word: ASCII punctuation and common Unicode quotes, dashes, brackets.
PUNCT = (
    string.punctuation
    + "\u2018\u2019\u201c\u201d\u00ab\u00bb\u2013\u2014\u2026\u00b7\u3001\u3002\uff0c\uff01\uff1f\uff1a\uff1b\uff08\uff09\u3010\u3011\u300a\u300b\u300c\u300d"
)
# Whitespace characters the fast path splits on (after NFKC, other spaces are already " ").
_SPACES = [
    "\n",
    "\t",
    "\r",
    "\x0b",
    "\x0c",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\u2029",
    "\u1680",
    "\u202f",
    "\u205f",
    *map(chr, range(0x2000, 0x200B)),
    "\x1c",
    "\x1d",
    "\x1e",
    "\x1f",
    "\x85",
]

_M64 = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio odd multiplier (Knuth)
_SENTINEL = np.uint64(0xD6E8FEB86659FD93)  # stands for "past the end" in windows of short texts
_TOKEN_SEED = 0x5EED


def tokens(text: str, kind: ShingleKind = "word") -> list[str]:
    """The tokens shingles are built from: words, or characters of the normalised text.

    Example: ``tokens("Hello,  World! -- 你好")`` -> ``["hello", "world", "你", "好"]``.
    """
    key = dedup_key(text)
    if kind == "char":
        return list(key)
    return [w for w in (m.strip(PUNCT) for m in _WORD_RE.findall(key)) if w]


def shingle_strings(text: str, kind: ShingleKind = "word", n: int = 5) -> list[str]:
    """The distinct shingles of a text, in first-seen order (reference implementation).

    Word shingles join their words with one space; character shingles are substrings.

    Example: ``shingle_strings("A b, c d.", n=3)`` -> ``["a b c", "b c d"]``;
    ``shingle_strings("A b", n=3)`` -> ``["a b"]``; ``shingle_strings("", n=3)`` -> ``[]``.
    """
    toks = tokens(text, kind)
    sep = " " if kind == "word" else ""
    if not toks:
        return []
    if len(toks) < n:
        return [sep.join(toks)]
    return list(dict.fromkeys(sep.join(toks[i : i + n]) for i in range(len(toks) - n + 1)))


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (an avalanching bijection), element-wise, wrapping."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _word_hashes(split: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the punctuation-stripped, non-empty words of lists of words, and their counts.

    One flat ``explode`` (no per-row index column), one ``strip_chars``, one hash.
    """
    per_text = split.list.len().fill_null(0).to_numpy()
    words = split.explode().str.strip_chars(PUNCT)
    keep = (words.str.len_bytes().fill_null(0) > 0).to_numpy()
    doc = np.repeat(np.arange(len(split), dtype=np.int64), per_text)[keep]
    lens = np.bincount(doc, minlength=len(split)).astype(np.int64)
    hashes = words.hash(seed=_TOKEN_SEED).to_numpy()[keep]
    return hashes.astype(np.uint64, copy=False), lens


def _token_hashes(texts: pl.Series, kind: ShingleKind) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hash of every token of every text, flat, and the number of tokens per text.

    With numba, the words of ASCII texts are found by one compiled pass over their UTF-8 bytes
    (:func:`curate.lib.dedup._kernels.ascii_words_kernel`) and hashed by Polars, as below; other
    texts take the Polars path. The hashes are the same either way (tested).
    """
    if kind == "word" and _kernels.HAVE_NUMBA and len(texts):
        return _token_hashes_numba(texts)
    return _token_hashes_polars(texts, kind)


def _arrow_bytes(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes and int64 offsets of a string Series (nulls as empty), without copies
    where the Arrow buffers allow."""
    from curate.io.ingest_arrow import utf8_buffers

    return utf8_buffers(texts.cast(pl.String).fill_null(""))


def _hash_words(nw: int, out_offs: np.ndarray, out_buf: np.ndarray) -> np.ndarray:
    """Polars' seeded hash of ``nw`` words laid out as Arrow large-string buffers."""
    import pyarrow as pa

    words = pl.from_arrow(
        pa.LargeStringArray.from_buffers(
            nw, pa.py_buffer(out_offs[: nw + 1]), pa.py_buffer(out_buf[: int(out_offs[nw])])
        )
    )
    return words.hash(seed=_TOKEN_SEED).to_numpy().astype(np.uint64, copy=False)


_UTF8_CLASS: np.ndarray | None = None


def _token_hashes_numba(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Compiled word split: ASCII texts in one byte pass; other texts lower-cased by Polars (the
    same ``to_lowercase`` and folds as :func:`_token_hashes_polars`), then split by code point;
    only texts with CJK characters take the regex path. Same hashes as the Polars path (tested).
    """
    global _UTF8_CLASS
    data, offs = _arrow_bytes(texts)
    n = len(offs) - 1
    span = int(offs[-1] - offs[0])
    out_buf = np.empty(max(span, 1), dtype=np.uint8)
    out_offs = np.empty(span // 2 + n + 1, dtype=np.int64)
    lens = np.empty(n, dtype=np.int64)
    is_ascii = np.empty(n, dtype=np.bool_)
    nw = _kernels.ascii_words_kernel(
        data, offs, out_buf, out_offs, lens, is_ascii, _kernels.BYTE_CLASS, _kernels.BYTE_LOWER
    )
    hashes = _hash_words(nw, out_offs, out_buf)
    rest = np.flatnonzero(~is_ascii)
    if len(rest) == 0:
        return hashes, lens
    lower = (
        texts.gather(rest)
        .cast(pl.String)
        .fill_null("")
        .str.to_lowercase()
        .str.replace_many(["ß", "ς"], ["ss", "σ"])
    )
    cjk = lower.str.contains(_CJK).to_numpy()
    if _UTF8_CLASS is None:
        _UTF8_CLASS = _kernels.utf8_class_table(_SPACES, PUNCT)
    r_data, r_offs = _arrow_bytes(lower)
    r_span = int(r_offs[-1] - r_offs[0])
    r_buf = np.empty(max(r_span, 1), dtype=np.uint8)
    r_word_offs = np.empty(r_span // 2 + len(rest) + 1, dtype=np.int64)
    r_lens = np.empty(len(rest), dtype=np.int64)
    r_nw = _kernels.utf8_words_kernel(r_data, r_offs, cjk, r_buf, r_word_offs, r_lens, _UTF8_CLASS)
    r_hashes = _hash_words(r_nw, r_word_offs, r_buf)
    if cjk.any():
        c_hashes, c_lens = _token_hashes_polars(texts.gather(rest[cjk]), "word")
        merged = np.empty(len(r_hashes) + len(c_hashes), dtype=np.uint64)
        _kernels.merge_kernel(~cjk, r_hashes, r_lens, c_hashes, c_lens, merged)
        r_lens[cjk] = c_lens
        r_hashes = merged
    out = np.empty(len(hashes) + len(r_hashes), dtype=np.uint64)
    _kernels.merge_kernel(is_ascii, hashes, lens, r_hashes, r_lens, out)
    lens[rest] = r_lens
    return out, lens


def _token_hashes_polars(texts: pl.Series, kind: ShingleKind) -> tuple[np.ndarray, np.ndarray]:
    """The Polars implementation of :func:`_token_hashes` (used for every text without numba)."""
    lower = (
        texts.cast(pl.String)
        .fill_null("")
        .str.to_lowercase()
        .str.replace_many(["ß", "ς"], ["ss", "σ"])
    )
    if kind == "word":
        # Only a text with non-ASCII characters can hold CJK: the regex runs on those alone.
        non_ascii = np.flatnonzero((lower.str.len_bytes() != lower.str.len_chars()).to_numpy())
        cjk = np.zeros(0, dtype=np.int64)
        if len(non_ascii):
            cjk = non_ascii[lower.gather(non_ascii).str.contains(_CJK).to_numpy()]
        if len(cjk) == 0:
            return _word_hashes(
                lower.str.replace_many(_SPACES, [" "] * len(_SPACES)).str.split(" ")
            )
        # Texts with CJK: the word regex splits them (each CJK character a word); their words
        # are merged back in text order.
        plain = lower.clone().scatter(cjk, "")
        hashes, lens = _word_hashes(
            plain.str.replace_many(_SPACES, [" "] * len(_SPACES)).str.split(" ")
        )
        cjk_hashes, cjk_lens = _word_hashes(
            lower.gather(cjk).str.replace_all(r"[\x1c-\x1f]", " ").str.extract_all(WORD_PATTERN)
        )
        all_lens = lens.copy()
        all_lens[cjk] += cjk_lens
        doc = np.concatenate([np.repeat(np.arange(len(lower)), lens), np.repeat(cjk, cjk_lens)])
        order = np.argsort(doc, kind="stable")
        return np.concatenate([hashes, cjk_hashes])[order], all_lens
    # Rust's \s is Unicode White_Space; Python's str.isspace also counts \x1c-\x1f.
    norm = lower.str.replace_all(r"[\s\x1c-\x1f]+", " ").str.strip_chars()
    lens = norm.str.len_chars().to_numpy().astype(np.int64)
    code = np.frombuffer("".join(norm.to_list()).encode("utf-32-le"), dtype=np.uint32)
    return _fmix64(code.astype(np.uint64) + np.uint64(_TOKEN_SEED)), lens


def ngram_hashes(
    token_hashes: np.ndarray, lens: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fold ``n`` consecutive token hashes into one 32-bit hash per window, for many texts at once.

    Args:
        token_hashes: uint64 hash of every token, texts one after another.
        lens: number of tokens of each text (sums to ``len(token_hashes)``).
        n: window length. A text with ``0 < len < n`` tokens gets one window, padded with a
            sentinel; a text with no tokens gets none.

    Returns:
        ``(hashes, offsets)``: uint32 shingle hashes, and int64 offsets of length ``len(lens) + 1``
        so text ``i`` owns ``hashes[offsets[i]:offsets[i + 1]]``.

    Example: token hashes ``[1, 2, 3]`` in one text with ``n=2`` -> two windows, (1,2) and (2,3).
    """
    lens = np.asarray(lens, dtype=np.int64)
    token_hashes = np.asarray(token_hashes, dtype=np.uint64)
    starts = np.zeros(len(lens), dtype=np.int64)
    if len(lens) > 1:
        np.cumsum(lens[:-1], out=starts[1:])
    windows = np.where(lens >= n, lens - n + 1, (lens > 0).astype(np.int64))
    offsets = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(windows, out=offsets[1:])
    total = int(offsets[-1])
    out = np.zeros(total, dtype=np.uint32)
    if total == 0:
        return out, offsets
    if _kernels.HAVE_NUMBA:  # same fold, one pass, no temporaries
        _kernels.ngram_kernel(np.ascontiguousarray(token_hashes), lens, int(n), offsets, out)
        return out, offsets
    # Texts with at least n tokens: fold contiguous slices of the flat array (no gathers), then
    # keep the windows that start early enough to end inside their own text.
    n_tok = len(token_hashes)
    if n_tok >= n:
        h = _fold([token_hashes[k : n_tok - n + 1 + k] for k in range(n)])
        long = lens >= n
        wl = windows[long]
        before = np.cumsum(wl) - wl  # windows of earlier long texts
        pos = np.repeat(starts[long] - before, wl) + np.arange(int(wl.sum()), dtype=np.int64)
        out[np.repeat(long, windows)] = h[pos]
    # Texts with 0 < len < n tokens: one window padded with the sentinel.
    short = np.flatnonzero((lens > 0) & (lens < n))
    if len(short):
        cols = []
        for k in range(n):
            idx = starts[short] + k
            cols.append(
                np.where(k < lens[short], token_hashes[np.minimum(idx, n_tok - 1)], _SENTINEL)
            )
        out[offsets[short]] = _fold(cols)
    return out, offsets


def _fold(cols: list[np.ndarray]) -> np.ndarray:
    """Order-sensitive 32-bit hash of aligned columns of 64-bit token hashes."""
    h = np.zeros(len(cols[0]), dtype=np.uint64)
    for c in cols:
        h ^= c
        h *= _M64  # (h ^ c) * M: each step a bijection of c, and order matters
    return (_fmix64(h) >> np.uint64(32)).astype(np.uint32)


def shingle_hashes(
    texts: pl.Series, kind: ShingleKind = "word", n: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Fast path: 32-bit hashes of every shingle of every text, and per-text offsets.

    Hashes of one text may repeat (a repeated n-gram); MinHash takes minima, so repeats are
    harmless, and :func:`unique_per_text` removes them where exact sets are needed.

    Example: ``shingle_hashes(pl.Series(["a b c d", ""]), n=3)`` -> 2 hashes, offsets ``[0, 2, 2]``.
    """
    token_hashes, lens = _token_hashes(texts, kind)
    return ngram_hashes(token_hashes, lens, n)


def sha1_shingle_hashes(
    texts: pl.Series | list[str | None], kind: ShingleKind = "word", n: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Compatibility path: datasketch's ``sha1_hash32`` of each UTF-8 shingle string.

    Slow (one SHA-1 per shingle in Python) but exactly what ``MinHash.update_batch`` would hash.
    """
    from datasketch.hashfunc import sha1_hash32

    values = texts.to_list() if isinstance(texts, pl.Series) else list(texts)
    out: list[int] = []
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    for i, t in enumerate(values):
        out.extend(sha1_hash32(s.encode("utf-8")) for s in shingle_strings(t or "", kind, n))
        offsets[i + 1] = len(out)
    return np.asarray(out, dtype=np.uint32), offsets


def unique_per_text(hashes: np.ndarray, offsets: np.ndarray, i: int) -> np.ndarray:
    """The sorted distinct shingle hashes of text ``i``."""
    return np.unique(hashes[offsets[i] : offsets[i + 1]])

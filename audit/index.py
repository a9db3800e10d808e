"""Benchmark n-gram index: every n-gram of every benchmark item hashed to 64 bits.

Hashing is vectorised. A token hashes to 64 bits (Polars' hash of the token string); a window of
``L`` tokens starting at ``i`` hashes to the polynomial ``sum_j h[i+j] * P**j (mod 2**64)``,
computed for *every* window of a shard at once from one prefix sum
``G[k] = sum_{t<k} h[t] * P**t``: ``window(i, L) = (G[i+L] - G[i]) * P**-i`` (``P`` is odd, so it
has an inverse modulo 2**64), then finalised with a 64-bit mixer salted with ``L``. The same code
hashes benchmark items and corpus shards, so the two can only agree on equal token sequences
(up to 64-bit collisions: about one false pair in 10**19 comparisons).

Items (each part: question ``text`` and ``answer`` separately) are split by length:

- ``long`` units (at least ``whole_below`` tokens) are indexed by all their ``n``-grams;
- ``short`` units (``min_tokens`` <= tokens < ``whole_below``) are indexed whole, as one
  window of their own length, so an item shorter than ``n`` can still be found verbatim;
- ``unscannable`` units (fewer than ``min_tokens`` tokens, e.g. the answer "B") are counted only.

An n-gram found in more than ``max_item_df`` distinct benchmark items (code boilerplate such as
``return result`` shared by many problems) is ignored and counted.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from audit.compiled import kernel, words_at
from audit.normalise import ascii_table, codepoint_tables, tokenize_series

P = np.uint64(0x9E3779B97F4A7C15)
P_INV = np.uint64(pow(int(P), -1, 2**64))
_SEED = 0x5EED
_TABLE = 1 << 22
_POWERS: dict[str, np.ndarray] = {"p": np.ones(1, np.uint64), "inv": np.ones(1, np.uint64)}


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``P**k`` and ``P**-k`` (mod 2**64) for ``k < n``, cached and grown by doubling.

    Doubling (``p[k:2k] = p[:k] * P**k``) is a vector multiply per step, not a serial cumprod.
    """
    have = len(_POWERS["p"])
    if have < n:
        p, inv = _POWERS["p"], _POWERS["inv"]
        with np.errstate(over="ignore"):
            while len(p) < n:
                p = np.concatenate([p, p * (p[-1] * P)])
                inv = np.concatenate([inv, inv * (inv[-1] * P_INV)])
        _POWERS["p"], _POWERS["inv"] = p, inv
    return _POWERS["p"][:n], _POWERS["inv"][:n]


def mix64(x: np.ndarray, inplace: bool = False) -> np.ndarray:
    """The splitmix64 finaliser, vectorised: spreads every input bit over every output bit.

    With ``inplace=True`` ``x`` is overwritten (no new large arrays: faster on big inputs).
    """
    if not inplace:
        x = x.copy()
    tmp = np.empty_like(x)
    with np.errstate(over="ignore"):
        np.right_shift(x, np.uint64(30), out=tmp)
        x ^= tmp
        x *= np.uint64(0xBF58476D1CE4E5B9)
        np.right_shift(x, np.uint64(27), out=tmp)
        x ^= tmp
        x *= np.uint64(0x94D049BB133111EB)
        np.right_shift(x, np.uint64(31), out=tmp)
        x ^= tmp
    return x


_NORM = np.frombuffer(ascii_table(), np.uint8)
_NORM_BYTES = bytes(_NORM.tolist())  # for bytes.translate: one C pass
_UTF8_BYTES = bytes(_NORM[:128].tolist() + list(range(128, 256)))  # prepared UTF-8 text
_CJK_CHAR = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
_NON_ASCII_SEP = r"[[\p{P}\p{S}\s]&&[^\x00-\x7f]]"


def _printable(text: str) -> bool:
    """No character but printable ones, spaces, tabs and line breaks (``str.isprintable``)."""
    return text.replace("\n", " ").replace("\t", " ").replace("\r", " ").isprintable()


def _prepare(texts: pl.Series) -> pl.Series:
    """See :func:`_prepare_cjk` (the prepared texts only)."""
    return _prepare_cjk(texts)[0]


def _prepare_cjk(texts: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """Non-ASCII text made ready for the byte path: NFKC, lower case (whole text, like the
    normaliser), and every non-ASCII punctuation, symbol or space replaced by an ASCII space.
    Token runs are unchanged (both are separators), and every byte >= 0x80 left belongs to a
    token character. Texts holding CJK (after NFKC) must not use this: their characters are
    tokens one by one.

    NFKC is only computed (by Polars, like the normaliser) for texts it may change: Python's
    quick check (:func:`unicodedata.is_normalized`, C speed) says the others are already in NFKC.
    Its Unicode database may be older than Polars', but normalisation is stable across Unicode
    versions for *assigned* characters, so a text also goes to Polars when any of its
    characters other than space, tab and newline is not printable (which includes every
    character unassigned in Python's database).

    Also returns, per text, whether it holds a CJK character after NFKC and lower case (checked
    before the separators are replaced: a CJK radical such as ``⺀`` is a symbol *and* a CJK
    token, so the normaliser keeps it).

    Example: ``"Don’t STOP…"`` -> ``"don t stop..."``.
    """
    texts = texts.fill_null("")
    changes = [
        not (unicodedata.is_normalized("NFKC", t) and _printable(t)) for t in texts.to_list()
    ]
    todo = np.flatnonzero(changes)
    if len(todo) == len(texts):
        texts = texts.str.normalize("NFKC")
    elif len(todo):
        texts = texts.clone().scatter(todo, texts.gather(todo).str.normalize("NFKC"))
    lowered = texts.str.to_lowercase()
    cjk = lowered.str.contains(_CJK_CHAR).to_numpy()
    return lowered.str.replace_all(_NON_ASCII_SEP, " "), cjk


USE_KERNEL = True  # False: always the NumPy path (tests and the benchmark compare the two)
_KERNEL: list = []


def _kernel():
    """The compiled byte-block kernel (:data:`audit._kernel.KERNEL`, through
    :func:`audit.compiled.kernel`), or None without numba.

    Loaded on first use, so importing the audit (e.g. for the CLI) loads no kernel.
    """
    if not USE_KERNEL:
        return None
    if not _KERNEL:
        _KERNEL.append(kernel("KERNEL"))
    return _KERNEL[0]


_CHUNK_BYTES = 1 << 18  # ~256 KB of text per block: the per-token arrays stay in cache
_HEAD_MASK = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], dtype=np.uint64)


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, e)`` for each pair: ``[(2, 4), (7, 8)]`` -> ``[2, 3, 7]``."""
    lens = ends - starts
    out = np.ones(int(lens.sum()), np.int64)
    if len(out) == 0:
        return out
    first = np.zeros(len(lens), np.int64)
    first[1:] = np.cumsum(lens)[:-1]
    keep = lens > 0
    out[first[keep]] = starts[keep]
    out[first[keep][1:]] -= ends[keep][:-1] - 1
    return np.cumsum(out)


def _byte_token_hashes(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, padded: bool = False
) -> np.ndarray:
    """64-bit hash of each token ``buf[starts[k]:ends[k]]`` (bytes); exact up to 64-bit mixing.

    Tokens are read eight bytes at a time without touching the other bytes of the buffer: the
    first 8 bytes (zero-padded), for longer tokens the last 8, for tokens over 16 bytes the
    middle 8, and for tokens over 24 bytes a polynomial over all their bytes. With the length,
    these determine the token's bytes, so equal tokens, and only those, get equal inputs to the
    mixer wherever they sit.

    ``padded=True`` says ``buf`` already ends with 8 bytes that belong to no token (no copy).

    Example: the token ``b"cat"`` hashes the same in ``b"a cat"`` and in ``b"cat!"``.
    """
    n = len(starts)
    if n == 0:
        return np.zeros(0, np.uint64)
    pad = buf if padded else np.concatenate([buf, np.zeros(8, np.uint8)])
    # an unaligned little-endian uint64 starting at every byte (a view: stride 1 byte);
    # ``take`` gathers from it faster than fancy indexing
    u64 = words_at(pad)
    lens = (ends - starts).astype(np.int64, copy=False)
    h = u64.take(starts)
    h &= _HEAD_MASK.take(np.minimum(lens, 8))
    with np.errstate(over="ignore"):
        # tokens over 8 bytes, over 16 among those, over 24 among those (each a subset)
        m = np.flatnonzero(lens > 8)
        for lo, column, salt in (
            (8, lambda m: u64.take(ends.take(m) - 8), 0x9FB21C651E98DF25),
            (16, lambda m: u64.take(starts.take(m) + 8), 0xC2B2AE3D27D4EB4F),
        ):
            if lo > 8:
                m = m[lens.take(m) > lo]
            if len(m):
                h[m] = mix64(h.take(m) + np.uint64(salt), inplace=True) ^ column(m)
        m = m[lens.take(m) > 24]
        if len(m):
            idx = _ranges(starts[m], ends[m])
            local = buf[idx].astype(np.uint64)
            pw, inv = _powers(len(local) + 1)
            prefix = np.zeros(len(local) + 1, np.uint64)
            np.cumsum(local * pw[: len(local)], out=prefix[1:])
            at = np.zeros(len(m), np.int64)
            at[1:] = np.cumsum(lens[m])[:-1]
            poly = (prefix[at + lens[m]] - prefix[at]) * inv[at]
            h[m] = mix64(h[m] + np.uint64(0x165667B19E3779F9), inplace=True) ^ poly
        salt = lens.view(np.uint64) * np.uint64(0x2545F4914F6CDD1D)
        salt += np.uint64(_SEED)
        h += salt
        return mix64(h, inplace=True)


def _ascii_token_hashes(
    texts: pl.Series, table: bytes | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes and per-text token counts, from bytes, without building token strings.

    The texts are joined once by Polars (one contiguous UTF-8 buffer, read without copying
    through Arrow), then processed in blocks of about 256 KB (whole texts): each block is
    lower-cased and classified with one translation table (``bytes.translate``, one C pass);
    token boundaries are where the class changes. Small blocks keep every per-token array in
    the CPU cache and bound memory. With the default table the texts must be ASCII; with
    ``_UTF8_BYTES`` they must be *prepared* (see :func:`_prepare`): every byte >= 0x80 is then
    part of a token.
    """
    table = _NORM_BYTES if table is None else table
    if len(texts) == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    texts = texts.fill_null("")
    sizes = texts.str.len_bytes().to_numpy().astype(np.int64) + 1
    ends = np.cumsum(sizes)  # ends[k] - 1: byte offset of the separator after text k
    whole = texts.str.join(" ").cast(pl.Binary).to_arrow()[0].as_buffer()
    data = memoryview(whole) if whole is not None else memoryview(b"")
    cuts = np.unique(
        np.searchsorted(ends, np.arange(_CHUNK_BYTES, int(ends[-1]), _CHUNK_BYTES), side="right")
    )
    hashes, counts = [], []
    kernel = _kernel()
    for lo, hi in zip([0, *cuts.tolist()], [*cuts.tolist(), len(texts)], strict=True):
        if hi <= lo:
            continue
        first = int(ends[lo - 1]) if lo else 0
        last = int(ends[hi - 1]) - 1
        # a space before, between and after the texts: no token touches a text boundary (and
        # 8 more after the last: the unaligned 8-byte reads need no padded copy)
        joined = (b" " + data[first:last] + b"         ").translate(table)
        buf = np.frombuffer(joined, np.uint8)
        if kernel is not None:  # compiled: runs and hashes in one pass (same values)
            starts, block_h = kernel(buf)
        else:
            starts, block_h = _block_token_hashes(buf)
        bounds = np.zeros(hi - lo + 1, np.int64)  # byte offset of each text's first byte - 1
        bounds[1:] = ends[lo:hi] - first
        counts.append(np.diff(np.searchsorted(starts, bounds + 1)).astype(np.int64))
        hashes.append(block_h)
    return np.concatenate(hashes), np.concatenate(counts)


def _block_token_hashes(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets and hashes of the tokens (maximal runs of non-zero bytes) of a translated
    block that ends with 8 zero bytes: the NumPy reference of :data:`audit._kernel.KERNEL`.

    Example: ``b"\\0ab\\0c" + 8 * b"\\0"`` -> starts ``[1, 4]``, hashes of ``ab`` and ``c``.
    """
    is_tok = buf != 0
    change = np.empty(len(buf), bool)  # change[i]: byte i starts or ends a token run
    change[0] = False
    np.not_equal(is_tok[1:], is_tok[:-1], out=change[1:])
    edges = np.flatnonzero(change)  # token runs: start, end, start, ...
    starts, stops = edges[0::2], edges[1::2]
    return starts, _byte_token_hashes(buf, starts, stops, padded=True)


def _token_list_hashes(tokens: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of token lists (the general path: any script), same hash as the ASCII path."""
    lens = tokens.list.len().fill_null(0).to_numpy().astype(np.int64)
    flat = tokens.filter(tokens.list.len() > 0).explode()
    if not len(flat):
        return np.zeros(0, np.uint64), lens
    nbytes = flat.str.len_bytes().to_numpy().astype(np.int64)
    buf = np.frombuffer("".join(flat.to_list()).encode("utf-8"), np.uint8)
    ends = np.cumsum(nbytes)
    return _byte_token_hashes(buf, ends - nbytes, ends), lens


def _reassemble(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes and counts in input order from parts ``(text indexes, hashes, counts)``.

    Example: parts ``([1], [h3], [1])`` and ``([0], [h1, h2], [2])`` -> ``[h1, h2, h3]``, ``[2, 1]``.
    """
    lens = np.zeros(n, np.int64)
    for idx, _, part_l in parts:
        lens[idx] = part_l
    starts = np.zeros(n, np.int64)
    starts[1:] = np.cumsum(lens)[:-1]
    h = np.zeros(int(lens.sum()), np.uint64)
    for idx, part_h, part_l in parts:
        if len(part_h):
            # token k of this part goes to starts[text] + (k - first token of text in part)
            part_first = np.zeros(len(part_l), np.int64)
            part_first[1:] = np.cumsum(part_l)[:-1]
            dest = np.arange(len(part_h)) + np.repeat(starts[idx] - part_first, part_l)
            h[dest] = part_h
    return h, lens


def _utf8_kernel():
    """The compiled UTF-8 tokeniser (:data:`audit._kernel.UTF8_KERNEL`), or None."""
    return kernel("UTF8_KERNEL") if USE_KERNEL else None


def _utf8_token_hashes(texts: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Token hashes, tokens per text and ``ok`` per text from one compiled pass over the texts'
    UTF-8 bytes (read in place from Arrow); None without numba. A text with a character whose
    normalisation depends on its neighbours gets ``ok`` False and no tokens (see
    :func:`audit.normalise.codepoint_tables`). Pure-ASCII input never loads the tables.
    """
    kernel = _utf8_kernel()
    if kernel is None:
        return None
    from curate.io.ingest_arrow import utf8_buffers

    data, offsets = utf8_buffers(texts)
    if len(data) and data[offsets[0] : offsets[-1]].max(initial=0) >= 0x80:
        t = codepoint_tables()
    else:
        t = _ascii_only_tables()
    if len(data) < 8:  # room for the kernel's 8-byte words
        data = np.concatenate([data, np.zeros(8, np.uint8)])
    u64 = words_at(data)
    return kernel(
        data, u64, offsets, t["ascii_cls"], t["ascii_low"], t["cls"], t["one"], t["multi_keys"],
        t["multi_off"], t["multi_chars"], t["multi_cls"],
    )  # fmt: skip


_ASCII_ONLY: list[dict[str, np.ndarray]] = []


def _ascii_only_tables() -> dict[str, np.ndarray]:
    """The tables of :func:`audit.normalise.codepoint_tables` for ASCII input (no build)."""
    if not _ASCII_ONLY:
        low = _NORM[:128].copy()
        cls = (low != 0).astype(np.uint8)
        cls[0] = 1  # NUL is a token character (tested against the normaliser)
        _ASCII_ONLY.append(
            {
                "ascii_cls": cls,
                "ascii_low": low,
                "cls": np.zeros(0, np.uint8),
                "one": np.zeros(0, np.int32),
                "multi_keys": np.zeros(0, np.int64),
                "multi_off": np.zeros(1, np.int64),
                "multi_chars": np.zeros(0, np.int64),
                "multi_cls": np.zeros(0, np.uint8),
            }
        )
    return _ASCII_ONLY[0]


@dataclass
class Tokenised:
    """Token hashes of many texts, flattened: text ``r`` owns ``h[starts[r]:starts[r] + lens[r]]``."""

    h: np.ndarray
    starts: np.ndarray
    lens: np.ndarray
    order: np.ndarray | None = field(default=None, repr=False)
    _prefix: np.ndarray | None = field(default=None, repr=False)
    _text_of: np.ndarray | None = field(default=None, repr=False)
    _pos: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_hashes(
        cls, h: np.ndarray, lens: np.ndarray, order: np.ndarray | None = None
    ) -> Tokenised:
        starts = np.zeros(len(lens), np.int64)
        if len(lens) > 1:
            starts[1:] = np.cumsum(lens)[:-1]
        return cls(h, starts, lens, order)

    @property
    def prefix(self) -> np.ndarray:
        """``G[k] = sum_{t<k} h[t] * P**t`` (computed on first use: the compiled window pass
        of a scan does not need it)."""
        if self._prefix is None:
            pw, _ = _powers(len(self.h) + 1)
            prefix = np.zeros(len(self.h) + 1, np.uint64)
            with np.errstate(over="ignore"):
                np.cumsum(self.h * pw[: len(self.h)], out=prefix[1:])
            self._prefix = prefix
        return self._prefix

    @property
    def record_lens(self) -> np.ndarray:
        """Token count of each text in the input order (``lens`` is in flat order)."""
        if self.order is None:
            return self.lens
        out = np.empty_like(self.lens)
        out[self.order] = self.lens
        return out

    @classmethod
    def of(cls, tokens: pl.Series) -> Tokenised:
        """From a Series of token lists (see :func:`audit.normalise.tokens_expr`)."""
        return cls.from_hashes(*_token_list_hashes(tokens))

    @classmethod
    def of_texts(cls, texts: pl.Series, keep_order: bool = True) -> Tokenised:
        """Tokenise and hash texts: one compiled pass over the UTF-8 bytes when numba is there
        (:func:`_utf8_token_hashes`), the texts it leaves (and every text without numba) on the
        byte paths and the normaliser (:meth:`of_texts_reference`).

        Every path gives the same tokens and the same hashes (tested), so which path a text took
        never changes what it matches. With ``keep_order=False`` the texts are laid out path by
        path (no reassembly copy): flat text ``k`` is input text ``order[k]``, and
        :meth:`owner` and :attr:`record_lens` answer in input order.
        """
        texts = texts.fill_null("")
        got = _utf8_token_hashes(texts)
        if got is None:
            return cls.of_texts_reference(texts, keep_order)
        h, lens, ok = got
        if ok.all():
            return cls.from_hashes(h, lens)
        done = np.flatnonzero(ok)
        rest = np.flatnonzero(~ok)
        ref = cls.of_texts_reference(texts.gather(rest), keep_order=True)
        parts = [(done, h, lens[done]), (rest, ref.h, ref.lens)]
        if not keep_order:
            return cls.from_hashes(
                np.concatenate([h, ref.h]), np.concatenate([lens[done], ref.lens]),
                np.concatenate([done, rest]),
            )  # fmt: skip
        return cls.from_hashes(*_reassemble(parts, len(texts)))

    @classmethod
    def of_texts_reference(cls, texts: pl.Series, keep_order: bool = True) -> Tokenised:
        """:meth:`of_texts` without the compiled UTF-8 pass: ASCII texts on the byte fast path,
        most other text prepared for it (:func:`_prepare`), CJK text with the normaliser."""
        texts = texts.fill_null("")
        # ASCII: as many bytes as characters; NUL (a token character) takes the general path
        ascii_mask = (
            (texts.str.len_bytes() == texts.str.len_chars())
            & ~texts.str.contains("\x00", literal=True)
        ).to_numpy()
        if ascii_mask.all():
            return cls.from_hashes(*_ascii_token_hashes(texts))
        fast = np.flatnonzero(ascii_mask)
        slow = np.flatnonzero(~ascii_mask)
        h_fast, l_fast = (
            _ascii_token_hashes(texts.gather(fast))
            if len(fast)
            else (np.zeros(0, np.uint64), np.zeros(0, np.int64))
        )
        # most non-ASCII text (accents, curly quotes, dashes) also takes a byte path once
        # prepared; text with CJK characters or NUL uses the normaliser's token lists
        prepared, cjk = _prepare_cjk(texts.gather(slow))
        general = cjk | prepared.str.contains("\x00", literal=True).to_numpy()
        mid, slow = slow[~general], slow[general]
        h_mid, l_mid = (
            _ascii_token_hashes(prepared.filter(pl.Series(~general)), _UTF8_BYTES)
            if len(mid)
            else (np.zeros(0, np.uint64), np.zeros(0, np.int64))
        )
        h_slow, l_slow = _token_list_hashes(tokenize_series(texts.gather(slow)))
        if not keep_order:
            return cls.from_hashes(
                np.concatenate([h_fast, h_mid, h_slow]),
                np.concatenate([l_fast, l_mid, l_slow]),
                np.concatenate([fast, mid, slow]),
            )
        parts = [(fast, h_fast, l_fast), (mid, h_mid, l_mid), (slow, h_slow, l_slow)]
        return cls.from_hashes(*_reassemble(parts, len(texts)))

    def window_at(self, start: np.ndarray, length: np.ndarray | int) -> np.ndarray:
        """Hash of the window of ``length`` tokens at flat position ``start`` (arrays).

        Token hashes are already mixed, so the polynomial needs no further mixing; windows of
        different lengths are looked up in separate tables, so the length is not hashed in.
        """
        _, inv = _powers(len(self.h) + 1)
        length = np.asarray(length, dtype=np.int64)
        with np.errstate(over="ignore"):
            return (self.prefix[start + length] - self.prefix[start]) * inv[start]

    def all_windows(self, length: int) -> np.ndarray:
        """Hash of the window at *every* flat position ``i <= len(h) - length``, crossing texts.

        Contiguous slices only (no gathers): the fast path of the scan. Windows that cross a text
        boundary are meaningless; :meth:`owner` drops them after the lookup.
        """
        count = len(self.h) - length + 1
        if count <= 0:
            return np.zeros(0, np.uint64)
        _, inv = _powers(len(self.h) + 1)
        with np.errstate(over="ignore"):
            out = np.subtract(self.prefix[length:], self.prefix[:count])
            out *= inv[:count]
            return out

    def owner(self, at: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For flat positions ``at``: ``(keep mask, text index, position in text)``; keep is
        False for windows that run past the end of their text. Text indices are in input order.
        """
        text = np.searchsorted(self.starts, at, side="right") - 1
        pos = at - self.starts[text]
        keep = pos + length <= self.lens[text]
        return keep, text if self.order is None else self.order[text], pos

    def windows(
        self, length: int, texts: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every window of ``length`` tokens inside one text: ``(hash, text index, position)``.

        Only texts in ``texts`` (indices) when given. Example: 3 texts of 5, 2, 4 tokens and
        ``length=3`` give 3 + 0 + 2 windows.
        """
        if self._text_of is None:
            self._text_of = np.repeat(np.arange(len(self.lens)), self.lens)
            self._pos = np.arange(len(self.h)) - self.starts[self._text_of]
        end = self.lens[self._text_of]
        valid = self._pos + length <= end
        if texts is not None:
            chosen = np.zeros(len(self.lens), bool)
            chosen[texts] = True
            valid &= chosen[self._text_of]
        at = np.flatnonzero(valid)
        return self.window_at(at, length), self._text_of[at], self._pos[at]


@dataclass
class BenchmarkIndex:
    """The hashed n-grams of one benchmark's items.

    Attributes:
        benchmark: benchmark name.
        n: n-gram length for long units.
        units: one row per (item, part): ``unit, item_id, part, text, tokens, kind`` where kind is
            ``long``, ``short`` or ``unscannable``.
        postings: ``hash (u64), unit, ipos, length`` sorted by hash (common n-grams removed).
        lengths: window lengths the corpus must be hashed at (``n`` and the short units' lengths).
        ignored_common: distinct n-grams dropped for being in more than ``max_item_df`` items.
    """

    benchmark: str
    n: int
    units: pl.DataFrame
    postings: pl.DataFrame
    lengths: list[int]
    ignored_common: int
    uniq: dict[int, np.ndarray]
    _bits: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    tok: Tokenised | None = field(default=None, repr=False)

    def heads(self, lengths: list[int], m: int) -> np.ndarray | None:
        """Hashes of the first ``m`` tokens of every indexed window of the given lengths (each
        at least ``m``); None when the unit tokens are not kept (then no head filter is used)."""
        if self.tok is None:
            return None
        sel = self.postings.filter(pl.col("length").is_in(lengths))
        if not sel.height:
            return np.zeros(0, np.uint64)
        unit = sel["unit"].to_numpy().astype(np.int64)
        at = self.tok.starts[unit] + sel["ipos"].to_numpy().astype(np.int64)
        return self.tok.window_at(at, m)

    def bits(self, length: int) -> np.ndarray:
        """The 2**22-entry table of this length's hashes' low bits (built once, cached)."""
        bits = self._bits.get(length)
        if bits is None:
            bits = np.zeros(_TABLE, bool)
            u = self.uniq.get(length, np.zeros(0, np.uint64))
            bits[(u & np.uint64(_TABLE - 1)).astype(np.int64)] = True
            self._bits[length] = bits
        return bits

    def lookup(self, hashes: np.ndarray, length: int) -> np.ndarray:
        """Boolean mask of the hashes present in the index at this window length.

        A 2**22-bit table of the hashes' low bits rejects almost every window with one gather;
        the few candidates left are checked exactly with ``searchsorted``.
        """
        u = self.uniq.get(length)
        if u is None or len(u) == 0 or len(hashes) == 0:
            return np.zeros(len(hashes), bool)
        mask = np.take(self.bits(length), (hashes & np.uint64(_TABLE - 1)).view(np.int64))
        cand = np.flatnonzero(mask)
        if len(cand):
            at = np.searchsorted(u, hashes[cand])
            at[at == len(u)] = 0
            mask[cand] = u[at] == hashes[cand]
        return mask


def prefilter(
    indexes: list[BenchmarkIndex],
    tok: Tokenised,
    length: int,
    union: dict[int, np.ndarray | None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Flat positions and hashes of the windows of ``length`` tokens that may be in any index.

    Every window is hashed once and checked against the union of the indexes' low-bit tables
    (one gather), however many benchmarks are scanned; each index then checks only these
    candidates exactly (:meth:`BenchmarkIndex.lookup`). ``union`` (length -> table) keeps the
    union table from one shard to the next.
    """
    if union is None or length not in union:
        tables = [ix.bits(length) for ix in indexes if length in ix.uniq]
        table = tables[0] if tables else None
        for t in tables[1:]:
            table = table | t
        if union is not None:
            union[length] = table
    table = union[length] if union is not None else table
    h = tok.all_windows(length)
    if table is None or len(h) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    at = np.flatnonzero(np.take(table, (h & np.uint64(_TABLE - 1)).view(np.int64)))
    return at, h.take(at)


_GROUP_MAX = 64  # a window length with at most this many hashes is checked behind the head filter


def _packed_bits(values: np.ndarray) -> tuple[np.ndarray, int]:
    """A packed bit table (uint64 words) of the top bits of ``values``, about 64 bits a value
    (at least 2**16 bits: 8 KB, in L1; at most 2**26), and the shift that selects a value's bit.

    Example: 3 values -> a 2**16-bit table (1024 words), shift 48.
    """
    bits = 1 << 16
    while bits < 64 * len(values) and bits < (1 << 26):
        bits *= 2
    shift = 64 - (bits.bit_length() - 1)
    table = np.zeros(bits // 64, np.uint64)
    b = values >> np.uint64(shift)
    np.bitwise_or.at(
        table, (b >> np.uint64(6)).astype(np.int64), np.uint64(1) << (b & np.uint64(63))
    )
    return table, shift


@dataclass
class WindowFilter:
    """Every indexed window hash of a scan, laid out for the compiled window pass
    (:data:`audit._kernel.WINDOW_KERNEL`): per length the sorted union of the indexes' hashes and
    a packed bit table; lengths with few hashes (whole short units) are grouped behind one
    table of the hashes of their first ``head_m`` tokens, so each position of a shard costs one
    rolled hash per large length plus one for the group.
    """

    lengths: np.ndarray
    exact: np.ndarray
    exact_off: np.ndarray
    direct: np.ndarray
    bits: np.ndarray
    bits_off: np.ndarray
    shifts: np.ndarray
    head_m: int
    head_bits: np.ndarray
    head_shift: int
    grouped: np.ndarray

    @classmethod
    def build(cls, indexes: list[BenchmarkIndex]) -> WindowFilter:
        lengths = sorted({L for ix in indexes for L in ix.uniq})
        exact = [
            np.unique(np.concatenate([ix.uniq.get(L, np.zeros(0, np.uint64)) for ix in indexes]))
            for L in lengths
        ]
        small = [k for k, u in enumerate(exact) if len(u) <= _GROUP_MAX]
        head_m = min((lengths[k] for k in small), default=0)
        heads: list[np.ndarray] = []
        for ix in indexes if small else []:
            got = ix.heads([lengths[k] for k in small], head_m)
            if got is None:  # no unit tokens kept: every length rolled on its own
                small, head_m, heads = [], 0, []
                break
            heads.append(got)
        direct = [k for k in range(len(lengths)) if k not in small]
        tables = [_packed_bits(exact[k]) for k in direct]
        head_table, head_shift = _packed_bits(
            np.unique(np.concatenate(heads)) if heads else np.zeros(0, np.uint64)
        )
        off = np.zeros(len(lengths) + 1, np.int64)
        off[1:] = np.cumsum([len(u) for u in exact])
        bits_off = np.zeros(len(tables), np.int64)
        if len(tables) > 1:
            bits_off[1:] = np.cumsum([len(t) for t, _ in tables])[:-1]
        return cls(
            lengths=np.array(lengths, np.int64),
            exact=np.concatenate(exact) if exact else np.zeros(0, np.uint64),
            exact_off=off,
            direct=np.array(direct, np.int64),
            bits=np.concatenate([t for t, _ in tables]) if tables else np.zeros(1, np.uint64),
            bits_off=bits_off,
            shifts=np.array([s for _, s in tables], np.uint64),
            head_m=head_m,
            head_bits=head_table,
            head_shift=head_shift,
            grouped=np.array(small, np.int64),
        )

    def hits(self, h: np.ndarray, kernel: object) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Per length: flat positions and hashes of the windows of ``h`` in some index (exact)."""
        maxlen = int(self.lengths.max()) if len(self.lengths) else 1
        pw, _ = _powers(maxlen + 1)
        pos, li, hv = kernel(  # type: ignore[operator]
            h, pw, P_INV, self.lengths, self.exact, self.exact_off, self.direct, self.bits,
            self.bits_off, self.shifts, self.head_m, self.head_bits, np.uint64(self.head_shift),
            self.grouped,
        )  # fmt: skip
        out = {}
        order = np.argsort(li, kind="stable")
        pos, li, hv = pos[order], li[order], hv[order]
        cuts = np.searchsorted(li, np.arange(len(self.lengths) + 1))
        for k, L in enumerate(self.lengths.tolist()):
            out[L] = (pos[cuts[k] : cuts[k + 1]], hv[cuts[k] : cuts[k + 1]])
        return out


def window_kernel():
    """The compiled window pass (:data:`audit._kernel.WINDOW_KERNEL`), or None without numba."""
    return kernel("WINDOW_KERNEL") if USE_KERNEL else None


def _sorted_unique(h: np.ndarray) -> np.ndarray:
    """Unique values of a sorted array: ``[1, 1, 2, 5, 5]`` -> ``[1, 2, 5]``."""
    if len(h) == 0:
        return h
    keep = np.ones(len(h), bool)
    keep[1:] = h[1:] != h[:-1]
    return h[keep]


def item_units(items: pl.DataFrame) -> pl.DataFrame:
    """Benchmark items -> units: the ``text`` of each item, and its ``answer`` when it has one."""
    text = items.select("benchmark", "item_id", pl.lit("text").alias("part"), "text")
    answer = items.filter(
        pl.col("answer").is_not_null() & (pl.col("answer").str.strip_chars() != "")
    ).select("benchmark", "item_id", pl.lit("answer").alias("part"), pl.col("answer").alias("text"))
    return (
        pl.concat([text, answer]).with_row_index("unit").with_columns(pl.col("unit").cast(pl.Int64))
    )


def build_index(
    items: pl.DataFrame,
    n: int,
    *,
    whole_below: int | None = None,
    min_tokens: int = 4,
    max_item_df: int = 10,
) -> BenchmarkIndex:
    """Index a benchmark's items (``benchmark, item_id, text, answer`` rows).

    Args:
        items: the benchmark items.
        n: n-gram length.
        whole_below: units with fewer tokens are indexed whole (default ``n``).
        min_tokens: units with fewer tokens are not indexed (counted as unscannable).
        max_item_df: an n-gram in more than this many distinct items is ignored.
    """
    whole_below = n if whole_below is None else whole_below
    units = item_units(items)
    tok = Tokenised.of_texts(units["text"])
    lens = tok.lens
    kind = np.where(
        lens >= whole_below, "long", np.where(lens >= min_tokens, "short", "unscannable")
    )
    units = units.with_columns(
        tokens=pl.Series(lens, dtype=pl.Int64), kind=pl.Series(kind, dtype=pl.String)
    )
    long_idx = np.flatnonzero(kind == "long")
    h, unit, pos = tok.windows(n, long_idx)
    grams = pl.DataFrame(
        {"hash": h, "unit": unit.astype(np.int64), "ipos": pos, "length": np.full(len(h), n)}
    )
    short_idx = np.flatnonzero(kind == "short")
    whole = pl.DataFrame(
        {
            "hash": tok.window_at(tok.starts[short_idx], lens[short_idx])
            if len(short_idx)
            else np.zeros(0, np.uint64),
            "unit": short_idx.astype(np.int64),
            "ipos": np.zeros(len(short_idx), np.int64),
            "length": lens[short_idx].astype(np.int64),
        }
    )
    postings = pl.concat([grams, whole]).join(units.select("unit", "item_id"), on="unit")
    df = postings.group_by("hash").agg(pl.col("item_id").n_unique().alias("df"))
    common = df.filter(pl.col("df") > max_item_df)
    postings = (
        postings.join(common.select("hash"), on="hash", how="anti")
        .drop("item_id")
        .unique(["hash", "unit", "ipos"])
        .sort("hash", "unit", "ipos")
    )
    hashes, lengths = postings["hash"].to_numpy(), postings["length"].to_numpy()
    uniq = {int(L): _sorted_unique(np.sort(hashes[lengths == L])) for L in np.unique(lengths)}
    return BenchmarkIndex(
        benchmark=str(items["benchmark"][0]) if items.height else "",
        n=n,
        units=units,
        postings=postings,
        lengths=sorted(uniq),
        ignored_common=common.height,
        uniq=uniq,
        tok=tok,
    )

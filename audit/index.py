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

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from audit.normalise import tokenize_series

P = np.uint64(0x9E3779B97F4A7C15)
P_INV = np.uint64(pow(int(P), -1, 2**64))
_SEED = 0x5EED
_TABLE = 1 << 22
_POWERS: dict[str, np.ndarray] = {"p": np.ones(1, np.uint64), "inv": np.ones(1, np.uint64)}


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``P**k`` and ``P**-k`` (mod 2**64) for ``k < n``, cached and grown on demand."""
    if len(_POWERS["p"]) < n:
        size = max(n, 2 * len(_POWERS["p"]))
        with np.errstate(over="ignore"):
            _POWERS["p"] = np.concatenate([[np.uint64(1)], np.cumprod(np.full(size - 1, P, np.uint64))])
            _POWERS["inv"] = np.concatenate([[np.uint64(1)], np.cumprod(np.full(size - 1, P_INV, np.uint64))])
    return _POWERS["p"][:n], _POWERS["inv"][:n]


def mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, vectorised: spreads every input bit over every output bit."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


@dataclass
class Tokenised:
    """Token hashes of many texts, flattened: text ``r`` owns ``h[starts[r]:starts[r] + lens[r]]``."""

    h: np.ndarray
    starts: np.ndarray
    lens: np.ndarray
    prefix: np.ndarray = field(repr=False)
    _text_of: np.ndarray | None = field(default=None, repr=False)
    _pos: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def of(cls, tokens: pl.Series) -> Tokenised:
        """From a Series of token lists (see :func:`audit.normalise.tokens_expr`)."""
        lens = tokens.list.len().to_numpy().astype(np.int64)
        flat = tokens.filter(tokens.list.len() > 0).explode()
        h = flat.hash(seed=_SEED).to_numpy().astype(np.uint64) if len(flat) else np.zeros(0, np.uint64)
        starts = np.zeros(len(lens), np.int64)
        if len(lens) > 1:
            starts[1:] = np.cumsum(lens)[:-1]
        pw, _ = _powers(len(h) + 1)
        prefix = np.zeros(len(h) + 1, np.uint64)
        with np.errstate(over="ignore"):
            np.cumsum(h * pw[: len(h)], out=prefix[1:])
        return cls(h, starts, lens, prefix)

    @classmethod
    def of_texts(cls, texts: pl.Series) -> Tokenised:
        return cls.of(tokenize_series(texts))

    def window_at(self, start: np.ndarray, length: np.ndarray | int) -> np.ndarray:
        """Hash of the window of ``length`` tokens at flat position ``start`` (arrays)."""
        _, inv = _powers(len(self.h) + 1)
        length = np.asarray(length, dtype=np.int64)
        with np.errstate(over="ignore"):
            raw = (self.prefix[start + length] - self.prefix[start]) * inv[start]
            return mix64(raw + length.astype(np.uint64) * np.uint64(0xD6E8FEB86659FD93))

    def windows(self, length: int, texts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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

    def lookup(self, hashes: np.ndarray, length: int) -> np.ndarray:
        """Boolean mask of the hashes present in the index at this window length.

        A 2**22-bit table of the hashes' low bits rejects almost every window with one gather;
        the few candidates left are checked exactly with ``searchsorted``.
        """
        u = self.uniq.get(length)
        if u is None or len(u) == 0 or len(hashes) == 0:
            return np.zeros(len(hashes), bool)
        bits = self._bits.get(length)
        if bits is None:
            bits = np.zeros(_TABLE, bool)
            bits[(u & np.uint64(_TABLE - 1)).astype(np.int64)] = True
            self._bits[length] = bits
        mask = bits[(hashes & np.uint64(_TABLE - 1)).astype(np.int64)]
        cand = np.flatnonzero(mask)
        if len(cand):
            at = np.searchsorted(u, hashes[cand])
            at[at == len(u)] = 0
            mask[cand] = u[at] == hashes[cand]
        return mask


def item_units(items: pl.DataFrame) -> pl.DataFrame:
    """Benchmark items -> units: the ``text`` of each item, and its ``answer`` when it has one."""
    text = items.select("benchmark", "item_id", pl.lit("text").alias("part"), "text")
    answer = items.filter(pl.col("answer").is_not_null() & (pl.col("answer").str.strip_chars() != "")).select(
        "benchmark", "item_id", pl.lit("answer").alias("part"), pl.col("answer").alias("text")
    )
    return pl.concat([text, answer]).with_row_index("unit").with_columns(pl.col("unit").cast(pl.Int64))


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
    kind = np.where(lens >= whole_below, "long", np.where(lens >= min_tokens, "short", "unscannable"))
    units = units.with_columns(tokens=pl.Series(lens, dtype=pl.Int64), kind=pl.Series(kind, dtype=pl.String))
    long_idx = np.flatnonzero(kind == "long")
    h, unit, pos = tok.windows(n, long_idx)
    grams = pl.DataFrame({"hash": h, "unit": unit.astype(np.int64), "ipos": pos, "length": np.full(len(h), n)})
    short_idx = np.flatnonzero(kind == "short")
    whole = pl.DataFrame(
        {
            "hash": tok.window_at(tok.starts[short_idx], lens[short_idx]) if len(short_idx) else np.zeros(0, np.uint64),
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
    uniq = {
        int(L): np.unique(g["hash"].to_numpy())
        for (L,), g in postings.group_by("length")
    }
    return BenchmarkIndex(
        benchmark=str(items["benchmark"][0]) if items.height else "",
        n=n,
        units=units,
        postings=postings,
        lengths=sorted(uniq),
        ignored_common=common.height,
        uniq=uniq,
    )

"""Contamination methods, one matcher class each, behind one interface.

A :class:`Matcher` holds the index of one benchmark for one preset and knows four things: how to
find hits in a shard (:meth:`Matcher.shard_hits`), how much of an item a (unit, record) pair covers
(used to protect copies from the common-n-gram filter), the evidence of each pair (coverage, longest
match, spans in both texts, verdict), and each item's coverage for its verdict. The scan
(:mod:`audit.scan`) streams shards and calls these; it never asks which method it runs.

============  ===================================================================================
method        matcher
============  ===================================================================================
``ngram``     :class:`NgramMatcher`: GPT-3 (any 13-gram hit) and Tulu 3 (8-gram coverage > 50 %)
``llama2``    :class:`SpanMatcher`: LLaMA-2's token spans (> 10 tokens, <= 4 mismatches), bucketed
``substring`` :class:`SubstringMatcher`: GPT-4's three random 50-character substrings
============  ===================================================================================

The ``semantic`` preset (paraphrases: embeddings, then number/code checks) is not a matcher of
this interface: :func:`audit.scan.scan` hands it to :mod:`audit.semantic` before any index is built.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import polars as pl
import xxhash

from audit.index import (
    BenchmarkIndex,
    Tokenised,
    WindowFilter,
    build_index,
    item_units,
    prefilter,
    window_kernel,
)
from audit.normalise import (
    char_spans,
    merge_range_arrays,
    merge_token_ranges,
    token_spans,
    token_spans_many,
    tokenize_series,
)
from audit.presets import Preset, llama2_spans
from curate.core.registry import Registry


@dataclass
class Shard:
    """One corpus shard, with the tokenisations the matchers share (computed once, on demand).

    Attributes:
        frame: ``id, text`` rows.
        offset: global index of the shard's first record.
        prefilters: per n-gram length, the candidate windows shared by every n-gram index.
        union: per length, the union of the n-gram indexes' bit tables (kept across shards).
        ngram_indexes: every n-gram index of the scan (the prefilter checks all of them at once).
    """

    frame: pl.DataFrame
    offset: int
    union: dict[int, Any]
    ngram_indexes: list[BenchmarkIndex]
    prefilters: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _tok: Tokenised | None = None
    _tokens: pl.Series | None = None
    texts: Callable[[], pl.Series] | None = None  # the texts when the frame has none

    def _texts(self) -> pl.Series:
        return self.frame["text"] if self.texts is None else self.texts()

    @property
    def tok(self) -> Tokenised:
        """Flat token hashes of the shard (for n-gram windows)."""
        if self._tok is None:
            self._tok = Tokenised.of_texts(self._texts(), keep_order=False)
        return self._tok

    @property
    def tokens(self) -> pl.Series:
        """Token lists of the shard (for substrings)."""
        if self._tokens is None:
            self._tokens = tokenize_series(self._texts())
        return self._tokens

    def record_tokens(self) -> np.ndarray:
        """Tokens per record, from whichever tokenisation a matcher already made."""
        if self._tok is not None:
            return self._tok.record_lens
        return self.tokens.list.len().to_numpy()

    def candidates(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        """Windows of ``length`` tokens that may be in some n-gram index (shared by the matchers)."""
        if length not in self.prefilters:
            kernel = window_kernel()
            if kernel is not None and self.ngram_indexes:  # one compiled pass, every length
                wf = self.union.get(0)  # key 0 (no window has 0 tokens): the scan's filter
                if wf is None:
                    wf = self.union[0] = WindowFilter.build(self.ngram_indexes)
                self.prefilters.update(wf.hits(self.tok.h, kernel))
            if length not in self.prefilters:
                self.prefilters[length] = prefilter(
                    self.ngram_indexes, self.tok, length, self.union
                )
        return self.prefilters[length]


@dataclass
class PairEvidence:
    """The evidence of one (unit, record) pair."""

    coverage: float
    longest: int
    matched: int
    spans: dict[str, list[list[int]]]
    verdict: str
    n: int


class Matcher(ABC):
    """One benchmark's index for one preset, and how hits become evidence and verdicts."""

    key: ClassVar[list[str]]  # the columns that identify one matched n-gram / pattern
    evidence_keys: ClassVar[list[str]]  # one hit of a pair, in the order evidence reads them

    def __init__(self, index: Any, preset: Preset) -> None:
        self.index = index
        self.preset = preset

    @classmethod
    @abstractmethod
    def build(cls, items: pl.DataFrame, preset: Preset) -> Matcher:
        """Index a benchmark's items."""

    @property
    def benchmark(self) -> str:
        return self.index.benchmark

    @property
    def n(self) -> int:
        return self.index.n

    @property
    def units(self) -> pl.DataFrame:
        """One row per item part: ``unit, item_id, part, text, tokens, kind``."""
        return self.index.units

    @property
    def postings(self) -> pl.DataFrame:
        return self.index.postings

    @property
    def ignored_common(self) -> int:
        return self.index.ignored_common

    @abstractmethod
    def shard_hits(self, shard: Shard) -> pl.DataFrame:
        """Hits of one shard: ``rec`` (global record index), ``rpos`` and the key columns."""

    @abstractmethod
    def pair_coverage(self, found: pl.DataFrame) -> pl.DataFrame:
        """``unit, rec, _cov``: the share of each unit a record holds, common hits included."""

    def prefilter_index(self) -> BenchmarkIndex | None:
        """The n-gram index the shard's shared prefilter must cover (None: not an n-gram method)."""
        return None

    def prepare(self, found: pl.DataFrame, texts: dict[int, tuple[str, str, int]]) -> None:  # noqa: B027 - optional hook
        """Work shared by every pair's evidence (tokenising the texts once); optional."""

    @abstractmethod
    def pair_evidence(
        self, found: pl.DataFrame, a: int, b: int, unit: dict[str, Any], rtext: str, rec: int
    ) -> PairEvidence:
        """The evidence of the pair whose hits are rows ``a:b`` of ``found`` (sorted by key)."""

    def unit_verdicts(self, found: pl.DataFrame | None, pairs: pl.DataFrame) -> pl.DataFrame:
        """Per unit: ``item_id, part, tokens, coverage, verdict``: dirty if any pair is dirty."""
        agg = pairs.group_by("item_id", "part").agg(
            pl.col("coverage").max(), (pl.col("verdict") == "dirty").any().alias("hit")
        )
        per_unit = (
            self.units.select("item_id", "part", "tokens")
            .join(agg, on=["item_id", "part"], how="left")
            .with_columns(pl.col("coverage").fill_null(0.0), pl.col("hit").fill_null(False))
        )
        verdict = pl.when(pl.col("hit")).then(pl.lit("dirty")).otherwise(pl.lit("clean"))
        return per_unit.with_columns(verdict=verdict).drop("hit")

    def summary_extras(self, items: pl.DataFrame) -> dict[str, Any]:
        """Method-specific summary columns (none by default)."""
        return {"not_clean": None}


class NgramMatcher(Matcher):
    """Token n-grams looked up in a hashed index; coverage = matched item tokens / item tokens."""

    key: ClassVar[list[str]] = ["hash", "length"]  # a window is its hash *and* its length
    evidence_keys: ClassVar[list[str]] = ["unit", "rec", "ipos", "rpos", "length"]

    def prefilter_index(self) -> BenchmarkIndex | None:
        return self.index

    @classmethod
    def build(cls, items: pl.DataFrame, preset: Preset) -> Matcher:
        # item lengths only matter for a per-benchmark N (same counts as the normaliser, tested)
        lengths = (
            Tokenised.of_texts(items["text"]).lens
            if preset.per_benchmark_n
            else np.zeros(0, np.int64)
        )
        n = preset.n_for(lengths)
        index = build_index(
            items,
            n,
            whole_below=max(preset.whole_below, n),
            min_tokens=min(preset.min_unit_tokens, max(preset.whole_below, n)),
            max_item_df=preset.max_item_df,
        )
        return cls(index, preset)

    def shard_hits(self, shard: Shard) -> pl.DataFrame:
        """Windows of the shard whose hash is in the index: ``hash, rec, rpos, length``.

        Every flat window is hashed and prefiltered first (contiguous arrays, shared by all the
        n-gram indexes through :meth:`Shard.candidates`); only the few hits are then mapped to
        their record, dropping windows that cross a record boundary.
        """
        parts = []
        for length in self.index.lengths:
            cand, hc = shard.candidates(length)
            exact = self.index.lookup(hc, length)
            at, hit = cand[exact], hc[exact]
            if not len(at):
                continue
            keep, rec, pos = shard.tok.owner(at, length)
            if keep.any():
                parts.append(
                    pl.DataFrame(
                        {
                            "hash": hit[keep],
                            "rec": rec[keep].astype(np.int64) + shard.offset,
                            "rpos": pos[keep].astype(np.int64),
                            "length": np.full(int(keep.sum()), length, np.int64),
                        }
                    )
                )
        if not parts:
            return pl.DataFrame(
                schema={"hash": pl.UInt64, "rec": pl.Int64, "rpos": pl.Int64, "length": pl.Int64}
            )
        return pl.concat(parts)

    def pair_coverage(self, found: pl.DataFrame) -> pl.DataFrame:
        tokens = self.units.select("unit", pl.col("tokens").alias("_tokens"))
        return (
            found.select(
                "unit", "rec", tok=pl.int_ranges("ipos", pl.col("ipos") + pl.col("length"))
            )
            .explode("tok")
            .group_by("unit", "rec")
            .agg(pl.col("tok").n_unique().alias("_n"))
            .join(tokens, on="unit")
            .select("unit", "rec", (pl.col("_n") / pl.col("_tokens")).alias("_cov"))
        )

    def prepare(self, found: pl.DataFrame, texts: dict[int, tuple[str, str, int]]) -> None:
        """Token spans of every hit record and unit, tokenised in one pass each."""
        hit_recs = sorted(set(found["rec"].to_list()))
        rec_spans = token_spans_many([texts[r][1] for r in hit_recs])
        self._rec_spans = dict(zip(hit_recs, rec_spans, strict=True))
        unit_text = dict(zip(self.units["unit"], self.units["text"], strict=True))
        hit_units = sorted(set(found["unit"].to_list()))
        unit_spans = token_spans_many([unit_text[u] for u in hit_units])
        self._unit_spans = dict(zip(hit_units, unit_spans, strict=True))
        # columns as NumPy once: each pair is then a slice of arrays, not of a DataFrame
        self._cols = {c: found[c].to_numpy() for c in ("ipos", "rpos", "length")}

    def item_ranges(
        self, ipos: np.ndarray, rpos: np.ndarray, length: np.ndarray, whole: bool
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
        """Matched token ranges in the item and the record, and the item tokens covered."""
        item = merge_range_arrays(ipos, ipos + length)  # merged once, vectorised
        record = merge_range_arrays(rpos, rpos + length)
        return item, record, sum(b - a for a, b in item)

    def pair_evidence(
        self, found: pl.DataFrame, a: int, b: int, unit: dict[str, Any], rtext: str, rec: int
    ) -> PairEvidence:
        ipos, rpos, length = (self._cols[c][a:b] for c in ("ipos", "rpos", "length"))
        whole = bool(unit["kind"] == "short")
        item_ranges, rec_ranges, covered = self.item_ranges(ipos, rpos, length, whole)
        coverage = covered / max(int(unit["tokens"]), 1)
        spans = {
            "item": char_spans(self._unit_spans[unit["unit"]], item_ranges),
            "record": char_spans(self._rec_spans[rec], rec_ranges),
        }
        return PairEvidence(
            coverage=coverage,
            longest=longest_aligned(ipos, rpos, length),
            matched=len(set(ipos.tolist())),
            spans=spans,
            verdict=self.preset.verdict(coverage),
            n=self.index.n,
        )


class SpanMatcher(NgramMatcher):
    """LLaMA-2: 5-token seeds grown into spans of more than 10 tokens with at most 4 mismatches;
    coverage = item tokens inside a qualifying span; verdict buckets clean / not_clean / dirty."""

    def item_ranges(
        self, ipos: np.ndarray, rpos: np.ndarray, length: np.ndarray, whole: bool
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
        if whole:
            return super().item_ranges(ipos, rpos, length, whole)
        ipos_l, rpos_l, len_l = ipos.tolist(), rpos.tolist(), length.tolist()
        item = [(a, a + n) for a, n in zip(ipos_l, len_l, strict=True)]
        record = [(a, a + n) for a, n in zip(rpos_l, len_l, strict=True)]
        qualifying = self.qualifying(ipos_l, len_l, rpos_l)
        covered = covered_tokens([(a, b) for a, b, _ in qualifying])
        if qualifying:
            item = [(a, b) for a, b, _ in qualifying]
            record = [(a + d, b + d) for a, b, d in qualifying]
        return item, record, covered

    def qualifying(
        self, ipos: list[int], length: list[int], rpos: list[int]
    ) -> list[tuple[int, int, int]]:
        """``(start, end, diagonal)`` of every qualifying span, per alignment diagonal."""
        diag: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for a, n, r in zip(ipos, length, rpos, strict=True):
            diag[r - a].append((a, a + n))
        return [
            (a, b, d)
            for d, intervals in diag.items()
            for a, b in llama2_spans(intervals, self.preset.min_span, self.preset.skip_budget)
        ]

    def unit_verdicts(self, found: pl.DataFrame | None, pairs: pl.DataFrame) -> pl.DataFrame:
        """The share of each unit's tokens contaminated by any record (the union of every
        record's qualifying spans); a unit matched whole counts as covered."""
        whole = (
            set(pairs.filter(pl.col("whole_match")).select("item_id", "part").iter_rows())
            if pairs.height
            else set()
        )
        cov = self.union_coverage(found)
        coverage = [
            1.0 if (i, p) in whole else cov.get((i, p), 0.0)
            for i, p in zip(self.units["item_id"], self.units["part"], strict=True)
        ]
        per_unit = self.units.select("item_id", "part", "tokens").with_columns(
            coverage=pl.Series(coverage, dtype=pl.Float64)
        )
        labels = [self.preset.verdict(c) for c in per_unit["coverage"]]
        return per_unit.with_columns(verdict=pl.Series(labels, dtype=pl.String))

    def union_coverage(self, found: pl.DataFrame | None) -> dict[tuple[str, str], float]:
        """Share of each unit's tokens inside a qualifying span of any record."""
        if found is None or not found.height:
            return {}
        units = {r["unit"]: r for r in self.units.iter_rows(named=True)}
        covered: dict[int, set[int]] = defaultdict(set)
        for (unit, _rec), g in found.group_by(["unit", "rec"]):
            spans = self.qualifying(g["ipos"].to_list(), g["length"].to_list(), g["rpos"].to_list())
            for a, b, _ in spans:
                covered[unit].update(range(a, b))
        return {
            (units[u]["item_id"], units[u]["part"]): len(t) / max(units[u]["tokens"], 1)
            for u, t in covered.items()
        }

    def summary_extras(self, items: pl.DataFrame) -> dict[str, Any]:
        """``not_clean`` and the paper's buckets, on the worse of question and answer (unscannable
        items, too short for a qualifying span, are in no bucket)."""
        cov = (
            items.filter(pl.col("verdict") != "unscannable")
            .select(pl.max_horizontal("coverage", pl.col("answer_coverage").fill_null(0.0)))
            .to_series()
        )
        return {
            "not_clean": int((items["verdict"] == "not_clean").sum()),
            "bucket_clean": int((cov < 0.2).sum()),
            "bucket_not_clean": int((cov >= 0.2).sum()),
            "bucket_not_dirty": int((cov < 0.8).sum()),
            "bucket_dirty": int((cov >= 0.8).sum()),
        }


@dataclass
class SubstringIndex:
    """GPT-4's sampled substrings: ``postings`` = ``pattern, unit, ipos, length``."""

    benchmark: str
    n: int
    units: pl.DataFrame
    postings: pl.DataFrame
    ignored_common: int

    @property
    def patterns(self) -> list[str]:
        return self.postings["pattern"].unique().sort().to_list()


def build_substring_index(items: pl.DataFrame, preset: Preset) -> SubstringIndex:
    """Draw ``preset.samples`` substrings of ``preset.n`` characters per unit (seeded)."""
    units = item_units(items)
    processed = tokenize_series(units["text"]).list.join("")
    units = units.with_columns(tokens=processed.str.len_chars().cast(pl.Int64))
    rows = []
    kinds = []
    for unit, item_id, part, proc in zip(
        units["unit"], units["item_id"], units["part"], processed, strict=True
    ):
        if len(proc) < preset.min_tokens:
            kinds.append("unscannable")
            continue
        if len(proc) <= preset.n:
            kinds.append("short")
            rows.append((proc, unit, 0, len(proc)))
            continue
        kinds.append("long")
        seed = [preset.seed, xxhash.xxh64_intdigest(f"{item_id}\x00{part}".encode())]
        rng = np.random.default_rng(seed)
        span = len(proc) - preset.n + 1
        starts = rng.choice(span, size=min(preset.samples, span), replace=False)
        rows.extend((proc[s : s + preset.n], unit, int(s), preset.n) for s in sorted(starts))
    units = units.with_columns(kind=pl.Series(kinds, dtype=pl.String))
    post = pl.DataFrame(
        rows,
        schema={"pattern": pl.String, "unit": pl.Int64, "ipos": pl.Int64, "length": pl.Int64},
        orient="row",
    )
    df = (
        post.join(units.select("unit", "item_id"), on="unit")
        .group_by("pattern")
        .agg(pl.col("item_id").n_unique().alias("df"))
    )
    common = df.filter(pl.col("df") > preset.max_item_df)
    post = post.join(common.select("pattern"), on="pattern", how="anti")
    name = str(items["benchmark"][0]) if items.height else ""
    return SubstringIndex(name, preset.n, units, post, common.height)


class SubstringMatcher(Matcher):
    """GPT-4: a record contains an item when it contains one of its sampled substrings (after
    removing spaces and symbols); coverage = sampled substrings found / sampled."""

    key: ClassVar[list[str]] = ["pattern"]
    evidence_keys: ClassVar[list[str]] = ["unit", "rec", "pattern"]

    @classmethod
    def build(cls, items: pl.DataFrame, preset: Preset) -> Matcher:
        return cls(build_substring_index(items, preset), preset)

    def shard_hits(self, shard: Shard) -> pl.DataFrame:
        patterns = self.index.patterns
        empty = pl.DataFrame(schema={"pattern": pl.String, "rec": pl.Int64, "rpos": pl.Int64})
        if not patterns:
            return empty
        found = (
            pl.DataFrame({"p": shard.tokens.list.join("")})
            .with_row_index("rec")
            .select(
                pl.col("rec").cast(pl.Int64) + shard.offset,
                pattern=pl.col("p").str.extract_many(patterns, overlapping=True),
            )
            .explode("pattern")
            .drop_nulls("pattern")
            .unique(maintain_order=True)
        )
        if not found.height:
            return empty
        return found.with_columns(rpos=pl.lit(-1, pl.Int64))

    def pair_coverage(self, found: pl.DataFrame) -> pl.DataFrame:
        sampled = self.postings.group_by("unit").agg(pl.len().alias("_sampled"))
        return (
            found.group_by("unit", "rec")
            .agg(pl.col("pattern").n_unique().alias("_n"))
            .join(sampled, on="unit")
            .select("unit", "rec", (pl.col("_n") / pl.col("_sampled")).alias("_cov"))
        )

    def pair_evidence(
        self, found: pl.DataFrame, a: int, b: int, unit: dict[str, Any], rtext: str, rec: int
    ) -> PairEvidence:
        pats = found.slice(a, b - a).unique("pattern")
        proc_rec = "".join(tokenize_series(pl.Series([rtext]))[0].to_list())
        rec_ranges = []
        for p in pats["pattern"]:
            at = proc_rec.find(p)
            if at >= 0:
                rec_ranges.append((at, at + len(p)))
        item_ranges = [
            (int(s), int(s) + int(n)) for s, n in zip(pats["ipos"], pats["length"], strict=True)
        ]
        sampled = int(self.postings.filter(pl.col("unit") == unit["unit"]).height) or 1
        whole = unit["kind"] == "short"
        return PairEvidence(
            coverage=1.0 if whole else pats.height / sampled,
            longest=int(pats["length"].max()),
            matched=pats.height,
            spans={
                "item": processed_spans(unit["text"], item_ranges),
                "record": processed_spans(rtext, rec_ranges),
            },
            verdict="dirty",
            n=self.preset.n,
        )


MATCHERS: Registry[type[Matcher]] = Registry("contamination method")
MATCHERS.add("ngram", NgramMatcher)
MATCHERS.add("llama2", SpanMatcher)
MATCHERS.add("substring", SubstringMatcher)


def matcher_for(items: pl.DataFrame, preset: Preset) -> Matcher:
    """The matcher of ``preset.method``, built on one benchmark's items."""
    return MATCHERS[preset.method].build(items, preset)


def covered_tokens(ranges: list[tuple[int, int]]) -> int:
    """Tokens inside at least one range ``[a, b)``: ``[(0, 3), (2, 5), (7, 8)]`` -> 6."""
    return sum(b - a for a, b in merge_token_ranges(ranges))


def longest_aligned(ipos: np.ndarray, rpos: np.ndarray, length: np.ndarray) -> int:
    """Longest run of matched tokens on one alignment (consecutive n-gram starts on a diagonal).

    Example: n=3 grams at item positions 0, 1, 2 aligned to record 10, 11, 12 -> 5 tokens.
    """
    if len(ipos) == 0:
        return 0
    diag = rpos - ipos
    order = np.lexsort((ipos, diag))
    i, d, n = ipos[order], diag[order], length[order]
    new = np.ones(len(order), bool)
    new[1:] = (d[1:] != d[:-1]) | (i[1:] != i[:-1] + 1)
    first = np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))
    return int((i + n - i[first]).max())


def processed_spans(text: str, proc_ranges: list[tuple[int, int]]) -> list[list[int]]:
    """Map ranges in the processed (tokens joined) text back to character spans of ``text``."""
    tokens = tokenize_series(pl.Series([text]))[0].to_list()
    spans = token_spans(text, tokens)
    starts = np.cumsum([0] + [len(t) for t in tokens])

    def orig(p: int, end: bool) -> int:
        t = int(np.searchsorted(starts, p, side="right") - 1)
        t = min(max(t, 0), len(tokens) - 1)
        c = p - int(starts[t])
        s, e = spans[t]
        if e - s == len(tokens[t]):
            return s + c + (1 if end else 0)
        return e if end else s

    out = [[orig(a, False), orig(b - 1, True)] for a, b in sorted(proc_ranges) if b > a and tokens]
    merged: list[list[int]] = []
    for a, b in out:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged

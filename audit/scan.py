"""Scan a corpus for benchmark items: streamed in shards, vectorised, with evidence per hit.

For each shard of corpus records: tokenise (one Polars expression), hash every window of every
length the index holds (one NumPy prefix sum, see :mod:`audit.index`), and keep the windows whose
hash is in the index (``searchsorted`` on the sorted index). Only those hits leave the shard, so
memory is bounded by the index, one shard, and the hits.

After the last shard, n-grams found in more than ``max_record_df`` corpus records are ignored and
counted (boilerplate: licence headers, ``if __name__ == "__main__"``), then each (item part,
record) pair gets its evidence: matched n-grams, coverage of the item's tokens, the longest
aligned match, and character spans in both texts (for highlighting), and the preset's verdict.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xxhash

from audit.index import BenchmarkIndex, Tokenised, build_index, item_units, prefilter
from audit.normalise import (
    char_spans,
    merge_range_arrays,
    merge_token_ranges,
    token_spans,
    tokenize_series,
)
from audit.presets import Preset, llama2_spans
from curate import ingest_arrow
from curate.errors import ConfigError
from curate.ingest import iter_raw_rows, read_input, suffix_of
from curate.schema import CONTAMINATION_SCHEMA, assign_ids, content_hash

log = logging.getLogger(__name__)

CONTAMINATION_COLUMNS = CONTAMINATION_SCHEMA
_RANK = {"clean": 0, "not_clean": 1, "dirty": 2}


# ---------------------------------------------------------------------------------------------
# Corpus input
# ---------------------------------------------------------------------------------------------


def parse_corpus_arg(arg: str) -> tuple[str, str | None]:
    """``"data.jsonl:body"`` -> ``("data.jsonl", "body")``; ``"data.json"`` -> ``("data.json", None)``.

    ``FIELD`` may name several fields, ``text,code``: they are joined by a blank line.
    """
    if suffix_of(arg) is not None:
        return arg, None
    path, _, fld = arg.rpartition(":")
    if path and suffix_of(path) is not None:
        return path, fld
    raise ConfigError(
        f"corpus {arg!r} is not a supported file (.jsonl, .jsonl.gz, .json, .parquet, .csv)[:FIELD]"
    )


def iter_corpus(arg: str, shard_rows: int = 20_000) -> Iterator[pl.DataFrame]:
    """Shards of ``id, text`` rows of a corpus file.

    Without ``:FIELD`` the file is read like ``curate`` reads it (layout detected, instruction
    records' ``text`` = messages joined, ids = content hashes with the file stem as source), so
    spans index the same ``text`` the ``records`` table stores. With ``:FIELD`` that field is the
    text and rows are streamed.
    """
    path, fld = parse_corpus_arg(arg)
    if not Path(path).is_file():
        raise ConfigError(f"corpus file not found: {path}")
    stem = Path(path).name
    stem = stem[: -len(suffix_of(stem) or "")]
    if ingest_arrow.supports(path):  # JSONL: parsed into Arrow buffers, same ids and texts
        names = None if fld is None else fld.split(",")
        yield from ingest_arrow.iter_id_text(
            path, source=stem, fields=names, shard_rows=shard_rows, where=path
        )
        return
    yield from iter_corpus_python(path, fld, stem, shard_rows)


def iter_corpus_python(
    path: str, fld: str | None, stem: str, shard_rows: int
) -> Iterator[pl.DataFrame]:
    """:func:`iter_corpus` through Python rows: every format; the reference for the JSONL fast path."""
    if fld is None:
        recs = read_input(path, source=stem).records
        recs = recs.with_columns(id=pl.Series(assign_ids(recs["id"].to_list()), dtype=pl.String))
        for start in range(0, recs.height, shard_rows):
            yield recs.slice(start, shard_rows).select("id", "text")
        return
    seen: dict[str, int] = {}
    ids: list[str] = []
    texts: list[str] = []
    names = fld.split(",")  # FIELD or FIELD1,FIELD2 (joined by a blank line)
    for row in iter_raw_rows(Path(path)):
        if isinstance(row, tuple) or not isinstance(row.fields, dict):
            continue
        if not seen and not any(f in row.fields for f in names):
            raise ConfigError(
                f"{path}: no field {fld!r} in the first record; fields found: {', '.join(sorted(map(str, row.fields)))}"
            )
        values = [row.fields.get(f) for f in names]
        text = "\n\n".join(
            v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
            for v in values
            if v is not None
        )
        h = content_hash(stem, "document", text, None)
        k = seen.get(h, 0)
        seen[h] = k + 1
        ids.append(h if k == 0 else f"{h}-{k}")
        texts.append(text)
        if len(texts) >= shard_rows:
            yield pl.DataFrame(
                {"id": ids, "text": texts}, schema={"id": pl.String, "text": pl.String}
            )
            ids, texts = [], []
    if texts or not seen:
        yield pl.DataFrame({"id": ids, "text": texts}, schema={"id": pl.String, "text": pl.String})


def shards_of(frame: pl.DataFrame, shard_rows: int = 20_000) -> Iterator[pl.DataFrame]:
    """Shards of an in-memory ``id, text`` frame."""
    for start in range(0, max(frame.height, 1), shard_rows):
        yield frame.slice(start, shard_rows).select("id", "text")


# ---------------------------------------------------------------------------------------------
# Substring index (GPT-4 preset)
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# The scan
# ---------------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    """What a scan found.

    Attributes:
        items: ``benchmark_items`` rows of every benchmark scanned.
        contamination: one row per (benchmark item part, corpus record) pair with hits.
        item_verdicts: one row per item: ``benchmark, item_id, verdict, text_verdict,
            answer_verdict, coverage, answer_coverage, records``.
        summary: one row per benchmark (see :func:`summarise`).
        stats: records and bytes scanned, seconds, ignored common n-grams.
    """

    items: pl.DataFrame
    contamination: pl.DataFrame
    item_verdicts: pl.DataFrame
    summary: pl.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)


def build_indexes(
    benchmarks: list[pl.DataFrame], preset: Preset
) -> list[BenchmarkIndex | SubstringIndex]:
    """One index per benchmark, with the preset's n (GPT-3: per-benchmark N)."""
    out: list[BenchmarkIndex | SubstringIndex] = []
    for items in benchmarks:
        if preset.method == "substring":
            out.append(build_substring_index(items, preset))
            continue
        # item lengths only matter for a per-benchmark N (same counts as the normaliser, tested)
        lengths = (
            Tokenised.of_texts(items["text"]).lens
            if preset.per_benchmark_n
            else np.zeros(0, np.int64)
        )
        n = preset.n_for(lengths)
        out.append(
            build_index(
                items,
                n,
                whole_below=max(preset.whole_below if preset.method == "llama2" else n, n),
                min_tokens=min(preset.min_tokens, n),
                max_item_df=preset.max_item_df,
            )
        )
    return out


@dataclass
class Hits:
    """Raw hits of a scan, before evidence: per index, ``rec, rpos`` + posting columns.

    Attributes:
        indexes: one index per benchmark.
        found: per index, the hit rows joined with the postings (common n-grams removed), or None.
        texts: ``record index -> (id, text, tokens)`` for every record with a hit.
        stats: records, bytes, ignored common n-grams per benchmark.
    """

    indexes: list[BenchmarkIndex | SubstringIndex]
    found: list[pl.DataFrame | None]
    texts: dict[int, tuple[str, str, int]]
    stats: dict[str, Any]


def find_hits(
    benchmarks: list[pl.DataFrame],
    shards: Iterable[pl.DataFrame],
    preset: Preset,
    *,
    progress: Callable[[str], None] | None = None,
) -> Hits:
    """The scanning half of :func:`scan`: stream the shards, keep the hits (no evidence yet)."""
    indexes = build_indexes(benchmarks, preset)
    hits: list[list[pl.DataFrame]] = [[] for _ in indexes]
    texts: dict[int, tuple[str, str, int]] = {}  # record index -> (id, text, tokens)
    offset = 0
    n_bytes = 0
    need_tokens = any(isinstance(ix, SubstringIndex) for ix in indexes)
    ngram_indexes = [ix for ix in indexes if isinstance(ix, BenchmarkIndex)]
    union: dict[int, np.ndarray | None] = {}  # length -> union of the indexes' bit tables
    for k, shard in enumerate(shards):
        if progress:
            progress(f"shard {k + 1}: {offset + shard.height} records")
        n_bytes += int(shard["text"].fill_null("").str.len_bytes().sum() or 0)
        tokens = tokenize_series(shard["text"]) if need_tokens else None
        hit_rows: set[int] = set()
        tok = None
        cands: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # length -> windows to check
        for j, ix in enumerate(indexes):
            if isinstance(ix, SubstringIndex):
                found = _substring_hits(ix, tokens, offset)
            else:
                tok = tok or Tokenised.of_texts(shard["text"], keep_order=False)
                for length in ix.lengths:
                    if length not in cands:
                        cands[length] = prefilter(ngram_indexes, tok, length, union)
                found = _ngram_hits(ix, tok, offset, cands)
            if found.height:
                hits[j].append(found)
                hit_rows.update(found["rec"].unique().to_list())
        if hit_rows:
            lens = tok.record_lens if tok is not None else tokens.list.len().to_numpy()
            for r in hit_rows:
                texts[r] = (
                    shard["id"][r - offset],
                    shard["text"][r - offset] or "",
                    int(lens[r - offset]),
                )
        offset += shard.height
    stats: dict[str, Any] = {"records": offset, "bytes": n_bytes, "ignored_common_corpus": {}}
    joined: list[pl.DataFrame | None] = []
    for ix, parts in zip(indexes, hits, strict=True):
        # a window is its hash *and* its length (lengths are looked up in separate tables)
        key = ["pattern"] if isinstance(ix, SubstringIndex) else ["hash", "length"]
        found = pl.concat(parts) if parts else None
        common = protected = 0
        if found is not None:
            df = found.group_by(key).agg(pl.col("rec").n_unique().alias("df"))
            common_keys = df.filter(pl.col("df") > preset.max_record_df).select(key)
            common = common_keys.height
            found = found.join(ix.postings, on=key)
            if common:
                found, protected = _drop_common(found, common_keys, key, ix, preset)
        stats["ignored_common_corpus"][ix.benchmark] = common
        stats.setdefault("protected_pairs", {})[ix.benchmark] = protected
        joined.append(found)
    return Hits(indexes, joined, texts, stats)


def _drop_common(
    found: pl.DataFrame,
    common_keys: pl.DataFrame,
    key: list[str],
    ix: BenchmarkIndex | SubstringIndex,
    preset: Preset,
) -> tuple[pl.DataFrame, int]:
    """Drop hits on corpus-common n-grams, except in pairs that hold most of the item.

    A record holding at least ``preset.protect_coverage`` of an item's tokens (counting common
    n-grams too) keeps all its hits: an item copied into many records is the worst kind of
    contamination, and must not hide behind the common-n-gram filter. Returns the hits and the
    number of protected pairs.

    Example: an item pasted verbatim into 50 records: every n-gram is "common", every pair has
    coverage 1.0, all 50 pairs are kept.
    """
    tokens = ix.units.select("unit", pl.col("tokens").alias("_tokens"))
    if isinstance(ix, SubstringIndex):
        sampled = ix.postings.group_by("unit").agg(pl.len().alias("_sampled"))
        cov = (
            found.group_by("unit", "rec")
            .agg(pl.col("pattern").n_unique().alias("_n"))
            .join(sampled, on="unit")
            .select("unit", "rec", (pl.col("_n") / pl.col("_sampled")).alias("_cov"))
        )
    else:
        cov = (
            found.select(
                "unit", "rec", tok=pl.int_ranges("ipos", pl.col("ipos") + pl.col("length"))
            )
            .explode("tok")
            .group_by("unit", "rec")
            .agg(pl.col("tok").n_unique().alias("_n"))
            .join(tokens, on="unit")
            .select("unit", "rec", (pl.col("_n") / pl.col("_tokens")).alias("_cov"))
        )
    safe = cov.filter(pl.col("_cov") >= preset.protect_coverage).select("unit", "rec")
    is_common = found.join(common_keys.with_columns(_common=pl.lit(True)), on=key, how="left")
    is_safe = is_common.join(safe.with_columns(_safe=pl.lit(True)), on=["unit", "rec"], how="left")
    kept = is_safe.filter(pl.col("_common").is_null() | pl.col("_safe").fill_null(False))
    return kept.drop("_common", "_safe"), safe.height


def scan(
    benchmarks: list[pl.DataFrame],
    shards: Iterable[pl.DataFrame],
    preset: Preset,
    *,
    progress: Callable[[str], None] | None = None,
) -> ScanResult:
    """Scan corpus shards (``id, text`` frames) for the items of each benchmark.

    Example: ``scan([load_benchmark("humaneval")], iter_corpus("code.jsonl"), PRESETS["gpt3"])``.
    """
    t0 = time.perf_counter()
    hits = find_hits(benchmarks, shards, preset, progress=progress)
    scanned_at = time.perf_counter()
    rows, verdicts, summaries = [], [], []
    for ix, found in zip(hits.indexes, hits.found, strict=True):
        pairs = evidence(ix, found, hits.texts, preset)
        rows.append(pairs)
        items_v = item_verdicts(ix, found, pairs, preset)
        verdicts.append(items_v)
        summaries.append(
            summarise(ix, items_v, pairs, preset, hits.stats["ignored_common_corpus"][ix.benchmark])
        )
    stats = dict(hits.stats)
    stats["scan_seconds"] = round(scanned_at - t0, 3)
    stats["evidence_seconds"] = round(time.perf_counter() - scanned_at, 3)
    items = pl.concat(benchmarks) if benchmarks else pl.DataFrame()
    return ScanResult(
        items=items,
        contamination=pl.concat(rows, how="vertical") if rows else _empty_contamination(),
        item_verdicts=pl.concat(verdicts, how="vertical") if verdicts else pl.DataFrame(),
        summary=pl.concat(summaries, how="diagonal_relaxed") if summaries else pl.DataFrame(),
        stats=stats,
    )


def _ngram_hits(
    ix: BenchmarkIndex,
    tok: Tokenised,
    offset: int,
    cands: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
) -> pl.DataFrame:
    """Windows of the shard whose hash is in the index: ``hash, rec, rpos`` (global record index).

    Every flat window is hashed and prefiltered first (contiguous arrays, shared by all the
    indexes through ``cands``: length -> :func:`audit.index.prefilter`); only the few hits are
    then mapped to their record, dropping windows that cross a record boundary.
    """
    parts = []
    for length in ix.lengths:
        if cands is None or length not in cands:
            cand, hc = prefilter([ix], tok, length)
        else:
            cand, hc = cands[length]
        exact = ix.lookup(hc, length)
        at, hit = cand[exact], hc[exact]
        if len(at):
            keep, rec, pos = tok.owner(at, length)
            if keep.any():
                parts.append(
                    pl.DataFrame(
                        {
                            "hash": hit[keep],
                            "rec": rec[keep].astype(np.int64) + offset,
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


def _substring_hits(ix: SubstringIndex, tokens: pl.Series, offset: int) -> pl.DataFrame:
    patterns = ix.patterns
    empty = pl.DataFrame(schema={"pattern": pl.String, "rec": pl.Int64, "rpos": pl.Int64})
    if not patterns:
        return empty
    processed = tokens.list.join("")
    found = (
        pl.DataFrame({"p": processed})
        .with_row_index("rec")
        .select(
            pl.col("rec").cast(pl.Int64) + offset,
            pattern=pl.col("p").str.extract_many(patterns, overlapping=True),
        )
        .explode("pattern")
        .drop_nulls("pattern")
        .unique(maintain_order=True)
    )
    if not found.height:
        return empty
    return found.with_columns(rpos=pl.lit(-1, pl.Int64))


def _empty_contamination() -> pl.DataFrame:
    return pl.DataFrame(schema=CONTAMINATION_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Evidence and verdicts
# ---------------------------------------------------------------------------------------------


def _proc_spans(text: str, proc_ranges: list[tuple[int, int]]) -> list[list[int]]:
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

    out = []
    for a, b in sorted(proc_ranges):
        if b <= a or not tokens:
            continue
        out.append([orig(a, False), orig(b - 1, True)])
    merged: list[list[int]] = []
    for a, b in out:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def evidence(
    ix: BenchmarkIndex | SubstringIndex,
    found: pl.DataFrame | None,
    texts: dict[int, tuple[str, str, int]],
    preset: Preset,
) -> pl.DataFrame:
    """One ``contamination`` row per (unit, record) pair, with spans in both texts."""
    if found is None or not found.height:
        return _empty_contamination()
    units = {r["unit"]: r for r in ix.units.iter_rows(named=True)}
    item_tok_cache: dict[int, list[tuple[int, int]]] = {}
    rec_tok_cache: dict[int, list[tuple[int, int]]] = {}
    rows = []
    keys = (
        ["unit", "rec", "ipos", "rpos", "length"]
        if isinstance(ix, BenchmarkIndex)
        else ["unit", "rec", "pattern"]
    )
    found = found.unique(keys).sort(keys)
    # group boundaries without Polars' per-group iteration (one slice per pair)
    pair = found.select(
        (pl.col("unit").diff().fill_null(1) != 0) | (pl.col("rec").diff().fill_null(1) != 0)
    ).to_series()
    cuts = np.flatnonzero(pair.to_numpy()).tolist() + [found.height]
    if isinstance(ix, BenchmarkIndex):
        hit_recs = sorted(set(found["rec"].to_list()))
        hit_tokens = tokenize_series(
            pl.Series([texts[r][1] for r in hit_recs], dtype=pl.String)
        ).to_list()
        rec_tok_cache = {
            r: token_spans(texts[r][1], t) for r, t in zip(hit_recs, hit_tokens, strict=True)
        }
        hit_units = sorted(set(found["unit"].to_list()))
        unit_tokens = tokenize_series(
            pl.Series([units[u]["text"] for u in hit_units], dtype=pl.String)
        )
        item_tok_cache = {
            u: token_spans(units[u]["text"], t)
            for u, t in zip(hit_units, unit_tokens.to_list(), strict=True)
        }
    # columns as NumPy once: each pair is then a slice of arrays, not of a DataFrame
    ngram_cols = [] if isinstance(ix, SubstringIndex) else ["ipos", "rpos", "length"]
    cols = {c: found[c].to_numpy() for c in ["unit", "rec", *ngram_cols]}
    for a_, b_ in zip(cuts[:-1], cuts[1:], strict=True):
        unit, rec = int(cols["unit"][a_]), int(cols["rec"][a_])
        u = units[unit]
        rid, rtext, rtokens = texts[rec]
        if isinstance(ix, SubstringIndex):
            g = found.slice(a_, b_ - a_)
            proc_rec = "".join(tokenize_series(pl.Series([rtext]))[0].to_list())
            pats = g.unique("pattern")
            rec_ranges = []
            for p in pats["pattern"]:
                at = proc_rec.find(p)
                if at >= 0:
                    rec_ranges.append((at, at + len(p)))
            item_ranges = [
                (int(a), int(a) + int(n)) for a, n in zip(pats["ipos"], pats["length"], strict=True)
            ]
            sampled = int(ix.postings.filter(pl.col("unit") == unit).height) or 1
            matched = pats.height
            whole = u["kind"] == "short"
            coverage = 1.0 if whole else matched / sampled
            longest = int(pats["length"].max())
            spans = {
                "item": _proc_spans(u["text"], item_ranges),
                "record": _proc_spans(rtext, rec_ranges),
            }
            verdict = "dirty"
            n = preset.n
        else:
            ipos, rpos, length = (cols[c][a_:b_] for c in ngram_cols)
            whole = bool(u["kind"] == "short")
            if preset.method == "llama2" and not whole:
                ipos_l, rpos_l, len_l = ipos.tolist(), rpos.tolist(), length.tolist()
                item_ranges = [(a, a + n_) for a, n_ in zip(ipos_l, len_l, strict=True)]
                rec_ranges = [(a, a + n_) for a, n_ in zip(rpos_l, len_l, strict=True)]
                qualifying = []
                diag: dict[int, list[tuple[int, int]]] = defaultdict(list)
                for a, b, r in zip(ipos_l, len_l, rpos_l, strict=True):
                    diag[r - a].append((a, a + b))
                for d, intervals in diag.items():
                    qualifying.extend(
                        (a, b, d)
                        for a, b in llama2_spans(intervals, preset.min_span, preset.skip_budget)
                    )
                covered = _covered([(a, b) for a, b, _ in qualifying])
                if qualifying:
                    item_ranges = [(a, b) for a, b, _ in qualifying]
                    rec_ranges = [(a + d, b + d) for a, b, d in qualifying]
            else:  # merged once here (vectorised); char_spans then sees few ranges
                item_ranges = merge_range_arrays(ipos, ipos + length)
                rec_ranges = merge_range_arrays(rpos, rpos + length)
                covered = sum(b - a for a, b in item_ranges)
            coverage = covered / max(int(u["tokens"]), 1)
            longest = _longest(ipos, rpos, length)
            matched = len(set(ipos.tolist()))
            rspans = rec_tok_cache[rec]
            spans = {
                "item": char_spans(item_tok_cache[unit], item_ranges),
                "record": char_spans(rspans, rec_ranges),
            }
            verdict = preset.verdict(coverage)
            n = ix.n
        rows.append(
            {
                "benchmark": ix.benchmark,
                "item_id": u["item_id"],
                "id": rid,
                "preset": preset.name,
                "n": n,
                "matched_ngrams": matched,
                "coverage": round(coverage, 6),
                "longest_match": longest,
                "spans": json.dumps(spans, separators=(",", ":")),
                "verdict": verdict,
                "part": u["part"],
                "whole_match": whole,
                "item_tokens": int(u["tokens"]),
                "record_tokens": rtokens,
            }
        )
    return pl.DataFrame(rows, schema=CONTAMINATION_COLUMNS)


def _covered(ranges: list[tuple[int, int]]) -> int:
    """Tokens inside at least one range ``[a, b)``: ``[(0, 3), (2, 5), (7, 8)]`` -> 6."""
    return sum(b - a for a, b in merge_token_ranges(ranges))


def _longest(ipos: np.ndarray, rpos: np.ndarray, length: np.ndarray) -> int:
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


def item_verdicts(
    ix: BenchmarkIndex | SubstringIndex,
    found: pl.DataFrame | None,
    pairs: pl.DataFrame,
    preset: Preset,
) -> pl.DataFrame:
    """One row per benchmark item: its verdict from the text part and the answer part.

    ``gpt3``/``gpt4``: dirty if any record hit it; ``tulu3``: dirty if one record covers more
    than half its tokens; ``llama2``: bucket of the share of its tokens contaminated by any
    record (the union of every record's qualifying spans).
    """
    units = ix.units
    if preset.method == "llama2":
        whole = (
            set(
                zip(
                    *pairs.filter(pl.col("whole_match"))
                    .select("item_id", "part")
                    .to_dict(as_series=False)
                    .values(),
                    strict=True,
                )
            )
            if pairs.height
            else set()
        )
        cov = _llama2_union(ix, found, preset)
        per_unit = units.select("item_id", "part", "tokens").with_columns(
            coverage=pl.Series(
                [
                    1.0 if (i, p) in whole else cov.get((i, p), 0.0)
                    for i, p in zip(units["item_id"], units["part"], strict=True)
                ],
                dtype=pl.Float64,
            )
        )
        labels = [preset.verdict(c) for c in per_unit["coverage"]]
    else:
        agg = pairs.group_by("item_id", "part").agg(
            pl.col("coverage").max(), (pl.col("verdict") == "dirty").any().alias("hit")
        )
        per_unit = (
            units.select("item_id", "part", "tokens")
            .join(agg, on=["item_id", "part"], how="left")
            .with_columns(pl.col("coverage").fill_null(0.0), pl.col("hit").fill_null(False))
        )
        labels = ["dirty" if h else "clean" for h in per_unit["hit"]]
    per_unit = per_unit.with_columns(verdict=pl.Series(labels, dtype=pl.String))
    kinds = units.select("item_id", "part", "kind")
    per_unit = per_unit.join(kinds, on=["item_id", "part"])
    text = per_unit.filter(pl.col("part") == "text").select(
        "item_id",
        text_verdict="verdict",
        coverage="coverage",
        text_kind="kind",
        item_tokens="tokens",
    )
    ans = per_unit.filter(pl.col("part") == "answer").select(
        "item_id", answer_verdict="verdict", answer_coverage="coverage", answer_kind="kind"
    )
    records = (
        pairs.filter(pl.col("verdict") != "clean")
        .group_by("item_id")
        .agg(pl.col("id").n_unique().alias("records"))
    )
    out = (
        text.join(ans, on="item_id", how="left")
        .join(records, on="item_id", how="left")
        .with_columns(pl.col("records").fill_null(0).cast(pl.Int64), benchmark=pl.lit(ix.benchmark))
    )
    worst = [
        max((a or "clean", b or "clean"), key=lambda v: _RANK.get(v, 0))
        for a, b in zip(out["text_verdict"], out["answer_verdict"], strict=True)
    ]
    return out.with_columns(verdict=pl.Series(worst, dtype=pl.String)).select(
        "benchmark",
        "item_id",
        "verdict",
        "text_verdict",
        "answer_verdict",
        "coverage",
        "answer_coverage",
        "records",
        "text_kind",
        "answer_kind",
        "item_tokens",
    )


def _llama2_union(
    ix: BenchmarkIndex | SubstringIndex, found: pl.DataFrame | None, preset: Preset
) -> dict[tuple[str, str], float]:
    """Share of each unit's tokens inside a qualifying span of any record."""
    if found is None or not found.height:
        return {}
    units = {r["unit"]: r for r in ix.units.iter_rows(named=True)}
    covered: dict[int, set[int]] = defaultdict(set)
    for (unit, _rec), g in found.group_by(["unit", "rec"]):
        diag: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for a, b, r in zip(g["ipos"], g["length"], g["rpos"], strict=True):
            diag[r - a].append((a, a + b))
        for intervals in diag.values():
            for a, b in llama2_spans(intervals, preset.min_span, preset.skip_budget):
                covered[unit].update(range(a, b))
    return {
        (units[u]["item_id"], units[u]["part"]): len(t) / max(units[u]["tokens"], 1)
        for u, t in covered.items()
    }


def summarise(
    ix: BenchmarkIndex | SubstringIndex,
    items: pl.DataFrame,
    pairs: pl.DataFrame,
    preset: Preset,
    common_corpus: int,
) -> pl.DataFrame:
    """The per-benchmark summary row: items, dirty, % clean, buckets, counts of what was skipped."""
    n_items = items.height
    v = items["verdict"]
    dirty = int((v == "dirty").sum())
    not_clean = int((v == "not_clean").sum())
    clean = n_items - dirty - not_clean
    answer_only = int(
        (
            (items["answer_verdict"].fill_null("clean") != "clean")
            & (items["text_verdict"] == "clean")
        ).sum()
    )
    row: dict[str, Any] = {
        "benchmark": ix.benchmark,
        "preset": preset.name,
        "n": ix.n,
        "items": n_items,
        "dirty": dirty,
        "not_clean": not_clean if preset.method == "llama2" else None,
        "clean": clean,
        "pct_clean": round(100.0 * clean / n_items, 2) if n_items else None,
        "dirty_by_text": int((items["text_verdict"] == "dirty").sum()),
        "answer_only": answer_only,
        "short_items": int((items["text_kind"] == "short").sum()),
        "unscannable_items": int((items["text_kind"] == "unscannable").sum()),
        "pairs": pairs.height,
        "records_hit": pairs["id"].n_unique() if pairs.height else 0,
        "ignored_common_items": ix.ignored_common,
        "ignored_common_corpus": common_corpus,
    }
    if preset.method == "llama2":  # the paper's buckets, on the worse of question and answer
        cov = items.select(
            pl.max_horizontal("coverage", pl.col("answer_coverage").fill_null(0.0))
        ).to_series()
        row.update(
            bucket_clean=int((cov < 0.2).sum()),
            bucket_not_clean=int((cov >= 0.2).sum()),
            bucket_not_dirty=int((cov < 0.8).sum()),
            bucket_dirty=int((cov >= 0.8).sum()),
        )
    return pl.DataFrame([row])

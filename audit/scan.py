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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from audit.ids import detect_id_field, id_string, source_ids_from_meta
from audit.matchers import Matcher, Shard, matcher_for
from audit.presets import Preset
from audit.result import ITEM_VERDICT_COLUMNS, ScanResult
from curate.core.errors import ConfigError
from curate.core.records import assign_ids, content_hash
from curate.core.schemas import CONTAMINATION_SCHEMA
from curate.io import ingest_arrow
from curate.io.formats import RawRow, iter_raw_rows
from curate.io.ingest import read_input
from curate.io.paths import parse_file_fields, suffix_of

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
    path, fields = parse_file_fields(arg, "corpus")
    return path, (fields[0] if fields else None)


def iter_corpus(
    arg: str, shard_rows: int = 20_000, id_field: str | None = None
) -> Iterator[pl.DataFrame]:
    """Shards of ``id, text[, source_id]`` rows of a corpus file.

    ``source_id`` is the input's own id (``id_field``, else ``id``/``_id``/``uid``/``task_id``
    when the first record has one, see :mod:`audit.ids`), kept next to the content hash.

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
    first = next((r.fields for r in iter_raw_rows(Path(path)) if isinstance(r, RawRow)), None)
    idf = detect_id_field(first, id_field, where=path)
    if ingest_arrow.supports(path):  # JSONL: Arrow buffers, same ids, texts and source ids
        names = None if fld is None else fld.split(",")
        yield from ingest_arrow.iter_id_text(
            path, source=stem, fields=names, shard_rows=shard_rows, where=path, id_field=idf
        )
        return
    yield from iter_corpus_python(path, fld, stem, shard_rows, id_field=idf)


def corpus_shards(
    arg: str, shard_rows: int = 20_000, id_field: str | None = None, *, tokens_only: bool = True
) -> Iterable[pl.DataFrame]:
    """:func:`iter_corpus` for :func:`scan`: for JSONL, shards whose ids are computed only for
    the records the scan reports (same ids); other formats as :func:`iter_corpus`.

    With ``tokens_only`` (matchers that read token hashes alone: n-grams, llama2) JSONL goes
    through :class:`audit.jsonl_tokens.TokenShards` (bytes to token hashes in one compiled
    pass, texts only for the records that match), else :class:`curate.io.ingest_arrow.LazyIds`.
    """
    path, fld = parse_corpus_arg(arg)
    if not Path(path).is_file():
        raise ConfigError(f"corpus file not found: {path}")
    if not ingest_arrow.supports(path):
        return iter_corpus(arg, shard_rows, id_field)
    stem = Path(path).name
    stem = stem[: -len(suffix_of(stem) or "")]
    first = next((r.fields for r in iter_raw_rows(Path(path)) if isinstance(r, RawRow)), None)
    idf = detect_id_field(first, id_field, where=path)
    reader: Any = ingest_arrow.LazyIds
    if tokens_only:
        from audit.jsonl_tokens import TokenShards

        reader = TokenShards
    return reader(
        path,
        source=stem,
        fields=None if fld is None else fld.split(","),
        shard_rows=shard_rows,
        where=path,
        id_field=idf,
    )


def iter_corpus_python(
    path: str, fld: str | None, stem: str, shard_rows: int, id_field: str | None = None
) -> Iterator[pl.DataFrame]:
    """:func:`iter_corpus` through Python rows: every format; the reference for the JSONL fast path.

    ``id_field``: the input field copied to a ``source_id`` column (None: no such column).
    """
    idf = id_field
    if fld is None:
        recs = read_input(path, source=stem).records
        recs = recs.with_columns(id=pl.Series(assign_ids(recs["id"].to_list()), dtype=pl.String))
        cols = ["id", "text"]
        if idf is not None:
            recs = recs.with_columns(source_id=source_ids_from_meta(recs["meta"], idf))
            cols.append("source_id")
        for start in range(0, recs.height, shard_rows):
            yield recs.slice(start, shard_rows).select(cols)
        return
    seen: dict[str, int] = {}
    ids: list[str] = []
    texts: list[str] = []
    sids: list[str | None] = []
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
        sids.append(id_string(row.fields.get(idf)) if idf else None)
        if len(texts) >= shard_rows:
            yield _shard_frame(ids, texts, sids if idf else None)
            ids, texts, sids = [], [], []
    if texts or not seen:
        yield _shard_frame(ids, texts, sids if idf else None)


def _shard_frame(ids: list[str], texts: list[str], sids: list[str | None] | None) -> pl.DataFrame:
    data: dict[str, list] = {"id": ids, "text": texts}
    schema = {"id": pl.String, "text": pl.String}
    if sids is not None:
        data["source_id"], schema["source_id"] = sids, pl.String
    return pl.DataFrame(data, schema=schema)


def shards_of(frame: pl.DataFrame, shard_rows: int = 20_000) -> Iterator[pl.DataFrame]:
    """Shards of an in-memory ``id, text[, source_id]`` frame."""
    cols = ["id", "text"] + (["source_id"] if "source_id" in frame.columns else [])
    for start in range(0, max(frame.height, 1), shard_rows):
        yield frame.slice(start, shard_rows).select(cols)


# ---------------------------------------------------------------------------------------------
# The scan
# ---------------------------------------------------------------------------------------------


def build_indexes(benchmarks: list[pl.DataFrame], preset: Preset) -> list[Matcher]:
    """One matcher (index) per benchmark, with the preset's n (GPT-3: per-benchmark N)."""
    return [matcher_for(items, preset) for items in benchmarks]


@dataclass
class Hits:
    """Raw hits of a scan, before evidence: per matcher, ``rec, rpos`` + posting columns.

    Attributes:
        matchers: one matcher per benchmark.
        found: per matcher, the hit rows joined with the postings (common n-grams removed), or None.
        texts: ``record index -> (id, text, tokens)`` for every record with a hit.
        stats: records, bytes, ignored common n-grams per benchmark.
    """

    matchers: list[Matcher]
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
    matchers = build_indexes(benchmarks, preset)
    ngram_indexes = [ix for m in matchers if (ix := m.prefilter_index()) is not None]
    union: dict[int, np.ndarray | None] = {}  # length -> union of the indexes' bit tables
    hits: list[list[pl.DataFrame]] = [[] for _ in matchers]
    texts: dict[int, tuple[str, str, int]] = {}
    source_ids: dict[str, str | None] = {}  # record id -> the input's own id (issue 15)
    offset = n_bytes = 0
    resolve = getattr(shards, "ids", None)  # shards without ids: computed for hits only
    for k, frame in enumerate(shards):
        if progress:
            progress(f"shard {k + 1}: {offset + frame.height} records")
        # token hashes without texts (audit.jsonl_tokens): texts and ids for hits only
        tokens_only = "text" not in frame.columns
        if tokens_only:
            n_bytes += shards.text_bytes(frame)  # type: ignore[attr-defined]
            shard = Shard(
                frame, offset, union, ngram_indexes, _tok=shards.tokenised(frame),  # type: ignore[attr-defined]
                texts=lambda f=frame: shards.texts(f),  # type: ignore[attr-defined]
            )  # fmt: skip
        else:
            n_bytes += int(frame["text"].fill_null("").str.len_bytes().sum() or 0)
            shard = Shard(frame, offset, union, ngram_indexes)
        hit_rows: set[int] = set()
        for j, m in enumerate(matchers):
            found = m.shard_hits(shard)
            if found.height:
                hits[j].append(found)
                hit_rows.update(found["rec"].unique().to_list())
        if hit_rows and tokens_only:
            lens = shard.record_tokens()
            rows = sorted(hit_rows)
            ids, rtexts, sids = shards.records(frame, [r - offset for r in rows])  # type: ignore[attr-defined]
            for j, (r, rid) in enumerate(zip(rows, ids, strict=True)):
                texts[r] = (rid, rtexts[j], int(lens[r - offset]))
                if sids is not None:
                    source_ids[rid] = sids[j]
        elif hit_rows:
            lens = shard.record_tokens()
            rows = sorted(hit_rows)
            if "id" in frame.columns:
                ids = [frame["id"][r - offset] for r in rows]
            else:
                assert resolve is not None, "shards without an id column need an ids() resolver"
                ids = resolve(frame, [r - offset for r in rows])
            if "source_id" in frame.columns:
                for r, rid in zip(rows, ids, strict=True):
                    source_ids[rid] = frame["source_id"][r - offset]
            for r, rid in zip(rows, ids, strict=True):
                texts[r] = (rid, frame["text"][r - offset] or "", int(lens[r - offset]))
        offset += frame.height
    stats: dict[str, Any] = {"records": offset, "bytes": n_bytes, "ignored_common_corpus": {}}
    stats["source_ids"] = source_ids
    joined = [
        _join_postings(m, parts, preset, stats) for m, parts in zip(matchers, hits, strict=True)
    ]
    return Hits(matchers, joined, texts, stats)


def _join_postings(
    m: Matcher, parts: list[pl.DataFrame], preset: Preset, stats: dict[str, Any]
) -> pl.DataFrame | None:
    """A matcher's hits joined with its postings, corpus-common n-grams dropped (and counted)."""
    found = pl.concat(parts) if parts else None
    common = protected = 0
    if found is not None:
        df = found.group_by(m.key).agg(pl.col("rec").n_unique().alias("df"))
        common_keys = df.filter(pl.col("df") > preset.max_record_df).select(m.key)
        common = common_keys.height
        found = found.join(m.postings, on=m.key)
        if common:
            found, protected = _drop_common(found, common_keys, m, preset)
    stats["ignored_common_corpus"][m.benchmark] = common
    stats.setdefault("protected_pairs", {})[m.benchmark] = protected
    return found


def _drop_common(
    found: pl.DataFrame, common_keys: pl.DataFrame, m: Matcher, preset: Preset
) -> tuple[pl.DataFrame, int]:
    """Drop hits on corpus-common n-grams, except in pairs that hold most of the item.

    A record holding at least ``preset.protect_coverage`` of an item's tokens (counting common
    n-grams too) keeps all its hits: an item copied into many records is the worst kind of
    contamination, and must not hide behind the common-n-gram filter. Returns the hits and the
    number of protected pairs.

    Example: an item pasted verbatim into 50 records: every n-gram is "common", every pair has
    coverage 1.0, all 50 pairs are kept.
    """
    cov = m.pair_coverage(found)
    safe = cov.filter(pl.col("_cov") >= preset.protect_coverage).select("unit", "rec")
    is_common = found.join(common_keys.with_columns(_common=pl.lit(True)), on=m.key, how="left")
    is_safe = is_common.join(safe.with_columns(_safe=pl.lit(True)), on=["unit", "rec"], how="left")
    kept = is_safe.filter(pl.col("_common").is_null() | pl.col("_safe").fill_null(False))
    return kept.drop("_common", "_safe"), safe.height


def scan(
    benchmarks: list[pl.DataFrame],
    shards: Iterable[pl.DataFrame],
    preset: Preset,
    *,
    progress: Callable[[str], None] | None = None,
    semantic: Any = None,
    background: Any = None,
) -> ScanResult:
    """Scan corpus shards (``id, text`` frames) for the items of each benchmark.

    ``semantic``: :class:`audit.semantic.SemanticOptions` for ``preset = semantic``;
    ``background``: an :class:`audit.background.Background`: contaminated pairs made only of
    spans common in it become ``common_only`` (None: no demotion).

    Example: ``scan([load_benchmark("humaneval")], iter_corpus("code.jsonl"), PRESETS["gpt3"])``.
    """
    if preset.method == "semantic":  # paraphrase matcher (embedding retrieval + checks)
        from audit.semantic import SemanticOptions, scan_semantic

        return scan_semantic(benchmarks, shards, semantic or SemanticOptions(), progress=progress)
    t0 = time.perf_counter()
    hits = find_hits(benchmarks, shards, preset, progress=progress)
    scanned_at = time.perf_counter()
    rows, verdicts, summaries = [], [], []
    for m, found in zip(hits.matchers, hits.found, strict=True):
        pairs = evidence(m, found, hits.texts)
        if background is not None and pairs.height:  # commonness evidence (audit.background)
            pairs, found = _demote_common(m, found, pairs, hits.texts, background)
        rows.append(pairs)
        items_v = item_verdicts(m, found, pairs)
        verdicts.append(items_v)
        common = hits.stats["ignored_common_corpus"][m.benchmark]
        summary = summarise(m, items_v, pairs, common)
        if background is not None:
            summary = summary.with_columns(
                common_only_pairs=pl.lit(int((pairs["verdict"] == "common_only").sum())),
                common_only_items=pl.lit(_common_only_items(items_v, pairs)),
            )
        summaries.append(summary)
    stats = dict(hits.stats)
    source_ids = stats.pop("source_ids", {})
    if source_ids:
        rows = [
            r.with_columns(
                source_id=pl.col("id").replace_strict(
                    source_ids, default=None, return_dtype=pl.String
                )
            )
            for r in rows
        ]
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


def _demote_common(
    m: Matcher,
    found: pl.DataFrame | None,
    pairs: pl.DataFrame,
    texts: dict[int, tuple[str, str, int]],
    background: Any,
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Demote pairs made only of background-common spans; drop their hits for llama2's union."""
    from audit.background import demote_common

    units = m.units
    unit_texts = {
        (i, p): t for i, p, t in zip(units["item_id"], units["part"], units["text"], strict=True)
    }
    pairs = demote_common(pairs, unit_texts, background)
    common = pairs.filter(pl.col("verdict") == "common_only")
    if found is None or not common.height:
        return pairs, found
    rec_of = {rid: r for r, (rid, _t, _n) in texts.items()}
    unit_of = {
        (i, p): u for u, i, p in zip(units["unit"], units["item_id"], units["part"], strict=True)
    }
    drop = pl.DataFrame(
        {
            "unit": [
                unit_of[(i, p)] for i, p in zip(common["item_id"], common["part"], strict=True)
            ],
            "rec": [rec_of[r] for r in common["id"]],
        },
        schema={"unit": pl.Int64, "rec": pl.Int64},
    )
    return pairs, found.join(drop, on=["unit", "rec"], how="anti")


def _common_only_items(items_v: pl.DataFrame, pairs: pl.DataFrame) -> int:
    """Items left clean only because all their flagging pairs are ``common_only``."""
    demoted = set(pairs.filter(pl.col("verdict") == "common_only")["item_id"].to_list())
    clean = items_v.filter(pl.col("verdict") == "clean")["item_id"].to_list()
    return sum(1 for i in clean if i in demoted)


def _empty_contamination() -> pl.DataFrame:
    return pl.DataFrame(schema=CONTAMINATION_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Evidence and verdicts
# ---------------------------------------------------------------------------------------------


def evidence(
    m: Matcher, found: pl.DataFrame | None, texts: dict[int, tuple[str, str, int]]
) -> pl.DataFrame:
    """One ``contamination`` row per (unit, record) pair, with spans in both texts."""
    if found is None or not found.height:
        return _empty_contamination()
    found = found.unique(m.evidence_keys).sort(m.evidence_keys)
    m.prepare(found, texts)
    unit_col, rec_col = found["unit"].to_numpy(), found["rec"].to_numpy()
    hit_units = m.units.filter(pl.col("unit").is_in(np.unique(unit_col)))  # not every item's row
    units = {r["unit"]: r for r in hit_units.iter_rows(named=True)}
    rows = []
    for a, b in _pair_slices(found):
        u, rec = units[int(unit_col[a])], int(rec_col[a])
        rid, rtext, rtokens = texts[rec]
        ev = m.pair_evidence(found, a, b, u, rtext, rec)
        rows.append(
            {
                "benchmark": m.benchmark,
                "item_id": u["item_id"],
                "id": rid,
                "preset": m.preset.name,
                "n": ev.n,
                "matched_ngrams": ev.matched,
                "coverage": round(ev.coverage, 6),
                "longest_match": ev.longest,
                "spans": json.dumps(ev.spans, separators=(",", ":")),
                "verdict": ev.verdict,
                "part": u["part"],
                "whole_match": bool(u["kind"] == "short"),
                "item_tokens": int(u["tokens"]),
                "record_tokens": rtokens,
            }
        )
    return pl.DataFrame(rows, schema=CONTAMINATION_COLUMNS)


def _pair_slices(found: pl.DataFrame) -> list[tuple[int, int]]:
    """``(start, end)`` row ranges of each (unit, rec) group of hits sorted by unit, rec; group
    boundaries without Polars' per-group iteration."""
    new = found.select(
        (pl.col("unit").diff().fill_null(1) != 0) | (pl.col("rec").diff().fill_null(1) != 0)
    ).to_series()
    cuts = np.flatnonzero(new.to_numpy()).tolist() + [found.height]
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def item_verdicts(m: Matcher, found: pl.DataFrame | None, pairs: pl.DataFrame) -> pl.DataFrame:
    """One row per benchmark item: its verdict from the text part and the answer part.

    ``gpt3``/``gpt4``: dirty if any record hit it; ``tulu3``: dirty if one record covers more
    than half its tokens; ``llama2``: bucket of the share of its tokens contaminated by any
    record (the union of every record's qualifying spans).
    """
    per_unit = m.unit_verdicts(found, pairs).join(
        m.units.select("item_id", "part", "kind"), on=["item_id", "part"]
    )
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
        .with_columns(pl.col("records").fill_null(0).cast(pl.Int64), benchmark=pl.lit(m.benchmark))
    )
    worst = [
        max((a or "clean", b or "clean"), key=lambda v: _RANK.get(v, 0))
        for a, b in zip(out["text_verdict"], out["answer_verdict"], strict=True)
    ]
    # an item whose question could not be scanned under this rule, and whose answer did not
    # match, is ``unscannable``: never counted as clean (issue 15)
    worst = [
        "unscannable" if w == "clean" and k == "unscannable" else w
        for w, k in zip(worst, out["text_kind"], strict=True)
    ]
    return out.with_columns(verdict=pl.Series(worst, dtype=pl.String)).select(ITEM_VERDICT_COLUMNS)


def summarise(
    m: Matcher, items: pl.DataFrame, pairs: pl.DataFrame, common_corpus: int
) -> pl.DataFrame:
    """The per-benchmark summary row: items, dirty, % clean, buckets, counts of what was skipped."""
    n_items = items.height
    v = items["verdict"]
    dirty = int((v == "dirty").sum())
    unscannable = int((v == "unscannable").sum())
    # unscannable items are never "clean"; % clean is over the scannable items
    clean = n_items - dirty - int((v == "not_clean").sum()) - unscannable
    answer_only = (items["answer_verdict"].fill_null("clean") != "clean") & (
        items["text_verdict"] == "clean"
    )
    extras = m.summary_extras(items)
    row: dict[str, Any] = {
        "benchmark": m.benchmark,
        "preset": m.preset.name,
        "n": m.n,
        "items": n_items,
        "dirty": dirty,
        "not_clean": extras.pop("not_clean"),
        "clean": clean,
        "pct_clean": round(100.0 * clean / (n_items - unscannable), 2)
        if n_items > unscannable
        else None,
        "dirty_by_text": int((items["text_verdict"] == "dirty").sum()),
        "answer_only": int(answer_only.sum()),
        "short_items": int((items["text_kind"] == "short").sum()),
        "unscannable_items": unscannable,
        "pairs": pairs.height,
        "records_hit": pairs["id"].n_unique() if pairs.height else 0,
        "ignored_common_items": m.ignored_common,
        "ignored_common_corpus": common_corpus,
        **extras,
    }
    return pl.DataFrame([row])

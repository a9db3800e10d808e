"""MinHash near-duplicate detection in phases whose state lives on disk (corpus scale).

:func:`curate.lib.dedup.near_dup.near_duplicates` holds every signature and every band key of the
corpus in memory at once. Here the same computation is cut into phases, so that memory is bounded
by the shard size and the number of shards, not by the corpus:

1. **map** (:func:`map_shard`, once per shard, in any process or on any machine): signatures of
   the shard's texts (``sigs-SSSSS.npy``, ``uint32[n, num_perm]``), which texts had shingles, and
   the band keys and whole-signature keys of the shard, cut into ``parts`` partitions by the low
   bits of the key (``keys-SSSSS-PPPP.npz``). Sizes and representative inputs (lengths, scores)
   are written beside them.
2. **reduce** (:func:`reduce_shards`, once, global): per key partition, identical signatures are
   grouped first (each copy paired with its group's first record, as ``near_duplicates`` does),
   then LSH buckets of the remaining heads, one band at a time, with the same bounded anchors
   (:func:`curate.lib.dedup.lsh.bucket_pairs`); candidate pairs are written to pair files partitioned
   by the shard of their left record, deduplicated there, verified with the signatures of only
   the two shards concerned (memory-mapped), and joined with an incremental union-find. Then the
   representatives and each member's Jaccard with its representative.

The result is identical to ``near_duplicates`` on the concatenated texts (labels, representatives,
Jaccard estimates and candidate-pair counts; tested), because every phase computes the same
function: global record numbers are the shard offset plus the local index, bucket keys are
truncated to the same bits as ``bucket_pairs`` does, and anchors are the first
``max_bucket_anchors`` members of each bucket in record order.

Bucket work on template-heavy data (issue 19): a candidate pair whose two records are already
in one cluster (joined through verified pairs found earlier) is not verified again (``skip_connected``);
connected components are unchanged by construction, since such a pair could only join a cluster
with itself. Only the ``verified_pairs`` count differs (``skipped_pairs`` says how many).
Not supported here: ``verify="exact"`` (it needs every shingle set; use ``near_duplicates``).
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from curate.lib.dedup.clusters import representatives
from curate.lib.dedup.lsh import band_hashes, bucket_pairs, fold_columns
from curate.lib.dedup.minhash import estimate_jaccard
from curate.lib.dedup.near_dup import MinHashParams, NearDupResult, compute_signatures, peak_rss_mib


@dataclass
class ShardedResult:
    """Per-shard outcome of :func:`reduce_shards`, in global record numbers.

    Attributes:
        offsets: first global record number of each shard (length ``shards + 1``).
        label: per record, the smallest global record number of its cluster.
        representative: per record, the global record number kept for its cluster.
        cluster_size: per record, the size of its cluster (1 when alone).
        jaccard: per record, the estimate with its representative; NaN when alone.
        stats: counts and timings (the keys of ``near_duplicates``' stats, plus
            ``skipped_pairs``).
    """

    offsets: np.ndarray
    label: np.ndarray
    representative: np.ndarray
    cluster_size: np.ndarray
    jaccard: np.ndarray
    stats: dict = field(default_factory=dict)

    def shard(self, k: int) -> NearDupResult:
        """Shard ``k``'s rows (label and representative stay global numbers)."""
        a, b = int(self.offsets[k]), int(self.offsets[k + 1])
        return NearDupResult(
            self.label[a:b],
            self.representative[a:b],
            self.jaccard[a:b],
            self.cluster_size[a:b],
            self.stats,
        )

    def as_result(self) -> NearDupResult:
        """All shards as one :class:`NearDupResult` (what ``near_duplicates`` returns)."""
        return NearDupResult(
            self.label, self.representative, self.jaccard, self.cluster_size, self.stats
        )


def _check(p: MinHashParams) -> None:
    if p.verify != "signature":
        raise ValueError("sharded MinHash verifies on signatures only (verify='signature')")


def map_shard(
    texts: pl.Series | list[str | None],
    p: MinHashParams,
    out: str | Path,
    shard: int,
    parts: int,
    *,
    lengths: np.ndarray | None = None,
    scores: np.ndarray | None = None,
) -> int:
    """Phase 1 for one shard: write signatures and partitioned band keys under ``out``.

    Args:
        texts: the shard's compared texts, in record order.
        p: parameters (``verify`` must be ``signature``).
        out: the phase's folder (shared by every shard).
        shard: the shard number (its place in record order).
        parts: number of key partitions, a power of two (same for every shard).
        lengths: characters per text, for ``representative="longest"`` (computed when omitted).
        scores: quality scores for ``representative="quality"``.

    Returns:
        The number of records in the shard.

    Example: ``map_shard(["a b c d e"], MinHashParams(), "tmp/mh", 0, 4)`` -> ``1``.
    """
    _check(p)
    if parts < 1 or parts & (parts - 1):
        raise ValueError(f"parts must be a power of two, got {parts}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    texts = texts if isinstance(texts, pl.Series) else pl.Series("text", texts, dtype=pl.String)
    n = len(texts)
    bands, rows = p.band_rows()
    sigs, has, _ = compute_signatures(texts, p)
    live = np.flatnonzero(has)
    keys = band_hashes(sigs[live], bands, rows)
    whole = fold_columns(
        np.concatenate([keys, sigs[live][:, bands * rows :].astype(np.uint64)], axis=1), salt=-1
    )
    if lengths is None and p.representative == "longest":
        lengths = texts.fill_null("").str.len_chars().to_numpy()
    aux = {
        "n": np.array([n]),
        "has": has,
        "lengths": np.zeros(0) if lengths is None else np.asarray(lengths, np.float64),
        "scores": np.zeros(0) if scores is None else np.asarray(scores, np.float64),
    }
    _save(out / f"aux-{shard:05d}.npz", aux)
    np.save(out / f".sigs-{shard:05d}.tmp.npy", sigs)
    (out / f".sigs-{shard:05d}.tmp.npy").replace(out / f"sigs-{shard:05d}.npy")
    mask = np.uint64(parts - 1)
    band_ix = np.broadcast_to(np.arange(bands, dtype=np.int16), keys.shape)
    docs = np.broadcast_to(live[:, None], keys.shape)
    kpart = (keys & mask).astype(np.int64)
    wpart = (whole & mask).astype(np.int64)
    for q in range(parts):
        sel = kpart == q
        w = wpart == q
        _save(
            out / f"keys-{shard:05d}-{q:04d}.npz",
            {
                "band": band_ix[sel],
                "key": keys[sel],
                "doc": docs[sel],
                "whole": whole[w],
                "wdoc": live[w],
            },
        )
    return n


def _save(path: Path, arrays: dict[str, np.ndarray]) -> None:
    tmp = path.with_name(f".{path.name}.tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)


def _union(label: np.ndarray, left: np.ndarray, right: np.ndarray) -> None:
    """Join edges into ``label`` in place (roots are always the smallest node of a component).

    The same hooking and pointer jumping as :func:`curate.lib.dedup.clusters.components`, started
    from an existing labelling.
    """
    while len(left):
        a, b = label[left], label[right]
        differ = a != b
        if not differ.any():
            break
        a, b = a[differ], b[differ]
        np.minimum.at(label, np.maximum(a, b), np.minimum(a, b))
        while True:
            nxt = label[label]
            if np.array_equal(nxt, label):
                break
            label[:] = nxt
        left, right = left[differ], right[differ]


class _Sigs:
    """Signature rows of a few shards, memory-mapped, opened on demand."""

    def __init__(self, folder: Path, offsets: np.ndarray) -> None:
        self.folder, self.offsets = folder, offsets

    def gather(self, docs: np.ndarray) -> np.ndarray:
        """Signature rows of global record numbers ``docs`` (any order)."""
        shard = np.searchsorted(self.offsets, docs, side="right") - 1
        out = None
        for s in np.unique(shard):
            at = np.flatnonzero(shard == s)
            m = np.load(self.folder / f"sigs-{int(s):05d}.npy", mmap_mode="r")
            rows = np.asarray(m[docs[at] - self.offsets[s]])
            del m
            if out is None:
                out = np.empty((len(docs), rows.shape[1]), np.uint32)
            out[at] = rows
        return out if out is not None else np.zeros((0, 0), np.uint32)


def reduce_shards(
    folder: str | Path,
    shards: int,
    p: MinHashParams,
    parts: int,
    *,
    skip_connected: bool = True,
    chunk: int = 1 << 20,
) -> ShardedResult:
    """Phase 2: the global bucket join, verification and union-find over every shard's files.

    Args:
        folder: the folder :func:`map_shard` wrote to.
        shards: how many shards were mapped (numbered ``0..shards-1``).
        p: the same parameters as the map phase.
        parts: the same partition count as the map phase.
        skip_connected: do not verify a pair already inside one cluster (same clusters).
        chunk: pairs verified at a time.

    Returns:
        A :class:`ShardedResult`.
    """
    _check(p)
    folder = Path(folder)
    t0 = time.perf_counter()
    sizes = []
    has_parts = []
    len_parts, score_parts = [], []
    for s in range(shards):
        with np.load(folder / f"aux-{s:05d}.npz") as z:
            sizes.append(int(z["n"][0]))
            has_parts.append(z["has"])
            len_parts.append(z["lengths"])
            score_parts.append(z["scores"])
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n = int(offsets[-1])
    has = np.concatenate(has_parts) if has_parts else np.zeros(0, bool)
    del has_parts
    bands, rows = p.band_rows()

    # 1. identical signatures: each copy paired with the first record of its group
    is_head = np.zeros(n, dtype=bool)
    pair_dir = folder / "pairs"
    pair_dir.mkdir(exist_ok=True)
    writers = _PairWriter(pair_dir, offsets)
    n_copy = 0
    for q in range(parts):
        whole, wdoc = [], []
        for s in range(shards):
            with np.load(folder / f"keys-{s:05d}-{q:04d}.npz") as z:
                whole.append(z["whole"])
                wdoc.append(z["wdoc"] + offsets[s])
        w, d = np.concatenate(whole), np.concatenate(wdoc)
        if not len(w):
            continue
        order = np.lexsort((d, w))
        w, d = w[order], d[order]
        first = np.ones(len(w), dtype=bool)
        first[1:] = w[1:] != w[:-1]
        head_of = d[first][np.cumsum(first) - 1]
        is_head[d[first]] = True
        copies = ~first
        n_copy += int(copies.sum())
        writers.add(head_of[copies], d[copies], copy=True)
    writers.flush()
    t_sig = time.perf_counter()

    # 2. LSH buckets of the heads, key partition by key partition, band by band
    heads = np.flatnonzero(is_head)
    bits = max(1, int(heads.max()).bit_length()) if len(heads) else 1
    keep_bits = np.uint64((1 << (64 - bits)) - 1) if bits < 64 else np.uint64(0)
    if len(heads) >= 2:
        for q in range(parts):
            band, key, doc = [], [], []
            for s in range(shards):
                with np.load(folder / f"keys-{s:05d}-{q:04d}.npz") as z:
                    d = z["doc"] + offsets[s]
                    h = is_head[d]
                    band.append(z["band"][h])
                    key.append(z["key"][h])
                    doc.append(d[h])
            b_all, k_all, d_all = np.concatenate(band), np.concatenate(key), np.concatenate(doc)
            del band, key, doc
            for b in np.unique(b_all):
                sel = b_all == b
                d_b = d_all[sel]
                order = np.argsort(d_b, kind="stable")
                left, right = bucket_pairs(
                    k_all[sel][order] & keep_bits, d_b[order], p.max_bucket_anchors
                )
                writers.add(left, right)
            writers.flush()
    t_lsh = time.perf_counter()

    # 3. verification, pair file by pair file, with an incremental union-find
    label = np.arange(n, dtype=np.int64)
    sigs = _Sigs(folder, offsets)
    n_lsh = verified = skipped = 0
    for s in range(shards):
        copies = writers.read(s, copy=True)
        if copies is not None:  # identical signatures: estimate 1.0 >= any threshold
            verified += len(copies[0])
            _union(label, *copies)
        got = writers.read(s, copy=False)
        if got is None:
            continue
        code = np.unique(got[0] * n + got[1])  # each pair once (it may come from many bands)
        n_lsh += len(code)
        left_all, right_all = code // n, code % n
        c, step = 0, min(4096, chunk)
        while c < len(code):
            # Small chunks first, growing: on template-heavy buckets the first anchor's pairs
            # already join most members, and later pairs inside the cluster are skipped.
            left, right = left_all[c : c + step], right_all[c : c + step]
            c, step = c + step, min(2 * step, chunk)
            if skip_connected:
                open_ = label[left] != label[right]
                skipped += int(len(left) - open_.sum())
                left, right = left[open_], right[open_]
            if not len(left):
                continue
            est = estimate_jaccard(sigs.gather(left), sigs.gather(right))
            ok = est >= p.threshold - 1e-12
            verified += int(ok.sum())
            _union(label, left[ok], right[ok])
    writers.remove()

    # 4. representatives and Jaccard with the representative, members only
    size = np.bincount(label, minlength=n)[label] if n else np.zeros(0, np.int64)
    member = np.flatnonzero(size > 1)
    reps = np.arange(n, dtype=np.int64)
    jaccard = np.full(n, np.nan)
    policy = p.representative
    scores = np.concatenate(score_parts) if policy == "quality" and score_parts else None
    if policy == "quality" and (scores is None or len(scores) != n):
        policy, scores = "first", None
    if len(member):
        lab = label[member]
        lengths = np.concatenate(len_parts)[member] if policy == "longest" else None
        local = representatives(
            lab, policy, lengths=lengths, scores=None if scores is None else scores[member]
        )
        reps[member] = member[local]
        for c in range(0, len(member), chunk):
            m = member[c : c + chunk]
            jaccard[m] = estimate_jaccard(sigs.gather(m), sigs.gather(reps[m]))
    t_end = time.perf_counter()
    n_clusters = int(len(np.unique(label[member]))) if len(member) else 0
    stats = {
        "records": n,
        "records_without_shingles": int(n - has.sum()),
        "bands": bands,
        "rows": rows,
        "candidate_pairs": int(n_copy + n_lsh),
        "verified_pairs": int(verified),
        "skipped_pairs": int(skipped),
        "clusters": n_clusters,
        "duplicates": int(len(member) - n_clusters),
        "seconds": round(t_end - t0, 4),
        "seconds_signatures": round(t_sig - t0, 4),
        "seconds_lsh": round(t_lsh - t_sig, 4),
        "seconds_clusters": round(t_end - t_lsh, 4),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "shards": shards,
        "parts": parts,
    }
    return ShardedResult(offsets, label, reps, size, jaccard, stats)


class _PairWriter:
    """Candidate pairs appended to files partitioned by the shard of their left record."""

    def __init__(self, folder: Path, offsets: np.ndarray) -> None:
        self.folder, self.offsets = folder, offsets
        self.buf: dict[tuple[int, bool], list[tuple[np.ndarray, np.ndarray]]] = {}
        self.files: dict[tuple[int, bool], int] = {}

    def add(self, left: np.ndarray, right: np.ndarray, copy: bool = False) -> None:
        if not len(left):
            return
        shard = np.searchsorted(self.offsets, left, side="right") - 1
        order = np.argsort(shard, kind="stable")
        shard, left, right = shard[order], left[order], right[order]
        cut = np.flatnonzero(np.diff(shard)) + 1
        for a, b in zip(np.r_[0, cut], np.r_[cut, len(shard)], strict=True):
            self.buf.setdefault((int(shard[a]), copy), []).append((left[a:b], right[a:b]))

    def flush(self) -> None:
        for (s, copy), parts in self.buf.items():
            k = self.files.get((s, copy), 0)
            np.save(
                self.folder / f"{'copy' if copy else 'lsh'}-{s:05d}-{k:05d}.npy",
                np.stack(
                    [np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts])]
                ),
            )
            self.files[(s, copy)] = k + 1
        self.buf = {}

    def read(self, s: int, copy: bool) -> tuple[np.ndarray, np.ndarray] | None:
        k = self.files.get((s, copy), 0)
        if not k:
            return None
        arr = np.concatenate(
            [
                np.load(self.folder / f"{'copy' if copy else 'lsh'}-{s:05d}-{i:05d}.npy")
                for i in range(k)
            ],
            axis=1,
        )
        return arr[0], arr[1]

    def remove(self) -> None:
        for (s, copy), k in self.files.items():
            for i in range(k):
                (self.folder / f"{'copy' if copy else 'lsh'}-{s:05d}-{i:05d}.npy").unlink(
                    missing_ok=True
                )


def parts_for(shards: int) -> int:
    """Key partitions for a number of shards: the next power of two (so one partition holds
    about one shard's keys). Example: ``parts_for(5)`` -> ``8``."""
    return 1 << max(0, int(shards - 1).bit_length())


def near_duplicates_sharded(
    shards: list[pl.Series | list[str | None]],
    folder: str | Path,
    params: MinHashParams | None = None,
    *,
    scores: list[np.ndarray] | None = None,
    skip_connected: bool = True,
) -> ShardedResult:
    """Map every shard, then reduce: the whole on-disk path in one call (tests, benchmarks).

    Example: ``near_duplicates_sharded([["a b c d e f g"], ["a b c d e f g h", "x y z"]], "tmp")
    .label`` -> ``[0, 0, 2]`` (as ``near_duplicates`` on the three texts).
    """
    p = dataclasses.replace(params or MinHashParams(), threads=1)
    parts = parts_for(len(shards))
    for k, texts in enumerate(shards):
        map_shard(texts, p, folder, k, parts, scores=None if scores is None else scores[k])
    return reduce_shards(folder, len(shards), p, parts, skip_connected=skip_connected)


def stats_line(key: str, s: dict) -> str:
    """The run summary line of a MinHash step (same words as the single-frame step)."""
    return (
        f"{key}: {s['records']} records compared, {s['candidate_pairs']} candidate pairs, "
        f"{s['verified_pairs']} verified, {s['clusters']} clusters, {s['duplicates']} near-duplicates "
        f"({s['bands']} bands x {s['rows']} rows, {s['seconds']:.2f} s)"
    )


def dump_stats(stats: dict) -> str:
    """Stats as compact JSON."""
    return json.dumps(stats, sort_keys=True)

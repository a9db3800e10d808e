"""Train/validation splits without leakage: whole duplicate groups go to one side.

A validation row is only useful if no copy of it is trained on. Rows are first joined into
*groups* (union-find) by three links, and the split then assigns whole groups:

1. the run's duplicate clusters (``clusters`` table: exact and MinHash clusters of the dedup
   steps; dropped copies are not in the kept set, but two kept rows of one cluster are linked);
2. equal normalised prompts (the same question with another answer is still a leak);
3. a near-duplicate pass of our own: MinHash over byte 5-grams of the normalised text, 128
   permutations, LSH with 42 bands of 3 rows (a pair at Jaccard 0.5 becomes a candidate with
   probability 1 - (1 - 0.5^3)^42 ≈ 0.996, at 0.4 ≈ 0.93). Candidates whose signature estimate is
   clearly above ``threshold`` (+0.15, over 3 standard errors at 128 permutations) are linked;
   those in the uncertain band (±0.15) are checked with the *exact* Jaccard of their 5-gram sets,
   skipped when already in one group. It catches near-duplicates *below* the dedup step's
   threshold (dedup keeps them; a split must not separate them) and runs even when the recipe has
   no near-dup step. On the real data (23.5k records) a first version that trusted the estimate
   with 32 bands × 4 rows missed 25% of the pairs at Jaccard ≥ 0.5; this one misses 0.3%
   (bench/mix_real.py).

Groups are then assigned by a seeded hash of their key (the smallest id in the group), per source:
``fraction`` or ``count`` of each source's rows, rounded up to whole groups. ``holdout_sources``
go wholly to validation (FLAN's held-out tasks), and so does every group that touches them.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from curate.core.textnorm import dedup_key
from curate.lib.mixing.rates import derive_seed

NUM_PERM = 128
BANDS = 42
ROWS = 3
SHINGLE = 5
MARGIN = 0.15  # estimates within ±MARGIN of the threshold are checked exactly
_MAX_BUCKET = 200  # larger LSH buckets link every member to the first one only
_PRIME_MULT = np.uint64(0x9E3779B97F4A7C15)


class UnionFind:
    """Disjoint sets over ``0..n-1`` with path halving.

    Example: ``uf = UnionFind(3); uf.union(0, 2); uf.find(2) == uf.find(0)`` -> True.
    """

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def shingle_hashes(texts: list[str], k: int = SHINGLE) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every byte k-gram of each text, vectorised over the whole batch.

    Returns ``(hashes, doc)``: the hash of each k-gram and the index of the text it comes from.
    A text shorter than k bytes gives one gram (the whole text).

    Example: ``shingle_hashes(["abcdef"], 5)`` -> two hashes (``abcde``, ``bcdef``), doc ``[0, 0]``.
    """
    encoded = [t.encode("utf-8") or b"\x00" for t in texts]
    encoded = [e if len(e) >= k else e.ljust(k, b"\x00") for e in encoded]
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    n_grams = lengths - k + 1
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), n_grams)
    offset = np.arange(int(n_grams.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(n_grams) - n_grams, n_grams
    )
    pos = np.repeat(starts, n_grams) + offset
    h = np.zeros(len(pos), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = (h ^ buf[pos + j]) * np.uint64(0x100000001B3)  # FNV-1a over the k bytes
        h ^= h >> np.uint64(29)
        h *= _PRIME_MULT
        h ^= h >> np.uint64(32)
    return h, doc


def minhash_signatures(texts: list[str], num_perm: int = NUM_PERM, seed: int = 1) -> np.ndarray:
    """MinHash signatures ``[len(texts), num_perm]`` (uint32) of the byte 5-gram sets.

    Permutation i is ``(a_i · h + b_i) mod 2^64`` (a_i odd), keeping the top 32 bits. Equal texts
    give equal signatures; the share of equal positions estimates the Jaccard similarity.
    """
    if not texts:
        return np.zeros((0, num_perm), dtype=np.uint32)
    h, doc = shingle_hashes(texts)
    starts = np.flatnonzero(np.concatenate([[True], doc[1:] != doc[:-1]]))
    rng = np.random.Generator(np.random.PCG64(seed))
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    sig = np.empty((len(texts), num_perm), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for i in range(num_perm):
            v = ((h * a[i] + b[i]) >> np.uint64(32)).astype(np.uint32)
            sig[:, i] = np.minimum.reduceat(v, starts)
    return sig


def candidate_pairs(
    sig: np.ndarray, bands: int = BANDS, rows: int = ROWS
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``[m, 2]`` (i < j) sharing at least one LSH band, and their estimated Jaccard
    (the share of equal signature positions). Buckets larger than 200 link each member to the
    first one only (a star), so a bucket of many copies stays linear."""
    n = sig.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    frames = []
    with np.errstate(over="ignore"):
        for band in range(bands):
            key = np.full(n, np.uint64(band), dtype=np.uint64)
            for r in range(
                rows
            ):  # a 64-bit mix of the band's values (collisions are verified away)
                key = (key ^ sig[:, band * rows + r].astype(np.uint64)) * _PRIME_MULT
                key ^= key >> np.uint64(31)
            frames.append(
                pl.DataFrame(
                    {"doc": np.arange(n), "band": np.full(n, band, dtype=np.int32), "key": key}
                )
            )
    buckets = (
        pl.concat(frames).with_columns(size=pl.len().over("band", "key")).filter(pl.col("size") > 1)
    )
    small = buckets.filter(pl.col("size") <= _MAX_BUCKET)
    pairs = small.join(small, on=["band", "key"], suffix="_b").filter(
        pl.col("doc") < pl.col("doc_b")
    )
    big = buckets.filter(pl.col("size") > _MAX_BUCKET).with_columns(
        first=pl.col("doc").min().over("band", "key")
    )
    star = big.filter(pl.col("doc") != pl.col("first")).select(doc="first", doc_b="doc")
    cand = pl.concat([pairs.select("doc", "doc_b"), star]).unique().sort("doc", "doc_b")
    if cand.height == 0:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    i = cand["doc"].to_numpy()
    j = cand["doc_b"].to_numpy()
    return np.stack([i, j], axis=1), (sig[i] == sig[j]).mean(axis=1)


def near_duplicate_pairs(
    sig: np.ndarray, threshold: float, bands: int = BANDS, rows: int = ROWS
) -> np.ndarray:
    """Candidate pairs whose signature estimate is ≥ ``threshold`` (no exact check)."""
    pairs, est = candidate_pairs(sig, bands, rows)
    return pairs[est >= threshold]


class GramSets:
    """Exact byte 5-gram sets of texts, built lazily, for the exact Jaccard of uncertain pairs.

    Example: ``GramSets(["abcdef", "abcdeg"]).jaccard(0, 1)`` -> ``1/3`` ({abcde, bcdef} vs
    {abcde, bcdeg}).
    """

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.sets: dict[int, np.ndarray] = {}

    def get(self, i: int) -> np.ndarray:
        if i not in self.sets:
            self.sets[i] = np.unique(shingle_hashes([self.texts[i]])[0])
        return self.sets[i]

    def jaccard(self, i: int, j: int) -> float:
        a, b = self.get(i), self.get(j)
        inter = len(np.intersect1d(a, b, assume_unique=True))
        return inter / (len(a) + len(b) - inter)


def duplicate_groups(
    ids: list[str],
    texts: list[str],
    prompts: list[str],
    clusters: pl.DataFrame | None = None,
    threshold: float | None = 0.5,
) -> list[str]:
    """The group key (smallest id in the group) of each row; see the module docstring.

    Example: two rows with the same prompt, or in one ``clusters`` cluster, get the same key.
    """
    n = len(ids)
    uf = UnionFind(n)
    index = {rid: i for i, rid in enumerate(ids)}
    if clusters is not None and clusters.height:
        c = clusters.select("cluster_id", "id").filter(pl.col("id").is_in(ids))
        for members in c.group_by("cluster_id", maintain_order=True).agg("id")["id"].to_list():
            for other in members[1:]:
                uf.union(index[members[0]], index[other])
    first_with: dict[str, int] = {}
    for i, p in enumerate(prompts):
        key = dedup_key(p) if p else ""
        if key:
            if key in first_with:
                uf.union(first_with[key], i)
            else:
                first_with[key] = i
    if threshold is not None and n > 1:
        keys = [dedup_key(t or "") for t in texts]
        pairs, est = candidate_pairs(minhash_signatures(keys))
        order = np.argsort(-est, kind="stable")
        exact = GramSets(keys)
        for k in order[est[order] >= threshold - MARGIN]:
            i, j = int(pairs[k, 0]), int(pairs[k, 1])
            if uf.find(i) == uf.find(j):
                continue
            if est[k] >= threshold + MARGIN or exact.jaccard(i, j) >= threshold:
                uf.union(i, j)
    roots = [uf.find(i) for i in range(n)]
    key_of: dict[int, str] = {}
    for i, r in enumerate(roots):
        if r not in key_of or ids[i] < key_of[r]:
            key_of[r] = ids[i]
    return [key_of[r] for r in roots]


def assign_splits(
    sources: list[str],
    groups: list[str],
    *,
    seed: int,
    count: int | None = None,
    fraction: float | None = None,
    holdout_sources: tuple[str, ...] = (),
) -> list[str]:
    """``"train"`` or ``"validation"`` per row, whole groups at a time.

    Per source, groups are ordered by a seeded hash of their key and taken into validation until
    the source has ``count`` rows (or ``ceil(fraction · rows)``) there. A group chosen by any
    source goes to validation in every source (a group can span sources).

    Example: ``assign_splits(["a"] * 4, ["g1", "g1", "g2", "g3"], seed=0, count=1)`` puts one
    whole group in validation: either both ``g1`` rows, or one of ``g2``/``g3``.
    """
    frame = pl.DataFrame(
        {"source": sources, "group": groups}, schema={"source": pl.String, "group": pl.String}
    )
    val_groups: set[str] = set(
        frame.filter(pl.col("source").is_in(list(holdout_sources)))["group"].to_list()
    )
    if count is not None or fraction is not None:
        sizes = (
            frame.group_by("source", "group")
            .len()
            .with_columns(
                order=pl.col("group").map_elements(
                    lambda g: derive_seed(seed, "split", g), return_dtype=pl.UInt64
                )
            )
        )
        for (_src,), part in sizes.filter(~pl.col("source").is_in(list(holdout_sources))).group_by(
            "source"
        ):
            part = part.sort("order", "group")
            total = int(part["len"].sum())
            want = count if count is not None else int(np.ceil(fraction * total))  # type: ignore[operator]
            cum_before = part["len"].cum_sum() - part["len"]
            val_groups |= set(part.filter(cum_before < want)["group"].to_list())
    return ["validation" if g in val_groups else "train" for g in groups]

"""Pair-level precision / recall / F1 of near-duplicate detection on planted edits of real text.

Builds a labelled set from ``../shared/data``: originals (texts of at least 40 words, or 160
characters of CJK, with natural near-duplicates removed: word-5-gram Jaccard < 0.5 between any two) from Alpaca outputs, GSM8K questions, CodeAlpaca code and web-page chunks, each
with two edited copies (word substitutions, insertions,
deletions at 1/2/3 %, a moved sentence, case/whitespace changes, or case/whitespace + 1 %
substitutions), plus as many unrelated originals as controls. Every method sees the same word
5-gram shingles and 128 permutations, at thresholds 0.6 (our default) / 0.7 / 0.8 / 0.9:

- ``cleanroom``: ``near_duplicates`` with its defaults (bands x rows weighted 0.1 / 0.9 towards
  recall, every candidate verified on the signature);
- ``cleanroom_dsweights``: the same with datasketch's 0.5 / 0.5 weights (identical bands x rows);
- ``datasketch``: ``MinHash.bulk`` + ``MinHashLSH(threshold)`` insert/query, union-find over the
  query results (datasketch's usual use: candidates are not verified);
- ``datasketch_verified``: the same candidates kept only if ``MinHash.jaccard >= threshold``.

Three views, each pair-level precision / recall / F1:

- ``planted`` (clusters): predicted pairs are all pairs inside a cluster; a pair is a duplicate iff
  both come from the same original. This is the dedup question: are the removed records copies?
- ``exact`` (clusters): same predicted pairs; a pair is a duplicate iff its exact word-5-gram
  Jaccard is >= the threshold (pooled: every planted pair and every pair any method predicted is
  scored exactly). Clusters are transitive, so two copies linked through their original count as
  a predicted pair even when they are less similar to each other than the threshold.
- ``exact`` (direct pairs): the pairs each method itself declared similar (our verified pairs;
  datasketch's query results, or those it verified) against the same exact truth.

Run: ``PYTHONPATH=. python bench/dedup_quality.py`` (about a minute); writes
``bench/results/dedup_quality.json``.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _dedup_data import EDIT_NAMES, edit, sources  # noqa: E402

from curate.lib.dedup import DEFAULT_THRESHOLD, MinHashParams, near_duplicates  # noqa: E402
from curate.lib.dedup.clusters import components  # noqa: E402
from curate.lib.dedup.shingles import shingle_strings  # noqa: E402

THRESHOLDS = (0.6, 0.7, 0.8, 0.9)  # 0.6 is the default
PER_SOURCE = 300
MIN_WORDS = 40
RESULTS = Path(__file__).resolve().parent / "results"


def distinct(texts: list[str], below: float = 0.5) -> list[str]:
    """Drop texts whose word-5-gram Jaccard with an earlier one is >= ``below``.

    Real corpora hold natural near-duplicates (CodeAlpaca has many near-identical factorial
    programs); they would be "false positives" against the planted labels. Candidates come from
    datasketch's ``MinHashLSH`` at a low threshold (0.3, a third-party tool, so this cleaning does
    not favour ours), then the exact Jaccard decides.
    """
    from datasketch import MinHash, MinHashLSH

    sets = [frozenset(shingle_strings(t)) for t in texts]
    mh = MinHash.bulk([[x.encode() for x in s] for s in sets], num_perm=128)
    lsh = MinHashLSH(threshold=0.3, num_perm=128)
    keep = []
    for i, m in enumerate(mh):
        if any(len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= below for j in lsh.query(m)):
            continue
        lsh.insert(i, m)
        keep.append(texts[i])
    return keep


def build(seed: int = 0) -> tuple[list[str], list[int], list[str]]:
    """Texts, their origin group, and the edit applied (``original`` / ``control``)."""
    rng = np.random.default_rng(seed)
    src = {k: distinct(v) for k, v in sources(MIN_WORDS).items()}
    vocab = sorted({w for t in src["alpaca"][:2000] for w in t.split() if w.isalpha()})
    texts, group, how = [], [], []
    g = 0
    for pool in src.values():
        idx = rng.permutation(len(pool))
        n = min(PER_SOURCE, len(pool) // 2)
        for i in idx[:n]:  # originals with two copies each
            base = pool[i]
            texts.append(base)
            group.append(g)
            how.append("original")
            for _ in range(2):
                copy = ""
                while not copy:
                    kind = EDIT_NAMES[rng.integers(len(EDIT_NAMES))]
                    copy = edit(rng, base, kind, vocab)
                texts.append(copy)
                group.append(g)
                how.append(kind)
            g += 1
        for i in idx[n : 2 * n]:  # unrelated controls
            texts.append(pool[i])
            group.append(g)
            how.append("control")
            g += 1
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], [group[i] for i in order], [how[i] for i in order]


def cluster_pairs(labels: np.ndarray) -> set[tuple[int, int]]:
    members = defaultdict(list)
    for i, lab in enumerate(labels.tolist()):
        members[lab].append(i)
    return {p for m in members.values() if len(m) > 1 for p in combinations(m, 2)}


def run_datasketch(
    shingles: list[list[bytes]], threshold: float
) -> tuple[np.ndarray, np.ndarray, set, set]:
    """Labels without and with verification, and the direct pairs without and with it."""
    from datasketch import MinHash, MinHashLSH

    mh = MinHash.bulk(shingles, num_perm=128)
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    for i, m in enumerate(mh):
        lsh.insert(i, m)
    left, right, keep = [], [], []
    for i, m in enumerate(mh):
        for j in lsh.query(m):
            if j > i:
                left.append(i)
                right.append(j)
                keep.append(m.jaccard(mh[j]) >= threshold)
    n = len(shingles)
    left_a, right_a, keep_a = (
        np.array(left, dtype=np.int64),
        np.array(right, dtype=np.int64),
        np.array(keep, dtype=bool),
    )
    plain = components(n, left_a, right_a)
    verified = components(n, left_a[keep_a], right_a[keep_a])
    pairs = set(zip(left_a.tolist(), right_a.tolist(), strict=True))
    vpairs = set(zip(left_a[keep_a].tolist(), right_a[keep_a].tolist(), strict=True))
    return plain, verified, pairs, vpairs


def prf(pred: set, truth: set) -> dict[str, float]:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(truth) if truth else 1.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
        "pairs": len(pred),
    }


def main() -> None:
    t0 = time.perf_counter()
    texts, group, how = build()
    n = len(texts)
    sets = [frozenset(shingle_strings(t)) for t in texts]
    exact_cache: dict[tuple[int, int], float] = {}

    def exact(pair: tuple[int, int]) -> float:
        if pair not in exact_cache:
            a, b = sets[pair[0]], sets[pair[1]]
            exact_cache[pair] = len(a & b) / len(a | b) if a or b else 1.0
        return exact_cache[pair]

    by_group = defaultdict(list)
    for i, g in enumerate(group):
        by_group[g].append(i)
    planted = {p for m in by_group.values() if len(m) > 1 for p in combinations(sorted(m), 2)}
    shingles_b = [[s.encode() for s in shingle_strings(t)] for t in texts]
    print(
        f"{n} records: {sum(h == 'original' for h in how)} originals, {sum(h == 'control' for h in how)} controls, "
        f"{sum(h not in ('original', 'control') for h in how)} edited copies; {len(planted)} planted pairs"
    )

    report: dict = {"records": n, "planted_pairs": len(planted), "thresholds": {}}
    rows = []
    for t in THRESHOLDS:
        preds, direct = {}, {}
        ours = near_duplicates(texts, MinHashParams(threshold=t))
        preds["cleanroom"] = cluster_pairs(ours.label)
        direct["cleanroom"] = set(zip(*(x.tolist() for x in ours.pairs), strict=True))
        ours_ds = near_duplicates(
            texts, MinHashParams(threshold=t, false_positive_weight=0.5, false_negative_weight=0.5)
        )
        preds["cleanroom_dsweights"] = cluster_pairs(ours_ds.label)
        direct["cleanroom_dsweights"] = set(zip(*(x.tolist() for x in ours_ds.pairs), strict=True))
        plain, verified, direct["datasketch"], direct["datasketch_verified"] = run_datasketch(
            shingles_b, t
        )
        preds["datasketch"] = cluster_pairs(plain)
        preds["datasketch_verified"] = cluster_pairs(verified)
        pool = planted.union(*preds.values(), *direct.values())
        exact_truth = {p for p in pool if exact(p) >= t}
        entry = {
            "bands_rows": {
                "cleanroom": [ours.stats["bands"], ours.stats["rows"]],
                "datasketch": [ours_ds.stats["bands"], ours_ds.stats["rows"]],
            },
            "methods": {},
        }
        for name, pred in preds.items():
            res = {
                "planted": prf(pred, planted),
                "exact": prf(pred, exact_truth),
                "exact_direct": prf(direct[name], exact_truth),
            }
            entry["methods"][name] = res
            rows.append((t, name, res))
        entry["exact_positive_pairs"] = len(exact_truth)
        report["thresholds"][str(t)] = entry

        if t == DEFAULT_THRESHOLD:  # recall per edit type at the default threshold
            per_edit = defaultdict(lambda: [0, 0, []])
            for i in range(n):
                if how[i] in ("original", "control"):
                    continue
                orig = next(j for j in by_group[group[i]] if how[j] == "original")
                rec = per_edit[how[i]]
                rec[0] += 1
                rec[1] += int(ours.label[i] == ours.label[orig])
                rec[2].append(exact((min(i, orig), max(i, orig))))
            report["per_edit_default"] = {
                k: {
                    "copies": v[0],
                    "found_with_original": v[1],
                    "recall": round(v[1] / v[0], 4),
                    "mean_exact_jaccard": round(float(np.mean(v[2])), 3),
                    "min_exact_jaccard": round(float(np.min(v[2])), 3),
                }
                for k, v in sorted(per_edit.items())
            }
    report["seconds"] = round(time.perf_counter() - t0, 1)

    print(
        "\npair-level precision / recall / F1 (planted: same original; exact: word-5-gram Jaccard >= thr)"
    )
    print(
        f"{'thr':>4} {'method':<20} | {'planted, clusters':^20} | {'exact, clusters':^20} | {'exact, direct pairs':^20}"
    )
    for t, name, res in rows:
        cells = " | ".join(
            f"{res[k]['precision']:.3f} {res[k]['recall']:.3f} {res[k]['f1']:.3f}".center(20)
            for k in ("planted", "exact", "exact_direct")
        )
        print(f"{t:>4} {name:<20} | {cells}")
    print("\nbands x rows:", {t: e["bands_rows"] for t, e in report["thresholds"].items()})
    print(
        f"\nrecall of edited copies at the default threshold {DEFAULT_THRESHOLD} (cleanroom, planted truth):"
    )
    print(f"{'edit':<32} {'copies':>6} {'recall':>7} {'mean J':>7} {'min J':>6}")
    for k, v in report["per_edit_default"].items():
        print(
            f"{k:<32} {v['copies']:>6} {v['recall']:>7.4f} {v['mean_exact_jaccard']:>7.3f} {v['min_exact_jaccard']:>6.3f}"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dedup_quality.json").write_text(json.dumps(report, indent=2))
    print(f"\n{report['seconds']} s; wrote {RESULTS / 'dedup_quality.json'}")


if __name__ == "__main__":
    main()

"""From verified pairs to clusters: verification, connected components, representatives.

Every candidate pair from LSH is checked before it may join two records: its MinHash estimate
(or, on request, the exact Jaccard of the two shingle sets) must reach the threshold. Verified
pairs are edges; clusters are the connected components (union-find), so they are transitive by
construction. Each cluster keeps one representative chosen by a policy; the rest are dropped.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from curate.lib.dedup import _kernels
from curate.lib.dedup.minhash import estimate_jaccard

Policy = Literal["first", "longest", "quality"]


def verify_pairs(
    sigs: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    threshold: float,
    chunk: int = 65_536,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the pairs whose signature Jaccard estimate is ``>= threshold``.

    Returns ``(left, right, jaccard)`` of the kept pairs.

    Example: signatures ``[1,2,3,4]`` and ``[1,2,3,9]`` (estimate 0.75) pass at 0.7, fail at 0.8.
    """
    if _kernels.HAVE_NUMBA and len(left):  # same counts, no (pairs, num_perm) temporaries
        left = np.asarray(left, dtype=np.int64)
        right = np.asarray(right, dtype=np.int64)
        counts = np.empty(len(left), dtype=np.int64)
        _kernels.match_counts_kernel(np.ascontiguousarray(sigs), left, right, counts)
        est = counts / np.float64(sigs.shape[1])  # the mean of the equal positions, bit for bit
        ok = est >= threshold - 1e-12
        return left[ok], right[ok], est[ok]
    est = np.empty(len(left), dtype=np.float64)
    for s in range(0, len(left), chunk):
        est[s : s + chunk] = estimate_jaccard(sigs[left[s : s + chunk]], sigs[right[s : s + chunk]])
    ok = est >= threshold - 1e-12
    return left[ok], right[ok], est[ok]


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted, distinct arrays: ``|a & b| / |a | b|``.

    Example: ``[1, 2, 3]`` and ``[2, 3, 4]`` -> ``0.5``; two empty sets -> ``1.0``.
    """
    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components of ``n`` nodes: each node's label is the smallest node of its component.

    Vectorised union-find: every edge hooks the larger of its two roots under the smaller, then
    pointer jumping flattens the trees; repeat until both ends of every edge share a root.
    Labelling by the smallest member makes the result independent of edge order and sharding.

    Example: ``components(4, [0, 2], [1, 3])`` -> ``[0, 0, 2, 2]``; no edges -> ``[0, 1, 2, 3]``.
    """
    label = np.arange(n, dtype=np.int64)
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    while len(left):
        a, b = label[left], label[right]
        differ = a != b
        if not differ.any():
            break
        a, b = a[differ], b[differ]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        np.minimum.at(label, hi, lo)  # hook roots (labels are always roots after jumping)
        while True:  # pointer jumping
            nxt = label[label]
            if np.array_equal(nxt, label):
                break
            label = nxt
        left, right = left[differ], right[differ]
    return label


def representatives(
    labels: np.ndarray,
    policy: Policy = "first",
    lengths: np.ndarray | None = None,
    scores: np.ndarray | None = None,
) -> np.ndarray:
    """For each node, the node that represents its cluster.

    Policies: ``first`` (input order), ``longest`` (most characters), ``quality`` (highest
    ``scores``; a missing score counts lowest). Ties always go to the earliest node.

    Example: labels ``[0, 0, 0]``, lengths ``[5, 9, 9]``, ``longest`` -> ``[1, 1, 1]``.
    """
    n = len(labels)
    order_keys: list[np.ndarray] = [np.arange(n)]
    if policy == "longest":
        if lengths is None:
            raise ValueError("policy 'longest' needs lengths")
        order_keys.append(-np.asarray(lengths, dtype=np.float64))
    elif policy == "quality":
        if scores is None:
            raise ValueError("policy 'quality' needs scores")
        s = np.asarray(scores, dtype=np.float64)
        order_keys.append(-np.where(np.isnan(s), -np.inf, s))
    order_keys.append(labels)
    order = np.lexsort(order_keys)  # by label, then the policy key, then input order
    lab_sorted = labels[order]
    first = np.ones(n, dtype=bool)
    first[1:] = lab_sorted[1:] != lab_sorted[:-1]
    group_rep = order[first][np.cumsum(first) - 1]  # each sorted node's group head
    reps = np.empty(n, dtype=np.int64)
    reps[order] = group_rep
    return reps

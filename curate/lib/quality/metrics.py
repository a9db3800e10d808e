"""Held-out metrics for a binary quality classifier: precision, recall, F1, accuracy, ROC AUC.

AUC is the Mann-Whitney statistic: the probability that a random positive scores above a random
negative, ties counting one half (the same number scikit-learn's ``roc_auc_score`` gives).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC from average ranks (ties get their mean rank).

    Example: ``roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])`` -> ``0.75``.
    """
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    # average rank per run of equal scores
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_s)) + 1]
    ends = np.r_[starts[1:], len(s)]
    avg = (starts + ends + 1) / 2.0  # 1-based mean rank of positions starts..ends-1
    ranks[order] = np.repeat(avg, ends - starts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@dataclass(frozen=True)
class BinaryReport:
    """Metrics of scores against labels at one threshold."""

    n: int
    positives: int
    threshold: float
    precision: float
    recall: float
    f1: float
    accuracy: float
    auc: float

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def binary_report(y_true: np.ndarray, scores: np.ndarray, threshold: float = 0.5) -> BinaryReport:
    """Precision/recall/F1/accuracy of ``score >= threshold`` plus threshold-free AUC.

    Example: ``binary_report([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.6])``: predicted ``[1, 0, 0, 1]``,
    precision 0.5, recall 0.5, accuracy 0.5, AUC 0.75.
    """
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    pred = s >= threshold
    tp = int((pred & y).sum())
    fp = int((pred & ~y).sum())
    fn = int((~pred & y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = float((pred == y).mean()) if len(y) else float("nan")
    return BinaryReport(
        len(y), int(y.sum()), threshold, precision, recall, f1, accuracy, roc_auc(y, s)
    )

"""Held-out metrics for a binary quality classifier: precision, recall, F1, accuracy, ROC AUC,
computed by scikit-learn (``roc_auc_score`` is the Mann-Whitney statistic: the probability that a
random positive scores above a random negative, ties counting one half).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support, roc_auc_score


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC (``sklearn.metrics.roc_auc_score``), NaN when only one class is present.

    Example: ``roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])`` -> ``0.75``.
    """
    y = np.asarray(y_true).astype(bool)
    if y.all() or not y.any():
        return float("nan")
    return float(roc_auc_score(y, np.asarray(scores, dtype=np.float64)))


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
    if not len(y):
        nan = float("nan")
        return BinaryReport(0, 0, threshold, 0.0, 0.0, 0.0, nan, nan)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, pred, average="binary", pos_label=True, zero_division=0.0
    )
    return BinaryReport(
        len(y),
        int(y.sum()),
        threshold,
        float(precision),
        float(recall),
        float(f1),
        float(accuracy_score(y, pred)),
        roc_auc(y, s),
    )

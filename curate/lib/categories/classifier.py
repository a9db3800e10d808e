"""Task-category classifier: MiniLM sentence embeddings of the prompt through a softmax head.

The encoder is the shipped ``all-MiniLM-L6-v2`` (see :mod:`curate.lib.quality.minilm_head`). The
features are its 384-d prompt embedding and a 256-d hashed bag of the prompt's first words
(:func:`leading_words`). The head (``assets/task_category_head_v1.npz``, 640 x 12 weights) is a
multinomial logistic regression trained by :mod:`curate.lib.categories.train_head` on
``assets/task_category_examples_v1.jsonl`` (221 prompts written for this project) and 240
Alpaca prompts labelled by reading (``bench/data/task_categories_train.jsonl``, disjoint from
the held-out set). A linear probe on frozen sentence embeddings is the cheap end of "classify
with a pretrained encoder"; with a few dozen examples per class it behaves like prototype
(class-centroid) matching with learned weights.

:func:`curate.lib.categories.rules.rule_category` goes first (conversations, code, math); the head
labels the rest. The score is the head's probability of the label it chose (1.0 for a rule).
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from curate.core.errors import ConfigError
from curate.lib.categories.rules import rule_category
from curate.lib.categories.taxonomy import CATEGORIES

ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_HEAD = ASSETS / "task_category_head_v1.npz"
EXAMPLES = ASSETS / "task_category_examples_v1.jsonl"


@dataclass(frozen=True)
class SoftmaxHead:
    """``P(label | x) = softmax(x @ w + b)`` over ``labels``, with how it was made (``meta``)."""

    w: np.ndarray
    b: np.ndarray
    labels: tuple[str, ...]
    meta: dict[str, Any]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """``(n, n_labels)`` probabilities of an ``(n, d)`` feature matrix.

        Example: ``w = [[1, -1]], b = [0, 0]``, ``x = [[2]]`` -> ``[[0.982, 0.018]]``.
        """
        z = np.asarray(x, np.float32) @ self.w + self.b
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    def save(self, path: str | Path) -> None:
        np.savez_compressed(
            path,
            w=self.w.astype(np.float32),
            b=self.b.astype(np.float32),
            labels=np.asarray(self.labels),
            meta=json.dumps(self.meta, sort_keys=True),
        )

    @classmethod
    def load(cls, path: str | Path) -> SoftmaxHead:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(
                f"task-category head {p} not found "
                "(train one with `python -m curate.lib.categories.train_head`)"
            )
        try:
            with np.load(p, allow_pickle=False) as z:
                labels = tuple(str(v) for v in z["labels"])
                head = cls(
                    z["w"].astype(np.float32),
                    z["b"].astype(np.float32),
                    labels,
                    json.loads(str(z["meta"])),
                )
        except (KeyError, ValueError, OSError) as e:
            raise ConfigError(f"{p}: not a task-category head file ({e})") from None
        unknown = [c for c in labels if c not in CATEGORIES]
        if unknown:
            raise ConfigError(f"{p}: labels {unknown} are not task categories")
        return head


_WORD = re.compile(r"[a-z]+")


def leading_words(texts: list[str], dim: int = 256, n_words: int = 6) -> np.ndarray:
    """Hashed bag of the first ``n_words`` words (the first one also as ``^word``), L2-normalised.

    The verb an instruction opens with ("Rewrite", "Classify", "List") says much of its task, and a
    mean-pooled embedding dilutes it among the topic words. CRC-32 hashing is stable across runs.

    Example: ``leading_words(["Rewrite this"], dim=8)`` has three non-zero entries at most
    (``rewrite``, ``^rewrite``, ``this``) and unit norm.
    """
    out = np.zeros((len(texts), dim), np.float32)
    for i, text in enumerate(texts):
        for j, word in enumerate(_WORD.findall(text.lower())[:n_words]):
            out[i, zlib.crc32(word.encode()) % dim] += 1.0
            if j == 0:
                out[i, zlib.crc32(("^" + word).encode()) % dim] += 1.0
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norm == 0, 1.0, norm)


def features(embeddings: np.ndarray, texts: list[str], meta: dict[str, Any]) -> np.ndarray:
    """The head's input: the sentence embedding, then ``bow_weight`` x :func:`leading_words`."""
    dim = int(meta.get("bow_dim", 0))
    if dim == 0:
        return np.asarray(embeddings, np.float32)
    bow = leading_words(texts, dim, int(meta.get("bow_words", 6)))
    return np.hstack([embeddings, float(meta.get("bow_weight", 0.5)) * bow]).astype(np.float32)


def fit_softmax(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    l2: float = 1e-3,
    epochs: int = 800,
    lr: float = 2.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """L2-regularised multinomial logistic regression by full-batch gradient descent (NumPy).

    Classes are weighted to balance. Deterministic for a given ``seed`` (the tiny random start).

    Example: ``x = [[1], [2], [-1], [-2]], y = [0, 0, 1, 1]`` -> ``w[0, 0] > w[0, 1]``.
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.int64)
    n, d = x.shape
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    sample_w = (n / (n_classes * np.maximum(counts, 1.0)))[y]
    onehot = np.eye(n_classes)[y]
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 1e-3, (d, n_classes))
    b = np.zeros(n_classes)
    for _ in range(epochs):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w[:, None] / n
        w -= lr * (x.T @ g + l2 * w)
        b -= lr * g.sum(axis=0)
    return w.astype(np.float32), b.astype(np.float32)


def load_examples(path: str | Path = EXAMPLES) -> tuple[list[str], list[str]]:
    """``(prompts, labels)`` of a JSONL file of ``{"label", "prompt"}`` rows."""
    prompts, labels = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            prompts.append(row["prompt"])
            labels.append(row["label"])
    return prompts, labels


class TaskCategoryClassifier:
    """``classify(prompts, user_turns) -> (labels, scores)``: rules first, then the head.

    Args:
        head: a head ``.npz`` (default: the shipped one), or a :class:`SoftmaxHead`.
        embed: ``texts -> (n, d)`` unit vectors; default the MiniLM encoder at the head's
            ``max_length`` (a test passes a cheap function instead).
        rules: apply :func:`curate.lib.categories.rules.rule_category` before the head.
        device, batch_size: for the default encoder.
    """

    def __init__(
        self,
        head: str | Path | SoftmaxHead | None = None,
        *,
        embed: Any = None,
        rules: bool = True,
        device: str = "auto",
        batch_size: int = 128,
    ) -> None:
        self.head = (
            head if isinstance(head, SoftmaxHead) else SoftmaxHead.load(head or DEFAULT_HEAD)
        )
        self.rules = rules
        if embed is None:
            from curate.lib.quality.minilm_head import minilm_path
            from curate.lib.quality.transformer import MeanPoolEncoder

            encoder = MeanPoolEncoder(
                str(minilm_path()),
                device=device,
                batch_size=batch_size,
                max_length=int(self.head.meta.get("max_length", 64)),
            )
            embed = encoder.embed
        self.embed = embed

    def classify(
        self, prompts: list[str], user_turns: list[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Labels (object array) and scores (float32) of each prompt, in input order."""
        n = len(prompts)
        labels = np.empty(n, dtype=object)
        scores = np.ones(n, dtype=np.float32)
        turns = user_turns if user_turns is not None else [1] * n
        todo = []
        for i, (prompt, k) in enumerate(zip(prompts, turns, strict=True)):
            ruled = rule_category(prompt, k) if self.rules else None
            if ruled is None:
                todo.append(i)
            else:
                labels[i] = ruled
        if todo:
            texts = [prompts[i] for i in todo]
            emb = np.asarray(self.embed(texts), np.float32)
            probs = self.head.probabilities(features(emb, texts, self.head.meta))
            top = probs.argmax(axis=1)
            names = np.asarray(self.head.labels, dtype=object)
            labels[todo] = names[top]
            scores[todo] = probs[np.arange(len(todo)), top]
        return labels, scores

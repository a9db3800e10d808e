"""Train the shipped task-category head (seeded, deterministic).

Training data: the project's own examples (``assets/task_category_examples_v1.jsonl``) and,
with ``--labelled``, rows labelled by reading keyed by ``(file, index, sha1)`` whose texts are
read from ``--data`` (Alpaca is CC BY-NC: its text is never committed, only labels).

Example: python -m curate.lib.categories.train_head --labelled bench/data/task_categories_train.jsonl --data ../shared/data
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from curate.lib.categories.classifier import (
    DEFAULT_HEAD,
    EXAMPLES,
    SoftmaxHead,
    features,
    fit_softmax,
    load_examples,
)
from curate.lib.categories.taxonomy import CATEGORIES

MAX_LENGTH = 64
FEATURES = {"bow_dim": 256, "bow_words": 6, "bow_weight": 0.5}
L2, EPOCHS, LR = 1e-3, 2000, 2.0


def labelled_prompts(labels_path: str | Path, data: str | Path) -> tuple[list[str], list[str]]:
    """``(prompts, labels)`` of rows ``{file, index, sha1, label}``; texts read from ``data``.

    An alpaca-layout file gives ``instruction`` (+ blank line + ``input``), the user turn cleanroom
    builds; a Natural-Instructions file gives the instance ``input``. A changed text (SHA-1 of the
    prompt differs) raises SystemExit.
    """
    files: dict[str, list[str]] = {}
    prompts, labels = [], []
    for line in Path(labels_path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row["file"] not in files:
            raw = json.loads((Path(data) / row["file"]).read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                files[row["file"]] = [inst["input"] for inst in raw["Instances"]]
            else:
                files[row["file"]] = [
                    r["instruction"]
                    if not (r.get("input") or "").strip()
                    else f"{r['instruction']}\n\n{r['input']}"
                    for r in raw
                ]
        text = files[row["file"]][row["index"]]
        if hashlib.sha1(text.encode()).hexdigest()[:12] != row["sha1"]:
            raise SystemExit(f"{row['file']}[{row['index']}]: text differs from the labelled one")
        prompts.append(text)
        labels.append(row["label"])
    return prompts, labels


def main(argv: list[str] | None = None) -> None:
    """Embed the training prompts with MiniLM, fit the softmax head, save it."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(DEFAULT_HEAD))
    ap.add_argument("--examples", default=str(EXAMPLES))
    ap.add_argument("--labelled", default=None, help="JSONL of {file, index, sha1, label}")
    ap.add_argument("--data", default="../shared/data", help="folder the labelled files are in")
    args = ap.parse_args(argv)
    from curate.lib.quality.minilm_head import minilm_path
    from curate.lib.quality.transformer import MeanPoolEncoder

    prompts, labels = load_examples(args.examples)
    n_own = len(prompts)
    if args.labelled:
        more_p, more_l = labelled_prompts(args.labelled, args.data)
        prompts, labels = prompts + more_p, labels + more_l
    missing = [c for c in CATEGORIES if c not in labels]
    if missing:
        raise SystemExit(f"no examples for {missing}")
    encoder = MeanPoolEncoder(str(minilm_path()), device="cpu", max_length=MAX_LENGTH)
    x = features(encoder.embed(prompts, progress=False), prompts, FEATURES)
    y = np.array([CATEGORIES.index(label) for label in labels])
    w, b = fit_softmax(x, y, len(CATEGORIES), l2=L2, epochs=EPOCHS, lr=LR)
    acc = float((np.argmax(x @ w + b, axis=1) == y).mean())
    digest = hashlib.sha256(Path(args.examples).read_bytes()).hexdigest()[:16]
    meta = {
        "encoder": "sentence-transformers/all-MiniLM-L6-v2",
        "max_length": MAX_LENGTH,
        **FEATURES,
        "examples": n_own,
        "examples_sha256": digest,
        "labelled": len(prompts) - n_own,
        "labelled_file": Path(args.labelled).name if args.labelled else None,
        "train_accuracy": round(acc, 4),
        "l2": L2,
        "epochs": EPOCHS,
        "lr": LR,
    }
    SoftmaxHead(w, b, CATEGORIES, meta).save(args.out)
    print(
        f"wrote {args.out}: {n_own} own examples + {len(prompts) - n_own} labelled rows, "
        f"train accuracy {acc:.3f}"
    )


if __name__ == "__main__":
    main()

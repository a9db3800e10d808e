"""Task-category tagger (``task_category_v1``): accuracy on a hand-labelled held-out set, speed,
and the category distribution of the real instruction sets against InstructGPT's (Table 1).

The held-out set (``bench/data/task_categories_heldout.jsonl``) holds labels only, keyed by
(file, index, SHA-1 of the prompt): Alpaca and CodeAlpaca are CC BY-NC, so their texts are read
from ``../shared/data`` at run time (``CLEANROOM_SHARED_DATA`` overrides the folder). Rows are
``random`` (a seeded sample of each file) or ``targeted`` (Alpaca rows found by keyword for the
rare categories, then labelled by reading); metrics are printed for both and for all.

Prints and writes to bench/results/task_categories.json:
- per-category precision / recall / F1 and the confusion matrix, with and without the rules;
- records/s of the classifier (model loaded; rules + MiniLM + head) on the records below;
- the category distribution of alpaca_5000 and new_codealpaca (every record) and of the five
  Natural-Instructions tasks (a seeded sample of ``TASK_CATEGORIES_NI_SAMPLE`` = 1000 instances
  per task; 0: all 13,950).

Example: python bench/task_categories.py
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from curate.lib.categories.classifier import TaskCategoryClassifier  # noqa: E402
from curate.lib.categories.taxonomy import CATEGORIES, INSTRUCTGPT_PERCENT  # noqa: E402

DATA = Path(os.environ.get("CLEANROOM_SHARED_DATA", ROOT.parent / "shared" / "data"))
HELDOUT = ROOT / "bench" / "data" / "task_categories_heldout.jsonl"
RESULTS = ROOT / "bench" / "results" / "task_categories.json"


def alpaca_prompt(row: dict) -> str:
    """The user turn cleanroom builds from an alpaca row (instruction, blank line, input)."""
    ctx = row.get("input") or ""
    return row["instruction"] if not ctx.strip() else f"{row['instruction']}\n\n{ctx}"


def file_prompts(rel: str) -> list[str]:
    """Every prompt of one shared-data file, in file order (NI: the instance inputs)."""
    data = json.loads((DATA / rel).read_text(encoding="utf-8"))
    if rel.startswith("natural_instructions/"):
        return [inst["input"] for inst in data["Instances"]]
    return [alpaca_prompt(r) for r in data]


def load_heldout() -> tuple[list[str], list[str], list[str]]:
    """``(prompts, gold labels, subsets)``; a row whose text changed (hash mismatch) stops the bench."""
    rows = [json.loads(line) for line in HELDOUT.read_text().splitlines() if line.strip()]
    cache: dict[str, list[str]] = {}
    prompts = []
    for r in rows:
        texts = cache.setdefault(r["file"], file_prompts(r["file"]))
        text = texts[r["index"]]
        if hashlib.sha1(text.encode()).hexdigest()[:12] != r["sha1"]:
            raise SystemExit(f"{r['file']}[{r['index']}]: text differs from the labelled one")
        prompts.append(text)
    return prompts, [r["label"] for r in rows], [r["subset"] for r in rows]


def report(gold: list[str], pred: list[str]) -> dict:
    """Per-category precision, recall, F1 and support; accuracy; the confusion matrix."""
    per = {}
    for c in CATEGORIES:
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        n_pred = sum(p == c for p in pred)
        n_gold = sum(g == c for g in gold)
        prec = tp / n_pred if n_pred else float("nan")
        rec = tp / n_gold if n_gold else float("nan")
        f1 = 2 * prec * rec / (prec + rec) if n_pred and n_gold and prec + rec else float("nan")
        per[c] = {
            "precision": prec,
            "recall": rec,
            "f1": f1,
            "support": n_gold,
            "predicted": n_pred,
        }
    confusion = [
        [sum(g == a and p == b for g, p in zip(gold, pred, strict=True)) for b in CATEGORIES]
        for a in CATEGORIES
    ]
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    f1s = [v["f1"] for v in per.values() if v["support"] and not np.isnan(v["f1"])]
    return {
        "n": len(gold),
        "accuracy": acc,
        "macro_f1": float(np.mean(f1s)) if f1s else float("nan"),
        "per_category": per,
        "confusion": confusion,
    }


def print_report(title: str, rep: dict) -> None:
    print(f"\n{title}: n={rep['n']} accuracy={rep['accuracy']:.3f} macro-F1={rep['macro_f1']:.3f}")
    print(f"{'category':<15}{'prec':>7}{'rec':>7}{'F1':>7}{'gold':>6}{'pred':>6}")
    for c, v in rep["per_category"].items():
        print(
            f"{c:<15}{v['precision']:>7.2f}{v['recall']:>7.2f}{v['f1']:>7.2f}{v['support']:>6}{v['predicted']:>6}"
        )


NI_TASK_CATEGORY = {  # from each task's Definition, as source_categories pins them
    "task137": "classification",
    "task141": "classification",
    "task156": "classification",
    "task307": "open_qa",
    "task318": "classification",
}


def accuracy_by_file(gold: list[str], pred: list[str]) -> dict[str, float]:
    """Held-out accuracy per source folder, and for NI with each task's category pinned."""
    rows = [json.loads(line) for line in HELDOUT.read_text().splitlines() if line.strip()]
    out = {}
    for folder in ("alpaca", "codealpaca", "natural_instructions"):
        idx = [i for i, r in enumerate(rows) if r["file"].startswith(folder + "/")]
        out[folder] = sum(gold[i] == pred[i] for i in idx) / len(idx)
        print(f"accuracy on {folder}: {out[folder]:.3f} (n={len(idx)})")
    ni = [i for i, r in enumerate(rows) if r["file"].startswith("natural_instructions/")]
    pinned = [NI_TASK_CATEGORY[rows[i]["file"].split("/")[1].split("_")[0]] == gold[i] for i in ni]
    out["natural_instructions, task pinned"] = sum(pinned) / len(ni)
    n_all = len(rows)
    fixed = sum(gold[i] == pred[i] for i in range(n_all) if i not in set(ni)) + sum(pinned)
    out["all, NI tasks pinned"] = fixed / n_all
    print(
        f"accuracy on NI with source_categories pins: {sum(pinned) / len(ni):.3f}; all: {fixed / n_all:.3f}"
    )
    return out


def print_confusion(rep: dict) -> None:
    short = [c[:5] for c in CATEGORIES]
    print("\nconfusion (rows gold, columns predicted):")
    print(f"{'':<15}" + "".join(f"{s:>6}" for s in short))
    for c, row in zip(CATEGORIES, rep["confusion"], strict=True):
        print(f"{c:<15}" + "".join(f"{v:>6}" for v in row))


def distribution(labels) -> dict[str, float]:
    counts = Counter(labels)
    n = sum(counts.values())
    return {c: 100.0 * counts.get(c, 0) / n for c in CATEGORIES}


def main() -> int:
    if not (DATA / "alpaca" / "alpaca_5000.json").is_file():
        print(f"skipped: {DATA} not found (set CLEANROOM_SHARED_DATA)")
        return 0
    limit = int(os.environ.get("TASK_CATEGORIES_LIMIT", "0")) or None
    t0 = time.perf_counter()
    clf = TaskCategoryClassifier(device="cpu")
    load_s = time.perf_counter() - t0
    prompts, gold, subsets = load_heldout()
    out: dict = {"load_s": load_s, "heldout": {}}
    for rules in (True, False):
        clf.rules = rules
        pred, _ = clf.classify(prompts)
        pred = list(pred)
        key = "rules+head" if rules else "head only"
        for subset in ("all", "random", "targeted"):
            idx = [i for i, s in enumerate(subsets) if subset in ("all", s)]
            rep = report([gold[i] for i in idx], [pred[i] for i in idx])
            out["heldout"][f"{key} / {subset}"] = rep
            if subset == "all" or rules:
                print_report(f"held-out, {key}, {subset}", rep)
        if rules:
            print_confusion(out["heldout"]["rules+head / all"])
            out["accuracy_by_file"] = accuracy_by_file(gold, pred)
            wrong = [
                (gold[i], pred[i], prompts[i][:90].replace("\n", " "))
                for i in range(len(gold))
                if gold[i] != pred[i]
            ]
            out["errors"] = wrong
    clf.rules = True
    files = ["alpaca/alpaca_5000.json", "codealpaca/new_codealpaca.json"] + sorted(
        str(Path(p).relative_to(DATA))
        for p in glob.glob(str(DATA / "natural_instructions" / "*.json"))
    )
    dists: dict[str, dict[str, float]] = {}
    total_n, total_s = 0, 0.0
    ni_labels: list[str] = []
    ni_sample = int(os.environ.get("TASK_CATEGORIES_NI_SAMPLE", "1000"))
    for rel in files:
        texts = file_prompts(rel)[:limit]
        if rel.startswith("natural_instructions/") and 0 < ni_sample < len(texts):
            pick = np.sort(np.random.default_rng(18).choice(len(texts), ni_sample, replace=False))
            texts = [texts[int(i)] for i in pick]
        t = time.perf_counter()
        labels, _ = clf.classify(texts)
        total_s += time.perf_counter() - t
        total_n += len(texts)
        dists[rel] = distribution(labels)
        if rel.startswith("natural_instructions/"):
            ni_labels += list(labels)
        print(f"{rel}: {len(texts)} records")
    dists["natural_instructions (all 5 tasks)"] = distribution(ni_labels)
    dists["InstructGPT (Table 1)"] = {c: INSTRUCTGPT_PERCENT.get(c, 0.0) for c in CATEGORIES}
    out["distribution_percent"] = dists
    out["records"] = total_n
    out["seconds"] = total_s
    out["records_per_s"] = total_n / total_s
    print(
        f"\nclassifier speed: {total_n} records in {total_s:.1f} s = {total_n / total_s:.0f} records/s (CPU, model load {load_s:.1f} s excluded; rules + MiniLM max_length 64 + head)"
    )
    cols = [
        "alpaca/alpaca_5000.json",
        "codealpaca/new_codealpaca.json",
        "natural_instructions (all 5 tasks)",
        "InstructGPT (Table 1)",
    ]
    print(f"\n{'category %':<15}" + "".join(f"{c.split('/')[-1][:18]:>20}" for c in cols))
    for c in CATEGORIES:
        print(f"{c:<15}" + "".join(f"{dists[k][c]:>20.1f}" for k in cols))
    for k in files:
        if k.startswith("natural_instructions/"):
            top = sorted(dists[k].items(), key=lambda kv: -kv[1])[:3]
            print(f"{k.split('/')[-1][:45]:<46}" + ", ".join(f"{c} {v:.1f}" for c, v in top))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

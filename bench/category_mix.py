"""A mixture built by task category from the real data: ``categories: instructgpt`` over
alpaca_5000, new_codealpaca and the five Natural-Instructions tasks in ../shared/data.

The curate run tags every record with ``task_category_v1`` (each NI task file is one task, so
its category is pinned from the task definition with ``source_categories``: four are
classification, the Jeopardy task is open QA); the mixture then takes rows so that its category
distribution meets InstructGPT's Table 1 over the categories the sources hold. It prints the
distribution of each source, the mixture's distribution beside the target and the distance,
and the warnings; results go to bench/results/category_mix.json.

Example: python bench/category_mix.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import polars as pl  # noqa: E402

from curate.lib.categories.taxonomy import CATEGORIES, INSTRUCTGPT_PERCENT  # noqa: E402
from curate.run.pipeline import run_curate  # noqa: E402
from curate.run.recipe import load_recipe  # noqa: E402

DATA = Path(os.environ.get("CLEANROOM_SHARED_DATA", ROOT.parent / "shared" / "data"))
RESULTS = ROOT / "bench" / "results" / "category_mix.json"
NI_TASKS = {
    "task137_detoxifying-lms_classification_toxicity": "classification",
    "task141_odd-man-out_classification_category": "classification",
    "task156_codah_classification_adversarial": "classification",
    "task307_jeopardy_answer_generation_final": "open_qa",
    "task318_stereoset_classification_gender": "classification",
}


def recipe_text(tmp: Path) -> str:
    ni = {f"ni_{t.split('_')[0]}": (t, c) for t, c in NI_TASKS.items()}
    inputs = "".join(
        f"  - {{name: {n}, path: {DATA / 'natural_instructions' / (t + '.json')}}}\n"
        for n, (t, _) in ni.items()
    )
    pins = ", ".join(f"{n}: {c}" for n, (_, c) in ni.items())
    sources = "".join(f"      - {{source: {n}, templates: [natural_instructions]}}\n" for n in ni)
    return f"""version: 1
name: category_mix
seed: 0
inputs:
  - {{name: alpaca_5000, path: {DATA / "alpaca" / "alpaca_5000.json"}}}
  - {{name: new_codealpaca, path: {DATA / "codealpaca" / "new_codealpaca.json"}, layout: alpaca}}
{inputs}steps:
  - step: length_filter_v1
  - step: exact_dedup_v1
  - step: task_category_v1
    params: {{device: cpu, source_categories: {{{pins}}}}}
mixtures:
  - name: instructgpt_mix
    categories: instructgpt
    rate: examples_proportional
    cap: {{count: 3000}}
    validation: {{fraction: 0.02}}
    near_dup_threshold: null
    sources:
      - {{source: alpaca_5000, templates: [instruction]}}
      - {{source: new_codealpaca, templates: [instruction]}}
{sources}  - name: instructgpt_3000
    categories: instructgpt
    rate: temperature
    temperature: 2.0
    cap: {{count: 3000}}
    total: {{examples: 3000}}
    validation: {{fraction: 0.02}}
    near_dup_threshold: null
    sources:
      - {{source: alpaca_5000, templates: [instruction]}}
      - {{source: new_codealpaca, templates: [instruction]}}
{sources}output: {{db: {tmp / "out" / "c.duckdb"}, parquet_dir: {tmp / "out" / "parquet"}, hf_dir: {tmp / "out" / "hf"}}}
"""


def shares(labels: pl.Series) -> dict[str, float]:
    counts = dict(labels.value_counts().iter_rows())
    n = max(labels.len(), 1)
    return {c: 100.0 * counts.get(c, 0) / n for c in CATEGORIES}


def print_mixture(manifest: dict, cats: dict) -> None:
    """One mixture's distribution beside the target, the distances and the warnings."""
    print(
        f"\nmixture {manifest['mixture']}: {manifest['train_rows']} train rows ({cats['labels']})"
    )
    print(
        f"{'category':<15}{'target %':>10}{'planned %':>11}{'actual %':>10}{'gap vs target':>15}{'gap vs planned':>16}"
    )
    for c in CATEGORIES:
        if c not in cats["target"] and not cats["actual"][c]:
            continue
        want = 100 * cats["target"].get(c, 0.0)
        plan = 100 * cats["planned"].get(c, 0.0)
        act = 100 * cats["actual"][c]
        print(
            f"{c:<15}{want:>10.1f}{plan:>11.1f}{act:>10.1f}{act - want:>+15.2f}{act - plan:>+16.2f}"
        )
    print(f"distance to the target: {cats['distance_to_target']}")
    print(f"distance to the planned shares: {cats['distance_to_planned']}")
    print(f"total limited by: {cats['limited_by']}; rows by source: {cats['rows_by_source']}")
    for w in cats["warnings"]:
        print(f"warning: {w}")


def main() -> int:
    if not (DATA / "alpaca" / "alpaca_5000.json").is_file():
        print(f"skipped: {DATA} not found (set CLEANROOM_SHARED_DATA)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "recipe.yaml"
        path.write_text(recipe_text(Path(tmp)))
        recipe = load_recipe(path)
        t0 = time.perf_counter()
        result = run_curate(recipe)
        seconds = time.perf_counter() - t0
    kept = result.frame.filter(pl.col("keep"))
    label = "task_category__label"
    by_source = {
        s: shares(kept.filter(pl.col("source") == s)[label])
        for s in sorted(kept["source"].unique())
    }
    ni = kept.filter(pl.col("source").str.starts_with("ni_"))
    by_source["natural_instructions (5 tasks, pinned)"] = shares(ni[label])
    print(f"curate + mixtures: {seconds:.0f} s for {result.frame.height} records (tagger on CPU)")
    print(
        f"\n{'category %':<15}{'alpaca_5000':>13}{'codealpaca':>12}{'NI (pinned)':>13}{'InstructGPT':>13}"
    )
    ni_key = "natural_instructions (5 tasks, pinned)"
    for c in CATEGORIES:
        print(
            f"{c:<15}{by_source['alpaca_5000'][c]:>13.1f}{by_source['new_codealpaca'][c]:>12.1f}"
            f"{by_source[ni_key][c]:>13.1f}{INSTRUCTGPT_PERCENT.get(c, 0.0):>13.1f}"
        )
    mixtures = {}
    for manifest in result.side_tables["mixture_manifest"].iter_rows(named=True):
        cats = json.loads(manifest["detail"])["categories"]
        mixtures[manifest["mixture"]] = cats
        print_mixture(manifest, cats)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"seconds": seconds, "by_source": by_source, "mixtures": mixtures}, indent=1)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The filters on real data: per-page line cleaning of scraped web pages, and drop reasons on
Alpaca and CodeAlpaca with sampled drops to read and judge (figures in docs/FILTERS.md).

Reads ../shared/data (see its README). Prints a report and writes
bench/results/real_data_report.json.

Run: PYTHONPATH=. python bench/real_data_report.py [--samples 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import polars as pl

from curate.run.filtering import run_filter
from curate.run.recipe import load_recipe

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[0].parent / "shared" / "data"

WEB_RECIPE = """
version: 1
steps:
  - step: normalise_v1
  - step: length_filter_v1
  - step: web_lines_v1
    kinds: [document]
  - step: pii_redact_v1
  - step: langid_v1
  - step: language_filter_v1
    params: {languages: [en, zh, ru], min_score: 0.65}
  - step: gopher_quality_v1
    kinds: [document]
  - step: gopher_repetition_v1
    kinds: [document]
  - step: fineweb_quality_v1
    kinds: [document]
  - step: c4_quality_v1
    kinds: [document]
"""

INSTRUCTION_RECIPE = """
version: 1
steps:
  - step: normalise_v1
  - step: length_filter_v1
  - step: pii_redact_v1
  - step: langid_v1
  - step: language_filter_v1
    params: {languages: [en], min_score: 0.0}
  - step: instruction_checks_v1
    kinds: [instruction]
"""


def run(recipe_text: str, input_path: Path, tmp: Path) -> pl.DataFrame:
    recipe_file = tmp / "recipe.yaml"
    recipe_file.write_text(recipe_text, encoding="utf-8")
    rec = load_recipe(
        recipe_file, overrides={"inputs": [{"name": input_path.stem, "path": str(input_path)}]}
    )
    return run_filter(rec).frame


def web_report(tmp: Path) -> list[dict]:
    pages = sorted((DATA / "web_pages").glob("*.txt"))
    src = tmp / "web.jsonl"
    src.write_text(
        "\n".join(
            json.dumps({"text": p.read_text(encoding="utf-8")}, ensure_ascii=False) for p in pages
        )
        + "\n",
        encoding="utf-8",
    )
    frame = run(WEB_RECIPE, src, tmp)
    out = []
    print("== web pages: web_lines_v1 + document filters")
    for page, row in zip(pages, frame.iter_rows(named=True), strict=True):
        raw_lines = sum(1 for ln in page.read_text(encoding="utf-8").split("\n") if ln.strip())
        by_reason = {}
        for r in row["web_lines__removed"] or []:
            by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + 1
        kept_text = row["text"] or ""
        item = {
            "page": page.name,
            "lines": raw_lines,
            "lines_kept": row["web_lines__lines_kept"],
            "lines_removed": row["web_lines__lines_removed"],
            "removed_by_reason": by_reason,
            "chars_removed": row["web_lines__chars_removed"],
            "ruby_chars_removed": row["web_lines__ruby_removed"],
            "lang": row["langid__lang"],
            "lang_score": row["langid__score"],
            "keep": row["keep"],
            "drop_reason": row["drop_reason"],
            "kept_excerpt": kept_text[:160].replace("\n", " / "),
            "kept_tail": kept_text[-100:].replace("\n", " / "),
            "removed_sample": [
                f"{r['reason']}: {r['text'][:60]}" for r in (row["web_lines__removed"] or [])[:6]
            ],
        }
        out.append(item)
        print(
            f"\n{page.name}: {raw_lines} lines -> kept {item['lines_kept']}, removed {item['lines_removed']} "
            f"{by_reason}, {item['chars_removed']} chars removed, ruby {item['ruby_chars_removed']}; "
            f"lang {item['lang']} {item['lang_score']}; keep={item['keep']} {item['drop_reason'] or ''}"
        )
        print(f"  kept starts: {item['kept_excerpt']}")
        print(f"  kept ends:   ...{item['kept_tail']}")
        for s in item["removed_sample"]:
            print(f"  removed  {s}")
    return out


def instruction_report(name: str, path: Path, tmp: Path, samples: int) -> dict:
    frame = run(INSTRUCTION_RECIPE, path, tmp)
    drops = frame.filter(~pl.col("keep"))
    counts = drops.group_by("drop_reason").len().sort("len", descending=True)
    print(f"\n== {name}: {frame.height} records, kept {int(frame['keep'].sum())}")
    result = {
        "records": frame.height,
        "kept": int(frame["keep"].sum()),
        "reasons": {},
        "samples": {},
    }
    for reason, n in counts.iter_rows():
        result["reasons"][reason] = n
        print(f"\n-- {reason}: {n}")
        picked = drops.filter(pl.col("drop_reason") == reason).sample(min(samples, n), seed=0)
        result["samples"][reason] = []
        for row in picked.iter_rows(named=True):
            fields = json.loads(row["meta"])["fields"]
            s = {
                "instruction": fields.get("instruction", "")[:200],
                "input": (fields.get("input") or "")[:120],
                "output": (fields.get("output") or "")[:160],
                "detail": row["detail"],
            }
            result["samples"][reason].append(s)
            print(
                f"  I: {s['instruction']!r}\n     X: {s['input']!r}\n     O: {s['output']!r}"
                + (f"\n     detail: {row['detail']}" if row["detail"] else "")
            )
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=5)
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"real data not found at {DATA} (expected ../shared/data next to the repo)")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        report = {"web_pages": web_report(tmp)}
        report["alpaca"] = instruction_report(
            "alpaca_5000", DATA / "alpaca" / "alpaca_5000.json", tmp, args.samples
        )
        report["codealpaca"] = instruction_report(
            "new_codealpaca", DATA / "codealpaca" / "new_codealpaca.json", tmp, args.samples
        )
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "real_data_report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False)
    )
    print("\nwrote bench/results/real_data_report.json")


if __name__ == "__main__":
    main()

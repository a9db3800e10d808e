"""Golden end-to-end output of the default recipe on the embedded corpus.

``make golden`` (``python -m tests.golden --write``) regenerates ``tests/golden/default.json``;
``tests/test_golden.py`` compares a fresh run with it, so a change in behaviour shows up as a diff
you can read (counts, drops by reason, and one line per record: source, file:line, decision).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
RECIPE = ROOT / "corpora" / "default.yaml"
GOLDEN = ROOT / "tests" / "golden" / "default.json"


def run_default():
    """Run the default recipe (no export) and return the RunResult.

    Reviewer verdicts are not read (a developer's ``out/reviews.duckdb`` must not change the golden
    output): the run is pointed at a reviews file that does not exist.
    """
    import tempfile

    from curate.run.pipeline import run_curate
    from curate.run.recipe import load_recipe

    with tempfile.TemporaryDirectory() as tmp:
        return run_curate(load_recipe(RECIPE), reviews_db=Path(tmp) / "no-reviews.duckdb")


def summarise(result) -> dict:
    """What the golden file pins: counts, reasons, and each record's decision by file and line."""
    f = result.frame.with_columns(
        file=pl.col("meta").str.json_path_match("$.file"),
        line=pl.col("meta").str.json_path_match("$.line").cast(pl.Int64),
    ).sort("_row")
    decisions = [
        f"{r['file']}:{r['line']} {r['id'][:12]} "
        + ("kept" if r["keep"] else f"{r['stage']}/{r['drop_reason']}")
        for r in f.iter_rows(named=True)
    ]
    q = result.quarantine.sort("source_file", "line")
    return {
        "counts": {
            "inputs": result.inputs,
            "kept": result.kept,
            "dropped": result.dropped,
            "quarantined": result.quarantine.height,
        },
        "drops_by_reason": dict(sorted(result.drops_by_reason().items())),
        "kept_by_source": dict(
            sorted(f.filter(pl.col("keep")).group_by("source").len().iter_rows())
        ),
        "mixtures": {k: v.height for k, v in sorted(result.mixtures.items())},
        "clusters": {
            m: n
            for m, n in sorted(
                result.side_tables["clusters"]
                .group_by("method")
                .agg(pl.col("cluster_id").n_unique())
                .iter_rows()
            )
        }
        if "clusters" in result.side_tables
        else {},
        "quarantine": [
            f"{r['source_file']}:{r['line']} {r['error']}" for r in q.iter_rows(named=True)
        ],
        "decisions": decisions,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the golden file")
    args = parser.parse_args()
    got = summarise(run_default())
    text = json.dumps(got, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    if args.write:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        old = GOLDEN.read_text() if GOLDEN.exists() else ""
        GOLDEN.write_text(text)
        import difflib

        diff = list(
            difflib.unified_diff(
                old.splitlines(), text.splitlines(), "old", "new", lineterm="", n=0
            )
        )
        print("\n".join(diff[:200]) if diff else "golden file unchanged")
        print(f"wrote {GOLDEN.relative_to(ROOT)}: {got['counts']}")
        return 0
    print(json.dumps(got["counts"]), json.dumps(got["drops_by_reason"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

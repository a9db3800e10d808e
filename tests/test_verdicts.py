"""Reviewer verdicts the next curate obeys: per match (issue 15), cluster members and records
(issue 16); per-reviewer views (progress, disagreements)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

from curate.core.verdicts import (
    cleared_records,
    disagreements,
    fold_status,
    held_records,
    obey_cluster_verdicts,
    per_match_latest,
    progress,
)
from curate.io.reviews import read_reviews, record_verdict
from curate.run.pipeline import run_curate
from curate.run.recipe import load_recipe
from tests.conftest import write_jsonl, write_recipe

Q1 = (
    "Marla buys 4 crates of apples with 36 apples each and gives a third of them to her "
    "neighbours. How many apples does she keep for the bakery on Sunday?"
)
Q2 = (
    "Write a function that returns the sum of the squares of the even numbers in a list of "
    "integers given as input, skipping negative values and zero entirely."
)
SHARED = " ".join(Q2.split()[:15])  # a weak match: one shared docstring-like phrase
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def decontam_recipe(tmp: Path) -> Path:
    write_jsonl(
        tmp / "bench.jsonl", [{"question": Q1, "answer": "96"}, {"question": Q2, "answer": "x"}]
    )
    write_jsonl(
        tmp / "inst.jsonl",
        [
            {
                "instruction": f"Solve: {Q1} Also note: {SHARED}.",
                "input": "",
                "output": "96 apples.",
            },
            {"instruction": f"Helper: {SHARED} in Python.", "input": "", "output": "def f(): pass"},
            {
                "instruction": "Give three tips for staying healthy.",
                "input": "",
                "output": "Sleep.",
            },
        ],
    )
    return write_recipe(
        tmp / "r.yaml",
        f"""
version: 1
name: t
inputs:
  - {{name: inst, path: inst.jsonl}}
steps:
  - step: normalise_v1
  - step: decontaminate_v1
    params: {{benchmarks: ["{tmp / "bench.jsonl"}:question:answer"], preset: gpt3}}
output: {{db: {tmp / "out.duckdb"}, parquet_dir: {tmp / "pq"}}}
""",
    )


def test_false_positive_clears_only_its_match_issue15(tmp_path: Path) -> None:
    """The hole: a false positive on a record's weak match kept the whole record, though it also
    matched another item at 100 % that nobody reviewed. Now it stays dropped, and the summary says
    why; it is kept once every dropping match is a false positive."""
    recipe = load_recipe(decontam_recipe(tmp_path))
    reviews = tmp_path / "reviews.duckdb"
    first = run_curate(recipe, reviews_db=reviews)
    cont = first.side_tables["contamination"]
    both = (
        cont.group_by("id")
        .agg(pl.col("item_id").unique())
        .filter(pl.col("item_id").list.len() == 2)
    )
    assert both.height == 1, cont.select("id", "item_id", "coverage")
    rec = both["id"][0]
    items = dict(
        cont.filter(pl.col("id") == rec)
        .group_by("item_id")
        .agg(pl.col("coverage").max())
        .iter_rows()
    )
    weak = min(items, key=items.get)
    strong = max(items, key=items.get)
    assert items[strong] == 1.0 and items[weak] < 1.0
    bench = cont["benchmark"][0]

    record_verdict(
        reviews, "contamination", rec, "false_positive", "ada", benchmark=bench, item_id=weak
    )
    second = run_curate(recipe, reviews_db=reviews)
    row = second.frame.filter(pl.col("id") == rec).row(0, named=True)
    assert (row["keep"], row["drop_reason"]) == (False, "contamination")
    assert second.notes["reviews"]["held_by_unreviewed"] == 1
    line = next(x for x in second.notes["summary_lines"] if x.startswith("reviews:"))
    assert "1 record with a false-positive match stay dropped because of unreviewed matches" in line

    record_verdict(
        reviews, "contamination", rec, "false_positive", "bob", benchmark=bench, item_id=strong
    )
    third = run_curate(recipe, reviews_db=reviews)
    assert third.frame.filter(pl.col("id") == rec)["keep"].to_list() == [True]
    assert third.notes["reviews"]["held_by_unreviewed"] == 0
    assert third.notes["reviews"]["false_positive_kept"] == 1


def test_cleared_and_held_records_worked_example() -> None:
    hits = pl.DataFrame({"id": ["r", "r", "s"], "benchmark": "b", "item_id": ["1", "2", "1"]})
    v = pl.DataFrame(
        {
            "target_kind": "contamination",
            "target_id": ["r", "s"],
            "verdict": ["false_positive", "false_positive"],
            "benchmark": "b",
            "item_id": ["2", "1"],
        }
    )
    mv = per_match_latest(v)
    assert cleared_records(hits, mv) == {"s"} and held_records(hits, mv) == {"r"}
    # a verdict on the whole record (no item) covers every match without its own verdict
    wide = pl.DataFrame(
        {"target_kind": ["contamination"], "target_id": ["r"], "verdict": ["false_positive"]}
    )
    assert cleared_records(hits, per_match_latest(wide)) == {"r"}


def test_fold_status_one_precedence() -> None:
    df = pl.DataFrame(
        {
            "g": [1, 1, 2, 2, 3],
            "s": ["false_positive", "unreviewed", "unsure", "confirmed", "false_positive"],
        }
    )
    got = dict(df.group_by("g").agg(fold_status(pl.col("s"))).sort("g").iter_rows())
    assert got == {1: "unreviewed", 2: "confirmed", 3: "false_positive"}


def test_obey_cluster_verdicts_worked_example() -> None:
    clusters = pl.DataFrame(
        {
            "cluster_id": ["c", "c", "c", "d", "d"],
            "id": ["a", "b", "x", "p", "q"],
            "is_representative": [True, False, False, True, False],
            "representative": ["a", "a", "a", "p", "p"],
        }
    )
    out, counts = obey_cluster_verdicts(clusters, {"b": "keep", "q": "false_positive"})
    assert counts == {"not_duplicate": 1, "kept_by_reviewer": 1}
    reps = dict(out.select("id", "is_representative").iter_rows())
    assert reps == {"a": False, "b": True, "x": False, "p": True}
    assert set(out.filter(pl.col("cluster_id") == "c")["representative"]) == {"b"}


def dedup_recipe(tmp: Path) -> tuple[Path, dict[str, str]]:
    rows = [
        {
            "instruction": "Explain the water cycle.",
            "input": "",
            "output": "Water evaporates and rains.",
        },
        {
            "instruction": "Explain the water cycle.",
            "input": "",
            "output": "Water evaporates and rains.",
        },
        {
            "instruction": "Explain the water cycle.",
            "input": "",
            "output": "Water evaporates and rains.",
        },
        {"instruction": "Name a colour.", "input": "", "output": "Blue is a colour of the sky."},
        {"instruction": "Tiny.", "input": "", "output": "ok"},
    ]
    write_jsonl(tmp / "inst.jsonl", rows)
    path = write_recipe(
        tmp / "r.yaml",
        f"""
version: 1
name: t
inputs:
  - {{name: inst, path: inst.jsonl}}
steps:
  - step: length_filter_v1
    params: {{min_words: 6}}
  - step: exact_dedup_v1
output: {{db: {tmp / "out.duckdb"}, parquet_dir: {tmp / "pq"}}}
""",
    )
    return path, {}


def test_cluster_and_record_verdicts_obeyed_issue16(tmp_path: Path) -> None:
    path, _ = dedup_recipe(tmp_path)
    recipe = load_recipe(path)
    reviews = tmp_path / "reviews.duckdb"
    first = run_curate(recipe, reviews_db=reviews)
    clusters = first.side_tables["clusters"]
    rep = clusters.filter(pl.col("is_representative"))["id"][0]
    m1, m2 = clusters.filter(~pl.col("is_representative"))["id"].sort().to_list()
    short = first.frame.filter(pl.col("drop_reason") == "length__min_words")["id"][0]
    blue = first.frame.filter(pl.col("text").str.contains("Blue"))["id"][0]
    assert first.frame.filter(pl.col("id").is_in([m1, m2]))["keep"].to_list() == [False, False]

    record_verdict(reviews, "cluster", m1, "keep", "ada", item_id="exact:x")  # m1 is the copy kept
    record_verdict(reviews, "cluster", m2, "false_positive", "ada", item_id="exact:x")  # not a dup
    record_verdict(reviews, "record", short, "keep", "ada")  # kept over the length filter
    record_verdict(reviews, "record", blue, "drop", "ada")  # dropped by the reviewer
    second = run_curate(recipe, reviews_db=reviews)
    keep = dict(second.frame.select("id", "keep").iter_rows())
    assert keep[m1] and keep[m2] and not keep[rep] and keep[short] and not keep[blue]
    reasons = dict(second.frame.select("id", "drop_reason").iter_rows())
    assert reasons[rep] == "exact_duplicate" and reasons[blue] == "reviewer_dropped"
    notes = second.notes["reviews"]
    assert (notes["not_duplicate"], notes["cluster_kept"]) == (1, 1)
    assert (notes["record_kept"], notes["reviewer_dropped"]) == (1, 1)
    line = next(x for x in second.notes["summary_lines"] if x.startswith("reviews:"))
    assert "1 cluster member(s) kept as not a duplicate" in line
    assert "1 record(s) kept over a step's drop" in line


def reviews_frame(events: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    """(reviewer, target, item, verdict) events in time order, as the reviews table."""
    return pl.DataFrame(
        {
            "review_id": [f"{i:04d}" for i in range(len(events))],
            "target_kind": "contamination",
            "target_id": [e[1] for e in events],
            "verdict": [e[3] for e in events],
            "reviewer": [e[0] for e in events],
            "note": "",
            "created_at": [T0 + timedelta(seconds=i) for i in range(len(events))],
            "benchmark": "b",
            "item_id": [e[2] for e in events],
            "run_id": None,
        }
    )


def test_disagreements_and_progress() -> None:
    rv = reviews_frame(
        [
            ("ada", "r1", "1", "unsure"),
            ("ada", "r1", "1", "confirmed"),
            ("bob", "r1", "1", "false_positive"),
            ("ada", "r2", "1", "confirmed"),
            ("bob", "r2", "1", "confirmed"),
            ("bob", "r3", "2", "unsure"),
        ]
    )
    dis = disagreements(rv)
    assert dis["target_id"].to_list() == ["r1"]
    assert dis["verdicts"][0] == "ada: confirmed · bob: false_positive"
    assert dis["latest"][0] == "false_positive"
    targets = pl.DataFrame(
        {"target_id": ["r1", "r2", "r3", "r4"], "benchmark": "b", "item_id": ["1", "1", "2", "9"]}
    )
    got = {
        r["reviewer"]: (r["reviewed"], r["total"])
        for r in progress(rv, targets, "contamination").iter_rows(named=True)
    }
    assert got == {"ada": (2, 4), "bob": (3, 4), "(all)": (3, 4)}


@pytest.mark.parametrize("kind,verdict", [("cluster", "keep"), ("record", "drop")])
def test_cluster_and_record_verdicts_are_stored(tmp_path: Path, kind: str, verdict: str) -> None:
    db = tmp_path / "r.duckdb"
    record_verdict(db, kind, "abc", verdict, "ada")
    assert read_reviews(db)["verdict"].to_list() == [verdict]

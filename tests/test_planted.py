"""What is planted in the embedded corpus (corpora/planted.json) is found by the default recipe."""

from __future__ import annotations

import json
from collections import Counter

import polars as pl
import pytest

from tests.golden import ROOT, run_default

PLANTED = json.loads((ROOT / "corpora" / "planted.json").read_text())


@pytest.fixture(scope="module")
def decided() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records with file/line, and the quarantine, of one default run."""
    r = run_default()
    frame = r.frame.with_columns(
        file=pl.col("meta").str.json_path_match("$.file"),
        line=pl.col("meta").str.json_path_match("$.line").cast(pl.Int64),
    )
    return frame, r.quarantine


def planted(category: str) -> list[dict]:
    return [p for p in PLANTED if p["category"] == category]


def lookup(frame: pl.DataFrame, item: dict) -> dict:
    line = item["line"] if "line" in item else item["item"] + 1  # .json lists: 1-based item index
    rows = frame.filter(pl.col("file").str.ends_with(item["file"]) & (pl.col("line") == line))
    assert rows.height == 1, f"planted {item} not found once among records"
    return rows.row(0, named=True)


def reasons(frame: pl.DataFrame, category: str) -> Counter:
    return Counter(lookup(frame, p)["drop_reason"] for p in planted(category))


def test_malformed_lines_quarantined_with_file_and_line(decided) -> None:
    _, q = decided
    got = {
        (f.split("corpora/")[-1], line) for f, line in q.select("source_file", "line").iter_rows()
    }
    want = {(p["file"], p["line"]) for p in planted("malformed")}
    assert got == want


def test_exact_duplicates_all_dropped(decided) -> None:
    frame, _ = decided
    got = reasons(frame, "exact_duplicate") + reasons(frame, "exact_duplicate_normalised")
    assert got == Counter({"exact_duplicate": 23})


def test_empty_outputs_all_dropped(decided) -> None:
    frame, _ = decided
    assert set(reasons(frame, "empty_output")) == {"length__empty_response"}


def test_clean_records_kept(decided) -> None:
    frame, _ = decided
    kept = [lookup(frame, p)["keep"] for p in planted("clean")]
    assert all(kept), f"{kept.count(False)} clean records were dropped"

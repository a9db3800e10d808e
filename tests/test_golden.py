"""Golden end-to-end run of ``corpora/default.yaml`` (regenerate with ``make golden``)."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest

from tests.golden import GOLDEN, ROOT, run_default, summarise


@pytest.fixture(scope="module")
def default_run():
    return run_default()


def test_default_recipe_matches_golden(default_run) -> None:
    want = json.loads(GOLDEN.read_text())
    got = summarise(default_run)
    for key in want:
        assert got[key] == want[key], (
            f"golden section {key!r} differs; run `make golden` and read the diff"
        )


def test_counts_add_up(default_run) -> None:
    r = default_run
    assert r.inputs == r.kept + r.dropped + r.quarantine.height
    assert r.frame.filter(~pl.col("keep"))["drop_reason"].null_count() == 0


def test_corpus_generator_reproduces_committed_files() -> None:
    res = subprocess.run(
        [sys.executable, "corpora/generate.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout + res.stderr

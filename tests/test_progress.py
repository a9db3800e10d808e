"""Progress bars (issue 17): records/s and ETA on long stages, silent under --quiet and when
stdout is not a terminal."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from curate.core import progress
from curate.lib.quality.batching import run_batched
from tests.conftest import ROOT, write_recipe


@pytest.fixture
def terminal():
    buf = io.StringIO()
    progress.configure(force=True, console=Console(file=buf, force_terminal=True, width=150))
    yield buf
    progress.configure()


def test_bar_shows_rate_and_eta_on_a_terminal_issue17(terminal):
    texts = [f"text {i}" for i in range(200)]
    got = run_batched(texts, lambda b: np.array([len(t) for t in b]), batch_size=10, desc="score")
    assert got["score"].shape == (200,)
    out = terminal.getvalue()
    assert "score" in out and "rec/s" in out and "ETA" in out and "/200" in out


def test_nested_stages_share_one_display_issue17(terminal):
    with progress.stage("outer", total=2) as outer:
        for _ in range(2):
            with progress.stage("inner", total=3) as inner:
                inner.advance(3)
            outer.advance(1)
    out = terminal.getvalue()
    assert "outer" in out and "inner" in out


def test_quiet_and_not_a_terminal_draw_nothing_issue17():
    buf = io.StringIO()
    progress.configure(quiet=True, force=True, console=Console(file=buf, force_terminal=True))
    try:
        with progress.stage("hidden", total=5) as bar:
            bar.advance(5)
        assert bar.done == 5 and buf.getvalue() == ""
        progress.configure(console=Console(file=buf, force_terminal=True))
        assert not progress.enabled()  # pytest's stdout is not a terminal
        with progress.stage("hidden too", total=5) as bar:
            bar.advance(5)
        assert buf.getvalue() == ""
    finally:
        progress.configure()


def test_cli_quiet_flag_and_piped_output_have_no_bars_issue17(tmp_path: Path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "a short document with enough words in it"}\n')
    rec = write_recipe(
        tmp_path / "r.yaml",
        f"version: 1\nname: t\ninputs:\n  - {{name: d, path: {data}}}\n"
        "steps:\n  - step: normalise_v1\n",
    )
    for flags in ([], ["--quiet"]):
        res = subprocess.run(
            [sys.executable, "-m", "curate.cli", *flags, "curate", str(rec)]
            + ["--db", str(tmp_path / "o.duckdb"), "--parquet-dir", str(tmp_path / "pq")],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert res.returncode == 0, res.stderr
        assert "rec/s" not in res.stdout + res.stderr and "ETA" not in res.stdout + res.stderr

"""The review app's Evals page (issue 14): clean-vs-dirty charts from evals.duckdb."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from curate.run.training import store
from tests.appdb import build

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory):
    return build(tmp_path_factory.mktemp("appdb_evals"), n_instructions=12, n_documents=4)


def rows(model: str, delta: float) -> pl.DataFrame:
    base = {
        "eval_id": f"eval-{model}",
        "created_at": datetime.now(timezone.utc),
        "model": model,
        "train_run_id": "train-1",
        "benchmark": "gsm8k",
        "preset": "gpt3",
        "verdict_run_id": "audit-1",
        "higher_is_better": False,
        "n_full": 10,
        "n_clean": 6,
        "n_dirty": 4,
        "score_full": 5.0,
        "score_clean": 6.0,
        "score_dirty": 6.0 + delta,
        "delta": delta,
        "delta_low": delta - 0.5,
        "delta_high": delta + 0.5,
        "significant": True,
        "clean_vs_full": 0.2,
        "bootstrap": 1000,
        "method": "cleanroom",
    }
    return pl.DataFrame(
        [{**base, "metric": m} for m in ("answer_nll", "exact_match")],
        schema=store.EVAL_RESULTS_SCHEMA,
    )


def open_evals(monkeypatch: pytest.MonkeyPatch, db: Path, evals: Path) -> AppTest:
    monkeypatch.setenv("CLEANROOM_DB", str(db))
    monkeypatch.setenv("CLEANROOM_EVALS_DB", str(evals))
    monkeypatch.setenv("CLEANROOM_REVIEWS_DB", str(evals.with_name("reviews.duckdb")))
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("curate/app/pages/evals.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_evals_page_plots_clean_vs_dirty(fixture_db, tmp_path: Path, monkeypatch) -> None:
    evals = tmp_path / "evals.duckdb"
    store.append(evals, "eval_results", rows("out/model", -4.0))
    at = open_evals(monkeypatch, fixture_db.db, evals)
    assert [t.value for t in at.title] == ["Evals"]
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2  # clean vs dirty bars, delta with its CI
    assert "clean vs dirty" in charts[0].proto.spec and "delta_low" in charts[1].proto.spec
    table = at.dataframe[0].value
    assert table["metric"].to_list() == ["answer_nll", "exact_match"]
    assert table["delta"].to_list() == [-4.0, -4.0]


def test_evals_page_without_results_says_how_to_get_them(
    fixture_db, tmp_path: Path, monkeypatch
) -> None:
    at = open_evals(monkeypatch, fixture_db.db, tmp_path / "none.duckdb")
    assert "cleanroom eval" in at.info[0].value and not at.exception

"""Reviewer verdicts: the reviews table, latest-per-target folding, and curate obeying them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.core.decisions import drop_rows
from curate.core.errors import ConfigError, InputError
from curate.core.step import STEPS as REGISTRY
from curate.core.step import Step, StepContext, register
from curate.core.verdicts import VERDICTS, fold_per_target, latest_per_match
from curate.io.reviews import latest_verdicts, read_reviews, record_verdict
from curate.run.export import export_run
from curate.run.pipeline import run_curate
from curate.run.recipe import load_recipe
from curate.run.reviews import CONFIRMED_REASON

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)

# A stand-in for the audit helper's decontamination step, following the contract of issue 6:
# it flags records containing "FLAGGED", emits contamination rows, skips records whose verdict in
# force is false_positive (counting them into resources["notes"]["false_positive_kept"]) and drops
# the rest.
FAKE_AUDIT = "fake_audit_v1"


def _fake_audit(p: object, ctx: StepContext) -> Step:
    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        frame = lf.collect()
        flagged = frame.filter(pl.col("text").str.contains("FLAGGED"))
        start = pl.col("text").str.find("FLAGGED")
        spans = pl.format('{{"item": [[0, 7]], "record": [[{}, {}]]}}', start, start + 7)
        ctx.emit(
            "contamination",
            flagged.select(
                "id",
                benchmark=pl.lit("fake"),
                item_id=pl.lit("fake/0"),
                preset=pl.lit("fake"),
                n=pl.lit(1),
                matched_ngrams=pl.lit(1),
                coverage=pl.lit(1.0),
                longest_match=pl.lit(1),
                spans=spans,
                verdict=pl.lit("flagged"),
                # the audit's extra columns (main's CONTAMINATION_SCHEMA has them)
                part=pl.lit("text"),
                whole_match=pl.lit(True),
                item_tokens=pl.lit(1),
                record_tokens=pl.lit(10),
            ),
        )
        ctx.emit(
            "benchmark_items",
            pl.DataFrame(
                {
                    "benchmark": ["fake"],
                    "split": ["test"],
                    "item_id": ["fake/0"],
                    "text": ["FLAGGED item"],
                    "answer": ["42"],
                }
            ),
        )
        verdicts = ctx.resources.get("verdicts")
        fp = set()
        if verdicts is not None and verdicts.height:
            fp = set(
                verdicts.filter(
                    (pl.col("target_kind") == "contamination")
                    & (pl.col("verdict") == "false_positive")
                )["target_id"]
            )
        skip = flagged.filter(pl.col("id").is_in(list(fp)) & pl.col("keep"))
        ctx.resources.setdefault("notes", {})["false_positive_kept"] = skip.height
        drops = flagged.filter(~pl.col("id").is_in(list(fp))).select(
            "id", drop_reason=pl.lit("contamination_fake"), detail=pl.lit(None, pl.String)
        )
        return drop_rows(frame, ctx, drops).lazy()

    return step


@pytest.fixture(scope="module", autouse=True)
def fake_audit_step():
    """Register the stand-in audit step for this module only."""
    register(FAKE_AUDIT, kind="dedup", reasons=("contamination_fake",))(_fake_audit)
    yield
    REGISTRY.discard(FAKE_AUDIT)


def rows_file(folder: Path) -> Path:
    rows = [
        {
            "instruction": "Explain tides in one paragraph please.",
            "input": "",
            "output": "The moon pulls the oceans and the earth turns under the bulge.",
        },
        {
            "instruction": "FLAGGED benchmark question copied here verbatim.",
            "input": "",
            "output": "The answer is 42 and here is why it is so.",
        },
        {
            "instruction": "Another FLAGGED copy of a test question here.",
            "input": "",
            "output": "It is seven because of the reasons stated above.",
        },
        {
            "instruction": "Name three primary colours for painters.",
            "input": "",
            "output": "Red, yellow and blue are the traditional ones.",
        },
    ]
    path = folder / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def recipe_file(folder: Path, audit: bool) -> Path:
    rows_file(folder)
    steps = "  - step: normalise_v1\n" + (f"  - step: {FAKE_AUDIT}\n" if audit else "")
    path = folder / "recipe.yaml"
    path.write_text(
        f"version: 1\nname: rv\ninputs:\n  - {{name: rows, path: rows.jsonl}}\nsteps:\n{steps}",
        encoding="utf-8",
    )
    return path


def ids_by_text(result) -> dict[str, str]:
    return {
        t.split()[0] + ("2" if "Another" in t else ""): i
        for t, i in zip(result.frame["text"], result.frame["id"], strict=True)
    }


# --- the reviews table ---------------------------------------------------------------------------


def test_record_and_read_back(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "reviews.duckdb"
    rid = record_verdict(
        db,
        "contamination",
        "abc",
        "confirmed",
        " ada ",
        "a note",
        benchmark="gsm8k",
        item_id="7",
        run_id="r1",
    )
    rows = read_reviews(db)
    assert rows.height == 1
    r = rows.row(0, named=True)
    assert r["review_id"] == rid and r["reviewer"] == "ada" and r["note"] == "a note"
    assert (r["benchmark"], r["item_id"], r["run_id"]) == ("gsm8k", "7", "r1")
    assert r["created_at"].tzinfo is not None
    with duckdb.connect(str(db), read_only=True) as con:
        cols = [c[0] for c in con.sql("DESCRIBE reviews").fetchall()]
    assert cols[:7] == [
        "review_id",
        "target_kind",
        "target_id",
        "verdict",
        "reviewer",
        "note",
        "created_at",
    ]


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"target_kind": "item"}, "target_kind"),
        ({"verdict": "yes"}, "verdict"),
        ({"reviewer": "  "}, "reviewer"),
        ({"target_id": ""}, "target id"),
    ],
)
def test_record_verdict_rejects_bad_input(tmp_path: Path, kwargs: dict, msg: str) -> None:
    args = {
        "target_kind": "contamination",
        "target_id": "abc",
        "verdict": "confirmed",
        "reviewer": "ada",
    } | kwargs
    with pytest.raises(ConfigError, match=msg):
        record_verdict(tmp_path / "r.duckdb", **args)
    assert not (tmp_path / "r.duckdb").exists()


def test_latest_verdict_per_target(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    record_verdict(db, "contamination", "a", "confirmed", "ada", benchmark="b", item_id="1", now=T0)
    record_verdict(
        db,
        "contamination",
        "a",
        "false_positive",
        "bob",
        "changed my mind",
        benchmark="b",
        item_id="1",
        now=T0 + timedelta(seconds=1),
    )
    # record b: false positive on one item, confirmed on another -> confirmed
    record_verdict(
        db,
        "contamination",
        "b",
        "false_positive",
        "ada",
        benchmark="b",
        item_id="1",
        now=T0 + timedelta(seconds=5),
    )
    record_verdict(db, "contamination", "b", "confirmed", "ada", benchmark="b", item_id="2", now=T0)
    # record c: unsure beats false positive
    record_verdict(db, "contamination", "c", "unsure", "ada", benchmark="b", item_id="1", now=T0)
    record_verdict(
        db, "contamination", "c", "false_positive", "ada", benchmark="b", item_id="2", now=T0
    )
    record_verdict(db, "cluster", "a", "confirmed", "ada", item_id="exact:1", now=T0)
    lv = latest_verdicts(db)
    got = {
        (r["target_kind"], r["target_id"]): (r["verdict"], r["reviewer"])
        for r in lv.iter_rows(named=True)
    }
    assert got == {
        ("contamination", "a"): ("false_positive", "bob"),
        ("contamination", "b"): ("confirmed", "ada"),
        ("contamination", "c"): ("unsure", "ada"),
        ("cluster", "a"): ("confirmed", "ada"),
    }
    assert lv.columns[:6] == [
        "target_kind",
        "target_id",
        "verdict",
        "reviewer",
        "note",
        "created_at",
    ]
    assert latest_verdicts(db, "cluster").height == 1


def test_unreadable_reviews_db_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "reviews.duckdb"
    bad.write_text("not a database", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read the reviews database"):
        latest_verdicts(bad)


def test_missing_reviews_db_is_empty(tmp_path: Path) -> None:
    lv = latest_verdicts(tmp_path / "nope.duckdb")
    assert lv.is_empty() and "verdict" in lv.columns


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]), st.sampled_from(["1", "2"]), st.sampled_from(VERDICTS)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_fold_matches_reference(events: list[tuple[str, str, str]]) -> None:
    """Property: latest per (record, item), then confirmed > unsure > false_positive per record,
    equals a plain-Python reference."""
    frame = pl.DataFrame(
        {
            "review_id": [f"{i:04d}" for i in range(len(events))],
            "target_kind": "contamination",
            "target_id": [e[0] for e in events],
            "verdict": [e[2] for e in events],
            "reviewer": "ada",
            "note": "",
            "created_at": [T0 + timedelta(seconds=i) for i in range(len(events))],
            "benchmark": "b",
            "item_id": [e[1] for e in events],
        }
    )
    got = dict(fold_per_target(latest_per_match(frame)).select("target_id", "verdict").iter_rows())
    last: dict[tuple[str, str], str] = {}
    for rec, item, verdict in events:
        last[(rec, item)] = verdict
    rank = {"confirmed": 0, "unsure": 1, "false_positive": 2}
    want: dict[str, str] = {}
    for (rec, _item), verdict in last.items():
        if rec not in want or rank[verdict] < rank[want[rec]]:
            want[rec] = verdict
    assert got == want


@settings(max_examples=5, deadline=None)
@given(st.lists(st.sampled_from(VERDICTS), min_size=1, max_size=4))
def test_latest_is_last_written(tmp_path_factory: pytest.TempPathFactory, seq: list[str]) -> None:
    """Property: for one (record, item) match, the verdict in force is the last one written."""
    db = tmp_path_factory.mktemp("h") / "r.duckdb"
    for i, v in enumerate(seq):
        record_verdict(
            db,
            "contamination",
            "x",
            v,
            "ada",
            benchmark="b",
            item_id="1",
            now=T0 + timedelta(seconds=i),
        )
    assert latest_verdicts(db)["verdict"].to_list() == [seq[-1]]
    assert read_reviews(db).height == len(seq)


# --- curate obeys verdicts -----------------------------------------------------------------------


def test_no_reviews_db_changes_nothing(tmp_path: Path) -> None:
    result = run_curate(
        load_recipe(recipe_file(tmp_path, audit=False)), reviews_db=tmp_path / "none.duckdb"
    )
    assert result.kept == 4 and "reviews" not in result.notes
    assert [s.key for s in result.steps] == ["normalise_v1"]


def test_confirmed_verdict_drops_record_issue6(tmp_path: Path) -> None:
    recipe = load_recipe(recipe_file(tmp_path, audit=False))
    first = run_curate(recipe, reviews_db=tmp_path / "none.duckdb")
    ids = ids_by_text(first)
    reviews = tmp_path / "reviews.duckdb"
    record_verdict(
        reviews,
        "contamination",
        ids["Explain"],
        "confirmed",
        "ada",
        "verbatim",
        benchmark="gsm8k",
        item_id="3",
    )
    record_verdict(
        reviews, "contamination", ids["Name"], "unsure", "ada", benchmark="gsm8k", item_id="4"
    )
    record_verdict(reviews, "cluster", ids["FLAGGED"], "false_positive", "ada", item_id="exact:x")
    result = run_curate(recipe, reviews_db=reviews)
    row = result.frame.filter(pl.col("id") == ids["Explain"]).row(0, named=True)
    assert (row["keep"], row["stage"], row["drop_reason"]) == (False, "reviews", CONFIRMED_REASON)
    assert json.loads(row["detail"]) | {"reviewed_at": None} == {
        "reviewer": "ada",
        "note": "verbatim",
        "benchmark": "gsm8k",
        "item_id": "3",
        "reviewed_at": None,
    }
    assert result.kept == 3 and result.drops_by_reason() == {CONFIRMED_REASON: 1}
    assert result.notes["reviews"] == {
        "reviews_db": str(reviews),
        "verdicts": 3,
        "confirmed_dropped": 1,
        "false_positive_kept": 0,
        "held_by_unreviewed": 0,
        "reviewer_dropped": 0,
        "not_duplicate": 0,
        "cluster_kept": 0,
        "record_kept": 0,
    }
    assert any(
        "1 record dropped as reviewer-confirmed contamination" in s
        for s in result.notes["summary_lines"]
    )
    assert result.steps[0].key == "reviews" and result.steps[0].dropped == {CONFIRMED_REASON: 1}
    # the verdicts are in resources for later steps, one row per target
    assert result.inputs == result.kept + result.dropped + result.quarantine.height


def test_verdict_loop_with_audit_step_issue6(tmp_path: Path) -> None:
    """Audit flags two records; one confirmed -> dropped by reviews; one false positive -> kept."""
    recipe = load_recipe(recipe_file(tmp_path, audit=True))
    before = run_curate(recipe, reviews_db=tmp_path / "none.duckdb")
    ids = ids_by_text(before)
    assert before.drops_by_reason() == {"contamination_fake": 2}
    reviews = tmp_path / "reviews.duckdb"
    record_verdict(
        reviews,
        "contamination",
        ids["FLAGGED"],
        "confirmed",
        "ada",
        benchmark="fake",
        item_id="fake/0",
    )
    record_verdict(
        reviews,
        "contamination",
        ids["Another2"],
        "false_positive",
        "bob",
        benchmark="fake",
        item_id="fake/0",
    )
    after = run_curate(recipe, reviews_db=reviews)
    by_id = {r["id"]: r for r in after.frame.iter_rows(named=True)}
    assert by_id[ids["FLAGGED"]]["drop_reason"] == CONFIRMED_REASON
    assert by_id[ids["Another2"]]["keep"] is True
    assert after.notes["reviews"]["confirmed_dropped"] == 1
    assert after.notes["reviews"]["false_positive_kept"] == 1
    line = after.notes["summary_lines"][-1]
    assert "1 false positive kept" in line and "1 record dropped" in line


def test_false_positive_counted_without_audit_note(tmp_path: Path) -> None:
    """When the audit step does not report a count, kept false positives it flagged are counted."""
    from curate.run.pipeline import RunResult, note_reviews

    frame = pl.DataFrame({"id": ["a", "b", "c"], "keep": [True, True, False]})
    verdicts = pl.DataFrame(
        {
            "target_kind": ["contamination"] * 3,
            "target_id": ["a", "b", "c"],
            "verdict": ["false_positive"] * 3,
        }
    )
    result = RunResult(
        "r", None, frame, pl.DataFrame(), [], {"contamination": pl.DataFrame({"id": ["a", "c"]})}
    )  # type: ignore[arg-type]
    note_reviews(result, {"verdicts": verdicts, "reviews_db": "x"})
    assert (
        result.notes["reviews"]["false_positive_kept"] == 1
    )  # a (flagged, kept); b not flagged; c dropped


def test_cli_summary_says_so_issue6(tmp_path: Path) -> None:
    recipe = recipe_file(tmp_path, audit=False)
    first = run_curate(load_recipe(recipe), reviews_db=tmp_path / "none.duckdb")
    reviews = tmp_path / "reviews.duckdb"
    record_verdict(reviews, "contamination", ids_by_text(first)["Explain"], "confirmed", "ada")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "curate.cli.main",
            "curate",
            str(recipe),
            "--db",
            str(tmp_path / "c.duckdb"),
            "--reviews-db",
            str(reviews),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    flat = " ".join(out.stdout.split())
    assert (
        "reviews: 1 verdict" in flat
        and "1 record dropped as reviewer-confirmed contamination" in flat
    )
    assert CONFIRMED_REASON in flat
    with duckdb.connect(str(tmp_path / "c.duckdb"), read_only=True) as con:
        stats = json.loads(con.sql("SELECT stats FROM runs").fetchall()[0][0])
        n = con.sql(
            "SELECT count(*) FROM decisions WHERE drop_reason = ? AND stage = 'reviews'",
            params=[CONFIRMED_REASON],
        ).fetchall()[0][0]
    assert stats["reviews"]["confirmed_dropped"] == 1 and n == 1


def test_export_keeps_review_notes(tmp_path: Path) -> None:
    recipe = load_recipe(recipe_file(tmp_path, audit=False))
    ids = ids_by_text(run_curate(recipe, reviews_db=tmp_path / "none.duckdb"))
    reviews = tmp_path / "reviews.duckdb"
    record_verdict(reviews, "contamination", ids["Name"], "confirmed", "ada")
    db = export_run(run_curate(recipe, reviews_db=reviews), tmp_path / "c.duckdb", None)
    with duckdb.connect(str(db), read_only=True) as con:
        steps = json.loads(con.sql("SELECT stats FROM runs").fetchall()[0][0])["steps"]
    assert steps[0]["step"] == "reviews" and steps[0]["dropped"] == {CONFIRMED_REASON: 1}


def test_verdict_loop_through_the_app_issue6(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audit flags two records -> reviewer confirms one and rejects the other in the app ->
    the next curate drops the first (reviewer_confirmed_contamination) and keeps the second."""
    from streamlit.testing.v1 import AppTest

    recipe = load_recipe(recipe_file(tmp_path, audit=True))
    reviews = tmp_path / "reviews.duckdb"
    first = run_curate(recipe, reviews_db=reviews)
    db = export_run(first, tmp_path / "cleanroom.duckdb", None)
    assert first.drops_by_reason() == {"contamination_fake": 2}
    monkeypatch.setenv("CLEANROOM_DB", str(db))
    monkeypatch.setenv("CLEANROOM_REVIEWS_DB", str(reviews))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("curate/app/pages/contamination.py").run()
    at.sidebar.text_input(key="reviewer").input("ada").run()
    recs = at.selectbox(key="cont_rec::fake::fake/0")
    assert len(recs.options) == 2
    confirmed = recs.value
    next(b for b in at.button if b.label == "Confirmed contamination").click().run()
    rejected = at.selectbox(key="cont_rec::fake::fake/0").value  # auto-advanced
    assert rejected != confirmed
    next(b for b in at.button if b.label == "False positive").click().run()
    assert not at.exception

    second = run_curate(recipe, reviews_db=reviews)
    by_id = {r["id"]: r for r in second.frame.iter_rows(named=True)}
    assert (
        by_id[confirmed]["drop_reason"] == CONFIRMED_REASON
        and by_id[confirmed]["stage"] == "reviews"
    )
    assert by_id[rejected]["keep"] is True
    assert second.notes["reviews"]["confirmed_dropped"] == 1
    assert second.notes["reviews"]["false_positive_kept"] == 1
    assert (
        "1 record dropped as reviewer-confirmed contamination" in second.notes["summary_lines"][-1]
    )


def test_reader_waits_for_a_writer_in_another_process(tmp_path: Path) -> None:
    """A verdict being written (file locked by another process) delays curate's read, no error."""
    db = tmp_path / "reviews.duckdb"
    record_verdict(db, "contamination", "a", "confirmed", "ada")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time\ncon = duckdb.connect({str(db)!r})\nprint('held', flush=True)\ntime.sleep(0.6)\ncon.close()",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    assert latest_verdicts(db)["verdict"].to_list() == ["confirmed"]
    holder.wait(timeout=30)

"""Review app pages (streamlit.testing AppTest) on a fixture curation DB, and the verdict write."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_

from curate.app.highlight import highlight_html, md_escape, merge_spans, parse_spans, word_diff_html
from curate.io.reviews import latest_verdicts, read_reviews
from tests.appdb import build

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = [
    "overview",
    "contamination",
    "duplicates",
    "dropped",
    "quarantine",
    "mixtures",
    "reviewers",
]
TITLES = {
    "overview": "Overview",
    "contamination": "Contamination",
    "duplicates": "Duplicates",
    "dropped": "Dropped records",
    "quarantine": "Quarantine",
    "mixtures": "Mixtures",
    "reviewers": "Reviewers",
}


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory):
    return build(tmp_path_factory.mktemp("appdb"))


@pytest.fixture
def env(fixture_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Point the app at the fixture DB and a fresh reviews DB."""
    reviews = tmp_path / "reviews.duckdb"
    monkeypatch.setenv("CLEANROOM_DB", str(fixture_db.db))
    monkeypatch.setenv("CLEANROOM_REVIEWS_DB", str(reviews))
    monkeypatch.delenv("CLEANROOM_REVIEWER", raising=False)
    monkeypatch.setenv("CLEANROOM_PROFILE", str(tmp_path / "profile.json"))
    return fixture_db, reviews


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page != "overview":
        at.switch_page(f"curate/app/pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def htmls(at: AppTest) -> str:
    """Every st.html body of the page that shows data (an HTML element with a script is left out)."""
    return "\n".join(h.proto.body for h in at.get("html") if not h.proto.unsafe_allow_javascript)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(env, page: str) -> None:
    at = open_page(page)
    assert [t.value for t in at.title] == [TITLES[page]]
    assert not at.error and not at.warning
    sidebar = "\n".join(h.proto.body for h in at.sidebar.get("html"))
    assert "app-fixture" in sidebar  # the run's recipe name


def test_overview_counts_and_charts(env) -> None:
    fx, _ = env
    at = open_page("overview")
    body = htmls(at)
    with duckdb.connect(str(fx.db), read_only=True) as con:
        inputs, kept, dropped, quarantined = con.sql(
            "SELECT inputs, kept, dropped, quarantined FROM runs"
        ).fetchall()[0]
    for label, n in (("inputs", inputs), ("kept", kept), ("dropped", dropped)):
        assert re.search(rf"{label}</span> {n:,}\b", body), label
    assert re.search(rf"quarantined</span> {quarantined:,}\b", body)
    # Issue 16: the first page draws with HTML/SVG, so the browser loads no Vega/data-grid bundle.
    assert not at.get("vega_lite_chart") and not at.dataframe
    with duckdb.connect(str(fx.db), read_only=True) as con:
        drops = con.sql(
            "SELECT drop_reason, count(*) FROM decisions WHERE NOT keep GROUP BY ALL"
        ).fetchall()
        flagged = con.sql(
            "SELECT benchmark, count(DISTINCT item_id) FROM contamination GROUP BY ALL"
        ).fetchall()
        runs = con.sql("SELECT run_id FROM runs").fetchall()
    assert drops and flagged
    for reason, n in drops:  # every reason with its count, in a bar row
        assert f'<div class="cr-bar-label">{reason}</div>' in body
        assert re.search(rf'title="[^"]*: {n:,} records"', body), reason
    for bench, n in flagged:
        assert f'<div class="cr-bar-label">{bench}</div>' in body
        assert re.search(rf'cr-bar-n">{n:,} of [\d,]+ items', body), bench
    assert "fixture__score histogram" in body and body.count('class="cr-hist-col"') == 30
    assert all(r in body for (r,) in runs)  # run history
    # no script of ours on the page (a background fetch of the chart bundles was tried and
    # removed: it made the Overview 0.4 s slower and the next page no faster, docs/APP.md)
    assert not [h for h in at.get("html") if h.proto.unsafe_allow_javascript]


def test_contamination_detail_highlights_both_texts(env) -> None:
    at = open_page("contamination")
    assert at.selectbox(key="cont_bench").value == "gsm8k"
    # unreviewed first, then by coverage: a 100% item opens first
    assert at.selectbox(key="cont_item::gsm8k").value == "gsm8k/0"
    body = htmls(at)
    assert body.count("<mark>") >= 2  # item side and record side
    assert "Janet" in body and "Solve this problem step by step." in body
    assert "coverage" in body and "100%" in body
    # the other records hitting the same item are listed
    assert at.selectbox(key="cont_rec::gsm8k::gsm8k/0").options.__len__() == 2


def test_contamination_verdict_is_written_issue6(env) -> None:
    fx, reviews = env
    at = open_page("contamination")
    at.sidebar.text_input(key="reviewer").input("ada").run()
    rec = at.selectbox(key="cont_rec::gsm8k::gsm8k/0").value
    next(t for t in at.text_input if t.label == "Note (optional)").input(
        "verbatim <GSM8K> **question**"
    )
    button(at, "Confirmed contamination").click().run()
    assert not at.exception
    rows = read_reviews(reviews)
    assert rows.height == 1
    r = rows.row(0, named=True)
    assert (r["target_kind"], r["target_id"], r["verdict"], r["reviewer"]) == (
        "contamination",
        rec,
        "confirmed",
        "ada",
    )
    assert (r["benchmark"], r["item_id"], r["note"]) == (
        "gsm8k",
        "gsm8k/0",
        "verbatim <GSM8K> **question**",
    )
    assert r["run_id"]
    # the app moved on to the next unreviewed match of the same item
    assert at.selectbox(key="cont_rec::gsm8k::gsm8k/0").value != rec
    # and the summary counts it
    assert "1 of 5" in htmls(at)
    # a second verdict on the other record, then the item is fully reviewed: the next item opens
    button(at, "False positive").click().run()
    assert read_reviews(reviews).height == 2
    assert at.selectbox(key="cont_item::gsm8k").value != "gsm8k/0"
    lv = latest_verdicts(reviews)
    assert sorted(lv["verdict"].to_list()) == ["confirmed", "false_positive"]


def test_verdict_needs_a_reviewer_name(env) -> None:
    _, reviews = env
    at = open_page("contamination")
    button(at, "Unsure").click().run()
    assert any("Reviewer" in e.value for e in at.error)
    assert not reviews.exists() or read_reviews(reviews).height == 0


def test_status_filter_hides_reviewed_items(env) -> None:
    _, reviews = env
    at = open_page("contamination")
    at.sidebar.text_input(key="reviewer").input("ada").run()
    for _ in range(2):  # both records of gsm8k/0
        button(at, "Confirmed contamination").click().run()
    at.button_group(key="cont_status").set_value(["confirmed"]).run()
    opts = at.selectbox(key="cont_item::gsm8k").options
    assert len(opts) == 1 and "gsm8k/0" in opts[0] and opts[0].startswith("●")
    at.button_group(key="cont_status").set_value(["unreviewed"]).run()
    opts = at.selectbox(key="cont_item::gsm8k").options
    assert len(opts) == 2 and not any("gsm8k/0" in o for o in opts)


def test_data_text_is_escaped_issue6(env) -> None:
    at = open_page("contamination")
    at.selectbox(key="cont_bench").select("humaneval").run()
    at.selectbox(key="cont_item::humaneval").select("HumanEval/99").run()
    body = htmls(at)
    assert "script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "&lt;b&gt;raw html&lt;/b&gt;" in body
    assert "<script>" not in body and "<b>raw html</b>" not in body
    assert "**not bold**" in body  # shown as typed (st.html has no Markdown pass)


def test_duplicates_page_diff(env) -> None:
    at = open_page("duplicates")
    body = htmls(at)
    assert "representative" in body and "member" in body
    assert "Jaccard</span> 1.000" in body  # exact duplicates
    assert "member</span> dropped (exact_duplicate)" in body


def test_dropped_page_search(env) -> None:
    at = open_page("dropped")
    at.text_input(key="drop_search").input("say NOTHING").run()
    assert any("1 record(s) match" in c.value for c in at.caption)
    assert at.selectbox(key="drop_open").options.__len__() == 1
    assert "length__empty_response" in htmls(at)
    at.text_input(key="drop_search").input("no such words anywhere").run()
    assert any("0 record(s) match" in c.value for c in at.caption)


def test_quarantine_page(env) -> None:
    at = open_page("quarantine")
    assert not at.dataframe  # read-only tables are HTML (no data-grid bundle)
    body = htmls(at)
    assert body.count("<tr>") == 1 + 1 + 1 + 2  # files: header + 1 file; lines: header + 2
    codes = [c.value for c in at.code]
    assert any("broken" in c for c in codes)


def test_mixtures_page(env) -> None:
    at = open_page("mixtures")
    assert at.selectbox(key="mix_name").value == "default"
    body = htmls(at)
    assert body.count('class="cr-msg"') >= 5  # rendered messages of the 5 sampled rows
    assert "template <b>plain_v1</b>" in body
    shares = next(d.value for d in at.dataframe if "token_share" in d.value.columns)
    # regression: DuckDB's sum() is a DECIMAL, whose division truncated shares to 0 or 1
    assert abs(float(shares["token_share"].sum()) - 1) < 1e-9
    assert all(0 < float(x) < 1 for x in shares["token_share"])


@pytest.mark.parametrize("page", PAGES)
def test_missing_db_says_run_make_curate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv("CLEANROOM_DB", str(tmp_path / "nothing.duckdb"))
    monkeypatch.setenv("CLEANROOM_REVIEWS_DB", str(tmp_path / "reviews.duckdb"))
    at = open_page(page)
    assert any("No curation database" in w.value for w in at.warning)
    assert any("make curate" in i.value for i in at.info)


def test_empty_db_says_run_make_curate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    monkeypatch.setenv("CLEANROOM_DB", str(db))
    at = open_page("contamination")
    assert any("no curation run" in w.value for w in at.warning)


def test_db_replaced_while_app_runs(env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make curate` renames a new DB into place: the app shows the new run on the next rerun."""
    fx, _ = env
    db = tmp_path / "live.duckdb"
    shutil.copy(fx.db, db)
    monkeypatch.setenv("CLEANROOM_DB", str(db))
    at = open_page("overview")
    with duckdb.connect(str(db), read_only=True) as con:
        old = con.sql("SELECT run_id FROM runs").fetchall()[0][0]
    assert old in "".join(h.proto.body for h in at.sidebar.get("html"))
    new = tmp_path / ".live.tmp"
    shutil.copy(fx.db, new)
    with duckdb.connect(str(new)) as con:
        con.execute(
            "UPDATE runs SET run_id = 'replaced-run', started_at = started_at + INTERVAL 1 HOUR"
        )
    os.replace(new, db)
    at.run()
    assert "replaced-run" in "".join(h.proto.body for h in at.sidebar.get("html"))


def test_app_holds_no_connection(env) -> None:
    """After a page run, the curation DB can be opened read-write (nobody holds it)."""
    fx, _ = env
    open_page("contamination")
    con = duckdb.connect(str(fx.db))  # would raise if the app held a connection with another config
    con.close()


# --- highlight helpers ---------------------------------------------------------------------------


def test_highlight_escapes_and_marks() -> None:
    assert highlight_html("a <b> c", [[2, 5]]) == "a <mark>&lt;b&gt;</mark> c"
    assert highlight_html("abc", [[5, 9], ["x", 1], [2, 1]]) == "abc"
    assert merge_spans([[5, 9], [0, 3], [2, 4], [20, 30]], 25) == [(0, 4), (5, 9), (20, 25)]
    assert parse_spans("not json") == {"item": [], "record": []}
    assert parse_spans('{"item": [[0, 4]], "record": 3}') == {"item": [[0, 4]], "record": []}
    assert word_diff_html("the cat sat", "the dog sat") == (
        "the <del>cat</del> sat",
        "the <ins>dog</ins> sat",
    )
    assert md_escape("**x** :red[y]") == r"\*\*x\*\* \:red\[y\]"


@settings(max_examples=200, deadline=None)
@given(
    st_.text(max_size=60),
    st_.lists(st_.tuples(st_.integers(-5, 70), st_.integers(-5, 70)), max_size=6),
)
def test_highlight_roundtrips_text(text: str, spans: list) -> None:
    """Removing the marks and unescaping gives the text back; marks never nest; spans disjoint."""
    out = highlight_html(text, spans)
    assert html.unescape(re.sub(r"</?mark>", "", out)) == text
    assert "<mark><mark>" not in out
    merged = merge_spans(spans, len(text))
    assert all(a < b for a, b in merged)
    assert all(merged[i][1] < merged[i + 1][0] for i in range(len(merged) - 1))


@settings(max_examples=100, deadline=None)
@given(st_.text(max_size=40), st_.text(max_size=40))
def test_word_diff_roundtrips(a: str, b: str) -> None:
    left, right = word_diff_html(a, b)
    assert html.unescape(re.sub(r"</?(del|ins)>", "", left)) == a
    assert html.unescape(re.sub(r"</?(del|ins)>", "", right)) == b
    assert "<ins>" not in left and "<del>" not in right


def test_fixture_reviews_frame_empty(tmp_path: Path) -> None:
    assert latest_verdicts(tmp_path / "none.duckdb").columns[:6] == [
        "target_kind",
        "target_id",
        "verdict",
        "reviewer",
        "note",
        "created_at",
    ]
    assert isinstance(read_reviews(tmp_path / "none.duckdb"), pl.DataFrame)


def test_mixtures_show_rendered_text_when_present(
    env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fx, _ = env
    db = tmp_path / "rendered.duckdb"
    shutil.copy(fx.db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE mixtures ADD COLUMN rendered VARCHAR")
        con.execute(
            "UPDATE mixtures SET rendered = '<|user|>' || coalesce(prompt, '') || '<|assistant|>' || completion"
        )
    monkeypatch.setenv("CLEANROOM_DB", str(db))
    at = open_page("mixtures")
    assert any(c.value.startswith("<|user|>") for c in at.code)
    assert any("Rendered text (rendered)" in e.label for e in at.expander)


def test_app_cli_command_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from curate.cli.app import app_script, free_port, streamlit_command

    cmd = streamlit_command(app_script(), "127.0.0.1", 8501)
    assert app_script() == ROOT / "app.py"
    assert cmd[1:5] == ["-m", "curate.app.serve", "run", str(ROOT / "app.py")]
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags["--server.address"] == "127.0.0.1" and flags["--server.headless"] == "true"
    assert 0 < free_port() < 65536
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    bad = subprocess.run(
        [sys.executable, "-m", "curate.cli", "app", "--port", "70000"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert bad.returncode == 2 and "not a TCP port" in bad.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "curate.cli", "app", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert helped.returncode == 0 and "Example: cleanroom app" in " ".join(helped.stdout.split())


def test_unreadable_reviews_db_is_reported(
    env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "bad_reviews.duckdb"
    bad.write_text("not a database", encoding="utf-8")
    monkeypatch.setenv("CLEANROOM_REVIEWS_DB", str(bad))
    at = open_page("contamination")
    assert any("cannot read the reviews database" in e.value for e in at.error)


def test_answer_part_highlights_the_answer(env) -> None:
    """The audit reports question and answer matches separately (``part``); answer spans index
    ``benchmark_items.answer``, so they are drawn on the answer, never on the question."""
    at = open_page("contamination")
    at.selectbox(key="cont_bench").select("humaneval").run()
    at.selectbox(key="cont_item::humaneval").select("HumanEval/0").run()
    panels = [h.proto.body for h in at.get("html") if "cr-panel" in h.proto.body]
    answer = next(b for b in panels if "reference answer" in b)
    assert "<mark>" in answer and "distance = abs" in answer
    question = next(b for b in panels if "item <b>HumanEval/0</b>" in b)
    assert "<mark>" in question and "distance = abs" not in question
    chips = htmls(at)
    assert "question 100% · answer 100%" in chips
    table = next(h for h in chips.split("\n") if "All matches" not in h and "<th>parts</th>" in h)
    assert table.count("<td>answer+text</td>") == 1 and table.count("<tr>") == 2


def test_mixtures_show_task_categories_beside_target_issue18(
    env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fx, _ = env
    db = tmp_path / "categories.duckdb"
    shutil.copy(fx.db, db)
    cats = {
        "spec": "instructgpt",
        "labels": "the task_category__label column",
        "target": {"generation": 0.6, "chat": 0.4},
        "effective_target": {"generation": 1.0},
        "actual": {"generation": 1.0, "chat": 0.0, "code": 0.0},
        "distance_to_target": {"max_abs_points": 40.0, "tv_points": 40.0},
        "distance_to_effective": {"max_abs_points": 0.0, "tv_points": 0.0},
        "warnings": ["the sources hold no chat records (40.0% of the target)"],
    }
    with duckdb.connect(str(db)) as con:
        con.execute(
            "UPDATE mixture_manifest SET detail = ? WHERE mixture = 'default'",
            [json.dumps({"categories": cats})],
        )
    monkeypatch.setenv("CLEANROOM_DB", str(db))
    at = open_page("mixtures")
    assert any(s.value == "Task categories" for s in at.subheader)
    assert any("no chat records" in w.value for w in at.warning)
    table = next(d.value for d in at.dataframe if "gap_points" in d.value.columns)
    rows = {r["category"]: r for r in table.to_dict("records")}
    assert set(rows) == {"generation", "chat"}  # code: not in the target and absent
    assert rows["chat"]["gap_points"] == -40.0 and rows["generation"]["gap_points"] == 40.0


def test_reviewers_page_progress_disagreement_export_issue16(env) -> None:
    from curate.io.reviews import record_verdict

    fx, reviews = env
    rec = fx.contaminated["gsm8k/0"][0]
    record_verdict(
        reviews, "contamination", rec, "confirmed", "ada", benchmark="gsm8k", item_id="gsm8k/0"
    )
    record_verdict(
        reviews, "contamination", rec, "false_positive", "bob", benchmark="gsm8k", item_id="gsm8k/0"
    )
    at = open_page("reviewers")
    assert not at.exception
    assert "Disagreements (1)" in " ".join(h.value for h in at.subheader)
    cells = [v for d in at.dataframe if "verdicts" in d.value.columns for v in d.value["verdicts"]]
    assert cells == ["ada: confirmed · bob: false_positive"]
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Export CSV", "Export Parquet"]


def test_dropped_page_shows_rule_threshold_and_span_issue16(env) -> None:
    at = open_page("dropped")
    at.selectbox(key="drop_reason").select("length__empty_response").run()
    body = htmls(at)
    assert "rule <code>length__empty_response</code>" in body
    assert "measured <b>0</b> &lt; threshold <b>1</b>" in body


def test_overview_deep_link_issue16(env) -> None:
    from curate.app.main import APP_PAGES, page_specs

    assert "reviewers" in APP_PAGES
    paths = {p["url_path"]: p for p in page_specs()}
    assert paths["overview"]["page"].endswith("overview.py")  # /overview is served
    assert paths["overview"]["visibility"] == "hidden"  # ... without a second menu entry


def test_why_a_matched_record_was_kept_or_dropped_issue16() -> None:
    from curate.app.why import drop_label, explain

    rule = {"key": "decontaminate_v1", "parts": ("text",), "kinds": None, "preset": "gpt3"}
    answer_only = pl.DataFrame(
        {"drops": [False], "status": ["unreviewed"], "parts": ["answer"], "audit": ["dirty"]}
    )
    kept = {"keep": True, "drop_reason": None, "detail": None}
    (line,) = explain(kept, answer_only, rule)
    assert line.startswith("kept: none of its 1 match(es) counts") and "question matches" in line
    assert "these are answer matches" in line
    two = pl.DataFrame(
        {
            "drops": [True, True],
            "status": ["false_positive", "unreviewed"],
            "parts": ["text", "text"],
            "audit": ["dirty", "dirty"],
        }
    )
    dropped = {
        "keep": False,
        "drop_reason": "contamination",
        "detail": '{"benchmark": "gsm8k", "item_id": "gsm8k/2"}',
    }
    assert drop_label(dropped) == "contamination: gsm8k gsm8k/2"
    assert explain(dropped, two, rule)[1].startswith(
        "2 of its 2 match(es) would drop it; 1 reviewed"
    )
    assert explain(kept, two.with_columns(status=pl.lit("false_positive")), rule) == [
        "kept: all 2 dropping match(es) reviewed false positive"
    ]


def test_server_warm_up_leaves_no_heavy_import_to_the_first_page_issue16(env) -> None:
    """`cleanroom app` imports what the pages need before the first browser connects
    (curate.app.serve.warm): the first Overview run then imports none of the heavy libraries
    (pyarrow alone took 0.2-0.6 s of the first page on a 200k-record DB)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from curate.app.serve import warm\n"
        "warm()\n"
        "from streamlit.testing.v1 import AppTest\n"
        "before = set(sys.modules)\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "print(sorted({m.split('.')[0] for m in set(sys.modules) - before}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
        check=True,
    ).stdout
    new = set(eval(out.strip().splitlines()[-1]))  # noqa: S307  (our own printed list)
    heavy = {"pyarrow", "polars", "duckdb", "numpy", "altair", "cloudpickle", "yaml", "pydantic"}
    assert not new & heavy, new & heavy


def test_server_prewarm_serves_the_first_pages_from_the_cache_issue16(
    env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cleanroom app` runs the Overview and the Contamination queue once before the server starts
    (curate.app.serve.prewarm): their first real visit then reads nothing from the curation DB."""
    import streamlit as st

    from curate.app import queries as Q
    from curate.app import serve

    st.cache_data.clear()
    done = serve.prewarm(APP)
    assert set(done) == {"overview", "contamination"}, done

    def no_db(*args, **kwargs):
        raise AssertionError("the page queried the DB: it was not warmed")

    monkeypatch.setattr(Q, "query_frame", no_db)
    for page in done:
        open_page(page)  # asserts the page ran without an exception
    monkeypatch.setenv("CLEANROOM_APP_PREWARM", "0")
    assert serve.prewarm(APP) == {}

"""Overview: the latest run at a glance (counts, drops, contamination, scores, history)."""

from __future__ import annotations

import json

import altair as alt
import polars as pl
import streamlit as st

from curate.app import queries as Q
from curate.app import ui
from curate.app.highlight import esc
from curate.core.verdicts import fold_status


def contamination_by_benchmark(rid: str) -> pl.DataFrame:
    """Per benchmark: items, flagged items by review status, flagged records."""
    if not (Q.has("contamination") and Q.has("benchmark_items")):
        return pl.DataFrame()
    hits = Q.q("SELECT benchmark, item_id, id FROM contamination WHERE run_id = ?", (rid,))
    if hits.is_empty():
        return pl.DataFrame()
    items = Q.q("SELECT benchmark, count(*) AS items FROM benchmark_items GROUP BY benchmark")
    mv = Q.match_verdicts("contamination").select(
        pl.col("target_id").alias("id"), "benchmark", "item_id", "verdict"
    )
    hits = hits.join(mv, on=["id", "benchmark", "item_id"], how="left").with_columns(
        pl.col("verdict").fill_null("unreviewed")
    )
    per_item = hits.group_by("benchmark", "item_id").agg(
        status=fold_status(pl.col("verdict")), records=pl.len()
    )
    out = per_item.group_by("benchmark", "status").agg(flagged_items=pl.len())
    return out.join(items, on="benchmark", how="left")


def headline(run: dict) -> None:
    """Inputs, kept, dropped, quarantined and verdicts as chips (nothing cut off when narrow)."""
    inputs = int(run["inputs"] or 0)

    def share(n: int) -> str:
        return f"{int(n):,}" + (f" ({100 * int(n) / inputs:.1f}%)" if inputs else "")

    st.html(
        ui.chips(
            [
                ("inputs", f"{inputs:,}"),
                ("kept", share(run["kept"])),
                ("dropped", share(run["dropped"])),
                ("quarantined", share(run["quarantined"])),
                ("verdicts recorded", f"{Q.reviews().height:,}"),
            ]
        )
    )


def reviews_note(stats: dict) -> None:
    """What this run did with reviewer verdicts (the run's summary line)."""
    rev = stats.get("reviews")
    if not rev:
        return
    text = rev.get("summary") or (
        f"This run obeyed {rev.get('verdicts', 0)} reviewer verdict(s): "
        f"{rev.get('confirmed_dropped', 0)} record(s) dropped as confirmed contamination, "
        f"{rev.get('false_positive_kept', 0)} false positive(s) kept."
    )
    st.info(text, icon=":material/gavel:")


def drops_chart(rid: str) -> None:
    st.subheader("Drops by reason")
    drops = Q.q(
        "SELECT drop_reason, stage, count(*) AS records FROM decisions WHERE run_id = ? AND NOT keep "
        "GROUP BY drop_reason, stage ORDER BY records DESC, drop_reason",
        (rid,),
    )
    if drops.is_empty():
        st.caption("Nothing was dropped.")
        return
    chart = (
        alt.Chart(drops)
        .mark_bar()
        .encode(
            x=alt.X("records:Q", title="records"),
            y=alt.Y("drop_reason:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            color=alt.Color("stage:N", title="stage"),
            tooltip=["drop_reason", "stage", "records"],
        )
        .properties(height=alt.Step(22))
    )
    st.altair_chart(chart, width="stretch")


def contamination_chart(rid: str) -> None:
    st.subheader("Contamination by benchmark")
    cb = contamination_by_benchmark(rid)
    if cb.is_empty():
        st.caption("No benchmark item matched any record (or the run had no audit step).")
        return
    totals = cb.group_by("benchmark").agg(pl.col("flagged_items").sum(), pl.col("items").first())
    cb = cb.join(
        totals.select("benchmark", share=pl.col("flagged_items") / pl.col("items")), on="benchmark"
    )
    domain = [
        s for s in ui.STATUS_COLOR if s in ("unreviewed", "confirmed", "false_positive", "unsure")
    ]
    chart = (
        alt.Chart(cb)
        .mark_bar()
        .encode(
            x=alt.X("flagged_items:Q", title="benchmark items matched in the corpus"),
            y=alt.Y("benchmark:N", title=None, axis=alt.Axis(labelLimit=200)),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=domain, range=[ui.STATUS_COLOR[d] for d in domain]),
                title="review",
            ),
            tooltip=[
                "benchmark",
                "status",
                "flagged_items",
                "items",
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(height=alt.Step(34))
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(
        totals.with_columns(share=pl.col("flagged_items") / pl.col("items")).sort(
            "share", descending=True
        ),
        hide_index=True,
        column_config={
            "share": st.column_config.ProgressColumn(
                "share of items", format="percent", min_value=0, max_value=1
            )
        },
        width="stretch",
    )


def score_histogram(rid: str, col: str) -> None:
    """Kept vs dropped histogram of one score column (30 bins, computed in DuckDB)."""
    c = Q.ident(col)
    lim = Q.q(
        f"SELECT min({c})::DOUBLE AS lo, max({c})::DOUBLE AS hi, count({c}) AS n FROM records WHERE run_id = ?",
        (rid,),
    ).row(0, named=True)
    st.html(f'<div class="cr-head"><b>{esc(col)}</b> · {lim["n"]:,} records</div>')
    if not lim["n"]:
        st.caption("no values")
        return
    lo, hi = lim["lo"], lim["hi"] if lim["hi"] > lim["lo"] else lim["lo"] + 1.0
    width = (hi - lo) / 30
    hist = Q.q(
        f"SELECT least(29, floor(({c} - ?) / ?))::INTEGER AS b, CASE WHEN d.keep THEN 'kept' ELSE 'dropped' END AS decision, "
        f"count(*) AS records FROM records r JOIN decisions d USING (run_id, id) "
        f"WHERE r.run_id = ? AND {c} IS NOT NULL GROUP BY ALL",
        (lo, width, rid),
    ).with_columns(lo=lo + pl.col("b") * width, hi=lo + (pl.col("b") + 1) * width)
    chart = (
        alt.Chart(hist)
        .mark_bar()
        .encode(
            x=alt.X("lo:Q", bin="binned", title=col),
            x2="hi:Q",
            y=alt.Y("records:Q", stack=True),
            color=alt.Color(
                "decision:N",
                scale=alt.Scale(domain=["kept", "dropped"], range=["#1a73e8", "#f28b82"]),
            ),
            tooltip=["lo", "hi", "decision", "records"],
        )
        .properties(height=180)
    )
    st.altair_chart(chart, width="stretch")


def scores(rid: str) -> None:
    cols_ = Q.score_columns()
    st.subheader("Score distributions")
    if not cols_:
        st.caption("No numeric `*__score` columns in this run (no scoring step ran).")
        return
    cols = st.columns(min(3, len(cols_)))
    for i, col in enumerate(cols_):
        with cols[i % len(cols)]:
            score_histogram(rid, col)


def run_history() -> None:
    st.subheader("Run history")
    hist = Q.q(
        "SELECT run_id, started_at, finished_at, recipe_name, recipe_sha256, inputs, kept, dropped, quarantined "
        "FROM runs ORDER BY started_at DESC"
    ).with_columns(
        seconds=(pl.col("finished_at") - pl.col("started_at")).dt.total_milliseconds() / 1000,
        recipe_sha256=pl.col("recipe_sha256").str.slice(0, 12),
    )
    if hist.height > 1:
        long = hist.select("started_at", "kept", "dropped", "quarantined").unpivot(
            index="started_at", variable_name="count", value_name="records"
        )
        st.altair_chart(
            alt.Chart(long)
            .mark_line(point=True)
            .encode(
                x=alt.X("started_at:T", title="run started"),
                y="records:Q",
                color="count:N",
                tooltip=["started_at", "count", "records"],
            )
            .properties(height=180),
            width="stretch",
        )
    st.dataframe(hist.drop("finished_at"), hide_index=True, width="stretch")


def render() -> None:
    st.title("Overview")
    if not ui.need_db():
        return
    run = Q.state().run
    rid = run["run_id"]
    stats = json.loads(run["stats"]) if run.get("stats") else {}
    st.caption(f"Latest run, started {run['started_at']:%Y-%m-%d %H:%M:%S} UTC")
    headline(run)
    reviews_note(stats)
    left, right = st.columns(2)
    with left:
        drops_chart(rid)
    with right:
        contamination_chart(rid)
    scores(rid)
    run_history()


render()

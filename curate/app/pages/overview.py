"""Overview: the latest run at a glance (counts, drops, contamination, scores, history)."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from curate.app import charts, ui
from curate.app import queries as Q
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
    stage_color = charts.colors(drops["stage"].to_list())
    total = int(drops["records"].sum())
    rows = [
        (
            r["drop_reason"],
            [(r["stage"], r["records"], stage_color[r["stage"]])],
            f"{r['records']:,}",
        )
        for r in drops.iter_rows(named=True)
    ]
    st.html(
        charts.legend(stage_color)
        + charts.bars(rows)
        + f'<div class="cr-head">{total:,} records dropped by {drops.height} reason(s); colour = step</div>'
    )


def contamination_chart(rid: str) -> None:
    st.subheader("Contamination by benchmark")
    cb = contamination_by_benchmark(rid)
    if cb.is_empty():
        st.caption("No benchmark item matched any record (or the run had no audit step).")
        return
    statuses = [
        s for s in ui.STATUS_COLOR if s in ("unreviewed", "confirmed", "false_positive", "unsure")
    ]
    totals = (
        cb.group_by("benchmark")
        .agg(pl.col("flagged_items").sum(), pl.col("items").first())
        .with_columns(share=pl.col("flagged_items") / pl.col("items"))
        .sort("share", "benchmark", descending=[True, False])
    )
    rows = []
    for t in totals.iter_rows(named=True):
        per = dict(
            cb.filter(pl.col("benchmark") == t["benchmark"])
            .select("status", "flagged_items")
            .iter_rows()
        )
        segs = [(ui.STATUS_LABEL[s], int(per.get(s, 0)), ui.STATUS_COLOR[s]) for s in statuses]
        share = f" ({t['share']:.1%})" if t["items"] else ""
        rows.append(
            (t["benchmark"], segs, f"{t['flagged_items']:,} of {t['items'] or 0:,} items{share}")
        )
    st.html(
        charts.legend({ui.STATUS_LABEL[s]: ui.STATUS_COLOR[s] for s in statuses})
        + charts.bars(rows, unit="items")
        + '<div class="cr-head">benchmark items matched in the corpus, by review state</div>'
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
        f"SELECT least(29, floor(({c} - ?) / ?))::INTEGER AS b, "
        f"count(*) FILTER (WHERE d.keep) AS kept, count(*) FILTER (WHERE NOT d.keep) AS dropped "
        f"FROM records r JOIN decisions d USING (run_id, id) "
        f"WHERE r.run_id = ? AND {c} IS NOT NULL GROUP BY ALL ORDER BY b",
        (lo, width, rid),
    )
    hist = (  # all 30 bins, empty ones too, so each column is one bin wide
        pl.DataFrame({"b": range(30)}, schema={"b": pl.Int32})
        .join(hist.with_columns(pl.col("b").cast(pl.Int32)), on="b", how="left")
        .fill_null(0)
        .with_columns(lo=lo + pl.col("b") * width, hi=lo + (pl.col("b") + 1) * width)
    )
    series = {"kept": "#1a73e8", "dropped": "#f28b82"}
    st.html(charts.histogram(hist, series, col) + charts.legend(series))


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


HISTORY_ROWS = 20


def run_history() -> None:
    st.subheader("Run history")
    runs = Q.q("SELECT count(*) AS n FROM runs").item()
    hist = Q.q(
        "SELECT run_id, started_at, recipe_name AS recipe, recipe_sha256, inputs, kept, dropped, "
        "quarantined, date_diff('millisecond', started_at, finished_at) / 1000.0 AS seconds "
        f"FROM runs ORDER BY started_at DESC LIMIT {HISTORY_ROWS}"
    ).with_columns(
        started_at=pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
        recipe_sha256=pl.col("recipe_sha256").str.slice(0, 12),
    )
    st.html(charts.table(hist))
    if runs > HISTORY_ROWS:
        st.caption(f"The latest {HISTORY_ROWS} of {runs:,} runs (the `runs` table has them all).")


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

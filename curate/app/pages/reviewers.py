"""Reviewers: progress per reviewer, where reviewers disagree, every verdict (filter, export)."""

from __future__ import annotations

import io

import polars as pl
import streamlit as st

from curate.app import queries as Q
from curate.app import ui
from curate.core.verdicts import disagreements, progress

PAGE_SIZE = 100


def contamination_targets() -> pl.DataFrame:
    """Every contamination match of the latest run (target_id, benchmark, item_id)."""
    if not Q.has("contamination"):
        return pl.DataFrame(
            schema={"target_id": pl.String, "benchmark": pl.String, "item_id": pl.String}
        )
    return Q.q(
        "SELECT DISTINCT id AS target_id, benchmark, CAST(item_id AS VARCHAR) AS item_id "
        "FROM contamination WHERE run_id = ?",
        (Q.run_id(),),
    )


def progress_table(rv: pl.DataFrame) -> None:
    """Per reviewer: matches reviewed of those in this run, per benchmark."""
    st.subheader("Progress")
    targets = contamination_targets()
    if targets.is_empty():
        st.caption("This run has no contamination matches to review.")
        return
    rows = []
    for bench in sorted(targets["benchmark"].unique().to_list()):
        t = targets.filter(pl.col("benchmark") == bench)
        rows.append(progress(rv, t, "contamination").with_columns(benchmark=pl.lit(bench)))
    table = pl.concat(rows).with_columns(share=pl.col("reviewed") / pl.col("total"))
    me = ui.reviewer()
    if me:
        mine = table.filter(pl.col("reviewer") == me)
        done, total = int(mine["reviewed"].sum()), int(targets.height)
        st.html(ui.chips([(f"{me}", f"{done:,} of {total:,} matches reviewed")]))
    st.dataframe(
        table.select("reviewer", "benchmark", "reviewed", "total", "share"),
        hide_index=True,
        width="stretch",
        column_config={
            "share": st.column_config.ProgressColumn(
                "reviewed", format="percent", min_value=0.0, max_value=1.0
            )
        },
    )


def disagreement_table(rv: pl.DataFrame) -> None:
    """Matches where reviewers' latest verdicts differ, with a link to open each."""
    dis = disagreements(rv)
    st.subheader(f"Disagreements ({dis.height:,})")
    if dis.is_empty():
        st.caption("No two reviewers gave different verdicts on the same target.")
        return
    link = pl.when(pl.col("target_kind") == "contamination").then(
        pl.concat_str(
            pl.lit("contamination?bench="),
            pl.col("benchmark"),
            pl.lit("&item="),
            pl.col("item_id"),
            pl.lit("&rec="),
            pl.col("target_id"),
        )
    )
    st.dataframe(
        dis.with_columns(open=link).select(
            "target_kind", "benchmark", "item_id", "target_id", "verdicts", "latest", "open"
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "open": st.column_config.LinkColumn("open", display_text="open"),
            "target_id": st.column_config.TextColumn("target", width="large"),
        },
    )


def verdict_log(rv: pl.DataFrame) -> None:
    """Every verdict, filtered by reviewer/kind/verdict, paged, with CSV/Parquet export."""
    st.subheader("All verdicts")
    c = st.columns(3)
    who = c[0].multiselect("Reviewer", sorted(rv["reviewer"].unique().to_list()), key="rv_who")
    kinds = c[1].multiselect("Target", sorted(rv["target_kind"].unique().to_list()), key="rv_kind")
    verdicts = c[2].multiselect("Verdict", sorted(rv["verdict"].unique().to_list()), key="rv_v")
    sel = rv
    for col, chosen in (("reviewer", who), ("target_kind", kinds), ("verdict", verdicts)):
        if chosen:
            sel = sel.filter(pl.col(col).is_in(chosen))
    sel = sel.sort("created_at", descending=True)
    export(sel)
    offset = ui.pager(sel.height, "rv_page::main", PAGE_SIZE)
    st.dataframe(
        sel.slice(offset, PAGE_SIZE),
        hide_index=True,
        width="stretch",
        column_config={"target_id": st.column_config.TextColumn("target_id", width="large")},
    )


def export(sel: pl.DataFrame) -> None:
    """Download buttons: the verdicts shown, as CSV and as Parquet."""
    c = st.columns([1, 1, 4])
    c[0].download_button(
        "Export CSV",
        sel.write_csv().encode(),
        file_name="verdicts.csv",
        mime="text/csv",
        icon=":material/download:",
        key="rv_csv",
    )
    buf = io.BytesIO()
    sel.write_parquet(buf)
    c[1].download_button(
        "Export Parquet",
        buf.getvalue(),
        file_name="verdicts.parquet",
        mime="application/octet-stream",
        icon=":material/download:",
        key="rv_parquet",
    )
    c[2].caption(f"{sel.height:,} verdict(s) in the export (the filters above apply).")


def render() -> None:
    st.title("Reviewers")
    if not ui.need_db():
        return
    rv = Q.reviews()
    if rv.is_empty():
        st.info("No verdicts yet. Give one on the Contamination or Duplicates page.")
        return
    progress_table(rv)
    disagreement_table(rv)
    verdict_log(rv)


render()

"""Duplicates: clusters found by dedup steps; representative vs member with a word diff."""

from __future__ import annotations

import polars as pl
import streamlit as st

from curate.app import queries as Q
from curate.app import ui
from curate.app.config import reviews_path
from curate.app.highlight import esc, md_escape, word_diff_html
from curate.core.errors import CleanroomError
from curate.io.reviews import record_verdict

MAX_DIFF_CHARS = 20_000
MAX_CLUSTERS = 2_000


def render() -> None:
    st.title("Duplicates")
    if not ui.need_db():
        return
    if not ui.need_table("clusters", "duplicate clusters"):
        return
    rid = Q.run_id()
    saved = st.session_state.pop("_dup_saved", None)
    if saved:
        st.toast(saved, icon=":material/task_alt:")
    methods = Q.q(
        "SELECT method, count(DISTINCT cluster_id) AS clusters, count(*) AS records FROM clusters WHERE run_id = ? GROUP BY method ORDER BY clusters DESC",
        (rid,),
    )
    m = st.columns(3)
    m[0].metric("Clusters", f"{int(methods['clusters'].sum()):,}")
    m[1].metric("Records in clusters", f"{int(methods['records'].sum()):,}")
    m[2].metric("Methods", ", ".join(str(x) for x in methods["method"].to_list()) or "–")
    c = st.columns([1, 2])
    method = c[0].selectbox("Method", ["all", *methods["method"].to_list()], key="dup_method")
    search = c[1].text_input("Find a record id", key="dup_search", placeholder="id prefix")
    where, params = "run_id = ?", [rid]
    if method != "all":
        where += " AND method = ?"
        params.append(method)
    if search.strip():
        where += " AND cluster_id IN (SELECT cluster_id FROM clusters WHERE run_id = ? AND starts_with(id, ?))"
        params += [rid, search.strip()]
    clusters = Q.q(
        f"SELECT cluster_id, any_value(method) AS method, count(*) AS size, min(jaccard) AS min_jaccard "
        f"FROM clusters WHERE {where} GROUP BY cluster_id ORDER BY size DESC, min_jaccard ASC, cluster_id LIMIT {MAX_CLUSTERS}",
        tuple(params),
    )
    if clusters.is_empty():
        st.info("No cluster matches.")
        return
    left, right = st.columns([2, 5], gap="medium")
    with left:
        st.caption(
            f"{clusters.height:,} clusters (largest first{', first ' + str(MAX_CLUSTERS) if clusters.height == MAX_CLUSTERS else ''})."
        )
        st.dataframe(
            clusters,
            hide_index=True,
            height=min(520, 38 + 35 * clusters.height),
            width="stretch",
            column_config={
                "min_jaccard": st.column_config.NumberColumn("min jaccard", format="%.2f")
            },
        )
    with right:
        by_id = {r["cluster_id"]: r for r in clusters.iter_rows(named=True)}
        cid = st.selectbox(
            "Cluster",
            list(by_id),
            key="dup_cluster",
            format_func=lambda k: f"{k}  ·  {by_id[k]['size']} records  ·  {by_id[k]['method']}",
        )
        members = Q.q(
            "SELECT c.id, c.is_representative, c.jaccard, r.source, r.text, d.keep, d.drop_reason "
            "FROM clusters c LEFT JOIN records r ON r.run_id = c.run_id AND r.id = c.id "
            "LEFT JOIN decisions d ON d.run_id = c.run_id AND d.id = c.id "
            "WHERE c.run_id = ? AND c.cluster_id = ? ORDER BY c.is_representative DESC, c.jaccard DESC, c.id",
            (rid, cid),
        )
        reps = members.filter(pl.col("is_representative"))
        rep = (reps if reps.height else members).row(0, named=True)
        others = members.filter(pl.col("id") != rep["id"])
        if others.is_empty():
            st.info("This cluster has a single record.")
            return
        by_m = {r["id"]: r for r in others.iter_rows(named=True)}
        mid = st.selectbox(
            "Member",
            list(by_m),
            key=f"dup_member::{cid}",
            format_func=lambda k: (
                f"{ui.short(k)}  ·  {by_m[k]['source']}  ·  jaccard {by_m[k]['jaccard'] or 0:.2f}"
            ),
        )
        mem = by_m[mid]
        k = st.columns(3)
        k[0].metric(
            "Jaccard", f"{mem['jaccard'] if mem['jaccard'] is not None else float('nan'):.3f}"
        )
        k[1].metric(
            "Member decision",
            "kept" if mem["keep"] else "dropped",
            mem["drop_reason"] if not mem["keep"] else None,
            delta_color="off",
            delta_arrow="off",
        )
        k[2].metric(
            "Representative",
            "kept" if rep["keep"] else "dropped",
            rep["drop_reason"] if not rep["keep"] else None,
            delta_color="off",
            delta_arrow="off",
        )
        a_txt, b_txt = rep["text"] or "", mem["text"] or ""
        if len(a_txt) + len(b_txt) > 2 * MAX_DIFF_CHARS:
            st.caption(
                f"Texts are long: the diff covers the first {MAX_DIFF_CHARS:,} characters of each."
            )
            a_txt, b_txt = a_txt[:MAX_DIFF_CHARS], b_txt[:MAX_DIFF_CHARS]
        left_html, right_html = word_diff_html(a_txt, b_txt)
        a, b = st.columns(2, gap="small")
        with a:
            ui.panel(
                f"representative <b>{esc(ui.short(rep['id'], 16))}</b> · {esc(rep['source'])} · <del>only here</del>",
                left_html,
            )
        with b:
            ui.panel(
                f"member <b>{esc(ui.short(mid, 16))}</b> · {esc(mem['source'])} · <ins>only here</ins>",
                right_html,
            )
        with st.form(key=f"dupverdict::{cid}::{mid}", clear_on_submit=True, enter_to_submit=False):
            st.caption(
                "Is this member a real duplicate of the representative? (Recorded for analysis; curate does not act on cluster verdicts yet.)"
            )
            note = st.text_input("Note (optional)")
            cols = st.columns(3)
            pressed = None
            for col, (v, label) in zip(
                cols,
                [
                    ("confirmed", "Real duplicate"),
                    ("false_positive", "Not a duplicate"),
                    ("unsure", "Unsure"),
                ],
                strict=True,
            ):
                if col.form_submit_button(label, width="stretch"):
                    pressed = v
        if pressed:
            reviewer = (st.session_state.get("reviewer") or "").strip()
            if not reviewer:
                st.error("Type your name in **Reviewer** (sidebar) first.")
                return
            try:
                record_verdict(
                    reviews_path(), "cluster", mid, pressed, reviewer, note, item_id=cid, run_id=rid
                )
            except (CleanroomError, OSError) as e:
                st.error(f"Could not save the verdict: {e}")
                return
            Q.clear_reviews_cache()
            st.session_state["_dup_saved"] = f"Saved: {pressed} for {md_escape(ui.short(mid))}"
            st.rerun()
        st.markdown("##### Members")
        st.dataframe(
            members.select(
                "id",
                "is_representative",
                "jaccard",
                "source",
                pl.when(pl.col("keep"))
                .then(pl.lit("kept"))
                .otherwise(pl.col("drop_reason"))
                .alias("decision"),
                pl.col("text").str.slice(0, 160).alias("text"),
            ),
            hide_index=True,
            width="stretch",
        )


render()

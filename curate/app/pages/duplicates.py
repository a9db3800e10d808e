"""Duplicates: clusters found by dedup steps; representative vs member with a word diff.

A member's verdict is obeyed by the next ``curate``: keep this member (it becomes the copy its
cluster keeps), drop this member, or not a duplicate (it leaves the cluster).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from curate.app import queries as Q
from curate.app import review_actions as RA
from curate.app import ui
from curate.app.highlight import esc, word_diff_html

MAX_DIFF_CHARS = 20_000
PAGE_SIZE = 50
BUTTONS = [  # verdict, label, icon, type, key
    ("keep", "Keep this member", ":material/keep:", "secondary", "1"),
    ("drop", "Drop this member", ":material/delete:", "primary", "2"),
    ("false_positive", "Not a duplicate", ":material/call_split:", "secondary", "3"),
]


def cluster_filters(rid: str) -> tuple[str, list]:
    """Method and id-search filters; returns the SQL WHERE clause and its parameters."""
    methods = Q.q(
        "SELECT method, count(DISTINCT cluster_id) AS clusters, count(*) AS records FROM clusters "
        "WHERE run_id = ? GROUP BY method ORDER BY clusters DESC",
        (rid,),
    )
    st.html(
        ui.chips(
            [
                ("clusters", f"{int(methods['clusters'].sum()):,}"),
                ("records in clusters", f"{int(methods['records'].sum()):,}"),
                ("methods", ", ".join(str(x) for x in methods["method"].to_list()) or "–"),
            ]
        )
    )
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
    return where, params


def cluster_page(where: str, params: list) -> tuple[pl.DataFrame, int]:
    """One page of clusters (largest first) and the number of clusters in all."""
    total = Q.q(
        f"SELECT count(DISTINCT cluster_id) AS n FROM clusters WHERE {where}", tuple(params)
    )
    n = int(total["n"][0])
    offset = ui.pager(n, "dup_page::main", PAGE_SIZE)
    page = Q.q(
        "SELECT cluster_id, any_value(method) AS method, count(*) AS size, min(jaccard) AS min_jaccard "
        f"FROM clusters WHERE {where} GROUP BY cluster_id "
        "ORDER BY size DESC, min_jaccard ASC, cluster_id LIMIT ? OFFSET ?",
        (*params, PAGE_SIZE, offset),
    )
    return page, n


def pick_cluster(page: pl.DataFrame) -> str:
    """The clickable cluster table of this page and the cluster picker; returns the cluster."""
    ids = page["cluster_id"].to_list()
    url = ui.url_once("cluster")
    if url in ids:
        st.session_state["_pending_dup_cluster"] = url
    pending = st.session_state.pop("_pending_dup_cluster", None)
    if pending in ids:
        st.session_state["dup_cluster"] = pending
    if st.session_state.get("dup_cluster") not in ids:
        st.session_state["dup_cluster"] = ids[0]
    event = st.dataframe(
        page,
        key=f"dup_table::{ids[0]}",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        height=min(300, 38 + 35 * page.height),
        width="stretch",
        column_config={
            "cluster_id": st.column_config.TextColumn("cluster", width="large"),
            "size": st.column_config.NumberColumn("size", format="%d"),
            "min_jaccard": st.column_config.NumberColumn("min jaccard", format="%.3f"),
        },
    )
    RA.table_pick(event, ids, "dup_cluster", f"dup::{ids[0]}")
    by_id = {r["cluster_id"]: r for r in page.iter_rows(named=True)}
    return st.selectbox(
        "Cluster",
        ids,
        key="dup_cluster",
        format_func=lambda k: f"{k}  ·  {by_id[k]['size']} records  ·  {by_id[k]['method']}",
    )


def load_members(rid: str, cid: str) -> pl.DataFrame:
    """The members of a cluster with text, decision and the cluster verdict in force."""
    members = Q.q(
        "SELECT c.id, c.is_representative, c.jaccard, r.source, r.text, d.keep, d.drop_reason "
        "FROM clusters c LEFT JOIN records r ON r.run_id = c.run_id AND r.id = c.id "
        "LEFT JOIN decisions d ON d.run_id = c.run_id AND d.id = c.id "
        "WHERE c.run_id = ? AND c.cluster_id = ? ORDER BY c.is_representative DESC, c.jaccard DESC, c.id",
        (rid, cid),
    )
    mv = Q.match_verdicts("cluster").select(pl.col("target_id").alias("id"), "verdict", "reviewer")
    mv = mv.unique("id", keep="last")
    return members.join(mv, on="id", how="left", maintain_order="left").with_columns(
        status=pl.col("verdict").fill_null("unreviewed")
    )


def pick_member(cid: str, others: pl.DataFrame) -> str:
    """The member picker (``?member=`` preselects); registers j/k positions over members."""
    ids = others["id"].to_list()
    key = f"dup_member::{cid}"
    url = ui.url_once("member")
    if url in ids:
        st.session_state[f"_pending_{key}"] = url
    pending = st.session_state.pop(f"_pending_{key}", None)
    if pending in ids:
        st.session_state[key] = pending
    if st.session_state.get(key) not in ids:
        st.session_state[key] = ids[0]
    RA.remember_positions(
        [{key: m} for m in ids], [s != "unreviewed" for s in others["status"].to_list()]
    )
    by_m = {r["id"]: r for r in others.iter_rows(named=True)}
    mid = st.selectbox(
        f"Member ({len(ids)})",
        ids,
        key=key,
        format_func=lambda k: (
            f"{ui.STATUS_ICON.get(by_m[k]['status'], '')}  {k}  ·  {by_m[k]['source']}  ·  jaccard {by_m[k]['jaccard'] or 0:.2f}"
        ),
    )
    RA.set_any_position({key: mid})
    RA.nav_bar()
    ui.set_url(cluster=cid, member=mid)
    return mid


def diff_panels(rep: dict, mem: dict) -> None:
    """Representative and member side by side, words only in one of them marked."""
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
            f"representative <b>{esc(rep['id'])}</b> · {esc(rep['source'])} · <del>only here</del>",
            left_html,
        )
    with b:
        ui.panel(
            f"member <b>{esc(mem['id'])}</b> · {esc(mem['source'])} · <ins>only here</ins>",
            right_html,
        )


def member_chips(rep: dict, mem: dict) -> None:
    """Jaccard, both decisions and the member's verdict."""

    def decision(r: dict) -> str:
        return "kept" if r["keep"] else f"dropped ({r['drop_reason']})"

    jac = mem["jaccard"]
    st.html(
        ui.chips(
            [
                ("Jaccard", "–" if jac is None else f"{jac:.3f}"),
                ("member", decision(mem)),
                ("representative", decision(rep)),
                ("verdict", ui.STATUS_LABEL.get(mem["status"], mem["status"])),
            ],
            status=mem["status"],
        )
    )


def verdict_form(rid: str, cid: str, mid: str) -> None:
    """The member verdict buttons (keys 1/2/3), obeyed by the next curate."""
    with st.form(key=f"dupverdict::{cid}::{mid}", clear_on_submit=True, enter_to_submit=False):
        st.caption(
            "The next `curate` obeys this: **keep** makes this member the copy its cluster keeps, "
            "**drop** drops it, **not a duplicate** takes it out of the cluster."
        )
        note = st.text_input("Note (optional)")
        cols = st.columns(3)
        pressed = None
        for col, (v, label, icon, kind, key) in zip(cols, BUTTONS, strict=True):
            if col.form_submit_button(label, icon=icon, type=kind, width="stretch", shortcut=key):
                pressed = v
    if pressed and RA.save(
        "cluster", mid, pressed, note, {"item_id": cid, "run_id": rid}, f"member {ui.short(mid)}"
    ):
        RA.jump_next_unreviewed()
        st.rerun()
    RA.history("cluster", mid, None, None)


def members_table(members: pl.DataFrame) -> None:
    st.markdown(f"##### Members ({members.height})")
    st.dataframe(
        members.select(
            "id",
            "is_representative",
            "jaccard",
            "source",
            ui.DECISION,
            pl.col("status").alias("verdict"),
            pl.col("text").str.slice(0, 160).alias("text"),
        ),
        hide_index=True,
        width="stretch",
        column_config={"id": st.column_config.TextColumn("id", width="large")},
    )


def render() -> None:
    st.title("Duplicates")
    if not ui.need_db() or not ui.need_table("clusters", "duplicate clusters"):
        return
    rid = Q.run_id()
    RA.show_saved()
    where, params = cluster_filters(rid)
    page, n = cluster_page(where, params)
    if page.is_empty():
        st.info("No cluster matches.")
        return
    cid = pick_cluster(page)
    members = load_members(rid, cid)
    reps = members.filter(pl.col("is_representative"))
    rep = (reps if reps.height else members).row(0, named=True)
    others = members.filter(pl.col("id") != rep["id"])
    if others.is_empty():
        st.info("This cluster has a single record.")
        return
    mid = pick_member(cid, others)
    mem = others.filter(pl.col("id") == mid).row(0, named=True)
    member_chips(rep, mem)
    diff_panels(rep, mem)
    verdict_form(rid, cid, mid)
    members_table(members)


render()

"""Dropped records: by reason, with text search; the full text and the step's detail."""

from __future__ import annotations

import json

import altair as alt
import streamlit as st

from curate.app import queries as Q
from curate.app import ui
from curate.app.highlight import esc

LIMIT = 500


def render() -> None:
    st.title("Dropped records")
    if not ui.need_db():
        return
    rid = Q.run_id()
    reasons = Q.q(
        "SELECT drop_reason, any_value(stage) AS stage, count(*) AS records FROM decisions WHERE run_id = ? AND NOT keep "
        "GROUP BY drop_reason ORDER BY records DESC, drop_reason",
        (rid,),
    )
    if reasons.is_empty():
        st.info("Nothing was dropped in the latest run.")
        return
    st.altair_chart(
        alt.Chart(reasons)
        .mark_bar()
        .encode(
            x=alt.X("records:Q"),
            y=alt.Y("drop_reason:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color("stage:N"),
            tooltip=["drop_reason", "stage", "records"],
        )
        .properties(height=alt.Step(26)),
        width="stretch",
    )
    counts = dict(zip(reasons["drop_reason"], reasons["records"], strict=True))
    sources = Q.q("SELECT DISTINCT source FROM records WHERE run_id = ? ORDER BY source", (rid,))[
        "source"
    ].to_list()
    c = st.columns([2, 1, 3])
    reason = c[0].selectbox(
        "Reason",
        ["(all)", *counts],
        key="drop_reason",
        format_func=lambda r: (
            f"{r} ({counts[r]:,})" if r in counts else f"all reasons ({sum(counts.values()):,})"
        ),
    )
    source = c[1].selectbox("Source", ["(all)", *sources], key="drop_source")
    search = c[2].text_input(
        "Search text", key="drop_search", placeholder="words in the record (case-insensitive)"
    )
    where, params = ["r.run_id = ?", "NOT d.keep"], [rid]
    if reason != "(all)":
        where.append("d.drop_reason = ?")
        params.append(reason)
    if source != "(all)":
        where.append("r.source = ?")
        params.append(source)
    if search.strip():
        where.append("strpos(lower(r.text), lower(?)) > 0")
        params.append(search.strip())
    sql_where = " AND ".join(where)
    total = Q.q(
        f"SELECT count(*) AS n FROM records r JOIN decisions d ON d.run_id = r.run_id AND d.id = r.id WHERE {sql_where}",
        tuple(params),
    )["n"][0]
    rows = Q.q(
        f"SELECT r.id, r.source, d.stage, d.drop_reason, left(r.text, 300) AS text FROM records r "
        f"JOIN decisions d ON d.run_id = r.run_id AND d.id = r.id WHERE {sql_where} ORDER BY d.drop_reason, r.id LIMIT {LIMIT}",
        tuple(params),
    )
    st.caption(
        f"{total:,} record(s) match" + (f"; showing the first {LIMIT}" if total > LIMIT else "")
    )
    if rows.is_empty():
        return
    st.dataframe(rows, hide_index=True, width="stretch", height=min(420, 38 + 35 * rows.height))
    by_id = {r["id"]: r for r in rows.iter_rows(named=True)}
    rec_id = st.selectbox(
        "Open a record",
        list(by_id),
        key="drop_open",
        format_func=lambda k: (
            f"{ui.short(k)}  ·  {by_id[k]['drop_reason']}  ·  {ui.preview(by_id[k]['text'], 70)}"
        ),
    )
    rec = Q.q(
        "SELECT r.text, r.kind, r.source, r.meta, d.stage, d.drop_reason, d.detail FROM records r "
        "JOIN decisions d ON d.run_id = r.run_id AND d.id = r.id WHERE r.run_id = ? AND r.id = ?",
        (rid, rec_id),
    ).row(0, named=True)
    a, b = st.columns([3, 2])
    with a:
        ui.panel(
            f"<b>{esc(rec_id)}</b> · {esc(rec['source'])} · {esc(rec['kind'])} · dropped by <b>{esc(rec['stage'])}</b>: {esc(rec['drop_reason'])}",
            esc(rec["text"]),
        )
    with b:
        st.caption("Detail (from the step that dropped it)")
        st.json(_json(rec["detail"]), expanded=True)
        st.caption("Meta (file, line, original fields)")
        st.json(_json(rec["meta"]), expanded=False)


def _json(raw: str | None) -> object:
    try:
        return json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        return {"raw": raw}


render()

"""Dropped records: by reason, with text search and paging; the evidence behind each drop.

A filter drop shows its rule, threshold, the measured value and the offending text highlighted
(from the ``detail`` the step wrote). A record verdict (keep / drop) is obeyed by the next curate.
"""

from __future__ import annotations

import json

import altair as alt
import polars as pl
import streamlit as st

from curate.app import queries as Q
from curate.app import review_actions as RA
from curate.app import ui
from curate.app.highlight import esc, lines_html
from curate.core.evidence import evidence_spans

PAGE_SIZE = 100
BUTTONS = [  # verdict, label, icon, type, key
    ("keep", "Keep this record", ":material/undo:", "primary", "1"),
    ("drop", "Drop is right", ":material/delete:", "secondary", "2"),
    ("unsure", "Unsure", ":material/help:", "secondary", "3"),
]


def reasons_chart(rid: str) -> pl.DataFrame:
    """Drops per reason (bar chart); returns the counts."""
    reasons = Q.q(
        "SELECT drop_reason, any_value(stage) AS stage, count(*) AS records FROM decisions "
        "WHERE run_id = ? AND NOT keep GROUP BY drop_reason ORDER BY records DESC, drop_reason",
        (rid,),
    )
    if reasons.height:
        st.altair_chart(
            alt.Chart(reasons)
            .mark_bar()
            .encode(
                x=alt.X("records:Q"),
                y=alt.Y("drop_reason:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
                color=alt.Color("stage:N"),
                tooltip=["drop_reason", "stage", "records"],
            )
            .properties(height=alt.Step(22)),
            width="stretch",
        )
    return reasons


def filters(rid: str, counts: dict[str, int]) -> tuple[str, list]:
    """Reason, source and text-search filters (``?reason=`` preselects); SQL WHERE + params."""
    sources = Q.q("SELECT DISTINCT source FROM records WHERE run_id = ? ORDER BY source", (rid,))
    url = ui.url_once("reason")
    if url in counts:
        st.session_state["drop_reason"] = url
    c = st.columns([2, 1, 3])
    reason = c[0].selectbox(
        "Reason",
        ["(all)", *counts],
        key="drop_reason",
        format_func=lambda r: (
            f"{r} ({counts[r]:,})" if r in counts else f"all reasons ({sum(counts.values()):,})"
        ),
    )
    ui.set_url(reason=None if reason == "(all)" else reason)
    source = c[1].selectbox("Source", ["(all)", *sources["source"].to_list()], key="drop_source")
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
    return " AND ".join(where), params


def rows_page(sql_where: str, params: list) -> pl.DataFrame:
    """One page of matching dropped records (the pager above the table)."""
    join = "FROM records r JOIN decisions d ON d.run_id = r.run_id AND d.id = r.id"
    total = int(Q.q(f"SELECT count(*) AS n {join} WHERE {sql_where}", tuple(params))["n"][0])
    st.caption(f"{total:,} record(s) match")
    offset = ui.pager(total, "drop_page::main", PAGE_SIZE)
    return Q.q(
        f"SELECT r.id, r.source, d.stage, d.drop_reason, left(r.text, 200) AS text {join} "
        f"WHERE {sql_where} ORDER BY d.drop_reason, r.id LIMIT ? OFFSET ?",
        (*params, PAGE_SIZE, offset),
    )


def pick_record(rows: pl.DataFrame) -> str:
    """The clickable table of this page and the record picker (``?rec=`` preselects)."""
    ids = rows["id"].to_list()
    url = ui.url_once("rec")
    pending = st.session_state.pop("_pending_drop_open", None) or url
    if pending in ids:
        st.session_state["drop_open"] = pending
    if st.session_state.get("drop_open") not in ids:
        st.session_state["drop_open"] = ids[0]
    event = st.dataframe(
        rows,
        key=f"drop_table::{ids[0]}",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        height=min(360, 38 + 35 * rows.height),
        column_config={"id": st.column_config.TextColumn("id", width="medium")},
    )
    RA.table_pick(event, ids, "drop_open", f"drop::{ids[0]}")
    RA.remember_positions([{"drop_open": i} for i in ids], [False] * len(ids))
    by_id = {r["id"]: r for r in rows.iter_rows(named=True)}
    rec_id = st.selectbox(
        "Open a record",
        ids,
        key="drop_open",
        format_func=lambda k: (
            f"{k}  ·  {by_id[k]['drop_reason']}  ·  {ui.preview(by_id[k]['text'], 70)}"
        ),
    )
    RA.set_any_position({"drop_open": rec_id})
    RA.nav_bar()
    ui.set_url(rec=rec_id)
    return rec_id


def evidence_html(reason: str | None, detail: dict) -> str:
    """Rule, threshold and measured value in words.

    Example: ``{"rule": "gopher_quality__min_words", "value": 12, "threshold": 50, "op": "<"}``
    -> ``"rule gopher_quality__min_words · measured 12 < threshold 50"``.
    """
    parts = [f"rule <code>{esc(detail.get('rule') or reason)}</code>"]
    if "value" in detail and "threshold" in detail:
        parts.append(
            f"measured <b>{esc(_num(detail['value']))}</b> {esc(detail.get('op') or 'vs')} "
            f"threshold <b>{esc(_num(detail['threshold']))}</b>"
        )
    for key in ("representative", "cluster_id", "jaccard", "benchmark", "item_id", "coverage"):
        if key in detail:
            parts.append(f"{key} <b>{esc(_num(detail[key]))}</b>")
    return f'<div class="cr-evidence"><b>Why</b> · {" · ".join(parts)}</div>'


def _num(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(_num(x) for x in v) + "]"
    return str(v)


def record_detail(rid: str, rec_id: str) -> None:
    """The record's text with the offending spans marked, the evidence, meta and verdicts."""
    rec = Q.q(
        "SELECT r.text, r.kind, r.source, r.meta, d.stage, d.drop_reason, d.detail FROM records r "
        "JOIN decisions d ON d.run_id = r.run_id AND d.id = r.id WHERE r.run_id = ? AND r.id = ?",
        (rid, rec_id),
    ).row(0, named=True)
    detail = _json(rec["detail"])
    detail = detail if isinstance(detail, dict) else {}
    st.html(evidence_html(rec["drop_reason"], detail))
    spans = evidence_spans(rec["text"] or "", detail)
    a, b = st.columns([3, 2])
    with a:
        ui.panel(
            f"<b>{esc(rec_id)}</b> · {esc(rec['source'])} · {esc(rec['kind'])} · dropped by "
            f"<b>{esc(rec['stage'])}</b>: {esc(rec['drop_reason'])}"
            + (f" · <mark>{len(spans)} offending span(s)</mark>" if spans else ""),
            lines_html(rec["text"], spans),
            tall=True,
        )
        verdict_form(rid, rec_id)
    with b:
        st.caption("Detail (from the step that dropped it)")
        st.json(detail, expanded=True)
        st.caption("Meta (file, line, original fields)")
        st.json(_json(rec["meta"]), expanded=False)


def verdict_form(rid: str, rec_id: str) -> None:
    """Record verdict buttons: keep overrides the drop in the next curate."""
    with st.form(key=f"recverdict::{rec_id}", clear_on_submit=True, enter_to_submit=False):
        st.caption(
            "The next `curate` obeys this: **keep** overrides any step's drop of this record."
        )
        note = st.text_input("Note (optional)")
        cols = st.columns(3)
        pressed = None
        for col, (v, label, icon, kind, key) in zip(cols, BUTTONS, strict=True):
            if col.form_submit_button(label, icon=icon, type=kind, width="stretch", shortcut=key):
                pressed = v
    if pressed and RA.save(
        "record", rec_id, pressed, note, {"run_id": rid}, f"record {ui.short(rec_id)}"
    ):
        st.rerun()
    RA.history("record", rec_id, None, None)


def render() -> None:
    st.title("Dropped records")
    if not ui.need_db():
        return
    rid = Q.run_id()
    RA.show_saved()
    reasons = reasons_chart(rid)
    if reasons.is_empty():
        st.info("Nothing was dropped in the latest run.")
        return
    counts = dict(zip(reasons["drop_reason"], reasons["records"], strict=True))
    sql_where, params = filters(rid, counts)
    rows = rows_page(sql_where, params)
    if rows.is_empty():
        return
    rec_id = pick_record(rows)
    record_detail(rid, rec_id)


def _json(raw: str | None) -> object:
    try:
        return json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        return {"raw": raw}


render()

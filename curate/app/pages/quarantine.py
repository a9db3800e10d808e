"""Quarantine: input lines that could not be parsed, with their errors and raw text."""

from __future__ import annotations

import streamlit as st

from curate.app import queries as Q
from curate.app import ui


def render() -> None:
    st.title("Quarantine")
    if not ui.need_db():
        return
    if not ui.need_table("quarantine", "quarantined lines"):
        return
    rid = Q.run_id()
    per_file = Q.q(
        "SELECT source_file, count(*) AS lines FROM quarantine WHERE run_id = ? GROUP BY source_file ORDER BY lines DESC",
        (rid,),
    )
    st.caption(
        "Lines that could not be read into a record. The run went on without them; fix the input and re-run."
    )
    st.dataframe(per_file, hide_index=True, width="stretch")
    files = per_file["source_file"].to_list()
    f = st.selectbox("File", ["(all)", *files], key="q_file")
    where, params = "run_id = ?", [rid]
    if f != "(all)":
        where += " AND source_file = ?"
        params.append(f)
    rows = Q.q(
        f"SELECT source_file, line, error, raw FROM quarantine WHERE {where} ORDER BY source_file, line LIMIT 1000",
        tuple(params),
    )
    st.dataframe(rows, hide_index=True, width="stretch", height=min(420, 38 + 35 * rows.height))
    keys = [f"{r['source_file']}:{r['line']}" for r in rows.iter_rows(named=True)]
    pick = st.selectbox(
        "Open a line", range(len(keys)), format_func=lambda i: keys[i], key="q_open"
    )
    if pick is not None:
        r = rows.row(pick, named=True)
        st.caption("Error")
        st.code(r["error"] or "", language=None, wrap_lines=True)
        st.caption("Raw line")
        st.code(r["raw"] or "", language=None, wrap_lines=True)


render()

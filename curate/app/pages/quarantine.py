"""Quarantine: input lines that could not be parsed, with their errors and raw text (paged).

Both tables are read-only, so they are plain HTML (:func:`curate.app.charts.table`): no data-grid
bundle to fetch and compile (about 1 s of a first visit on a 2-core machine, issue 16).
"""

from __future__ import annotations

import streamlit as st

from curate.app import charts, ui
from curate.app import queries as Q

PAGE_SIZE = 100


def per_file(rid: str) -> list[str]:
    """Lines per input file (a table); returns the files."""
    files = Q.q(
        "SELECT source_file, count(*) AS lines FROM quarantine WHERE run_id = ? "
        "GROUP BY source_file ORDER BY lines DESC",
        (rid,),
    )
    st.caption(
        "Lines that could not be read into a record. The run went on without them; fix the input and re-run."
    )
    st.html(charts.table(files, max_height=240))
    return files["source_file"].to_list()


def render() -> None:
    st.title("Quarantine")
    if not ui.need_db() or not ui.need_table("quarantine", "quarantined lines"):
        return
    rid = Q.run_id()
    files = per_file(rid)
    f = st.selectbox("File", ["(all)", *files], key="q_file")
    where, params = "run_id = ?", [rid]
    if f != "(all)":
        where += " AND source_file = ?"
        params.append(f)
    total = int(Q.q(f"SELECT count(*) AS n FROM quarantine WHERE {where}", tuple(params))["n"][0])
    offset = ui.pager(total, "q_page::main", PAGE_SIZE)
    rows = Q.q(
        f"SELECT source_file, line, error, raw FROM quarantine WHERE {where} "
        "ORDER BY source_file, line LIMIT ? OFFSET ?",
        (*params, PAGE_SIZE, offset),
    )
    # a raw line can be long: the table shows its start (hover for all), "Open a line" all of it
    st.html(charts.table(rows, preview=160, max_height=420))
    keys = [f"{r['source_file']}:{r['line']}" for r in rows.iter_rows(named=True)]
    pick = st.selectbox(
        "Open a line", range(len(keys)), format_func=lambda i: keys[i], key="q_open"
    )
    if pick is not None and pick < rows.height:
        r = rows.row(pick, named=True)
        st.caption("Error")
        st.code(r["error"] or "", language=None, wrap_lines=True)
        st.caption("Raw line")
        st.code(r["raw"] or "", language=None, wrap_lines=True)


render()

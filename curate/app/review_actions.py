"""Review at speed, shared by the pages that take verdicts: save, undo, bulk, j/k navigation.

- A *position* is a dict ``{session key: value}`` that, set as pending selections, opens one
  target (e.g. ``{"cont_item::gsm8k": "gsm8k/2", "cont_rec::gsm8k::gsm8k/2": "3f2a..."}``). A page
  registers the ordered positions it shows (:func:`remember_order`) and the one on screen
  (:func:`set_position`); j/k (or ↓/↑) move through them.
- Every save pushes the ids it wrote on an undo stack; ``u`` removes the last batch from the
  reviews DB (:func:`curate.io.reviews.delete_verdicts`) and reopens its target.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from curate.app import queries as Q
from curate.app import ui
from curate.app.config import reviews_path
from curate.app.highlight import md_escape
from curate.core.errors import CleanroomError
from curate.io.reviews import delete_verdicts, record_verdicts

Position = dict[str, str]


def show_saved() -> None:
    """Show the toast a save/undo left for this run."""
    saved = st.session_state.pop("_saved", None)
    if saved:
        st.toast(saved, icon=":material/task_alt:")


def _goto(pos: Position | None) -> None:
    for key, value in (pos or {}).items():
        st.session_state[f"_pending_{key}"] = value


def remember_positions(positions: list[Position], reviewed: list[bool]) -> None:
    """Register any page's ordered positions, and which are reviewed already."""
    st.session_state["_nav_order"] = positions
    st.session_state["_nav_reviewed"] = reviewed


def set_position(bench: str, item_id: str, rec_id: str) -> None:
    """The contamination match on screen."""
    st.session_state["_nav_pos"] = {
        f"cont_item::{bench}": item_id,
        f"cont_rec::{bench}::{item_id}": rec_id,
    }


def set_any_position(pos: Position) -> None:
    """The position on screen (any page)."""
    st.session_state["_nav_pos"] = pos


def _index() -> tuple[list[Position], int]:
    order = st.session_state.get("_nav_order") or []
    pos = st.session_state.get("_nav_pos")
    return order, order.index(pos) if pos in order else -1


def move(delta: int) -> None:
    """Open the next (``+1``) or previous (``-1``) position (a button callback)."""
    order, i = _index()
    if not order:
        return
    j = min(max(0, i + delta), len(order) - 1)
    if j == i:
        st.session_state["_saved"] = "Last match" if delta > 0 else "First match"
    _goto(order[j])


def jump_next_unreviewed() -> None:
    """After a verdict: open the next position not reviewed yet (wrapping), if any."""
    order, i = _index()
    reviewed = st.session_state.get("_nav_reviewed")
    for k in range(1, len(order)):
        j = (i + k) % len(order)
        if reviewed is None or not reviewed[j]:
            _goto(order[j])
            return


def nav_bar() -> None:
    """Previous / Next / Undo buttons (keys k, j, u; ↑/↓ too) and the position shown."""
    order, i = _index()
    cols = st.columns([1, 1, 1, 3], vertical_alignment="center")
    cols[0].button(
        "Previous",
        icon=":material/arrow_upward:",
        shortcut="K",
        on_click=move,
        args=(-1,),
        width="stretch",
        key="nav_prev",
    )
    cols[1].button(
        "Next",
        icon=":material/arrow_downward:",
        shortcut="J",
        on_click=move,
        args=(1,),
        width="stretch",
        key="nav_next",
    )
    stack = st.session_state.get("_undo") or []
    cols[2].button(
        "Undo",
        icon=":material/undo:",
        shortcut="U",
        on_click=undo,
        disabled=not stack,
        width="stretch",
        key="nav_undo",
        help=f"Undo: {stack[-1]['label']}" if stack else "Nothing to undo",
    )
    if order:
        cols[3].caption(f"match {i + 1 if i >= 0 else '–'} of {len(order):,} in this view")
    with st.container(key="cr-keys"):  # hidden: the arrow keys
        st.button("up", shortcut="Up", on_click=move, args=(-1,), key="nav_up")
        st.button("down", shortcut="Down", on_click=move, args=(1,), key="nav_down")


def undo() -> None:
    """Remove the last batch of verdicts this session wrote and reopen its target (callback)."""
    stack = st.session_state.get("_undo") or []
    if not stack:
        return
    last = stack.pop()
    try:
        n = delete_verdicts(reviews_path(), last["ids"])
    except (CleanroomError, OSError) as e:
        st.session_state["_saved"] = f"Could not undo: {md_escape(e)}"
        stack.append(last)
        return
    Q.clear_reviews_cache()
    _goto(last.get("goto"))
    st.session_state["_saved"] = f"Undone: {md_escape(last['label'])} ({n} verdict{'s' * (n != 1)})"


def _push(ids: list[str], label: str) -> None:
    stack = st.session_state.setdefault("_undo", [])
    stack.append({"ids": ids, "label": label, "goto": st.session_state.get("_nav_pos")})
    del stack[:-50]


def save(
    kind: str, target_id: str, verdict: str, note: str, extra: dict[str, Any], label: str
) -> bool:
    """Record one verdict by the sidebar reviewer; False (with a message) if it was not saved."""
    who = ui.reviewer()
    if not who:
        st.error("Type your name in **Reviewer** (sidebar) first; it is saved with the verdict.")
        return False
    row = {"target_kind": kind, "target_id": target_id, "verdict": verdict, "reviewer": who}
    try:
        ids = record_verdicts(reviews_path(), [{**row, "note": note, **extra}])
    except (CleanroomError, OSError) as e:
        st.error(f"Could not save the verdict: {e}")
        return False
    Q.clear_reviews_cache()
    text = f"{ui.STATUS_LABEL.get(verdict, verdict)} · {label}"
    _push(ids, text)
    st.session_state["_saved"] = f"Saved: {md_escape(text)}"
    return True


def bulk_confirm(kind: str, sel: pl.DataFrame, verdict: str, bench: str, rid: str) -> None:
    """The confirmation and the button that record ``verdict`` for every match in ``sel``."""
    n = sel.height
    ok = st.checkbox(
        f"Yes, record “{ui.STATUS_LABEL[verdict]}” for these {n:,} matches", key="bulk_ok"
    )
    if not ui.reviewer():
        st.caption("Type your name in **Reviewer** (sidebar) first; it is saved with the verdicts.")
    rows = [
        {
            "target_kind": kind,
            "target_id": r["id"],
            "verdict": verdict,
            "note": "bulk verdict",
            "benchmark": bench,
            "item_id": r["item_id"],
            "run_id": rid,
        }
        for r in sel.select("id", "item_id").iter_rows(named=True)
    ]
    label = f"{ui.STATUS_LABEL[verdict]} on {n:,} matches of {bench}"
    st.button(
        f"Apply to {n:,} matches",
        type="primary",
        disabled=not (ok and n and ui.reviewer()),
        on_click=_apply_bulk,
        args=(rows, label),
        key="bulk_apply",
    )


def _apply_bulk(rows: list[dict[str, Any]], label: str) -> None:
    """Write a bulk verdict (button callback): one transaction, one undo step."""
    who = ui.reviewer()
    try:
        ids = record_verdicts(reviews_path(), [{**r, "reviewer": who} for r in rows])
    except (CleanroomError, OSError) as e:
        st.session_state["_saved"] = f"Could not save the verdicts: {md_escape(e)}"
        return
    Q.clear_reviews_cache()
    _push(ids, label)
    st.session_state["_saved"] = f"Saved: {md_escape(label)}"
    st.session_state["bulk_ok"] = False


def table_pick(event: Any, ids: list[str], key: str, scope: str) -> None:
    """A click on a table row opens that row's target (``ids`` in table order)."""
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    last_key = f"_last_sel::{scope}"
    if rows and rows[0] < len(ids) and st.session_state.get(last_key) != rows[0]:
        st.session_state[f"_pending_{key}"] = ids[rows[0]]
        st.session_state[last_key] = rows[0]
        st.rerun()
    st.session_state[last_key] = rows[0] if rows else None


def history(kind: str, target_id: str, bench: str | None, item_id: str | None) -> None:
    """Every verdict given on one target (all reviewers), newest first."""
    rv = Q.reviews().filter((pl.col("target_kind") == kind) & (pl.col("target_id") == target_id))
    if bench is not None:
        rv = rv.filter(pl.col("benchmark") == bench)
    if item_id is not None:
        rv = rv.filter(pl.col("item_id") == item_id)
    if rv.height:
        with st.expander(f"History ({rv.height} verdict{'s' if rv.height != 1 else ''})"):
            st.dataframe(
                rv.select("created_at", "verdict", "reviewer", "note").sort(
                    "created_at", descending=True
                ),
                hide_index=True,
                width="stretch",
            )

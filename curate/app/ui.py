"""Shared pieces of the review app's pages: CSS, escaped text panels, the no-DB message."""

from __future__ import annotations

import polars as pl
import streamlit as st

from curate.app import charts, queries
from curate.app.config import db_path
from curate.app.highlight import esc

STATUS_ICON = {
    "unreviewed": "○",
    "confirmed": "●",
    "false_positive": "✕",
    "unsure": "?",
    "keep": "◆",
    "drop": "■",
}
STATUS_LABEL = {
    "unreviewed": "unreviewed",
    "confirmed": "confirmed",
    "false_positive": "false positive",
    "unsure": "unsure",
    "keep": "keep",
    "drop": "drop",
}
# a record's curate decision for the tables: "kept", or its drop reason
DECISION = (
    pl.when(pl.col("keep")).then(pl.lit("kept")).otherwise(pl.col("drop_reason")).alias("decision")
)
STATUS_COLOR = {
    "unreviewed": "#9aa0a6",
    "confirmed": "#d93025",
    "false_positive": "#1e8e3e",
    "unsure": "#f29900",
    "keep": "#1a73e8",
    "drop": "#a50e0e",
}

CSS = """
<style>
[data-testid="stMainBlockContainer"] {padding-top: 2.2rem;}
.cr-panel {border: 1px solid rgba(128,128,128,.35); border-radius: 8px; padding: .75rem .9rem;
  background: rgba(250,250,250,.6); max-height: 460px; overflow-y: auto;}
.cr-panel .cr-text {white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace,
  SFMono-Regular, Menlo, Consolas, monospace; font-size: .82rem; line-height: 1.45; margin: 0;}
.cr-panel .cr-ln {min-height: 1.2em;}
.cr-panel.cr-tall {max-height: 640px;}
[data-testid="stMainBlockContainer"] {padding-left: 1.6rem; padding-right: 1.6rem; max-width: 100%;}
section[data-testid="stSidebar"][aria-expanded="true"] {width: 232px !important; min-width: 232px !important;}
.st-key-cr-keys {display: none;}
.cr-evidence {border-left: 3px solid #f29900; padding: .3rem .7rem; margin: .3rem 0 .5rem 0;
  background: rgba(242,153,0,.07); font-size: .88rem;}
.cr-evidence code {font-size: .82rem;}
.cr-panel mark {background: #ffd54f; color: inherit; padding: 0 1px; border-radius: 2px;}
.cr-panel del {background: #fde0dc; color: #a50e0e; text-decoration: line-through;}
.cr-panel ins {background: #ceead6; color: #0d652d; text-decoration: none;}
.cr-head {font-size: .8rem; color: #5f6368; margin: 0 0 .35rem 0;}
.cr-head b {color: #202124;}
.cr-badge {display: inline-block; border-radius: 10px; padding: 0 .5rem; font-size: .75rem;
  color: white; margin-left: .3rem;}
.cr-msg {border-left: 3px solid #8ab4f8; padding: .2rem .6rem; margin: .2rem 0; font-size: .85rem;}
.cr-chips {display: flex; flex-wrap: wrap; gap: .4rem; margin: .1rem 0 .3rem 0;}
.cr-chip {border: 1px solid rgba(128,128,128,.3); border-radius: 14px; padding: .1rem .65rem; font-size: .85rem;
  font-weight: 600; background: rgba(240,242,246,.9);}
.cr-chip-l {font-weight: 400; color: #5f6368; margin-right: .2rem;}
.cr-chip[style] .cr-chip-l {color: rgba(255,255,255,.85);}
.cr-role {font-size: .7rem; text-transform: uppercase; letter-spacing: .05em; color: #5f6368;}
</style>
"""


def setup() -> None:
    """Inject the app's CSS (the charts' too; once per page run)."""
    st.html(CSS.replace("</style>", charts.CSS + "</style>"))


def badge(status: str) -> str:
    """An HTML badge for a review status, e.g. ``confirmed`` in red."""
    color = STATUS_COLOR.get(status, "#9aa0a6")
    return f'<span class="cr-badge" style="background:{color}">{esc(STATUS_LABEL.get(status, status))}</span>'


def panel(title_html: str, body_html: str, key: str | None = None, tall: bool = False) -> None:
    """A bordered, scrollable panel: ``title_html`` (already escaped) above pre-wrapped body HTML."""
    del key
    cls = "cr-panel cr-tall" if tall else "cr-panel"
    st.html(
        f'<div class="cr-head">{title_html}</div><div class="{cls}"><div class="cr-text">{body_html}</div></div>'
    )


def pager(total: int, key: str, size: int = 50) -> int:
    """Paging controls for a table of ``total`` rows; returns the offset of the page shown.

    The page number lives in ``st.session_state[key]`` (0-based) and, for the page's main table,
    in the URL (``?page=N``, 1-based) so a link opens the same page.
    """
    pages = max(1, -(-total // size))
    if key not in st.session_state:
        url = st.query_params.get("page") if key.endswith("::main") else None
        st.session_state[key] = int(url) - 1 if url and url.isdigit() and int(url) > 0 else 0
    st.session_state[key] = min(max(0, st.session_state[key]), pages - 1)
    page = st.session_state[key]
    if pages > 1:
        cols = st.columns([1, 1, 4], vertical_alignment="center")
        if cols[0].button("◀ Prev page", key=f"{key}::prev", disabled=page == 0, width="stretch"):
            st.session_state[key] = page - 1
            st.rerun()
        if cols[1].button(
            "Next page ▶", key=f"{key}::next", disabled=page >= pages - 1, width="stretch"
        ):
            st.session_state[key] = page + 1
            st.rerun()
        lo = page * size
        cols[2].caption(
            f"rows {lo + 1:,}–{min(total, lo + size):,} of {total:,} · page {page + 1} of {pages}"
        )
    if key.endswith("::main"):
        set_url(page=page + 1 if page else None)
    return page * size


def set_url(**params: object) -> None:
    """Write query parameters (``None`` removes one), only when they change (no extra rerun).

    What the page writes itself is marked seen, so :func:`url_once` does not read it back.
    """
    seen = st.session_state.setdefault("_url_seen", {})
    for name, value in params.items():
        if value is None:
            seen.pop(name, None)
            if name in st.query_params:
                del st.query_params[name]
        else:
            seen[name] = str(value)
            if st.query_params.get(name) != str(value):
                st.query_params[name] = str(value)


def url_once(name: str) -> str | None:
    """A query parameter the first time this session sees it with that value, else ``None``.

    A reload or a shared link opens the view it names; after that the widgets lead (their
    changes are written back with :func:`set_url`).
    """
    value = st.query_params.get(name)
    seen = st.session_state.setdefault("_url_seen", {})
    if value is None or seen.get(name) == value:
        return None
    seen[name] = value
    return value


def reviewer() -> str:
    """The reviewer name from the sidebar (stripped; may be empty)."""
    return (st.session_state.get("reviewer") or "").strip()


def need_db() -> bool:
    """Show a clear message and return False when there is no usable curation DB."""
    s = queries.state()
    if s.ok:
        return True
    st.warning(s.message)
    st.info(
        "Run `make curate` (or `cleanroom curate RECIPE.yaml`) to create it, then reload this page."
    )
    st.caption(
        f"The app reads `{db_path()}`; set `CLEANROOM_DB` or `cleanroom app --db PATH` to read another file."
    )
    return False


def need_table(table: str, what: str) -> bool:
    """Show a message and return False when the curation DB lacks ``table`` or it is empty."""
    if not queries.has(table):
        st.info(f"This run has no `{table}` table, so there are no {what} to show.")
        return False
    n = queries.q(f"SELECT count(*) AS n FROM {queries.ident(table)}")["n"][0]
    if not n:
        st.info(f"No {what} in the latest run.")
        return False
    return True


def chips(pairs: list[tuple[str, str]], status: str | None = None) -> str:
    """A compact strip of ``label value`` chips (escaped); the ``verdict`` chip takes its status color."""
    out = []
    for label, value in pairs:
        style = (
            f' style="background:{STATUS_COLOR[status]};color:white"'
            if label == "verdict" and status in STATUS_COLOR
            else ""
        )
        out.append(
            f'<span class="cr-chip"{style}><span class="cr-chip-l">{esc(label)}</span> {esc(value)}</span>'
        )
    return f'<div class="cr-chips">{"".join(out)}</div>'


def short(value: str | None, n: int = 12) -> str:
    """A record id cut to ``n`` characters for labels: ``"3f2a9c0d11e2a7b4"`` -> ``"3f2a9c0d11e2"``."""
    return (value or "")[:n]


def preview(text: str | None, n: int = 80) -> str:
    """One-line preview of a text: whitespace collapsed, cut at ``n`` characters with an ellipsis."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"

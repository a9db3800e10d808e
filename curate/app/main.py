"""The review app's frame: page config, navigation and the sidebar shared by every page."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from curate.app import queries, ui
from curate.app.config import db_path, default_reviewer, reviews_path
from curate.app.highlight import esc

PAGES = Path(__file__).resolve().parent / "pages"
PAGE_FILES = {
    "overview": ("Overview", ":material/dashboard:"),
    "contamination": ("Contamination", ":material/science:"),
    "duplicates": ("Duplicates", ":material/content_copy:"),
    "dropped": ("Dropped records", ":material/delete_sweep:"),
    "quarantine": ("Quarantine", ":material/report:"),
    "mixtures": ("Mixtures", ":material/blender:"),
    "evals": ("Evals", ":material/query_stats:"),
}


def main() -> None:
    """Run the app (called by ``app.py``)."""
    st.set_page_config(
        page_title="cleanroom review", page_icon=":material/verified:", layout="wide"
    )
    pages = [
        st.Page(
            str(PAGES / f"{name}.py"),
            title=title,
            icon=icon,
            url_path=name,
            default=name == "overview",
        )
        for name, (title, icon) in PAGE_FILES.items()
    ]
    nav = st.navigation(pages)
    ui.setup()
    with queries.page_connection():
        sidebar()
        nav.run()


def sidebar() -> None:
    """Reviewer name, the run shown, where data and verdicts live, a reload button."""
    with st.sidebar:
        if "reviewer" not in st.session_state:
            st.session_state["reviewer"] = default_reviewer()
        st.text_input(
            "Reviewer", key="reviewer", placeholder="your name", help="Saved with every verdict."
        )
        s = queries.state()
        if s.ok and s.run:
            st.html(
                f'<div class="cr-head">run <b>{esc(s.run["run_id"])}</b><br>recipe <b>{esc(s.run.get("recipe_name") or "?")}</b></div>'
            )
        st.caption(f"Data: `{db_path()}` (read-only)  \nVerdicts: `{reviews_path()}`")
        if st.button("Reload data", icon=":material/refresh:", help="Re-read both databases."):
            st.cache_data.clear()
            st.rerun()

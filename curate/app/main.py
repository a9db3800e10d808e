"""The review app's frame: page config, navigation and the sidebar shared by every page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from curate.app import queries, ui
from curate.app.config import db_path, default_reviewer, reviews_path, save_reviewer
from curate.app.highlight import esc
from curate.core.registry import Registry

PAGES = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class AppPage:
    """One page of the app: its script in ``pages/``, title and icon; ``key`` is its URL path."""

    key: str
    title: str
    icon: str


# The app's pages, on the one registry type (a new page: a script in pages/ plus one line here).
APP_PAGES: Registry[AppPage] = Registry("app page")
for _page in (
    AppPage("overview", "Overview", ":material/dashboard:"),
    AppPage("contamination", "Contamination", ":material/science:"),
    AppPage("duplicates", "Duplicates", ":material/content_copy:"),
    AppPage("dropped", "Dropped records", ":material/delete_sweep:"),
    AppPage("quarantine", "Quarantine", ":material/report:"),
    AppPage("mixtures", "Mixtures", ":material/blender:"),
    AppPage("reviewers", "Reviewers", ":material/groups:"),
    AppPage("evals", "Evals", ":material/query_stats:"),
):
    APP_PAGES.add(_page.key, _page)


def page_specs() -> list[dict]:
    """The keyword arguments of every ``st.Page``. The default page (Overview) is served at ``/``
    (Streamlit gives the default page no path); a hidden copy at ``/overview`` makes that deep link
    work too."""
    specs = [
        {
            "page": str(PAGES / f"{p.key}.py"),
            "title": p.title,
            "icon": p.icon,
            "url_path": "home" if p.key == "overview" else p.key,
            "default": p.key == "overview",
        }
        for p in APP_PAGES.values()
    ]
    alias = {"page": str(PAGES / "overview.py"), "title": "Overview", "url_path": "overview"}
    return [*specs, {**alias, "visibility": "hidden"}]


def st_pages() -> list[st.Page]:
    """The Streamlit pages (:func:`page_specs`)."""
    return [st.Page(**spec) for spec in page_specs()]


def main() -> None:
    """Run the app (called by ``app.py``)."""
    st.set_page_config(
        page_title="cleanroom review", page_icon=":material/verified:", layout="wide"
    )
    nav = st.navigation(st_pages())
    ui.setup()
    with queries.page_connection():
        sidebar()
        nav.run()


def _remember_reviewer() -> None:
    name = (st.session_state.get("reviewer") or "").strip()
    if name:
        save_reviewer(name)


def sidebar() -> None:
    """Reviewer name (kept in the local profile), the run shown, where data and verdicts live."""
    with st.sidebar:
        if "reviewer" not in st.session_state:
            st.session_state["reviewer"] = default_reviewer()
        st.text_input(
            "Reviewer",
            key="reviewer",
            placeholder="your name",
            help="Saved with every verdict and remembered on this machine (`cleanroom app --reviewer` sets it too).",
            on_change=_remember_reviewer,
        )
        s = queries.state()
        if s.ok and s.run:
            st.html(
                f'<div class="cr-head">run <b>{esc(s.run["run_id"])}</b><br>recipe <b>{esc(s.run.get("recipe_name") or "?")}</b></div>'
            )
        st.caption(f"Data: `{db_path()}` (read-only)  \nVerdicts: `{reviews_path()}`")
        st.caption("Keys: **j**/**k** or ↓/↑ next/previous · **1 2 3** verdicts · **u** undo")
        if st.button("Reload data", icon=":material/refresh:", help="Re-read both databases."):
            st.cache_data.clear()
            st.rerun()

"""Where the app reads and writes: the curation DB and the reviews DB.

``CLEANROOM_DB`` (default ``out/cleanroom.duckdb``) and ``CLEANROOM_REVIEWS_DB`` (default
``out/reviews.duckdb``), both relative to the working directory. ``cleanroom app --db ...`` sets
them for the Streamlit process it starts. The reviewer's name comes from ``cleanroom app
--reviewer`` (``CLEANROOM_REVIEWER``), else the local profile (:func:`profile_path`), which the app
updates whenever the name is typed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

DB_ENV = "CLEANROOM_DB"
REVIEWS_ENV = "CLEANROOM_REVIEWS_DB"
REVIEWER_ENV = "CLEANROOM_REVIEWER"
PROFILE_ENV = "CLEANROOM_PROFILE"
DEFAULT_DB = "out/cleanroom.duckdb"
DEFAULT_REVIEWS_DB = "out/reviews.duckdb"


def db_path() -> Path:
    """The curation DB the app reads (never writes)."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def reviews_path() -> Path:
    """The reviews DB the app appends verdicts to."""
    return Path(os.environ.get(REVIEWS_ENV) or DEFAULT_REVIEWS_DB)


def profile_path() -> Path:
    """The local reviewer profile: ``CLEANROOM_PROFILE``, else ``$XDG_CONFIG_HOME/cleanroom/
    profile.json`` (``~/.config/cleanroom/profile.json``)."""
    if os.environ.get(PROFILE_ENV):
        return Path(os.environ[PROFILE_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "cleanroom" / "profile.json"


def saved_reviewer() -> str:
    """The reviewer name saved in the local profile, or ``""`` (missing or unreadable file)."""
    try:
        data = json.loads(profile_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    name = data.get("reviewer") if isinstance(data, dict) else None
    return name.strip() if isinstance(name, str) else ""


def save_reviewer(name: str) -> None:
    """Remember ``name`` in the local profile, so the next session (any browser) starts with it.

    Example: ``save_reviewer("ada")`` writes ``{"reviewer": "ada"}``; an unwritable profile is
    ignored (the name still holds for this session).
    """
    path = profile_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"reviewer": name.strip()}), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass


def default_reviewer() -> str:
    """The reviewer name to prefill: ``cleanroom app --reviewer`` / ``CLEANROOM_REVIEWER``, else the
    local profile (the last name typed in the app), else empty (the reviewer types it)."""
    return os.environ.get(REVIEWER_ENV, "").strip() or saved_reviewer()

"""Where the app reads and writes: the curation DB and the reviews DB.

``CLEANROOM_DB`` (default ``out/cleanroom.duckdb``) and ``CLEANROOM_REVIEWS_DB`` (default
``out/reviews.duckdb``), both relative to the working directory. ``cleanroom app --db ...`` sets
them for the Streamlit process it starts.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "CLEANROOM_DB"
REVIEWS_ENV = "CLEANROOM_REVIEWS_DB"
REVIEWER_ENV = "CLEANROOM_REVIEWER"
DEFAULT_DB = "out/cleanroom.duckdb"
DEFAULT_REVIEWS_DB = "out/reviews.duckdb"


def db_path() -> Path:
    """The curation DB the app reads (never writes)."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def reviews_path() -> Path:
    """The reviews DB the app appends verdicts to."""
    return Path(os.environ.get(REVIEWS_ENV) or DEFAULT_REVIEWS_DB)


def default_reviewer() -> str:
    """The reviewer name to prefill: ``CLEANROOM_REVIEWER``, else empty (the reviewer types it)."""
    return os.environ.get(REVIEWER_ENV, "")

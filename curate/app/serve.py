"""Start the Streamlit server with the app's heavy modules already imported.

``cleanroom app`` runs ``python -m curate.app.serve run app.py ...``: the modules every page needs
(Polars, DuckDB, Altair, the page helpers) are imported and DuckDB is initialised once, in the
server process, before the first browser connects, so the first page a reviewer opens does not pay
for them (about 1-2 s on a small machine).
"""

from __future__ import annotations

import contextlib
import sys


def warm() -> None:
    """Import what the pages import and initialise DuckDB (an in-memory connection)."""
    import logging

    import streamlit  # noqa: F401  (sets up its loggers first)

    # Importing the page helpers outside a session makes Streamlit warn that no runtime exists yet.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    import altair  # noqa: F401
    import duckdb
    import numpy  # noqa: F401
    import polars
    import pyarrow  # noqa: F401  (DuckDB -> Arrow -> Polars: 0.2-0.6 s on the first query otherwise)
    import streamlit.material_icon_names  # noqa: F401  (the pages' icons)

    import curate.app.highlight  # noqa: F401
    import curate.app.main  # noqa: F401
    import curate.app.queries  # noqa: F401
    import curate.app.review_actions  # noqa: F401
    import curate.app.ui  # noqa: F401
    import curate.core.evidence  # noqa: F401
    import curate.core.verdicts  # noqa: F401
    import curate.io.reviews  # noqa: F401

    with duckdb.connect() as con:  # the first Arrow conversion initialises DuckDB's Arrow export
        polars.from_arrow(con.sql("SELECT 1 AS one, 'a' AS text").to_arrow_table())
    from curate.app.config import db_path

    path = db_path()
    if path.exists():  # bring the file into the OS cache; closed at once
        with contextlib.suppress(duckdb.Error):
            duckdb.connect(str(path), read_only=True).close()


def main() -> None:
    """``python -m curate.app.serve run SCRIPT [streamlit flags]``."""
    warm()
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *sys.argv[1:]]
    streamlit_main()


if __name__ == "__main__":
    main()

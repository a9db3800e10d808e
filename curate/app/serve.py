"""Start the Streamlit server with the app's heavy modules already imported.

``cleanroom app`` runs ``python -m curate.app.serve run app.py ...``: the modules every page needs
(Polars, DuckDB, Altair, the page helpers) are imported and DuckDB is initialised once, in the
server process, before the first browser connects, so the first page a reviewer opens does not pay
for them (about 1-2 s on a small machine).

Then :func:`prewarm` runs the first view of the pages a reviewer opens first (the Overview and the
Contamination queue) once, headless, so their queries are in the process's data cache when the
first browser connects: on a 200k-record DB that is 0.3-1 s less on each of those first visits,
paid once at start. The cache is keyed by the DB file's version, so a new curate run is read
fresh (its first visit pays the queries again). ``CLEANROOM_APP_PREWARM=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

PREWARM_PAGES = ("overview", "contamination")


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


def _not_config_changed(record: object) -> bool:
    """A logging filter: drops Streamlit's "[server] config option section was detected"."""
    return "config option section was detected" not in record.getMessage()  # type: ignore[attr-defined]


def prewarm(script: str | Path, pages: tuple[str, ...] = PREWARM_PAGES) -> dict[str, float]:
    """Run the default view of ``pages`` (``curate/app/pages/<name>.py``) of the app ``script``
    once, headless and before the server starts, so the queries they make are cached for the
    first browser session. Returns seconds per page; a page that fails is left out (the server
    starts anyway: the page then runs its queries when it is opened, as without a warm-up).

    Runs before the Streamlit runtime exists: the headless runner (Streamlit's ``AppTest``)
    installs a runtime of its own for each run and removes it afterwards. Nothing is written: the
    pages write only when a reviewer presses a button.
    """
    from curate.app.config import db_path

    if os.environ.get("CLEANROOM_APP_PREWARM", "1") == "0" or not db_path().exists():
        return {}
    import logging

    from streamlit.testing.v1 import AppTest

    # The headless runs make Streamlit warn that no browser session exists (harmless here), and
    # the server's own flags, parsed after them, that the [server] config "changed".
    quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    logging.getLogger("streamlit.config").addFilter(_not_config_changed)  # once: same object
    done: dict[str, float] = {}
    try:
        at = AppTest.from_file(str(Path(script).resolve()), default_timeout=120)
        for name in pages:
            t = time.perf_counter()
            if name != "overview":
                at.switch_page(f"curate/app/pages/{name}.py")
            at.run()
            if not at.exception:
                done[name] = round(time.perf_counter() - t, 3)
    except Exception as e:  # noqa: BLE001 - a warm-up never stops the server
        print(f"cleanroom app: warm-up skipped ({type(e).__name__}: {e})", file=sys.stderr)
    finally:
        quiet.setLevel(level)
    return done


def main() -> None:
    """``python -m curate.app.serve run SCRIPT [streamlit flags]``."""
    warm()
    if len(sys.argv) > 2 and sys.argv[1] == "run":
        done = prewarm(sys.argv[2])
        if done:
            pages = ", ".join(f"{name} {sec:.2f} s" for name, sec in done.items())
            print(f"cleanroom app: first views computed before start ({pages})", flush=True)
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *sys.argv[1:]]
    streamlit_main()


if __name__ == "__main__":
    main()

"""cleanroom review app: ``streamlit run app.py`` or ``cleanroom app`` (``make app``).

Reads the curation DB (``CLEANROOM_DB``, default ``out/cleanroom.duckdb``) read-only and writes
reviewer verdicts to ``CLEANROOM_REVIEWS_DB`` (default ``out/reviews.duckdb``). See docs/APP.md.
"""

from curate.app.main import main

main()

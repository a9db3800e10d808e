"""cleanroom review app, packaged copy of the repository's ``app.py`` (used by ``cleanroom app`` when installed).

Reads the curation DB (``CLEANROOM_DB``, default ``out/cleanroom.duckdb``) read-only and writes
reviewer verdicts to ``CLEANROOM_REVIEWS_DB`` (default ``out/reviews.duckdb``). See docs/APP.md.
"""

from curate.app.main import main

main()

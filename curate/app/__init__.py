"""The review app (Streamlit): browse a curation DB read-only, record verdicts in the reviews DB.

Entry point: ``app.py`` at the repository root (``streamlit run app.py``) or ``cleanroom app``.
Nothing in this package imports Streamlit at import time except the page modules and
:mod:`curate.app.queries`, so ``curate.cli.main`` can import :mod:`curate.cli.app` cheaply.
"""

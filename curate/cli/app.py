"""``cleanroom app``: start the Streamlit review app on 127.0.0.1 (headless) in a subprocess."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from curate.app.config import DB_ENV, DEFAULT_DB, DEFAULT_REVIEWS_DB, REVIEWER_ENV, REVIEWS_ENV
from curate.core.errors import ConfigError


def app_script() -> Path:
    """The Streamlit entry: the checkout's ``app.py`` when present, else the packaged copy."""
    root = Path(__file__).resolve().parents[2] / "app.py"
    return (
        root if root.is_file() else Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py"
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def streamlit_command(script: Path, host: str, port: int) -> list[str]:
    """The ``streamlit run`` command line (headless, no usage stats, no file watcher), through
    :mod:`curate.app.serve` so the server starts with the pages' modules imported."""
    return [
        sys.executable,
        "-m",
        "curate.app.serve",
        "run",
        str(script),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "minimal",
        "--theme.primaryColor",
        "#1a73e8",
    ]


def app_command(
    db: Annotated[
        Path | None,
        typer.Option(help=f"Curation DB to browse (default ${DB_ENV} or {DEFAULT_DB})."),
    ] = None,
    reviews_db: Annotated[
        Path | None,
        typer.Option(
            help=f"Where verdicts are written (default ${REVIEWS_ENV} or {DEFAULT_REVIEWS_DB})."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: a free one).")] = 8501,
    reviewer: Annotated[
        str | None,
        typer.Option(
            help=f"Your name, saved with every verdict (default ${REVIEWER_ENV}, else the local profile)."
        ),
    ] = None,
) -> None:
    """Start the review app: browse the latest run, review contamination, record verdicts.

    Example: cleanroom app --db out/cleanroom.duckdb --port 8501 --reviewer ada
    """
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port {port} is not a TCP port (0-65535)")
    env = dict(os.environ)
    db_path = db or Path(env.get(DB_ENV) or DEFAULT_DB)
    env[DB_ENV] = str(db_path.resolve())
    env[REVIEWS_ENV] = str(
        (reviews_db or Path(env.get(REVIEWS_ENV) or DEFAULT_REVIEWS_DB)).resolve()
    )
    if reviewer is not None:
        if not reviewer.strip():
            raise ConfigError("--reviewer needs a name")
        env[REVIEWER_ENV] = reviewer.strip()
    port = port or free_port(host)
    if not db_path.exists():
        print(
            f"note: {db_path} does not exist yet; run `make curate` (the app will say so too).",
            file=sys.stderr,
        )
    print(
        f"cleanroom review app: http://{host}:{port}  (data: {env[DB_ENV]}; verdicts: {env[REVIEWS_ENV]}; Ctrl-C stops)"
    )
    cmd = streamlit_command(app_script(), host, port)
    sys.stdout.flush()
    # Replace this process with the server: Ctrl-C and SIGTERM reach Streamlit directly, and no
    # orphaned server is left behind when the CLI is stopped.
    os.execvpe(cmd[0], cmd, env)

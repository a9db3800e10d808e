"""The consoles every command prints with, and the run-wide CLI switches (``--debug``).

Output goes to stdout; when stdout is not a terminal the width is fixed at 120 columns so logs and
tests see whole lines.
"""

from __future__ import annotations

import sys

from rich.console import Console

WIDTH = None if sys.stdout.isatty() else 120
console = Console(stderr=False, highlight=False, width=WIDTH)
DEBUG = {"on": False}

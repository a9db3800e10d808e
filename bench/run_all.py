"""Run every benchmark script in bench/ (``make bench``), one after another.

Each script compares cleanroom with a reference implementation in the same run and prints ratios;
results are also written as JSON under ``bench/results/``. Scripts that need the real data in
``../shared/data`` say so and are skipped when it is missing.

Example: python bench/run_all.py dedup_speed audit_speed
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    scripts = sorted(
        p
        for p in HERE.glob("*.py")
        if p.name not in ("run_all.py", "__init__.py") and not p.name.startswith("_")
    )
    failed = []
    for script in scripts:
        if wanted and script.stem not in wanted:
            continue
        print(f"\n=== {script.stem} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"=== {script.stem}: exit {rc} in {time.perf_counter() - t0:.0f} s", flush=True)
        if rc != 0:
            failed.append(script.stem)
    # the docs quote the tables the benches just wrote (bench/_quote.py)
    subprocess.call([sys.executable, str(HERE / "_quote.py")], cwd=HERE.parent)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Does a checkout's default filter chain give the same frames as another's? Run by hand.

Runs the chain of ``bench/filter_speed.py`` in each checkout (its own code on ``PYTHONPATH``) on
Alpaca 5,000, CodeAlpaca 4,535 and the 5 web pages x10 (written to one temporary file for both,
so ``meta`` names the same path), and compares the output frames with
``polars.testing.assert_frame_equal``: every column, text, messages, decisions, details and
statistics.

Run: python bench/_filter_chain_same.py CHECKOUT_A CHECKOUT_B (``CLEANROOM_SHARED_DATA`` as for
``filter_speed.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

DUMP = """
import json, os, sys
os.environ.setdefault("POLARS_MAX_THREADS", "1")
sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
import filter_speed as fs
from curate.io.ingest import read_input
from curate.run.pipeline import run_steps
out_dir, web = sys.argv[1], sys.argv[2]
for name in ("alpaca", "codealpaca", "web_pages"):
    records = read_input(web, source="web").records if name == "web_pages" else fs.load(name, 10)
    out, _, _ = run_steps(fs.working_frame(records), fs.plan())
    out.write_parquet(os.path.join(out_dir, name + ".parquet"))
"""
NAMES = ("alpaca", "codealpaca", "web_pages")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import filter_speed as fs

    with tempfile.TemporaryDirectory() as tmp:
        pages = sorted((fs.DATA / "web_pages").glob("*.txt"))
        web = Path(tmp) / "web_pages.jsonl"
        rows = [{"text": p.read_text(encoding="utf-8")} for p in pages] * 10
        import json

        web.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
        )
        outs = []
        for i, tree in enumerate(sys.argv[1:]):
            root = Path(tree).resolve()
            out = Path(tmp) / str(i)
            out.mkdir()
            env = {**os.environ, "PYTHONPATH": str(root)}
            subprocess.run(
                [sys.executable, "-c", DUMP, str(out), str(web)], cwd=root, env=env, check=True
            )
            outs.append(out)
        for name in NAMES:
            a = pl.read_parquet(outs[0] / f"{name}.parquet")
            b = pl.read_parquet(outs[1] / f"{name}.parquet")
            assert_frame_equal(a, b)
            print(
                f"{name}: identical, {a.height} rows x {a.width} columns, {int(a['keep'].sum())} kept"
            )


if __name__ == "__main__":
    main()

"""How fast does the review app open on a large curation DB (issue 16: >= 200k records)?

By default the DB is generated (``bench/_app_bigdb.py``: 200,000 records, real schema, 6,000
contamination rows, 10,000 clusters, 3,000 verdicts); ``--records 0`` builds the smaller real-data
DB described below instead, ``--db PATH`` times an existing one. The target: every page complete
in under 2 s (median of 3 fresh servers, cold caches).

Builds a DB from the shared real data (Alpaca 5,000 + CodeAlpaca 4,535 instruction records, plus 75
records with planted GSM8K/MBPP test questions and 40 re-posted Alpaca records), runs the skeleton recipe (normalise, length filter,
exact dedup), adds ``benchmark_items`` (GSM8K test 1,319 + MBPP 974) and the contamination rows of
a plain-Python 8-gram scan, then measures:

- cold server start (``streamlit run`` until ``/_stcore/health`` answers), which includes the
  first views the server computes before it starts (:func:`curate.app.serve.prewarm`: Overview
  and Contamination; ``--no-prewarm`` turns that off);
- in Chromium: each page from navigation (a full page load, as a shared link opens it) until its
  main content is in the page's rendered text, looked for every 25 ms (first visit to a fresh
  server, then a second visit with the server's caches warm);
- in process (AppTest, modules imported as the server does): each page's script run with a cold
  data cache, then warm;
- reference: a blank Streamlit page (a title and one line) served and loaded the same way: the
  floor any Streamlit app pays; the ratio says what our pages add on top.

Writes bench/results/app_open.json and screenshots bench/results/app_<page>.png.
Run: PYTHONPATH=. python bench/app_open.py [--keep DIR] [--db out/cleanroom.duckdb --pages overview]
[--no-prewarm]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"

from curate.cli.app import free_port, streamlit_command  # noqa: E402
from curate.run.export import export_run  # noqa: E402
from curate.run.pipeline import run_curate  # noqa: E402
from curate.run.recipe import load_recipe  # noqa: E402
from tests.appdb import CHROMIUM, CHROMIUM_ARGS, add_audit  # noqa: E402

PAGES = {  # page -> (text visible once its first screen is there, text visible once it is complete)
    "overview": ("inputs", "Run history"),
    "contamination": ("Verdict for this match", "Records matching this item"),
    "duplicates": ("representative", "Members ("),
    "dropped": ("Search text", "Detail (from the step"),
    "quarantine": ("Open a line", "Raw line"),
    "mixtures": ("Sample rows", "Sample rows"),
    "reviewers": ("Progress", "All verdicts"),
}
REPEATS = 3


def build_db(folder: Path) -> tuple[Path, dict]:
    for need in (
        "alpaca/alpaca_5000.json",
        "codealpaca/new_codealpaca.json",
        "gsm8k/test.jsonl",
        "mbpp/mbpp.jsonl",
    ):
        if not (DATA / need).exists():
            sys.exit(
                f"missing {DATA / need}: this bench reads the shared real data (see /work/shared/data/README.md)"
            )
    rng = random.Random(0)
    gsm = [json.loads(x) for x in (DATA / "gsm8k/test.jsonl").read_text().splitlines() if x.strip()]
    mbpp = [json.loads(x) for x in (DATA / "mbpp/mbpp.jsonl").read_text().splitlines() if x.strip()]
    planted = []
    for q in rng.sample(gsm, 60):
        words = q["question"].split()
        text = q["question"] if rng.random() < 0.65 else " ".join(words[: max(10, len(words) // 2)])
        planted.append(
            {
                "instruction": f"Solve step by step: {text}",
                "input": "",
                "output": q["answer"].replace("####", "The answer is"),
            }
        )
    for m in rng.sample(mbpp, 15):
        planted.append({"instruction": m["text"], "input": "", "output": m["code"]})
    alpaca = json.loads((DATA / "alpaca/alpaca_5000.json").read_text())
    for a in rng.sample(
        alpaca, 40
    ):  # re-posted copies (case/spacing changed): exact-dedup clusters
        planted.append(
            {
                "instruction": a["instruction"].upper(),
                "input": a["input"],
                "output": "  ".join(a["output"].split(" ")),
            }
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "planted.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in planted) + '{"broken": \n', encoding="utf-8"
    )
    recipe = folder / "recipe.yaml"
    recipe.write_text(
        "version: 1\nname: app-bench\ninputs:\n"
        f"  - {{name: alpaca, path: {DATA / 'alpaca/alpaca_5000.json'}, layout: alpaca}}\n"
        f"  - {{name: codealpaca, path: {DATA / 'codealpaca/new_codealpaca.json'}, layout: alpaca}}\n"
        "  - {name: planted, path: planted.jsonl, layout: alpaca}\n"
        "steps:\n  - step: normalise_v1\n  - step: length_filter_v1\n  - step: exact_dedup_v1\n",
        encoding="utf-8",
    )
    t = time.perf_counter()
    result = run_curate(load_recipe(recipe), reviews_db=folder / "reviews.duckdb")
    db = export_run(result, folder / "cleanroom.duckdb", None)
    curate_s = time.perf_counter() - t
    items = pl.concat(
        [
            pl.DataFrame(
                {
                    "benchmark": "gsm8k",
                    "split": "test",
                    "item_id": [f"gsm8k/{i}" for i in range(len(gsm))],
                    "text": [q["question"] for q in gsm],
                    "answer": [q["answer"] for q in gsm],
                }
            ),
            pl.DataFrame(
                {
                    "benchmark": "mbpp",
                    "split": "test",
                    "item_id": [f"mbpp/{m.get('task_id', i)}" for i, m in enumerate(mbpp)],
                    "text": [m["text"] for m in mbpp],
                    "answer": [m["code"] for m in mbpp],
                }
            ),
        ]
    )
    t = time.perf_counter()
    cont = add_audit(db, items, n=8)
    scan_s = time.perf_counter() - t
    info = {
        "inputs": result.inputs,
        "kept": result.kept,
        "dropped": result.dropped,
        "quarantined": result.quarantine.height,
        "benchmark_items": items.height,
        "contamination_rows": cont.height,
        "items_flagged": cont.select(pl.struct("benchmark", "item_id").n_unique()).item(),
        "db_mb": round(db.stat().st_size / 2**20, 1),
        "curate_s": round(curate_s, 2),
        "scan_s": round(scan_s, 2),
    }
    return db, info


def apptest_times(db: Path, reviews: Path) -> dict:
    os.environ["CLEANROOM_DB"], os.environ["CLEANROOM_REVIEWS_DB"] = str(db), str(reviews)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from curate.app.serve import warm

    warm()  # what the server does before the first browser connects
    AppTest.from_file(
        str(ROOT / "app.py"), default_timeout=120
    ).run()  # AppTest's own start-up costs
    out = {}
    for page in PAGES:
        times = []
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        if page != "overview":
            at.run()
            at.switch_page(f"curate/app/pages/{page}.py")
        st.cache_data.clear()
        for _ in range(2):
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
            assert not at.exception, [e.value for e in at.exception]
        out[page] = {"first_s": round(times[0], 3), "warm_s": round(times[1], 3)}
    return out


# Seconds between two looks at the page. Playwright's ``expect(...).to_be_visible()`` backs off to
# one look every 500 ms after the first 0.27 s, so a page complete at 1.3 s was read as ~1.8 s
# (this bench did that until issue 16's last round): the looks are now every POLL_MS, in the page.
POLL_MS = 25


def shown(page, text: str) -> None:
    """Wait until ``text`` is in the page's rendered text (``innerText``: what is laid out and not
    hidden), case-insensitive, looking every :data:`POLL_MS` ms inside the page."""
    page.wait_for_function(
        "t => document.body !== null && document.body.innerText.toLowerCase().includes(t)",
        arg=text.lower(),
        polling=POLL_MS,
        timeout=60_000,
    )


BLANK_APP = 'import streamlit as st\nst.title("blank")\nst.write("Inputs")\n'


def browser_times(db: Path, reviews: Path, shots: bool, script: Path | None = None) -> dict:
    """One fresh server + fresh Chromium profile: every page visited twice (cold, then warm caches).

    With ``script`` (the blank reference app), only its one page is visited.
    """
    pages = {"": ("Inputs", "Inputs")} if script else PAGES
    import urllib.request

    from playwright.sync_api import sync_playwright

    port = free_port()
    env = dict(
        os.environ, CLEANROOM_DB=str(db), CLEANROOM_REVIEWS_DB=str(reviews), PYTHONPATH=str(ROOT)
    )
    if script:  # the blank reference app has no pages to warm
        env["CLEANROOM_APP_PREWARM"] = "0"
    t = time.perf_counter()
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    proc = subprocess.Popen(
        streamlit_command(script or ROOT / "app.py", "127.0.0.1", port),
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        out: dict = {"server_start_s": round(time.perf_counter() - t, 2)}
        # the first views the server computed before it started (curate.app.serve.prewarm)
        warmed = re.search(r"first views computed before start \((.*)\)", log.read_text())
        out["prewarm"] = warmed[1] if warmed else ""
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                tempfile.mkdtemp(),
                executable_path=CHROMIUM,
                headless=True,
                viewport={"width": 1500, "height": 1100},
                args=CHROMIUM_ARGS,
            )
            page = ctx.new_page()
            for visit in ("cold", "warm"):
                for name, (first, done) in pages.items():
                    t = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}/{'' if name == 'overview' else name}")
                    shown(page, first)
                    t_first = time.perf_counter() - t
                    shown(page, done)
                    out.setdefault(name, {})[visit] = (
                        round(t_first, 2),
                        round(time.perf_counter() - t, 2),
                    )
                    if visit == "warm" and shots:
                        page.wait_for_timeout(1500)
                        page.screenshot(path=str(RESULTS / f"app_{name}.png"), full_page=True)
            ctx.close()
        return out
    finally:
        proc.terminate()
        proc.wait()
        log.unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--keep", type=Path, help="build the DB in this folder (kept) instead of a temp dir"
    )
    ap.add_argument(
        "--db", type=Path, help="time this existing curation DB (e.g. from make curate)"
    )
    ap.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages to time")
    ap.add_argument(
        "--records",
        type=int,
        default=200_000,
        help="generate a DB with this many records (bench/_app_bigdb.py); 0: build from the real data",
    )
    ap.add_argument(
        "--no-prewarm",
        action="store_true",
        help="start the servers without computing the first views (CLEANROOM_APP_PREWARM=0)",
    )
    args = ap.parse_args()
    if args.no_prewarm:
        os.environ["CLEANROOM_APP_PREWARM"] = "0"
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in [p for p in PAGES if p not in args.pages.split(",")]:
        del PAGES[name]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="app-bench-"))
    reviews = folder / "reviews.duckdb"
    if args.db:
        db = args.db.resolve()
        reviews = (
            db.parent / "reviews.duckdb"
        )  # the verdicts beside it, as `cleanroom app` finds them
        info = {"db": str(db), "db_mb": round(db.stat().st_size / 2**20, 1)}
    elif args.records:
        sys.path.insert(0, str(ROOT / "bench"))
        from _app_bigdb import generate

        t = time.perf_counter()
        db = generate(folder, args.records)
        reviews = folder / "fx" / "reviews.duckdb"
        info = {
            "generated_records": args.records,
            "db_mb": round(db.stat().st_size / 2**20, 1),
            "generate_s": round(time.perf_counter() - t, 1),
        }
    else:
        db, info = build_db(folder)
    print("DB:", json.dumps(info))
    blank_app = folder / "blank_app.py"
    blank_app.write_text(BLANK_APP, encoding="utf-8")
    runs, blanks = [], []
    for i in range(REPEATS):  # interleaved, so both see the same machine load
        blanks.append(browser_times(db, reviews, shots=False, script=blank_app))
        runs.append(browser_times(db, reviews, shots=i == REPEATS - 1))
    at = apptest_times(db, reviews)

    def med(page: str, visit: str, k: int) -> float:
        return statistics.median(r[page][visit][k] for r in runs)

    br = {
        name: {
            f"{v}_{w}_s": med(name, v, k)
            for v in ("cold", "warm")
            for k, w in ((0, "first_screen"), (1, "complete"))
        }
        for name in PAGES
    }
    br["server_start_s"] = statistics.median(r["server_start_s"] for r in runs)
    print(
        f"\nChromium, median of {REPEATS} fresh servers; seconds from navigation to the first screen / the whole page"
    )
    print(
        f"{'page':<15}{'cold: first':>13}{'cold: all':>11}{'warm: first':>13}{'warm: all':>11}{'script cold':>13}{'script warm':>13}"
    )
    for name in PAGES:
        b = br[name]
        print(
            f"{name:<15}{b['cold_first_screen_s']:>13.2f}{b['cold_complete_s']:>11.2f}{b['warm_first_screen_s']:>13.2f}"
            f"{b['warm_complete_s']:>11.2f}{at[name]['first_s']:>13.3f}{at[name]['warm_s']:>13.3f}"
        )
    print(f"\nserver start (cleanroom app -> health): {br['server_start_s']:.2f} s")
    for r in runs:
        print(f"  first views computed before start: {r['prewarm'] or 'none (prewarm off)'}")
    blank = {v: statistics.median(b[""][v][1] for b in blanks) for v in ("cold", "warm")}
    print(
        f"reference: a blank Streamlit page (title + one line) on the same server and browser: cold {blank['cold']:.2f} s, "
        f"warm {blank['warm']:.2f} s; Overview complete / blank: cold {br['overview']['cold_complete_s'] / blank['cold']:.1f}x, "
        f"warm {br['overview']['warm_complete_s'] / blank['warm']:.1f}x"
    )
    slow = [n for n in PAGES if br[n]["cold_complete_s"] >= 2.0]
    print(
        "every page complete in under 2 s (cold, median of "
        f"{REPEATS}): {'yes' if not slow else 'no: ' + ', '.join(slow)}"
    )
    print(f"machine load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    out = {
        "db": info,
        "browser": br,
        "apptest": at,
        "blank_reference": blank,
        "loadavg": os.getloadavg()[0],
        "db_path": str(db),
        "prewarm": [r["prewarm"] for r in runs],
    }
    name = "app_open.json" if not args.db else f"app_open_{args.db.stem}.json"
    (RESULTS / name).write_text(json.dumps(out, indent=2))
    print(f"wrote {RESULTS / name}")


if __name__ == "__main__":
    main()

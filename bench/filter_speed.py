"""Throughput of the default filter chain, in records/s, so later changes can be compared.

Runs the chain below through the pipeline (Polars frames, batched steps) on real data from
../shared/data (Alpaca 5,000 and CodeAlpaca 4,535 instruction records; the 5 scraped web pages
repeated to 500 documents), and the same rule functions applied record by record in a plain
Python loop as the reference. Prints records/s per corpus and per step, the ratio
pipeline/reference, and writes bench/results/filter_speed.json.

Timing: CPU seconds on one core (``POLARS_MAX_THREADS=1``), median of ``--runs`` runs with
pipeline and reference interleaved (pipeline, reference, pipeline, ...); the table the docs
quote is written to ``bench/results/filter_speed.md`` with the machine load. Per-step seconds
are CPU seconds too (each step collected on its own, median of the runs): wall seconds on a
shared machine measure the neighbours.

Run: PYTHONPATH=. python bench/filter_speed.py [--repeat-web 10] [--runs 3]
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import argparse
import json
import statistics
import time
from pathlib import Path

import polars as pl

from curate.core.schemas import RECORD_SCHEMA, ROW
from curate.core.step import StepContext
from curate.io.ingest import read_input
from curate.plugins import get_step
from curate.run.pipeline import run_steps
from curate.run.recipe import PlannedStep, StepConfig

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("CLEANROOM_SHARED_DATA", HERE.parents[0].parent / "shared" / "data"))

DEFAULT_CHAIN: list[tuple[str, dict, tuple[str, ...] | None]] = [
    ("normalise_v1", {}, None),
    ("length_filter_v1", {}, None),
    ("web_lines_v1", {}, ("document",)),
    ("pii_redact_v1", {}, None),
    ("langid_v2", {}, None),
    # the web pages are Chinese and Russian: allow them here so every later step has work to do
    ("language_filter_v1", {"languages": ["en", "zh", "ru"], "min_score": 0.65}, ("document",)),
    ("language_filter_v1", {"languages": ["en"], "min_score": 0.0}, ("instruction",)),
    ("gopher_quality_v1", {}, ("document",)),
    ("gopher_repetition_v1", {}, ("document",)),
    ("fineweb_quality_v1", {}, ("document",)),
    ("c4_quality_v1", {}, ("document",)),
    ("instruction_checks_v1", {}, ("instruction",)),
]


def plan() -> list[PlannedStep]:
    out = []
    for key, params, kinds in DEFAULT_CHAIN:
        spec = get_step(key)
        out.append(
            PlannedStep(StepConfig(key, params, kinds), spec, spec.build_params(params, "bench"))
        )
    return out


def working_frame(records: pl.DataFrame) -> pl.DataFrame:
    records = records.with_columns(id=pl.format("{}-{}", pl.col("id"), pl.int_range(pl.len())))
    return records.with_row_index(ROW).with_columns(
        keep=pl.lit(True),
        stage=pl.lit(None, pl.String),
        drop_reason=pl.lit(None, pl.String),
        detail=pl.lit(None, pl.String),
    )


def step_cpu_seconds(frame: pl.DataFrame, steps: list[PlannedStep]) -> list[float]:
    """CPU seconds of each step, run one at a time on the previous step's output."""
    out = []
    for i, ps in enumerate(steps):
        ctx = StepContext(key=ps.spec.key, index=i, kinds=ps.config.kinds, resources={})
        t0 = time.process_time()
        frame = frame.lazy().pipe(ps.spec.build(ps.params, ctx)).collect()
        out.append(time.process_time() - t0)
    return out


def reference_loop(records: pl.DataFrame) -> float:
    """The same rules, one record at a time in plain Python (no frames, no batching)."""
    from curate.core.textnorm import normalise_text
    from curate.steps.fineweb import fineweb_stats
    from curate.steps.gopher import GopherRepetitionParams, quality_stats, repetition_stats
    from curate.steps.instruction import InstructionParams, check_one, prose
    from curate.steps.langid import LanguageIdentifier
    from curate.steps.lines import WebLinesParams, clean_web_text
    from curate.steps.pii import redact

    ident = LanguageIdentifier()
    wp, rp, ip = WebLinesParams(), GopherRepetitionParams(), InstructionParams(check_language=False)
    t0 = time.process_time()
    for row in records.iter_rows(named=True):
        text = normalise_text(row["text"] or "")
        if row["kind"] == "document":
            text, _ = clean_web_text(text, wp)
        text, _ = redact(text)
        ident.identify([text])
        if row["kind"] == "document":
            quality_stats(text)
            repetition_stats(text, rp)
            fineweb_stats(text)
        else:
            msgs = row["messages"]
            if check_one(msgs[0]["content"], "", msgs[-1]["content"], ip) is None:
                ident.identify(
                    [prose(msgs[0]["content"]), prose(msgs[-1]["content"])]
                )  # language mismatch
    return time.process_time() - t0


def load(name: str, repeat_web: int) -> pl.DataFrame:
    if name == "web_pages":
        pages = sorted((DATA / "web_pages").glob("*.txt"))
        rows = [{"text": p.read_text(encoding="utf-8")} for p in pages] * repeat_web
        tmp = HERE / "results" / "_web_pages.jsonl"
        tmp.parent.mkdir(exist_ok=True)
        tmp.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
        )
        return read_input(str(tmp), source="web").records
    path = (
        DATA
        / {"alpaca": "alpaca/alpaca_5000.json", "codealpaca": "codealpaca/new_codealpaca.json"}[
            name
        ]
    )
    return read_input(str(path), source=name).records


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--repeat-web", type=int, default=10, help="copies of the 5 web pages (default 10)"
    )
    ap.add_argument("--runs", type=int, default=3, help="interleaved runs; medians reported")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found (set CLEANROOM_SHARED_DATA)")
        return
    results = {}
    steps_table: dict[str, list[float]] = {}
    print(
        f"{'corpus':<12}{'records':>9}{'pipeline rec/s':>16}{'reference rec/s':>17}{'ratio':>8}{'kept':>7}"
    )
    for name in ("alpaca", "codealpaca", "web_pages"):
        records = load(name, args.repeat_web)
        assert records.schema == RECORD_SCHEMA
        frame = working_frame(records)
        run_steps(frame.head(50), plan())  # warm-up: models loaded, regexes compiled
        pipes, refs, per_step = [], [], []
        for _ in range(args.runs):
            t0 = time.process_time()
            out, stats, _ = run_steps(frame, plan())
            pipes.append(time.process_time() - t0)
            refs.append(reference_loop(records))
            per_step.append(step_cpu_seconds(frame, plan()))
        step_cpu = [statistics.median(s) for s in zip(*per_step, strict=True)]
        t_pipe, t_ref = statistics.median(pipes), statistics.median(refs)
        n = records.height
        results[name] = {
            "records": n,
            "pipeline_seconds": round(t_pipe, 3),
            "pipeline_records_per_s": round(n / t_pipe, 1),
            "reference_seconds": round(t_ref, 3),
            "reference_records_per_s": round(n / t_ref, 1),
            "ratio_reference_over_pipeline": round(t_ref / t_pipe, 2),
            "kept": int(out["keep"].sum()),
            "steps_cpu_seconds": [
                [s.key, round(c, 3)] for s, c in zip(stats, step_cpu, strict=True)
            ],
        }
        steps_table[name] = step_cpu
        print(
            f"{name:<12}{n:>9}{n / t_pipe:>16.0f}{n / t_ref:>17.0f}{t_ref / t_pipe:>8.2f}{int(out['keep'].sum()):>7}"
        )
    print("\nCPU seconds per step (median)")
    print(f"{'step':<32}" + "".join(f"{k:>12}" for k in steps_table))
    for i, (key, _, kinds) in enumerate(DEFAULT_CHAIN):
        label = f"{key}[{kinds[0]}]" if kinds and key == "language_filter_v1" else key
        print(f"{label:<32}" + "".join(f"{steps_table[k][i]:>12.3f}" for k in steps_table))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "filter_speed.json").write_text(json.dumps(results, indent=2))
    la = os.getloadavg()
    md = [
        "## Default filter chain throughput (bench/filter_speed.py)",
        "",
        f"one core, CPU seconds, median of {args.runs} interleaved runs; web pages x{args.repeat_web}; "
        f"load average {la[0]:.1f} / {la[1]:.1f} / {la[2]:.1f} on {os.cpu_count()} cores",
        "",
        "| corpus | records | pipeline records/s/core | reference loop records/s/core | reference / pipeline |",
        "|---|---|---|---|---|",
    ]
    for name, r in results.items():
        md.append(
            f"| {name} | {r['records']:,} | {r['pipeline_records_per_s']:,.0f} | "
            f"{r['reference_records_per_s']:,.0f} | {r['ratio_reference_over_pipeline']:.2f} |"
        )
    md += ["", f"| step (CPU s, median of {args.runs}) | " + " | ".join(steps_table) + " |",
           "|---|" + "---|" * len(steps_table)]  # fmt: skip
    for i, (key, _, kinds) in enumerate(DEFAULT_CHAIN):
        label = f"{key}[{kinds[0]}]" if kinds and key == "language_filter_v1" else key
        md.append(
            f"| {label} | " + " | ".join(f"{steps_table[k][i]:.3f}" for k in steps_table) + " |"
        )
    (HERE / "results" / "filter_speed.md").write_text("\n".join(md) + "\n")
    print("\nwrote bench/results/filter_speed.json")


if __name__ == "__main__":
    main()

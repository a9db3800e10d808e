"""Agreement of ``langid_v2`` with ``langid_v1`` on real data (issue 19): labels and decisions.

``langid_v2`` classifies an all-ASCII prompt or answer of an instruction record with one
fastText prediction on the head of its voting lines (``text_chars``, default 200), where
``langid_v1`` votes line by line over the whole text. This runs the default filter chain
(``bench/filter_speed.py``'s, instruction records filtered to ``en``) once with each step on
Alpaca 5,000, CodeAlpaca 4,535 and the 5 scraped web pages, and compares per record: the
prompt's language (``langid__lang``), the answer's (``langid__response_lang``), the keep/drop
decision and the drop reason. Every record whose label or decision differs is written with its
texts to ``bench/results/langid_agreement_disagreements.jsonl`` to be read.

Run: CLEANROOM_SHARED_DATA=/work/shared/data PYTHONPATH=. python bench/langid_agreement.py
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import json
import sys
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import filter_speed as fs  # noqa: E402  (the chain and the loaders)

from curate.core.records import last_response  # noqa: E402
from curate.plugins import get_step  # noqa: E402
from curate.run.pipeline import run_steps  # noqa: E402
from curate.run.recipe import PlannedStep, StepConfig  # noqa: E402


def plan(langid: str) -> list[PlannedStep]:
    """The bench chain with ``langid`` as its language-id step."""
    out = []
    for key, params, kinds in fs.DEFAULT_CHAIN:
        key = langid if key.startswith("langid_v") else key
        spec = get_step(key)
        out.append(
            PlannedStep(StepConfig(key, params, kinds), spec, spec.build_params(params, "bench"))
        )
    return out


def prompt_and_answer(row: dict) -> tuple[str, str]:
    msgs = row["messages"]
    if msgs is None:
        return row["text"][:300], ""
    user = "\n".join(m["content"] or "" for m in msgs if m["role"] == "user")
    answers = [m["content"] or "" for m in msgs if m["role"] == "assistant"]
    return user[:400], (answers[-1] if answers else "")[:400]


def main() -> None:
    if not fs.DATA.is_dir():
        print(f"skipped: {fs.DATA} not found (set CLEANROOM_SHARED_DATA)")
        return
    cols = ["langid__lang", "langid__score", "langid__response_lang", "langid__response_score"]
    table, rows_out = [], []
    for name in ("alpaca", "codealpaca", "web_pages"):
        frame = fs.working_frame(fs.load(name, 1))
        a, _, _ = run_steps(frame, plan("langid_v1"))
        b, _, _ = run_steps(frame, plan("langid_v2"))
        n = frame.height

        def same(col: str, a: pl.DataFrame = a, b: pl.DataFrame = b) -> pl.Series:
            return (a[col] == b[col]) | (a[col].is_null() & b[col].is_null())

        lang, resp = same("langid__lang"), same("langid__response_lang")
        keep, reason = same("keep"), same("drop_reason")
        diff = ~(lang & resp & keep & reason)
        # answers langid_v2 reads whole: the all-ASCII answers of instruction records
        answer = a.select(last_response())[:, 0]
        whole = answer.is_not_null() & ~answer.str.contains(r"[^\x00-\x7f]").fill_null(True)
        d = (a["langid__response_score"] - b["langid__response_score"]).abs().drop_nulls()
        table.append(
            {
                "corpus": name,
                "records": n,
                "prompt_lang_agree": int(lang.sum()),
                "answer_lang_agree": int(resp.sum()),
                "keep_agree": int(keep.sum()),
                "reason_agree": int(reason.sum()),
                "kept_v1": int(a["keep"].sum()),
                "kept_v2": int(b["keep"].sum()),
                "answers_ascii": int(whole.sum()),
                "answer_score_diff_median": round(float(d.median() or 0.0), 4),
                "answer_score_diff_p99": round(float(d.quantile(0.99) or 0.0), 4),
            }
        )
        for k in diff.arg_true().to_list():
            ra, rb = a.row(k, named=True), b.row(k, named=True)
            prompt, answer = prompt_and_answer(ra)
            rows_out.append(
                {
                    "corpus": name,
                    "id": ra["id"],
                    "v1": {c: ra[c] for c in cols} | {"drop_reason": ra["drop_reason"]},
                    "v2": {c: rb[c] for c in cols} | {"drop_reason": rb["drop_reason"]},
                    "prompt": prompt,
                    "answer": answer,
                }
            )
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    with (out / "langid_agreement_disagreements.jsonl").open("w", encoding="utf-8") as f:
        for r in rows_out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    md = [
        "## langid_v2 against langid_v1 (bench/langid_agreement.py)",
        "",
        "| corpus | records | prompt language equal | answer language equal | keep/drop equal "
        "| drop reason equal | kept (v1) | kept (v2) | ASCII answers (read whole by v2) "
        "| answer score difference, median / p99 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table:
        md.append(
            f"| {r['corpus']} | {r['records']:,} | {r['prompt_lang_agree']:,} | "
            f"{r['answer_lang_agree']:,} | {r['keep_agree']:,} | {r['reason_agree']:,} | "
            f"{r['kept_v1']:,} | {r['kept_v2']:,} | {r['answers_ascii']:,} | "
            f"{r['answer_score_diff_median']} / {r['answer_score_diff_p99']} |"
        )
    (out / "langid_agreement.md").write_text("\n".join(md) + "\n")
    (out / "langid_agreement.json").write_text(json.dumps(table, indent=2))
    print("\n".join(md[2:]))
    print(f"\n{len(rows_out)} records differ: bench/results/langid_agreement_disagreements.jsonl")


if __name__ == "__main__":
    main()

"""decontaminate_v1 in the curate pipeline, reviewer verdicts, GPT-3 cut mode, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from curate.core.errors import ConfigError
from curate.core.verdicts import cleared_records, per_match_latest
from curate.run.export import export_run
from curate.run.pipeline import ingest_all, run_curate, run_steps
from curate.run.recipe import load_recipe, plan_steps
from curate.steps.decontaminate import cut_pieces
from tests.conftest import write_jsonl, write_recipe

Q = (
    "Marla buys 4 crates of apples with 36 apples each and gives a third of them to her neighbours. "
    "How many apples does she keep for the bakery on Sunday?"
)
A = "She buys 4 * 36 = 144 apples. She gives away 144 / 3 = 48 apples. She keeps 144 - 48 = 96 apples. #### 96"
PROSE = (
    "The village market opens early on Saturdays, and farmers bring carrots, cheese and fresh bread "
    "from the valley. Visitors walk between the stalls, taste honey and talk about the weather. "
)


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    write_jsonl(tmp_path / "bench.jsonl", [{"question": Q, "answer": A}])
    write_jsonl(
        tmp_path / "inst.jsonl",
        [
            {
                "instruction": "Give three tips for staying healthy.",
                "input": "",
                "output": "Eat well, sleep, walk.",
            },
            {"instruction": Q, "input": "", "output": "96"},
            {"instruction": "Solve it.", "input": "", "output": A},
            {
                "instruction": "Explain photosynthesis briefly please.",
                "input": "",
                "output": "Plants make sugar from light.",
            },
        ],
    )
    write_jsonl(
        tmp_path / "web.jsonl",
        [
            {"text": PROSE * 3 + Q + " " + PROSE * 3},  # cut: two pieces of ~550 chars stay
            {"text": "Short intro. " + Q + " The end."},  # cut: nothing >= 200 chars left
            {
                "text": "".join(f"{PROSE * 3}{Q} " for _ in range(12))
            },  # 12 matches -> 12 pieces > 10
            {"text": PROSE * 4},  # clean
        ],
    )
    return tmp_path


def recipe(tmp: Path, mode: str = "drop", preset: str = "gpt3") -> Path:
    bench = tmp / "bench.jsonl"
    return write_recipe(
        tmp / "r.yaml",
        f"""
version: 1
name: t
inputs:
  - {{name: inst, path: inst.jsonl}}
  - {{name: web, path: web.jsonl}}
steps:
  - step: normalise_v1
  - step: decontaminate_v1
    params: {{benchmarks: ["{bench}:question:answer"], preset: {preset}, mode: {mode}}}
output: {{db: {tmp / "out.duckdb"}, parquet_dir: {tmp / "pq"}}}
""",
    )


def test_drop_mode_end_to_end_issue5(setup):
    result = run_curate(load_recipe(recipe(setup)))
    f = result.frame
    dropped = f.filter(~pl.col("keep"))
    assert dropped["drop_reason"].to_list() == ["contamination"] * 5
    detail = json.loads(dropped["detail"][0])
    assert (
        detail["item_id"] == "bench/file/0"
        and detail["benchmark"] == "bench"
        and detail["coverage"] == 1.0
    )
    assert (
        json.loads(dropped.filter(pl.col("text").str.starts_with("Solve it"))["detail"][0])["part"]
        == "answer"
    )
    assert result.kept == 3
    assert result.notes["contamination"][0]["dirty"] == 1
    assert "bench: 1 of 1 items dirty" in result.notes["summary_lines"][0]
    db = export_run(result, setup / "out.duckdb", None)
    with duckdb.connect(str(db), read_only=True) as con:
        items = con.execute("SELECT item_id, text, answer FROM benchmark_items").fetchall()
        rows = con.execute(
            "SELECT c.id, c.spans, c.part, r.text, c.verdict FROM contamination c "
            "JOIN records r USING (id)"
        ).fetchall()
    assert items == [("bench/file/0", Q, A)]
    assert len(rows) == 5 and {r[4] for r in rows} == {"dirty"}
    for _rid, spans, _part, text, _ in rows:  # spans index the stored record text
        for a, b in json.loads(spans)["record"]:
            assert "apples" in text[a:b].lower() or "144" in text[a:b]


def test_cut_mode_gpt3_rule(setup):
    result = run_curate(load_recipe(recipe(setup, mode="cut")))
    f = result.frame.filter(pl.col("source") == "web")
    reasons = f["drop_reason"].to_list()
    assert reasons == [None, "contamination", "contamination_fragmented", None]
    cut = f.row(0, named=True)
    assert "apples" not in cut["text"] and cut["decontaminate__cut_chars"] > len(Q)
    assert json.loads(cut["decontaminate__matched"])[0]["item_id"] == "bench/file/0"
    assert f.row(3, named=True)["text"] == (PROSE * 4).strip()  # clean doc untouched
    assert f.row(3, named=True)["decontaminate__cut_chars"] is None
    inst = result.frame.filter(pl.col("source") == "inst")
    assert inst["drop_reason"].to_list() == [
        None,
        "contamination",
        "contamination",
        None,
    ]  # never cut
    c = result.side_tables["contamination"]
    cut_spans = json.loads(c.filter(pl.col("id") == cut["id"])["spans"][0])
    assert cut_spans["record"] == [] and cut_spans["cut"] is True


def test_cut_pieces_hand_computed():
    text = "x" * 1000
    kept, pieces = cut_pieces(text, [[500, 510]], 200, 200)
    assert pieces == 2 and [len(k) for k in kept] == [300, 290]
    kept, pieces = cut_pieces(text, [[100, 110]], 200, 200)
    assert pieces == 1 and [len(k) for k in kept] == [690]  # the first 0..0 piece is empty
    kept, pieces = cut_pieces(text, [[300, 310], [350, 360]], 200, 200)
    assert pieces == 2 and [len(k) for k in kept] == [440]  # 100-char head dropped


def test_false_positive_verdicts_are_kept(setup):
    rec = load_recipe(recipe(setup))
    frame, _ = ingest_all(rec)
    plan = plan_steps(rec, "t")
    first, _, _ = run_steps(frame, plan, {})
    target = first.filter(pl.col("drop_reason") == "contamination")["id"][0]
    other = first.filter(pl.col("drop_reason") == "contamination")["id"][1]
    verdicts = (
        pl.DataFrame(  # the verdicts in force (curate.core.verdicts.in_force), one per target
            {
                "target_kind": ["contamination", "contamination", "cluster"],
                "target_id": [target, other, target],
                "verdict": ["false_positive", "confirmed", "confirmed"],
                "created_at": [1, 2, 3],
            }
        )
    )
    hits = pl.DataFrame({"id": [target, other], "benchmark": "b", "item_id": "1"})
    assert cleared_records(hits, per_match_latest(verdicts)) == {target}
    resources = {"verdicts": verdicts}
    after, _, side = run_steps(frame, plan, resources)
    assert after.filter(pl.col("id") == target)["keep"][0] is True
    assert after.filter(pl.col("id") == other)["keep"][0] is False
    assert resources["notes"]["false_positive_kept"] == 1
    assert target in side["contamination"]["id"].to_list()  # evidence is still reported


def test_bad_params_fail_before_data(setup):
    bad = write_recipe(
        setup / "bad.yaml",
        """
version: 1
inputs: [{name: inst, path: inst.jsonl}]
steps:
  - step: decontaminate_v1
    params: {benchmarks: [gsm8"""
        + """], preset: gpt3}
""",
    )
    with pytest.raises(ConfigError, match="did you mean 'gsm8k'"):
        load_recipe(bad)
    bad2 = write_recipe(
        setup / "bad2.yaml",
        """
version: 1
inputs: [{name: inst, path: inst.jsonl}]
steps:
  - step: decontaminate_v1
    params: {benchmarks: [humaneval], preset: gpt5}
""",
    )
    with pytest.raises(ConfigError, match="preset"):
        load_recipe(bad2)


def _cli(args: list[str]) -> tuple[int, str]:
    from typer.testing import CliRunner

    from curate.cli import main as cli

    r = CliRunner().invoke(cli.app, args, standalone_mode=False, catch_exceptions=True)
    code = r.exit_code
    if r.exception is not None and hasattr(r.exception, "exit_code"):
        code = r.exception.exit_code
    return code, r.output + (str(r.exception) if r.exception is not None else "")


def test_cli_scan_writes_parquet_db_and_report(setup):
    corpus = setup / "inst.jsonl"
    out, db, rep = setup / "hits.parquet", setup / "a.duckdb", setup / "r.html"
    code, output = _cli(
        [
            "audit",
            "scan",
            "--benchmark",
            f"{setup / 'bench.jsonl'}:question:answer",
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            "--db",
            str(db),
            "--report",
            str(rep),
        ]
    )
    assert code == 0, output
    assert "dirty" in output and "2" in output
    hits = pl.read_parquet(out)
    assert (
        hits.height == 2
        and set(hits["part"]) == {"text", "answer"}
        and hits["run_id"][0].startswith("audit-")
    )
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM contamination").fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM benchmark_items").fetchone() == (1,)
    assert "<svg" in rep.read_text()
    code, output = _cli(
        [
            "audit",
            "scan",
            "-b",
            f"{setup / 'bench.jsonl'}:question",
            "-c",
            str(corpus),
            "--db",
            str(db),
        ]
    )
    assert code == 2 and "--into-existing" in output
    code, output = _cli(
        [
            "audit",
            "scan",
            "-b",
            f"{setup / 'bench.jsonl'}:question",
            "-c",
            str(corpus),
            "--db",
            str(db),
            "--into-existing",
        ]
    )
    assert code == 0, output
    with duckdb.connect(str(db), read_only=True) as con:  # replaced: now only the text hit
        assert con.execute("SELECT count(*) FROM contamination").fetchone() == (1,)


def test_cli_errors_exit_2(setup):
    import subprocess
    import sys

    for args in (["--preset", "gpt5"], ["--corpus", "nope.jsonl"], ["--benchmark", "mmlu"]):
        base = {"--benchmark": "humaneval", "--corpus": str(setup / "inst.jsonl")}
        base.update({args[0]: args[1]} if args[0] != "--preset" else {})
        cmd = [sys.executable, "-m", "curate.cli", "audit", "scan"]
        for k, v in base.items():
            cmd += [k, v]
        if args[0] == "--preset":
            cmd += args
        p = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env={
                **__import__("os").environ,
                "HF_HUB_OFFLINE": "1",
                "PYTHONPATH": str(Path(__file__).parents[1]),
            },
        )
        assert p.returncode == 2, (args, p.stderr)
        assert "Traceback" not in p.stderr and "error:" in p.stderr


def test_cli_list():
    code, output = _cli(["audit", "list"])
    assert code == 0 and "humaneval" in output and "llama2" in output

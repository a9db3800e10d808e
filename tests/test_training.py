"""cleanroom train / eval (issue 14): completion-only encoding, the run record, error exits, the
clean/dirty split with its bootstrap CI, the HumanEval sandbox, and the planted experiment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
import torch

from audit.benchmarks import load_benchmark
from audit.presets import get_preset
from audit.report import write_db
from audit.scan import scan, shards_of
from curate.cli.main import main
from curate.core.errors import ConfigError, MissingDependencyError
from curate.run.training import store
from curate.run.training.data import IGNORE, encode_pair, load_mixture, render_pair
from curate.run.training.eval_run import run_eval
from curate.run.training.evaluate import EvalOptions, normalise_answer, truncate_completion
from curate.run.training.experiment import (
    curate_corpus,
    run_experiment,
    synthetic_items,
    to_alpaca,
    write_inputs,
)
from curate.run.training.report import bootstrap_delta, load_verdicts, split_scores
from curate.run.training.sandbox import humaneval_problems, run_humaneval
from curate.run.training.tiny import train_tokenizer
from curate.run.training.trainer import MANIFEST, PadCollator, TrainConfig, train

torch.set_num_threads(1)  # tests run beside others on small machines: one thread is fastest
SMALL = {"max_len": 48, "tiny_dim": 32, "tiny_vocab": 400, "batch_size": 8, "progress": False}


def cli(*args: str) -> int:
    old = sys.argv
    sys.argv = ["cleanroom", *args]
    try:
        main()
    except SystemExit as e:
        return int(e.code or 0)
    finally:
        sys.argv = old
    return 0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A curated, audited DB: 12 filler rows, 4 of 8 benchmark items planted, 4 held out."""
    work = tmp_path_factory.mktemp("train")
    items = synthetic_items(24, seed=1)
    bench = work / "bench.jsonl"
    bench.write_text("".join(json.dumps(r) + "\n" for r in items[:8]))
    write_inputs(work, to_alpaca(items[8:20]), to_alpaca(items[:4]), to_alpaca(items[20:]))
    arg = f"{bench}:question:answer"
    db = curate_corpus(work, arg, decontaminate=False, preset="gpt3")
    cfg = TrainConfig("sft", "tiny", work / "model", db=db, max_steps=3, **SMALL)
    trained = train(cfg)
    return {"work": work, "db": db, "bench": arg, "model": work / "model", "trained": trained}


def test_encode_pair_masks_the_prompt_with_chat_template() -> None:
    tok = train_tokenizer(["what is two plus two", "four", "hello there"] * 5, 300)
    head, tail = render_pair(tok, "what is two plus two", "four")
    assert head == "<|user|>\nwhat is two plus two\n<|assistant|>\n"
    assert tail == "four<|endoftext|>\n"
    ids, labels, n_prompt = encode_pair(tok, "what is two plus two", "four", None, 64)
    assert labels[:n_prompt] == [IGNORE] * n_prompt
    assert labels[n_prompt:] == ids[n_prompt:]
    assert tok.decode(ids[n_prompt:]) == tail


def test_encode_pair_without_template_and_pretraining_rows() -> None:
    tok = train_tokenizer(["some text here", "an answer"] * 5, 300)
    tok.chat_template = None
    assert render_pair(tok, "q", "a") == ("q\n", "a<|endoftext|>")
    ids, labels, n_prompt = encode_pair(tok, None, None, "some text here", 64)
    assert n_prompt == 0 and labels == ids  # a document: every token is learned
    ids, labels, n_prompt = encode_pair(tok, "some text here " * 20, "an answer", None, 16)
    assert len(ids) == 16 and labels[-1] != IGNORE  # the prompt is cut, the answer kept


def test_pad_collator() -> None:
    batch = PadCollator(0)(
        [{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [5], "labels": [5]}]
    )
    assert batch["input_ids"].tolist() == [[5, 6, 7], [5, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [5, -100, -100]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_train_writes_checkpoint_manifest_and_training_runs(corpus: dict) -> None:
    m = json.loads((corpus["model"] / MANIFEST).read_text())
    con = duckdb.connect(str(corpus["db"]), read_only=True)
    run_id, sha = con.execute("SELECT run_id, recipe_sha256 FROM runs").fetchone()
    con.close()
    assert m["mixture"] == "sft" and m["curate_run_id"] == run_id and m["recipe_sha256"] == sha
    assert m["train_rows"] == 16 and m["validation_rows"] == 4  # filler + planted / held out
    assert m["steps"] == 3 and m["device"] == "cpu" and m["seed"] == 0
    assert m["train_tokens"] > m["train_completion_tokens"] > 0
    assert m["train_loss"] > 0 and m["eval_loss"] > 0
    assert (corpus["model"] / "tokenizer.json").exists()
    runs = store.read(corpus["db"].with_name("evals.duckdb"), "training_runs")
    assert runs.filter(pl.col("train_run_id") == m["train_run_id"])["curate_run_id"].to_list() == [
        run_id
    ]
    assert corpus["db"].with_name("training_runs.parquet").exists()


def test_parquet_mixture_is_traced_to_its_run(corpus: dict) -> None:
    mix = load_mixture(str(corpus["work"] / "parquet" / "mixture_sft.parquet"), corpus["db"])
    from_db = load_mixture("sft", corpus["db"])
    assert mix.run_id == from_db.run_id and mix.recipe_sha256 == from_db.recipe_sha256
    assert (
        mix.split("train")["completion"].to_list() == from_db.split("train")["completion"].to_list()
    )


def test_hf_folder_mixture_is_read_and_traced(corpus: dict, tmp_path: Path) -> None:
    from curate.io.store import write_hf

    frame = pl.read_parquet(corpus["work"] / "parquet" / "mixture_sft.parquet")
    (folder,) = write_hf({"sft": frame}, tmp_path / "hf")
    mix = load_mixture(str(folder), corpus["db"])
    assert mix.name == "sft" and mix.run_id == load_mixture("sft", corpus["db"]).run_id
    assert mix.split("train").height == 16 and mix.split("validation").height == 4


def test_training_is_deterministic(corpus: dict, tmp_path: Path) -> None:
    cfg = TrainConfig(
        "sft",
        "tiny-llama",
        tmp_path / "a",
        db=corpus["db"],
        evals_db=tmp_path / "e.duckdb",
        max_steps=2,
        **SMALL,
    )
    a = train(cfg).manifest
    b = train(TrainConfig(**{**cfg.__dict__, "out": tmp_path / "b"})).manifest
    assert a["train_loss"] == b["train_loss"] and a["eval_loss"] == b["eval_loss"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "nosuch"], "mixture 'nosuch' not found"),
        (["train", "empty"], "has no train rows"),
        (["train", "sft", "--model", "{nomodel}"], "has no tokenizer"),
        (["train", "{missing}.parquet"], "mixture file not found"),
    ],
)
def test_train_errors_exit_2_and_write_nothing(
    corpus: dict, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    db = tmp_path / "c.duckdb"
    with duckdb.connect(str(corpus["db"]), read_only=True) as src:
        rows = src.sql("SELECT * FROM mixtures").to_arrow_table()
    with duckdb.connect(str(db)) as con:
        con.register("r", rows)
        con.execute("CREATE TABLE mixtures AS SELECT * FROM r")
        con.execute(
            "INSERT INTO mixtures SELECT * REPLACE ('empty' AS mixture, 'validation' AS split) FROM r LIMIT 2"
        )
    (tmp_path / "nomodel").mkdir()
    (tmp_path / "nomodel" / "config.json").write_text("{}")
    args = [a.format(nomodel=tmp_path / "nomodel", missing=tmp_path / "missing") for a in args]
    before = sorted(p.name for p in tmp_path.iterdir())
    code = cli(*args, "--db", str(db), "--out", str(tmp_path / "out"), "--max-steps", "1")
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no checkpoint, no evals.duckdb


def test_eval_errors_exit_2_and_write_nothing(corpus: dict, tmp_path: Path, capsys) -> None:
    evals = tmp_path / "evals.duckdb"
    (tmp_path / "nomodel").mkdir()
    for model, bench, message in [
        (str(corpus["model"]), "humaneval", "no contamination verdicts for benchmark 'humaneval'"),
        (str(tmp_path / "nomodel"), corpus["bench"], "has no tokenizer"),
        (str(corpus["model"]), str(tmp_path / "x.jsonl") + ":q", "benchmark file not found"),
    ]:
        code = cli(
            "eval", model, "--benchmark", bench, "--db", str(corpus["db"]), "--evals-db", str(evals)
        )
        assert code == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert not evals.exists()


def test_eval_cli_reports_and_appends(corpus: dict, tmp_path: Path, capsys) -> None:
    evals, items = tmp_path / "evals.duckdb", tmp_path / "items.parquet"
    code = cli(
        "eval", str(corpus["model"]), "--benchmark", corpus["bench"], "--db", str(corpus["db"]),
        "--evals-db", str(evals), "--bootstrap", "200", "--items-out", str(items),
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "score by contamination verdict" in out and "answer_nll" in out
    res = store.read(evals, "eval_results")
    assert set(res["metric"]) == {"answer_nll", "answer_logprob", "exact_match"}
    row = res.filter(pl.col("metric") == "answer_nll").row(0, named=True)
    assert (row["n_full"], row["n_clean"], row["n_dirty"]) == (8, 4, 4)
    assert row["preset"] == "gpt3" and row["benchmark"] == "bench"
    assert row["train_run_id"] == corpus["trained"].manifest["train_run_id"]
    assert row["delta_low"] <= row["delta"] <= row["delta_high"]
    per_item = pl.read_parquet(items)
    assert per_item.height == 8 and per_item["dirty_gpt3"].sum() == 4
    assert (tmp_path / "eval_results.parquet").exists()
    cli(
        "eval",
        str(corpus["model"]),
        "-b",
        corpus["bench"],
        "--db",
        str(corpus["db"]),
        "--evals-db",
        str(evals),
        "--bootstrap",
        "100",
    )
    assert store.read(evals, "eval_results")["eval_id"].n_unique() == 2  # appended, not replaced


def test_bootstrap_delta_and_split() -> None:
    assert bootstrap_delta(np.zeros(4), np.ones(4)) == (1.0, 1.0)
    scores = pl.DataFrame(
        {"item_id": list("abcdef"), "exact_match": [0.0, 0.0, 1.0, 1.0, 1.0, 1.0]}
    )
    verdicts = pl.DataFrame(
        {
            "item_id": list("abcdef"),
            "preset": ["gpt3"] * 6,
            "dirty": [False, False, False, True, True, True],
        }
    )
    row = split_scores(scores, verdicts, reps=500).row(0, named=True)
    assert (row["n_full"], row["n_clean"], row["n_dirty"]) == (6, 3, 3)
    assert row["score_clean"] == pytest.approx(1 / 3) and row["score_dirty"] == 1.0
    assert row["score_full"] == pytest.approx(4 / 6)
    assert row["delta"] == pytest.approx(2 / 3) and row["delta_high"] == pytest.approx(1.0)
    assert row["clean_vs_full"] == pytest.approx((1 / 3 - 4 / 6) / (4 / 6))


def test_reviewer_verdicts_override_the_audit(corpus: dict, tmp_path: Path) -> None:
    from curate.io.reviews import record_verdict

    base = load_verdicts(corpus["db"], "bench")
    dirty = base.items.filter(pl.col("dirty"))["item_id"].to_list()
    assert len(dirty) == 4 and base.run_id and base.run_id.startswith("audit-")
    with duckdb.connect(str(corpus["db"]), read_only=True) as con:
        rec = con.execute("SELECT id FROM contamination WHERE item_id = ?", [dirty[0]]).fetchone()[
            0
        ]
    reviews = tmp_path / "reviews.duckdb"
    record_verdict(
        reviews,
        "contamination",
        rec,
        "false_positive",
        reviewer="t",
        benchmark="bench",
        item_id=dirty[0],
    )
    after = load_verdicts(corpus["db"], "bench", reviews)
    assert after.items.filter(pl.col("dirty"))["item_id"].to_list() == dirty[1:]


def test_sandbox_pass_fail_timeout() -> None:
    p = humaneval_problems()["HumanEval/0"]
    assert run_humaneval(p, p["canonical_solution"]).passed
    wrong = run_humaneval(p, "    return True\n")
    assert not wrong.passed and not wrong.timed_out and "AssertionError" in wrong.stderr
    loop = run_humaneval(p, "    while True:\n        pass\n", timeout=1.0)
    assert not loop.passed and loop.timed_out
    guarded = run_humaneval(p, "    import os\n    os.system('true')\n    return True\n")
    assert not guarded.passed and "NoneType" in guarded.stderr  # reliability_guard disabled it


def test_humaneval_completion_helpers() -> None:
    assert truncate_completion("    return 1\ndef g():\n    pass") == "    return 1"
    assert normalise_answer(" The  Answer.\n") == "the answer"


def test_humaneval_pass_at_1_runs_in_the_sandbox(corpus: dict, tmp_path: Path) -> None:
    items = load_benchmark("humaneval", limit=2)
    hit = pl.DataFrame({"id": ["r0"], "text": ["noise " + items["text"][0] + " more noise"]})
    db = tmp_path / "c.duckdb"
    write_db(scan([items], shards_of(hit), get_preset("gpt3")), db, "audit-x")
    res = run_eval(
        str(corpus["model"]), "humaneval", db, limit=2, reps=100,
        opts=EvalOptions(gen_tokens=4, timeout=2.0, max_len=48),
    )  # fmt: skip
    assert set(res.items["pass@1"].to_list()) == {0.0}  # a 3-step model writes no working code
    row = res.results.filter(pl.col("metric") == "pass@1").row(0, named=True)
    assert (row["n_clean"], row["n_dirty"]) == (1, 1)


def test_lora_merges_into_a_plain_checkpoint(corpus: dict, tmp_path: Path) -> None:
    cfg = TrainConfig(
        "sft",
        "tiny",
        tmp_path / "m",
        db=corpus["db"],
        evals_db=tmp_path / "e.duckdb",
        max_steps=1,
        lora=True,
        lora_r=2,
        **SMALL,
    )
    m = train(cfg).manifest
    assert m["lora"] == {"r": 2, "alpha": 4, "merged": True}
    from transformers import AutoModelForCausalLM

    assert not any(
        "lora" in k for k in AutoModelForCausalLM.from_pretrained(tmp_path / "m").state_dict()
    )


def test_lora_without_peft_says_how_to_install(corpus: dict, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "peft", None)
    cfg = TrainConfig("sft", "tiny", tmp_path / "m", db=corpus["db"], lora=True, **SMALL)
    with pytest.raises(MissingDependencyError, match=r"cleanroom\[train\]"):
        train(cfg)
    assert not (tmp_path / "m").exists()


def test_bad_options_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--max-steps"):
        TrainConfig("sft", "tiny", tmp_path, max_steps=0)
    with pytest.raises(ConfigError, match="--lr"):
        TrainConfig("sft", "tiny", tmp_path, lr=0)


def test_harness_missing_says_how_to_install(corpus: dict, capsys, monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "lm_eval" else real(n, *a)
    )
    code = cli(
        "eval", str(corpus["model"]), "-b", corpus["bench"], "--db", str(corpus["db"]), "--harness"
    )
    assert code == 1 and "pip install lm-eval" in capsys.readouterr().err


def test_planted_contamination_gap_appears_and_vanishes_issue14(tmp_path: Path) -> None:
    """Memorised planted items score far better than clean ones; decontamination removes the gap."""
    items = synthetic_items(12 + 12 + 4, seed=0)
    cfg = TrainConfig(
        "", "tiny", tmp_path, max_steps=60, lr=1e-2, **{**SMALL, "tiny_dim": 64, "tiny_vocab": 512}
    )
    exp = run_experiment(
        tmp_path / "exp", items[:12], to_alpaca(items[12:24]), to_alpaca(items[24:]), 6, cfg,
        eval_opts=EvalOptions(em_max_tokens=0), reps=500,
    )  # fmt: skip
    nll = exp.table().filter(pl.col("metric") == "answer_nll")
    dirty_run = nll.filter(pl.col("phase") == "contaminated").row(0, named=True)
    clean_run = nll.filter(pl.col("phase") == "decontaminated").row(0, named=True)
    assert (dirty_run["n_clean"], dirty_run["n_dirty"]) == (6, 6)
    assert dirty_run["significant"] and dirty_run["delta_high"] < -1.0  # nats per answer token
    assert exp.contaminated.kept_planted == 6 and exp.decontaminated.kept_planted == 0
    assert (clean_run["n_clean"], clean_run["n_dirty"]) == (6, 6)  # same verdicts, items now unseen
    assert not clean_run["significant"]
    assert abs(clean_run["delta"]) < abs(dirty_run["delta"]) / 4

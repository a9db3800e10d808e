"""Templated mixtures (issue 7): templates, NI ingest, mixing, splits, export, `cleanroom mix`."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from curate.cli.main import app
from curate.core.errors import ConfigError
from curate.io.ingest import read_input
from curate.io.store import read_table
from curate.lib.mixing.build import chatml, multiple_choice, split_turns
from curate.lib.mixing.templates import (
    CompiledTemplate,
    Template,
    final_answer,
    load_templates,
    parse_template_file,
)
from curate.run.export import export_run
from curate.run.pipeline import run_curate
from curate.run.recipe import load_recipe
from tests.conftest import write_jsonl
from tests.mix_corpus import DEFAULT_MIX, make_corpus, make_recipe, words


def build(tmp_path: Path, mixtures: str = DEFAULT_MIX, **kw):
    return run_curate(load_recipe(make_recipe(tmp_path, mixtures, **kw)))


def manifest_detail(result, name: str = "sft") -> dict:
    m = result.side_tables["mixture_manifest"].filter(pl.col("mixture") == name)
    return json.loads(m["detail"][0])


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


def test_builtin_families_have_several_templates_issue7() -> None:
    fams = load_templates().families()
    for family in ("instruction", "natural_instructions", "qa", "multiple_choice"):
        assert len(fams[family]) >= 3, family
    assert fams["pretraining"] == ["pretrain_text_v1"]
    ts = load_templates().by_id
    assert any(ts[t].inverted for t in fams["instruction"]) and any(
        ts[t].inverted for t in fams["qa"]
    )
    assert any(ts[t].shots > 0 for t in fams["qa"]) and any(
        ts[t].needs_options for t in fams["natural_instructions"]
    )


def test_template_sandbox_and_strict_undefined() -> None:
    evil = CompiledTemplate(
        Template(
            id="evil_v1",
            family="x",
            prompt="{{ ''.__class__.__mro__[1].__subclasses__() }}",
            completion="x",
        )
    )
    with pytest.raises(Exception, match="unsafe|access"):
        evil.render({})
    strict = CompiledTemplate(
        Template(
            id="s_v1", family="x", prompt="{{ fields.question }}", completion="{{ fields.answer }}"
        )
    )
    with pytest.raises(Exception, match="question"):
        strict.render({"fields": {"answer": "4"}})
    assert strict.render({"fields": {"question": "2+2?", "answer": "4"}}).prompt == "2+2?"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "family: x\ntemplates:\n  - {id: a_v1, prompt: '{{ x ', completion: y}\n",
            "invalid Jinja2",
        ),
        (
            "family: x\ntemplates:\n  - {id: a_v1, prompt: p, completion: y, shot: 2}\n",
            "did you mean 'shots'",
        ),
        ("family: x\ntemplates:\n  - {id: a, prompt: p, completion: y}\n", "must end in a version"),
        ("templates: []\n", "'family'"),
    ],
)
def test_template_file_errors(tmp_path: Path, body: str, message: str) -> None:
    p = tmp_path / "t.yaml"
    p.write_text(body)
    with pytest.raises(ConfigError, match=message):
        parse_template_file(p)


def test_helpers_worked_examples() -> None:
    assert final_answer("3 + 4 = <<3+4=7>>7\n#### 7") == "7"
    assert split_turns(
        [{"role": "user", "content": "Add 2+2"}, {"role": "assistant", "content": "4"}], ""
    ) == ("Add 2+2", "4")
    assert split_turns(None, "doc") == ("", "doc")
    assert multiple_choice({"choices": ["red", "blue"], "answer": "B"})["answer_text"] == "blue"
    assert multiple_choice({"choices": ["red", "blue"], "answer": 0})["answer_letter"] == "A"
    assert multiple_choice({"choices": ["red", "blue"], "answer": "blue"})["answer_index"] == 1
    assert multiple_choice({"choices": ["red", "blue"], "answer": "Z"}) is None
    assert chatml(
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    ) == ("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n")


def test_user_template_file_and_field_mapping(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "family: trivia\ntemplates:\n"
        "  - {id: trivia_q_v1, prompt: 'Quiz: {{ fields.q }}', completion: '{{ fields.a }}'}\n"
        "  - {id: trivia_rev_v1, inverted: true, prompt: 'Ask for: {{ fields.a }}', completion: '{{ fields.q }}'}\n"
    )
    mixtures = """mixtures:
  - name: sft
    template_files: [mine.yaml]
    sources:
      - {source: qa, templates: [trivia, qa_short_v1], fields: {q: question, a: answer}}
"""
    res = build(tmp_path, mixtures)
    f = res.mixtures["sft"]
    assert set(f["template_id"]) == {"trivia_q_v1", "trivia_rev_v1", "qa_short_v1"}
    row = f.filter(pl.col("template_id") == "trivia_q_v1").row(0, named=True)
    assert row["prompt"].startswith("Quiz: ") and "####" in row["completion"]


# --------------------------------------------------------------------------------------------
# Natural-Instructions ingest and templates
# --------------------------------------------------------------------------------------------


def test_natural_instructions_layout_issue7(tmp_path: Path) -> None:
    paths = make_corpus(tmp_path)
    got = read_input(str(paths["ni"]), source="ni")
    assert (
        got.layout == "natural_instructions"
        and got.records.height == 50
        and got.quarantine.height == 0
    )
    task = got.tasks.row(0, named=True)
    assert task["definition"].startswith("Decide whether") and json.loads(task["options"]) == [
        "maybe",
        "no",
        "yes",
    ]
    assert len(json.loads(task["positive_examples"])) == 3
    meta = json.loads(got.records["meta"][0])
    assert set(meta["fields"]) == {
        "id",
        "input",
        "output",
    }  # the Definition is not copied into every record
    assert got.records["messages"][0][1]["content"] == meta["fields"]["output"][0]


def test_natural_instructions_bad_instances_quarantined(tmp_path: Path) -> None:
    p = tmp_path / "task1_x.json"
    p.write_text(
        json.dumps(
            {
                "Definition": ["d"],
                "Positive Examples": [],
                "Instances": [
                    {"id": "a", "input": "x", "output": ["y"]},
                    {"id": "b", "input": 3, "output": ["y"]},
                    {"id": "c", "input": "z", "output": []},
                ],
            }
        )
    )
    got = read_input(str(p), source="t")
    assert got.records.height == 1 and got.quarantine.height == 2
    assert "input" in got.quarantine["error"][0] and "output" in got.quarantine["error"][1]


def test_ni_templates_render_definition_examples_and_options(tmp_path: Path) -> None:
    mixtures = "mixtures:\n  - name: sft\n    sources:\n      - {source: ni, templates: [natural_instructions]}\n"
    res = build(tmp_path, mixtures)
    f = res.mixtures["sft"]
    assert set(f["template_id"]) == {
        "ni_definition_v1",
        "ni_definition_pos2_v1",
        "ni_options_v1",
        "ni_fewshot_v1",
    }
    for row in f.iter_rows(named=True):
        assert row["prompt"].count("Decide whether the statement is true") == 1
        instance = (
            row["prompt"].rsplit("Input: ", 1)[-1] if "Input: " in row["prompt"] else row["prompt"]
        )
        assert row["completion"] in ("yes", "no", "maybe"), row
        if row["template_id"] == "ni_options_v1":
            assert "OPTIONS:\n- maybe\n- no\n- yes" in row["prompt"]
        if row["template_id"] == "ni_definition_pos2_v1":
            assert (
                "Positive Example 2 -" in row["prompt"]
                and "Positive Example 3" not in row["prompt"]
            )
        assert instance


def test_fewshot_exemplars_never_the_example_itself(tmp_path: Path) -> None:
    mixtures = "mixtures:\n  - name: sft\n    sources:\n      - {source: qa, templates: [qa_fewshot_v1]}\n      - {source: alpaca, templates: [instruction_fewshot_v1]}\n    validation: {fraction: 0.25}\n"
    res = build(tmp_path, mixtures)
    f = res.mixtures["sft"]
    recs = res.frame.filter(pl.col("source").is_in(["qa", "alpaca"])).select(
        "id", "source", "messages"
    )
    question = {r["id"]: r["messages"][0]["content"] for r in recs.iter_rows(named=True)}
    val_ids = set(f.filter(pl.col("split") == "validation")["id"])
    assert f.height == 100 and set(f["template_id"]) == {"qa_fewshot_v1", "instruction_fewshot_v1"}
    for row in f.iter_rows(named=True):
        own = question[row["id"]]
        shots = row["prompt"].rsplit("Q: " if row["source"] == "qa" else "Task: ", 1)[0]
        assert own not in shots  # never the example itself
        others = [q for i, q in question.items() if q in shots and i != row["id"]]
        assert len(others) == (3 if row["source"] == "qa" else 2)
        # exemplars come from the train split only: no validation row leaks into train prompts
        assert not any(i in val_ids for i, q in question.items() if q in shots)


# --------------------------------------------------------------------------------------------
# Mixing: proportions, caps, temperature, totals
# --------------------------------------------------------------------------------------------


def test_examples_proportional_cap_and_total_issue7(tmp_path: Path) -> None:
    mixtures = """mixtures:
  - name: sft
    sources: [alpaca, qa, mc, ni]
    templates: [plain_v1]
    cap: {count: 30}
    total: {examples: 80}
"""
    res = build(tmp_path, mixtures)
    f = res.mixtures["sft"]
    counts = dict(f.group_by("source").len().iter_rows())
    # rates ∝ min(n, 30): alpaca 30, qa 30, mc 20, ni 30 -> 110; 80 examples split by largest remainder
    expected = {
        "alpaca": 80 * 30 / 110,
        "qa": 80 * 30 / 110,
        "mc": 80 * 20 / 110,
        "ni": 80 * 30 / 110,
    }
    assert sum(counts.values()) == 80
    for s, q in expected.items():
        assert abs(counts[s] - q) < 1, (s, counts[s], q)
        assert counts[s] <= 30
    assert f["id"].n_unique() == 80  # max_repeats 1: no row twice


def test_cap_without_total_takes_min_n_k(tmp_path: Path) -> None:
    res = build(
        tmp_path, "mixtures:\n  - name: sft\n    sources: [alpaca, mc]\n    cap: {count: 25}\n"
    )
    assert dict(res.mixtures["sft"].group_by("source").len().iter_rows()) == {
        "alpaca": 25,
        "mc": 20,
    }


def test_temperature_upsamples_small_sources_with_repeats(tmp_path: Path) -> None:
    mixtures = """mixtures:
  - name: sft
    sources: [alpaca, mc]
    rate: temperature
    temperature: 1000
    max_repeats: 3
    total: {examples: 80}
"""
    res = build(tmp_path, mixtures)
    f = res.mixtures["sft"]
    counts = dict(f.group_by("source").len().iter_rows())
    assert counts == {"alpaca": 40, "mc": 40}  # T -> inf: uniform; mc (20 rows) repeated twice
    mc = f.filter(pl.col("source") == "mc")
    assert mc["id"].n_unique() == 20 and set(mc["epoch"]) == {0, 1}
    assert manifest_detail(res)["repeated_rows"] == 20


def test_explicit_counts_fractions_and_weights(tmp_path: Path) -> None:
    mixtures = """mixtures:
  - name: sft
    rate: weights
    total: {examples: 70}
    sources:
      - {source: mc, count: 10}
      - {source: ni, fraction: 0.5}
      - {source: alpaca, weight: 3}
      - {source: qa, weight: 1}
"""
    res = build(tmp_path, mixtures)
    counts = dict(res.mixtures["sft"].group_by("source").len().iter_rows())
    assert counts["mc"] == 10 and counts["ni"] == 25  # fraction of the source's 50 rows
    assert (
        counts["alpaca"] + counts["qa"] == 35 and counts["alpaca"] == 26 and counts["qa"] == 9
    )  # 3:1 of 35


def test_token_total_within_one_row(tmp_path: Path) -> None:
    mixtures = """mixtures:
  - name: sft
    sources: [alpaca, qa]
    rate: weights
    total: {tokens: 2000}
"""
    res = build(tmp_path, mixtures)
    f = res.mixtures["sft"]
    by = dict(f.group_by("source").agg(pl.col("n_tokens").sum()).iter_rows())
    biggest = f.group_by("source").agg(pl.col("n_tokens").max())
    for s in ("alpaca", "qa"):
        cap = dict(biggest.iter_rows())[s]
        assert 1000 <= by[s] < 1000 + cap, (s, by[s])
    assert set(f["n_tokens_method"]) == {"estimate:ceil(chars/4)"}


def test_unreachable_total_at_build_is_config_error(tmp_path: Path) -> None:
    mixtures = "mixtures:\n  - name: sft\n    sources: [mc, qa]\n    total: {examples: 500}\n"
    with pytest.raises(ConfigError, match="unreachable"):
        build(tmp_path, mixtures)


def test_template_that_cannot_render_a_source_names_the_field(tmp_path: Path) -> None:
    mixtures = "mixtures:\n  - name: sft\n    sources:\n      - {source: alpaca, templates: [qa_plain_v1]}\n"
    with pytest.raises(ConfigError, match="qa_plain_v1.*question"):
        build(tmp_path, mixtures)


def test_pretraining_and_passthrough(tmp_path: Path) -> None:
    mixtures = "mixtures:\n  - name: pt\n    sources:\n      - {source: docs, templates: [pretraining]}\n      - {source: alpaca, templates: [plain_v1]}\n    render: chatml\n"
    f = build(tmp_path, mixtures).mixtures["pt"]
    docs = f.filter(pl.col("source") == "docs")
    assert (
        docs["messages"].null_count() == docs.height and (docs["text"] == docs["completion"]).all()
    )
    chat = f.filter(pl.col("source") == "alpaca").row(0, named=True)
    assert chat["text"].startswith("<|im_start|>user\n") and chat["text"].endswith(
        chat["completion"] + "<|im_end|>\n"
    )


# --------------------------------------------------------------------------------------------
# Splits without leakage
# --------------------------------------------------------------------------------------------


def _grams(t: str, k: int = 5) -> set[str]:
    t = " ".join(t.lower().split())
    return {t[i : i + k] for i in range(max(1, len(t) - k + 1))}


def _jaccard(a: str, b: str) -> float:
    x, y = _grams(a), _grams(b)
    return len(x & y) / len(x | y)


def test_no_validation_row_has_near_duplicate_in_train_issue7(tmp_path: Path) -> None:
    """Planted near-duplicates (a word or two changed: survive exact dedup) never straddle the split."""
    rng = random.Random(7)
    rows, planted = [], 0
    for i in range(120):
        base = {"instruction": f"Describe {words(rng, 12)}", "input": "", "output": words(rng, 25)}
        rows.append(base)
        if i % 3 == 0:  # plant 1-2 near copies
            for _ in range(rng.randint(1, 2)):
                out = base["output"].split()
                out[rng.randrange(len(out))] = words(rng, 1)
                rows.append({**base, "output": " ".join(out)})
                planted += 1
    rng.shuffle(rows)
    data = write_jsonl(tmp_path / "near.jsonl", rows)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"version: 1\ninputs:\n  - {{name: s, path: {data}}}\nsteps:\n  - step: exact_dedup_v1\n"
        "mixtures:\n  - name: m\n    validation: {fraction: 0.3}\n"
    )
    res = run_curate(load_recipe(recipe))
    f = res.mixtures["m"]
    assert res.kept == len(rows)  # exact dedup kept every planted copy: only the split guards them
    train = f.filter(pl.col("split") == "train")["completion"].to_list()
    val = f.filter(pl.col("split") == "validation")["completion"].to_list()
    assert 0.2 < len(val) / f.height < 0.45
    leaks = [(v, t) for v in val for t in train if _jaccard(v, t) >= 0.5]  # brute-force reference
    assert not leaks
    # and the planted copies really are near-duplicates (the test can fail)
    assert (
        planted > 30
        and manifest_detail(res, "m")["split"]["records_in_multi_row_groups"] >= planted
    )


def test_split_without_near_dup_pass_would_leak(tmp_path: Path) -> None:
    """The same corpus with the near-dup pass off does leak: the guard is what keeps it clean."""
    rng = random.Random(7)
    rows = []
    for _ in range(60):
        base = {"instruction": f"Describe {words(rng, 12)}", "input": "", "output": words(rng, 25)}
        rows += [base, {**base, "instruction": base["instruction"] + " please"}]
    data = write_jsonl(tmp_path / "near.jsonl", rows)
    for threshold, leak_expected in (("null", True), ("0.5", False)):
        recipe = tmp_path / "r.yaml"
        recipe.write_text(
            f"version: 1\ninputs:\n  - {{name: s, path: {data}}}\n"
            f"mixtures:\n  - name: m\n    validation: {{fraction: 0.3}}\n    near_dup_threshold: {threshold}\n"
        )
        f = run_curate(load_recipe(recipe)).mixtures["m"]
        train = set(f.filter(pl.col("split") == "train")["completion"])
        val = set(f.filter(pl.col("split") == "validation")["completion"])
        assert bool(train & val) == leak_expected


def test_duplicate_clusters_from_dedup_are_kept_together(tmp_path: Path) -> None:
    from curate.lib.mixing.splits import assign_splits, duplicate_groups

    clusters = pl.DataFrame({"cluster_id": ["c1", "c1", "c1"], "id": ["a", "b", "zz-dropped"]})
    groups = duplicate_groups(
        ["a", "b", "c"], ["x one", "y two", "z three"], ["p", "q", "r"], clusters, None
    )
    assert groups == ["a", "a", "c"]
    for seed in range(20):
        s = assign_splits(["s", "s", "s"], groups, seed=seed, count=1)
        assert s[0] == s[1]


def test_holdout_sources_go_wholly_to_validation(tmp_path: Path) -> None:
    mixtures = "mixtures:\n  - name: sft\n    sources: [alpaca, ni]\n    holdout_sources: [ni]\n"
    f = build(tmp_path, mixtures).mixtures["sft"]
    assert set(f.filter(pl.col("source") == "ni")["split"]) == {"validation"}
    assert set(f.filter(pl.col("source") == "alpaca")["split"]) == {"train"}


# --------------------------------------------------------------------------------------------
# Reproducibility
# --------------------------------------------------------------------------------------------


def _parquet_sha(tmp: Path, recipe: Path) -> str:
    from curate.lib.mixing.build import parquet_bytes

    res = run_curate(load_recipe(recipe))
    return hashlib.sha256(parquet_bytes(res.mixtures["sft"])).hexdigest()


def test_same_recipe_twice_byte_identical_parquet_issue7(tmp_path: Path) -> None:
    mixtures = (
        DEFAULT_MIX + "    total: {examples: 90}\n    rate: temperature\n    temperature: 2\n"
    )
    recipe = make_recipe(tmp_path, mixtures)
    out = []
    for _ in range(2):
        res = run_curate(load_recipe(recipe))
        export_run(res, tmp_path / "out" / "c.duckdb", tmp_path / "out" / "parquet")
        out.append(
            hashlib.sha256(
                (tmp_path / "out" / "parquet" / "mixture_sft.parquet").read_bytes()
            ).hexdigest()
        )
        assert out[-1] == res.side_tables["mixture_manifest"]["parquet_sha256"][0]
    assert out[0] == out[1]
    # a different seed gives a different mixture
    other = make_recipe(
        tmp_path, mixtures.replace("name: sft", "name: sft\n    seed: 99"), name="r2.yaml"
    )
    assert _parquet_sha(tmp_path, other) != out[0]


def test_input_order_does_not_change_the_mixture(tmp_path: Path) -> None:
    paths = make_corpus(tmp_path)
    a = _parquet_sha(tmp_path, make_recipe(tmp_path, paths=paths, name="a.yaml"))
    rows = [json.loads(x) for x in paths["alpaca"].read_text().splitlines()]
    random.Random(3).shuffle(rows)
    write_jsonl(paths["alpaca"], rows)
    b = _parquet_sha(tmp_path, make_recipe(tmp_path, paths=paths, name="b.yaml"))
    assert a == b


# --------------------------------------------------------------------------------------------
# Validation before data moves
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mixtures", "message"),
    [
        (
            "mixtures:\n  - name: m\n    sources: [alpacca]\n",
            "unknown source 'alpacca'; did you mean 'alpaca'",
        ),
        (
            "mixtures:\n  - name: m\n    sources:\n      - {source: qa, templates: [qa_plian_v1]}\n",
            "did you mean 'qa_plain_v1'",
        ),
        (
            "mixtures:\n  - name: m\n    sources: {alpaca: 0.5}\n",
            "bare number.*could mean a count or a fraction",
        ),
        ("mixtures:\n  - name: m\n    cap: 1000\n", "cap: a bare number"),
        ("mixtures:\n  - name: m\n    total: 1000\n", "total: a bare number"),
        ("mixtures:\n  - name: m\n    validation: 0.1\n", "validation: a bare number"),
        (
            "mixtures:\n  - name: m\n    rate: weights\n    total: {examples: 9}\n    sources:\n      - {source: qa, weight: 0}\n",
            "weight must be positive",
        ),
        (
            "mixtures:\n  - name: m\n    sources:\n      - {source: qa, weight: 2}\n",
            "needs `rate: weights`",
        ),
        (
            "mixtures:\n  - name: m\n    sources:\n      - {source: qa, count: 5, fraction: 0.5}\n",
            "at most one of",
        ),
        (
            "mixtures:\n  - name: m\n    sources:\n      - {source: qa, fraction: 1.5}\n",
            r"in \(0, 1\]",
        ),
        (
            "mixtures:\n  - name: m\n    rate: temperature\n    total: {examples: 9}\n",
            "needs `temperature: T`",
        ),
        ("mixtures:\n  - name: m\n    rate: temperature\n    temperature: 2\n", "needs a `total`"),
        (
            "mixtures:\n  - name: m\n    cap: {count: 10}\n    total: {examples: 1000}\n",
            "unreachable: every source is capped",
        ),
        (
            "mixtures:\n  - name: m\n    sources:\n      - {source: qa, count: 50, cap: {count: 10}}\n",
            "above its cap",
        ),
        (
            "mixtures:\n  - name: m\n    validation: {count: 3, fraction: 0.1}\n",
            "exactly one of count, fraction",
        ),
        ("mixtures:\n  - name: m\n    holdout_sources: [nope]\n", "holdout source 'nope'"),
        ("mixtures:\n  - name: m\n    render: tokenizer\n", "needs `tokenizer:`"),
        ("mixtures:\n  - name: m\n    tokenizer: ./no/such/tokenizer\n", "not a local folder"),
        ("mixtures:\n  - name: bad-name\n", "letters, digits"),
    ],
)
def test_mixture_config_errors_before_data(tmp_path: Path, mixtures: str, message: str) -> None:
    paths = make_corpus(tmp_path)
    recipe = make_recipe(tmp_path, mixtures, paths=paths)
    paths["alpaca"].write_text("this file is now broken: validation must fail before reading it\n")
    with pytest.raises(ConfigError, match=message):
        load_recipe(recipe)


def test_cli_exit_code_2_for_bad_mixture(tmp_path: Path) -> None:
    recipe = make_recipe(tmp_path, "mixtures:\n  - name: m\n    sources: {alpaca: 1000}\n")
    res = CliRunner().invoke(app, ["curate", str(recipe)])
    assert res.exit_code != 0 and "bare number" in str(res.exception or res.output)


# --------------------------------------------------------------------------------------------
# Export and `cleanroom mix`
# --------------------------------------------------------------------------------------------


def test_export_tables_views_parquet_hf_issue7(tmp_path: Path) -> None:
    import datasets

    recipe = make_recipe(tmp_path)
    res = run_curate(load_recipe(recipe))
    db = tmp_path / "out" / "c.duckdb"
    export_run(res, db, tmp_path / "out" / "parquet", tmp_path / "out" / "hf")
    table = read_table(db, "SELECT * FROM mixture_sft ORDER BY row_id")
    for col in (
        "run_id",
        "mixture",
        "row_id",
        "id",
        "source",
        "template_id",
        "split",
        "messages",
        "prompt",
        "completion",
        "n_tokens",
        "text",
        "n_tokens_method",
    ):
        assert col in table.columns
    assert table["row_id"].to_list() == list(range(table.height))
    assert table.drop("run_id").equals(
        pl.read_parquet(tmp_path / "out" / "parquet" / "mixture_sft.parquet")
    )
    man = read_table(db, "SELECT * FROM mixture_manifest").row(0, named=True)
    assert (
        man["rows"] == table.height
        and man["recipe_sha256"] == res.recipe.sha256()
        and man["tokens"] == table["n_tokens"].sum()
    )
    counts = read_table(db, "SELECT * FROM mixture_counts")
    assert counts["rows"].sum() == table.height and counts["tokens"].sum() == man["tokens"]
    tasks = read_table(db, "SELECT * FROM tasks")
    assert tasks.height == 1 and tasks["source"][0] == "ni"
    hf = datasets.load_from_disk(str(tmp_path / "out" / "hf" / "sft"))
    assert (
        hf["train"].num_rows == man["train_rows"]
        and hf["validation"].num_rows == man["validation_rows"]
    )


def test_cleanroom_mix_rebuilds_from_db_without_recurating(tmp_path: Path) -> None:
    recipe = make_recipe(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["curate", str(recipe)]).exit_code == 0
    db = tmp_path / "out" / "c.duckdb"
    first = read_table(db, "SELECT * FROM mixture_manifest").row(0, named=True)
    # Change only the mixture section; inputs are now unreadable, so curate cannot have re-run.
    paths = {
        k: tmp_path / n
        for k, n in (
            ("alpaca", "alpaca.jsonl"),
            ("qa", "qa.jsonl"),
            ("mc", "mc.jsonl"),
            ("ni", "task999_statements.json"),
            ("docs", "docs.jsonl"),
        )
    }
    new_mix = (
        "mixtures:\n  - name: small\n    sources: [alpaca, ni]\n    cap: {count: 10}\n  - name: sft\n"
        + DEFAULT_MIX.split("name: sft\n", 1)[1]
    )
    recipe2 = make_recipe(tmp_path, new_mix, paths=paths, name="r2.yaml")
    paths["alpaca"].write_text("garbage\n")
    res = runner.invoke(app, ["mix", str(recipe2)])
    assert res.exit_code == 0, res.output
    assert "small" in res.output and "parquet_sha256" in res.output
    man = read_table(db, "SELECT * FROM mixture_manifest ORDER BY mixture")
    assert man["mixture"].to_list() == ["sft", "small"]
    assert (
        man.filter(pl.col("mixture") == "sft")["parquet_sha256"][0] == first["parquet_sha256"]
    )  # same as curate built
    assert read_table(db, "SELECT count(*) AS n FROM mixture_small")["n"][0] == 20
    assert (tmp_path / "out" / "parquet" / "mixture_small.parquet").exists()
    views = read_table(db, "SELECT view_name FROM duckdb_views() WHERE NOT internal")[
        "view_name"
    ].to_list()
    assert sorted(views) == ["mixture_sft", "mixture_small"]


def test_cleanroom_mix_errors(tmp_path: Path) -> None:
    recipe = make_recipe(tmp_path)
    res = CliRunner().invoke(app, ["mix", str(recipe)])  # no DB yet
    assert res.exit_code != 0 and "not found" in str(res.exception)
    (tmp_path / "out").mkdir()
    with duckdb.connect(str(tmp_path / "out" / "c.duckdb")) as con:
        con.execute("CREATE TABLE x(a INT)")
    res = CliRunner().invoke(app, ["mix", str(recipe)])
    assert res.exit_code != 0 and "no run" in str(res.exception)


def test_cli_mix_exit_codes_issue7(tmp_path: Path) -> None:
    """Through the console entry point: a bad mixture exits 2 with one line, no traceback."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    recipe = make_recipe(tmp_path, "mixtures:\n  - name: m\n    cap: 1000\n")
    res = subprocess.run(
        [sys.executable, "-m", "curate.cli", "mix", str(recipe)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2, res.stderr
    assert "cap: a bare number" in res.stderr and "Traceback" not in res.stderr


def test_cleanroom_mix_dry_run_reads_no_data(tmp_path: Path) -> None:
    recipe = make_recipe(tmp_path)  # no DB exists: a dry run must not need one
    res = CliRunner().invoke(app, ["mix", str(recipe), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "qa_inverted_v1" in res.output and "dry run: no data was read" in res.output
    assert not (tmp_path / "out" / "c.duckdb").exists()


def test_group_spanning_sources_follows_the_holdout() -> None:
    """A duplicate group touching a held-out source goes wholly to validation, in every source."""
    from curate.lib.mixing.splits import assign_splits

    sources = ["held", "a", "a", "b"]
    groups = ["g1", "g1", "g2", "g1"]
    assert assign_splits(sources, groups, seed=0, holdout_sources=("held",)) == [
        "validation",
        "validation",
        "train",
        "validation",
    ]

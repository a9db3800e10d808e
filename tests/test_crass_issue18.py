"""CRASS in the benchmark registry (issue 18): field mapping, local files, INSTRUCTEVAL complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit.benchmarks import BENCHMARKS, SUITES, check_benchmark_arg, load_benchmark, suite_table
from curate.core.errors import ConfigError

SAMPLE = Path(__file__).parent / "data" / "crass_sample.csv"


def test_crass_registered_issue18():
    spec = BENCHMARKS["crass"]
    assert spec.hf_id == "tasksource/bigbench"
    assert spec.configs == ("crass_ai",)


def test_crass_reads_original_semicolon_csv_issue18():
    items = load_benchmark(f"crass={SAMPLE}")
    assert items.height == 3
    first = items.row(0, named=True)
    assert first["benchmark"] == "crass"
    assert first["text"].startswith(
        "A girl waters the garden. What would have happened if the girl had watered"
    )
    assert "\nA. The plants would have become sticky." in first["text"]
    assert "\nD." not in first["text"]  # the empty fourth answer is left out
    assert first["answer"] == "The plants would have become sticky."
    assert "\nD. The book would have been boring." in items["text"][1]
    assert items["item_id"].to_list() == [f"crass/train+validation/{i}" for i in range(3)]


def test_crass_reads_bigbench_shape_jsonl_issue18(tmp_path):
    path = tmp_path / "crass_ai.jsonl"
    row = {
        "inputs": "A man opens a window. What would have happened if he had opened a cloud?",
        "targets": ["That is not possible."],
        "multiple_choice_targets": ["That is not possible.", "It would have rained."],
    }
    path.write_text(json.dumps(row) + "\n")
    items = load_benchmark(f"crass={path}")
    assert items["text"].to_list() == [row["inputs"]]
    assert items["answer"].to_list() == ["That is not possible."]


def test_crass_offline_without_file_is_a_config_error_issue18(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError, match="crass=PATH"):
        check_benchmark_arg("crass")


def test_instructeval_suite_complete_issue18():
    assert SUITES["instructeval"] == ("mmlu", "bbh", "drop", "humaneval", "crass")
    row = suite_table().row(0, named=True)
    assert row["status"] == "complete"


def test_audit_list_shows_instructeval_complete_issue18():
    from curate.cli.main import app

    out = CliRunner().invoke(app, ["audit", "list"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "crass" in out.output
    line = next(line for line in out.output.splitlines() if "instructeval" in line)
    assert "mmlu, bbh, drop, humaneval, crass" in line and "complete" in line

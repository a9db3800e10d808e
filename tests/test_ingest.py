"""Ingest: every format and layout maps to the Record schema; bad lines are quarantined."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from curate.core.errors import ConfigError, InputError
from curate.core.schemas import RECORD_SCHEMA
from curate.io.ingest import read_input
from curate.io.layouts import detect_layout, map_row
from tests.conftest import write_jsonl

ALPACA = {"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"}


def test_jsonl_alpaca_maps_messages(tmp_path: Path) -> None:
    got = read_input(str(write_jsonl(tmp_path / "a.jsonl", [ALPACA])), source="a")
    assert got.layout == "alpaca"
    assert got.records.schema == RECORD_SCHEMA
    row = got.records.row(0, named=True)
    assert row["kind"] == "instruction"
    assert row["messages"] == [
        {"role": "user", "content": "Add the numbers.\n\n2 and 3"},
        {"role": "assistant", "content": "5"},
    ]
    assert row["text"] == "Add the numbers.\n\n2 and 3\n\n5"
    meta = json.loads(row["meta"])
    assert meta["line"] == 1 and meta["fields"]["input"] == "2 and 3"


def test_malformed_lines_quarantined_and_rest_processed(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "m.jsonl",
        [
            ALPACA,
            '{"instruction": "x", "output": ',
            "just text",
            "[1, 2]",
            {"instruction": "no output"},
            ALPACA,
        ],
    )
    got = read_input(str(path), source="m", display="m.jsonl")
    assert got.records.height == 2
    q = got.quarantine
    assert q["line"].to_list() == [2, 3, 4, 5]
    assert set(q["source_file"]) == {"m.jsonl"}
    assert "invalid JSON" in q["error"][0]
    assert "expected a JSON object" in q["error"][2]
    assert "missing field 'output'" in q["error"][3]
    assert q["raw"][1] == "just text"


def test_jsonl_gz_and_text_layout(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "A web page.", "url": "http://x"}) + "\n")
    got = read_input(str(path), source="web")
    assert got.layout == "text"
    assert got.records["kind"].to_list() == ["document"]
    assert got.records["messages"].to_list() == [None]


def test_json_list_sharegpt(tmp_path: Path) -> None:
    rows = [
        {
            "id": "1",
            "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}],
        }
    ]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(rows))
    got = read_input(str(path), source="c")
    assert got.layout == "sharegpt"
    assert got.records["messages"][0].to_list() == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
    ]


def test_json_unknown_role_quarantined(tmp_path: Path) -> None:
    rows = [
        {"conversations": [{"from": "alien", "value": "Hi"}]},
        {"conversations": [{"from": "human", "value": "Hi"}]},
    ]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(rows))
    got = read_input(str(path), source="c")
    assert got.records.height == 1
    assert "unknown role 'alien'" in got.quarantine["error"][0]


def test_broken_json_file_names_file_and_line(tmp_path: Path) -> None:
    # a .json file is one JSON value: when it cannot be parsed, the file is quarantined (file and
    # line of the error), and the run goes on (issue 12: bad input never aborts a run)
    path = tmp_path / "b.json"
    path.write_text('[\n {"text": "a"},\n {"text": }\n]')
    got = read_input(str(path), source="b")
    assert got.records.height == 0 and got.seen == 1
    row = got.quarantine.row(0, named=True)
    assert row["source_file"].endswith("b.json") and row["line"] == 3
    assert "whole file" in row["error"]


def test_csv_dolly_with_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["instruction", "context", "response", "category"])
        w.writerow(["Name a colour.", "", "Blue", "open_qa"])
        w.writerow(["Summarise.", "Line one\nline two", "Short.", "summarization"])
        fh.write("too,few\n")
    got = read_input(str(path), source="d")
    assert got.layout == "dolly"
    assert got.records.height == 2
    assert got.records["messages"][1][0]["content"] == "Summarise.\n\nLine one\nline two"
    assert got.quarantine["line"].to_list() == [5]  # physical line of the bad row


def test_parquet_messages_and_prompt_completion(tmp_path: Path) -> None:
    msgs = pl.DataFrame(
        {"messages": [[{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]]}
    )
    msgs.write_parquet(tmp_path / "m.parquet")
    assert read_input(str(tmp_path / "m.parquet"), source="m").layout == "messages"
    pc = write_jsonl(tmp_path / "pc.jsonl", [{"prompt": "P", "completion": "C"}])
    got = read_input(str(pc), source="pc")
    assert got.layout == "prompt_completion"
    assert got.records["text"][0] == "P\n\nC"


def test_unknown_layout_lists_fields_and_how_to_map(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "u.jsonl", [{"body": "x", "title": "y"}])
    with pytest.raises(ConfigError) as e:
        read_input(str(path), source="u")
    msg = str(e.value)
    assert "body, title" in msg and "fields: {text: body}" in msg


def test_field_mapping_renames(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "q.jsonl", [{"question": "Why?", "answer": "Because."}])
    got = read_input(str(path), source="q", fields={"instruction": "question", "output": "answer"})
    assert got.layout == "alpaca"
    assert got.records["text"][0] == "Why?\n\nBecause."


def test_hf_id_offline_is_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InputError) as e:
        read_input("tatsu-lab/alpaca", source="alpaca")
    assert "tatsu-lab/alpaca" in str(e.value) and "offline" in str(e.value)


def test_hf_id_loads_through_datasets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The online path calls datasets.load_dataset with the id and split (stubbed: no network)."""
    import datasets

    calls = []

    def fake_load(name: str, config: str | None = None, **kwargs: object) -> datasets.Dataset:
        calls.append((name, kwargs["split"]))
        return datasets.Dataset.from_list([ALPACA])

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    got = read_input("tatsu-lab/alpaca", source="alpaca", split="train[:10]")
    assert calls == [("tatsu-lab/alpaca", "train[:10]")]
    assert got.records.height == 1


@pytest.mark.parametrize(
    ("keys", "layout"),
    [
        ({"instruction", "input", "output"}, "alpaca"),
        ({"instruction", "context", "response"}, "dolly"),
        ({"conversations"}, "sharegpt"),
        ({"messages"}, "messages"),
        ({"prompt", "completion"}, "prompt_completion"),
        ({"text", "url"}, "text"),
        ({"body"}, None),
    ],
)
def test_detect_layout(keys: set[str], layout: str | None) -> None:
    assert detect_layout(keys) == layout


def test_map_row_rejects_non_string() -> None:
    with pytest.raises(ValueError, match="should be a string"):
        map_row("alpaca", {"instruction": "x", "output": 5})


def test_txt_files_and_globs_issue2(tmp_path: Path) -> None:
    """A .txt file is one document; a glob in a recipe path reads every match, in sorted order."""
    from curate.run.pipeline import run_curate
    from curate.run.recipe import load_recipe

    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "b.txt").write_text("Second page.\nWith two lines.")
    (tmp_path / "pages" / "a.txt").write_text("First page.")
    recipe = tmp_path / "r.yaml"
    recipe.write_text("version: 1\ninputs:\n  - {name: web, path: pages/*.txt}\n")
    res = run_curate(load_recipe(recipe))
    assert res.frame["text"].to_list() == ["First page.", "Second page.\nWith two lines."]
    assert [
        json.loads(m)["file"].endswith(n)
        for m, n in zip(res.frame["meta"], ["a.txt", "b.txt"], strict=True)
    ] == [True, True]
    recipe.write_text("version: 1\ninputs:\n  - {name: web, path: nothing/*.txt}\n")
    with pytest.raises(ConfigError, match="input file not found"):
        load_recipe(recipe)


def test_json_error_says_column_once_issue16(tmp_path) -> None:
    from curate.io.formats import iter_raw_rows

    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": "unterminated\n{"b": \n', encoding="utf-8")
    errors = [row[1] for row in iter_raw_rows(path) if isinstance(row, tuple)]
    assert errors == [
        "invalid JSON: Unterminated string starting at column 7",
        "invalid JSON: Expecting value at column 6",
    ]

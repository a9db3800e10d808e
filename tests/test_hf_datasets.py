"""Hugging Face ``datasets`` in and out (issue 17): hub ids with config/split/revision/streaming/
data_files, the local HF cache offline, ``save_to_disk`` folders and ``.arrow`` files as inputs,
mixtures saved with ``save_to_disk`` and pushed to the hub (the hub call is replaced by a fake that
writes to a local folder; nothing touches the network).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import datasets
import pytest
import yaml

from curate.core.errors import ConfigError, InputError
from curate.io import hf_datasets
from curate.io.ingest import read_input
from curate.run.recipe import load_recipe

ROWS = {
    "instruction": ["Add two and two.", "Name a colour.", "Spell cat."],
    "input": ["", "", ""],
    "output": ["Four.", "Blue is a colour.", "C, A, T."],
}


def _saved_dict(tmp_path: Path) -> Path:
    folder = tmp_path / "saved"
    datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict(ROWS),
            "validation": datasets.Dataset.from_dict({k: v[:1] for k, v in ROWS.items()}),
        }
    ).save_to_disk(str(folder))
    return folder


def _cached_hub_dataset(tmp_path: Path) -> Path:
    """What one online ``load_dataset("owner/tiny_math", "main")`` leaves in the HF cache."""
    from datasets.packaged_modules.json.json import Json

    files = {}
    for split, n in (("train", 3), ("test", 2)):
        files[split] = str(tmp_path / f"{split}.jsonl")
        Path(files[split]).write_text(
            "\n".join(
                json.dumps({"question": f"{split} question {i}?", "answer": f"answer {i}"})
                for i in range(n)
            )
        )
    builder = Json(
        cache_dir=str(tmp_path / "build"),
        dataset_name="tiny_math",
        config_name="main",
        data_files=files,
    )
    builder.download_and_prepare()
    cache = tmp_path / "hf_cache"
    shutil.copytree(builder.cache_dir, cache / "owner___tiny_math" / "main" / "0.0.0" / "cafe")
    return cache


@pytest.fixture
def offline_cache(tmp_path, monkeypatch):
    cache = _cached_hub_dataset(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(cache))
    return cache


FIELDS = {"instruction": "question", "output": "answer"}


def test_hub_id_with_config_reads_the_local_cache_offline_issue17(offline_cache):
    got = read_input(
        "owner/tiny_math",
        source="math",
        split="test",
        fields=FIELDS,
        hf_options={"config": "main"},
    )
    assert got.layout == "alpaca"
    assert got.records["text"].to_list() == [
        "test question 0?\n\nanswer 0",
        "test question 1?\n\nanswer 1",
    ]


def test_hub_id_streams_from_the_cache_issue17(offline_cache):
    got = read_input(
        "owner/tiny_math",
        source="math",
        fields=FIELDS,
        limit=2,
        hf_options={"config": "main", "streaming": True},
    )
    assert got.records.height == 2


def test_hub_id_missing_from_the_cache_offline_says_so_issue17(offline_cache):
    with pytest.raises(InputError, match="offline.*local HF cache"):
        read_input("owner/not_cached", source="x")


def test_hub_options_reach_load_dataset_issue17(monkeypatch):
    calls = []

    def fake_load(name, config=None, **kwargs):
        calls.append((name, config, kwargs))
        return datasets.Dataset.from_dict(ROWS)

    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    got = read_input(
        "openai/gsm8k",
        source="gsm8k",
        split="test",
        hf_options={
            "config": "main",
            "revision": "e53f048",
            "streaming": False,
            "data_files": {"test": "main/test-*.parquet"},
        },
    )
    assert got.records.height == 3
    assert calls == [
        (
            "openai/gsm8k",
            "main",
            {
                "split": "test",
                "streaming": False,
                "revision": "e53f048",
                "data_files": {"test": "main/test-*.parquet"},
            },
        )
    ]


def test_save_to_disk_folder_is_an_input_issue17(tmp_path):
    folder = _saved_dict(tmp_path)
    assert read_input(str(folder), source="s").records.height == 3
    assert read_input(str(folder), source="s", split="validation").records.height == 1
    with pytest.raises(InputError, match="no split 'test'.*train, validation"):
        read_input(str(folder), source="s", split="test")


def test_arrow_file_is_an_input_issue17(tmp_path):
    folder = _saved_dict(tmp_path)
    (arrow,) = (folder / "train").glob("*.arrow")
    got = read_input(str(arrow), source="s")
    assert got.layout == "alpaca"
    assert got.records["text"][0] == "Add two and two.\n\nFour."


def _recipe(tmp_path: Path, inputs: list[dict], **extra) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "inputs": inputs, **extra}))
    return path


def test_recipe_accepts_hf_options_and_local_datasets_issue17(tmp_path, offline_cache):
    folder = _saved_dict(tmp_path)
    rec = load_recipe(
        _recipe(
            tmp_path,
            [
                {"name": "saved", "path": str(folder), "split": "validation"},
                {"name": "math", "hf": "owner/tiny_math", "config": "main", "fields": FIELDS},
            ],
        )
    )
    from curate.run.pipeline import ingest_all

    frame, _ = ingest_all(rec)
    assert frame.group_by("source").len().sort("source").rows() == [("math", 3), ("saved", 1)]


def test_recipe_refuses_hub_options_on_a_file_issue17(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"text": "hello there world"}) + "\n")
    with pytest.raises(ConfigError, match="`hf:` inputs only"):
        load_recipe(_recipe(tmp_path, [{"name": "d", "path": str(data), "config": "main"}]))


def test_recipe_refuses_push_to_hub_offline_issue17(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"text": "hello there world"}) + "\n")
    with pytest.raises(ConfigError, match="push_to_hub needs the hub"):
        load_recipe(
            _recipe(tmp_path, [{"name": "d", "path": str(data)}], output={"push_to_hub": "me/mix"})
        )


def test_mixtures_saved_to_disk_and_pushed_issue17(tmp_path, monkeypatch):
    """Mixtures go to ``save_to_disk`` folders that read back as inputs, and each is pushed as
    one config of the hub repo (push_to_hub replaced by a fake that saves to a local folder)."""
    import polars as pl

    from curate.io.store import write_hf

    frame = pl.DataFrame(
        {
            "messages": [
                [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]
            ]
            * 3,
            "split": ["train", "train", "validation"],
        }
    )
    hf_dir = tmp_path / "hf"
    write_hf({"sft": frame}, hf_dir)
    back = read_input(str(hf_dir / "sft"), source="sft")
    assert back.layout == "messages" and back.records.height == 2

    hub = tmp_path / "fake_hub"
    pushed = []

    def fake_push(self, repo_id, config_name="default", private=None, **kwargs):
        pushed.append((repo_id, config_name, private, {k: len(v) for k, v in self.items()}))
        self.save_to_disk(str(hub / repo_id / config_name))

    monkeypatch.setattr(datasets.DatasetDict, "push_to_hub", fake_push)
    monkeypatch.setattr(hf_datasets, "hf_offline", lambda: False)
    hf_datasets.push_mixtures(hf_dir, ["sft"], "me/mix", private=True)
    assert pushed == [("me/mix", "sft", True, {"train": 2, "validation": 1})]
    assert datasets.load_from_disk(str(hub / "me/mix" / "sft"))["train"].num_rows == 2

"""Shared fixtures: a tiny corpus with near-duplicates, spam, empty and non-English rows."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent

# No timing thresholds in tests: Hypothesis's per-example deadline fails on a loaded machine.
settings.register_profile("cleanroom", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI (.ci/run sets HYPOTHESIS_PROFILE=ci): the same examples on every run, so a landing is never
# decided by a new random draw; developers' runs keep exploring new examples (and Hypothesis's
# example database replays any failure they find).
settings.register_profile(
    "ci", parent=settings.get_profile("cleanroom"), derandomize=True, database=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cleanroom"))


def write_jsonl(path: Path, rows: list) -> Path:
    """Write rows (dicts, or raw strings written as-is) one per line."""
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n")
    return path


def write_recipe(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def tiny_instructions(tmp_path: Path) -> Path:
    """Alpaca rows: clean, exact duplicate, empty output, non-English, and one malformed line."""
    rows = [
        {
            "instruction": "Explain photosynthesis in two sentences.",
            "input": "",
            "output": "Plants turn light, water and carbon dioxide into sugar and oxygen. The energy is stored in chemical bonds.",
        },
        {
            "instruction": "Give three tips for staying healthy.",
            "input": "",
            "output": "Eat vegetables, sleep eight hours, and walk every day.",
        },
        {
            "instruction": "Explain photosynthesis in two sentences.",
            "input": "",
            "output": "Plants turn light, water and carbon dioxide into sugar and oxygen. The energy is stored in chemical bonds.",
        },
        '{"instruction": "broken", "output": ',
        {
            "instruction": "Summarise the text.",
            "input": "The cat sat on the mat all day long.",
            "output": "",
        },
        {
            "instruction": "用一句话介绍北京。",
            "input": "",
            "output": "北京是中国的首都，有三千多年的历史。",
        },
    ]
    return write_jsonl(tmp_path / "tiny.jsonl", rows)


@pytest.fixture(autouse=True)
def _private_reviewer_profile(tmp_path_factory, monkeypatch):
    """No test reads or writes the developer's reviewer profile (~/.config/cleanroom)."""
    if "CLEANROOM_PROFILE" not in os.environ:
        folder = tmp_path_factory.mktemp("profile")
        monkeypatch.setenv("CLEANROOM_PROFILE", str(folder / "profile.json"))

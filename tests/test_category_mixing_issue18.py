"""Mixing by task category (issue 18): targets met, warnings, caps and rates kept, config checks."""

from __future__ import annotations

import json
import logging

import polars as pl
import pytest

from curate.core.errors import ConfigError
from curate.core.schemas import RECORD_SCHEMA
from curate.lib.mixing.build import build_mixture
from curate.lib.mixing.config import Count, MixtureConfig, MixtureSource, Total, validate_mixture

LABEL = "task_category__label"


def kept(cells: dict[str, dict[str, int]]) -> pl.DataFrame:
    """Kept records with stored category labels: ``{source: {category: rows}}``."""
    rows, labels = [], []
    for s, cats in cells.items():
        for c, n in cats.items():
            for i in range(n):
                q = f"{s} {c} prompt number {i} about topic {i * 31 % 97}"
                rows.append(
                    {
                        "id": f"{s}-{c}-{i:04d}",
                        "source": s,
                        "kind": "instruction",
                        "text": f"{q}\n\nanswer {i}",
                        "messages": [
                            {"role": "user", "content": q},
                            {"role": "assistant", "content": f"answer {i}"},
                        ],
                        "meta": json.dumps({"file": "f", "line": i, "fields": {}}),
                    }
                )
                labels.append(c)
    return pl.DataFrame(rows, schema=RECORD_SCHEMA).with_columns(
        pl.Series(LABEL, labels, dtype=pl.String)
    )


def mix(cells, **kw) -> tuple[pl.DataFrame, dict]:
    m = MixtureConfig(name="cat", near_dup_threshold=None, **kw)
    b = build_mixture(m, kept(cells), all_sources=list(cells), seed=0)
    return b.frame, json.loads(b.manifest["detail"])


def train_shares(frame: pl.DataFrame) -> dict[str, float]:
    train = frame.filter(pl.col("split") == "train")
    cats = train["id"].str.split("-").list.get(1)
    return {c: n / train.height for c, n in cats.value_counts().iter_rows()}


CELLS = {
    "alpaca": {"generation": 300, "open_qa": 120, "brainstorming": 80, "code": 50},
    "codes": {"code": 400, "open_qa": 5},
    "ni": {"classification": 300, "open_qa": 100},
}


def test_categories_instructgpt_within_two_points_and_warns_issue18(caplog):
    caplog.set_level(logging.WARNING)
    frame, detail = mix(CELLS, categories="instructgpt")
    cats = detail["categories"]
    assert cats["unsupplied"] == [
        "chat",
        "rewrite",
        "summarization",
        "other",
        "closed_qa",
        "extraction",
    ]
    assert "the sources hold no chat, rewrite" in cats["warnings"][0]
    assert "the sources hold no chat" in caplog.text
    got = train_shares(frame)
    for c, share in cats["effective_target"].items():
        assert abs(got.get(c, 0.0) - share) <= 0.02, (c, got, share)
    assert "code" not in got  # outside the target: not taken
    assert cats["distance_to_effective"]["max_abs_points"] <= 2.0
    assert cats["labels"] == f"the {LABEL} column"


def test_categories_mapping_with_cap_and_total_issue18():
    frame, detail = mix(
        CELLS,
        categories={"code": 0.5, "open_qa": 0.25, "classification": 0.25},
        cap=Count(250),
        total=Total(examples=400),
    )
    train = frame.filter(pl.col("split") == "train")
    assert train.height == 400
    per_source = dict(train.group_by("source").len().iter_rows())
    assert all(n <= 250 for n in per_source.values())
    assert train_shares(frame) == {"code": 0.5, "open_qa": 0.25, "classification": 0.25}
    assert detail["categories"]["distance_to_target"]["max_abs_points"] == 0.0


def test_categories_short_category_reported_issue18():
    _, detail = mix(
        CELLS, categories={"code": 0.5, "brainstorming": 0.5}, total=Total(examples=400)
    )
    assert detail["categories"]["short"] == {"brainstorming": [80, 200]}
    assert "only 80 rows available of the 200 wanted" in detail["categories"]["warnings"][0]
    assert detail["categories"]["planned"] == {"brainstorming": 0.2, "code": 0.8}
    assert detail["categories"]["distance_to_planned"]["max_abs_points"] == 0.0


def test_categories_same_recipe_same_bytes_issue18():
    a, _ = mix(CELLS, categories="instructgpt")
    b, _ = mix(CELLS, categories="instructgpt")
    assert a.equals(b)


def test_mixture_without_categories_has_no_category_detail_issue18():
    _, detail = mix(CELLS)
    assert "categories" not in detail


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"categories": "flan"}, "unknown category preset 'flan'"),
        ({"categories": {"poetry": 1.0}}, "unknown task category 'poetry'"),
        (
            {"categories": "instructgpt", "total": Total(tokens=1000)},
            "a token total is not supported",
        ),
        (
            {"categories": "instructgpt", "sources": (MixtureSource(source="a", count=5),)},
            "drop count/fraction from a",
        ),
    ],
)
def test_categories_config_errors_issue18(kw, message):
    m = MixtureConfig(name="cat", **kw)
    with pytest.raises(ConfigError, match=message):
        validate_mixture(m, ["a"], "recipe")


def test_mix_output_prints_categories_and_warnings_issue18():
    from curate.cli.console import console
    from curate.cli.mix import print_categories

    _, detail = mix(CELLS, categories="instructgpt")
    with console.capture() as cap:
        print_categories("cat", json.dumps(detail))
        print_categories("plain", json.dumps({}))  # no categories: prints nothing
    out = cap.get()
    assert "task categories (target instructgpt)" in out
    assert "generation" in out and "planned %" in out
    assert "warning cat: the sources hold no chat, rewrite" in " ".join(out.split())
    assert "plain" not in out

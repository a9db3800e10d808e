"""Helpers for the filter tests: build a working frame and run one registered step on it."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from curate.core.schemas import MESSAGE, RECORD_SCHEMA, ROW
from curate.core.step import StepContext
from curate.plugins import get_step

BASE_EN = (
    "The river runs through the old town and past the mill. Farmers bring their grain to the market "
    "every week, and the miller grinds it into flour for the bakers. In winter the water freezes at the "
    "edges, so children skate there while their parents buy bread. The town council has voted to repair "
    "the bridge that crosses the river near the church, because the stones have started to crack after "
    "many years of heavy carts. Visitors often stop to photograph the waterwheel, which still turns."
)


def frame_of(
    texts: list[str] | None = None, instructions: list[tuple[str, str, str]] | None = None
) -> pl.DataFrame:
    """A working frame of documents (``texts``) and/or alpaca instruction records."""
    rows: list[dict[str, Any]] = []
    for t in texts or []:
        rows.append({"source": "t", "kind": "document", "text": t, "messages": None, "meta": "{}"})
    for ins, inp, out in instructions or []:
        prompt = ins if not inp.strip() else f"{ins}\n\n{inp}"
        msgs = [{"role": "user", "content": prompt}, {"role": "assistant", "content": out}]
        meta = json.dumps({"fields": {"instruction": ins, "input": inp, "output": out}})
        rows.append(
            {
                "source": "i",
                "kind": "instruction",
                "text": f"{prompt}\n\n{out}",
                "messages": msgs,
                "meta": meta,
            }
        )
    frame = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(len(rows))],
            "source": [r["source"] for r in rows],
            "kind": [r["kind"] for r in rows],
            "text": [r["text"] for r in rows],
            "messages": pl.Series([r["messages"] for r in rows], dtype=pl.List(MESSAGE)),
            "meta": [r["meta"] for r in rows],
        },
        schema=RECORD_SCHEMA,
    )
    return frame.with_row_index(ROW).with_columns(
        keep=pl.lit(True),
        stage=pl.lit(None, pl.String),
        drop_reason=pl.lit(None, pl.String),
        detail=pl.lit(None, pl.String),
    )


def run_step(
    key: str,
    frame: pl.DataFrame,
    params: dict[str, Any] | None = None,
    kinds: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """Run one registered step with ``params`` and check it kept every row in order."""
    spec = get_step(key)
    ctx = StepContext(key=key, kinds=kinds)
    out = frame.lazy().pipe(spec.build(spec.build_params(params, "test"), ctx)).collect()
    assert out.height == frame.height and out["id"].to_list() == frame["id"].to_list()
    return out


def reasons(key: str, texts: list[str], params: dict[str, Any] | None = None) -> list[str | None]:
    """The drop reason of each document text after one step (None: kept)."""
    return run_step(key, frame_of(texts), params)["drop_reason"].to_list()

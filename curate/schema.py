"""The one Record schema every corpus is read into, and the stable record id.

A record is a row (datatrove ``Document``, dolma ``InputSpec``): ``id`` (stable content hash),
``source``, ``kind`` (``document`` | ``instruction``), ``text`` (what checks read; for instruction
data the message contents joined by blank lines), ``messages`` (list of {role, content}) and ``meta``
(a JSON string: file, line and the original fields).

While a run is in flight the frame also carries the decision columns ``keep``, ``stage``,
``drop_reason``, ``detail`` and the input order ``_row``; taggers add ``<family>__<field>`` columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import polars as pl
import xxhash

SCHEMA_VERSION = 1

MESSAGE = pl.Struct({"role": pl.String, "content": pl.String})
RECORD_SCHEMA = pl.Schema(
    {
        "id": pl.String,
        "source": pl.String,
        "kind": pl.String,
        "text": pl.String,
        "messages": pl.List(MESSAGE),
        "meta": pl.String,
    }
)
DECISION_SCHEMA = pl.Schema(
    {"keep": pl.Boolean, "stage": pl.String, "drop_reason": pl.String, "detail": pl.String}
)
ROW = "_row"
KINDS = ("document", "instruction")
# One row per (benchmark item part, corpus record) hit of a contamination audit (docs/SCHEMA.md).
CONTAMINATION_SCHEMA = pl.Schema(
    {
        "benchmark": pl.String,
        "item_id": pl.String,
        "id": pl.String,
        "preset": pl.String,
        "n": pl.Int64,
        "matched_ngrams": pl.Int64,
        "coverage": pl.Float64,
        "longest_match": pl.Int64,
        "spans": pl.String,
        "verdict": pl.String,
        # audit extras (docs/AUDIT.md): which part of the item matched ("text" or "answer"; spans
        # "item" index that string), whether a short item matched whole, token counts.
        "part": pl.String,
        "whole_match": pl.Boolean,
        "item_tokens": pl.Int64,
        "record_tokens": pl.Int64,
    }
)
QUARANTINE_SCHEMA = pl.Schema(
    {"source_file": pl.String, "line": pl.Int64, "error": pl.String, "raw": pl.String}
)


def join_messages(messages: Sequence[dict] | None) -> str:
    """The ``text`` of an instruction record: message contents joined by a blank line.

    Example: ``[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]``
    -> ``"Hi\\n\\nHello"``.
    """
    return "\n\n".join(m["content"] for m in messages or () if m["content"])


def content_hash(source: str, kind: str, text: str, messages: Sequence[dict] | None) -> str:
    """128-bit xxh3 hex digest of a record's content: recomputable from the row alone.

    The source is part of the hash, so the same text in two sources gives two ids.
    """
    canon = json.dumps(
        [source, kind, text, [[m["role"], m["content"]] for m in messages or ()]],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return xxhash.xxh3_128_hexdigest(canon.encode("utf-8"))


def assign_ids(hashes: Iterable[str]) -> list[str]:
    """Make content hashes unique in input order: the n-th repeat gets the suffix ``-n``.

    Example: ``["a", "b", "a"] -> ["a", "b", "a-1"]``. Exact duplicates thus keep distinct,
    stable ids (the first copy's id is its plain content hash).
    """
    seen: dict[str, int] = {}
    out = []
    for h in hashes:
        n = seen.get(h, 0)
        seen[h] = n + 1
        out.append(h if n == 0 else f"{h}-{n}")
    return out


def empty_records() -> pl.DataFrame:
    """An empty frame with the Record schema."""
    return pl.DataFrame(schema=RECORD_SCHEMA)


def require_columns(schema: pl.Schema, needed: dict[str, pl.DataType], where: str) -> None:
    """Fail with a SchemaError naming the missing or mistyped columns."""
    from curate.errors import SchemaError

    problems = []
    for name, dtype in needed.items():
        if name not in schema:
            problems.append(f"missing column {name!r}")
        elif schema[name] != dtype:
            problems.append(f"column {name!r} is {schema[name]}, expected {dtype}")
    if problems:
        raise SchemaError(f"{where}: " + "; ".join(problems))

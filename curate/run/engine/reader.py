"""Streaming input reading for sharded runs: records in chunks, with what the reader saw.

:func:`iter_chunks` reads one input location like :func:`curate.io.ingest.read_input` (same layouts,
same quarantine rows, same record rows in the same order), but yields bounded chunks instead of
one frame, and counts the units the reader *saw* (parsed rows and rows that failed to parse;
blank JSONL lines are not units) independently of what became a record or a quarantine row. The
run checks ``seen = kept + dropped + quarantined`` per shard (:mod:`curate.run.engine.run`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.core.schemas import QUARANTINE_SCHEMA
from curate.io import ingest


@dataclass
class Chunk:
    """Up to ``chunk`` units of one input: records, quarantine rows, units seen, tasks."""

    records: pl.DataFrame
    quarantine: pl.DataFrame
    seen: int
    tasks: pl.DataFrame | None = None


def iter_chunks(
    location: str,
    *,
    source: str,
    layout: str = "auto",
    fields: Mapping[str, str] | None = None,
    split: str = "train",
    limit: int | None = None,
    display: str | None = None,
    chunk: int = 50_000,
) -> Iterator[Chunk]:
    """Yield :class:`Chunk` s of at most ``chunk`` units each, in input order.

    Example: a 120-line JSONL file with ``chunk=50`` -> chunks of 50, 50 and 20 units.
    """
    where = display or location
    if layout == "natural_instructions" or (
        layout == "auto" and ingest.is_natural_instructions(location)
    ):
        got = ingest.read_natural_instructions(
            Path(location), source=source, where=where, limit=limit
        )
        seen = got.records.height + got.quarantine.height
        yield Chunk(got.records, got.quarantine, seen, got.tasks)
        return
    rows = (
        ingest.iter_hf_rows(location, split)
        if ingest.is_hf_id(location)
        else ingest.iter_raw_rows(Path(location))
    )
    rename = {v: k for k, v in (fields or {}).items()}
    chosen = None if layout == "auto" else layout
    records: list[dict[str, Any]] = []
    quarantine: list[dict[str, Any]] = []
    pending: list[ingest.RawRow] = []
    seen = 0

    def flush(batch: list[ingest.RawRow]) -> None:
        for r in batch:
            if not isinstance(r.fields, Mapping):
                quarantine.append(
                    ingest._q(
                        where,
                        r.line,
                        f"expected a JSON object, found {type(r.fields).__name__}",
                        r.raw,
                    )
                )
                continue
            row = {rename.get(k, k): v for k, v in r.fields.items()}
            try:
                kind, text, messages = ingest.map_row(chosen, row)  # type: ignore[arg-type]
            except ValueError as e:
                quarantine.append(
                    ingest._q(
                        where, r.line, f"{chosen} layout: {e}", r.raw or ingest._dump(r.fields)
                    )
                )
                continue
            meta = {"file": where, "line": r.line, "fields": ingest._jsonable(r.fields)}
            records.append(
                {"source": source, "kind": kind, "text": text, "messages": messages, "meta": meta}
            )

    def emit() -> Chunk:
        nonlocal records, quarantine, seen
        q = pl.DataFrame(quarantine, schema=QUARANTINE_SCHEMA).sort("line", maintain_order=True)
        out = Chunk(ingest._records_frame(records), q, seen)
        records, quarantine, seen = [], [], 0
        return out

    for n, item in enumerate(rows):
        if limit is not None and n >= limit:
            break
        seen += 1
        if isinstance(item, tuple):
            quarantine.append(ingest._q(where, *item))
        elif chosen is None:
            pending.append(item)
            if len(pending) >= ingest._SNIFF_ROWS:
                chosen = ingest._sniff(where, pending, rename)
                flush(pending)
                pending = []
        else:
            flush([item])
        if chosen is not None and seen >= chunk:
            yield emit()
    if pending:
        chosen = ingest._sniff(where, pending, rename)
        flush(pending)
    if seen:
        yield emit()

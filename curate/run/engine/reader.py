"""Streaming input reading for sharded runs: records in chunks, with what the reader saw.

:func:`iter_chunks` reads one input location like :func:`curate.io.ingest.read_input` (same layouts,
same quarantine rows, same record rows in the same order), but yields bounded chunks instead of
one frame, and counts the units the reader *saw* (parsed rows and rows that failed to parse;
blank JSONL lines are not units) independently of what became a record or a quarantine row. The
run checks ``seen = kept + dropped + quarantined`` per shard (:mod:`curate.run.engine.run`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from curate.core.errors import ConservationError
from curate.core.schemas import QUARANTINE_SCHEMA
from curate.io import formats, ingest, paths


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

    Each chunk is checked as :func:`curate.io.ingest.read_input` checks a whole file: the units
    the reader saw for it are all records or quarantine rows (else ``ConservationError``).

    Example: a 120-line JSONL file with ``chunk=50`` -> chunks of 50, 50 and 20 units.
    """
    where = display or location
    if layout == "natural_instructions" or (
        layout == "auto" and ingest.is_natural_instructions(location)
    ):
        got = ingest.read_natural_instructions(
            Path(location), source=source, where=where, limit=limit
        )
        yield Chunk(got.records, got.quarantine, got.seen, got.tasks)
        return
    seen = formats.Seen()
    rows = (
        formats.iter_hf_rows(location, split, seen)
        if paths.is_hf_id(location)
        else formats.iter_raw_rows(Path(location), seen)
    )
    rename = {v: k for k, v in (fields or {}).items()}
    out = ingest._Collected(where, source, rename, None if layout == "auto" else layout)
    pending: list[formats.RawRow] = []
    done = 0  # units of the chunks already yielded

    def emit() -> Chunk:
        nonlocal out, done
        units = seen.units - done
        if out.accounted != units:
            raise ConservationError(
                f"{where}: the reader saw {units} rows/lines in a chunk but only "
                f"{out.accounted} became records or quarantine rows"
            )
        q = pl.DataFrame(out.quarantine, schema=QUARANTINE_SCHEMA).sort("line", maintain_order=True)
        records = ingest._records_frame(out.records)
        if records.height != len(out.records) or q.height != len(out.quarantine):
            raise ConservationError(
                f"{where}: the reader saw {units} rows/lines in a chunk, {len(out.records)} records "
                f"and {len(out.quarantine)} quarantine rows were mapped, but the frames hold "
                f"{records.height} and {q.height}"
            )
        got = Chunk(records, q, units)
        done = seen.units
        out = ingest._Collected(where, source, rename, out.layout)
        return got

    for item in itertools.islice(rows, limit):
        if isinstance(item, tuple):
            out.bad(*item)
        elif out.layout is None:
            pending.append(item)
            if len(pending) >= ingest._SNIFF_ROWS:
                out.layout = ingest._sniff(where, pending, rename)
                out.add_all(pending)
                pending = []
        else:
            out.add(item)
        if out.layout is not None and not pending and seen.units - done >= chunk:
            yield emit()
    if pending:
        out.layout = ingest._sniff(where, pending, rename)
        out.add_all(pending)
    if seen.units > done:
        yield emit()

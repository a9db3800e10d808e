"""Input formats: one reader per file type, registered by suffix in :data:`FORMATS`.

A reader yields, in file order, either a :class:`RawRow` (a parsed row with its 1-based line or
item index) or a ``(line, error, raw)`` tuple for a row that failed to parse (it becomes a
quarantine row); it raises :class:`InputError` only when the file cannot be read at all.

Example: ``list(iter_raw_rows(Path("a.jsonl")))`` -> ``[RawRow(1, {"text": "hi"}, '{"text": "hi"}')]``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.core.errors import InputError, MissingDependencyError
from curate.core.registry import Registry
from curate.io.paths import SUFFIXES, hf_offline, suffix_of


@dataclass(frozen=True)
class RawRow:
    """One parsed row of an input, before mapping: its 1-based line (or item index) and fields."""

    line: int
    fields: Any
    raw: str


Parsed = RawRow | tuple[int, str, str]
Reader = Callable[[Path], Iterator[Parsed]]
FORMATS: Registry[Reader] = Registry("input format", hint=f"(supported: {', '.join(SUFFIXES)})")


def json_error(e: json.JSONDecodeError) -> str:
    """A quarantine message for a JSON error, with the column said once.

    Example: ``Unterminated string starting at`` (column 89) -> ``"invalid JSON: Unterminated
    string starting at column 89"``; ``Expecting value`` (1) -> ``"invalid JSON: Expecting value
    at column 1"``.
    """
    msg = e.msg.removesuffix(" at")
    return f"invalid JSON: {msg} at column {e.colno}"


def iter_raw_rows(path: Path) -> Iterator[Parsed]:
    """Yield parsed rows, or ``(line, error, raw)`` tuples for rows that failed to parse."""
    suffix = suffix_of(path)
    if suffix not in FORMATS:
        raise InputError(
            str(path), None, f"unsupported file type (supported: {', '.join(SUFFIXES)})"
        )
    return FORMATS[suffix](path)


def _read_jsonl(path: Path) -> Iterator[Parsed]:
    opener = gzip.open if suffix_of(path) == ".jsonl.gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
            for i, line in enumerate(fh, start=1):
                stripped = line.strip()
                if not stripped:
                    continue
                try:
                    yield RawRow(i, json.loads(stripped), stripped)
                except json.JSONDecodeError as e:
                    yield (i, json_error(e), stripped)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise InputError(str(path), None, f"cannot read: {e}") from None


def _read_json(path: Path) -> Iterator[Parsed]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise InputError(str(path), e.lineno, f"invalid JSON: {e.msg} (column {e.colno})") from None
    if isinstance(data, dict):
        # Some datasets wrap the list: {"data": [...]} / {"examples": [...]}.
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise InputError(
                str(path), None, "expected a JSON list of records (or an object holding one list)"
            )
        data = lists[0]
    if not isinstance(data, list):
        raise InputError(
            str(path), None, f"expected a JSON list of records, found {type(data).__name__}"
        )
    for i, item in enumerate(data, start=1):
        yield RawRow(i, item, json.dumps(item, ensure_ascii=False)[:10_000])


def _read_parquet(path: Path) -> Iterator[Parsed]:
    try:
        frame = pl.read_parquet(path)
    except Exception as e:  # noqa: BLE001 - polars raises many kinds
        raise InputError(str(path), None, f"cannot read Parquet: {e}") from None
    for i, row in enumerate(frame.iter_rows(named=True), start=1):
        yield RawRow(i, row, "")


def _read_txt(path: Path) -> Iterator[Parsed]:
    # A plain-text file is one document (scraped pages, books): its whole content is the text.
    yield RawRow(1, {"text": path.read_text(encoding="utf-8", errors="replace")}, "")


def _read_csv(path: Path) -> Iterator[Parsed]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            return
        start = reader.line_num + 1
        for row in reader:
            raw = _csv_line(row)
            if len(row) != len(header):
                yield (start, f"expected {len(header)} fields, found {len(row)}", raw)
            else:
                yield RawRow(start, dict(zip(header, row, strict=True)), raw)
            start = reader.line_num + 1


def _csv_line(row: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(row)
    return buf.getvalue().rstrip("\r\n")


FORMATS.add(".jsonl", _read_jsonl)
FORMATS.add(".jsonl.gz", _read_jsonl)
FORMATS.add(".json", _read_json)
FORMATS.add(".parquet", _read_parquet)
FORMATS.add(".txt", _read_txt)
FORMATS.add(".csv", _read_csv)


def iter_hf_rows(name: str, split: str) -> Iterator[RawRow]:
    """Rows of a Hugging Face dataset (online only)."""
    dataset_id = name.removeprefix("hf://")
    if hf_offline():
        raise InputError(
            dataset_id,
            None,
            "is a Hugging Face dataset id, and the hub is offline (HF_HUB_OFFLINE=1); "
            "download it while online or point the recipe at a local file",
        )
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets is a core dependency
        raise MissingDependencyError("the `datasets` package", "pip install datasets") from None
    try:
        ds = datasets.load_dataset(dataset_id, split=split)
    except Exception as e:  # noqa: BLE001 - hub errors come in many types
        raise InputError(dataset_id, None, f"cannot load Hugging Face dataset: {e}") from None
    for i, row in enumerate(ds, start=1):
        yield RawRow(i, row, "")

"""Input formats: one reader per file type, registered by suffix in :data:`FORMATS`.

A reader yields, in file order, either a :class:`RawRow` (a parsed row with its 1-based line or
item index) or a ``(line, error, raw)`` tuple for a row that failed to parse (it becomes a
quarantine row); it raises :class:`InputError` only when the file cannot be read at all.

Example: ``list(iter_raw_rows(Path("a.jsonl")))`` -> ``[RawRow(1, {"text": "hi"}, '{"text": "hi"}')]``.
"""

from __future__ import annotations

import codecs
import collections
import csv
import gzip
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.core.errors import InputError
from curate.core.registry import Registry
from curate.io import hf_datasets
from curate.io.paths import SUFFIXES, suffix_of


@dataclass(frozen=True)
class RawRow:
    """One parsed row of an input, before mapping: its 1-based line (or item index), fields, the
    raw text, and how many units (physical lines, list items) it covers: a CSV record with a
    quoted newline covers two lines."""

    line: int
    fields: Any
    raw: str
    span: int = 1


@dataclass
class Seen:
    """What a reader physically read, counted as it reads and independently of parsing: non-blank
    lines (JSONL, CSV), list items (JSON), rows (Parquet, Hugging Face), files (TXT)."""

    units: int = 0


Parsed = RawRow | tuple[int, str, str]
Reader = Callable[[Path, Seen], Iterator[Parsed]]
FORMATS: Registry[Reader] = Registry("input format", hint=f"(supported: {', '.join(SUFFIXES)})")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_RAW_LIMIT = 10_000  # characters of a bad row kept in the quarantine table


def json_error(e: json.JSONDecodeError) -> str:
    """A quarantine message for a JSON error, with the column said once.

    Example: ``Unterminated string starting at`` (column 89) -> ``"invalid JSON: Unterminated
    string starting at column 89"``; ``Expecting value`` (1) -> ``"invalid JSON: Expecting value
    at column 1"``.
    """
    msg = e.msg.removesuffix(" at")
    return f"invalid JSON: {msg} at column {e.colno}"


def iter_raw_rows(path: Path, seen: Seen | None = None) -> Iterator[Parsed]:
    """Yield parsed rows, or ``(line, error, raw)`` tuples for rows that failed to parse.

    ``seen`` (when given) counts the units the reader read, so the caller can check that every
    one became a record or a quarantine row.
    """
    suffix = suffix_of(path)
    if suffix not in FORMATS:
        raise InputError(
            str(path), None, f"unsupported file type (supported: {', '.join(SUFFIXES)})"
        )
    return FORMATS[suffix](path, seen if seen is not None else Seen())


def lone_surrogate(value: Any) -> bool:
    """True when a decoded JSON value holds a string that is not valid Unicode text (a lone
    UTF-16 surrogate such as ``"\ud800"``, which no UTF-8 writer can store).

    Example: ``lone_surrogate({"t": ["ok", "\ud800"]})`` -> ``True``; a valid pair decodes to one
    character and is fine.
    """
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def decode_json(text: str) -> tuple[Any, str | None]:
    """``(value, None)``, or ``(None, error)`` for text that is not one valid JSON value: syntax
    errors, integers over Python's digit limit, nesting past the recursion limit, lone surrogates.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        return None, json_error(e)
    except (ValueError, RecursionError) as e:  # 5,000-digit integers, 100k-deep nesting
        return None, f"invalid JSON: {type(e).__name__}: {str(e)[:200]}"
    if _SURROGATE_ESCAPE.search(text) and lone_surrogate(value):
        return None, "invalid text: a lone UTF-16 surrogate (\\ud800-\\udfff) is not Unicode"
    return value, None


def _read_jsonl(path: Path, seen: Seen) -> Iterator[Parsed]:
    opener = gzip.open if suffix_of(path) == ".jsonl.gz" else open
    try:
        with opener(path, "rb") as fh:
            for i, bline in enumerate(fh, start=1):
                if i == 1:
                    bline = bline.removeprefix(codecs.BOM_UTF8)
                if not bline.strip():
                    continue
                seen.units += 1
                try:
                    line = bline.decode("utf-8").strip()
                except UnicodeDecodeError as e:
                    raw = bline.decode("utf-8", "replace").strip()[:_RAW_LIMIT]
                    yield (i, f"invalid UTF-8 at byte {e.start} of the line", raw)
                    continue
                value, error = decode_json(line)
                yield RawRow(i, value, line) if error is None else (i, error, line[:_RAW_LIMIT])
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise InputError(str(path), None, f"cannot read: {e}") from None


def _read_json(path: Path, seen: Seen) -> Iterator[Parsed]:
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        seen.units += 1
        yield (line, f"invalid UTF-8 at byte {e.start}: the whole file is unreadable", "")
        return
    value, error = decode_json(text)
    if error is not None:
        seen.units += 1
        yield (_json_error_line(text), f"{error}: the whole file is unreadable", text[:_RAW_LIMIT])
        return
    if isinstance(value, dict):
        # Some datasets wrap the list: {"data": [...]} / {"examples": [...]}.
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise InputError(
                str(path), None, "expected a JSON list of records (or an object holding one list)"
            )
        value = lists[0]
    if not isinstance(value, list):
        raise InputError(
            str(path), None, f"expected a JSON list of records, found {type(value).__name__}"
        )
    for i, item in enumerate(value, start=1):
        seen.units += 1
        yield RawRow(i, item, json.dumps(item, ensure_ascii=False)[:_RAW_LIMIT])


def _json_error_line(text: str) -> int:
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        return e.lineno
    except (ValueError, RecursionError):
        pass
    return 1


def _read_parquet(path: Path, seen: Seen) -> Iterator[Parsed]:
    try:
        frame = pl.read_parquet(path)
    except Exception as e:  # noqa: BLE001 - polars raises many kinds
        raise InputError(str(path), None, f"cannot read Parquet: {e}") from None
    for i, row in enumerate(frame.iter_rows(named=True), start=1):
        seen.units += 1
        yield RawRow(i, row, "")


def _read_txt(path: Path, seen: Seen) -> Iterator[Parsed]:
    # A plain-text file is one document (scraped pages, books): its whole content is the text.
    seen.units += 1
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        yield RawRow(1, {"text": data.decode("utf-8")}, "")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        yield (
            line,
            f"invalid UTF-8 at byte {e.start}",
            data[:_RAW_LIMIT].decode("utf-8", "replace"),
        )


class _Lines:
    """Physical lines of a text file for :mod:`csv`, counted as read, with push-back: after a
    broken record the reader re-reads the lines it swallowed (all but the first)."""

    def __init__(self, fh: Any, seen: Seen) -> None:
        self.fh, self.seen = fh, seen
        self.lineno = 0
        self.pending: collections.deque[tuple[int, str]] = collections.deque()
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pending:
            n, line = self.pending.popleft()
        else:
            line = self.fh.readline()
            if not line:
                raise StopIteration
            self.lineno += 1
            n = self.lineno
            if line.strip():
                self.seen.units += 1
        self.taken.append((n, line))
        return line

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self.pending.extendleft(reversed(lines))


def _read_csv(path: Path, seen: Seen) -> Iterator[Parsed]:
    """CSV with a header row. A record whose quotes swallow following lines (a stray opening
    quote) or that the csv module rejects costs only its first line: that line is quarantined and
    the lines after it are read again. Invalid UTF-8 quarantines the lines of its record."""
    csv.field_size_limit(2**31 - 1)  # the line limit, not Python's 131,072 characters
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        lines = _Lines(fh, seen)
        reader = csv.reader(lines)
        header = None
        while header is None:
            try:
                header = next(reader)
            except StopIteration:
                return
            except csv.Error:
                header = None
            if header is not None and not any(h.strip() for h in header):
                header = None  # blank lines before the header
            seen.units -= sum(1 for _, line in lines.taken if line.strip())
            lines.taken = []
        yield from _csv_records(lines, reader, header)


def _csv_records(lines: _Lines, reader: Any, header: list[str]) -> Iterator[Parsed]:
    while True:
        lines.taken = []
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield from _csv_resync(lines, f"CSV: {e}")
            reader = csv.reader(lines)
            continue
        taken = [t for t in lines.taken if t[1].strip()]
        if not taken:
            continue  # a blank line
        first = taken[0][0]
        if len(row) != len(header) and len(lines.taken) > 1:
            # a stray quote swallowed the lines after it: only the first line is lost
            yield from _csv_resync(
                lines, f"CSV: unbalanced quote (expected {len(header)} fields, found {len(row)})"
            )
            reader = csv.reader(lines)
            continue
        raw = "".join(line for _, line in lines.taken).rstrip("\r\n")
        if any(_has_surrogateescape(v) for v in row):
            bad = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            yield (first, "invalid UTF-8 in this record", bad[:_RAW_LIMIT])
            for n, _ in taken[1:]:
                yield (n, "invalid UTF-8 in this record (continued)", "")
        elif len(row) != len(header):
            yield (first, f"expected {len(header)} fields, found {len(row)}", raw[:_RAW_LIMIT])
        else:
            yield RawRow(first, dict(zip(header, row, strict=True)), raw[:_RAW_LIMIT], len(taken))


def _csv_resync(lines: _Lines, error: str) -> Iterator[Parsed]:
    """Quarantine the first line of a broken record and push the others back to be read again."""
    taken = lines.taken
    while taken and not taken[0][1].strip():
        taken = taken[1:]
    if not taken:
        return
    n, line = taken[0]
    lines.push_back(taken[1:])
    raw = line.rstrip("\r\n").encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    yield (n, error, raw[:_RAW_LIMIT])


def _has_surrogateescape(value: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in value) if not value.isascii() else False


FORMATS.add(".jsonl", _read_jsonl)
FORMATS.add(".jsonl.gz", _read_jsonl)
FORMATS.add(".json", _read_json)
FORMATS.add(".parquet", _read_parquet)
FORMATS.add(".txt", _read_txt)
FORMATS.add(".csv", _read_csv)


def _read_arrow(path: Path, seen: Seen) -> Iterator[Parsed]:
    # One Arrow file written by `datasets` (a save_to_disk shard, a cache file).
    for i, row in hf_datasets.iter_rows(hf_datasets.load_local(path)):
        seen.units += 1
        yield RawRow(i, row, "")


FORMATS.add(".arrow", _read_arrow)


def iter_hf_rows(
    name: str,
    split: str = "train",
    options: Mapping[str, Any] | None = None,
    seen: Seen | None = None,
) -> Iterator[RawRow]:
    """Rows of a Hugging Face dataset id or a ``save_to_disk`` folder (:mod:`curate.io.hf_datasets`).

    ``options``: ``config``, ``revision``, ``streaming``, ``data_files`` of a hub dataset; ``seen``
    counts the rows read.
    """
    if hf_datasets.is_saved_dataset(name):
        dataset = hf_datasets.load_local(name, split)
    else:
        dataset = hf_datasets.load_hub(name, split=split, **dict(options or {}))
    seen = seen if seen is not None else Seen()
    for i, row in hf_datasets.iter_rows(dataset):
        seen.units += 1
        yield RawRow(i, row, "")

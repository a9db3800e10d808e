"""Read inputs into the one Record schema.

Formats: ``.jsonl``, ``.jsonl.gz``, ``.json`` (a list), ``.parquet``, ``.csv``, and Hugging Face
dataset ids through ``datasets`` (online only). Layouts, detected from the fields of the first
rows or named in the recipe:

=================  =====================================================================
layout             fields
=================  =====================================================================
text               ``text`` (a plain document)
alpaca             ``instruction``, ``input`` (optional), ``output``
dolly              ``instruction``, ``context`` (optional), ``response``
sharegpt           ``conversations``: [{``from``, ``value``}]
messages           ``messages``: [{``role``, ``content``}]
prompt_completion  ``prompt``, ``completion``
natural_instructions  a Super-NaturalInstructions task file (``.json`` object with
                   ``Definition``, ``Positive Examples``, ``Instances``): each Instance is a
                   record; the task (Definition, positive examples, label options) is read once
                   into :attr:`Ingested.tasks` (the ``tasks`` table), not copied into every record
=================  =====================================================================

A line that cannot be parsed or mapped becomes a quarantine row (file, line, error, raw) and the
run goes on; only a file that cannot be read at all raises :class:`InputError`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.errors import ConfigError, InputError, MissingDependencyError
from curate.schema import QUARANTINE_SCHEMA, RECORD_SCHEMA, content_hash, join_messages

LAYOUTS = (
    "text",
    "alpaca",
    "dolly",
    "sharegpt",
    "messages",
    "prompt_completion",
    "natural_instructions",
)
SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".parquet", ".csv", ".txt")
_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bard": "assistant",
    "bing": "assistant",
    "model": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "tool",
}
_SNIFF_ROWS = 50


@dataclass(frozen=True)
class RawRow:
    """One parsed row of an input, before mapping: its 1-based line (or item index) and fields."""

    line: int
    fields: Any
    raw: str


@dataclass(frozen=True)
class Ingested:
    """The records and quarantine rows read from one input."""

    records: pl.DataFrame
    quarantine: pl.DataFrame
    layout: str
    tasks: pl.DataFrame | None = None


def suffix_of(path: str | Path) -> str | None:
    """The supported suffix of a path, or None: ``"a/b.jsonl.gz"`` -> ``".jsonl.gz"``."""
    name = str(path).lower()
    return next((s for s in sorted(SUFFIXES, key=len, reverse=True) if name.endswith(s)), None)


def expand_paths(pattern: str) -> list[Path]:
    """The files a recipe path names: itself, or the sorted matches of a glob.

    Example: ``"pages/*.txt"`` -> ``[pages/a.txt, pages/b.txt]``.
    """
    if any(c in pattern for c in "*?["):
        import glob

        return [Path(p) for p in sorted(glob.glob(pattern, recursive=True)) if Path(p).is_file()]
    return [Path(pattern)]


def is_hf_id(name: str) -> bool:
    """A Hugging Face dataset id looks like ``owner/name`` (or ``hf://owner/name``) and is no file."""
    if name.startswith("hf://"):
        return True
    return suffix_of(name) is None and not os.path.exists(name) and name.count("/") == 1


def hf_offline() -> bool:
    """True when the environment forbids hub access (HF_HUB_OFFLINE / HF_DATASETS_OFFLINE)."""
    return any(
        os.environ.get(v, "").lower() in ("1", "true", "yes")
        for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


# ---------------------------------------------------------------------------------------------
# Reading raw rows
# ---------------------------------------------------------------------------------------------


def json_error(e: json.JSONDecodeError) -> str:
    """A quarantine message for a JSON error, with the column said once.

    Example: ``Unterminated string starting at`` (column 89) -> ``"invalid JSON: Unterminated
    string starting at column 89"``; ``Expecting value`` (1) -> ``"invalid JSON: Expecting value
    at column 1"``.
    """
    msg = e.msg.removesuffix(" at")
    return f"invalid JSON: {msg} at column {e.colno}"


def iter_raw_rows(path: Path) -> Iterator[RawRow | tuple[int, str, str]]:
    """Yield parsed rows, or ``(line, error, raw)`` tuples for rows that failed to parse."""
    suffix = suffix_of(path)
    if suffix in (".jsonl", ".jsonl.gz"):
        opener = gzip.open if suffix == ".jsonl.gz" else open
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
    elif suffix == ".json":
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(
                str(path), e.lineno, f"invalid JSON: {e.msg} (column {e.colno})"
            ) from None
        if isinstance(data, dict):
            # Some datasets wrap the list: {"data": [...]} / {"examples": [...]}.
            lists = [v for v in data.values() if isinstance(v, list)]
            if len(lists) != 1:
                raise InputError(
                    str(path),
                    None,
                    "expected a JSON list of records (or an object holding one list)",
                )
            data = lists[0]
        if not isinstance(data, list):
            raise InputError(
                str(path), None, f"expected a JSON list of records, found {type(data).__name__}"
            )
        for i, item in enumerate(data, start=1):
            yield RawRow(i, item, json.dumps(item, ensure_ascii=False)[:10_000])
    elif suffix == ".parquet":
        try:
            frame = pl.read_parquet(path)
        except Exception as e:  # noqa: BLE001 - polars raises many kinds
            raise InputError(str(path), None, f"cannot read Parquet: {e}") from None
        for i, row in enumerate(frame.iter_rows(named=True), start=1):
            yield RawRow(i, row, "")
    elif suffix == ".txt":
        # A plain-text file is one document (scraped pages, books): its whole content is the text.
        text = path.read_text(encoding="utf-8", errors="replace")
        yield RawRow(1, {"text": text}, "")
    elif suffix == ".csv":
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
    else:
        raise InputError(
            str(path), None, f"unsupported file type (supported: {', '.join(SUFFIXES)})"
        )


def _csv_line(row: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(row)
    return buf.getvalue().rstrip("\r\n")


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


# ---------------------------------------------------------------------------------------------
# Layouts
# ---------------------------------------------------------------------------------------------


def detect_layout(keys: set[str]) -> str | None:
    """The layout a set of field names fits, or None.

    Example: ``{"instruction", "input", "output"}`` -> ``"alpaca"``.
    """
    if "messages" in keys:
        return "messages"
    if "conversations" in keys:
        return "sharegpt"
    if "instruction" in keys and "output" in keys:
        return "alpaca"
    if "instruction" in keys and "response" in keys:
        return "dolly"
    if "prompt" in keys and "completion" in keys:
        return "prompt_completion"
    if "text" in keys:
        return "text"
    return None


def layout_help(where: str, keys: set[str]) -> str:
    """The message for an input whose layout cannot be told from its fields."""
    found = ", ".join(sorted(keys)) or "none"
    return (
        f"cannot tell the layout of {where}: fields found: {found}. Map them in the recipe, e.g.\n"
        f"  inputs:\n    - name: mydata\n      path: {where}\n"
        "      fields: {text: body}                      # a plain document\n"
        "      # or fields: {instruction: question, output: answer}   (alpaca layout)\n"
        f"Known layouts: {', '.join(LAYOUTS)}."
    )


def _need_str(fields: Mapping[str, Any], name: str, optional: bool = False) -> str:
    value = fields.get(name)
    if value is None:
        if optional:
            return ""
        raise ValueError(f"missing field {name!r}")
    if not isinstance(value, str):
        raise ValueError(f"field {name!r} should be a string, found {type(value).__name__}")
    return value


def _chat(turns: Any, role_key: str, content_key: str) -> list[dict[str, str]]:
    if not isinstance(turns, list) or not turns:
        raise ValueError("expected a non-empty list of turns")
    out = []
    for turn in turns:
        if not isinstance(turn, Mapping):
            raise ValueError(f"a turn should be an object with {role_key!r}/{content_key!r}")
        role = _ROLES.get(str(turn.get(role_key, "")).lower())
        if role is None:
            raise ValueError(f"unknown role {turn.get(role_key)!r}")
        content = turn.get(content_key)
        if not isinstance(content, str):
            raise ValueError(f"turn {content_key!r} should be a string")
        out.append({"role": role, "content": content})
    return out


def map_row(layout: str, fields: Mapping[str, Any]) -> tuple[str, str | None, list[dict] | None]:
    """Map one row to ``(kind, text, messages)``; raises ValueError for a row that cannot be mapped.

    Example: alpaca ``{"instruction": "Add", "input": "2+2", "output": "4"}`` ->
    ``("instruction", "Add\\n\\n2+2\\n\\n4", [user "Add\\n\\n2+2", assistant "4"])``.
    """
    if layout == "text":
        return "document", _need_str(fields, "text"), None
    if layout in ("alpaca", "dolly"):
        extra, answer = ("input", "output") if layout == "alpaca" else ("context", "response")
        instruction = _need_str(fields, "instruction")
        context = _need_str(fields, extra, optional=True)
        output = _need_str(fields, answer)
        prompt = instruction if not context.strip() else f"{instruction}\n\n{context}"
        messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": output}]
    elif layout == "prompt_completion":
        messages = [
            {"role": "user", "content": _need_str(fields, "prompt")},
            {"role": "assistant", "content": _need_str(fields, "completion")},
        ]
    elif layout == "sharegpt":
        messages = _chat(fields.get("conversations"), "from", "value")
    elif layout == "messages":
        messages = _chat(fields.get("messages"), "role", "content")
    else:  # pragma: no cover - layouts are validated in the recipe
        raise ValueError(f"unknown layout {layout!r}")
    return "instruction", join_messages(messages), messages


def read_input(
    location: str,
    *,
    source: str,
    layout: str = "auto",
    fields: Mapping[str, str] | None = None,
    split: str = "train",
    limit: int | None = None,
    display: str | None = None,
) -> Ingested:
    """Read one input (file or HF id) into Record rows and quarantine rows.

    Args:
        location: a file path or a Hugging Face dataset id.
        source: the ``source`` name the records get.
        layout: one of :data:`LAYOUTS`, or ``auto`` to detect it from the first rows.
        fields: renames applied before mapping, ``{standard_name: name_in_file}``.
        split: split of a HF dataset.
        limit: read at most this many rows.
        display: how the file is named in quarantine rows and errors (default: ``location``).
    """
    where = display or location
    if layout == "natural_instructions" or (layout == "auto" and is_natural_instructions(location)):
        return read_natural_instructions(Path(location), source=source, where=where, limit=limit)
    rows: Iterator[RawRow | tuple[int, str, str]]
    rows = iter_hf_rows(location, split) if is_hf_id(location) else iter_raw_rows(Path(location))
    rename = {v: k for k, v in (fields or {}).items()}
    records: list[dict[str, Any]] = []
    quarantine: list[dict[str, Any]] = []
    pending: list[RawRow] = []
    chosen = None if layout == "auto" else layout

    def flush(batch: list[RawRow]) -> None:
        for r in batch:
            if not isinstance(r.fields, Mapping):
                quarantine.append(
                    _q(
                        where,
                        r.line,
                        f"expected a JSON object, found {type(r.fields).__name__}",
                        r.raw,
                    )
                )
                continue
            row = {rename.get(k, k): v for k, v in r.fields.items()}
            try:
                kind, text, messages = map_row(chosen, row)
            except ValueError as e:
                quarantine.append(
                    _q(where, r.line, f"{chosen} layout: {e}", r.raw or _dump(r.fields))
                )
                continue
            meta = {"file": where, "line": r.line, "fields": _jsonable(r.fields)}
            records.append(
                {"source": source, "kind": kind, "text": text, "messages": messages, "meta": meta}
            )

    n = 0
    for item in rows:
        if limit is not None and n >= limit:
            break
        n += 1
        if isinstance(item, tuple):
            quarantine.append(_q(where, *item))
            continue
        if chosen is None:
            pending.append(item)
            if len(pending) < _SNIFF_ROWS:
                continue
            chosen = _sniff(where, pending, rename)
            flush(pending)
            pending = []
        else:
            flush([item])
    if pending:
        chosen = _sniff(where, pending, rename)
        flush(pending)
    quarantined = pl.DataFrame(quarantine, schema=QUARANTINE_SCHEMA).sort(
        "line", maintain_order=True
    )
    return Ingested(_records_frame(records), quarantined, chosen or layout)


def _sniff(where: str, rows: list[RawRow], rename: Mapping[str, str]) -> str:
    """The layout most of the first rows fit (after the recipe's renames), or ConfigError."""
    objects = [{rename.get(k, k) for k in r.fields} for r in rows if isinstance(r.fields, Mapping)]
    if not objects:  # nothing to detect from: every row is quarantined anyway
        return "text"
    keys: set[str] = set().union(*objects)
    votes: dict[str, int] = {}
    for fields in objects:
        found = detect_layout(fields)
        if found:
            votes[found] = votes.get(found, 0) + 1
    if not votes:
        raise ConfigError(layout_help(where, keys))
    return max(votes, key=lambda k: votes[k])


def _q(where: str, line: int, error: str, raw: str) -> dict[str, Any]:
    return {"source_file": where, "line": line, "error": error, "raw": raw[:10_000]}


def _dump(fields: Any) -> str:
    return json.dumps(_jsonable(fields), ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    """Make parquet/HF values JSON-serialisable (dates and bytes become strings)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _records_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows -> Record frame; ids are content hashes (made unique later, across the whole run)."""
    if not rows:
        return pl.DataFrame(schema=RECORD_SCHEMA)
    ids = [content_hash(r["source"], r["kind"], r["text"], r["messages"]) for r in rows]
    frame = pl.DataFrame(
        {
            "id": ids,
            "source": [r["source"] for r in rows],
            "kind": [r["kind"] for r in rows],
            "text": [r["text"] for r in rows],
            "messages": [r["messages"] for r in rows],
            "meta": [json.dumps(r["meta"], ensure_ascii=False, sort_keys=True) for r in rows],
        },
        schema=RECORD_SCHEMA,
    )
    return frame


# ---------------------------------------------------------------------------------------------
# Super-NaturalInstructions task files
# ---------------------------------------------------------------------------------------------

TASKS_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "file": pl.String,
        "task": pl.String,
        "definition": pl.String,
        "positive_examples": pl.String,
        "options": pl.String,
        "categories": pl.String,
    }
)
NI_MAX_OPTIONS = (
    10  # a task whose instances have at most this many distinct outputs is a classification
)


def is_natural_instructions(location: str) -> bool:
    """True for a ``.json`` file holding one Super-NaturalInstructions task (an object with ``Instances``)."""
    path = Path(location)
    if suffix_of(path) != ".json" or not path.is_file():
        return False
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    return text.lstrip().startswith("{") and '"Instances"' in text and '"Definition"' in text


def task_options(outputs: list[str]) -> list[str] | None:
    """The label set of a classification task: its distinct outputs, when there are few.

    Example: ``["Completion A", "Completion B", "Completion A"]`` -> ``["Completion A", "Completion B"]``;
    a task with more than :data:`NI_MAX_OPTIONS` distinct outputs (generation) -> ``None``.
    """
    distinct = sorted(set(outputs))
    return distinct if 1 < len(distinct) <= NI_MAX_OPTIONS else None


def read_natural_instructions(
    path: Path, *, source: str, where: str, limit: int | None = None
) -> Ingested:
    """Read one Super-NaturalInstructions task file.

    Each Instance ``{"id", "input", "output": [...]}`` becomes an instruction record (user: input,
    assistant: first output) whose ``meta.fields`` holds the instance as it was; the task's
    Definition, Positive Examples and label options are returned once, as a row of
    :attr:`Ingested.tasks`, for templates to look up by ``(source, file)``.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(where, getattr(e, "lineno", None), f"cannot read task file: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("Instances"), list):
        raise InputError(
            where,
            None,
            "not a Natural-Instructions task: expected an object with an 'Instances' list",
        )
    definition = data.get("Definition") or []
    definition = "\n".join(definition) if isinstance(definition, list) else str(definition)
    positives = [
        {
            "input": str(p.get("input", "")),
            "output": str(p.get("output", "")),
            "explanation": str(p.get("explanation", "")),
        }
        for p in data.get("Positive Examples") or []
        if isinstance(p, Mapping)
    ]
    records, quarantine, outputs = [], [], []
    for i, inst in enumerate(data["Instances"], start=1):
        if limit is not None and i > limit:
            break
        try:
            if not isinstance(inst, Mapping):
                raise ValueError(f"expected an object, found {type(inst).__name__}")
            inp = _need_str(inst, "input")
            out = inst.get("output")
            out = [out] if isinstance(out, str) else out
            if not isinstance(out, list) or not out or not all(isinstance(o, str) for o in out):
                raise ValueError("field 'output' should be a non-empty list of strings")
        except ValueError as e:
            quarantine.append(_q(where, i, f"natural_instructions layout: {e}", _dump(inst)))
            continue
        outputs.append(out[0])
        messages = [{"role": "user", "content": inp}, {"role": "assistant", "content": out[0]}]
        meta = {"file": where, "line": i, "fields": _jsonable(inst)}
        records.append(
            {
                "source": source,
                "kind": "instruction",
                "text": join_messages(messages),
                "messages": messages,
                "meta": meta,
            }
        )
    tasks = pl.DataFrame(
        [
            {
                "source": source,
                "file": where,
                "task": path.stem,
                "definition": definition,
                "positive_examples": json.dumps(positives, ensure_ascii=False),
                "options": json.dumps(task_options(outputs), ensure_ascii=False),
                "categories": json.dumps(data.get("Categories") or [], ensure_ascii=False),
            }
        ],
        schema=TASKS_SCHEMA,
    )
    quarantined = pl.DataFrame(quarantine, schema=QUARANTINE_SCHEMA)
    return Ingested(_records_frame(records), quarantined, "natural_instructions", tasks)

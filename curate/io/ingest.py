"""Read inputs into the one Record schema.

A file is read by the reader of its format (:mod:`curate.io.formats`: ``.jsonl``, ``.jsonl.gz``,
``.json``, ``.parquet``, ``.csv``, ``.txt``; Hugging Face dataset ids through ``datasets``), and each
raw row is mapped by its layout (:mod:`curate.io.layouts`: text, alpaca, dolly, sharegpt, messages,
prompt_completion), detected from the fields of the first rows or named in the recipe. A
Super-NaturalInstructions task file (``natural_instructions``) is read whole: each Instance is a
record, and the task (Definition, positive examples, label options) is read once into
:attr:`Ingested.tasks` (the ``tasks`` table), not copied into every record.

A line that cannot be parsed or mapped becomes a quarantine row (file, line, error, raw) and the
run goes on; only a file that cannot be read at all raises :class:`InputError`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.core.errors import ConfigError, ConservationError, InputError
from curate.core.records import content_hash, join_messages
from curate.core.schemas import QUARANTINE_SCHEMA, RECORD_SCHEMA, TASKS_SCHEMA
from curate.io.formats import Parsed, RawRow, Seen, iter_hf_rows, iter_raw_rows
from curate.io.hf_datasets import is_saved_dataset
from curate.io.layouts import detect_layout, layout_help, map_row, need_str
from curate.io.paths import is_hf_id, suffix_of

_SNIFF_ROWS = 50


@dataclass(frozen=True)
class Ingested:
    """The records and quarantine rows read from one input."""

    records: pl.DataFrame
    quarantine: pl.DataFrame
    layout: str
    tasks: pl.DataFrame | None = None
    seen: int = (
        0  # units the reader read (lines, items, rows): records + quarantine account for all
    )


def read_input(
    location: str,
    *,
    source: str,
    layout: str = "auto",
    fields: Mapping[str, str] | None = None,
    split: str = "train",
    limit: int | None = None,
    display: str | None = None,
    hf_options: Mapping[str, Any] | None = None,
) -> Ingested:
    """Read one input (file, HF id, ``save_to_disk`` folder or ``.arrow`` file) into Record rows
    and quarantine rows.

    Args:
        location: a file path or a Hugging Face dataset id.
        source: the ``source`` name the records get.
        layout: one of :data:`LAYOUTS`, or ``auto`` to detect it from the first rows.
        fields: renames applied before mapping, ``{standard_name: name_in_file}``.
        split: split of a HF dataset.
        limit: read at most this many rows.
        display: how the file is named in quarantine rows and errors (default: ``location``).
        hf_options: ``config``, ``revision``, ``streaming``, ``data_files`` of a HF dataset id.
    """
    where = display or location
    if layout == "natural_instructions" or (layout == "auto" and is_natural_instructions(location)):
        return read_natural_instructions(Path(location), source=source, where=where, limit=limit)
    seen = Seen()
    rows: Iterator[Parsed]
    if is_hf_id(location) or is_saved_dataset(location):
        rows = iter_hf_rows(location, split, hf_options, seen)
    else:
        rows = iter_raw_rows(Path(location), seen)
    rename = {v: k for k, v in (fields or {}).items()}
    out = _Collected(where, source, rename, None if layout == "auto" else layout)
    pending: list[RawRow] = []
    for item in itertools.islice(rows, limit):
        if isinstance(item, tuple):
            out.bad(*item)
        elif out.layout is None:
            pending.append(item)
            if len(pending) >= _SNIFF_ROWS:
                out.layout = _sniff(where, pending, rename)
                out.add_all(pending)
                pending = []
        else:
            out.add(item)
    if pending:
        out.layout = _sniff(where, pending, rename)
        out.add_all(pending)
    return out.finish(seen, layout)


class _Collected:
    """Records and quarantine rows of one input as they are mapped, and the units they account
    for (a CSV record spanning two lines accounts for two)."""

    def __init__(self, where: str, source: str, rename: dict[str, str], layout: str | None):
        self.where, self.source, self.rename, self.layout = where, source, rename, layout
        self.records: list[dict[str, Any]] = []
        self.quarantine: list[dict[str, Any]] = []
        self.accounted = 0

    def bad(self, line: int, error: str, raw: str, span: int = 1) -> None:
        self.quarantine.append(_q(self.where, line, error, raw))
        self.accounted += span

    def add_all(self, rows: list[RawRow]) -> None:
        for r in rows:
            self.add(r)

    def add(self, r: RawRow) -> None:
        """Map one row; any error while decoding it quarantines the row (never the run)."""
        if not isinstance(r.fields, Mapping):
            found = type(r.fields).__name__
            return self.bad(r.line, f"expected a JSON object, found {found}", r.raw, r.span)
        try:
            row = {self.rename.get(k, k): v for k, v in r.fields.items()}
            kind, text, messages = map_row(self.layout or "text", row)
            meta = json.dumps(
                {"file": self.where, "line": r.line, "fields": _jsonable(r.fields)},
                ensure_ascii=False,
                sort_keys=True,
            )
        except ValueError as e:
            return self.bad(r.line, f"{self.layout} layout: {e}", r.raw or _dump(r.fields), r.span)
        except Exception as e:  # noqa: BLE001 - one odd record must never abort the run
            error = f"cannot decode the record: {type(e).__name__}: {str(e)[:300]}"
            return self.bad(r.line, error, r.raw or _safe_dump(r.fields), r.span)
        record = {"source": self.source, "kind": kind, "text": text, "messages": messages}
        self.records.append({**record, "meta": meta})
        self.accounted += r.span

    def finish(self, seen: Seen, layout: str) -> Ingested:
        """The frames, after checking that every unit the reader saw was accounted for."""
        if self.accounted != seen.units:
            raise ConservationError(
                f"{self.where}: the reader saw {seen.units} rows/lines but only "
                f"{self.accounted} became records or quarantine rows; nothing was written"
            )
        quarantined = pl.DataFrame(self.quarantine, schema=QUARANTINE_SCHEMA).sort(
            "line", maintain_order=True
        )
        return Ingested(
            _records_frame(self.records), quarantined, self.layout or layout, seen=seen.units
        )


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


def _safe_dump(fields: Any) -> str:
    try:
        return _dump(fields)
    except Exception:  # noqa: BLE001 - the raw text of a row that cannot be serialised
        return repr(fields)[:10_000]


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
            "meta": [r["meta"] for r in rows],
        },
        schema=RECORD_SCHEMA,
    )
    return frame


# ---------------------------------------------------------------------------------------------
# Super-NaturalInstructions task files
# ---------------------------------------------------------------------------------------------

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
            inp = need_str(inst, "input")
            out = inst.get("output")
            out = [out] if isinstance(out, str) else out
            if not isinstance(out, list) or not out or not all(isinstance(o, str) for o in out):
                raise ValueError("field 'output' should be a non-empty list of strings")
        except ValueError as e:
            quarantine.append(_q(where, i, f"natural_instructions layout: {e}", _dump(inst)))
            continue
        outputs.append(out[0])
        messages = [{"role": "user", "content": inp}, {"role": "assistant", "content": out[0]}]
        meta = json.dumps(
            {"file": where, "line": i, "fields": _jsonable(inst)},
            ensure_ascii=False,
            sort_keys=True,
        )
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
    seen = len(data["Instances"]) if limit is None else min(limit, len(data["Instances"]))
    return Ingested(_records_frame(records), quarantined, "natural_instructions", tasks, seen=seen)

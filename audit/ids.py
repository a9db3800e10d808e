"""The user's own record ids, kept next to the content hashes (issue 15).

Audit and dedup outputs key records by content hash (the ``records.id`` of a run). A user joins
results back to their data by *their* id, so every output also carries the input's id column
when it has one: the field named by ``--id-field``, else the first of ``id``, ``_id``, ``uid``,
``task_id`` the first record has.

Example: ``detect_id_field({"uid": 7, "text": "..."})`` -> ``"uid"``;
``detect_id_field({"text": "..."})`` -> ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from curate.core.errors import ConfigError

ID_CANDIDATES = ("id", "_id", "uid", "task_id")


def detect_id_field(
    fields: Mapping[str, Any] | None, explicit: str | None = None, *, where: str = "input"
) -> str | None:
    """The id field of a record: ``explicit`` (must exist), else the first known id name present.

    Raises:
        ConfigError: ``explicit`` is not a field of the record.
    """
    if not isinstance(fields, Mapping):
        return None
    if explicit:
        if explicit not in fields:
            raise ConfigError(
                f"{where}: no id field {explicit!r} in the first record; fields found: "
                f"{', '.join(sorted(map(str, fields)))}"
            )
        return explicit
    return next((f for f in ID_CANDIDATES if fields.get(f) is not None), None)


def id_string(value: Any) -> str | None:
    """An id value as a string: ``12`` -> ``"12"``, ``None`` -> ``None``."""
    return None if value is None else str(value)


def source_ids_from_meta(meta: pl.Series, field: str) -> pl.Series:
    """``source_id`` of records read by ``curate`` (the field kept in ``meta.fields``).

    Example: meta ``{"fields": {"uid": 7}}`` with field ``uid`` -> ``"7"``.
    """
    path = f"$.fields.{field}" if field.replace("_", "").isalnum() else f"$.fields['{field}']"
    return meta.str.json_path_match(path).alias("source_id")


def detect_in_meta(
    meta: pl.Series, explicit: str | None = None, *, where: str = "input"
) -> str | None:
    """The id field of ``curate``-read records, from the first record's ``meta.fields``."""
    import json

    if meta.len() == 0 or meta[0] is None:
        return None
    try:
        fields = json.loads(meta[0]).get("fields")
    except (ValueError, AttributeError):
        return None
    return detect_id_field(fields, explicit, where=where)

"""Naming inputs: supported file types, globs, Hugging Face ids, and ``FILE[:FIELD]`` arguments.

Example: ``parse_file_fields("data.jsonl:body")`` -> ``("data.jsonl", ["body"])``.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from curate.core.errors import ConfigError

SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".parquet", ".csv", ".txt", ".arrow")


def suffix_of(path: str | Path) -> str | None:
    """The supported suffix of a path, or None: ``"a/b.jsonl.gz"`` -> ``".jsonl.gz"``."""
    name = str(path).lower()
    return next((s for s in sorted(SUFFIXES, key=len, reverse=True) if name.endswith(s)), None)


def expand_paths(pattern: str) -> list[Path]:
    """The files a recipe path names: itself, or the sorted matches of a glob.

    Example: ``"pages/*.txt"`` -> ``[pages/a.txt, pages/b.txt]``.
    """
    if any(c in pattern for c in "*?["):
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
        os.environ.get(v, "").lower() in ("1", "true", "yes", "on")
        for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def display_path(path: str) -> str:
    """A path as shown in tables: relative to the working directory when it is under it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def parse_file_fields(arg: str, what: str = "input", max_fields: int = 1) -> tuple[str, list[str]]:
    """Split ``FILE[:FIELD[:FIELD2...]]`` into the file and up to ``max_fields`` field names.

    The file part must have a supported suffix, so a ``:`` inside a path is never mistaken for a
    field separator.

    Example: ``parse_file_fields("q.jsonl:question:answer", max_fields=2)``
    -> ``("q.jsonl", ["question", "answer"])``; ``"data.json"`` -> ``("data.json", [])``.

    Raises:
        ConfigError: no supported file in ``arg``, or more fields than ``max_fields``.
    """
    if suffix_of(arg) is not None:
        return arg, []
    head, fields = arg, []
    while ":" in head and len(fields) < max_fields:
        head, _, fld = head.rpartition(":")
        fields.insert(0, fld)
        if suffix_of(head) is not None:
            return head, fields
    shape = "[:FIELD]" + ("[:FIELD]" * (max_fields - 1))
    raise ConfigError(f"{what} {arg!r} is not a supported file ({', '.join(SUFFIXES)}){shape}")

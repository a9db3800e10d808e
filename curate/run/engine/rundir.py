"""The run folder of a sharded run: shard files, phase state, and what is already done.

Layout (``<run_dir>/``)::

    manifest.json          recipe hash, input fingerprints, shard list, finished tasks
    shards/SSSSS/tNN.parquet   shard SSSSS after task NN (records + decision columns)
    shards/SSSSS/quarantine.parquet
    side/<table>/SSSSS-NN.parquet   side-table rows a task emitted for a shard
    phase/<NN>-<step>/...  on-disk state of a global step (keys, signatures, pairs, decisions)

Every file is written under a temporary name and renamed into place; the manifest is rewritten
(also atomically) after each finished task, so a run killed at any point (SIGKILL included)
resumes from the last finished task. ``--resume`` continues only when the recipe hash and every
input's size and modification time are those recorded; otherwise it refuses with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from curate.core.errors import ConfigError

MANIFEST = "manifest.json"
FORMAT = 1


def fingerprint(paths: list[str]) -> list[dict[str, Any]]:
    """Size and mtime (ns) of each input file; a non-file (HF id) is recorded by name.

    Example: ``fingerprint(["a.jsonl"])`` -> ``[{"path": "a.jsonl", "size": 120, "mtime_ns": ...}]``.
    """
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append({"path": str(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns})
        except OSError:
            out.append({"path": str(p), "size": None, "mtime_ns": None})
    return out


class RunDir:
    """A run folder and its manifest."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.manifest: dict[str, Any] = {}

    # -- lifecycle --------------------------------------------------------------------------
    def open(self, recipe_sha: str, inputs: list[dict[str, Any]], resume: bool) -> bool:
        """Start fresh, or continue a matching run when ``resume``. Returns True when resuming.

        Raises:
            ConfigError: ``resume`` with a run folder made by another recipe or other inputs.
        """
        path = self.root / MANIFEST
        if resume and path.exists():
            old = json.loads(path.read_text())
            if old.get("format") != FORMAT:
                raise ConfigError(f"cannot resume {self.root}: written by another version")
            if old.get("recipe_sha256") != recipe_sha:
                raise ConfigError(
                    f"cannot resume {self.root}: the recipe changed since that run "
                    f"(sha256 {old.get('recipe_sha256', '')[:12]} -> {recipe_sha[:12]}); "
                    "run without --resume to start over"
                )
            if old.get("inputs") != inputs:
                changed = [
                    str(a.get("path", a))
                    for a, b in zip(old.get("inputs", []), inputs, strict=False)
                    if a != b
                ] or ["the list of input files"]
                raise ConfigError(
                    f"cannot resume {self.root}: input changed since that run: "
                    f"{', '.join(changed)}; run without --resume to start over"
                )
            self.manifest = old
            return True
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        self.manifest = {
            "format": FORMAT,
            "recipe_sha256": recipe_sha,
            "inputs": inputs,
            "done": {},
            "shards": [],
        }
        self.save()
        return False

    def save(self) -> None:
        """Write the manifest atomically."""
        tmp = self.root / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(self.manifest, indent=1, sort_keys=True))
        os.replace(tmp, self.root / MANIFEST)

    # -- tasks ------------------------------------------------------------------------------
    def is_done(self, task: str) -> bool:
        return task in self.manifest["done"]

    def done_value(self, task: str) -> Any:
        return self.manifest["done"].get(task)

    def mark_done(self, task: str, value: Any = True) -> None:
        self.manifest["done"][task] = value
        self.save()
        if os.environ.get("CLEANROOM_KILL_AFTER") == task:  # fault injection (resume tests)
            import signal

            os.kill(os.getpid(), signal.SIGKILL)

    # -- paths ------------------------------------------------------------------------------
    def shard_file(self, shard: int, task: int) -> Path:
        return self.root / "shards" / f"{shard:05d}" / f"t{task:02d}.parquet"

    def quarantine_file(self, shard: int) -> Path:
        return self.root / "shards" / f"{shard:05d}" / "quarantine.parquet"

    def side_file(self, table: str, shard: int, task: int) -> Path:
        return self.root / "side" / table / f"{shard:05d}-{task:02d}.parquet"

    def phase_dir(self, task: int, key: str) -> Path:
        return self.root / "phase" / f"{task:02d}-{key}"

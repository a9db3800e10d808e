"""Read a mixture for training, with its provenance, and encode it with a completion-only loss.

A mixture comes from one of three places (docs/TRAINING.md): the curation DB (``mixtures`` table,
by name), its Parquet export (``mixture_<name>.parquet``) or its Hugging Face ``save_to_disk``
folder. Provenance (the curate ``run_id`` and recipe sha256) comes from the DB's
``mixture_manifest``; a Parquet file is matched to the manifest by its sha256, so a checkpoint can
be traced back to the run that built its data.

Encoding: the prompt and the completion are tokenised separately and concatenated; prompt tokens
get label ``-100`` (ignored by the loss), so the model learns only the answer (the usual SFT
"completion-only" loss; Ouyang et al. 2022 train on demonstrations this way). When the tokenizer
has a chat template the pair is rendered through it; otherwise ``prompt + "\\n"`` and
``completion + eos``. Pretraining rows (no prompt) are trained on their ``text`` in full.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from curate.core.errors import ConfigError, InputError

IGNORE = -100
TRAIN_COLUMNS = ("split", "prompt", "completion", "text")


@dataclass
class Mixture:
    """The rows of one mixture and where they came from.

    Attributes:
        name: mixture name (``sft``).
        frame: rows with at least ``split``, ``prompt``, ``completion``, ``text``.
        source: what was read (``db:out/cleanroom.duckdb``, a Parquet path, an HF folder).
        run_id: the curate run that built it (None when it cannot be traced).
        recipe_sha256: that run's recipe hash (None when it cannot be traced).
        mixture_sha256: the manifest's hash of the mixture definition, when known.
    """

    name: str
    frame: pl.DataFrame
    source: str
    run_id: str | None = None
    recipe_sha256: str | None = None
    mixture_sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def split(self, name: str) -> pl.DataFrame:
        """Rows of one split (``train`` | ``validation``), in ``row_id`` order when present."""
        part = self.frame.filter(pl.col("split") == name)
        return part.sort("row_id") if "row_id" in part.columns else part


def load_mixture(arg: str, db: str | Path) -> Mixture:
    """A mixture by name from ``db``, or from a Parquet file / ``save_to_disk`` folder.

    Example: ``load_mixture("sft", "out/cleanroom.duckdb").split("train").height`` -> 54.

    Raises:
        ConfigError: the mixture does not exist, or has no train rows (nothing is written).
    """
    path = Path(arg)
    if path.suffix == ".parquet" or (path.is_dir() and (path / "dataset_dict.json").exists()):
        if not path.exists():
            raise ConfigError(f"mixture file not found: {arg}")
        mix = _from_parquet(path, db) if path.suffix == ".parquet" else _from_hf(path, db)
    else:
        mix = _from_db(arg, Path(db))
    missing = [c for c in TRAIN_COLUMNS if c not in mix.frame.columns]
    if missing:
        raise ConfigError(f"mixture {mix.name!r} ({mix.source}) lacks columns {missing}")
    if mix.split("train").height == 0:
        raise ConfigError(f"mixture {mix.name!r} ({mix.source}) has no train rows")
    return mix


def _from_db(name: str, db: Path) -> Mixture:
    if not db.exists():
        raise ConfigError(
            f"curation DB not found: {db} (run `cleanroom curate RECIPE` first, or pass --db, "
            "or give a mixture_<name>.parquet file)"
        )
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            tables = {
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            if "mixtures" not in tables:
                raise ConfigError(f"{db} holds no mixtures (its recipe has no `mixtures:`)")
            names = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT mixture FROM mixtures ORDER BY mixture"
                ).fetchall()
            ]
            if name not in names:
                raise ConfigError(
                    f"mixture {name!r} not found in {db}; mixtures there: {', '.join(names) or 'none'}"
                )
            frame = pl.from_arrow(
                con.sql(
                    "SELECT * FROM mixtures WHERE mixture = ? ORDER BY row_id", params=[name]
                ).to_arrow_table()
            )
            manifest = _manifest(con, tables, "mixture = ?", [name])
    except duckdb.Error as e:
        raise InputError(str(db), None, f"cannot read the curation DB ({e})") from None
    assert isinstance(frame, pl.DataFrame)
    run_id = frame["run_id"][0] if "run_id" in frame.columns and frame.height else None
    return Mixture(
        name,
        frame,
        f"db:{db}",
        run_id=run_id or manifest.get("run_id"),
        recipe_sha256=manifest.get("recipe_sha256"),
        mixture_sha256=manifest.get("mixture_sha256"),
    )


def _manifest(con: duckdb.DuckDBPyConnection, tables: set[str], where: str, params: list) -> dict:
    if "mixture_manifest" not in tables:
        return {}
    rows = con.execute(
        f"SELECT run_id, mixture, recipe_sha256, mixture_sha256, parquet_sha256 FROM mixture_manifest WHERE {where}",
        params,
    ).fetchall()
    keys = ("run_id", "mixture", "recipe_sha256", "mixture_sha256", "parquet_sha256")
    return dict(zip(keys, rows[0], strict=True)) if rows else {}


def _db_manifest(db: Path, where: str, params: list) -> dict:
    """The manifest row matching ``where`` in ``db`` ({} when there is no DB or no match)."""
    if not db.exists():
        return {}
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            tables = {
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            return _manifest(con, tables, where, params)
    except duckdb.Error:
        return {}


def _from_parquet(path: Path, db: str | Path) -> Mixture:
    try:
        frame = pl.read_parquet(path)
    except Exception as e:  # noqa: BLE001 - polars raises several error types for bad files
        raise InputError(str(path), None, f"cannot read Parquet ({e})") from None
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest = _db_manifest(Path(db), "parquet_sha256 = ?", [sha])
    name = (
        frame["mixture"][0]
        if "mixture" in frame.columns and frame.height
        else path.stem.removeprefix("mixture_")
    )
    return Mixture(
        str(name),
        frame,
        str(path),
        run_id=manifest.get("run_id"),
        recipe_sha256=manifest.get("recipe_sha256"),
        mixture_sha256=manifest.get("mixture_sha256"),
        extra={"parquet_sha256": sha, "manifest_matched": bool(manifest)},
    )


def _from_hf(path: Path, db: str | Path) -> Mixture:
    import datasets

    dd = datasets.load_from_disk(str(path))
    parts = []
    for split in dd:
        table = pl.from_arrow(dd[split].data.table)
        assert isinstance(table, pl.DataFrame)
        if "split" not in table.columns:
            table = table.with_columns(split=pl.lit(split))
        parts.append(table)
    frame = pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame()
    name = path.name
    manifest = _db_manifest(Path(db), "mixture = ?", [name])
    rows_match = manifest and _manifest_rows(Path(db), name) == frame.height
    return Mixture(
        name,
        frame,
        str(path),
        run_id=manifest.get("run_id") if rows_match else None,
        recipe_sha256=manifest.get("recipe_sha256") if rows_match else None,
        mixture_sha256=manifest.get("mixture_sha256") if rows_match else None,
        extra={"manifest_matched": bool(rows_match)},
    )


def _manifest_rows(db: Path, name: str) -> int | None:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT rows FROM mixture_manifest WHERE mixture = ?", [name]).fetchone()
    return int(row[0]) if row else None


def has_chat_template(tokenizer: Any) -> bool:
    """Whether the tokenizer carries a chat template."""
    return bool(getattr(tokenizer, "chat_template", None))


def render_pair(tokenizer: Any, prompt: str, completion: str) -> tuple[str, str]:
    """The prompt side and the completion side as the model sees them.

    With a chat template: the prompt is the user turn plus the generation prompt, and the
    completion is what the full conversation adds after it. Without: ``prompt + "\\n"`` and
    ``completion + eos``.

    Example (no template, eos ``</s>``): ``("2+2?", "4")`` -> ``("2+2?\\n", "4</s>")``.
    """
    if has_chat_template(tokenizer):
        user = [{"role": "user", "content": prompt}]
        head = tokenizer.apply_chat_template(user, add_generation_prompt=True, tokenize=False)
        full = tokenizer.apply_chat_template(
            [*user, {"role": "assistant", "content": completion}], tokenize=False
        )
        if full.startswith(head):
            return head, full[len(head) :]
        return head, completion + (tokenizer.eos_token or "")
    return prompt + "\n", completion + (tokenizer.eos_token or "")


def encode_pair(
    tokenizer: Any, prompt: str | None, completion: str | None, text: str | None, max_len: int
) -> tuple[list[int], list[int], int]:
    """Token ids, labels (``-100`` on the prompt) and the number of prompt tokens of one row.

    A row with no prompt (pretraining) is ``text`` (or the completion) with every token labelled.
    Too long: the prompt is cut from the left first, then the completion from the right.

    Example: prompt ids ``[5, 6]``, completion ids ``[7, 2]`` -> ``([5, 6, 7, 2], [-100, -100, 7, 2], 2)``.
    """
    if not prompt:
        body = text if text else (completion or "")
        ids = tokenizer(body + (tokenizer.eos_token or ""), add_special_tokens=False)["input_ids"]
        ids = ids[:max_len]
        return ids, list(ids), 0
    head, tail = render_pair(tokenizer, prompt, completion or "")
    p = tokenizer(head, add_special_tokens=False)["input_ids"]
    c = tokenizer(tail, add_special_tokens=False)["input_ids"][:max_len]
    keep = max(0, max_len - len(c))
    p = p[len(p) - keep :] if keep else []
    return p + c, [IGNORE] * len(p) + c, len(p)


def encode_frame(tokenizer: Any, frame: pl.DataFrame, max_len: int) -> list[dict[str, list[int]]]:
    """Every row of ``frame`` encoded with :func:`encode_pair` (``input_ids``, ``labels``)."""
    out = []
    for prompt, completion, text in frame.select("prompt", "completion", "text").iter_rows():
        ids, labels, _ = encode_pair(tokenizer, prompt, completion, text, max_len)
        if ids and any(lab != IGNORE for lab in labels):
            out.append({"input_ids": ids, "labels": labels})
    return out


def training_texts(frame: pl.DataFrame) -> list[str]:
    """The strings a tokenizer is trained on: prompt, completion and text of every row."""
    cols = frame.select("prompt", "completion", "text")
    return [v for row in cols.iter_rows() for v in row if v]


def mixture_summary(mix: Mixture) -> dict[str, Any]:
    """Rows per split and provenance, for the manifest."""
    counts = dict(mix.frame.group_by("split").len().iter_rows())
    return {
        "mixture": mix.name,
        "source": mix.source,
        "curate_run_id": mix.run_id,
        "recipe_sha256": mix.recipe_sha256,
        "mixture_sha256": mix.mixture_sha256,
        "train_rows": int(counts.get("train", 0)),
        "validation_rows": int(counts.get("validation", 0)),
        **({"extra": json.loads(json.dumps(mix.extra))} if mix.extra else {}),
    }

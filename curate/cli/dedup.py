"""``cleanroom dedup``: standalone near-duplicate clustering of any JSONL/JSON/Parquet/CSV file.

Writes one row per readable input record (``row``, optional ``id``, ``cluster_id``,
``cluster_size``, ``is_representative``, ``jaccard``, ``keep``); lines that cannot be parsed are
counted and reported, never fatal.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from curate.cli.console import console
from curate.core.errors import ConfigError, InputError

if TYPE_CHECKING:  # numpy and polars load when the command runs, not for `cleanroom --help`
    import polars as pl


def read_fields(
    path: Path, text_fields: list[str], id_field: str | None
) -> tuple[pl.DataFrame, int]:
    """Read the text (the ``text_fields`` joined by a blank line) and id columns of a file.

    Returns ``(frame with columns text[, id], number of unparseable lines)``. A record missing a
    field contributes nothing for it; a record with none of them has a null text. Without
    ``id_field`` the file's own id column is kept when it has one (``id``, ``_id``, ``uid``,
    ``task_id``: :mod:`audit.ids`).
    """
    import polars as pl

    from curate.io.formats import RawRow, iter_raw_rows
    from curate.io.paths import suffix_of

    suffix = suffix_of(path)
    if suffix is None:
        raise ConfigError(
            f"{path}: unsupported file type (use .jsonl, .jsonl.gz, .json, .parquet or .csv)"
        )
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    from audit.ids import ID_CANDIDATES, detect_id_field

    if suffix == ".parquet":
        try:
            schema = pl.read_parquet_schema(path)
        except Exception as e:  # noqa: BLE001 - polars raises many kinds
            raise InputError(str(path), None, f"cannot read Parquet: {e}") from None
        if id_field is None:  # the file's own id column, when it has one (issue 15)
            id_field = next((c for c in ID_CANDIDATES if c in schema), None)
    else:
        first = next((r.fields for r in iter_raw_rows(path) if isinstance(r, RawRow)), None)
        id_field = id_field if id_field is not None else detect_id_field(first)
    wanted = [*text_fields, *([id_field] if id_field else [])]
    if suffix == ".parquet":
        missing = [f for f in wanted if f not in schema]
        if missing:
            raise ConfigError(f"{path}: no column {missing[0]!r} (columns: {', '.join(schema)})")
        frame = pl.read_parquet(path, columns=wanted)
        parts = [pl.col(f).cast(pl.String) for f in text_fields]
        out = frame.select(
            text=pl.concat_str(parts, separator="\n\n", ignore_nulls=True)
            if len(parts) > 1
            else parts[0]
        )
        if id_field:
            out = out.with_columns(id=frame[id_field].cast(pl.String))
        return out, 0
    if suffix in (".jsonl", ".jsonl.gz"):
        out, bad = read_jsonl_arrow(path, text_fields, id_field)
    else:
        rows = (r.fields if isinstance(r, RawRow) else _BAD for r in iter_raw_rows(path))
        out, bad = _frame_of_rows(rows, text_fields, id_field)
    if out.height and out["text"].null_count() == out.height:
        raise ConfigError(f"{path}: no record has field(s) {', '.join(text_fields)}")
    return out, bad


_BAD = object()  # a row that could not be parsed


def _frame_of_rows(
    rows: Iterable[Any], text_fields: list[str], id_field: str | None
) -> tuple[pl.DataFrame, int]:
    """The reference, one Python row at a time: ``(text[, id] frame, rows that are not objects)``."""
    import polars as pl

    texts: list[str | None] = []
    ids: list[str | None] = []
    bad = 0
    for f in rows:
        if not isinstance(f, Mapping):
            bad += 1
            continue
        vals = [str(f[k]) for k in text_fields if f.get(k) not in (None, "")]
        texts.append("\n\n".join(vals) if vals else None)
        if id_field:
            ids.append(None if f.get(id_field) is None else str(f[id_field]))
    out = pl.DataFrame({"text": texts}, schema={"text": pl.String})
    if id_field:
        out = out.with_columns(id=pl.Series(ids, dtype=pl.String))
    return out, bad


def read_jsonl_arrow(
    path: Path, text_fields: list[str], id_field: str | None
) -> tuple[pl.DataFrame, int]:
    """:func:`read_fields` for JSONL through Arrow buffers (:mod:`curate.io.ingest_arrow`).

    Blocks whose text fields are all strings (or null) are joined with Polars expressions; ids
    may be strings or integers. Any other block goes through :func:`_frame_of_rows`, so the
    result equals the per-line reference (``tests/test_dedup_cli_read.py``).
    """
    import polars as pl

    from curate.io.ingest_arrow import (
        block_ids,
        block_lines,
        has_bare_cr,
        iter_blocks,
        string_frame,
    )

    parts: list[pl.DataFrame] = []
    bad = 0
    # String ids come out of the same parse as the texts (one pass over each block); a block
    # that parse refuses (integer ids, say) is parsed for its texts alone and its ids read by
    # ``block_ids`` as before.
    columns = [*text_fields, *([id_field] if id_field else [])]
    for both, block in iter_blocks(path, columns):
        frame, ids = both, None
        if both is not None and id_field:
            ids = both[id_field]
        elif id_field and not has_bare_cr(block):
            frame = string_frame(block, text_fields)
            ids = block_ids(block, id_field) if frame is not None else None
        if frame is None or (id_field and ids is None):
            part, b = _frame_of_rows(map(_loads, block_lines(block)), text_fields, id_field)
            bad += b
        else:
            cols = [pl.when(pl.col(k) != "").then(pl.col(k)) for k in text_fields]
            text = pl.concat_str(cols, separator="\n\n", ignore_nulls=True)
            part = frame.select(text=pl.when(text != "").then(text))
            if ids is not None:
                part = part.with_columns(id=ids)
        parts.append(part)
    schema = {"text": pl.String, **({"id": pl.String} if id_field else {})}
    return (pl.concat(parts) if parts else pl.DataFrame(schema=schema)), bad


def _loads(line: str) -> Any:
    from curate.io.formats import decode_json

    value, error = decode_json(line)
    return _BAD if error is not None else value


def dedup(
    input: Annotated[
        Path, typer.Argument(help="JSONL, JSONL.GZ, JSON (list), Parquet or CSV file.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Parquet file to write (one row per record).")],
    text_field: Annotated[
        list[str],
        typer.Option(
            "--text-field",
            help="Field to compare; repeat to join several (e.g. instruction and input).",
        ),
    ] = ["text"],  # noqa: B006
    threshold: Annotated[float, typer.Option(help="Jaccard threshold.")] = 0.6,
    id_field: Annotated[
        str | None,
        typer.Option(
            "--id-field",
            help="Field copied to the output as `id` (default: id, _id, uid or task_id if present).",
        ),
    ] = None,
    ngram: Annotated[int, typer.Option(help="Shingle length (words or characters).")] = 5,
    shingle: Annotated[str, typer.Option(help="word or char n-grams.")] = "word",
    num_perm: Annotated[int, typer.Option(help="MinHash signature length.")] = 128,
    hash_mode: Annotated[
        str, typer.Option("--hash", help="fast, or datasketch (exact datasketch signatures; slow).")
    ] = "fast",
    verify: Annotated[
        str, typer.Option(help="signature (estimate) or exact (shingle-set Jaccard).")
    ] = "signature",
    representative: Annotated[str, typer.Option(help="first or longest.")] = "first",
    shard_size: Annotated[
        int | None, typer.Option(help="Records hashed at a time (default: the library's).")
    ] = None,
) -> None:
    """Cluster near-duplicate records of one file with MinHash LSH; write one row per record.

    Example: cleanroom dedup data.jsonl --text-field output --threshold 0.6 --out clusters.parquet
    """
    import numpy as np
    import polars as pl
    from pydantic import TypeAdapter, ValidationError

    from curate.core.registry import format_validation_error
    from curate.lib.dedup.near_dup import MinHashParams, near_duplicates

    if representative == "quality":
        raise ConfigError(
            "--representative quality needs a pipeline with a quality tagger; use first or longest here"
        )
    raw = dict(
        threshold=threshold,
        ngram=ngram,
        shingle=shingle,
        num_perm=num_perm,
        hash=hash_mode,
        verify=verify,
        representative=representative,
    )
    if shard_size is not None:
        raw["shard_size"] = shard_size
    try:
        params = TypeAdapter(MinHashParams).validate_python(raw)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e)) from None
    if out.suffix != ".parquet":
        raise ConfigError(f"--out must end in .parquet, got {out}")
    t0 = time.perf_counter()
    frame, bad = read_fields(input, text_field, id_field)
    t_read = time.perf_counter()
    result = near_duplicates(frame["text"], params)
    seconds = time.perf_counter() - t_read
    n = frame.height
    table = pl.DataFrame(
        {
            "row": np.arange(n, dtype=np.int64),
            "cluster_id": result.label,
            "cluster_size": result.cluster_size.astype(np.int64),
            "is_representative": result.is_representative,
            "jaccard": result.jaccard,
            "keep": result.keep,
        }
    ).with_columns(jaccard=pl.col("jaccard").fill_nan(None))
    if "id" in frame.columns:
        table = table.insert_column(1, frame["id"])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    table.write_parquet(tmp)
    tmp.replace(out)
    s = result.stats
    summary = Table(
        "records",
        "clusters",
        "dropped",
        "unparsed lines",
        "bands x rows",
        "candidate pairs",
        "verified",
        "records/s",
        "peak RSS",
    )
    summary.add_row(
        str(n),
        str(s["clusters"]),
        str(s["duplicates"]),
        str(bad),
        f"{s['bands']} x {s['rows']}",
        str(s["candidate_pairs"]),
        str(s["verified_pairs"]),
        f"{n / max(seconds, 1e-9):,.0f}",
        f"{s['peak_rss_mib']:.0f} MiB",
    )
    console.print(summary)
    console.print(f"read {t_read - t0:.2f} s, dedup {seconds:.2f} s; wrote {out}")

"""JSONL straight into Arrow buffers: the ``(id, text)`` rows of a corpus without a Python object per record.

:func:`curate.io.ingest.read_input` builds the whole Record frame (messages, meta) through Python
dicts; a scan needs only ``id`` and ``text``. This reader parses blocks of lines with
``pyarrow.json`` (strict types: a number where a string belongs is an error, not a silent cast),
builds ``text`` with Polars string expressions, and computes the same content-hash ids as
:func:`curate.core.records.content_hash` from a vectorised canonical JSON (``struct.json_encode``
escapes strings exactly as ``json.dumps(..., ensure_ascii=False)``). Only the 128-bit xxh3 of each
canonical string runs per record.

A block that pyarrow refuses (a line that is not JSON or not an object, a field of another type,
invalid UTF-8, a lone ``\\r``) is read line by line with the reference logic (``json.loads`` +
:func:`curate.io.layouts.map_row` + :func:`curate.core.records.content_hash`), so bad lines are skipped
exactly as ``read_input`` quarantines them. ``tests/test_ingest_arrow.py`` compares both paths.

Example: ``{"instruction": "Add", "input": "2+2", "output": "4"}`` in ``maths.jsonl`` ->
``id = content_hash("maths", "instruction", "Add\\n\\n2+2\\n\\n4", [user, assistant])``,
``text = "Add\\n\\n2+2\\n\\n4"``.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xxhash

from curate.core.records import content_hash
from curate.io.formats import decode_json
from curate.io.ingest import _SNIFF_ROWS, _sniff
from curate.io.layouts import map_row
from curate.io.paths import suffix_of

# layout -> (required prompt field, optional context field or None, required answer field)
FAST_LAYOUTS: dict[str, tuple[str, str | None, str]] = {
    "alpaca": ("instruction", "input", "output"),
    "dolly": ("instruction", "context", "response"),
    "prompt_completion": ("prompt", None, "completion"),
}
BLOCK_BYTES = 8 << 20
# Python's str.strip() whitespace: Unicode White_Space plus the four separators \x1c-\x1f.
_BLANK = r"^[\s\x1c-\x1f]*$"
_ID_TEXT = {"id": pl.String, "text": pl.String}


def supports(path: str | Path) -> bool:
    """True for the files this reader takes (``.jsonl``, ``.jsonl.gz``)."""
    return suffix_of(path) in (".jsonl", ".jsonl.gz")


def iter_id_text(
    path: str | Path,
    *,
    source: str,
    fields: Sequence[str] | None = None,
    shard_rows: int = 20_000,
    block_bytes: int | None = None,
    where: str | None = None,
    id_field: str | None = None,
) -> Iterator[pl.DataFrame]:
    """Shards of ``id, text[, source_id]`` rows of a JSONL file, ids made unique in file order.

    Args:
        path: a ``.jsonl`` or ``.jsonl.gz`` file.
        source: the source name hashed into the ids (the file stem for ``audit scan``).
        fields: ``None`` to read the file like ``curate`` (layout detected from the first rows;
            instruction ``text`` = messages joined), or field names whose values, joined by a
            blank line, are the ``text`` of a ``document`` record.
        shard_rows: rows per yielded shard.
        block_bytes: bytes parsed per pyarrow call (memory = one block + one shard; default
            :data:`BLOCK_BYTES`).
        where: how the file is named in errors (default: ``path``).
        id_field: the input's own id field, copied as a string to ``source_id`` (issue 15;
            string or integer ids stay on the fast path, other types take the reference).

    Yields ``id, text`` frames of ``shard_rows`` rows (the last one shorter). With ``fields``
    and no rows at all one empty frame is yielded, like :func:`audit.scan.iter_corpus`.
    """
    blocks = _blocks(Path(path), block_bytes or BLOCK_BYTES)
    first = next(blocks, b"")
    reader = _Reader(
        source,
        list(fields) if fields else None,
        _first_objects(first),
        where or str(path),
        id_field=id_field,
    )
    seen: set[str] = set()
    repeats: dict[str, int] = {}
    pending: list[pl.DataFrame] = []
    n_pending = 0
    total = 0
    for block in _chain(first, blocks):
        frame = reader.read(block)
        if frame.height == 0:
            continue
        frame = frame.with_columns(id=pl.Series(_unique(frame["id"].to_list(), seen, repeats)))
        pending.append(frame)
        n_pending += frame.height
        while n_pending >= shard_rows:
            joined = pl.concat(pending)
            yield joined.slice(0, shard_rows)
            total += shard_rows
            rest = joined.slice(shard_rows)
            pending, n_pending = [rest], rest.height
    if n_pending:
        yield pl.concat(pending)
        total += n_pending
    if total == 0 and fields:
        yield pl.DataFrame(schema=reader.schema)


class RepeatCounter:
    """Counts, per row, the earlier rows (of this and earlier blocks) with the same 128-bit key.

    A key is two 64-bit halves ``(a, b)`` (hashes, so their bits are uniform). Most rows of a
    corpus are new, so NumPy does the common case: a table of 2**24 flags indexed by the top 24
    bits of ``a`` says which rows may have an earlier copy; those few are looked up in the
    earlier blocks' sorted ``a`` arrays, and rows sharing ``a`` within the block are found by the
    same sort. Only rows whose ``a`` was seen before (real repeats, or two keys sharing ``a`` by
    chance) go through a dict of exact ``(a, b)`` counts, so the result equals
    :meth:`count_reference`, the plain set and dict per row (tested).

    Example: ``RepeatCounter().count(np.array([5, 7, 5], np.uint64), np.array([1, 2, 1], np.uint64))``
    -> ``[0, 0, 1]``.
    """

    BITS = 24

    def __init__(self) -> None:
        self._flags = np.zeros(1 << self.BITS, bool)  # some earlier row's a has these top bits
        self._blocks: list[tuple[np.ndarray, np.ndarray]] = []  # earlier blocks' (a, b), by a
        self._counts: dict[tuple[int, int], int] = {}  # exact counts of the keys seen repeated

    def count(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The repeat number of each row (0 for a first occurrence), then remembers the rows."""
        n = len(a)
        out = np.zeros(n, np.int64)
        if n == 0:
            return out
        top = (a >> np.uint64(64 - self.BITS)).astype(np.intp)
        order = np.argsort(a, kind="stable")  # stable: the first of equal a's is the earliest
        sa, sb = a[order], b[order]
        same = sa[1:] == sa[:-1]
        suspect = np.zeros(n, bool)
        if same.any():  # rows sharing their a with another row of the block
            twin = np.zeros(n, bool)
            twin[1:] |= same
            twin[:-1] |= same
            suspect[order[twin]] = True
        rows = np.flatnonzero(self._flags[top])
        first_b = np.zeros(n, np.uint64)  # b of the earliest earlier row with this a
        in_history = np.zeros(n, bool)
        if len(rows):
            ra = a[rows]
            for ha, hb in self._blocks:  # earliest block first
                p = np.minimum(np.searchsorted(ha, ra), len(ha) - 1)
                hit = (ha[p] == ra) & ~in_history[rows]
                if hit.any():
                    in_history[rows[hit]] = True
                    first_b[rows[hit]] = hb[p[hit]]
            suspect |= in_history
        for i in np.flatnonzero(suspect).tolist():
            k = (int(a[i]), int(b[i]))
            c = self._counts.get(k)
            if c is None:
                # Not counted yet, so every earlier row with this a but the first has a counted
                # key: an earlier copy, if any, is that first row.
                c = int(bool(in_history[i]) and first_b[i] == b[i])
            out[i] = c
            self._counts[k] = c + 1
        self._flags[top] = True
        self._blocks.append((sa, sb))
        return out

    @staticmethod
    def count_reference(
        keys: Sequence[tuple[int, int]],
        seen: set[tuple[int, int]],
        repeats: dict[tuple[int, int], int],
    ) -> list[int]:
        """The plain per-row count :meth:`count` must equal (``seen`` and ``repeats`` persist
        across blocks)."""
        out = []
        for k in keys:
            if k in seen:
                c = repeats.get(k, 1)
                repeats[k] = c + 1
                out.append(c)
            else:
                seen.add(k)
                out.append(0)
        return out


class LazyIds:
    """:func:`iter_id_text` for a scan that needs ids only for the records it reports.

    Iterating yields shards of ``text, _dup[, source_id]`` plus the columns ids are computed
    from; :meth:`ids` then gives the ids of chosen rows of a shard, equal to the ones
    :func:`iter_id_text` gives (tested). What it saves per record: building the canonical JSON,
    its xxh3 digest and the uniqueness check on 32-character strings. Repeats are counted on a
    128-bit key of the id's ingredients (two seeded Polars hashes of the prompt and answer, or
    of the text; of the id itself for rows the reference path read in another form): two
    different records share a key with probability about 2**-128 per pair, the same order as
    two different records sharing their 128-bit content hash.

    Example: ``shards = LazyIds("c.jsonl", source="c")``; ``for s in shards:
    shards.ids(s, [0])`` -> ``["<hash of record 0>"]``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        source: str,
        fields: Sequence[str] | None = None,
        shard_rows: int = 20_000,
        block_bytes: int | None = None,
        where: str | None = None,
        id_field: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.shard_rows = shard_rows
        self.block_bytes = block_bytes or BLOCK_BYTES
        self.id_field = id_field
        self.source = source
        self.fields = list(fields) if fields else None
        self.where = where or str(path)
        self.reader: _Reader | None = None

    def __iter__(self) -> Iterator[pl.DataFrame]:
        blocks = _blocks(self.path, self.block_bytes)
        first = next(blocks, b"")
        reader = self.reader = _Reader(
            self.source, self.fields, _first_objects(first), self.where, id_field=self.id_field
        )
        counter = RepeatCounter()
        pending: list[pl.DataFrame] = []
        n_pending = 0
        total = 0
        for block in _chain(first, blocks):
            frame = reader.read_lazy(block)
            if frame.height == 0:
                continue
            frame = frame.with_columns(_dup=pl.Series(self._repeats(frame, counter)))
            if not self.id_field:
                frame = frame.drop("_sid")
            pending.append(frame)
            n_pending += frame.height
            while n_pending >= self.shard_rows:
                joined = pl.concat(pending)
                yield self._out(joined.slice(0, self.shard_rows))
                total += self.shard_rows
                rest = joined.slice(self.shard_rows)
                pending, n_pending = [rest], rest.height
        if n_pending:
            yield self._out(pl.concat(pending))
            total += n_pending
        if total == 0 and self.fields:
            yield pl.DataFrame(schema=reader.schema)

    def _out(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.rename({"_sid": "source_id"}) if self.id_field else frame

    def _repeats(self, frame: pl.DataFrame, counter: RepeatCounter) -> np.ndarray:
        """Per row, how many earlier rows of the file have the same id (before the suffix)."""
        assert self.reader is not None
        cols = [pl.col(c) for c in self.reader.ingredients]
        key = [
            pl.when(pl.col("_form"))
            .then(pl.struct(cols).hash(seed=seed))
            .otherwise(pl.col("_base").hash(seed=seed) ^ pl.lit(0x9E3779B97F4A7C15, pl.UInt64))
            .fill_null(0)
            .alias(name)
            for name, seed in (("a", 0x1D), ("b", 0x2E))
        ]
        keys = frame.select(key)
        return counter.count(keys["a"].to_numpy(), keys["b"].to_numpy())

    def ids(self, frame: pl.DataFrame, rows: Sequence[int]) -> list[str]:
        """The ids of rows ``rows`` of a yielded shard (content hash, ``-n`` for the n-th repeat)."""
        assert self.reader is not None
        sub = frame[list(rows)]
        fast = sub["_base"].is_null()
        base = sub["_base"].to_list()
        if fast.any():
            todo = sub.filter(fast)
            digests = iter(_hash(self.reader.canon(todo)))
            base = [b if b is not None else next(digests) for b in base]
        return [
            b if d == 0 else f"{b}-{d}" for b, d in zip(base, sub["_dup"].to_list(), strict=True)
        ]


def iter_blocks(
    path: str | Path, columns: Sequence[str], block_bytes: int = BLOCK_BYTES
) -> Iterator[tuple[pl.DataFrame | None, bytes]]:
    """``(frame of the String columns, block)`` per block of a JSONL file; ``None`` for a block
    pyarrow refuses (the caller reads that block's :func:`block_lines` its own way).

    Missing fields are null. Example: a block ``{"text": "a", "n": 1}\\n`` with ``columns=["text"]``
    -> a 1-row frame ``text="a"``.
    """
    for block in _blocks(Path(path), block_bytes):
        if has_bare_cr(block):
            yield None, block
            continue
        yield string_frame(block, columns), block


def has_bare_cr(block: bytes) -> bool:
    """A carriage return outside ``\\r\\n``: such a block is read line by line (pyarrow
    would split its lines where ``iter_raw_rows`` does not)."""
    return b"\r" in block and b"\r" in block.replace(b"\r\n", b"\n")


def string_frame(block: bytes, columns: Sequence[str]) -> pl.DataFrame | None:
    """The ``columns`` of a block as large strings (missing fields null), or None when pyarrow
    refuses the block (a field that is not a string, a line that is not JSON)."""
    table = _arrow_table(block, list(dict.fromkeys(columns)))
    frame = None if table is None else pl.from_arrow(table)
    return frame if isinstance(frame, pl.DataFrame) else None


_FEW_TEXTS = 4096


def utf8_buffers(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes and int64 offsets of a string Series without nulls, read from its Arrow
    buffers (no copy of the text): text ``k`` is ``data[offsets[k]:offsets[k + 1]]``, for the
    compiled kernels that take many texts at once.

    Example: ``utf8_buffers(pl.Series(["ab", "é"]))`` -> bytes ``b"ab\\xc3\\xa9"``, offsets
    ``[0, 2, 4]``.

    Up to :data:`_FEW_TEXTS` texts (e.g. a benchmark's items) are encoded by Python instead:
    the same arrays, without importing pyarrow (~25 ms of a short ``audit scan``).
    """
    if texts.len() <= _FEW_TEXTS:
        parts = [t.encode("utf-8") for t in texts.to_list()]
        offsets = np.zeros(len(parts) + 1, np.int64)
        np.cumsum([len(p) for p in parts], out=offsets[1:])
        return np.frombuffer(b"".join(parts), np.uint8), offsets
    import pyarrow as pa

    arr = texts.rechunk().to_arrow()
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return data, offsets


def block_lines(block: bytes) -> Iterator[str]:
    """The stripped non-empty lines of a block, split as ``iter_raw_rows`` splits a file."""
    return _lines(block)


def _arrow_table(block: bytes, columns: list[str]) -> Any:
    """pyarrow's parse of a block into large-string ``columns``; ``None`` when it refuses."""
    import pyarrow as pa
    import pyarrow.json as pj

    schema = pa.schema([(c, pa.large_string()) for c in columns])
    try:
        return pj.read_json(
            io.BytesIO(block),
            read_options=pj.ReadOptions(use_threads=False, block_size=max(len(block), 1 << 20)),
            parse_options=pj.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="ignore"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def block_ids(block: bytes, id_field: str) -> pl.Series | None:
    """The id column of a block as strings, read as JSON strings or integers; None otherwise.

    Example: ``{"id": 7}`` -> ``"7"``; ``{"id": "a"}`` -> ``"a"``; ``{"id": 1.5}`` -> None.
    """
    import pyarrow as pa
    import pyarrow.json as pj

    for kind in (pa.large_string(), pa.int64()):
        try:
            table = pj.read_json(
                io.BytesIO(block),
                read_options=pj.ReadOptions(use_threads=False, block_size=max(len(block), 1 << 20)),
                parse_options=pj.ParseOptions(
                    explicit_schema=pa.schema([(id_field, kind)]),
                    unexpected_field_behavior="ignore",
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            continue
        return pl.Series("_sid", table.column(0)).cast(pl.String)
    return None


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _blocks(path: Path, block_bytes: int) -> Iterator[bytes]:
    """The file in blocks that end at a newline (each whole lines)."""
    opener = gzip.open if suffix_of(path) == ".jsonl.gz" else open
    with opener(path, "rb") as fh:
        carry = fh.read(3).removeprefix(codecs.BOM_UTF8)
        while True:
            chunk = fh.read(block_bytes)
            if not chunk:
                break
            chunk = carry + chunk
            cut = chunk.rfind(b"\n")
            if cut < 0:
                carry = chunk
                continue
            carry = chunk[cut + 1 :]
            yield chunk[: cut + 1]
        if carry:
            yield carry


def _lines(block: bytes) -> Iterator[str]:
    """Stripped non-empty lines that are valid UTF-8, split as ``iter_raw_rows`` splits a JSONL
    file (on ``\\n`` only; a line that is not UTF-8 is quarantined there, skipped here)."""
    for bline in block.split(b"\n"):
        if not bline.strip():
            continue
        try:
            yield bline.decode("utf-8").strip()
        except UnicodeDecodeError:
            continue


def _first_objects(block: bytes) -> list[Any]:
    """The first parsed rows (up to the sniffing window), parse errors left out."""
    rows: list[Any] = []
    for line in _lines(block):
        row, error = decode_json(line)
        if error is not None:
            continue
        rows.append(row)
        if len(rows) >= _SNIFF_ROWS:
            break
    return rows


def _unique(ids: list[str], seen: set[str], repeats: dict[str, int]) -> list[str]:
    """:func:`curate.core.records.assign_ids` carried across blocks: ``seen`` holds every id
    met so far, ``repeats`` how often each id met more than once was met.

    Ids new to ``seen`` and unique in the block (nearly all) keep their value and are added
    with one set operation in C; only the others go through the per-id loop, in order.
    Example: ``_unique(["a", "b", "a"], {"b"}, {})`` -> ``["a", "b-1", "a-1"]``.
    """
    fresh = set(ids)
    if len(fresh) == len(ids) and seen.isdisjoint(fresh):
        seen |= fresh
        return ids
    out = []
    for h in ids:
        if h in seen:
            k = repeats.get(h, 1)
            repeats[h] = k + 1
            out.append(f"{h}-{k}")
        else:
            seen.add(h)
            out.append(h)
    return out


def _json_str(col: str) -> pl.Expr:
    """``json.dumps(value, ensure_ascii=False)`` of a String column: ``a"b`` -> ``"a\\"b"``."""
    prefix = len(json.dumps(col, ensure_ascii=False)) + 2  # {"col":
    return pl.struct(pl.col(col)).struct.json_encode().str.slice(prefix).str.head(-1)


def _hash(canon: pl.Series) -> list[str]:
    """xxh3-128 hex digests of canonical JSON strings (what ``content_hash`` hashes)."""
    # UTF-8 bytes straight from Polars (no per-record ``str.encode``), hashed by a C ``map``
    return list(map(xxhash.xxh3_128_hexdigest, canon.cast(pl.Binary).to_list()))


class _Reader:
    """Turns one block of JSONL into ``id, text`` rows (fast path, or the reference per line)."""

    def __init__(
        self,
        source: str,
        fields: list[str] | None,
        first: list[Any],
        where: str,
        id_field: str | None = None,
    ) -> None:
        self.source = source
        self.fields = fields
        self.id_field = id_field
        self.schema = {**_ID_TEXT, **({"source_id": pl.String} if id_field else {})}
        self._src_json = json.dumps(source, ensure_ascii=False)
        objects = [r for r in first if isinstance(r, dict)]
        if fields is None:
            from curate.io.formats import RawRow

            raw = [RawRow(i, r, "") for i, r in enumerate(first, start=1)]
            self.layout = _sniff(where, raw, {}) if raw else "text"
            self.columns = (
                ["text"]
                if self.layout == "text"
                else [c for c in FAST_LAYOUTS.get(self.layout, ()) if c]
            )
        else:
            if objects and not any(f in objects[0] for f in fields):
                from curate.core.errors import ConfigError

                raise ConfigError(
                    f"{where}: no field {','.join(fields)!r} in the first record; fields found: "
                    f"{', '.join(sorted(map(str, objects[0])))}"
                )
            self.layout = "fields"
            self.columns = list(dict.fromkeys(fields))

    def read(self, block: bytes) -> pl.DataFrame:
        """The block's rows; the reference path when pyarrow refuses it."""
        frame = self._fast_frame(block)
        return self.read_slow(block) if frame is None else self._id_text(frame)

    def _fast_frame(self, block: bytes) -> pl.DataFrame | None:
        """The block parsed by pyarrow (fields as strings, ``_sid`` when ids come from a field),
        or None when the reference path must read it (bare CRs, a block pyarrow refuses, ids it
        cannot take)."""
        if not self.columns or has_bare_cr(block):
            return None
        table = self._arrow(block)
        if table is None:
            return None
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        if self.id_field:
            sids = block_ids(block, self.id_field)
            if sids is None:
                return None
            frame = frame.with_columns(_sid=sids)
        return frame.with_columns(pl.col(c).cast(pl.String) for c in self.columns)

    def _arrow(self, block: bytes) -> Any:
        return _arrow_table(block, self.columns)

    def _id_text(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Rows that map, with their text and content-hash id, in block order."""
        frame = self._prepare(frame)
        data = {"id": _hash(self.canon(frame)), "text": frame["text"]}
        if self.id_field:
            data["source_id"] = frame["_sid"]
        return pl.DataFrame(data, schema=self.schema)

    @property
    def ingredients(self) -> list[str]:
        """The columns a row's id is computed from: ``text`` for documents, else the prompt
        and the answer (the text is made of them)."""
        return ["text"] if self.layout in ("fields", "text") else ["_prompt", "_answer"]

    def _prepare(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows that map, with ``text`` (and ``_prompt``, ``_answer`` for instructions)."""
        if self.layout == "fields":
            text = pl.concat_str(
                [pl.col(c) for c in self.fields or ()], separator="\n\n", ignore_nulls=True
            )
            return frame.with_columns(text=text.fill_null(""))
        if self.layout == "text":
            return frame.filter(pl.col("text").is_not_null())
        ask, ctx, ans = FAST_LAYOUTS[self.layout]
        frame = frame.filter(pl.col(ask).is_not_null() & pl.col(ans).is_not_null())
        prompt = pl.col(ask)
        if ctx is not None:
            context = pl.col(ctx).fill_null("")
            prompt = (
                pl.when(context.str.contains(_BLANK))
                .then(pl.col(ask))
                .otherwise(pl.concat_str(pl.col(ask), pl.lit("\n\n"), context))
            )
        frame = frame.with_columns(_prompt=prompt, _answer=pl.col(ans))
        parts = [pl.when(pl.col(c) != "").then(pl.col(c)) for c in ("_prompt", "_answer")]
        return frame.with_columns(text=pl.concat_str(parts, separator="\n\n", ignore_nulls=True))

    def canon(self, frame: pl.DataFrame) -> pl.Series:
        """The canonical JSON :func:`curate.core.records.content_hash` hashes, per prepared row."""
        if self.layout in ("fields", "text"):
            return frame.select(
                pl.concat_str(
                    pl.lit(f'[{self._src_json},"document",'), _json_str("text"), pl.lit(",[]]")
                )
            ).to_series()
        # JSON escapes character by character, so the text's JSON string is the prompt's and
        # the answer's joined by an escaped blank line (no third pass over the text)
        frame = frame.with_columns(_pj=_json_str("_prompt"), _aj=_json_str("_answer"))
        has_p, has_a = pl.col("_prompt") != "", pl.col("_answer") != ""
        text_json = (
            pl.when(has_p & has_a)
            .then(
                pl.concat_str(
                    pl.col("_pj").str.head(-1), pl.lit("\\n\\n"), pl.col("_aj").str.slice(1)
                )
            )
            .when(has_p)
            .then(pl.col("_pj"))
            .when(has_a)
            .then(pl.col("_aj"))
            .otherwise(pl.lit('""'))
        )
        return frame.select(
            pl.concat_str(
                pl.lit(f'[{self._src_json},"instruction",'),
                text_json,
                pl.lit(',[["user",'),
                pl.col("_pj"),
                pl.lit('],["assistant",'),
                pl.col("_aj"),
                pl.lit("]]]"),
            )
        ).to_series()

    def read_lazy(self, block: bytes) -> pl.DataFrame:
        """The block's rows without ids: ``text``, the id :attr:`ingredients`, ``_base`` (the
        id, already known for rows read by the reference) and ``_sid``."""
        frame = self._fast_frame(block)
        if frame is None:
            return self.read_slow_lazy(block)
        frame = self._prepare(frame)
        return frame.select(
            "text",
            *[c for c in self.ingredients if c != "text"],
            pl.lit(None, pl.String).alias("_base"),
            pl.lit(True).alias("_form"),
            (pl.col("_sid") if self.id_field else pl.lit(None, pl.String)).alias("_sid"),
        )

    def read_slow_lazy(self, block: bytes) -> pl.DataFrame:
        """:meth:`read_lazy` through the reference (one ``json.loads`` per line): the id is
        known (``_base``); the ingredients are kept where the row has the fast path's form, so
        a copy of a row read on the fast path is recognised as one."""
        cols: dict[str, list] = {"text": [], "_prompt": [], "_answer": [], "_base": [], "_sid": []}
        forms: list[bool] = []
        doc = self.layout in ("fields", "text")
        for line in _lines(block):
            row, error = decode_json(line)
            if error is not None or not isinstance(row, dict):
                continue
            got = self._map_full(row)
            if got is None:
                continue
            base, kind, text, messages = got
            prompt = answer = None
            if doc:
                same_form = kind == "document" and not messages
            else:
                same_form = (
                    kind == "instruction"
                    and messages is not None
                    and [m["role"] for m in messages] == ["user", "assistant"]
                )
                if same_form:
                    prompt, answer = messages[0]["content"], messages[1]["content"]
                    same_form = (
                        isinstance(prompt, str)
                        and isinstance(answer, str)
                        and text == "\n\n".join(x for x in (prompt, answer) if x != "")
                    )
                    if not same_form:
                        prompt = answer = None
            cols["text"].append(text)
            cols["_prompt"].append(prompt)
            cols["_answer"].append(answer)
            cols["_base"].append(base)
            forms.append(same_form)  # False: the duplicate key comes from ``_base`` alone
            v = row.get(self.id_field) if self.id_field else None
            cols["_sid"].append(None if v is None else str(v))
        frame = pl.DataFrame(cols, schema={c: pl.String for c in cols})
        frame = frame.insert_column(4, pl.Series("_form", forms, dtype=pl.Boolean))
        if doc:
            frame = frame.drop("_prompt", "_answer")
        return frame

    def read_slow(self, block: bytes) -> pl.DataFrame:
        """The reference: one ``json.loads`` per line, rows that do not map left out."""
        ids: list[str] = []
        texts: list[str] = []
        sids: list[str | None] = []
        for line in _lines(block):
            row, error = decode_json(line)
            if error is not None:
                continue
            got = self._map(row)
            if got is not None:
                ids.append(got[0])
                texts.append(got[1])
                if self.id_field:
                    v = row.get(self.id_field)
                    sids.append(None if v is None else str(v))
        data: dict[str, list] = {"id": ids, "text": texts}
        if self.id_field:
            data["source_id"] = sids
        return pl.DataFrame(data, schema=self.schema)

    def _map_full(self, row: dict) -> tuple[str, str, str, Any] | None:
        """``(id, kind, text, messages)`` of a row by the reference logic; None when it does
        not map."""
        if self.layout == "fields":
            values = [row.get(f) for f in self.fields or ()]
            text = "\n\n".join(
                v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                for v in values
                if v is not None
            )
            return content_hash(self.source, "document", text, None), "document", text, None
        try:
            kind, text, messages = map_row(self.layout, row)
        except ValueError:
            return None
        assert text is not None
        return content_hash(self.source, kind, text, messages), kind, text, messages

    def _map(self, row: Any) -> tuple[str, str] | None:
        if not isinstance(row, dict):
            return None
        if self.layout == "fields":
            values = [row.get(f) for f in self.fields or ()]
            text = "\n\n".join(
                v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                for v in values
                if v is not None
            )
            return content_hash(self.source, "document", text, None), text
        try:
            kind, text, messages = map_row(self.layout, row)
        except ValueError:
            return None
        assert text is not None
        return content_hash(self.source, kind, text, messages), text

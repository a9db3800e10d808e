"""A JSONL corpus straight to token hashes, in one compiled pass per block (issue 19).

``cleanroom audit scan`` needs, for every corpus record, only its token hashes (and the byte
length of its text, for the summary); ids, texts and source ids are needed for the few records
that match. :class:`TokenShards` reads the file in blocks into one reused buffer and runs
:data:`audit._kernel.JSONL_KERNEL` (compiled ahead of time when built: :mod:`audit.compiled`)
over each block: it checks each line as JSON, finds the values of the fields the layout reads
(``instruction``/``input``/``output``, ``text``, the ``FILE:FIELD`` fields), and, reading each
such value once, decodes its escapes on the fly and hashes its tokens exactly as the
compiled UTF-8 tokeniser hashes the text the reader would build (the parts are joined by a blank
line, a separator, so the text's tokens are the parts' tokens in order). No Python object, no
pyarrow table and no Polars string is made per record.

Any line the kernel cannot decide exactly (not a plain JSON object, a wanted field of another
type or missing, a key with an escape, a wanted key twice, a character whose normalisation
depends on its neighbours, NaN, CR inside a line, ...) is read by the reference logic of
:class:`curate.io.ingest_arrow._Reader` (``json.loads`` + the layout mapper), so it is mapped,
or left out, exactly as before. Records that match are re-read from their line by the same
reference logic: their ids, texts and source ids are the reference's own. Repeats get their
``-n`` suffix from the matched records alone: two records with the same content id have the
same text, hence the same tokens and the same hits, so every earlier copy of a matched record
is itself a matched record.

Layouts without a fast form (chat lists) and files read without numba go through
:class:`curate.io.ingest_arrow.LazyIds` (same shards protocol). ``tests/test_audit_jsonl.py``
compares everything with the reference.

Example: ``shards = TokenShards("c.jsonl", source="c")``; ``for f in shards:
shards.tokenised(f).lens`` -> tokens per record; ``shards.records(f, [0])`` -> id, text,
source id of record 0.
"""

from __future__ import annotations

import codecs
import gzip
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import polars as pl

from audit.compiled import kernel, words_at
from audit.index import Tokenised, _utf8_kernel
from audit.normalise import codepoint_tables, tokenize_series
from curate.io import ingest_arrow
from curate.io.formats import decode_json
from curate.io.paths import suffix_of

_PAD = 16  # zero bytes after a block: the kernel reads a few bytes past a line's end
_OUT_TOKENS = 1 << 20  # token hashes the first block's output holds before it is grown
_SPACE: list[np.ndarray] = []


def _space_table() -> np.ndarray:
    """``str.isspace`` of every code point up to U+3000 (the last white space below U+10000).

    Example: ``_space_table()[0x3000]`` -> True (ideographic space); ``[ord("a")]`` -> False.
    """
    if not _SPACE:
        _SPACE.append(np.array([chr(c).isspace() for c in range(0x3001)], np.bool_))
    return _SPACE[0]


def _jsonl_kernel() -> Any:
    """:data:`audit._kernel.JSONL_KERNEL`, or None without numba (or with the kernels off)."""
    return None if _utf8_kernel() is None else kernel("JSONL_KERNEL")


class TokenShards(ingest_arrow.LazyIds):
    """Shards of a JSONL corpus as token hashes; ids and texts only for the records asked for.

    Iterating yields frames with one row per record (columns ``_serial``, ``_nbytes``); then,
    before the next shard is read, :meth:`tokenised` gives the shard's token hashes,
    :meth:`text_bytes` its text bytes and :meth:`records` the ids, texts and source ids of
    chosen rows (rows in increasing order, each row once: repeats are numbered in that order).
    Without a fast form for the file's layout, the frames are the parent
    :class:`curate.io.ingest_arrow.LazyIds`' shards (``id``-less ``text`` frames) and its
    :meth:`ids` answers for them. The arguments are :class:`~curate.io.ingest_arrow.LazyIds`'
    (path, source, fields, shard_rows, block_bytes, where, id_field).
    """

    _serial = 0  # the shard being read (frames carry it: see :meth:`_current`)
    _buf: np.ndarray = np.zeros(0, np.uint64)  # see :meth:`_joined`
    _shard: dict[str, Any] | None = None
    _seen: dict[str, int]  # content id -> copies reported so far (set by ``__iter__``)

    # -- the layout ------------------------------------------------------------------------

    def _plan(self, reader: ingest_arrow._Reader) -> tuple[int, list[str]] | None:
        """``(kernel mode, wanted keys)`` for the reader's layout, or None (no fast form)."""
        if reader.layout == "fields":
            names = reader.fields or []
            if len(set(names)) != len(names):
                return None
            return 1, names
        if reader.layout == "text":
            return 2, ["text"]
        if reader.layout in ingest_arrow.FAST_LAYOUTS:
            ask, ctx, ans = ingest_arrow.FAST_LAYOUTS[reader.layout]
            return 0, [ask, *([ctx] if ctx else []), ans]
        return None

    # -- iteration -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[pl.DataFrame]:
        self._seen = {}
        kernel = _jsonl_kernel()
        opener = gzip.open if suffix_of(self.path) == ".jsonl.gz" else open
        with opener(self.path, "rb") as fh:
            buf = np.zeros(self.block_bytes + 3 + _PAD, np.uint8)
            have = len(start := fh.read(3).removeprefix(codecs.BOM_UTF8))
            buf[:have] = np.frombuffer(start, np.uint8)
            blocks = _read_blocks(fh, buf, have, self.block_bytes)
            first = next(blocks, None)
            head = bytes(first[0][: first[1]]) if first is not None else b""
            reader = self.reader = ingest_arrow._Reader(
                self.source,
                self.fields,
                ingest_arrow._first_objects(head),
                self.where,
                id_field=self.id_field,
            )
            plan = self._plan(reader)
            if plan is None or kernel is None:  # the parent's shards: ids for hits only
                yield from super().__iter__()
                return
            mode, keys = plan
            kb = np.frombuffer(b"".join(k.encode() for k in keys), np.uint8)
            koff = np.zeros(len(keys) + 1, np.int64)
            koff[1:] = np.cumsum([len(k.encode()) for k in keys])
            out = np.empty(_OUT_TOKENS, np.uint64)  # grown by the kernel when a block needs more
            tables = _tables()
            total = 0
            blocks = _chain_first(first, blocks)
            for data, n in blocks:
                u64 = words_at(data)
                out, k, status, ls, le, lens, nbytes = kernel(
                    data, u64, n, mode, kb, koff, out, tables["acls"], tables["ascii_low"],
                    tables["cls"], tables["one"], tables["multi_keys"], tables["multi_off"],
                    tables["multi_chars"], tables["multi_cls"], _space_table(),
                )  # fmt: skip
                for shard in self._block_shards(data, out, k, status, ls, le, lens, nbytes):
                    total += shard.height
                    yield shard
        if total == 0 and self.fields:
            yield pl.DataFrame(schema=reader.schema)

    def _block_shards(
        self,
        data: np.ndarray,
        out: np.ndarray,
        k: int,
        status: np.ndarray,
        ls: np.ndarray,
        le: np.ndarray,
        lens: np.ndarray,
        nbytes: np.ndarray,
    ) -> Iterator[pl.DataFrame]:
        """The records of one block (kernel rows and the reference's rows, in line order) in
        shards of at most ``shard_rows``."""
        assert self.reader is not None
        flagged = np.flatnonzero(status != 0)
        ref: dict[int, tuple[str, str, str | None]] = {}
        for line in flagged.tolist():
            got = self._ref_row(bytes(data[ls[line] : le[line]]))
            if got is not None:
                ref[line] = got
        keep = status == 0
        if ref:
            keep[list(ref)] = True
        lines = np.flatnonzero(keep)  # records, in line order
        is_kernel = status[lines] == 0
        tok_end = np.cumsum(np.where(status == 0, lens, 0))  # token offsets of kernel lines
        for a in range(0, len(lines), self.shard_rows):
            part = lines[a : a + self.shard_rows]
            kern = is_kernel[a : a + self.shard_rows]
            kl = part[kern]
            t0 = t1 = k  # this shard's tokens: out[t0:t1], a view valid until the next block
            if len(kl):
                t0, t1 = int(tok_end[kl[0]] - lens[kl[0]]), int(tok_end[kl[-1]])
            h = out[t0:t1]
            klens = lens[kl]
            rl = part[~kern].tolist()
            if rl:
                texts = pl.Series([ref[x][0] for x in rl], dtype=pl.String)
                # a few texts per shard, most with a character decided on the whole text:
                # the normaliser's token lists directly (one Polars pass; same hashes)
                rt = Tokenised.of(tokenize_series(texts))
                order = np.concatenate([np.flatnonzero(kern), np.flatnonzero(~kern)])
                tok = Tokenised.from_hashes(
                    self._joined(out, k, t0, t1, rt.h), np.concatenate([klens, rt.lens]), order
                )
                rbytes = texts.str.len_bytes().to_numpy().astype(np.int64)
            else:
                tok = Tokenised.from_hashes(h, klens)
                rbytes = np.zeros(0, np.int64)
            row_bytes = np.zeros(len(part), np.int64)
            row_bytes[kern] = nbytes[kl]
            row_bytes[~kern] = rbytes
            self._serial += 1
            self._shard = {
                "serial": self._serial,
                "data": data,
                "lines": part,
                "ls": ls,
                "le": le,
                "ref": ref,
                "kernel": kern,
                "tok": tok,
                "bytes": row_bytes,
            }
            yield pl.DataFrame(
                {"_serial": np.full(len(part), self._serial, np.int64), "_nbytes": row_bytes}
            )

    def _joined(self, out: np.ndarray, k: int, t0: int, t1: int, more: np.ndarray) -> np.ndarray:
        """The shard's tokens ``out[t0:t1]`` (of the block's ``out[:k]``) followed by ``more``,
        without a new shard-sized array: when they end the block's tokens, ``more`` goes in the
        room after them in ``out``; otherwise both are copied into a buffer kept for the next
        shard (a new array per shard cost a page fault per 4 KB: ~2.5 ms a shard). Valid until
        the next shard is read, like the shard's other arrays."""
        if t1 == k and k + len(more) <= len(out):
            out[k : k + len(more)] = more
            return out[t0 : k + len(more)]
        need = t1 - t0 + len(more)
        if len(self._buf) < need:
            self._buf = np.empty(2 * need, np.uint64)
        np.concatenate([out[t0:t1], more], out=self._buf[:need])
        return self._buf[:need]

    def _ref_row(self, line: bytes) -> tuple[str, str, str | None] | None:
        """``(text, content id, source id)`` of one line by the reference logic (the per-line
        reader of :meth:`curate.io.ingest_arrow._Reader.read_slow_lazy`), None when the line
        is not a record."""
        assert self.reader is not None
        for text in ingest_arrow._lines(line):
            row, error = decode_json(text)
            if error is not None or not isinstance(row, dict):
                return None
            got = self.reader._map_full(row)
            if got is None:
                return None
            base, _kind, mapped, _messages = got
            sid = None
            if self.id_field:
                v = row.get(self.id_field)
                sid = None if v is None else str(v)
            return mapped, base, sid
        return None

    # -- per shard -------------------------------------------------------------------------

    def _current(self, frame: pl.DataFrame) -> dict[str, Any]:
        shard = self._shard
        if shard is None or not frame.height or int(frame["_serial"][0]) != shard["serial"]:
            raise RuntimeError("TokenShards: a shard is only readable until the next one is read")
        return shard

    def tokenised(self, frame: pl.DataFrame) -> Tokenised:
        """The shard's token hashes (records in the frame's order); its arrays may be views
        of a reused buffer: valid until the next shard is read (copy them to keep them)."""
        return self._current(frame)["tok"]

    def text_bytes(self, frame: pl.DataFrame) -> int:
        """UTF-8 bytes of the shard's texts."""
        return int(frame["_nbytes"].sum())

    def records(
        self, frame: pl.DataFrame, rows: Sequence[int]
    ) -> tuple[list[str], list[str], list[str | None] | None]:
        """Ids, texts and source ids (None without ``id_field``) of rows ``rows`` (increasing,
        each asked once) of the current shard, by the reference reader; repeats numbered in
        the order asked (see the module doc)."""
        shard = self._current(frame)
        ids: list[str] = []
        texts: list[str] = []
        sids: list[str | None] = []
        for r in rows:
            line = int(shard["lines"][r])
            if shard["kernel"][r]:
                got = self._ref_row(bytes(shard["data"][shard["ls"][line] : shard["le"][line]]))
                if got is None or len(got[0].encode("utf-8")) != int(shard["bytes"][r]):
                    raise RuntimeError(
                        f"{self.where}: the compiled reader and the reference disagree on a line "
                        f"(byte {int(shard['ls'][line])} of its block): please report this"
                    )
            else:
                got = shard["ref"][line]
            text, base, sid = got
            n = self._seen.get(base, 0)
            self._seen[base] = n + 1
            ids.append(base if n == 0 else f"{base}-{n}")
            texts.append(text)
            sids.append(sid)
        return ids, texts, (sids if self.id_field else None)

    def texts(self, frame: pl.DataFrame) -> pl.Series:
        """Every text of the current shard (by the reference reader: for matchers that need
        the texts themselves, e.g. ``gpt4``'s substrings)."""
        shard = self._current(frame)
        out = []
        for r in range(frame.height):
            line = int(shard["lines"][r])
            if shard["kernel"][r]:
                got = self._ref_row(bytes(shard["data"][shard["ls"][line] : shard["le"][line]]))
                assert got is not None
                out.append(got[0])
            else:
                out.append(shard["ref"][line][0])
        return pl.Series("text", out, dtype=pl.String)


def _chain_first(
    first: tuple[np.ndarray, int] | None, rest: Iterator[tuple[np.ndarray, int]]
) -> Iterator[tuple[np.ndarray, int]]:
    if first is not None:
        yield first
    yield from rest


def _read_blocks(
    fh: Any, buf: np.ndarray, have: int, block_bytes: int
) -> Iterator[tuple[np.ndarray, int]]:
    """Blocks of whole lines read into one reused buffer (grown only for a line longer than a
    block): ``(buffer, n)``, the block is ``buffer[:n]`` followed by :data:`_PAD` zero bytes;
    valid until the next block is asked for. The same blocks as
    :func:`curate.io.ingest_arrow._blocks` (``buf[:have]``: the file's first bytes, BOM cut)."""
    while True:
        if have + block_bytes + _PAD > len(buf):
            more = np.zeros(have + block_bytes + _PAD, np.uint8)
            more[:have] = buf[:have]
            buf = more
        got = fh.readinto(memoryview(buf)[have : have + block_bytes])
        if not got:
            if have:
                buf[have : have + _PAD] = 0
                yield buf, have
            return
        total = have + got
        cut = _last_newline(buf, total)
        if cut < 0:
            have = total
            continue
        n = cut + 1
        carry = buf[n:total].copy()
        buf[n : n + _PAD] = 0
        yield buf, n
        buf[: len(carry)] = carry
        have = len(carry)


def _last_newline(buf: np.ndarray, total: int) -> int:
    """Index of the last ``\\n`` in ``buf[:total]``, or -1 (searched backwards in steps)."""
    step = 4096
    hi = total
    while hi > 0:
        lo = max(0, hi - step)
        at = np.flatnonzero(buf[lo:hi] == 10)
        if len(at):
            return lo + int(at[-1])
        hi = lo
        step *= 4
    return -1


def _tables() -> dict[str, np.ndarray]:
    """The tokeniser's tables (:func:`audit.normalise.codepoint_tables`: escapes such as
    ``\\u00e9`` make non-ASCII text out of ASCII bytes), with the backslash as class 2 (a JSON
    escape) in the ASCII class table, and bit 8 on a raw quote (a string's end) and on raw
    control bytes (not in a JSON string), their class kept in the low bits for escapes."""
    got = _TABLES.get("full")
    if got is None:
        t = dict(codepoint_tables())
        acls = np.array(t["ascii_cls"], np.uint8)
        assert acls[92] == 0, "the backslash must be a separator"
        assert acls.max() < 8
        acls[92] = 2
        acls[:32] |= 8
        acls[34] |= 8
        t["acls"] = acls
        got = _TABLES["full"] = t
    return got


_TABLES: dict[str, dict[str, np.ndarray]] = {}

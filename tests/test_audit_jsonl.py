"""JSONL bytes to token hashes in one compiled pass (:mod:`audit.jsonl_tokens`, issue 19) gives
exactly what the reference gives: the records ``read_input`` (or the ``:FIELD`` loop) makes, their
ids, texts, source ids and byte counts, and the normaliser's own tokens of each text.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.index import Tokenised
from audit.normalise import tokenize_series
from audit.scan import iter_corpus_python
from curate.core.records import assign_ids
from curate.io import ingest_arrow

pytest.importorskip("numba")
if os.environ.get("CLEANROOM_NO_NUMBA"):  # pragma: no cover - the fallback is LazyIds, tested there
    pytest.skip("kernel switched off by CLEANROOM_NO_NUMBA", allow_module_level=True)

from audit import jsonl_tokens  # noqa: E402
from audit.jsonl_tokens import TokenShards  # noqa: E402

AWKWARD = [
    "plain words, and more words",
    "",
    "  ",
    "\x1c\x1d",  # white space for str.strip(), not for JSON
    'quote " and backslash \\ and slash / and \\u0041',
    "tabs\tand\nnewlines\r\nand \x00\x01\x1f controls \x7f \x08 \x0c",
    "non-ASCII: é, 中文, русский, 😀, \u2028 \u2029 \ufeff \xa0 \u3000 ﬁ ① ½ 𠀀",
    "ΣΑΣ final sigma, e\u0301 combining",  # decided on the whole text: the reference
    "İstanbul ß ﷺ ㈱ Ｈｅｌｌｏ，世界",
]


def _tokens(texts: list[str]) -> list[list[int]]:
    """The normaliser's own tokens of each text, hashed (the reference)."""
    tok = Tokenised.of(tokenize_series(pl.Series(texts, dtype=pl.String)))
    return [
        tok.h[s : s + n].tolist()
        for s, n in zip(tok.starts.tolist(), tok.lens.tolist(), strict=True)
    ]


def _fast(path: str, fld: str | None, block: int, shard_rows: int = 3, id_field: str | None = None):
    """Every record through :class:`TokenShards`: ``(id, text[, source_id]) frame, token hash
    lists, text bytes, lines left to the reference)``."""
    name = Path(path).name
    stem = name.removesuffix(".gz").removesuffix(".jsonl")
    shards = TokenShards(
        path,
        source=stem,
        fields=fld.split(",") if fld else None,
        shard_rows=shard_rows,
        block_bytes=block,
        where=path,
        id_field=id_field,
    )
    ids: list[str] = []
    texts: list[str] = []
    sids: list[str | None] = []
    hashes: list[list[int]] = []
    nbytes = 0
    for frame in shards:
        if "text" in frame.columns:  # LazyIds shards (no fast form), or the empty frame
            got = shards.ids(frame, range(frame.height)) if frame.height else []
            ids += got
            texts += frame["text"].to_list()
            sids += frame["source_id"].to_list() if "source_id" in frame.columns else []
            hashes += _tokens(frame["text"].to_list())
            nbytes += int(frame["text"].str.len_bytes().sum() or 0)
            continue
        assert frame.height <= shard_rows
        tok = shards.tokenised(frame)
        order = tok.order if tok.order is not None else np.arange(len(tok.lens))
        per = [None] * frame.height
        for flat, rec in enumerate(order.tolist()):
            s, n = int(tok.starts[flat]), int(tok.lens[flat])
            per[rec] = tok.h[s : s + n].tolist()
        hashes += per
        got_ids, got_texts, got_sids = shards.records(frame, list(range(frame.height)))
        ids += got_ids
        texts += got_texts
        sids += got_sids or []
        nbytes += shards.text_bytes(frame)
    data = {"id": ids, "text": texts}
    if id_field:
        data["source_id"] = sids
    return pl.DataFrame(data, schema={c: pl.String for c in data}), hashes, nbytes


def _per_line(path: str, fld: str | None, block: int, id_field: str | None) -> pl.DataFrame:
    """The per-line reference of :mod:`curate.io.ingest_arrow` (``json.loads`` + the layout
    mapper + ``content_hash`` per line, then ``assign_ids``) with the layout sniffed from the
    first block, as every JSONL reader of the scan does."""
    name = Path(path).name
    stem = name.removesuffix(".gz").removesuffix(".jsonl")
    blocks = list(ingest_arrow._blocks(Path(path), block))
    reader = ingest_arrow._Reader(
        stem,
        fld.split(",") if fld else None,
        ingest_arrow._first_objects(blocks[0] if blocks else b""),
        path,
        id_field=id_field,
    )
    frame = pl.concat([pl.DataFrame(schema=reader.schema), *map(reader.read_slow, blocks)])
    return frame.with_columns(id=pl.Series(assign_ids(frame["id"].to_list()), dtype=pl.String))


def _check(path: str, fld: str | None = None, blocks=(64, 1 << 20), id_field=None) -> pl.DataFrame:
    """Fast equals the per-line reference for several block sizes, and ``read_input`` (or the
    ``:FIELD`` loop) when the first block holds the whole file (the same layout); returns the
    reference rows."""
    name = Path(path).name
    stem = name.removesuffix(".gz").removesuffix(".jsonl")
    schema = {"id": pl.String, "text": pl.String, **({"source_id": pl.String} if id_field else {})}
    ref = pl.concat(
        [pl.DataFrame(schema=schema), *iter_corpus_python(path, fld, stem, 1000, id_field=id_field)]
    )
    for block in blocks:
        per_line = _per_line(path, fld, block, id_field)
        fast, hashes, nbytes = _fast(path, fld, block, id_field=id_field)
        assert fast.equals(per_line), (block, fast, per_line)
        if block >= Path(path).stat().st_size + 3:
            assert fast.equals(ref), (block, fast, ref)
        assert hashes == _tokens(fast["text"].to_list())
        assert nbytes == int(fast["text"].str.len_bytes().sum() or 0)
    return ref


def _write(path: Path, lines: list[str | bytes], newline: bytes = b"\n", end: bool = True) -> str:
    raw = newline.join(x if isinstance(x, bytes) else x.encode("utf-8") for x in lines)
    raw += newline if end else b""
    if path.suffix == ".gz":
        raw = gzip.compress(raw)
    path.write_bytes(raw)
    return str(path)


def _alpaca() -> list[dict]:
    rows: list[dict] = []
    for k, a in enumerate(AWKWARD):
        for b in ("", " \n", "ctx", "\x1c", "\u3000", "\xa0\t", AWKWARD[-k]):
            rows.append(
                {"instruction": a, "input": b, "output": AWKWARD[k - 3], "x": [1, {"y": a}]}
            )
    rows.append({"output": "first", "instruction": "keys in another order", "input": None})
    rows.append({"instruction": "dup", "output": "dup"})
    rows.append({"instruction": "dup", "output": "dup"})
    return rows


def _dump(rows: list[dict]) -> list[str]:
    seps = [(", ", ": "), (",", ":"), (" , ", " : ")]
    return [
        json.dumps(r, ensure_ascii=k % 2 == 0, separators=seps[k % 3]) for k, r in enumerate(rows)
    ]


@pytest.mark.parametrize("shard_rows", [3, 1000])
def test_alpaca_records_equal_the_reference_issue19(tmp_path: Path, shard_rows: int) -> None:
    """Escapes (both ``ensure_ascii`` forms), blank and non-blank inputs (``\\x1c``, ideographic
    space), non-ASCII, characters decided on the whole text, repeats, keys in any order."""
    path = _write(tmp_path / "a.jsonl", _dump(_alpaca()))
    ref = _check(path)
    assert ref["id"].str.ends_with("-1").sum() >= 1  # blank inputs make repeats too
    fast, _, _ = _fast(path, None, 1 << 20, shard_rows=shard_rows)
    assert fast.equals(ref)


def test_token_output_grown_line_by_line_issue19(tmp_path: Path, monkeypatch) -> None:
    """With room for one token hash to start with, the kernel grows its output for (almost)
    every line: the records and hashes stay the reference's."""
    import audit.jsonl_tokens as jt

    monkeypatch.setattr(jt, "_OUT_TOKENS", 1)
    path = _write(tmp_path / "a.jsonl", _dump(_alpaca()))
    _check(path)


def test_kernel_arrays_do_not_depend_on_the_output_room_issue19() -> None:
    """The JSONL kernel's per-line arrays and token hashes are the same whether its token output
    starts with room for one hash (grown for almost every line, a line read again each time)
    or for all of them: growth never skips, repeats or shifts a line."""
    from audit.compiled import kernel, words_at
    from audit.jsonl_tokens import _space_table, _tables

    rows = _alpaca() * 3 + [{"output": "keys", "instruction": "out of order", "input": ""}]
    raw = ("\n".join(_dump(rows)) + "\n").encode() + b"\n".join(ODD_LINES) + b"\n"
    data = np.zeros(len(raw) + 16, np.uint8)
    data[: len(raw)] = np.frombuffer(raw, np.uint8)
    keys = ["instruction", "input", "output"]
    kb = np.frombuffer("".join(keys).encode(), np.uint8)
    koff = np.array([0, *np.cumsum([len(k) for k in keys])], np.int64)
    t = _tables()
    names = ("acls", "ascii_low", "cls", "one", "multi_keys", "multi_off", "multi_chars")
    tail = (*(t[k] for k in names), t["multi_cls"], _space_table())
    fn = kernel("JSONL_KERNEL")
    got = [
        fn(data, words_at(data), len(raw), 0, kb, koff, np.empty(room, np.uint64), *tail)
        for room in (1, len(raw) * 20)
    ]
    assert got[0][1] == got[1][1] > 0
    assert np.array_equal(got[0][0][: got[0][1]], got[1][0][: got[1][1]])
    for small, roomy in zip(got[0][2:], got[1][2:], strict=True):
        assert np.array_equal(small, roomy)
    assert (got[0][2] == 0).sum() >= len(_alpaca()) and (got[0][2] == 1).sum() >= 5


ODD_LINES = [
    b"{not json",
    b"[1, 2]",
    b'"a string"',
    b'{"instruction": 5, "output": "a number where a string belongs"}',
    b'{"instruction": "a", "output": null}',
    b'{"instruction": "a"}',
    b'{"instruction": "a", "input": 3, "output": "b"}',
    b'{"instruction": "a", "instruction": "twice", "output": "b"}',
    b'{"instruction": "a", "output": "b", "n": NaN}',
    b'{"instruction": "a", "output": "b", "n": Infinity}',
    b'{"instruction": "a", "output": "b", "n": 01}',
    b'{"instruction": "a", "output": "b", "n": 1.}',
    b'{"instruction": "a", "output": "b", "n": [1, 2,]}',
    b'{"instruction": "a", "output": "b", "n": {"k": 1,}}',
    b'{"instruction": "a", "output": "b", "n": ' + b"[" * 70 + b"]" * 70 + b"}",
    b'{"instruction": "a", "output": "b", "n": ' + b"9" * 5000 + b"}",
    b'{"instruction": "lone \\ud800 surrogate", "output": "b"}',
    b'{"instruction": "a", "output": "b", "x": "lone \\udc00"}',
    b'{"instruction": "pair \\ud83d\\ude00 ok", "output": "b"}',
    b'{"instruction": "bad \\x escape", "output": "b"}',
    b'{"instruction": "raw \t tab", "output": "b"}',
    b'{"instruction": "invalid \xff utf8", "output": "b"}',
    b'{"instruction": "a", "output": "b", "x": "overlong \xc0\xaf"}',
    b'{"instruction": "a", "output": "b", "x": "surrogate \xed\xa0\x80"}',
    b'{"instruction": "a", "output": "b"} trailing',
    b'{"instruction": "a", "output": "b"}\r{"instruction": "c", "output": "d"}',
    b'\x0b{"instruction": "vertical tab before", "output": "b"}',
    b'{"instruction": "a", "output": "b"}\xc2\xa0',
    b'{"instr\\u0075ction": "escaped key", "output": "b"}',
    b'{"instruction": "a", "output": "b", "t": true, "f": false, "z": null, "e": -1.5e+3}',
    b"   ",
    b"\r",
    b"{}",
    b'{"instruction": "a\\/b \\b\\f \\u0041BC \\u00e9t\\u00C9 \\u4E2d", "output": "x\\ty\\/z"}',
    b'{"instruction": "\xe4\xb8\xad\xe6\x96\x87 \\u00e9\\u0301 e\\u0301", "output": "ok"}',
]


@pytest.mark.parametrize("odd", ODD_LINES, ids=range(len(ODD_LINES)))
def test_each_odd_line_is_read_like_the_reference_issue19(tmp_path: Path, odd: bytes) -> None:
    """One awkward line between clean ones: mapped, or left out, exactly as the reference
    does (the compiled pass leaves it to the reference reader, or reads it the same way)."""
    clean = _dump(_alpaca()[:4])
    path = _write(tmp_path / "odd.jsonl", [*clean[:2], odd, *clean[2:]])
    _check(path)


def test_words_of_every_length_and_case_issue19(tmp_path: Path) -> None:
    """Letters and digits are read eight bytes at a time: words of 1 to 24 characters, with
    capitals anywhere (first, last, in the last eight bytes), ended by a space, punctuation, an
    escape, a non-ASCII letter, a control character or the end of the field."""
    import random

    rng = random.Random(19)
    ends = [" ", ", ", "\n", "\t", '"', "é", "\x01", "_", "-x", ""]
    rows = []
    for length in range(1, 25):
        for pattern in range(6):
            word = "".join(rng.choice("abcxyz0189") for _ in range(length))
            if pattern == 1:
                word = word.upper()
            elif pattern == 2:
                word = word[:-1] + "Q"
            elif pattern == 3:
                word = "".join(c.upper() if rng.random() < 0.5 else c for c in word)
            elif pattern == 4:
                word = word[: max(0, length - 8)] + word[max(0, length - 8) :].upper()
            for end in ends:
                text = f"{word}{end}" * 3
                rows.append({"instruction": text, "input": f"x {word}", "output": word + end})
    path = _write(tmp_path / "words.jsonl", _dump(rows))
    _check(path, blocks=(1 << 20,))


def test_clean_lines_never_reach_the_reference_reader_issue19(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records without characters decided on the whole text are all read by the compiled pass:
    the reference reader runs only for the records asked for."""
    rows = [r for r in _alpaca() if "\u0301" not in json.dumps(r, ensure_ascii=False)]
    rows = [r for r in rows if "Σ" not in json.dumps(r, ensure_ascii=False)]
    path = _write(tmp_path / "clean.jsonl", _dump(rows))
    calls: list[bytes] = []
    real = TokenShards._ref_row

    def spy(self: TokenShards, line: bytes):
        calls.append(line)
        return real(self, line)

    monkeypatch.setattr(TokenShards, "_ref_row", spy)
    shards = TokenShards(path, source="clean", shard_rows=10_000)
    frames = list(shards)
    assert len(frames) == 1 and frames[0].height == len(rows)
    assert calls == []
    shards.records(frames[0], [0, 5])
    assert len(calls) == 2


@pytest.mark.parametrize("layout", ["text", "dolly", "prompt_completion", "messages"])
def test_other_layouts_issue19(tmp_path: Path, layout: str) -> None:
    rows: list[dict] = []
    for k, a in enumerate(AWKWARD):
        if layout == "text":
            rows.append({"text": a, "meta": k})
        elif layout == "dolly":
            rows.append({"instruction": a, "context": AWKWARD[-k], "response": a})
        elif layout == "prompt_completion":
            rows.append({"prompt": a, "completion": AWKWARD[-k]})
        else:  # no fast form: LazyIds shards
            rows.append({"messages": [{"role": "user", "content": a or "x"}]})
    rows.append({layout if layout != "messages" else "messages": None})
    ref = _check(_write(tmp_path / f"{layout}.jsonl", _dump(rows)))
    assert ref.height >= len(AWKWARD)


def test_fields_source_ids_crlf_bom_gzip_issue19(tmp_path: Path) -> None:
    """``FILE:FIELD,FIELD`` (null and missing fields left out, empty strings kept), integer and
    string ids as ``source_id``, CRLF line ends, a BOM, gzip, no final line break."""
    rows = [
        {"body": a, "code": AWKWARD[-k] if k % 3 else None, "id": k if k % 2 else f"r{k}"}
        for k, a in enumerate(AWKWARD)
    ]
    rows.append({"other": "neither field: empty text", "id": 1.5})
    rows.append({"body": ["a", "list"], "id": None})  # not a string: the reference dumps it
    lines = _dump(rows)
    lines[0] = "\ufeff" + lines[0]
    path = _write(tmp_path / "f.jsonl.gz", lines, newline=b"\r\n", end=False)
    ref = _check(path, "body,code", id_field="id")
    assert ref.height == len(rows)
    assert ref["source_id"].to_list()[:2] == ["r0", "1"]


def test_a_line_longer_than_a_block_and_an_empty_file_issue19(tmp_path: Path) -> None:
    long = {"instruction": "word " * 5000, "output": "é" * 3000}
    _check(_write(tmp_path / "long.jsonl", _dump([long, *_alpaca()[:3], long])), blocks=(64, 700))
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert list(TokenShards(empty, source="empty")) == []
    frames = list(TokenShards(empty, source="empty", fields=["text"]))
    assert len(frames) == 1 and frames[0].height == 0


def test_a_shard_is_readable_only_until_the_next_issue19(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.jsonl", _dump(_alpaca()[:6]))
    shards = TokenShards(path, source="s", shard_rows=2)
    it = iter(shards)
    first = next(it)
    next(it)
    with pytest.raises(RuntimeError, match="until the next one"):
        shards.records(first, [0])


_CHARS = st.sampled_from(
    list("abcXYZ019 ,.;'\"\\/\n\t\r\x00\x01\x1c\x7f")
    + ["é", "ß", "İ", "Σ", "ς", "中", "文", "，", "ﬁ", "①", "½", "\u0301", "\u1161", "\u3000"]
    + ["\xa0", "\u2028", "😀", "𠀀", "ﷺ", "Ｈ", "ｶ", "\uff9e", "\ufeff", "K"]
)
_TEXT = st.text(_CHARS, max_size=25)
_VALUE = st.one_of(_TEXT, _TEXT, _TEXT, st.none(), st.integers(-5, 5), st.lists(_TEXT, max_size=2))


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    layout=st.sampled_from(["alpaca", "text", "fields"]),
    rows=st.lists(
        st.dictionaries(
            st.sampled_from(["instruction", "input", "output", "text", "body", "x"]),
            _VALUE,
            max_size=6,
        ),
        max_size=10,
    ),
    ids=st.lists(st.one_of(st.none(), _TEXT, st.integers(-(2**70), 2**70)), max_size=10),
    ascii_=st.booleans(),
    odd=st.lists(st.sampled_from(ODD_LINES), max_size=2),
    block=st.sampled_from([40, 300, 1 << 20, 1 << 20]),
)
def test_random_lines_equal_the_reference_issue19(
    tmp_path: Path,
    layout: str,
    rows: list[dict],
    ids: list[object],
    ascii_: bool,
    odd: list[bytes],
    block: int,
) -> None:
    """Random records (any of the wanted keys missing, null, a number or a list; escapes in
    both ``ensure_ascii`` forms; composing characters) and odd lines, read in blocks that
    cut records anywhere: every record, id, text, source id and token equals the reference."""
    first = {"alpaca": {"instruction": "i", "output": "o"}, "text": {"text": "t"}}
    head = first.get(layout, {"body": "b"})
    for row, rid in zip(rows, ids, strict=False):  # string or integer ids (as the CLI reports them)
        if rid is not None:
            row["id"] = rid
    lines: list[str | bytes] = [json.dumps(r, ensure_ascii=ascii_) for r in [head, *rows]]
    for k, o in enumerate(odd):
        lines.insert(1 + k * 3, o)
    path = _write(tmp_path / f"r{abs(hash((layout, block)))}.jsonl", lines)
    _check(path, "body,x" if layout == "fields" else None, blocks=(block,), id_field="id")


def test_space_table_is_python_str_isspace_issue19() -> None:
    table = jsonl_tokens._space_table()
    assert [c for c in range(len(table)) if table[c]] == [
        c for c in range(0x110000) if chr(c).isspace()
    ]

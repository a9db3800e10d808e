"""The JSONL-to-Arrow reader (:mod:`curate.io.ingest_arrow`) gives the same ``id, text`` rows as the
reference (``read_input`` + ``assign_ids``, or the ``:FIELD`` loop) on awkward input (issue 19).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.scan import iter_corpus, iter_corpus_python
from curate.core.errors import ConfigError
from curate.io import ingest_arrow

AWKWARD = [
    "plain",
    "",
    "  ",
    "\x1c\x1d",  # Python's str.strip() removes these, Rust's whitespace does not
    'quote " and backslash \\ and slash /',
    "tabs\tand\nnewlines\r\nand \x00\x01\x1f controls \x7f",
    "non-ASCII: é, 中文, русский, 😀, \u2028 \u2029 \ufeff \xa0",
]


def _lines(rows: list[object]) -> list[str]:
    return [json.dumps(r, ensure_ascii=k % 2 == 0) for k, r in enumerate(rows)]


def _write(path: Path, lines: list[str], newline: str = "\n") -> str:
    data = newline.join(lines) + newline
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data.encode("utf-8")))
    else:
        path.write_bytes(data.encode("utf-8"))
    return str(path)


def _both(path: str, fld: str | None = None, **kw: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(fast, reference) ``id, text`` rows of one file, shards of 3 rows."""
    name = Path(path).name
    stem = name.removesuffix(".gz").removesuffix(".jsonl")
    ref = pl.concat(list(iter_corpus_python(path, fld, stem, 3)))
    names = fld.split(",") if fld else None
    shards = ingest_arrow.iter_id_text(
        path, source=stem, fields=names, shard_rows=3, where=path, **kw
    )
    fast = pl.concat(list(shards))
    assert _lazy(path, stem, names, **kw).equals(fast)  # ids resolved afterwards: the same
    return fast, ref


def _lazy(path: str, stem: str, names: list[str] | None, **kw: int) -> pl.DataFrame:
    """:class:`ingest_arrow.LazyIds` with every row's id resolved after the shard is read."""
    lazy = ingest_arrow.LazyIds(path, source=stem, fields=names, shard_rows=3, where=path, **kw)
    out = []
    for shard in lazy:
        if "id" in shard.columns:  # the empty frame of a file with no rows
            out.append(shard)
            continue
        ids = lazy.ids(shard, range(shard.height))
        cols = ["text", "source_id"] if "source_id" in shard.columns else ["text"]
        out.append(shard.select(cols).insert_column(0, pl.Series("id", ids, dtype=pl.String)))
    return pl.concat(out)


def test_lazy_ids_count_repeats_across_blocks_and_paths_issue19(tmp_path: Path) -> None:
    """Repeats get ``-1``, ``-2`` across blocks, also when one copy was read by the reference
    (a bad line in its block) and the other on the Arrow path; ids resolved for some rows only
    equal the eager ones."""
    row = {"instruction": "same", "input": "", "output": "record"}
    lines = _lines([row, {"instruction": "x", "output": "y"}, row])
    lines += ["{not json", json.dumps(row), json.dumps({"instruction": 7, "output": "n"})]
    lines += _lines([row, {"instruction": "same", "output": "other"}])
    path = _write(tmp_path / "rep.jsonl", lines)
    fast, ref = _both(path, block_bytes=90)
    assert fast.equals(ref)
    assert fast["id"].str.ends_with("-3").sum() == 1
    lazy = ingest_arrow.LazyIds(path, source="rep", shard_rows=100, block_bytes=90)
    shard = next(iter(lazy))
    assert lazy.ids(shard, [4, 0]) == [fast["id"][4], fast["id"][0]]


_KEY_HALF = st.one_of(
    st.integers(0, 3),  # small: equal top bits, so every row passes the flag table
    st.sampled_from([2**64 - 1, 2**63, 2**63 + 1]),  # the top of the range
    st.integers(0, 2**64 - 1),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(_KEY_HALF, st.sampled_from([0, 1, 2**64 - 1])), max_size=12),
        max_size=6,
    )
)
def test_repeat_counter_matches_per_row_set_issue19(blocks: list[list[tuple[int, int]]]) -> None:
    """The NumPy repeat count equals the plain set and dict per row, block after block: repeats
    within and across blocks, and keys sharing their first half (or its top bits) but not the
    second."""
    counter = ingest_arrow.RepeatCounter()
    seen: set[tuple[int, int]] = set()
    repeats: dict[tuple[int, int], int] = {}
    for keys in blocks:
        a = np.array([k[0] for k in keys], np.uint64)
        b = np.array([k[1] for k in keys], np.uint64)
        got = counter.count(a, b).tolist()
        assert got == ingest_arrow.RepeatCounter.count_reference(keys, seen, repeats)


def _alpaca_rows() -> list[object]:
    rows: list[object] = []
    for a in AWKWARD:
        for b in ("", " \n", "ctx", "\x1c"):
            rows.append(
                {"instruction": a or "i", "input": b, "output": a or "o", "x": [1, {"y": 2}]}
            )
    rows.append({"instruction": "dup", "output": "dup"})
    rows.append({"instruction": "dup", "output": "dup"})
    rows.append({"instruction": "only"})  # missing output: dropped
    rows.append({"instruction": "n", "input": None, "output": "null input is optional"})
    rows.append({"instruction": "n", "output": None})  # null output: dropped
    return rows


@pytest.mark.parametrize("block", [64, 1 << 20])
def test_alpaca_layout_same_ids_and_texts_issue19(tmp_path: Path, block: int) -> None:
    path = _write(tmp_path / "mix.jsonl", _lines(_alpaca_rows()))
    fast, ref = _both(path, block_bytes=block)
    assert ref.height == len(_alpaca_rows()) - 2
    assert fast.equals(ref)


def test_bad_lines_fall_back_to_the_reference_issue19(tmp_path: Path) -> None:
    lines = _lines(_alpaca_rows()[:6])
    lines += [
        "{not json",
        "[1, 2]",
        '{"instruction": 5, "output": "a number where a string belongs"}',
        "",
        '{"instruction": "after", "output": "the bad lines"}',
    ]
    path = _write(tmp_path / "bad.jsonl", lines)
    raw = Path(path).read_bytes() + b'{"instruction": "bad \xff utf8", "output": "x"}\n'
    Path(path).write_bytes(raw)
    fast, ref = _both(path, block_bytes=1 << 20)
    assert "after\n\nthe bad lines" in ref["text"].to_list()
    assert fast.equals(ref)


@pytest.mark.parametrize("layout", ["text", "dolly", "prompt_completion", "messages"])
def test_other_layouts_issue19(tmp_path: Path, layout: str) -> None:
    rows: list[object] = []
    for k, a in enumerate(AWKWARD):
        if layout == "text":
            rows.append({"text": a, "meta": k})
        elif layout == "dolly":
            rows.append({"instruction": a or "i", "context": AWKWARD[-k], "response": a})
        elif layout == "prompt_completion":
            rows.append({"prompt": a, "completion": AWKWARD[-k]})
        else:
            rows.append(
                {
                    "messages": [
                        {"role": "user", "content": a},
                        {"role": "assistant", "content": "ok"},
                    ]
                }
            )
    path = _write(tmp_path / f"{layout}.jsonl", _lines(rows))
    fast, ref = _both(path, block_bytes=100)
    assert ref.height > 0
    assert fast.equals(ref)


def test_field_mode_crlf_and_gzip_issue19(tmp_path: Path) -> None:
    rows = [{"body": a, "code": AWKWARD[-k] if k % 3 else None} for k, a in enumerate(AWKWARD)]
    rows.append({"other": "neither field: empty text"})
    path = _write(tmp_path / "f.jsonl.gz", _lines(rows), newline="\r\n")
    fast, ref = _both(path, "body,code")
    assert fast.height == len(rows)
    assert fast.equals(ref)
    lone_cr = _write(tmp_path / "cr.jsonl", ['{"body": "a"}\r{"body": "b"}', '{"body": "c"}'])
    fast, ref = _both(lone_cr, "body")
    assert fast.equals(ref)


def test_empty_file_and_missing_field_issue19(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert list(iter_corpus(str(empty))) == []
    shards = list(iter_corpus(f"{empty}:text"))
    assert len(shards) == 1 and shards[0].height == 0
    path = _write(tmp_path / "nofield.jsonl", ['{"a": "x"}'])
    with pytest.raises(ConfigError, match="no field 'body'"):
        list(iter_corpus(f"{path}:body"))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(max_size=30), st.text(max_size=10), st.text(max_size=30)),
        min_size=1,
        max_size=12,
    )
)
def test_random_alpaca_records_issue19(tmp_path_factory: pytest.TempPathFactory, rows) -> None:
    path = tmp_path_factory.mktemp("h") / "h.jsonl"
    recs = [{"instruction": a, "input": b, "output": c} for a, b, c in rows]
    _write(path, _lines(recs))
    fast, ref = _both(str(path), block_bytes=50)
    assert fast.equals(ref)


def test_clean_file_takes_the_arrow_path_issue19(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "clean.jsonl", _lines(_alpaca_rows()))

    def refuse(self: object, block: bytes) -> pl.DataFrame:
        raise AssertionError("fell back to the per-line reference on a clean file")

    monkeypatch.setattr(ingest_arrow._Reader, "read_slow", refuse)
    assert len(list(iter_corpus(path))) > 0


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(st.sampled_from(list("ab é中😀\n\x00")), max_size=12), max_size=20),
    sliced=st.booleans(),
)
def test_utf8_buffers_of_few_texts_equal_the_arrow_buffers_issue19(
    texts: list[str], sliced: bool
) -> None:
    """A few texts are encoded by Python (no pyarrow import): the same bytes and offsets as
    the Arrow buffers that larger Series are read from (also for a slice of a Series)."""
    series = pl.Series(["head", *texts, "tail"], dtype=pl.String)
    if sliced:
        series = series.slice(1, len(texts))
    data, offsets = ingest_arrow.utf8_buffers(series)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ingest_arrow, "_FEW_TEXTS", -1)
        ref_data, ref_offsets = ingest_arrow.utf8_buffers(series)

    def split(d: np.ndarray, o: np.ndarray) -> list[bytes]:
        return [bytes(d[a:b]) for a, b in zip(o[:-1].tolist(), o[1:].tolist(), strict=True)]

    assert split(data, offsets) == split(ref_data, ref_offsets) == [t.encode() for t in series]
    assert offsets[0] == 0 and offsets.dtype == ref_offsets.dtype == np.int64

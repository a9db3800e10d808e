"""Kernels compiled ahead of time (:mod:`curate.core.aot`, :mod:`audit.compiled`, issue 19) give
the JIT kernels' values, are only loaded when built from the current source, send arguments of
another type to the JIT function, and spare ``cleanroom audit scan`` numba's import.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curate.core import aot

pytest.importorskip("numba")
if os.environ.get("CLEANROOM_NO_NUMBA"):  # pragma: no cover - no compiled kernels at all
    pytest.skip("kernels switched off by CLEANROOM_NO_NUMBA", allow_module_level=True)
if shutil.which("cc") is None and shutil.which("gcc") is None:  # pragma: no cover
    pytest.skip("no C compiler: the JIT kernels run (README, Set-up)", allow_module_level=True)

from audit import _kernel as jit  # noqa: E402
from audit.compiled import KERNELS, byte_kernel, words_at  # noqa: E402
from audit.index import Tokenised, WindowFilter, build_index  # noqa: E402
from audit.jsonl_tokens import _space_table, _tables  # noqa: E402
from audit.normalise import codepoint_tables  # noqa: E402
from curate.io.ingest_arrow import utf8_buffers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compiled() -> dict:
    """The audit's compiled entry points (built here when ``make install`` has not)."""
    try:
        aot.build(KERNELS)
    except Exception as e:  # the C toolchain, not our code: e.g. no Python headers
        if type(e).__module__.startswith(("distutils", "setuptools")):
            pytest.skip(f"this machine cannot compile C extensions ({e}): the JIT kernels run")
        raise
    got = aot.load(KERNELS)
    assert got is not None
    return got


def _tables_args() -> tuple:
    t = _tables()
    names = ("acls", "ascii_low", "cls", "one", "multi_keys", "multi_off", "multi_chars")
    return (*(t[k] for k in names), t["multi_cls"])


def _same(a, b) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.tolist() == y.tolist()
        else:
            assert x == y


_CHARS = st.sampled_from(
    list("abcXYZ019 ,.;'\"\\/\n\t\x00\x1c") + ["é", "ß", "İ", "ς", "中", "，", "ﬁ", "½"]
    + ["\u0301", "\u3000", "😀", "ﷺ", "Ｈ", "K", "supercalifragilistic", "0123456789abcdefXYZ"]
)  # fmt: skip
_TEXT = st.lists(_CHARS, max_size=30).map("".join)
_VALUE = st.one_of(_TEXT, _TEXT, st.none(), st.integers(-5, 5), st.lists(_TEXT, max_size=2))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.dictionaries(
            st.sampled_from(["instruction", "input", "output", "text", "x"]), _VALUE, max_size=5
        ),
        max_size=12,
    ),
    ascii_=st.booleans(),
    mode=st.sampled_from([0, 1, 2]),
    junk=st.sampled_from([b"", b"{bad\n", b"\n\n", b"[1]\n", b'{"text": "\\ud800"}\n']),
)
def test_jsonl_and_utf8_tokens_equal_the_jit_issue19(
    compiled: dict, rows: list[dict], ascii_: bool, mode: int, junk: bytes
) -> None:
    """The JSONL reader's and the UTF-8 tokeniser's compiled forms return exactly the JIT
    functions' arrays, on random records (missing, null, non-string values, escapes in both
    ``ensure_ascii`` forms, characters decided on the whole text, odd lines)."""
    raw = junk + b"".join(json.dumps(r, ensure_ascii=ascii_).encode() + b"\n" for r in rows)
    data = np.zeros(len(raw) + 16, np.uint8)
    data[: len(raw)] = np.frombuffer(raw, np.uint8)
    keys = [["instruction", "input", "output"], ["text", "x"], ["text"]][mode]
    kb = np.frombuffer("".join(keys).encode(), np.uint8)
    koff = np.array([0, *np.cumsum([len(k) for k in keys])], np.int64)
    args = (data, words_at(data), len(raw), mode, kb, koff)
    tail = (*_tables_args(), _space_table())
    small = 1  # the output starts at one token: the growth path runs too
    got = compiled["jsonl_tokens"](*args, np.empty(small, np.uint64), *tail)
    want = jit._jsonl_tokens(*args, np.empty(small, np.uint64), *tail)
    assert got[1] == want[1]
    assert got[0][: got[1]].tolist() == want[0][: want[1]].tolist()
    _same(got[2:], want[2:])

    texts = pl.Series([json.dumps(r, ensure_ascii=ascii_) for r in rows], dtype=pl.String)
    buf, offsets = utf8_buffers(texts)
    buf = np.concatenate([buf, np.zeros(8, np.uint8)])
    t = codepoint_tables()
    names = ("ascii_cls", "ascii_low", "cls", "one", "multi_keys", "multi_off", "multi_chars")
    uargs = (buf, words_at(buf), offsets, *(t[k] for k in names), t["multi_cls"])
    _same(compiled["utf8_tokens"](*uargs), jit._utf8_tokens(*uargs))


_WORD = st.sampled_from(["ab", "cd", "ef", "gh", "x", "yz"])


@settings(max_examples=40, deadline=None)
@given(
    items=st.lists(st.lists(_WORD, min_size=3, max_size=12), min_size=1, max_size=6),
    record=st.lists(_WORD, max_size=200),
    n=st.integers(2, 5),
    raw=st.binary(max_size=200),
)
def test_window_and_block_kernels_equal_the_jit_issue19(
    compiled: dict, items: list[list[str]], record: list[str], n: int, raw: bytes
) -> None:
    """The window pass and the byte-block tokeniser: compiled and JIT give the same arrays."""
    frame = pl.DataFrame(
        {
            "benchmark": ["b"] * len(items),
            "item_id": [f"i{k}" for k in range(len(items))],
            "text": [" ".join(t) for t in items],
            "answer": [None] * len(items),
        },
        schema={"benchmark": pl.String, "item_id": pl.String, "text": pl.String, "answer": pl.String},
    )  # fmt: skip
    wf = WindowFilter.build([build_index(frame, n, whole_below=n + 3, min_tokens=1)])
    h = Tokenised.of_texts(pl.Series([" ".join(record)])).h
    got = wf.hits(h, compiled["window_hits"])
    want = wf.hits(h, jit.WINDOW_KERNEL)
    assert sorted(got) == sorted(want)
    for length in want:
        _same(got[length], want[length])

    buf = np.frombuffer(raw.translate(bytes([0, *range(1, 256)])) + bytes(8), np.uint8)
    _same(byte_kernel(compiled["block_token_hashes"])(buf), jit.KERNEL(buf))


def test_an_argument_of_another_type_goes_to_the_jit_issue19(compiled: dict, monkeypatch) -> None:
    """numba's AOT wrapper checks only an array's item size: an ``int8`` block (same size as
    ``uint8``), a strided one or a read-only output goes to the JIT function instead."""
    seen = []
    monkeypatch.setattr(jit, "_block_token_hashes", lambda *a: seen.append(a) or "jit")
    buf = np.zeros(24, np.uint8)
    buf[:5] = [1, 2, 0, 3, 4]
    call = compiled["block_token_hashes"]
    starts, _ = call(buf, words_at(buf))
    assert starts.tolist() == [0, 3] and not seen  # the compiled function
    assert call(buf.view(np.int8), words_at(buf)) == "jit"
    wide = np.zeros(48, np.uint8)
    assert call(wide[::2], words_at(buf)) == "jit"
    assert call(buf, words_at(buf), 1) == "jit"  # a third argument
    assert len(seen) == 3
    out = np.empty(4, np.uint64)
    out.flags.writeable = False
    monkeypatch.setattr(jit, "_jsonl_tokens", lambda *a: "jit")
    data = np.zeros(32, np.uint8)
    kb = np.frombuffer(b"text", np.uint8)
    koff = np.array([0, 4], np.int64)
    args = (data, words_at(data), 0, 2, kb, koff, out, *_tables_args(), _space_table())
    assert compiled["jsonl_tokens"](*args) == "jit"


def test_a_build_is_only_loaded_for_its_own_source_issue19(tmp_path: Path, monkeypatch) -> None:
    """A module built from one source is not loaded once the source changes; the next build
    replaces it; ``CLEANROOM_NO_AOT`` switches loading off."""
    pkg = tmp_path / "aot_probe_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    src = pkg / "kern.py"
    body = """
        import numba
        import numpy as np

        @numba.njit(cache=False)
        def total(x):
            s = 0
            for v in x:
                s += v * {k}
            return s
    """
    src.write_text(textwrap.dedent(body.format(k=1)))
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = aot.Compiled("aot_probe_pkg.kern", {"total": aot.Export("total", ("i64[C]r",), "i64")})
    first = aot.build(spec)
    assert aot.load(spec)["total"](np.arange(5, dtype=np.int64)) == 10
    monkeypatch.setenv("CLEANROOM_NO_AOT", "1")
    assert aot.load(spec) is None
    monkeypatch.delenv("CLEANROOM_NO_AOT")

    src.write_text(textwrap.dedent(body.format(k=2)))
    monkeypatch.delitem(aot._PATHS, spec.module)  # the digest is computed once a process
    assert aot.compiled_path(spec) != first
    assert aot.load(spec) is None  # stale: not loaded
    sys.modules.pop("aot_probe_pkg.kern", None)
    second = aot.build(spec)
    assert not first.exists() and second.exists()
    assert aot.load(spec)["total"](np.arange(5, dtype=np.int64)) == 20


def test_audit_scan_cli_runs_without_numba_issue19(compiled: dict, tmp_path: Path) -> None:
    """With the kernels built, ``cleanroom audit scan`` never imports numba, and reports what
    the JIT kernels report (``CLEANROOM_NO_AOT=1``); it asks OpenBLAS for one thread unless the
    user chose a number."""
    corpus = tmp_path / "c.jsonl"
    from audit.benchmarks import load_benchmark

    item = load_benchmark("humaneval", limit=1)["text"][0]
    rows = [{"instruction": "Please finish this:", "input": item, "output": "done"}]
    rows += [
        {"instruction": f"word {k} and more words", "input": "", "output": "ok"} for k in range(50)
    ]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code = (
        "import sys\n"
        "from curate.cli.main import main\n"
        f"sys.argv = ['cleanroom', 'audit', 'scan', '--preset', 'gpt3', '--n', '4', '--benchmark', "
        f"'humaneval', '--corpus', {str(corpus)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "import os\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
        "print('numba' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    env.pop("OPENBLAS_NUM_THREADS", None)
    outs = {}
    for flag in ("", "1"):
        env["CLEANROOM_NO_AOT"] = flag
        if flag:  # a value the user set is kept
            env["OPENBLAS_NUM_THREADS"] = "3"
        outs[flag] = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        ).stdout.strip().splitlines()  # fmt: skip
    assert outs[""][-1] == "False" and outs["1"][-1] == "True"
    # no BLAS in an n-gram scan: OpenBLAS's thread pool is not started
    assert outs[""][-2] == "1" and outs["1"][-2] == "3"
    report = {
        flag: [re.sub(r"\d+\.\d+ s", "", line) for line in out[:-2]] for flag, out in outs.items()
    }
    assert int(re.search(r"(\d+) \(item, record\) pairs", report[""][-1])[1]) > 0
    assert report[""] == report["1"]

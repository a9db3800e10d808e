"""Nothing lost, ever (issue 12): bad input, bad recipes, kills, full disks and concurrent runs.

Each case the issue reproduced on the old main is a test here; the fuzz tests feed every reader
random bytes and check that every unit a reader saw ends as a record or a quarantine row, and that
no exception escapes. Kill and disk-full cases run ``cleanroom`` in a subprocess.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.core.errors import ConfigError, ConservationError, InputError
from curate.core.textnorm import normalise_text
from curate.io import store
from curate.io.ingest import read_input
from curate.io.store import StoreBusyError, read_table, writer_lock
from curate.lib.mixing.templates import ENV, render_limited
from curate.run.export import export_run
from curate.run.pipeline import run_curate
from curate.run.recipe import load_recipe
from tests.conftest import ROOT, write_jsonl

ENV_VARS = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}


def _recipe(tmp: Path, rows: int = 40, extra: str = "") -> Path:
    data = write_jsonl(
        tmp / "d.jsonl",
        [{"instruction": f"Question number {i} about topic {i % 7}", "output": f"Answer {i}."}
         for i in range(rows)],
    )  # fmt: skip
    recipe = tmp / "r.yaml"
    recipe.write_text(
        textwrap.dedent(f"""\
        version: 1
        name: rel
        inputs:
          - {{name: d, path: {data}}}
        steps:
          - step: normalise_v1
          - step: exact_dedup_v1
        mixtures:
          - name: default
        output:
          db: {tmp}/out/c.duckdb
          parquet_dir: {tmp}/out/parquet
          hf_dir: {tmp}/out/hf
          reviews_db: {tmp}/out/reviews.duckdb
        """)
        + extra
    )
    return recipe


def _curate(recipe: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "curate.cli", "curate", str(recipe), *args],
        capture_output=True,
        text=True,
        env=ENV_VARS,
        timeout=timeout,
    )


def _runs(db: Path) -> int:
    return read_table(db, "SELECT count(*) AS n FROM runs")["n"][0]


# ---------------------------------------------------------------------------------------------
# 1-2. readers: a stray CSV quote, and a conservation check that can fail
# ---------------------------------------------------------------------------------------------


def test_stray_csv_quote_costs_one_line_issue12(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["instruction", "context", "response"])
        for i in range(1001):
            w.writerow([f"q{i}", "", f"a{i}"])
    lines = path.read_text().splitlines()
    lines[4] = '"Broken opening quote,,answer'  # row 4 of the data (line 5 of the file)
    path.write_text("\n".join(lines) + "\n")
    got = read_input(str(path), source="d")
    assert got.seen == 1001
    assert got.records.height == 1000 and got.quarantine.height == 1
    assert got.quarantine["line"].to_list() == [5]
    assert "unbalanced quote" in got.quarantine["error"][0]
    assert got.records["text"][-1].startswith("q1000")


def test_conservation_check_fires_when_a_row_is_lost_issue12(tmp_path: Path, monkeypatch) -> None:
    import curate.io.ingest as ingest

    path = write_jsonl(tmp_path / "d.jsonl", [{"text": f"row {i}"} for i in range(5)])
    real = ingest._Collected.add

    def lossy(self, r):  # a bug that forgets one record without quarantining it
        if r.line != 3:
            real(self, r)

    monkeypatch.setattr(ingest._Collected, "add", lossy)
    with pytest.raises(ConservationError, match="saw 5 .* only 4"):
        read_input(str(path), source="d")


def test_run_conservation_counts_from_the_reader_issue12(tmp_path: Path) -> None:
    result = run_curate(load_recipe(_recipe(tmp_path, rows=10)))
    assert result.inputs == 10 == result.kept + result.dropped + result.quarantine.height


# ---------------------------------------------------------------------------------------------
# 5. one malformed line never aborts a run
# ---------------------------------------------------------------------------------------------

BAD_LINES = {
    "lone_surrogate": '{"text": "bad \\ud800 x"}',
    "huge_integer": '{"text": "x", "n": ' + "9" * 5000 + "}",
    "deep_nesting": '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}",
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_malformed_jsonl_line_is_quarantined_issue12(tmp_path: Path, case: str) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "ok one"}\n' + BAD_LINES[case] + '\n{"text": "ok two"}\n')
    got = read_input(str(path), source="d")
    assert got.records["text"].to_list() == ["ok one", "ok two"]
    assert got.quarantine["line"].to_list() == [2]


def test_invalid_utf8_in_jsonl_is_quarantined_not_replaced_issue12(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"text": "caf\xe9 bad"}\n{"text": "fine"}\n')
    got = read_input(str(path), source="d")
    assert got.records["text"].to_list() == ["fine"]
    assert "invalid UTF-8" in got.quarantine["error"][0] and got.quarantine["line"][0] == 1


def test_invalid_utf8_in_json_names_the_file_issue12(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(b'[{"text": "caf\xe9"}]')
    got = read_input(str(path), source="d", display="d.json")
    assert got.records.height == 0
    assert got.quarantine["source_file"][0] == "d.json" and "UTF-8" in got.quarantine["error"][0]


def test_bom_is_not_data_issue12(tmp_path: Path) -> None:
    j = tmp_path / "d.jsonl"
    j.write_bytes(b'\xef\xbb\xbf{"text": "first"}\n{"text": "second"}\n')
    assert read_input(str(j), source="d").records["text"].to_list() == ["first", "second"]
    c = tmp_path / "d.csv"
    c.write_bytes(b"\xef\xbb\xbfinstruction,response\nhello,world\n")
    got = read_input(str(c), source="c")
    assert got.layout == "dolly" and got.records.height == 1


def test_csv_field_over_python_default_limit_issue12(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["instruction", "response"])
        w.writerow(["long", "x" * 200_000])
        w.writerow(["short", "y"])
    got = read_input(str(path), source="d")
    assert got.records.height == 2 and got.quarantine.height == 0


# ---------------------------------------------------------------------------------------------
# 6. strict recipes
# ---------------------------------------------------------------------------------------------


def test_duplicate_yaml_key_names_both_lines_issue12(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path, extra="steps:\n  - step: normalise_v1\n")
    with pytest.raises(ConfigError, match=r"duplicate key 'steps' on lines 5 and 15"):
        load_recipe(recipe)


@pytest.mark.parametrize("value", ["-1", "true"])
def test_numeric_params_refuse_negatives_and_booleans_issue12(tmp_path: Path, value: str) -> None:
    recipe = _recipe(tmp_path)
    text = recipe.read_text().replace(
        "  - step: exact_dedup_v1\n",
        f"  - step: exact_dedup_v1\n  - step: length_filter_v1\n    params: {{min_words: {value}}}\n",
    )
    recipe.write_text(text)
    with pytest.raises(ConfigError, match="min_words"):
        load_recipe(recipe)


def test_empty_input_and_limit_zero_are_errors_issue12(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    (tmp_path / "d.jsonl").write_text("")
    with pytest.raises(ConfigError, match="has no rows"):
        run_curate(load_recipe(recipe))
    recipe.write_text(recipe.read_text().replace("path: ", "allow_empty: true, path: "))
    assert run_curate(load_recipe(recipe)).inputs == 0
    recipe.write_text(recipe.read_text().replace("allow_empty: true, ", "limit: 0, "))
    with pytest.raises(ConfigError, match="limit must be at least 1"):
        load_recipe(recipe)


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{{ 'a' * 3000000000 }}",
        "{% for i in range(9000) %}{{ 'x' * 9000 }}{% endfor %}",
    ],
)
def test_jinja_rendering_is_bounded_issue12(source: str) -> None:
    from jinja2.exceptions import SecurityError

    t0 = time.monotonic()
    with pytest.raises(SecurityError):
        render_limited(ENV.from_string(source), {})
    assert time.monotonic() - t0 < 60  # bounded by the render limits, not by the loop


def test_db_parent_that_is_a_file_fails_before_reading_issue12(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    (tmp_path / "afile").write_text("x")
    r = _curate(recipe, "--db", str(tmp_path / "afile" / "c.duckdb"))
    assert r.returncode == 2 and "is a file, not a folder" in r.stderr
    assert "reading" not in r.stdout


# ---------------------------------------------------------------------------------------------
# 7. outputs that move together; normalisation that keeps meaning
# ---------------------------------------------------------------------------------------------


def test_db_elsewhere_moves_parquet_and_hf_with_it_issue12(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    r = _curate(recipe, "--db", str(tmp_path / "elsewhere" / "c.duckdb"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "elsewhere" / "parquet" / "mixture_default.parquet").is_file()
    assert (tmp_path / "elsewhere" / "hf" / "default").is_dir()
    assert not (tmp_path / "out").exists()


def test_zero_width_joiners_keep_their_meaning_issue12() -> None:
    family = "👨\u200d👩\u200d👧"
    persian = "می\u200cخواهم"
    assert normalise_text(family) == family
    assert normalise_text(persian) == persian
    assert normalise_text("a\u200bb") == "ab"  # a zero-width space is still removed


# ---------------------------------------------------------------------------------------------
# 3-4. writers: history, locks, stale files, kills, full disks
# ---------------------------------------------------------------------------------------------


def _hold(db: Path, seconds: float, how: str) -> subprocess.Popen:
    """Another process holding ``db``: a DuckDB writer connection, or the cleanroom writer lock."""
    code = {
        "duckdb": f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep({seconds})",
        "lock": f"import time; from curate.io.store import writer_lock\nwith writer_lock({str(db)!r}):\n    print('held', flush=True); time.sleep({seconds})",
    }[how]
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=ENV_VARS
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_history_is_never_wiped_by_a_db_held_open_issue12(tmp_path: Path) -> None:
    rec = load_recipe(_recipe(tmp_path))
    db = tmp_path / "out" / "c.duckdb"
    export_run(run_curate(rec), db, None)
    export_run(run_curate(rec), db, None)
    before = db.read_bytes()
    holder = _hold(db, 60, "duckdb")
    try:
        with pytest.raises(InputError, match="cannot read the run history"):
            export_run(run_curate(rec), db, None)
    finally:
        holder.kill()
        holder.wait()
    assert db.read_bytes() == before
    assert _runs(db) == 2


def test_a_second_writer_is_refused_with_a_clear_message_issue12(tmp_path: Path) -> None:
    rec = load_recipe(_recipe(tmp_path))
    db = tmp_path / "out" / "c.duckdb"
    export_run(run_curate(rec), db, None)
    holder = _hold(db, 60, "lock")
    try:
        with pytest.raises(StoreBusyError, match=rf"pid {holder.pid}"):
            export_run(run_curate(rec), db, None)
    finally:
        holder.kill()
        holder.wait()
    with writer_lock(db):  # released when its holder died
        pass
    assert _runs(db) == 1


def test_two_concurrent_curates_lose_no_runs_row_issue12(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path, rows=200)
    db = tmp_path / "out" / "c.duckdb"
    args = [sys.executable, "-m", "curate.cli", "curate", str(recipe)]
    procs = [subprocess.Popen(args, env=ENV_VARS, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    ok = [rc for rc, _ in results if rc == 0]
    refused = [err for rc, err in results if rc != 0]
    assert ok, results
    assert all("being written by another cleanroom process" in e for e in refused), refused
    assert _runs(db) == len(ok)  # every run that said it wrote is in the history


def test_a_stale_wal_does_not_poison_later_runs_issue12(tmp_path: Path) -> None:
    rec = load_recipe(_recipe(tmp_path))
    db = tmp_path / "out" / "c.duckdb"
    export_run(run_curate(rec), db, None)
    db.with_name(db.name + ".wal").write_bytes(os.urandom(4096))  # a writer killed mid-WAL
    (db.parent / f".{db.name}.999999.tmp").write_bytes(b"half a file")  # a dead run's temp
    export_run(run_curate(rec), db, None)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    assert not list(db.parent.glob(f".{db.name}*"))


KILL_AT = {
    "after_reading": ("curate.run.pipeline", "run_steps"),
    "while_writing_tables": ("curate.io.store", "create_table"),
    "before_rename": ("os", "replace"),  # the first rename of a run is the DB's
}


@pytest.mark.parametrize("phase", sorted(KILL_AT))
def test_sigkill_at_each_phase_keeps_the_last_good_db_issue12(tmp_path: Path, phase: str) -> None:
    recipe = _recipe(tmp_path)
    db = tmp_path / "out" / "c.duckdb"
    assert _curate(recipe).returncode == 0
    good = db.read_bytes()
    module, name = KILL_AT[phase]
    code = textwrap.dedent(f"""\
        import importlib, os, signal, sys
        mod = importlib.import_module({module!r})
        def die(*a, **k):
            os.kill(os.getpid(), signal.SIGKILL)
        setattr(mod, {name!r}, die)
        sys.argv = ["cleanroom", "curate", {str(recipe)!r}]
        from curate.cli.main import main
        main()
        """)
    r = subprocess.run([sys.executable, "-c", code], env=ENV_VARS, capture_output=True, timeout=300)
    assert r.returncode == -signal.SIGKILL
    assert db.read_bytes() == good  # the last good DB, untouched
    assert _curate(recipe).returncode == 0  # the next run works and cleans up after the dead one
    assert _runs(db) == 2
    assert not list(db.parent.glob(f".{db.name}*.tmp"))


def test_sigkill_during_mix_keeps_the_db_readable_issue12(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    db = tmp_path / "out" / "c.duckdb"
    assert _curate(recipe).returncode == 0
    code = textwrap.dedent(f"""\
        import os, signal, sys
        import curate.run.export as ex
        calls = []
        def die(*a, **k):
            calls.append(1)
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*a, **k)
        real = ex.create_table
        ex.create_table = die
        sys.argv = ["cleanroom", "mix", {str(recipe)!r}]
        from curate.cli.main import main
        main()
        """)
    r = subprocess.run([sys.executable, "-c", code], env=ENV_VARS, capture_output=True, timeout=300)
    assert r.returncode == -signal.SIGKILL
    assert _runs(db) == 1 and read_table(db, "SELECT count(*) AS n FROM mixtures")["n"][0] > 0
    assert _curate(recipe).returncode == 0 and _runs(db) == 2


def test_disk_full_fails_clearly_and_leaves_nothing_issue12(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path, rows=400)
    db = tmp_path / "out" / "c.duckdb"
    assert _curate(recipe).returncode == 0
    good = db.read_bytes()
    code = textwrap.dedent(f"""\
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        sys.argv = ["cleanroom", "curate", {str(recipe)!r}]
        from curate.cli.main import main
        main()
        """)
    r = subprocess.run(
        [sys.executable, "-c", code], env=ENV_VARS, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 1
    assert "the previous file is unchanged" in r.stderr and "disk full" in r.stderr
    assert db.read_bytes() == good
    assert not list(db.parent.glob(f".{db.name}*"))


def test_stale_temp_of_a_live_writer_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    mine = tmp_path / f".c.duckdb.{os.getpid()}.tmp"
    mine.write_text("x")
    assert store.remove_stale_temps(db) == [] and mine.exists()


# ---------------------------------------------------------------------------------------------
# fuzz: every reader, random bytes -> no exception escapes, every unit accounted for
# ---------------------------------------------------------------------------------------------

FUZZ_EXAMPLES = 150
_JSONISH = st.sampled_from(
    [
        '{"text": "a"}',
        '{"text": ',
        "}",
        "[",
        "]",
        '"',
        "\\ud800",
        "\n",
        ",",
        "\xe9",
        "\ufeff",
        "9" * 50,
    ]
)
_CSVISH = st.sampled_from(
    ["instruction,response\n", "a,b\n", '"', ",", "\n", "\r\n", "x" * 20, "\xe9", "\x00"]
)


@settings(max_examples=FUZZ_EXAMPLES)
@given(st.lists(_JSONISH, max_size=40), st.binary(max_size=40))
def test_fuzz_jsonl_reader(tmp_path_factory, pieces: list[str], noise: bytes) -> None:
    path = tmp_path_factory.mktemp("fz") / "f.jsonl"
    path.write_bytes("".join(pieces).encode("utf-8", "surrogatepass") + noise)
    got = read_input(str(path), source="f", layout="text")
    assert got.records.height + got.quarantine.height == got.seen


@settings(max_examples=FUZZ_EXAMPLES)
@given(st.lists(_JSONISH, max_size=40))
def test_fuzz_json_reader(tmp_path_factory, pieces: list[str]) -> None:
    path = tmp_path_factory.mktemp("fz") / "f.json"
    path.write_bytes(("[" + "".join(pieces)).encode("utf-8", "surrogatepass"))
    try:
        got = read_input(str(path), source="f", layout="text")
    except InputError:
        return  # valid JSON that is not a list of records: the whole file is refused, by name
    assert got.records.height + got.quarantine.height == got.seen


@settings(max_examples=FUZZ_EXAMPLES)
@given(st.lists(_CSVISH, max_size=60), st.binary(max_size=30))
def test_fuzz_csv_reader(tmp_path_factory, pieces: list[str], noise: bytes) -> None:
    path = tmp_path_factory.mktemp("fz") / "f.csv"
    path.write_bytes(("text,other\n" + "".join(pieces)).encode("utf-8") + noise)
    got = read_input(str(path), source="f", layout="text")
    # a record may span several lines: it accounts for all of them (checked inside read_input);
    # rows are never more than the lines seen
    assert got.records.height + got.quarantine.height <= got.seen


@settings(max_examples=FUZZ_EXAMPLES // 3)
@given(st.binary(max_size=200))
def test_fuzz_txt_reader(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fz") / "f.txt"
    path.write_bytes(data)
    got = read_input(str(path), source="f")
    assert got.records.height + got.quarantine.height == got.seen == 1


@settings(max_examples=FUZZ_EXAMPLES // 3)
@given(st.lists(st.one_of(st.none(), st.text(max_size=20), st.integers()), max_size=30))
def test_fuzz_parquet_reader(tmp_path_factory, values: list) -> None:
    path = tmp_path_factory.mktemp("fz") / "f.parquet"
    texts = [None if v is None else str(v) for v in values]
    pl.DataFrame({"text": texts}, schema={"text": pl.String}).write_parquet(path)
    got = read_input(str(path), source="f", layout="text")
    assert got.records.height + got.quarantine.height == got.seen == len(values)


def test_fuzz_reader_truncations(tmp_path: Path) -> None:
    """Every prefix of a valid JSONL file and of a valid CSV file reads without an exception."""
    rows = [{"text": f"row {i} caf\u00e9 \u2603"} for i in range(6)]
    whole = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    csv_whole = ("text,n\n" + "".join(f'"line {i}\nmore",{i}\n' for i in range(6))).encode()
    for data, suffix in ((whole, "jsonl"), (csv_whole, "csv")):
        for cut in range(len(data)):
            path = tmp_path / f"t.{suffix}"
            path.write_bytes(data[:cut])
            got = read_input(str(path), source="t", layout="text")
            assert got.records.height + got.quarantine.height <= got.seen

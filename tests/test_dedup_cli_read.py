"""``cleanroom dedup`` reads JSONL through Arrow (:func:`curate.cli.dedup.read_jsonl_arrow`) and
gets the same ``text, id`` frame and unparsed-line count as the per-line reference (issue 19).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curate.cli import dedup as dedup_cli
from curate.io.formats import RawRow, iter_raw_rows

ROWS: list[object] = [
    {"id": "a", "title": "T", "body": "text é 中文"},
    {"id": "b", "title": "", "body": "empty title is skipped"},
    {"id": None, "body": None},  # no text: null
    {"title": "only a title \u2028 \x00"},  # no id: null
    {"id": "c", "title": "T", "body": "dup"},
    {"id": "c", "title": "T", "body": "dup"},
]


def _reference(path: Path, fields: list[str], id_field: str | None):
    rows = (r.fields if isinstance(r, RawRow) else dedup_cli._BAD for r in iter_raw_rows(path))
    return dedup_cli._frame_of_rows(rows, fields, id_field)


def _check(path: Path, fields: list[str], id_field: str | None) -> None:
    fast, bad = dedup_cli.read_jsonl_arrow(path, fields, id_field)
    ref, ref_bad = _reference(path, fields, id_field)
    assert bad == ref_bad
    assert fast.equals(ref)


@pytest.mark.parametrize("id_field", [None, "id"])
def test_clean_rows_issue19(tmp_path: Path, id_field: str | None) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + "\n")
    _check(path, ["title", "body"], id_field)


def test_integer_ids_and_bad_lines_issue19(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "body": f"doc {i}"}) for i in range(5)]
    lines += ["{broken", "[1, 2]", json.dumps({"id": 1.5, "body": 7}), ""]
    path = tmp_path / "y.jsonl"
    path.write_text("\n".join(lines) + "\n")
    _check(path, ["body"], "id")
    fast, bad = dedup_cli.read_jsonl_arrow(path, ["body"], "id")
    assert bad == 2 and fast["text"].to_list()[-1] == "7"
    clean = tmp_path / "z.jsonl"
    clean.write_text("\n".join(lines[:5]) + "\n")
    fast, _ = dedup_cli.read_jsonl_arrow(clean, ["body"], "id")
    assert fast["id"].to_list() == ["0", "1", "2", "3", "4"]


def test_cli_help_does_not_import_numba_issue19() -> None:
    """``cleanroom --help`` builds the command tree only: numba stays unimported."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from curate.cli.main import main\n"
        "sys.argv = ['cleanroom', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('numba' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize(
    "ids",
    [["a", "b", "c"], [1, 2, 3], ["a", 2, None], [1.5, "b", 3], [{"x": 1}, "b", "c"]],
)
@pytest.mark.parametrize("bare_cr", [False, True])
def test_ids_read_with_the_texts_equal_reference_issue19(
    tmp_path: Path, ids: list[object], bare_cr: bool
) -> None:
    """String ids come from the texts' parse; other id types fall back; same frame as the reference."""
    rows = [
        {"id": i, "body": f"doc {k}" + (" a\rb" if bare_cr and k == 1 else "")}
        for k, i in enumerate(ids)
    ]
    path = tmp_path / "ids.jsonl"
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    if bare_cr:
        text = text.replace("\\r", "\r")  # a raw carriage return inside a line
    path.write_text(text, newline="")
    _check(path, ["body"], "id")


def test_imports_without_gc_freezes_until_the_command_ends_issue19() -> None:
    """A command's heavy imports run without the cyclic GC; the objects made so far are frozen
    while the command runs and unfrozen when it ends; outside a command nothing is frozen."""
    import gc

    import click

    from curate.cli.console import imports_without_gc

    seen = {}

    @click.command()
    def cmd() -> None:
        with imports_without_gc():
            seen["inside"] = gc.isenabled()
        seen["after"] = (gc.isenabled(), gc.get_freeze_count())

    assert gc.get_freeze_count() == 0
    cmd.main([], standalone_mode=False)
    assert seen["inside"] is False
    assert seen["after"][0] is True and seen["after"][1] > 0  # frozen during the command
    assert gc.isenabled() and gc.get_freeze_count() == 0  # unfrozen when it ended
    with imports_without_gc():
        pass
    assert gc.isenabled() and gc.get_freeze_count() == 0


_EXIT_PROBE = """\
import atexit, os, sys, threading, time
class Teardown:
    def __del__(self, write=os.write):  # (module globals are gone by then)
        write(1, b"teardown ran\\n")
KEEP = Teardown()  # freed only by the interpreter's teardown
atexit.register(lambda: print("exit hook ran"))
case = sys.argv[1]
sys.argv = ["cleanroom", "steps"]
import curate.cli.main as cli
command = cli.main
def main():
    command()
    if case == "thread":  # still running when the command has returned
        threading.Thread(target=lambda: (time.sleep(0.3), print("thread done"))).start()
    if case == "daemon":  # (a C target: a Python one would keep this module's globals alive)
        threading.Thread(target=time.sleep, args=(3,), daemon=True).start()
cli.main = main
cli.run()
"""


@pytest.mark.parametrize("case", ["fast", "full_env", "thread", "daemon"])
def test_console_script_exits_without_teardown_issue19(case: str) -> None:
    """``cleanroom`` (``run``) ends a finished command without the interpreter's teardown: the
    exit hooks run and the output is all there, but objects are not freed one by one. A live
    non-daemon thread or ``CLEANROOM_FULL_EXIT`` gives the normal exit (the thread finishes); a
    daemon thread (tqdm's monitor) does not stop the fast exit, as it does not stop a normal one."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("CLEANROOM_FULL_EXIT", None)
    if case == "full_env":
        env["CLEANROOM_FULL_EXIT"] = "1"
    r = subprocess.run(
        [sys.executable, "-c", _EXIT_PROBE, case],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "exact_dedup" in r.stdout  # the command's whole output, flushed
    assert r.stdout.count("exit hook ran") == 1
    assert ("teardown ran" in r.stdout) is (case in ("full_env", "thread"))
    assert ("thread done" in r.stdout) is (case == "thread")

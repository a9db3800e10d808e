"""Recipes and the CLI: bad recipes exit 2 before any data is read, with a clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curate.cli.main import app
from curate.core.errors import ConfigError
from curate.run.recipe import load_recipe
from tests.conftest import ROOT, write_recipe

runner = CliRunner()


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run the real console entry point (exit codes and stderr as a user sees them)."""
    return subprocess.run(
        [sys.executable, "-m", "curate.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def recipe(
    tmp_path: Path, data: Path, steps: str = "  - step: normalise_v1\n", extra: str = ""
) -> Path:
    return write_recipe(
        tmp_path / "r.yaml",
        f"version: 1\nname: t\ninputs:\n  - {{name: tiny, path: {data}}}\nsteps:\n{steps}{extra}",
    )


def test_unknown_step_did_you_mean(tmp_path: Path, tiny_instructions: Path) -> None:
    r = recipe(tmp_path, tiny_instructions, "  - step: lenght_filter_v1\n")
    res = cli("curate", str(r))
    assert res.returncode == 2
    assert "unknown step 'lenght_filter_v1'; did you mean 'length_filter_v1'?" in res.stderr
    assert "Traceback" not in res.stderr


def test_wrong_param_type_exits_2(tmp_path: Path, tiny_instructions: Path) -> None:
    r = recipe(
        tmp_path, tiny_instructions, "  - step: length_filter_v1\n    params: {min_words: lots}\n"
    )
    res = cli("curate", str(r))
    assert res.returncode == 2
    assert "steps[0] (length_filter_v1): min_words" in res.stderr


def test_unknown_param_did_you_mean(tmp_path: Path, tiny_instructions: Path) -> None:
    r = recipe(
        tmp_path, tiny_instructions, "  - step: length_filter_v1\n    params: {min_word: 3}\n"
    )
    with pytest.raises(ConfigError, match="did you mean 'min_words'"):
        load_recipe(r)


def test_missing_input_file_exits_2_before_reading(tmp_path: Path) -> None:
    r = recipe(tmp_path, tmp_path / "nope.jsonl")
    res = cli("curate", str(r), "--db", str(tmp_path / "o.duckdb"))
    assert res.returncode == 2
    assert "input file not found" in res.stderr and "nope.jsonl" in res.stderr
    assert not (tmp_path / "o.duckdb").exists()


def test_missing_version_and_unknown_key(tmp_path: Path, tiny_instructions: Path) -> None:
    p = write_recipe(tmp_path / "v.yaml", f"inputs:\n  - {{name: a, path: {tiny_instructions}}}\n")
    with pytest.raises(ConfigError, match="missing required key 'version'"):
        load_recipe(p)
    p = write_recipe(
        tmp_path / "k.yaml",
        f"version: 1\nstep: []\ninputs:\n  - {{name: a, path: {tiny_instructions}}}\n",
    )
    with pytest.raises(ConfigError, match="unknown key 'step'; did you mean 'steps'"):
        load_recipe(p)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    p = write_recipe(tmp_path / "bad.yaml", "version: 1\ninputs: [\n  - a: b\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+: invalid YAML"):
        load_recipe(p)


def test_include_merges_and_paths_resolve_relative_to_file(
    tmp_path: Path, tiny_instructions: Path
) -> None:
    (tmp_path / "sub").mkdir()
    data = tmp_path / "sub" / "d.jsonl"
    data.write_text(tiny_instructions.read_text())
    write_recipe(
        tmp_path / "sub" / "base.yaml",
        "version: 1\nname: base\ninputs:\n  - {name: d, path: d.jsonl}\nseed: 7\n",
    )
    top = write_recipe(
        tmp_path / "top.yaml", "include: sub/base.yaml\nname: top\nsteps:\n  - step: normalise_v1\n"
    )
    rec = load_recipe(top)
    assert rec.name == "top" and rec.seed == 7
    assert rec.inputs[0].path == str(data.resolve())
    assert [s.step for s in rec.steps] == ["normalise_v1"]


def test_include_cycle(tmp_path: Path) -> None:
    write_recipe(tmp_path / "a.yaml", "include: b.yaml\nversion: 1\n")
    write_recipe(tmp_path / "b.yaml", "include: a.yaml\nversion: 1\n")
    with pytest.raises(ConfigError, match="include cycle"):
        load_recipe(tmp_path / "a.yaml")


def test_mixture_unknown_source(tmp_path: Path, tiny_instructions: Path) -> None:
    r = recipe(tmp_path, tiny_instructions, extra="mixtures:\n  - {name: m, sources: [tiyn]}\n")
    with pytest.raises(ConfigError, match="unknown source 'tiyn'; did you mean 'tiny'"):
        load_recipe(r)


def test_dry_run_prints_plan_and_touches_nothing(tmp_path: Path, tiny_instructions: Path) -> None:
    r = recipe(
        tmp_path,
        tiny_instructions,
        "  - step: normalise_v1\n  - step: exact_dedup_v1\n",
        extra=f"output: {{db: {tmp_path / 'o.duckdb'}}}\n",
    )
    res = runner.invoke(app, ["curate", str(r), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "exact_dedup_v1" in res.output and "exact_duplicate" in res.output
    assert "dry run: no data was read." in res.output
    assert not (tmp_path / "o.duckdb").exists()


def test_curate_prints_summary(tmp_path: Path, tiny_instructions: Path) -> None:
    r = recipe(
        tmp_path,
        tiny_instructions,
        "  - step: normalise_v1\n  - step: length_filter_v1\n  - step: exact_dedup_v1\n",
    )
    db = tmp_path / "o.duckdb"
    res = cli("curate", str(r), "--db", str(db), "--parquet-dir", str(tmp_path / "pq"))
    assert res.returncode == 0, res.stderr
    # 6 lines: 1 malformed, 1 exact duplicate, 1 empty output, 3 kept
    assert (
        "inputs" in res.stdout
        and "exact_duplicate" in res.stdout
        and "length__empty_response" in res.stdout
    )
    assert db.exists() and (tmp_path / "pq" / "mixture_default.parquet").exists()


def test_every_command_has_an_example() -> None:
    import typer.main

    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None)
        for sub in (subs or {name: cmd}).values():
            assert "Example:" in (sub.help or ""), f"{name} {sub.name} has no Example: line"


def test_recipe_reference_lists_every_step() -> None:
    """docs/RECIPES.md documents every registered step key (regenerate the table when adding one)."""
    from curate.plugins import all_steps

    doc = (ROOT / "docs" / "RECIPES.md").read_text()
    missing = [k for k in all_steps() if f"`{k}`" not in doc]
    assert missing == []


COMMANDS = [
    ["curate"],
    ["filter"],
    ["steps"],
    ["mix"],
    ["dedup"],
    ["app"],
    ["audit", "scan"],
    ["audit", "list"],
    ["quality", "train"],
    ["quality", "score"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_exits_2_on_a_usage_error_issue17(command, monkeypatch, capsys) -> None:
    from curate.cli.main import main

    monkeypatch.setattr(sys, "argv", ["cleanroom", *command, "--no-such-option"])
    with pytest.raises(SystemExit) as e:
        main()
    err = capsys.readouterr().err
    assert e.value.code == 2, err
    assert "No such option" in err and "Traceback" not in err


def test_version_and_flags_read_as_flags_issue17() -> None:
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("cleanroom ")
    help_text = cli("curate", "--help").stdout
    assert "RECIPE" in help_text and "--dry-run" in help_text
    assert "<bool>" not in help_text and "{recipe}" not in help_text

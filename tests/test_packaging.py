"""The package as a user gets it (issue 17): every import declared, and the built wheel works
outside the repository.

The wheel test builds the wheel from a copy of the tracked sources, installs it (no dependencies,
no index) into a fresh venv in a temporary folder that sees this interpreter's site-packages
through a ``.pth`` file (so nothing is downloaded), and runs ``cleanroom curate`` on a tiny recipe
and ``cleanroom audit scan`` from a folder outside the repository, without ``PYTHONPATH``: the
templates, the MiniLM head and the step registry must come from the installed wheel.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import os
import re
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _dist_name(requirement: str) -> str:
    """``"ray[data]>=2.9"`` -> ``"ray"`` (normalised as PEP 503 does)."""
    name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules() -> dict[str, set[str]]:
    """Top-level third-party modules imported anywhere in the shipped packages -> files."""
    found: dict[str, set[str]] = {}
    files = [*ROOT.glob("curate/**/*.py"), *ROOT.glob("audit/**/*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("curate", "audit", "__future__"):
                    continue
                found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_runtime_import_is_declared_issue17():
    project = _pyproject()["project"]
    core = {_dist_name(r) for r in project["dependencies"]}
    extras = {_dist_name(r) for reqs in project["optional-dependencies"].values() for r in reqs}
    owners = md.packages_distributions()
    undeclared = {}
    for module, files in _imported_modules().items():
        dists = {_dist_name(d) for d in owners.get(module, [module])}
        if not dists & (core | extras):
            undeclared[module] = sorted(files)
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_torch_is_a_range_not_a_pin_issue17():
    torch = [r for r in _pyproject()["project"]["dependencies"] if _dist_name(r) == "torch"]
    assert torch == ["torch>=2.4"]


def test_extras_name_real_packages_issue17():
    extras = _pyproject()["project"]["optional-dependencies"]
    assert {"dev", "bench", "ray", "train", "judge", "gpu"} <= set(extras)
    assert all(extras[name] for name in extras), "an extra without packages means nothing"


TINY_RECIPE = """\
version: 1
name: tiny
inputs:
  - name: chat
    path: data.jsonl
steps:
  - step: normalise_v1
  - step: length_filter_v1
  - step: pii_redact_v1
  - step: decontaminate_v1
    params: {benchmarks: [humaneval], preset: gpt3, mode: drop, parts: [text]}
  - step: exact_dedup_v1
  - step: minilm_quality_v1
mixtures:
  - name: sft
    sources: [{source: chat, templates: [instruction]}]
    render: chatml
output:
  db: out/tiny.duckdb
  parquet_dir: out/parquet
  hf_dir: out/hf
  reviews_db: out/reviews.duckdb
"""


def _tiny_rows() -> list[dict[str, str]]:
    rows = [
        {
            "instruction": f"Explain step {i} of making bread at home.",
            "input": "",
            "output": f"Step {i}: knead the dough for ten minutes, then let it rest "
            f"in a warm place until it doubles in size. Mail me at baker{i}@breadmail.org.",
        }
        for i in range(6)
    ]
    rows.append(dict(rows[0]))  # an exact duplicate
    return rows


def _build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    tracked = subprocess.run(
        ["git", "ls-files", "pyproject.toml", "README.md", "curate", "audit"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for rel in tracked:
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "-w", str(dist), str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("cleanroom-*.whl")
    return wheel


def _fresh_venv(where: Path) -> Path:
    """A venv whose own site-packages come first and which also sees ours (no downloads)."""
    venv.EnvBuilder(with_pip=False).create(where)
    (own,) = where.glob("lib/python*/site-packages")
    shared = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (own / "_shared_site.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({p!r})" for p in shared) + "\n"
    )
    return where / "bin" / "python"


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repo_issue17(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "curate/lib/mixing/templates/instruction.yaml",
        "curate/lib/quality/assets/minilm_quality_head_v1.npz",
    ):
        assert data in names, f"{data} missing from the wheel"

    python = _fresh_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        env=env,
        capture_output=True,
    )
    work = tmp_path / "work"
    work.mkdir()
    where = subprocess.run(
        [python, "-c", "import curate, audit; print(curate.__file__, audit.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(ROOT) not in where and str(tmp_path / "venv") in where, where

    (work / "data.jsonl").write_text("\n".join(json.dumps(r) for r in _tiny_rows()) + "\n")
    (work / "tiny.yaml").write_text(TINY_RECIPE)
    cleanroom = str(tmp_path / "venv" / "bin" / "cleanroom")
    done = subprocess.run(
        [cleanroom, "curate", "tiny.yaml"], cwd=work, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    import duckdb

    with duckdb.connect(str(work / "out" / "tiny.duckdb"), read_only=True) as con:
        inputs, kept = con.execute("SELECT inputs, kept FROM runs").fetchone()
        rows = con.execute("SELECT count(*) FROM mixture_sft").fetchone()[0]
        redacted = con.execute(
            "SELECT count(*) FROM mixture_sft WHERE completion LIKE '%<EMAIL>%'"
        ).fetchone()[0]
    assert (inputs, kept) == (7, 6)  # the exact duplicate is dropped
    assert rows == 6 and redacted == 6
    assert (work / "out" / "hf" / "sft" / "dataset_dict.json").is_file()

    scan = subprocess.run(
        [cleanroom, "audit", "scan", "--benchmark", "humaneval", "--corpus", "data.jsonl:output"]
        + ["--out", "hits.parquet"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert scan.returncode == 0, scan.stdout + scan.stderr
    assert (work / "hits.parquet").is_file()

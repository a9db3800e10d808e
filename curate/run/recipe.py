"""Recipes: one YAML file per run, loaded into frozen dataclasses and validated before any data.

A recipe has a required ``version:`` (the recipe format, currently 1), ``inputs``, ``steps``,
``mixtures`` and ``output``; ``include: other.yaml`` merges another recipe underneath (keys of the
including file win; lists are replaced, not appended). Input paths are relative to the recipe
file's folder; output paths are relative to the working directory. No code in YAML: steps are named
by registry key.

Example::

    version: 1
    name: demo
    inputs:
      - {name: web, path: data/web.jsonl.gz}
    steps:
      - step: normalise_v1
      - step: length_filter_v1
        params: {min_words: 5}
    mixtures:
      - name: default
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ConfigDict, TypeAdapter, ValidationError

from curate.core.errors import ConfigError
from curate.core.registry import did_you_mean, format_validation_error
from curate.core.step import StepSpec
from curate.io.hf_datasets import is_saved_dataset
from curate.io.layouts import LAYOUTS, STANDARD_FIELDS
from curate.io.paths import expand_paths, hf_offline, is_hf_id, suffix_of
from curate.lib.mixing.config import MixtureConfig, check_ambiguous_sizes, validate_mixture
from curate.plugins import get_step

RECIPE_VERSION = 1
_STRICT = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class InputSpec:
    """One input: a file, ``save_to_disk`` folder or ``.arrow`` file (``path``) or a Hugging Face
    dataset id (``hf``, with ``config``, ``revision``, ``streaming``, ``data_files``)."""

    __pydantic_config__ = _STRICT
    name: str
    path: str | None = None
    hf: str | None = None
    split: str = "train"
    config: str | None = None
    revision: str | None = None
    streaming: bool = False
    data_files: str | list[str] | dict[str, str | list[str]] | None = None
    layout: str = "auto"  # "auto" or a key of curate.io.layouts.LAYOUTS (checked in validate)
    fields: dict[str, str] = field(default_factory=dict)
    limit: int | None = None
    allow_empty: bool = False  # an input that yields no rows is an error unless this is true

    @property
    def location(self) -> str:
        return self.path or self.hf or ""

    def hf_options(self) -> dict[str, Any]:
        """The ``datasets.load_dataset`` options of an ``hf:`` input."""
        return {
            "config": self.config,
            "revision": self.revision,
            "streaming": self.streaming,
            "data_files": self.data_files,
        }


@dataclass(frozen=True)
class StepConfig:
    """One step: its registry key, params, and optionally the record kinds it applies to."""

    __pydantic_config__ = _STRICT
    step: str
    params: dict[str, Any] = field(default_factory=dict)
    kinds: tuple[Literal["document", "instruction"], ...] | None = None


@dataclass(frozen=True)
class OutputConfig:
    __pydantic_config__ = _STRICT
    db: str = "out/cleanroom.duckdb"
    parquet_dir: str = "out/parquet"
    hf_dir: str = "out/hf"
    reviews_db: str = "out/reviews.duckdb"
    push_to_hub: str | None = None  # a hub dataset repo id: the mixtures, one config each
    hub_private: bool = True


@dataclass(frozen=True)
class Recipe:
    """A whole run, resolved (includes merged, paths absolute) and validated."""

    __pydantic_config__ = _STRICT
    version: int
    name: str = "recipe"
    inputs: tuple[InputSpec, ...] = ()
    steps: tuple[StepConfig, ...] = ()
    mixtures: tuple[MixtureConfig, ...] = (MixtureConfig(),)
    output: OutputConfig = OutputConfig()
    seed: int = 0
    # Units (records + quarantined rows) per shard of a sharded run (``--engine``); None: 50,000.
    shard_records: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def sha256(self) -> str:
        """Hash of the resolved recipe: equal recipes give equal hashes."""
        data = self.to_dict()
        if data.get("shard_records") is None:  # recipes without it keep their old hash
            data.pop("shard_records", None)
        canon = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canon.encode()).hexdigest()

    def source_names(self) -> list[str]:
        return [i.name for i in self.inputs]


@dataclass(frozen=True)
class PlannedStep:
    """A recipe step resolved against the registry, with validated params."""

    config: StepConfig
    spec: StepSpec
    params: Any


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge mappings; lists and scalars of ``top`` replace those of ``base``.

    Example: ``_merge({"a": {"x": 1, "y": 2}}, {"a": {"y": 3}})`` -> ``{"a": {"x": 1, "y": 3}}``.
    """
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class DuplicateKeyError(yaml.YAMLError):
    """A YAML mapping names the same key twice (the second would silently replace the first)."""


class StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys, naming both lines.

    Example: ``steps:`` on lines 3 and 9 -> ``duplicate key 'steps' on lines 3 and 9``.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DuplicateKeyError(
                    f"duplicate key {key!r} on lines {seen[key]} and {line} "
                    "(the second would silently replace the first)"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in chain:
        raise ConfigError(f"{path}: include cycle: {' -> '.join(str(p) for p in (*chain, path))}")
    if not path.is_file():
        raise ConfigError(f"recipe not found: {path}")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=StrictLoader) or {}
    except DuplicateKeyError as e:
        raise ConfigError(f"{path}: {e}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {getattr(e, 'problem', e)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a recipe is a YAML mapping, found {type(data).__name__}")
    # Input paths are relative to the file that names them.
    for item in data.get("inputs") or []:
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            item["path"] = (
                str((path.parent / item["path"]).resolve())
                if not Path(item["path"]).is_absolute()
                else item["path"]
            )
    for mix in data.get("mixtures") or []:
        if isinstance(mix, dict) and isinstance(mix.get("template_files"), list):
            mix["template_files"] = [
                str((path.parent / f).resolve())
                if isinstance(f, str) and not Path(f).is_absolute()
                else f
                for f in mix["template_files"]
            ]
    include = data.pop("include", None)
    if include is None:
        return data
    includes = [include] if isinstance(include, str) else include
    merged: dict[str, Any] = {}
    for inc in includes:
        merged = _merge(merged, _read_yaml((path.parent / inc).resolve(), (*chain, path)))
    return _merge(merged, data)


def load_recipe(path: str | Path, overrides: dict[str, Any] | None = None) -> Recipe:
    """Load, merge includes, validate types, then check steps and inputs; raise ConfigError."""
    path = Path(path).resolve()
    data = _read_yaml(path)
    if overrides:
        data = _merge(data, overrides)
    if "version" not in data:
        raise ConfigError(
            f"{path}: missing required key 'version' (the recipe format; use `version: {RECIPE_VERSION}`)"
        )
    known = [f.name for f in dataclasses.fields(Recipe)]
    for key in data:
        if key not in known:
            raise ConfigError(f"{path}: unknown key {key!r}{did_you_mean(key, known)}")
    check_ambiguous_sizes(data, str(path))
    try:
        recipe = TypeAdapter(Recipe).validate_python(data)
    except ValidationError as e:
        raise ConfigError(f"{path}: {format_validation_error(e)}") from None
    if recipe.version != RECIPE_VERSION:
        raise ConfigError(
            f"{path}: recipe version {recipe.version} is not supported (this cleanroom reads version {RECIPE_VERSION})"
        )
    if recipe.shard_records is not None and recipe.shard_records < 1:
        raise ConfigError(
            f"{path}: shard_records must be a positive count, got {recipe.shard_records}"
        )
    validate(recipe, str(path))
    return recipe


def validate(recipe: Recipe, where: str) -> list[PlannedStep]:
    """Every check that needs no data: steps, params, inputs, mixtures. Returns the plan."""
    names = recipe.source_names()
    if not recipe.inputs:
        raise ConfigError(f"{where}: the recipe has no inputs")
    if recipe.output.push_to_hub:
        if not is_hf_id(recipe.output.push_to_hub):
            raise ConfigError(
                f"{where}: output.push_to_hub {recipe.output.push_to_hub!r} is not a dataset repo id (owner/name)"
            )
        if hf_offline():
            raise ConfigError(
                f"{where}: output.push_to_hub needs the hub, and it is offline (HF_HUB_OFFLINE=1)"
            )
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(
            f"{where}: input names must be unique; repeated: {', '.join(sorted(dupes))}"
        )
    for i, inp in enumerate(recipe.inputs):
        at = f"{where}: inputs[{i}] ({inp.name})"
        if bool(inp.path) == bool(inp.hf):
            raise ConfigError(f"{at}: give exactly one of 'path' or 'hf'")
        if inp.path and is_saved_dataset(inp.path):
            pass  # a save_to_disk folder
        elif inp.path:
            if suffix_of(inp.path) is None:
                raise ConfigError(
                    f"{at}: unsupported file type {inp.path!r} (.jsonl, .jsonl.gz, .json, .parquet, .csv, .txt, .arrow, or a save_to_disk folder)"
                )
            files = expand_paths(inp.path)
            if not files or not all(f.is_file() for f in files):
                raise ConfigError(f"{at}: input file not found: {inp.path}")
        hub_only = ("config", "revision", "data_files")
        if inp.path and (inp.streaming or any(getattr(inp, k) for k in hub_only)):
            raise ConfigError(
                f"{at}: config, revision, streaming and data_files apply to `hf:` inputs only"
            )
        if inp.hf and not is_hf_id(inp.hf):
            raise ConfigError(f"{at}: {inp.hf!r} does not look like a dataset id (owner/name)")
        unknown = set(inp.fields) - STANDARD_FIELDS
        if unknown:
            raise ConfigError(
                f"{at}: fields maps standard names to your names; unknown standard name(s): {', '.join(sorted(unknown))}"
            )
        if inp.limit is not None and inp.limit < 1:
            raise ConfigError(f"{at}: limit must be at least 1 (remove it to read everything)")
        if inp.layout != "auto" and inp.layout not in LAYOUTS:
            raise ConfigError(f"{at}: {LAYOUTS.unknown(inp.layout)} (or auto)")
    plan = plan_steps(recipe, where)
    for m in recipe.mixtures:
        validate_mixture(m, names, where)
    mixture_names = [m.name for m in recipe.mixtures]
    if len(set(mixture_names)) != len(mixture_names):
        raise ConfigError(f"{where}: mixture names must be unique")
    return plan


def plan_steps(recipe: Recipe, where: str) -> list[PlannedStep]:
    """Resolve each step against the registry and validate its params."""
    plan = []
    for i, sc in enumerate(recipe.steps):
        spec = get_step_at(sc.step, f"{where}: steps[{i}]")
        plan.append(
            PlannedStep(sc, spec, spec.build_params(sc.params, f"{where}: steps[{i}] ({sc.step})"))
        )
    return plan


def get_step_at(key: str, where: str) -> StepSpec:
    try:
        return get_step(key)
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from None


def dump_yaml(recipe: Recipe) -> str:
    """The resolved recipe as YAML (what ``--dry-run`` prints)."""
    return yaml.safe_dump(
        json.loads(json.dumps(recipe.to_dict(), default=list)), sort_keys=False, allow_unicode=True
    )

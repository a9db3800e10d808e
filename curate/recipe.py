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

from curate.errors import ConfigError
from curate.ingest import LAYOUTS, expand_paths, hf_offline, is_hf_id, suffix_of
from curate.registry import StepSpec, did_you_mean, format_validation_error, get_step

RECIPE_VERSION = 1
_STRICT = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class InputSpec:
    """One input: a file (``path``) or a Hugging Face dataset id (``hf``)."""

    __pydantic_config__ = _STRICT
    name: str
    path: str | None = None
    hf: str | None = None
    split: str = "train"
    layout: Literal[
        "auto",
        "text",
        "alpaca",
        "dolly",
        "sharegpt",
        "messages",
        "prompt_completion",
        "natural_instructions",
    ] = "auto"
    fields: dict[str, str] = field(default_factory=dict)
    limit: int | None = None

    @property
    def location(self) -> str:
        return self.path or self.hf or ""


@dataclass(frozen=True)
class StepConfig:
    """One step: its registry key, params, and optionally the record kinds it applies to."""

    __pydantic_config__ = _STRICT
    step: str
    params: dict[str, Any] = field(default_factory=dict)
    kinds: tuple[Literal["document", "instruction"], ...] | None = None


@dataclass(frozen=True)
class Count:
    """An explicit number of examples: ``{count: 3000}`` (a cap)."""

    __pydantic_config__ = _STRICT
    count: int


@dataclass(frozen=True)
class SplitSize:
    """How much goes to validation: exactly one of ``count`` (rows) or ``fraction`` (of the rows)."""

    __pydantic_config__ = _STRICT
    count: int | None = None
    fraction: float | None = None


@dataclass(frozen=True)
class Total:
    """The size of a mixture's train split: exactly one of ``examples`` or ``tokens``."""

    __pydantic_config__ = _STRICT
    examples: int | None = None
    tokens: int | None = None


@dataclass(frozen=True)
class MixtureSource:
    """One source of a mixture, with its templates and (at most) one size key.

    ``count``: exactly this many train rows; ``fraction``: this fraction of the source's train rows;
    ``weight``: a relative weight (``rate: weights``); none: the mixture's ``rate`` decides.
    """

    __pydantic_config__ = _STRICT
    source: str
    templates: tuple[str, ...] | None = None
    weight: float | None = None
    count: int | None = None
    fraction: float | None = None
    cap: Count | None = None
    fields: dict[str, str] = field(default_factory=dict)
    max_repeats: int | None = None


@dataclass(frozen=True)
class MixtureConfig:
    """A training mixture built from kept records (see docs/MIXTURES.md).

    Keys: ``sources`` (names or :class:`MixtureSource` mappings; omitted: every input),
    ``templates`` (default template ids/families), ``rate`` (``examples_proportional`` |
    ``temperature`` | ``weights``), ``cap`` (per-source ``{count: N}``), ``temperature`` (T: rates
    ``∝ n^(1/T)``), ``total`` (``{examples: N}`` or ``{tokens: N}``), ``max_repeats`` (epochs a
    source may be repeated), ``validation`` (``{fraction: f}`` or ``{count: N}`` per source,
    whole duplicate groups), ``holdout_sources``, ``near_dup_threshold`` (Jaccard for the split's
    own near-duplicate grouping; null: off), ``seed``, ``tokenizer``, ``render`` (``none`` |
    ``chatml`` | ``tokenizer``), ``system``.
    """

    __pydantic_config__ = _STRICT
    name: str = "default"
    sources: tuple[MixtureSource | str, ...] | None = None
    templates: tuple[str, ...] = ("plain_v1",)
    template_files: tuple[str, ...] = ()
    rate: Literal["examples_proportional", "temperature", "weights"] = "examples_proportional"
    cap: Count | None = None
    temperature: float | None = None
    total: Total | None = None
    max_repeats: int = 1
    validation: SplitSize | None = None
    holdout_sources: tuple[str, ...] = ()
    near_dup_threshold: float | None = 0.5
    seed: int | None = None
    tokenizer: str | None = None
    render: Literal["none", "chatml", "tokenizer"] = "none"
    system: str | None = None

    def source_specs(self, all_sources: list[str]) -> list[MixtureSource]:
        """The sources as :class:`MixtureSource` (a bare name gets the defaults)."""
        if self.sources is None:
            return [MixtureSource(source=s) for s in all_sources]
        return [MixtureSource(source=s) if isinstance(s, str) else s for s in self.sources]

    def templates_of(self, spec: MixtureSource) -> tuple[str, ...]:
        return spec.templates if spec.templates is not None else self.templates

    def cap_of(self, spec: MixtureSource) -> int | None:
        cap = spec.cap or self.cap
        return cap.count if cap else None

    def repeats_of(self, spec: MixtureSource) -> int:
        return spec.max_repeats if spec.max_repeats is not None else self.max_repeats


@dataclass(frozen=True)
class OutputConfig:
    __pydantic_config__ = _STRICT
    db: str = "out/cleanroom.duckdb"
    parquet_dir: str = "out/parquet"
    hf_dir: str = "out/hf"
    reviews_db: str = "out/reviews.duckdb"


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


def _read_yaml(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in chain:
        raise ConfigError(f"{path}: include cycle: {' -> '.join(str(p) for p in (*chain, path))}")
    if not path.is_file():
        raise ConfigError(f"recipe not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(
            f"{where}: input names must be unique; repeated: {', '.join(sorted(dupes))}"
        )
    for i, inp in enumerate(recipe.inputs):
        at = f"{where}: inputs[{i}] ({inp.name})"
        if bool(inp.path) == bool(inp.hf):
            raise ConfigError(f"{at}: give exactly one of 'path' or 'hf'")
        if inp.path:
            if suffix_of(inp.path) is None:
                raise ConfigError(
                    f"{at}: unsupported file type {inp.path!r} (.jsonl, .jsonl.gz, .json, .parquet, .csv, .txt)"
                )
            files = expand_paths(inp.path)
            if not files or not all(f.is_file() for f in files):
                raise ConfigError(f"{at}: input file not found: {inp.path}")
        if inp.hf and hf_offline():
            raise ConfigError(
                f"{at}: {inp.hf!r} is a Hugging Face dataset id and the hub is offline "
                "(HF_HUB_OFFLINE=1); use a local file, or run online"
            )
        if inp.hf and not is_hf_id(inp.hf):
            raise ConfigError(f"{at}: {inp.hf!r} does not look like a dataset id (owner/name)")
        unknown = set(inp.fields) - {
            "text",
            "instruction",
            "input",
            "output",
            "context",
            "response",
            "prompt",
            "completion",
            "conversations",
            "messages",
        }
        if unknown:
            raise ConfigError(
                f"{at}: fields maps standard names to your names; unknown standard name(s): {', '.join(sorted(unknown))}"
            )
        if inp.layout not in ("auto", *LAYOUTS):  # pragma: no cover - pydantic checks the Literal
            raise ConfigError(f"{at}: unknown layout {inp.layout!r}")
    plan = plan_steps(recipe, where)
    for m in recipe.mixtures:
        validate_mixture(m, names, where)
    mixture_names = [m.name for m in recipe.mixtures]
    if len(set(mixture_names)) != len(mixture_names):
        raise ConfigError(f"{where}: mixture names must be unique")
    return plan


_SIZE_HELP = {
    "cap": "write `cap: {count: N}` (at most N examples per source)",
    "total": "write `total: {examples: N}` or `total: {tokens: N}`",
    "validation": "write `validation: {fraction: 0.05}` (of each source's rows) or `validation: {count: N}` (rows per source)",
}


def check_ambiguous_sizes(data: dict[str, Any], where: str) -> None:
    """Refuse bare numbers where a size could mean a count or a fraction (the open-instruct trap).

    Example: ``sources: {alpaca: 0.5}`` -> ConfigError suggesting ``{source: alpaca, fraction: 0.5}``.
    """
    for i, mix in enumerate(data.get("mixtures") or []):
        if not isinstance(mix, dict):
            continue
        at = f"{where}: mixtures[{i}] ({mix.get('name', 'default')})"
        sources = mix.get("sources")
        if isinstance(sources, dict):
            name, value = next(iter(sources.items())) if sources else ("NAME", 1)
            raise ConfigError(
                f"{at}: 'sources' is a list, not a mapping of numbers: a bare number such as {value!r} could mean a count "
                f"or a fraction. Write e.g. `- {{source: {name}, count: 1000}}` (rows), `- {{source: {name}, fraction: 0.5}}` "
                f"(of its rows) or `- {{source: {name}, weight: 2}}` (relative, with rate: weights)"
            )
        for key, help_ in _SIZE_HELP.items():
            if isinstance(mix.get(key), (int, float)) and not isinstance(mix.get(key), bool):
                raise ConfigError(
                    f"{at}: {key}: a bare number ({mix[key]!r}) is ambiguous; {help_}"
                )
        for j, src in enumerate(sources or []):
            if (
                isinstance(src, dict)
                and isinstance(src.get("cap"), (int, float))
                and not isinstance(src.get("cap"), bool)
            ):
                raise ConfigError(
                    f"{at}: sources[{j}]: cap: a bare number ({src['cap']!r}) is ambiguous; {_SIZE_HELP['cap']}"
                )


def validate_mixture(m: MixtureConfig, names: list[str], where: str) -> None:
    """Every check of one mixture that needs no data (sources, templates, sizes, rates, tokenizer)."""
    from curate.templates import load_templates

    at = f"{where}: mixture {m.name!r}"
    if not m.name.replace("_", "").isalnum():
        raise ConfigError(
            f"{where}: mixture name {m.name!r} must be letters, digits and '_' (it names a view)"
        )
    specs = m.source_specs(names)
    seen: set[str] = set()
    templates = load_templates(m.template_files)
    for spec in specs:
        s = spec.source
        if s not in names:
            raise ConfigError(
                f"{at}: unknown source {s!r}{did_you_mean(s, names)} (inputs: {', '.join(names)})"
            )
        if s in seen:
            raise ConfigError(f"{at}: source {s!r} is listed twice")
        seen.add(s)
        sizes = [k for k in ("weight", "count", "fraction") if getattr(spec, k) is not None]
        if len(sizes) > 1:
            raise ConfigError(
                f"{at}: source {s!r}: give at most one of weight, count, fraction (found {', '.join(sizes)})"
            )
        if spec.weight is not None and spec.weight <= 0:
            raise ConfigError(f"{at}: source {s!r}: weight must be positive, got {spec.weight}")
        if spec.weight is not None and m.rate != "weights":
            raise ConfigError(
                f"{at}: source {s!r}: 'weight' needs `rate: weights` (the mixture's rate is {m.rate})"
            )
        if spec.count is not None and spec.count <= 0:
            raise ConfigError(f"{at}: source {s!r}: count must be positive, got {spec.count}")
        if spec.fraction is not None and not 0 < spec.fraction <= 1:
            raise ConfigError(
                f"{at}: source {s!r}: fraction is a share of the source's rows, in (0, 1]; got {spec.fraction}"
            )
        cap = m.cap_of(spec)
        if cap is not None and cap <= 0:
            raise ConfigError(f"{at}: source {s!r}: cap must be a positive count, got {cap}")
        if spec.count is not None and cap is not None and spec.count > cap:
            raise ConfigError(f"{at}: source {s!r}: count {spec.count} is above its cap {cap}")
        if m.repeats_of(spec) < 1:
            raise ConfigError(f"{at}: source {s!r}: max_repeats must be >= 1")
        templates.resolve(m.templates_of(spec), f"{at}: source {s!r}")
        for k, v in spec.fields.items():
            if not k.isidentifier() or not isinstance(v, str):
                raise ConfigError(
                    f"{at}: source {s!r}: fields maps template names to your field names; bad entry {k!r}: {v!r}"
                )
    if not specs:
        raise ConfigError(f"{at}: no sources")
    if m.rate == "temperature":
        if m.temperature is None or m.temperature <= 0:
            raise ConfigError(
                f"{at}: rate: temperature needs `temperature: T` with T > 0 (rates ∝ n^(1/T); mT5's α = 1/T = 0.3)"
            )
    elif m.temperature is not None:
        raise ConfigError(
            f"{at}: 'temperature' only applies with `rate: temperature` (the mixture's rate is {m.rate})"
        )
    if m.total is not None:
        given = [k for k in ("examples", "tokens") if getattr(m.total, k) is not None]
        if len(given) != 1:
            raise ConfigError(f"{at}: total: give exactly one of examples, tokens")
        if (m.total.examples or m.total.tokens or 0) <= 0:
            raise ConfigError(f"{at}: total must be positive")
    if m.rate != "examples_proportional" and m.total is None:
        raise ConfigError(
            f"{at}: rate: {m.rate} needs a `total` ({{examples: N}} or {{tokens: N}}): its rates are shares of a total"
        )
    if m.max_repeats < 1:
        raise ConfigError(f"{at}: max_repeats must be >= 1")
    if m.validation is not None:
        v = m.validation
        if (v.count is None) == (v.fraction is None):
            raise ConfigError(f"{at}: validation: give exactly one of count, fraction")
        if v.fraction is not None and not 0 < v.fraction < 1:
            raise ConfigError(f"{at}: validation fraction must be in (0, 1), got {v.fraction}")
        if v.count is not None and v.count <= 0:
            raise ConfigError(f"{at}: validation count must be positive, got {v.count}")
    for s in m.holdout_sources:
        if s not in seen:
            raise ConfigError(
                f"{at}: holdout source {s!r} is not one of the mixture's sources{did_you_mean(s, seen)}"
            )
        spec = next(sp for sp in specs if sp.source == s)
        if spec.count is not None or spec.fraction is not None or spec.weight is not None:
            raise ConfigError(
                f"{at}: holdout source {s!r} goes wholly to validation; it takes no count, fraction or weight"
            )
    if m.near_dup_threshold is not None and not 0 < m.near_dup_threshold <= 1:
        raise ConfigError(
            f"{at}: near_dup_threshold is a Jaccard similarity in (0, 1], got {m.near_dup_threshold}"
        )
    if m.render == "tokenizer" and not m.tokenizer:
        raise ConfigError(
            f"{at}: render: tokenizer needs `tokenizer:` (a local folder or a hub id)"
        )
    if m.tokenizer and not Path(m.tokenizer).is_dir():
        if hf_offline():
            raise ConfigError(
                f"{at}: tokenizer {m.tokenizer!r} is not a local folder and the hub is offline (HF_HUB_OFFLINE=1)"
            )
        if Path(m.tokenizer).suffix or m.tokenizer.startswith((".", "/")):
            raise ConfigError(f"{at}: tokenizer folder not found: {m.tokenizer}")
    # Caps that make the target unreachable, seen from the recipe alone.
    if m.total is not None and m.total.examples is not None:
        rated = [
            sp
            for sp in specs
            if sp.count is None and sp.fraction is None and sp.source not in m.holdout_sources
        ]
        fixed = sum(sp.count or 0 for sp in specs)
        if fixed > m.total.examples:
            raise ConfigError(
                f"{at}: the sources' explicit counts add up to {fixed}, above total examples {m.total.examples}"
            )
        caps = [m.cap_of(sp) for sp in rated]
        if all(c is not None for c in caps) and not any(sp.fraction is not None for sp in specs):
            reach = fixed + sum(c * 1 for c in caps if c is not None)
            if reach < m.total.examples:
                raise ConfigError(
                    f"{at}: total examples {m.total.examples} is unreachable: every source is capped and "
                    f"caps + counts add up to {reach}. Raise the caps or lower the total"
                )


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

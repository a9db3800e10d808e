"""Mixture configuration: the ``mixtures:`` entries of a recipe as frozen dataclasses, and every
check of them that needs no data (seqio ``Mixture``: unknown sources, non-positive rates and
unreachable sizes fail before any data moves).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict

from curate.core.errors import ConfigError
from curate.core.registry import did_you_mean
from curate.io.paths import hf_offline

_STRICT = ConfigDict(extra="forbid")


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
    ``chatml`` | ``tokenizer``), ``system``, ``categories`` (task-category targets: a preset such
    as ``instructgpt`` or ``{category: share}``; see docs/CATEGORIES.md).
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
    categories: str | dict[str, float] | None = None

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
    """Every check of one mixture that needs no data (sources, templates, sizes, rates, tokenizer,
    categories)."""
    at = f"{where}: mixture {m.name!r}"
    if not m.name.replace("_", "").isalnum():
        raise ConfigError(
            f"{where}: mixture name {m.name!r} must be letters, digits and '_' (it names a view)"
        )
    specs = m.source_specs(names)
    check_sources(m, specs, names, at)
    check_rate_and_total(m, at)
    check_validation(m, at)
    check_holdouts(m, specs, at)
    check_near_dup(m, at)
    check_rendering(m, at)
    check_reachable(m, specs, at)
    check_categories(m, specs, at)


def check_sources(m: MixtureConfig, specs: list[MixtureSource], names: list[str], at: str) -> None:
    """Each source: known, listed once, one size key, positive sizes, cap, repeats, templates."""
    from curate.lib.mixing.templates import load_templates

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
        check_source_sizes(m, spec, at)
        templates.resolve(m.templates_of(spec), f"{at}: source {s!r}")
        for k, v in spec.fields.items():
            if not k.isidentifier() or not isinstance(v, str):
                raise ConfigError(
                    f"{at}: source {s!r}: fields maps template names to your field names; bad entry {k!r}: {v!r}"
                )
    if not specs:
        raise ConfigError(f"{at}: no sources")


def check_source_sizes(m: MixtureConfig, spec: MixtureSource, at: str) -> None:
    """At most one of weight/count/fraction, each in range; cap positive and above count; repeats."""
    s = spec.source
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


def check_rate_and_total(m: MixtureConfig, at: str) -> None:
    """Temperature only with ``rate: temperature``; one positive total; rates that need a total."""
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


def check_validation(m: MixtureConfig, at: str) -> None:
    """``validation``: exactly one of count/fraction, in range."""
    if m.validation is not None:
        v = m.validation
        if (v.count is None) == (v.fraction is None):
            raise ConfigError(f"{at}: validation: give exactly one of count, fraction")
        if v.fraction is not None and not 0 < v.fraction < 1:
            raise ConfigError(f"{at}: validation fraction must be in (0, 1), got {v.fraction}")
        if v.count is not None and v.count <= 0:
            raise ConfigError(f"{at}: validation count must be positive, got {v.count}")


def check_near_dup(m: MixtureConfig, at: str) -> None:
    """The split's own near-duplicate grouping threshold is a Jaccard similarity in (0, 1]."""
    if m.near_dup_threshold is not None and not 0 < m.near_dup_threshold <= 1:
        raise ConfigError(
            f"{at}: near_dup_threshold is a Jaccard similarity in (0, 1], got {m.near_dup_threshold}"
        )


def check_holdouts(m: MixtureConfig, specs: list[MixtureSource], at: str) -> None:
    """Holdout sources are sources of the mixture and take no size."""
    seen = {sp.source for sp in specs}
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


def check_rendering(m: MixtureConfig, at: str) -> None:
    """``render: tokenizer`` needs a tokenizer; a tokenizer is a folder, or a hub id when online."""
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


def check_reachable(m: MixtureConfig, specs: list[MixtureSource], at: str) -> None:
    """Caps and counts that make an examples total unreachable, seen from the recipe alone."""
    if m.total is None or m.total.examples is None:
        return
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


def check_categories(m: MixtureConfig, specs: list[MixtureSource], at: str) -> None:
    """``categories``: a known preset or ``{category: share}``; categories choose the rows, so
    sources take no ``count``/``fraction`` and the total is in examples."""
    if m.categories is None:
        return
    from curate.lib.categories.taxonomy import resolve_targets

    try:
        resolve_targets(m.categories)
    except ValueError as e:
        raise ConfigError(f"{at}: categories: {e}") from None
    fixed = [sp.source for sp in specs if sp.count is not None or sp.fraction is not None]
    if fixed:
        raise ConfigError(
            f"{at}: categories decide how many rows each source gives; drop count/fraction from "
            f"{', '.join(fixed)} (weights, caps and temperature still apply)"
        )
    if m.total is not None and m.total.tokens is not None:
        raise ConfigError(
            f"{at}: categories need a total in examples (`total: {{examples: N}}`) or none; "
            "a token total is not supported with categories"
        )

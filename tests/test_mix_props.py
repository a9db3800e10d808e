"""Property tests for mixing math, splits and sampling (Hypothesis), plus fast-vs-reference MinHash."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from curate.core.errors import ConfigError
from curate.core.schemas import RECORD_SCHEMA
from curate.lib.mixing.build import build_mixture
from curate.lib.mixing.config import Count, MixtureConfig, MixtureSource, Total
from curate.lib.mixing.rates import (
    allocate,
    epoch_order,
    largest_remainder,
    proportional_rates,
    temperature_rates,
    weight_rates,
)
from curate.lib.mixing.splits import assign_splits, minhash_signatures, shingle_hashes

names = st.sampled_from(list("abcdefgh"))
sizes_st = st.dictionaries(names, st.integers(0, 5000), min_size=1, max_size=6)
rates_st = st.dictionaries(names, st.floats(0.001, 100, allow_nan=False), min_size=1, max_size=6)


@given(st.integers(0, 100_000), rates_st)
def test_largest_remainder_exact_and_within_one(total: int, rates: dict[str, float]) -> None:
    parts = largest_remainder(total, rates)
    assert sum(parts.values()) == total
    norm = sum(rates.values())
    for s, p in parts.items():
        assert abs(p - total * rates[s] / norm) < 1


@given(rates_st, st.data())
def test_allocate_respects_capacity_and_total(rates: dict[str, float], data: st.DataObject) -> None:
    capacity = {s: data.draw(st.integers(0, 1000), label=f"cap_{s}") for s in rates}
    total = data.draw(st.integers(0, sum(capacity.values())), label="total")
    alloc = allocate(total, rates, capacity)
    assert sum(alloc.values()) == total
    assert all(alloc[s] <= capacity[s] for s in rates)
    # sources that did not hit their capacity keep the proportions among themselves (within 1 + rounding)
    free = [s for s in rates if alloc[s] < capacity[s]]
    if len(free) >= 2:
        mass = sum(alloc[s] for s in free)
        norm = sum(rates[s] for s in free)
        for s in free:
            assert abs(alloc[s] - mass * rates[s] / norm) <= len(free)


@given(rates_st, st.data())
def test_allocate_unreachable_raises(rates: dict[str, float], data: st.DataObject) -> None:
    capacity = {s: data.draw(st.integers(0, 100)) for s in rates}
    with pytest.raises(ValueError):
        allocate(sum(capacity.values()) + 1, rates, capacity)


@given(sizes_st, st.one_of(st.none(), st.integers(1, 3000)))
def test_proportional_rates_with_cap(sizes: dict[str, int], cap: int | None) -> None:
    assume(sum(sizes.values()) > 0)
    rates = proportional_rates(sizes, dict.fromkeys(sizes, cap))
    assert math.isclose(sum(rates.values()), 1.0)
    capped = {s: min(n, cap) if cap else n for s, n in sizes.items()}
    for s in sizes:
        assert math.isclose(rates[s], capped[s] / sum(capped.values()))


@given(st.dictionaries(names, st.integers(1, 100_000), min_size=2, max_size=6), st.floats(0.1, 50))
def test_temperature_formula(sizes: dict[str, int], t: float) -> None:
    """r_i / r_j = (n_i / n_j)^(1/T); T = 1 is proportional; raising T never sharpens the mix."""
    rates = temperature_rates(sizes, t)
    a, b = sorted(sizes)[:2]
    assert math.isclose(rates[a] / rates[b], (sizes[a] / sizes[b]) ** (1 / t), rel_tol=1e-9)
    assert math.isclose(sum(rates.values()), 1.0)
    hotter = temperature_rates(sizes, t * 2)
    assert max(hotter.values()) <= max(rates.values()) + 1e-12
    assert min(hotter.values()) >= min(rates.values()) - 1e-12
    prop = temperature_rates(sizes, 1.0)
    assert all(math.isclose(prop[s], sizes[s] / sum(sizes.values())) for s in sizes)


def test_temperature_mt5_example() -> None:
    # mT5 (alpha = 0.3, T = 1/0.3): a 100:1 size ratio becomes 100^0.3 ≈ 3.98:1
    r = temperature_rates({"big": 100_000, "small": 1000}, 1 / 0.3)
    assert math.isclose(r["big"] / r["small"], 100**0.3, rel_tol=1e-9)
    assert weight_rates({"a": 1, "b": 3}) == {"a": 0.25, "b": 0.75}


@given(st.integers(1, 50), st.integers(0, 200), st.integers(0, 2**32))
def test_epoch_order_uses_every_row_before_repeating(n: int, length: int, seed: int) -> None:
    order = epoch_order(n, length, seed)
    assert len(order) == length
    counts = np.bincount(order, minlength=n)
    assert counts.max() - counts.min() <= 1
    if length >= n:
        assert sorted(order[:n].tolist()) == list(range(n))
    assert np.array_equal(order, epoch_order(n, length, seed))


@given(
    st.lists(st.tuples(st.sampled_from(["s", "t"]), st.integers(0, 15)), min_size=1, max_size=80),
    st.floats(0.05, 0.9),
    st.integers(0, 1000),
)
def test_assign_splits_keeps_groups_whole_and_meets_fraction(
    rows: list, fraction: float, seed: int
) -> None:
    sources = [s for s, _ in rows]
    groups = [f"g{g}" for _, g in rows]
    split = assign_splits(sources, groups, seed=seed, fraction=fraction)
    side: dict[str, str] = {}
    for g, s in zip(groups, split, strict=True):
        assert side.setdefault(g, s) == s  # a group never straddles the split
    for src in set(sources):
        n = sources.count(src)
        val = sum(
            1 for s, sp in zip(sources, split, strict=True) if s == src and sp == "validation"
        )
        assert val >= math.ceil(fraction * n) or val == n  # whole groups: at least the fraction
    assert split == assign_splits(sources, groups, seed=seed, fraction=fraction)


def _kept(sizes: dict[str, int]) -> pl.DataFrame:
    rows = []
    for s, n in sizes.items():
        for i in range(n):
            q = f"{s} question {i} " + "x" * (i % 7) + f" {i * 7919 % 1000}"
            msgs = [
                {"role": "user", "content": q},
                {"role": "assistant", "content": f"answer {s} {i}"},
            ]
            rows.append(
                {
                    "id": f"{s}-{i:05d}",
                    "source": s,
                    "kind": "instruction",
                    "text": q,
                    "messages": msgs,
                    "meta": json.dumps({"file": "f", "line": i, "fields": {}}),
                }
            )
    return pl.DataFrame(rows, schema=RECORD_SCHEMA)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]), st.integers(1, 60), min_size=1, max_size=4
    ),
    st.one_of(st.none(), st.integers(1, 40)),
    st.integers(1, 200),
    st.integers(0, 9),
)
def test_built_mixture_matches_recipe(
    sizes: dict[str, int], cap: int | None, total: int, seed: int
) -> None:
    """Proportions match the rates within one example, caps hold, the build is reproducible."""
    m = MixtureConfig(
        name="p",
        templates=("plain_v1",),
        cap=Count(cap) if cap else None,
        total=Total(examples=total),
        near_dup_threshold=None,
        seed=seed,
    )
    kept = _kept(sizes)
    capped = {s: min(n, cap) if cap else n for s, n in sizes.items()}
    if total > sum(capped.values()):
        with pytest.raises(ConfigError, match="unreachable"):
            build_mixture(m, kept, all_sources=list(sizes), seed=0)
        return
    b = build_mixture(m, kept, all_sources=list(sizes), seed=0)
    counts = dict(b.frame.group_by("source").len().iter_rows())
    assert b.frame.height == total and b.frame["id"].n_unique() == total
    rates = proportional_rates(sizes, dict.fromkeys(sizes, cap))
    saturated = any(counts.get(s, 0) == capped[s] for s in sizes)
    for s in sizes:
        assert counts.get(s, 0) <= capped[s]
        if not saturated:
            assert abs(counts.get(s, 0) - rates[s] * total) < 1
    again = build_mixture(
        m, kept.sample(fraction=1.0, shuffle=True, seed=seed), all_sources=list(sizes), seed=0
    )
    assert again.frame.equals(b.frame)
    assert b.manifest["parquet_sha256"] == again.manifest["parquet_sha256"]


def test_weights_with_fixed_sources_property_example() -> None:
    m = MixtureConfig(
        name="w",
        rate="weights",
        total=Total(examples=50),
        near_dup_threshold=None,
        sources=(
            MixtureSource("a", weight=1.0),
            MixtureSource("b", weight=4.0),
            MixtureSource("c", count=10),
        ),
    )
    b = build_mixture(m, _kept({"a": 40, "b": 40, "c": 20}), all_sources=["a", "b", "c"], seed=0)
    assert dict(b.frame.group_by("source").len().iter_rows()) == {"a": 8, "b": 32, "c": 10}


def _ref_grams(text: str, k: int = 5) -> set[bytes]:
    b = text.encode()
    return {b[i : i + k] for i in range(max(1, len(b) - k + 1))}


@settings(max_examples=30, deadline=None)
@given(
    st.text(alphabet="abcdefgh ", min_size=20, max_size=200),
    st.text(alphabet="abcdefgh ", min_size=20, max_size=200),
)
def test_minhash_estimates_jaccard_against_exact_reference(a: str, b: str) -> None:
    """The vectorised MinHash agrees with the exact Jaccard of the byte 5-gram sets (slow reference)."""
    h, doc = shingle_hashes([a, b])
    assert len(set(h[doc == 0].tolist())) <= len(_ref_grams(a))  # hashes are of the grams
    sig = minhash_signatures([a, b])
    x, y = _ref_grams(a), _ref_grams(b)
    exact = len(x & y) / len(x | y)
    estimate = float((sig[0] == sig[1]).mean())
    assert abs(estimate - exact) < 0.2  # 128 permutations: standard error <= 0.045
    assert (sig[0] == minhash_signatures([a])[0]).all()


@given(
    st.dictionaries(names, st.lists(st.integers(1, 50), max_size=30), min_size=1, max_size=5),
    st.dictionaries(names, st.floats(0.01, 10), min_size=5, max_size=8),
    st.integers(0, 3000),
)
def test_lazy_token_filling_equals_eager_water_filling(
    rows: dict[str, list[int]], weights: dict[str, float], total: int
) -> None:
    """fill_tokens (lazy, renders only what it uses) == allocate_tokens + take_tokens (eager)."""
    from curate.lib.mixing.rates import allocate_tokens, fill_tokens, take_tokens

    rates = {s: weights.get(s, 1.0) for s in rows}
    capacity = {s: float(sum(v)) for s, v in rows.items()}
    if total > sum(capacity.values()):
        with pytest.raises(ValueError):
            fill_tokens(total, rates, {s: iter(v) for s, v in rows.items()}, int)
        return
    lazy = fill_tokens(total, rates, {s: iter(v) for s, v in rows.items()}, int)
    budgets = allocate_tokens(total, rates, capacity)
    for s, v in rows.items():
        n = take_tokens(np.array(v, dtype=np.int64), budgets[s])
        # equal up to float rounding at a budget boundary: at most one row apart
        assert abs(len(lazy[s]) - n) <= 1, (s, lazy[s], n, budgets[s])
        assert lazy[s] == v[: len(lazy[s])]
    assert sum(sum(x) for x in lazy.values()) >= min(total, sum(capacity.values()))

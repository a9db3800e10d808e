"""Mixing rates and allocation: how many examples (or tokens) each source contributes.

Three ways to set rates, all pure functions of the sources' sizes:

- **examples-proportional with a cap** (Raffel et al. 2020, T5 §3.5.2; FLAN): ``r_i = min(n_i, K) /
  Σ_j min(n_j, K)``, so no big source drowns the rest;
- **temperature** (Arivazhagan et al. 2019; mT5, Xue et al. 2021 with α = 1/T = 0.3):
  ``r_i ∝ min(n_i, K)^(1/T)``; T = 1 is proportional, T → ∞ is uniform;
- **explicit weights**: ``r_i = w_i / Σ_j w_j``.

A total is then split by :func:`allocate`: largest-remainder rounding (exact: the parts add up to
the total, and each is within 1 of ``r_i · total``), with water-filling when a source's capacity
(its cap, or its rows times ``max_repeats``) binds: the surplus goes to the other sources in
proportion to their rates. A total above the sources' summed capacity raises ValueError.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

import numpy as np
import xxhash


def capped_sizes(sizes: Mapping[str, int], caps: Mapping[str, int | None]) -> dict[str, int]:
    """``min(n_i, K_i)`` per source (no cap: ``n_i``).

    Example: ``capped_sizes({"a": 10, "b": 3}, {"a": 5, "b": None})`` -> ``{"a": 5, "b": 3}``.
    """
    return {s: n if caps.get(s) is None else min(n, int(caps[s])) for s, n in sizes.items()}


def proportional_rates(
    sizes: Mapping[str, int], caps: Mapping[str, int | None]
) -> dict[str, float]:
    """Examples-proportional mixing rates with a per-source cap (T5/FLAN).

    Example: ``proportional_rates({"a": 10, "b": 3}, {"a": 5})`` -> ``{"a": 0.625, "b": 0.375}``.
    """
    capped = capped_sizes(sizes, caps)
    total = sum(capped.values())
    return {s: (c / total if total else 0.0) for s, c in capped.items()}


def temperature_rates(
    sizes: Mapping[str, int], temperature: float, caps: Mapping[str, int | None] | None = None
) -> dict[str, float]:
    """Temperature-scaled rates ``r_i ∝ min(n_i, K_i)^(1/T)`` (mT5-style, α = 1/T).

    Example: ``temperature_rates({"a": 900, "b": 100}, 2.0)`` -> ``{"a": 0.75, "b": 0.25}``
    (``30 / (30 + 10)``).
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    capped = capped_sizes(sizes, caps or {})
    alpha = 1.0 / temperature
    raw = {s: (float(c) ** alpha if c > 0 else 0.0) for s, c in capped.items()}
    total = sum(raw.values())
    return {s: (v / total if total else 0.0) for s, v in raw.items()}


def weight_rates(weights: Mapping[str, float]) -> dict[str, float]:
    """Explicit weights, normalised: ``{"a": 1, "b": 3}`` -> ``{"a": 0.25, "b": 0.75}``."""
    if any(w <= 0 for w in weights.values()):
        raise ValueError("weights must be positive")
    total = sum(weights.values())
    return {s: w / total for s, w in weights.items()}


def largest_remainder(total: int, rates: Mapping[str, float]) -> dict[str, int]:
    """Split an integer total by rates; the parts add up exactly (ties broken by name).

    Example: ``largest_remainder(10, {"a": 0.5, "b": 0.25, "c": 0.25})`` -> ``{"a": 5, "b": 3, "c": 2}``.
    """
    norm = sum(rates.values())
    if total <= 0 or norm <= 0:
        return {s: 0 for s in rates}
    quotas = {s: total * r / norm for s, r in rates.items()}
    parts = {s: math.floor(q) for s, q in quotas.items()}
    left = total - sum(parts.values())
    order = sorted(rates, key=lambda s: (-(quotas[s] - parts[s]), s))
    for s in order[:left]:
        parts[s] += 1
    return parts


def allocate(total: int, rates: Mapping[str, float], capacity: Mapping[str, int]) -> dict[str, int]:
    """Split ``total`` by ``rates`` without exceeding any source's ``capacity`` (water-filling).

    Raises ValueError when ``total`` exceeds the summed capacity of the sources with a rate.

    Example: ``allocate(10, {"a": 0.5, "b": 0.5}, {"a": 2, "b": 100})`` -> ``{"a": 2, "b": 8}``.
    """
    live = {s for s, r in rates.items() if r > 0}
    reach = sum(capacity[s] for s in live)
    if total > reach:
        raise ValueError(f"total {total} is above the sources' capacity {reach}")
    out = {s: 0 for s in rates}
    remaining = total
    while live and remaining > 0:
        shares = largest_remainder(remaining, {s: rates[s] for s in live})
        over = [s for s in sorted(live) if shares[s] > capacity[s]]
        if not over:
            out.update(shares)
            break
        for s in over:
            out[s] = capacity[s]
            remaining -= capacity[s]
            live.discard(s)
    return out


def allocate_tokens(
    total: float, rates: Mapping[str, float], capacity: Mapping[str, float]
) -> dict[str, float]:
    """Token budgets per source: ``total · r_i``, water-filled over token capacities.

    Example: ``allocate_tokens(100, {"a": 0.5, "b": 0.5}, {"a": 20, "b": 1000})`` -> ``{"a": 20, "b": 80}``.
    """
    live = {s for s, r in rates.items() if r > 0}
    reach = sum(capacity[s] for s in live)
    if total > reach:
        raise ValueError(f"total {total:.0f} tokens is above the sources' capacity {reach:.0f}")
    out = {s: 0.0 for s in rates}
    remaining = float(total)
    while live and remaining > 0:
        norm = sum(rates[s] for s in live)
        shares = {s: remaining * rates[s] / norm for s in live}
        over = [s for s in sorted(live) if shares[s] > capacity[s]]
        if not over:
            out.update(shares)
            break
        for s in over:
            out[s] = float(capacity[s])
            remaining -= capacity[s]
            live.discard(s)
    return out


def take_tokens(n_tokens: np.ndarray, budget: float) -> int:
    """How many rows of a sequence to take for a token budget: rows are taken while the tokens
    taken *before* a row are below the budget (so the overshoot is less than one row).

    Example: ``take_tokens(np.array([4, 4, 4]), 5)`` -> ``2``; ``take_tokens(np.array([4]), 0)`` -> ``0``.
    """
    before = np.concatenate([[0], np.cumsum(n_tokens)[:-1]]) if len(n_tokens) else np.zeros(0)
    return int(np.sum(before < budget))


T = TypeVar("T")


def fill_tokens(
    total: float,
    rates: Mapping[str, float],
    streams: Mapping[str, Iterator[T]],
    size: Callable[[T], int],
) -> dict[str, list[T]]:
    """Take rows from each source's stream until its token budget ``total · r_i`` is met,
    water-filling lazily: a stream that runs dry gives its unused budget to the others (in
    proportion to their rates). The same result as :func:`allocate_tokens` over full token
    capacities followed by :func:`take_tokens`, without rendering rows that are never used.

    Raises ValueError when every stream runs dry before ``total``.

    Example: ``fill_tokens(10, {"a": .5, "b": .5}, {"a": iter([4]), "b": iter([3] * 9)}, int)``
    -> ``{"a": [4], "b": [3, 3]}`` (a runs dry at 4 tokens, b's budget grows to 6).
    """
    taken: dict[str, list[T]] = {s: [] for s in rates}
    tokens = dict.fromkeys(rates, 0)
    live = {s for s, r in rates.items() if r > 0}
    remaining = float(total)
    while live:
        norm = sum(rates[s] for s in live)
        dry = []
        for s in sorted(live):
            budget = remaining * rates[s] / norm
            while tokens[s] < budget:
                row = next(streams[s], None)
                if row is None:
                    dry.append(s)
                    break
                taken[s].append(row)
                tokens[s] += size(row)
        if not dry:
            return taken
        for s in dry:
            remaining -= tokens[s]
            live.discard(s)
    if remaining > 0:
        raise ValueError(
            f"total {total:.0f} tokens is above the sources' capacity {total - remaining:.0f}"
        )
    return taken


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from any parts, stable across runs and machines (xxh3 of their repr).

    Example: ``derive_seed(0, "sft", "alpaca", "order")`` is the same on every run; the order of the
    sources in the recipe does not change a source's seed.
    """
    return xxhash.xxh3_64_intdigest("\x1f".join(repr(p) for p in parts).encode())


def rng_for(*parts: object) -> np.random.Generator:
    """A NumPy generator seeded by :func:`derive_seed`."""
    return np.random.Generator(np.random.PCG64(derive_seed(*parts)))


def epoch_order(n: int, length: int, *seed_parts: object) -> np.ndarray:
    """Indices ``0..n-1`` in a fresh seeded permutation per epoch, concatenated to ``length``.

    Example: ``epoch_order(3, 7, 0)`` is two permutations of ``[0, 1, 2]`` and the first index of a
    third: every row is used once before any row is used twice.
    """
    if n == 0 or length <= 0:
        return np.zeros(0, dtype=np.int64)
    epochs = -(-length // n)
    parts = [rng_for(*seed_parts, "epoch", e).permutation(n) for e in range(epochs)]
    return np.concatenate(parts)[:length]

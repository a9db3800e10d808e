"""Plan a mixture by task category: how many rows of each (source, category) cell to take.

A mixture with ``categories:`` (a preset such as ``instructgpt`` or ``{category: share}``)
keeps its per-source rates (examples-proportional, temperature, weights), caps and
``max_repeats``; the categories decide how the total splits across tasks:

1. a cell's capacity is its rows x ``max_repeats``, and a source's ``cap`` is shared among its
   cells in proportion to their rows;
2. categories of the target that no source holds are reported (``unsupplied``) and left out: the
   target is renormalised over the categories the sources can supply (the *effective* target);
3. without an explicit total, the total is the largest one at which every supplied category
   gets its full effective share (bounded by what the mixture would take without categories),
   so the mixture matches the effective target up to rounding; with an explicit total, a
   category that cannot fill its share is reported (``short``) and its deficit is spread
   over the others (water-filling, :func:`curate.lib.mixing.rates.allocate`);
4. each category's rows split over the sources holding it by ``rate(source) x share of the
   source's rows in that category``, within the cells' capacities.

Rows of categories outside the target are not taken.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from curate.lib.categories.taxonomy import CATEGORIES
from curate.lib.mixing.rates import allocate, largest_remainder


@dataclass(frozen=True)
class CategoryPlan:
    """What to take: ``cells[source][category]`` rows, and how the plan meets the target.

    ``effective_target``: the target over the categories the sources hold; ``planned``: the
    shares the plan takes (a ``short`` category at its capacity, the others scaled up in
    proportion to their targets).
    """

    total: int
    cells: dict[str, dict[str, int]]
    target: dict[str, float]
    effective_target: dict[str, float]
    unsupplied: tuple[str, ...] = ()
    short: dict[str, tuple[int, int]] = field(default_factory=dict)
    limited_by: str | None = None
    planned: dict[str, float] = field(default_factory=dict)

    def warnings(self) -> list[str]:
        """Human-readable warnings: categories the sources cannot supply, or not enough of."""
        out = []
        if self.unsupplied:
            lost = sum(self.target[c] for c in self.unsupplied)
            out.append(
                f"the sources hold no {', '.join(self.unsupplied)} records "
                f"({100 * lost:.1f}% of the target): left out, the other shares scaled up"
            )
        for c, (have, want) in sorted(self.short.items()):
            out.append(f"category {c}: only {have} rows available of the {want} wanted")
        return out


def cell_capacity(
    cell_rows: Mapping[str, Mapping[str, int]],
    caps: Mapping[str, int | None],
    repeats: Mapping[str, int],
) -> dict[str, dict[str, int]]:
    """Rows each (source, category) cell can give: rows x repeats, the source cap shared by rows.

    Example: a source with ``{"code": 30, "math": 10}``, cap 20, 1 repeat -> ``{"code": 15,
    "math": 5}``.
    """
    out: dict[str, dict[str, int]] = {}
    for s, cats in cell_rows.items():
        full = {c: n * repeats.get(s, 1) for c, n in cats.items() if n > 0}
        cap = caps.get(s)
        if cap is not None and cap < sum(full.values()):
            shared = largest_remainder(cap, {c: float(n) for c, n in cats.items() if n > 0})
            full = {c: min(full[c], shared[c]) for c in full}
        out[s] = full
    return out


def plan_categories(
    target: Mapping[str, float],
    cell_rows: Mapping[str, Mapping[str, int]],
    rates: Mapping[str, float],
    *,
    caps: Mapping[str, int | None],
    repeats: Mapping[str, int],
    total: int | None,
    default_total: int,
) -> CategoryPlan:
    """Rows per (source, category) for a category target (fractions summing to 1).

    ``cell_rows[source][category]`` are the train rows available; ``rates`` the per-source rates
    (sources without a rate take no rows); ``total`` the wanted train rows (None: derived, see
    the module docstring). Raises ValueError when the sources hold no row of any target category
    or an explicit total exceeds what the target categories hold; when they hold some but the
    caps leave none of them room, the plan is empty (total 0).

    Example: target ``{"code": 0.5, "math": 0.5}``, one source with 10 code and 4 math rows, no
    total -> 8 rows, ``{"code": 4, "math": 4}``.
    """
    live = {s: cats for s, cats in cell_rows.items() if rates.get(s, 0.0) > 0}
    capacity = cell_capacity(live, caps, repeats)
    cat_capacity = {c: sum(capacity[s].get(c, 0) for s in capacity) for c in target}
    unsupplied = tuple(c for c in CATEGORIES if c in target and cat_capacity[c] == 0)
    supplied = {c: share for c, share in target.items() if cat_capacity[c] > 0 and share > 0}
    if not supplied:
        if not any(live[s].get(c, 0) > 0 for s in live for c in target):
            raise ValueError(
                f"the sources hold none of the target's categories ({', '.join(target)})"
            )
        # the rows are there but the caps leave them no room: an empty plan, every category short
        return CategoryPlan(
            total=0,
            cells={s: {} for s in cell_rows},
            target=dict(target),
            effective_target={},
            unsupplied=unsupplied,
            short={},
            limited_by=None,
            planned={},
        )
    norm = sum(supplied.values())
    effective = {c: share / norm for c, share in supplied.items()}
    limited_by = None
    if total is None:
        bound = {c: math.floor(cat_capacity[c] / effective[c]) for c in effective}
        limited_by = min(bound, key=lambda c: (bound[c], c))
        total = min(default_total, bound[limited_by])
        if total == default_total:
            limited_by = None
    reach = sum(cat_capacity[c] for c in effective)
    if total > reach:
        raise ValueError(f"total {total} is above what the target's categories hold ({reach} rows)")
    quota = allocate(total, effective, {c: cat_capacity[c] for c in effective})
    wanted = largest_remainder(total, effective)
    short = {c: (quota[c], wanted[c]) for c in effective if quota[c] < wanted[c]}
    cells: dict[str, dict[str, int]] = {s: {} for s in cell_rows}
    for c in effective:
        holders = [s for s in capacity if capacity[s].get(c, 0) > 0]
        weights = {s: rates[s] * live[s].get(c, 0) / max(sum(live[s].values()), 1) for s in holders}
        split = allocate(quota[c], weights, {s: capacity[s][c] for s in holders})
        for s, n in split.items():
            if n:
                cells[s][c] = n
    return CategoryPlan(
        total=total,
        cells=cells,
        target=dict(target),
        effective_target=effective,
        unsupplied=unsupplied,
        short=short,
        limited_by=limited_by,
        planned={c: quota[c] / total for c in effective} if total else {},
    )


def distribution(labels: list[str]) -> dict[str, float]:
    """Share of each category among ``labels``, in :data:`CATEGORIES` order (absent ones: 0).

    Example: ``distribution(["code", "code", "math", "chat"])["code"]`` -> ``0.5``.
    """
    n = max(len(labels), 1)
    return {c: sum(1 for x in labels if x == c) / n for c in CATEGORIES}


def distance(actual: Mapping[str, float], target: Mapping[str, float]) -> dict[str, float]:
    """How far a distribution is from a target, in percentage points.

    ``max_abs_points``: the largest per-category gap; ``tv_points``: total variation distance
    (half the summed gaps: the share of rows that would have to change category).

    Example: actual ``{"code": 0.6, "math": 0.4}``, target ``{"code": 0.5, "math": 0.5}`` ->
    ``{"max_abs_points": 10.0, "tv_points": 10.0}``.
    """
    cats = set(actual) | set(target)
    gaps = [abs(actual.get(c, 0.0) - target.get(c, 0.0)) for c in cats]
    return {
        "max_abs_points": round(100 * max(gaps, default=0.0), 3),
        "tv_points": round(50 * sum(gaps), 3),
    }

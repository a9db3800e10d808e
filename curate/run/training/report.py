"""Split every benchmark score by contamination verdict: full / clean / dirty, delta, bootstrap CI.

GPT-3 (Brown et al. 2020, Appendix C, Table C.1) scored each benchmark on its full set, its
"clean" subset (items with no 13-gram overlap with the training data) and its "dirty" subset,
and reported the relative difference of clean vs. full. This module does the same for any
model and every preset the curation DB holds verdicts for:

- verdicts come from the curation DB's ``contamination`` table (the latest run in it): an item is
  *dirty* for a preset when any of its (item, record) pairs has a dirty verdict (``dirty``, or
  llama2's ``not_clean``); every other item listed in ``benchmark_items`` is *clean*. Reviewer
  verdicts (``reviews.duckdb``) override per match: ``false_positive`` removes a pair,
  ``confirmed`` makes it dirty;
- ``delta`` = score(dirty) - score(clean), with a percentile bootstrap interval (Efron &
  Tibshirani 1993): clean and dirty items are resampled with replacement, separately, ``B``
  times; the delta is *significant* when the 95 % interval excludes 0;
- ``clean_vs_full`` = (score(clean) - score(full)) / |score(full)|, Table C.1's last column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from curate.core.errors import ConfigError, InputError
from curate.core.schemas import SPLIT_SCORE_SCHEMA
from curate.core.verdicts import DIRTY_VERDICTS
from curate.io.store import query_frame

# metric -> higher is better
METRICS = {"answer_nll": False, "answer_logprob": True, "exact_match": True, "pass@1": True}


@dataclass
class Verdicts:
    """Per-item contamination flags of one benchmark.

    Attributes:
        items: ``item_id, preset, dirty`` (one row per audited item and preset).
        run_id: the curation run whose ``contamination`` rows were used.
    """

    items: pl.DataFrame
    run_id: str | None


def load_verdicts(db: str | Path, benchmark: str, reviews_db: str | Path | None = None) -> Verdicts:
    """The latest verdicts for ``benchmark`` in the curation DB (plus reviewer overrides).

    Raises:
        ConfigError: the DB is missing, or holds no audit of this benchmark (no
            ``benchmark_items`` rows and no ``contamination`` rows for it).
    """
    db = Path(db)
    if not db.exists():
        raise ConfigError(
            f"curation DB not found: {db} (run `cleanroom curate` with decontaminate_v1)"
        )
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            tables = {
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            items = (
                query_frame(
                    con,
                    "SELECT DISTINCT item_id FROM benchmark_items WHERE benchmark = ?",
                    [benchmark],
                )
                if "benchmark_items" in tables
                else pl.DataFrame(schema={"item_id": pl.String})
            )
            pairs = (
                query_frame(
                    con,
                    "SELECT run_id, item_id, id, preset, verdict FROM contamination WHERE benchmark = ?",
                    [benchmark],
                )
                if "contamination" in tables
                else pl.DataFrame()
            )
            presets = _run_presets(con, tables)
    except duckdb.Error as e:
        raise InputError(str(db), None, f"cannot read the curation DB ({e})") from None
    if items.height == 0 and pairs.height == 0:
        raise ConfigError(
            f"no contamination verdicts for benchmark {benchmark!r} in {db}: audit it first "
            f"(decontaminate_v1 in the recipe, or `cleanroom audit scan --db {db} --into-existing`)"
        )
    run_id = None
    if pairs.height:
        run_id = str(pairs["run_id"].max())
        pairs = pairs.filter(pl.col("run_id") == run_id)
    pairs = _apply_reviews(pairs, benchmark, reviews_db)
    universe = pl.concat(
        [items["item_id"], pairs["item_id"]] if pairs.height else [items["item_id"]]
    ).unique()
    names = sorted(set(pairs["preset"].to_list())) if pairs.height else presets or ["any"]
    rows = []
    for preset in names:
        dirty = (
            set(pairs.filter((pl.col("preset") == preset) & pl.col("dirty"))["item_id"].to_list())
            if pairs.height
            else set()
        )
        rows.extend({"item_id": i, "preset": preset, "dirty": i in dirty} for i in universe)
    frame = pl.DataFrame(
        rows, schema={"item_id": pl.String, "preset": pl.String, "dirty": pl.Boolean}
    )
    return Verdicts(frame.sort("preset", "item_id"), run_id)


def _run_presets(con: duckdb.DuckDBPyConnection, tables: set[str]) -> list[str]:
    """Presets named by the decontaminate steps of the latest run's recipe (for all-clean audits)."""
    if "runs" not in tables:
        return []
    import yaml

    row = con.execute("SELECT recipe FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    if not row or not row[0]:
        return []
    try:
        recipe = yaml.safe_load(row[0]) or {}
    except yaml.YAMLError:
        return []
    return sorted(
        {
            (s.get("params") or {}).get("preset", "gpt3")
            for s in recipe.get("steps") or []
            if isinstance(s, dict) and s.get("step", "").startswith("decontaminate")
        }
    )


def _apply_reviews(
    pairs: pl.DataFrame, benchmark: str, reviews_db: str | Path | None
) -> pl.DataFrame:
    """Add ``dirty``: the audit verdict, overridden by the latest reviewer verdict per match."""
    if not pairs.height:
        return pairs.with_columns(dirty=pl.lit(False)) if pairs.columns else pairs
    pairs = pairs.with_columns(dirty=pl.col("verdict").is_in(list(DIRTY_VERDICTS)))
    if reviews_db is None or not Path(reviews_db).exists():
        return pairs
    from curate.core.verdicts import latest_per_match
    from curate.io.reviews import read_reviews

    reviews = latest_per_match(read_reviews(reviews_db)).filter(
        (pl.col("target_kind") == "contamination") & (pl.col("benchmark") == benchmark)
    )
    if not reviews.height:
        return pairs
    rv = reviews.select(id="target_id", item_id="item_id", review="verdict")
    return (
        pairs.join(rv, on=["id", "item_id"], how="left")
        .with_columns(
            dirty=pl.when(pl.col("review") == "confirmed")
            .then(True)
            .when(pl.col("review") == "false_positive")
            .then(False)
            .otherwise(pl.col("dirty"))
        )
        .drop("review")
    )


def bootstrap_delta(
    clean: np.ndarray, dirty: np.ndarray, reps: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """95 % percentile interval of mean(dirty) - mean(clean), resampling each group separately.

    Example: clean ``[0, 0, 0, 0]``, dirty ``[1, 1, 1, 1]`` -> ``(1.0, 1.0)``.
    """
    rng = np.random.default_rng(seed)
    c = rng.choice(clean, size=(reps, len(clean)), replace=True).mean(axis=1)
    d = rng.choice(dirty, size=(reps, len(dirty)), replace=True).mean(axis=1)
    low, high = np.percentile(d - c, [2.5, 97.5])
    return float(low), float(high)


def split_scores(
    scores: pl.DataFrame, verdicts: pl.DataFrame, reps: int = 1000, seed: int = 0
) -> pl.DataFrame:
    """One row per (preset, metric): n and score on full / clean / dirty, delta and its CI.

    ``scores`` has ``item_id`` and metric columns (:data:`METRICS`); ``verdicts`` has ``item_id,
    preset, dirty``. Items without a verdict (not in the audit) are left out; a metric no item
    has is left out.
    """
    rows = []
    for preset in sorted(set(verdicts["preset"].to_list())):
        v = verdicts.filter(pl.col("preset") == preset).select("item_id", "dirty")
        joined = scores.join(v, on="item_id", how="inner")
        for metric, higher in METRICS.items():
            if metric not in joined.columns:
                continue
            m = joined.filter(pl.col(metric).is_not_null())
            if not m.height:
                continue
            full = m[metric].to_numpy()
            clean = m.filter(~pl.col("dirty"))[metric].to_numpy()
            dirty = m.filter(pl.col("dirty"))[metric].to_numpy()
            sc = float(clean.mean()) if len(clean) else None
            sd = float(dirty.mean()) if len(dirty) else None
            sf = float(full.mean())
            low = high = delta = None
            if sc is not None and sd is not None:
                delta = sd - sc
                low, high = bootstrap_delta(clean, dirty, reps, seed)
            rows.append(
                {
                    "preset": preset,
                    "metric": metric,
                    "higher_is_better": higher,
                    "n_full": len(full),
                    "n_clean": len(clean),
                    "n_dirty": len(dirty),
                    "score_full": sf,
                    "score_clean": sc,
                    "score_dirty": sd,
                    "delta": delta,
                    "delta_low": low,
                    "delta_high": high,
                    "significant": None if low is None else bool(low > 0 or high < 0),
                    "clean_vs_full": (sc - sf) / abs(sf) if sc is not None and sf else None,
                    "bootstrap": reps,
                }
            )
    return pl.DataFrame(rows, schema=SPLIT_SCORE_SCHEMA)

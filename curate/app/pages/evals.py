"""Evals: benchmark scores split by contamination verdict (``cleanroom eval``), and training runs.

Reads ``evals.duckdb`` beside the curation DB (``CLEANROOM_EVALS_DB`` overrides), read-only and
with a short connection per load, like the rest of the app. The chart puts each benchmark's clean
and dirty score side by side with the full-set score as a tick; the second chart is the dirty -
clean delta with its bootstrap 95 % interval (GPT-3 Table C.1's question: does contamination
change the score?).
"""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt
import duckdb
import polars as pl
import streamlit as st

from curate.app.config import db_path
from curate.app.queries import signature
from curate.io.store import query_frame

EVALS_ENV = "CLEANROOM_EVALS_DB"


def evals_db() -> Path:
    """``CLEANROOM_EVALS_DB``, else ``evals.duckdb`` beside the curation DB."""
    return Path(os.environ.get(EVALS_ENV) or db_path().with_name("evals.duckdb"))


@st.cache_data(show_spinner=False, max_entries=8)
def _table(path: str, sig: tuple, table: str) -> pl.DataFrame:
    with duckdb.connect(path, read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if table not in names:
            return pl.DataFrame()
        return query_frame(con, f'SELECT * FROM "{table}" ORDER BY created_at')


def load(table: str) -> pl.DataFrame:
    """A table of the evals DB (empty when the file or table is missing)."""
    path = evals_db()
    sig = signature(path)
    if sig is None:
        return pl.DataFrame()
    return _table(str(path), (sig, signature(path.with_name(path.name + ".wal"))), table)


def latest(results: pl.DataFrame) -> pl.DataFrame:
    """The latest evaluation of each (model, benchmark)."""
    last = results.group_by("model", "benchmark").agg(pl.col("created_at").max())
    return results.join(last, on=["model", "benchmark", "created_at"], how="semi")


def render() -> None:
    st.title("Evals")
    results = load("eval_results")
    if results.is_empty():
        st.info(
            f"No eval results in `{evals_db()}` yet. Train with `cleanroom train MIXTURE --model tiny "
            "--out out/model`, then `cleanroom eval out/model --benchmark NAME`."
        )
        runs = load("training_runs")
        if not runs.is_empty():
            st.subheader("Training runs")
            st.dataframe(runs.drop("manifest"), hide_index=True, width="stretch")
        return
    st.caption(
        "Every benchmark item is scored by the model, then split by the audit's verdict: clean items "
        "were not found in the training data, dirty ones were. A large gap with an interval that "
        "excludes 0 means contamination changed the score (GPT-3, Brown et al. 2020, Table C.1)."
    )
    view = latest(results)
    c = st.columns(3)
    models = sorted(set(view["model"].to_list()))
    model = c[0].selectbox("Model", models, key="ev_model")
    view = view.filter(pl.col("model") == model)
    metrics = sorted(set(view["metric"].to_list()))
    default = metrics.index("answer_nll") if "answer_nll" in metrics else 0
    metric = c[1].selectbox("Metric", metrics, index=default, key="ev_metric")
    presets = sorted(set(view["preset"].to_list()))
    preset = c[2].selectbox("Preset", presets, key="ev_preset")
    rows = view.filter((pl.col("metric") == metric) & (pl.col("preset") == preset))
    higher = bool(rows["higher_is_better"][0]) if rows.height else True
    st.caption(f"`{metric}`: {'higher' if higher else 'lower'} is better.")
    long = rows.select(
        "benchmark",
        pl.col("score_clean").alias("clean"),
        pl.col("score_dirty").alias("dirty"),
        pl.col("n_clean"),
        pl.col("n_dirty"),
    ).unpivot(index=["benchmark", "n_clean", "n_dirty"], variable_name="subset", value_name="score")
    a, b = st.columns(2)
    with a:
        st.altair_chart(
            alt.Chart(long.drop_nulls("score"))
            .mark_bar()
            .encode(
                x=alt.X("score:Q", title=metric),
                y=alt.Y("benchmark:N", title=None),
                yOffset="subset:N",
                color=alt.Color(
                    "subset:N",
                    scale=alt.Scale(domain=["clean", "dirty"], range=["#4c78a8", "#e45756"]),
                ),
                tooltip=[
                    "benchmark",
                    "subset",
                    alt.Tooltip("score:Q", format=".3f"),
                    "n_clean",
                    "n_dirty",
                ],
            )
            .properties(title="clean vs dirty", height=max(120, 60 * rows.height)),
            width="stretch",
        )
    with b:
        ci = rows.drop_nulls("delta").select(
            "benchmark", "delta", "delta_low", "delta_high", "significant"
        )
        base = alt.Chart(ci).encode(y=alt.Y("benchmark:N", title=None))
        st.altair_chart(
            (
                base.mark_rule().encode(
                    x=alt.X("delta_low:Q", title="dirty − clean (95% CI)"), x2="delta_high:Q"
                )
                + base.mark_point(filled=True, size=80).encode(
                    x="delta:Q",
                    color=alt.Color(
                        "significant:N",
                        scale=alt.Scale(domain=[True, False], range=["#e45756", "#888888"]),
                    ),
                    tooltip=[
                        "benchmark",
                        alt.Tooltip("delta:Q", format=".3f"),
                        alt.Tooltip("delta_low:Q", format=".3f"),
                        alt.Tooltip("delta_high:Q", format=".3f"),
                    ],
                )
                + alt.Chart(pl.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
            ).properties(title="delta", height=max(120, 60 * max(ci.height, 1))),
            width="stretch",
        )
    st.subheader("Table C.1 view")
    st.dataframe(
        view.select(
            "benchmark",
            "preset",
            "metric",
            "n_full",
            "score_full",
            "n_clean",
            "score_clean",
            "n_dirty",
            "score_dirty",
            "delta",
            "delta_low",
            "delta_high",
            "significant",
            "clean_vs_full",
            "train_run_id",
            "verdict_run_id",
            "created_at",
        ),  # fmt: skip
        hide_index=True,
        width="stretch",
        column_config={
            "clean_vs_full": st.column_config.NumberColumn("clean vs full", format="percent")
        },
    )
    runs = load("training_runs")
    if not runs.is_empty():
        st.subheader("Training runs")
        st.caption("Each checkpoint traced to the curate run and recipe behind its data.")
        st.dataframe(runs.drop("manifest"), hide_index=True, width="stretch")


render()

"""Mixtures: rows as the training job will read them, the share of each source, and (for a
mixture with ``categories:``) its task-category distribution beside the target."""

from __future__ import annotations

import json

import altair as alt
import polars as pl
import streamlit as st

from curate.app import queries as Q
from curate.app import ui
from curate.app.highlight import esc

# A mixture builder that renders rows through a chat template may store the result in one of these.
RENDERED_COLUMNS = ("rendered", "text", "rendered_text", "input_text")


def pick_mixture(rid: str) -> str:
    mixes = Q.q(
        "SELECT mixture, count(*) AS rows, sum(n_tokens)::BIGINT AS tokens FROM mixtures WHERE run_id = ? GROUP BY mixture ORDER BY mixture",
        (rid,),
    )
    by = {r["mixture"]: r for r in mixes.iter_rows(named=True)}
    name = st.selectbox(
        "Mixture",
        list(by),
        key="mix_name",
        format_func=lambda k: (
            f"{k}  ·  {by[k]['rows']:,} rows  ·  {int(by[k]['tokens'] or 0):,} tokens"
        ),
    )
    st.caption(
        "Training jobs read the view below (or the Parquet copy under the recipe's `output.parquet_dir`)."
    )
    st.code(
        f"duckdb.connect('{Q.db_path()}', read_only=True).sql('SELECT * FROM \"mixture_{name}\"')",
        language="python",
    )
    return name


def source_shares(rid: str, name: str) -> pl.DataFrame:
    """Row and token share of each source/template/split (chart and table); returns the table."""
    src = Q.q(
        "SELECT source, template_id, split, count(*) AS rows, sum(n_tokens)::BIGINT AS tokens FROM mixtures "
        "WHERE run_id = ? AND mixture = ? GROUP BY source, template_id, split ORDER BY rows DESC",
        (rid, name),
    ).with_columns(
        row_share=pl.col("rows") / pl.col("rows").sum(),
        token_share=pl.col("tokens") / pl.col("tokens").sum(),
    )
    a, b = st.columns([3, 2])
    with a:
        long = src.select("source", "row_share", "token_share").unpivot(
            index="source", variable_name="share_of", value_name="share"
        )
        st.altair_chart(
            alt.Chart(long)
            .mark_bar()
            .encode(
                x=alt.X(
                    "share:Q", axis=alt.Axis(format="%"), title="share of the mixture", stack=False
                ),
                y=alt.Y("source:N", title=None, axis=alt.Axis(labelLimit=200)),
                color=alt.Color("share_of:N", title=None),
                yOffset="share_of:N",
                tooltip=["source", "share_of", alt.Tooltip("share:Q", format=".1%")],
            )
            .properties(height=max(120, 50 * src.height)),
            width="stretch",
        )
    with b:
        st.dataframe(
            src,
            hide_index=True,
            width="stretch",
            column_config={
                "row_share": st.column_config.NumberColumn("rows %", format="percent"),
                "token_share": st.column_config.NumberColumn("tokens %", format="percent"),
            },
        )
    return src


def sample_rows(rid: str, name: str, sources: list[str]) -> None:
    """A seeded sample of rows, rendered as the trainer reads them."""
    st.subheader("Sample rows")
    c = st.columns([1, 1, 2])
    n = c[0].number_input("Rows", min_value=1, max_value=50, value=5, key="mix_n")
    seed = c[1].number_input("Seed", min_value=0, value=0, key="mix_seed")
    source = c[2].selectbox("Source", ["(all)", *sources], key="mix_source")
    where, params = "run_id = ? AND mixture = ?", [rid, name]
    if source != "(all)":
        where += " AND source = ?"
        params.append(source)
    cols = set(Q.columns("mixtures")["column_name"].to_list())
    rendered = next((c for c in RENDERED_COLUMNS if c in cols), None)
    extra = f", {Q.ident(rendered)} AS rendered" if rendered else ""
    rows = Q.q(
        f"SELECT row_id, id, source, template_id, split, messages, prompt, completion, n_tokens{extra} FROM mixtures "
        f"WHERE {where} ORDER BY hash(row_id + ?), row_id LIMIT ?",
        (*params, int(seed), int(n)),
    )
    for r in rows.iter_rows(named=True):
        with st.container(border=True):
            st.html(
                f'<div class="cr-head">row <b>{r["row_id"]}</b> · {esc(r["source"])} · template <b>{esc(r["template_id"])}</b>'
                f" · {esc(r['split'])} · {r['n_tokens']:,} tokens · id {esc(r['id'])}</div>"
            )
            st.html(render_row(r))
            if rendered and r.get("rendered"):
                with st.expander(f"Rendered text ({rendered}), exactly as the trainer reads it"):
                    st.code(r["rendered"], language=None, wrap_lines=True)


def category_rows(detail: dict) -> pl.DataFrame:
    """The ``categories`` part of a manifest's detail as rows: category, target, actual, gap.

    Example: ``{"target": {"code": 0.5}, "effective_target": {"code": 1.0}, "actual": {"code":
    1.0}}`` -> one row ``code | 0.5 | 1.0 | 1.0 | 50.0``.
    """
    cats = detail.get("categories") or {}
    target = cats.get("target") or {}
    effective = cats.get("planned") or cats.get("effective_target") or {}
    actual = cats.get("actual") or {}
    names = [c for c in actual if c in target or actual[c] > 0] or list(target)
    return pl.DataFrame(
        {
            "category": names,
            "target": [float(target.get(c, 0.0)) for c in names],
            "effective_target": [float(effective.get(c, 0.0)) for c in names],
            "actual": [float(actual.get(c, 0.0)) for c in names],
            "gap_points": [
                round(100 * (float(actual.get(c, 0.0)) - float(target.get(c, 0.0))), 2)
                for c in names
            ],
        },
        schema={
            "category": pl.String,
            "target": pl.Float64,
            "effective_target": pl.Float64,
            "actual": pl.Float64,
            "gap_points": pl.Float64,
        },
    )


def category_panel(rid: str, name: str) -> None:
    """Category distribution vs target, the distance, and warnings (mixtures with ``categories:``)."""
    if not Q.has("mixture_manifest"):
        return
    got = Q.q("SELECT detail FROM mixture_manifest WHERE run_id = ? AND mixture = ?", (rid, name))
    if got.height == 0 or not got["detail"][0]:
        return
    detail = json.loads(got["detail"][0])
    if not detail.get("categories"):
        return
    cats = detail["categories"]
    st.subheader("Task categories")
    d_t = cats.get("distance_to_target") or {}
    d_e = cats.get("distance_to_effective") or {}
    st.caption(
        f"target `{cats.get('spec')}` · labels from {cats.get('labels')} · distance to the target: "
        f"max {d_t.get('max_abs_points')} points, total variation {d_t.get('tv_points')} points · "
        f"to the target over the categories the sources hold: max {d_e.get('max_abs_points')} points"
    )
    for w in cats.get("warnings") or []:
        st.warning(w)
    rows = category_rows(detail)
    long = rows.select("category", "target", "actual").unpivot(
        index="category", variable_name="of", value_name="share"
    )
    a, b = st.columns([3, 2])
    with a:
        st.altair_chart(
            alt.Chart(long)
            .mark_bar()
            .encode(
                x=alt.X(
                    "share:Q", axis=alt.Axis(format="%"), title="share of train rows", stack=False
                ),
                y=alt.Y("category:N", title=None, sort=rows["category"].to_list()),
                color=alt.Color("of:N", title=None),
                yOffset="of:N",
                tooltip=["category", "of", alt.Tooltip("share:Q", format=".1%")],
            )
            .properties(height=max(120, 40 * rows.height)),
            width="stretch",
        )
    with b:
        st.dataframe(
            rows,
            hide_index=True,
            width="stretch",
            column_config={
                "target": st.column_config.NumberColumn("target %", format="percent"),
                "effective_target": st.column_config.NumberColumn(
                    "planned % (target over what the sources hold)", format="percent"
                ),
                "actual": st.column_config.NumberColumn("actual %", format="percent"),
                "gap_points": st.column_config.NumberColumn("gap (points)"),
            },
        )


def render() -> None:
    st.title("Mixtures")
    if not ui.need_db() or not ui.need_table("mixtures", "mixture rows"):
        return
    rid = Q.run_id()
    name = pick_mixture(rid)
    src = source_shares(rid, name)
    category_panel(rid, name)
    sample_rows(rid, name, src["source"].unique(maintain_order=True).to_list())


def render_row(r: dict) -> str:
    """A mixture row as the trainer sees it: messages as turns, else prompt -> completion (escaped)."""
    msgs = r.get("messages") or []
    if msgs:
        turns = "".join(
            f'<div class="cr-msg"><div class="cr-role">{esc(m.get("role"))}</div>'
            f'<div class="cr-text" style="white-space:pre-wrap">{esc(m.get("content"))}</div></div>'
            for m in msgs
        )
        return f'<div class="cr-panel">{turns}</div>'
    parts = []
    if r.get("prompt"):
        parts.append(
            f'<div class="cr-msg"><div class="cr-role">prompt</div><div class="cr-text">{esc(r["prompt"])}</div></div>'
        )
    parts.append(
        f'<div class="cr-msg"><div class="cr-role">completion</div><div class="cr-text">{esc(r.get("completion"))}</div></div>'
    )
    return f'<div class="cr-panel">{"".join(parts)}</div>'


render()

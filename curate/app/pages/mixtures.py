"""Mixtures: rows as the training job will read them, and the share of each source."""

from __future__ import annotations

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


def render() -> None:
    st.title("Mixtures")
    if not ui.need_db() or not ui.need_table("mixtures", "mixture rows"):
        return
    rid = Q.run_id()
    name = pick_mixture(rid)
    src = source_shares(rid, name)
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

"""Contamination: benchmark items matched in the corpus, side by side, with reviewer verdicts."""

from __future__ import annotations

import polars as pl
import streamlit as st

from curate.app import queries as Q
from curate.app import ui
from curate.app.config import reviews_path
from curate.app.highlight import esc, highlight_html, md_escape, parse_spans
from curate.core.errors import CleanroomError
from curate.core.verdicts import RANK
from curate.io.reviews import record_verdict

STATUSES = ["unreviewed", "confirmed", "false_positive", "unsure"]
BUTTONS = [  # verdict, label, icon, button type, keyboard shortcut
    ("confirmed", "Confirmed contamination", ":material/block:", "primary", "1"),
    ("false_positive", "False positive", ":material/check_circle:", "secondary", "2"),
    ("unsure", "Unsure", ":material/help:", "secondary", "3"),
]


def has_part() -> bool:
    """Whether ``contamination`` has the audit's ``part`` column (``text`` or ``answer``)."""
    return "part" in Q.columns("contamination")["column_name"].to_list()


def load_hits(rid: str) -> pl.DataFrame:
    """One row per (benchmark, item, record) match, with record decision and verdict.

    The audit may report a match per item part (question ``text`` and ``answer``); they are folded
    here (best coverage, longest match; ``parts`` lists them) since a verdict is per match.
    """
    part = "c.part" if has_part() else "'text'"
    hits = (
        Q.q(
            f"SELECT c.benchmark, c.item_id, c.id, c.preset, c.n, c.matched_ngrams, c.coverage, "
            f"c.longest_match, {part} AS part, r.source, d.keep, d.drop_reason "
            "FROM contamination c "
            "LEFT JOIN records r ON r.run_id = c.run_id AND r.id = c.id "
            "LEFT JOIN decisions d ON d.run_id = c.run_id AND d.id = c.id "
            "WHERE c.run_id = ? ORDER BY c.coverage DESC NULLS LAST, c.longest_match DESC NULLS LAST",
            (rid,),
        )
        .group_by(["benchmark", "item_id", "id"], maintain_order=True)
        .agg(
            pl.col("preset", "n", "source", "keep", "drop_reason").first(),
            pl.col("matched_ngrams", "coverage", "longest_match").max(),
            parts=pl.col("part").unique().sort().str.join("+"),
        )
    )
    mv = Q.match_verdicts("contamination").select(
        pl.col("target_id").alias("id"),
        "benchmark",
        "item_id",
        "verdict",
        "reviewer",
        "note",
        "created_at",
    )
    return hits.join(
        mv, on=["id", "benchmark", "item_id"], how="left", maintain_order="left"
    ).with_columns(status=pl.col("verdict").fill_null("unreviewed"))


def item_table(hits: pl.DataFrame) -> pl.DataFrame:
    """Per item: records, best coverage, longest match and a review status (unreviewed first)."""
    return (
        hits.group_by("item_id", maintain_order=True)
        .agg(
            records=pl.len(),
            reviewed=(pl.col("status") != "unreviewed").sum(),
            coverage=pl.col("coverage").max(),
            longest_match=pl.col("longest_match").max(),
            _r=pl.col("status").replace_strict(RANK, default=9, return_dtype=pl.Int8).min(),
        )
        .with_columns(
            status=pl.when(pl.col("reviewed") < pl.col("records"))
            .then(pl.lit("unreviewed"))
            .otherwise(
                pl.col("_r").replace_strict(
                    {v: k for k, v in RANK.items()}, default="unreviewed", return_dtype=pl.String
                )
            )
        )
        .drop("_r")
        .sort(
            [pl.col("status") != "unreviewed", "coverage", "longest_match", "item_id"],
            descending=[False, True, True, False],
            nulls_last=True,
        )
    )


def _pick(key: str, options: list[str]) -> None:
    """Make the selectbox state ``key`` valid before the widget is drawn (pending jump first)."""
    pending = st.session_state.pop(f"_pending_{key}", None)
    if pending in options:
        st.session_state[key] = pending
    if st.session_state.get(key) not in options and options:
        st.session_state[key] = options[0]


def render() -> None:
    st.title("Contamination")
    if not ui.need_db():
        return
    if not ui.need_table("contamination", "benchmark matches"):
        return
    rid = Q.run_id()
    hits = load_hits(rid)
    if hits.is_empty():
        st.info("No benchmark item matched a record in the latest run.")
        return

    saved = st.session_state.pop("_saved", None)
    if saved:
        st.toast(saved, icon=":material/task_alt:")

    benches = (
        hits.group_by("benchmark")
        .agg(items=pl.col("item_id").n_unique(), records=pl.col("id").n_unique())
        .sort("items", descending=True)
    )
    labels = {
        r["benchmark"]: f"{r['benchmark']} · {r['items']} items matched · {r['records']} records"
        for r in benches.iter_rows(named=True)
    }
    top = st.columns([2, 3])
    bench = top[0].selectbox("Benchmark", list(labels), format_func=labels.get, key="cont_bench")
    statuses = (
        top[1].pills(
            "Review status",
            STATUSES,
            selection_mode="multi",
            default=STATUSES,
            format_func=lambda s: f"{ui.STATUS_ICON[s]} {ui.STATUS_LABEL[s]}",
            key="cont_status",
        )
        or STATUSES
    )

    bh = hits.filter(pl.col("benchmark") == bench)
    items_all = item_table(bh)
    n_items = (
        Q.q("SELECT count(*) AS n FROM benchmark_items WHERE benchmark = ?", (bench,))["n"][0]
        if Q.has("benchmark_items")
        else 0
    )
    reviewed = int((bh["status"] != "unreviewed").sum())
    st.html(
        ui.chips(
            [
                (
                    "items matched",
                    f"{items_all.height:,}" + (f" of {n_items:,}" if n_items else ""),
                ),
                ("records matching", f"{bh['id'].n_unique():,}"),
                ("matches reviewed", f"{reviewed:,} / {bh.height:,}"),
                ("confirmed", f"{int((bh['status'] == 'confirmed').sum()):,}"),
                ("false positives", f"{int((bh['status'] == 'false_positive').sum()):,}"),
            ]
        )
    )

    items = items_all.filter(pl.col("status").is_in(statuses))
    if items.is_empty():
        st.info("No item has the chosen review status. Pick another status above.")
        return

    left, right = st.columns([1.1, 2.4], gap="medium")
    options = items["item_id"].to_list()
    item_key = f"cont_item::{bench}"
    with left:
        st.caption("Items, unreviewed first, then by coverage. Click a row to open it.")
        table_key = f"cont_table::{bench}"
        shown = items.select(
            pl.col("status").replace_strict(ui.STATUS_ICON, default="").alias(" "),
            "item_id",
            "records",
            "coverage",
        )
        event = st.dataframe(
            shown,
            key=table_key,
            on_select="rerun",
            selection_mode="single-row",
            hide_index=True,
            height=min(560, 38 + 35 * items.height),
            width="stretch",
            column_config={
                " ": st.column_config.TextColumn(" ", width=28),
                "item_id": st.column_config.TextColumn("item", width=110),
                "records": st.column_config.NumberColumn("recs", width=44),
                "coverage": st.column_config.ProgressColumn(
                    "coverage", format="percent", min_value=0.0, max_value=1.0, width=96
                ),
            },
        )
        rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
        last_key = f"_last_sel::{bench}"
        if rows and rows[0] < len(options) and st.session_state.get(last_key) != rows[0]:
            st.session_state[f"_pending_{item_key}"] = options[rows[0]]
        st.session_state[last_key] = rows[0] if rows else None

    with right:
        by_item = {r["item_id"]: r for r in items.iter_rows(named=True)}
        _pick(item_key, options)
        sel = st.columns(2)
        item_id = sel[0].selectbox(
            "Item",
            options,
            key=item_key,
            format_func=lambda i: (
                f"{ui.STATUS_ICON[by_item[i]['status']]}  {i}  ·  coverage {by_item[i]['coverage'] or 0:.0%}  ·  {by_item[i]['records']} record(s)"
            ),
        )
        render_item(rid, bench, item_id, bh.filter(pl.col("item_id") == item_id), items, sel[1])


def render_item(
    rid: str,
    bench: str,
    item_id: str,
    item_hits: pl.DataFrame,
    items: pl.DataFrame,
    slot: st.delta_generator.DeltaGenerator,
) -> None:
    """The detail of one item: both texts highlighted, metrics, verdict buttons, other records."""
    item_hits = item_hits.sort(
        [pl.col("status") != "unreviewed", "coverage"], descending=[False, True], nulls_last=True
    )
    recs = item_hits["id"].to_list()
    by_rec = {r["id"]: r for r in item_hits.iter_rows(named=True)}
    rec_key = f"cont_rec::{bench}::{item_id}"
    _pick(rec_key, recs)
    rec_id = slot.selectbox(
        f"Matching record ({len(recs)})",
        recs,
        key=rec_key,
        format_func=lambda r: (
            f"{ui.STATUS_ICON[by_rec[r]['status']]}  {ui.short(r)}  ·  {by_rec[r]['source']}  ·  coverage {by_rec[r]['coverage'] or 0:.0%}"
        ),
    )
    hit = by_rec[rec_id]
    part = "part" if has_part() else "'text' AS part"
    rows = Q.q(
        f"SELECT spans, preset, n, matched_ngrams, coverage, longest_match, verdict, {part} FROM contamination "
        "WHERE run_id = ? AND benchmark = ? AND item_id = ? AND id = ? ORDER BY coverage DESC NULLS LAST",
        (rid, bench, item_id, rec_id),
    )
    row = rows.row(0, named=True)
    spans = {"item": [], "answer": [], "record": []}
    cover = {}
    for r in rows.iter_rows(named=True):
        sp = parse_spans(r["spans"])
        spans["answer" if r["part"] == "answer" else "item"] += sp["item"]
        spans["record"] += sp["record"]
        cover.setdefault(r["part"] or "text", r["coverage"] or 0.0)
    item = (
        Q.q(
            "SELECT split, text, answer FROM benchmark_items WHERE benchmark = ? AND item_id = ? LIMIT 1",
            (bench, item_id),
        )
        if Q.has("benchmark_items")
        else pl.DataFrame()
    )
    rec = Q.q(
        "SELECT r.source, r.kind, r.text, d.keep, d.stage, d.drop_reason FROM records r "
        "LEFT JOIN decisions d ON d.run_id = r.run_id AND d.id = r.id WHERE r.run_id = ? AND r.id = ? LIMIT 1",
        (rid, rec_id),
    )

    decision = "kept" if hit["keep"] else f"dropped ({hit['drop_reason']})"
    st.html(
        ui.chips(
            [
                (
                    "coverage",
                    " · ".join(
                        f"{'question' if k == 'text' else k} {v:.0%}" for k, v in cover.items()
                    )
                    if len(cover) > 1 or "answer" in cover
                    else f"{(row['coverage'] or 0):.0%}",
                ),
                (
                    "longest match",
                    "–" if row["longest_match"] is None else f"{row['longest_match']}",
                ),
                (
                    "matched n-grams",
                    "–" if row["matched_ngrams"] is None else f"{row['matched_ngrams']}",
                ),
                (
                    "preset",
                    f"{row['preset'] or '–'}" + ("" if row["n"] is None else f" (n={row['n']})"),
                ),
                ("record in this run", decision),
                ("verdict", ui.STATUS_LABEL.get(hit["status"], hit["status"])),
            ],
            status=hit["status"],
        )
    )
    a, b = st.columns(2, gap="small")
    with a:
        if item.is_empty():
            st.warning("This item is not in `benchmark_items`.")
        else:
            it = item.row(0, named=True)
            ui.panel(
                f"<b>{esc(bench)}</b> · item <b>{esc(item_id)}</b> · split {esc(it['split'])}",
                highlight_html(it["text"], spans["item"]),
            )
            if it["answer"] and spans["answer"]:
                ui.panel(
                    "reference answer · <b>matched too</b>",
                    highlight_html(it["answer"], spans["answer"]),
                )
            elif it["answer"]:
                with st.expander("Reference answer"):
                    ui.panel("", esc(it["answer"]))
    with b:
        if rec.is_empty():
            st.warning("This record is not in `records`.")
        else:
            r = rec.row(0, named=True)
            ui.panel(
                f"corpus record <b>{esc(ui.short(rec_id, 16))}</b> · {esc(r['source'])} · {esc(r['kind'])}",
                highlight_html(r["text"], spans["record"]),
            )

    verdict_form(rid, bench, item_id, rec_id, hit, item_hits, items)

    st.checkbox("After a verdict, open the next unreviewed match", value=True, key="cont_auto_next")
    st.markdown("##### Records matching this item")
    st.dataframe(
        item_hits.select(
            pl.col("status").replace_strict(ui.STATUS_LABEL, default="").alias("review"),
            "id",
            "source",
            "coverage",
            "longest_match",
            "preset",
            "parts",
            pl.when(pl.col("keep"))
            .then(pl.lit("kept"))
            .otherwise(pl.col("drop_reason"))
            .alias("decision"),
            "reviewer",
            "note",
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "coverage": st.column_config.ProgressColumn(
                "coverage", format="percent", min_value=0.0, max_value=1.0
            )
        },
    )


def verdict_form(
    rid: str,
    bench: str,
    item_id: str,
    rec_id: str,
    hit: dict,
    item_hits: pl.DataFrame,
    items: pl.DataFrame,
) -> None:
    """The verdict buttons for one (item, record) match, its current verdict and history."""
    status = hit["status"]
    head = f"Verdict for this match {ui.badge(status)}"
    if status != "unreviewed":
        head += f' <span class="cr-head">by {esc(hit["reviewer"])} at {hit["created_at"]:%Y-%m-%d %H:%M} UTC</span>'
    st.html(f"<h5 style='margin:.4rem 0 0 0'>{head}</h5>")
    with st.form(
        key=f"verdict::{bench}::{item_id}::{rec_id}",
        clear_on_submit=True,
        enter_to_submit=False,
        border=True,
    ):
        note = st.text_input(
            "Note (optional)",
            placeholder="why: verbatim question, shared boilerplate, common phrase…",
        )
        cols = st.columns([1.3, 1.1, 0.8])
        pressed = None
        for col, (verdict, label, icon, kind, key) in zip(cols, BUTTONS, strict=True):
            if col.form_submit_button(label, icon=icon, type=kind, width="stretch", shortcut=key):
                pressed = verdict
        st.caption("The keys 1, 2 and 3 press these buttons when the note field is not focused.")
    auto = st.session_state.get("cont_auto_next", True)
    if pressed:
        reviewer = (st.session_state.get("reviewer") or "").strip()
        if not reviewer:
            st.error(
                "Type your name in **Reviewer** (sidebar) first; it is saved with the verdict."
            )
            return
        try:
            record_verdict(
                reviews_path(),
                "contamination",
                rec_id,
                pressed,
                reviewer,
                note,
                benchmark=bench,
                item_id=item_id,
                run_id=rid,
            )
        except (CleanroomError, OSError) as e:
            st.error(f"Could not save the verdict: {e}")
            return
        Q.clear_reviews_cache()
        st.session_state["_saved"] = (
            f"Saved: {ui.STATUS_LABEL[pressed]} · {md_escape(bench)} item {md_escape(item_id)} · record {md_escape(ui.short(rec_id))}"
        )
        if auto:
            jump_to_next(bench, item_id, rec_id, item_hits, items)
        st.rerun()

    history = Q.reviews().filter(
        (pl.col("target_kind") == "contamination")
        & (pl.col("target_id") == rec_id)
        & (pl.col("benchmark") == bench)
        & (pl.col("item_id") == item_id)
    )
    if history.height:
        with st.expander(
            f"History of this match ({history.height} verdict{'s' if history.height != 1 else ''})"
        ):
            st.dataframe(
                history.select("created_at", "verdict", "reviewer", "note").sort(
                    "created_at", descending=True
                ),
                hide_index=True,
                width="stretch",
            )


def jump_to_next(
    bench: str, item_id: str, rec_id: str, item_hits: pl.DataFrame, items: pl.DataFrame
) -> None:
    """Queue the next unreviewed match: another record of this item, else the next unreviewed item."""
    rest = item_hits.filter((pl.col("status") == "unreviewed") & (pl.col("id") != rec_id))
    if rest.height:
        st.session_state[f"_pending_cont_rec::{bench}::{item_id}"] = rest["id"][0]
        return
    ids = items["item_id"].to_list()
    after = ids[ids.index(item_id) + 1 :] + ids[: ids.index(item_id)] if item_id in ids else ids
    status = dict(zip(items["item_id"], items["status"], strict=True))
    nxt = next((i for i in after if status[i] == "unreviewed"), None)
    if nxt is not None:
        st.session_state[f"_pending_cont_item::{bench}"] = nxt


render()

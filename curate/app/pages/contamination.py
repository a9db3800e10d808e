"""Contamination: benchmark items matched in the corpus, side by side, with reviewer verdicts.

Keys: j/k (or ↓/↑) next/previous match, 1/2/3 verdicts, u undo. The URL holds the benchmark,
item and record shown (``?bench=gsm8k&item=gsm8k/2&rec=...``), so a reload or a shared link
opens the same match.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from curate.app import charts, ui
from curate.app import queries as Q
from curate.app import review_actions as RA
from curate.app.highlight import esc, lines_html, parse_spans
from curate.app.why import drop_label, explain
from curate.core.verdicts import DIRTY_VERDICTS, disagreements, fold_status, progress

STATUSES = ["unreviewed", "confirmed", "false_positive", "unsure"]
BUTTONS = [  # verdict, label, icon, button type, keyboard shortcut
    ("confirmed", "Confirmed contamination", ":material/block:", "primary", "1"),
    ("false_positive", "False positive", ":material/check_circle:", "secondary", "2"),
    ("unsure", "Unsure", ":material/help:", "secondary", "3"),
]
PAGE_SIZE = 50


def has_part() -> bool:
    """Whether ``contamination`` has the audit's ``part`` column (``text`` or ``answer``)."""
    return "part" in Q.columns("contamination")["column_name"].to_list()


def load_hits(rid: str) -> pl.DataFrame:
    """One row per (benchmark, item, record) match, with record decision and verdict.

    The audit may report a match per item part (question ``text`` and ``answer``); they are folded
    here (best coverage, longest match; ``parts`` lists them) since a verdict is per match.
    ``drops`` says whether the match would make the recipe's decontamination step drop the record
    (an audit verdict of ``dirty`` on a part the step counts).
    """
    part = "c.part" if has_part() else "'text'"
    rule = Q.decontamination_rule()
    counted = list(rule["parts"]) if rule else []
    hits = Q.q(  # records/decisions filtered to the matched ids first (cheaper joins at 200k+)
        "WITH c AS (SELECT * FROM contamination WHERE run_id = $1), "
        "r AS (SELECT id, source, kind FROM records WHERE run_id = $1 AND id IN (SELECT id FROM c)), "
        "d AS (SELECT id, keep, drop_reason, detail FROM decisions WHERE run_id = $1 AND id IN (SELECT id FROM c)) "
        f"SELECT c.benchmark, c.item_id, c.id, c.preset, c.n, c.matched_ngrams, c.coverage, "
        f"c.longest_match, {part} AS part, c.verdict AS audit, r.source, r.kind, d.keep, "
        "d.drop_reason, d.detail FROM c LEFT JOIN r ON r.id = c.id LEFT JOIN d ON d.id = c.id "
        "ORDER BY c.coverage DESC NULLS LAST, c.longest_match DESC NULLS LAST",
        (rid,),
    ).with_columns(
        _drops=pl.col("audit").is_in(list(DIRTY_VERDICTS)) & pl.col("part").is_in(counted)
    )
    hits = hits.group_by(["benchmark", "item_id", "id"], maintain_order=True).agg(
        pl.col("preset", "n", "source", "kind", "keep", "drop_reason", "detail").first(),
        pl.col("matched_ngrams", "coverage", "longest_match").max(),
        parts=pl.col("part").unique().sort().str.join("+"),
        audit=pl.col("audit").unique().sort().str.join("+"),
        drops=pl.col("_drops").any(),
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
    """Per item: records, best coverage, longest match and the folded review status
    (:func:`curate.core.verdicts.fold_status`); items with unreviewed matches first."""
    return (
        hits.group_by("item_id", maintain_order=True)
        .agg(
            records=pl.len(),
            reviewed=(pl.col("status") != "unreviewed").sum(),
            coverage=pl.col("coverage").max(),
            longest_match=pl.col("longest_match").max(),
            status=fold_status(pl.col("status")),
        )
        .sort(  # items with work left first
            [pl.col("reviewed") == pl.col("records"), "coverage", "longest_match", "item_id"],
            descending=[False, True, True, False],
            nulls_last=True,
        )
    )


def sort_matches(item_hits: pl.DataFrame) -> pl.DataFrame:
    """An item's records in review order: unreviewed first, then by coverage."""
    return item_hits.sort(
        [pl.col("status") != "unreviewed", "coverage", "longest_match"],
        descending=[False, True, True],
        nulls_last=True,
        maintain_order=True,
    )


def _pick(key: str, options: list[str]) -> None:
    """Make the selectbox state ``key`` valid before the widget is drawn (pending jump first)."""
    pending = st.session_state.pop(f"_pending_{key}", None)
    if pending in options:
        st.session_state[key] = pending
    if st.session_state.get(key) not in options and options:
        st.session_state[key] = options[0]


def choose_benchmark(hits: pl.DataFrame, slot: st.delta_generator.DeltaGenerator) -> str:
    """The benchmark selectbox (a ``?bench=`` link preselects it)."""
    benches = (
        hits.group_by("benchmark")
        .agg(items=pl.col("item_id").n_unique(), records=pl.col("id").n_unique())
        .sort("items", descending=True)
    )
    labels = {
        r["benchmark"]: f"{r['benchmark']} · {r['items']} items matched · {r['records']} records"
        for r in benches.iter_rows(named=True)
    }
    url = ui.url_once("bench")
    if url in labels:
        st.session_state["_pending_cont_bench"] = url
    _pick("cont_bench", list(labels))
    return slot.selectbox("Benchmark", list(labels), format_func=labels.get, key="cont_bench")


def status_filter(slot: st.delta_generator.DeltaGenerator) -> tuple[list[str], bool]:
    """The review-status pills and the disagreement toggle."""
    with slot:
        statuses = (
            st.pills(
                "Review status",
                STATUSES,
                selection_mode="multi",
                default=STATUSES,
                format_func=lambda s: f"{ui.STATUS_ICON[s]} {ui.STATUS_LABEL[s]}",
                key="cont_status",
            )
            or STATUSES
        )
        only_disagree = st.toggle(
            "Only matches where reviewers disagree", key="cont_disagree", value=False
        )
    return statuses, only_disagree


def progress_chips(bh: pl.DataFrame, bench: str) -> None:
    """Counts for the benchmark: items, records, and "N of M reviewed" per reviewer."""
    n_items = (
        Q.q("SELECT count(*) AS n FROM benchmark_items WHERE benchmark = ?", (bench,))["n"][0]
        if Q.has("benchmark_items")
        else 0
    )
    targets = bh.select(pl.col("id").alias("target_id"), "benchmark", "item_id")
    prog = progress(Q.reviews(), targets, "contamination")
    me = ui.reviewer()
    by = {r["reviewer"]: r["reviewed"] for r in prog.iter_rows(named=True)}
    pairs = [
        (
            "items matched",
            f"{bh['item_id'].n_unique():,}" + (f" of {n_items:,}" if n_items else ""),
        ),
        ("records matching", f"{bh['id'].n_unique():,}"),
        ("reviewed (anyone)", f"{by.get('(all)', 0):,} of {bh.height:,}"),
    ]
    if me:
        pairs.append((f"reviewed by {me}", f"{by.get(me, 0):,} of {bh.height:,}"))
    pairs += [
        ("confirmed", f"{int((bh['status'] == 'confirmed').sum()):,}"),
        ("false positives", f"{int((bh['status'] == 'false_positive').sum()):,}"),
    ]
    st.html(ui.chips(pairs))


def render() -> None:
    st.title("Contamination")
    if not ui.need_db() or not ui.need_table("contamination", "benchmark matches"):
        return
    rid = Q.run_id()
    hits = load_hits(rid)
    if hits.is_empty():
        st.info("No benchmark item matched a record in the latest run.")
        return
    RA.show_saved()
    top = st.columns([2, 3])
    bench = choose_benchmark(hits, top[0])
    statuses, only_disagree = status_filter(top[1])
    bh = hits.filter(pl.col("benchmark") == bench)
    progress_chips(bh, bench)
    shown = bh.filter(pl.col("status").is_in(statuses))
    if only_disagree:
        dis = disagreements(Q.reviews().filter(pl.col("target_kind") == "contamination"))
        keys = dis.select(pl.col("target_id").alias("id"), "benchmark", "item_id")
        shown = shown.join(keys, on=["id", "benchmark", "item_id"], how="semi")
    items = item_table(shown)
    if items.is_empty():
        st.info("No match has the chosen review status. Pick another status above.")
        return
    item_id = item_list(items, bench)
    item_hits = sort_matches(shown.filter(pl.col("item_id") == item_id))
    order = match_order(shown, items)
    RA.remember_positions(
        [{f"cont_item::{bench}": i, f"cont_rec::{bench}::{i}": r} for i, r, _ in order],
        [s != "unreviewed" for _, _, s in order],
    )
    render_item(rid, bench, item_id, item_hits, hits)
    bulk_panel(rid, bench, bh)


def match_order(shown: pl.DataFrame, items: pl.DataFrame) -> list[tuple[str, str, str]]:
    """Every (item, record) match in the order j/k walks: items as listed, records as sorted."""
    rank = {item: i for i, item in enumerate(items["item_id"].to_list())}
    ordered = shown.with_columns(
        _i=pl.col("item_id").replace_strict(rank, default=None, return_dtype=pl.Int64),
        _u=pl.col("status") != "unreviewed",
    ).sort(
        ["_i", "_u", "coverage", "longest_match"],
        descending=[False, False, True, True],
        nulls_last=True,
        maintain_order=True,
    )
    return list(ordered.select("item_id", "id", "status").iter_rows())


def item_list(items: pl.DataFrame, bench: str) -> str:
    """The paged, clickable item table and the item picker; returns the item shown."""
    options = items["item_id"].to_list()
    item_key = f"cont_item::{bench}"
    url = ui.url_once("item")
    if url in options:
        st.session_state[f"_pending_{item_key}"] = url
    _pick(item_key, options)
    page_key = f"cont_page::{bench}::main"
    pos = options.index(st.session_state[item_key])
    if st.session_state.get(f"_shown::{item_key}") != st.session_state[item_key]:
        st.session_state[page_key] = pos // PAGE_SIZE  # a jump lands on the item's page
    st.session_state[f"_shown::{item_key}"] = st.session_state[item_key]
    with st.expander(f"Items ({len(options):,}), unreviewed first", expanded=True):
        offset = ui.pager(len(options), page_key, PAGE_SIZE)
        page = items.slice(offset, PAGE_SIZE)
        event = st.dataframe(
            page.select(
                pl.col("status").replace_strict(ui.STATUS_ICON, default="").alias(" "),
                "item_id",
                "records",
                "reviewed",
                "coverage",
                "longest_match",
            ),
            key=f"cont_table::{bench}::{offset}",
            on_select="rerun",
            selection_mode="single-row",
            hide_index=True,
            height=min(300, 38 + 35 * page.height),
            width="stretch",
            column_config={
                " ": st.column_config.TextColumn(" ", width=28),
                "item_id": st.column_config.TextColumn("item", width="large"),
                "coverage": st.column_config.ProgressColumn(
                    "coverage", format="percent", min_value=0.0, max_value=1.0
                ),
            },
        )
        RA.table_pick(event, page["item_id"].to_list(), item_key, f"{bench}::{offset}")
    by_item = {r["item_id"]: r for r in items.iter_rows(named=True)}
    return st.selectbox(
        "Item",
        options,
        key=item_key,
        format_func=lambda i: (
            f"{ui.STATUS_ICON[by_item[i]['status']]}  {i}  ·  coverage {by_item[i]['coverage'] or 0:.0%}  ·  {by_item[i]['records']} record(s)"
        ),
    )


def pick_record(bench: str, item_id: str, item_hits: pl.DataFrame) -> str:
    """The record picker for an item (a ``?rec=`` link preselects it)."""
    recs = item_hits["id"].to_list()
    by_rec = {r["id"]: r for r in item_hits.iter_rows(named=True)}
    rec_key = f"cont_rec::{bench}::{item_id}"
    url = ui.url_once("rec")
    if url in recs:
        st.session_state[f"_pending_{rec_key}"] = url
    _pick(rec_key, recs)
    rec_id = st.selectbox(
        f"Matching record ({len(recs)})",
        recs,
        key=rec_key,
        format_func=lambda r: (
            f"{ui.STATUS_ICON[by_rec[r]['status']]}  {r}  ·  {by_rec[r]['source']}  ·  coverage {by_rec[r]['coverage'] or 0:.0%}"
        ),
    )
    ui.set_url(bench=bench, item=item_id, rec=rec_id)
    return rec_id


def match_spans(rid: str, bench: str, item_id: str, rec_id: str) -> tuple[dict, dict, dict]:
    """Spans per side (item question, answer, record), coverage per part and the best row."""
    part = "part" if has_part() else "'text' AS part"
    rows = Q.q(
        f"SELECT spans, preset, n, matched_ngrams, coverage, longest_match, verdict, {part} FROM contamination "
        "WHERE run_id = ? AND benchmark = ? AND item_id = ? AND id = ? ORDER BY coverage DESC NULLS LAST",
        (rid, bench, item_id, rec_id),
    )
    spans: dict[str, list] = {"item": [], "answer": [], "record": []}
    cover: dict[str, float] = {}
    for r in rows.iter_rows(named=True):
        sp = parse_spans(r["spans"])
        spans["answer" if r["part"] == "answer" else "item"] += sp["item"]
        spans["record"] += sp["record"]
        cover.setdefault(r["part"] or "text", r["coverage"] or 0.0)
    return spans, cover, rows.row(0, named=True)


def render_item(
    rid: str, bench: str, item_id: str, item_hits: pl.DataFrame, hits: pl.DataFrame
) -> None:
    """One match: navigation, evidence, both texts, verdict buttons and the related matches."""
    rec_id = pick_record(bench, item_id, item_hits)
    hit = item_hits.filter(pl.col("id") == rec_id).row(0, named=True)
    RA.set_position(bench, item_id, rec_id)
    RA.nav_bar()
    spans, cover, row = match_spans(rid, bench, item_id, rec_id)
    match_chips(hit, cover, row)
    rec_matches = hits.filter(pl.col("id") == rec_id)
    st.html(why_html(hit, rec_matches))
    texts(rid, bench, item_id, rec_id, spans)
    verdict_form(rid, bench, item_id, rec_id, hit)
    st.checkbox("After a verdict, open the next unreviewed match", value=True, key="cont_auto_next")
    record_matches_table(rec_matches)
    item_records_table(item_hits, f"cont_hits::{bench}::{item_id}")


def match_chips(hit: dict, cover: dict, row: dict) -> None:
    """Coverage per part, longest match, n-grams, preset, decision and verdict as chips."""
    coverage = (
        " · ".join(f"{'question' if k == 'text' else k} {v:.0%}" for k, v in cover.items())
        if len(cover) > 1 or "answer" in cover
        else f"{(row['coverage'] or 0):.0%}"
    )
    decision = "kept" if hit["keep"] else f"dropped ({drop_label(hit)})"
    st.html(
        ui.chips(
            [
                ("coverage", coverage),
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
                ("audit verdict", f"{row['verdict'] or '–'}"),
                ("record in this run", decision),
                ("verdict", ui.STATUS_LABEL.get(hit["status"], hit["status"])),
            ],
            status=hit["status"],
        )
    )


def why_html(hit: dict, rec_matches: pl.DataFrame) -> str:
    """Why the record was kept or dropped, from its decision and all of its matches."""
    lines = [esc(line) for line in explain(hit, rec_matches, Q.decontamination_rule())]
    return f'<div class="cr-evidence"><b>Why</b> · {"<br>".join(lines)}</div>'


def texts(rid: str, bench: str, item_id: str, rec_id: str, spans: dict) -> None:
    """The benchmark item and the corpus record side by side, matches highlighted."""
    item = (
        Q.q(
            "SELECT split, text, answer FROM benchmark_items WHERE benchmark = ? AND item_id = ? LIMIT 1",
            (bench, item_id),
        )
        if Q.has("benchmark_items")
        else pl.DataFrame()
    )
    rec = Q.q(
        "SELECT source, kind, text FROM records WHERE run_id = ? AND id = ? LIMIT 1", (rid, rec_id)
    )
    a, b = st.columns(2, gap="small")
    with a:
        if item.is_empty():
            st.warning("This item is not in `benchmark_items`.")
        else:
            it = item.row(0, named=True)
            ui.panel(
                f"<b>{esc(bench)}</b> · item <b>{esc(item_id)}</b> · split {esc(it['split'])}",
                lines_html(it["text"], spans["item"]),
            )
            if it["answer"]:
                ui.panel(
                    "reference answer" + (" · <b>matched too</b>" if spans["answer"] else ""),
                    lines_html(it["answer"], spans["answer"]),
                )
    with b:
        if rec.is_empty():
            st.warning("This record is not in `records`.")
        else:
            r = rec.row(0, named=True)
            ui.panel(
                f"corpus record <b>{esc(rec_id)}</b> · {esc(r['source'])} · {esc(r['kind'])}",
                lines_html(r["text"], spans["record"]),
                tall=True,
            )


def verdict_form(rid: str, bench: str, item_id: str, rec_id: str, hit: dict) -> None:
    """The verdict buttons (keys 1/2/3) for one (item, record) match and its history."""
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
    if pressed:
        target = {"benchmark": bench, "item_id": item_id, "run_id": rid}
        label = f"{bench} item {item_id} · record {ui.short(rec_id)}"
        if RA.save("contamination", rec_id, pressed, note, target, label):
            if st.session_state.get("cont_auto_next", True):
                RA.jump_next_unreviewed()
            st.rerun()
    RA.history("contamination", rec_id, bench, item_id)


def record_matches_table(rec_matches: pl.DataFrame) -> None:
    """Every match of this record (all benchmarks), with review state and whether it drops."""
    st.markdown(f"##### All matches of this record ({rec_matches.height})")
    shown = rec_matches.select(
        "benchmark",
        "item_id",
        pl.col("status").replace_strict(ui.STATUS_LABEL, default="").alias("review"),
        "reviewer",
        "coverage",
        "parts",
        "audit",
        pl.when(pl.col("drops")).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("drops it"),
    ).sort(["drops it", "coverage"], descending=True)
    st.html(charts.table(shown, max_height=300, percent=["coverage"]))


HITS_PAGE = 100  # rows of "Records matching this item" per page


def item_records_table(item_hits: pl.DataFrame, page_key: str) -> None:
    """Every record matching this item (paged, ``page_key`` holds the page)."""
    st.markdown(f"##### Records matching this item ({item_hits.height})")
    shown = item_hits.select(
        pl.col("status").replace_strict(ui.STATUS_LABEL, default="").alias("review"),
        "id",
        "source",
        "coverage",
        "longest_match",
        "parts",
        ui.DECISION,
        "reviewer",
        "note",
    )
    offset = ui.pager(shown.height, page_key, HITS_PAGE)  # an item copied many times
    st.html(
        charts.table(
            shown.slice(offset, HITS_PAGE), preview=120, max_height=300, percent=["coverage"]
        )
    )


def bulk_panel(rid: str, bench: str, bh: pl.DataFrame) -> None:
    """One verdict for many matches of this benchmark: filter, preview the count, confirm."""
    with st.expander("Bulk verdict for this benchmark", icon=":material/done_all:"):
        c = st.columns(4)
        verdict = c[0].selectbox(
            "Verdict", [b[0] for b in BUTTONS], format_func=ui.STATUS_LABEL.get, key="bulk_verdict"
        )
        min_cov = c[1].number_input(
            "Coverage at least", 0.0, 1.0, 0.9, step=0.05, key="bulk_cov", format="%.2f"
        )
        part = c[2].selectbox("Matched part", ["any", "question", "answer only"], key="bulk_part")
        only_new = c[3].toggle("Only unreviewed", value=True, key="bulk_new")
        sel = bh.filter(pl.col("coverage").fill_null(0) >= min_cov)
        if part == "question":
            sel = sel.filter(pl.col("parts").str.contains("text"))
        elif part == "answer only":
            sel = sel.filter(pl.col("parts") == "answer")
        if only_new:
            sel = sel.filter(pl.col("status") == "unreviewed")
        st.html(
            f'<div class="cr-evidence">Preview: <b>{sel.height:,}</b> match(es) · '
            f"{sel['item_id'].n_unique():,} item(s) · {sel['id'].n_unique():,} record(s) would get "
            f"<b>{esc(ui.STATUS_LABEL[verdict])}</b></div>"
        )
        shown = sel.select("item_id", "id", "coverage", "parts", "status").head(20)
        st.html(charts.table(shown, max_height=300, percent=["coverage"]))
        RA.bulk_confirm("contamination", sel, verdict, bench, rid)


render()

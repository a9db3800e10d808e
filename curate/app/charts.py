"""The Overview's figures as plain HTML: bars, a histogram and a table, drawn server-side.

The Overview is the first page a reviewer opens. An Altair chart or an ``st.dataframe`` makes the
browser fetch and compile Streamlit's Vega (0.8 MB) or data-grid (1.3 MB) script bundle before it
draws anything, which was about 1.5 s of a first visit on a 2-core machine (``bench/app_open.py``,
issue 16). These helpers draw the same figures with no script at all: every number is printed
(nothing depends on a hover), labels wrap instead of being cut off, and hovering a bar still shows
its exact count (a ``title``). Read-only tables on other pages use :func:`table` too; the
pages keep ``st.dataframe`` and Altair where sorting, selection and zooming matter.

Every helper returns an HTML string for ``st.html``; every text in it is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from curate.app.highlight import esc

# (name, count, color): one stacked piece of a bar.
Segment = tuple[str, int, str]

# Categorical colours (Tableau 10), assigned in order of first appearance.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

CSS = """
.cr-bars {display: grid; grid-template-columns: minmax(7rem, max-content) minmax(6rem, 1fr) auto;
  gap: .25rem .6rem; align-items: center; font-size: .82rem; margin: .2rem 0 .6rem 0;}
.cr-bar-label {overflow-wrap: anywhere; max-width: 22rem;}
.cr-bar {display: flex; height: .9rem; background: rgba(128,128,128,.08); border-radius: 3px;
  overflow: hidden;}
.cr-bar span {display: block; height: 100%;}
.cr-bar-n {font-variant-numeric: tabular-nums; color: #3c4043; white-space: nowrap;}
.cr-legend {display: flex; flex-wrap: wrap; gap: .2rem .8rem; font-size: .78rem; color: #5f6368;}
.cr-legend i {display: inline-block; width: .7rem; height: .7rem; border-radius: 2px;
  margin-right: .3rem; vertical-align: -1px;}
.cr-hist-bars {display: flex; align-items: stretch; gap: 1px; height: 110px;
  border-bottom: 1px solid rgba(128,128,128,.35);}
.cr-hist-col {flex: 1; display: flex; flex-direction: column-reverse;}
.cr-hist-col span {display: block;}
.cr-hist-axis {display: flex; justify-content: space-between; font-size: .75rem; color: #5f6368;}
.cr-table {border-collapse: collapse; font-size: .8rem; width: 100%;}
.cr-table th {text-align: left; color: #5f6368; font-weight: 600; border-bottom: 1px solid
  rgba(128,128,128,.35); padding: .2rem .5rem;}
.cr-table td {border-bottom: 1px solid rgba(128,128,128,.15); padding: .2rem .5rem;
  overflow-wrap: anywhere; font-variant-numeric: tabular-nums;}
.cr-table td.cr-num {text-align: right; white-space: nowrap;}
.cr-pct {display: inline-block; width: 3.5rem; height: .55rem; margin-right: .4rem;
  background: rgba(128,128,128,.15); border-radius: 2px; overflow: hidden;}
.cr-pct i {display: block; height: 100%; background: #4e79a7;}
.cr-scroll {overflow-y: auto; border: 1px solid rgba(128,128,128,.2); border-radius: 4px;}
"""


def colors(names: Sequence[str]) -> dict[str, str]:
    """A colour per distinct name, in order of first appearance (the palette repeats past 10).

    Example: ``colors(["b", "a", "b"])`` -> ``{"b": "#4e79a7", "a": "#f28e2b"}``.
    """
    out: dict[str, str] = {}
    for name in names:
        if name not in out:
            out[name] = PALETTE[len(out) % len(PALETTE)]
    return out


def bars(rows: Sequence[tuple[str, Sequence[Segment], str]], unit: str = "records") -> str:
    """Horizontal stacked bars, one row per ``(label, segments, note)``, scaled to the largest row.

    Example: ``bars([("too_short", [("length_filter_v1", 12, "#4e79a7")], "12")])`` draws one
    full-width bar labelled ``too_short`` with ``12`` after it.
    """
    top = max((sum(n for _, n, _ in segs) for _, segs, _ in rows), default=0) or 1
    out = ['<div class="cr-bars">']
    for label, segs, note in rows:
        pieces = "".join(
            f'<span style="width:{100 * n / top:.3f}%;background:{color}" '
            f'title="{esc(name)}: {n:,} {esc(unit)}"></span>'
            for name, n, color in segs
            if n > 0
        )
        out.append(
            f'<div class="cr-bar-label">{esc(label)}</div><div class="cr-bar">{pieces}</div>'
            f'<div class="cr-bar-n">{esc(note)}</div>'
        )
    out.append("</div>")
    return "".join(out)


def legend(items: dict[str, str]) -> str:
    """Colour swatches with names, e.g. ``legend({"kept": "#1a73e8"})``."""
    keys = "".join(f'<span><i style="background:{c}"></i>{esc(k)}</span>' for k, c in items.items())
    return f'<div class="cr-legend">{keys}</div>'


def histogram(bins: pl.DataFrame, series: dict[str, str], label: str) -> str:
    """A stacked histogram of equal-width bins, one column per row of ``bins`` (in order): ``lo``,
    ``hi`` and one count column per ``series`` key, stacked bottom-up in that order and colour;
    ``label`` names the x axis. (Plain HTML: ``st.html`` strips SVG.)

    Example: ``histogram(pl.DataFrame({"lo": [0.0], "hi": [1.0], "kept": [3]}), {"kept": "#1a73e8"}, "score")``.
    """
    if bins.is_empty():
        return ""
    top = max(1, int(bins.select(pl.sum_horizontal(list(series))).to_series().max()))
    cols = []
    for row in bins.iter_rows(named=True):
        counts = {name: int(row[name] or 0) for name in series}
        tip = f"{row['lo']:.4g} to {row['hi']:.4g}: " + ", ".join(
            f"{n:,} {name}" for name, n in counts.items()
        )
        pieces = "".join(
            f'<span style="height:{100 * counts[name] / top:.3f}%;background:{color}"></span>'
            for name, color in series.items()
            if counts[name]
        )
        cols.append(f'<div class="cr-hist-col" title="{esc(tip)}">{pieces}</div>')
    lo, hi = float(bins["lo"].min()), float(bins["hi"].max())
    axis = f"<span>{lo:.4g}</span><span>{esc(label)} (max bin {top:,})</span><span>{hi:.4g}</span>"
    return (
        f'<div class="cr-hist" aria-label="{esc(label)} histogram"><div class="cr-hist-bars">'
        f'{"".join(cols)}</div><div class="cr-hist-axis">{axis}</div></div>'
    )


def table(
    frame: pl.DataFrame,
    preview: int | None = None,
    max_height: int | None = None,
    percent: Sequence[str] = (),
) -> str:
    """A plain HTML table of a small frame (numbers right-aligned with thousands separators).

    Columns named in ``percent`` hold fractions in [0, 1], drawn as a small bar and a percentage.
    With ``preview``, a text longer than that many characters shows its start and "…", the whole
    text in the cell's ``title`` (hover); with ``max_height`` (px) the table scrolls inside a box.
    Example: ``table(pl.DataFrame({"n": [1200]}))`` -> ``...<td class="cr-num">1,200</td>...``.
    """
    numeric = {c for c, t in frame.schema.items() if t.is_numeric()}

    def cell(col: str, v: object) -> str:
        if col in percent and isinstance(v, int | float):
            pct = min(max(float(v), 0.0), 1.0) * 100
            return (
                f'<td class="cr-num"><span class="cr-pct"><i style="width: {pct:.0f}%"></i></span>'
                f"{pct:.0f}%</td>"
            )
        if col in numeric and v is not None:
            text = f"{v:,}" if isinstance(v, int) else f"{v:,.2f}"
            return f'<td class="cr-num">{text}</td>'
        if preview is not None and isinstance(v, str) and len(v) > preview:
            return f'<td title="{esc(v)}">{esc(v[:preview])}…</td>'
        return f"<td>{esc(v)}</td>"

    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(cell(c, v) for c, v in zip(frame.columns, row, strict=True)) + "</tr>"
        for row in frame.iter_rows()
    )
    html = f'<table class="cr-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    if max_height is not None:
        return f'<div class="cr-scroll" style="max-height: {int(max_height)}px">{html}</div>'
    return html

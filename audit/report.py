"""Write scan results: Parquet, DuckDB tables, and a Markdown or HTML report with a chart.

DuckDB: ``write_db(result, path)`` writes ``benchmark_items`` and ``contamination`` (with a
``run_id``). A new file is written under a temporary name and renamed into place (like
:mod:`curate.run.export`); an existing file is refused unless ``into_existing=True``, which replaces
just those two tables inside one transaction and leaves every other table (``records`` of a
curate run, say) as it was.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from audit.result import ScanResult
from curate.core.errors import ConfigError
from curate.io import store


def new_run_id(prefix: str = "audit") -> str:
    """``audit-20260101T120000123456Z``."""
    return f"{prefix}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}"


def contamination_table(result: ScanResult, run_id: str) -> pl.DataFrame:
    """The ``contamination`` rows with a leading ``run_id``."""
    return result.contamination.select(pl.lit(run_id).alias("run_id"), pl.all())


def write_parquet(result: ScanResult, out: Path, run_id: str) -> list[Path]:
    """``OUT.parquet`` (contamination rows) and ``OUT.items.parquet`` (benchmark items)."""
    items_path = out.with_name(out.name.removesuffix(".parquet") + ".items.parquet")
    return [
        store.write_parquet(contamination_table(result, run_id), out),
        store.write_parquet(result.items, items_path),
    ]


def write_db(result: ScanResult, path: Path, run_id: str, *, into_existing: bool = False) -> Path:
    """Write ``benchmark_items`` and ``contamination`` to a DuckDB file (see module docstring)."""
    tables = {"benchmark_items": result.items, "contamination": contamination_table(result, run_id)}
    if path.exists() and not into_existing:
        raise ConfigError(
            f"{path} exists; pass --into-existing to replace its benchmark_items and "
            "contamination tables (other tables are kept), or choose a new file"
        )
    with store.writer_lock(path):
        if path.exists():
            with duckdb.connect(str(path)) as con:
                con.execute("BEGIN TRANSACTION")
                for name, frame in tables.items():
                    con.execute(f'DROP TABLE IF EXISTS "{name}"')
                    store.create_table(con, name, frame)
                con.execute("COMMIT")
            return path
        with store.atomic_db(path) as con:
            for name, frame in tables.items():
                store.create_table(con, name, frame)
    return path


def _bar(frac: float, width: int = 30) -> str:
    full = round(frac * width)
    return "█" * full + "·" * (width - full)


def markdown_report(result: ScanResult, corpus: str, max_pairs: int = 50) -> str:
    """A Markdown report: summary table, a text bar chart of % clean, the top pairs."""
    lines = [f"# Contamination audit: {corpus}", ""]
    s = result.summary
    cols = [c for c in s.columns if s[c].null_count() < s.height]
    lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in s.select(cols).iter_rows():
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    lines += ["", "## Share of items clean", "", "```"]
    for row in s.iter_rows(named=True):
        frac = (row["pct_clean"] or 0) / 100
        lines.append(
            f"{row['benchmark']:<14} {_bar(frac)} {row['pct_clean']}% clean ({row['dirty']} dirty)"
        )
    lines += [
        "```",
        "",
        f"## Flagged pairs (top {max_pairs} by coverage)",
        "",
        "| benchmark | item | part | record | coverage | longest | verdict | item excerpt |",
        "|---|---|---|---|---|---|---|---|",
    ]
    texts: dict[tuple[str, str, str], str | None] = {}
    for r in result.items.iter_rows(named=True):
        texts[(r["benchmark"], r["item_id"], "text")] = r["text"]
        texts[(r["benchmark"], r["item_id"], "answer")] = r["answer"]
    flagged = (
        result.contamination.filter(pl.col("verdict") != "clean")
        .sort("coverage", descending=True)
        .head(max_pairs)
    )
    for r in flagged.iter_rows(named=True):
        spans = json.loads(r["spans"])["item"]
        src = texts.get((r["benchmark"], r["item_id"], r["part"])) or ""
        excerpt = src[spans[0][0] : spans[0][1]][:80] if spans else ""
        excerpt = excerpt.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {r['benchmark']} | {r['item_id']} | {r['part']} | {r['id'][:12]} | {r['coverage']:.2f} | "
            f"{r['longest_match']} | {r['verdict']} | {excerpt} |"
        )
    lines += [
        "",
        f"Scanned {result.stats.get('records', 0)} records, {result.stats.get('bytes', 0) / 1e6:.1f} MB.",
    ]
    return "\n".join(lines) + "\n"


def html_report(result: ScanResult, corpus: str) -> str:
    """An HTML report: an SVG bar chart (clean / not clean / dirty per benchmark) and the tables.

    The chart is drawn by hand because altair renders offline only through vl-convert-python
    (84 MB, 4.1 s for its first chart here, issue 17), and ``Chart.to_html`` needs a CDN.
    """
    s = result.summary
    bar_h, width = 26, 520
    svg = [
        f'<svg width="{width + 200}" height="{bar_h * s.height + 20}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, row in enumerate(s.iter_rows(named=True)):
        y = 10 + i * bar_h
        total = max(row["items"], 1)
        x = 150
        for key, color in (("clean", "#4caf50"), ("not_clean", "#ff9800"), ("dirty", "#e53935")):
            w = width * (row.get(key) or 0) / total
            svg.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h - 6}" fill="{color}"/>'
            )
            x += w
        svg.append(
            f'<text x="0" y="{y + 15}" font-size="13">{html.escape(row["benchmark"])}</text>'
        )
        svg.append(
            f'<text x="{width + 160}" y="{y + 15}" font-size="12">{row["pct_clean"]}% clean</text>'
        )
    svg.append("</svg>")
    flagged = (
        result.contamination.filter(pl.col("verdict") != "clean")
        .sort("coverage", descending=True)
        .head(200)
    )
    return (
        f"<!doctype html><meta charset='utf-8'><title>Contamination audit</title>"
        f"<h1>Contamination audit: {html.escape(corpus)}</h1>{''.join(svg)}"
        f"<p>green: clean, orange: not clean (llama2), red: dirty</p><h2>Summary</h2>{_html_table(s)}"
        f"<h2>Flagged pairs</h2>{_html_table(flagged.drop('spans'))}"
    )


def _html_table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row)
        + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<table border='1' cellspacing='0' cellpadding='3'><tr>{head}</tr>{body}</table>"


def write_report(result: ScanResult, path: Path, corpus: str) -> Path:
    """Markdown for ``.md``, HTML for ``.html``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".html", ".htm"):
        path.write_text(html_report(result, corpus), encoding="utf-8")
    else:
        path.write_text(markdown_report(result, corpus), encoding="utf-8")
    return path

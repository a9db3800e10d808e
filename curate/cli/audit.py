"""The ``cleanroom audit`` commands: ``list``, ``scan`` (a thin shell over :mod:`audit.scan`) and
``background`` (:mod:`audit.background`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from curate.cli.console import console, imports_without_gc

audit_app = typer.Typer(
    help="Benchmark contamination audit: which benchmark items a corpus contains, and where.",
    no_args_is_help=True,
)


@audit_app.command("list")
def list_benchmarks() -> None:
    """List the registered benchmarks and presets.

    Example: cleanroom audit list
    """
    from audit.benchmarks import benchmark_table, suite_table
    from audit.presets import PRESETS

    frame = benchmark_table()
    table = Table(
        *frame.columns, title="benchmarks (NAME, NAME=PATH, or FILE:FIELD[:ANSWER_FIELD])"
    )
    for row in frame.iter_rows():
        table.add_row(*[str(v) for v in row])
    console.print(table)
    suites = suite_table()
    suite_rows = Table(*suites.columns, title="benchmark suites")
    for row in suites.iter_rows():
        suite_rows.add_row(*[str(v) for v in row])
    console.print(suite_rows)
    presets = Table("preset", "method", "n", "rule", "source", title="presets")
    for p in PRESETS.values():
        presets.add_row(p.name, p.method, str(p.n), p.rule, p.citation)
    console.print(presets)


def print_summary(summary: object) -> None:
    """The per-benchmark summary table."""
    import polars as pl

    s: pl.DataFrame = summary  # type: ignore[assignment]
    cols = [c for c in s.columns if c != "benchmark" and s[c].null_count() < s.height]
    table = Table("", *[str(b) for b in s["benchmark"]], title="contamination, per benchmark")
    for c in cols:
        table.add_row(c, *["" if v is None else str(v) for v in s[c]])
    console.print(table)


@audit_app.command("scan")
def scan_cmd(
    benchmark: Annotated[
        list[str],
        typer.Option(
            "--benchmark", "-b", help="NAME, NAME=PATH or FILE:FIELD[:ANSWER_FIELD]; repeatable."
        ),
    ],
    corpus: Annotated[
        str,
        typer.Option(
            "--corpus", "-c", help="INPUT[:FIELD] (.jsonl, .jsonl.gz, .json, .parquet, .csv)."
        ),
    ],
    preset: Annotated[str, typer.Option(help="gpt3 | llama2 | tulu3 | gpt4 | semantic.")] = "gpt3",
    n: Annotated[
        int | None, typer.Option("--n", help="Override the preset's n-gram length.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Write contamination rows to OUT.parquet (items to OUT.items.parquet)."),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(help="Write benchmark_items and contamination into this DuckDB file."),
    ] = None,
    into_existing: Annotated[
        bool,
        typer.Option(
            "--into-existing", help="With --db: replace the two tables in an existing file."
        ),
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write a report: .md (Markdown) or .html (with a chart).")
    ] = None,
    shard_rows: Annotated[
        int, typer.Option(help="Records per shard (memory = index + one shard).")
    ] = 20_000,
    limit_items: Annotated[
        int | None, typer.Option(help="Read at most this many items per benchmark.")
    ] = None,
    id_field: Annotated[
        str | None,
        typer.Option(
            "--id-field",
            help="Corpus field kept as `source_id` (default: id, _id, uid or task_id if present).",
        ),
    ] = None,
    background: Annotated[
        str,
        typer.Option(
            help="Commonness background: stdlib (default), none, or a .npz from `audit background`; "
            "matches made only of common spans become common_only."
        ),
    ] = "stdlib",
    top_k: Annotated[int, typer.Option(help="semantic: nearest records kept per item.")] = 5,
    min_cosine: Annotated[
        float, typer.Option(help="semantic: candidates below this cosine are discarded.")
    ] = 0.6,
    judge: Annotated[
        str | None,
        typer.Option(help="semantic: local folder of a causal LM asked to judge each candidate."),
    ] = None,
    encoder: Annotated[
        str | None,
        typer.Option(help="semantic: sentence-transformers folder (default: shipped MiniLM)."),
    ] = None,
    embed_cache: Annotated[
        str | None,
        typer.Option(help="semantic: folder caching embeddings by text hash (re-scans are fast)."),
    ] = None,
) -> None:
    """Scan a corpus for benchmark items: one row per (item, record) hit, with coverage and spans.

    Example: cleanroom audit scan --benchmark humaneval --corpus data/code.json --preset gpt3 --out hits.parquet
    """
    if preset != "semantic" and "numpy" not in sys.modules:
        # the n-gram scan does no linear algebra: OpenBLAS's thread pool (started by NumPy's
        # import) would only spin, ~0.09 s of CPU (issue 19); a value the user set is kept
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with imports_without_gc():  # the modules a scan loads (issue 19)
        import audit.background  # noqa: F401
        import audit.jsonl_tokens  # noqa: F401
        from audit.benchmarks import check_benchmark_arg, load_benchmark
        from audit.presets import get_preset
        from audit.scan import corpus_shards, iter_corpus, parse_corpus_arg, scan
        from curate.core.errors import ConfigError

    chosen = get_preset(preset).with_n(n)
    semantic = None
    if chosen.method == "semantic":
        from audit.semantic import SemanticOptions

        semantic = SemanticOptions(
            top_k=top_k,
            min_cosine=min_cosine,
            judge=judge,
            encoder=encoder,
            embed_cache=embed_cache,
        )
    if background not in ("stdlib", "none") and not Path(background).is_file():
        raise ConfigError(
            f"--background must be stdlib, none or a .npz file; {background} not found"
        )
    for b in benchmark:
        check_benchmark_arg(b)
    path, _ = parse_corpus_arg(corpus)
    if not Path(path).is_file():
        raise ConfigError(f"corpus file not found: {path}")
    if shard_rows < 1:
        raise ConfigError("--shard-rows must be at least 1")
    if db is not None and db.exists() and not into_existing:
        raise ConfigError(
            f"{db} exists; pass --into-existing to replace its benchmark_items and contamination tables"
        )
    items = [load_benchmark(b, limit=limit_items) for b in benchmark]
    from curate.core.progress import stage

    with stage("scanning") as status:
        bg = None
        if chosen.method != "semantic":
            from audit.background import get_background

            status.describe(f"background: {background}")
            bg = get_background(background)
        result = scan(
            items,
            # ids of the records a scan reports only (same ids); semantic embeds every record
            iter_corpus(corpus, shard_rows, id_field=id_field)
            if chosen.method == "semantic"
            else corpus_shards(
                corpus, shard_rows, id_field=id_field, tokens_only=chosen.method != "substring"
            ),
            chosen,
            progress=status.describe,
            semantic=semantic,
            background=bg,
        )
    print_summary(result.summary)
    st = result.stats
    console.print(
        f"scanned {st['records']} records ({st['bytes'] / 1e6:.1f} MB) in {st['scan_seconds']:.2f} s; "
        f"evidence {st['evidence_seconds']:.2f} s; {result.contamination.height} (item, record) pairs"
    )
    if out is None and db is None and report is None:
        return
    # the writers (and DuckDB) are imported only when something is written
    from audit.report import new_run_id, write_db, write_parquet, write_report

    run_id = new_run_id()
    if out is not None:
        for p in write_parquet(result, out, run_id):
            console.print(f"wrote {p}")
    if db is not None:
        console.print(f"wrote {write_db(result, db, run_id, into_existing=into_existing)}")
    if report is not None:
        console.print(f"wrote {write_report(result, report, corpus)}")


@audit_app.command("background")
def background_cmd(
    out: Annotated[Path, typer.Option(help="Write the table here (.npz).")],
    add: Annotated[
        list[str] | None,
        typer.Option(
            "--add",
            help="FILE[:FIELD] whose records are added as background documents; repeatable.",
        ),
    ] = None,
    stdlib: Annotated[
        bool, typer.Option(help="Include the Python standard library (code, docstrings, docs).")
    ] = True,
) -> None:
    """Build a commonness background (hashed 5-gram document frequencies) for --background.

    Example: cleanroom audit background --out bg.npz --add ../shared/data/mbpp/mbpp.jsonl:code
    """
    from audit.background import Background, _read, stdlib_documents
    from audit.scan import iter_corpus, parse_corpus_arg

    docs: list[str] = []
    meta: dict[str, object] = {"sources": []}
    if stdlib:
        files, digest = stdlib_documents()
        docs.extend(_read(files))
        meta["sources"].append(f"stdlib ({len(files)} files, digest {digest})")  # type: ignore[union-attr]
    for a in add or []:
        path, _ = parse_corpus_arg(a)
        if not Path(path).is_file():
            from curate.core.errors import ConfigError

            raise ConfigError(f"--add: file not found: {path}")
        k = 0
        for shard in iter_corpus(a):
            docs.extend(shard["text"].fill_null("").to_list())
            k += shard.height
        meta["sources"].append(f"{a} ({k} records)")  # type: ignore[union-attr]
    bg = Background.build(docs, meta=meta)
    bg.save(out)
    console.print(
        f"wrote {out}: {bg.docs} documents, {len(bg.hashes)} n-grams in >= 2 documents, "
        f"{int((bg.df >= bg.min_df).sum())} common (>= {bg.min_df})"
    )

"""``cleanroom curate``, ``cleanroom filter`` and ``cleanroom steps``: the pipeline commands."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from curate.cli.console import console
from curate.cli.summary import print_summary


def curate(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")],
    db: Annotated[
        Path | None, typer.Option(help="DuckDB file to write (default: the recipe's output.db).")
    ] = None,
    parquet_dir: Annotated[
        Path | None, typer.Option(help="Folder for Parquet copies of the mixtures.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output root: the DB, parquet/ and hf/ go under it together "
            "(default: the recipe's output paths; with --db, beside the DB).",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the resolved recipe and the plan; touch no data."),
    ] = False,
    reviews_db: Annotated[
        Path | None,
        typer.Option(help="Reviewer verdicts to obey (default: the recipe's output.reviews_db)."),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            help="Run shard by shard with state on disk: 'local' (process pool) or 'ray'. "
            "Default: in memory, unless the recipe sets shard_records or --resume is given."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes / Ray CPUs (default: the CPU count).")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Continue the run folder of an interrupted sharded run."),
    ] = False,
    run_dir: Annotated[
        Path | None,
        typer.Option(help="Run folder of a sharded run (default: <db folder>/runs/<recipe name>)."),
    ] = None,
    shard_records: Annotated[
        int | None, typer.Option(help="Records per shard (default: the recipe's, else 50000).")
    ] = None,
) -> None:
    """Run the whole pipeline: ingest, normalise, filter, dedup, mix, export.

    Example: cleanroom curate corpora/default.yaml --db out/cleanroom.duckdb
    Corpus scale: cleanroom curate big.yaml --engine local --workers 8 (then --resume after a crash)
    """
    from curate.run.recipe import dump_yaml, load_recipe, validate

    rec = load_recipe(recipe)
    if dry_run:
        plan = validate(rec, str(recipe))
        console.print(f"# resolved recipe (sha256 {rec.sha256()[:12]})")
        console.print(dump_yaml(rec), markup=False)
        print_plan(rec, plan)
        return
    from curate.core.progress import stage
    from curate.io.store import OutputPaths
    from curate.plugins import release_models
    from curate.run.export import export_run
    from curate.run.pipeline import run_curate

    o = rec.output
    paths = OutputPaths.resolve(o.db, o.parquet_dir, o.hf_dir, out=out, db_given=db)
    if parquet_dir is not None:
        paths = OutputPaths(paths.db, parquet_dir, paths.hf_dir)
    paths.check()  # before any data is read
    if engine is not None or resume or rec.shard_records is not None or shard_records is not None:
        from curate.cli.sharded import curate_sharded

        curate_sharded(
            rec,
            str(recipe),
            engine=engine or "local",
            workers=workers,
            resume=resume,
            run_dir=run_dir,
            shard_records=shard_records,
            paths=paths,
            reviews_db=reviews_db,
            console=console,
        )
        return
    # The pipeline draws its own bars (reading, steps, model scoring); then one for the writing.
    result = run_curate(rec, where=str(recipe), reviews_db=reviews_db)
    release_models()  # the export needs none; frees them before the `datasets` copy (peak RSS)
    with stage("writing DuckDB, Parquet and datasets copies", total=None, unit="files"):
        export_run(
            result,
            paths.db,
            paths.parquet_dir,
            paths.hf_dir,
            push_to_hub=rec.output.push_to_hub,
            hub_private=rec.output.hub_private,
        )
    print_summary(result, paths.db)


def filter_cmd(
    input: Annotated[
        Path, typer.Argument(help="Input file (.jsonl, .jsonl.gz, .json, .parquet, .csv).")
    ],
    recipe: Annotated[
        Path, typer.Option(help="Recipe YAML whose steps to run (its inputs are ignored).")
    ],
    out: Annotated[
        Path, typer.Option(help="Parquet file to write: every row with keep, drop_reason, scores.")
    ],
    layout: Annotated[
        str,
        typer.Option(
            help="Input layout (auto, text, alpaca, dolly, sharegpt, messages, prompt_completion)."
        ),
    ] = "auto",
    limit: Annotated[int | None, typer.Option(help="Read at most this many rows.")] = None,
) -> None:
    """Run a recipe's filters on one input and write every row with its decision and scores.

    Example: cleanroom filter data/alpaca.json --recipe corpora/default.yaml --out out/alpaca_filtered.parquet
    """
    from curate.io.store import write_parquet
    from curate.run.filtering import filter_recipe, run_filter

    rec = filter_recipe(recipe, input, layout=layout, limit=limit)

    result = run_filter(rec)  # draws its own bars (steps, model scoring)
    write_parquet(result.frame, out)
    kept = int(result.frame["keep"].sum())
    head = Table("rows", "kept", "dropped", "quarantined", title=f"cleanroom filter {input}")
    head.add_row(
        str(result.frame.height),
        str(kept),
        str(result.frame.height - kept),
        str(result.quarantine.height),
    )
    console.print(head)
    drops = Table("drop reason", "records", title="dropped, by reason")
    for reason, n in result.drops_by_reason().items():
        drops.add_row(reason, str(n))
    console.print(drops)
    for s in result.steps:
        console.print(f"{s.key}: {s.seconds:.2f}s, dropped {sum(s.dropped.values())}")
    if result.skipped:
        console.print(f"skipped dedup step(s): {', '.join(result.skipped)}")
    console.print(f"wrote {out}")


def steps() -> None:
    """List the registered steps with their kinds, parameters and drop reasons.

    Example: cleanroom steps
    """

    from curate.plugins import all_steps

    table = Table(
        "key", "kind", "parameters (default)", "drop reasons", "what it does", show_lines=False
    )
    for key, spec in all_steps().items():
        params = ", ".join(f"{f.name}={_default(f)}" for f in dataclasses.fields(spec.params))
        table.add_row(
            key,
            spec.kind,
            params,
            ", ".join(spec.reasons),
            spec.doc.splitlines()[0] if spec.doc else "",
        )
    console.print(table)


def _default(f: object) -> str:
    """A dataclass field's default as shown by ``cleanroom steps`` (``required`` when it has none)."""

    if f.default is not dataclasses.MISSING:  # type: ignore[attr-defined]
        return repr(f.default)  # type: ignore[attr-defined]
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[attr-defined]
        return repr(f.default_factory())  # type: ignore[attr-defined]
    return "required"


def print_plan(rec: object, plan: list) -> None:
    """The plan table of ``--dry-run``."""
    table = Table("#", "step", "kind", "applies to", "params", "can drop with")
    for i, ps in enumerate(plan, start=1):
        params = ", ".join(f"{k}={v!r}" for k, v in dataclasses.asdict(ps.params).items())
        table.add_row(
            str(i),
            ps.spec.key,
            ps.spec.kind,
            ",".join(ps.config.kinds or ("all",)),
            params,
            ", ".join(ps.spec.reasons),
        )
    console.print(table)
    inputs = Table("input", "location", "layout")
    for inp in rec.inputs:  # type: ignore[attr-defined]
        inputs.add_row(inp.name, inp.location, inp.layout)
    console.print(inputs)
    console.print("dry run: no data was read.")

"""The ``cleanroom`` command: a thin shell over the library.

Library errors become one clear message and an exit code (2: configuration or usage, 1: other);
a traceback only with ``--debug``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from curate.dedup.cli import dedup as _dedup_command
from curate.errors import CleanroomError

app = typer.Typer(
    name="cleanroom",
    help="Clean LLM training data and prove it: dedup, filters, quality scores, mixtures, contamination audit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_WIDTH = None if sys.stdout.isatty() else 120
console = Console(stderr=False, highlight=False, width=_WIDTH)
_DEBUG = {"on": False}
app.command(name="dedup")(_dedup_command)
from audit.cli import audit_app  # noqa: E402

app.add_typer(audit_app, name="audit")


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
) -> None:
    _DEBUG["on"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@app.command()
def curate(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")],
    db: Annotated[
        Path | None, typer.Option(help="DuckDB file to write (default: the recipe's output.db).")
    ] = None,
    parquet_dir: Annotated[
        Path | None, typer.Option(help="Folder for Parquet copies of the mixtures.")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the resolved recipe and the plan; touch no data."),
    ] = False,
    reviews_db: Annotated[
        Path | None,
        typer.Option(help="Reviewer verdicts to obey (default: the recipe's output.reviews_db)."),
    ] = None,
) -> None:
    """Run the whole pipeline: ingest, normalise, filter, dedup, mix, export.

    Example: cleanroom curate corpora/default.yaml --db out/cleanroom.duckdb
    """
    from curate.recipe import dump_yaml, load_recipe, validate

    rec = load_recipe(recipe)
    if dry_run:
        plan = validate(rec, str(recipe))
        console.print(f"# resolved recipe (sha256 {rec.sha256()[:12]})")
        console.print(dump_yaml(rec), markup=False)
        print_plan(rec, plan)
        return
    from curate.export import export_run
    from curate.pipeline import run_curate

    with console.status("curating…") as status:
        result = run_curate(
            rec, where=str(recipe), progress=lambda m: status.update(m), reviews_db=reviews_db
        )
        db_path = db or Path(rec.output.db)
        export_run(result, db_path, parquet_dir or Path(rec.output.parquet_dir), rec.output.hf_dir)
    print_summary(result, db_path)


@app.command("filter")
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
    from curate.filtering import filter_recipe, run_filter, write_parquet

    rec = filter_recipe(recipe, input, layout=layout, limit=limit)
    with console.status("filtering…") as status:
        result = run_filter(rec, progress=lambda m: status.update(m))
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


@app.command()
def steps() -> None:
    """List the registered steps with their kinds, parameters and drop reasons.

    Example: cleanroom steps
    """
    import dataclasses

    from curate.registry import all_steps

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
    import dataclasses

    if f.default is not dataclasses.MISSING:  # type: ignore[attr-defined]
        return repr(f.default)  # type: ignore[attr-defined]
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[attr-defined]
        return repr(f.default_factory())  # type: ignore[attr-defined]
    return "required"


def print_plan(rec: object, plan: list) -> None:
    """The plan table of ``--dry-run``."""
    table = Table("#", "step", "kind", "applies to", "params", "can drop with")
    for i, ps in enumerate(plan, start=1):
        import dataclasses

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


def print_summary(result: object, db_path: Path) -> None:
    """The run summary: counts, drops by reason, per-step time."""
    r = result  # RunResult
    head = Table(title=f"run {r.run_id}", show_header=True)  # type: ignore[attr-defined]
    for col in ("inputs", "kept", "dropped", "quarantined"):
        head.add_column(col, justify="right")
    head.add_row(str(r.inputs), str(r.kept), str(r.dropped), str(r.quarantine.height))  # type: ignore[attr-defined]
    console.print(head)
    drops = Table("drop reason", "records", title="dropped, by reason")
    for reason, n in r.drops_by_reason().items():  # type: ignore[attr-defined]
        drops.add_row(reason, str(n))
    console.print(drops)
    steps_t = Table("step", "kind", "dropped", "seconds", title="steps")
    for s in r.steps:  # type: ignore[attr-defined]
        steps_t.add_row(s.key, s.kind, str(sum(s.dropped.values())), f"{s.seconds:.2f}")
    console.print(steps_t)
    for line in r.notes.get("summary_lines", []):  # type: ignore[attr-defined]
        console.print(line)
    mix = ", ".join(f"{k}: {v.height} rows" for k, v in r.mixtures.items())  # type: ignore[attr-defined]
    console.print(f"mixtures: {mix}")
    console.print(f"wrote {db_path}")


from curate.quality.cli import quality_app  # noqa: E402

app.add_typer(quality_app, name="quality")
from curate.app.launch import app_command  # noqa: E402

app.command("app")(app_command)


def main() -> None:
    """Console-script entry point: run the app, turning library errors into exit codes."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        app(standalone_mode=False)
    except CleanroomError as e:
        if _DEBUG["on"]:
            raise
        print(f"error: {e}", file=sys.stderr)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # click usage errors
        import click

        if isinstance(e, click.exceptions.ClickException):
            e.show()
            sys.exit(2 if isinstance(e, click.UsageError) else e.exit_code)
        if _DEBUG["on"]:
            raise
        print(
            f"error: {type(e).__name__}: {e} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        sys.exit(1)


from curate.mix_cli import mix as _mix  # noqa: E402

app.command(name="mix")(_mix)
from curate.train_cli import eval_command, train_command  # noqa: E402

app.command(name="train")(train_command)
app.command(name="eval")(eval_command)

if __name__ == "__main__":
    main()

"""``cleanroom mix``: build a recipe's mixtures from an existing curation DB (no re-curation).

Registered on the app in :mod:`curate.cli.main`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from curate.cli.console import console


def mix(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML file (its `mixtures:` are built).")],
    db: Annotated[
        Path | None,
        typer.Option(help="Curation DB to read and update (default: the recipe's output.db)."),
    ] = None,
    parquet_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for mixture_<name>.parquet (default: output.parquet_dir)."),
    ] = None,
    hf_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for datasets.save_to_disk copies (default: output.hf_dir)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the mixtures' plan; read no data.")
    ] = False,
) -> None:
    """Build the recipe's mixtures from the kept records of a curated DB and export them.

    Replaces the DB's `mixtures`, `mixture_manifest`, `mixture_counts` tables and `mixture_<name>`
    views in one transaction, and writes Parquet and Hugging Face copies.

    Example: cleanroom mix corpora/default.yaml --db out/cleanroom.duckdb
    """
    from curate.io.store import OutputPaths
    from curate.lib.mixing.build import mix_from_db
    from curate.run.export import export_mixtures
    from curate.run.recipe import load_recipe

    rec = load_recipe(recipe)
    if dry_run:
        print_mixture_plan(rec)
        return
    o = rec.output
    paths = OutputPaths.resolve(o.db, o.parquet_dir, o.hf_dir, db_given=db)
    paths.check()
    db_path = paths.db
    from curate.core.progress import stage

    with stage("mixing"):
        run_id, frames, manifest, counts = mix_from_db(
            rec.mixtures,
            str(db_path),
            all_sources=rec.source_names(),
            seed=rec.seed,
            recipe_sha256=rec.sha256(),
        )
        export_mixtures(
            db_path,
            run_id,
            frames,
            manifest,
            counts,
            parquet_dir or paths.parquet_dir,
            hf_dir or paths.hf_dir,
            push_to_hub=rec.output.push_to_hub,
            hub_private=rec.output.hub_private,
        )
    print_mixtures(manifest, counts)
    console.print(f"wrote {db_path} (run {run_id})")


def print_mixtures(manifest: object, counts: object) -> None:
    """Per mixture: rows and tokens by split, source and template, and the hashes."""
    import polars as pl

    assert isinstance(manifest, pl.DataFrame) and isinstance(counts, pl.DataFrame)
    for m in manifest.iter_rows(named=True):
        t = Table("split", "source", "template", "rows", "tokens", title=f"mixture {m['mixture']}")
        for c in counts.filter(pl.col("mixture") == m["mixture"]).iter_rows(named=True):
            t.add_row(c["split"], c["source"], c["template_id"], str(c["rows"]), str(c["tokens"]))
        console.print(t)
        console.print(
            f"{m['mixture']}: {m['train_rows']} train / {m['validation_rows']} validation rows, "
            f"{m['tokens']} tokens ({m['n_tokens_method']}); mixture_sha256 {m['mixture_sha256'][:16]}, "
            f"parquet_sha256 {m['parquet_sha256'][:16]}"
        )
        print_categories(m["mixture"], m["detail"])


def print_categories(name: str, detail_json: str | None) -> None:
    """A mixture's task-category distribution beside its target, the distance, and warnings."""
    import json

    cats = (json.loads(detail_json) if detail_json else {}).get("categories")
    if not cats:
        return
    target, actual = cats["target"], cats["actual"]
    planned = cats.get("planned") or cats["effective_target"]
    t = Table(
        "category",
        "target %",
        "planned %",
        "actual %",
        "gap (points)",
        title=f"mixture {name}: task categories (target {cats['spec']})",
    )
    for c, share in actual.items():
        if c not in target and not share:
            continue
        want = target.get(c, 0.0)
        t.add_row(
            c,
            f"{100 * want:.1f}",
            f"{100 * planned.get(c, 0.0):.1f}",
            f"{100 * share:.1f}",
            f"{100 * (share - want):+.1f}",
        )
    console.print(t)
    d_t = cats["distance_to_target"]
    d_e = cats.get("distance_to_planned") or cats["distance_to_effective"]
    console.print(
        f"{name}: {cats['total']} train rows chosen by category (labels from {cats['labels']}); "
        f"distance to the target: max {d_t['max_abs_points']} points, total variation "
        f"{d_t['tv_points']} points; to the planned shares (the target over what the sources hold): max "
        f"{d_e['max_abs_points']} points"
        + (f"; the total is limited by {cats['limited_by']}" if cats.get("limited_by") else "")
    )
    for w in cats["warnings"]:
        console.print(f"[yellow]warning[/yellow] {name}: {w}")


def print_mixture_plan(rec: object) -> None:
    """Per mixture and source: templates (families expanded), size key, cap; then rate and total."""
    from curate.lib.mixing.templates import load_templates
    from curate.run.recipe import Recipe

    assert isinstance(rec, Recipe)
    for m in rec.mixtures:
        lib = load_templates(m.template_files)
        t = Table("source", "templates", "size", "cap", "max_repeats", title=f"mixture {m.name}")
        for sp in m.source_specs(rec.source_names()):
            ids = [x.id for x in lib.resolve(m.templates_of(sp), m.name)]
            size = next(
                (
                    f"{k}: {getattr(sp, k)}"
                    for k in ("count", "fraction", "weight")
                    if getattr(sp, k) is not None
                ),
                "holdout" if sp.source in m.holdout_sources else f"rate ({m.rate})",
            )
            cap = m.cap_of(sp)
            t.add_row(
                sp.source,
                ", ".join(ids),
                size,
                "-" if cap is None else str(cap),
                str(m.repeats_of(sp)),
            )
        console.print(t)
        total = (
            "every row up to the cap"
            if m.total is None
            else (
                f"{m.total.examples} examples"
                if m.total.examples is not None
                else f"{m.total.tokens} tokens"
            )
        )
        val = (
            "none"
            if m.validation is None
            else (
                f"{m.validation.fraction} of each source"
                if m.validation.fraction is not None
                else f"{m.validation.count} rows per source"
            )
        )
        console.print(
            f"{m.name}: rate {m.rate}"
            + (f" (T = {m.temperature})" if m.temperature else "")
            + f"; total {total}; validation {val}; near_dup_threshold {m.near_dup_threshold}; "
            f"seed {m.seed if m.seed is not None else rec.seed}; tokens "
            f"{'tokenizer ' + m.tokenizer if m.tokenizer else 'estimate ceil(chars/4)'}; render {m.render}"
        )
        if m.categories is not None:
            console.print(f"{m.name}: rows chosen by task category, target {m.categories}")
    console.print("dry run: no data was read.")

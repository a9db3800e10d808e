"""The run summary printed by ``cleanroom curate`` (both engines)."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from curate.cli.console import console


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

"""Copy the tables the benches wrote (``bench/results/<name>.md``) into the docs that quote them.

A doc quotes a bench with a marked block; this replaces the block's body with the current
table, so the docs state what the last ``make bench`` measured:

    <!-- bench:audit_cli_speed -->
    ...table from bench/results/audit_cli_speed.md...
    <!-- /bench -->

Example: ``python bench/_quote.py`` -> ``docs/AUDIT.md: audit_cli_speed`` for each block filled.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(<!-- bench:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /bench -->)", re.S)


def quote(doc: Path, results: Path) -> list[str]:
    """Fill every marked block of ``doc`` whose table exists; the names filled."""
    text = doc.read_text(encoding="utf-8")
    filled: list[str] = []

    def fill(m: re.Match[str]) -> str:
        table = results / f"{m['name']}.md"
        if not table.is_file():
            return m[0]
        filled.append(m["name"])
        body = table.read_text(encoding="utf-8").split("\n", 2)[2]  # drop the "## title" line
        return m[1] + body.strip() + "\n" + m[4]

    new = BLOCK.sub(fill, text)
    if new != text:
        doc.write_text(new, encoding="utf-8")
    return filled


def main() -> None:
    for doc in sorted((ROOT / "docs").glob("*.md")):
        for name in quote(doc, ROOT / "bench" / "results"):
            print(f"{doc.relative_to(ROOT)}: {name}")


if __name__ == "__main__":
    main()

"""Build curation DBs for the review-app tests and bench: a real skeleton run plus an audit.

The run is the walking skeleton's ``run_curate`` + ``export_run`` on generated inputs (instruction
rows with exact duplicates, empty outputs and a malformed line; documents), then
``benchmark_items`` and ``contamination`` rows are added the way the audit step will write them:
word n-gram matches with character spans into both texts. The scan here is a plain-Python
reference (a dict of item n-grams), good for fixtures, not the audit's implementation.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from curate.core.schemas import CONTAMINATION_SCHEMA
from curate.io.store import query_frame
from curate.run.export import export_run
from curate.run.pipeline import run_curate
from curate.run.recipe import load_recipe

# Debian's Chromium as the browser tests and bench/app_open.py start it (no downloaded browser;
# the network flags keep it from calling out of this closed machine).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


WORD = re.compile(r"\w+", re.UNICODE)

BENCH_ITEMS = [
    (
        "gsm8k",
        "test",
        "gsm8k/0",
        "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?",
        "18",
    ),
    (
        "gsm8k",
        "test",
        "gsm8k/1",
        "A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts in total does it take to make the robe and ship it to the customer on time?",
        "3",
    ),
    (
        "gsm8k",
        "test",
        "gsm8k/2",
        "Josh decides to try flipping a house. He buys a house for $80,000 and then puts in $50,000 in repairs. This increased the value of the house by 150%. How much profit did he make?",
        "70000",
    ),
    (
        "gsm8k",
        "test",
        "gsm8k/3",
        "James decides to run 3 sprints 3 times a week. He runs 60 meters each sprint. How many total meters does he run a week?",
        "540",
    ),
    (
        "humaneval",
        "test",
        "HumanEval/0",
        'from typing import List\n\ndef has_close_elements(numbers: List[float], threshold: float) -> bool:\n    """ Check if in given list of numbers, are any two numbers closer to each other than given threshold.\n    >>> has_close_elements([1.0, 2.0, 3.0], 0.5)\n    False\n    """',
        "    for idx, elem in enumerate(numbers):\n        for idx2, elem2 in enumerate(numbers):\n            if idx != idx2:\n                distance = abs(elem - elem2)\n                if distance < threshold:\n                    return True\n\n    return False",
    ),
    (
        "humaneval",
        "test",
        "HumanEval/99",
        "<script>alert('x')</script> **not bold** <b>raw html</b> $x^2$ :red[not red] and the rest of this adversarial prompt text stays literal text on the page",
        "`code`",
    ),
]
TOPICS = [
    "photosynthesis",
    "the water cycle",
    "binary search",
    "the French revolution",
    "compound interest",
    "plate tectonics",
    "vaccines",
    "recursion",
    "supply and demand",
    "the immune system",
]
VERBS = ["Explain", "Summarise", "Describe", "Give three facts about", "Write a short note on"]


@dataclass
class Fixture:
    """A built curation DB and what was planted in it."""

    db: Path
    reviews_db: Path
    recipe: Path
    contaminated: dict[str, list[str]] = field(default_factory=dict)  # item_id -> record ids


def _instruction_rows(n: int, rng: random.Random) -> list[dict]:
    rows = []
    for i in range(n):
        t = TOPICS[i % len(TOPICS)]
        v = VERBS[(i // len(TOPICS)) % len(VERBS)]
        words = " ".join(
            rng.choice(
                [
                    "light",
                    "energy",
                    "cells",
                    "water",
                    "market",
                    "value",
                    "growth",
                    "layer",
                    "signal",
                    "order",
                ]
            )
            for _ in range(rng.randint(12, 60))
        )
        rows.append(
            {
                "instruction": f"{v} {t} (case {i}).",
                "input": "",
                "output": f"Here is an answer about {t}: {words}.",
            }
        )
    return rows


def write_inputs(
    folder: Path, n_instructions: int = 40, n_documents: int = 12, seed: int = 0
) -> tuple[Path, dict[str, str]]:
    """Write instruction and document inputs with planted contamination; return the recipe path
    and ``{item_id: planted text}`` for the benchmark items planted verbatim."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = _instruction_rows(n_instructions, rng)
    rows.append(dict(rows[0]))  # exact duplicate
    rows.append(dict(rows[1]))
    rows.append({"instruction": "Say nothing.", "input": "", "output": ""})  # empty response
    planted = {}
    for k, (_bench, _split, item_id, text, answer) in enumerate(BENCH_ITEMS):
        if item_id == "gsm8k/3":
            continue  # an item nobody matches
        rows.append(
            {
                "instruction": f"Solve this problem step by step. {text}",
                "input": "",
                "output": f"The answer is {answer}. Step {k}: reason it out carefully before you write the final number.",
            }
        )
        planted[item_id] = text
        if item_id == "gsm8k/0":  # a second, partial copy (first half of the item)
            half = " ".join(text.split()[: len(text.split()) // 2 + 4])
            rows.append(
                {
                    "instruction": "Continue the story.",
                    "input": half,
                    "output": "and then everybody went home happy after a very long day at the market.",
                }
            )
    with open(folder / "instructions.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
        fh.write('{"instruction": "broken", "output": \n')  # quarantined
        fh.write("<not json at all> **markdown** too\n")
    with open(folder / "docs.jsonl", "w", encoding="utf-8") as fh:
        for i in range(n_documents):
            words = " ".join(
                rng.choice(
                    ["river", "stone", "city", "north", "trade", "winter", "harbour", "guild"]
                )
                for _ in range(rng.randint(30, 120))
            )
            fh.write(json.dumps({"text": f"Document {i}. {words}."}) + "\n")
        fh.write(
            json.dumps({"text": "Quiz night notes: " + BENCH_ITEMS[2][3] + " Answers next week."})
            + "\n"
        )
    recipe = folder / "recipe.yaml"
    recipe.write_text(
        "version: 1\nname: app-fixture\ninputs:\n  - {name: instructions, path: instructions.jsonl}\n"
        "  - {name: web, path: docs.jsonl}\nsteps:\n  - step: normalise_v1\n  - step: length_filter_v1\n"
        "    params: {min_words: 3}\n  - step: exact_dedup_v1\nmixtures:\n  - name: default\n",
        encoding="utf-8",
    )
    return recipe, planted


def ngram_spans(text: str, n: int) -> list[tuple[tuple[str, ...], int, int]]:
    """Word n-grams of ``text`` (lower-cased) with their character span.

    Example: ``ngram_spans("A b c", 2)`` -> ``[(("a", "b"), 0, 3), (("b", "c"), 2, 5)]``.
    """
    toks = [(m.group().lower(), m.start(), m.end()) for m in WORD.finditer(text or "")]
    return [
        (tuple(t[0] for t in toks[i : i + n]), toks[i][1], toks[i + n - 1][2])
        for i in range(len(toks) - n + 1)
    ]


def scan_contamination(
    records: pl.DataFrame, items: pl.DataFrame, n: int = 8, preset: str = "fixture_ngram"
) -> pl.DataFrame:
    """Reference n-gram scan: one row per (item part, record) sharing a word ``n``-gram.

    Like the audit, an item's question (``part = "text"``) and answer (``part = "answer"``) are
    scanned as separate units; item spans index the part's own text.
    """
    units = pl.concat(
        [
            items.select("benchmark", "item_id", pl.col("text").alias("unit"), part=pl.lit("text")),
            items.select(
                "benchmark", "item_id", pl.col("answer").alias("unit"), part=pl.lit("answer")
            ),
        ]
    ).filter(pl.col("unit").is_not_null())
    index: dict[tuple[str, ...], list[int]] = {}
    item_grams = []
    for k, it in enumerate(units.iter_rows(named=True)):
        grams = ngram_spans(it["unit"], n)
        item_grams.append(grams)
        for g, _a, _b in grams:
            index.setdefault(g, []).append(k)
    rows = []
    for rec in records.iter_rows(named=True):
        hits: dict[int, list[tuple[int, int, tuple[str, ...], int]]] = {}
        for pos, (g, a, b) in enumerate(ngram_spans(rec["text"], n)):
            for k in set(index.get(g, ())):
                hits.setdefault(k, []).append((a, b, g, pos))
        for k, matches in hits.items():
            it = units.row(k, named=True)
            grams = {g for _a, _b, g, _p in matches}
            item_spans = [[a, b] for g, a, b in item_grams[k] if g in grams]
            distinct = len({g for g, _, _ in item_grams[k]})
            positions = sorted({p for _, _, _, p in matches})
            longest = run = 1
            for p, q in zip(positions, positions[1:], strict=False):
                run = run + 1 if q == p + 1 else 1
                longest = max(longest, run)
            rows.append(
                {
                    "benchmark": it["benchmark"],
                    "item_id": it["item_id"],
                    "id": rec["id"],
                    "preset": preset,
                    "n": n,
                    "matched_ngrams": len(grams),
                    "coverage": len(grams) / max(1, distinct),
                    "longest_match": longest + n - 1,
                    "spans": json.dumps(
                        {"item": item_spans, "record": [[a, b] for a, b, _, _ in matches]}
                    ),
                    "verdict": "flagged",
                    "part": it["part"],
                }
            )
    schema = (
        {c: t for c, t in CONTAMINATION_SCHEMA.items() if c in rows[0]}
        if rows
        else CONTAMINATION_SCHEMA
    )
    return pl.DataFrame(rows, schema=schema)


def add_audit(db: Path, items: pl.DataFrame, n: int = 8, score: bool = True) -> pl.DataFrame:
    """Add ``benchmark_items``, ``contamination`` (and a ``fixture__score`` column) to a curation DB."""
    with duckdb.connect(str(db)) as con:
        run_id = query_frame(con, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")[
            "run_id"
        ][0]
        records = query_frame(con, "SELECT id, text FROM records WHERE run_id = ?", [run_id])
        cont = scan_contamination(records, items, n).select(
            pl.lit(run_id).alias("run_id"), pl.all()
        )
        con.execute("DELETE FROM benchmark_items")
        con.execute("DELETE FROM contamination")
        con.execute("ALTER TABLE contamination ADD COLUMN IF NOT EXISTS part VARCHAR")
        con.register("_items", items.to_arrow())
        con.execute(
            "INSERT INTO benchmark_items SELECT benchmark, split, item_id, text, answer FROM _items"
        )
        con.register("_cont", cont.to_arrow())
        con.execute("INSERT INTO contamination BY NAME SELECT * FROM _cont")
        if score:
            con.execute("ALTER TABLE records ADD COLUMN IF NOT EXISTS fixture__score DOUBLE")
            con.execute("UPDATE records SET fixture__score = (hash(id) % 1000) / 1000.0")
        con.execute("CHECKPOINT")
    return cont


def bench_items_frame(items: list[tuple] = BENCH_ITEMS) -> pl.DataFrame:
    return pl.DataFrame(
        items, schema=["benchmark", "split", "item_id", "text", "answer"], orient="row"
    )


def build(
    folder: Path, n_instructions: int = 40, n_documents: int = 12, reviews_db: Path | None = None
) -> Fixture:
    """Run curate on generated inputs, export to ``folder/cleanroom.duckdb`` and add the audit tables."""
    recipe, _planted = write_inputs(folder / "inputs", n_instructions, n_documents)
    reviews_db = reviews_db or folder / "reviews.duckdb"
    result = run_curate(load_recipe(recipe), reviews_db=reviews_db)
    db = export_run(result, folder / "cleanroom.duckdb", None)
    cont = add_audit(db, bench_items_frame(), n=8)
    contaminated: dict[str, list[str]] = {}
    for r in cont.sort("coverage", descending=True).iter_rows(named=True):
        contaminated.setdefault(r["item_id"], []).append(r["id"])
    return Fixture(db, reviews_db, recipe, contaminated)

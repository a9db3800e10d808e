"""A small corpus for mixture tests: alpaca-like, GSM8K-style QA, multiple choice, a
Natural-Instructions task and documents, with distinct texts (no accidental near-duplicates)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.conftest import write_jsonl, write_recipe

_ALPHA = "abcdefghijklmnopqrstuvwxyz"


def words(rng: random.Random, n: int) -> str:
    """n random 4-9 letter words: texts that share no 5-grams by chance."""
    return " ".join("".join(rng.choice(_ALPHA) for _ in range(rng.randint(4, 9))) for _ in range(n))


def make_corpus(
    tmp: Path,
    n_alpaca: int = 60,
    n_qa: int = 40,
    n_mc: int = 20,
    n_ni: int = 50,
    n_docs: int = 20,
    seed: int = 0,
) -> dict[str, Path]:
    rng = random.Random(seed)
    alpaca = [
        {
            "instruction": f"Explain {words(rng, 6)}.",
            "input": words(rng, 4) if i % 2 else "",
            "output": words(rng, 20),
        }
        for i in range(n_alpaca)
    ]
    qa = []
    for i in range(n_qa):
        a, b = rng.randint(2, 50), rng.randint(2, 50)
        qa.append(
            {
                "question": f"{words(rng, 5)} has {a} {words(rng, 1)} and gets {b} more. How many now? ({i})",
                "answer": f"{a} + {b} = <<{a}+{b}={a + b}>>{a + b}\n#### {a + b}",
            }
        )
    mc = [
        {
            "question": f"Which is {words(rng, 4)}?",
            "choices": [words(rng, 2) for _ in range(4)],
            "answer": rng.choice("ABCD"),
        }
        for _ in range(n_mc)
    ]
    labels = ["yes", "no", "maybe"]
    ni = {
        "Definition": ["Decide whether the statement is true. Answer yes, no or maybe."],
        "Positive Examples": [
            {"input": f"Statement: {words(rng, 8)}", "output": labels[k], "explanation": "because"}
            for k in range(3)
        ],
        "Negative Examples": [],
        "Instances": [
            {
                "id": f"task999-{i}",
                "input": f"Statement: {words(rng, 8)}",
                "output": [rng.choice(labels)],
            }
            for i in range(n_ni)
        ],
    }
    docs = [{"text": words(rng, 40)} for _ in range(n_docs)]
    paths = {
        "alpaca": write_jsonl(tmp / "alpaca.jsonl", alpaca),
        "qa": write_jsonl(tmp / "qa.jsonl", qa),
        "mc": write_jsonl(tmp / "mc.jsonl", mc),
        "docs": write_jsonl(tmp / "docs.jsonl", docs),
    }
    ni_path = tmp / "task999_statements.json"
    ni_path.write_text(json.dumps(ni), encoding="utf-8")
    paths["ni"] = ni_path
    return paths


INPUTS = """inputs:
  - {{name: alpaca, path: {alpaca}}}
  - {{name: qa, path: {qa}, layout: alpaca, fields: {{instruction: question, output: answer}}}}
  - {{name: mc, path: {mc}, layout: alpaca, fields: {{instruction: question, output: answer}}}}
  - {{name: ni, path: {ni}}}
  - {{name: docs, path: {docs}}}
"""

DEFAULT_MIX = """mixtures:
  - name: sft
    sources:
      - {source: alpaca, templates: [instruction]}
      - {source: qa, templates: [qa]}
      - {source: mc, templates: [multiple_choice]}
      - {source: ni, templates: [natural_instructions]}
    validation: {fraction: 0.2}
"""


def make_recipe(
    tmp: Path,
    mixtures: str = DEFAULT_MIX,
    steps: str = "steps:\n  - step: normalise_v1\n  - step: exact_dedup_v1\n",
    paths: dict[str, Path] | None = None,
    name: str = "r.yaml",
    extra: str = "",
) -> Path:
    paths = paths or make_corpus(tmp)
    out = f"output: {{db: {tmp / 'out' / 'c.duckdb'}, parquet_dir: {tmp / 'out' / 'parquet'}, hf_dir: {tmp / 'out' / 'hf'}}}\n"
    body = (
        "version: 1\nname: mixtest\n"
        + INPUTS.format(**{k: str(v) for k, v in paths.items()})
        + steps
        + mixtures
        + out
        + extra
    )
    return write_recipe(tmp / name, body)

"""Build a large JSONL corpus from ``../shared/data`` texts for the CLI benchmarks (never committed).

The corpus is alpaca-layout JSONL (``instruction``, ``input``, ``output``), as a user would feed
``cleanroom audit scan`` or ``cleanroom dedup``: the Alpaca and CodeAlpaca records, plus the web
pages (Chinese and Russian: the non-ASCII part) cut into paragraph chunks as ``output`` of a
"Summarise" instruction. Records repeat until the file reaches ``--mb``; each repeat gets a
distinct short suffix on its instruction so ids stay unique, and 1 record in 400 has a GSM8K
question appended (planted contamination, so the scans have hits to agree on).

Example: ``python bench/_corpus.py --mb 320`` -> ``/tmp/cleanroom_bench/corpus_320mb.jsonl``
"""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

DATA = Path(
    os.environ.get(
        "CLEANROOM_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)
CACHE = Path(os.environ.get("CLEANROOM_BENCH_CACHE", "/tmp/cleanroom_bench"))


def base_records() -> list[dict[str, str]]:
    """The real records the corpus repeats: Alpaca, CodeAlpaca and web-page chunks."""
    recs: list[dict[str, str]] = []
    for f in ("alpaca/alpaca_5000.json", "codealpaca/new_codealpaca.json"):
        for r in json.loads((DATA / f).read_text(encoding="utf-8")):
            recs.append(
                {
                    "instruction": r["instruction"],
                    "input": r.get("input", ""),
                    "output": r["output"],
                }
            )
    for page in sorted((DATA / "web_pages").glob("*.txt")):
        paras = [p for p in page.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        for k in range(0, len(paras), 3):
            recs.append(
                {
                    "instruction": "Summarise this passage.",
                    "input": "",
                    "output": "\n\n".join(paras[k : k + 3]),
                }
            )
    return recs


def gsm8k_questions() -> list[str]:
    """GSM8K test questions (the planted items)."""
    path = DATA / "gsm8k" / "test.jsonl"
    return [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]


def build(mb: int) -> Path:
    """Write (once) and return the corpus file of about ``mb`` MB."""
    out = CACHE / f"corpus_{mb}mb.jsonl"
    if out.is_file():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    recs = base_records()
    questions = gsm8k_questions()
    rng = random.Random(0)
    target = mb * 1_000_000
    size = 0
    n = 0
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        rep = 0
        while size < target:
            order = list(range(len(recs)))
            rng.shuffle(order)
            for i in order:
                r = dict(recs[i])
                if rep:
                    r["instruction"] = f"{r['instruction']} (v{rep})"
                if n % 400 == 0:
                    r["output"] = r["output"] + "\n\n" + rng.choice(questions)
                line = json.dumps(r, ensure_ascii=False) + "\n"
                fh.write(line)
                size += len(line.encode("utf-8"))
                n += 1
                if size >= target:
                    break
            rep += 1
    tmp.rename(out)
    return out


def available() -> bool:
    """True when the real data this corpus is built from is present."""
    return (DATA / "alpaca" / "alpaca_5000.json").is_file() and (
        DATA / "codealpaca" / "new_codealpaca.json"
    ).is_file()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=320)
    print(build(ap.parse_args().mb))

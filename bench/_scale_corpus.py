"""Corpora for ``bench/scale.py``: real texts from ``../shared/data`` with planted duplicates.

How a corpus is built (seeded, so a size always gives the same file; a smaller corpus is the
prefix of a larger one, read with the recipe's ``limit:``):

1. A *sentence pool* is cut from every real text in ``../shared/data`` (Alpaca, CodeAlpaca,
   GSM8K, BIG-Bench-Hard, MBPP, Super-NaturalInstructions instances): split at sentence ends and
   line breaks, 4-60 words, distinct.
2. Each record is drawn, in order, as one of:

   - ``unique`` (62 %): an Alpaca-layout record whose instruction is 1 pool sentence and whose
     output is 3-8 pool sentences (new combinations of real sentences: unrelated to the others);
   - ``document`` (8 %): a text-layout record of 8-32 pool sentences in 2-4 paragraphs, written
     to a second file (``<name>.docs.jsonl``: a file has one layout);
   - ``template`` (10 %): a real Super-NaturalInstructions instance with its task's Definition in
     front (``Definition: ... Input: ...``): template-heavy, as NI-style mixtures are;
   - ``exact`` (10 %): a copy of an earlier unique record, with its whitespace and case changed
     (same ``dedup_key``: an exact duplicate);
   - ``near`` (10 %): a copy of an earlier unique record with one or two words of the output
     replaced (word 5-gram Jaccard about 0.7-0.9).

The planted counts are written beside the corpus (``<name>.planted.json``), and each record's
kind, one byte per record, in ``<name>.kinds`` (for the counts of a prefix).
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

# ../shared/data next to the repository; CLEANROOM_SHARED_DATA points elsewhere (a git worktree).
SHARED = Path(
    os.environ.get("CLEANROOM_SHARED_DATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "data"
)
KINDS = (("unique", 0.62), ("document", 0.08), ("template", 0.10), ("exact", 0.10), ("near", 0.10))
_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def _texts() -> tuple[list[str], list[tuple[str, str, str]]]:
    """Every real text, and NI instances as (definition, input, output)."""
    texts: list[str] = []
    ni: list[tuple[str, str, str]] = []
    for f in ("alpaca/alpaca_5000.json", "codealpaca/new_codealpaca.json"):
        for r in json.loads((SHARED / f).read_text()):
            texts += [str(r.get(k) or "") for k in ("instruction", "input", "output")]
    for line in (SHARED / "gsm8k/test.jsonl").read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            texts += [r["question"], r["answer"]]
    for line in (SHARED / "mbpp/mbpp.jsonl").read_text().splitlines():
        if line.strip():
            texts.append(json.loads(line).get("text", ""))
    for f in sorted((SHARED / "bbh").glob("*.json")):
        texts += [e["input"] for e in json.loads(f.read_text())["examples"]]
    for f in sorted((SHARED / "natural_instructions").glob("*.json")):
        task = json.loads(f.read_text())
        definition = task["Definition"]
        definition = " ".join(definition) if isinstance(definition, list) else str(definition)
        for inst in task["Instances"]:
            out = inst["output"][0] if isinstance(inst["output"], list) else str(inst["output"])
            ni.append((definition, inst["input"], out))
            texts.append(inst["input"])
    return texts, ni


def sentence_pool(texts: list[str]) -> list[str]:
    """Distinct sentences of 4-60 words, in first-seen order."""
    seen: dict[str, None] = {}
    for t in texts:
        for s in _SPLIT.split(t):
            s = s.strip()
            if 4 <= len(s.split()) <= 60:
                seen.setdefault(s, None)
    return list(seen)


def build(path: Path, n: int, seed: int = 13) -> dict[str, int]:
    """Write ``n`` records as JSONL at ``path``; returns the planted counts by kind."""
    rng = random.Random(seed)
    texts, ni = _texts()
    pool = sentence_pool(texts)
    names = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    uniques: list[dict[str, str]] = []
    counts = dict.fromkeys(names, 0)
    ni_at = 0
    kinds = bytearray()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    docs = docs_path(path)
    tmp_docs = docs.with_name(docs.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh, tmp_docs.open("w", encoding="utf-8") as fd:
        for _ in range(n):
            kind = rng.choices(names, weights)[0]
            if kind in ("exact", "near") and not uniques:
                kind = "unique"
            if kind == "unique":
                rec = {
                    "instruction": rng.choice(pool),
                    "input": "",
                    "output": " ".join(rng.choices(pool, k=rng.randint(3, 8))),
                }
                uniques.append(rec)
            elif kind == "document":
                paras = [
                    " ".join(rng.choices(pool, k=rng.randint(4, 8)))
                    for _ in range(rng.randint(2, 4))
                ]
                rec = {"text": "\n\n".join(paras)}
            elif kind == "template":
                d, i, o = ni[ni_at % len(ni)]
                ni_at += 1
                rec = {"instruction": f"Definition: {d}\n\nInput: {i}", "input": "", "output": o}
            elif kind == "exact":
                src = rng.choice(uniques)
                rec = {
                    "instruction": "  " + src["instruction"].upper() + " ",
                    "input": "",
                    "output": src["output"].replace(" ", "  ", 3),
                }
            else:
                src = rng.choice(uniques)
                words = src["output"].split()
                for _ in range(rng.randint(1, 2)):
                    words[rng.randrange(len(words))] = rng.choice(
                        ("indeed", "also", "thus", "then")
                    )
                rec = {"instruction": src["instruction"], "input": "", "output": " ".join(words)}
            counts[kind] += 1
            kinds.append(names.index(kind))
            (fd if kind == "document" else fh).write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.replace(path)
    tmp_docs.replace(docs)
    path.with_name(path.name + ".kinds").write_bytes(bytes(kinds))
    return counts


def ensure(path: Path, n: int) -> dict[str, int]:
    """Build the corpus unless a file of ``n`` records with its counts is already there."""
    meta = path.with_name(path.stem + ".planted.json")
    if path.exists() and meta.exists():
        got = json.loads(meta.read_text())
        if got.get("records") == n:
            return got["planted"]
    counts = build(path, n)
    meta.write_text(json.dumps({"records": n, "planted": counts}, indent=1))
    return counts


def docs_path(path: Path) -> Path:
    """The documents' file beside a corpus (a file has one layout): ``x.jsonl`` -> ``x.docs.jsonl``."""
    return path.with_name(path.stem + ".docs.jsonl")


def planted_prefix(path: Path, n: int) -> dict[str, int]:
    """Planted counts of the first ``n`` records (from the one-byte-per-record kinds file)."""
    kinds = path.with_name(path.name + ".kinds").read_bytes()[:n]
    return {name: kinds.count(i) for i, (name, _) in enumerate(KINDS)}

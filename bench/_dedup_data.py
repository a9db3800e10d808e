"""Real text for the dedup benchmarks, and planted edits at known rates.

Reads ``../shared/data`` (relative to the repository root): Alpaca outputs, GSM8K questions,
CodeAlpaca code, BIG-Bench-Hard inputs, MBPP, Super-NaturalInstructions instances and five
scraped web pages (Chinese and Russian, cut into ~400-character chunks). Edits are made on words
(whitespace-separated) or, for text with CJK characters, on characters.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

DATA = Path(
    os.environ.get(
        "CLEANROOM_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_SENT = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


def require_data() -> Path:
    if not DATA.is_dir():
        sys.exit(
            f"benchmark data not found at {DATA} (expected ../shared/data next to the repository)"
        )
    return DATA


def _web_chunks(size: int = 400) -> list[str]:
    out = []
    for path in sorted(glob.glob(str(DATA / "web_pages" / "*.txt"))):
        lines = [
            ln.strip() for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()
        ]
        buf = ""
        for ln in lines:
            buf = f"{buf}\n{ln}" if buf else ln
            if len(buf) >= size:
                out.append(buf)
                buf = ""
    return out


def sources(min_words: int = 15) -> dict[str, list[str]]:
    """Distinct real texts by source (at least ``min_words`` words, or 4x as many characters for CJK)."""
    require_data()
    alpaca = json.loads((DATA / "alpaca" / "alpaca_5000.json").read_text())
    gsm = [
        json.loads(x) for x in (DATA / "gsm8k" / "test.jsonl").read_text().splitlines() if x.strip()
    ]
    code = json.loads((DATA / "codealpaca" / "new_codealpaca.json").read_text())
    raw = {
        "alpaca": [r["output"] for r in alpaca],
        "gsm8k": [r["question"] for r in gsm],
        "code": [r["output"] for r in code],
        "web": _web_chunks(),
    }
    out = {}
    for name, texts in raw.items():
        seen, keep = set(), []
        for t in texts:
            key = " ".join(t.lower().split())
            long_enough = len(t) >= 4 * min_words if _CJK.search(t) else len(t.split()) >= min_words
            if long_enough and key not in seen:
                seen.add(key)
                keep.append(t)
        out[name] = keep
    return out


def extra_pool() -> list[str]:
    """More real text for the speed benchmark: BBH, MBPP, NaturalInstructions, GSM8K answers, alpaca prompts."""
    texts = []
    for path in sorted(glob.glob(str(DATA / "bbh" / "*.json"))):
        texts += [e["input"] for e in json.loads(Path(path).read_text())["examples"]]
    texts += [
        json.loads(x)["text"] + "\n" + json.loads(x)["code"]
        for x in (DATA / "mbpp" / "mbpp.jsonl").read_text().splitlines()
        if x.strip()
    ]
    for path in sorted(glob.glob(str(DATA / "natural_instructions" / "*.json"))):
        texts += [i["input"] for i in json.loads(Path(path).read_text()).get("Instances", [])]
    texts += [
        json.loads(x)["answer"]
        for x in (DATA / "gsm8k" / "test.jsonl").read_text().splitlines()
        if x.strip()
    ]
    texts += [
        r["instruction"] + "\n" + r["input"]
        for r in json.loads((DATA / "alpaca" / "alpaca_5000.json").read_text())
    ]
    return [t for t in texts if t and t.strip()]


# --- edits ------------------------------------------------------------------------------------


def _units(text: str) -> tuple[list[str], str]:
    return (list(text), "") if _CJK.search(text) else (text.split(), " ")


def substitute(rng: np.random.Generator, text: str, rate: float, vocab: list[str]) -> str:
    units, sep = _units(text)
    k = max(1, round(rate * len(units)))
    for i in rng.choice(len(units), size=min(k, len(units)), replace=False):
        units[i] = (
            vocab[rng.integers(len(vocab))] if sep else chr(0x4E00 + int(rng.integers(20000)))
        )
    return sep.join(units)


def insert(rng: np.random.Generator, text: str, rate: float, vocab: list[str]) -> str:
    units, sep = _units(text)
    for _ in range(max(1, round(rate * len(units)))):
        word = vocab[rng.integers(len(vocab))] if sep else chr(0x4E00 + int(rng.integers(20000)))
        units.insert(int(rng.integers(len(units) + 1)), word)
    return sep.join(units)


def delete(rng: np.random.Generator, text: str, rate: float, _vocab: list[str]) -> str:
    units, sep = _units(text)
    k = max(1, round(rate * len(units)))
    gone = set(rng.choice(len(units), size=min(k, len(units) - 1), replace=False).tolist())
    return sep.join(u for i, u in enumerate(units) if i not in gone)


def reorder(rng: np.random.Generator, text: str, _rate: float, _vocab: list[str]) -> str:
    """Move one sentence to another place (the text must have at least 3 sentences)."""
    sents = [s for s in _SENT.split(text) if s.strip()]
    if len(sents) < 3:
        return ""
    i = int(rng.integers(len(sents)))
    s = sents.pop(i)
    j = int(rng.integers(len(sents) + 1))
    while j == i:
        j = int(rng.integers(len(sents) + 1))
    sents.insert(j, s)
    return (" " if not _CJK.search(text) else "").join(sents)


def case_space(rng: np.random.Generator, text: str, _rate: float, _vocab: list[str]) -> str:
    """Change the case of some words and the whitespace between them (invisible after normalising)."""
    words = text.split()
    out = []
    for w in words:
        r = rng.random()
        out.append(w.upper() if r < 0.1 else w.capitalize() if r < 0.25 else w)
    seps = rng.choice(["  ", "\n", " \t", " "], size=max(0, len(out) - 1), p=[0.1, 0.05, 0.05, 0.8])
    return "".join(w + s for w, s in zip(out, [*seps, ""], strict=True))


EDITS: dict[str, tuple[Callable, float]] = {
    "substitute_1%": (substitute, 0.01),
    "substitute_2%": (substitute, 0.02),
    "substitute_3%": (substitute, 0.03),
    "insert_1%": (insert, 0.01),
    "insert_2%": (insert, 0.02),
    "insert_3%": (insert, 0.03),
    "delete_1%": (delete, 0.01),
    "delete_2%": (delete, 0.02),
    "delete_3%": (delete, 0.03),
    "reorder_sentence": (reorder, 0.0),
    "case_whitespace": (case_space, 0.0),
}


def edit(rng: np.random.Generator, text: str, name: str, vocab: list[str]) -> str:
    """Apply one named edit; ``""`` when it does not apply (reorder on a short text)."""
    if name == "case_whitespace+substitute_1%":
        return case_space(rng, substitute(rng, text, 0.01, vocab), 0.0, vocab)
    fn, rate = EDITS[name]
    return fn(rng, text, rate, vocab)


EDIT_NAMES = [*EDITS, "case_whitespace+substitute_1%"]

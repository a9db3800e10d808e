"""Build ``bench/data/paraphrase_dev.jsonl``: the paraphrase development set (run once; committed).

Reads ``../shared/data`` (GSM8K test, MIT; MBPP, CC BY 4.0) and the hand-written paraphrases
in ``bench/data/paraphrase_hand.json`` (keys: line numbers, from 0, of the two files), and writes one JSON record per line:

``{"rid", "benchmark", "target", "label", "kind", "text"}`` — ``target`` is the item id the
record is about (positives) or the item it was made to resemble (negatives); ``label`` 1 means
"this record is the target item, rephrased". ``kind``:

- ``para`` (1): the GSM8K question rewritten by hand (same problem, same numbers);
- ``para_answer`` (1): the same with the final answer appended (every 4th item);
- ``renumbered`` (0): the hand paraphrase with every number changed (same topic and wording,
  different problem) — the hardest negative for an embedding;
- ``para_code`` (1): MBPP problem rewritten by hand + the reference solution with every
  identifier renamed (Python ``tokenize``);
- ``para_text`` (1): MBPP problem rewritten by hand, no code;
- ``neighbour`` (0): another item of the same benchmark (not in the sample) that is the
  target's nearest by MiniLM cosine: same topic, different problem (its text is stored; MBPP
  neighbours carry their own renamed code).

Usage: ``python bench/_build_paraphrase_dev.py`` (from the repo root).
"""

from __future__ import annotations

import builtins
import io
import json
import keyword
import random
import re
import sys
import tokenize
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
DATA = next(
    (
        p
        for p in (REPO.parent / "shared" / "data", REPO.parents[1] / "shared" / "data")
        if p.is_dir()
    ),
    REPO.parent / "shared" / "data",
)
HAND = Path(__file__).resolve().parent / "data" / "paraphrase_hand.json"
OUT = Path(__file__).resolve().parent / "data" / "paraphrase_dev.jsonl"


def rename_identifiers(code: str) -> str:
    """Rename every user identifier (not keywords, builtins, attributes or imports) to v0, v1...

    Example: ``"def add(a, b):\\n    return a + b"`` -> ``"def v0(v1, v2):\\n    return v1 + v2"``.
    """
    keep = set(dir(builtins)) | set(keyword.kwlist)
    toks = list(tokenize.generate_tokens(io.StringIO(code).readline))
    imported = set()
    for i, t in enumerate(toks):
        if t.type == tokenize.NAME and t.string in ("import", "from"):
            j = i + 1
            while j < len(toks) and toks[j].type != tokenize.NEWLINE:
                if toks[j].type == tokenize.NAME and toks[j].string not in ("import", "as", "from"):
                    imported.add(toks[j].string)
                j += 1
    names: dict[str, str] = {}
    out = []
    prev = None
    for t in toks:
        s = t.string
        if (
            t.type == tokenize.NAME
            and s not in keep
            and s not in imported
            and not (prev is not None and prev.string == ".")
        ):
            s = names.setdefault(t.string, f"v{len(names)}")
        out.append(t._replace(string=s))
        prev = t
    return tokenize.untokenize(out)


def renumber(text: str, rng: random.Random) -> str:
    """Change every number (digits and small number words) to a different one."""
    words = [
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "twelve",
        "twenty",
    ]

    def digit(m: re.Match) -> str:
        s = m.group(0)
        if "." in s:
            return f"{float(s.replace(',', '')) + rng.choice([0.5, 1.25, 2.0]):g}"
        v = int(s.replace(",", ""))
        return str(v + rng.randint(1, max(3, v // 3)))

    text = re.sub(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?", digit, text)
    return re.sub(
        r"\b(" + "|".join(words) + r")\b",
        lambda m: rng.choice([w for w in words if w != m.group(0)]),
        text,
    )


def main() -> None:
    import numpy as np

    from audit.semantic import SemanticMatcher

    hand = json.loads(HAND.read_text())
    GP = {int(k): v for k, v in hand["gsm8k_test_line"].items()}
    MP = {int(k): v for k, v in hand["mbpp_line"].items()}

    gsm = [json.loads(x) for x in (DATA / "gsm8k" / "test.jsonl").open()]
    mbpp = [json.loads(x) for x in (DATA / "mbpp" / "mbpp.jsonl").open()]
    m = SemanticMatcher()
    rng = random.Random(15)
    rows = []

    def neighbours(texts: list[str], sel: list[int]) -> dict[int, int]:
        emb = m.embed(texts)
        sims = emb[sel] @ emb.T
        sims[:, sel] = -2  # never another sampled item
        return {i: int(j) for i, j in zip(sel, sims.argmax(1), strict=True)}

    gsel = sorted(GP)
    near = neighbours([r["question"] for r in gsm], gsel)
    for k, i in enumerate(gsel):
        tid = f"gsm8k/test/{i}"
        para = GP[i]
        if k % 4 == 3:
            final = gsm[i]["answer"].split("####")[-1].strip()
            rows.append(("para_answer", "gsm8k", tid, 1, f"{para}\nAnswer: {final}"))
        else:
            rows.append(("para", "gsm8k", tid, 1, para))
        rows.append(("renumbered", "gsm8k", tid, 0, renumber(para, rng)))
        rows.append(("neighbour", "gsm8k", tid, 0, gsm[near[i]]["question"]))
    msel = sorted(MP)
    mnear = neighbours([r["text"] for r in mbpp], msel)
    for k, i in enumerate(msel):
        tid = str(mbpp[i]["task_id"])
        code = mbpp[i]["code"].replace("\r\n", "\n")
        if k % 3 == 2:
            rows.append(("para_text", "mbpp", tid, 1, MP[i]))
        else:
            rows.append(("para_code", "mbpp", tid, 1, f"{MP[i]}\n\n{rename_identifiers(code)}"))
        j = mnear[i]
        ncode = mbpp[j]["code"].replace("\r\n", "\n")
        rows.append(
            ("neighbour", "mbpp", tid, 0, f"{mbpp[j]['text']}\n\n{rename_identifiers(ncode)}")
        )
    with OUT.open("w") as f:
        for n, (kind, bench, tid, label, text) in enumerate(rows):
            rec = {"rid": f"dev-{n:04d}", "benchmark": bench, "target": tid}
            rec.update(label=label, kind=kind, text=text)
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    kinds = {}
    for r in rows:
        kinds[r[0]] = kinds.get(r[0], 0) + 1
    print(f"wrote {OUT}: {len(rows)} records {kinds}; np {np.__version__}")


if __name__ == "__main__":
    main()

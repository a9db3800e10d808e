"""Build a labelled good-vs-bad instruction set from real records and seeded corruptions.

Good: real instruction records (Alpaca, CodeAlpaca, GSM8K from ``../shared/data``), text laid
out as ``cleanroom`` lays out an instruction record (prompt, blank line, response). Bad: other
real records of the same split broken the ways instruction data is broken in practice, the
failure modes AlpaGasus' grader and the usual rule filters target:

=============  ===========================================================================
kind           what the response becomes
=============  ===========================================================================
refusal        an "As an AI language model, I cannot ..." refusal (the Alpaca-cleaned list)
mismatch       the response of another, unrelated record (off-topic answer)
truncated      the first 2-6 words of the response (cut off mid-answer)
shuffled       the response's words in random order (word salad)
repeated       one sentence or phrase of the response looped 4-12 times (degenerate output)
boilerplate    web boilerplate / spam lines (navigation, cookie banners, SEO spam)
=============  ===========================================================================

Each base record is used once (as a positive or as a negative's source) and splits are made on
base records before corruption, so no response text is shared between train and test. The build is
a pure function of ``seed`` and the input files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NEGATIVE_KINDS = ("refusal", "mismatch", "truncated", "shuffled", "repeated", "boilerplate")

REFUSALS = (
    "As an AI language model, I cannot {x}.",
    "I'm sorry, but as an AI I am not able to {x}.",
    "I apologize, but I cannot {x} as it goes against my programming.",
    "As a language model, I don't have the ability to {x}.",
    "I'm sorry, I cannot help with that request.",
    "Unfortunately, as an AI assistant I am unable to {x}. Please consult a professional.",
    "I cannot {x}. It is not appropriate for me to do so.",
    "As an AI, I do not have personal opinions, so I cannot {x}.",
)
BOILERPLATE = (
    "Home | About Us | Contact | Privacy Policy | Terms of Service",
    "Click here to subscribe to our newsletter and get 50% off your first order!",
    "Copyright © 2023 All rights reserved. Powered by WordPress.",
    "Share on Facebook Tweet Pin it Email Print",
    "We use cookies to improve your experience. By continuing to browse you accept our cookie policy.",
    "BUY CHEAP VIAGRA ONLINE FREE SHIPPING BEST PRICE GUARANTEED",
    "Related articles: Top 10 tips you won't believe | Read more >>",
    "Sign in Register Forgot password? Remember me",
    "Loading... Please enable JavaScript to view the comments powered by Disqus.",
    "Best online casino bonus 2023 win real money slots free spins no deposit",
    "Previous post Next post Leave a comment Cancel reply",
    "Download now!!! Limited offer, act fast, click the link below",
)


@dataclass(frozen=True)
class Example:
    """One labelled text: ``label`` 1 good / 0 bad, ``kind`` ``good`` or a negative kind."""

    text: str
    label: int
    prompt: str
    response: str
    kind: str
    split: str
    source: str


def load_base(data_dir: Path, limits: dict[str, int] | None = None) -> list[tuple[str, str, str]]:
    """``(source, prompt, response)`` of real instruction records from the shared data folder."""
    limits = limits or {}
    out: list[tuple[str, str, str]] = []

    def prompt_of(r: dict) -> str:
        inp = (r.get("input") or "").strip()
        return r["instruction"].strip() + (f"\n\n{inp}" if inp else "")

    alpaca = json.loads((data_dir / "alpaca" / "alpaca_5000.json").read_text(encoding="utf-8"))
    out += [("alpaca", prompt_of(r), r["output"].strip()) for r in alpaca[: limits.get("alpaca")]]
    code = json.loads((data_dir / "codealpaca" / "new_codealpaca.json").read_text(encoding="utf-8"))
    out += [
        ("codealpaca", prompt_of(r), (r.get("output") or r.get("response") or "").strip())
        for r in code[: limits.get("codealpaca")]
    ]
    gsm = [
        json.loads(ln)
        for ln in (data_dir / "gsm8k" / "test.jsonl").read_text(encoding="utf-8").splitlines()
        if ln.strip()
    ]
    out += [
        ("gsm8k", r["question"].strip(), r["answer"].strip()) for r in gsm[: limits.get("gsm8k")]
    ]
    return [r for r in out if r[1] and r[2]]


def corrupt(kind: str, prompt: str, response: str, other: str, rng: np.random.Generator) -> str:
    """The bad response of ``kind`` for a record (``other``: a response from another record).

    Example: ``corrupt("truncated", "Name a fruit.", "An apple is a fruit.", "", rng)`` -> e.g.
    ``"An apple is"``.
    """
    words = response.split()
    if kind == "refusal":
        verb = prompt.split("\n")[0].rstrip(".?!")
        verb = verb[0].lower() + verb[1:] if verb else "do that"
        return REFUSALS[rng.integers(len(REFUSALS))].format(x=verb)
    if kind == "mismatch":
        return other
    if kind == "truncated":
        return (
            " ".join(words[: int(rng.integers(2, 7))])
            if len(words) > 2
            else response[: max(1, len(response) // 3)]
        )
    if kind == "shuffled":
        return (
            " ".join(words[i] for i in rng.permutation(len(words)))
            if len(words) > 3
            else " ".join(reversed(words * 3))
        )
    if kind == "repeated":
        parts = [s for s in re.split(r"(?<=[.!?])\s+", response) if s.strip()]
        unit = parts[0] if parts and len(parts[0].split()) >= 3 else " ".join(words[:6])
        return " ".join([unit] * int(rng.integers(4, 13)))
    if kind == "boilerplate":
        k = int(rng.integers(2, 5))
        return "\n".join(
            BOILERPLATE[i] for i in rng.choice(len(BOILERPLATE), size=k, replace=False)
        )
    raise ValueError(f"unknown corruption {kind!r}")


def build_examples(
    data_dir: Path,
    *,
    seed: int = 0,
    test_fraction: float = 0.2,
    limits: dict[str, int] | None = None,
) -> list[Example]:
    """Balanced good/bad examples with a train/test split made on base records."""
    base = load_base(data_dir, limits)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(base))
    n_test = int(round(len(base) * test_fraction))
    examples: list[Example] = []
    for split, idx in (("test", order[:n_test]), ("train", order[n_test:])):
        half = len(idx) // 2
        good, bad = idx[:half], idx[half:]
        for i in good:
            src, prompt, response = base[i]
            examples.append(
                Example(f"{prompt}\n\n{response}", 1, prompt, response, "good", split, src)
            )
        for j, i in enumerate(bad):
            src, prompt, response = base[i]
            kind = NEGATIVE_KINDS[j % len(NEGATIVE_KINDS)]
            other = (
                base[bad[(j + 1 + int(rng.integers(len(bad) - 1))) % len(bad)]][2]
                if len(bad) > 1
                else ""
            )
            bad_response = corrupt(kind, prompt, response, other, rng)
            examples.append(
                Example(f"{prompt}\n\n{bad_response}", 0, prompt, bad_response, kind, split, src)
            )
    return examples

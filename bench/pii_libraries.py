"""cleanroom's PII regexes vs scrubadub and presidio (regex recognizers), on the planted PII.

Recall: the share of the PII values planted in ``corpora/`` (``corpora/planted.json``: 34 values
in 14 records: emails, US/international/national phones, cards, IPv4/IPv6, API keys) that are
gone from the output, counting only the 27 that identify someone (documentation IPs and fictional
555-01xx numbers are kept by design, as ``tests/test_planted.py`` says). False positives: texts with no PII (versions, dates, code, private IPs, example
domains, fictional 555 numbers) that the engine changes. Speed: records/s over the embedded
corpus' texts, single process.

presidio's ``AnalyzerEngine`` needs a spaCy model (``en_core_web_lg``) downloaded from the
network; offline only its pattern recognizers run (email, phone via ``phonenumbers``, credit
card, IP), called directly. Each library is skipped when it is not installed
(``pip install scrubadub presidio-analyzer``).

Usage: ``python bench/pii_libraries.py``
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from curate.steps.pii import redact  # noqa: E402
from tests.test_planted import _identifies_nobody  # noqa: E402

NEGATIVES = [
    "Released version 1.2.3.4 on 2023-04-25 at 12:30:45.",
    "pip install numpy==1.26.4 and python 3.11.7",
    "std::vector<int> v; auto x = a::b::c;",
    "Local 192.168.1.1, loopback 127.0.0.1, ::1 and docs 192.0.2.10 stay.",
    "Card-like 4111111111111112 fails Luhn; 1234567890123 is an id.",
    "id 1668302949276356609 and pi 3.14159265358979",
    "user@localhost and @decorator and a@b.c",
    "ISBN 978-3-16-148410-0, OID 1.2.840.113549, tel: 12-34",
    "for (int i = 0; i < 10; i++) { x[i] = i * 2; }",
    "The meeting moved from 10:30 to 11:45 on 12/03/2024, room 4012.",
]


def planted() -> list[tuple[str, list[str]]]:
    """(text, PII values) of every planted PII record."""
    out = []
    for entry in json.loads((ROOT / "corpora" / "planted.json").read_text()):
        if entry["category"] != "pii":
            continue
        path = ROOT / "corpora" / entry["file"]
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            row = json.loads(fh.read().splitlines()[entry["line"] - 1])
        text = "\n".join(str(v) for v in row.values() if isinstance(v, str))
        out.append((text, entry["pii_values"]))
    return out


def corpus_texts() -> list[str]:
    texts = []
    with gzip.open(ROOT / "corpora" / "data" / "web.jsonl.gz", "rt", encoding="utf-8") as fh:
        texts += [json.loads(line).get("text", "") for line in fh if line.strip()]
    with open(ROOT / "corpora" / "data" / "instructions.jsonl", encoding="utf-8") as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                texts.append(" ".join(str(v) for v in row.values() if isinstance(v, str)))
    return texts


def engines() -> dict[str, Callable[[str], str]]:
    found: dict[str, Callable[[str], str]] = {"cleanroom pii_redact_v1": lambda t: redact(t)[0]}
    try:
        import scrubadub

        scrubber = scrubadub.Scrubber()
        found["scrubadub " + scrubadub.__version__] = scrubber.clean
    except ImportError:
        print("scrubadub not installed: skipped")
    try:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            EmailRecognizer,
            IpRecognizer,
            PhoneRecognizer,
        )

        try:
            AnalyzerEngine()
            print("presidio AnalyzerEngine loaded a spaCy model")
        except Exception as e:  # noqa: BLE001 - report whatever the offline failure is
            print(f"presidio AnalyzerEngine() offline: {type(e).__name__}: {str(e)[:120]}")
        recognizers = [EmailRecognizer(), PhoneRecognizer(), CreditCardRecognizer(), IpRecognizer()]

        def presidio(text: str) -> str:
            spans = []
            for rec in recognizers:
                spans += rec.analyze(text, rec.supported_entities, None)
            for s in sorted(spans, key=lambda r: r.start, reverse=True):
                text = text[: s.start] + f"<{s.entity_type}>" + text[s.end :]
            return text

        found["presidio patterns (no spaCy)"] = presidio
    except ImportError:
        print("presidio-analyzer not installed: skipped")
    return found


def main() -> int:
    cases = planted()
    n_values = sum(len(v) for _, v in cases)
    n_real = sum(not _identifies_nobody(v) for _, values in cases for v in values)
    texts = corpus_texts()
    print(
        f"{len(cases)} planted records, {n_values} PII values ({n_real} identify someone); "
        f"{len(texts)} corpus texts\n"
    )
    print(f"{'engine':34} {'recall':>8} {'false pos':>10} {'records/s':>10}")
    for name, clean in engines().items():
        missed = [
            v
            for text, values in cases
            for v in values
            if v in clean(text) and not _identifies_nobody(v)
        ]
        found = n_real - len(missed)
        fp = sum(clean(t) != t for t in NEGATIVES)
        t0 = time.perf_counter()
        for t in texts:
            clean(t)
        rate = len(texts) / (time.perf_counter() - t0)
        print(f"{name:34} {found:>3}/{n_real:<4} {fp:>4}/{len(NEGATIVES):<5} {rate:>10,.0f}")
        print(f"{'':34} missed: {', '.join(missed) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

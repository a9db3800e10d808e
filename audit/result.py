"""What a contamination scan returns, whatever the method (n-gram matchers or the paraphrase
stage): the one result type the report, the CLI and the decontamination step read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

# The columns of ScanResult.item_verdicts, in order (both the n-gram scan and the paraphrase
# stage produce them).
ITEM_VERDICT_COLUMNS = [
    "benchmark",
    "item_id",
    "verdict",
    "text_verdict",
    "answer_verdict",
    "coverage",
    "answer_coverage",
    "records",
    "text_kind",
    "answer_kind",
    "item_tokens",
]


@dataclass
class ScanResult:
    """What a scan found.

    Attributes:
        items: ``benchmark_items`` rows of every benchmark scanned.
        contamination: one row per (benchmark item part, corpus record) pair with hits.
        item_verdicts: one row per item: ``benchmark, item_id, verdict, text_verdict,
            answer_verdict, coverage, answer_coverage, records``.
        summary: one row per benchmark (see :func:`summarise`).
        stats: records and bytes scanned, seconds, ignored common n-grams.
    """

    items: pl.DataFrame
    contamination: pl.DataFrame
    item_verdicts: pl.DataFrame
    summary: pl.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)

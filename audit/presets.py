"""Presets reproducing published contamination rules.

Each preset fixes the n-gram length, the match rule and the verdict labels of one paper:

``gpt3`` — Brown et al. 2020, *Language Models are Few-Shot Learners*, Appendix C
    (arXiv:2005.14165). An item is **dirty** if it shares any ``N``-gram with any training
    document, where ``N`` is the 5th-percentile item length in words, clamped to 8..13, computed
    per benchmark. 13-grams found in more than 10 training documents were ignored as common
    phrases (their training-set filtering rule), so ``max_record_df = 10``.

``llama2`` — Touvron et al. 2023, *Llama 2: Open Foundation and Fine-Tuned Chat Models*,
    Appendix A.6 (arXiv:2307.09288). A token of an item is contaminated when it lies in a span of
    more than 10 tokens found in a training record, the span allowed to differ in up to 4 positions
    (their "skipgram budget"). Item contamination = share of its tokens contaminated (over all
    records). Buckets: **clean** < 20 %, **not clean** >= 20 %, **not dirty** < 80 %,
    **dirty** >= 80 %; the verdict label is ``clean`` (< 20 %), ``not_clean`` (20-80 %) or
    ``dirty`` (>= 80 %). They used a suffix array over their tokenizer's tokens; we find the spans
    from 5-gram seeds on the same alignment diagonal, so a matched stretch shorter than 5 tokens
    between two mismatches is not seen (it counts against nothing, and is not matched).

``tulu3`` — Lambert et al. 2024, *Tülu 3: Pushing Frontiers in Open Language Model
    Post-Training*, Section 3.1.2 (arXiv:2411.15124). 8-gram matching; an item is **dirty** when
    more than 50 % of its tokens are covered by 8-grams of one single training record.

``gpt4`` — OpenAI 2023, *GPT-4 Technical Report*, Appendix C (arXiv:2303.08774). Spaces and
    symbols are removed from both texts (our normaliser, tokens joined with nothing); three
    random 50-character substrings of each item (the whole item when shorter than 50) are
    looked up in each processed training record; any hit makes the item **dirty**. Substrings are
    drawn with a seeded generator (seed + item id), so a scan is reproducible.

Every preset also keeps our additions, which the papers lack: items shorter than the preset's
window are matched whole (``min_tokens`` and up); answers are scanned on their own; n-grams in
more than ``max_item_df`` benchmark items or ``max_record_df`` corpus records are ignored and
counted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from curate.core.errors import ConfigError
from curate.core.registry import Registry
from curate.core.verdicts import DIRTY_VERDICTS  # noqa: F401  (re-exported; its one home)


@dataclass(frozen=True)
class Preset:
    """One contamination rule.

    Attributes:
        name: preset name.
        method: ``ngram`` (coverage of n-grams), ``llama2`` (spans with mismatches) or
            ``substring`` (GPT-4's 50-character samples).
        n: n-gram length (span seed length for llama2; substring length in characters for gpt4).
        per_benchmark_n: GPT-3's rule: ``n`` = 5th percentile item length clamped to ``n_range``.
        n_range: clamp for ``per_benchmark_n``.
        dirty_coverage: a pair is dirty when coverage is above this (``None``: any hit is dirty).
        min_span: llama2: a span must be at least this many tokens (more than 10).
        skip_budget: llama2: mismatched positions allowed in one span.
        samples: gpt4: substrings drawn per item.
        min_tokens: units shorter than this are not scanned (counted as unscannable).
        max_item_df: n-grams in more than this many benchmark items are ignored.
        max_record_df: n-grams in more than this many corpus records are ignored, except in a
            record holding at least ``protect_coverage`` of the item (duplicated contamination).
        protect_coverage: see ``max_record_df``.
        citation: where the rule comes from.
        rule: the rule in one line (``cleanroom audit list``).
    """

    name: str
    method: str  # a key of audit.matchers.MATCHERS
    n: int
    per_benchmark_n: bool = False
    n_range: tuple[int, int] = (8, 13)
    dirty_coverage: float | None = None
    min_span: int = 11
    skip_budget: int = 4
    samples: int = 3
    min_tokens: int = 4
    max_item_df: int = 10
    max_record_df: int = 10
    protect_coverage: float = 0.8
    seed: int = 0
    citation: str = ""
    rule: str = ""

    @property
    def whole_below(self) -> int:
        """Units with fewer tokens than this are matched whole."""
        return self.min_span if self.method == "llama2" else self.n

    def with_n(self, n: int | None) -> Preset:
        """The preset with ``n`` overridden (``--n``); turns GPT-3's per-benchmark N off."""
        if n is None:
            return self
        if n < 1:
            raise ConfigError(f"--n must be a positive number of tokens, got {n}")
        return dataclasses.replace(self, n=n, per_benchmark_n=False)

    def n_for(self, item_tokens: np.ndarray) -> int:
        """The n-gram length for a benchmark whose item (text part) lengths are given.

        Example (gpt3): 5th percentile of ``[5, 9, 10, 30, ...]`` is 6.6 -> clamped to 8.
        """
        if not self.per_benchmark_n or len(item_tokens) == 0:
            return self.n
        p5 = int(np.percentile(item_tokens, 5))
        lo, hi = self.n_range
        return int(min(max(p5, lo), hi))

    def verdict(self, coverage: float) -> str:
        """The label of a coverage for this preset (``dirty``/``clean`` or a llama2 bucket)."""
        if self.method == "llama2":
            return "dirty" if coverage >= 0.8 else "not_clean" if coverage >= 0.2 else "clean"
        if self.dirty_coverage is None:
            return "dirty" if coverage > 0 else "clean"
        return "dirty" if coverage > self.dirty_coverage else "clean"


PRESETS: Registry[Preset] = Registry("preset")
for _preset in (
    Preset(
        "gpt3",
        "ngram",
        13,
        per_benchmark_n=True,
        max_record_df=10,
        citation="Brown et al. 2020, Language Models are Few-Shot Learners, App. C",
        rule="dirty if any N-gram hit; N = 5th pct item length, clamped 8-13",
    ),
    Preset(
        "llama2",
        "llama2",
        5,
        min_span=11,
        skip_budget=4,
        citation="Touvron et al. 2023, Llama 2, App. A.6",
        rule="token coverage by >10-token spans (<=4 mismatches): clean<20% / dirty>=80%",
    ),
    Preset(
        "tulu3",
        "ngram",
        8,
        dirty_coverage=0.5,
        citation="Lambert et al. 2024, Tulu 3, Sec. 3.1.2",
        rule="dirty if >50% of item tokens in 8-grams of one record",
    ),
    Preset(
        "gpt4",
        "substring",
        50,
        samples=3,
        min_tokens=20,
        citation="OpenAI 2023, GPT-4 Technical Report, App. C",
        rule="dirty if any of 3 random 50-char substrings (spaces/symbols removed) is found",
    ),
):
    PRESETS.add(_preset.name, _preset)


def get_preset(name: str) -> Preset:
    """A preset by name; unknown names fail with a did-you-mean hint."""
    return PRESETS[name]


def llama2_spans(
    intervals: list[tuple[int, int]], min_span: int, budget: int
) -> list[tuple[int, int]]:
    """Matched intervals on one alignment that belong to a qualifying llama2 span.

    Intervals (item token ranges matched on one diagonal) are merged, then every maximal run of
    consecutive intervals whose mismatched tokens (the gaps between them) total at most
    ``budget`` is a span; a span whose extent is at least ``min_span`` tokens qualifies, and the
    matched intervals of qualifying spans are returned (two pointers, linear time).

    Example: ``[(0, 6), (7, 13)]``, min_span 11, budget 4 -> both (extent 13, 1 mismatch);
    ``[(0, 5), (10, 15)]`` -> none (5 mismatches > 4).
    """
    merged: list[list[int]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    keep = [False] * len(merged)
    left, gaps = 0, 0
    for right in range(len(merged)):
        if right > 0:
            gaps += merged[right][0] - merged[right - 1][1]
        while gaps > budget:
            gaps -= merged[left + 1][0] - merged[left][1]
            left += 1
        if merged[right][1] - merged[left][0] >= min_span:
            for k in range(left, right + 1):
                keep[k] = True
    return [(a, b) for (a, b), k in zip(merged, keep, strict=True) if k]

"""FineWeb quality rules (Penedo et al. 2024, *The FineWeb Datasets: Decanting the Web for the Finest
Text Data at Scale*, section 3.5 "custom heuristic filters"; datatrove ``FineWebQualityFilter``).

==================================  ===================================================  ======
reason                              drop when                                            value
==================================  ===================================================  ======
fineweb_quality__line_punct_ratio   lines ending in terminal punctuation / lines < thr   0.12
fineweb_quality__short_line_ratio   lines of <= short_line_length / lines > thr          0.67
fineweb_quality__char_dup_ratio     chars in duplicated lines / chars >= thr             0.01
fineweb_quality__list_ratio         newlines / words > thr                               0.3
==================================  ===================================================  ======

``fineweb_quality_v2`` (issue 19) counts a line as punctuated exactly as FineWeb does: the raw line
ends with one of FineWeb's terminal punctuation marks (:data:`FINEWEB_TERMINAL`, the 159 sentence
terminals of datatrove's ``TERMINAL_PUNCTUATION``, Apache-2.0). ``v1`` also accepted a closing
quote (C4's rule), which kept 320 of 10,076 documents FineWeb drops (``bench/filter_agreement.py``);
the other three rules are the same in both.

``short_line_length`` is 30 *columns*: a CJK character is two columns wide (Unicode East Asian
Width "W"), so a 15-character Chinese line counts as as long as a 30-letter English one; the
paper's value was tuned on English, where a column is a character.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from curate.core.decisions import filter_step
from curate.core.rules import ThresholdRule, build_rules, reason_names
from curate.core.step import Step, StepContext, register
from curate.steps.rowops import with_stats
from curate.steps.words import (
    CJK_RE,
    TERMINAL_MARKS,
    ends_with_terminal_punct,
    english_tokens,
    split_lines,
    split_words,
)


@dataclass(frozen=True)
class FineWebParams:
    line_punct_thr: float = 0.12
    short_line_thr: float = 0.67
    short_line_length: int = 30
    char_duplicates_ratio: float = 0.01
    new_line_ratio: float = 0.3


# FineWeb's line ends: sentence terminals of every script, no quotes, no ellipsis.
FINEWEB_TERMINAL = TERMINAL_MARKS


def display_width(line: str) -> int:
    """Columns a line takes: CJK characters count two. ``"ab中文"`` -> 6."""
    return len(line) + len(CJK_RE.findall(line))


def repeated_line_chars(lines: list[str]) -> int:
    """Characters in the lines that repeat an earlier line (FineWeb's ``char_dup_ratio``
    numerator). Example: ``repeated_line_chars(["ab", "c", "ab"])`` -> ``2``."""
    seen: set[str] = set()
    dup = 0
    for ln in lines:
        if ln in seen:
            dup += len(ln)
        else:
            seen.add(ln)
    return dup


def fineweb_stats(
    text: str, short_line_length: int = 30, fineweb_punct: bool = False
) -> dict[str, float]:
    """FineWeb's four ratios for one text.

    Example: ``fineweb_stats("a b c.\\nx\\nx")`` -> line_punct_ratio 1/3, short_line_ratio 1.0,
    char_dup_ratio 1/8 (one repeated "x" of 8 non-newline chars), list_ratio 2/5.
    With ``fineweb_punct`` (v2) a line is punctuated when the raw line ends with a
    :data:`FINEWEB_TERMINAL` mark: ``'"Recycle!"'`` is not.
    """
    lines = split_lines(text)
    if not lines:
        return {
            "line_punct_ratio": 0.0,
            "short_line_ratio": 0.0,
            "char_dup_ratio": 0.0,
            "list_ratio": 0.0,
        }
    n = len(lines)
    dup_chars = repeated_line_chars(lines)
    chars = max(1, len(text.replace("\n", "")))
    words = max(1, len(split_words(text)))
    return {
        "line_punct_ratio": _punct_lines(text, fineweb_punct) / n,
        "short_line_ratio": sum(1 for ln in lines if display_width(ln) <= short_line_length) / n,
        "char_dup_ratio": dup_chars / chars,
        "list_ratio": text.count("\n") / words,
    }


def _punct_lines(text: str, fineweb_punct: bool) -> int:
    """Lines ending in terminal punctuation: v1 (C4's marks and quotes, stripped lines) or
    FineWeb's (its 159 marks, on the raw non-blank lines)."""
    if fineweb_punct:
        raw = [ln for ln in text.split("\n") if ln.strip()]
        return sum(1 for ln in raw if ln.endswith(FINEWEB_TERMINAL))
    return sum(1 for ln in split_lines(text) if ends_with_terminal_punct(ln))


FIELDS = dict.fromkeys(
    ("line_punct_ratio", "short_line_ratio", "char_dup_ratio", "list_ratio"), pl.Float64
)


# One description per rule: the registry's reasons, the drop-if and the evidence come from it.
RULES = (
    ThresholdRule("line_punct_ratio", "line_punct_ratio", "line_punct_thr", "<"),
    ThresholdRule(
        "short_line_ratio", "short_line_ratio", "short_line_thr", ">", shown=("short_line_length",)
    ),
    ThresholdRule(
        "char_dup_ratio", "char_dup_ratio", "char_duplicates_ratio", ">=", repeated="lines"
    ),
    ThresholdRule("list_ratio", "list_ratio", "new_line_ratio", ">"),
)
REASONS = reason_names("fineweb_quality", RULES)


@register("fineweb_quality_v1", kind="filter", params=FineWebParams, reasons=REASONS)
def fineweb_quality(p: FineWebParams, ctx: StepContext) -> Step:
    """FineWeb rules (Penedo et al. 2024): punctuated lines, short lines, duplicated chars, lists."""
    filt = filter_step(ctx, *build_rules(ctx, p, RULES))
    return lambda lf: filt(
        with_stats(lf, ctx, lambda t: fineweb_stats(t, p.short_line_length), FIELDS)
    )


@register("fineweb_quality_v2", kind="filter", params=FineWebParams, reasons=REASONS)
def fineweb_quality_v2(p: FineWebParams, ctx: StepContext) -> Step:
    """FineWeb rules (Penedo et al. 2024), line ends as FineWeb counts them (no closing quotes)."""
    filt = filter_step(ctx, *build_rules(ctx, p, RULES))
    return lambda lf: filt(
        with_stats(lf, ctx, lambda t: fineweb_stats(t, p.short_line_length, True), FIELDS)
    )


@dataclass(frozen=True)
class FineWebV3Params(FineWebParams):
    reference: Literal["paper", "datatrove"] = "paper"


def fineweb_stats_datatrove(text: str, short_line_length: int = 30) -> dict[str, float]:
    """FineWeb's four ratios as datatrove 0.10 computes them (``reference: datatrove``): raw
    (unstripped) non-blank lines, lengths in characters, the list ratio per English token
    (:func:`~curate.steps.words.english_tokens`, punctuation tokens included).

    Example: ``fineweb_stats_datatrove("a b cd.\\nx\\nx")`` -> line_punct_ratio 1/3,
    short_line_ratio 1.0, char_dup_ratio 1/9, list_ratio 2/6 (tokens ``a b cd . x x``).
    """
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return dict.fromkeys(FIELDS, 0.0)
    n = len(lines)
    dup_chars = repeated_line_chars(lines)
    return {
        "line_punct_ratio": sum(1 for ln in lines if ln.endswith(FINEWEB_TERMINAL)) / n,
        "short_line_ratio": sum(1 for ln in lines if len(ln) <= short_line_length) / n,
        "char_dup_ratio": dup_chars / max(1, len(text.replace("\n", ""))),
        "list_ratio": text.count("\n") / max(1, len(english_tokens(text))),
    }


# datatrove drops on a duplicated-character ratio strictly above the threshold.
RULES_DATATROVE = tuple(
    ThresholdRule(r.name, r.column, r.param, ">", repeated=r.repeated, shown=r.shown)
    if r.name == "char_dup_ratio"
    else r
    for r in RULES
)


@register("fineweb_quality_v3", kind="filter", params=FineWebV3Params, reasons=REASONS)
def fineweb_quality_v3(p: FineWebV3Params, ctx: StepContext) -> Step:
    """FineWeb rules (Penedo et al. 2024) as v2; ``reference: datatrove`` reproduces datatrove's
    FineWebQualityFilter (raw line lengths, list ratio per English token)."""
    if p.reference != "datatrove":
        return fineweb_quality_v2(p, ctx)
    filt = filter_step(ctx, *build_rules(ctx, p, RULES_DATATROVE))
    return lambda lf: filt(
        with_stats(lf, ctx, lambda t: fineweb_stats_datatrove(t, p.short_line_length), FIELDS)
    )

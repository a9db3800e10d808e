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

``short_line_length`` is 30 *columns*: a CJK character is two columns wide (Unicode East Asian
Width "W"), so a 15-character Chinese line counts as as long as a 30-letter English one; the
paper's value was tuned on English, where a column is a character.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from curate.core.decisions import filter_step
from curate.core.evidence import rule_detail
from curate.core.step import Step, StepContext, register
from curate.steps.rowops import with_stats
from curate.steps.words import CJK_RE, ends_with_terminal_punct, split_lines, split_words


@dataclass(frozen=True)
class FineWebParams:
    line_punct_thr: float = 0.12
    short_line_thr: float = 0.67
    short_line_length: int = 30
    char_duplicates_ratio: float = 0.01
    new_line_ratio: float = 0.3


def display_width(line: str) -> int:
    """Columns a line takes: CJK characters count two. ``"ab中文"`` -> 6."""
    return len(line) + len(CJK_RE.findall(line))


def fineweb_stats(text: str, short_line_length: int = 30) -> dict[str, float]:
    """FineWeb's four ratios for one text.

    Example: ``fineweb_stats("a b c.\\nx\\nx")`` -> line_punct_ratio 1/3, short_line_ratio 1.0,
    char_dup_ratio 1/8 (one repeated "x" of 8 non-newline chars), list_ratio 2/5.
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
    seen: set[str] = set()
    dup_chars = 0
    for ln in lines:
        if ln in seen:
            dup_chars += len(ln)
        else:
            seen.add(ln)
    chars = max(1, len(text.replace("\n", "")))
    words = max(1, len(split_words(text)))
    return {
        "line_punct_ratio": sum(1 for ln in lines if ends_with_terminal_punct(ln)) / n,
        "short_line_ratio": sum(1 for ln in lines if display_width(ln) <= short_line_length) / n,
        "char_dup_ratio": dup_chars / chars,
        "list_ratio": text.count("\n") / words,
    }


FIELDS = dict.fromkeys(
    ("line_punct_ratio", "short_line_ratio", "char_dup_ratio", "list_ratio"), pl.Float64
)


@register(
    "fineweb_quality_v1",
    kind="filter",
    params=FineWebParams,
    reasons=(
        "fineweb_quality__line_punct_ratio",
        "fineweb_quality__short_line_ratio",
        "fineweb_quality__char_dup_ratio",
        "fineweb_quality__list_ratio",
    ),
)
def fineweb_quality(p: FineWebParams, ctx: StepContext) -> Step:
    """FineWeb rules (Penedo et al. 2024): punctuated lines, short lines, duplicated chars, lists."""
    c = ctx.column
    reasons = {
        "fineweb_quality__line_punct_ratio": pl.col(c("line_punct_ratio")) < p.line_punct_thr,
        "fineweb_quality__short_line_ratio": pl.col(c("short_line_ratio")) > p.short_line_thr,
        "fineweb_quality__char_dup_ratio": pl.col(c("char_dup_ratio")) >= p.char_duplicates_ratio,
        "fineweb_quality__list_ratio": pl.col(c("list_ratio")) > p.new_line_ratio,
    }
    details = {
        "fineweb_quality__line_punct_ratio": rule_detail(
            "fineweb_quality__line_punct_ratio",
            pl.col(c("line_punct_ratio")),
            p.line_punct_thr,
            "<",
        ),
        "fineweb_quality__short_line_ratio": rule_detail(
            "fineweb_quality__short_line_ratio",
            pl.col(c("short_line_ratio")),
            p.short_line_thr,
            ">",
            short_line_length=pl.lit(p.short_line_length),
        ),
        "fineweb_quality__char_dup_ratio": rule_detail(
            "fineweb_quality__char_dup_ratio",
            pl.col(c("char_dup_ratio")),
            p.char_duplicates_ratio,
            ">=",
            repeated="lines",
        ),
        "fineweb_quality__list_ratio": rule_detail(
            "fineweb_quality__list_ratio", pl.col(c("list_ratio")), p.new_line_ratio, ">"
        ),
    }
    filt = filter_step(ctx, reasons, details)
    return lambda lf: filt(
        with_stats(lf, ctx, lambda t: fineweb_stats(t, p.short_line_length), FIELDS)
    )

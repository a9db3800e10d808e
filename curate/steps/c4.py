"""C4 clean-up rules (Raffel et al. 2020, *Exploring the Limits of Transfer Learning with a Unified
Text-to-Text Transformer*, section 2.2 "Colossal Clean Crawled Corpus").

``c4_lines_v1`` (transform) removes lines; ``c4_quality_v1`` (filter) drops whole documents.

=======================================  ===========================================  ==========
rule                                     what it does                                 C4 value
=======================================  ===========================================  ==========
c4_lines: no_terminal_punct              drop lines not ending in . ! ? " ' (CJK 。！？)  on
c4_lines: too_few_words                  drop lines with fewer than min_words_per_line  3
c4_lines: long_word                      drop lines with a word longer than max_word_length  1000
c4_lines: javascript                     drop lines containing "javascript"            on
c4_lines: policy                         drop lines with "terms of use", "privacy policy",
                                         "cookie policy", "uses cookies", "use of cookies",
                                         "use cookies"                                 on
c4_quality__lorem_ipsum                  drop documents containing "lorem ipsum"       on
c4_quality__curly_bracket                drop documents containing "{"                 on
c4_quality__min_sentences                drop documents with fewer sentences than      5
=======================================  ===========================================  ==========

Run ``c4_quality_v1`` after ``c4_lines_v1`` (the paper counts sentences after line removal).
Words and sentences are CJK-aware (:mod:`curate.steps.words`). The curly-bracket rule drops code;
scope C4 to ``kinds: [document]`` and keep code corpora out of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from curate.core.decisions import filter_step
from curate.core.evidence import first_span, rule_detail
from curate.core.step import Step, StepContext, register
from curate.steps.rowops import rewrite_rows, with_stats
from curate.steps.words import count_sentences, ends_with_terminal_punct, split_words

POLICY_SUBSTRINGS = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
LINE_RULES = ("javascript", "policy", "long_word", "too_few_words", "no_terminal_punct")
_BLANKS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class C4LinesParams:
    filter_no_terminal_punct: bool = True
    min_words_per_line: int = 3
    max_word_length: int = 1000
    filter_javascript: bool = True
    filter_policy: bool = True


def c4_line_reason(line: str, p: C4LinesParams) -> str | None:
    """The C4 rule a non-blank line breaks, or None.

    Example: ``c4_line_reason("Please enable JavaScript to view.", C4LinesParams())`` ->
    ``"javascript"``; ``"Home | About"`` -> ``"no_terminal_punct"`` (3 words, no full stop).
    """
    low = line.lower()
    if p.filter_javascript and "javascript" in low:
        return "javascript"
    if p.filter_policy and any(s in low for s in POLICY_SUBSTRINGS):
        return "policy"
    words = split_words(line)
    if any(len(w) > p.max_word_length for w in words):
        return "long_word"
    if len(words) < p.min_words_per_line:
        return "too_few_words"
    if p.filter_no_terminal_punct and not ends_with_terminal_punct(line):
        return "no_terminal_punct"
    return None


def c4_clean(text: str, p: C4LinesParams) -> tuple[str, dict[str, int]]:
    """Remove the lines C4 would remove; returns the new text and counts per rule.

    Example: ``c4_clean("Hello there my friend.\\nShare this", p)`` ->
    ``("Hello there my friend.", {"lines_removed": 1, "chars_removed": 10, "too_few_words": 1, ...})``.
    """
    counts = dict.fromkeys(("lines_removed", "chars_removed", *LINE_RULES), 0)
    kept = []
    for line in text.split("\n"):
        s = line.strip()
        reason = c4_line_reason(s, p) if s else None
        if reason is None:
            kept.append(line)
        else:
            counts[reason] += 1
            counts["lines_removed"] += 1
            counts["chars_removed"] += len(line) + 1
    out = _BLANKS.sub("\n\n", "\n".join(kept)).strip()
    return out, counts


@register("c4_lines_v1", kind="transform", params=C4LinesParams)
def c4_lines(p: C4LinesParams, ctx: StepContext) -> Step:
    """C4 line removal (Raffel et al. 2020): unpunctuated, short, javascript and policy lines."""
    names = ["lines_removed", "chars_removed", *LINE_RULES]
    return lambda lf: rewrite_rows(lf, ctx, lambda t: c4_clean(t, p), names)


@dataclass(frozen=True)
class C4QualityParams:
    filter_lorem_ipsum: bool = True
    filter_curly_bracket: bool = True
    min_num_sentences: int = 5


@register(
    "c4_quality_v1",
    kind="filter",
    params=C4QualityParams,
    reasons=("c4_quality__lorem_ipsum", "c4_quality__curly_bracket", "c4_quality__min_sentences"),
)
def c4_quality(p: C4QualityParams, ctx: StepContext) -> Step:
    """C4 document rules (Raffel et al. 2020): lorem ipsum, curly brackets, fewer than 5 sentences."""
    reasons = {}
    if p.filter_lorem_ipsum:
        reasons["c4_quality__lorem_ipsum"] = (
            pl.col("text").str.to_lowercase().str.contains("lorem ipsum", literal=True)
        )
    if p.filter_curly_bracket:
        reasons["c4_quality__curly_bracket"] = pl.col("text").str.contains("{", literal=True)
    reasons["c4_quality__min_sentences"] = pl.col(ctx.column("sentences")) < p.min_num_sentences
    text = pl.col("text")
    details = {
        "c4_quality__lorem_ipsum": rule_detail(
            "c4_quality__lorem_ipsum", op="contains", span=first_span(text, "lorem ipsum")
        ),
        "c4_quality__curly_bracket": rule_detail(
            "c4_quality__curly_bracket", op="contains", pattern=r"[{]", span=first_span(text, "{")
        ),
        "c4_quality__min_sentences": rule_detail(
            "c4_quality__min_sentences",
            pl.col(ctx.column("sentences")),
            p.min_num_sentences,
            "<",
        ),
    }
    filt = filter_step(ctx, reasons, details)
    return lambda lf: filt(
        with_stats(lf, ctx, lambda t: {"sentences": count_sentences(t)}, {"sentences": pl.Int64})
    )

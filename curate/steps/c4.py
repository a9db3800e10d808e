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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

from curate.core.decisions import filter_step
from curate.core.evidence import first_span, rule_detail
from curate.core.step import Step, StepContext, register
from curate.steps.rowops import rewrite_rows, with_stats
from curate.steps.words import (
    count_sentences,
    count_sentences_v2,
    ends_with_terminal_punct,
    english_sentences,
    split_words,
)

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

    def judge(line: str) -> tuple[str | None, str]:
        s = line.strip()
        return (c4_line_reason(s, p) if s else None), line

    kept, counts = _drop_lines(text.split("\n"), judge)
    return _BLANKS.sub("\n\n", "\n".join(kept)).strip(), counts


def _drop_lines(
    lines: list[str], judge: Callable[[str], tuple[str | None, str]]
) -> tuple[list[str], dict[str, int]]:
    """The lines ``judge`` keeps (as it rewrites them) and the counts per rule of the others:
    ``judge(line)`` -> ``(reason or None, the line as kept)``; a removed line counts its
    characters and its newline in ``chars_removed``.

    Example: ``_drop_lines(["a.", "b"], lambda x: (None if x.endswith(".") else
    "no_terminal_punct", x))`` -> ``(["a."], {"lines_removed": 1, "chars_removed": 2, ...})``.
    """
    counts = dict.fromkeys(("lines_removed", "chars_removed", *LINE_RULES), 0)
    kept = []
    for line in lines:
        reason, out = judge(line)
        if reason is None:
            kept.append(out)
        else:
            counts[reason] += 1
            counts["lines_removed"] += 1
            counts["chars_removed"] += len(line) + 1
    return kept, counts


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
    return _c4_quality_with(p, ctx, count_sentences)


def _c4_quality_with(p: C4QualityParams, ctx: StepContext, count: Callable[[str], int]) -> Step:
    """The C4 document rules with ``count(text)`` as the sentence counter."""
    reasons = {}
    # the text of the rows the filter can drop (kept, in scope): the reasons and details of the
    # others are never read, so they are not computed (issue 19: instruction records skip this)
    text = pl.when(pl.col("keep") & ctx.scope()).then(pl.col("text"))
    if p.filter_lorem_ipsum:
        reasons["c4_quality__lorem_ipsum"] = text.str.to_lowercase().str.contains(
            "lorem ipsum", literal=True
        )
    if p.filter_curly_bracket:
        reasons["c4_quality__curly_bracket"] = text.str.contains("{", literal=True)
    reasons["c4_quality__min_sentences"] = pl.col(ctx.column("sentences")) < p.min_num_sentences
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
        with_stats(lf, ctx, lambda t: {"sentences": count(t)}, {"sentences": pl.Int64})
    )


# ---------------------------------------------------------------------------------------------
# v2: a datatrove reference mode
# ---------------------------------------------------------------------------------------------
# ``reference: paper`` (default) is v1 with three rules of the C4 reference code (TensorFlow
# Datasets ``c4_utils``, which the paper's corpus was built with) that v1 left out: Wikipedia
# citation marks are removed before the end-of-line check, a line ending in an ellipsis ("..."
# or "…") has no terminal punctuation, and every kept line counts as at least one sentence (a
# sentence splitter never returns zero sentences for a non-empty line; v1 counted 0 for a line
# ending in a closing quote); abbreviations ("U.S.", "e.g.", "Mr.") are not sentence ends.
# ``reference: datatrove`` reproduces datatrove 0.10's
# ``C4QualityFilter`` (itself the TensorFlow Datasets C4 code): words are whitespace-separated
# (a Chinese line is one word), Wikipedia citations ("[1]", "[edit]", "[citation needed]") are
# removed before the end-of-line check, a line ending in "..." has no terminal punctuation, only
# . ? ! " ' count as line ends, and sentences are counted per kept line the way spaCy's
# sentencizer splits them. A line holding "lorem ipsum" or "{" that passes the end and
# length checks is kept, so that ``c4_quality_v2`` drops its document, as the reference does.

_CITATION_RE = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
_C4_ENDS = (".", "?", "!", '"', "'")


@dataclass(frozen=True)
class C4LinesV2Params(C4LinesParams):
    reference: Literal["paper", "datatrove"] = "paper"


def c4_line_reason_datatrove(line: str, p: C4LinesParams) -> tuple[str | None, str]:
    """The C4 rule a stripped non-blank line breaks as datatrove checks them, and the line as
    kept (citations removed).

    Example: ``c4_line_reason_datatrove("See the notes [1].", p)`` -> ``(None, "See the notes .")``;
    ``"Loading more items..."`` -> ``("no_terminal_punct", ...)``.
    """
    words = line.split()
    if any(len(w) > p.max_word_length for w in words):
        return "long_word", line
    line = _CITATION_RE.sub("", line)
    ends = line.endswith(_C4_ENDS) and not line.endswith("...")
    if p.filter_no_terminal_punct and not ends:
        return "no_terminal_punct", line
    if len(words) < p.min_words_per_line:
        return "too_few_words", line
    low = line.lower()
    if "lorem ipsum" in low:
        return None, line
    if p.filter_javascript and "javascript" in low:
        return "javascript", line
    if "{" in line:
        return None, line
    if p.filter_policy and any(s in low for s in POLICY_SUBSTRINGS):
        return "policy", line
    return None, line


def c4_clean_datatrove(text: str, p: C4LinesParams) -> tuple[str, dict[str, int]]:
    """:func:`c4_clean` with datatrove's line rules: the kept lines, stripped, joined by newlines.

    Example: ``c4_clean_datatrove("Hello there my friend [2].\\nShare this", p)`` ->
    ``("Hello there my friend .", {"lines_removed": 1, ...})``.
    """
    kept, counts = _drop_lines(
        text.splitlines(), lambda raw: c4_line_reason_datatrove(raw.strip(), p)
    )
    return "\n".join(kept).strip(), counts


def c4_clean_v2(text: str, p: C4LinesParams) -> tuple[str, dict[str, int]]:
    """:func:`c4_clean` with citation marks removed from kept lines first and ellipsis line ends
    not terminal (the C4 reference code's rules).

    Example: ``c4_clean_v2("It rains [1].\nAnd then it stopped and...", p)`` ->
    ``("It rains .", {"no_terminal_punct": 1, ...})``.
    """

    def judge(line: str) -> tuple[str | None, str]:
        s = _CITATION_RE.sub("", line).strip()
        reason = c4_line_reason(s, p) if s else None
        if reason is None and s and p.filter_no_terminal_punct and s.endswith(("...", "…")):
            reason = "no_terminal_punct"
        return reason, _CITATION_RE.sub("", line)

    kept, counts = _drop_lines(text.split("\n"), judge)
    return _BLANKS.sub("\n\n", "\n".join(kept)).strip(), counts


@register("c4_lines_v2", kind="transform", params=C4LinesV2Params)
def c4_lines_v2(p: C4LinesV2Params, ctx: StepContext) -> Step:
    """C4 line removal (Raffel et al. 2020) with the reference code's citation and ellipsis rules;
    ``reference: datatrove`` reproduces datatrove's C4QualityFilter line rules."""
    clean = c4_clean_datatrove if p.reference == "datatrove" else c4_clean_v2
    names = ["lines_removed", "chars_removed", *LINE_RULES]
    return lambda lf: rewrite_rows(lf, ctx, lambda t: clean(t, p), names)


@dataclass(frozen=True)
class C4QualityV2Params(C4QualityParams):
    reference: Literal["paper", "datatrove"] = "paper"


def c4_sentences_v2(text: str) -> int:
    """Sentences after line removal: each non-blank line counts its sentence ends (abbreviations
    such as "U.S." not counted), and at least one.

    Example: ``c4_sentences_v2('The U.S. grew. It did.\n"A quote"')`` -> 3.
    """
    return sum(max(1, count_sentences_v2(line)) for line in text.split("\n") if line.strip())


def c4_sentences_datatrove(text: str) -> int:
    """Sentences of a text as datatrove counts them after line removal: spaCy-sentencizer
    sentences (:func:`~curate.steps.words.english_sentences`) of each line, summed.

    Example: ``c4_sentences_datatrove("One. Two.\\nThree.")`` -> 3.
    """
    return sum(english_sentences(line) for line in text.split("\n") if line.strip())


@register(
    "c4_quality_v2",
    kind="filter",
    params=C4QualityV2Params,
    reasons=("c4_quality__lorem_ipsum", "c4_quality__curly_bracket", "c4_quality__min_sentences"),
)
def c4_quality_v2(p: C4QualityV2Params, ctx: StepContext) -> Step:
    """C4 document rules (Raffel et al. 2020), every kept line at least one sentence;
    ``reference: datatrove`` counts sentences as datatrove does."""
    count = c4_sentences_datatrove if p.reference == "datatrove" else c4_sentences_v2
    return _c4_quality_with(p, ctx, count)

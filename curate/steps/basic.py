"""Normalisation and the minimal length filter.

``normalise_v1`` rewrites ``text`` and message contents (NFKC, mojibake repair with ftfy, control
characters, whitespace). ``length_filter_v1`` drops records with nothing to train on.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from curate.core.decisions import filter_step
from curate.core.evidence import rule_detail
from curate.core.records import join_messages, last_response
from curate.core.schemas import MESSAGE
from curate.core.step import Step, StepContext, register
from curate.core.textnorm import normalise_text

# A "word" is a run of non-space characters outside CJK scripts, or one CJK character: Chinese
# and Japanese are not written with spaces, so counting space-separated tokens would see one word.
WORD_PATTERN = r"[\p{Han}\p{Hiragana}\p{Katakana}]|[^\s\p{Han}\p{Hiragana}\p{Katakana}]+"


def word_count(expr: pl.Expr) -> pl.Expr:
    """Number of words (CJK characters count one each): ``"我爱 big data"`` -> 4."""
    return expr.str.count_matches(WORD_PATTERN).fill_null(0)


@dataclass(frozen=True)
class NormaliseParams:
    fix_mojibake: bool = True
    nfkc: bool = True
    strip_control: bool = True
    collapse_whitespace: bool = True


@register("normalise_v1", kind="transform", params=NormaliseParams)
def normalise(p: NormaliseParams, ctx: StepContext) -> Step:
    """Repair mojibake (ftfy), NFKC, strip control characters, collapse whitespace."""
    opts = dict(
        fix_mojibake=p.fix_mojibake,
        nfkc=p.nfkc,
        strip_control=p.strip_control,
        collapse_whitespace=p.collapse_whitespace,
    )

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        # Documents: normalise the text. Instruction records: normalise the messages, and
        # rebuild the text from them (it is their contents joined), so the two stay in step.
        frame = lf.collect()
        in_scope = frame.with_columns(_scope=ctx.scope())["_scope"].to_list()
        text = frame["text"].to_list()
        messages = frame["messages"].to_list()
        for i, (scoped, msgs) in enumerate(zip(in_scope, messages, strict=True)):
            if not scoped:
                continue
            if msgs is None:
                text[i] = None if text[i] is None else normalise_text(text[i], **opts)
            else:
                messages[i] = [
                    {"role": m["role"], "content": normalise_text(m["content"] or "", **opts)}
                    for m in msgs
                ]
                text[i] = join_messages(messages[i])
        return frame.with_columns(
            text=pl.Series(text, dtype=pl.String),
            messages=pl.Series(messages, dtype=pl.List(MESSAGE)),
        ).lazy()

    return step


@dataclass(frozen=True)
class LengthParams:
    min_words: int = 3
    min_response_chars: int = 1


@register(
    "length_filter_v1",
    kind="filter",
    params=LengthParams,
    reasons=("length__empty_text", "length__empty_response", "length__min_words"),
)
def length_filter(p: LengthParams, ctx: StepContext) -> Step:
    """Drop empty texts, instruction records with an empty answer, and texts under ``min_words``."""
    response = last_response()
    return filter_step(
        ctx,
        {
            "length__empty_text": pl.col("text").fill_null("").str.strip_chars() == "",
            "length__empty_response": (pl.col("kind") == "instruction")
            & (response.fill_null("").str.strip_chars().str.len_chars() < p.min_response_chars),
            "length__min_words": word_count(pl.col("text")) < p.min_words,
        },
        {
            "length__empty_text": rule_detail(
                "length__empty_text",
                pl.col("text").fill_null("").str.strip_chars().str.len_chars(),
                0,
                "=",
            ),
            "length__empty_response": rule_detail(
                "length__empty_response",
                response.fill_null("").str.strip_chars().str.len_chars(),
                p.min_response_chars,
                "<",
            ),
            "length__min_words": rule_detail(
                "length__min_words", word_count(pl.col("text")), p.min_words, "<"
            ),
        },
    )

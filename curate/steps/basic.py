"""Normalisation and the minimal length filter.

``normalise_v1`` rewrites ``text`` and message contents (NFKC, mojibake repair with ftfy, control
characters, whitespace). ``length_filter_v1`` drops records with nothing to train on.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from curate.registry import Step, StepContext, filter_step, register
from curate.schema import MESSAGE, join_messages
from curate.textnorm import normalise_text

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

    def norm_texts(s: pl.Series) -> pl.Series:
        return pl.Series([None if t is None else normalise_text(t, **opts) for t in s], dtype=pl.String)

    def norm_messages(s: pl.Series) -> pl.Series:
        out = []
        for msgs in s.to_list():
            if msgs is None:
                out.append(None)
            else:
                out.append([{"role": m["role"], "content": normalise_text(m["content"] or "", **opts)} for m in msgs])
        return pl.Series(out, dtype=pl.List(MESSAGE))

    def joined(s: pl.Series) -> pl.Series:
        return pl.Series([None if m is None else join_messages(m) for m in s.to_list()], dtype=pl.String)

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        lf = lf.with_columns(
            text=pl.when(ctx.scope()).then(pl.col("text").map_batches(norm_texts, return_dtype=pl.String)).otherwise(pl.col("text")),
            messages=pl.when(ctx.scope()).then(pl.col("messages").map_batches(norm_messages, return_dtype=pl.List(MESSAGE))).otherwise(pl.col("messages")),
        )
        # An instruction record's text is its messages joined; keep the two in step.
        return lf.with_columns(
            text=pl.when(pl.col("messages").is_not_null())
            .then(pl.col("messages").map_batches(joined, return_dtype=pl.String))
            .otherwise(pl.col("text"))
        )

    return step


@dataclass(frozen=True)
class LengthParams:
    min_words: int = 3
    min_response_chars: int = 1


def last_response() -> pl.Expr:
    """Content of the last assistant message (null for documents)."""
    return (
        pl.col("messages")
        .list.eval(pl.element().filter(pl.element().struct.field("role") == "assistant").struct.field("content"))
        .list.last()
    )


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
    )

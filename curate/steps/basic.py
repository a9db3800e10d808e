"""Normalisation and the minimal length filter.

``normalise_v1`` rewrites ``text`` and message contents (NFKC, mojibake repair with ftfy, control
characters, whitespace). ``length_filter_v1`` drops records with nothing to train on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import polars as pl

from curate.core.decisions import filter_step
from curate.core.evidence import rule_detail
from curate.core.records import join_messages, last_response
from curate.core.schemas import MESSAGE
from curate.core.step import Step, StepContext, register
from curate.core.textnorm import normalise_expr, normalise_text, plain_text

# A "word" is a run of non-space characters outside CJK scripts, or one CJK character: Chinese
# and Japanese are not written with spaces, so counting space-separated tokens would see one word.
WORD_PATTERN = r"[\p{Han}\p{Hiragana}\p{Katakana}]|[^\s\p{Han}\p{Hiragana}\p{Katakana}]+"


def word_count(expr: pl.Expr) -> pl.Expr:
    """Number of words (CJK characters count one each): ``"我爱 big data"`` -> 4."""
    return expr.str.count_matches(WORD_PATTERN).fill_null(0)


# What Rust's ``\s`` (Unicode White_Space) matches among ASCII characters: WORD_PATTERN's spaces
# on ASCII text (U+001C-U+001F are not among them, as they are for Python's ``\s``).
RUST_ASCII_SPACE = "\t\n\x0b\x0c\r "


def word_counts(texts: pl.Series) -> pl.Series:
    """:func:`word_count` of each text of a String series (0 for null): the ASCII texts counted
    in one compiled pass (:mod:`curate.steps._words_kernel`; a word there is a run of
    characters outside :data:`RUST_ASCII_SPACE`), the others by ``WORD_PATTERN`` (issue 19).

    Example: ``word_counts(pl.Series(["我爱 big data", "a  b", None]))`` -> ``[4, 2, 0]``.
    """
    from curate.steps import _words_kernel as kernel

    frame = texts.to_frame("t")
    if not kernel.available():
        return frame.select(word_count(pl.col("t")))[:, 0].alias(texts.name)
    from curate.io.ingest_arrow import utf8_buffers  # here: a step module loads every run

    counts, plain = kernel.word_runs(*utf8_buffers(texts.fill_null("")), RUST_ASCII_SPACE)
    out = pl.Series(texts.name, counts, dtype=pl.UInt32)
    other = np.flatnonzero(~plain)
    if other.shape[0]:
        out = out.scatter(other, frame[other].select(word_count(pl.col("t")))[:, 0])
    return out


def message_lists(
    roles: list[str | None], contents: list[str], ends: list[int], valid: list[bool]
) -> pl.Series:
    """A ``List(MESSAGE)`` series from flat roles and contents: list ``k`` holds the messages
    from ``ends[k-1]`` to ``ends[k]``, null where ``valid[k]`` is False. Built through Arrow
    buffers: the same series as ``pl.Series`` of the dicts, without converting each (issue 19).

    Example: ``message_lists(["user", "assistant"], ["Hi", "Hello"], [2, 2], [True, False])``
    -> ``[[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], None]``.
    """
    import pyarrow as pa  # imported here: a step module loads with every run

    values = pa.StructArray.from_arrays(
        [pa.array(roles, pa.large_string()), pa.array(contents, pa.large_string())],
        names=["role", "content"],
    )
    offsets = pa.array([0, *ends], pa.int64())
    lists = pa.LargeListArray.from_arrays(
        offsets, values, mask=pa.array([not v for v in valid], pa.bool_())
    )
    return pl.Series(pl.from_arrow(lists)).cast(pl.List(MESSAGE))


def normalised_messages(
    messages: pl.Series, fix_mojibake: bool
) -> tuple[pl.Series, pl.Series] | None:
    """``normalise_v1``'s Polars path for message lists, in one compiled pass over their contents
    (:mod:`curate.steps._normalise_kernel`; issue 19): each list with every content normalised as
    :func:`normalise_expr` does (a null content as ``""``), and per list whether every content is
    one :func:`plain_text` accepts (the lists where one is not are normalised in Python, and
    their contents here are ``""``). ``None`` when numba is off.

    Example: ``[[user "Hi  \\r\\n"], None]`` -> ``([[user "Hi"], None], [True, True])``.
    """
    from curate.steps import _normalise_kernel as kernel

    if not kernel.available():
        return None
    import pyarrow as pa

    from curate.io.ingest_arrow import utf8_buffers  # here: a step module loads every run

    flat = messages.explode(empty_as_null=False, keep_nulls=False)
    contents = flat.struct.field("content").fill_null("")
    data, offs, plain = kernel.normalise_plain(*utf8_buffers(contents), fix_mojibake)
    normed = pa.LargeStringArray.from_buffers(
        len(contents), pa.py_buffer(offs), pa.py_buffer(data[: max(int(offs[-1]), 1)])
    )
    values = pa.StructArray.from_arrays(
        [flat.struct.field("role").to_arrow().cast(pa.large_string()), normed],
        names=["role", "content"],
    )
    ends = np.cumsum(messages.list.len().fill_null(0).to_numpy(), dtype=np.int64)
    lists = pa.LargeListArray.from_arrays(
        pa.array(np.concatenate(([0], ends))), values, mask=messages.is_null().to_arrow()
    )
    bad = np.concatenate(([0], np.cumsum(~plain)))
    starts = np.concatenate(([0], ends[:-1]))
    ok = pl.Series(bad[ends] == bad[starts], dtype=pl.Boolean)
    return pl.Series(pl.from_arrow(lists)).cast(pl.List(MESSAGE)), ok


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
        # Rows whose texts are all plain (ASCII, no "&") are normalised in Polars
        # (normalise_expr); the others go through normalise_text one by one (issue 19).
        frame = lf.collect().with_row_index("_norm_at")
        plain = partial(plain_text, fix_mojibake=p.fix_mojibake)
        norm = partial(
            normalise_expr,
            strip_control=p.strip_control,
            collapse_whitespace=p.collapse_whitespace,
        )
        chat = pl.col("messages").is_not_null()
        content = pl.element().struct.field("content").fill_null("")
        slow = ctx.scope() & (
            pl.when(chat)
            .then(~pl.col("messages").list.eval(plain(content)).list.all())
            .otherwise(~plain(pl.col("text")).fill_null(True))
        )
        messages = pl.col("messages").list.eval(
            pl.struct(role=pl.element().struct.field("role"), content=norm(content))
        )
        compiled = (
            normalised_messages(frame["messages"], p.fix_mojibake)
            if p.strip_control and p.collapse_whitespace
            else None
        )
        if compiled is not None:  # the same columns, from one compiled pass (issue 19)
            frame = frame.with_columns(_norm_msgs=compiled[0], _norm_ok=compiled[1])
            messages = pl.col("_norm_msgs")
            slow = ctx.scope() & (
                pl.when(chat)
                .then(~pl.col("_norm_ok"))
                .otherwise(~plain(pl.col("text")).fill_null(True))
            )
        mask = frame.select(slow.fill_null(True))[:, 0]
        extra = [c for c in ("_norm_msgs", "_norm_ok") if c in frame.columns]
        # the text is joined from the messages normalised once, in a column (issue 19)
        normed = pl.element().struct.field("content")
        joined = pl.col("messages").list.eval(normed.filter(normed != "")).list.join("\n\n")
        fast = (
            frame.filter(~mask)
            .with_columns(
                messages=pl.when(ctx.scope() & chat).then(messages).otherwise(pl.col("messages")),
                _norm_text=pl.when(ctx.scope() & ~chat).then(norm(pl.col("text"))),
            )
            .with_columns(
                text=pl.when(~ctx.scope())
                .then(pl.col("text"))
                .when(chat)
                .then(joined)
                .otherwise(pl.col("_norm_text"))
            )
            .drop("_norm_text", *extra)
        )
        if not mask.any():
            return fast.drop("_norm_at").lazy()
        rest = frame.filter(mask).drop(*extra)
        text = rest["text"].to_list()
        msgs_in = rest["messages"].to_list()
        roles: list[str | None] = []
        contents: list[str] = []
        ends: list[int] = []  # where each record's messages end in roles/contents
        for i, msgs in enumerate(msgs_in):
            if msgs is None:
                text[i] = None if text[i] is None else normalise_text(text[i], **opts)
            else:
                msgs_in[i] = [
                    {"role": m["role"], "content": normalise_text(m["content"] or "", **opts)}
                    for m in msgs
                ]
                text[i] = join_messages(msgs_in[i])
                roles += [m["role"] for m in msgs_in[i]]
                contents += [m["content"] for m in msgs_in[i]]
            ends.append(len(contents))
        rest = rest.with_columns(
            text=pl.Series(text, dtype=pl.String),
            messages=message_lists(roles, contents, ends, [m is not None for m in msgs_in]),
        )
        return pl.concat([fast, rest]).sort("_norm_at").drop("_norm_at").lazy()

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
    # the word count is read by the rule and by its detail: counted once, in a column (Polars
    # does not share it between the two, and it is most of the step's time; issue 19)
    words = pl.col("_length_words")
    filt = filter_step(
        ctx,
        {
            "length__empty_text": pl.col("text").fill_null("").str.strip_chars() == "",
            "length__empty_response": (pl.col("kind") == "instruction")
            & (response.fill_null("").str.strip_chars().str.len_chars() < p.min_response_chars),
            "length__min_words": words < p.min_words,
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
            "length__min_words": rule_detail("length__min_words", words, p.min_words, "<"),
        },
    )

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        lf = lf.with_columns(
            _length_words=pl.col("text").map_batches(word_counts, return_dtype=pl.UInt32)
        )
        return filt(lf).drop("_length_words")

    return step

"""Per-row Python work for steps, batched through ``map_batches`` (STYLE: one batch function).

Two shapes recur in the filters:

- :func:`with_stats`: compute a dict of statistics per ``text`` and add them as
  ``<family>__<field>`` columns (rows out of scope or already dropped get nulls and cost nothing);
- :func:`rewrite_rows`: rewrite ``text`` (documents) or every message content (instruction
  records, then ``text`` is re-joined from the messages) and add per-row counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from curate.core.records import join_messages
from curate.core.schemas import MESSAGE
from curate.core.step import StepContext

StatsFn = Callable[[str], dict[str, Any]]
RewriteFn = Callable[[str], tuple[str, dict[str, int]]]


def on_live_rows(
    batch: Callable[[pl.Series], pl.Series], dtype: pl.DataType
) -> Callable[[pl.Series], pl.Series]:
    """``batch`` over a struct column's rows whose ``_live`` field is true, null elsewhere: the
    rows that are not live are never turned into Python objects (issue 19).

    Example: ``on_live_rows(f, dtype)(s)`` equals ``f(s)`` when ``f`` maps rows that are not
    live to null.
    """

    def run(s: pl.Series) -> pl.Series:
        live = s.struct.field("_live").fill_null(False)
        n_live = int(live.sum())
        if n_live == len(s):
            return batch(s)
        got = batch(s.filter(live)) if n_live else pl.Series([], dtype=dtype)
        # position of each row in ``got``, and a trailing null for the rows not live
        at = (live.cast(pl.Int64).cum_sum() - 1).zip_with(live, pl.Series([n_live] * len(s)))
        return pl.concat([got.cast(dtype), pl.Series([None], dtype=dtype)]).gather(at)

    return run


def nulls(n: int, dtype: pl.DataType) -> pl.Series:
    """``n`` nulls of ``dtype``, without building ``n`` Python objects: what ``pl.Series([None] *
    n, dtype=dtype)`` gives. A step's batch returns it when no row is live (a document step on
    instruction records; issue 19). Example: ``nulls(2, pl.Int64).to_list()`` -> ``[None, None]``.
    """
    if n == 0:
        return pl.Series([], dtype=dtype)
    return pl.Series([None], dtype=dtype).new_from_index(0, n)


def all_null_batch(s: pl.Series, dtype: pl.DataType) -> pl.Series | None:
    """:func:`nulls` for a batch with no live row (every element of ``s`` null), else ``None``:
    the batch then goes through the step's Python function.

    Example: ``all_null_batch(pl.Series([None, None], dtype=pl.String), pl.Int64)`` -> two nulls;
    ``all_null_batch(pl.Series(["a", None]), pl.Int64)`` -> ``None``.
    """
    return nulls(len(s), dtype) if s.null_count() == len(s) else None


def with_stats(
    lf: pl.LazyFrame,
    ctx: StepContext,
    fn: StatsFn,
    fields: dict[str, pl.DataType],
    *,
    names: Callable[[str], str] | None = None,
) -> pl.LazyFrame:
    """Add one column per ``fields`` entry, from ``fn(text) -> {field: value}`` on live rows.

    Example: ``with_stats(lf, ctx, lambda t: {"chars": len(t)}, {"chars": pl.Int64})`` adds
    ``<family>__chars``.
    """
    dtype = pl.Struct(fields)
    name = names or ctx.column

    def batch(s: pl.Series) -> pl.Series:
        if (none_live := all_null_batch(s, dtype)) is not None:
            return none_live
        return pl.Series([None if t is None else fn(t) for t in s.to_list()], dtype=dtype)

    live = pl.col("keep") & ctx.scope()
    stats = (
        pl.when(live)
        .then(pl.col("text"))
        .otherwise(pl.lit(None, pl.String))
        .map_batches(batch, return_dtype=dtype)
        .alias("_stats")
    )
    return (
        lf.with_columns(stats)
        .with_columns([pl.col("_stats").struct.field(f).alias(name(f)) for f in fields])
        .drop("_stats")
    )


def with_batch_stats(
    lf: pl.LazyFrame,
    ctx: StepContext,
    fn: Callable[[list[str | None]], list[dict[str, Any] | None]],
    fields: dict[str, pl.DataType],
) -> pl.LazyFrame:
    """:func:`with_stats` with a function of the whole batch (``None`` for rows not live), for
    statistics computed in one compiled pass over many texts.

    Example: ``with_batch_stats(lf, ctx, lambda ts: [None if t is None else {"chars": len(t)}
    for t in ts], {"chars": pl.Int64})`` adds ``<family>__chars``.
    """
    dtype = pl.Struct(fields)

    def batch(s: pl.Series) -> pl.Series:
        if (none_live := all_null_batch(s, dtype)) is not None:
            return none_live
        return pl.Series(fn(s.to_list()), dtype=dtype)

    live = pl.col("keep") & ctx.scope()
    stats = (
        pl.when(live)
        .then(pl.col("text"))
        .otherwise(pl.lit(None, pl.String))
        .map_batches(batch, return_dtype=dtype)
        .alias("_stats")
    )
    return (
        lf.with_columns(stats)
        .with_columns([pl.col("_stats").struct.field(f).alias(ctx.column(f)) for f in fields])
        .drop("_stats")
    )


def rewrite_rows(
    lf: pl.LazyFrame,
    ctx: StepContext,
    fn: RewriteFn,
    counts: list[str],
    *,
    names: Callable[[str], str] | None = None,
    messages: bool = True,
    live_only: bool = True,
    may_change: Callable[[pl.Expr], pl.Expr] | None = None,
) -> pl.LazyFrame:
    """Rewrite ``text`` (or each message content) with ``fn(text) -> (new_text, counts)``.

    Counts are summed over a record's messages and added as integer columns (0 for rows the step
    did not touch). ``text`` of a record with messages is re-joined from the rewritten messages.

    ``may_change(texts) -> bool`` (a vectorised test, e.g. ``e.str.contains(...)``) names the texts
    ``fn`` can change or count in: it must be true for every text where ``fn(text) != (text, {})``
    (all counts 0). Rows whose texts all fail it skip the Python loop; their messages stay as they
    are and their ``text`` is re-joined in Polars, as the loop would (issue 19).
    """
    name = names or ctx.column
    struct = pl.Struct(
        {"text": pl.String, "messages": pl.List(MESSAGE), **dict.fromkeys(counts, pl.Int64)}
    )

    def batch(s: pl.Series) -> pl.Series:
        out = []
        for row in s.to_list():
            if row is None or not row["_live"]:
                out.append(None)
                continue
            totals = dict.fromkeys(counts, 0)
            msgs = row["messages"]
            if messages and msgs is not None:
                new_msgs = []
                for m in msgs:
                    new, got = fn(m["content"] or "")
                    for k in counts:
                        totals[k] += got.get(k, 0)
                    new_msgs.append({"role": m["role"], "content": new})
                out.append({"text": join_messages(new_msgs), "messages": new_msgs, **totals})
            else:
                new, got = fn(row["text"] or "")
                totals.update({k: got.get(k, 0) for k in counts})
                out.append({"text": new, "messages": msgs, **totals})
        return pl.Series(out, dtype=struct)

    live = (
        (pl.col("keep") if live_only else pl.lit(True)) & ctx.scope() & pl.col("text").is_not_null()
    )
    rejoin = pl.lit(False)
    if may_change is not None:
        chat = pl.lit(messages) & pl.col("messages").is_not_null()
        contents = pl.col("messages").list.eval(pl.element().struct.field("content"))
        # a null content becomes "" in the loop: such rows take the loop
        loop = (
            pl.when(chat)
            .then(
                contents.list.eval(
                    pl.element().is_null() | may_change(pl.element()).fill_null(True)
                ).list.any()
            )
            .otherwise(may_change(pl.col("text")).fill_null(True))
        )
        rejoin = live & chat & ~loop
        live = live & loop
        joined = contents.list.eval(pl.element().filter(pl.element() != "")).list.join("\n\n")
    packed = pl.struct(pl.col("text"), pl.col("messages"), live.alias("_live"))
    lf = lf.with_columns(_rw=packed.map_batches(on_live_rows(batch, struct), return_dtype=struct))
    done = pl.col("_rw").is_not_null()
    text = (
        pl.col("text")
        if may_change is None
        else pl.when(rejoin).then(joined).otherwise(pl.col("text"))
    )
    return lf.with_columns(
        text=pl.when(done).then(pl.col("_rw").struct.field("text")).otherwise(text),
        messages=pl.when(done)
        .then(pl.col("_rw").struct.field("messages"))
        .otherwise(pl.col("messages")),
        **{name(k): pl.col("_rw").struct.field(k).fill_null(0) for k in counts},
    ).drop("_rw")

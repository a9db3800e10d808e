"""Record helpers: the stable record id, the ``text`` of a conversation, and the one home of
prompt/response extraction (as Polars expressions for steps, as Python for per-row code).

Example: ``split_turns([user "Add 2+2", assistant "4"], "")`` -> ``("Add 2+2", "4")``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import polars as pl
import xxhash


def join_messages(messages: Sequence[dict] | None) -> str:
    """The ``text`` of an instruction record: message contents joined by a blank line.

    Example: ``[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]``
    -> ``"Hi\\n\\nHello"``.
    """
    return "\n\n".join(m["content"] for m in messages or () if m["content"])


def content_hash(source: str, kind: str, text: str, messages: Sequence[dict] | None) -> str:
    """128-bit xxh3 hex digest of a record's content: recomputable from the row alone.

    The source is part of the hash, so the same text in two sources gives two ids.
    """
    canon = json.dumps(
        [source, kind, text, [[m["role"], m["content"]] for m in messages or ()]],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return xxhash.xxh3_128_hexdigest(canon.encode("utf-8"))


def assign_ids(hashes: Iterable[str]) -> list[str]:
    """Make content hashes unique in input order: the n-th repeat gets the suffix ``-n``.

    Example: ``["a", "b", "a"] -> ["a", "b", "a-1"]``. Exact duplicates thus keep distinct,
    stable ids (the first copy's id is its plain content hash).
    """
    seen: dict[str, int] = {}
    out = []
    for h in hashes:
        n = seen.get(h, 0)
        seen[h] = n + 1
        out.append(h if n == 0 else f"{h}-{n}")
    return out


def _contents(keep: pl.Expr) -> pl.Expr:
    """The contents of the messages whose struct satisfies ``keep`` (a list per row)."""
    return pl.col("messages").list.eval(pl.element().filter(keep).struct.field("content"))


def last_response() -> pl.Expr:
    """Content of the last assistant message (null for documents)."""
    return _contents(pl.element().struct.field("role") == "assistant").list.last()


def prompt_text() -> pl.Expr:
    """The non-assistant message contents joined by blank lines (null for documents)."""
    return _contents(pl.element().struct.field("role") != "assistant").list.join("\n\n")


def field_text(field: str) -> pl.Expr:
    """What a scorer or comparer reads: ``text``, ``prompt`` or ``response``; documents (no
    messages) always read ``text``."""
    if field == "text":
        return pl.col("text")
    part = last_response() if field == "response" else prompt_text()
    return pl.when(pl.col("messages").is_null()).then(pl.col("text")).otherwise(part)


def prompt_response() -> pl.Expr:
    """``{prompt, response}`` per row: the non-assistant turns joined and the last assistant turn
    for instruction records; ``{"", text}`` for documents."""
    is_chat = pl.col("messages").is_not_null() & (pl.col("messages").list.len() > 0)
    return (
        pl.when(is_chat)
        .then(pl.struct(prompt=prompt_text().fill_null(""), response=last_response().fill_null("")))
        .otherwise(pl.struct(prompt=pl.lit(""), response=pl.col("text")))
    )


def split_turns(messages: list[dict[str, str]] | None, text: str) -> tuple[str, str]:
    """``(prompt, response)`` of a record: the contents before the last assistant turn (joined by a
    blank line, system turns left out) and that turn; a document is ``("", text)``.

    Example: ``[user "Add 2+2", assistant "4"]`` -> ``("Add 2+2", "4")``.
    """
    if not messages:
        return "", text
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
    if last is None:
        return "\n\n".join(m["content"] for m in messages), ""
    before = [m["content"] for m in messages[:last] if m["role"] != "system"]
    return "\n\n".join(before), messages[last]["content"]


def user_and_answer(messages: list[dict[str, str]]) -> tuple[str, str | None]:
    """The user turns joined by newlines, and the last assistant answer (None if there is none).

    Example: ``[user "Hi", assistant "Hello", user "Bye"]`` -> ``("Hi\\nBye", "Hello")``.
    """
    user = "\n".join(m["content"] or "" for m in messages if m["role"] == "user")
    answers = [m["content"] for m in messages if m["role"] == "assistant"]
    return user, (answers[-1] if answers else None)

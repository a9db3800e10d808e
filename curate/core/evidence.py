"""Evidence behind a drop: the ``detail`` JSON a filter writes, and the spans the app highlights.

Every filter reason writes one JSON object into ``decisions.detail`` (see docs/SCHEMA.md):

- ``rule``: the reason that fired, e.g. ``gopher_quality__min_words``;
- ``value``: the measured value (``42`` words), ``threshold`` the limit it crossed (``50``) and
  ``op`` how they compare (``"<"``: dropped because value < threshold; ``"outside"`` for a range);
- ``span`` (optional): ``[start, end]``, character offsets into ``records.text`` of the text that
  triggered the rule (the first ``lorem ipsum``);
- ``pattern`` (optional): a regular expression whose matches in ``text`` are the offending parts
  (every ``#`` and ``...`` of a symbol-ratio drop); ``repeated`` (optional): ``lines``,
  ``paragraphs`` or ``ngram:N`` when the offending parts are repeated units, found by
  :func:`repeated_spans`.

Example: a Gopher drop of a 12-word text stores
``{"op":"<","rule":"gopher_quality__min_words","threshold":50,"value":12}``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import polars as pl


def rule_detail(
    rule: str,
    value: pl.Expr | None = None,
    threshold: Any = None,
    op: str | None = None,
    *,
    span: pl.Expr | None = None,
    pattern: str | None = None,
    repeated: str | None = None,
    **extra: pl.Expr,
) -> pl.Expr:
    """A JSON-string expression with the evidence of one rule (keys sorted, nulls kept out).

    Example: ``rule_detail("length__min_words", pl.lit(2), 3, "<")`` evaluates to
    ``'{"op":"<","rule":"length__min_words","threshold":3,"value":2}'``.
    """
    fields: dict[str, pl.Expr] = {"rule": pl.lit(rule)}
    if op is not None:
        fields["op"] = pl.lit(op)
    if threshold is not None:
        fields["threshold"] = threshold if isinstance(threshold, pl.Expr) else pl.lit(threshold)
    if value is not None:
        fields["value"] = value
    if span is not None:
        fields["span"] = span
    if pattern is not None:
        fields["pattern"] = pl.lit(pattern)
    if repeated is not None:
        fields["repeated"] = pl.lit(repeated)
    fields.update(extra)
    return pl.struct(**dict(sorted(fields.items()))).struct.json_encode()


def first_span(text: pl.Expr, needle: str, *, ignore_case: bool = True) -> pl.Expr:
    """``[start, end]`` (characters) of the first ``needle`` in ``text``; null when absent.

    Example: ``first_span(pl.col("text"), "lorem ipsum")`` on ``"Intro. Lorem ipsum dolor"``
    -> ``[7, 18]``.
    """
    flags = "(?s" + ("i" if ignore_case else "") + ")"
    start = text.str.extract(f"{flags}^(.*?){re.escape(needle)}", 1).str.len_chars()
    return pl.when(start.is_not_null()).then(pl.concat_list(start, start + len(needle)))


def pattern_spans(text: str, pattern: str, limit: int = 500) -> list[list[int]]:
    """Character spans of every match of ``pattern`` in ``text`` (at most ``limit``).

    Example: ``pattern_spans("a # b ... c", r"#|\\.\\.\\.")`` -> ``[[2, 3], [6, 9]]``.
    """
    try:
        rx = re.compile(pattern)
    except re.error:
        return []
    out = []
    for m in rx.finditer(text or ""):
        if m.end() > m.start():
            out.append([m.start(), m.end()])
            if len(out) >= limit:
                break
    return out


_WORD = re.compile(r"\S+")


def repeated_spans(text: str, unit: str, limit: int = 500) -> list[list[int]]:
    """Spans of the repeated units of ``text``: ``lines``, ``paragraphs`` or ``ngram:N`` (words).

    For ``lines``/``paragraphs``, the second and later copies of a unit; for ``ngram:N``, every
    occurrence of the most frequent word N-gram that occurs more than once.

    Example: ``repeated_spans("a\\nb\\na", "lines")`` -> ``[[4, 5]]``;
    ``repeated_spans("x y x y", "ngram:2")`` -> ``[[0, 3], [4, 7]]``.
    """
    text = text or ""
    if unit in ("lines", "paragraphs"):
        sep = re.compile(r"\n" if unit == "lines" else r"\n\s*\n")
        seen: set[str] = set()
        out, pos = [], 0
        for m in [*sep.finditer(text), None]:
            end = m.start() if m else len(text)
            piece = text[pos:end].strip()
            if piece and piece in seen:
                out.append([pos, end])
            seen.add(piece)
            pos = m.end() if m else len(text)
        return out[:limit]
    if unit.startswith("ngram:"):
        n = int(unit.split(":", 1)[1])
        words = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
        grams = [tuple(w[0] for w in words[i : i + n]) for i in range(len(words) - n + 1)]
        if not grams:
            return []
        top, count = Counter(grams).most_common(1)[0]
        if count < 2:
            return []
        return [[words[i][1], words[i + n - 1][2]] for i, g in enumerate(grams) if g == top][:limit]
    return []


def evidence_spans(text: str, detail: dict[str, Any]) -> list[list[int]]:
    """Every span a ``detail`` object points at in ``text``: its ``spans``, the matches of its
    ``pattern`` and its ``repeated`` units.

    Example: ``evidence_spans("a {b}", {"span": [2, 3]})`` -> ``[[2, 3]]``.
    """
    spans = [s for s in detail.get("spans") or [] if isinstance(s, list) and len(s) == 2]
    if isinstance(detail.get("span"), list) and len(detail["span"]) == 2:
        spans.append(detail["span"])
    if isinstance(detail.get("pattern"), str):
        spans += pattern_spans(text, detail["pattern"])
    if isinstance(detail.get("repeated"), str):
        spans += repeated_spans(text, detail["repeated"])
    return spans

"""Gopher quality and repetition filters (Rae et al. 2021, *Scaling Language Models: Methods,
Analysis & Insights from Training Gopher*, appendix A.1.1, "MassiveWeb" quality filters).

Thresholds (defaults; the paper's values, also datatrove's ``GopherQualityFilter`` /
``GopherRepetitionFilter`` defaults):

==========================  ==================================================  ================
reason                      drop when                                           paper value
==========================  ==================================================  ================
gopher_quality__min_words   words < min_doc_words                               50
gopher_quality__max_words   words > max_doc_words                               100,000
gopher_quality__mean_word_length  mean word length outside [min, max]           [3, 10]
gopher_quality__symbol_ratio  ("#" + "..." + "…") / words > max                 0.1
gopher_quality__bullet_lines  lines starting with a bullet / lines > max        0.9
gopher_quality__ellipsis_lines  lines ending with an ellipsis / lines > max     0.3
gopher_quality__alpha_words  words with a letter / words < min                  0.8
gopher_quality__stop_words  stop words present < min                            2
gopher_repetition__dup_line_frac  duplicate lines / lines > max                 0.3
gopher_repetition__dup_para_frac  duplicate paragraphs / paragraphs > max       0.3
gopher_repetition__dup_line_char_frac  chars in duplicate lines / chars > max   0.2
gopher_repetition__dup_para_char_frac  chars in dup. paragraphs / chars > max   0.2
gopher_repetition__top_2gram  chars of the most frequent 2-gram / chars > max   0.20
gopher_repetition__top_3gram  (3-gram)                                          0.18
gopher_repetition__top_4gram  (4-gram)                                          0.16
gopher_repetition__dup_5gram  chars in repeated 5-grams / chars > max           0.15
... dup_6gram .. dup_10gram                                                     0.14 .. 0.10
==========================  ==================================================  ================

CJK: words are counted with :func:`curate.steps.words.split_words` (one CJK character = one word).
The English-specific checks (mean word length, stop words) are skipped for texts whose words are
mostly CJK characters (``cjk_fraction > 0.5``), and the stop-word check accepts the most frequent
function words of en/fr/de/es/ru/it/pt so that a non-English text that passed the language filter
is not dropped for lacking "the". For repetition, a CJK-dominant text's n-grams are taken over
``cjk_ngram_scale`` characters per word (default 2: a Chinese word is about two characters), so
"5-gram" means roughly five words in every script.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
import polars as pl

from curate.core.decisions import filter_step
from curate.core.evidence import rule_detail
from curate.core.rules import ThresholdRule, build_rules, reason_names
from curate.core.step import Step, StepContext, register
from curate.steps.rowops import with_batch_stats, with_stats
from curate.steps.words import (
    ALL_STOP_WORDS,
    STOP_WORDS,
    cjk_fraction,
    english_tokens,
    split_lines,
    split_paragraphs,
    split_words,
)

BULLETS = ("•", "●", "○", "▪", "◦", "‣", "-", "*", "·", "–", "—", "➢", "►")
_CJK_MAJORITY = 0.5
PUNCT = string.punctuation + "，。！？、；：“”‘’（）《》【】「」『』…—·"
_HAS_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class GopherQualityParams:
    min_doc_words: int = 50
    max_doc_words: int = 100_000
    min_avg_word_length: float = 3.0
    max_avg_word_length: float = 10.0
    max_symbol_word_ratio: float = 0.1
    max_bullet_lines_ratio: float = 0.9
    max_ellipsis_lines_ratio: float = 0.3
    min_alpha_words_ratio: float = 0.8
    min_stop_words: int = 2


QUALITY_FIELDS = {
    "words": pl.Int64,
    "mean_word_length": pl.Float64,
    "symbol_ratio": pl.Float64,
    "bullet_lines": pl.Float64,
    "ellipsis_lines": pl.Float64,
    "alpha_words": pl.Float64,
    "stop_words": pl.Int64,
}


def quality_stats(text: str | None) -> dict[str, float | int | None]:
    """Gopher quality statistics of one text.

    Example: ``quality_stats("The cat sat on the mat.")["words"]`` -> 6,
    ``["stop_words"]`` -> 2 ("the" twice).
    """
    text = text or ""
    words = split_words(text)
    n = len(words)
    lines = split_lines(text)
    cjk = cjk_fraction(words) > _CJK_MAJORITY
    if n == 0:
        return {
            "words": 0,
            "mean_word_length": None,
            "symbol_ratio": 0.0,
            "bullet_lines": 0.0,
            "ellipsis_lines": 0.0,
            "alpha_words": 0.0,
            "stop_words": 0,
        }
    stripped = [w.strip(PUNCT) for w in words]
    lengths = [len(w) for w in stripped if w]
    symbols = text.count("#") + text.count("...") + text.count("…")
    return {
        "words": n,
        "mean_word_length": None if cjk or not lengths else sum(lengths) / len(lengths),
        "symbol_ratio": symbols / n,
        "bullet_lines": sum(1 for ln in lines if ln.startswith(BULLETS)) / len(lines)
        if lines
        else 0.0,
        "ellipsis_lines": sum(1 for ln in lines if ln.endswith(("...", "…"))) / len(lines)
        if lines
        else 0.0,
        "alpha_words": sum(1 for w in words if _HAS_LETTER.search(w)) / n,
        "stop_words": None if cjk else sum(1 for w in stripped if w.lower() in ALL_STOP_WORDS),
    }


# One description per rule: the registry's reasons, the drop-if and the evidence come from it.
QUALITY_RULES = (
    ThresholdRule("min_words", "words", "min_doc_words", "<"),
    ThresholdRule("max_words", "words", "max_doc_words", ">"),
    ThresholdRule(
        "mean_word_length",
        "mean_word_length",
        ("min_avg_word_length", "max_avg_word_length"),
        "outside",
    ),
    ThresholdRule(
        "symbol_ratio", "symbol_ratio", "max_symbol_word_ratio", ">", pattern=r"#|\.\.\.|…"
    ),
    ThresholdRule(
        "bullet_lines",
        "bullet_lines",
        "max_bullet_lines_ratio",
        ">",
        pattern=r"(?m)^[ \t]*(?:" + "|".join(re.escape(b) for b in BULLETS) + r").*$",
    ),
    ThresholdRule(
        "ellipsis_lines",
        "ellipsis_lines",
        "max_ellipsis_lines_ratio",
        ">",
        pattern=r"(?m)^.*(?:\.\.\.|…)[ \t]*$",
    ),
    ThresholdRule("alpha_words", "alpha_words", "min_alpha_words_ratio", "<"),
    ThresholdRule("stop_words", "stop_words", "min_stop_words", "<"),
)


@register(
    "gopher_quality_v1",
    kind="filter",
    params=GopherQualityParams,
    reasons=reason_names("gopher_quality", QUALITY_RULES),
)
def gopher_quality(p: GopherQualityParams, ctx: StepContext) -> Step:
    """Gopher document quality rules (Rae et al. 2021): length, word shape, symbols, stop words."""
    filt = filter_step(ctx, *build_rules(ctx, p, QUALITY_RULES))
    return lambda lf: filt(with_stats(lf, ctx, quality_stats, QUALITY_FIELDS))


# ---------------------------------------------------------------------------------------------
# Repetition
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GopherRepetitionParams:
    dup_line_frac: float = 0.3
    dup_para_frac: float = 0.3
    dup_line_char_frac: float = 0.2
    dup_para_char_frac: float = 0.2
    top_n_grams: dict[int, float] = field(default_factory=lambda: {2: 0.20, 3: 0.18, 4: 0.16})
    dup_n_grams: dict[int, float] = field(
        default_factory=lambda: {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}
    )
    cjk_ngram_scale: int = 2


def duplicate_stats(elements: list[str]) -> tuple[int, int]:
    """Number of repeated elements (second and later copies) and their characters.

    Example: ``["a", "bb", "a", "bb", "bb"]`` -> ``(3, 5)``.
    """
    seen: set[str] = set()
    dups = chars = 0
    for e in elements:
        if e in seen:
            dups += 1
            chars += len(e)
        else:
            seen.add(e)
    return dups, chars


def _word_ids(words: list[str]) -> np.ndarray:
    """Each word as a small integer (equal words, equal ids)."""
    index: dict[str, int] = {}
    return np.fromiter(
        (index.setdefault(w, len(index)) for w in words), dtype=np.uint64, count=len(words)
    )


def _ngram_hashes(ids: np.ndarray, n: int) -> np.ndarray:
    """A 64-bit polynomial hash of every n-gram of word ids (wrapping arithmetic)."""
    m = len(ids) - n + 1
    h = np.zeros(m, dtype=np.uint64)
    base = np.uint64(1_000_003)
    with np.errstate(over="ignore"):
        for j in range(n):
            h = h * base + ids[j : j + m] + np.uint64(1)
    return h


def top_ngram_char_frac(
    words: list[str], n: int, total_chars: int, ids: np.ndarray | None = None
) -> float:
    """Characters covered by the most frequent n-gram (counted every time) / all word characters.

    Example: ``top_ngram_char_frac("a b a b a b".split(), 2, 6)`` -> ``1.0`` ("a b" x3 = 6 chars).
    """
    if len(words) < n or total_chars == 0:
        return 0.0
    ids = _word_ids(words) if ids is None else ids
    hashes = _ngram_hashes(ids, n)
    uniq, first, counts = np.unique(hashes, return_index=True, return_counts=True)
    best = int(np.argmax(counts))
    if counts[best] < 2:
        return 0.0
    start = int(first[best])
    gram_chars = sum(len(w) for w in words[start : start + n])
    return min(1.0, gram_chars * int(counts[best]) / total_chars)


def dup_ngram_char_frac(
    words: list[str], n: int, total_chars: int, ids: np.ndarray | None = None
) -> float:
    """Characters of words inside an n-gram that occurred before / all word characters.

    Each word is counted once even when covered by several repeated n-grams (Gopher's rule).
    Example: ``dup_ngram_char_frac("a b c a b c".split(), 3, 6)`` -> ``0.5``.
    """
    if len(words) < n or total_chars == 0:
        return 0.0
    ids = _word_ids(words) if ids is None else ids
    hashes = _ngram_hashes(ids, n)
    _, first = np.unique(hashes, return_index=True)
    repeat = np.ones(len(hashes), dtype=bool)
    repeat[first] = False  # the first occurrence of each n-gram is not a duplicate
    starts = np.flatnonzero(repeat)
    if not len(starts):
        return 0.0
    # mark words [s, s+n) for every repeated start: +1 at s, -1 at s+n, cumulative sum > 0
    delta = np.zeros(len(words) + 1, dtype=np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, starts + n, -1)
    covered = np.cumsum(delta[:-1]) > 0
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    return float(lengths[covered].sum()) / total_chars


def dup_ngram_char_frac_reference(words: list[str], n: int, total_chars: int) -> float:
    """Plain-Python version of :func:`dup_ngram_char_frac` (for tests and the benchmark)."""
    if len(words) < n or total_chars == 0:
        return 0.0
    seen: set[tuple[str, ...]] = set()
    covered = [False] * len(words)
    for i in range(len(words) - n + 1):
        gram = tuple(words[i : i + n])
        if gram in seen:
            for j in range(i, i + n):
                covered[j] = True
        else:
            seen.add(gram)
    return sum(len(w) for w, c in zip(words, covered, strict=True) if c) / total_chars


def repetition_stats(text: str | None, p: GopherRepetitionParams) -> dict[str, float]:
    """All Gopher repetition fractions of one text (keys as in :data:`repetition_fields`).

    Example: ``repetition_stats("x\\nx\\ny", GopherRepetitionParams())["dup_line_frac"]`` -> 1/3.
    """
    text = text or ""
    lines = split_lines(text)
    paras = split_paragraphs(text)
    chars = max(1, len(text))
    dl, dlc = duplicate_stats(lines)
    dp, dpc = duplicate_stats(paras)
    words = [w.lower() for w in split_words(text)]
    if p.cjk_ngram_scale > 1 and cjk_fraction(words) > _CJK_MAJORITY:
        k = p.cjk_ngram_scale
        words = ["".join(words[i : i + k]) for i in range(0, len(words), k)]
    wchars = sum(len(w) for w in words)
    out = {
        "dup_line_frac": dl / len(lines) if lines else 0.0,
        "dup_para_frac": dp / len(paras) if paras else 0.0,
        "dup_line_char_frac": dlc / chars,
        "dup_para_char_frac": dpc / chars,
    }
    ids = _word_ids(words)
    for n in p.top_n_grams:
        out[f"top_{n}gram"] = top_ngram_char_frac(words, n, wchars, ids)
    for n in p.dup_n_grams:
        out[f"dup_{n}gram"] = dup_ngram_char_frac(words, n, wchars, ids)
    return out


def _repetition_prep(text: str, p: GopherRepetitionParams) -> tuple[dict[str, float], list[str]]:
    """Line and paragraph fractions of one text, and its (lower-cased, CJK-grouped) words."""
    lines = split_lines(text)
    paras = split_paragraphs(text)
    chars = max(1, len(text))
    dl, dlc = duplicate_stats(lines)
    dp, dpc = duplicate_stats(paras)
    words = [w.lower() for w in split_words(text)]
    if p.cjk_ngram_scale > 1 and cjk_fraction(words) > _CJK_MAJORITY:
        k = p.cjk_ngram_scale
        words = ["".join(words[i : i + k]) for i in range(0, len(words), k)]
    out = {
        "dup_line_frac": dl / len(lines) if lines else 0.0,
        "dup_para_frac": dp / len(paras) if paras else 0.0,
        "dup_line_char_frac": dlc / chars,
        "dup_para_char_frac": dpc / chars,
    }
    return out, words


def repetition_stats_batch(
    texts: list[str | None], p: GopherRepetitionParams
) -> list[dict[str, float] | None]:
    """:func:`repetition_stats` of many texts, the n-gram part in one compiled pass.

    Same numbers as calling :func:`repetition_stats` on each text (``tests/test_filters_fast.py``);
    ``None`` texts give ``None``. Example: ``repetition_stats_batch(["x\\nx\\ny", None], p)`` ->
    ``[{... "dup_line_frac": 1/3 ...}, None]``.
    """
    from curate.steps._ngram_kernel import ngram_fracs

    live = [i for i, t in enumerate(texts) if t is not None]
    preps = [_repetition_prep(texts[i] or "", p) for i in live]
    docs = [
        (_word_ids(words), np.fromiter(map(len, words), dtype=np.int64, count=len(words)))
        for _, words in preps
    ]
    names = [f"top_{n}gram" for n in p.top_n_grams] + [f"dup_{n}gram" for n in p.dup_n_grams]
    fracs = ngram_fracs(docs, list(p.top_n_grams), list(p.dup_n_grams)).tolist()
    out: list[dict[str, float] | None] = [None] * len(texts)
    for i, (stats, _), row in zip(live, preps, fracs, strict=True):
        out[i] = {**stats, **dict(zip(names, row, strict=True))}
    return out


def repetition_fields(p: GopherRepetitionParams) -> dict[str, pl.DataType]:
    names = ["dup_line_frac", "dup_para_frac", "dup_line_char_frac", "dup_para_char_frac"]
    names += [f"top_{n}gram" for n in p.top_n_grams] + [f"dup_{n}gram" for n in p.dup_n_grams]
    return dict.fromkeys(names, pl.Float64)


def reason_names_repetition() -> tuple[str, ...]:
    """The repetition filters' reasons: ``("gopher_repetition__dup_line_frac", ...)``."""
    return (
        "gopher_repetition__dup_line_frac",
        "gopher_repetition__dup_para_frac",
        "gopher_repetition__dup_line_char_frac",
        "gopher_repetition__dup_para_char_frac",
        "gopher_repetition__top_2gram",
        "gopher_repetition__top_3gram",
        "gopher_repetition__top_4gram",
        *(f"gopher_repetition__dup_{n}gram" for n in range(5, 11)),
    )


def _repetition_rules(
    p: GopherRepetitionParams, ctx: StepContext
) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr]]:
    """Drop-if expressions and evidence of every repetition rule, keyed by reason."""
    c = ctx.column
    reasons = {
        "gopher_repetition__dup_line_frac": pl.col(c("dup_line_frac")) > p.dup_line_frac,
        "gopher_repetition__dup_para_frac": pl.col(c("dup_para_frac")) > p.dup_para_frac,
        "gopher_repetition__dup_line_char_frac": pl.col(c("dup_line_char_frac"))
        > p.dup_line_char_frac,
        "gopher_repetition__dup_para_char_frac": pl.col(c("dup_para_char_frac"))
        > p.dup_para_char_frac,
    }
    for n, thr in p.top_n_grams.items():
        reasons[f"gopher_repetition__top_{n}gram"] = pl.col(c(f"top_{n}gram")) > thr
    for n, thr in p.dup_n_grams.items():
        reasons[f"gopher_repetition__dup_{n}gram"] = pl.col(c(f"dup_{n}gram")) > thr
    details = {
        r: rule_detail(r, pl.col(c(r.split("__")[1])), thr, ">", repeated=unit)
        for r, thr, unit in [
            ("gopher_repetition__dup_line_frac", p.dup_line_frac, "lines"),
            ("gopher_repetition__dup_para_frac", p.dup_para_frac, "paragraphs"),
            ("gopher_repetition__dup_line_char_frac", p.dup_line_char_frac, "lines"),
            ("gopher_repetition__dup_para_char_frac", p.dup_para_char_frac, "paragraphs"),
            *(
                (f"gopher_repetition__top_{n}gram", t, f"ngram:{n}")
                for n, t in p.top_n_grams.items()
            ),
            *(
                (f"gopher_repetition__dup_{n}gram", t, f"ngram:{n}")
                for n, t in p.dup_n_grams.items()
            ),
        ]
    }
    return reasons, details


@register(
    "gopher_repetition_v1",
    kind="filter",
    params=GopherRepetitionParams,
    reasons=reason_names_repetition(),
)
def gopher_repetition(p: GopherRepetitionParams, ctx: StepContext) -> Step:
    """Gopher repetition rules (Rae et al. 2021): duplicate lines, paragraphs and n-grams."""
    filt = filter_step(ctx, *_repetition_rules(p, ctx))
    fields = repetition_fields(p)
    return lambda lf: filt(
        with_batch_stats(lf, ctx, lambda ts: repetition_stats_batch(ts, p), fields)
    )


# ---------------------------------------------------------------------------------------------
# v2: the paper's reading fixed where datatrove's is closer to it, and a datatrove reference mode
# ---------------------------------------------------------------------------------------------
# ``reference: paper`` (default) is v1 with three rules read as the paper words them: the word
# count leaves out symbol-only chunks (a lone "-" bullet is not a word),
# the symbol ratio is checked "for either the hash symbol or the ellipsis" (the larger of the
# two ratios, not their sum), and the stop-word rule needs "at least two of the following words"
# (two *different* stop words, not two occurrences). ``reference: datatrove`` reproduces datatrove
# 0.10's ``GopherQualityFilter`` / ``GopherRepetitionFilter`` decisions (its English tokens,
# punctuation tokens counted as words, a most frequent n-gram seen once counted as repetition,
# duplicate n-grams counted greedily without overlap, over all characters of the text);
# docs/FILTERS.md "Against datatrove" says which side is right for each difference.

Reference = Literal["paper", "datatrove"]
_EN_STOP_WORDS = STOP_WORDS["en"]


@dataclass(frozen=True)
class GopherQualityV2Params(GopherQualityParams):
    reference: Reference = "paper"


def quality_stats_v2(text: str | None) -> dict[str, float | int | None]:
    """:func:`quality_stats` with three rules read as the paper words them: the document's word
    count leaves out symbol-only chunks (a lone "-", "|" or "=" is not a word; the alpha ratio
    still divides by every chunk, so symbol-heavy text fails it as before), the symbol ratio is
    the larger of the hash and ellipsis ratios, and stop words count once each.

    Example: ``quality_stats_v2("the the cat - dog")`` -> words 4, stop_words 1 (v1: 5 and 2).
    """
    text = text or ""
    out = quality_stats(text)
    chunks = split_words(text)
    if not chunks:
        return out
    words = [w for w in chunks if not is_symbol_token(w)]
    out["words"] = len(words)
    out["symbol_ratio"] = max(text.count("#"), text.count("...") + text.count("…")) / len(chunks)
    if out["stop_words"] is not None:
        stripped = {w.strip(PUNCT).lower() for w in words}
        out["stop_words"] = max(len(stripped & STOP_WORDS[lang]) for lang in STOP_WORDS)
    return out


@lru_cache(maxsize=1 << 16)
def is_symbol_token(token: str) -> bool:
    """A token made only of punctuation or symbols (datatrove leaves these out of its word count).

    Example: ``is_symbol_token("--")`` -> True, ``is_symbol_token("C++")`` -> False.
    """
    return all(unicodedata.category(ch)[0] in "PS" or ch.isspace() for ch in token)


@lru_cache(maxsize=1 << 16)
def _has_alpha(token: str) -> bool:
    """At least one alphabetic character (``str.isalpha``): ``"x2"`` -> True, ``"42"`` -> False."""
    return any(c.isalpha() for c in token)


def quality_stats_datatrove(text: str | None) -> dict[str, float | int | None]:
    """Gopher quality statistics as datatrove 0.10 computes them (``reference: datatrove``).

    Words are :func:`~curate.steps.words.english_tokens`; the word count and mean length leave
    out symbol-only tokens, the symbol and alpha ratios divide by all tokens, lines are every line
    (blank ones too), bullets are "•" and "-", stop words are distinct and case-sensitive.
    Example: ``quality_stats_datatrove("The cat, the dog.")`` -> words 4, alpha_words 4/6.
    """
    text = text or ""
    tokens = english_tokens(text)
    words = [t for t in tokens if not is_symbol_token(t)]
    n = len(tokens)
    lines = text.splitlines()
    if not n or not lines:
        return dict.fromkeys(QUALITY_FIELDS, 0) | {"mean_word_length": None}
    dots = text.count("...") + text.count("…")
    return {
        "words": len(words),
        "mean_word_length": sum(map(len, words)) / len(words) if words else None,
        "symbol_ratio": max(text.count("#"), dots) / n,
        "bullet_lines": sum(ln.lstrip().startswith(("•", "-")) for ln in lines) / len(lines),
        "ellipsis_lines": sum(ln.rstrip().endswith(("...", "…")) for ln in lines) / len(lines),
        "alpha_words": sum(map(_has_alpha, tokens)) / n,
        "stop_words": len(_EN_STOP_WORDS.intersection(tokens)),
    }


@register(
    "gopher_quality_v2",
    kind="filter",
    params=GopherQualityV2Params,
    reasons=reason_names("gopher_quality", QUALITY_RULES),
)
def gopher_quality_v2(p: GopherQualityV2Params, ctx: StepContext) -> Step:
    """Gopher quality rules (Rae et al. 2021): symbol-only chunks not counted as words, hash and
    ellipsis ratios apart, distinct stop words; ``reference: datatrove`` reproduces datatrove."""
    stats = quality_stats_datatrove if p.reference == "datatrove" else quality_stats_v2
    filt = filter_step(ctx, *build_rules(ctx, p, QUALITY_RULES))
    return lambda lf: filt(with_stats(lf, ctx, stats, QUALITY_FIELDS))


@dataclass(frozen=True)
class GopherRepetitionV2Params(GopherRepetitionParams):
    reference: Reference = "paper"


def _ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """Every n-gram of the tokens: ``["a", "b", "c"], 2`` -> ``[("a", "b"), ("b", "c")]``."""
    return list(zip(*(tokens[i:] for i in range(n)), strict=False))


def _top_ngram_datatrove(tokens: list[str], n: int) -> tuple[int, int]:
    """Characters of the most frequent n-gram (space-joined) times its count, even a count of 1
    (ties go to the n-gram seen first), and that count. ``"a b a b".split(), 2`` -> ``(6, 2)``."""
    gram, count = Counter(_ngrams(tokens, n)).most_common(1)[0]  # first seen among the top
    return (sum(map(len, gram)) + n - 1) * count, count


def _dup_ngram_chars_datatrove(
    tokens: list[str], n: int, grams: list[tuple[str, ...]] | None = None
) -> int:
    """Characters of repeated n-grams counted greedily: after a repeat, skip its n words.

    The n-gram is the words glued without spaces (``grams``: the n-grams, if already made).
    ``"a b a b a b".split(), 2`` -> 4.
    """
    keys = list(map("".join, _ngrams(tokens, n) if grams is None else grams))
    counts = Counter(keys)
    # Only n-grams occurring twice or more can repeat or be repeated; the others are visited
    # and forgotten, so the scan walks just these positions (same result, far fewer steps).
    seen: set[str] = set()
    chars = skip_until = 0
    for i in [i for i, key in enumerate(keys) if counts[key] > 1]:
        if i < skip_until:
            continue  # inside the n words after a repeat
        key = keys[i]
        if key in seen:
            chars += len(key)
            skip_until = i + n
        else:
            seen.add(key)
    return chars


def repetition_stats_datatrove(text: str | None, p: GopherRepetitionParams) -> dict[str, float]:
    """Gopher repetition fractions as datatrove 0.10 computes them (``reference: datatrove``).

    Paragraphs split on two or more newlines, lines on one or more (unstripped), all character
    fractions over ``len(text)``, n-grams over :func:`~curate.steps.words.english_tokens`.
    Example: ``repetition_stats_datatrove("a b\\na b", p)["dup_line_frac"]`` -> 0.5.
    """
    text = text or ""
    chars = max(1, len(text))
    paras = re.split(r"\n{2,}", text.strip())
    lines = re.split(r"\n+", text)
    dp, dpc = duplicate_stats(paras)
    dl, dlc = duplicate_stats(lines)
    tokens = english_tokens(text)
    out = {
        "dup_line_frac": dl / len(lines),
        "dup_para_frac": dp / len(paras),
        "dup_line_char_frac": dlc / chars,
        "dup_para_char_frac": dpc / chars,
    }
    unique_from = None  # an n from which every n-gram occurs once
    for n in sorted(p.top_n_grams):
        if len(tokens) < n:
            top = 0
        elif unique_from is not None and n > unique_from:
            top = sum(map(len, tokens[:n])) + n - 1  # the first n-gram, seen once
        else:
            top, count = _top_ngram_datatrove(tokens, n)
            unique_from = n if count == 1 else None
        out[f"top_{n}gram"] = top / chars
    # A repeated (n+1)-gram holds a repeated n-gram: once an n has no repeated n-gram (as word
    # tuples), every longer one is 0 too; most documents stop at the shortest n.
    repeats = True
    for n in sorted(p.dup_n_grams):
        if repeats:
            grams = _ngrams(tokens, n)
            repeats = len(set(grams)) < len(grams)
        dup = _dup_ngram_chars_datatrove(tokens, n, grams) if repeats else 0
        out[f"dup_{n}gram"] = dup / chars
    return out


@register(
    "gopher_repetition_v2",
    kind="filter",
    params=GopherRepetitionV2Params,
    reasons=reason_names_repetition(),
)
def gopher_repetition_v2(p: GopherRepetitionV2Params, ctx: StepContext) -> Step:
    """Gopher repetition rules (Rae et al. 2021) as v1; ``reference: datatrove`` reproduces
    datatrove's GopherRepetitionFilter."""
    if p.reference != "datatrove":
        return gopher_repetition(p, ctx)
    reasons, details = _repetition_rules(p, ctx)
    filt = filter_step(ctx, reasons, details)
    fields = repetition_fields(p)
    return lambda lf: filt(with_stats(lf, ctx, lambda t: repetition_stats_datatrove(t, p), fields))

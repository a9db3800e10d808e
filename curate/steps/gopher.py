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
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from curate.core.decisions import filter_step
from curate.core.evidence import rule_detail
from curate.core.rules import ThresholdRule, build_rules, reason_names
from curate.core.step import Step, StepContext, register
from curate.steps.rowops import with_batch_stats, with_stats
from curate.steps.words import (
    ALL_STOP_WORDS,
    cjk_fraction,
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


@register(
    "gopher_repetition_v1",
    kind="filter",
    params=GopherRepetitionParams,
    reasons=(
        "gopher_repetition__dup_line_frac",
        "gopher_repetition__dup_para_frac",
        "gopher_repetition__dup_line_char_frac",
        "gopher_repetition__dup_para_char_frac",
        "gopher_repetition__top_2gram",
        "gopher_repetition__top_3gram",
        "gopher_repetition__top_4gram",
        *(f"gopher_repetition__dup_{n}gram" for n in range(5, 11)),
    ),
)
def gopher_repetition(p: GopherRepetitionParams, ctx: StepContext) -> Step:
    """Gopher repetition rules (Rae et al. 2021): duplicate lines, paragraphs and n-grams."""
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
    filt = filter_step(ctx, reasons, details)
    fields = repetition_fields(p)
    return lambda lf: filt(
        with_batch_stats(lf, ctx, lambda ts: repetition_stats_batch(ts, p), fields)
    )

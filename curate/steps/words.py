"""Word, line and sentence splitting shared by the quality filters, CJK-aware.

Gopher, C4 and FineWeb count *words*; their reference code splits on whitespace, which sees a whole
Chinese or Japanese sentence as one word. Here a word is a run of non-space characters outside CJK
scripts, or a single Han/Hiragana/Katakana/Hangul-syllable character (the same rule as
:func:`curate.steps.basic.word_count`), so word-based thresholds mean something on CJK text too.

Examples:
    ``split_words("我爱 big data!")`` -> ``["我", "爱", "big", "data!"]``
    ``cjk_fraction("我爱 big data")`` -> ``0.5`` (2 of 4 words are CJK characters)
"""

from __future__ import annotations

import re

_CJK_CLASS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
WORD_RE = re.compile(rf"[{_CJK_CLASS}]|[^\s{_CJK_CLASS}]+")
CJK_RE = re.compile(rf"[{_CJK_CLASS}]")
# Sentence ends: Latin and CJK full stops, question and exclamation marks (NFKC turns full-width
# "？！" into "?!", but "。" stays).
SENTENCE_END_RE = re.compile(r"[.!?。！？…]+[\"'”’」』)\]]*(?=\s|$)|[。！？]")
TERMINAL_PUNCT = (".", "!", "?", '"', "'", "。", "！", "？", "”", "’", "」", "』", "…")
_STRIP_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")

# Function words that almost every running text in the language contains (Gopher's English list
# is "the be to of and that have with"; the others are the equivalent most frequent words, leaving
# out one-letter Latin words and words that are also common English words: "a", "as", "do", "die").
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(["the", "be", "to", "of", "and", "that", "have", "with"]),
    "fr": frozenset(
        ["le", "la", "les", "de", "des", "et", "est", "un", "une", "que", "pour", "dans"]
    ),
    "de": frozenset(
        ["der", "das", "und", "ist", "nicht", "zu", "den", "mit", "von", "ein", "eine"]
    ),
    "es": frozenset(["el", "la", "los", "las", "de", "que", "en", "un", "una", "es", "por"]),
    "ru": frozenset(["и", "в", "не", "на", "что", "с", "по", "как", "это", "из"]),
    "it": frozenset(["il", "la", "di", "che", "un", "una", "per", "non", "sono"]),
    "pt": frozenset(["os", "de", "que", "da", "um", "uma", "para", "com", "não"]),
}
ALL_STOP_WORDS = frozenset().union(*STOP_WORDS.values())


def split_words(text: str) -> list[str]:
    """Words of a text: CJK characters one each, other runs split on whitespace.

    Example: ``"我爱 big data!"`` -> ``["我", "爱", "big", "data!"]``.
    """
    return WORD_RE.findall(text)


def cjk_fraction(words: list[str] | str) -> float:
    """Fraction of words that are single CJK characters (0 for no words).

    Example: ``cjk_fraction("我爱 big data")`` -> ``0.5``.
    """
    if isinstance(words, str):
        words = split_words(words)
    if not words:
        return 0.0
    return sum(1 for w in words if len(w) == 1 and CJK_RE.match(w)) / len(words)


def strip_punct(word: str) -> str:
    """A word without leading/trailing punctuation: ``"(data!)"`` -> ``"data"``."""
    return _STRIP_PUNCT.sub("", word)


def split_lines(text: str) -> list[str]:
    """Non-blank lines, stripped: ``"a\\n\\n b \\n"`` -> ``["a", "b"]``."""
    return [s for line in text.split("\n") if (s := line.strip())]


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines, stripped: ``"a\\nb\\n\\nc"`` -> ``["a\\nb", "c"]``."""
    return [s for p in re.split(r"\n\s*\n", text) if (s := p.strip())]


def count_sentences(text: str) -> int:
    """Number of sentence ends (Latin and CJK): ``"Hi. Ok! 好。"`` -> 3."""
    return len(SENTENCE_END_RE.findall(text))


def ends_with_terminal_punct(line: str) -> bool:
    """C4's rule, CJK-aware: the line ends with . ! ? or a closing quote (or 。！？).

    Example: ``"It works."`` -> True; ``"Home | About"`` -> False.
    """
    return line.rstrip().endswith(TERMINAL_PUNCT)


_CODE_CHARS = re.compile(r"[{}();=<>\[\]#$*/\\|`^~]")
_CODE_START = re.compile(
    r"^\s*(?:import|from \S+ import|def|class|return|for|while|if|elif|else|try|except|#include|using|public|"
    r"private|protected|static|int|void|var|let|const|function|print|printf|console\.|echo|SELECT|INSERT|"
    r"UPDATE|DELETE|CREATE|package|func|fn|end|do|done|fi)\b"
)
_CODE_SHAPE = re.compile(r"\s=\s|[;{}]\s*$|^\s*[}\])]|\w+\(.*\)\s*$|^\s*[\w.]+\s*=")


def is_code_line(line: str, max_symbol_frac: float = 0.05) -> bool:
    """A line that looks like code: code keywords first, an assignment, a trailing ``;{}``, or more
    code punctuation than prose has (over 5% of its characters).

    Example: ``is_code_line("for (int i = 0; i < n; i++) {")`` -> True, ``is_code_line("import csv")``
    -> True; ``is_code_line("Loop over the list and print each item.")`` -> False.
    """
    if _CODE_START.match(line) or _CODE_SHAPE.search(line):
        return True
    return len(_CODE_CHARS.findall(line)) > max_symbol_frac * max(1, len(line))

"""The task categories and InstructGPT's use-case distribution.

Ouyang et al. 2022, "Training language models to follow instructions with human feedback",
Table 1 gives the use-case categories of the API prompt dataset: generation 45.6 %, open QA
12.4 %, brainstorming 11.2 %, chat 8.4 %, rewrite 6.6 %, summarization 4.2 %, classification
3.5 %, other 3.5 %, closed QA 2.6 %, extraction 1.9 % (99.9 % as printed). cleanroom adds
``code`` and ``math``, which instruction sets for our users hold a lot of and which the paper
folds into its other categories.

What each label means here (how the held-out set in ``bench/data`` was labelled):

- ``generation``: write new text (story, poem, email, essay, headline, description, dialogue).
- ``open_qa``: a question answered from world knowledge, explanations, advice; no given text.
- ``brainstorming``: lists of ideas, suggestions, names, examples.
- ``chat``: conversation with the assistant (greetings, multi-turn, replying as a partner).
- ``rewrite``: transform a given text keeping its meaning (paraphrase, edit, translate, tone).
- ``summarization``: shorten a given (or named) text to its gist.
- ``classification``: choose a label or an option for an input (sentiment, topic, true/false).
- ``closed_qa``: answer a question from a given text or from given options.
- ``extraction``: copy out parts of a given text (names, dates, keywords, a sentence).
- ``code``: write, fix, explain or run code (any programming, query or markup language).
- ``math``: arithmetic, algebra, statistics on numbers.
- ``other``: anything else (puzzles, anagrams, sorting, random numbers, ASCII art).
"""

from __future__ import annotations

from collections.abc import Mapping

CATEGORIES: tuple[str, ...] = (
    "generation",
    "open_qa",
    "brainstorming",
    "chat",
    "rewrite",
    "summarization",
    "classification",
    "other",
    "closed_qa",
    "extraction",
    "code",
    "math",
)

# Ouyang et al. 2022, Table 1 (percent of prompts); code and math are not in the table.
INSTRUCTGPT_PERCENT: dict[str, float] = {
    "generation": 45.6,
    "open_qa": 12.4,
    "brainstorming": 11.2,
    "chat": 8.4,
    "rewrite": 6.6,
    "summarization": 4.2,
    "classification": 3.5,
    "other": 3.5,
    "closed_qa": 2.6,
    "extraction": 1.9,
}

PRESETS: dict[str, dict[str, float]] = {"instructgpt": INSTRUCTGPT_PERCENT}


def normalise(shares: Mapping[str, float]) -> dict[str, float]:
    """Shares scaled to sum to 1, in :data:`CATEGORIES` order.

    Example: ``normalise({"code": 1, "math": 3})`` -> ``{"code": 0.25, "math": 0.75}``.
    """
    total = float(sum(shares.values()))
    if total <= 0:
        raise ValueError("category shares must sum to more than 0")
    return {c: float(shares[c]) / total for c in CATEGORIES if c in shares}


def resolve_targets(spec: str | Mapping[str, float]) -> dict[str, float]:
    """A mixture's ``categories:`` value as fractions summing to 1.

    ``spec`` is a preset name (``instructgpt``) or ``{category: share}``; shares are
    normalised (so ``{generation: 45.6, open_qa: 12.4}`` and ``{generation: 0.786, ...}`` mean the
    same). Raises ValueError on an unknown preset or category, or a negative share.

    Example: ``resolve_targets("instructgpt")["generation"]`` -> ``0.4565`` (45.6 / 99.9).
    """
    if isinstance(spec, str):
        if spec not in PRESETS:
            raise ValueError(
                f"unknown category preset {spec!r} (presets: {', '.join(PRESETS)}, "
                "or a mapping {category: share})"
            )
        return normalise(PRESETS[spec])
    unknown = [c for c in spec if c not in CATEGORIES]
    if unknown:
        raise ValueError(
            f"unknown task categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(repr, unknown))} "
            f"(categories: {', '.join(CATEGORIES)})"
        )
    negative = [c for c, v in spec.items() if v < 0]
    if negative:
        raise ValueError(f"category shares must be >= 0 ({', '.join(negative)})")
    return normalise({c: v for c, v in spec.items() if v > 0})

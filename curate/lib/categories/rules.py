"""The rules that decide a task category before the embedding classifier does.

Only three, each measured against the classifier alone on the held-out set (docs/CATEGORIES.md):

- a conversation (two or more user turns) is ``chat``: InstructGPT's chat category is
  multi-turn conversation, which a single-prompt embedding cannot see;
- a code fence, code syntax in the prompt, or a programming language named with a code noun is
  ``code`` (mean-pooled embeddings of a short prompt blur "a Python function that averages ages"
  towards math);
- an arithmetic expression, or a statistic/algebra verb with numbers, is ``math``.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"```")
_SYNTAX = re.compile(
    r"(\bdef \w+\s*\(|#include\s*<|\bfunction\s*\w*\s*\(|\bpublic\s+(static\s+)?(void|class|int|string|double|boolean|long)\b|"
    r"\bSELECT\b[\s\S]+?\bFROM\b|console\.log\(|System\.out\.|\bimport\s+[\w.]+;|"
    r"\bprint\s*\(|\breturn\s+[^.]*;|</?(div|html|body|p|span|img|a|b|ul|li|table)\b[^>]*>|"
    r"\w+\s*=\s*\[[^\]]*\]|\+\+|=>|\};|\bvar\s+\w+\s*=|\blet\s+\w+\s*=|\bconst\s+\w+\s*=|"
    r"#!/bin/)",
    re.IGNORECASE,
)
_LANGUAGE = re.compile(
    r"\b(python|java|javascript|typescript|c\+\+|c#|golang|rust|ruby|php|perl|kotlin|swift|"
    r"scala|haskell|sql|mysql|postgresql|bash|shell|powershell|html|css|jquery|react|node\.?js|"
    r"regex|regular expression|json|xml|matlab|r programming)(?![\w+#])",
    re.IGNORECASE,
)
_CODE_NOUN = re.compile(
    r"\b(code|function|program|script|query|method|class|snippet|algorithm|api|compile|"
    r"syntax|loop|variable|array|list comprehension|recursion|bug|output|statement|tag|rule)s?\b",
    re.IGNORECASE,
)
_WRITE_CODE = re.compile(
    r"\b(write|create|generate|implement|develop|build|design|construct|fix|debug|refactor)\b"
    r"[^.?!\n]{0,40}\b(program|function|script(?! of)|code|sql query|snippet|regex)\b",
    re.IGNORECASE,
)
_ARITHMETIC = re.compile(
    r"\d\s*[+*×÷^]\s*\(?\d|\d\s+[-/]\s+\(?\d|\d\s*x\s*\^?\d|\b\d+\s*%\s*of\b|\d\s*=\s*\d"
)
_MATH_WORD = re.compile(
    r"\b(solve|simplify|calculate|compute|mean|median|mode|average|sum|"
    r"greatest common divisor|gcd|least common multiple|lcm|square root|cube root|root of|"
    r"derivative|integral|probability|factor|equation|percentage|percent)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_MATH_NO_NUMBER = re.compile(
    r"\b(math(ematical)? (equation|problem)|solve (the|this) equation|algebra(ic)? (equation|expression))\b",
    re.IGNORECASE,
)


def _has_operands(prompt: str) -> bool:
    """Two numbers, or one that is not a year: ``"the mean of 3 and 5"`` -> True, ``"in 2020"`` -> False."""
    numbers = _NUMBER.findall(prompt)
    if len(numbers) >= 2:
        return True
    return any(not (len(n) == 4 and 1500 <= int(n) <= 2100) for n in numbers if n.isdigit())


def is_code(prompt: str) -> bool:
    """Code fence, two code-syntax hits, or a language named with a code noun / a write-code verb.

    Example: ``is_code("Write a Python function that sums a list")`` -> True;
    ``is_code("Write a poem about Java, the island")`` -> False.
    """
    if _FENCE.search(prompt):
        return True
    if len(_SYNTAX.findall(prompt)) >= 2:
        return True
    if _LANGUAGE.search(prompt) and _CODE_NOUN.search(prompt):
        return True
    return bool(_WRITE_CODE.search(prompt))


def is_math(prompt: str) -> bool:
    """An arithmetic expression, a math word with numbers to work on, or a named math problem.

    Example: ``is_math("Find the mode of 2, 3, 3")`` -> True; ``is_math("Explain the mode of
    transport in Venice")`` -> False.
    """
    if _ARITHMETIC.search(prompt):
        return True
    if _MATH_WORD.search(prompt) and _has_operands(prompt):
        return True
    return bool(_MATH_NO_NUMBER.search(prompt))


def rule_category(prompt: str, user_turns: int = 1) -> str | None:
    """The category a rule decides, or None to leave it to the classifier.

    Example: ``rule_category("What is 12 * 7?")`` -> ``"math"``; ``rule_category("Hi!", 3)`` ->
    ``"chat"``; ``rule_category("Write a poem")`` -> None.
    """
    if user_turns >= 2:
        return "chat"
    if is_code(prompt):
        return "code"
    if is_math(prompt):
        return "math"
    return None

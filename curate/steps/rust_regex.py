"""Python ``re`` patterns run by Polars (the Rust ``regex`` crate) on ASCII text.

Polars matches a whole column in one pass, where Python's ``re`` goes record by record; the two
engines agree on ASCII text except in three places this module rewrites: Python's ``\\s`` also
takes U+001C-U+001F, Python's ``$`` also matches before a final newline, and Rust has no
lookarounds. Steps use the rewritten pattern only on ASCII text (non-ASCII rows take the Python
path, or are folded to ASCII stand-ins first: ``instruction.ascii_fold``), and only where
matching *at least* where Python does is enough (a prefilter), or, for patterns without
lookarounds, where the match must be the same (issue 19).
"""

from __future__ import annotations

from functools import lru_cache

SPACE = r"[\s\x1c-\x1f]"  # Python's \s on ASCII: Rust's \s plus U+001C-U+001F
NON_SPACE = r"[^\s\x1c-\x1f]"


@lru_cache(maxsize=256)  # a pure function of the pattern, rebuilt by each step run otherwise
def widened(pattern: str) -> str:
    """``pattern`` for Polars, matching wherever Python's ``re`` matches on ASCII text.

    Lookarounds are dropped (so a pattern with one matches in more places), ``\\s``/``\\S`` are
    Python's, and ``$`` also takes a final newline before it. Without lookarounds the result
    matches on exactly the ASCII texts Python's does.

    Example: ``widened(r"^a(?!b)\\s$")`` -> ``"^a[\\s\\x1c-\\x1f](?:\\n?$)"``.
    """
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\":
            esc = pattern[i : i + 2]
            if esc == r"\s":
                out.append(r"\s\x1c-\x1f" if in_class else SPACE)
            elif esc == r"\S":
                if in_class:
                    raise ValueError(r"\S inside a class is not handled")
                out.append(NON_SPACE)
            else:
                out.append(esc)
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]" or pattern[i + 1 : i + 3] == "^]":
                raise ValueError("a leading ']' in a class is not handled")
        elif pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            i = _group_end(pattern, i)
            continue
        elif c == "$":
            out.append(r"(?:\n?$)")
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _group_end(pattern: str, start: int) -> int:
    """Index just past the group opened at ``start``: ``_group_end("(a(b))c", 0)`` -> 6."""
    depth, j, in_class = 0, start, False
    while True:
        ch = pattern[j]
        if ch == "\\":
            j += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1

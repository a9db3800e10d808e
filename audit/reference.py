"""The classic contamination scan, in plain Python: a set of n-gram tuples (the reference).

This is how most decontamination scripts work (lm-eval-harness's ``janitor``, many
one-off scripts): split each text into words, put the benchmark's n-grams in a Python ``set`` of
tuples, and walk every corpus text word by word. It is kept as a slow, obviously correct
reference: the vectorised scan must find the same (item, record) pairs (tests) and be much
faster (``bench/audit_speed.py``). It uses the same tokens as the real scan (our normaliser) so
the comparison measures only the scanning.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

_TOKEN = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]|[^\W_]+", re.UNICODE)


def plain_tokens(text: str) -> list[str]:
    """Python-regex tokens, close to the normaliser (used by the speed baseline only)."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def plain_scan(
    items: dict[str, list[str]], records: Iterable[tuple[str, list[str]]], n: int
) -> dict[tuple[str, str], set[int]]:
    """For every (item, record) pair sharing an n-gram, the item positions of the shared n-grams.

    Example: items ``{"q": ["a","b","c","d"]}``, record ``("r", ["x","b","c","d"])``, n=3 ->
    ``{("q", "r"): {1}}``.
    """
    index: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
    for item_id, toks in items.items():
        for i in range(len(toks) - n + 1):
            index[tuple(toks[i : i + n])].append((item_id, i))
    found: dict[tuple[str, str], set[int]] = defaultdict(set)
    for rid, toks in records:
        for i in range(len(toks) - n + 1):
            for item_id, pos in index.get(tuple(toks[i : i + n]), ()):
                found[(item_id, rid)].add(pos)
    return dict(found)

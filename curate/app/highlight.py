"""Safe HTML for texts from the data: escape everything, then add our own ``<mark>``/diff tags.

Every string that comes from a corpus, a benchmark or a reviewer is passed through
:func:`html.escape` before it reaches the page, and shown with ``st.html`` (no Markdown pass), so an
item containing ``<script>``, ``**bold**`` or ``$x$`` renders as those characters.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Iterable, Sequence

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def esc(value: object) -> str:
    """HTML-escaped ``str(value)``; ``None`` -> ``""``.

    Example: ``esc("<b>&")`` -> ``"&lt;b&gt;&amp;"``.
    """
    return "" if value is None else html.escape(str(value), quote=True)


def merge_spans(spans: Iterable[Sequence[int]], length: int) -> list[tuple[int, int]]:
    """Clamp spans to ``[0, length]``, drop empty or malformed ones, merge overlapping/adjacent.

    Example: ``merge_spans([[5, 9], [0, 3], [2, 4], [20, 30]], 25)`` -> ``[(0, 4), (5, 9), (20, 25)]``.
    """
    clean = []
    for s in spans or ():
        try:
            a, b = int(s[0]), int(s[1])
        except (TypeError, ValueError, IndexError):
            continue
        a, b = max(0, a), min(length, b)
        if b > a:
            clean.append((a, b))
    clean.sort()
    out: list[tuple[int, int]] = []
    for a, b in clean:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def highlight_html(text: str | None, spans: Iterable[Sequence[int]] | None) -> str:
    """Escaped ``text`` with each span wrapped in ``<mark>``; offsets are in characters.

    Example: ``highlight_html("a <b> c", [[2, 5]])`` -> ``"a <mark>&lt;b&gt;</mark> c"``.
    """
    text = text or ""
    parts, pos = [], 0
    for a, b in merge_spans(spans or (), len(text)):
        parts.append(esc(text[pos:a]))
        parts.append(f"<mark>{esc(text[a:b])}</mark>")
        pos = b
    parts.append(esc(text[pos:]))
    return "".join(parts)


def parse_spans(raw: str | None) -> dict[str, list[list[int]]]:
    """The ``spans`` JSON of a contamination row; malformed input gives empty lists.

    Example: ``parse_spans('{"item": [[0, 4]], "record": [[10, 14]]}')``
    -> ``{"item": [[0, 4]], "record": [[10, 14]]}``.
    """
    try:
        data = json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    return {k: data.get(k) if isinstance(data.get(k), list) else [] for k in ("item", "record")}


def covered_chars(spans: Iterable[Sequence[int]], length: int) -> int:
    """Characters covered by the merged spans: ``[[0, 4], [2, 6]]`` in 10 chars -> 6."""
    return sum(b - a for a, b in merge_spans(spans, length))


def word_diff_html(a: str | None, b: str | None) -> tuple[str, str]:
    """Word-level diff of two texts as two escaped HTML strings.

    Words only in ``a`` are wrapped in ``<del>``, words only in ``b`` in ``<ins>``.

    Example: ``word_diff_html("the cat sat", "the dog sat")``
    -> ``("the <del>cat</del> sat", "the <ins>dog</ins> sat")``.
    """
    ta, tb = _TOKENS.findall(a or ""), _TOKENS.findall(b or "")
    left, right = [], []
    matcher = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        sa, sb = esc("".join(ta[i1:i2])), esc("".join(tb[j1:j2]))
        if op == "equal":
            left.append(sa)
            right.append(sb)
        else:
            if sa:
                left.append(f"<del>{sa}</del>")
            if sb:
                right.append(f"<ins>{sb}</ins>")
    return "".join(left), "".join(right)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


def md_escape(value: object) -> str:
    """Backslash-escape Markdown punctuation so text from the data shows as typed in ``st.toast``.

    Example: ``md_escape("**x** :red[y]")`` -> ``"\\*\\*x\\*\\* \\:red\\[y\\]"``.
    """
    return _MD_SPECIAL.sub(r"\\\1", "" if value is None else str(value)).replace("\n", " ")


def _indent_cols(line: str) -> tuple[int, int]:
    """(characters, columns) of a line's leading whitespace; a tab is 4 columns."""
    chars = len(line) - len(line.lstrip(" \t"))
    return chars, sum(4 if c == "\t" else 1 for c in line[:chars])


def lines_html(text: str | None, spans: Iterable[Sequence[int]] | None = None) -> str:
    """Escaped ``text`` as one ``<div>`` per line with a hanging indent equal to the line's own
    indentation, spans wrapped in ``<mark>``: a wrapped line of code stays under its first
    character, so indentation survives a narrow panel.

    Example: ``lines_html("def f():\\n    return 1", [[13, 19]])`` ->
    ``'<div class="cr-ln" style="padding-left:0ch">def f():</div>'
    '<div class="cr-ln" style="padding-left:4ch"><mark>return</mark> 1</div>'``.
    """
    text = text or ""
    merged = merge_spans(spans or (), len(text))
    out, pos = [], 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        skip, cols = _indent_cols(line)
        local = [
            (max(a, start + skip) - start - skip, min(b, end) - start - skip)
            for a, b in merged
            if a < end and b > start + skip
        ]
        body = highlight_html(line[skip:], local) or "&#8203;"
        out.append(f'<div class="cr-ln" style="padding-left:{cols}ch">{body}</div>')
        pos = end + 1
    return "".join(out)

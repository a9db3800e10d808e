"""Text normalisation shared by every step that compares text.

``normalise_text`` repairs and canonicalises (kept in the output); ``dedup_key`` further folds
case and whitespace (only used to compare).
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

# C0/C1 control characters except tab and newline; also the zero-width space, word joiner and BOM.
# The zero-width non-joiner and joiner (U+200C, U+200D) stay: they carry meaning (Persian words,
# family and flag emoji are spelled with them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2060\ufeff]")
_BLANKS = re.compile(r"\n{3,}")
_ANY_SPACE = re.compile(r"\s+")


def normalise_text(
    text: str,
    *,
    fix_mojibake: bool = True,
    nfkc: bool = True,
    strip_control: bool = True,
    collapse_whitespace: bool = True,
) -> str:
    """Repair and canonicalise text, keeping line structure.

    Example: ``"cafÃ©\\u200b au lait \\r\\n\\n\\n\\n    ﬁn"`` -> ``"café au lait\\n\\n    fin"``
    (indentation is kept: it is meaningful in code).

    ftfy is heuristic: its output after NFKC and control-character removal can look like mojibake
    to it again (``"¸Ü¤"`` -> ``" ̧Ü¤"`` -> ``" ̧ܤ"``), so the pass repeats until nothing changes
    (at most 4 rounds): normalising normalised text is then a no-op.
    """
    opts = (fix_mojibake, nfkc, strip_control, collapse_whitespace)
    for _ in range(4):
        before, text = text, _normalise_once(text, *opts)
        if text == before:
            break
    return text


def _normalise_once(
    text: str, fix_mojibake: bool, nfkc: bool, strip_control: bool, collapse_whitespace: bool
) -> str:
    plain = text.isascii()  # ASCII has no mojibake and is its own NFKC form
    if fix_mojibake and not (plain and "&" not in text):
        text = ftfy.fix_text(text, normalization=None)
    if nfkc and not plain:
        text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if strip_control:
        text = _CONTROL.sub("", text)
    if collapse_whitespace:
        # Trailing spaces and runs of blank lines go; indentation and inner spacing stay (they
        # carry meaning in code, tables and poetry). Comparisons fold all whitespace: dedup_key.
        text = "\n".join(line.rstrip() for line in text.split("\n"))
        text = _BLANKS.sub("\n\n", text).strip("\n")
        text = text.rstrip()
    return text


def dedup_key(text: str) -> str:
    """The comparison form of a text: case-folded, all whitespace runs as one space.

    Example: ``"Hello   World\\n"`` -> ``"hello world"``.
    """
    return _ANY_SPACE.sub(" ", text.casefold()).strip()

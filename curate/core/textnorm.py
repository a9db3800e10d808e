"""Text normalisation shared by every step that compares text.

``normalise_text`` repairs and canonicalises (kept in the output); ``dedup_key`` further folds
case and whitespace (only used to compare).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import ftfy
import polars as pl
from ftfy.badness import is_bad
from ftfy.fixes import uncurl_quotes

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
        if text == before or _plain(text, fix_mojibake):
            # A plain result (ASCII, no "&" when ftfy runs) is a fixed point: the next pass
            # would skip ftfy and NFKC, and find no "\r", control character, trailing space or
            # run of blank lines left by this one; so it is returned without that pass (issue 19).
            break
    return text


def _plain(text: str, fix_mojibake: bool) -> bool:
    """ASCII, and without ``&`` when ftfy runs: what :func:`_normalise_once` leaves unchanged
    once it has run (``"a b"`` -> True; ``"café"``, ``"a &amp; b"`` -> False)."""
    return text.isascii() and not (fix_mojibake and "&" in text)


# A line ftfy leaves as it is: printable ASCII without "&" (no HTML entity, no terminal escape, no
# control character, no line break to convert), tabs and the final newline allowed.
_INERT_LINE = re.compile(r"[\t\x20-\x25\x27-\x7e]*\n?")


# ftfy's fixers (ftfy 6.2-6.3) and the patterns of the three it applies with a regex: the
# shortcut below was read off them, and is off for an ftfy whose fixers differ.
_FTFY_FIXERS = {
    "decode_inconsistent_utf8",
    "fix_c1_controls",
    "fix_character_width",
    "fix_latin_ligatures",
    "fix_line_breaks",
    "fix_surrogates",
    "remove_control_chars",
    "remove_terminal_escapes",
    "replace_lossy_sequences",
    "restore_byte_a0",
    "uncurl_quotes",
    "unescape_html",
}
_FTFY_PATTERNS = ("[\u02bc\u2018-\u201b]", "[\u201c-\u201f]", r"[\x80-\x9f]")


def _ftfy_touched(amp: bool = True) -> re.Pattern[str] | None:
    """Every character one of ftfy's fixers (other than the mojibake repair) may change, read
    from ftfy's own tables: ``&`` (HTML entities; left out with ``amp=False``), ESC (terminal
    escapes), C1 controls, ligatures, full/half-width forms, curly quotes, line breaks,
    surrogates, control characters. ``None`` (no shortcut: every line that is not plain ASCII
    goes to ftfy) when the installed ftfy's fixers or quote patterns are not the ones this list
    was read from.
    """
    from ftfy import FIXERS, chardata

    patterns = (
        chardata.SINGLE_QUOTE_RE.pattern,
        chardata.DOUBLE_QUOTE_RE.pattern,
        chardata.C1_CONTROL_RE.pattern,
    )
    if set(FIXERS) != _FTFY_FIXERS or patterns != _FTFY_PATTERNS:
        return None
    codes = set(chardata.LIGATURES) | set(chardata.WIDTH_MAP) | set(chardata.CONTROL_CHARS)
    codes |= {ord(c) for c in "&\x1b\r\x85\u2028\u2029\u02bc"}
    if not amp:
        codes.discard(ord("&"))
    codes |= set(range(0x80, 0xA0)) | set(range(0x2018, 0x2020)) | set(range(0xD800, 0xE000))
    ranges: list[list[int]] = []
    for c in sorted(codes):
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    cls = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[{cls}]")


_FTFY_TOUCHED = _ftfy_touched()


def _html_entity() -> str | None:
    """ftfy's ``HTML_ENTITY_RE`` pattern, when its ``unescape_html`` (the one fixer that reads
    ``&``) only replaces that pattern's matches: an ``&`` that starts none is left alone. The
    pattern reads alike in Python's ``re`` and in Polars. ``None`` for another ftfy."""
    from ftfy import chardata, fixes

    pattern = chardata.HTML_ENTITY_RE.pattern
    names = fixes.unescape_html.__code__.co_names
    if pattern != r"&#?[0-9A-Za-z]{1,24};" or names != ("HTML_ENTITY_RE", "sub", "_unescape_fixup"):
        return None
    return pattern


_HTML_ENTITY = _html_entity()
# with an "&" that starts no HTML entity, the characters ftfy changes are these (issue 19)
_FTFY_TOUCHED_BUT_AMP = _ftfy_touched(amp=False) if _HTML_ENTITY else None
_HTML_ENTITY_RE = re.compile(_HTML_ENTITY) if _HTML_ENTITY else None
# their ASCII ones, as a class Polars reads: "[\x00-...]"
_ASCII_TOUCHED_BUT_AMP = "[{}]".format(
    "".join(f"\\x{c:02x}" for c in range(128) if re.match(_FTFY_TOUCHED_BUT_AMP or "$^", chr(c)))
)


def _badness_requirements() -> tuple[tuple[frozenset[str], ...], ...] | None:
    """What every match of ftfy's ``BADNESS_RE`` needs, read from the pattern itself: per
    alternative of its top-level ``|``, the sets of non-ASCII characters it can only match one of
    (a literal like ``Ã``, or a class like ``[ÂÃÎÐ]``, not repeated zero times), each set one
    that a match of that alternative contains a character of. ``None`` (no shortcut: every
    segment goes to ``is_bad``) when ``is_bad`` is not ``bool(BADNESS_RE.search(text))``, the
    pattern folds case, or some alternative needs no non-ASCII character.

    Example: the alternative ``[a-z]\\s?[ÃÂ][ ]`` gives ``(frozenset("ÃÂ"),)``.
    """
    try:
        import re._constants as sre_c
        import re._parser as sre_parse
    except ImportError:  # pragma: no cover - Python < 3.11
        return None
    from ftfy import badness

    if badness.is_bad.__code__.co_names != ("bool", "BADNESS_RE", "search"):
        return None
    pattern = badness.BADNESS_RE
    if pattern.flags & re.IGNORECASE:
        return None

    def char_set(op: object, av: object) -> frozenset[str] | None:
        codes: set[int] = set()
        items = [(op, av)] if op is sre_c.LITERAL else av if op is sre_c.IN else []
        for kind, value in items:  # type: ignore[union-attr]
            if kind is sre_c.LITERAL:
                codes.add(value)
            elif kind is sre_c.RANGE:
                codes.update(range(value[0], value[1] + 1))
            else:  # NEGATE, CATEGORY (\s, \w): no set of its own
                return None
        if not codes or min(codes) < 128:
            return None
        return frozenset(map(chr, codes))

    def needs(items: list) -> list[frozenset[str]]:
        out = []
        for op, av in items:
            if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1:
                out += needs(list(av[2]))
            elif op is sre_c.SUBPATTERN and not av[1] and not av[2]:
                out += needs(list(av[3]))
            elif (found := char_set(op, av)) is not None:
                out.append(found)
        return out

    tree = list(sre_parse.parse(pattern.pattern, pattern.flags))
    branches = tree[0][1][1] if len(tree) == 1 and tree[0][0] is sre_c.BRANCH else [tree]
    reqs = tuple(tuple(needs(list(alt))) for alt in branches)
    return reqs if all(reqs) else None


_BAD_NEEDS = _badness_requirements()
# the characters any requirement holds: a segment without one is never bad
_BAD_CHARS = (
    re.compile(
        "[" + "".join(sorted({re.escape(c) for r in _BAD_NEEDS for s in r for c in s})) + "]"
    )
    if _BAD_NEEDS
    else None
)


@lru_cache(maxsize=4096)
def _may_be_bad(chars: frozenset[str]) -> bool:
    """Whether a segment holding these of ``_BAD_CHARS`` (and any ASCII) can match
    ``BADNESS_RE``: some alternative finds a character of each of its sets among them."""
    return any(all(not need.isdisjoint(chars) for need in alt) for alt in _BAD_NEEDS or ())


def looks_bad(segment: str) -> bool:
    """``ftfy.badness.is_bad(segment)``, without its regex where it cannot match (issue 19): a
    segment holding none of the non-ASCII characters some alternative of ``BADNESS_RE`` needs
    (:func:`_badness_requirements`: curly quotes, bullets, dashes and ``é`` alone are not
    mojibake to ftfy) is not bad. ``is_bad`` runs a regex of ~40 alternatives at every position
    (~0.3 us a character); this finds the few characters that matter in one class scan.

    Example: ``looks_bad("It’s “fine” – really")`` -> False without ``is_bad``;
    ``looks_bad("cafÃ©")`` -> True (``is_bad`` ran and agreed).
    """
    if _BAD_CHARS is None:
        return is_bad(segment)
    found = _BAD_CHARS.findall(segment)
    return bool(found) and _may_be_bad(frozenset(found)) and is_bad(segment)


def ftfy_keeps(segment: str) -> bool:
    """True when ``ftfy.fix_and_explain(segment, config)`` (our config: no normalisation) returns
    ``segment`` unchanged, decided without running ftfy's fixers (issue 19): no character any
    fixer changes (:func:`_ftfy_touched`) and nothing that looks like mojibake to ftfy
    (``ftfy.badness.is_bad``, the test its encoding repair starts with). Always False for an
    ftfy release the character list was not read from.

    Example: ``ftfy_keeps("café au lait")`` -> True; ``ftfy_keeps("cafÃ©")``,
    ``ftfy_keeps("“quoted”")`` -> False.
    """
    if _FTFY_TOUCHED is None:
        return False
    if _FTFY_TOUCHED.search(segment) and not _only_inert_amps(segment):
        return False
    return not looks_bad(segment)


def _only_inert_amps(segment: str) -> bool:
    """Of the characters ftfy's fixers change, ``segment`` holds only ``&``s that start no HTML
    entity (``"a && b"``, ``"R&D"``; not ``"&amp;"``): ftfy's ``unescape_html`` leaves those
    and no other fixer reads ``&`` (issue 19)."""
    if _FTFY_TOUCHED_BUT_AMP is None or _HTML_ENTITY_RE is None:
        return False
    return not _FTFY_TOUCHED_BUT_AMP.search(segment) and not _HTML_ENTITY_RE.search(segment)


# A line whose only characters beyond _INERT_LINE's are curly quotes (ftfy's quote patterns).
_QUOTED_LINE = re.compile(r"[\t\x20-\x25\x27-\x7e\u02bc\u2018-\u201f]*\n?")


def ftfy_uncurls(segment: str) -> bool:
    """True when ``ftfy.fix_and_explain(segment, config)`` (no normalisation) only straightens
    its quotes (``ftfy.fixes.uncurl_quotes``), decided without running ftfy (issue 19):
    printable ASCII without ``&`` plus curly quotes (``\u02bc``, ``\u2018``-``\u201f``), and
    not mojibake to ftfy (``is_bad``). ftfy's first pass then changes nothing but the quotes
    (no entity, no encoding fix as the text is not bad, no control character, line break, width
    form or ligature), and its second pass finds plain ASCII, which it keeps. Always False for
    an ftfy release the fixer list was not read from (:func:`_ftfy_touched`).

    Example: ``ftfy_uncurls("It’s “fine”.")`` -> True (ftfy gives ``It's "fine".``);
    ``ftfy_uncurls("café’s")`` -> False (``é`` is not a quote: ftfy runs).
    """
    if _FTFY_TOUCHED is None:
        return False
    return bool(_QUOTED_LINE.fullmatch(segment)) and not looks_bad(segment)


def fix_text(text: str) -> str:
    """``ftfy.fix_text(text, normalization=None)``, without calling ftfy on the lines it would
    return unchanged (issue 19): ftfy fixes a text line by line, and a plain ASCII line needs
    nothing (ftfy returns ASCII unchanged from its encoding fixes, and its other fixes look for
    non-ASCII characters, ``&``, escapes and control characters). The loop is ftfy's own, with its
    one state: a ``<`` in a line turns HTML unescaping off for the rest of the text.

    Example: ``fix_text("plain line\\ncafÃ©")`` -> ``"plain line\\ncafé"`` (ftfy sees one line).
    """
    config = ftfy.TextFixerConfig(explain=False, normalization=None)
    whole = _whole_text_fix(text, config.max_decode_length)
    if whole is not None:
        return whole
    out = []
    pos = 0
    while pos < len(text):
        textbreak = text.find("\n", pos) + 1
        if textbreak == 0:
            textbreak = len(text)
        if (textbreak - pos) > config.max_decode_length:
            textbreak = pos + config.max_decode_length
        segment = text[pos:textbreak]
        if config.unescape_html == "auto" and "<" in segment:
            config = config._replace(unescape_html=False)
        if _INERT_LINE.fullmatch(segment) or ftfy_keeps(segment):
            out.append(segment)
        elif ftfy_uncurls(segment):
            out.append(uncurl_quotes(segment))
        else:
            out.append(ftfy.fix_and_explain(segment, config).text)
        pos = textbreak
    return "".join(out)


# A text whose every line _QUOTED_LINE accepts: printable ASCII without "&", and curly quotes.
_QUOTED_TEXT = re.compile(r"[\t\n\x20-\x25\x27-\x7e\u02bc\u2018-\u201f]*")


def _whole_text_fix(text: str, max_decode_length: int) -> str | None:
    """What :func:`fix_text`'s line loop gives when every line takes the same shortcut,
    decided on the whole text at once (issue 19); ``None`` otherwise. No line can be mojibake
    to ftfy when the text holds no character set some alternative of ``BADNESS_RE`` needs
    (:func:`_may_be_bad` of all its characters: a line has no others). Then every line is
    kept when the text has none of the characters ftfy's fixers change (``ftfy_keeps``), and
    every line is either inert or only has its quotes straightened when the text is printable
    ASCII without ``&`` plus curly quotes (``ftfy_uncurls``): ``uncurl_quotes`` of the text.

    Example: ``_whole_text_fix("It’s\\n“fine”", 10**6)`` -> ``'It\'s\\n"fine"'``.
    """
    if _FTFY_TOUCHED is None or _BAD_CHARS is None or len(text) > max_decode_length:
        return None
    found = _BAD_CHARS.findall(text)
    if found and _may_be_bad(frozenset(found)):
        return None
    if not _FTFY_TOUCHED.search(text):
        return text
    if _QUOTED_TEXT.fullmatch(text):
        return uncurl_quotes(text)
    return None


def _normalise_once(
    text: str, fix_mojibake: bool, nfkc: bool, strip_control: bool, collapse_whitespace: bool
) -> str:
    plain = text.isascii()  # ASCII has no mojibake and is its own NFKC form
    if fix_mojibake and not (plain and "&" not in text):
        text = fix_text(text)
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


def plain_text(text: pl.Expr, *, fix_mojibake: bool = True) -> pl.Expr:
    """True for texts :func:`normalise_expr` normalises exactly as :func:`normalise_text` does:
    ASCII (no mojibake, its own NFKC form), and, when ftfy runs, without ``&`` or with ``&``s
    that start no HTML entity and no character ftfy's other fixers change (control characters,
    ESC, ``\\r``): ftfy keeps those (issue 19).

    Example: ``"Hi  \\r\\n"``, ``"a && b"`` -> True; ``"café"``, ``"a &amp; b"``,
    ``"a && b\\r"`` -> False.
    """
    plain = ~non_ascii(text)
    if not fix_mojibake:
        return plain
    amp = text.str.contains("&", literal=True)
    if _HTML_ENTITY is None or _FTFY_TOUCHED_BUT_AMP is None:
        return plain & ~amp
    # an "&" that starts no HTML entity, in ASCII without a control character, ESC or "\r":
    # ftfy keeps every line of it (ftfy_keeps), so one pass is a fixed point too (issue 19)
    inert = ~text.str.contains(_HTML_ENTITY) & ~text.str.contains(_ASCII_TOUCHED_BUT_AMP)
    return plain & (~amp | inert)


def non_ascii(text: pl.Expr) -> pl.Expr:
    """True for texts with a character beyond ASCII (null for null): more UTF-8 bytes than
    characters. What ``text.str.contains(r"[^\\x00-\\x7f]")`` gives, ~10x faster (two length
    kernels instead of a regex scan; issue 19). Example: ``"café"`` -> True; ``"cafe"`` -> False.
    """
    return text.str.len_bytes() != text.str.len_chars()


def normalise_expr(
    text: pl.Expr, *, strip_control: bool = True, collapse_whitespace: bool = True
) -> pl.Expr:
    """:func:`normalise_text` in Polars, for the texts :func:`plain_text` accepts (issue 19).

    On ASCII text one pass is a fixed point, ftfy and NFKC change nothing, ``_CONTROL`` is its ASCII
    part and ``str.rstrip`` strips ``[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f ]``.
    Example: ``"a \\r\\n\\n\\n\\n\\x07b  "`` -> ``"a\\n\\nb"``.
    """
    text = text.str.replace_all("\r\n", "\n", literal=True).str.replace_all(
        "\r", "\n", literal=True
    )
    if strip_control:
        text = text.str.replace_all(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "")
    if collapse_whitespace:
        text = (
            text.str.replace_all(r"(?m)[\t\x0b\x0c\x1c-\x1f ]+$", "")
            .str.replace_all(r"\n{3,}", "\n\n")
            .str.strip_chars("\n")
            .str.strip_chars_end("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f ")
        )
    return text


def dedup_key(text: str) -> str:
    """The comparison form of a text: case-folded, all whitespace runs as one space.

    Example: ``"Hello   World\\n"`` -> ``"hello world"``.
    """
    return _ANY_SPACE.sub(" ", text.casefold()).strip()

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
import unicodedata
from functools import lru_cache

_CJK_CLASS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
WORD_RE = re.compile(rf"[{_CJK_CLASS}]|[^\s{_CJK_CLASS}]+")
CJK_RE = re.compile(rf"[{_CJK_CLASS}]")
# Sentence ends: Latin and CJK full stops, question and exclamation marks (NFKC turns full-width
# "？！" into "?!", but "。" stays).
SENTENCE_END_RE = re.compile(r"[.!?。！？…]+[\"'”’」』)\]]*(?=\s|$)|[。！？]")
TERMINAL_PUNCT = (".", "!", "?", '"', "'", "。", "！", "？", "”", "’", "」", "』", "…")
# Sentence terminals of every script, no quotes, no ellipsis: FineWeb's line ends (datatrove's
# ``TERMINAL_PUNCTUATION``, Apache-2.0) and the marks spaCy's sentencizer splits after.
TERMINAL_MARKS = tuple(
    "!.?։؝؞؟۔܀܁܂߹࠷࠹࠽࠾।॥၊။።፧፨᙮᜵᜶។៕៖៙៚᠃᠉᥄᥅᪨᪩᪪᪫᭚᭛᭞᭟᭽᭾᰻᰼᱾᱿‼‽⁇⁈⁉⸮⸼⹓⹔。꓿꘎꘏꛳꛷꡶꡷꣎꣏꤯꧈꧉꩝꩞꩟꫰꫱꯫﹒﹖﹗！．？｡𐩖𐩗𐽕𐽖𐽗𐽘𐽙𐾆𐾇𐾈𐾉𑁇𑁈𑂾𑂿𑃀𑃁𑅁𑅂𑅃𑇅𑇆𑇍𑇞𑇟𑈸𑈹𑈻𑈼𑊩𑑋𑑌𑗂𑗃𑗉𑗊𑗋𑗌𑗍𑗎𑗏𑗐𑗑𑗒𑗓𑗔𑗕𑗖𑗗𑙁𑙂𑜼𑜽𑜾𑥄𑥆𑩂𑩃𑪛𑪜𑱁𑱂𑻷𑻸\U00011f43\U00011f44𖩮𖩯𖫵𖬷𖬸𖭄𖺘𛲟𝪈"
)
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


_ABBREV_END_RE = re.compile(
    r"(?:^|[\s(\[\"'“‘])(?:(?:[A-Za-z]\.)+|(?:mr|mrs|ms|dr|vs|st|jr|sr|prof|inc|ltd|co)\.)$", re.I
)


def count_sentences_v2(text: str) -> int:
    """:func:`count_sentences` without abbreviations ("U.S.", "e.g.", "Mr.") as sentence ends.

    Example: ``count_sentences_v2("The U.S. grew. Mr. Li agreed.")`` -> 2 (v1: 4).
    """
    return sum(
        1
        for m in SENTENCE_END_RE.finditer(text)
        if not _ABBREV_END_RE.search(text, max(0, m.start() - 12), m.start() + 1)
    )


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


# ---------------------------------------------------------------------------------------------
# English tokens, as datatrove's filters count them (the ``reference: datatrove`` step modes)
# ---------------------------------------------------------------------------------------------
# datatrove 0.10 splits English text into words with spaCy's blank English tokenizer: whitespace
# chunks, then punctuation peeled off both ends ("(data)." -> "(", "data", ")", "."), clitics
# split ("don't" -> "do", "n't"), and a few infixes ("well-known" -> "well", "-", "known").
# :func:`english_tokens` is our own small approximation of that behaviour (no spaCy needed); it
# is used only to reproduce datatrove's decisions, never by the default ("paper") modes.

_CLITIC_RE = re.compile(r"(?i)(?<=[^\W\d_])(n['’]t|['’](?:s|m|d|ll|re|ve))$")
_DOTS_END_RE = re.compile(r"(?:\.{2,}|…+)$")
_DOTS_START_RE = re.compile(r"^(?:\.{2,}|…+)")
_ABBREV_RE = re.compile(r"^(?:[A-Za-z]\.)+$|^(?:mr|mrs|ms|dr|vs|st|jr|sr|prof|inc|ltd|co)\.$", re.I)
# File and host names ("a1b2-c3.png", "example.com") stay whole, as spaCy's URL rule keeps them.
_HOST_RE = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.ASCII)
_URL_RE = re.compile(r"^(?:[a-z][a-z+.-]*://|www\.)", re.I)
_INFIX_RE = re.compile(
    r"(\.{3,}|…)"  # an ellipsis anywhere
    r"|(?<=[0-9])([+*^-])(?=[0-9-])"  # 3-4, 2*3
    r"|(?<=[a-z])(\.)(?=[A-Z])"  # end.Start
    r"|(?<=[^\W\d_]{2})(\.)(?=,)"  # done.,but
    r"|(?<=[^\W\d_]),(?=[^\W\d_])"  # a,b (the comma is its own token)
    r"|(?<=[^\W_])(-{1,3}|–|—|~)(?=[^\W\d_])"  # well-known
    r"|(?<=[^\W_])([:<>=/])(?=[^\W\d_])"  # a/b, key:value
)
_NO_PREFIX = frozenset("-/@.\\")
_NO_SUFFIX = frozenset("-/@\\+=")
_EDGE_PAIRS = ("''", "):", ":]")  # two-character tokens peeled whole
# Informal spellings spaCy's English exceptions keep whole, apostrophe included.
_KEPT_WHOLE = frozenset(("goin'", "nothin'", "nuthin'", "somethin'", "'cos", "'cause"))
_UNIT_RE = re.compile(
    r"(?<=[0-9])(?:km|kg|cm|mm|mg|ml|am|pm|gb|mb|kb|tb|GB|MB|KB|TB|mph|ft|lb|oz|g|m|t|K|M|G|T)$"
    r"|(?<=[0-9]°)[CFK]$"
)
# Contractions written without the apostrophe, which spaCy's English exceptions split too.
_BARE_CLITICS: dict[str, tuple[str, str]] = {
    "cannot": ("can", "not"),
    "id": ("i", "d"),
    "im": ("i", "m"),
    "ive": ("i", "ve"),
    "thats": ("that", "s"),
    "hes": ("he", "s"),
    "youre": ("you", "re"),
    "theyre": ("they", "re"),
    "cant": ("ca", "nt"),
    "gonna": ("gon", "na"),
    "gotta": ("got", "ta"),
    "wanna": ("wan", "na"),
    "wont": ("wo", "nt"),
    **{
        w + "nt": (w, "nt")
        for w in ("do", "does", "did", "is", "are", "was", "were", "has", "have", "had")
        + ("could", "should", "would")
    },
}


def _is_edge_symbol(ch: str, excluded: frozenset[str]) -> bool:
    """Punctuation, a currency sign, ``= < > +`` or a pictograph that spaCy peels off a chunk."""
    if ch in excluded:
        return False
    cat = unicodedata.category(ch)
    return cat[0] == "P" or cat in ("Sc", "So") or ch in "=<>+%°`"


_DEGREES = frozenset(("°C", "°F", "°K", "°c", "°f", "°k"))


def _period_splits(chunk: str) -> bool:
    """A final "." is its own token after a digit, a lower-case letter, punctuation or two
    capitals; not after one capital ("3D.", "Vitamin C.") or a CJK character.

    Example: ``"data."`` -> True, ``"3D."`` -> False, ``"ABC."`` -> True.
    """
    prev = chunk[-2]
    if prev.isdigit() or prev.islower() or not prev.isalnum() or chunk[-3:-1] in _DEGREES:
        return True
    return prev.isupper() and len(chunk) > 2 and chunk[-3].isupper()


def _split_chunk(chunk: str) -> list[str]:
    """One whitespace chunk as English tokens (see :func:`english_tokens`)."""
    head: list[str] = []
    tail: list[str] = []
    while chunk:
        if _URL_RE.match(chunk) or _ABBREV_RE.match(chunk) or chunk.lower() in _KEPT_WHOLE:
            break
        m = _DOTS_START_RE.match(chunk)
        if m or chunk.startswith("''"):
            cut = m.end() if m else 2
        elif len(chunk) > 1 and _is_edge_symbol(chunk[0], _NO_PREFIX):
            if chunk[0] == "+" and chunk[1].isdigit():
                break
            cut = 1
        else:
            break
        head.append(chunk[:cut])
        chunk = chunk[cut:]
    while chunk and not _ABBREV_RE.match(chunk) and chunk.lower() not in _KEPT_WHOLE:
        m = _DOTS_END_RE.search(chunk) or _CLITIC_RE.search(chunk) or _UNIT_RE.search(chunk)
        if m and m.start() > 0:
            cut = m.start()
        elif len(chunk) > 2 and chunk.endswith(_EDGE_PAIRS):
            cut = len(chunk) - 2
        elif len(chunk) > 1 and (
            _period_splits(chunk) if chunk[-1] == "." else _is_edge_symbol(chunk[-1], _NO_SUFFIX)
        ):
            cut = len(chunk) - 1
        else:
            break
        tail.append(chunk[cut:])
        chunk = chunk[:cut]
    if chunk.lower() in _BARE_CLITICS and chunk != chunk.upper():
        stem = len(_BARE_CLITICS[chunk.lower()][0])
        return [*head, chunk[:stem], chunk[stem:], *tail[::-1]]
    whole = _URL_RE.match(chunk) or _HOST_RE.match(chunk)
    body = [chunk] if whole else [p for p in _infix_split(chunk) if p]
    return head + body + tail[::-1]


def _infix_split(chunk: str) -> list[str]:
    """A chunk cut at its infixes, the infixes kept: ``"well-known"`` -> ``["well", "-", "known"]``."""
    parts: list[str] = []
    last = 0
    for m in _INFIX_RE.finditer(chunk):
        start, end = m.span()
        if start == end:  # defensive: no rule matches an empty span
            continue
        parts += [chunk[last:start], chunk[start:end]]
        last = end
    parts.append(chunk[last:])
    return parts


def english_tokens(text: str) -> list[str]:
    """Words and punctuation tokens, approximating datatrove's spaCy English tokenizer.

    Example: ``english_tokens("It's well-known (e.g. here).")`` ->
    ``["It", "'s", "well", "-", "known", "(", "e.g.", "here", ")", "."]``;
    ``english_tokens("偷偷摘套，我们")`` -> ``["偷偷摘套，我们"]`` (no spaces: one token).
    """
    out: list[str] = []
    add = out.extend
    for chunk in text.split():
        add(_chunk_tokens(chunk))
    return out


@lru_cache(maxsize=1 << 18)
def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    """One chunk's tokens, memoised: chunks repeat (words, and code's ``=`` ``{`` ``x;``)."""
    fast = _fast_split(chunk)
    return tuple(_split_chunk(chunk) if fast is None else fast)


_ABBREVS = frozenset(("mr", "mrs", "ms", "dr", "vs", "st", "jr", "sr", "prof", "inc", "ltd", "co"))


def _fast_split(chunk: str) -> list[str] | None:
    """The common chunks without regexes: a plain word, or a word and one trailing ``, ; : ! ?``
    (or ``.`` after a lower-case letter); None for anything else. ``"data,"`` -> ``["data", ","]``.
    """
    word, end = chunk, ""
    if chunk[-1] in ",;:!?." and len(chunk) > 1:
        word, end = chunk[:-1], chunk[-1]
    if not word.isalpha() or word.lower() in _BARE_CLITICS:
        return None if not (word.isdigit() and not end) else [word]
    if not end:
        return [word]
    if end == "." and (len(word) == 1 or not word[-1].islower() or word.lower() in _ABBREVS):
        return None
    return [word, end]


def is_punct_token(token: str) -> bool:
    """Every character is Unicode punctuation: ``"..."`` -> True, ``"$"`` -> False."""
    return all(unicodedata.category(ch)[0] == "P" for ch in token)


_SENTENCE_MARKS = frozenset(TERMINAL_MARKS)


def english_sentences(line: str) -> int:
    """Sentences in a line as spaCy's rule-based sentencizer counts them: a new sentence starts at
    the first non-punctuation token after a single terminal mark token (``.`` ``!`` ``?`` ``。``).

    Example: ``english_sentences("Hi there. It works (really). e.g. this")`` -> 3 ("e.g." is one
    token, not a sentence end).
    """
    tokens = english_tokens(line)
    count = 1 if tokens else 0
    seen = False
    for tok in tokens:
        if tok in _SENTENCE_MARKS:
            seen = True
        elif seen and not is_punct_token(tok):
            count += 1
            seen = False
    return count

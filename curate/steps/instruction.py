"""Checks for instruction data (prompt -> answer pairs): the problems the AlpacaDataCleaned project
(gururise/AlpacaDataCleaned, 2023) fixed by hand in Stanford Alpaca.

=====================================  ==========================================================
reason                                 fires when
=====================================  ==========================================================
instruction__placeholder_output        the answer is a placeholder: ``<nooutput>``, ``N/A``,
                                       ``None``, ``...`` (truly empty answers are
                                       ``length__empty_response`` of ``length_filter_v1``)
instruction__refusal                   the answer refuses or carries assistant boilerplate:
                                       "As an AI language model", "I'm sorry, but I cannot",
                                       "I am unable to", "I don't have access to"
instruction__needs_url                 the task asks to read/summarise/describe what is behind a
                                       URL, which the model never saw (a hallucinated answer)
instruction__needs_media               the task refers to an image, photo, video, audio, chart or
                                       attached file that is not in the record ("Describe the
                                       following photo")
instruction__empty_input_ref           the instruction refers to "the following sentence" / "this
                                       text" / "the given list", and neither the input nor the
                                       instruction itself holds it
instruction__too_short                 the answer is far shorter than the task needs: an essay,
                                       article or story under ``min_words_long`` words, a letter,
                                       poem or paragraph under ``min_words_medium``, an explanation
                                       under ``min_words_explain``, "list five ..." with fewer
                                       words than items (not when the task asks for brevity)
instruction__copies_prompt             the answer repeats the instruction or the input (case,
                                       spacing and punctuation aside) on a task that asks for a
                                       change (rewrite, paraphrase, summarise, translate, ...)
instruction__language_mismatch         the answer is in another language than the prompt (fastText
                                       lid.176, both scores >= ``language_min_score``), unless the
                                       task is a translation or names a language
=====================================  ==========================================================

The record's instruction and input are read from ``meta.fields`` (alpaca/dolly layouts) or, for
chat layouts, from the last user message (the one the checked answer replies to); the answer is
the last assistant message. The checks
apply to ``kind == instruction`` records only. ``length_filter_v1`` is expected to run before and
own the empty-answer reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from curate.core.decisions import filter_step
from curate.core.evidence import rule_detail
from curate.core.records import last_response
from curate.core.step import Step, StepContext, register
from curate.core.textnorm import non_ascii
from curate.steps.langid import PY_WHITESPACE
from curate.steps.rowops import on_live_rows
from curate.steps.rust_regex import NON_SPACE, SPACE, widened
from curate.steps.words import is_code_line, split_words

REASONS = (
    "instruction__placeholder_output",
    "instruction__refusal",
    "instruction__needs_url",
    "instruction__needs_media",
    "instruction__empty_input_ref",
    "instruction__too_short",
    "instruction__copies_prompt",
    "instruction__language_mismatch",
)

PLACEHOLDER_OUTPUTS = frozenset(
    [
        "<nooutput>",
        "<no output>",
        "<noinput>",
        "<no input>",
        "nooutput",
        "n/a",
        "na",
        "none",
        "null",
        "nan",
        "no output",
        "no answer",
        "-",
        "--",
        "...",
        "…",
        "todo",
        "tbd",
        "?",
        "<output>",
        "output",
    ]
)
REFUSAL_RE = re.compile(
    r"(?i)\bas an? (?:ai|artificial intelligence)(?: language)?(?: model| assistant)?\b"
    r"|^\s*(?:i'?m|i am) (?:sorry|afraid)[^.]{0,40}\b(?:can(?:no|')t|not able|unable|do not|don't)\b"
    r"|^\s*(?:sorry,? )?i (?:cannot|can't|can not|am unable to|am not able to|won't|will not) "
    r"(?:do|provide|complete|perform|answer|fulfil|fulfill|help|assist|generate|create|write|access|view|see|"
    r"display|open|read|watch|listen|draw|show|browse|comply)"
    r"|\bi (?:do not|don't) have (?:access to|the ability to|the capability to|personal (?:opinions|experiences|feelings))"
    r"|\b(?:this|the) (?:task|instruction) (?:is|cannot be) (?:not possible|impossible|completed)"
    r"|\bnot (?:possible|able) (?:for me )?to (?:view|see|access|display|open|draw|show) (?:the |this |images|image|pictures|videos|urls|links)"
    r"|作为一个?(?:人工智能|AI)(?:语言模型|助手)?|我(?:无法|不能)(?:提供|回答|完成|访问|查看)"
)
URL_RE = re.compile(
    r"https?://\S+|\bwww\.\S+|\b[\w-]+\.(?:com|org|net|edu|gov|io)/\S*", re.IGNORECASE
)
CONSUME_URL_RE = re.compile(
    r"(?i)\b(?:summari[sz]e|summary|describe|description|explain|analy[sz]e|analysis|review|read|watch|listen|"
    r"tell me (?:about|what)|what (?:is|does) (?:the|this) (?:article|video|page|website|post|paper|song)|"
    r"based on|according to|refer(?:ring)? to|title and artist|main (?:idea|point)|key points|takeaways|headline|caption|title for|"
    r"evaluate|critique|rate|classify|categori[sz]e|edit|proofread|translate|identify|find)\b"
)
CODE_TASK_RE = re.compile(
    r"(?i)\b(?:write|create|implement|develop|build|generate|construct|design|compose|code|make)\b[^.]{0,40}?"
    r"\b(?:function|program|script|method|class|algorithm|query|code|regex|regular expression|api|endpoint|"
    r"scraper|crawler|request|component|module|snippet|app|application|html|css|sql|command)\b"
    r"|\b(?:python|javascript|java|c\+\+|c#|php|ruby|golang|rust|sql|bash|shell|powershell|html|css|node\.js|react|regex)\b"
)
MEDIA_NOUNS = r"(?:image|images|photo|photos|photograph|picture|pictures|pic|video|videos|clip|audio|recording|sound ?clip|podcast|painting|drawing|artwork|art piece|logo|screenshot|diagram|graph|chart|figure|illustration|infographic)"
FILE_NOUNS = (
    r"(?:file|files|attachment|pdf|document|spreadsheet|excel sheet|csv|slide|slides|presentation)"
)
_REF = r"(?:this|these|the following|the given|the provided|the attached|the above|the below|the shown|the linked|the included|the accompanying|in the|of the|from the|at the)"
MEDIA_RE = re.compile(
    rf"(?i)\b{_REF}\s+(?:\w+\s+){{0,2}}?{MEDIA_NOUNS}\b|\battached\b|\bshown (?:above|below|here)\b|\b{MEDIA_NOUNS}\s+(?:below|above|provided|attached)\b|!\[[^\]]*\]\("
)
FILE_RE = re.compile(rf"(?i)\b{_REF}\s+(?:\w+\s+){{0,2}}?{FILE_NOUNS}\b")
GENERATE_MEDIA_RE = re.compile(
    rf"(?i)\b(?:create|draw|design|make|generate|produce|sketch|plot|construct|build|develop|render)\b[^.]{{0,30}}\b(?:a|an|the)\s+(?:\w+\s+){{0,3}}?{MEDIA_NOUNS}\b"
)
TEXT_REFERENTS = (
    r"sentences?|text|paragraphs?|passage|article|story|poem|words?|phrases?|statements?|excerpt|quote|"
    r"question|questions|email|letter|review|tweet|essay|headline|title|argument|claim|dialogue|conversation|"
    r"lyrics|speech|document|description|summary|report|list|items|data|dataset|table|equation|expression|"
    r"numbers?|input|string|array|recipe|product|code|snippet|program|function|situation|scenario|"
    r"topic|facts?|options|choices|sequence|set|text message|news"
)
CODE_REFERENTS = {"code", "snippet", "program", "function"}
EMPTY_REF_RE = re.compile(
    rf"(?i)\b(?:the following|the given|the provided|the below|the above|this|these|the attached|the mentioned)\s+"
    rf"(?:[\w-]+\s+){{0,2}}?({TEXT_REFERENTS})\b"
    rf"|\b(?:below|as follows)\s*:?\s*$"
)
BREVITY_RE = re.compile(
    r"(?i)\b(?:in (?:one|a|two|three|\d+) (?:word|sentence|phrase|line|paragraph|sentences|words|lines)|one[- ]word|"
    r"one[- ]sentence|single (?:word|sentence)|short|brief|briefly|concise|succinct|in \d+ words|"
    r"under \d+ words|(?:less|fewer) than \d+ words|no more than|at most|tweet|haiku|slogan|title|headline|caption|"
    r"tagline|motto|acronym|hashtag|limerick|thesis|outline|name (?:a|an|one|the)|yes or no|true or false|"
    r"(?:one|two|three|four|five|\d+)[- ](?:sentences?|lines?|words?|paragraphs?|line|sentence|word|paragraph)(?: long)?)\b"
)
# "Write an essay ..." but not "Write a thesis statement for an essay": the noun is the object.
_OBJ = r"\s+(?:(?:a|an|the|me|one|my)\s+)?(?:(?!(?:for|about|of|on|to|in|with|from|that|which|as)\b)[\w'-]+\s+){0,3}?"
_TASK_START = r"(?i)^\s*(?:please\s+)?(?:write|compose|draft|create|generate|produce)"
_NOT_ITEMS = r"(?!\s+(?:ideas?|titles?|topics?|prompts?|outlines?|names?|headlines?|address(?:es)?|subject|summary|summaries)\b)"
LONG_RE = re.compile(
    rf"{_TASK_START}{_OBJ}(?:essay|article|blog post|short story|story|speech|narrative|op-ed)\b{_NOT_ITEMS}"
)
MEDIUM_RE = re.compile(
    rf"{_TASK_START}{_OBJ}(?:letter|e-?mail|poem|song|paragraph|cover letter|product description|biography|dialogue|report)\b{_NOT_ITEMS}"
)
EXPLAIN_RE = re.compile(
    r"(?i)^\s*(?:explain|describe|discuss|elaborate on)\b(?![^.?]{0,60}\b(?:word|phrase|sentence)\b)"
)
NUMBERS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
COUNT_RE = re.compile(
    r"(?i)^\s*(?:please\s+)?(?:list|name|give(?: me)?|generate|provide|suggest|come up with|brainstorm|identify|find|outline)"
    r"\s+(?:(?:at least|the|top|a list of|me)\s+)?(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s+((?:[\w-]+\s*){0,3})"
)
_UNITS = re.compile(
    r"(?i)\b(?:words?|letters?|characters?|sentences?|lines?|digits?|syllables?|minutes?|seconds?|hours?|days?|years?|percent|numbers?)\b"
)
CHANGE_TASK_RE = re.compile(
    r"(?i)\b(?:rewrite|re-write|paraphrase|rephrase|reword|summari[sz]e|translate|convert|transform|simplify|shorten|expand|make|change|improve|generate|write|create|compose|turn|modify|restructure|formal|informal|passive|active|tense|synonym|antonym)\b"
)
NO_CHANGE_TASK_RE = re.compile(
    r"(?i)\b(?:correct|fix|proofread|grammar|spelling|check|edit|extract|find|identify|select|choose|pick|which|repeat|copy|echo|return|print|classify|categori[sz]e|sort|order|arrange|detect|is it|determine)\b"
)
TRANSLATE_RE = re.compile(
    r"(?i)translat|翻译|翻譯|перевед|\b(?:in|into|to|from) (?:english|french|spanish|german|chinese|mandarin|japanese|russian|italian|portuguese|arabic|hindi|korean|dutch|latin|greek|swedish|polish|turkish)\b"
    r"|\b(?:english|french|spanish|german|chinese|japanese|russian|italian|portuguese|arabic|korean|latin)\b"
)
_FOLD = re.compile(r"[\W_]+")


def fold(text: str, case: bool = False) -> str:
    """Space- and punctuation-folded text (case-folded too unless ``case``).

    Example: ``fold("Hello,  World!")`` -> ``"hello world"``; with ``case=True`` -> ``"Hello World"``.
    """
    return _FOLD.sub(" ", text if case else text.casefold()).strip()


def is_code_task(instruction: str) -> bool:
    """The task asks for or about code (URLs are ignored: ".../page.html" is no HTML task).

    Example: ``is_code_task("Write a Python function to add two numbers.")`` -> True;
    ``is_code_task("Summarize https://x.com/a.html")`` -> False.
    """
    return bool(CODE_TASK_RE.search(URL_RE.sub(" ", instruction)))


def is_placeholder(output: str) -> bool:
    """``"<nooutput>"`` -> True; ``"No."`` -> False."""
    s = output.strip().casefold()
    return s in PLACEHOLDER_OUTPUTS or s.startswith(("<nooutput>", "<no output>"))


def needs_url(instruction: str, inp: str) -> bool:
    """The task asks about what is behind a URL the record does not contain.

    Example: ``needs_url("Summarize the article.", "https://x.com/a")`` -> True;
    ``needs_url("Write a Python script that downloads https://x.com/a", "")`` -> False.
    """
    if not (URL_RE.search(instruction) or URL_RE.search(inp)):
        return False
    if is_code_task(instruction):
        return False
    # The input is (mostly) the URL, or the instruction asks to read it.
    rest = URL_RE.sub(" ", inp).strip()
    url_only_input = bool(URL_RE.search(inp)) and len(split_words(rest)) <= 6
    return bool(CONSUME_URL_RE.search(instruction)) and (
        url_only_input or bool(URL_RE.search(instruction))
    )


def needs_media(instruction: str, inp: str) -> bool:
    """The task refers to an image / audio / video / attached file that is not there.

    Example: ``needs_media("Describe the following photo.", "")`` -> True;
    ``needs_media("Create a chart of the data below.", "a: 1")`` -> False.
    """
    if is_code_task(instruction):
        return False  # code that downloads or draws an image needs no image
    prompt = f"{instruction}\n{inp}"
    stand_in = inp.strip() and not URL_RE.search(inp) and len(split_words(inp)) >= 3
    if stand_in:
        return False  # the input describes or names the item ("The Starry Night by Van Gogh")
    m = MEDIA_RE.search(prompt)
    if m:
        # "Create a chart of the data" asks for a new picture; "Describe this chart" needs one.
        pointed = re.search(
            r"(?i)\b(?:this|these|following|given|attached|above|below|provided)\b", m.group(0)
        )
        if pointed or not GENERATE_MEDIA_RE.search(instruction):
            return True
    if FILE_RE.search(instruction) and (
        not inp.strip()
        or URL_RE.fullmatch(inp.strip())
        or re.fullmatch(r"\S+\.\w{2,4}", inp.strip())
    ):
        return not is_code_task(instruction)
    return False


def empty_input_ref(instruction: str, inp: str) -> bool:
    """The instruction points at text it does not contain, and the input is empty.

    Example: ``empty_input_ref("Paraphrase the following sentence.", "")`` -> True;
    ``empty_input_ref('Paraphrase the following sentence: "It rains."', "")`` -> False.
    """
    if inp.strip():
        return False
    code_task = bool(is_code_task(instruction))
    for m in EMPTY_REF_RE.finditer(instruction):
        noun = (m.group(1) or "").lower()
        if code_task and noun and noun not in CODE_REFERENTS:
            continue
        after = instruction[m.end() :]
        # The referent is inline when content follows: after a colon, question mark, full stop or new
        # line ("... sentence: It rains."), in quotes, or right away with digits/symbols ("this
        # expression 3x + 2").
        tail = re.split(r"[:\n?]|[.!](?=\s)", after, maxsplit=1)
        if len(tail) == 2 and re.search(r"[^\W_]", tail[1]):
            return False
        if re.search(r"[\"“'«].{3,}[\"”'»]", after) or re.match(
            r"\s*\S*[\d=+*/^()\[\]{}<>]", after
        ):
            return False
        if noun in ("this", "these"):
            continue
        # "this topic/story" followed by a clause that names it ("this story about dogs") is fine.
        if re.match(r"\s+(?:about|on|regarding|that|which)\b", after) and noun not in (
            "sentence",
            "sentences",
            "text",
            "paragraph",
            "passage",
        ):
            continue
        return True
    return False


def required_words(instruction: str, p: InstructionParams) -> int:
    """Fewest answer words the task can be done in (0: no requirement).

    Example: ``required_words("Write an essay about rivers.", p)`` -> 40 (``min_words_long``);
    ``required_words("Write a short essay.", p)`` -> 0 (the task asks for brevity).
    """
    if BREVITY_RE.search(instruction):
        return 0
    need = 0
    if LONG_RE.search(instruction):
        need = p.min_words_long
    elif MEDIUM_RE.search(instruction):
        need = p.min_words_medium
    elif EXPLAIN_RE.search(instruction):
        need = p.min_words_explain
    m = COUNT_RE.search(instruction)
    if m and not _UNITS.search(m.group(2)):
        g = m.group(1).lower()
        n = int(g) if g.isdigit() else NUMBERS.get(g, 0)
        if n <= 50:
            need = max(need, n)
    return need


def copies_prompt(instruction: str, inp: str, output: str) -> bool:
    """The answer repeats the instruction or the input on a task that asks for a change.

    Example: ``copies_prompt("Rewrite in passive voice.", "The cat ate the fish.", "The cat ate the fish.")``
    -> True; the same with ``"Correct the grammar."`` -> False (no change may be right).
    """
    # the task test first: it is cheaper than collapsing a long answer (issue 19)
    if not CHANGE_TASK_RE.search(instruction) or NO_CHANGE_TASK_RE.search(instruction):
        return False
    out = _same(output)
    if len(out.split()) < 2:
        return False
    return out in (_same(instruction), _same(inp), _same(f"{instruction} {inp}"))


def _same(text: str) -> str:
    """Whitespace-collapsed, without trailing sentence punctuation: what "the same text" means."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".!?。").strip()


def prose(text: str) -> str:
    """The prose part of a text: code fences and code-like lines removed."""
    text = re.sub(r"```[\s\S]*?```", " ", text)
    lines = [ln for ln in text.split("\n") if not is_code_line(ln)]
    return " ".join(lines)


@dataclass(frozen=True)
class InstructionParams:
    min_words_long: int = 40
    min_words_medium: int = 15
    min_words_explain: int = 5
    check_language: bool = True
    language_min_score: float = 0.8
    language_min_letters: int = 20


# One bit per check after the placeholder test, in check_one's order (:func:`fire_mask`).
REFUSAL, NEEDS_URL, NEEDS_MEDIA, EMPTY_INPUT_REF, TOO_SHORT, COPIES_PROMPT = (1, 2, 4, 8, 16, 32)
ALL_CHECKS = 63


def check_one(
    instruction: str, inp: str, output: str, p: InstructionParams, checks: int = ALL_CHECKS
) -> str | None:
    """The first reason (without language) that fires for one record, or None.

    ``checks`` (bits ``REFUSAL`` ... ``COPIES_PROMPT``) skips the checks whose bit is off: with the
    bits :func:`fire_mask` sets, the answer is the same as with every check (issue 19), as a
    check whose bit is off cannot fire. The placeholder test always runs.
    Example: ``check_one("Name a colour.", "", "<nooutput>", p)`` ->
    ``"instruction__placeholder_output"``.
    """
    if not output.strip():
        return None  # length_filter_v1's length__empty_response
    if is_placeholder(inp) or fold(inp) in ("noinput", "no input", "input"):
        inp = ""
    if is_placeholder(output):
        return "instruction__placeholder_output"
    if checks & REFUSAL and REFUSAL_RE.search(output):
        return "instruction__refusal"
    if checks & NEEDS_URL and needs_url(instruction, inp):
        return "instruction__needs_url"
    if checks & NEEDS_MEDIA and needs_media(instruction, inp):
        return "instruction__needs_media"
    if checks & EMPTY_INPUT_REF and empty_input_ref(instruction, inp):
        return "instruction__empty_input_ref"
    need = required_words(instruction, p) if checks & TOO_SHORT else 0
    if need and len(split_words(output)) < need:
        return "instruction__too_short"
    if checks & COPIES_PROMPT and copies_prompt(instruction, inp, output):
        return "instruction__copies_prompt"
    return None


GIVEN_INSTRUCTION = pl.col("meta").str.json_path_match("$.fields.instruction")
GIVEN_INPUT = pl.col("meta").str.json_path_match("$.fields.input")


GIVEN_DTYPE = pl.Struct({"instruction": pl.String, "input": pl.String})


def given_fields(meta: pl.Series) -> pl.Series:
    """``GIVEN_INSTRUCTION`` and ``GIVEN_INPUT`` of each ``meta`` JSON (a struct), the documents
    :func:`curate.steps._json_kernel.fields` is sure of read in one compiled pass, the others by
    ``json_path_match`` (issue 19). Example: ``['{"fields": {"input": "x"}}']`` ->
    ``[{"instruction": None, "input": "x"}]``.
    """
    from curate.steps import _json_kernel as kernel

    frame = meta.to_frame("meta")
    if not kernel.available():
        return frame.select(
            pl.struct(instruction=GIVEN_INSTRUCTION, input=GIVEN_INPUT).alias(meta.name)
        ).to_series()
    import pyarrow as pa

    from curate.io.ingest_arrow import utf8_buffers  # here: a step module loads every run

    names = ("instruction", "input")
    data, offs, status = kernel.fields(*utf8_buffers(meta.fill_null("")), names)
    n, k = status.shape
    flat = np.append(offs[:, :k].ravel(), offs[-1, k] if n else 0)
    strings = pl.Series(
        pl.from_arrow(
            pa.LargeStringArray.from_buffers(
                n * k, pa.py_buffer(flat), pa.py_buffer(data[: max(int(flat[-1]), 1)])
            )
        )
    )
    cols = {}
    for j, (name, expr) in enumerate(zip(names, (GIVEN_INSTRUCTION, GIVEN_INPUT), strict=True)):
        got = strings.gather(np.arange(j, n * k, k)).alias(name)
        got = got.zip_with(pl.Series(status[:, j] == 1), pl.Series([None], dtype=pl.String))
        back = np.flatnonzero(status[:, j] == 2)
        if back.shape[0]:
            got = got.scatter(back, frame[back].select(expr)[:, 0])
        cols[name] = got
    return pl.DataFrame(cols).to_struct(meta.name)


def _parts(
    given_instruction: pl.Expr = GIVEN_INSTRUCTION, given_input: pl.Expr = GIVEN_INPUT
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Instruction, input and answer of each record: the source's ``instruction``/``input``
    (``context``) fields, else the last user turn and ``""``. With ``given_*`` as columns
    computed before, each fallback is read only where that field is missing (the step does
    this: one JSON pass over ``meta`` fewer; issue 19)."""
    last_user = (
        pl.when(given_instruction.is_null())
        .then(pl.col("messages"))
        .list.eval(
            pl.element().filter(pl.element().struct.field("role") == "user").struct.field("content")
        )
        .list.last()
    )
    instruction = pl.coalesce(given_instruction, last_user, pl.lit(""))
    context = (
        pl.when(given_input.is_null()).then(pl.col("meta")).str.json_path_match("$.fields.context")
    )
    inp = pl.coalesce(given_input, context, pl.lit(""))
    return instruction, inp, last_response().fill_null("")


# Words every REFUSAL_RE match contains (a cheaper test of the same rows, ASCII or not).
REFUSAL_WORDS = (
    r"(?i)as an? (?:ai|artificial intelligence)|sorry|afraid|i (?:cannot|can't|can not|am unable"
    r"|am not able|won't|will not) |i (?:do not|don't) have |(?:task|instruction) (?:is|cannot be) "
    r"|not (?:possible|able) |作为一?个?(?:人工智能|ai)|我(?:无法|不能)"
)
ASCII_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "  # what str.strip() strips from ASCII text


class _AsciiFold(dict):
    """``str.translate`` table: each non-ASCII character to an ASCII one that every pattern of
    :func:`may_fire` treats at least as Python treats the original (``ascii_fold``)."""

    def __missing__(self, code: int) -> str | int:
        c = chr(code)
        if code < 128:
            out: str | int = code
        elif c in "\u0130\u0131":  # Python's (?i) matches İ and ı to i, ſ to s, K (Kelvin) to k
            out = "i"
        elif c in "\u017f\u212a":
            out = "s" if c == "\u017f" else "k"
        elif c.isspace():
            out = "\t"  # whitespace to \s, but not to a literal space
        elif c.isdecimal():
            out = "9"  # \d; a count read from it is 9 or 99, no fewer words than the real one
        elif c.isalnum():
            out = "_"  # \w, no letter
        else:
            out = "~"  # \W
        self[code] = out
        return out


_ASCII_FOLD = _AsciiFold()


def ascii_fold(text: str) -> str:
    """``text`` with every non-ASCII character replaced by an ASCII stand-in of its class for the
    patterns of :func:`may_fire`: ``"İt’s 中文 ٣"`` -> ``"it~s __ 9"``. A pattern of ASCII literals
    matches the original (under Python's ``re``) only where it matches the folded text, and the
    folded text has no more words; the stand-ins create no new letters, spaces or digits, so the
    negated test (``NO_CHANGE_TASK_RE``) gains no match either.
    """
    return text if text.isascii() else text.translate(_ASCII_FOLD)


def _words_of_ascii(texts: pl.Series) -> pl.Series | None:
    """``count_matches(NON_SPACE + "+")`` of each ASCII text (no nulls) in one compiled pass
    (:mod:`curate.steps._words_kernel`; issue 19); ``None`` when numba is off.

    Example: ``_words_of_ascii(pl.Series(["a b\x1cc", ""]))`` -> ``[3, 0]``.
    """
    from curate.steps import _words_kernel as kernel

    if not kernel.available():
        return None
    from curate.io.ingest_arrow import utf8_buffers  # here: a step module loads every run

    counts, plain = kernel.word_runs(*utf8_buffers(texts), ASCII_WHITESPACE)
    assert plain.all(), "the texts are folded to ASCII first"
    return pl.Series(texts.name, counts, dtype=pl.UInt32)


# fold(inp) in ("noinput", "no input", "input") on ASCII: the letters and digits of the input,
# lower-cased, spell "noinput" or "input" (one regex pass; removing the others and comparing the
# first 8 left copied every input: 5 ms on CodeAlpaca; issue 19)
_OTHER = "[^A-Za-z0-9]*"
NO_INPUT = (
    f"^{_OTHER}(?:[nN]{_OTHER}[oO]{_OTHER})?"
    + "".join(f"[{c}{c.upper()}]{_OTHER}" for c in "input")
    + "$"
)


def may_fire(instruction: pl.Expr, inp: pl.Expr, output: pl.Expr, p: InstructionParams) -> pl.Expr:
    """True where :func:`check_one` may return a reason; False only where it returns None.

    Decided in Polars on :func:`ascii_fold`-ed text (on ASCII the Rust and Python engines agree
    on ``\\w``, ``\\b``, ``\\d`` and case folding): each check's patterns, :func:`widened`, must
    match for it to fire. A record whose input or answer may be a placeholder is always True.
    Example: ``"Name a colour." / "" / "Blue is a colour."`` -> False.
    """
    return fire_mask(instruction, inp, output, p) != 0


def fire_mask(instruction: pl.Expr, inp: pl.Expr, output: pl.Expr, p: InstructionParams) -> pl.Expr:
    """The bits of the checks that may fire on each row (:func:`check_one`'s ``checks``): a
    check whose bit is off returns False there. 0: no reason can fire (:func:`may_fire` is
    False); a row whose input or answer may be a placeholder gets every bit, ``ALL_CHECKS``.

    Example: ``"Describe the following photo." / "" / "A dog."`` -> ``NEEDS_MEDIA |
    EMPTY_INPUT_REF`` (and more bits when a looser test matches too).
    """

    def has(e: pl.Expr, rx: re.Pattern[str] | str) -> pl.Expr:
        return e.str.contains(widened(rx if isinstance(rx, str) else rx.pattern))

    def first_word(e: pl.Expr) -> pl.Expr:
        return e.str.extract(f"^{SPACE}*({NON_SPACE}+)", 1)

    # placeholders on the original text: a short non-ASCII input or answer ("…") takes the loop
    placeholder = pl.lit(False)
    for e in (pl.col("x"), pl.col("o")):
        short = e.str.strip_chars(PY_WHITESPACE).str.len_chars() <= 40
        placeholder = placeholder | (short & non_ascii(e))
    refusal_han = pl.col("o").str.contains("作为|我(?:无法|不能)")
    i, x, o = pl.col("fi"), pl.col("fx"), pl.col("fo")
    # is_placeholder(s): s.strip() lower-cased (ASCII) is a placeholder (<= 11 characters, so its
    # first 12 say) or starts with "<no"
    for e in (x, o):
        head = e.str.strip_chars(ASCII_WHITESPACE).str.head(12).str.to_lowercase()
        placeholder = (
            placeholder | head.is_in(list(PLACEHOLDER_OUTPUTS)) | head.str.starts_with("<no")
        )
    # fold(inp) in ("noinput", "no input", "input"): its letters and digits spell (no)input
    placeholder = placeholder | x.str.contains(NO_INPUT)
    # the answer's words are counted only where a length rule applies (they are 1/4 of the work)
    length_rules = {
        "_long": has(i, LONG_RE),
        "_medium": has(i, MEDIUM_RE),
        "_explain": has(i, EXPLAIN_RE),
        "_count": has(i, COUNT_RE),
    }
    asks = pl.any_horizontal(pl.col(c) for c in length_rules).fill_null(True)
    # read by four rules: computed once, in a column (Polars recomputes it in each; issue 19)
    words_expr = pl.when(asks).then(o).str.count_matches(f"{NON_SPACE}+")
    words = pl.col("_words")
    count = i.str.extract(widened(COUNT_RE.pattern), 1).str.to_lowercase()
    n = pl.coalesce(
        count.cast(pl.Int64, strict=False),
        count.replace_strict(NUMBERS, default=None, return_dtype=pl.Int64),
    )
    prompt = pl.concat_str(i, x, separator="\n")
    # copies_prompt: an answer of 2+ words equal to the instruction, the input or both (spacing
    # and final punctuation aside) starts with the same first word
    fw = pl.col("_fw")  # the answer's first word, read twice: a column too
    fires = [
        (REFUSAL, refusal_han | o.str.contains(REFUSAL_WORDS)),
        (NEEDS_URL, (has(i, URL_RE) | has(x, URL_RE)) & has(i, CONSUME_URL_RE)),
        (NEEDS_MEDIA, has(prompt, MEDIA_RE) | has(i, FILE_RE)),
        (EMPTY_INPUT_REF, ~x.str.contains(NON_SPACE) & has(i, EMPTY_REF_RE)),
        (TOO_SHORT, pl.col("_long") & (words < p.min_words_long)),
        (TOO_SHORT, pl.col("_medium") & (words < p.min_words_medium)),
        (TOO_SHORT, pl.col("_explain") & (words < p.min_words_explain)),
        (TOO_SHORT, pl.col("_count") & (words < n).fill_null(True)),
        (
            COPIES_PROMPT,
            has(i, CHANGE_TASK_RE)
            & ~has(i, NO_CHANGE_TASK_RE)
            & ((fw == first_word(i)) | (fw == first_word(x))).fill_null(False),
        ),
    ]
    bits = pl.lit(0, pl.Int64)
    for bit, cond in fires:  # a null (a missing text) may fire
        bits = bits | pl.when(cond.fill_null(True)).then(pl.lit(bit, pl.Int64)).otherwise(0)
    flags = pl.when(placeholder).then(pl.lit(ALL_CHECKS, pl.Int64)).otherwise(bits)

    def run(s: pl.Series) -> pl.Series:
        frame = s.struct.unnest()
        folded = {}
        for name in ("i", "x", "o"):
            col = frame[name]
            at = (col.str.len_bytes() != col.str.len_chars()).fill_null(False).arg_true()
            if len(at):
                col = col.scatter(at, [ascii_fold(t) for t in col.gather(at).to_list()])
            folded[f"f{name}"] = col
        frame = frame.with_columns(**folded).with_columns(**length_rules)
        counted = _words_of_ascii(frame["fo"])  # the folded answers are ASCII
        words_now = words_expr if counted is None else pl.when(asks).then(counted)
        frame = frame.with_columns(_words=words_now, _fw=first_word(o))
        return frame.select(flags.alias(s.name)).to_series()

    return pl.struct(i=instruction, x=inp, o=output).map_batches(run, return_dtype=pl.Int64)


@register("instruction_checks_v1", kind="filter", params=InstructionParams, reasons=REASONS)
def instruction_checks(p: InstructionParams, ctx: StepContext) -> Step:
    """AlpacaDataCleaned-style checks: placeholders, refusals, missing inputs/media, short or copied answers.

    The language check reuses ``langid__lang`` (prompt) and ``langid__response_lang`` when a
    ``langid_v1`` step ran before; otherwise it identifies prompt and answer itself.
    """
    ident = None
    if p.check_language:
        from curate.steps.langid import LanguageIdentifier

        ident = LanguageIdentifier()
    dtype = pl.Struct(
        {
            "reason": pl.String,
            "prompt_lang": pl.String,
            "output_lang": pl.String,
            "need": pl.Int64,
            "words": pl.Int64,
        }
    )

    def mismatch(
        row: dict,
        prompt: str | None,
        output: str | None,
        pl_: str | None,
        ps: float | None,
        ol: str | None,
        os_: float | None,
    ) -> bool:
        if not (
            pl_
            and ol
            and pl_ != ol
            and ps is not None
            and os_ is not None
            and ps >= p.language_min_score
            and os_ >= p.language_min_score
        ):
            return False
        # the prose parts only when the languages differ (``None``: not computed yet)
        prompt = prose(f"{row['i']}\n{row['x']}") if prompt is None else prompt
        output = prose(row["o"]) if output is None else output
        return bool(
            sum(map(str.isalpha, prompt)) >= p.language_min_letters
            and sum(map(str.isalpha, output)) >= p.language_min_letters
            and len(output) >= 0.5 * len(row["o"])
            and not TRANSLATE_RE.search(f"{row['i']}\n{row['x']}")
        )

    def batch(s: pl.Series) -> pl.Series:
        rows = s.to_list()
        out = []
        lang_jobs: list[int] = []
        for i, r in enumerate(rows):
            if r is None or not r["_live"]:
                out.append(None)
                continue
            reason = check_one(r["i"] or "", r["x"] or "", r["o"] or "", p, r["_checks"])
            short = reason == "instruction__too_short"
            out.append(
                {
                    "reason": reason,
                    "prompt_lang": None,
                    "output_lang": None,
                    "need": required_words(r["i"] or "", p) if short else None,
                    "words": len(split_words(r["o"] or "")) if short else None,
                }
            )
            if ident is not None and reason is None and (r["o"] or "").strip():
                lang_jobs.append(i)
        if ident is None or not lang_jobs:
            return pl.Series(out, dtype=dtype)
        n = len(lang_jobs)
        prompts: list[str | None] = [None] * n
        outputs: list[str | None] = [None] * n
        if "pl" in rows[lang_jobs[0]]:  # langid_v1 ran: reuse its prompt/answer languages
            got = [(rows[i]["pl"], rows[i]["ps"]) for i in lang_jobs] + [
                (rows[i]["ol"], rows[i]["os"]) for i in lang_jobs
            ]
        else:
            prompts = [prose(f"{rows[i]['i']}\n{rows[i]['x']}") for i in lang_jobs]
            outputs = [prose(rows[i]["o"]) for i in lang_jobs]
            got = ident.identify(prompts + outputs)
        for k, i in enumerate(lang_jobs):
            (pl_, ps), (ol, os_) = got[k], got[n + k]
            out[i]["prompt_lang"], out[i]["output_lang"] = pl_, ol
            if mismatch(rows[i], prompts[k], outputs[k], pl_, ps, ol, os_):
                out[i]["reason"] = "instruction__language_mismatch"
        return pl.Series(out, dtype=dtype)

    instruction, inp, output = _parts(pl.col("_ic_gi"), pl.col("_ic_gx"))
    live = pl.col("keep") & ctx.scope() & (pl.col("kind") == "instruction")
    filt = filter_step(
        ctx,
        {r: pl.col("instruction__reason") == r for r in REASONS},
        instruction_details(),
    )

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        reuse = p.check_language and "langid__response_lang" in lf.collect_schema().names()
        given = pl.col("meta").map_batches(given_fields, return_dtype=GIVEN_DTYPE)
        lf = lf.with_columns(_ic_g=given).with_columns(
            _ic_gi=pl.col("_ic_g").struct.field("instruction"),
            _ic_gx=pl.col("_ic_g").struct.field("input"),
        )
        lf = lf.with_columns(_ic_i=instruction, _ic_x=inp, _ic_o=output).drop(
            "_ic_g", "_ic_gi", "_ic_gx"
        )
        i, x, o = pl.col("_ic_i"), pl.col("_ic_x"), pl.col("_ic_o")
        # Rows no check can fire on (decided in Polars, :func:`fire_mask`) skip the Python loop,
        # unless it must identify their languages or their two languages differ; the others run
        # only the checks that may fire on them (issue 19).
        mask = fire_mask(i, x, o, p)
        if p.check_language and not reuse:
            mask = pl.lit(ALL_CHECKS, pl.Int64)
        lf = lf.with_columns(_ic_checks=mask)
        quiet = pl.col("_ic_checks") == 0
        if reuse:
            lang, resp = pl.col("langid__lang"), pl.col("langid__response_lang")
            quiet = quiet & ~(
                (lang.fill_null("") != "")
                & (resp.fill_null("") != "")
                & (lang != resp)
                & (pl.col("langid__score") >= p.language_min_score)
                & (pl.col("langid__response_score") >= p.language_min_score)
            ).fill_null(True)
        cols = [i.alias("i"), x.alias("x"), o.alias("o"), (live & ~quiet).alias("_live")]
        cols.append(pl.col("_ic_checks").alias("_checks"))
        if reuse:
            cols += [
                pl.col("langid__lang").alias("pl"),
                pl.col("langid__score").alias("ps"),
                pl.col("langid__response_lang").alias("ol"),
                pl.col("langid__response_score").alias("os"),
            ]
        lf = lf.with_columns(
            _ic=pl.struct(cols).map_batches(on_live_rows(batch, dtype), return_dtype=dtype),
            _ic_quiet=live & quiet,
        )
        # a quiet row keeps langid's languages when it has an answer, as the loop would
        answered = pl.col("_ic_quiet") & o.str.contains(r"[^\s\x1c-\x1f]")
        lf = lf.with_columns(
            instruction__reason=pl.col("_ic").struct.field("reason"),
            instruction__prompt_lang=pl.when(answered & reuse)
            .then(pl.col("langid__lang") if reuse else None)
            .otherwise(pl.col("_ic").struct.field("prompt_lang")),
            instruction__output_lang=pl.when(answered & reuse)
            .then(pl.col("langid__response_lang") if reuse else None)
            .otherwise(pl.col("_ic").struct.field("output_lang")),
            _ic_need=pl.col("_ic").struct.field("need"),
            _ic_words=pl.col("_ic").struct.field("words"),
        ).drop("_ic", "_ic_i", "_ic_x", "_ic_o", "_ic_checks")
        return filt(lf).drop("_ic_need", "_ic_words", "_ic_quiet")

    return step


def instruction_details() -> dict[str, pl.Expr]:
    """The ``detail`` of each instruction reason: the pattern that fired (highlighted in the app),
    the answer's length against the words the task asks for, the two languages."""
    pre = "instruction__"
    return {
        pre + "refusal": rule_detail(pre + "refusal", pattern="(?m)" + REFUSAL_RE.pattern),
        pre + "needs_url": rule_detail(pre + "needs_url", pattern=URL_RE.pattern),
        pre + "needs_media": rule_detail(pre + "needs_media", pattern=MEDIA_RE.pattern),
        pre + "empty_input_ref": rule_detail(
            pre + "empty_input_ref", op="no input", pattern="(?m)" + EMPTY_REF_RE.pattern
        ),
        pre + "too_short": rule_detail(
            pre + "too_short",
            pl.col("_ic_words"),
            pl.col("_ic_need"),
            "<",
        ),
        pre + "language_mismatch": rule_detail(
            pre + "language_mismatch",
            pl.col("instruction__output_lang"),
            pl.col("instruction__prompt_lang"),
            "!=",
        ),
    }

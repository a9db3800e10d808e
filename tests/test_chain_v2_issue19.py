"""``langid_v2`` (issue 19): an all-ASCII answer of an instruction record is one fastText
prediction on the head of its voting lines; everything else is ``langid_v1``'s line vote.

The tests check the batched method against a one-text-at-a-time reference written from the
definition, the Polars head cut against its Python reference, and that the step leaves prompts
and documents exactly as ``langid_v1`` tags them.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.core.errors import ConfigError
from curate.plugins import get_step
from tests.filter_helpers import frame_of, run_step

ASCII_WORDS = ["the", "cat", "sat", "on", "mat", "Le", "chat", "est", "sur", "le", "tapis"]
ASCII_WORDS += ["def", "f(x):", "return", "x;", "}", "{", "import", "os", "=", "1", "2"]
ASCII_WORDS += ["der", "Hund", "und", "die", "Katze", "el", "perro", "y", "gato", "a-b", ""]
SEPS = [" ", "  ", "\t", "\n", "\n\n", " \n ", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u3000"]
OTHER = ["é", "中文", "猫坐在垫子上。", "Привет", "ça"]


def _join(parts: list[str]) -> str:
    return "".join(parts)


texts = st.one_of(
    st.none(),
    st.lists(st.sampled_from(ASCII_WORDS + SEPS), max_size=60).map(_join),
    st.lists(st.sampled_from(ASCII_WORDS + SEPS + OTHER), max_size=30).map(_join),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=300),
)


def _whole_reference(ident, text: str | None, text_chars: int, min_score: float) -> tuple:  # noqa: ANN001
    """One ASCII text the slow way: voting lines as ``langid_v1`` picks them (``chunk_text``,
    ``is_code_line``, ``str.isalpha``), joined with spaces, the head cut, one ``predict``; the
    line vote instead for prose lines (two or more) the prediction gives less than
    ``min_score``."""
    from curate.steps.langid import chunk_text, whole_text_head_py
    from curate.steps.words import is_code_line

    def letters(t: str) -> int:
        return sum(map(str.isalpha, t))

    if not text or letters(text[:200]) < 2 and letters(text) < 2:
        return (None, None, 0)
    parts = chunk_text(text, 0, ident.max_chars)
    prose = [c for c in parts if not is_code_line(c)]
    has_prose = sum(map(letters, prose)) >= 10
    parts = prose if has_prose else parts
    head = whole_text_head_py(" ".join(parts), text_chars)
    labels, probs = ident.model.predict([head], k=1)
    lang = labels[0][0].removeprefix("__label__")
    prob = min(1.0, float(probs[0][0]))
    if has_prose and len(parts) >= 2 and prob < min_score:
        return ident.identify_with_letters([text])[0]
    return (ident.merge.get(lang, lang), round(prob, 4), sum(map(letters, parts)))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(texts, st.booleans()), max_size=10),
    st.sampled_from([200, 15, 1]),
    st.sampled_from([0.8, 0.0, 1.0, 0.5]),
)
def test_identify_whole_equals_reference_issue19(
    rows: list[tuple[str | None, bool]], text_chars: int, min_score: float
) -> None:
    from curate.steps.langid import LanguageIdentifier

    ident = LanguageIdentifier()
    got = ident.identify_whole([t for t, _ in rows], [w for _, w in rows], text_chars, min_score)
    want = [
        _whole_reference(ident, t, text_chars, min_score)
        if w and t is not None and t.isascii()
        else ident.identify_with_letters([t])[0]
        for t, w in rows
    ]
    assert got == want


def test_identify_whole_reads_only_the_head_issue19() -> None:
    """The head decides: an English head followed by a long French tail is English; the line
    vote of ``langid_v1`` says French."""
    from curate.steps.langid import LanguageIdentifier

    ident = LanguageIdentifier()
    text = "Here is the translation of the text you gave me into French.\n" + "\n".join(
        ["Le chat est assis sur le tapis rouge dans la grande maison de ma famille."] * 4
    )
    (lang, _, letters), (v1_lang, _, v1_letters) = (
        ident.identify_whole([text], [True], 60, 0.0)[0],
        ident.identify_with_letters([text])[0],
    )
    assert (lang, v1_lang) == ("en", "fr")
    assert letters == v1_letters  # the letters of every voting line, not of the head


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.lists(
                st.sampled_from(ASCII_WORDS + [" ", "\t", "\r", "\x0b", "\x0c", "\x1c"]),
                max_size=40,
            ).map(_join),
            st.text(alphabet=st.characters(max_codepoint=127), max_size=60),
        ),
        min_size=1,
        max_size=8,
    ),
    st.integers(min_value=1, max_value=40),
)
def test_whole_text_head_equals_python_issue19(heads: list[str], text_chars: int) -> None:
    from curate.steps.langid import whole_text_head, whole_text_head_py

    heads = [h.replace("\n", " ") for h in heads]  # joined lines hold no newline
    got = pl.DataFrame({"c": heads}).select(whole_text_head(pl.col("c"), text_chars))["c"]
    assert got.to_list() == [whole_text_head_py(h, text_chars) for h in heads]


def test_whole_text_head_examples_issue19() -> None:
    from curate.steps.langid import whole_text_head_py

    assert whole_text_head_py("The cat sat on the mat", 10) == "The cat"
    assert whole_text_head_py("The cat sat on the mat", 11) == "The cat sat"
    assert whole_text_head_py("The cat", 10) == "The cat"
    assert whole_text_head_py("Supercalifragilistic", 5) == "Super"


def test_langid_v2_tags_prompts_and_documents_as_v1_issue19() -> None:
    """Only the answers of instruction records change; prompts, documents and non-ASCII answers
    are tagged exactly as ``langid_v1`` tags them."""
    frame = frame_of(
        texts=["The river runs through the old town.\nLe chat est sur le tapis.", "猫坐在垫子上。"],
        instructions=[
            ("Translate into French.", "I like cats.", "J'aime les chats.\nIls sont doux."),
            ("Write a function.", "", "def f(x):\n    return x\nThis returns its argument."),
            ("Say hi in Chinese.", "", "你好！"),
            ("Name a colour.", "", "Blue.\nOr red, or green."),
        ],
    )
    v1, v2 = run_step("langid_v1", frame), run_step("langid_v2", frame)
    for col in ("langid__lang", "langid__score", "langid__letters"):
        assert v1[col].equals(v2[col]), col
    docs_and_cjk = pl.Series([True, True, False, False, True, False])
    for col in ("langid__response_lang", "langid__response_score"):
        assert v1[col].filter(docs_and_cjk).equals(v2[col].filter(docs_and_cjk)), col
    assert v2["langid__response_lang"].to_list()[2] == "fr"


def test_identify_whole_votes_unsure_prose_by_line_issue19() -> None:
    """Two English lines around a German one: one prediction blends them (German, unsure); the
    line vote says English, and below ``min_score`` the line vote decides."""
    from curate.steps.langid import LanguageIdentifier

    ident = LanguageIdentifier()
    text = (
        "The library closes early on Sundays, so plan your visit for the morning.\n"
        "Die neue Bahnlinie verbindet den Flughafen in zwanzig Minuten mit der Innenstadt.\n"
        "My grandmother grew tomatoes and beans in a small garden behind her house."
    )
    blended = ident.identify_whole([text], [True], 200, 0.0)[0]
    assert blended[0] == "de" and blended[1] < 0.8
    assert ident.identify_whole([text], [True])[0] == ident.identify_with_letters([text])[0]
    assert ident.identify_with_letters([text])[0][0] == "en"


@pytest.mark.parametrize(
    ("params", "name"), [({"text_chars": 0}, "text_chars"), ({"whole_min_score": 1.5}, "whole_min")]
)
def test_langid_v2_rejects_bad_params_issue19(params: dict, name: str) -> None:
    spec = get_step("langid_v2")
    with pytest.raises(ConfigError, match=name):
        spec.build_params(params, "recipe.yaml")


def test_c4_quality_reads_only_live_rows_issue19() -> None:
    """c4_quality_v1 computes its reasons and details on kept, in-scope rows only: those rows get
    what they get on their own, the others are left as they were."""
    from tests.filter_helpers import BASE_EN

    docs = [
        "Lorem ipsum dolor sit amet. " + BASE_EN,
        "function f() { return 1; } " + BASE_EN,
        "One line only.",
        BASE_EN,
        "Already dropped { lorem ipsum.",
    ]
    instr = [("Explain {x} and lorem ipsum.", "", "Lorem ipsum is { placeholder text.")]
    frame = frame_of(texts=docs, instructions=instr)
    frame = frame.with_columns(
        keep=pl.col("_row") != 4,
        drop_reason=pl.when(pl.col("_row") == 4).then(pl.lit("length__min_words")),
        stage=pl.when(pl.col("_row") == 4).then(pl.lit("length_filter_v1")),
    )
    got = run_step("c4_quality_v1", frame, kinds=("document",))
    alone = run_step("c4_quality_v1", frame_of(texts=docs[:4]), kinds=("document",))
    cols = ["keep", "stage", "drop_reason", "detail"]
    assert got.head(4).select(cols).equals(alone.select(cols))
    assert got.tail(2).select(cols).equals(frame.tail(2).select(cols))
    assert got["drop_reason"].to_list()[:3] == [
        "c4_quality__lorem_ipsum",
        "c4_quality__curly_bracket",
        "c4_quality__min_sentences",
    ]

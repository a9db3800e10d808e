"""Gopher, C4 and FineWeb rules: one test per drop reason (a text that fires it, a near miss)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.steps.c4 import C4LinesParams, c4_clean, c4_line_reason
from curate.steps.fineweb import display_width, fineweb_stats
from curate.steps.gopher import (
    GopherRepetitionParams,
    dup_ngram_char_frac,
    duplicate_stats,
    quality_stats,
    repetition_stats,
    top_ngram_char_frac,
)
from curate.steps.words import cjk_fraction, count_sentences, split_words
from tests.filter_helpers import BASE_EN, frame_of, reasons, run_step

WORDS80 = BASE_EN  # 84 words, every Gopher quality rule passes


def test_base_text_passes_every_rule():
    assert reasons("gopher_quality_v1", [BASE_EN]) == [None]
    assert reasons("gopher_repetition_v1", [BASE_EN]) == [None]
    assert reasons("fineweb_quality_v1", [BASE_EN]) == [None]
    assert reasons("c4_quality_v1", [BASE_EN]) == [None]


def test_split_words_counts_cjk_characters():
    assert split_words("我爱 big data!") == ["我", "爱", "big", "data!"]
    assert cjk_fraction("我爱 big data") == 0.5
    assert count_sentences("Hi. Ok! 好。再见") == 3


# --- Gopher quality ------------------------------------------------------------------------------

LONG_WORDS = " ".join(["the internationalization and characterization"] * 20)
SHORTER = " ".join(["the internationalization and characterization of the cat"] * 12)
NUMBERS_25 = " ".join(str(100 + i) for i in range(25))
NUMBERS_15 = " ".join(str(100 + i) for i in range(15))
BULLETS_ALL = "\n".join(f"- item {chr(97 + i)} with the word and more" for i in range(12))
BULLETS_MOST = (
    "\n".join(f"- item {chr(97 + i)} with the word and more" for i in range(8))
    + "\n"
    + "\n".join(f"Plain line {chr(97 + i)} with the word and more" for i in range(2))
)
ELLIPSIS_4 = "\n".join(
    f"Line {i} of the story and the town..." if i < 4 else f"Line {i} of the story and the town."
    for i in range(10)
)
ELLIPSIS_3 = "\n".join(
    f"Line {i} of the story and the town..." if i < 3 else f"Line {i} of the story and the town."
    for i in range(10)
)
NO_STOP = " ".join(["buy cheap watches online now best price free shipping click here today"] * 6)
TWO_STOP = NO_STOP + " the river and"


@pytest.mark.parametrize(
    ("reason", "fires", "near_miss", "params"),
    [
        ("gopher_quality__min_words", "The cat sat on the mat with the dog.", BASE_EN, None),
        ("gopher_quality__max_words", BASE_EN, BASE_EN, {"max_doc_words": 60}),
        ("gopher_quality__mean_word_length", LONG_WORDS, SHORTER, None),
        ("gopher_quality__symbol_ratio", BASE_EN + " #tag" * 10, BASE_EN + " #tag" * 5, None),
        ("gopher_quality__bullet_lines", BULLETS_ALL, BULLETS_MOST, None),
        ("gopher_quality__ellipsis_lines", ELLIPSIS_4, ELLIPSIS_3, None),
        (
            "gopher_quality__alpha_words",
            BASE_EN + " " + NUMBERS_25,
            BASE_EN + " " + NUMBERS_15,
            None,
        ),
        ("gopher_quality__stop_words", NO_STOP, TWO_STOP, None),
    ],
)
def test_gopher_quality_reason(reason, fires, near_miss, params):
    if reason == "gopher_quality__max_words":
        assert reasons("gopher_quality_v1", [fires], params) == [reason]
        assert reasons("gopher_quality_v1", [near_miss], {"max_doc_words": 100}) == [None]
        return
    if reason in ("gopher_quality__bullet_lines", "gopher_quality__ellipsis_lines"):
        params = {"min_doc_words": 10}
    got = reasons("gopher_quality_v1", [fires, near_miss], params)
    assert got == [reason, None]


def test_gopher_quality_skips_english_rules_on_chinese():
    zh = "数据清洗是训练大模型之前最重要的一步，它决定了模型能学到什么样的知识。" * 3
    stats = quality_stats(zh)
    assert stats["mean_word_length"] is None and stats["stop_words"] is None
    assert reasons("gopher_quality_v1", [zh]) == [None]


def test_gopher_quality_adds_score_columns():
    out = run_step("gopher_quality_v1", frame_of([BASE_EN]))
    assert out["gopher_quality__words"][0] == len(split_words(BASE_EN))
    assert out["gopher_quality__stop_words"][0] >= 2


# --- Gopher repetition ---------------------------------------------------------------------------

OFF = {
    "dup_line_frac": 1.0,
    "dup_para_frac": 1.0,
    "dup_line_char_frac": 1.0,
    "dup_para_char_frac": 1.0,
    "top_n_grams": {2: 1.0, 3: 1.0, 4: 1.0},
    "dup_n_grams": {n: 1.0 for n in range(5, 11)},
}
SENTS = [s.strip() + "." for s in BASE_EN.split(".") if s.strip()]


def only(**kw):
    p = {k: (dict(v) if isinstance(v, dict) else v) for k, v in OFF.items()}
    for k, v in kw.items():
        if k.startswith("top_"):
            p["top_n_grams"][int(k[4])] = v
        elif k.startswith("dup_") and k[4].isdigit():
            p["dup_n_grams"][int(k[4:-4])] = v
        else:
            p[k] = v
    return p


def lines_text(unique: int, dups: int) -> str:
    return "\n".join(SENTS[:unique] + [SENTS[0]] * dups)


@pytest.mark.parametrize(
    ("reason", "params", "fires", "near_miss"),
    [
        (
            "gopher_repetition__dup_line_frac",
            only(dup_line_frac=0.3),
            lines_text(6, 4),
            lines_text(6, 2),
        ),
        (
            "gopher_repetition__dup_para_frac",
            only(dup_para_frac=0.3),
            "\n\n".join(SENTS[:6] + [SENTS[0]] * 4),
            "\n\n".join(SENTS[:6] + [SENTS[0]] * 2),
        ),
        (
            "gopher_repetition__dup_line_char_frac",
            only(dup_line_char_frac=0.2),
            lines_text(6, 3),
            lines_text(6, 1),
        ),
        (
            "gopher_repetition__dup_para_char_frac",
            only(dup_para_char_frac=0.2),
            "\n\n".join(SENTS[:6] + [SENTS[0]] * 3),
            "\n\n".join(SENTS[:6] + [SENTS[0]]),
        ),
        (
            "gopher_repetition__top_2gram",
            only(top_2=0.2),
            BASE_EN + " the river" * 30,
            BASE_EN + " the river" * 3,
        ),
        (
            "gopher_repetition__top_3gram",
            only(top_3=0.18),
            BASE_EN + " by the river" * 15,
            BASE_EN + " by the river" * 2,
        ),
        (
            "gopher_repetition__top_4gram",
            only(top_4=0.16),
            BASE_EN + " down by the river" * 10,
            BASE_EN + " down by the river" * 2,
        ),
    ]
    + [
        (
            f"gopher_repetition__dup_{n}gram",
            only(**{f"dup_{n}gram": t}),
            BASE_EN + " " + " ".join(BASE_EN.split()[:40]),
            BASE_EN + " " + " ".join(BASE_EN.split()[: n + 1]),
        )
        for n, t in {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}.items()
    ],
)
def test_gopher_repetition_reason(reason, params, fires, near_miss):
    assert reasons("gopher_repetition_v1", [fires, near_miss], params) == [reason, None]


def test_repetition_helpers_worked_examples():
    assert duplicate_stats(["a", "bb", "a", "bb", "bb"]) == (3, 5)
    assert top_ngram_char_frac(["a", "b", "a", "b", "a", "b"], 2, 6) == 1.0
    assert dup_ngram_char_frac(["a", "b", "c", "a", "b", "c"], 3, 6) == 0.5
    assert repetition_stats("x\nx\ny", GopherRepetitionParams())["dup_line_frac"] == pytest.approx(
        1 / 3
    )


def test_repetition_cjk_uses_character_pairs():
    # A Chinese text that repeats one 5-character term is not "repetitive" at the word level.
    zh = (
        "指令调优让大模型学会遵循人类的指令。研究者收集了大量任务，并把它们改写成自然语言的形式。"
        "在新加坡的一项研究中，作者比较了多个开源模型的写作能力和解决问题的能力。结果表明，数据质量"
        "比数据数量更加重要。另一方面，指令调优也会影响模型与人类价值观的一致性，这需要新的评测方法。"
        "最后，作者公开了代码和数据，希望社区能够在此基础上继续改进指令调优的方法。"
    )
    assert reasons("gopher_repetition_v1", [zh]) == [None]


# --- C4 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "fires", "near_miss"),
    [
        (
            "javascript",
            "Please enable JavaScript to view the comments.",
            "Please enable cookies-free mode to view this.",
        ),
        (
            "policy",
            "By using this site you agree to our privacy policy.",
            "The policy of the town council was clear.",
        ),
        ("too_few_words", "Home page.", "Go home now."),
        ("no_terminal_punct", "Home | About | Contact", "Home, about and contact us."),
        ("long_word", "a " + "x" * 1001 + " b.", "a " + "x" * 1000 + " b."),
    ],
)
def test_c4_line_rule(rule, fires, near_miss):
    p = C4LinesParams()
    assert c4_line_reason(fires, p) == rule
    assert c4_line_reason(near_miss, p) is None


def test_c4_lines_step_rewrites_text_and_counts():
    text = "Share this\nThe miller grinds grain into flour.\nPlease enable JavaScript.\n\nThe town repaired the bridge."
    out = run_step("c4_lines_v1", frame_of([text]))
    assert out["text"][0] == "The miller grinds grain into flour.\n\nThe town repaired the bridge."
    assert out["c4_lines__lines_removed"][0] == 2
    assert out["c4_lines__javascript"][0] == 1 and out["c4_lines__too_few_words"][0] == 1
    assert out["c4_lines__chars_removed"][0] == len("Share this\n") + len(
        "Please enable JavaScript.\n"
    )
    assert (
        c4_clean("Hello there my friend.\nShare this", C4LinesParams())[0]
        == "Hello there my friend."
    )


@pytest.mark.parametrize(
    ("reason", "fires", "near_miss"),
    [
        (
            "c4_quality__lorem_ipsum",
            BASE_EN + " Lorem ipsum dolor sit amet.",
            BASE_EN + " Lorem is a name.",
        ),
        (
            "c4_quality__curly_bracket",
            BASE_EN + " function f() { return 1; }",
            BASE_EN + " (a bracket) [another].",
        ),
        ("c4_quality__min_sentences", "One. Two. Three. Four.", "One. Two. Three. Four. Five."),
    ],
)
def test_c4_quality_reason(reason, fires, near_miss):
    assert reasons("c4_quality_v1", [fires, near_miss]) == [reason, None]


# --- FineWeb ------------------------------------------------------------------------------------

PUNCT_LINES = [s for s in SENTS]  # every line ends with a full stop


@pytest.mark.parametrize(
    ("reason", "fires", "near_miss"),
    [
        # 1 of 10 lines punctuated (0.10 <= 0.12) vs 2 of 10 (0.2)
        (
            "fineweb_quality__line_punct_ratio",
            "\n".join(
                [SENTS[0]]
                + [s.rstrip(".") + " and more words here" for s in SENTS[1:6]] * 1
                + [f"Heading number {i} of the long document here" for i in range(4)]
            ),
            "\n".join(
                SENTS[:2]
                + [s.rstrip(".") + " and more words here" for s in SENTS[2:6]]
                + [f"Heading number {i} of the long document here" for i in range(4)]
            ),
        ),
        # 7 of 10 lines short (>= 0.67) vs 6 of 10
        (
            "fineweb_quality__short_line_ratio",
            "\n".join(SENTS[:3] + [f"Short {i}." for i in range(7)]),
            "\n".join(SENTS[:4] + [f"Short {i}." for i in range(6)]),
        ),
        ("fineweb_quality__char_dup_ratio", "\n".join(SENTS + [SENTS[1]]), "\n".join(SENTS)),
        (
            "fineweb_quality__list_ratio",
            "\n".join(f"Item {chr(97 + i)}." for i in range(10)),
            BASE_EN,
        ),
    ],
)
def test_fineweb_reason(reason, fires, near_miss):
    params = {
        "short_line_thr": 1.01,
        "char_duplicates_ratio": 1.0,
        "new_line_ratio": 10.0,
        "line_punct_thr": -1.0,
    }
    key = reason.split("__")[1]
    restore = {
        "line_punct_ratio": {"line_punct_thr": 0.12},
        "short_line_ratio": {"short_line_thr": 0.67},
        "char_dup_ratio": {"char_duplicates_ratio": 0.01},
        "list_ratio": {"new_line_ratio": 0.3},
    }[key]
    params.update(restore)
    assert reasons("fineweb_quality_v1", [fires, near_miss], params) == [reason, None]


def test_fineweb_counts_cjk_width():
    assert display_width("ab中文") == 6
    # A 20-character Chinese line is 40 columns: not short.
    assert fineweb_stats("这是一个足够长的中文句子用来测试宽度计算。")["short_line_ratio"] == 0.0


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab c.\n中文#-…")), max_size=80),
        min_size=1,
        max_size=6,
    )
)
def test_quality_steps_never_add_or_lose_rows(texts):
    frame = frame_of(texts)
    for key in (
        "gopher_quality_v1",
        "gopher_repetition_v1",
        "fineweb_quality_v1",
        "c4_lines_v1",
        "c4_quality_v1",
    ):
        out = run_step(key, frame)
        assert out.height == frame.height
        assert out.filter(~pl.col("keep") & pl.col("drop_reason").is_null()).height == 0


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c", "dd"]), max_size=60),
    st.integers(min_value=2, max_value=10),
)
def test_vectorised_dup_ngrams_match_reference(words, n):
    from curate.steps.gopher import dup_ngram_char_frac_reference

    total = sum(len(w) for w in words) or 1
    assert dup_ngram_char_frac(words, n, total) == pytest.approx(
        dup_ngram_char_frac_reference(words, n, total)
    )

"""The v2/v3 quality filters (issue 19): the paper reading's fixes and the ``reference: datatrove``
mode, which reproduces datatrove 0.10's decisions. One test per reason in each new mode (a text
that fires it and a near miss), one per rule that differs from v1, and the English tokenizer's
worked examples."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.core.errors import ConfigError
from curate.plugins import get_step
from curate.steps.c4 import (
    C4LinesParams,
    c4_clean_datatrove,
    c4_clean_v2,
    c4_sentences_datatrove,
    c4_sentences_v2,
)
from curate.steps.fineweb import fineweb_stats_datatrove
from curate.steps.gopher import (
    GopherRepetitionParams,
    _dup_ngram_chars_datatrove,
    _top_ngram_datatrove,
    quality_stats_datatrove,
    quality_stats_v2,
    repetition_stats_datatrove,
)
from curate.steps.words import count_sentences_v2, english_sentences, english_tokens
from tests.filter_helpers import BASE_EN, frame_of, reasons, run_step
from tests.test_filters_quality import SENTS, lines_text, only

DT = {"reference": "datatrove"}
ZH = "数据清洗是训练大模型之前最重要的一步，它决定了模型能学到什么样的知识。" * 3


# --- English tokens (datatrove's spaCy tokenizer, approximated) -----------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("It's well-known (e.g. here).", ["It", "'s", "well", "-", "known", "(", "e.g.", "here", ")", "."]),
        ("I don't know... yet", ["I", "do", "n't", "know", "...", "yet"]),
        ("Paid $3.50 at 5pm, U.S. style!", ["Paid", "$", "3.50", "at", "5", "pm", ",", "U.S.", "style", "!"]),
        ("C++ and i++; x=1", ["C++", "and", "i++", ";", "x=1"]),
        ("a/b see https://x.org/a,b.", ["a", "/", "b", "see", "https://x.org/a,b", "."]),
        ("end.Start cannot", ["end", ".", "Start", "can", "not"]),
        ("偷偷摘套，我们", ["偷偷摘套，我们"]),
    ],
)  # fmt: skip
def test_english_tokens_worked_examples(text, tokens):
    assert english_tokens(text) == tokens


def test_english_sentences_split_after_a_terminal_token():
    assert english_sentences("Hi there. It works (really). e.g. this") == 3
    assert english_sentences("One line without an end") == 1
    assert english_sentences("") == 0


# --- Gopher quality v2 -----------------------------------------------------------------------------

HASH_AND_DOTS = "#tag wait... " * 6 + BASE_EN  # 6 + 6 of 96 words: sum 0.125, each 0.0625


def test_gopher_quality_v2_symbol_ratio_is_either_hash_or_ellipsis():
    assert reasons("gopher_quality_v1", [HASH_AND_DOTS]) == ["gopher_quality__symbol_ratio"]
    assert reasons("gopher_quality_v2", [HASH_AND_DOTS]) == [None]
    many = BASE_EN + " #tag" * 12
    assert reasons("gopher_quality_v2", [many]) == ["gopher_quality__symbol_ratio"]


def test_gopher_quality_v2_stop_words_are_distinct():
    no_stop = " ".join(["buy cheap watches online now best price free shipping click"] * 6)
    once_twice = no_stop + " the the"
    assert reasons("gopher_quality_v1", [once_twice]) == [None]  # two occurrences of "the"
    assert reasons("gopher_quality_v2", [once_twice]) == ["gopher_quality__stop_words"]
    assert reasons("gopher_quality_v2", [no_stop + " The river and"]) == [None]
    assert quality_stats_v2("the the cat")["stop_words"] == 1


def test_gopher_quality_v2_paper_keeps_cjk_rules():
    assert reasons("gopher_quality_v2", [ZH]) == [None]
    assert reasons("gopher_quality_v2", [ZH], DT) == ["gopher_quality__min_words"]


LONG_WORDS = " ".join(["the internationalization and characterization"] * 20)
BULLETS = "\n".join(f"- item {chr(97 + i)} with the word and more" for i in range(12))
BULLETS_MOST = BULLETS + "\n" + "\n".join(f"Plain line {i} with the word." for i in range(3))
ELLIPSIS_4 = "\n".join(
    f"Line {chr(97 + i)} of the story and the town" + ("..." if i < 4 else ".") for i in range(10)
)
ELLIPSIS_3 = ELLIPSIS_4.replace(
    "Line d of the story and the town...", "Line d of the story and the town."
)
NO_STOP = " ".join(["buy cheap watches online now best price free shipping click here today"] * 6)


@pytest.mark.parametrize(
    ("reason", "fires", "near_miss", "params"),
    [
        ("gopher_quality__min_words", "The cat sat on the mat with the dog.", BASE_EN, {}),
        ("gopher_quality__max_words", BASE_EN, "Bring the grain to the mill", {"max_doc_words": 60, "min_doc_words": 2}),
        ("gopher_quality__mean_word_length", LONG_WORDS, BASE_EN, {}),
        ("gopher_quality__symbol_ratio", BASE_EN + " #tag" * 15, BASE_EN + " #tag" * 5, {}),
        ("gopher_quality__bullet_lines", BULLETS, BULLETS_MOST, {"min_doc_words": 10}),
        ("gopher_quality__ellipsis_lines", ELLIPSIS_4, ELLIPSIS_3, {"min_doc_words": 10}),
        # punctuation tokens are words here: 84 words + 12 marks pass, 25 more "," fail
        ("gopher_quality__alpha_words", BASE_EN + " ," * 25, BASE_EN, {}),
        ("gopher_quality__stop_words", NO_STOP, NO_STOP + " the river and", {}),
    ],
)  # fmt: skip
def test_gopher_quality_datatrove_reason(reason, fires, near_miss, params):
    got = reasons("gopher_quality_v2", [fires, near_miss], {**DT, **params})
    assert got == [reason, None]


def test_gopher_quality_datatrove_counts_like_datatrove():
    stats = quality_stats_datatrove("The cat, the dog.\n\n- a list line")
    assert stats["words"] == 7  # "," "." "-" are not words ...
    assert stats["alpha_words"] == 7 / 10  # ... but they divide the alpha ratio
    assert stats["stop_words"] == 1  # "The" is not "the"
    assert stats["bullet_lines"] == 1 / 3  # the blank line counts


# --- Gopher repetition v2 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "params", "fires", "near_miss"),
    [
        ("gopher_repetition__dup_line_frac", only(dup_line_frac=0.3), lines_text(6, 4), lines_text(6, 2)),
        (
            "gopher_repetition__dup_para_frac",
            only(dup_para_frac=0.3),
            "\n\n".join(SENTS[:6] + [SENTS[0]] * 4),
            "\n\n".join(SENTS[:6] + [SENTS[0]] * 2),
        ),
        ("gopher_repetition__dup_line_char_frac", only(dup_line_char_frac=0.2), lines_text(6, 3), lines_text(6, 1)),
        (
            "gopher_repetition__dup_para_char_frac",
            only(dup_para_char_frac=0.2),
            "\n\n".join(SENTS[:6] + [SENTS[0]] * 3),
            "\n\n".join(SENTS[:6] + [SENTS[0]]),
        ),
        ("gopher_repetition__top_2gram", only(top_2=0.2), BASE_EN + " the river" * 30, BASE_EN + " the river" * 3),
        ("gopher_repetition__top_3gram", only(top_3=0.18), BASE_EN + " by the river" * 15, BASE_EN + " by the river" * 2),
        ("gopher_repetition__top_4gram", only(top_4=0.16), BASE_EN + " down by the river" * 10, BASE_EN),
    ]
    + [
        (
            f"gopher_repetition__dup_{n}gram",
            only(**{f"dup_{n}gram": t}),
            BASE_EN + " " + BASE_EN,
            BASE_EN + " " + " ".join(BASE_EN.split()[: n + 1]),
        )
        for n, t in {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}.items()
    ],
)  # fmt: skip
def test_gopher_repetition_datatrove_reason(reason, params, fires, near_miss):
    got = reasons("gopher_repetition_v2", [fires, near_miss], {**params, **DT})
    assert got == [reason, None]


def test_gopher_repetition_datatrove_counts_a_single_top_ngram():
    short = "Name three primary colors. Red, blue and yellow."
    assert reasons("gopher_repetition_v2", [short]) == [None]
    assert reasons("gopher_repetition_v2", [short], DT) == ["gopher_repetition__top_2gram"]


def test_repetition_datatrove_helpers_worked_examples():
    assert _top_ngram_datatrove(["a", "b", "a", "b"], 2) == (6, 2)
    assert _top_ngram_datatrove(["x", "y", "z"], 2) == (3, 1)  # "x y", seen once
    assert _dup_ngram_chars_datatrove(["a", "b", "a", "b", "a", "b"], 2) == 4  # greedy, no overlap
    assert _dup_ngram_chars_datatrove(["a", "b", "c"], 2) == 0
    stats = repetition_stats_datatrove("a b\na b", GopherRepetitionParams())
    assert stats["dup_line_frac"] == 0.5 and stats["dup_line_char_frac"] == 3 / 7


@pytest.mark.parametrize(
    "text", [BASE_EN, lines_text(6, 4), BASE_EN + " the river" * 30, ZH, "", "x\n\nx"]
)
def test_repetition_v2_paper_equals_v1(text):
    v1 = run_step("gopher_repetition_v1", frame_of([text]))
    v2 = run_step("gopher_repetition_v2", frame_of([text]))
    assert v1["drop_reason"].to_list() == v2["drop_reason"].to_list()
    assert v1["detail"].to_list() == v2["detail"].to_list()


# --- C4 v2 -----------------------------------------------------------------------------------------

FIVE = "One is here. Two is here. Three is here. Four is here. Five is here."


def test_c4_v2_paper_reference_code_line_rules():
    p = C4LinesParams()
    assert c4_clean_v2("It rains [1].\nAnd then it stopped and...", p)[0] == "It rains ."
    assert c4_clean_v2("It rains today.\nWe waited all day…", p)[0] == "It rains today."
    out = run_step("c4_lines_v2", frame_of(["It rains [edit] today.\nWe waited all day..."]))
    assert out["text"][0] == "It rains  today." and out["c4_lines__no_terminal_punct"][0] == 1


def test_c4_v2_paper_counts_every_kept_line_and_skips_abbreviations():
    quoted = 'Say "take a break"\nSure, take a break. What now? Walk, or chat. Fine by me.'
    assert reasons("c4_quality_v1", [quoted]) == ["c4_quality__min_sentences"]
    assert reasons("c4_quality_v2", [quoted]) == [None]
    abbrev = "The U.S. grew. Mr. Li agreed. It rose."
    assert reasons("c4_quality_v1", [abbrev]) == [None]  # "U.S." and "Mr." counted: 5
    assert reasons("c4_quality_v2", [abbrev]) == ["c4_quality__min_sentences"]
    assert count_sentences_v2("The U.S. grew. Mr. Li agreed.") == 2
    assert c4_sentences_v2('The U.S. grew. It did.\n"A quote"') == 3


@pytest.mark.parametrize(
    ("rule", "fires", "near_miss"),
    [
        ("javascript", "Please enable JavaScript to view the comments.", "Please enable it to view this."),
        ("policy", "By using this site you agree to our privacy policy.", "The policy of the town was clear."),
        ("too_few_words", "Home page.", "Go home now."),
        ("no_terminal_punct", "We waited all day...", "We waited all day."),
        ("long_word", "a " + "x" * 1001 + " b.", "a " + "x" * 1000 + " b."),
    ],
)  # fmt: skip
def test_c4_lines_datatrove_rule(rule, fires, near_miss):
    p = C4LinesParams()
    assert c4_clean_datatrove(fires, p)[1][rule] == 1
    assert c4_clean_datatrove(near_miss, p)[1]["lines_removed"] == 0


def test_c4_lines_datatrove_whitespace_words_and_citations():
    p = C4LinesParams()
    assert c4_clean_datatrove("数据清洗是训练大模型之前最重要的一步.", p)[1]["too_few_words"] == 1
    assert c4_clean_datatrove("See the notes [1].", p)[0] == "See the notes ."


@pytest.mark.parametrize(
    ("reason", "fires", "near_miss"),
    [
        # the lorem ipsum line is checked before the javascript rule could remove it
        ("c4_quality__lorem_ipsum", FIVE + "\nLorem ipsum in javascript here.", FIVE + "\nLorem is a name."),
        # a "{" only counts on a line that passed the end and length checks
        ("c4_quality__curly_bracket", FIVE + "\nCall f() { return } now.", FIVE + "\nCall f() { return }"),
        ("c4_quality__min_sentences", "One is here. Two is here. Three is here.", FIVE),
    ],
)  # fmt: skip
def test_c4_quality_datatrove_reason(reason, fires, near_miss):
    frame = frame_of([fires, near_miss])
    spec = get_step("c4_lines_v2")
    from curate.core.step import StepContext

    ctx = StepContext(key="c4_lines_v2", kinds=None)
    cleaned = frame.lazy().pipe(spec.build(spec.build_params(DT, "test"), ctx)).collect()
    out = run_step("c4_quality_v2", cleaned, DT)
    assert out["drop_reason"].to_list() == [reason, None]


def test_c4_sentences_datatrove_per_line():
    assert c4_sentences_datatrove("One. Two.\nThree.") == 3
    assert c4_sentences_datatrove('He said "no." Then left.') == 2


# --- FineWeb v3 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "fires", "near_miss", "params"),
    [
        (
            "fineweb_quality__line_punct_ratio",
            "\n".join([SENTS[0]] + [f"Heading number {i} of the long document here" for i in range(9)]),
            "\n".join(SENTS[:2] + [f"Heading number {i} of the long document here" for i in range(8)]),
            {"short_line_thr": 1.01, "char_duplicates_ratio": 1.0, "new_line_ratio": 10.0},
        ),
        (
            "fineweb_quality__short_line_ratio",
            "\n".join(SENTS[:3] + [f"Short {i}." for i in range(7)]),
            "\n".join(SENTS[:4] + [f"Short {i}." for i in range(6)]),
            {"char_duplicates_ratio": 1.0, "new_line_ratio": 10.0},
        ),
        ("fineweb_quality__char_dup_ratio", "\n".join(SENTS + [SENTS[1]]), "\n".join(SENTS), {}),
        ("fineweb_quality__list_ratio", "\n".join(f"Item {chr(97 + i)}." for i in range(10)), BASE_EN,
         {"short_line_thr": 1.01}),
    ],
)  # fmt: skip
def test_fineweb_datatrove_reason(reason, fires, near_miss, params):
    got = reasons("fineweb_quality_v3", [fires, near_miss], {**DT, **params})
    assert got == [reason, None]


def test_fineweb_datatrove_raw_lines_and_tokens():
    stats = fineweb_stats_datatrove("a b cd.\nx\nx")
    assert stats["list_ratio"] == 2 / 6  # tokens a b cd . x x
    indented = "    return value + 1\n    return value + 2"  # 16 characters stripped, 20 raw
    assert fineweb_stats_datatrove(indented, short_line_length=18)["short_line_ratio"] == 0.0
    assert fineweb_stats_datatrove("Hello there you. \nHello there you.")["char_dup_ratio"] == 0.0


@pytest.mark.parametrize("text", [BASE_EN, "\n".join(SENTS + [SENTS[1]]), ZH, "x"])
def test_fineweb_v3_paper_equals_v2(text):
    v2 = run_step("fineweb_quality_v2", frame_of([text]))
    v3 = run_step("fineweb_quality_v3", frame_of([text]))
    assert v2["drop_reason"].to_list() == v3["drop_reason"].to_list()


def test_reference_must_be_paper_or_datatrove():
    with pytest.raises(ConfigError, match="reference"):
        get_step("gopher_quality_v2").build_params({"reference": "spacy"}, "test")


def _ngram_fracs_plain(text: str, p: GopherRepetitionParams) -> dict[str, float]:
    """The n-gram fractions straight from their definition (every position scanned, every n)."""
    from collections import Counter

    tokens, chars = english_tokens(text), max(1, len(text))
    out = {}
    for n in p.top_n_grams:
        grams = [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        top = Counter(grams).most_common(1)[0] if grams else ("", 0)
        out[f"top_{n}gram"] = len(top[0]) * top[1] / chars
    for n in p.dup_n_grams:
        seen, dup, i = set(), 0, 0
        while i < len(tokens) - n + 1:
            gram = "".join(tokens[i : i + n])
            if gram in seen:
                dup, i = dup + len(gram), i + n
            else:
                seen.add(gram)
                i += 1
        out[f"dup_{n}gram"] = dup / chars
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "a", "cc.", "\n"]), max_size=120))
def test_repetition_datatrove_fast_paths_match_plain_definition(words):
    text = " ".join(words)
    p = GopherRepetitionParams()
    fast = repetition_stats_datatrove(text, p)
    assert {k: fast[k] for k in _ngram_fracs_plain(text, p)} == _ngram_fracs_plain(text, p)


def test_gopher_quality_v2_symbol_only_chunks_are_not_words():
    dashes = " ".join(BASE_EN.split()[:47]) + " - | = ."  # 47 words and 3 symbol-only chunks
    assert reasons("gopher_quality_v1", [dashes], {"min_doc_words": 50}) == [None]
    assert reasons("gopher_quality_v2", [dashes]) == ["gopher_quality__min_words"]
    assert quality_stats_v2("the the cat - dog")["words"] == 4


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("preheat to 350°F. Slice", ["preheat", "to", "350", "°", "F", ".", "Slice"]),
        ("done.,But then", ["done", ".", ",But", "then"]),
        ("are 2D and 3D. 2D", ["are", "2D", "and", "3D.", "2D"]),
        ("dc65-d2ab-11ed.png and т. д.", ["dc65-d2ab-11ed.png", "and", "т", ".", "д", "."]),
        ("I'm gonna, goin' 16GB", ["I", "'m", "gon", "na", ",", "goin'", "16", "GB"]),
    ],
)  # fmt: skip
def test_english_tokens_edge_cases_seen_in_the_bench(text, tokens):
    assert english_tokens(text) == tokens

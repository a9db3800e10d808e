"""Every filter reason writes its evidence into ``detail`` (issue 16): the rule, the measured value,
the threshold it crossed, and the offending text where there is one.

One case per drop reason of every registered filter step; :func:`test_every_filter_reason_has_a_case`
keeps the table complete when a reason is added.
"""

from __future__ import annotations

import json
import operator
from typing import Any

import polars as pl
import pytest

from curate.core.evidence import (
    evidence_spans,
    first_span,
    pattern_spans,
    repeated_spans,
    rule_detail,
)
from curate.plugins import all_steps
from tests.filter_helpers import BASE_EN, frame_of, run_step

OPS = {"<": operator.lt, ">": operator.gt, ">=": operator.ge, "=": operator.eq}
NO_REP = {
    "dup_line_frac": 1.0,
    "dup_para_frac": 1.0,
    "dup_line_char_frac": 1.0,
    "dup_para_char_frac": 1.0,
    "top_n_grams": {2: 1.0, 3: 1.0, 4: 1.0},
    "dup_n_grams": {n: 1.0 for n in range(5, 11)},
}
REPEATED = "The same line comes again here.\n" * 4 + "\n" + BASE_EN + "\n\n" + BASE_EN


def rep(**over: Any) -> dict[str, Any]:
    """Repetition params with every rule off (threshold 1.0) except ``over``."""
    p = {k: (dict(v) if isinstance(v, dict) else v) for k, v in NO_REP.items()}
    for k, v in over.items():
        if k.startswith("top_"):
            p["top_n_grams"][int(k[4])] = v
        elif k.startswith("dup_") and k[4].isdigit():
            p["dup_n_grams"][int(k[4:].split("g")[0])] = v
        else:
            p[k] = v
    return p


BULLETS = "\n".join(f"- the item number {i} is one of the things on this list" for i in range(8))
ELLIPSES = "\n".join(f"The river runs past the mill and on to the sea {i}..." for i in range(8))
NO_PUNCT = "\n".join(f"the river runs past the mill and the sea {i}" for i in range(6))
SHORT_LINES = "\n".join(f"Line {i} is short." for i in range(8))
DUP_LINES = "\n".join(["A long line that is repeated in the document, word for word."] * 3)
LIST_LINES = "\n".join(f"Item {i}." for i in range(10))
EN = "The town council voted to repair the old bridge that crosses the river near the church."
ZH_S = "市议会投票决定修复教堂附近横跨河流的那座旧桥，工程将在明年春天开始。"
RU = "Городской совет проголосовал за ремонт старого моста через реку возле церкви."

# reason -> (step, params, documents or instruction triples, what the offending text must contain)
CASES: dict[str, tuple[str, dict, Any, str | None]] = {
    "length__empty_text": ("length_filter_v1", {}, [" "], None),
    "length__empty_response": ("length_filter_v1", {}, [("Say hi to me.", "", " ")], None),
    "length__min_words": ("length_filter_v1", {"min_words": 3}, ["two words"], None),
    "c4_quality__lorem_ipsum": (
        "c4_quality_v1",
        {},
        [BASE_EN + " Lorem ipsum dolor sit amet."],
        "lorem ipsum",
    ),
    "c4_quality__curly_bracket": ("c4_quality_v1", {}, [BASE_EN + " if (x) { y }"], "{"),
    "c4_quality__min_sentences": ("c4_quality_v1", {}, ["Only one sentence is here."], None),
    "gopher_quality__min_words": ("gopher_quality_v1", {}, ["Far too short a text."], None),
    "gopher_quality__max_words": ("gopher_quality_v1", {"max_doc_words": 20}, [BASE_EN], None),
    "gopher_quality__mean_word_length": (
        "gopher_quality_v1",
        {"min_avg_word_length": 8.0},
        [BASE_EN],
        None,
    ),
    "gopher_quality__symbol_ratio": ("gopher_quality_v1", {}, [BASE_EN + " #" * 20], "#"),
    "gopher_quality__bullet_lines": (
        "gopher_quality_v1",
        {"max_bullet_lines_ratio": 0.5},
        [BULLETS],
        "- the item number 0",
    ),
    "gopher_quality__ellipsis_lines": (
        "gopher_quality_v1",
        {"max_symbol_word_ratio": 1.0},
        [ELLIPSES],
        "sea 0...",
    ),
    "gopher_quality__alpha_words": (
        "gopher_quality_v1",
        {"min_alpha_words_ratio": 0.99},
        [BASE_EN + " 12 34 56"],
        None,
    ),
    "gopher_quality__stop_words": ("gopher_quality_v1", {"min_stop_words": 1000}, [BASE_EN], None),
    **{
        f"gopher_repetition__{name}": (
            "gopher_repetition_v1",
            rep(**{name: 0.0}),
            [REPEATED],
            "The same line comes again here." if "line" in name else None,
        )
        for name in [
            "dup_line_frac",
            "dup_para_frac",
            "dup_line_char_frac",
            "dup_para_char_frac",
            "top_2gram",
            "top_3gram",
            "top_4gram",
            *(f"dup_{n}gram" for n in range(5, 11)),
        ]
    },
    "fineweb_quality__line_punct_ratio": ("fineweb_quality_v1", {}, [NO_PUNCT], None),
    "fineweb_quality__short_line_ratio": (
        "fineweb_quality_v1",
        {"line_punct_thr": 0.0},
        [SHORT_LINES],
        None,
    ),
    "fineweb_quality__char_dup_ratio": (
        "fineweb_quality_v1",
        {"line_punct_thr": 0.0, "short_line_thr": 1.0},
        [DUP_LINES],
        "A long line that is repeated",
    ),
    "fineweb_quality__list_ratio": (
        "fineweb_quality_v1",
        {"line_punct_thr": 0.0, "short_line_thr": 1.0, "char_duplicates_ratio": 2.0},
        [LIST_LINES],
        None,
    ),
    "instruction__placeholder_output": (
        "instruction_checks_v1",
        {"check_language": False},
        [("Compose a piano piece from the following notes.", "A#-D-C#-E", "<nooutput>")],
        None,
    ),
    "instruction__refusal": (
        "instruction_checks_v1",
        {"check_language": False},
        [("Draw a cat.", "", "I'm sorry, but I cannot draw images.")],
        "I'm sorry, but I cannot",
    ),
    "instruction__needs_url": (
        "instruction_checks_v1",
        {"check_language": False},
        [("Summarize the article.", "https://www.example.com/news/123", "Prices rose.")],
        "https://www.example.com/news/123",
    ),
    "instruction__needs_media": (
        "instruction_checks_v1",
        {"check_language": False},
        [("Describe the following photo in three sentences.", "", "A dog runs on a beach.")],
        "the following photo",
    ),
    "instruction__empty_input_ref": (
        "instruction_checks_v1",
        {"check_language": False},
        [("Paraphrase the following sentence.", "", "The weather is nice today.")],
        "the following sentence",
    ),
    "instruction__too_short": (
        "instruction_checks_v1",
        {"check_language": False},
        [("List five fruits that grow in tropical climates.", "", "Mango, papaya.")],
        None,
    ),
    "instruction__copies_prompt": (
        "instruction_checks_v1",
        {"check_language": False},
        [("Rewrite the sentence in the passive voice.", "The cat ate it.", "The cat ate it.")],
        None,
    ),
    "instruction__language_mismatch": (
        "instruction_checks_v1",
        {},
        [
            (
                "Describe the water cycle in a few sentences for a school class.",
                "",
                "Вода испаряется с поверхности морей, поднимается в атмосферу, образует облака и выпадает дождём.",
            )
        ],
        None,
    ),
    "language__not_allowed": ("language_filter_v1", {"languages": ["en"]}, [RU], None),
    "language__undetermined": ("language_filter_v1", {"languages": ["en"]}, ["12345"], None),
    "language__low_score": (
        "language_filter_v1",
        {"languages": ["en", "zh"], "min_score": 0.8},
        [f"{EN}\n{ZH_S}\n{ZH_S}"],
        None,
    ),
}
QUALITY_CASES = {
    "quality__below_threshold": {"threshold": 0.5},
    "quality__below_top_fraction": {"top_fraction": 0.5},
}


def run_case(reason: str) -> tuple[dict, str]:
    """Run the step of ``reason`` on its input; return the parsed detail and the record text."""
    key, params, rows, _ = CASES[reason]
    docs = [r for r in rows if isinstance(r, str)]
    instr = [r for r in rows if isinstance(r, tuple)]
    kinds = ("instruction",) if instr else None
    out = run_step(key, frame_of(docs, instr), params, kinds=kinds)
    assert out["drop_reason"].to_list() == [reason], out.select("drop_reason", "detail")
    return json.loads(out["detail"][0]), out["text"][0]


@pytest.mark.parametrize("reason", sorted(CASES))
def test_drop_detail_names_rule_value_threshold_and_span_issue16(reason: str) -> None:
    detail, text = run_case(reason)
    assert detail["rule"] == reason
    op = detail.get("op")
    if op in OPS:  # a measured value on the wrong side of the threshold
        assert OPS[op](detail["value"], detail["threshold"]), detail
    elif op == "outside":
        lo, hi = detail["threshold"]
        assert not lo <= detail["value"] <= hi, detail
    elif op == "not in":
        assert detail["value"] not in detail["threshold"], detail
    elif op == "!=":
        assert detail["value"] != detail["threshold"] and detail["value"], detail
    want = CASES[reason][3]
    if want is not None:  # the offending text is found and highlighted
        shown = [text[a:b] for a, b in evidence_spans(text, detail)]
        assert any(want.lower() in s.lower() for s in shown), (shown, detail)


@pytest.mark.parametrize("reason", sorted(QUALITY_CASES))
def test_quality_filter_detail_issue16(reason: str) -> None:
    frame = frame_of([f"text {i}" for i in range(4)]).with_columns(
        quality__score=pl.Series([0.2, 0.9, 0.1, 0.7], dtype=pl.Float32)
    )
    out = run_step("quality_filter_v1", frame, QUALITY_CASES[reason])
    dropped = out.filter(~pl.col("keep"))
    assert set(dropped["drop_reason"]) == {reason}
    for raw in dropped["detail"]:
        d = json.loads(raw)
        assert d["rule"] == reason and OPS[d["op"]](d["value"], d["threshold"]), d


def test_every_filter_reason_has_a_case() -> None:
    reasons = {r for spec in all_steps().values() if spec.kind == "filter" for r in spec.reasons}
    assert reasons == set(CASES) | set(QUALITY_CASES)


def test_evidence_helpers_worked_examples() -> None:
    df = pl.DataFrame({"text": ["Intro. Lorem ipsum dolor", "none"]})
    assert df.select(first_span(pl.col("text"), "lorem ipsum")).to_series().to_list() == [
        [7, 18],
        None,
    ]
    got = df.select(rule_detail("length__min_words", pl.lit(2), 3, "<")).to_series()[0]
    assert got == '{"op":"<","rule":"length__min_words","threshold":3,"value":2}'
    assert pattern_spans("a # b ... c", r"#|\.\.\.") == [[2, 3], [6, 9]]
    assert repeated_spans("a\nb\na", "lines") == [[4, 5]]
    assert repeated_spans("x y x y", "ngram:2") == [[0, 3], [4, 7]]
    assert repeated_spans("a\n\nb\n\na", "paragraphs") == [[6, 7]]

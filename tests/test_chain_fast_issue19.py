"""Fast paths of the default filter chain for instruction records equal their per-record
references (issue 19): the PII prefilter, the ASCII normalisation path, the instruction-check
prefilter and the language-id batching.

Each fast path decides in Polars (Rust regex) which rows can skip the Python per-record function;
the tests check (a) the vectorised test is a necessary condition of the Python function changing
anything, on Hypothesis text mixing PII, mojibake, control characters and non-ASCII, (b) the two
regex engines read the patterns alike, and (c) the whole step gives the reference's output.
"""

from __future__ import annotations

import re
import sys

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.core.records import join_messages
from curate.steps.pii import TYPES, may_match, redact
from tests.filter_helpers import frame_of, run_step

PII_BITS = [
    "jo@mail.com",
    "a.b@gmail.co.uk",
    "x@example.com",
    "@decorator",
    "+44 20 7946 0958",
    "+1-202-555-0143",
    "(202) 555-0143",
    "212.555.7788",
    "13812345678",
    "call 0161 496 0734",
    "07700 900461",
    "8.8.8.8",
    "v1.2.3.4",
    "192.168.1.1",
    "2001:4860:4860::8888",
    "fe80::1:2:3",
    "12:30:45",
    "a::b::c",
    "4111 1111 1111 1111",
    "378282246310005",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "a1B2" * 9,
    "github_pat_" + "A1b2" * 6,
    "sk-proj-" + "Ab3d" * 8,
    "xoxb-1234567890-abc",
    "AIza" + "B" * 35,
    "sk_live_" + "a1" * 8,
    "hf_" + "x1" * 15,
    "eyJhbGciOiJI.eyJzdWIiOiIx.abcdefghij",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
    'api_key = "abcd1234efgh5678ijkl"',
    "PASSWORD\x1c:\u00a0s3cr3tS3CR3Tvalue99",
    "Secret_Key=ab12cd34ef56gh78ij90",
    "\u212aEY: abcd1234efgh5678ijkl",
    "١٢٣٤٥٦٧٨٩٠١٢٣٤",
    "Ã©",
    "cafÃ©",
    "\x1b[31m",
    "\u200b",
    "\r\n",
    "中文",
    " ",
    "\n",
    ":",
    "=",
    "-",
    ".",
]
pii_texts = st.lists(st.one_of(st.sampled_from(PII_BITS), st.text(max_size=12)), max_size=10).map(
    "".join
)


def _contains(texts: list[str], pattern: str) -> list[bool]:
    return pl.Series(texts, dtype=pl.String).str.contains(pattern).to_list()


@settings(max_examples=400, deadline=None)
@given(pii_texts, st.sampled_from([TYPES, ("email",), ("phone", "ip"), ("api_key",)]))
def test_pii_prefilter_is_necessary_issue19(text: str, types: tuple[str, ...]) -> None:
    pattern = may_match(types)
    python_hit = re.search(pattern, text) is not None
    # Polars' Rust regex reads the prefilter as Python's re does
    assert _contains([text], pattern) == [python_hit]
    for ex in (False, True):
        if not python_hit:
            assert redact(text, types, ex) == (text, dict.fromkeys(TYPES, 0))


def test_pii_prefilter_whitespace_and_digits_match_python_issue19() -> None:
    """Python's ``\\s`` and ``\\d`` are inside the classes the prefilter gives the Rust engine."""
    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    space = [c for c in chars if re.match(r"\s", c)]
    digit = [c for c in chars if re.match(r"\d", c)]
    assert all(_contains(space, r"^[\s\x1c-\x1f]$"))
    assert all(_contains(digit, r"^\d$"))


def test_pii_step_equals_per_record_redact_issue19() -> None:
    docs = ["mail a.b@gmail.com now", "nothing here", "ip 8.8.8.8", ""]
    instr = [
        ("Email jo@corp.com please.", "", "Sent to jo@corp.com."),
        ("Say hi.", "", "Hi there."),
        ("Call me.", "+44 20 7946 0958", "Done."),
    ]
    frame = frame_of(docs, instr)
    # a stale text (not the join of its messages), an empty content, an empty message list
    frame = frame.with_columns(
        text=pl.when(pl.col(frame.columns[0]) == 5).then(pl.lit("stale")).otherwise("text")
    )
    extra = (
        frame.head(2)
        .tail(1)
        .with_columns(
            pl.col(frame.columns[0]) + 100,
            id=pl.lit("e1"),
            kind=pl.lit("instruction"),
            messages=pl.Series(
                [[{"role": "user", "content": ""}, {"role": "assistant", "content": "ok then"}]],
                dtype=frame.schema["messages"],
            ),
        )
    )
    empty = extra.with_columns(
        pl.col(frame.columns[0]) + 1,
        id=pl.lit("e2"),
        messages=pl.Series([[]], dtype=frame.schema["messages"]),
    )
    frame = pl.concat([frame, extra, empty])
    out = run_step("pii_redact_v1", frame)
    for row, got in zip(frame.iter_rows(named=True), out.iter_rows(named=True), strict=True):
        if row["messages"] is None:
            want_text, counts = redact(row["text"])
            want_msgs = None
        else:
            counts = dict.fromkeys(TYPES, 0)
            want_msgs = []
            for m in row["messages"]:
                new, c = redact(m["content"] or "")
                counts = {k: counts[k] + c[k] for k in TYPES}
                want_msgs.append({"role": m["role"], "content": new})
            want_text = join_messages(want_msgs)
        assert got["text"] == want_text
        assert got["messages"] == want_msgs
        assert {k: got[f"pii__{k}"] for k in TYPES} == counts


# --- instruction checks: may_fire is a necessary condition of check_one --------------------------

INSTR_BITS = [
    "Write an essay about rivers",
    "Write a short essay",
    "Please compose a letter to my boss",
    "Write a thesis statement for an essay",
    "Explain why the sky is blue",
    "Describe the following photo",
    "Describe the word 'run'",
    "List five fruits",
    "Name 3 rivers",
    "Give me ten ideas",
    "Generate two words",
    "Summarize the article",
    "Rewrite the sentence in passive voice",
    "Correct the grammar",
    "Paraphrase the following sentence",
    "this text",
    "the given list",
    "as follows:",
    "below:\n",
    "the attached file",
    "the chart below",
    "![img](x.png)",
    "https://x.com/a",
    "www.example.org/page",
    "Write a Python function",
    "in one word",
    "translate into French",
    " ",
    "\n",
    "\x1c",
    "\t",
    ".",
    "!",
    ": ",
    '"It rains."',
    "é",
    "中文",
    "Ｗrite",
    "ıtem",
    "\u212a",
]
OUT_BITS = [
    "The cat ate the fish",
    "The cat ate the fish.",
    "As an AI language model, I cannot",
    "I'm sorry, but I cannot do that.",
    "I cannot provide",
    "作为一个人工智能",
    "Mango, papaya.",
    "<nooutput>",
    "N/A",
    "none",
    "...",
    "Blue.",
    "one two three four five six",
    " ",
    "\n",
    "\x1c",
    "Rewrite the sentence in passive voice",
    "é",
]
snippet = st.lists(st.sampled_from(INSTR_BITS), max_size=4).map(" ".join)
triples = st.tuples(
    snippet,
    st.one_of(st.just(""), snippet, st.sampled_from(["<noinput>", "No input.", " input ", "  "])),
    st.one_of(st.lists(st.sampled_from(OUT_BITS), max_size=4).map(" ".join), snippet),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(triples, min_size=1, max_size=40))
def test_instruction_may_fire_is_necessary_issue19(rows: list[tuple[str, str, str]]) -> None:
    from curate.steps.instruction import InstructionParams, check_one, may_fire

    p = InstructionParams(check_language=False)
    frame = pl.DataFrame(rows, schema=["i", "x", "o"], orient="row")
    flags = frame.select(may_fire(pl.col("i"), pl.col("x"), pl.col("o"), p))[:, 0].to_list()
    for (i, x, o), flag in zip(rows, flags, strict=True):
        if not flag:
            assert check_one(i, x, o, p) is None, (i, x, o)


def test_instruction_may_fire_fires_on_every_reason_issue19() -> None:
    """The examples of each reason in the reason tests are routed to the Python checks."""
    from curate.steps.instruction import InstructionParams, check_one, may_fire

    p = InstructionParams(check_language=False)
    rows = [
        ("Compose a piano piece from the following notes.", "A#-D-C#-E", "<nooutput>"),
        ("Describe your favourite food.", "", "As an AI language model, I do not have views."),
        ("Summarize the article.", "https://www.example.com/news/123", "Prices rose."),
        ("Describe the following photo in three sentences.", "", "A dog runs on a beach."),
        ("Paraphrase the following sentence.", "", "The weather is nice today."),
        ("Write an essay about the history of the bicycle.", "", "Bicycles were invented."),
        ("List five fruits that grow in tropical climates.", "", "Mango, papaya."),
        (
            "Rewrite the sentence in the passive voice.",
            "The cat ate the fish.",
            "The cat ate the fish.",
        ),
    ]
    assert all(check_one(*r, p) is not None for r in rows)
    frame = pl.DataFrame(rows, schema=["i", "x", "o"], orient="row")
    assert all(frame.select(may_fire(pl.col("i"), pl.col("x"), pl.col("o"), p))[:, 0])


def _instruction_rows() -> list[tuple[str, str, str]]:
    return [
        ("Give three tips for staying healthy.", "", "Eat well, sleep enough and exercise daily."),
        ("Describe the following photo.", "", "A dog on a beach."),
        ("List five fruits.", "", "Mango, papaya."),
        (
            "Rewrite the sentence in passive voice.",
            "The cat ate the fish.",
            "The cat ate the fish.",
        ),
        ("Explain gravity to a child.", "", "Things fall."),
        ("Translate 'good morning' into French.", "", "Bonjour tout le monde, comment allez-vous?"),
        ("What is the capital of France?", "", "La capitale de la France est Paris, bien sûr."),
        (
            "Write a short paragraph about the sea.",
            "",
            "海洋覆盖了地球表面的大部分地区，是许多生物的家园，也影响着全球的气候变化。",
        ),
        ("Name a colour.", "", "Blue."),
        ("Name a colour.", "<noinput>", "  "),
        ("Summarize the article.", "https://x.com/a", "It says prices rose."),
        ("Sort these numbers: 3, 1, 2", "", "1, 2, 3"),
    ]


def test_instruction_step_equals_all_python_path_issue19(monkeypatch) -> None:  # noqa: ANN001
    """The step with the Polars prefilter equals the step with every row through check_one,
    with and without langid_v1's columns (the language-mismatch path)."""
    import curate.steps.instruction as instruction

    frame = frame_of(instructions=_instruction_rows())
    tagged = run_step("langid_v1", frame)
    runs = []
    for always in (False, True):
        if always:
            monkeypatch.setattr(instruction, "may_fire", lambda *a: pl.lit(True))
        runs.append(
            [
                run_step("instruction_checks_v1", f, params, kinds=("instruction",))
                for f in (frame, tagged)
                for params in ({}, {"check_language": False})
            ]
        )
    for fast, slow in zip(*runs, strict=True):
        assert fast.equals(slow)
    reasons = runs[0][2]["drop_reason"].to_list()  # langid_v1 columns, language check on
    assert "instruction__language_mismatch" in reasons and "instruction__too_short" in reasons

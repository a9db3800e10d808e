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

"""The fast paths of issue 19's third chain round equal their references: ftfy's ``is_bad``
skipped where it cannot match, ``&`` lines kept out of ftfy, per-type PII gates, and the compiled
kernels (whole-text heads and voting lines of ``langid_v2``, word counts, ASCII normalisation of
message contents, the ``meta.fields`` JSON reader) against the Polars or Python code they replace.

Each test builds its own small inputs (Hypothesis where it fits); no test reads shared data.
"""

from __future__ import annotations

import json
import re

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.core import textnorm
from curate.io.ingest_arrow import utf8_buffers
from curate.steps import _json_kernel, _normalise_kernel, _voting_kernel, _words_kernel
from curate.steps import pii as pii_mod
from curate.steps.basic import normalised_messages, word_count, word_counts
from curate.steps.instruction import (
    GIVEN_INPUT,
    GIVEN_INSTRUCTION,
    NO_INPUT,
    _words_of_ascii,
    given_fields,
)
from curate.steps.langid import LanguageIdentifier
from curate.steps.rust_regex import NON_SPACE

numba_only = pytest.mark.skipif(
    not _voting_kernel.available(), reason="the compiled paths need numba (CLEANROOM_NO_NUMBA)"
)

# --------------------------------------------------------------------------------------------
# ftfy's is_bad, skipped on segments without the characters BADNESS_RE needs
# --------------------------------------------------------------------------------------------

_NEEDED = sorted({c for alt in textnorm._BAD_NEEDS or () for s in alt for c in s})
_BAD_ALPHABET = _NEEDED + list("aZz .,?!\n\t") + ["\u2003", "é", "x"]


def test_badness_requirements_cover_every_alternative_issue19() -> None:
    from ftfy.badness import BADNESS_RE

    assert textnorm._BAD_NEEDS is not None
    # one requirement tuple per top-level alternative, none of them empty
    assert len(textnorm._BAD_NEEDS) == BADNESS_RE.pattern.count("\n    |") + 1
    assert all(textnorm._BAD_NEEDS)


def test_looks_bad_equals_is_bad_on_pairs_issue19() -> None:
    from ftfy.badness import is_bad

    chars = _BAD_ALPHABET[::3] + list("aZ \n")  # every third needed character, and ASCII
    for a in chars:
        for b in chars:
            assert textnorm.looks_bad(a + b) == is_bad(a + b), repr(a + b)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.lists(st.sampled_from(_BAD_ALPHABET), min_size=1, max_size=8).map("".join),
        st.text(max_size=20),
    )
)
def test_looks_bad_equals_is_bad_issue19(text: str) -> None:
    from ftfy.badness import is_bad

    assert textnorm.looks_bad(text) == is_bad(text)


def test_looks_bad_examples_issue19() -> None:
    assert not textnorm.looks_bad("It’s “fine” – really • ok")
    assert textnorm.looks_bad("cafÃ©")
    assert textnorm.looks_bad("Ã ")


# --------------------------------------------------------------------------------------------
# "&" that starts no HTML entity: ftfy keeps the line, the ASCII text takes the Polars path
# --------------------------------------------------------------------------------------------

AMP_BITS = ["a", "b c", " ", "\n", "\n\n\n", "&", "&&", "R&D", "&amp;", "&#65;", "&#x41;", "&x;"]
AMP_BITS += ["& ;", "&lt", "<b>", "\r", "\x0c", "\x1b", "\x07", "\x1c", ";", "#", "x" * 30]
amp_texts = st.lists(st.sampled_from(AMP_BITS), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(amp_texts)
def test_ftfy_keeps_lines_with_inert_ampersands_issue19(text: str) -> None:
    import ftfy

    config = ftfy.TextFixerConfig(explain=False, normalization=None)
    for line in text.splitlines(keepends=True) or [text]:
        if textnorm.ftfy_keeps(line):
            assert ftfy.fix_and_explain(line, config).text == line, repr(line)


@settings(max_examples=300, deadline=None)
@given(st.lists(amp_texts, min_size=1, max_size=8))
def test_plain_ampersand_texts_normalise_as_normalise_text_issue19(texts: list[str]) -> None:
    frame = pl.DataFrame({"t": texts}).with_columns(
        plain=textnorm.plain_text(pl.col("t")), fast=textnorm.normalise_expr(pl.col("t"))
    )
    for t, plain, fast in frame.iter_rows():
        if plain:
            assert fast == textnorm.normalise_text(t), repr(t)


def test_inert_ampersands_examples_issue19() -> None:
    frame = pl.DataFrame({"t": ["if (a && b) {", "R&D", "a &amp; b", "x & y\r", "&#65;"]})
    got = frame.select(textnorm.plain_text(pl.col("t")))[:, 0].to_list()
    assert got == [True, True, False, False, False]
    assert textnorm.ftfy_keeps("if (a && b) {\n")
    assert not textnorm.ftfy_keeps("Tom &amp; Jerry\n")


QUOTE_BITS = ["It", "’s", "“fine”", "‘x’", "\u02bc", "\n", " ", "é", "café", "Ã©", "&", "<b>"]
QUOTE_BITS += ["\u2028", "\r", "•", "–", "°", "½", "Â ", "ﬁ", "\x80", "a" * 20, "\t"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(QUOTE_BITS), max_size=12).map("".join))
def test_whole_text_fix_equals_ftfy_issue19(text: str) -> None:
    """fix_text's whole-text shortcut (no line can be bad; no touched character, or only
    curly quotes) gives ftfy's own result."""
    import ftfy

    assert textnorm.fix_text(text) == ftfy.fix_text(text, normalization=None)


# --------------------------------------------------------------------------------------------
# PII: a type's patterns run only where its prefilter matches
# --------------------------------------------------------------------------------------------

PII_BITS = [
    "jo@mail.com",
    "x@example.com",
    "Jo.Doe@Corp-1.COM",
    "a@1b.io",
    "b@-x.org",
    "+44 20 7946 0958",
    "(202) 555-0143",
    "13812345678",
]
PII_BITS += ["call 0161 496 0734", "8.8.8.8", "v1.2.3.4", "2001:4860:4860::8888", "12:30:45"]
PII_BITS += [
    "4111 1111 1111 1111",
    "AKIAIOSFODNN7EXAMPLE",
    "sk-proj-" + "Ab3d" * 8,
    "hf_" + "x1" * 15,
]
PII_BITS += ['api_key = "abcd1234efgh5678ijkl"', "\u212aEY: abcd1234efgh5678ijkl", "std::cout"]
PII_BITS += ["١٢٣٤٥٦٧٨٩٠١٢٣٤", " ", "\n", ":", "=", "-", ".", "@", "a", "1", "中文"]
pii_texts = st.lists(st.one_of(st.sampled_from(PII_BITS), st.text(max_size=6)), max_size=10).map(
    "".join
)


def _redact_reference(text: str, types: tuple[str, ...], redact_examples: bool):  # noqa: ANN202
    """``redact`` as it was: every type's patterns run on every text."""
    p = pii_mod
    counts = dict.fromkeys(p.TYPES, 0)
    if "api_key" in types:
        for pat in p.API_KEY_RES:
            text, n = p._sub(pat, text, p.PLACEHOLDERS["api_key"])
            counts["api_key"] += n

        def assigned(m: re.Match[str]) -> str:
            value = m.group(2)
            if "<" in value or not (re.search(r"[A-Za-z]", value) and re.search(r"\d", value)):
                return m.group(0)
            counts["api_key"] += 1
            return f"{m.group(1)}{p.PLACEHOLDERS['api_key']}{m.group(3)}"

        text = p.ASSIGNED_SECRET_RE.sub(assigned, text)
    if "email" in types:
        check = None if redact_examples else p._email_ok
        text, counts["email"] = p._sub(p.EMAIL_RE, text, p.PLACEHOLDERS["email"], check)
    if "credit_card" in types:
        text, counts["credit_card"] = p._sub(
            p._CARD_RE, text, p.PLACEHOLDERS["credit_card"], p._card_ok
        )
    if "ip" in types:
        text, n4 = p._sub(p._IPV4_RE, text, p.PLACEHOLDERS["ip"], p._ipv4_ok)
        text, n6 = p._sub(p._IPV6_RE, text, p.PLACEHOLDERS["ip"], p._ipv6_ok)
        counts["ip"] = n4 + n6
    if "phone" in types:
        ok = p._phone_ok if redact_examples else p._real_phone_ok
        for pat in p._PHONE_RES:
            text, n = p._sub(pat, text, p.PLACEHOLDERS["phone"], ok)
            counts["phone"] += n
        text, n = p._sub(p._NATIONAL_PHONE_RE, text, p.PLACEHOLDERS["phone"], p._national_phone_ok)
        counts["phone"] += n
    return text, counts


@settings(max_examples=400, deadline=None)
@given(
    pii_texts,
    st.sampled_from(
        [pii_mod.TYPES, ("email",), ("phone",), ("ip",), ("api_key",), ("credit_card",)]
    ),
    st.booleans(),
)
def test_redact_gated_equals_ungated_issue19(text: str, types: tuple, examples: bool) -> None:
    assert pii_mod.redact(text, types, examples) == _redact_reference(text, types, examples)


# --------------------------------------------------------------------------------------------
# langid_v2: the compiled heads and voting lines against the Polars voting frame
# --------------------------------------------------------------------------------------------

CODE_BITS = ["import os", "from a.b import c", "from x  import y", "def f(x):", "return x", "if"]
CODE_BITS += ["if_x", "console.log(1)", "console. x", "#include <a>", "x = 1", "a=b", "a.b = c"]
CODE_BITS += ["f(x)", "foo(bar) ", "}", "];", "{", "The cat sat on the mat.", "Hello world"]
CODE_BITS += ["printf(", "SELECT *", "select", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c"]
CODE_BITS += ["=", "(", ")", ";", "#", "~", "a", "Z", "9", "_", ".", ",", "x" * 120, "  =  "]
CODE_BITS += ["from  import", "from x import_y", "a (b)", "q(", "do", "fi", "end", "\n\n"]
CODE_BITS += ["The value is =5 here", "say a= b now", "call it (now) ok", "x.y", "doc)", "[note"]
ascii_texts = st.one_of(
    st.lists(st.sampled_from(CODE_BITS), max_size=25).map("".join),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=80),
)


@pytest.fixture(scope="module")
def ident() -> LanguageIdentifier:
    return LanguageIdentifier()


@numba_only
@settings(max_examples=300, deadline=None)
@given(
    st.lists(ascii_texts, min_size=1, max_size=8),
    st.sampled_from([200, 30, 5, 1]),
    st.booleans(),
)
def test_whole_heads_compiled_equal_polars_issue19(
    ident: LanguageIdentifier, texts: list[str], text_chars: int, skip_code: bool
) -> None:
    ident.skip_code = skip_code
    try:
        s = pl.Series(texts, dtype=pl.String)
        want = ident._whole_heads_polars(s, text_chars)
        got = ident._whole_heads(s, text_chars)
    finally:
        ident.skip_code = True
    if want is None:
        assert got is None
        return
    owners, letters, votes, (buf, offs) = got
    data = buf.tobytes()
    heads = [data[a:b].decode("ascii") for a, b in zip(offs[:-1], offs[1:], strict=True)]
    assert (owners, letters, votes, heads) == want


@numba_only
@settings(max_examples=300, deadline=None)
@given(st.lists(ascii_texts, min_size=1, max_size=8), st.booleans())
def test_voting_lines_compiled_equal_polars_issue19(
    ident: LanguageIdentifier, texts: list[str], skip_code: bool
) -> None:
    ident.skip_code = skip_code
    try:
        frame = ident._voting_frame(texts)
    finally:
        ident.skip_code = True
    want = ([], [], []) if frame is None else (
        frame["owner"].to_list(), frame["c"].to_list(), frame["n"].to_list()
    )  # fmt: skip
    raw, off = utf8_buffers(pl.Series(texts, dtype=pl.String))
    buf, offs, owner, letters = _voting_kernel.lines(
        raw, off, max_chars=ident.max_chars, skip_code=skip_code
    )
    data = buf.tobytes()
    lines = [data[a:b].decode("ascii") for a, b in zip(offs[:-1], offs[1:], strict=True)]
    assert (owner.tolist(), lines, letters.tolist()) == want


CODE_LINES = CODE_BITS + ["x == y", "a =b", "a= b", "a.b.c=d", "if(x)", "else:", "int x;"]
CODE_LINES += ["fn main() {", "print('hi')", "console.log", "from os import path", "}else{"]
CODE_LINES += ["done.", "fi ", "#!/bin/sh", "Call f(x) now", "end(", "f()", "a(b", "(x)y"]


@numba_only
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CODE_LINES), min_size=1, max_size=3).map("".join))
def test_code_line_test_compiled_equals_is_code_line_issue19(
    ident: LanguageIdentifier, line: str
) -> None:
    """A line after a prose line votes only when it is no code: the kernel's code test on it is
    :func:`curate.steps.words.is_code_line`'s."""
    texts = ["Plain prose words here\n" + line, line + "\nMore prose words follow"]
    frame = ident._voting_frame(texts)
    raw, off = utf8_buffers(pl.Series(texts))
    buf, offs, owner, letters = _voting_kernel.lines(raw, off, max_chars=20_000, skip_code=True)
    data = buf.tobytes()
    lines = [data[a:b].decode("ascii") for a, b in zip(offs[:-1], offs[1:], strict=True)]
    assert (owner.tolist(), lines) == (frame["owner"].to_list(), frame["c"].to_list())


@numba_only
def test_identify_with_letters_same_with_and_without_kernels_issue19(
    ident: LanguageIdentifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [
        "Write a function that adds two numbers.\nIt should return the sum.",
        "def add(a, b):\n    return a + b\nThis adds them.",
        "猫坐在垫子上。\nThe cat sat.",
        "Le chat est sur le tapis.",
        None,
        "",
        "x",
    ] * 4
    whole = [True, True, True, False, True, True, True] * 4
    fast = (ident.identify_with_letters(texts), ident.identify_whole(texts, whole))
    monkeypatch.setattr(_voting_kernel, "available", lambda: False)
    assert (ident.identify_with_letters(texts), ident.identify_whole(texts, whole)) == fast


# --------------------------------------------------------------------------------------------
# word counts
# --------------------------------------------------------------------------------------------

word_texts = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(["a", "bc", " ", "  ", "\t", "\n", "\x1c", "\x0b", "我", "é", "\u3000"]),
             max_size=15).map("".join),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), word_texts), min_size=1, max_size=10))
def test_word_counts_equal_word_count_issue19(texts: list[str | None]) -> None:
    s = pl.Series("text", texts, dtype=pl.String)
    want = s.to_frame().select(word_count(pl.col("text")))[:, 0]
    got = word_counts(s)
    assert got.dtype == want.dtype
    assert got.to_list() == want.to_list()


@numba_only
@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(max_codepoint=127), max_size=40), min_size=1))
def test_answer_words_compiled_equal_count_matches_issue19(texts: list[str]) -> None:
    s = pl.Series("o", texts, dtype=pl.String)
    want = s.str.count_matches(f"{NON_SPACE}+")
    got = _words_of_ascii(s)
    assert got is not None and got.to_list() == want.to_list()


def test_word_runs_flags_non_ascii_issue19() -> None:
    if not _words_kernel.available():
        pytest.skip("numba off")
    counts, plain = _words_kernel.word_runs(b"a bc  d\x80", [0, 4, 8], " ")
    assert counts.tolist() == [2, 1] and plain.tolist() == [True, False]


# --------------------------------------------------------------------------------------------
# normalise_v1: message contents classified and normalised in one compiled pass
# --------------------------------------------------------------------------------------------

NORM_BITS = AMP_BITS + ["  \n", "\t\n", "\r\n", "\n\n\n\n", "é", "Ã©", "\x00", "\x7f", "\x1f "]
contents = st.one_of(
    st.none(),
    st.lists(st.sampled_from(NORM_BITS), max_size=10).map("".join),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=30),
)
message_lists = st.one_of(
    st.none(),
    st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]),
                                    "content": contents}), max_size=4),
)  # fmt: skip


@numba_only
@settings(max_examples=300, deadline=None)
@given(st.lists(message_lists, min_size=1, max_size=6), st.booleans())
def test_normalised_messages_equal_polars_issue19(rows: list, fix: bool) -> None:  # noqa: ANN001
    from curate.core.schemas import MESSAGE

    msgs = pl.Series("messages", rows, dtype=pl.List(MESSAGE))
    got = normalised_messages(msgs, fix)
    assert got is not None
    content = pl.element().struct.field("content").fill_null("")
    want = msgs.to_frame().select(
        ok=pl.col("messages").list.eval(textnorm.plain_text(content, fix_mojibake=fix)).list.all(),
        normed=pl.col("messages").list.eval(
            pl.struct(role=pl.element().struct.field("role"), content=textnorm.normalise_expr(content))
        ),
    )  # fmt: skip
    ok = [True if v is None else v for v in want["ok"].to_list()]
    assert got[1].to_list() == ok
    got_lists, want_lists = got[0].to_list(), want["normed"].to_list()
    for k, keep in enumerate(ok):
        if keep:  # where a content is not plain, Python normalises the row
            assert got_lists[k] == want_lists[k]


def test_normalise_plain_example_issue19() -> None:
    if not _normalise_kernel.available():
        pytest.skip("numba off")
    raw, off = utf8_buffers(pl.Series(["a \r\n\n\n\n\x07b  ", "café", "R&D", "&amp;"]))
    data, offs, plain = _normalise_kernel.normalise_plain(raw, off, True)
    got = [data[a:b].tobytes().decode() for a, b in zip(offs[:-1], offs[1:], strict=True)]
    assert plain.tolist() == [True, False, True, False]
    assert got == ["a\n\nb", "", "R&D", ""]


# --------------------------------------------------------------------------------------------
# instruction checks: meta.fields read by the compiled JSON reader; the (no)input regex
# --------------------------------------------------------------------------------------------

json_atoms = ["a", "", "é中", "\n", "\t", '"', "\\", "/", "\x01", "\u2028", "😀", "x" * 20]
json_strings = st.lists(st.sampled_from(json_atoms), max_size=4).map("".join)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), json_strings,
              st.floats(allow_nan=False, allow_infinity=False)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["instruction", "input", "k", "fields"]), inner, max_size=3),
    ),
    max_leaves=6,
)  # fmt: skip
field_maps = st.dictionaries(
    st.sampled_from(["instruction", "input", "output", "context"]),
    st.one_of(json_strings, json_values),
    max_size=4,
)
MUTATIONS = ["\\", '"', "}", "{", ",", " ", "x", "1e5", '"fields": {"input": "z"},', "\\u0041"]
MUTATIONS += ["\t", "\x01", "01", "-", "1.", "tru", "\\t", "\\x", "\\ud800", "[", "]"]


@st.composite
def meta_documents(draw) -> str | None:  # noqa: ANN001
    if draw(st.integers(0, 30)) == 0:
        return draw(st.sampled_from([None, "", "null", "[]", '{"fields": null}']))
    fields = draw(st.one_of(field_maps, json_values)) if draw(st.booleans()) else draw(field_maps)
    doc = {"fields": fields, "file": "f.json", "line": draw(st.integers(0, 10**6))}
    text = json.dumps(
        doc, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1]))
    )
    cut = draw(st.integers(0, len(text)))
    how = draw(st.integers(0, 9))
    if how == 0:
        return text[:cut]
    if how == 1:
        return text[:cut] + draw(st.sampled_from(MUTATIONS)) + text[cut:]
    if how == 2:
        return text.replace('"input"', '"instruction"')
    return text


@numba_only
@settings(max_examples=300, deadline=None)
@given(st.lists(meta_documents(), min_size=1, max_size=8))
def test_given_fields_equal_json_path_match_issue19(docs: list[str | None]) -> None:
    meta = pl.Series("meta", docs, dtype=pl.String)
    want = meta.to_frame().select(
        pl.struct(instruction=GIVEN_INSTRUCTION, input=GIVEN_INPUT).alias("meta")
    )[:, 0]
    assert given_fields(meta).to_list() == want.to_list()


def test_json_fields_examples_issue19() -> None:
    if not _json_kernel.available():
        pytest.skip("numba off")
    docs = [
        '{"fields": {"input": "a\\nb", "instruction": "c\\"d"}, "line": 3}',
        '{"fields": {"instruction": 5}}',  # not a string: json_path_match decides
        '{"fields": {"instruction": "a", "instruction": "b"}}',  # a key twice: likewise
        '{"fields": {}}',
        '{"fields": {"instruction": "a\tb"}}',  # a raw tab: invalid JSON (null there)
        '{"fields": {"input": "x"}, "n": 1e400}',  # a number serde_json refuses
        # nested objects and arrays around and inside the fields: read by the kernel itself
        '{"fields":{"x":{"k":[1,{"y":null}]},"instruction":"i"},"extra":{"a":{"b":true}}}',
    ]
    raw, off = utf8_buffers(pl.Series(docs))
    data, offs, status = _json_kernel.fields(raw, off, ("instruction", "input"))
    assert status.tolist() == [[1, 1], [2, 2], [2, 2], [0, 0], [2, 2], [2, 2], [1, 0]]
    meta = pl.Series("meta", docs)
    want = meta.to_frame().select(pl.struct(instruction=GIVEN_INSTRUCTION, input=GIVEN_INPUT))
    assert given_fields(meta).to_list() == want[:, 0].to_list()
    assert data[offs[0, 0] : offs[0, 1]].tobytes() == b'c"d'
    assert data[offs[0, 1] : offs[0, 2]].tobytes() == b"a\nb"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.lists(st.sampled_from(list("noinputNOINPUT -<>._9é\n")), max_size=12).map("".join),
            st.sampled_from(
                ["input", "No Input", "<noinput>", "n/o-i.n.p.u.t", "inputs", "noinput9"]
            ),
            st.text(max_size=12),
        ),
        min_size=1,
    )
)
def test_no_input_regex_equals_the_alnum_test_issue19(inputs: list[str]) -> None:
    frame = pl.DataFrame({"x": inputs})
    old = (
        pl.col("x")
        .str.replace_all("[^A-Za-z0-9]", "")
        .str.head(8)
        .str.to_lowercase()
        .is_in(["noinput", "input"])
    )
    got = frame.select(old=old, new=pl.col("x").str.contains(NO_INPUT))
    assert got["old"].to_list() == got["new"].to_list()


# --------------------------------------------------------------------------------------------
# the step parameter validators are built once per class
# --------------------------------------------------------------------------------------------


def test_step_params_validated_the_same_twice_issue19() -> None:
    from curate.core.errors import ConfigError
    from curate.plugins import get_step

    spec = get_step("length_filter_v1")
    assert spec.build_params({"min_words": 4}, "r") == spec.build_params({"min_words": 4}, "r")
    for _ in range(2):
        with pytest.raises(ConfigError):
            spec.build_params({"min_words": "many"}, "r")


def test_predict_buffer_equals_predict_lines_issue19(ident: LanguageIdentifier) -> None:
    if ident.fast is None:
        pytest.skip("the compiled fastText reader is off")
    lines = ["The cat sat on the mat.", "Le chat est là.", "猫坐在垫子上。", "x"]
    raw, off = utf8_buffers(pl.Series(lines))
    labels, probs = ident.predict_buffer(raw, off)
    want_labels, want_probs = ident.predict_lines(lines)
    assert labels == want_labels and np.array_equal(probs, want_probs)


def test_chain_same_without_numba_issue19(monkeypatch: pytest.MonkeyPatch) -> None:
    """The steps this round compiled give the same frame on their Polars/Python paths."""
    from polars.testing import assert_frame_equal

    from tests.filter_helpers import frame_of, run_step

    instr = [
        ("Rewrite this sentence.", "", "This sentence, rewritten."),
        ("Write a poem about the sea.", "", "Waves."),
        ("Describe the following photo.", "", "A dog on a beach."),
        ("Translate to French: I am happy.", "", "Je suis content."),
        ("Write a Python function.", "x && y", "def f(x, y):\n    return x and y\n"),
        ("Name a colour.", "", "Blue &amp; green, “both” – really."),
        ("Summarize https://x.com/a", "", "No."),
        ("Say hi.  ", "", "Hi there.\r\n\n\n"),
        ("List two things.", "", "One\r\nTwo\r\rThree \t\nFour"),
    ]
    frame = frame_of(["A document. It has words.\nAnd lines."], instr)

    def chain() -> pl.DataFrame:
        out = frame
        for key, kinds in [
            ("normalise_v1", None),
            ("length_filter_v1", None),
            ("pii_redact_v1", None),
            ("langid_v2", None),
            ("instruction_checks_v1", ("instruction",)),
        ]:
            out = run_step(key, out, kinds=kinds)
        return out

    fast = chain()
    monkeypatch.setenv("CLEANROOM_NO_NUMBA", "1")
    assert_frame_equal(chain(), fast)

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
    'api_key = "abcd\u0130234efgh5678ijkl"',
    "token=\u017f\u212a\u0131x1234567890123456",
    "std::cout << a::b",
    "x[1:2:3] and i+1",
    "(+44 20 7946 0958)",
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
    "İnput",
    "List ٣ fruits",
    "Name ² things",
    "Is\u00a0it",
    "\u3000",
    "’",
    "e\u0301",
    "ſort",
    "Wrıte an essay",
    "Translate “this text”",
    "—input—",
]
OUT_BITS = [
    "The cat ate the fish",
    "The cat ate the fish.",
    "As an AI language model, I cannot",
    "I'm sorry, but I cannot do that.",
    "I cannot provide",
    "作为一个人工智能",
    "我无法提供",
    "Sorry, I am unable to help",
    "i won't do",
    "I don't have access to",
    "The task is impossible",
    "not possible to view the image",
    "it is not able to see the image",
    "AS AN ARTIFICIAL INTELLIGENCE",
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
    "…",
    "\u3000N/A\u3000",
    "İ cannot",
    "The cat ate the fısh",
    "٣",
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


@settings(max_examples=60, deadline=None)
@given(st.lists(triples, min_size=1, max_size=40))
def test_check_one_with_fire_mask_equals_every_check_issue19(
    rows: list[tuple[str, str, str]],
) -> None:
    """Running only the checks whose bit :func:`fire_mask` sets gives check_one's answer."""
    from curate.steps.instruction import InstructionParams, check_one, fire_mask

    p = InstructionParams(check_language=False)
    frame = pl.DataFrame(rows, schema=["i", "x", "o"], orient="row")
    masks = frame.select(fire_mask(pl.col("i"), pl.col("x"), pl.col("o"), p))[:, 0].to_list()
    for (i, x, o), mask in zip(rows, masks, strict=True):
        assert check_one(i, x, o, p, mask) == check_one(i, x, o, p), (i, x, o, mask)


def test_instruction_may_fire_fires_on_every_reason_issue19() -> None:
    """The examples of each reason in the reason tests are routed to the Python checks."""
    from curate.steps.instruction import InstructionParams, check_one, fire_mask, may_fire

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
    refusals = [
        "As an AI language model, I have no views.",
        "I'm sorry, but I can't do that.",
        "I am afraid I do not know that.",
        "Sorry, I cannot provide that.",
        "I am unable to help with it.",
        "I won't write that.",
        "I don't have access to the internet.",
        "The task is not possible without the file.",
        "It is not able to see the image here.",
        "作为一个人工智能，我没有观点。",
        "我无法提供这个。",
    ]
    rows += [("Tell me a joke.", "", r) for r in refusals]
    assert all(check_one(*r, p) is not None for r in rows)
    frame = pl.DataFrame(rows, schema=["i", "x", "o"], orient="row")
    assert all(frame.select(may_fire(pl.col("i"), pl.col("x"), pl.col("o"), p))[:, 0])
    # and each row's mask lets its own check run (issue 19)
    masks = frame.select(fire_mask(pl.col("i"), pl.col("x"), pl.col("o"), p))[:, 0].to_list()
    assert [check_one(*r, p, m) for r, m in zip(rows, masks, strict=True)] == [
        check_one(*r, p) for r in rows
    ]


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
            monkeypatch.setattr(
                instruction, "fire_mask", lambda *a: pl.lit(instruction.ALL_CHECKS, pl.Int64)
            )
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


# --- language id: letters, code lines and the batched identifier ---------------------------------

LINE_BITS = [
    "import csv",
    "from os import path",
    "for (int i = 0; i < n; i++) {",
    "x = 1",
    "  return x;",
    "}",
    "print(x)",
    "SELECT * FROM t",
    "The cat sat on the mat.",
    "Use f(x) here",
    "a = b",
    "#include",
    "\x1c",
    "\t",
    " ",
    "é",
    "中文",
    "(",
    ")",
    "=",
    ";",
    "$",
    "defy",
    "if",
    "\x1cdef x",
    "\x1c=\x1c",
    "f(x)\x1c",
    "x;\x1c",
]
TRICKY_LINES = [
    "this is a long sentence about calling the function f(x)\x1c",
    "this is a long sentence that ends in a semicolon for once;\x1c",
    "\x1c} and then a long sentence follows it, with no code at all",
    "\x1cimport the rows of the table into the new database now",
    "the value on the left side of it\x1c=\x1cthe value on the right side",
    "\x1c=\x1c",
    "a\x1c= b",
    "f(x)\x1c",
    "x;\x1c",
    "\x1c}",
    "\x1cimport csv",
    "from\x1cos\x1cimport path",
    "a.b\x1c=",
    "f(x)\n",
    "x;\n",
]
lines = st.one_of(
    st.lists(st.sampled_from(LINE_BITS), max_size=5).map(" ".join),
    st.lists(st.sampled_from(LINE_BITS), max_size=5).map("".join),
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from("ab \t\x1c\x85\u3000\u2028é中"), max_size=30),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(lines, max_size=30))
def test_code_line_flags_equal_is_code_line_issue19(batch: list[str]) -> None:
    from curate.steps.langid import code_line_flags
    from curate.steps.words import is_code_line

    batch = batch + TRICKY_LINES  # Python's \s takes U+001C-U+001F, its $ a final newline
    assert code_line_flags(batch) == [is_code_line(line) for line in batch]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=127))))
def test_letters_equal_isalpha_count_issue19(text: str) -> None:
    from curate.steps.langid import _letters

    assert _letters(text) == sum(map(str.isalpha, text))


def test_identify_equals_one_text_at_a_time_issue19() -> None:
    """Batching (one predict call, code lines flagged in one pass) changes no text's result."""
    from curate.steps.langid import LanguageIdentifier

    ident = LanguageIdentifier()
    ident.batch_min = 0
    texts = [
        "The river runs through the old town.\nFarmers bring grain to the market.",
        "def f(x):\n    return x * 2\nThis function doubles its argument.",
        "import os\nprint(os.getcwd())",
        "Le chat est sur le tapis.\n猫坐在垫子上。\nThe cat is on the mat.",
        "これは日本語の文です。",
        "漢字だけ",
        "",
        None,
        "1 2 3",
        "x = 1\ny = 2\nz = x + y; # sum",
        "Ünïcödé wörds hère and thère, ça va?",
    ]
    assert ident.identify_with_letters(texts) == [
        ident.identify_with_letters([t])[0] for t in texts
    ]


def _identify_reference(ident, texts: list[str | None]) -> list[tuple]:  # noqa: ANN001
    """The identifier before issue 19: one text at a time, ``is_code_line`` and ``str.isalpha``."""
    from curate.steps.langid import _HAN, _KANA, chunk_text
    from curate.steps.words import is_code_line

    def letters(t: str) -> int:
        return sum(map(str.isalpha, t))

    out = []
    for t in texts:
        if not t or letters(t[:200]) < 2 and letters(t) < 2:
            out.append((None, None, 0))
            continue
        parts = chunk_text(t, ident.min_chunk_chars, ident.max_chars)
        if ident.skip_code:
            prose = [c for c in parts if not is_code_line(c)]
            parts = prose if sum(map(letters, prose)) >= 10 else parts
        labels, probs = ident.model.predict(parts, k=1)
        langs: dict[str, list[float]] = {}
        for chunk, lab, pr in zip(parts, labels, probs, strict=True):
            lang = lab[0].removeprefix("__label__")
            lang = ident.merge.get(lang, lang)
            if lang == "ja" and not _KANA.search(chunk) and _HAN.search(chunk):
                lang = "zh"
            elif lang == "zh" and len(_KANA.findall(chunk)) > 0.2 * max(
                1, len(_HAN.findall(chunk))
            ):
                lang = "ja"
            w = float(letters(chunk) or 1)
            acc = langs.setdefault(lang, [0.0, 0.0])
            acc[0] += w
            acc[1] += w * min(1.0, float(pr[0]))
        total = sum(v[0] for v in langs.values())
        lang, (_, weighted) = max(langs.items(), key=lambda kv: kv[1][0])
        out.append((lang, round(weighted / total, 4), int(total)))
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.lists(lines, max_size=6).map("\n".join)), max_size=8),
    st.sampled_from([(0, True), (0, False), (20, True)]),
)
def test_identify_equals_reference_loop_issue19(
    texts: list[str | None], opts: tuple[int, bool]
) -> None:
    from curate.steps.langid import LanguageIdentifier

    ident = LanguageIdentifier(min_chunk_chars=opts[0], skip_code=opts[1], max_chars=200)
    want = _identify_reference(ident, texts)
    for batch_min in (0, 100):  # the Polars pass and the per-text loop
        ident.batch_min = batch_min
        assert ident.identify_with_letters(texts) == want


def test_py_whitespace_is_what_str_strip_strips_issue19() -> None:
    from curate.steps.langid import PY_WHITESPACE

    chars = (chr(c) for c in range(sys.maxunicode + 1))
    assert "".join(c for c in chars if c.isspace()) == PY_WHITESPACE


# --- normalisation: the Polars path for plain (ASCII, no "&") texts ------------------------------

ASCII_BITS = ["a", "b c", " ", "  ", "\t", "\n", "\n\n\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c"]
ASCII_BITS += ["\x1f", "\x00", "\x07", "\x1b[31m", "\x7f", "&amp;", "&", "x  \n", "\n  \n"]
norm_texts = st.one_of(
    st.lists(
        st.sampled_from(ASCII_BITS + ["é", "Ã©", "ﬁ", "\u200b", "\u00a0", "\x85"]), max_size=12
    ).map("".join),
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(norm_texts, min_size=1, max_size=10), st.tuples(*[st.booleans()] * 4))
def test_normalise_expr_equals_normalise_text_on_plain_texts_issue19(
    texts: list[str], opts: tuple[bool, bool, bool, bool]
) -> None:
    from curate.core.textnorm import normalise_expr, normalise_text, plain_text

    fix, nfkc, control, collapse = opts
    frame = pl.DataFrame({"t": texts}).with_columns(
        plain=plain_text(pl.col("t"), fix_mojibake=fix),
        fast=normalise_expr(pl.col("t"), strip_control=control, collapse_whitespace=collapse),
    )
    for t, plain, fast in frame.iter_rows():
        if plain:
            assert fast == normalise_text(
                t, fix_mojibake=fix, nfkc=nfkc, strip_control=control, collapse_whitespace=collapse
            ), repr(t)


def test_normalise_step_equals_per_record_normalise_text_issue19() -> None:
    from curate.core.textnorm import normalise_text

    docs = ["plain  \r\n\n\n\nline\x07 ", "cafÃ© au lait", "a &amp; b", "", "\x1b[31mred"]
    instr = [
        ("Say hi.  ", "", "Hi there.\r\n\n\n"),
        ("Translate “good”.", "", "«bon»"),
        ("Tom &amp; Jerry?", "", "A cartoon."),
    ]
    frame = frame_of(docs, instr)
    extra = frame.tail(1).with_columns(
        pl.col(frame.columns[0]) + 100,
        id=pl.lit("e1"),
        messages=pl.Series(
            [[{"role": "user", "content": None}, {"role": "assistant", "content": "  "}]],
            dtype=frame.schema["messages"],
        ),
    )
    empty = extra.with_columns(
        pl.col(frame.columns[0]) + 1,
        id=pl.lit("e2"),
        messages=pl.Series([[]], dtype=frame.schema["messages"]),
    )
    frame = pl.concat([frame, extra, empty])
    for kinds in (None, ("instruction",), ("document",)):
        out = run_step("normalise_v1", frame, kinds=kinds)
        for row, got in zip(frame.iter_rows(named=True), out.iter_rows(named=True), strict=True):
            if kinds is not None and row["kind"] not in kinds:
                assert got == row
            elif row["messages"] is None:
                assert got["text"] == normalise_text(row["text"])
            else:
                msgs = [
                    {"role": m["role"], "content": normalise_text(m["content"] or "")}
                    for m in row["messages"]
                ]
                assert got["messages"] == msgs
                assert got["text"] == join_messages(msgs)


PROMPT_BITS = [
    '"Je suis content."',
    "“quoted”",
    "«bon»",
    "「引用」",
    "Translate",
    "to English",
    "é",
]
PROMPT_BITS += ["ab", "\n", " ", '"', "“", "中文", "x" * 12]
contents = st.one_of(
    st.none(), st.lists(st.sampled_from(PROMPT_BITS), max_size=6).map("".join), st.text(max_size=15)
)
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system"]), "content": contents}
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(max_size=10)),
            st.one_of(st.none(), st.lists(message, max_size=4)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_prompts_and_responses_equal_the_row_loop_issue19(rows: list[tuple]) -> None:
    from curate.core.schemas import MESSAGE
    from curate.steps.langid import _prompt_and_response, prompts_and_responses

    s = pl.DataFrame(
        {
            "text": pl.Series([t for t, _ in rows], dtype=pl.String),
            "messages": pl.Series([m for _, m in rows], dtype=pl.List(MESSAGE)),
        }
    ).to_struct("s")
    assert prompts_and_responses(s) == _prompt_and_response(s)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),
            st.sampled_from(["en", "de", "zh"]),
            st.integers(0, 12),
            st.floats(0.0, 1.2, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_majority_equals_the_dict_loop_issue19(lines: list[tuple[int, str, int, float]]) -> None:
    """Ties (equal letters) go to the language seen first; scores equal to the bit."""
    import numpy as np

    from curate.steps.langid import _majority

    lines.sort(key=lambda t: t[0])  # lines come grouped by text, in text order
    per: dict[int, dict[str, list[float]]] = {}
    for i, lang, n, pr in lines:
        w = float(n or 1)
        acc = per.setdefault(i, {}).setdefault(lang, [0.0, 0.0])
        acc[0] += w
        acc[1] += w * min(1.0, pr)
    want = {}
    for i, langs in per.items():
        total = sum(v[0] for v in langs.values())
        lang, (_, weighted) = max(langs.items(), key=lambda kv: kv[1][0])
        want[i] = (lang, round(weighted / total, 4), int(total))
    owners, langs, letters, prob = zip(*lines, strict=True)
    assert _majority(list(owners), list(langs), list(letters), np.array(prob)) == want


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.one_of(st.none(), st.text(max_size=5))), max_size=12))
def test_on_live_rows_equals_the_whole_batch_issue19(rows: list[tuple[bool, str | None]]) -> None:
    from curate.steps.rowops import on_live_rows

    dtype = pl.Struct({"n": pl.Int64, "t": pl.String})

    def batch(s: pl.Series) -> pl.Series:
        out = [
            None if not r["_live"] else {"n": len(r["t"] or ""), "t": r["t"]} for r in s.to_list()
        ]
        return pl.Series(out, dtype=dtype)

    s = pl.DataFrame(
        {"_live": [a for a, _ in rows], "t": pl.Series([b for _, b in rows], dtype=pl.String)},
        schema={"_live": pl.Boolean, "t": pl.String},
    ).to_struct("s")
    assert on_live_rows(batch, dtype)(s).to_list() == batch(s).to_list()


FTFY_BITS = ["plain words", "\n", "\t", " ", "&amp;", "&", "<b>", "</b>", "\x1b[31m", "\r", "\r\n"]
FTFY_BITS += [
    "cafÃ©",
    "Ã",
    "©",
    "“quoted”",
    "‘x’",
    "\u2028",
    "\x85",
    "\x80",
    "\x9d",
    "ﬁ",
    "Ｆｕｌｌ",
]
FTFY_BITS += [
    "\x00",
    "\x07",
    "\x7f",
    "\ufeff",
    "\u200b",
    "é",
    "中文",
    "&#x2019;",
    "&hellip;",
    "\ud800"[:0],
]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.lists(st.sampled_from(FTFY_BITS), max_size=14).map("".join),
        st.text(max_size=40),
    )
)
def test_fix_text_equals_ftfy_issue19(text: str) -> None:
    import ftfy

    from curate.core.textnorm import fix_text

    assert fix_text(text) == ftfy.fix_text(text, normalization=None)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.lists(st.sampled_from(FTFY_BITS), max_size=14).map("".join),
        st.text(max_size=40),
        st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=12),
    )
)
def test_ftfy_keeps_only_what_ftfy_keeps_issue19(text: str) -> None:
    """The shortcut of textnorm.fix_text: ``ftfy_keeps`` is never true of a line ftfy changes."""
    import ftfy

    from curate.core.textnorm import ftfy_keeps

    config = ftfy.TextFixerConfig(explain=False, normalization=None)
    for line in text.splitlines(keepends=True) or [text]:
        if ftfy_keeps(line):
            assert ftfy.fix_and_explain(line, config).text == line, repr(line)


def test_ftfy_keeps_every_character_issue19() -> None:
    """Each code point below U+2100 and every 97th above, between letters and alone: where
    ``ftfy_keeps`` says ftfy leaves it, ftfy leaves it."""
    import ftfy

    from curate.core.textnorm import ftfy_keeps

    config = ftfy.TextFixerConfig(explain=False, normalization=None)
    codes = [*range(0x2100), *range(0x2100, 0x110000, 97)]
    kept = 0
    for c in codes:
        for line in (chr(c), f"a{chr(c)}b c", f"\u00e9{chr(c)}"):
            if ftfy_keeps(line):
                kept += 1
                assert ftfy.fix_and_explain(line, config).text == line, hex(c)
    assert kept > len(codes)  # the shortcut does apply to ordinary characters


def test_ftfy_keeps_is_off_for_another_ftfy_issue19(monkeypatch) -> None:  # noqa: ANN001
    """An ftfy with other fixers turns the shortcut off instead of trusting an old list."""
    import ftfy

    import curate.core.textnorm as textnorm

    assert textnorm._FTFY_TOUCHED is not None  # on for the installed ftfy
    monkeypatch.setitem(ftfy.FIXERS, "new_fixer", lambda t: t)
    assert textnorm._ftfy_touched() is None


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(max_codepoint=127), max_size=20), max_size=10),
    st.integers(0, 3),
)
def test_ascii_letter_counts_equal_isalpha_issue19(texts: list[str], skip: int) -> None:
    from curate.steps.langid import ascii_letter_counts

    s = pl.Series(["pad"] * skip + texts, dtype=pl.String).slice(skip)  # an offset into the buffer
    assert ascii_letter_counts(s).tolist() == [sum(map(str.isalpha, t)) for t in texts]

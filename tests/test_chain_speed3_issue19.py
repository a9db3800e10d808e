"""The third round of default-chain fast paths (issue 19) equal their references: the early stop of
``normalise_text`` on a plain result, the Arrow-built message lists of ``normalise_v1``, the
all-null batches of the document steps on instruction records, and the instruction checks'
fallback fields read only where needed.
"""

from __future__ import annotations

import json

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

from curate.core.schemas import MESSAGE
from curate.core.textnorm import _normalise_once, normalise_text
from curate.steps import rowops
from curate.steps.basic import message_lists
from curate.steps.instruction import GIVEN_INPUT, GIVEN_INSTRUCTION, _parts
from tests.filter_helpers import BASE_EN, frame_of, run_step

BITS = ["a", "B c", " ", "  ", "\t", "\n", "\n\n\n", "\r\n", "\r", "&amp;", "&", "<b>", "\x07"]
BITS += ["\x0b", "\x1c", "\u200b", "\ufeff", "café", "cafÃ©", "“quoted”", "it’s", "ﬁn", "Ａ"]
BITS += ["\u00a0", "\x85", "\u2028", "中文", "â€™", "Ã¼", "¸Ü¤", "\x1b[31m", "&lt;", "é"]
texts = st.lists(st.sampled_from(BITS), max_size=24).map("".join) | st.text(max_size=40)


def _normalise_reference(text: str, *opts: bool) -> str:
    """``normalise_text`` before the early stop: passes until nothing changes (at most 4)."""
    for _ in range(4):
        before, text = text, _normalise_once(text, *opts)
        if text == before:
            break
    return text


@settings(max_examples=400, deadline=None)
@given(texts, st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()))
@example("¸Ü¤", (True, True, True, True))  # two passes: " ̧Ü¤", then " ̧ܤ"
@example("it’s  \r\n", (True, True, True, True))  # one pass to a plain result
def test_normalise_text_early_stop_equals_full_loop_issue19(
    text: str, opts: tuple[bool, bool, bool, bool]
) -> None:
    fix, nfkc, control, collapse = opts
    got = normalise_text(
        text, fix_mojibake=fix, nfkc=nfkc, strip_control=control, collapse_whitespace=collapse
    )
    assert got == _normalise_reference(text, *opts)


messages = st.one_of(
    st.none(),
    st.lists(
        st.fixed_dictionaries(
            {"role": st.sampled_from(["user", "assistant", None]), "content": st.text(max_size=8)}
        ),
        max_size=4,
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(messages, max_size=6))
def test_message_lists_equal_series_of_dicts_issue19(rows: list) -> None:  # noqa: ANN001
    roles, contents, ends = [], [], []
    for msgs in rows:
        for m in msgs or []:
            roles.append(m["role"])
            contents.append(m["content"])
        ends.append(len(contents))
    got = message_lists(roles, contents, ends, [m is not None for m in rows])
    assert_series_equal(got, pl.Series(rows, dtype=pl.List(MESSAGE)), check_names=False)


def test_nulls_equal_series_of_nones_issue19() -> None:
    from curate.steps.lines import REMOVED

    for dtype in (pl.Int64, pl.Struct({"a": pl.Float64, "r": REMOVED})):
        for n in (0, 1, 7):
            assert_series_equal(
                rowops.nulls(n, dtype), pl.Series([None] * n, dtype=dtype), check_names=False
            )


DOC_STEPS = [
    "web_lines_v1",
    "gopher_quality_v1",
    "gopher_repetition_v1",
    "fineweb_quality_v1",
    "c4_quality_v1",
]


def test_document_steps_skip_batches_with_no_live_row_issue19(monkeypatch) -> None:  # noqa: ANN001
    instructions = [("Name a colour.", "", "Blue is a colour."), ("Add 2 and 3.", "", "5")]
    frames = [frame_of(instructions=instructions), frame_of([BASE_EN], instructions)]
    fast = [[run_step(k, f, kinds=("document",)) for k in DOC_STEPS] for f in frames]
    # the reference: every batch through the step's Python function, as before the shortcut
    import curate.steps.lines as lines

    monkeypatch.setattr(rowops, "all_null_batch", lambda s, dtype: None)
    monkeypatch.setattr(lines, "all_null_batch", rowops.all_null_batch)
    slow = [[run_step(k, f, kinds=("document",)) for k in DOC_STEPS] for f in frames]
    for got_frames, ref_frames in zip(fast, slow, strict=True):
        for got, ref in zip(got_frames, ref_frames, strict=True):
            assert_frame_equal(got, ref)


def _parts_reference() -> tuple[pl.Expr, pl.Expr]:
    """Instruction and input as read before issue 19's third round (every fallback on every row)."""
    last_user = (
        pl.col("messages")
        .list.eval(
            pl.element().filter(pl.element().struct.field("role") == "user").struct.field("content")
        )
        .list.last()
    )
    instruction = pl.coalesce(
        pl.col("meta").str.json_path_match("$.fields.instruction"), last_user, pl.lit("")
    )
    inp = pl.coalesce(
        pl.col("meta").str.json_path_match("$.fields.input"),
        pl.col("meta").str.json_path_match("$.fields.context"),
        pl.lit(""),
    )
    return instruction, inp


field = st.one_of(st.none(), st.text(max_size=6), st.integers(0, 9), st.just(["x"]))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from(["instruction", "input", "context"]), field),
            messages,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_instruction_parts_read_fallbacks_only_where_needed_issue19(rows: list) -> None:  # noqa: ANN001
    frame = pl.DataFrame(
        {
            "meta": [json.dumps({"fields": f}) for f, _ in rows],
            "messages": pl.Series([m for _, m in rows], dtype=pl.List(MESSAGE)),
        }
    )
    ins, inp = _parts_reference()
    ref = frame.select(i=ins, x=inp)
    got = frame.with_columns(_ic_gi=GIVEN_INSTRUCTION, _ic_gx=GIVEN_INPUT).select(
        *(
            e.alias(n)
            for e, n in zip(_parts(pl.col("_ic_gi"), pl.col("_ic_gx"))[:2], "ix", strict=True)
        )
    )
    assert_frame_equal(got, ref)
    # the default arguments (expressions, not columns) give the same
    assert_frame_equal(
        frame.select(*(e.alias(n) for e, n in zip(_parts()[:2], "ix", strict=True))), ref
    )


QUOTE_BITS = ["\u02bc", "\u2018", "\u2019", "\u201a", "\u201b", "\u201c", "\u201d", "\u201e"]
QUOTE_BITS += [
    "\u201f",
    "a",
    "It",
    " ",
    "\t",
    "\n",
    "&",
    "&amp;",
    "&lt;",
    "<",
    "é",
    "Ã",
    "©",
    "â€",
    "\x1b",
    "\r",
]


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.lists(st.sampled_from(QUOTE_BITS), max_size=16).map("".join),
        st.text(alphabet=st.characters(max_codepoint=0x2030), max_size=12),
    )
)
@example("It\u2019s \u201cfine\u201d.\n")
@example("\u201c&amp;\u201d")
def test_ftfy_uncurls_only_where_ftfy_only_uncurls_issue19(text: str) -> None:
    """The second shortcut of textnorm.fix_text: where ``ftfy_uncurls`` holds, ftfy's result is
    the line with its quotes straightened; and fix_text still equals ftfy on the whole text."""
    import ftfy
    from ftfy.fixes import uncurl_quotes

    from curate.core.textnorm import fix_text, ftfy_uncurls

    config = ftfy.TextFixerConfig(explain=False, normalization=None)
    for line in text.splitlines(keepends=True):
        if ftfy_uncurls(line):
            assert ftfy.fix_and_explain(line, config).text == uncurl_quotes(line), repr(line)
    assert fix_text(text) == ftfy.fix_text(text, normalization=None)

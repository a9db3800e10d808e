"""The compiled fastText prediction (``curate.steps._fasttext_kernel``, issue 19) gives fastText's
own top label and float32 probability, bit for bit, on every line: Hypothesis text built from
words of several scripts and every separator fastText knows (and ``</s>``, ``__label__`` tokens,
long words, empty lines), fixed sentences in many languages, and the identifier's results with
and without it. The model reader is checked against fastText's decoded input rows and labels.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.steps import _fasttext_kernel as kernel
from curate.steps.langid import (
    LanguageIdentifier,
    _compiled_model,
    load_model,
    model_path,
    predict_lines_fasttext,
)

WORDS = ["the", "cat", "sat", "on", "a", "mat.", "Le", "chat", "est", "là", "über", "Straße"]
WORDS += ["猫", "坐在", "垫子上。", "日本語", "です", "Привет", "мир", "مرحبا", "नमस्ते", "😀"]
WORDS += ["def", "f(x):", "return", "{", "}", "x=1;", "</s>", "__label__en", "__label__", "<s>"]
WORDS += ["é", "\u0301", "ﬁ", "Ã©", "\ufeff", "x" * 300, "ab" * 40]
SEPS = [" ", "  ", "\t", "\r", "\x0b", "\x0c", "\x00", "\n", "\u3000", "\xa0", "\x1c"]

lines = st.one_of(
    st.lists(st.sampled_from(WORDS + SEPS), max_size=40).map("".join),
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=120),
)

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Le renard brun rapide saute par-dessus le chien paresseux.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "El rápido zorro marrón salta sobre el perro perezoso.",
    "敏捷的棕色狐狸跳过了懒狗。",
    "素早い茶色の狐がのろまな犬を飛び越える。",
    "Быстрая коричневая лиса перепрыгивает через ленивую собаку.",
    "الثعلب البني السريع يقفز فوق الكلب الكسول.",
    "for i in range(10): print(i)",
    "ok",
    "",
    " ",
    "\t\r",
    "__label__en",
    "</s> the rest is not read",
    "first line\nsecond line is not read",
]


@pytest.fixture(scope="module")
def compiled() -> kernel.Model:
    return kernel.read_model(model_path())


def _same(model: kernel.Model, texts: list[str]) -> None:
    got_labels, got_probs = kernel.predict_lines(model, texts)
    ref_labels, ref_probs = predict_lines_fasttext(load_model(model_path()), texts)
    assert got_labels == ref_labels
    # bit for bit: fastText's float32, read as float64 by the reference
    assert got_probs.astype(np.float64).tobytes() == ref_probs.tobytes()


@settings(max_examples=150, deadline=None)
@given(st.lists(lines, min_size=1, max_size=8))
def test_kernel_equals_fasttext_on_generated_lines_issue19(
    compiled: kernel.Model, texts: list[str]
) -> None:
    _same(compiled, texts)


def test_kernel_equals_fasttext_on_sentences_issue19(compiled: kernel.Model) -> None:
    _same(compiled, SENTENCES)
    # a long line (fastText reads it whole) and many lines in one call
    _same(compiled, [" ".join(SENTENCES[:9]) * 40] + SENTENCES * 20)
    labels, probs = kernel.predict_lines(compiled, ["The cat sat on the mat.", SENTENCES[6]])
    assert labels == ["__label__en", "__label__ru"] and (probs > 0.5).all()


def test_reader_decodes_fasttext_rows_and_labels_issue19(compiled: kernel.Model) -> None:
    ft = load_model(model_path())
    assert list(compiled.labels) == ft.get_labels()
    assert compiled.nwords == len(ft.get_words())
    m = compiled.rows.shape[0]
    for i in list(range(0, m, max(1, m // 200))) + [m - 1]:
        assert compiled.rows[i].tobytes() == ft.get_input_vector(i).astype(np.float32).tobytes()
    # the hierarchical softmax tree: every internal node has two children, the root is last
    n = len(compiled.labels)
    assert (compiled.left[:n] == -1).all() and (compiled.left[n:] >= 0).all()
    assert sorted(compiled.left[n:].tolist() + compiled.right[n:].tolist()) == list(
        range(2 * n - 2)
    )


def test_identifier_same_with_and_without_kernel_issue19() -> None:
    texts = (
        SENTENCES
        + [
            "Write a function.\ndef f(x):\n    return x\nThis returns its argument.",
            "Translate 'Je suis content.' to English.\nI am happy.",
            "中文标题\nAn English line in the middle of Chinese text.\n更多的中文内容在这里。",
            None,
        ]
        * 6
    )
    fast = LanguageIdentifier()
    assert fast.fast is not None  # the compiled path is on by default
    slow = LanguageIdentifier()
    slow.fast = None  # fastText's own multilinePredict
    assert fast.identify_with_letters(texts) == slow.identify_with_letters(texts)
    whole = [True, False] * (len(texts) // 2)
    assert fast.identify_whole(texts, whole) == slow.identify_whole(texts, whole)


def test_unreadable_model_keeps_fasttext_issue19(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\0" * 64)
    with pytest.raises(kernel.UnsupportedModel):
        kernel.read_model(str(bad))
    assert _compiled_model(str(bad)) is None
    monkeypatch.setenv("CLEANROOM_NO_NUMBA", "1")
    assert not kernel.available()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.text(max_size=30) | st.sampled_from(["", "A-Z a-z", "@[`{", "Zz" * 50]), max_size=12
    )
)
def test_letter_counts_compiled_equal_numpy_issue19(texts: list[str]) -> None:
    import os

    import polars as pl

    from curate.steps.langid import ascii_letter_counts

    s = pl.Series(texts, dtype=pl.String)
    got = ascii_letter_counts(s)
    os.environ["CLEANROOM_NO_NUMBA"] = "1"
    try:
        ref = ascii_letter_counts(s)
    finally:
        del os.environ["CLEANROOM_NO_NUMBA"]
    assert got.tolist() == ref.tolist()
    assert got.tolist() == [sum(c.isascii() and c.isalpha() for c in t) for t in texts]

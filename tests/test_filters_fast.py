"""Fast paths of the quality filters equal their per-record references (issue 19).

- Gopher repetition: :func:`curate.steps.gopher.repetition_stats_batch` (one compiled n-gram pass
  over a batch) vs :func:`curate.steps.gopher.repetition_stats` (NumPy per record) and the
  plain-Python duplicate n-gram reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.steps import _ngram_kernel
from curate.steps.gopher import (
    GopherRepetitionParams,
    _word_ids,
    dup_ngram_char_frac_reference,
    repetition_stats,
    repetition_stats_batch,
)
from tests.filter_helpers import BASE_EN, reasons

VOCAB = ["a", "b", "the", "river", "Ünïcode", "中", "文", "x.", "--", "\n", "\n\n", "  "]
texts = st.lists(st.sampled_from(VOCAB), max_size=80).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(texts, st.none()), min_size=1, max_size=8))
def test_repetition_batch_equals_per_record_issue19(batch: list[str | None]) -> None:
    p = GopherRepetitionParams()
    assert repetition_stats_batch(batch, p) == [
        None if t is None else repetition_stats(t, p) for t in batch
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "dd"]), max_size=60), st.integers(2, 10))
def test_kernel_python_loop_and_reference_agree_issue19(words: list[str], n: int) -> None:
    ids = _word_ids(words)
    lens = np.array([len(w) for w in words], dtype=np.int64)
    total = int(lens.sum())
    out = np.zeros((1, 2))
    _ngram_kernel._fracs_quiet(
        ids, lens, np.array([0, len(words)]), np.array([total]), np.array([n]), np.array([n]), out
    )
    compiled = _ngram_kernel.ngram_fracs([(ids, lens)], [n], [n])
    assert out.tolist() == compiled.tolist()
    assert out[0, 1] == pytest.approx(dup_ngram_char_frac_reference(words, n, total))


def test_repetition_step_still_drops_repeated_ngrams_issue19() -> None:
    looped = " ".join(["buy cheap watches online today"] * 20)
    assert reasons("gopher_repetition_v1", [BASE_EN, looped]) == [
        None,
        "gopher_repetition__dup_line_frac" if "\n" in looped else "gopher_repetition__top_2gram",
    ]


def test_fineweb_v2_line_ends_as_fineweb_issue19() -> None:
    # a closing quote ends a line for v1 (C4's rule) but not for FineWeb (v2)
    quoted = "\n".join(['"Recycle today!"'] + [f'"Line number {i} of the list"' for i in range(9)])
    prose = "\n".join(f"This is sentence number {i} of a long enough text." for i in range(10))
    assert reasons("fineweb_quality_v1", [quoted, prose])[1] is None
    assert reasons("fineweb_quality_v2", [quoted, prose]) == [
        "fineweb_quality__line_punct_ratio",
        None,
    ]

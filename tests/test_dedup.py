"""MinHash near-duplicate detection: the three pure stages, the step and the CLI (issue 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from datasketch import MinHash
from datasketch.lsh import _optimal_param
from datasketch.minhash import _fmix
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curate.core.errors import ConfigError
from curate.core.schemas import ROW
from curate.lib.dedup import MinHashParams, near_duplicates
from curate.lib.dedup.clusters import components, exact_jaccard, representatives, verify_pairs
from curate.lib.dedup.lsh import (
    band_and_signature_keys,
    band_hashes,
    bucket_pairs,
    candidate_pairs,
    fold_columns,
    optimal_params,
)
from curate.lib.dedup.minhash import EMPTY, estimate_jaccard, fmix32, jaccard_std, signatures
from curate.lib.dedup.near_dup import _first_equal, compute_signatures, effective_shard_size
from curate.lib.dedup.shingles import (
    _SPACES,
    PUNCT,
    WORD_PATTERN,
    ngram_hashes,
    sha1_shingle_hashes,
    shingle_hashes,
    shingle_strings,
    tokens,
)
from curate.plugins import get_step
from curate.run.pipeline import run_steps
from curate.run.recipe import PlannedStep

ROOT = Path(__file__).resolve().parent.parent
VOCAB = [f"w{i}" for i in range(5000)]


def random_text(rng: np.random.Generator, n_words: int) -> str:
    return " ".join(rng.choice(VOCAB, size=n_words))


def substitute(rng: np.random.Generator, text: str, rate: float) -> str:
    """Replace about ``rate`` of the words with fresh ones (new words never seen elsewhere)."""
    words = text.split()
    k = max(1, round(rate * len(words)))
    for j, i in enumerate(rng.choice(len(words), size=k, replace=False)):
        words[i] = f"new{rng.integers(1 << 40)}x{j}"
    return " ".join(words)


def word_jaccard(a: str, b: str, n: int = 5) -> float:
    sa, sb = set(shingle_strings(a, n=n)), set(shingle_strings(b, n=n))
    return len(sa & sb) / len(sa | sb)


# --- shingles ---------------------------------------------------------------------------------


def test_shingle_strings_examples() -> None:
    assert tokens("Hello,  World! -- 你好") == ["hello", "world", "你", "好"]
    assert shingle_strings("A b, c d.", n=3) == ["a b c", "b c d"]
    assert shingle_strings("A b", n=3) == ["a b"]
    assert shingle_strings("", n=3) == []
    assert shingle_strings("a b a b a b", n=2) == ["a b", "b a"]
    assert shingle_strings("Ab c", kind="char", n=3) == ["ab ", "b c"]


def test_word_pattern_is_the_projects() -> None:
    from curate.steps.basic import WORD_PATTERN as BASIC

    assert WORD_PATTERN == BASIC


def test_ngram_hashes_windows_and_offsets() -> None:
    toks = np.array([1, 2, 3, 7, 8], dtype=np.uint64)
    hashes, offsets = ngram_hashes(toks, np.array([3, 0, 2]), 2)
    assert offsets.tolist() == [0, 2, 2, 3]
    again, _ = ngram_hashes(np.array([9, 1, 2, 3], dtype=np.uint64), np.array([1, 3]), 2)
    assert hashes[0] == again[1] and hashes[1] == again[2]  # same window, same hash
    assert hashes[0] != ngram_hashes(np.array([2, 1], dtype=np.uint64), np.array([2]), 2)[0][0]


TEXT = st.text(
    alphabet=st.sampled_from(
        list("abcAB .,!-'\n\t\x1c")
        + [
            "你",
            "好",
            "ß",
            "é",
            "я",
            "\u00a0",
            "\u2009",
            "\u3000",
            "\u2019",
            "\u2014",
            "\u00ab",
            "😀",
        ]
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(a=TEXT, b=TEXT, kind=st.sampled_from(["word", "char"]), n=st.integers(1, 5))
def test_fast_shingles_equal_reference_sets(a: str, b: str, kind: str, n: int) -> None:
    """The fast path hashes exactly the reference shingle sets: equal Jaccard on any pair."""
    hashes, offsets = shingle_hashes(pl.Series([a, b]), kind, n)
    ha, hb = (
        set(hashes[offsets[0] : offsets[1]].tolist()),
        set(hashes[offsets[1] : offsets[2]].tolist()),
    )
    sa, sb = set(shingle_strings(a, kind, n)), set(shingle_strings(b, kind, n))
    assert (len(ha), len(hb), len(ha & hb)) == (len(sa), len(sb), len(sa & sb))


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=8))
def test_word_hashes_of_a_batch_equal_each_text_alone(texts: list[str | None]) -> None:
    """Batching (ASCII fast path, CJK texts split by the regex and merged back) never mixes texts."""
    hashes, offsets = shingle_hashes(pl.Series(texts, dtype=pl.String), "word", 3)
    for i, text in enumerate(texts):
        alone, _ = shingle_hashes(pl.Series([text], dtype=pl.String), "word", 3)
        assert hashes[offsets[i] : offsets[i + 1]].tolist() == alone.tolist()


# --- numba kernels (optional): bit-identical to the NumPy/Polars path ------------------------

NB_TEXT = st.text(
    alphabet=st.sampled_from(
        list("aAbZz09 .,!?-'\"()[]{}~@_\t\n\r\x0b\x0c\x1c\x1f\x7f")
        + [
            "\u00e9",
            "\u00df",
            "\u03c2",
            "\u4f60",
            "\u3042",
            "\u00a0",
            "\u2014",
            "\u3000",
            "\U0001f600",
        ]
    ),
    max_size=80,
)


def _without_numba(fn, *args):
    from curate.lib.dedup import _kernels

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_kernels, "HAVE_NUMBA", False)
        return fn(*args)


@settings(max_examples=120, deadline=None)
@given(
    texts=st.lists(st.one_of(st.none(), NB_TEXT), min_size=1, max_size=10),
    kind=st.sampled_from(["word", "char"]),
    n=st.integers(1, 6),
    num_perm=st.sampled_from([1, 7, 128]),
)
def test_numba_kernels_equal_numpy_polars_path(
    texts: list[str | None], kind: str, n: int, num_perm: int
) -> None:
    """With numba, shingle hashes, offsets and signatures are the NumPy/Polars path's, bit for bit."""
    from curate.lib.dedup import _kernels

    if not _kernels.HAVE_NUMBA:
        pytest.skip("numba not installed: only the NumPy/Polars path exists")
    series = pl.Series(texts, dtype=pl.String)
    fast_h, fast_o = shingle_hashes(series, kind, n)
    ref_h, ref_o = _without_numba(shingle_hashes, series, kind, n)
    assert fast_o.tolist() == ref_o.tolist()
    assert fast_h.tolist() == ref_h.tolist()
    fast_sig = signatures(fast_h, fast_o, num_perm, 3, threads=1)
    ref_sig = _without_numba(signatures, ref_h, ref_o, num_perm, 3, 4_096, 1)
    assert (fast_sig == ref_sig).all()


# Non-ASCII but no CJK: the compiled code-point split (every space and punctuation character the
# Polars path knows, upper-case letters whose lower case changes length, a 4-byte emoji).
UTF8_TEXT = st.text(
    alphabet=st.sampled_from(
        list("aZ .,-'\t\x1c")
        + list(PUNCT[-24:])
        + _SPACES
        + ["\u00e9", "\u00c9", "\u00df", "\u03a3", "\u03c2", "\u042f", "\u0130", "\u1e9e"]
        + ["\u212a", "\U0001f600", "\u00ad", "\ufeff"]
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), UTF8_TEXT, NB_TEXT), min_size=1, max_size=8))
def test_numba_utf8_split_equals_polars_path(texts: list[str | None]) -> None:
    """Non-ASCII texts without CJK, split by the compiled code-point loop: the Polars path's
    word hashes, bit for bit, also when mixed with ASCII and CJK texts (issue 19)."""
    from curate.lib.dedup import _kernels

    if not _kernels.HAVE_NUMBA:
        pytest.skip("numba not installed")
    series = pl.Series(texts, dtype=pl.String)
    fast_h, fast_o = shingle_hashes(series, "word", 2)
    ref_h, ref_o = _without_numba(shingle_hashes, series, "word", 2)
    assert fast_o.tolist() == ref_o.tolist()
    assert fast_h.tolist() == ref_h.tolist()


def test_numba_mixed_ascii_and_non_ascii_batch() -> None:
    """ASCII texts (compiled split) and non-ASCII texts (Polars) are merged back in text order."""
    from curate.lib.dedup import _kernels

    if not _kernels.HAVE_NUMBA:
        pytest.skip("numba not installed")
    texts = pl.Series(
        ["Hello,  World!! -- x", "Stra\u00dfe ok \u4f60\u597d", None, "...", "a\x1cb\x0bc d", ""]
    )
    fast_h, fast_o = shingle_hashes(texts, "word", 2)
    ref_h, ref_o = _without_numba(shingle_hashes, texts, "word", 2)
    assert fast_o.tolist() == ref_o.tolist() == [0, 2, 5, 5, 5, 8, 8]
    assert fast_h.tolist() == ref_h.tolist()


# --- signatures -------------------------------------------------------------------------------

COMPAT_TEXTS = [
    "The quick brown fox jumps over the lazy dog, again and again and again.",
    "the QUICK brown fox jumps over the lazy dog again and again",
    "短文本 也要 一样 的 签名，你好世界。",
    "one two",
    "",
    None,
]


@pytest.mark.parametrize(
    ("num_perm", "seed", "kind", "n"),
    [(128, 1, "word", 5), (64, 7, "char", 4), (256, 42, "word", 3)],
)
def test_signatures_equal_datasketch_issue3(num_perm: int, seed: int, kind: str, n: int) -> None:
    """Compatibility mode: our signatures are datasketch's ``MinHash(...).hashvalues``, bit for bit."""
    hashes, offsets = sha1_shingle_hashes(COMPAT_TEXTS, kind, n)
    ours = signatures(hashes, offsets, num_perm, seed)
    for i, text in enumerate(COMPAT_TEXTS):
        m = MinHash(num_perm=num_perm, seed=seed)
        m.update_batch([s.encode("utf-8") for s in shingle_strings(text or "", kind, n)])
        assert ours[i].tolist() == m.hashvalues.tolist(), text
    assert (ours[-1] == EMPTY).all()
    params = MinHashParams(hash="datasketch", num_perm=num_perm, seed=seed, shingle=kind, ngram=n)
    from curate.lib.dedup.near_dup import compute_signatures

    sigs, _, _ = compute_signatures(pl.Series(COMPAT_TEXTS, dtype=pl.String), params)
    assert (sigs == ours).all()


def test_fmix32_is_datasketchs() -> None:
    x = np.random.default_rng(0).integers(0, 1 << 32, 1000, dtype=np.uint32)
    assert (fmix32(x) == _fmix(x, 32)).all()
    assert fmix32(np.array([0], np.uint32)).tolist() == [0]


def test_signatures_do_not_depend_on_chunk_or_threads() -> None:
    rng = np.random.default_rng(1)
    hashes = rng.integers(0, 1 << 32, 5000, dtype=np.uint32)
    offsets = np.array([0, 0, 10, 10, 3000, 4999, 5000])
    ref = signatures(hashes, offsets, chunk=1 << 20, threads=1)
    assert (signatures(hashes, offsets, chunk=7, threads=2) == ref).all()
    assert (ref[0] == EMPTY).all() and (ref[2] == EMPTY).all()
    single = signatures(hashes[5:10], np.array([0, 5]), threads=1)
    assert (single[0] == signatures(hashes, np.array([0, 5, 10]))[1]).all()


def _set_pair(rng: np.random.Generator, size: int, jaccard: float) -> tuple[np.ndarray, np.ndarray]:
    """Two sets of random 32-bit values with ``|A| = |B| = size`` and Jaccard exactly ``jaccard``."""
    shared = round(2 * size * jaccard / (1 + jaccard))
    vals = rng.choice(1 << 32, size=2 * size - shared, replace=False).astype(np.uint32)
    return vals[:size], np.concatenate([vals[:shared], vals[size:]])


@pytest.mark.parametrize("num_perm", [64, 128])
def test_jaccard_estimate_error_within_theoretical_bound(num_perm: int) -> None:
    """Estimates are unbiased with standard error sqrt(J(1-J)/k) (Broder 1997), for both modes."""
    rng = np.random.default_rng(3)
    for target in (0.2, 0.5, 0.8, 0.9):
        pairs = [_set_pair(rng, 300, target) for _ in range(300)]
        true = np.array([len(np.intersect1d(a, b)) / len(np.union1d(a, b)) for a, b in pairs])
        flat = np.concatenate([x for p in pairs for x in p])
        offsets = np.concatenate([[0], np.cumsum([len(x) for p in pairs for x in p])])
        sig = signatures(flat, offsets, num_perm)
        est = estimate_jaccard(sig[0::2], sig[1::2])
        err = est - true
        sd = jaccard_std(target, num_perm)
        assert abs(err.mean()) < 3 * sd / np.sqrt(len(pairs)), (target, err.mean())  # unbiased
        assert 0.7 * sd < err.std() < 1.3 * sd, (target, err.std(), sd)  # spread as theory says
        assert (np.abs(err) <= 4 * sd).mean() >= 0.99


def test_fast_and_datasketch_modes_agree_on_estimates() -> None:
    rng = np.random.default_rng(5)
    bases = [random_text(rng, 150) for _ in range(40)]
    copies = [
        substitute(rng, b, rate)
        for b, rate in zip(bases, np.linspace(0.005, 0.08, 40), strict=True)
    ]
    texts = pl.Series(bases + copies)
    fast = signatures(*shingle_hashes(texts))
    slow = signatures(*sha1_shingle_hashes(texts))
    true = np.array([word_jaccard(a, b) for a, b in zip(bases, copies, strict=True)])
    est_fast, est_slow = (
        estimate_jaccard(fast[:40], fast[40:]),
        estimate_jaccard(slow[:40], slow[40:]),
    )
    bound = 4 * np.sqrt(true * (1 - true) / 128) + 1e-9
    assert (np.abs(est_fast - true) <= bound).all() and (np.abs(est_slow - true) <= bound).all()
    assert abs((est_fast - true).mean()) < 0.02 and abs((est_slow - true).mean()) < 0.02


# --- LSH --------------------------------------------------------------------------------------


@pytest.mark.parametrize("weights", [(0.5, 0.5), (0.1, 0.9)])
@pytest.mark.parametrize("num_perm", [64, 128])
def test_optimal_params_match_datasketch(weights: tuple[float, float], num_perm: int) -> None:
    for t in (0.5, 0.7, 0.8, 0.9):
        assert optimal_params(t, num_perm, *weights) == _optimal_param(t, num_perm, *weights)


@settings(max_examples=40, deadline=None)
@given(
    threshold=st.floats(0.02, 0.98),
    num_perm=st.sampled_from([8, 32, 64, 128, 200]),
    fp_weight=st.sampled_from([0.1, 0.3, 0.5, 0.9]),
)
def test_optimal_params_match_datasketch_anywhere_issue19(
    threshold: float, num_perm: int, fp_weight: float
) -> None:
    """The numpy-only Gauss-Legendre areas choose datasketch's (scipy ``quad``) bands x rows."""
    weights = (fp_weight, 1.0 - fp_weight)
    assert optimal_params.__wrapped__(threshold, num_perm, *weights) == _optimal_param(
        threshold, num_perm, *weights
    )


def test_optimal_params_import_neither_scipy_nor_datasketch() -> None:
    """Choosing bands x rows imports neither scipy.integrate nor datasketch (0.4 s, 44 MiB).

    (numba itself imports scipy's top-level package, so that is not checked.)
    """
    code = (
        "import sys; from curate.lib.dedup.lsh import optimal_params; optimal_params(0.6, 128);"
        "print(sorted(m for m in sys.modules if m.startswith(('scipy.integrate', 'datasketch'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    ).stdout
    assert out.strip() == "[]"


def test_optimal_params_known_values_issue17() -> None:
    """Pinned values, so a datasketch release that changed its private ``_optimal_param`` shows."""
    assert [optimal_params(t, 128) for t in (0.5, 0.7, 0.8, 0.9)] == [
        (25, 5),
        (14, 9),
        (9, 13),
        (5, 25),
    ]


def test_candidate_pairs_from_shared_bands() -> None:
    sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [5, 6, 3, 4], [7, 7, 7, 7]], dtype=np.uint32)
    keys = band_hashes(sigs, 2, 2)
    left, right = candidate_pairs(keys)
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == [(0, 1), (0, 2)]
    # the same value in two different bands is not a shared bucket
    assert (
        band_hashes(np.array([[1, 1]], np.uint32), 2, 1)[0, 0]
        != band_hashes(np.array([[1, 1]], np.uint32), 2, 1)[0, 1]
    )
    left, right = candidate_pairs(keys, docs=np.array([10, 11, 12, 13]))
    assert left.tolist() == [10, 10] and right.tolist() == [11, 12]


def test_big_bucket_pairs_are_bounded_but_connected() -> None:
    keys = np.zeros((200, 1), dtype=np.uint64)
    left, right = candidate_pairs(keys, max_anchors=4)
    assert len(left) == 4 * 199 - 6  # each member paired with up to 4 earlier members
    assert (components(200, left, right) == 0).all()


# --- clusters ---------------------------------------------------------------------------------


def test_verify_pairs_uses_threshold() -> None:
    sigs = np.array([[1, 2, 3, 4], [1, 2, 3, 9], [0, 0, 0, 0]], dtype=np.uint32)
    left, right, jac = verify_pairs(sigs, np.array([0, 0]), np.array([1, 2]), 0.7)
    assert left.tolist() == [0] and right.tolist() == [1] and jac.tolist() == [0.75]
    assert verify_pairs(sigs, np.array([0]), np.array([1]), 0.8)[0].size == 0


def test_exact_jaccard() -> None:
    assert exact_jaccard(np.array([1, 2, 3]), np.array([2, 3, 4])) == 0.5
    assert exact_jaccard(np.array([]), np.array([])) == 1.0


def _union_find(n: int, edges: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    return [find(x) for x in range(n)]


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 40), data=st.data())
def test_components_equal_union_find_and_are_transitive(n: int, data: st.DataObject) -> None:
    edges = data.draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60)
    )
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    labels = components(n, left, right)
    assert labels.tolist() == _union_find(n, edges)
    for a, b in edges:  # every edge inside one cluster; with a~b and b~c, a and c share it
        assert labels[a] == labels[b]
    assert all(labels[i] <= i for i in range(n))


def test_representatives_policies() -> None:
    labels = np.array([0, 0, 0, 3, 3])
    assert representatives(labels, "first").tolist() == [0, 0, 0, 3, 3]
    assert representatives(labels, "longest", lengths=np.array([5, 9, 9, 1, 2])).tolist() == [
        1,
        1,
        1,
        4,
        4,
    ]
    scores = np.array([0.1, np.nan, 0.7, np.nan, np.nan])
    assert representatives(labels, "quality", scores=scores).tolist() == [2, 2, 2, 3, 3]


# --- end to end -------------------------------------------------------------------------------


def _planted(seed: int = 11, groups: int = 30, rate: float = 0.022) -> tuple[list[str], list[int]]:
    """Bases, 2 edited copies of each (about 0.8 word-5-gram Jaccard), and unrelated controls."""
    rng = np.random.default_rng(seed)
    texts, group = [], []
    for g in range(groups):
        base = random_text(rng, 200)
        texts += [base, substitute(rng, base, rate), substitute(rng, base, rate)]
        group += [g, g, g]
    for c in range(groups):
        texts.append(random_text(rng, 200))
        group.append(groups + c)
    return texts, group


def test_edited_copies_near_0_8_are_found_at_default_threshold_issue3() -> None:
    texts, group = _planted()
    jac = [word_jaccard(texts[3 * g], texts[3 * g + 1]) for g in range(30)]
    assert 0.72 < float(np.mean(jac)) < 0.85  # the planted copies really are ~0.8 Jaccard
    result = near_duplicates(texts)
    labels = result.label
    for g in range(30):
        assert labels[3 * g] == labels[3 * g + 1] == labels[3 * g + 2], g
    assert len(set(labels[90:].tolist())) == 30 and all(labels[i] == i for i in range(90, 120))
    assert result.keep.sum() == 60  # one per group + every control
    assert np.nanmin(result.jaccard) >= 0.6


def test_same_clusters_in_1_or_10_shards_and_across_runs() -> None:
    texts, _ = _planted(seed=12)
    whole = near_duplicates(texts, MinHashParams(shard_size=len(texts), threads=1))
    tenths = near_duplicates(texts, MinHashParams(shard_size=len(texts) // 10, threads=1))
    again = near_duplicates(texts, MinHashParams(shard_size=len(texts) // 10, threads=2))
    assert whole.stats["clusters"] == 30
    for other in (tenths, again):
        assert (whole.label == other.label).all()
        assert (whole.representative == other.representative).all()
        assert np.array_equal(whole.jaccard, other.jaccard, equal_nan=True)


def test_shards_are_balanced_across_threads() -> None:
    """Shard count is a multiple of the thread count and shards are at most shard_size."""
    p = MinHashParams(shard_size=20_000, threads=2)
    assert effective_shard_size(20_000, p) == 10_000
    assert effective_shard_size(100_000, p) == 16_667  # 6 shards, not 5
    assert effective_shard_size(100_000, MinHashParams(shard_size=20_000, threads=1)) == 20_000
    assert effective_shard_size(0, p) == 1


def test_repeated_texts_get_the_signature_of_their_first_copy() -> None:
    """Identical texts are signed once; every row still equals that text's own signature."""
    texts = pl.Series(["a b c d e f", None, "a b c d e f", "", "x y z w v u", None, "x y z w v u"])
    p = MinHashParams()
    sigs, has, _ = compute_signatures(texts, p)
    alone = np.vstack([compute_signatures(texts.slice(i, 1), p)[0] for i in range(len(texts))])
    assert (sigs == alone).all()
    assert has.tolist() == [True, False, True, False, True, False, True]
    assert (sigs[0] == sigs[2]).all() and (sigs[1] == EMPTY).all()


def test_band_hashes_equal_folding_each_band() -> None:
    rng = np.random.default_rng(5)
    sigs = rng.integers(0, 1 << 32, (50, 128), dtype=np.uint32)
    keys = band_hashes(sigs, 25, 5)
    for band in range(25):
        assert (keys[:, band] == fold_columns(sigs[:, band * 5 : band * 5 + 5], salt=band)).all()


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    bands_rows=st.sampled_from([(25, 5), (14, 9), (1, 1), (3, 2)]),
    width=st.sampled_from([128, 130, 9]),
    n=st.integers(0, 30),
)
def test_band_and_signature_keys_numba_equal_numpy(
    seed: int, bands_rows: tuple[int, int], width: int, n: int
) -> None:
    """The compiled band/whole-signature keys are the NumPy fold's, bit for bit (issue 19)."""
    from curate.lib.dedup import _kernels

    if not _kernels.HAVE_NUMBA:
        pytest.skip("numba not installed")
    bands, rows = bands_rows
    if bands * rows > width:
        bands = width // rows
    rng = np.random.default_rng(seed)
    # Few distinct values, so equal bands and equal whole signatures occur.
    sigs = rng.integers(0, 3, (n, width), dtype=np.uint32) * np.uint32(0x9E3779B1)
    keys, whole = band_and_signature_keys(sigs, bands, rows)
    ref_keys, ref_whole = _without_numba(band_and_signature_keys, sigs, bands, rows)
    assert keys.dtype == ref_keys.dtype == np.uint64 and whole.dtype == np.uint64
    assert keys.tolist() == ref_keys.tolist() and whole.tolist() == ref_whole.tolist()
    if n:
        assert (keys == band_hashes(sigs, bands, rows)).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), width=st.sampled_from([1, 7, 128]), pairs=st.integers(0, 50))
def test_verify_pairs_numba_equal_numpy(seed: int, width: int, pairs: int) -> None:
    """Compiled match counts give the NumPy mean's estimates and decisions, bit for bit."""
    from curate.lib.dedup import _kernels

    if not _kernels.HAVE_NUMBA:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, 2, (20, width), dtype=np.uint32)
    left = rng.integers(0, 20, pairs)
    right = rng.integers(0, 20, pairs)
    for threshold in (0.5, 0.6, 0.8):
        got = verify_pairs(sigs, left, right, threshold)
        ref = _without_numba(verify_pairs, sigs, left, right, threshold)
        for a, b in zip(got, ref, strict=True):
            assert a.tolist() == b.tolist()


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(st.integers(0, 4), max_size=80),
    max_anchors=st.integers(1, 4),
    gap=st.integers(1, 3),
)
def test_bucket_pairs_numba_equal_numpy(keys: list[int], max_anchors: int, gap: int) -> None:
    """The compiled bucket scan gives the NumPy pairs in the same order (issue 19)."""
    from curate.lib.dedup import _kernels

    if not _kernels.HAVE_NUMBA:
        pytest.skip("numba not installed")
    k = np.array(keys, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    docs = np.arange(len(keys), dtype=np.int64) * gap
    got = bucket_pairs(k, docs, max_anchors)
    ref = _without_numba(bucket_pairs, k, docs, max_anchors)
    assert got[0].tolist() == ref[0].tolist() and got[1].tolist() == ref[1].tolist()


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(0, 5), max_size=40))
def test_first_equal_is_first_position_of_each_value(values: list[int]) -> None:
    """Exact-copy grouping: each position maps to the first position with the same value."""
    got = _first_equal(np.array(values, dtype=np.uint64)).tolist()
    assert got == [values.index(v) for v in values]


def test_exact_verification_rejects_pairs_below_threshold() -> None:
    rng = np.random.default_rng(8)
    texts, truth = [], []
    for rate in np.linspace(0.01, 0.08, 16):  # one base and one copy per pair, J from ~0.95 to ~0.6
        base = random_text(rng, 300)
        copy = substitute(rng, base, float(rate))
        texts += [base, copy]
        truth.append(word_jaccard(base, copy))
    result = near_duplicates(texts, MinHashParams(threshold=0.75, verify="exact", shard_size=3))
    joined = [result.label[2 * k + 1] == 2 * k for k in range(16)]
    for k, j in enumerate(truth):
        if joined[k]:
            assert j >= 0.75 and result.jaccard[2 * k + 1] == pytest.approx(j)
    assert any(joined) and not all(joined)
    assert all(joined[k] for k, j in enumerate(truth) if j >= 0.8)


def test_params_are_validated_before_data() -> None:
    spec = get_step("minhash_dedup_v1")
    with pytest.raises(ConfigError, match="threshold"):
        spec.build_params({"threshold": 1.5}, "recipe")
    with pytest.raises(ConfigError, match="bands"):
        spec.build_params({"bands": 4}, "recipe")
    with pytest.raises(ConfigError, match="did you mean 'threshold'"):
        spec.build_params({"treshold": 0.8}, "recipe")
    assert spec.build_params({"bands": 16, "rows": 8}, "r").band_rows() == (16, 8)
    assert MinHashParams().band_rows() == (25, 5)


def _frame(
    texts: list[str | None],
    kinds: list[str] | None = None,
    keep: list[bool] | None = None,
    messages: list | None = None,
) -> pl.DataFrame:
    n = len(texts)
    return (
        pl.DataFrame(
            {
                "id": [f"r{i}" for i in range(n)],
                "source": ["s"] * n,
                "kind": kinds or ["document"] * n,
                "text": texts,
                "messages": messages or [None] * n,
                "meta": ["{}"] * n,
            },
            schema={
                "id": pl.String,
                "source": pl.String,
                "kind": pl.String,
                "text": pl.String,
                "messages": pl.List(pl.Struct({"role": pl.String, "content": pl.String})),
                "meta": pl.String,
            },
        )
        .with_row_index(ROW)
        .with_columns(
            keep=pl.Series(keep or [True] * n),
            stage=pl.lit(None, pl.String),
            drop_reason=pl.lit(None, pl.String),
            detail=pl.lit(None, pl.String),
        )
    )


def _run(frame: pl.DataFrame, params: dict | None = None) -> tuple[pl.DataFrame, dict]:
    spec = get_step("minhash_dedup_v1")
    from curate.run.recipe import StepConfig

    planned = PlannedStep(
        StepConfig(step="minhash_dedup_v1", params=params or {}),
        spec,
        spec.build_params(params, "t"),
    )
    out, _, side = run_steps(frame, [planned])
    return out, side


def test_step_drops_with_reason_detail_and_clusters() -> None:
    texts, _ = _planted(groups=5)
    out, side = _run(_frame(texts))
    dropped = out.filter(~pl.col("keep"))
    assert dropped.height == 10 and set(dropped["drop_reason"]) == {"near_duplicate"}
    assert set(dropped["stage"]) == {"minhash_dedup_v1"}
    detail = json.loads(dropped["detail"][0])
    assert set(detail) == {"cluster_id", "representative", "jaccard"}
    assert (
        detail["representative"] == "r0"
        and detail["cluster_id"] == "minhash:r0"
        and 0.6 < detail["jaccard"] < 1
    )
    clusters = side["clusters"]
    assert clusters.columns == ["cluster_id", "id", "is_representative", "jaccard", "method"]
    assert clusters.height == 15 and clusters["is_representative"].sum() == 5
    assert set(clusters["method"]) == {"minhash"}


def test_step_only_uses_rows_still_kept_and_quality_policy() -> None:
    texts, _ = _planted(groups=2)
    keep = [False] + [True] * (len(texts) - 1)  # r0 was dropped by an earlier step
    frame = _frame(texts, keep=keep).with_columns(
        quality__score=pl.Series([0.9, 0.1, 0.5, 0.2, 0.9, 0.5, 0.0, 0.0])
    )
    out, side = _run(frame, {"representative": "quality"})
    assert out["drop_reason"][0] is None and not out["keep"][0]  # untouched
    assert "r0" not in side["clusters"]["id"].to_list()
    # group r3 (base), r4, r5 (copies): r4 has the best quality score and is kept
    assert out["keep"][3:6].to_list() == [False, True, False]
    assert {json.loads(d)["representative"] for d in out["detail"][3:6] if d} == {"r4"}


def test_step_field_response_compares_answers_only() -> None:
    rng = np.random.default_rng(2)
    answer = random_text(rng, 80)
    msgs = [
        [
            {"role": "user", "content": random_text(rng, 40)},
            {"role": "assistant", "content": answer},
        ],
        [
            {"role": "user", "content": random_text(rng, 40)},
            {"role": "assistant", "content": answer},
        ],
    ]
    texts = [m[0]["content"] + "\n\n" + m[1]["content"] for m in msgs]
    kinds = ["instruction"] * 2
    out_text, _ = _run(_frame(texts, kinds=kinds, messages=msgs))
    out_resp, _ = _run(_frame(texts, kinds=kinds, messages=msgs), {"field": "response"})
    assert out_text["keep"].all()
    assert out_resp["keep"].to_list() == [True, False]
    out_prompt, _ = _run(_frame(texts, kinds=kinds, messages=msgs), {"field": "prompt"})
    assert out_prompt["keep"].all()


WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"])
DOC = st.one_of(st.none(), st.just(""), st.lists(WORDS, min_size=0, max_size=14).map(" ".join))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(DOC, min_size=1, max_size=25),
    threshold=st.sampled_from([0.5, 0.7, 0.9]),
    data=st.data(),
)
def test_dedup_never_loses_a_record(
    texts: list[str | None], threshold: float, data: st.DataObject
) -> None:
    """kept + dropped = input; one kept representative per cluster; every drop has its reason."""
    keep = data.draw(st.lists(st.booleans(), min_size=len(texts), max_size=len(texts)))
    frame = _frame(texts, keep=keep)
    out, side = _run(frame, {"threshold": threshold, "shard_size": 4})
    assert out.height == frame.height and out["id"].equals(frame["id"])
    newly = out.filter(pl.col("keep") != frame["keep"])
    assert (newly["drop_reason"] == "near_duplicate").all()
    assert int(out["keep"].sum()) + newly.height == int(frame["keep"].sum())
    clusters = side.get("clusters")
    if clusters is not None and clusters.height:
        reps = clusters.group_by("cluster_id").agg(pl.col("is_representative").sum())
        assert (reps["is_representative"] == 1).all()
        kept_ids = set(out.filter("keep")["id"])
        assert set(clusters.filter("is_representative")["id"]) <= kept_ids
        assert set(clusters.filter(~pl.col("is_representative"))["id"]) == set(newly["id"])


# --- CLI --------------------------------------------------------------------------------------


def test_cli_dedup_writes_one_row_per_record(tmp_path: Path) -> None:
    texts, _ = _planted(groups=4)
    rows = [{"uid": f"u{i}", "output": t} for i, t in enumerate(texts)]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-m",
        "curate.cli.main",
        "dedup",
        str(src),
        "--text-field",
        "output",
        "--id-field",
        "uid",
        "--out",
        str(out),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "records/s" in done.stdout and "peak RSS" in done.stdout
    table = pl.read_parquet(out)
    assert table.height == len(texts)
    assert table.columns == [
        "row",
        "id",
        "cluster_id",
        "cluster_size",
        "is_representative",
        "jaccard",
        "keep",
    ]
    assert table["id"].to_list()[:2] == ["u0", "u1"]
    assert table.filter(~pl.col("keep")).height == 8
    assert table["cluster_id"][:3].to_list() == [0, 0, 0]
    bad = subprocess.run(
        [*cmd[:-2], "--out", str(out), "--threshold", "2"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and "threshold" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (7, 99)])
def test_permutations_are_datasketchs(num_perm: int, seed: int) -> None:
    from curate.lib.dedup.minhash import permutations

    a, b = MinHash(num_perm=num_perm, seed=seed).permutations
    ours = permutations(num_perm, seed)
    assert ours[0].tolist() == a.tolist() and ours[1].tolist() == b.tolist()


def test_bucket_pairs_example() -> None:
    from curate.lib.dedup.lsh import bucket_pairs

    left, right = bucket_pairs(np.array([5, 7, 5, 5], dtype=np.uint64), np.arange(4))
    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == [(0, 2), (0, 3), (2, 3)]


@settings(max_examples=80, deadline=None)
@given(data=st.data(), n=st.integers(0, 30), bands=st.integers(1, 4), anchors=st.integers(1, 5))
def test_candidate_pairs_equal_brute_force(
    data: st.DataObject, n: int, bands: int, anchors: int
) -> None:
    keys = np.array(
        data.draw(
            st.lists(
                st.lists(st.integers(0, 3), min_size=bands, max_size=bands), min_size=n, max_size=n
            )
        ),
        dtype=np.uint64,
    ).reshape(n, bands)
    want = set()
    for b in range(bands):
        buckets: dict[int, list[int]] = {}
        for i in range(n):
            buckets.setdefault(int(keys[i, b]), []).append(i)
        for members in buckets.values():
            for p, a in enumerate(members[:anchors]):
                want |= {(a, m) for m in members[p + 1 :]}
    left, right = candidate_pairs(keys, max_anchors=anchors)
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == want
    assert len(left) == len(want)


def test_curate_recipe_exports_clusters_and_decisions(tmp_path: Path) -> None:
    """normalise -> exact dedup -> minhash dedup through the whole pipeline into DuckDB."""
    import duckdb

    from curate.run.export import export_run
    from curate.run.pipeline import run_curate
    from curate.run.recipe import load_recipe

    texts, _ = _planted(groups=3)
    rows = [
        {"instruction": f"Question {i}?", "input": "", "output": t} for i, t in enumerate(texts)
    ]
    rows.append(rows[0])  # an exact copy: exact_dedup takes it before minhash sees it
    (tmp_path / "data.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "version: 1\ninputs:\n  - {name: demo, path: data.jsonl}\nsteps:\n  - step: normalise_v1\n"
        "  - step: exact_dedup_v1\n  - step: minhash_dedup_v1\n    params: {field: response}\n",
        encoding="utf-8",
    )
    result = run_curate(load_recipe(recipe))
    db = export_run(result, tmp_path / "out.duckdb", None)
    with duckdb.connect(str(db), read_only=True) as con:
        decisions = con.execute(
            "select drop_reason, count(*) from decisions where not keep group by 1 order by 1"
        ).fetchall()
        clusters = con.execute(
            "select count(*), sum(is_representative::int) from clusters where cluster_id like 'minhash:%'"
        ).fetchall()
    assert decisions == [("exact_duplicate", 1), ("near_duplicate", 6)]
    assert clusters == [(9, 3)]
    assert any("minhash_dedup_v1:" in line for line in result.notes.get("summary_lines", []))


def test_cli_reads_parquet_and_csv_columns(tmp_path: Path) -> None:
    from curate.cli.dedup import read_fields

    pq = tmp_path / "d.parquet"
    pl.DataFrame({"instruction": ["a b", None], "input": ["c", "d"], "uid": [1, 2]}).write_parquet(
        pq
    )
    frame, bad = read_fields(pq, ["instruction", "input"], "uid")
    assert (
        frame["text"].to_list() == ["a b\n\nc", "d"]
        and frame["id"].to_list() == ["1", "2"]
        and bad == 0
    )
    with pytest.raises(ConfigError, match="no column 'output'"):
        read_fields(pq, ["output"], None)
    csv = tmp_path / "d.csv"
    csv.write_text('text,x\n"hello, world",1\nbroken\nsecond,2\n', encoding="utf-8")
    frame, bad = read_fields(csv, ["text"], None)
    assert frame["text"].to_list() == ["hello, world", "second"] and bad == 1

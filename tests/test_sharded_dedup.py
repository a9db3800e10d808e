"""The on-disk, sharded MinHash path equals the single-frame ``near_duplicates`` (issue 13)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from curate.lib.dedup.near_dup import MinHashParams, near_duplicates
from curate.lib.dedup.sharded import near_duplicates_sharded, parts_for

WORDS = [f"w{i}" for i in range(60)]


def corpus(seed: int, n: int) -> list[str | None]:
    """Texts with planted near-copies, exact copies, template families, empties and nulls."""
    rng = random.Random(seed)
    base = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40))) for _ in range(n // 3)]
    out: list[str | None] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.05:
            out.append(rng.choice([None, "", "  "]))
        elif r < 0.3:
            out.append(rng.choice(base))  # exact copy
        elif r < 0.7:
            words = rng.choice(base).split()
            for _ in range(rng.randint(0, 2)):
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            out.append(" ".join(words))  # near copy
        else:
            out.append("Definition: answer the question. " + rng.choice(base))  # template
    return out


def split(texts: list, cuts: list[int]) -> list[list]:
    bounds = [0, *cuts, len(texts)]
    return [texts[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@pytest.mark.parametrize(
    ("seed", "params", "cuts"),
    [
        (0, MinHashParams(), [50, 51, 200]),
        (1, MinHashParams(max_bucket_anchors=2), [100, 300]),
        (2, MinHashParams(threshold=0.8, representative="longest"), [7, 160, 161, 250]),
        (3, MinHashParams(shingle="char", ngram=4, max_bucket_anchors=1), []),
        (4, MinHashParams(threshold=0.5, num_perm=64), [0, 120, 120, 300]),
    ],
)
def test_sharded_equals_single_frame(tmp_path, seed, params, cuts) -> None:
    texts = corpus(seed, 400)
    ref = near_duplicates(texts, params)
    for skip in (True, False):
        got = near_duplicates_sharded(
            split(texts, cuts), tmp_path / f"mh{skip}", params, skip_connected=skip
        )
        np.testing.assert_array_equal(got.label, ref.label)
        np.testing.assert_array_equal(got.representative, ref.representative)
        np.testing.assert_array_equal(got.cluster_size, ref.cluster_size)
        np.testing.assert_array_equal(got.jaccard, ref.jaccard)
        assert got.stats["candidate_pairs"] == ref.stats["candidate_pairs"]
        assert got.stats["clusters"] == ref.stats["clusters"] > 0
        if not skip:
            assert got.stats["verified_pairs"] == ref.stats["verified_pairs"]
        else:
            assert got.stats["verified_pairs"] + got.stats["skipped_pairs"] >= 0


def test_quality_representative(tmp_path) -> None:
    texts = corpus(5, 300)
    scores = np.random.default_rng(5).random(300)
    scores[::7] = np.nan
    p = MinHashParams(representative="quality")
    ref = near_duplicates(texts, p, scores=scores)
    got = near_duplicates_sharded(
        split(texts, [100, 200]), tmp_path, p, scores=[scores[:100], scores[100:200], scores[200:]]
    )
    np.testing.assert_array_equal(got.representative, ref.representative)
    np.testing.assert_array_equal(got.jaccard, ref.jaccard)


def test_skip_connected_saves_verification_on_templates(tmp_path) -> None:
    """A family of near-identical template records: fewer pairs verified, same clusters."""
    body = " ".join(WORDS[:30])
    texts = [f"{body} item {i} of the task" for i in range(300)]
    p = MinHashParams(threshold=0.5)
    full = near_duplicates_sharded(split(texts, [150]), tmp_path / "a", p, skip_connected=False)
    lazy = near_duplicates_sharded(split(texts, [150]), tmp_path / "b", p, skip_connected=True)
    np.testing.assert_array_equal(full.label, lazy.label)
    assert lazy.stats["verified_pairs"] < full.stats["verified_pairs"]
    assert lazy.stats["skipped_pairs"] > 0


def test_parts_for() -> None:
    assert [parts_for(k) for k in (1, 2, 3, 5, 8, 9)] == [1, 2, 4, 8, 8, 16]

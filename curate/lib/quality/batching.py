"""Run a batch function over many texts: length-bucketed batches, original order back, progress.

NeMo Curator sorts documents by length before GPU inference so each batch pads to a similar
length; with a transformer the cost of a batch is ``batch_size x longest_in_batch``, so sorting
cuts padding (and time) when lengths vary. Results are scattered back to input order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np

from curate.core.progress import Bar, stage


def length_batches(
    lengths: Sequence[int] | np.ndarray, batch_size: int, by_length: bool = True
) -> list[np.ndarray]:
    """Index batches of at most ``batch_size``; sorted by length (longest first) if ``by_length``.

    Longest first makes an out-of-memory error happen on the first batch, not after an hour.

    Example: ``length_batches([5, 1, 9, 2], 2)`` -> ``[array([2, 0]), array([3, 1])]``;
    with ``by_length=False`` -> ``[array([0, 1]), array([2, 3])]``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    n = len(lengths)
    order = (
        np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
        if by_length
        else np.arange(n)
    )
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def padded_tokens(lengths: Sequence[int] | np.ndarray, batches: list[np.ndarray]) -> int:
    """Tokens a padded run processes: sum over batches of ``len(batch) x max length in batch``.

    Example: lengths ``[5, 1, 9, 2]``, batches ``[[2, 0], [3, 1]]`` -> ``2*9 + 2*2 = 22``.
    """
    arr = np.asarray(lengths, dtype=np.int64)
    return int(sum(len(b) * int(arr[b].max()) for b in batches if len(b)))


def run_batched(
    texts: Sequence[str],
    score_batch: Callable[[list[str]], Any],
    *,
    batch_size: int,
    by_length: bool = True,
    lengths: Sequence[int] | np.ndarray | None = None,
    desc: str = "scoring",
    progress: bool | None = None,
) -> dict[str, np.ndarray]:
    """Call ``score_batch`` on batches of ``texts``; returns its outputs in input order.

    ``score_batch(texts)`` returns an array (one value per text) or a dict of such arrays; the
    result is always a dict (an array becomes ``{"score": array}``). ``lengths`` defaults to the
    character lengths. ``progress``: None or True draws a bar (records/s, ETA) when bars are
    on (:mod:`curate.core.progress`), False never does.

    Example: ``run_batched(["bb", "a"], lambda b: np.array([len(t) for t in b]), batch_size=1)``
    -> ``{"score": array([2, 1])}``.
    """
    n = len(texts)
    if n == 0:
        out = score_batch([])
        out = out if isinstance(out, dict) else {"score": out}
        return {k: np.asarray(v)[:0] for k, v in out.items()}
    lens = (
        np.fromiter((len(t) for t in texts), np.int64, n)
        if lengths is None
        else np.asarray(lengths)
    )
    batches = length_batches(lens, batch_size, by_length)
    results: dict[str, np.ndarray] = {}
    with stage(desc, total=n) if progress is not False else nullcontext(Bar()) as bar:
        for idx in batches:
            got = score_batch([texts[i] for i in idx])
            got = got if isinstance(got, dict) else {"score": got}
            for key, values in got.items():
                values = np.asarray(values)
                if key not in results:
                    results[key] = np.empty((n, *values.shape[1:]), dtype=values.dtype)
                results[key][idx] = values
            bar.advance(len(idx))
    return results

"""Run a batch function over many texts: length-bucketed batches, original order back, progress.

NeMo Curator sorts documents by length before GPU inference so each batch pads to a similar
length; with a transformer the cost of a batch is ``batch_size x longest_in_batch``, so sorting
cuts padding (and time) when lengths vary. Results are scattered back to input order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


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


class Progress:
    """A tqdm bar counting records, with records/s, that only shows on long runs.

    ``disable=None`` lets tqdm hide it when stderr is not a terminal.
    """

    def __init__(self, total: int, desc: str, disable: bool | None = None) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=total, desc=desc, unit="rec", disable=disable, mininterval=1.0, leave=False
        )
        self.started = time.perf_counter()

    def update(self, n: int) -> None:
        self.bar.update(n)

    def close(self) -> float:
        """Close the bar; returns records/s."""
        seconds = max(time.perf_counter() - self.started, 1e-9)
        done = self.bar.n
        self.bar.close()
        return done / seconds


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
    character lengths.

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
    bar = Progress(n, desc, disable=None if progress is None else not progress)
    results: dict[str, np.ndarray] = {}
    try:
        for idx in batches:
            got = score_batch([texts[i] for i in idx])
            got = got if isinstance(got, dict) else {"score": got}
            for key, values in got.items():
                values = np.asarray(values)
                if key not in results:
                    results[key] = np.empty((n, *values.shape[1:]), dtype=values.dtype)
                results[key][idx] = values
            bar.update(len(idx))
    finally:
        bar.close()
    return results

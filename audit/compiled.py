"""The audit's compiled kernels: built ahead of time when they can be, numba's JIT otherwise.

:func:`kernel` gives one of :mod:`audit._kernel`'s four entry points: from the module that
:func:`build` compiles at install (:mod:`curate.core.aot`; importing it costs ~1 ms), or, when it
is missing or was built from another source, numba's JIT function (importing numba and loading
its cache: ~0.55 s of CPU). Both run the same source; ``tests/test_aot.py`` checks that they give
the same values. With ``CLEANROOM_NO_NUMBA`` set every entry point is None and the callers run
their NumPy or Python reference code.

Example: ``kernel("WINDOW_KERNEL")(h, pw, p_inv, ...)``; ``kernel("KERNEL")(buf)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from curate.core.aot import Compiled, Export, load

_TABLES = ("u8[C]r", "u8[C]r", "u8[C]r", "i32[C]r", "i64[C]r", "i64[C]r", "i64[C]r", "u8[C]r")
KERNELS = Compiled(
    "audit._kernel",
    {
        "block_token_hashes": Export(
            "_block_token_hashes", ("u8[C]r", "u64[A]r"), ("i64[C]", "u64[C]")
        ),
        "window_hits": Export(
            "_window_hits",
            (
                "u64[C]r",
                "u64[C]r",
                "u64",
                "i64[C]r",
                "u64[C]r",
                "i64[C]r",
                "i64[C]r",
                "u64[C]r",
                "i64[C]r",
                "u64[C]r",
                "i64",
                "u64[C]r",
                "u64",
                "i64[C]r",
            ),
            ("i64[C]", "i64[C]", "u64[C]"),
        ),  # fmt: skip
        "utf8_tokens": Export(
            "_utf8_tokens",
            ("u8[C]r", "u64[A]r", "i64[C]r", *_TABLES),
            ("u64[C]", "i64[C]", "b1[C]"),
        ),
        "jsonl_tokens": Export(
            "_jsonl_tokens",
            ("u8[C]r", "u64[A]r", "i64", "i64", "u8[C]r", "i64[C]r", "u64[C]", *_TABLES, "b1[C]r"),
            ("u64[C]", "i64", "i8[C]", "i64[C]", "i64[C]", "i64[C]", "i64[C]"),
        ),
    },
)
# this module's names of the entry points -> the compiled module's
_NAMES = {
    "KERNEL": "block_token_hashes",
    "WINDOW_KERNEL": "window_hits",
    "UTF8_KERNEL": "utf8_tokens",
    "JSONL_KERNEL": "jsonl_tokens",
}


def words_at(buf: np.ndarray) -> np.ndarray:
    """The unaligned little-endian uint64 starting at each byte of ``buf`` (uint8, at least 8
    long) as a view with a stride of one byte: ``words_at(buf)[i]`` is ``buf[i:i+8]`` read as
    one word, what the kernels' word-at-a-time steps read.

    Example: ``words_at(np.arange(9, dtype=np.uint8))[1]`` -> ``0x0807060504030201``.
    """
    return np.ndarray(shape=(len(buf) - 7,), dtype="<u8", buffer=buf.data, offset=0, strides=(1,))


def byte_kernel(fn: Callable) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``fn(buf, u64)`` (``_block_token_hashes``) as ``f(buf)``: checks that the block ends with
    8 zero bytes and gives ``fn`` the little-endian word at each byte (``u64[i]``: ``buf[i:i+8]``).
    """

    def block_token_hashes(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if len(buf) < 8 or buf[-8:].any():
            raise ValueError("the block must end with 8 zero bytes")
        return fn(buf, words_at(buf))

    return block_token_hashes


def kernel(name: str) -> Any:
    """The entry point ``name`` (``KERNEL``, ``WINDOW_KERNEL``, ``UTF8_KERNEL`` or
    ``JSONL_KERNEL``): compiled ahead of time when built, else :mod:`audit._kernel`'s; None with
    ``CLEANROOM_NO_NUMBA`` (or without numba and without a build)."""
    if os.environ.get("CLEANROOM_NO_NUMBA"):
        return None
    aot = load(KERNELS)
    if aot is not None:
        fn = aot[_NAMES[name]]
        return byte_kernel(fn) if name == "KERNEL" else fn
    from audit import _kernel

    return getattr(_kernel, name)


def build() -> str:
    """Compile :data:`KERNELS` (see :func:`curate.core.aot.build`); the path written."""
    from curate.core.aot import build as build_module

    return str(build_module(KERNELS))

"""numba for the project's compiled kernels, imported once, the same way everywhere.

:func:`numba_or_none` is numba, or None when it is not installed or ``CLEANROOM_NO_NUMBA`` is
set (the callers then run their NumPy or Python reference code, which gives the same results).

It also saves the largest fixed cost of a short run. Numba's first compiled call (even one
loaded from the on-disk cache) imports ``numba.np.arraymath``, whose import-time BLAS check
imports ``scipy.linalg`` when SciPy is installed: 0.2 s of CPU on this machine, a fifth of an
``audit scan`` of a small file. That check only chooses how numba compiles the inner product
of its ``np.correlate`` and ``np.convolve`` (BLAS or a plain loop); none of the project's
kernels uses them. So ``arraymath`` is imported here with ``scipy.linalg.cython_blas`` marked
missing for the length of that one import. Numba's linear-algebra functions (``np.dot``,
``np.linalg.*``) check for BLAS again when they are compiled, and still find it.

Example: ``nb = numba_or_none()``; ``nb.njit(cache=True)(f) if nb else f``.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType

_BLAS = "scipy.linalg.cython_blas"
_LOADED: list[ModuleType | None] = []


def numba_or_none() -> ModuleType | None:
    """The numba module, or None (not installed, or ``CLEANROOM_NO_NUMBA`` set: read on every
    call, so a test or a caller can switch the compiled paths off at any time)."""
    if os.environ.get("CLEANROOM_NO_NUMBA"):
        return None
    if not _LOADED:
        try:
            import numba
        except ImportError:  # pragma: no cover - numba is a dependency; the fallback is tested
            numba = None
        fresh = "numba.np.arraymath" not in sys.modules and _BLAS not in sys.modules
        if numba is not None and fresh:
            sys.modules[_BLAS] = None  # type: ignore[assignment]  # import raises
            try:
                import numba.np.arraymath  # noqa: F401
            finally:
                if sys.modules.get(_BLAS, 0) is None:
                    del sys.modules[_BLAS]
        _LOADED.append(numba)
    return _LOADED[0]

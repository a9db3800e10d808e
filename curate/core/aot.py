"""Numba kernels compiled ahead of time at install, so that a run does not pay for numba's start.

A process that calls a numba kernel first imports numba and llvmlite and loads the kernel's
machine code from numba's cache: ~0.55 s of CPU on the 2-core machine, a sixth of an
``audit scan`` of 320 MB and most of a small one. :func:`build` compiles the entry points of a
kernel module with numba's ahead-of-time compiler (:mod:`numba.pycc`) into a plain extension
module, once, at install (``python -m curate.run.warmup``); :func:`load` imports it (~1 ms, no
numba) when it was built from the kernel module's current source.

The compiled module runs the kernel module's own functions (each entry point's ``py_func``,
with every numba function it calls), compiled by the same numba for generic x86-64 (no
host-specific instructions, so a cache shared between machines stays safe; as fast as numba's
host build on the audit kernels). Numba's AOT wrappers check only an array argument's item
size, so :func:`load` wraps each entry point in a check of every argument against its declared
type; a call that does not match goes to the JIT function, which gives the same result.
``CLEANROOM_NO_AOT=1`` uses the JIT functions only (read on every :func:`load`).

Example::

    KERNELS = Compiled("audit._kernel", {"window_hits": Export("_window_hits", ("u64[C]",), "i64[C]")})
    fns = load(KERNELS)  # {"window_hits": <checked call>} or None when not built
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import os
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_DTYPES = {
    "u8": "uint8",
    "u64": "uint64",
    "i8": "int8",
    "i32": "int32",
    "i64": "int64",
    "b1": "bool",
}


@dataclass(frozen=True)
class Export:
    """One entry point: the JIT module's dispatcher ``jit``, its argument and return types.

    A type is a scalar (``"i64"``, ``"u64"``), an array (``"u8[C]"``: one dimension,
    C-contiguous; ``"u64[A]"``: any strides), or a read-only array (``"u8[C]r"``: the kernel
    only reads it; numba refuses to compile a write to it). ``ret`` is one type or a tuple.
    """

    jit: str
    args: tuple[str, ...]
    ret: str | tuple[str, ...]


@dataclass(frozen=True)
class Compiled:
    """A kernel module (``module``: its dotted name) and the entry points to compile."""

    module: str
    exports: Mapping[str, Export]

    @property
    def stem(self) -> str:
        """Name of the compiled module: ``_kernel_aot`` for ``audit._kernel``."""
        return self.module.rpartition(".")[2] + "_aot"


def _source(spec: Compiled) -> Path:
    origin = importlib.util.find_spec(spec.module).origin  # type: ignore[union-attr]
    return Path(origin or "")


_PATHS: dict[str, Path] = {}


def compiled_path(spec: Compiled) -> Path:
    """Where the compiled module of ``spec`` is (or will be): next to the kernel module's
    bytecode, named by a digest of its source, of this file and of the declared exports, so a
    changed kernel is never run from a stale build (computed once a process)."""
    if spec.module not in _PATHS:
        _PATHS[spec.module] = _compiled_path(spec)
    return _PATHS[spec.module]


def _compiled_path(spec: Compiled) -> Path:
    src = _source(spec)
    digest = hashlib.sha256(src.read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(repr(sorted(spec.exports.items())).encode())
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return src.parent / "__pycache__" / f"{spec.stem}.{digest.hexdigest()[:16]}{suffix}"


def _array(t: str) -> tuple[np.dtype, bool, bool] | None:
    """``(dtype, must be C-contiguous, read-only)`` of an array type, None for a scalar."""
    if "[" not in t:
        return None
    name, _, rest = t.partition("[")
    return np.dtype(_DTYPES[name]), rest.startswith("C"), rest.endswith("r")


def _numba_type(t: str) -> Any:
    from numba.core import types

    arr = _array(t)
    if arr is None:
        return getattr(types, _DTYPES[t].replace("bool", "boolean"))
    dtype = getattr(types, _DTYPES[t.partition("[")[0]].replace("bool", "boolean"))
    return types.Array(dtype, 1, "C" if arr[1] else "A", readonly=arr[2])


def _signature(e: Export) -> Any:
    from numba.core import types

    ret = (
        types.Tuple(tuple(_numba_type(t) for t in e.ret))
        if isinstance(e.ret, tuple)
        else _numba_type(e.ret)
    )
    return ret(*(_numba_type(t) for t in e.args))


def _matches(types_: list[tuple[np.dtype, bool, bool] | None], args: tuple) -> bool:
    """True when every argument has its declared type (numba's AOT wrapper would take a
    mismatched array as raw memory)."""
    if len(args) != len(types_):
        return False
    for a, t in zip(args, types_, strict=True):
        if t is None:
            if not isinstance(a, (int, np.integer)):
                return False
        elif not (
            type(a) is np.ndarray
            and a.ndim == 1
            and a.dtype == t[0]
            and (a.flags.c_contiguous or not t[1])
            and (a.flags.writeable or t[2])
        ):
            return False
    return True


def _checked(name: str, fn: Callable, e: Export, module: str) -> Callable:
    types_ = [_array(t) for t in e.args]

    def call(*args: Any) -> Any:
        if _matches(types_, args):
            return fn(*args)
        return getattr(importlib.import_module(module), e.jit)(*args)

    call.__name__ = name
    call.__doc__ = f"{module}.{e.jit}, compiled ahead of time (arguments: {', '.join(e.args)})."
    return call


_LOADED: dict[Path, dict[str, Callable]] = {}


def load(spec: Compiled) -> dict[str, Callable] | None:
    """The compiled entry points of ``spec`` by export name (each checks its arguments), or
    None: not built for the current source, not importable here, or ``CLEANROOM_NO_AOT`` set."""
    if os.environ.get("CLEANROOM_NO_AOT") or os.environ.get("CLEANROOM_NO_NUMBA"):
        return None
    path = compiled_path(spec)
    if path not in _LOADED:
        if not path.is_file():
            return None
        try:
            loader = importlib.machinery.ExtensionFileLoader(spec.stem, str(path))
            mod = importlib.util.module_from_spec(
                importlib.util.spec_from_file_location(spec.stem, path, loader=loader)  # type: ignore[arg-type]
            )
        except ImportError:  # built against another NumPy or Python: the JIT functions run
            return None
        _LOADED[path] = {
            name: _checked(name, getattr(mod, name), e, spec.module)
            for name, e in spec.exports.items()
        }
    return _LOADED[path]


def build(spec: Compiled) -> Path:
    """Compile ``spec``'s entry points (numba's AOT compiler and the C compiler it finds; the
    audit kernels ~75 s on a fresh install) into :func:`compiled_path`, replacing builds of older
    sources; returns the path. Written
    to a temporary file and renamed into place, so concurrent builds and loads are safe.

    Raises whatever numba or the C compiler raises (e.g. no compiler on the machine).
    """
    path = compiled_path(spec)
    if path.is_file():
        return path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba.pycc's pending-deprecation notice
        from numba.pycc import CC

    jit = importlib.import_module(spec.module)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        cc = CC(spec.stem)
        cc.output_dir = tmp
        cc.verbose = False
        for name, e in spec.exports.items():
            cc.export(name, _signature(e))(getattr(jit, e.jit).py_func)
        cc.compile()
        (built,) = [p for p in Path(tmp).iterdir() if p.name.endswith(path.suffix)]
        os.replace(built, path)
    for old in path.parent.glob(f"{spec.stem}.*{path.suffix}"):
        if old != path:  # a build of an older source
            old.unlink(missing_ok=True)
    return path

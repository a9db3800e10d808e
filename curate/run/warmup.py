"""Fill the caches a first run would otherwise fill, so the first ``make curate`` is a warm one.

``make install`` runs it once. Three caches matter: Python bytecode of the project
(``compileall``; an editable install compiles nothing), numba's on-disk JIT cache (the MinHash and
contamination kernels are ``cache=True``; compiling them costs seconds, loading them
milliseconds) and the audit kernels compiled ahead of time (:mod:`audit.compiled`: ``audit scan``
then never imports numba, ~0.55 s less CPU a run). The first two fill by running the default
recipe once on the embedded corpus, in memory (nothing is exported and the reviews store is not
touched: an empty one is used), then one small ``audit scan`` through the CLI's JSONL reader with
the JIT kernels (the fallback of the compiled ones). Meanwhile a second process compiles the
audit kernels ahead of time (~75 s; without a C compiler a warning says so and the JIT kernels
run).

Usage: ``python -m curate.run.warmup [RECIPE]`` (default ``corpora/default.yaml``).
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def warm(recipe: Path = ROOT / "corpora" / "default.yaml") -> float:
    """Compile the project's bytecode and run ``recipe`` once without exporting; seconds taken.

    Example: ``warm()`` -> ``21.4`` on a first run, about a third of that once warm.
    """
    t0 = time.perf_counter()
    for pkg in ("curate", "audit"):
        compileall.compile_dir(ROOT / pkg, quiet=1)
    from curate.run.pipeline import run_curate
    from curate.run.recipe import load_recipe

    with tempfile.TemporaryDirectory(prefix="cleanroom-aot-") as aot_cache:
        builder = _start_compiled_build(aot_cache)
        old = os.environ.get("CLEANROOM_NO_AOT")
        # fill numba's JIT cache: the compiled kernels' fallback
        os.environ["CLEANROOM_NO_AOT"] = "1"
        try:
            with tempfile.TemporaryDirectory() as tmp:
                run_curate(
                    load_recipe(recipe), where=str(recipe), reviews_db=Path(tmp) / "reviews.duckdb"
                )
            _warm_audit_reader()
        finally:
            if old is None:
                del os.environ["CLEANROOM_NO_AOT"]
            else:
                os.environ["CLEANROOM_NO_AOT"] = old
            if builder.wait() != 0:
                print(
                    f"warning: the ahead-of-time build of the audit kernels ended with exit code "
                    f"{builder.returncode}; `audit scan` uses numba's JIT kernels (same results)",
                    file=sys.stderr,
                )
    return time.perf_counter() - t0


def _start_compiled_build(cache_dir: str) -> subprocess.Popen:
    """:func:`_build_compiled` in a second process, beside the JIT warm-up (each takes ~1-1.5
    min of one core on a fresh install; one after the other they took 167 s of the 193 s). Its
    numba cache is ``cache_dir`` (the AOT compiler JIT-compiles the helpers it calls, for its
    own argument types): the two processes never write one cache index, where one could drop
    the other's entries."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    env.pop("CLEANROOM_NO_AOT", None)
    return subprocess.Popen(
        [sys.executable, "-m", "curate.run.warmup", "--compiled-only"], env=env, cwd=ROOT
    )


def _build_compiled() -> None:
    """Compile the audit kernels ahead of time (:func:`audit.compiled.build`); a warning, not
    an error, when this machine cannot (no C compiler): the JIT kernels give the same results."""
    from audit.compiled import build

    try:
        print(f"compiled kernels: {build()}")
    except Exception as e:  # any compiler failure leaves the JIT path
        print(
            f"warning: the audit kernels were not compiled ahead of time ({type(e).__name__}: "
            f"{e}); `audit scan` uses numba's JIT kernels (same results, ~0.5 s more a run)",
            file=sys.stderr,
        )


def _warm_audit_reader() -> None:
    """Compile the kernels of ``cleanroom audit scan``'s JSONL reader (:mod:`audit.jsonl_tokens`;
    ~60 s the first time, which the default recipe does not reach): one scan of the embedded
    instruction file for five HumanEval items, then the byte-block tokeniser on two words."""
    from audit.benchmarks import load_benchmark
    from audit.presets import PRESETS
    from audit.scan import corpus_shards, scan

    corpus = ROOT / "corpora" / "data" / "instructions.jsonl"
    if corpus.is_file():
        scan([load_benchmark("humaneval", limit=5)], corpus_shards(str(corpus)), PRESETS["gpt3"])
    import numpy as np

    from audit.compiled import kernel

    byte_block = kernel("KERNEL")  # the byte-block tokeniser, which no scan above reaches
    if byte_block is not None:
        byte_block(np.frombuffer(b"warm\x00up" + bytes(8), np.uint8))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--compiled-only"]:  # (the second process of :func:`warm`)
        _build_compiled()
        return 0
    seconds = warm(Path(args[0]) if args else ROOT / "corpora" / "default.yaml")
    print(f"warm-up: bytecode compiled, JIT caches filled ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

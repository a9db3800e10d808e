"""Where shard tasks run: a local process pool, or Ray (one machine or a cluster).

Both engines run the same task functions (plain top-level functions whose arguments and
results pickle) and return results in submission order, so a run's outputs do not depend on the
engine. A task's outputs are files under the run folder, written atomically by the task itself;
the driver records a task as done only after it returned.

- ``local``: :class:`concurrent.futures.ProcessPoolExecutor` (spawned workers; no fork of a
  process that holds Polars threads), ``workers`` processes (default: the CPU count). With one
  worker, tasks run in the driver process (no pickling, cheapest for small runs).
- ``ray``: each task is a Ray task (``num_cpus=1``). ``ray.init()`` joins the cluster named by
  ``RAY_ADDRESS`` when it is set (``ray start --head`` on one machine, ``ray start
  --address=HEAD:6379`` on the others) and starts a local one with ``workers`` CPUs otherwise.
  Every node needs the package installed and sees the run folder at the same path (a shared
  file system), since tasks read and write shard files there. Ray is the optional extra
  ``pip install -e '.[ray]'``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal

from curate.core.errors import ConfigError, MissingDependencyError

EngineName = Literal["local", "ray"]


def default_workers() -> int:
    """The CPU count this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        return os.cpu_count() or 1


class Executor:
    """Runs ``fn(*args)`` for each argument tuple; yields results in submission order."""

    name: str = "serial"
    workers: int = 1

    def map(self, fn: Callable[..., Any], calls: Iterable[tuple]) -> Iterator[Any]:
        for args in calls:
            yield fn(*args)

    def close(self) -> None:
        """Release workers (idempotent)."""


class LocalExecutor(Executor):
    """A process pool on this machine."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[..., Any], calls: Iterable[tuple]) -> Iterator[Any]:
        calls = list(calls)
        if self.workers <= 1 or len(calls) <= 1:
            yield from super().map(fn, calls)
            return
        if self._pool is None:
            import multiprocessing as mp

            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=mp.get_context("spawn"), initializer=_die_with_parent
            )
        futures = [self._pool.submit(fn, *args) for args in calls]
        try:
            for f in futures:
                yield f.result()
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _die_with_parent() -> None:
    """Worker initializer: on Linux, the worker gets SIGKILL when the driver dies (even by
    SIGKILL), so a killed run leaves no orphan workers holding its files or its output pipe."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: workers exit when their queue breaks
        pass


class RayExecutor(Executor):
    """Ray tasks: joins ``RAY_ADDRESS`` when set, else starts a local Ray with ``workers`` CPUs."""

    name = "ray"

    def __init__(self, workers: int | None = None) -> None:
        ray = import_ray()
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            address = os.environ.get("RAY_ADDRESS") or None
            kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False}
            env = {"env_vars": {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}}
            if address is None:
                kwargs.update(num_cpus=workers or default_workers(), include_dashboard=False)
            ray.init(address=address, runtime_env=env, **kwargs)
            self._started = True
        self.workers = int(ray.cluster_resources().get("CPU", workers or 1))
        self._remote: dict[Any, Any] = {}

    def map(self, fn: Callable[..., Any], calls: Iterable[tuple]) -> Iterator[Any]:
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = self._ray.remote(num_cpus=1, max_retries=0)(fn)
        refs = [remote.remote(*args) for args in calls]
        taken = 0
        try:
            for ref in refs:
                result = self._ray.get(ref)
                taken += 1
                yield result
        finally:
            # Cancel only the tasks whose results were never taken (the run stopped early: an
            # error, a kill). Cancelling a task whose result was already read races with Ray's
            # own bookkeeping of its reply and aborted the driver ("Tried to complete task that
            # was not pending", Ray 2.60: the cancel/reply race of ray-project/ray#54798).
            for ref in refs[taken:]:
                with contextlib.suppress(Exception):  # a finished task cannot be cancelled
                    self._ray.cancel(ref)

    def close(self) -> None:
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
            self._started = False


def import_ray() -> Any:
    """``import ray``, or a MissingDependencyError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise MissingDependencyError(
            "Ray (for --engine ray)", "pip install -e '.[ray]'  (or: pip install 'ray[default]')"
        ) from None
    return ray


def make_executor(engine: str, workers: int | None = None) -> Executor:
    """The executor for ``--engine``: ``local`` or ``ray``.

    Example: ``make_executor("local", 2).workers`` -> ``2``.
    """
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    if engine == "local":
        return LocalExecutor(workers)
    if engine == "ray":
        return RayExecutor(workers)
    raise ConfigError(f"unknown engine {engine!r} (choose local or ray)")

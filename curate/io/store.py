"""The store: every read of a curation DB and every atomic write of DuckDB, Parquet and Hugging
Face outputs.

Readers use short read-only connections (the app must never hold the DB open). Writers never leave
half a file: a DuckDB file is built under a temporary name in the same folder and renamed into place
(``os.replace``); Parquet files likewise; a failure removes the temporary file and its ``.wal``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from curate.core.errors import CleanroomError, ConfigError, InputError, MissingDependencyError


def query_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
) -> pl.DataFrame:
    """A parameterised query's result as a Polars frame (via Arrow; DuckDB 2 has no ``.pl()``)."""
    return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())  # type: ignore[return-value]


def read_table(db_path: str | Path, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run one read-only query on a DuckDB file and return a Polars frame (short connection)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return query_frame(con, sql, params)


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the tables and views in a DuckDB connection."""
    return set(query_frame(con, "SELECT table_name FROM information_schema.tables")["table_name"])


def create_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """``CREATE TABLE name AS`` the frame (through Arrow)."""
    con.register("_frame", frame.to_arrow())
    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
    con.unregister("_frame")


def sql_str(value: str) -> str:
    """A SQL string literal: ``it's`` -> ``'it''s'``."""
    return "'" + value.replace("'", "''") + "'"


def temp_path(path: Path) -> Path:
    """The temporary name a file is written under before the rename: ``.<name>.<pid>.tmp``."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def remove_with_wal(path: Path) -> None:
    """Remove a DuckDB file and its write-ahead log, if present."""
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_db(
    db_path: str | Path, *, copy_existing: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a temporary DuckDB file (fresh, or a copy of ``db_path`` with
    ``copy_existing``) that replaces ``db_path`` when the block ends
    without error (after a checkpoint, so no ``.wal`` is left); on error the temporary file is
    removed and ``db_path`` is untouched. Temporary files of dead runs are removed first; a full
    disk raises :class:`StoreWriteError` with nothing left behind.
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(db_path)
    tmp = temp_path(db_path)
    remove_with_wal(tmp)
    con = None
    try:
        if copy_existing:
            shutil.copyfile(db_path, tmp)
        con = duckdb.connect(str(tmp))
        yield con
        con.execute("CHECKPOINT")
        con.close()
        # A .wal left by a killed writer belongs to the old file: it must not meet the new one.
        db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, db_path)
    except (duckdb.IOException, duckdb.TransactionException, OSError) as e:
        _close_quietly(con)
        remove_with_wal(tmp)
        raise StoreWriteError(
            f"cannot write {db_path} ({type(e).__name__}: {e}); the previous file is unchanged "
            "and no temporary file was left (is the disk full?)"
        ) from None
    except BaseException:
        _close_quietly(con)
        remove_with_wal(tmp)
        raise


def _close_quietly(con: duckdb.DuckDBPyConnection | None) -> None:
    if con is not None:
        with contextlib.suppress(Exception):
            con.close()


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove ``.<name>.<pid>.tmp`` files (and their ``.wal``) left by writers that died.

    Example: a curate run killed while writing ``out/c.duckdb`` leaves ``out/.c.duckdb.4242.tmp``;
    the next writer removes it (pid 4242 no longer runs).
    """
    removed = []
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        pid = tmp.name[len(path.name) + 2 : -len(".tmp")]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            remove_with_wal(tmp)
            removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StoreWriteError(CleanroomError):
    """An output could not be written (disk full, permissions); nothing half-written is left."""


def write_atomic(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp)`` on a temporary name beside ``path``, then rename it into place, so a
    reader never sees half a file; the temporary file is removed on error.

    Example: ``write_atomic("out/x.parquet", frame.write_parquet)``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`write_atomic`)."""
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


def write_parquet(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write a frame as Parquet atomically (:func:`write_atomic`)."""
    return write_atomic(path, frame.write_parquet)


def write_hf(frames: dict[str, pl.DataFrame], out: Path) -> list[Path]:
    """One ``datasets.DatasetDict`` (``train``, ``validation``) per frame, ``save_to_disk`` at
    ``out/<name>``; read it with ``datasets.load_from_disk``. Written to a temp folder, then renamed."""
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets is a core dependency
        raise MissingDependencyError("the `datasets` package", "pip install datasets") from None
    out.mkdir(parents=True, exist_ok=True)
    bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        return [_save_dataset_dict(datasets, name, frame, out) for name, frame in frames.items()]
    finally:
        if bars:
            datasets.enable_progress_bars()


def _save_dataset_dict(datasets: Any, name: str, frame: pl.DataFrame, out: Path) -> Path:
    splits = {
        split: datasets.Dataset(frame.filter(pl.col("split") == split).to_arrow())
        for split in ("train", "validation")
    }
    path = out / name
    tmp = out / f".{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    datasets.DatasetDict(splits).save_to_disk(str(tmp))
    shutil.rmtree(path, ignore_errors=True)
    os.replace(tmp, path)
    return path


@contextlib.contextmanager
def writer_lock(db_path: str | Path) -> Iterator[Path]:
    """Hold the exclusive writer lock of a DB path for the block (``<name>.lock``, with the PID).

    A second writer on the same path fails at once with a message naming the holder, instead of
    racing for the rename (two runs would otherwise lose a ``runs`` row).

    Raises:
        StoreBusyError: another process holds the lock.
    """
    import fcntl

    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = db_path.with_name(f"{db_path.name}.lock")
    fh = open(lock, "a+")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise StoreBusyError(
                f"{db_path} is being written by another cleanroom process (pid {holder}); "
                "wait for it to finish, or give another --db"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield lock
    finally:
        fh.close()


class StoreBusyError(CleanroomError):
    """Another process is writing the same DB path."""


def read_history(db_path: Path, sql: str) -> pl.DataFrame | None:
    """The result of ``sql`` on the DB about to be replaced (None when there is no such file).

    Raises:
        InputError: the file exists but cannot be read: the run refuses rather than silently
            dropping the history it would copy forward.
    """
    if not db_path.exists():
        return None
    try:
        return read_table(db_path, sql)
    except duckdb.Error as e:
        raise InputError(
            str(db_path),
            None,
            f"cannot read the run history to carry it forward ({type(e).__name__}: {e}); "
            "nothing was written. Close other programs using this file or give another --db",
        ) from None


@dataclass(frozen=True)
class OutputPaths:
    """Where one run writes: the DuckDB file, the Parquet folder and the HF folder, together."""

    db: Path
    parquet_dir: Path
    hf_dir: Path

    @classmethod
    def resolve(
        cls,
        db: str | Path,
        parquet_dir: str | Path,
        hf_dir: str | Path,
        *,
        out: str | Path | None = None,
        db_given: str | Path | None = None,
    ) -> OutputPaths:
        """The recipe's outputs, moved together: ``out`` puts all three under one root
        (``out/cleanroom.duckdb``, ``out/parquet``, ``out/hf``); ``db_given`` moves the DB and
        puts the Parquet and HF copies beside it, so they never drift apart.

        Example: ``resolve("out/c.duckdb", "out/parquet", "out/hf", db_given="x/c.duckdb")``
        -> ``x/c.duckdb``, ``x/parquet``, ``x/hf``.
        """
        if out is not None:
            root = Path(out)
            return cls(root / Path(db).name, root / "parquet", root / "hf")
        if db_given is not None:
            root = Path(db_given).parent
            return cls(Path(db_given), root / "parquet", root / "hf")
        return cls(Path(db), Path(parquet_dir), Path(hf_dir))

    def check(self) -> None:
        """Fail before any data is read when an output cannot be created: a parent that is a
        file, or a folder that is not writable."""
        for path, what in ((self.db.parent, "--db folder"), (self.parquet_dir, "Parquet folder"),
                           (self.hf_dir, "HF folder")):  # fmt: skip
            check_writable_dir(path, what)


def check_writable_dir(path: Path, what: str) -> None:
    """Raise ConfigError unless ``path`` is, or can be created as, a writable folder."""
    probe = Path(path)
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ConfigError(f"{what} {path}: {probe} is a file, not a folder")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"{what} {path}: {probe} is not writable")

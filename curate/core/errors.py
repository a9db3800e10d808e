"""One error hierarchy for the whole toolkit.

The CLI turns these into one clear message and an exit code (2 for configuration or usage
errors, 1 for the rest); a traceback is shown only with ``--debug``. Bad *data* is never an
exception: it becomes a ``drop_reason`` or a quarantine row.
"""

from __future__ import annotations


class CleanroomError(Exception):
    """Base class: every error the toolkit raises on purpose."""

    exit_code = 1


class ConfigError(CleanroomError):
    """A recipe, option or argument is wrong; raised before any data is touched."""

    exit_code = 2


class SchemaError(CleanroomError):
    """A frame does not have the columns or types a step or table needs."""


class InputError(CleanroomError):
    """An input cannot be read at all (not a single bad line: those are quarantined).

    Example: ``InputError("data.json", 3, "Expecting ',' delimiter")`` prints
    ``data.json:3: Expecting ',' delimiter``.
    """

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = str(path), line, message
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


class ConservationError(CleanroomError):
    """Records were lost between what a reader saw and what the run would write: the run stops
    and writes nothing (``read = records + quarantined`` per file, ``records = kept + dropped``)."""


class StepError(CleanroomError):
    """A step broke its contract (lost rows, changed ids) or failed on a batch."""


class MissingDependencyError(CleanroomError):
    """An optional package or asset is missing; the message carries the command that fixes it."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"{what} is not available. Fix: {fix}")

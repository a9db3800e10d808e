"""One generic registry for everything looked up by name: steps, formats, layouts, benchmarks,
presets and app pages.

A :class:`Registry` is a read-only mapping from key to value with two additions: ``add`` (or the
``register`` decorator) refuses a key twice, and an unknown key fails with a did-you-mean hint as a
:class:`~curate.core.errors.ConfigError` (which is also a ``KeyError``, so ``in`` and ``.get`` work as
on any mapping).

Example::

    PRESETS: Registry[Preset] = Registry("preset")
    PRESETS.add("gpt3", Preset(...))
    PRESETS["gtp3"]  # ConfigError: unknown preset 'gtp3'; did you mean 'gpt3'? (known: gpt3)
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # pydantic costs ~0.1 s to import; only the annotation needs it here
    from pydantic import ValidationError

from curate.core.errors import ConfigError

T = TypeVar("T")


class UnknownKeyError(ConfigError, KeyError):
    """An unknown registry key: a configuration error that mappings also see as a ``KeyError``."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class Registry(Mapping[str, T], Generic[T]):
    """Named values of one kind, in registration order.

    Args:
        what: what a value is, for messages (``"step"``, ``"benchmark"``).
        hint: appended to the unknown-key message, e.g. ``"(`cleanroom steps` lists them)"``.
    """

    def __init__(self, what: str, hint: str = "") -> None:
        self.what = what
        self.hint = hint
        self._items: dict[str, T] = {}

    def add(self, key: str, value: T) -> T:
        """Register ``value`` under ``key``; a key registered twice is a programming error."""
        if key in self._items:
            raise ValueError(f"{self.what} {key!r} registered twice")
        self._items[key] = value
        return value

    def discard(self, key: str) -> None:
        """Forget ``key`` if registered (tests that register a temporary value clean up with it)."""
        self._items.pop(key, None)

    def register(self, key: str) -> Callable[[T], T]:
        """Decorator form of :meth:`add`: ``@PAGES.register("overview")``."""

        def deco(value: T) -> T:
            return self.add(key, value)

        return deco

    def __getitem__(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise UnknownKeyError(self.unknown(key)) from None

    def unknown(self, key: str) -> str:
        """The message for an unknown key: ``unknown step 'x'; did you mean 'y'? (...)``."""
        tail = self.hint or f"(known: {', '.join(self._items) or 'none'})"
        return f"unknown {self.what} {key!r}{did_you_mean(key, self._items)} {tail}"

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __repr__(self) -> str:
        return f"Registry({self.what!r}, {list(self._items)})"


def did_you_mean(name: str, choices: Any) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""``.

    Example: ``did_you_mean("lenght_filter_v1", ["length_filter_v1"])``
    -> ``"; did you mean 'length_filter_v1'?"``.
    """
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def format_validation_error(e: ValidationError) -> str:
    """One line per pydantic error: ``min_chars: Input should be a valid integer (got 'abc')``."""
    parts = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "value"
        parts.append(f"{loc}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(parts)


def validate_key(registry: Mapping[str, Any], key: str, where: str) -> None:
    """Raise ConfigError (with the registry's hint) when ``key`` is not registered."""
    if key not in registry:
        msg = registry.unknown(key) if isinstance(registry, Registry) else f"unknown key {key!r}"
        raise ConfigError(f"{where}: {msg}")

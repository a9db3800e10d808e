"""Layouts: how the fields of a raw row become a Record (``kind``, ``text``, ``messages``).

=================  =====================================================================
layout             fields
=================  =====================================================================
text               ``text`` (a plain document)
alpaca             ``instruction``, ``input`` (optional), ``output``
dolly              ``instruction``, ``context`` (optional), ``response``
sharegpt           ``conversations``: [{``from``, ``value``}]
messages           ``messages``: [{``role``, ``content``}]
prompt_completion  ``prompt``, ``completion``
natural_instructions  a Super-NaturalInstructions task file, read whole by
                   :func:`curate.io.ingest.read_natural_instructions` (no per-row mapper)
=================  =====================================================================

Each layout is a :class:`Layout` in :data:`LAYOUTS`; a new one is one ``LAYOUTS.add`` call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from curate.core.records import join_messages
from curate.core.registry import Registry

Mapped = tuple[str, str | None, list[dict] | None]
_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bard": "assistant",
    "bing": "assistant",
    "model": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "tool",
}


@dataclass(frozen=True)
class Layout:
    """A layout: the fields that identify it (empty: never detected from fields) and its mapper."""

    name: str
    needs: tuple[str, ...]
    map: Callable[[Mapping[str, Any]], Mapped] | None


LAYOUTS: Registry[Layout] = Registry("layout")
# Detection tries the most specific layouts first: chat lists, then instruction pairs, then text.
DETECT_ORDER = ("messages", "sharegpt", "alpaca", "dolly", "prompt_completion", "text")


def need_str(fields: Mapping[str, Any], name: str, optional: bool = False) -> str:
    """A string field, ``""`` for a missing optional one; ValueError otherwise."""
    value = fields.get(name)
    if value is None:
        if optional:
            return ""
        raise ValueError(f"missing field {name!r}")
    if not isinstance(value, str):
        raise ValueError(f"field {name!r} should be a string, found {type(value).__name__}")
    return value


def _chat(turns: Any, role_key: str, content_key: str) -> list[dict[str, str]]:
    if not isinstance(turns, list) or not turns:
        raise ValueError("expected a non-empty list of turns")
    out = []
    for turn in turns:
        if not isinstance(turn, Mapping):
            raise ValueError(f"a turn should be an object with {role_key!r}/{content_key!r}")
        role = _ROLES.get(str(turn.get(role_key, "")).lower())
        if role is None:
            raise ValueError(f"unknown role {turn.get(role_key)!r}")
        content = turn.get(content_key)
        if not isinstance(content, str):
            raise ValueError(f"turn {content_key!r} should be a string")
        out.append({"role": role, "content": content})
    return out


def _instruction(messages: list[dict[str, str]]) -> Mapped:
    return "instruction", join_messages(messages), messages


def _pair(extra: str, answer: str) -> Callable[[Mapping[str, Any]], Mapped]:
    def mapper(fields: Mapping[str, Any]) -> Mapped:
        instruction = need_str(fields, "instruction")
        context = need_str(fields, extra, optional=True)
        output = need_str(fields, answer)
        prompt = instruction if not context.strip() else f"{instruction}\n\n{context}"
        return _instruction(
            [{"role": "user", "content": prompt}, {"role": "assistant", "content": output}]
        )

    return mapper


def _prompt_completion(fields: Mapping[str, Any]) -> Mapped:
    return _instruction(
        [
            {"role": "user", "content": need_str(fields, "prompt")},
            {"role": "assistant", "content": need_str(fields, "completion")},
        ]
    )


LAYOUTS.add("text", Layout("text", ("text",), lambda f: ("document", need_str(f, "text"), None)))
LAYOUTS.add("alpaca", Layout("alpaca", ("instruction", "output"), _pair("input", "output")))
LAYOUTS.add("dolly", Layout("dolly", ("instruction", "response"), _pair("context", "response")))
LAYOUTS.add(
    "sharegpt",
    Layout(
        "sharegpt",
        ("conversations",),
        lambda f: _instruction(_chat(f.get("conversations"), "from", "value")),
    ),
)
LAYOUTS.add(
    "messages",
    Layout(
        "messages",
        ("messages",),
        lambda f: _instruction(_chat(f.get("messages"), "role", "content")),
    ),
)
LAYOUTS.add(
    "prompt_completion", Layout("prompt_completion", ("prompt", "completion"), _prompt_completion)
)
LAYOUTS.add("natural_instructions", Layout("natural_instructions", (), None))
STANDARD_FIELDS = frozenset(f for lay in LAYOUTS.values() for f in lay.needs) | {
    "input",
    "context",
}


def detect_layout(keys: set[str]) -> str | None:
    """The layout a set of field names fits, or None.

    Example: ``{"instruction", "input", "output"}`` -> ``"alpaca"``.
    """
    return next((n for n in DETECT_ORDER if all(k in keys for k in LAYOUTS[n].needs)), None)


def layout_help(where: str, keys: set[str]) -> str:
    """The message for an input whose layout cannot be told from its fields."""
    found = ", ".join(sorted(keys)) or "none"
    return (
        f"cannot tell the layout of {where}: fields found: {found}. Map them in the recipe, e.g.\n"
        f"  inputs:\n    - name: mydata\n      path: {where}\n"
        "      fields: {text: body}                      # a plain document\n"
        "      # or fields: {instruction: question, output: answer}   (alpaca layout)\n"
        f"Known layouts: {', '.join(LAYOUTS)}."
    )


def map_row(layout: str, fields: Mapping[str, Any]) -> Mapped:
    """Map one row to ``(kind, text, messages)``; raises ValueError for a row that cannot be mapped.

    Example: alpaca ``{"instruction": "Add", "input": "2+2", "output": "4"}`` ->
    ``("instruction", "Add\\n\\n2+2\\n\\n4", [user "Add\\n\\n2+2", assistant "4"])``.
    """
    mapper = LAYOUTS[layout].map if layout in LAYOUTS else None
    if mapper is None:
        raise ValueError(f"unknown layout {layout!r}")
    return mapper(fields)

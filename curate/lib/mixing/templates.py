"""Prompt templates as data: YAML files of sandboxed Jinja2, grouped in task families.

The convention of promptsource/P3 (Bach et al. 2022) and FLAN (Wei et al. 2022; Chung et al. 2022,
"~10 templates per task"): a template is data, not code. Each one renders a ``prompt`` and a
``completion`` from a record, in a :class:`jinja2.sandbox.SandboxedEnvironment` with
``StrictUndefined`` (a missing field is an error, never an empty string). Templates may be
few-shot (``shots: k`` exemplars from the same source, never the example itself), offer
``options`` for classification tasks, or be *inverted* (FLAN's task transformation: from the
answer, produce the question).

A template file::

    family: qa
    templates:
      - id: qa_plain_v1
        prompt: "{{ fields.question }}"
        completion: "{{ fields.answer }}"
      - id: qa_inverted_v1
        inverted: true
        prompt: "Write a question whose answer is: {{ fields.answer }}"
        completion: "{{ fields.question }}"

Variables a template sees (see docs/MIXTURES.md): ``prompt`` and ``response`` (the record's
messages before / at the last assistant turn), ``text``, ``messages``, ``fields`` (the original
fields, from ``meta``), ``task`` (a Natural-Instructions task: ``definition``,
``positive_examples``, ``options``, ``name``), ``options``, ``exemplars`` (list of the same
variables for the k exemplars), ``source``, ``id``.

The special template ``plain_v1`` is a passthrough: instruction records keep their messages (any
number of turns); documents become pretraining rows (empty prompt, the text as completion).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from curate.core.errors import ConfigError
from curate.core.registry import did_you_mean

BUILTIN_DIR = Path(__file__).parent / "templates"
PASSTHROUGH = "plain_v1"
_TEMPLATE_KEYS = {
    "id",
    "prompt",
    "completion",
    "system",
    "shots",
    "inverted",
    "needs_options",
    "doc",
}


@dataclass(frozen=True)
class Template:
    """One template: Jinja2 sources for the prompt and completion, and how it is used.

    Attributes:
        id: versioned id, e.g. ``qa_plain_v1``; it is the ``template_id`` of the rows it renders.
        family: the task family (``instruction``, ``natural_instructions``, ``qa``, ...).
        prompt: Jinja2 source of the user turn.
        completion: Jinja2 source of the assistant turn (the loss-bearing part).
        system: optional Jinja2 source of a system turn.
        shots: number of exemplars drawn from the same source (0: zero-shot).
        inverted: FLAN's task inversion (the answer is in the prompt, the question is the target).
        needs_options: the template is only used for rows that have ``options``.
    """

    id: str
    family: str
    prompt: str
    completion: str
    system: str | None = None
    shots: int = 0
    inverted: bool = False
    needs_options: bool = False
    doc: str = ""

    def sha256(self) -> str:
        """Hash of everything that changes what the template renders."""
        canon = json.dumps(
            [self.id, self.prompt, self.completion, self.system, self.shots], sort_keys=True
        )
        return hashlib.sha256(canon.encode()).hexdigest()


@dataclass(frozen=True)
class Rendered:
    """A rendered row: system (maybe empty), prompt and completion strings."""

    system: str
    prompt: str
    completion: str


def final_answer(answer: str) -> str:
    """The final answer of a GSM8K-style solution (after ``####``), else the answer stripped.

    Example: ``"3 + 4 = <<3+4=7>>7\\n#### 7"`` -> ``"7"``.
    """
    return answer.rsplit("####", 1)[1].strip() if "####" in answer else answer.strip()


def strip_final_answer(answer: str) -> str:
    """A GSM8K-style solution without calculator annotations ``<<...>>``.

    Example: ``"3 + 4 = <<3+4=7>>7\\n#### 7"`` -> ``"3 + 4 = 7\\n#### 7"``.
    """
    return re.sub(r"<<[^<>]*>>", "", answer)


MAX_RENDER_CHARS = 1_000_000  # one rendered prompt or completion
MAX_RANGE = 10_000  # range() in a template
MAX_RENDER_SECONDS = 5.0  # checked at every range() call of one render
_DEADLINE = threading.local()


class LimitedEnvironment(SandboxedEnvironment):
    """Jinja2's sandbox plus limits on work: ``range`` is capped and checks a per-render
    deadline, ``*`` and ``**`` refuse results over :data:`MAX_RENDER_CHARS` (and are never folded
    at compile time, so ``'a' * 3000000000`` cannot allocate in ``--dry-run``), and the output of a
    render is cut off at :data:`MAX_RENDER_CHARS`.

    Example: ``LimitedEnvironment().from_string("{{ 'a' * 3000000000 }}").render()`` raises
    ``SecurityError`` at once.
    """

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            seq, times = (left, right) if isinstance(right, int) else (right, left)
            sized = isinstance(seq, (str, list, tuple)) and isinstance(times, int)
            if sized and len(seq) * times > MAX_RENDER_CHARS:
                raise SecurityError(f"template result over {MAX_RENDER_CHARS:,} characters")
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise SecurityError("template exponent over 64")
        return super().call_binop(context, operator, left, right)


def _limited_range(*args: int) -> range:
    deadline = getattr(_DEADLINE, "at", None)
    if deadline is not None and time.monotonic() > deadline:
        raise SecurityError(f"template rendering took over {MAX_RENDER_SECONDS} s")
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise SecurityError(f"range of {len(r):,} items in a template (the limit is {MAX_RANGE:,})")
    return r


def _bounded_concat(pieces: Any) -> str:
    out, size = [], 0
    for piece in pieces:
        size += len(piece)
        if size > MAX_RENDER_CHARS:
            raise SecurityError(f"template output over {MAX_RENDER_CHARS:,} characters")
        out.append(piece)
    return "".join(out)


def render_limited(template: Any, context: dict[str, Any]) -> str:
    """Render a compiled template under the time limit (see :class:`LimitedEnvironment`)."""
    _DEADLINE.at = time.monotonic() + MAX_RENDER_SECONDS
    try:
        return template.render(context)
    finally:
        _DEADLINE.at = None


def _env() -> SandboxedEnvironment:
    env = LimitedEnvironment(
        undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False
    )
    env.globals["range"] = _limited_range
    env.concat = _bounded_concat  # type: ignore[method-assign]
    env.filters["letter"] = lambda i: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[int(i)]
    env.filters["final_answer"] = final_answer
    env.filters["strip_final_answer"] = strip_final_answer
    return env


ENV = _env()


class CompiledTemplate:
    """A :class:`Template` with its Jinja2 sources compiled once."""

    def __init__(self, t: Template) -> None:
        self.template = t
        try:
            self._prompt = ENV.from_string(t.prompt)
            self._completion = ENV.from_string(t.completion)
            self._system = ENV.from_string(t.system) if t.system else None
        except TemplateError as e:
            raise ConfigError(f"template {t.id!r}: invalid Jinja2: {e}") from None

    def render(self, context: dict[str, Any]) -> Rendered:
        """Render; raises :class:`jinja2.TemplateError` (e.g. an undefined field) on a bad row."""
        return Rendered(
            system=render_limited(self._system, context).strip() if self._system else "",
            prompt=render_limited(self._prompt, context).strip(),
            completion=render_limited(self._completion, context).strip(),
        )


def parse_template_file(path: Path) -> list[Template]:
    """Templates of one YAML file; raises ConfigError naming the file and template."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read template file: {e}") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("templates"), list)
        or not isinstance(data.get("family"), str)
    ):
        raise ConfigError(
            f"{path}: a template file is a mapping with 'family' and a list 'templates'"
        )
    out = []
    for i, raw in enumerate(data["templates"]):
        at = f"{path}: templates[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError(f"{at}: expected a mapping")
        unknown = set(raw) - _TEMPLATE_KEYS
        if unknown:
            k = sorted(unknown)[0]
            raise ConfigError(f"{at}: unknown key {k!r}{did_you_mean(k, _TEMPLATE_KEYS)}")
        for need in ("id", "prompt", "completion"):
            if not isinstance(raw.get(need), str):
                raise ConfigError(f"{at}: {need!r} is required (a string)")
        if not raw["id"].rsplit("_v", 1)[-1].isdigit():
            raise ConfigError(f"{at}: template id {raw['id']!r} must end in a version, e.g. '_v1'")
        shots = raw.get("shots", 0)
        if not isinstance(shots, int) or shots < 0:
            raise ConfigError(f"{at} ({raw['id']}): shots must be a non-negative integer")
        t = Template(
            id=raw["id"],
            family=data["family"],
            prompt=raw["prompt"],
            completion=raw["completion"],
            system=raw.get("system"),
            shots=shots,
            inverted=bool(raw.get("inverted", False)),
            needs_options=bool(raw.get("needs_options", False)),
            doc=str(raw.get("doc", "")),
        )
        CompiledTemplate(t)  # compile now: a syntax error is a config error
        out.append(t)
    return out


@dataclass(frozen=True)
class TemplateSet:
    """Templates by id, and ids by family."""

    by_id: dict[str, Template]

    def families(self) -> dict[str, list[str]]:
        fam: dict[str, list[str]] = {}
        for t in self.by_id.values():
            fam.setdefault(t.family, []).append(t.id)
        return fam

    def resolve(self, names: tuple[str, ...] | list[str], where: str) -> list[Template]:
        """Template ids and family names -> templates (a family expands to all its templates).

        Example: ``["qa", "instruction_plain_v1"]`` -> every ``qa`` template, then instruction_plain_v1.
        """
        fams = self.families()
        out: list[Template] = []
        for name in names:
            if name == PASSTHROUGH:
                out.append(PASSTHROUGH_TEMPLATE)
            elif name in self.by_id:
                out.append(self.by_id[name])
            elif name in fams:
                out.extend(self.by_id[i] for i in fams[name])
            else:
                choices = [*self.by_id, *fams, PASSTHROUGH]
                raise ConfigError(
                    f"{where}: unknown template or family {name!r}{did_you_mean(name, choices)}"
                )
        seen: dict[str, Template] = {}
        for t in out:
            seen.setdefault(t.id, t)
        return list(seen.values())


PASSTHROUGH_TEMPLATE = Template(
    id=PASSTHROUGH,
    family="passthrough",
    prompt="",
    completion="",
    doc="messages kept as they are; documents become pretraining rows",
)


@lru_cache(maxsize=1)
def builtin_templates() -> tuple[Template, ...]:
    """Every built-in template (``curate/lib/mixing/templates/*.yaml``)."""
    out: list[Template] = []
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        out.extend(parse_template_file(path))
    return tuple(out)


def load_templates(extra_files: tuple[str, ...] | list[str] = ()) -> TemplateSet:
    """Built-ins plus user template files; a duplicate id is a ConfigError."""
    by_id: dict[str, Template] = {}
    sources: dict[str, str] = {}
    files = [(str(BUILTIN_DIR), t) for t in builtin_templates()]
    for f in extra_files:
        files.extend((f, t) for t in parse_template_file(Path(f)))
    for where, t in files:
        if t.id in by_id or t.id == PASSTHROUGH:
            raise ConfigError(
                f"{where}: template id {t.id!r} is already defined ({sources.get(t.id, 'built-in')}); give it a new id or version"
            )
        by_id[t.id] = t
        sources[t.id] = where
    return TemplateSet(by_id)

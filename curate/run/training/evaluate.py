"""Score benchmark items with a causal LM: answer log-likelihood, greedy exact match, pass@1.

Every item is rendered exactly as training rendered a prompt/completion pair
(:func:`curate.run.training.data.render_pair`: the chat template when the tokenizer has one), then:

- ``answer_nll``: mean negative log-likelihood per token of the rendered answer given the
  question (lower is better); ``answer_logprob`` is its sum (the per-item log-likelihood that
  lm-evaluation-harness' ``loglikelihood`` requests compute, Gao et al. 2021);
- ``exact_match``: for short answers (at most ``em_max_tokens`` tokens), whether greedy decoding
  from the question reproduces the answer (case and whitespace folded); null for long answers;
- ``pass@1``: HumanEval only, greedy completion run against the item's unit tests in a separate,
  resource-limited process with a timeout (:mod:`curate.run.training.sandbox`); never in-process.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.core.errors import ConfigError
from curate.run.training.data import IGNORE, encode_pair, render_pair

SCORE_SCHEMA = pl.Schema(
    {
        "item_id": pl.String,
        "answer_tokens": pl.Int64,
        "answer_logprob": pl.Float64,
        "answer_nll": pl.Float64,
        "exact_match": pl.Float64,
        "pass@1": pl.Float64,
        "generation": pl.String,
    }
)
# Where a HumanEval completion ends (Chen et al. 2021, Sec. 2.3: stop at these sequences).
HUMANEVAL_STOPS = ("\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#")


@dataclass(frozen=True)
class EvalOptions:
    """Scoring options.

    Attributes:
        batch_size: items per forward pass (log-likelihood).
        max_len: tokens per item (the question is cut from the left first).
        em_max_tokens: answers with at most this many tokens also get greedy exact match.
        execute: run HumanEval completions in the sandbox for pass@1.
        gen_tokens: new tokens for a HumanEval completion.
        timeout: seconds per sandboxed HumanEval program.
    """

    batch_size: int = 16
    max_len: int = 512
    em_max_tokens: int = 16
    execute: bool = True
    gen_tokens: int = 256
    timeout: float = 5.0


def load_model(model: str, device: str) -> tuple[Any, Any]:
    """A causal LM and its tokenizer from a folder (or hub id), in eval mode on ``device``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    lm = AutoModelForCausalLM.from_pretrained(model, dtype=dtype).to(device)
    lm.eval()
    return lm, tok


def answer_loglik(
    model: Any, tok: Any, items: pl.DataFrame, opts: EvalOptions, device: str
) -> pl.DataFrame:
    """``item_id, answer_tokens, answer_logprob, answer_nll`` for every item with an answer.

    Example: an item whose two answer tokens get probabilities 0.5 and 0.25 ->
    ``answer_logprob = ln 0.5 + ln 0.25 = -2.079``, ``answer_nll = 1.040``.
    """
    import torch

    limit = context_limit(model, opts.max_len)
    rows = [
        (item_id, *encode_pair(tok, text, answer, None, limit)[:2])
        for item_id, text, answer in items.select("item_id", "text", "answer").iter_rows()
        if answer
    ]
    out: list[dict[str, Any]] = []
    pad = tok.pad_token_id
    for start in range(0, len(rows), opts.batch_size):
        batch = rows[start : start + opts.batch_size]
        width = max(len(ids) for _, ids, _ in batch)
        ids = torch.tensor([r[1] + [pad] * (width - len(r[1])) for r in batch], device=device)
        labels = torch.tensor([r[2] + [IGNORE] * (width - len(r[2])) for r in batch], device=device)
        mask = torch.tensor(
            [[1] * len(r[1]) + [0] * (width - len(r[1])) for r in batch], device=device
        )
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=mask).logits.float()
        logp = torch.log_softmax(logits[:, :-1], dim=-1)
        target = labels[:, 1:]
        keep = target != IGNORE
        picked = logp.gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1) * keep
        sums, counts = picked.sum(-1).tolist(), keep.sum(-1).tolist()
        for (item_id, _, _), s, n in zip(batch, sums, counts, strict=True):
            out.append(
                {
                    "item_id": item_id,
                    "answer_tokens": int(n),
                    "answer_logprob": float(s),
                    "answer_nll": float(-s / n) if n else None,
                }
            )
    return pl.DataFrame(
        out,
        schema={
            k: SCORE_SCHEMA[k] for k in ("item_id", "answer_tokens", "answer_logprob", "answer_nll")
        },
    )


def context_limit(model: Any, max_len: int) -> int:
    """``max_len`` capped at the model's context length (``n_positions``/``max_position_embeddings``)."""
    config = model.config
    limit = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    return min(max_len, int(limit)) if limit else max_len


def greedy(model: Any, tok: Any, prompt: str, new_tokens: int, device: str, max_len: int) -> str:
    """Greedy continuation of ``prompt`` rendered as a user turn (special tokens dropped)."""
    import torch

    head, _ = render_pair(tok, prompt, "")
    ids = tok(head, add_special_tokens=False)["input_ids"]
    ids = ids[-max(1, context_limit(model, max_len) - new_tokens) :]
    x = torch.tensor([ids], device=device)
    with torch.no_grad():
        y = model.generate(
            x,
            attention_mask=torch.ones_like(x),
            max_new_tokens=new_tokens,
            do_sample=False,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.pad_token_id,
        )
    return tok.decode(y[0, len(ids) :], skip_special_tokens=True)


def normalise_answer(text: str) -> str:
    """Fold case and whitespace, drop a trailing period: ``" The  Answer.\\n"`` -> ``"the answer"``."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".").lower()


def exact_match(
    model: Any, tok: Any, items: pl.DataFrame, opts: EvalOptions, device: str
) -> pl.DataFrame:
    """``item_id, exact_match, generation`` for items whose answer has <= ``em_max_tokens`` tokens."""
    out = []
    for item_id, text, answer in items.select("item_id", "text", "answer").iter_rows():
        if not answer:
            continue
        n = len(tok(answer, add_special_tokens=False)["input_ids"])
        if n > opts.em_max_tokens:
            continue
        gen = greedy(model, tok, text, n + 4, device, opts.max_len)
        out.append(
            {
                "item_id": item_id,
                "exact_match": float(normalise_answer(gen) == normalise_answer(answer)),
                "generation": gen,
            }
        )
    return pl.DataFrame(
        out, schema={"item_id": pl.String, "exact_match": pl.Float64, "generation": pl.String}
    )


def truncate_completion(text: str) -> str:
    """Cut a HumanEval completion at the first stop sequence.

    Example: ``"    return 1\\ndef g():\\n"`` -> ``"    return 1"``.
    """
    cut = len(text)
    for stop in HUMANEVAL_STOPS:
        at = text.find(stop)
        if at != -1:
            cut = min(cut, at)
    return text[:cut]


def humaneval_pass(
    model: Any, tok: Any, items: pl.DataFrame, opts: EvalOptions, device: str
) -> pl.DataFrame:
    """``item_id, pass@1, generation``: greedy completion of each prompt, run in the sandbox."""
    from curate.run.training.sandbox import humaneval_problems, run_humaneval

    problems = humaneval_problems()
    out = []
    for item_id, text in items.select("item_id", "text").iter_rows():
        if item_id not in problems:
            continue
        completion = truncate_completion(
            greedy(model, tok, text, opts.gen_tokens, device, opts.max_len)
        )
        ok = run_humaneval(problems[item_id], completion, opts.timeout).passed
        out.append({"item_id": item_id, "pass@1": float(ok), "generation": completion})
    return pl.DataFrame(
        out, schema={"item_id": pl.String, "pass@1": pl.Float64, "generation": pl.String}
    )


def score_items(
    model: Any,
    tok: Any,
    items: pl.DataFrame,
    opts: EvalOptions,
    device: str,
    humaneval: bool = False,
    progress: Callable[[str], None] | None = None,
) -> pl.DataFrame:
    """Every item's scores (:data:`SCORE_SCHEMA`); metrics an item cannot have are null."""
    say = progress or (lambda _m: None)
    say(f"log-likelihood of {items.height} answers")
    frame = items.select("item_id").join(
        answer_loglik(model, tok, items, opts, device), on="item_id", how="left"
    )
    say("greedy exact match (short answers)")
    em = exact_match(model, tok, items, opts, device)
    frame = frame.join(em, on="item_id", how="left")
    if humaneval and opts.execute:
        say("HumanEval pass@1 (sandboxed)")
        passed = humaneval_pass(model, tok, items, opts, device)
        frame = frame.join(passed, on="item_id", how="left", suffix="_code")
        frame = frame.with_columns(generation=pl.coalesce("generation_code", "generation")).drop(
            "generation_code"
        )
    for col, dtype in SCORE_SCHEMA.items():
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(col))
    return frame.select(list(SCORE_SCHEMA)).cast(dict(SCORE_SCHEMA))


def check_model_dir(model: str) -> None:
    """A model given as a folder must hold a tokenizer (ConfigError otherwise)."""
    from curate.run.training.trainer import check_model_arg

    if Path(model).exists() or not model.startswith("tiny"):
        check_model_arg(model)
    else:
        raise ConfigError(
            f"{model!r}: eval needs a trained checkpoint folder (train one with `cleanroom train`)"
        )

"""The offline ``--model tiny``: a tokenizer trained on the mixture and a small random causal LM.

Nothing is downloaded: the byte-level BPE tokenizer (GPT-2's pre-tokenisation, Radford et al.
2019) is trained with the ``tokenizers`` library on the mixture's own text, and the model is built
from a config (GPT-2 or Llama architecture) with random weights. It is meant for tests, the planted
contamination experiment and smoke runs, not for useful answers.

The tokenizer carries a minimal chat template, so the chat-template code path is the one exercised::

    <|user|>
    What is 2+2?
    <|assistant|>
    4<|endoftext|>
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from curate.core.errors import ConfigError

PAD, EOS, USER, ASSISTANT = "<|pad|>", "<|endoftext|>", "<|user|>", "<|assistant|>"
CHAT_TEMPLATE = (  # transformers renders with trim_blocks: newlines are written as strings
    "{% for m in messages %}{{ '<|' + m['role'] + '|>\\n' + m['content'] }}"
    "{% if m['role'] == 'assistant' %}{{ '<|endoftext|>' }}{% endif %}{{ '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
)
TINY_MODELS = ("tiny", "tiny-gpt2", "tiny-llama")


@dataclass(frozen=True)
class TinySpec:
    """Size of the tiny model.

    Attributes:
        arch: ``gpt2`` or ``llama``.
        vocab_size: BPE vocabulary size (special tokens included).
        hidden: embedding width.
        layers: transformer blocks.
        heads: attention heads.
        max_len: context length.
    """

    arch: str = "gpt2"
    vocab_size: int = 1024
    hidden: int = 128
    layers: int = 2
    heads: int = 4
    max_len: int = 256


def is_tiny(model: str) -> bool:
    """``tiny``, ``tiny-gpt2`` and ``tiny-llama`` name the offline tiny model."""
    return model in TINY_MODELS


def spec_for(model: str, max_len: int) -> TinySpec:
    """The :class:`TinySpec` for a tiny model name: ``tiny-llama`` -> Llama, else GPT-2."""
    if not is_tiny(model):
        raise ConfigError(f"not a tiny model: {model!r} (one of {', '.join(TINY_MODELS)})")
    return TinySpec(arch="llama" if model == "tiny-llama" else "gpt2", max_len=max_len)


def train_tokenizer(texts: list[str], vocab_size: int = 1024) -> Any:
    """A byte-level BPE ``PreTrainedTokenizerFast`` trained on ``texts`` (offline, deterministic).

    Example: ``train_tokenizer(["hello world"] * 10, 300)("hello")["input_ids"]`` -> a few ids,
    and ``.decode`` gives ``"hello"`` back (byte-level BPE round-trips any string).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[PAD, EOS, USER, ASSISTANT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token=PAD, eos_token=EOS, bos_token=EOS, unk_token=None
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_model(tokenizer: Any, spec: TinySpec, seed: int) -> Any:
    """A randomly initialised causal LM of ``spec``'s architecture sized for ``tokenizer``."""
    import torch
    from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig

    common = {
        "vocab_size": len(tokenizer),
        "bos_token_id": tokenizer.eos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    if spec.arch == "llama":
        config: Any = LlamaConfig(
            hidden_size=spec.hidden,
            intermediate_size=spec.hidden * 2,
            num_hidden_layers=spec.layers,
            num_attention_heads=spec.heads,
            num_key_value_heads=spec.heads,
            max_position_embeddings=spec.max_len,
            tie_word_embeddings=True,
            **common,
        )
    else:
        config = GPT2Config(
            n_embd=spec.hidden,
            n_layer=spec.layers,
            n_head=spec.heads,
            n_positions=spec.max_len,
            **common,
        )
    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(config)

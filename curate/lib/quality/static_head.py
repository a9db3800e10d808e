"""The fast default quality scorer: static token embeddings distilled from MiniLM, and a linear head.

A static-embedding model (model2vec, Tulkens & van Dongen 2024) is a sentence encoder with no
layers: every token of the encoder's vocabulary gets one vector, computed once, offline, by running
the token through the transformer, reducing the outputs with PCA and down-weighting frequent
tokens (SIF, Arora et al. 2017); a text's embedding is the mean of its tokens' vectors. The one
shipped here was distilled from the same ``all-MiniLM-L6-v2`` the accurate scorer runs
(:mod:`curate.lib.quality.minilm_head`), by :mod:`curate.lib.quality.train_static_head`: 29,525 tokens x
128 dimensions, stored as int8 with one scale per dimension (about 4 MB with the tokenizer).

Reading a record costs one tokenizer pass (Hugging Face ``tokenizers``, Rust) and one sparse
product (token counts x vectors, SciPy): thousands of records a second on one core, where MiniLM
reads tens. No torch is imported.

A static embedding is a bag of tokens: it cannot see word order, where the answer stops, or a phrase
looped. :func:`answer_stats` adds four cheap statistics that can, and the head
(``assets/static_quality_head_v1.npz``) is a logistic regression over
``[pair features of the two embeddings (as minilm_quality_v1), answer_stats]``. Held-out figures,
on the same split as the MiniLM head: docs/QUALITY.md.
"""

from __future__ import annotations

import functools
import itertools
import re
from pathlib import Path

import numpy as np

from curate.core.errors import ConfigError, MissingDependencyError
from curate.lib.quality.minilm_head import ASSETS, LinearHead, as_pair, pair_features

STATIC_MODEL = ASSETS / "static_minilm_v1"
DEFAULT_STATIC_HEAD = ASSETS / "static_quality_head_v1.npz"
MAX_TOKENS = 512

_WORD = re.compile(r"\w+")
_SENTENCE_END = (".", "!", "?", ":", ";")
_ANSWER_END = (".", "!", "?", ")", '"', "'", "`", "}", "]", ";")


class StaticEmbedder:
    """Mean of static token vectors, L2-normalised: model2vec's ``StaticModel.encode``, in SciPy.

    The folder holds ``tokenizer.json`` (the distilled model's) and ``embeddings.npz`` (``q``: int8
    ``(vocab, dim)``, ``scale``: float32 ``(dim,)``; a token's vector is ``q[id] * scale``).

    Like model2vec: no special tokens, the unknown token is dropped, a text is cut to
    ``max_tokens * median token length`` characters and then to ``max_tokens`` tokens, and a text
    with no tokens embeds to zeros.

    Example: ``StaticEmbedder.load().embed(["a b", ""])`` -> a ``(2, 128)`` array whose first row
    has norm 1 and second row is all zeros.
    """

    def __init__(self, folder: str | Path = STATIC_MODEL, *, max_tokens: int | None = MAX_TOKENS):
        try:
            from tokenizers import Tokenizer
        except ImportError:
            raise MissingDependencyError("tokenizers", "pip install tokenizers") from None
        folder = Path(folder)
        if not (folder / "tokenizer.json").is_file() or not (folder / "embeddings.npz").is_file():
            raise ConfigError(
                f"static model folder {folder} needs tokenizer.json and embeddings.npz "
                "(build it with `python -m curate.lib.quality.train_static_head --distill`)"
            )
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        with np.load(folder / "embeddings.npz", allow_pickle=False) as z:
            self.vectors = z["q"].astype(np.float32) * z["scale"].astype(np.float32)
        self.dim = int(self.vectors.shape[1])
        vocab = self.tokenizer.get_vocab()
        self.median_token_length = int(np.median([len(t) for t in vocab]))
        unk = getattr(self.tokenizer.model, "unk_token", None)
        self.unk_id = vocab.get(unk) if unk else None
        self.max_tokens = max_tokens
        if max_tokens is None:
            self.tokenizer.no_truncation()
        else:
            self.tokenizer.enable_truncation(max_tokens)

    @classmethod
    @functools.cache
    def load(cls, folder: str = str(STATIC_MODEL)) -> StaticEmbedder:
        """One embedder per folder per process (the tokenizer and table load once)."""
        return cls(folder)

    def token_ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Flat token ids of all texts and each text's token count.

        Example (shipped model): ``token_ids(["hello world", ""])`` ->
        ``(array([6595, 1091]), array([2, 0]))``.
        """
        if self.max_tokens is not None:
            cut = self.max_tokens * self.median_token_length
            texts = [t[:cut] for t in texts]
        encs = self.tokenizer.encode_batch_fast(texts, add_special_tokens=False)
        lists = [e.ids for e in encs]
        counts = np.fromiter((len(ids) for ids in lists), np.int64, len(lists))
        flat = np.fromiter(itertools.chain.from_iterable(lists), np.int64, int(counts.sum()))
        if self.unk_id is not None and (flat == self.unk_id).any():
            owner = np.repeat(np.arange(len(lists)), counts)
            keep = flat != self.unk_id
            flat, counts = flat[keep], np.bincount(owner[keep], minlength=len(lists))
        return flat, counts

    def embed(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32 unit vectors (zeros for a text without tokens).

        The sums are one sparse product, ``(texts x vocab token counts) @ vectors``, so the
        ``(tokens, dim)`` gather is never built (40x less CPU than ``np.add.reduceat`` on it).
        """
        from scipy.sparse import csr_matrix

        if not texts:
            return np.zeros((0, self.dim), np.float32)
        flat, counts = self.token_ids(list(texts))
        indptr = np.r_[0, np.cumsum(counts)]
        weights = np.repeat(1.0 / np.maximum(counts, 1), counts).astype(np.float32)
        bag = csr_matrix((weights, flat, indptr), shape=(len(counts), self.vectors.shape[0]))
        out = np.asarray(bag @ self.vectors, np.float32)
        norm = np.linalg.norm(out, axis=1, keepdims=True) + 1e-32
        return (out / norm).astype(np.float32)


def answer_stats(prompts: list[str], responses: list[str]) -> np.ndarray:
    """Four statistics of a response that a bag of tokens cannot see, each in [0, 1]:

    - ``overlap``: share of the response's distinct words that occur in the prompt (an answer to
      another question shares few; 0 without a prompt);
    - ``dup_trigrams``: share of repeated word 3-grams (Gopher's duplicate n-gram fraction,
      Rae et al. 2021, Table A1: a looped phrase);
    - ``mid_capitals``: share of words that start upper-case right after a word that does not
      end a sentence (shuffled words put capitals mid-sentence);
    - ``ends_clean``: 1 if the response ends as answers end (``.!?)"'`]};`` or a digit), C4's
      terminal-punctuation rule (Raffel et al. 2020) applied to the answer (a cut-off answer).

    Example: ``answer_stats(["Name a fruit."], ["An apple An apple An apple"])`` ->
    ``[[0.0, 0.5, 0.4, 0.0]]`` (3-grams: 4, distinct 2; two of five following words are
    capitalised mid-sentence; no final punctuation).
    """
    out = np.zeros((len(responses), 4), np.float32)
    for i, (prompt, resp) in enumerate(zip(prompts, responses, strict=True)):
        words = _WORD.findall(resp.lower())
        distinct = set(words)
        if prompt and distinct:
            out[i, 0] = len(distinct & set(_WORD.findall(prompt.lower()))) / len(distinct)
        if len(words) > 2:
            tri = list(zip(words, words[1:], words[2:], strict=False))
            out[i, 1] = 1.0 - len(set(tri)) / len(tri)
        toks = resp.split()
        if len(toks) > 1:
            caps = sum(
                1
                for a, b in zip(toks, toks[1:], strict=False)
                if b[:1].isupper() and not a.endswith(_SENTENCE_END)
            )
            out[i, 2] = caps / (len(toks) - 1)
        tail = resp.rstrip()
        out[i, 3] = float(tail.endswith(_ANSWER_END) or tail[-1:].isdigit())
    return out


def static_features(embedder: StaticEmbedder, items: list) -> np.ndarray:
    """Feature matrix of items (``(prompt, response)`` pairs, dicts or plain texts):
    ``[pair_features(prompt emb, response emb), answer_stats]``, ``2 * dim + 8`` columns."""
    pairs = [as_pair(it) for it in items]
    prompts = [p for p, _ in pairs]
    responses = [r for _, r in pairs]
    has_prompt = np.array([bool(p.strip()) for p in prompts], np.float32)
    p_emb = embedder.embed([p if h else "" for p, h in zip(prompts, has_prompt, strict=True)])
    r_emb = embedder.embed(responses)
    return np.hstack(
        [
            pair_features(p_emb, r_emb, has_prompt, responses),
            answer_stats(
                [p if h else "" for p, h in zip(prompts, has_prompt, strict=True)], responses
            ),
        ]
    )


class StaticQualityScorer:
    """``score_batch(items) -> P(good)``: static MiniLM embeddings + answer statistics, linear head.

    Items as for :class:`curate.lib.quality.minilm_head.MiniLMQualityScorer`: ``(prompt, response)``
    pairs (instruction records) or plain texts (documents).

    Args:
        head: a head ``.npz`` (default: the shipped one, trained for the shipped static model).
        model: a static model folder (default: the shipped one); the head must match it.
    """

    def __init__(self, head: str | Path | None = None, *, model: str | Path | None = None) -> None:
        self.head = LinearHead.load(head or DEFAULT_STATIC_HEAD)
        self.embedder = StaticEmbedder.load(str(model or STATIC_MODEL))
        want = 2 * self.embedder.dim + 8
        if self.head.w.shape[0] != want:
            raise ConfigError(
                f"head expects {self.head.w.shape[0]} features, the static model's "
                f"{self.embedder.dim}-d embeddings give {want}"
            )

    def features(self, items: list) -> np.ndarray:
        """Feature matrix of items (see :func:`static_features`)."""
        return static_features(self.embedder, items)

    def score_batch(self, items: list) -> np.ndarray:
        """Quality probability of each item (float32, in [0, 1])."""
        if not items:
            return np.empty(0, np.float32)
        return self.head(self.features(items))

    def score(self, items: list, *, batch_size: int = 4096) -> np.ndarray:
        """All items, ``batch_size`` at a time; results in input order."""
        if not items:
            return np.empty(0, np.float32)
        return np.concatenate(
            [self.score_batch(items[i : i + batch_size]) for i in range(0, len(items), batch_size)]
        )

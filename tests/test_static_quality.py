"""The fast quality scorer (``static_quality_v1``, issue 19): static MiniLM vectors, answer
statistics, the shipped head; equivalence with model2vec and agreement with the MiniLM head."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from curate.core.errors import ConfigError
from curate.core.schemas import MESSAGE
from curate.core.step import StepContext
from curate.lib.quality.minilm_head import LinearHead
from curate.lib.quality.static_head import (
    DEFAULT_STATIC_HEAD,
    STATIC_MODEL,
    StaticEmbedder,
    StaticQualityScorer,
    answer_stats,
)
from curate.lib.quality.train_static_head import quantise_int8
from curate.plugins import get_step

ROOT = Path(__file__).resolve().parents[1]

TEXTS = [
    "Photosynthesis turns light, water and carbon dioxide into sugar.",
    "",
    "   ",
    "naïve café — ünïcödé ✓ 東京 🙂",
    "alpha beta gamma " * 100 + "zebra " * 600,  # past the 512-token cut: the zebras are cut
    "[UNK] [CLS] ##ing",
]

# (prompt, good answer, broken answers): refusal, boilerplate, a looped phrase, cut off, mismatch
CASES = [
    (
        "Explain why the sky is blue.",
        "Sunlight is scattered by air molecules, and blue light is scattered more than red light "
        "because it has a shorter wavelength, so the sky looks blue.",
    ),
    (
        "Write a Python function that returns the square of a number.",
        "def square(x):\n    return x * x",
    ),
    (
        "What is the capital of France?",
        "The capital of France is Paris.",
    ),
    (
        "Give three tips for staying healthy.",
        "1. Eat a balanced diet with plenty of fruit and vegetables.\n2. Exercise regularly.\n"
        "3. Get enough sleep every night.",
    ),
    (
        "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips "
        "in May. How many clips did Natalia sell altogether in April and May?",
        "Natalia sold 48/2 = 24 clips in May. Altogether she sold 48 + 24 = 72 clips.",
    ),
    (
        "Summarise the plot of Romeo and Juliet in two sentences.",
        "Two young lovers from feuding families in Verona marry in secret. A chain of "
        "misunderstandings ends with both taking their own lives, which reconciles their families.",
    ),
]


def broken(i: int) -> list[str]:
    prompt, good = CASES[i]
    other = CASES[(i + 1) % len(CASES)][1]
    first = good.split(".")[0].split("\n")[0]
    return [
        f"As an AI language model, I cannot {prompt[0].lower()}{prompt[1:].rstrip('.?')}.",
        "Home | About Us | Contact | Privacy Policy\nClick here to subscribe to our newsletter!",
        " ".join([first] * 6),
        " ".join(good.split()[:3]),
        other,
    ]


def labelled() -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray]:
    items, labels, group = [], [], []
    for i, (prompt, good) in enumerate(CASES):
        for j, answer in enumerate([good, *broken(i)]):
            items.append((prompt, answer))
            labels.append(int(j == 0))
            group.append(i)
    return items, np.array(labels), np.array(group)


def ordered_pairs(scores: np.ndarray, labels: np.ndarray, group: np.ndarray) -> np.ndarray:
    """For every (good, broken) pair of one prompt: did the good answer score higher?"""
    out = []
    for g in np.unique(group):
        good = scores[(group == g) & (labels == 1)]
        bad = scores[(group == g) & (labels == 0)]
        out.extend((good[:, None] > bad[None, :]).ravel())
    return np.array(out)


# -- the static embedder --------------------------------------------------------------------------


def test_shipped_static_model_is_small_and_loads() -> None:
    size = (
        sum(f.stat().st_size for f in STATIC_MODEL.iterdir()) + DEFAULT_STATIC_HEAD.stat().st_size
    )
    assert size < 6_000_000, size
    emb = StaticEmbedder.load()
    out = emb.embed(TEXTS)
    assert out.shape == (len(TEXTS), emb.dim) and out.dtype == np.float32
    norms = np.linalg.norm(out, axis=1)
    np.testing.assert_allclose(norms[[0, 3, 4]], 1.0, rtol=1e-5)
    assert norms[1] == 0.0 and norms[2] == 0.0  # no tokens -> zeros, as model2vec


def test_static_embedder_equals_model2vec_issue19() -> None:
    """The NumPy gather-and-mean against model2vec's own ``StaticModel.encode`` on the same
    vectors and tokenizer: the reference implementation of a static embedding."""
    model2vec = pytest.importorskip("model2vec", reason="model2vec is in the dev extra")
    from tokenizers import Tokenizer

    emb = StaticEmbedder(STATIC_MODEL)
    ref = model2vec.StaticModel(
        vectors=emb.vectors,
        tokenizer=Tokenizer.from_file(str(STATIC_MODEL / "tokenizer.json")),
        normalize=True,
    )
    texts = TEXTS + [f"{p}\n\n{a}" for p, a in CASES]
    want = ref.encode(texts, max_length=512)
    np.testing.assert_allclose(emb.embed(texts), want, atol=1e-5)  # float32 sum order
    # one text at a time and in a batch agree (no state carried between texts)
    np.testing.assert_allclose(np.vstack([emb.embed([t]) for t in texts]), want, atol=1e-5)


def test_quantise_int8_roundtrip() -> None:
    q, scale = quantise_int8(np.array([[1.0, -0.5], [-2.0, 0.25]]))
    np.testing.assert_array_equal(q, [[64, -127], [-127, 64]])
    np.testing.assert_allclose(scale, [2 / 127, 0.5 / 127], rtol=1e-6)
    v = np.random.default_rng(0).normal(size=(100, 8)).astype(np.float32)
    q, scale = quantise_int8(v)
    assert np.abs(q * scale - v).max() <= scale.max() / 2 + 1e-7


# -- answer statistics: each fires on the broken answer it is for, not on a good one ---------------


def test_answer_stats_docstring_example() -> None:
    got = answer_stats(["Name a fruit."], ["An apple An apple An apple"])
    np.testing.assert_allclose(got, [[0.0, 0.5, 0.4, 0.0]], rtol=1e-6)


@pytest.mark.parametrize(
    ("column", "bad", "good"),
    [
        (0, "Paris has a lot of museums and cafes.", "The capital of France is Paris."),
        (1, "It is blue. It is blue. It is blue. It is blue.", "It is blue because of scattering."),
        (2, "blue sky The light is Sunlight scattered", "Sunlight is scattered. The sky is blue."),
        (3, "The sky looks blue because", "The sky looks blue because of scattering."),
    ],
)
def test_answer_stats_each_signal(column: int, bad: str, good: str) -> None:
    prompt = "What is the capital of France?" if column == 0 else "Why is the sky blue?"
    s = answer_stats([prompt, prompt], [bad, good])
    if column == 3:  # ends_clean: 1 is good
        assert s[0, 3] == 0.0 and s[1, 3] == 1.0
    elif column == 0:  # overlap with the prompt: higher is on-topic
        assert s[0, 0] < s[1, 0]
    else:
        assert s[0, column] > s[1, column] == 0.0
    assert answer_stats([""], ["answer"])[0, 0] == 0.0  # no prompt, no overlap


# -- the scorer and its reference ----------------------------------------------------------------


def test_static_scorer_ranks_good_answers_first() -> None:
    items, labels, group = labelled()
    scorer = StaticQualityScorer()
    s = scorer.score(items)
    assert s.shape == (len(items),) and ((s >= 0) & (s <= 1)).all()
    np.testing.assert_allclose(s, scorer.score(items, batch_size=3), atol=1e-6)
    assert ordered_pairs(s, labels, group).mean() >= 0.8


def test_static_scorer_agrees_with_minilm_head_issue19() -> None:
    """Agreement with the reference it replaces as the default: on the same (prompt, answer)
    pairs, the two order good-vs-broken answers of a prompt the same way in most cases."""
    from curate.lib.quality.minilm_head import MiniLMQualityScorer

    items, labels, group = labelled()
    fast = StaticQualityScorer().score(items)
    ref = MiniLMQualityScorer(device="cpu").score(items, progress=False)
    a, b = ordered_pairs(fast, labels, group), ordered_pairs(ref, labels, group)
    assert b.mean() >= 0.7  # the reference itself
    assert (a == b).mean() >= 0.75, (a.mean(), b.mean(), (a == b).mean())


def test_static_scorer_rejects_a_head_for_other_features(tmp_path: Path) -> None:
    LinearHead(np.ones(8, np.float32), 0.0, {}).save(tmp_path / "wrong.npz")
    with pytest.raises(ConfigError, match="features"):
        StaticQualityScorer(tmp_path / "wrong.npz")
    with pytest.raises(ConfigError, match="tokenizer.json"):
        StaticEmbedder(tmp_path)


def run_step(key: str, params: dict, frame: pl.DataFrame) -> pl.DataFrame:
    spec = get_step(key)
    p = spec.build_params(params, "test")
    out = frame.lazy().pipe(spec.build(p, StepContext(key=key))).collect()
    assert out.height == frame.height and out["id"].equals(frame["id"])
    return out


def test_static_quality_step_scores_kept_rows_only() -> None:
    items, _, _ = labelled()
    items = items[:6]
    msgs = [[{"role": "user", "content": p}, {"role": "assistant", "content": a}] for p, a in items]
    keep = [True, True, False, True, True, True]
    frame = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(6)],
            "source": ["s"] * 6,
            "kind": ["instruction"] * 6,
            "text": [f"{p}\n\n{a}" for p, a in items],
            "messages": msgs,
            "keep": keep,
            "drop_reason": [None if k else "x" for k in keep],
        },
        schema_overrides={"messages": pl.List(MESSAGE)},
    )
    out = run_step("static_quality_v1", {}, frame)
    s = out["quality__score"]
    assert s.dtype == pl.Float32 and s.null_count() == 1 and s[2] is None
    want = StaticQualityScorer().score([it for it, k in zip(items, keep, strict=True) if k])
    np.testing.assert_allclose(s.drop_nulls().to_numpy(), want, atol=1e-6)
    with pytest.raises(ValueError, match="not found"):
        get_step("static_quality_v1").params(head="missing.npz")


# -- lazy imports (issue 19 item 5) ----------------------------------------------------------------


def test_help_imports_no_heavy_modules_issue19() -> None:
    """``cleanroom --help`` loads typer and rich, not torch, transformers, numba, polars or
    streamlit (each loads when a command or step needs it)."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from curate.cli.main import app\n"
        "res = CliRunner().invoke(app, ['--help'])\n"
        "assert res.exit_code == 0, res.output\n"
        "heavy = ('torch', 'transformers', 'numba', 'polars', 'streamlit', 'datasets', 'numpy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]", res.stdout


def test_release_models_frees_the_process_caches_issue19() -> None:
    """`cleanroom curate` frees the cached models before the export (peak RSS): every listed
    loader resolves to a cache, and after release the next load builds a new model."""
    import importlib

    from curate.plugins import MODEL_CACHES, release_models
    from curate.steps.langid import load_model, model_path

    for module, path in MODEL_CACHES:  # each entry names a real cached loader
        obj = importlib.import_module(module)
        for name in path.split("."):
            obj = getattr(obj, name)
        assert callable(getattr(obj, "__func__", obj).cache_clear)
    embedder = StaticEmbedder.load()
    lid = load_model(model_path())
    assert StaticEmbedder.load() is embedder and load_model(model_path()) is lid
    assert release_models() >= 2
    assert StaticEmbedder.load() is not embedder and load_model(model_path()) is not lid

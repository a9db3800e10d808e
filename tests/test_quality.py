"""Quality scoring: fastText train/score, HF classifiers (tiny random BERT), MiniLM head, filter."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.core.errors import ConfigError, StepError
from curate.core.schemas import MESSAGE
from curate.core.step import StepContext
from curate.lib.quality.batching import length_batches, padded_tokens, run_batched
from curate.lib.quality.fasttext_model import (
    FastTextScorer,
    FastTextTrainConfig,
    fasttext_lines,
    read_texts,
    train_fasttext,
)
from curate.lib.quality.metrics import binary_report, roc_auc
from curate.lib.quality.minilm_head import (
    DEFAULT_HEAD,
    LinearHead,
    MiniLMQualityScorer,
    as_pair,
    fit_logistic,
    text_stats,
)
from curate.plugins import get_step

GOOD = [
    "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen inside the chloroplast.",
    "To reverse a list in Python, call lst.reverse() or build a new one with lst[::-1].",
    "The French Revolution began in 1789 and ended the absolute monarchy of Louis XVI.",
    "Mitochondria produce most of the cell's energy in the form of ATP through respiration.",
    "A binary search halves the interval at each step, so it needs about log2(n) comparisons.",
    "Water boils at 100 degrees Celsius at sea level because vapour pressure equals air pressure.",
]
BAD = [
    "CLICK HERE buy cheap pills now free shipping best price!!!",
    "Home | About | Contact | Privacy Policy | Terms of Service",
    "win real money casino bonus free spins no deposit click now",
    "Subscribe to our newsletter and get 50% off limited offer act fast",
    "Share on Facebook Tweet Pin it Email Print Leave a comment",
    "Cookie policy accept all cookies sign in register forgot password",
]


def corpus(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """n good and n bad texts: templates with seeded word variations."""
    rng = np.random.default_rng(seed)
    good = [f"{GOOD[i % len(GOOD)]} Example {int(rng.integers(1000))} shows it." for i in range(n)]
    bad = [f"{BAD[i % len(BAD)]} {int(rng.integers(1000))}" for i in range(n)]
    return good, bad


# dim >= 16: at dim 8-10 fastText aborts with "Encountered NaN." on 25-85% of seeds (measured).
TINY_FT = FastTextTrainConfig(dim=32, epoch=25, bucket=20_000, lr=0.2, seed=0)


@pytest.fixture(scope="module")
def ft_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    good, bad = corpus(120)
    out = tmp_path_factory.mktemp("ft") / "quality.bin"
    train_fasttext(good, bad, out, TINY_FT)
    return out


def frame_of(
    texts: list[str | None],
    sources: list[str] | None = None,
    keep: list[bool] | None = None,
    messages: list[list[dict] | None] | None = None,
) -> pl.DataFrame:
    n = len(texts)
    return pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "source": sources or ["s"] * n,
            "kind": [
                "document" if messages is None or messages[i] is None else "instruction"
                for i in range(n)
            ],
            "text": texts,
            "messages": pl.Series(messages or [None] * n, dtype=pl.List(MESSAGE)),
            "meta": ["{}"] * n,
            "_row": list(range(n)),
            "keep": keep or [True] * n,
            "stage": pl.Series([None] * n, dtype=pl.String),
            "drop_reason": pl.Series([None] * n, dtype=pl.String),
            "detail": pl.Series([None] * n, dtype=pl.String),
        }
    )


def run_step(key: str, params: dict, frame: pl.DataFrame) -> pl.DataFrame:
    spec = get_step(key)
    p = spec.build_params(params, "test")
    out = frame.lazy().pipe(spec.build(p, StepContext(key=key))).collect()
    assert out.height == frame.height and out["id"].equals(frame["id"])
    return out


# -- metrics and batching -------------------------------------------------------------------------


def slow_auc(y: list[int], s: list[float]) -> float:
    """Reference AUC: count every (positive, negative) pair."""
    pos = [b for a, b in zip(y, s, strict=True) if a]
    neg = [b for a, b in zip(y, s, strict=True) if not a]
    wins = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=2, max_size=40))
def test_roc_auc_matches_pairwise_reference(pairs: list[tuple[bool, int]]) -> None:
    y = [int(a) for a, _ in pairs]
    s = [float(b) for _, b in pairs]
    if 0 < sum(y) < len(y):
        assert roc_auc(np.array(y), np.array(s)) == pytest.approx(slow_auc(y, s))
    else:
        assert np.isnan(roc_auc(np.array(y), np.array(s)))


def test_binary_report_worked_example() -> None:
    r = binary_report(np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.4, 0.6]))
    assert (r.precision, r.recall, r.accuracy, r.auc) == (0.5, 0.5, 0.5, 0.75)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 300), max_size=60), st.integers(1, 9))
def test_length_batches_partition_and_cut_padding(lengths: list[int], bs: int) -> None:
    sorted_b = length_batches(lengths, bs)
    plain_b = length_batches(lengths, bs, by_length=False)
    for batches in (sorted_b, plain_b):
        flat = np.concatenate(batches) if batches else np.array([], int)
        assert sorted(flat.tolist()) == list(range(len(lengths)))
        assert all(1 <= len(b) <= bs for b in batches)
    # With full batches, sorted chunks are optimal: batch j's max is at least the (j*bs+1)-th
    # largest length in any batching. (A partial last batch can break this by a little.)
    full = lengths[: len(lengths) - len(lengths) % bs]
    assert padded_tokens(full, length_batches(full, bs)) <= padded_tokens(
        full, length_batches(full, bs, False)
    )


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=30), st.integers(1, 7), st.booleans())
def test_run_batched_returns_input_order(texts: list[str], bs: int, by_length: bool) -> None:
    got = run_batched(
        texts,
        lambda b: np.array([len(t) for t in b]),
        batch_size=bs,
        by_length=by_length,
        progress=False,
    )
    assert got["score"].tolist() == [len(t) for t in texts]


# -- fastText -------------------------------------------------------------------------------------


def test_fasttext_lines_one_line_lowercase() -> None:
    assert fasttext_lines(["Hello, World!\nBye."]) == ["hello , world ! bye ."]


def test_fasttext_train_separates_and_reports(ft_model: Path) -> None:
    side = json.loads(Path(str(ft_model) + ".json").read_text())
    assert side["result"]["report"]["auc"] >= 0.95
    assert side["result"]["test_positive"] == 24 and side["result"]["test_negative"] == 24
    scorer = FastTextScorer(ft_model)
    s = scorer.score_batch(
        ["Mitochondria produce energy for the cell.", "buy cheap pills click here free shipping"]
    )
    assert s.dtype == np.float32 and s[0] > 0.5 > s[1]


def test_fasttext_training_is_reproducible(tmp_path: Path) -> None:
    good, bad = corpus(120, seed=3)
    a = train_fasttext(good, bad, tmp_path / "a.bin", TINY_FT)
    b = train_fasttext(good, bad, tmp_path / "b.bin", TINY_FT)
    probe = GOOD + BAD
    assert (a.train_positive, a.test_positive, a.report.n) == (
        b.train_positive,
        b.test_positive,
        b.report.n,
    )
    # fastText's Hogwild SGD is not bit-for-bit reproducible even with thread=1 and a seed (the
    # files differ), and a NaN retry trains with the next seed: the split is exact, the
    # decisions on clear cases are the same.
    sa, sb = (
        FastTextScorer(a.model_path).score_batch(probe),
        FastTextScorer(b.model_path).score_batch(probe),
    )
    assert (sa > 0.5).tolist() == (sb > 0.5).tolist() == [True] * len(GOOD) + [False] * len(BAD)


def test_fasttext_scorer_missing_model_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        FastTextScorer(tmp_path / "nope.bin")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="not a fastText model"):
        FastTextScorer(junk)


def test_fasttext_quality_step_adds_quality_score(ft_model: Path) -> None:
    frame = frame_of([GOOD[0], BAD[0], None, GOOD[1]], keep=[True, True, True, False])
    out = run_step("fasttext_quality_v1", {"model": str(ft_model)}, frame)
    assert out.schema["quality__score"] == pl.Float32
    s = out["quality__score"].to_list()
    assert s[0] > 0.5 > s[1]
    assert s[2] is None and s[3] is None  # null text, and a row already dropped
    again = run_step("fasttext_quality_v1", {"model": str(ft_model), "score_dropped": True}, frame)
    assert again["quality__score"][3] is not None


def test_fasttext_step_bad_params_are_config_errors() -> None:
    spec = get_step("fasttext_quality_v1")
    with pytest.raises(ConfigError, match="not found"):
        spec.build_params({"model": "/nonexistent/model.bin"}, "recipe")
    with pytest.raises(ConfigError, match="model"):
        spec.build_params({}, "recipe")


def test_read_texts_txt_and_records(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a b\n\nc\n")
    assert read_texts(tmp_path / "a.txt") == ["a b", "c"]
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"instruction": "Hi", "output": "Hello there"}) + "\n"
    )
    assert read_texts(tmp_path / "b.jsonl") == ["Hi\n\nHello there"]
    assert read_texts(tmp_path / "b.jsonl", field="output") == ["Hello there"]


def test_fasttext_train_config_validation(tmp_path: Path) -> None:
    from curate.lib.quality.fasttext_model import load_train_config

    cfg = tmp_path / "c.yaml"
    cfg.write_text("word_ngrams: 3\nepoch: 2\n")
    assert load_train_config(cfg, epoch=7).word_ngrams == 3
    assert load_train_config(cfg, epoch=7).epoch == 7
    cfg.write_text("wordngrams: 3\n")
    with pytest.raises(ConfigError, match="wordngrams"):
        load_train_config(cfg)
    cfg.write_text("positive_label: hq\n")
    with pytest.raises(ConfigError, match="__label__"):
        load_train_config(cfg)


def test_cli_quality_train_prints_heldout_metrics_issue8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from curate.cli.main import main

    good, bad = corpus(120, seed=1)
    (tmp_path / "good.txt").write_text("\n".join(good))
    (tmp_path / "bad.txt").write_text("\n".join(bad))
    (tmp_path / "cfg.yaml").write_text("dim: 32\nbucket: 20000\nepoch: 25\nlr: 0.5\n")
    argv = [
        "cleanroom",
        "quality",
        "train",
        "--positive",
        str(tmp_path / "good.txt"),
        "--negative",
        str(tmp_path / "bad.txt"),
        "--out",
        str(tmp_path / "m.bin"),
        "--config",
        str(tmp_path / "cfg.yaml"),
    ]
    monkeypatch.setattr(sys, "argv", argv)
    main()
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out and "AUC" in out
    assert (tmp_path / "m.bin").is_file()
    monkeypatch.setattr(sys, "argv", [*argv[:4], str(tmp_path / "missing.txt"), *argv[5:]])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 1
    err = capsys.readouterr().err
    assert "missing.txt" in err and "Traceback" not in err


# -- transformer classifiers (tiny random BERT saved with save_pretrained) ----------------------


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizerFast

    root = tmp_path_factory.mktemp("tiny")
    vocab = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        *"abcdefghijklmnopqrstuvwxyz",
        "the",
        "good",
        "bad",
        "data",
    ]
    (root / "vocab.txt").write_text("\n".join(vocab))
    tok = BertTokenizerFast(str(root / "vocab.txt"))
    base = dict(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    for name, model in (
        ("reg", BertForSequenceClassification(BertConfig(**base, num_labels=1))),
        (
            "cls",
            BertForSequenceClassification(
                BertConfig(
                    **base,
                    num_labels=3,
                    id2label={0: "Low", 1: "Medium", 2: "High"},
                    label2id={"Low": 0, "Medium": 1, "High": 2},
                )
            ),
        ),
        ("bin", BertForSequenceClassification(BertConfig(**base, num_labels=2))),
        ("enc", BertModel(BertConfig(**base))),
    ):
        model.save_pretrained(root / name)
        tok.save_pretrained(root / name)
    return root


TEXTS = [
    "the good data",
    "bad",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z " * 4,
    "",
    "data data",
]


def test_hf_regression_head_scores_with_and_without_bucketing(tiny_models: Path) -> None:
    from curate.lib.quality.transformer import HFClassifier

    a = HFClassifier(str(tiny_models / "reg"), device="cpu", batch_size=2).score(
        TEXTS, progress=False
    )
    b = HFClassifier(str(tiny_models / "reg"), device="cpu", batch_size=2, by_length=False).score(
        TEXTS, progress=False
    )
    one = [
        HFClassifier(str(tiny_models / "reg"), device="cpu", batch_size=1).score_batch([t])[
            "score"
        ][0]
        for t in TEXTS
    ]
    assert set(a) == {"score"} and a["score"].shape == (5,)
    np.testing.assert_allclose(a["score"], b["score"], atol=1e-5)
    np.testing.assert_allclose(a["score"], one, atol=1e-5)  # padding never leaks into a score
    assert len(set(np.round(a["score"], 6))) > 1


def test_hf_classifier_step_classification_columns(tiny_models: Path) -> None:
    frame = frame_of(TEXTS)
    out = run_step(
        "hf_classifier_v1",
        {"model": str(tiny_models / "cls"), "score_label": "High", "device": "cpu"},
        frame,
    )
    assert out.schema["hf_classifier__label"] == pl.String
    assert set(out["hf_classifier__label"].to_list()) <= {"Low", "Medium", "High"}
    prob, score = out["hf_classifier__prob"].to_numpy(), out["hf_classifier__score"].to_numpy()
    assert ((prob >= 1 / 3 - 1e-6) & (prob <= 1)).all() and (
        (score >= 0) & (score <= prob + 1e-6)
    ).all()
    binary = run_step(
        "hf_classifier_v1", {"model": str(tiny_models / "bin"), "family": "quality"}, frame
    )
    assert {"quality__score", "quality__label", "quality__prob"} <= set(binary.columns)


def test_hf_regression_step_family_quality(tiny_models: Path) -> None:
    out = run_step(
        "hf_classifier_v1",
        {"model": str(tiny_models / "reg"), "family": "quality", "batch_size": 2},
        frame_of(TEXTS),
    )
    assert out.schema["quality__score"] == pl.Float32 and out["quality__score"].null_count() == 0
    assert "quality__label" not in out.columns


def test_hf_loading_failures_are_clear_errors_issue8(tiny_models: Path, tmp_path: Path) -> None:
    from curate.lib.quality.transformer import HFClassifier

    with pytest.raises(ConfigError, match="not found"):
        HFClassifier(str(tmp_path / "nothing-here"))
    with pytest.raises(ConfigError, match="HF_HUB_OFFLINE"):
        HFClassifier("someone/not-a-cached-classifier")
    with pytest.raises(ConfigError, match="no trained classification head"):
        HFClassifier(str(tiny_models / "enc"))
    with pytest.raises(ConfigError, match="score_label"):
        HFClassifier(str(tiny_models / "cls"), score_label="Great")
    with pytest.raises(ConfigError, match="device"):
        get_step("hf_classifier_v1").build_params({"model": "x", "device": "tpu"}, "recipe")


def test_device_auto_falls_back_to_cpu(tiny_models: Path) -> None:
    import torch

    from curate.lib.quality.transformer import HFClassifier, looks_like_path, resolve_device

    assert (
        looks_like_path("./m")
        and looks_like_path(str(tiny_models))
        and not looks_like_path("org/model")
    )
    if torch.cuda.is_available():
        c = HFClassifier(str(tiny_models / "reg"), device="cuda")
        assert c.device.type == "cuda" and c.cuda
        return
    assert resolve_device("auto").type == "cpu"
    assert resolve_device("cuda").type == "cpu"
    c = HFClassifier(str(tiny_models / "reg"), device="cuda", bf16=True)
    assert c.device.type == "cpu" and not c.cuda and not c.autocast  # no pinning, no bf16 on CPU
    assert c.score(["the good data"], progress=False)["score"].shape == (1,)


# -- MiniLM head ----------------------------------------------------------------------------------


def test_fit_logistic_separates_and_head_roundtrips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(1, 0.5, (50, 4)), rng.normal(-1, 0.5, (50, 4))]
    y = np.r_[np.ones(50), np.zeros(50)]
    w, b = fit_logistic(x, y)
    head = LinearHead(w, b, {"max_length": 32})
    assert binary_report(y, head(x)).accuracy >= 0.95
    head.save(tmp_path / "h.npz")
    back = LinearHead.load(tmp_path / "h.npz")
    np.testing.assert_array_equal(back(x), head(x))
    assert back.meta == {"max_length": 32}


def slow_logistic(x: np.ndarray, y: np.ndarray, l2: float, epochs: int) -> tuple[np.ndarray, float]:
    """Reference: the hand-written full-batch gradient descent the head was first trained with."""
    n, d = x.shape
    sw = np.where(y > 0, n / (2 * y.sum()), n / (2 * (n - y.sum())))
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = sw * (p - y) / n
        w -= 0.5 * (x.T @ g + l2 * w)
        b -= 0.5 * g.sum()
    return w, b


@pytest.mark.parametrize("l2", [1e-2, 1e-1])
def test_fit_logistic_matches_gradient_descent_reference_issue17(l2: float) -> None:
    """scikit-learn's optimum is the one gradient descent converges to (same objective)."""
    rng = np.random.default_rng(1)
    x = np.r_[rng.normal(0.4, 1, (60, 5)), rng.normal(-0.4, 1, (40, 5))]
    y = np.r_[np.ones(60), np.zeros(40)]
    w, b = fit_logistic(x, y, l2=l2)
    w_ref, b_ref = slow_logistic(x, y, l2, epochs=20_000)
    np.testing.assert_allclose(w, w_ref, atol=1e-4)
    assert b == pytest.approx(b_ref, abs=1e-4)


def test_text_stats_and_pairs() -> None:
    np.testing.assert_allclose(
        text_stats(["a b a b", ""]), [[np.log1p(4) / 8, 0.5], [0.0, 0.0]], rtol=1e-6
    )
    assert as_pair("doc") == ("", "doc") and as_pair({"prompt": "p", "response": None}) == ("p", "")


def test_minilm_scorer_with_tiny_encoder(tiny_models: Path, tmp_path: Path) -> None:
    d = 2 * 16 + 4
    LinearHead(
        np.linspace(-1, 1, d).astype(np.float32),
        0.1,
        {"max_length": 32},
        np.zeros(d, np.float32),
        np.ones(d, np.float32),
    ).save(tmp_path / "h.npz")
    scorer = MiniLMQualityScorer(
        tmp_path / "h.npz", encoder=tiny_models / "enc", device="cpu", batch_size=2
    )
    items = [("the good", "data data"), ("", "bad"), TEXTS[2], ("a", ""), "the"]
    s = scorer.score(items, progress=False)
    assert s.shape == (5,) and ((s > 0) & (s < 1)).all()
    np.testing.assert_allclose(s, [scorer.score_batch([t])[0] for t in items], atol=1e-5)
    assert s[1] == pytest.approx(
        scorer.score_batch(["bad"])[0], abs=1e-6
    )  # no prompt == a document
    LinearHead(np.ones(8, np.float32), 0.0, {}).save(tmp_path / "wrong.npz")
    with pytest.raises(ConfigError, match="features"):
        MiniLMQualityScorer(tmp_path / "wrong.npz", encoder=tiny_models / "enc", device="cpu")


def test_shipped_head_ranks_real_answers_above_broken_ones_issue8() -> None:
    """The default step with the real MiniLM and the committed head: no download, no training."""
    assert DEFAULT_HEAD.is_file() and DEFAULT_HEAD.stat().st_size < 20_000
    prompt = "Explain why the sky is blue."
    good = f"{prompt}\n\nSunlight is scattered by air molecules, and blue light is scattered more than red light because it has a shorter wavelength, so the sky looks blue."
    bad = [
        f"{prompt}\n\nAs an AI language model, I cannot explain why the sky is blue.",
        f"{prompt}\n\nHome | About Us | Contact | Privacy Policy\nClick here to subscribe to our newsletter!",
        f"{prompt}\n\nSunlight is scattered. Sunlight is scattered. Sunlight is scattered. Sunlight is scattered. Sunlight is scattered.",
    ]
    texts = [good, *bad]
    msgs = [
        [
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": t.split("\n\n", 1)[1]},
        ]
        for t in texts
    ]
    out = run_step("minilm_quality_v1", {"device": "cpu"}, frame_of(texts, messages=msgs))
    s = out["quality__score"].to_list()
    assert s[0] > 0.5 and all(s[0] > b for b in s[1:]), s


# -- the filter -----------------------------------------------------------------------------------


def scored(
    scores: list[float | None], sources: list[str], keep: list[bool] | None = None
) -> pl.DataFrame:
    return frame_of([f"t{i}" for i in range(len(scores))], sources, keep).with_columns(
        quality__score=pl.Series(scores, dtype=pl.Float32)
    )


def test_quality_filter_threshold_fires_and_not() -> None:
    out = run_step(
        "quality_filter_v1", {"threshold": 0.5}, scored([0.2, 0.7, None, 0.5], ["a"] * 4)
    )
    assert out["keep"].to_list() == [False, True, True, True]
    assert out["drop_reason"][0] == "quality__below_threshold"
    detail = json.loads(out["detail"][0])
    assert {k: detail[k] for k in ("score", "threshold")} == {
        "score": pytest.approx(0.2),
        "threshold": 0.5,
    }
    assert out["stage"][0] == "quality_filter_v1"


def test_quality_filter_top_fraction_per_source() -> None:
    #              a: 4 live rows -> keep ceil(0.5*4)=2 ; b: 3 live rows -> keep 2; row 4 already dropped
    scores = [0.1, 0.9, 0.5, 0.7, 0.99, 0.3, 0.2, 0.8]
    sources = ["a", "a", "a", "a", "b", "b", "b", "b"]
    keep = [True, True, True, True, False, True, True, True]
    out = run_step("quality_filter_v1", {"top_fraction": 0.5}, scored(scores, sources, keep))
    assert out["keep"].to_list() == [False, True, False, True, False, True, False, True]
    assert out["drop_reason"].to_list()[:4] == [
        "quality__below_top_fraction",
        None,
        "quality__below_top_fraction",
        None,
    ]
    assert out["drop_reason"][4] is None  # dropped before this step: untouched
    glob = run_step(
        "quality_filter_v1",
        {"top_fraction": 0.5, "per_source": False},
        scored(scores, sources, keep),
    )
    assert glob["keep"].to_list() == [False, True, True, True, False, False, False, True]  # 4 of 7


def test_quality_filter_params_and_missing_column_are_config_errors() -> None:
    spec = get_step("quality_filter_v1")
    for bad in (
        {},
        {"threshold": 0.5, "top_fraction": 0.1},
        {"top_fraction": 0.0},
        {"top_fraction": 1.5},
    ):
        with pytest.raises(ConfigError):
            spec.build_params(bad, "recipe")
    with pytest.raises(ConfigError, match="quality tagger"):
        run_step("quality_filter_v1", {"threshold": 0.5}, frame_of(["x"]))


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 1, width=32), st.sampled_from("ab"), st.booleans()),
        min_size=1,
        max_size=30,
    ),
    st.floats(0.05, 1.0),
)
def test_quality_filter_top_fraction_keeps_ceil_share(rows: list, frac: float) -> None:
    scores, sources, keep = (list(x) for x in zip(*rows, strict=True))
    out = run_step("quality_filter_v1", {"top_fraction": frac}, scored(scores, sources, keep))
    for src in "ab":
        live = [i for i in range(len(rows)) if sources[i] == src and keep[i]]
        kept = [i for i in live if out["keep"][i]]
        assert len(kept) == int(np.ceil(len(live) * frac - 1e-9)) or len(kept) == int(
            np.ceil(len(live) * frac)
        )
        if kept and len(kept) < len(live):
            assert min(scores[i] for i in kept) >= max(scores[i] for i in live if i not in kept)
    newly = out.filter(~pl.col("keep") & pl.Series(keep))
    assert newly["drop_reason"].null_count() == 0 and set(newly["drop_reason"]) <= {
        "quality__below_top_fraction"
    }


def test_curate_recipe_with_fasttext_and_filter(ft_model: Path, tmp_path: Path) -> None:
    from curate.run.pipeline import run_curate
    from curate.run.recipe import load_recipe

    rows = [{"text": t} for t in [*GOOD, *BAD]]
    (tmp_path / "docs.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (tmp_path / "r.yaml").write_text(
        "version: 1\ninputs:\n  - {name: web, path: docs.jsonl}\nsteps:\n"
        f"  - step: fasttext_quality_v1\n    params: {{model: {ft_model}}}\n"
        "  - step: quality_filter_v1\n    params: {threshold: 0.5}\n"
    )
    res = run_curate(load_recipe(tmp_path / "r.yaml"))
    kept = res.frame.filter(pl.col("keep"))["text"].to_list()
    assert sorted(kept) == sorted(GOOD)
    assert res.drops_by_reason() == {"quality__below_threshold": len(BAD)}


def test_fasttext_random_nan_is_retried_issue8(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ft_model: Path
) -> None:
    import fasttext

    from curate.lib.quality import fasttext_model

    seeds: list[object] = []

    def flaky(**kw: object) -> object:
        seeds.append(kw["seed"])
        if len(seeds) < 3:
            raise RuntimeError("Encountered NaN.")
        return fasttext.load_model(str(ft_model))  # the retry logic is under test, not fastText

    monkeypatch.setattr(fasttext, "train_supervised", flaky)
    good, bad = corpus(120)
    res = train_fasttext(good, bad, tmp_path / "m.bin", TINY_FT)
    assert seeds == [TINY_FT.seed, TINY_FT.seed + 1, TINY_FT.seed + 2]  # each retry, the next seed
    assert Path(res.model_path).is_file()

    def always(**kw: object) -> object:
        raise RuntimeError("Encountered NaN.")

    monkeypatch.setattr(fasttext, "train_supervised", always)
    with pytest.raises(StepError, match=f"after {fasttext_model.NAN_RETRIES} attempt"):
        train_fasttext(good, bad, tmp_path / "m2.bin", TINY_FT)


def test_pick_representatives_prefers_quality_issue8() -> None:
    from curate.lib.quality.representative import pick_representatives

    members = pl.DataFrame(
        {
            "cluster_id": ["c", "c", "d", "d", "e"],
            "id": ["a", "b", "x", "y", "z"],
            "_row": [0, 1, 2, 3, 4],
            "quality__score": [0.2, 0.9, None, 0.1, None],
        }
    )
    assert pick_representatives(members)["representative"].to_list() == ["b", "b", "y", "y", "z"]
    assert pick_representatives(members.drop("quality__score"))["representative"].to_list() == [
        "a",
        "a",
        "x",
        "x",
        "z",
    ]

"""Task categories (issue 18): taxonomy, rules, head, and the ``task_category_v1`` tagger."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from filter_helpers import frame_of, run_step

from curate.core.errors import ConfigError
from curate.core.schemas import MESSAGE
from curate.lib.categories import classifier as clf_mod
from curate.lib.categories.classifier import (
    DEFAULT_HEAD,
    SoftmaxHead,
    TaskCategoryClassifier,
    fit_softmax,
    leading_words,
)
from curate.lib.categories.rules import is_code, is_math, rule_category
from curate.lib.categories.taxonomy import (
    CATEGORIES,
    INSTRUCTGPT_PERCENT,
    normalise,
    resolve_targets,
)
from curate.plugins import get_step

FIXTURE = Path(__file__).parent / "data" / "task_categories_fixture.jsonl"


# -- taxonomy -------------------------------------------------------------------------------------


def test_instructgpt_preset_is_table1_normalised_issue18():
    t = resolve_targets("instructgpt")
    assert sum(t.values()) == pytest.approx(1.0)
    assert t["generation"] == pytest.approx(45.6 / 99.9)
    assert set(t) == set(INSTRUCTGPT_PERCENT) and "code" not in t
    assert list(t) == [c for c in CATEGORIES if c in t]


def test_resolve_targets_mapping_and_errors_issue18():
    assert resolve_targets({"math": 3, "code": 1}) == {"code": 0.25, "math": 0.75}
    assert resolve_targets({"code": 1, "math": 0}) == {"code": 1.0}
    with pytest.raises(ValueError, match="unknown category preset 'flan'"):
        resolve_targets("flan")
    with pytest.raises(ValueError, match="unknown task category 'poetry'"):
        resolve_targets({"poetry": 1})
    with pytest.raises(ValueError, match=">= 0"):
        resolve_targets({"code": -1, "math": 2})
    with pytest.raises(ValueError, match="more than 0"):
        normalise({"code": 0})


# -- rules: one test per rule, with a text that fires it and one that does not -------------------


def test_rule_chat_multi_turn_issue18():
    assert rule_category("Any tips for the first week?", user_turns=2) == "chat"
    assert rule_category("Any tips for the first week?", user_turns=1) is None


def test_rule_code_fence_issue18():
    assert is_code("Explain this:\n```\nx = 1\n```")
    assert not is_code("Explain the rules of cricket.")


def test_rule_code_syntax_issue18():
    assert is_code("What is wrong here? def f(x): return x; print(f(2))")
    assert not is_code("What is wrong with my plan to print flyers?")


def test_rule_code_language_with_code_noun_issue18():
    assert is_code("Write a Python function that reverses a string.")
    assert is_code("Construct a SQL query to find customers in Paris.")
    assert not is_code("Write a poem about Java, the island.")
    assert not is_code("Write a script of a conversation between two friends.")


def test_rule_math_arithmetic_issue18():
    assert is_math("What is 17 * 3?")
    assert is_math("Solve 3x + 4 = 19")
    assert not is_math("Open 24/7 near you")  # a slash between digits without spaces is not a sum


def test_rule_math_word_with_numbers_issue18():
    assert is_math("Find the mode of 2, 3, 3, 5.")
    assert not is_math("Explain the mode of transport in Venice.")
    assert not is_math("Calculate the impact of the bill passed in 2020.")  # a year is no operand
    assert not is_math("List the 5 most important tasks to launch a software product.")


def test_rule_code_goes_before_math_issue18():
    assert rule_category("Write a Python script that computes the mean of 3, 4 and 5.") == "code"


# -- head -----------------------------------------------------------------------------------------


def test_fit_softmax_separates_and_is_deterministic_issue18():
    x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    y = np.array([0, 0, 1, 1])
    w1, b1 = fit_softmax(x, y, 2, epochs=200)
    w2, b2 = fit_softmax(x, y, 2, epochs=200)
    assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    assert (np.argmax(x @ w1 + b1, axis=1) == y).all()


def test_head_round_trip_and_bad_labels_issue18(tmp_path):
    head = SoftmaxHead(
        np.eye(2, dtype=np.float32), np.zeros(2, np.float32), ("code", "math"), {"k": 1}
    )
    head.save(tmp_path / "h.npz")
    back = SoftmaxHead.load(tmp_path / "h.npz")
    assert back.labels == ("code", "math") and back.meta == {"k": 1}
    np.testing.assert_allclose(
        back.probabilities(np.array([[2.0, 0.0]])), [[0.8808, 0.1192]], atol=1e-4
    )
    SoftmaxHead(head.w, head.b, ("code", "poetry"), {}).save(tmp_path / "bad.npz")
    with pytest.raises(ConfigError, match="not task categories"):
        SoftmaxHead.load(tmp_path / "bad.npz")
    with pytest.raises(ConfigError, match="not found"):
        SoftmaxHead.load(tmp_path / "missing.npz")


def test_leading_words_stable_and_unit_norm_issue18():
    a = leading_words(["Rewrite this sentence please", ""], dim=32)
    b = leading_words(["Rewrite this sentence please", ""], dim=32)
    assert np.array_equal(a, b)
    assert np.linalg.norm(a[0]) == pytest.approx(1.0) and not a[1].any()
    # only the first n_words count
    assert np.array_equal(leading_words(["a b c d"], 32, 2), leading_words(["a b x y"], 32, 2))


def fake_classifier(rules: bool = True) -> TaskCategoryClassifier:
    """Features = 2-d "embedding": [mentions a story, mentions a list]; head maps them to labels."""
    head = SoftmaxHead(
        np.array([[5.0, 0.0], [0.0, 5.0]], np.float32),
        np.zeros(2, np.float32),
        ("generation", "brainstorming"),
        {},
    )

    def embed(texts):
        return np.array([["story" in t, "list" in t] for t in texts], np.float32)

    return TaskCategoryClassifier(head, embed=embed, rules=rules)


def test_classifier_rules_then_head_issue18():
    clf = fake_classifier()
    labels, scores = clf.classify(["Write a story", "Give a list of ideas", "What is 2 + 2?"])
    assert labels.tolist() == ["generation", "brainstorming", "math"]
    assert scores[2] == 1.0 and 0.5 < scores[0] < 1.0
    labels, _ = fake_classifier(rules=False).classify(["What is 2 + 2 in a story?"])
    assert labels.tolist() == ["generation"]


# -- the step -------------------------------------------------------------------------------------


def no_model(*_a, **_k):
    raise AssertionError("the model must not load when rules and source pins decide every row")


def test_step_rules_and_source_pins_never_load_model_issue18(monkeypatch):
    monkeypatch.setattr(clf_mod, "TaskCategoryClassifier", no_model)
    frame = frame_of(
        instructions=[
            ("Write a Python function that sorts a list.", "", "def f(x): return sorted(x)"),
            ("What is 12 * 12?", "", "144"),
        ]
    )
    frame = pl.concat(
        [
            frame,
            frame_of(
                instructions=[("Category: RIVERS\nClue: longest in Africa", "", "nile")]
            ).with_columns(source=pl.lit("ni_task307"), id=pl.lit("r9")),
        ]
    )
    out = run_step("task_category_v1", frame, {"source_categories": {"ni_task307": "open_qa"}})
    assert out["task_category__label"].to_list() == ["code", "math", "open_qa"]
    assert out["task_category__score"].to_list() == [1.0, 1.0, 1.0]
    assert out.schema["task_category__label"] == pl.String
    assert out.schema["task_category__score"] == pl.Float32


def test_step_uses_head_for_the_rest_and_skips_dropped_issue18(monkeypatch):
    monkeypatch.setattr(
        clf_mod, "TaskCategoryClassifier", lambda *a, **k: fake_classifier(k.get("rules", True))
    )
    frame = frame_of(
        instructions=[
            ("Write a story about a dragon.", "", "Once upon a time..."),
            ("Give me a list of party themes.", "", "Pirates, space, jungle"),
            ("Write a story that was dropped.", "", "..."),
        ]
    ).with_columns(keep=pl.Series([True, True, False]))
    out = run_step("task_category_v1", frame)
    assert out["task_category__label"].to_list() == ["generation", "brainstorming", None]
    assert out["task_category__score"][2] is None


def test_step_multi_turn_conversation_is_chat_issue18(monkeypatch):
    monkeypatch.setattr(clf_mod, "TaskCategoryClassifier", no_model)
    msgs = [
        {"role": "user", "content": "I adopted a puppy."},
        {"role": "assistant", "content": "Congratulations!"},
        {"role": "user", "content": "Any tips?"},
        {"role": "assistant", "content": "Walk it often."},
    ]
    frame = frame_of(instructions=[("x", "", "y")]).with_columns(
        messages=pl.Series([msgs], dtype=pl.List(MESSAGE))
    )
    out = run_step("task_category_v1", frame)
    assert out["task_category__label"].to_list() == ["chat"]


def test_step_params_validated_issue18():
    spec = get_step("task_category_v1")
    with pytest.raises(ConfigError, match="unknown category"):
        spec.build_params({"source_categories": {"ni": "poetry"}}, "test")
    with pytest.raises(ConfigError, match="has no parameter 'heads'"):
        spec.build_params({"heads": "x"}, "test")
    assert spec.kind == "tagger"


def test_shipped_head_on_own_fixture_issue18():
    """The real MiniLM and the committed head on 12 prompts written for this test (none trained on)."""
    head = SoftmaxHead.load(DEFAULT_HEAD)
    assert head.labels == CATEGORIES and head.w.shape == (
        384 + head.meta["bow_dim"],
        len(CATEGORIES),
    )
    rows = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    own = {json.loads(line)["prompt"] for line in clf_mod.EXAMPLES.read_text().splitlines()}
    assert not own & {r["prompt"] for r in rows}
    labels, scores = TaskCategoryClassifier(device="cpu").classify([r["prompt"] for r in rows])
    right = sum(g == p for g, p in zip([r["label"] for r in rows], labels, strict=True))
    assert right >= 10, list(zip([r["label"] for r in rows], labels, strict=True))
    assert ((scores > 0) & (scores <= 1)).all()

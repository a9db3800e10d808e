"""The docs/TRAINING.md snippet runs against an exported mixture; tokenizer-counted mixtures."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from curate.lib.mixing.build import CHATML_TEMPLATE, chatml
from curate.run.export import export_run
from curate.run.pipeline import run_curate
from curate.run.recipe import load_recipe
from tests.conftest import ROOT
from tests.mix_corpus import DEFAULT_MIX, make_recipe


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_training_snippet_runs_against_exported_mixture_issue7(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    recipe = make_recipe(tmp_path, DEFAULT_MIX + "    render: chatml\n")
    res = run_curate(load_recipe(recipe))
    out = tmp_path / "out"
    export_run(res, out / "c.duckdb", out / "parquet", out / "hf")
    monkeypatch.setenv("CLEANROOM_DB", str(out / "c.duckdb"))
    monkeypatch.setenv("CLEANROOM_MIXTURE", "sft")
    monkeypatch.setenv("CLEANROOM_PARQUET", str(out / "parquet" / "mixture_sft.parquet"))
    monkeypatch.setenv("CLEANROOM_HF", str(out / "hf" / "sft"))
    blocks = python_blocks(ROOT / "docs" / "TRAINING.md")
    assert blocks, "docs/TRAINING.md has no python block"
    for code in blocks:
        exec(compile(code, "docs/TRAINING.md", "exec"), {"__name__": "training_snippet"})
    printed = capsys.readouterr().out
    assert "train rows (estimate:ceil(chars/4)); loss" in printed


def test_training_snippet_detects_a_tampered_parquet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = make_recipe(tmp_path)
    res = run_curate(load_recipe(recipe))
    out = tmp_path / "out"
    export_run(res, out / "c.duckdb", out / "parquet", out / "hf")
    pq = out / "parquet" / "mixture_sft.parquet"
    pl.read_parquet(pq).head(5).write_parquet(pq)
    monkeypatch.setenv("CLEANROOM_DB", str(out / "c.duckdb"))
    monkeypatch.setenv("CLEANROOM_MIXTURE", "sft")
    monkeypatch.setenv("CLEANROOM_PARQUET", str(pq))
    monkeypatch.setenv("CLEANROOM_HF", str(out / "hf" / "sft"))
    with pytest.raises(AssertionError, match="differs from the manifest"):
        exec(compile(python_blocks(ROOT / "docs" / "TRAINING.md")[0], "TRAINING.md", "exec"), {})


@pytest.fixture
def tiny_tokenizer(tmp_path: Path) -> Path:
    """A word-level tokenizer with a ChatML chat_template, saved locally (no hub)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(vocab={"[UNK]": 0, "[PAD]": 1}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]")
    fast.chat_template = CHATML_TEMPLATE
    path = tmp_path / "tok"
    fast.save_pretrained(str(path))
    return path


def test_tokenizer_counts_and_chat_template_render(tmp_path: Path, tiny_tokenizer: Path) -> None:
    from transformers import AutoTokenizer

    mixtures = (
        DEFAULT_MIX
        + f"    tokenizer: {tiny_tokenizer}\n    render: tokenizer\n    rate: weights\n    total: {{tokens: 3000}}\n"
    )
    res = run_curate(load_recipe(make_recipe(tmp_path, mixtures)))
    f = res.mixtures["sft"]
    tok = AutoTokenizer.from_pretrained(str(tiny_tokenizer))
    assert set(f["n_tokens_method"]) == {f"tokenizer:{tiny_tokenizer}"}
    for row in f.head(20).iter_rows(named=True):
        assert row["text"] == tok.apply_chat_template(row["messages"], tokenize=False)
        assert row["n_tokens"] == len(tok(row["text"], add_special_tokens=False)["input_ids"])
    train = f.filter(pl.col("split") == "train")
    assert 3000 <= train["n_tokens"].sum() < 3000 + 4 * train["n_tokens"].max()
    assert res.side_tables["mixture_manifest"]["n_tokens_method"][0].startswith("tokenizer:")


@pytest.mark.parametrize("generation", [False, True])
def test_hand_chatml_equals_the_chat_template_issue17(
    tiny_tokenizer: Path, generation: bool
) -> None:
    """The no-tokenizer ChatML renderer and apply_chat_template(CHATML_TEMPLATE) agree."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_tokenizer))
    for messages in (
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
        [
            {"role": "system", "content": "Be brief.\n\nReally."},
            {"role": "user", "content": "{{ not jinja }} <b>x</b>"},
            {"role": "assistant", "content": ""},
        ],
    ):
        want = chatml(messages, add_generation_prompt=generation)
        got = tok.apply_chat_template(
            messages,
            chat_template=CHATML_TEMPLATE,
            tokenize=False,
            add_generation_prompt=generation,
        )
        assert got == want


def test_chatml_with_a_tokenizer_goes_through_it_issue17(
    tmp_path: Path, tiny_tokenizer: Path
) -> None:
    """render: chatml with a tokenizer: apply_chat_template renders, the tokenizer counts."""
    from transformers import AutoTokenizer

    mixtures = DEFAULT_MIX + f"    tokenizer: {tiny_tokenizer}\n    render: chatml\n"
    res = run_curate(load_recipe(make_recipe(tmp_path, mixtures)))
    f = res.mixtures["sft"]
    tok = AutoTokenizer.from_pretrained(str(tiny_tokenizer))
    for row in f.head(10).iter_rows(named=True):
        assert row["text"] == chatml(row["messages"])
        assert row["n_tokens"] == len(tok(row["text"], add_special_tokens=False)["input_ids"])

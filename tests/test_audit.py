"""Contamination audit: planted contamination in a real-looking corpus, presets, evidence, CLI.

Every planted case is one test: verbatim; case/whitespace/punctuation changed; lines re-wrapped;
punctuation standing alone between spaces; half an item; an item shorter than n; answer-only
copies; and controls that must not be flagged (code boilerplate, shared phrases).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.benchmarks import load_benchmark, parse_benchmark_arg
from audit.index import Tokenised, build_index
from audit.normalise import char_spans, token_spans, tokenize
from audit.presets import PRESETS, get_preset, llama2_spans
from audit.reference import plain_scan
from audit.scan import iter_corpus, scan, shards_of
from curate.core.errors import ConfigError
from tests.conftest import write_jsonl

# ---------------------------------------------------------------------------------------------
# Fixtures: a small benchmark and a real-looking instruction corpus
# ---------------------------------------------------------------------------------------------

QUESTIONS = [
    "Marla buys 4 crates of apples with 36 apples each and gives a third of them to her neighbours. "
    "How many apples does she keep for the bakery on Sunday?",
    "A train leaves the station at 9 am travelling at 60 miles per hour while a second train follows "
    "at 80 miles per hour one hour later. At what time does the second train catch up?",
    "Tom reads 12 pages of his history book every weekday and twice as many on each weekend day. "
    "How many pages does he read in three full weeks?",
    "The school orchestra has 48 members, of whom one quarter play the violin and 6 play the cello. "
    "How many members play neither the violin nor the cello?",
    "Write a function that reverses the order of words in a sentence while keeping the punctuation "
    "attached to each word exactly where it was.",
    "Sort the list of students by grade.",  # 7 tokens: shorter than n
]
ANSWERS = [
    "She buys 4 * 36 = 144 apples. She gives away 144 / 3 = 48 apples. She keeps 144 - 48 = 96 apples "
    "for the bakery. #### 96",
    "After one hour the first train is 60 miles ahead. The gap closes at 80 - 60 = 20 miles per hour, "
    "so it takes 60 / 20 = 3 hours. The second train catches up at 1 pm. #### 1 pm",
    "On weekdays he reads 5 * 12 = 60 pages a week. On weekends he reads 2 * 24 = 48 pages. Each week is "
    "60 + 48 = 108 pages, so three weeks are 324 pages. #### 324",
    "One quarter of 48 is 12 violinists. Together with 6 cellists that is 18, so 48 - 18 = 30 play "
    "neither. #### 30",
    "def reverse_words(sentence):\n    words = sentence.split()\n    return ' '.join(reversed(words))",
    "sorted(students, key=lambda s: s.grade)",
]
FILLER = [
    "Give three tips for staying healthy during the winter months.",
    "Eat plenty of vegetables, sleep at least seven hours and take a walk outside every day.",
    "Explain why the sky appears blue on a clear afternoon.",
    "Sunlight is scattered by the molecules of the air, and blue light is scattered more than red.",
    "Summarise the plot of a short story about a lighthouse keeper in two sentences.",
    "A lonely keeper rescues a stranded sailor during a storm. They become friends and share the lamp.",
    "Translate the phrase good morning into French and Spanish.",
    "Bonjour in French and buenos dias in Spanish.",
    "Describe the water cycle for a ten year old student.",
    "Water evaporates from the sea, forms clouds, falls as rain and flows back to the sea in rivers.",
    "Write a haiku about autumn leaves falling in the park.",
    "Red leaves drift and spin, the park bench holds a small pile, wind hums a soft tune.",
    "List the planets of the solar system in order from the sun.",
    "Mercury, Venus, Earth, Mars, Jupiter, Saturn, Uranus and Neptune.",
    "How many apples does she keep in the cellar over the long winter months?",
]
BOILERPLATE = (
    "import sys\n\n\ndef main():\n    args = sys.argv[1:]\n    print(args)\n\n\n"
    'if __name__ == "__main__":\n    main()\n'
)


def bench_file(tmp_path: Path, boiler_items: int = 0) -> Path:
    rows = [{"question": q, "answer": a} for q, a in zip(QUESTIONS, ANSWERS, strict=True)]
    for i in range(boiler_items):  # items that all end with the same boilerplate
        rows.append(
            {
                "question": f"Task number {i}: write program {i} that prints its arguments.\n{BOILERPLATE}",
                "answer": None,
            }
        )
    return write_jsonl(tmp_path / "bench.jsonl", rows)


def filler_records(k: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(k):
        q, a = rng.randrange(0, len(FILLER) - 1, 2), rng.randrange(1, len(FILLER) - 1, 2)
        out.append(
            {
                "instruction": FILLER[q],
                "input": "",
                "output": " ".join(rng.sample(FILLER, 2)) + " " + FILLER[a],
            }
        )
    return out


def rewrap(text: str, width: int = 23) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if len(cur) + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return "\n".join([*lines, cur])


PLANTED = {
    "verbatim": lambda: {"instruction": QUESTIONS[0], "input": "", "output": "Let me think."},
    "case_space_punct": lambda: {
        "instruction": "Solve: "
        + QUESTIONS[1].upper().replace(" ", "   ").replace("?", "!!").replace(",", ""),
        "input": "",
        "output": "Working on it.",
    },
    "rewrapped": lambda: {"instruction": rewrap(QUESTIONS[2]), "input": "", "output": "Sure."},
    "lone_punct": lambda: {
        "instruction": QUESTIONS[3].replace(",", " ,").replace(".", " .").replace("?", " ?"),
        "input": "",
        "output": "Here you go .",
    },
    "half": lambda: {
        "instruction": "Consider: " + " ".join(QUESTIONS[4].split()[:11]) + " and more.",
        "input": "",
        "output": "A function.",
    },
    "short_item": lambda: {
        "instruction": "Sort the list of students by grade.",
        "input": "",
        "output": "Done.",
    },
    "answer_only": lambda: {
        "instruction": "Solve the word problem about the school orchestra.",
        "input": "",
        "output": ANSWERS[3],
    },
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    rows = filler_records(60)
    for k, make in PLANTED.items():
        row = make()
        row["output"] += f" [{k}]"
        rows.insert(len(rows) // 2 if k != "verbatim" else 3, row)
    for i in range(12):  # boilerplate shared by many records (control)
        rows.append(
            {"instruction": f"Write program {i} for me.", "input": "", "output": BOILERPLATE}
        )
    return write_jsonl(tmp_path / "corpus.jsonl", rows)


def _scan(tmp_path: Path, corpus: Path, preset: str = "gpt3", **kw):
    items = [load_benchmark(f"{bench_file(tmp_path, **kw)}:question:answer")]
    return scan(
        items,
        iter_corpus(str(corpus), shard_rows=17),
        get_preset(preset).with_n(kw.get("n")) if "n" in kw else get_preset(preset),
    )


def _flagged(result) -> dict[str, set[str]]:
    """planted tag -> parts flagged, read from the record text's [tag]."""
    recs = {}
    for shard in iter_corpus(str(result.stats["corpus"])) if "corpus" in result.stats else []:
        recs.update(zip(shard["id"], shard["text"], strict=True))
    return recs


def _record_texts(corpus: Path) -> dict[str, str]:
    out = {}
    for shard in iter_corpus(str(corpus)):
        out.update(zip(shard["id"].to_list(), shard["text"].to_list(), strict=True))
    return out


def _tags(
    result, corpus: Path, part: str | None = None, verdicts=("dirty",)
) -> dict[str, set[str]]:
    texts = _record_texts(corpus)
    out: dict[str, set[str]] = {}
    rows = result.contamination.filter(pl.col("verdict").is_in(list(verdicts)))
    if part:
        rows = rows.filter(pl.col("part") == part)
    for r in rows.iter_rows(named=True):
        text = texts[r["id"]]
        tag = text[text.rfind("[") + 1 : text.rfind("]")] if "[" in text else "filler"
        out.setdefault(tag, set()).add(r["item_id"])
    return out


# ---------------------------------------------------------------------------------------------
# Normaliser
# ---------------------------------------------------------------------------------------------


def test_normaliser_rules():
    assert tokenize("Ｈｅｌｌｏ,  World!\n我爱 data_x") == [
        "hello",
        "world",
        "我",
        "爱",
        "data",
        "x",
    ]
    assert tokenize("the end .") == tokenize("the end.") == tokenize("THE\tEND") == ["the", "end"]
    assert tokenize("ﬁne") == ["fine"]
    assert tokenize(None) == [] and tokenize("") == [] and tokenize("...") == []


def test_token_spans_index_original_text():
    text = "Hi,  ＢＯＢ!\nthe ﬁne-print"
    toks = tokenize(text)
    spans = token_spans(text, toks)
    assert [text[a:b] for a, b in spans] == ["Hi", "ＢＯＢ", "the", "ﬁne", "print"]
    assert char_spans(spans, [(1, 3)]) == [[5, 13]]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aAbB 1.,!\n\t-_é我ﬁＸ")), max_size=40))
def test_token_spans_property(text):
    """Each token's span, normalised, gives back the token (ids never point at the wrong text)."""
    toks = tokenize(text)
    spans = token_spans(text, toks)
    assert len(spans) == len(toks)
    for tok, (a, b) in zip(toks, spans, strict=True):
        assert tokenize(text[a:b]) == [tok]


# ---------------------------------------------------------------------------------------------
# Planted contamination (gpt3 preset, n = 13 unless the 5th percentile is lower)
# ---------------------------------------------------------------------------------------------


def test_planted_cases_are_found_issue5(tmp_path, corpus):
    res = _scan(tmp_path, corpus, "gpt3")
    text_hits = _tags(res, corpus, "text")
    ids = load_benchmark(f"{tmp_path / 'bench.jsonl'}:question:answer")["item_id"].to_list()
    assert text_hits["verbatim"] == {ids[0]}
    assert text_hits["case_space_punct"] == {ids[1]}
    assert text_hits["rewrapped"] == {ids[2]}
    assert text_hits["lone_punct"] == {ids[3]}
    assert text_hits["half"] == {ids[4]}
    assert text_hits["short_item"] == {ids[5]}
    assert _tags(res, corpus, "answer")["answer_only"] == {ids[3]}
    # control: a filler record shares "how many apples does she keep" (6 tokens) with item 0;
    # N is 8 here (5th-percentile item length 7, clamped to 8): not flagged.
    assert "filler" not in text_hits
    s = res.summary.row(0, named=True)
    assert s["items"] == 6 and s["dirty"] == 6 and s["answer_only"] == 0 and s["short_items"] == 1


def test_evidence_spans_point_at_matched_text(tmp_path, corpus):
    res = _scan(tmp_path, corpus, "gpt3")
    texts = _record_texts(corpus)
    items = load_benchmark(f"{tmp_path / 'bench.jsonl'}:question:answer")
    item_text = dict(zip(items["item_id"], items["text"], strict=True))
    verbatim = res.contamination.filter(
        (pl.col("item_id") == items["item_id"][0]) & (pl.col("part") == "text")
    )
    assert verbatim.height == 1
    row = verbatim.row(0, named=True)
    spans = json.loads(row["spans"])
    assert spans["item"] == [[0, len(QUESTIONS[0]) - 1]]  # the final "?" is not a token
    ((a, b),) = spans["record"]
    assert texts[row["id"]][a:b] == QUESTIONS[0][:-1]
    assert row["coverage"] == 1.0 and row["longest_match"] == row["item_tokens"] == len(
        tokenize(QUESTIONS[0])
    )
    for r in res.contamination.iter_rows(named=True):  # every span: same tokens in both texts
        sp = json.loads(r["spans"])
        src = (
            item_text[r["item_id"]]
            if r["part"] == "text"
            else items.filter(pl.col("item_id") == r["item_id"])["answer"][0]
        )
        for ia, ib in sp["item"]:
            assert tokenize(src[ia:ib])
        assert (
            sum(len(tokenize(texts[r["id"]][a:b])) for a, b in sp["record"]) >= r["n"]
            or r["whole_match"]
        )


def test_half_item_coverage(tmp_path, corpus):
    res = _scan(tmp_path, corpus, "gpt3")
    half = res.contamination.filter(
        pl.col("item_id").str.ends_with("/4") & (pl.col("part") == "text")
    ).row(0, named=True)
    total = len(tokenize(QUESTIONS[4]))
    assert half["coverage"] == pytest.approx(11 / total) and half["longest_match"] == 11


def test_boilerplate_control_not_flagged_issue5(tmp_path, corpus):
    """12 benchmark items and 12 records share code boilerplate: ignored and counted, not flagged."""
    res = _scan(tmp_path, corpus, "gpt3", boiler_items=12)
    assert "filler" not in _tags(res, corpus)
    boiler_ids = [
        i
        for i in res.items["item_id"].to_list()
        if res.items.filter(pl.col("item_id") == i)["text"][0].startswith("Task")
    ]
    flagged = set(res.contamination.filter(pl.col("verdict") == "dirty")["item_id"].to_list())
    assert not flagged & set(boiler_ids)
    assert res.summary["ignored_common_items"][0] > 0


def test_corpus_common_ngrams_ignored(tmp_path):
    """An item n-gram found in more than max_record_df records is ignored (GPT-3's >10 documents),
    when the records hold only part of the item (here 13 of 20 tokens: 0.65 < 0.8)."""
    item = " ".join(f"w{i}" for i in range(20))
    bench = write_jsonl(tmp_path / "b.jsonl", [{"q": item}])
    phrase = " ".join(f"w{i}" for i in range(13))
    rows = [{"text": f"record {i}: {phrase} and more"} for i in range(11)]
    corpus = write_jsonl(tmp_path / "c.jsonl", rows)
    preset = PRESETS["gpt3"].with_n(13)
    res = scan([load_benchmark(f"{bench}:q")], iter_corpus(f"{corpus}:text", shard_rows=3), preset)
    assert res.contamination.height == 0 and res.stats["ignored_common_corpus"]["b"] == 1
    small = write_jsonl(tmp_path / "c2.jsonl", rows[:10])  # 10 records: not common
    res_ok = scan(
        [load_benchmark(f"{bench}:q")], iter_corpus(f"{small}:text", shard_rows=3), preset
    )
    assert res_ok.contamination.height == 10


def test_duplicated_item_not_hidden_by_common_filter_issue5(tmp_path):
    """An item pasted into 30 records makes all its n-grams 'common'; the pairs still hold the
    whole item, so they are reported, and counted as protected."""
    item = " ".join(f"w{i}" for i in range(20))
    bench = write_jsonl(tmp_path / "b.jsonl", [{"q": item}])
    rows = [{"text": f"copy {i}: {item}"} for i in range(30)]
    corpus = write_jsonl(tmp_path / "c.jsonl", rows)
    for preset in ("gpt3", "tulu3", "llama2", "gpt4"):
        res = scan([load_benchmark(f"{bench}:q")], iter_corpus(f"{corpus}:text"), PRESETS[preset])
        assert res.contamination.height == 30, preset
        assert set(res.contamination["verdict"]) == {"dirty"}, preset
        assert res.stats["protected_pairs"]["b"] == 30, preset


# ---------------------------------------------------------------------------------------------
# Presets against hand-computed expectations
# ---------------------------------------------------------------------------------------------

WORDS = [f"w{i}" for i in range(20)]  # a 20-token item: w0 ... w19
ITEM = " ".join(WORDS)


def _one(tmp_path: Path, records: list[str], preset: str, item: str = ITEM):
    bench = write_jsonl(tmp_path / "one.jsonl", [{"q": item}])
    corpus = write_jsonl(tmp_path / "rec.jsonl", [{"text": t} for t in records])
    return scan([load_benchmark(f"{bench}:q")], iter_corpus(f"{corpus}:text"), get_preset(preset))


def test_gpt3_n_is_fifth_percentile_clamped():
    p = PRESETS["gpt3"]
    assert p.n_for(np.arange(10, 30)) == 10  # 5th pct of 10..29 = 10.95 -> 10
    assert p.n_for(np.array([3] * 10 + [40] * 90)) == 8  # p5 = 3 -> clamped to 8
    assert p.n_for(np.array([100] * 20)) == 13
    assert p.with_n(7).n_for(np.arange(10, 30)) == 7


def test_gpt3_any_hit_is_dirty(tmp_path):
    # 20-token item -> N = 13; a record with 13 consecutive item tokens is dirty, 12 is not.
    res = _one(
        tmp_path, ["x " + " ".join(WORDS[3:16]) + " y", "x " + " ".join(WORDS[3:15])], "gpt3"
    )
    rows = res.contamination
    assert rows.height == 1 and rows["verdict"][0] == "dirty" and rows["n"][0] == 13
    assert rows["coverage"][0] == pytest.approx(13 / 20) and rows["matched_ngrams"][0] == 1


def test_tulu3_single_record_over_half(tmp_path):
    half = "a " + " ".join(WORDS[:10]) + " b"  # 10/20 = 0.5: not more than half
    more = "a " + " ".join(WORDS[:11]) + " b"  # 11/20 = 0.55
    res = _one(tmp_path, [half], "tulu3")
    assert res.contamination["coverage"].to_list() == [0.5] and res.contamination[
        "verdict"
    ].to_list() == ["clean"]
    assert res.summary["dirty"][0] == 0
    res = _one(tmp_path, [more], "tulu3")
    assert res.contamination["verdict"].to_list() == ["dirty"] and res.summary["dirty"][0] == 1
    # two records each holding one half: 100 % in union, but no single record > 50 % -> clean
    res = _one(tmp_path, [" ".join(WORDS[:10]), " ".join(WORDS[10:])], "tulu3")
    assert (
        sorted(res.contamination["coverage"].to_list()) == [0.5, 0.5]
        and res.summary["dirty"][0] == 0
    )


def test_llama2_buckets_hand_computed(tmp_path):
    # verbatim: 20/20 -> dirty
    res = _one(tmp_path, ["q " + ITEM], "llama2")
    assert res.item_verdicts["coverage"][0] == 1.0 and res.item_verdicts["verdict"][0] == "dirty"
    # 17-token copy with substitutions at item positions 5 and 11: 15 matched tokens in one span
    # of 17 tokens with 2 mismatches (budget 4) -> 15/20 = 0.75 -> not_clean
    copy = WORDS[:17]
    copy[5], copy[11] = "zz", "yy"
    res = _one(tmp_path, [" ".join(copy)], "llama2")
    assert res.item_verdicts["coverage"][0] == pytest.approx(0.75)
    assert res.item_verdicts["verdict"][0] == "not_clean"
    # 10 consecutive tokens: span not longer than 10 -> clean; 11 -> 11/20 = 0.55
    res = _one(tmp_path, [" ".join(WORDS[:10])], "llama2")
    assert res.item_verdicts["coverage"][0] == 0.0 and res.item_verdicts["verdict"][0] == "clean"
    res = _one(tmp_path, [" ".join(WORDS[:11])], "llama2")
    assert res.item_verdicts["coverage"][0] == pytest.approx(0.55)
    # 3 tokens (15 %) in two records can never qualify; union of 2 qualifying spans from 2 records
    res = _one(tmp_path, [" ".join(WORDS[:11]), "k " + " ".join(WORDS[9:20])], "llama2")
    assert res.item_verdicts["coverage"][0] == 1.0  # union 0..10 and 9..19
    s = res.summary.row(0, named=True)
    assert (s["bucket_clean"], s["bucket_not_clean"], s["bucket_not_dirty"], s["bucket_dirty"]) == (
        0,
        1,
        0,
        1,
    )


def test_llama2_span_rule():
    assert llama2_spans([(0, 6), (7, 13)], 11, 4) == [(0, 6), (7, 13)]
    assert llama2_spans([(0, 5), (10, 15)], 11, 4) == []
    assert llama2_spans([(0, 10)], 11, 4) == []
    assert llama2_spans([(0, 3), (5, 8), (11, 20)], 11, 4) == [(5, 8), (11, 20)]


def test_gpt4_seeded_substrings(tmp_path):
    from audit.matchers import build_substring_index

    item = (
        "The quick brown fox jumps over the lazy dog while the farmer counts his seventeen sheep "
        "and the rooster crows at dawn near the old red barn."
    )
    bench = write_jsonl(tmp_path / "one.jsonl", [{"q": item}])
    items = load_benchmark(f"{bench}:q")
    a = build_substring_index(items, PRESETS["gpt4"])
    b = build_substring_index(items, PRESETS["gpt4"])
    assert a.postings.equals(b.postings) and a.postings.height == 3
    assert set(a.postings["length"].to_list()) == {50}
    proc = "".join(tokenize(item))
    one = a.postings.sort("ipos")["ipos"][0]
    piece = proc[one : one + 50]
    res = _one(
        tmp_path, [item.upper(), "prefix " + piece + " suffix", "nothing here"], "gpt4", item=item
    )
    rows = res.contamination.sort("matched_ngrams")
    assert rows["matched_ngrams"].to_list()[-1] == 3 and rows["coverage"].to_list()[-1] == 1.0
    assert 1 in rows["matched_ngrams"].to_list() and set(rows["verdict"]) == {"dirty"}
    hit = rows.filter(pl.col("matched_ngrams") == 1).row(0, named=True)
    ((ra, rb),) = json.loads(hit["spans"])["record"]
    assert "".join(tokenize(("prefix " + piece + " suffix")[ra:rb])) == piece


# ---------------------------------------------------------------------------------------------
# Fast scan vs the plain Python set-of-tuples reference
# ---------------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("abcde"), min_size=0, max_size=12), min_size=1, max_size=4),
    st.lists(st.lists(st.sampled_from("abcdef"), min_size=0, max_size=30), min_size=1, max_size=6),
    st.integers(2, 4),
)
def test_scan_matches_plain_reference(items, records, n):
    bench = pl.DataFrame(
        {
            "benchmark": "b",
            "split": "t",
            "item_id": [f"i{k}" for k in range(len(items))],
            "text": [" ".join(t) for t in items],
            "answer": None,
        },
        schema={
            "benchmark": pl.String,
            "split": pl.String,
            "item_id": pl.String,
            "text": pl.String,
            "answer": pl.String,
        },
    )
    corpus = pl.DataFrame(
        {"id": [f"r{k}" for k in range(len(records))], "text": [" ".join(t) for t in records]}
    )
    preset = PRESETS["tulu3"].with_n(n)
    import dataclasses

    preset = dataclasses.replace(preset, max_item_df=10**9, max_record_df=10**9, min_tokens=n)
    res = scan([bench], shards_of(corpus, 2), preset)
    ref = plain_scan(
        {f"i{k}": t for k, t in enumerate(items) if len(t) >= n},
        [(f"r{k}", t) for k, t in enumerate(records)],
        n,
    )
    got = {
        (r["item_id"], r["id"]): r["matched_ngrams"]
        for r in res.contamination.iter_rows(named=True)
    }
    assert got == {k: len(v) for k, v in ref.items()}


def test_window_hash_position_independent():
    tok = Tokenised.of_texts(pl.Series(["a b c d e", "x a b c", ""]))
    h, rec, pos = tok.windows(3)
    assert list(zip(rec.tolist(), pos.tolist(), strict=True)) == [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 1),
    ]
    assert h[0] == h[4] and len(set(h.tolist())) == 4


def test_index_kinds():
    items = pl.DataFrame(
        {
            "benchmark": "b",
            "split": "t",
            "item_id": ["long", "short", "tiny"],
            "text": [ITEM, "one two three four five", "yes"],
            "answer": ["B", None, None],
        }
    )
    ix = build_index(items, 8, min_tokens=4)
    kinds = dict(zip(ix.units["item_id"] + "/" + ix.units["part"], ix.units["kind"], strict=True))
    assert kinds == {
        "long/text": "long",
        "short/text": "short",
        "tiny/text": "unscannable",
        "long/answer": "unscannable",
    }
    assert ix.lengths == [5, 8] and ix.postings.height == 13 + 1


# ---------------------------------------------------------------------------------------------
# Benchmarks registry
# ---------------------------------------------------------------------------------------------


def test_humaneval_from_wheel():
    he = load_benchmark("humaneval")
    assert he.height == 164 and he["item_id"][0] == "HumanEval/0"
    assert (
        he["text"][0].startswith("from typing import List") and "for idx, elem" in he["answer"][0]
    )


def test_benchmark_args():
    assert parse_benchmark_arg("gsm8k") == ("gsm8k", None, None, None)
    assert parse_benchmark_arg("gsm8k=x/test.jsonl") == ("gsm8k", "x/test.jsonl", None, None)
    assert parse_benchmark_arg("x/q.jsonl:question:answer") == (
        "q",
        "x/q.jsonl",
        "question",
        "answer",
    )
    with pytest.raises(ConfigError, match="did you mean 'gsm8k'"):
        parse_benchmark_arg("gsm8")
    with pytest.raises(ConfigError, match="FIELD"):
        parse_benchmark_arg("x/q.jsonl")
    with pytest.raises(ConfigError, match="offline"):
        load_benchmark("mmlu")


def test_registry_field_mapping_local_copy(tmp_path):
    mmlu = write_jsonl(
        tmp_path / "mmlu.jsonl",
        [{"question": "2+2?", "choices": ["3", "4", "5", "6"], "answer": 1}],
    )
    got = load_benchmark(f"mmlu={mmlu}").row(0, named=True)
    assert got["text"] == "2+2?\nA. 3\nB. 4\nC. 5\nD. 6" and got["answer"] == "4"
    arc = write_jsonl(
        tmp_path / "arc.jsonl",
        [
            {
                "id": "q1",
                "question": "Sky?",
                "choices": {"text": ["blue", "red"], "label": ["A", "B"]},
                "answerKey": "A",
            }
        ],
    )
    assert load_benchmark(f"arc_easy={arc}").row(0, named=True)["answer"] == "blue"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("abcXYZ019 _.,\n\t-é’我ﬁ\x00ΣςÉ①㊀…\u3000\u0301ßİ")),
            max_size=60,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_fast_and_general_token_hashes_agree(texts):
    """ASCII texts take the byte fast path, others the normaliser: same tokens, same hashes."""
    fast = Tokenised.of_texts(pl.Series(texts, dtype=pl.String))
    general = Tokenised.of(pl.Series([tokenize(t) for t in texts], dtype=pl.List(pl.String)))
    assert fast.lens.tolist() == general.lens.tolist()
    assert fast.h.tolist() == general.h.tolist()
    # the scan's layout: texts grouped by path, mapped back through ``order``
    flat = Tokenised.of_texts(pl.Series(texts, dtype=pl.String), keep_order=False)
    order = range(len(texts)) if flat.order is None else flat.order.tolist()
    assert flat.record_lens.tolist() == general.lens.tolist()
    per_text = {
        k: flat.h[s : s + n].tolist()
        for k, s, n in zip(order, flat.starts.tolist(), flat.lens.tolist(), strict=True)
    }
    assert [per_text[k] for k in range(len(texts))] == [
        general.h[s : s + n].tolist()
        for s, n in zip(general.starts.tolist(), general.lens.tolist(), strict=True)
    ]
    at = flat.starts[flat.lens > 0]
    keep, text, pos = flat.owner(at, 1)
    assert keep.all() and pos.tolist() == [0] * len(at)
    assert sorted(text.tolist()) == [k for k, t in enumerate(general.lens.tolist()) if t]


def test_prepare_skips_nfkc_only_where_it_cannot_change_the_text():
    """Python's NFKC quick check decides which texts Polars normalises; characters unassigned in
    Python's (older) Unicode database, e.g. U+1E030 (Unicode 15, ``<super>`` of ``а``), must
    still go through Polars' NFKC."""
    from audit.index import _prepare

    texts = pl.Series(["Don’t STOP…", "ﬁne ①", "plain é\n\tok", "x\U0001e030y", "a\u00adb", ""])
    full = (
        texts.str.normalize("NFKC")
        .str.to_lowercase()
        .str.replace_all(r"[[\p{P}\p{S}\s]&&[^\x00-\x7f]]", " ")
    )
    assert _prepare(texts).to_list() == full.to_list()
    assert _prepare(texts)[0] == "don t stop..."


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab")), min_size=1, max_size=40),
        min_size=2,
        max_size=30,
    )
)
def test_token_hash_equal_iff_token_equal(tokens):
    """Tokens of 1..40 bytes over a tiny alphabet (many near-equal long tokens): no collisions."""
    tok = Tokenised.of_texts(pl.Series([" ".join(tokens)]))
    by_hash: dict[int, str] = {}
    for t, h in zip(tokens, tok.h.tolist(), strict=True):
        assert by_hash.setdefault(h, t) == t
    assert len(set(tok.h.tolist())) == len(set(tokens))


def test_corpus_field_missing_is_config_error(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"text": "hello"}])
    with pytest.raises(ConfigError, match="fields found: text"):
        list(iter_corpus(f"{corpus}:body"))
    with pytest.raises(ConfigError, match="not a supported file"):
        list(iter_corpus("corpus.xml"))


def test_markdown_report_names_items_and_excerpts(tmp_path, corpus):
    from audit.report import markdown_report

    res = _scan(tmp_path, corpus, "gpt3")
    md = markdown_report(res, "corpus.jsonl")
    assert "## Share of items clean" in md and "100.0% clean" not in md
    assert "Marla buys 4 crates" in md  # the verbatim item's highlighted excerpt


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ09 _.,-\n\t\x1c\x7f~'")), max_size=50))
def test_ascii_token_spans_match_sequential_alignment(text):
    """ASCII texts take a vectorised span path: same spans as finding each token in turn."""
    from audit.normalise import token_spans

    tokens = tokenize(text)
    expected, cursor, lowered = [], 0, text.lower()
    for tok in tokens:
        at = lowered.find(tok, cursor)
        cursor = at + len(tok)
        expected.append((at, cursor))
    assert token_spans(text, tokens) == expected
    assert ["".join(text[a:b].lower()) for a, b in expected] == tokens


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("aZ09 _.,-\n\t\x00\x7féﬁ我Ｘ")), max_size=30),
        max_size=6,
    ),
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=4),
)
def test_token_spans_many_equals_token_spans(texts, ranges):
    """The evidence's batch spans (arrays for ASCII texts, issue 19) give the same character
    spans as :func:`token_spans` text by text."""
    from audit.normalise import token_spans, token_spans_many

    for text, got in zip(texts, token_spans_many(texts), strict=True):
        want = token_spans(text, tokenize(text))
        assert [tuple(map(int, s)) for s in got] == want
        assert char_spans(got, ranges) == char_spans(want, ranges)
        assert all(type(v) is int for span in char_spans(got, ranges) for v in span)


def test_covered_counts_union_of_ranges():
    from audit.matchers import covered_tokens as _covered

    assert _covered([(0, 3), (2, 5), (7, 8)]) == 6
    assert _covered([(4, 6), (0, 2), (1, 2), (5, 9)]) == 7
    assert _covered([]) == 0


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)), max_size=80))
def test_merge_token_ranges_vectorised_matches_loop(pairs):
    """Long range lists take a NumPy path: same merged ranges as the plain loop."""
    from audit.normalise import merge_token_ranges

    ranges = [(a, a + n) for a, n in pairs]
    expected: list[list[int]] = []
    for a, b in sorted(ranges):
        if expected and a <= expected[-1][1]:
            expected[-1][1] = max(expected[-1][1], b)
        else:
            expected.append([a, b])
    assert merge_token_ranges(ranges) == [(a, b) for a, b in expected]


def test_merge_range_arrays_matches_list_merge():
    import numpy as np

    from audit.normalise import merge_range_arrays, merge_token_ranges

    rng = np.random.default_rng(0)
    for size in (0, 1, 5, 200):
        a = rng.integers(0, 300, size)
        b = a + rng.integers(0, 14, size)
        ranges = list(zip(a.tolist(), b.tolist(), strict=True))
        assert merge_range_arrays(a, b) == merge_token_ranges(ranges)
    assert merge_range_arrays(np.array([7, 0, 2]), np.array([8, 3, 5])) == [(0, 5), (7, 8)]


_TOKEN_BYTES = st.one_of(
    st.binary(max_size=40),  # anything, including bytes >= 0x80 and NUL
    st.lists(
        st.sampled_from([b" ", b".", b"-", b"_", b"\n", b"7", b"42", b"A", b"x", b"\xc3\xa9"])
        | st.text(alphabet="abcXYZ0123456789", min_size=17, max_size=70).map(str.encode),
        max_size=30,
    ).map(b"".join),
)


@settings(max_examples=150, deadline=None)
@given(_TOKEN_BYTES, st.booleans())
def test_numba_kernel_matches_numpy_block_hashes(raw, utf8):
    """The compiled one-pass kernel gives exactly the NumPy path's token starts and hashes, on
    random bytes with punctuation, digits and tokens over 8, 16 and 24 bytes, with both tables."""
    pytest.importorskip("numba")
    from audit._kernel import KERNEL
    from audit.index import _NORM_BYTES, _UTF8_BYTES, _block_token_hashes

    if os.environ.get("CLEANROOM_NO_NUMBA"):
        pytest.skip("kernel switched off by CLEANROOM_NO_NUMBA")
    assert KERNEL is not None
    table = _UTF8_BYTES if utf8 else _NORM_BYTES
    buf = np.frombuffer((b" " + raw + b"         ").translate(table), np.uint8)
    starts, hashes = KERNEL(buf)
    ref_starts, ref_hashes = _block_token_hashes(buf)
    assert starts.tolist() == ref_starts.tolist()
    assert hashes.tolist() == ref_hashes.tolist()


def test_tokenised_same_without_numba(monkeypatch):
    """The NumPy fallback (numba absent) and the kernel give the same Tokenised hashes."""
    import audit.index as index

    texts = pl.Series(
        ["The quick-brown fox, 1234567890123456789012345678 ok", "", "a_b", "supercalifragilistic"]
    )
    with_kernel = Tokenised.of_texts(texts)
    pytest.importorskip("numba")
    if os.environ.get("CLEANROOM_NO_NUMBA"):
        pytest.skip("kernel switched off by CLEANROOM_NO_NUMBA")
    assert index._kernel() is not None
    monkeypatch.setattr(index, "USE_KERNEL", False)
    assert index._kernel() is None
    without = Tokenised.of_texts(texts)
    assert with_kernel.h.tolist() == without.h.tolist()
    assert with_kernel.lens.tolist() == without.lens.tolist() == [6, 0, 2, 1]


_VOCAB = ["ab", "cd", "ef", "gh", "the", "x", "yz"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=30), min_size=1, max_size=8),
    st.lists(st.lists(st.sampled_from(_VOCAB), max_size=40), min_size=1, max_size=8),
    st.integers(min_value=2, max_value=5),
    st.sampled_from([0, 64]),
)
def test_compiled_window_pass_matches_numpy_prefilter_issue19(items, records, n, group_max):
    """The compiled window pass (every length in one call: large lengths rolled, small ones
    behind the head filter) finds exactly the windows the NumPy prefilter + exact lookup find,
    with whole short units of several lengths and windows crossing record boundaries."""
    pytest.importorskip("numba")
    if os.environ.get("CLEANROOM_NO_NUMBA"):
        pytest.skip("kernel switched off by CLEANROOM_NO_NUMBA")
    import audit.index as index

    frame = pl.DataFrame(
        {
            "benchmark": ["b"] * len(items),
            "item_id": [f"i{k}" for k in range(len(items))],
            "text": [" ".join(t) for t in items],
            "answer": [None] * len(items),
        },
        schema={
            "benchmark": pl.String,
            "item_id": pl.String,
            "text": pl.String,
            "answer": pl.String,
        },
    )
    ixs = [build_index(frame, n, whole_below=n + 3, min_tokens=1, max_item_df=100)]
    tok = Tokenised.of_texts(pl.Series([" ".join(r) for r in records]), keep_order=False)
    old = index._GROUP_MAX
    index._GROUP_MAX = group_max
    try:
        wf = index.WindowFilter.build(ixs)
    finally:
        index._GROUP_MAX = old
    got = wf.hits(tok.h, index.window_kernel())
    assert sorted(got) == ixs[0].lengths
    for length in ixs[0].lengths:
        at, hc = index.prefilter(ixs, tok, length)
        exact = ixs[0].lookup(hc, length)
        assert got[length][0].tolist() == at[exact].tolist()
        assert got[length][1].tolist() == hc[exact].tolist()


_TRICKY = list(
    "aZ09 _.,\n\t-'é’我ﬁ\x00ΣσςϹÉ①㊀…\u3000\u0301\u0308ßİıǅﷺ㈠½Kẞ가\u1100\u1161\u11a8ｶﾞ"
    "Я，。（）\u00ad\u200b😀\U00020000\U00030001\U000e0001Ωω㎏ﬀ"
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.sampled_from(_TRICKY), max_size=40),
            st.text(max_size=30),  # any code point
        ),
        min_size=1,
        max_size=6,
    )
)
def test_compiled_utf8_tokens_match_the_normaliser_issue19(texts):
    """The compiled UTF-8 pass (per-code-point tables from Polars) gives the normaliser's tokens
    and hashes for every text it accepts: combining marks, composing Hangul jamo, half-width
    kana, sigma, multi-character NFKC (ﬁ, ﷺ, ½), capitals, emoji, planes above the tables; the
    texts it leaves to the reference path come out the same too."""
    pytest.importorskip("numba")
    if os.environ.get("CLEANROOM_NO_NUMBA"):
        pytest.skip("kernel switched off by CLEANROOM_NO_NUMBA")
    from audit.index import _utf8_token_hashes

    series = pl.Series(texts, dtype=pl.String)
    general = Tokenised.of(pl.Series([tokenize(t) for t in texts], dtype=pl.List(pl.String)))
    h, lens, ok = _utf8_token_hashes(series)
    ref = [
        general.h[s : s + n].tolist()
        for s, n in zip(general.starts.tolist(), general.lens.tolist(), strict=True)
    ]
    at = 0
    for k in range(len(texts)):
        if ok[k]:
            assert h[at : at + lens[k]].tolist() == ref[k], texts[k]
            at += lens[k]
        else:
            assert lens[k] == 0
    fast = Tokenised.of_texts(series)
    assert fast.h.tolist() == general.h.tolist()
    assert fast.lens.tolist() == general.lens.tolist()


def test_compiled_utf8_pass_takes_common_scripts_issue19():
    """Cyrillic capitals, CJK with full-width punctuation, accents and emoji stay on the
    compiled path; a combining mark or a capital sigma sends its text to the reference."""
    pytest.importorskip("numba")
    if os.environ.get("CLEANROOM_NO_NUMBA"):
        pytest.skip("kernel switched off by CLEANROOM_NO_NUMBA")
    from audit.index import _utf8_token_hashes

    texts = ["Привет, МИР", "我爱北京（天安门）。", "Crème brûlée 😀", "e\u0301", "ΣΑΣ", "ﬁne ①"]
    _, lens, ok = _utf8_token_hashes(pl.Series(texts))
    assert ok.tolist() == [True, True, True, False, False, True]
    assert lens.tolist() == [2, 7, 2, 0, 0, 2]


@pytest.mark.parametrize("tokens_only", [True, False])
@pytest.mark.parametrize("preset", ["gpt3", "llama2", "tulu3", "gpt4"])
def test_lazy_ids_scan_equals_eager_scan_issue19(
    tmp_path, corpus, preset, tokens_only, monkeypatch
):
    """The CLI's shards (ids computed for reported records only: token hashes straight from the
    JSONL bytes with ``tokens_only``, :class:`audit.jsonl_tokens.TokenShards`; else
    :class:`curate.io.ingest_arrow.LazyIds`) give the same contamination rows, ids included, as
    shards with every id: the planted copies are repeated (so ids get ``-n`` suffixes), blocks
    are small, and one line is bad (read by the reference)."""
    from audit.scan import corpus_shards
    from curate.io import ingest_arrow

    lines = corpus.read_text().splitlines()
    lines = lines + lines[:20] + ["{not json"] + lines[:10]
    corpus.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(ingest_arrow, "BLOCK_BYTES", 700)
    items = [load_benchmark(f"{bench_file(tmp_path)}:question:answer")]
    eager = scan(items, iter_corpus(str(corpus), shard_rows=17), get_preset(preset))
    shards = corpus_shards(str(corpus), shard_rows=17, tokens_only=tokens_only)
    lazy = scan(items, shards, get_preset(preset))
    assert eager.contamination.height > 0
    assert eager.contamination["id"].str.contains("-").any()  # repeats are reported
    assert lazy.contamination.equals(eager.contamination)
    assert lazy.item_verdicts.equals(eager.item_verdicts)

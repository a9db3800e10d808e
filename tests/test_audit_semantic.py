"""Issue 15: the paraphrase matcher (``--preset semantic``), commonness (``common_only``),
``unscannable`` items, and the user's own ids (``source_id``) in audit and dedup outputs.

Every fixture is built here (tiny texts); the encoder is the shipped MiniLM wheel; the judge is
a tiny random causal LM written to a temporary folder, so only the parsing path is exercised.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from audit.background import Background, abstract_text
from audit.benchmarks import load_benchmark
from audit.presets import PRESETS
from audit.scan import iter_corpus, scan, shards_of
from audit.semantic import (
    SemanticOptions,
    check_code,
    check_math,
    extract_code,
    numbers_in,
    parse_judge,
    topk_merge,
)
from curate.core.errors import ConfigError
from curate.steps.decontaminate import DecontaminateParams
from tests.conftest import write_jsonl

MATH = (
    "Marla buys 4 crates of apples with 36 apples each and gives 48 of them to her neighbours. "
    "How many apples does she keep for the bakery?"
)
MATH_PARA = (
    "For the bakery, Marla keeps some apples: she bought 4 crates holding 36 apples apiece and "
    "handed 48 to the people next door. How many are left?"
)
MATH_RENUMBERED = (
    "For the bakery, Marla keeps some apples: she bought 5 crates holding 30 apples apiece and "
    "handed 40 to the people next door. How many are left?"
)
CODE_Q = "Write a function to set all odd bits of a given number."
CODE_A = (
    "def odd_bit_set_number(n):\n    count = 0;res = 0;temp = n\n    while temp > 0:\n"
    "        if count % 2 == 0:\n            res |= (1 << count)\n        count += 1\n"
    "        temp >>= 1\n    return (n | res)"
)
CODE_PARA = (
    "Create a routine that turns on every odd-positioned bit of an integer.\n\n"
    "def v0(v1):\n    v2 = 0;v3 = 0;v4 = v1\n    while v4 > 0:\n        if v2 % 2 == 0:\n"
    "            v3 |= (1 << v2)\n        v2 += 1\n        v4 >>= 1\n    return (v1 | v3)"
)
CODE_TWIN = (  # MBPP's "even bits" twin: the same shape, one literal differs
    "Write a function to set all even bits of a given number.\n\n"
    "def v0(v1):\n    v2 = 0;v3 = 0;v4 = v1\n    while v4 > 0:\n        if v2 % 2 == 1:\n"
    "            v3 |= (1 << v2)\n        v2 += 1\n        v4 >>= 1\n    return (v1 | v3)"
)
OTHER = "The village market opens early on Saturdays, and farmers bring carrots and cheese."


def _items() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "benchmark": ["t", "t", "t"],
            "split": ["test"] * 3,
            "item_id": ["math", "code", "short"],
            "text": [MATH, CODE_Q, "Say hi"],
            "answer": ["She keeps 96. #### 96", CODE_A, None],
        }
    )


def _corpus() -> pl.DataFrame:
    texts = [MATH_PARA, MATH_RENUMBERED, CODE_PARA, CODE_TWIN, OTHER]
    return pl.DataFrame(
        {
            "id": [f"h{i}" for i in range(len(texts))],
            "text": texts,
            "source_id": [f"user-{i}" for i in range(len(texts))],
        }
    )


@pytest.fixture(scope="module")
def semantic_result():
    return scan(
        [_items()], shards_of(_corpus(), 2), PRESETS["semantic"], semantic=SemanticOptions(top_k=3)
    )


def _pair(res, item: str, rec: str) -> dict:
    rows = res.contamination.filter((pl.col("item_id") == item) & (pl.col("id") == rec))
    assert rows.height == 1, (item, rec, res.contamination)
    return rows.row(0, named=True)


def test_semantic_finds_paraphrase_not_renumbered(semantic_result):
    res = semantic_result
    para = _pair(res, "math", "h0")
    assert para["verdict"] == "dirty" and para["rank"] in (1, 2) and para["cosine"] >= 0.6
    assert para["source_id"] == "user-0" and para["preset"] == "semantic"
    check = json.loads(para["second_stage"])
    assert check["kind"] == "math" and check["numbers_missing"] == []
    spans = json.loads(para["spans"])  # aligned spans: every one is the same words in both texts
    assert spans["item"] and len(spans["item"]) == len(spans["record"])
    renum = _pair(res, "math", "h1")
    assert renum["verdict"] == "clean"
    assert set(json.loads(renum["second_stage"])["numbers_missing"]) == {"4", "36", "48"}


def test_semantic_code_shape_and_values(semantic_result):
    res = semantic_result
    assert _pair(res, "code", "h2")["verdict"] == "dirty"  # renamed identifiers, same code
    twin = _pair(res, "code", "h3")
    assert twin["verdict"] == "clean" and json.loads(twin["second_stage"])["structure"] > 0.9


def test_semantic_summary_counts_unscannable_apart(semantic_result):
    s = semantic_result.summary.row(0, named=True)
    assert s["items"] == 3 and s["dirty"] == 2 and s["unscannable_items"] == 1
    assert s["clean"] == 0 and s["pct_clean"] == 0.0  # 0 of the 2 scannable items are clean
    v = dict(semantic_result.item_verdicts.select("item_id", "verdict").iter_rows())
    assert v == {"math": "dirty", "code": "dirty", "short": "unscannable"}


def test_topk_merge_across_shards_equals_full_sort():
    rng = np.random.default_rng(0)
    sims = rng.standard_normal((7, 53)).astype(np.float32)
    k = 4
    best_s = np.full((7, k), -np.inf, np.float32)
    best_i = np.full((7, k), -1, np.int64)
    for a, b in [(0, 3), (3, 20), (20, 21), (21, 53)]:  # uneven shards, one smaller than k
        best_s, best_i = topk_merge(best_s, best_i, sims[:, a:b], a, k)
    ref = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    assert (best_i == ref).all()
    assert np.allclose(best_s, np.take_along_axis(sims, ref, 1))


def test_number_and_code_checks():
    assert numbers_in("She eats three, sells 1,200.50 and buys one DVD for $2.0") == [
        "3",
        "1200.5",
        "2",
    ]
    ok, ev = check_math(MATH, MATH_PARA, 0.8, SemanticOptions())
    assert ok and ev["number_recall"] == 1.0
    ok, ev = check_math(MATH, MATH_PARA, 0.7, SemanticOptions())  # below math_cosine
    assert not ok
    assert extract_code("Do it.\n\ndef f(x):\n    return x") == "def f(x):\n    return x"
    ok, ev = check_code(CODE_Q, CODE_A, "Set the odd bits of n, please.", 0.95, SemanticOptions())
    assert ok and ev["record_code"] is False  # no code in the record: the cosine decides
    ok, ev = check_code(CODE_Q, CODE_A, CODE_TWIN, 0.95, SemanticOptions())
    assert not ok and ev["values_missing"] == ["0"]


def test_parse_judge():
    assert parse_judge(" True. Same numbers, reworded.")[0] == "dirty"
    assert parse_judge("False - the numbers differ")[0] == "clean"
    assert parse_judge("No, a different task.")[0] == "clean"
    assert parse_judge("maybe later") == ("unparsed", "maybe later")


@pytest.fixture(scope="module")
def tiny_judge(tmp_path_factory) -> Path:
    """A random 1-layer GPT-2 with the MiniLM tokenizer: output is noise, parsing still runs."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from curate.lib.quality.minilm_head import minilm_path

    folder = tmp_path_factory.mktemp("judge")
    tok = AutoTokenizer.from_pretrained(str(minilm_path()))
    tok.save_pretrained(folder)
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=tok.vocab_size, n_layer=1, n_head=2, n_embd=16, n_positions=1024)
    GPT2LMHeadModel(cfg).save_pretrained(folder)
    return folder


def test_judge_with_tiny_random_model(tiny_judge):
    opts = SemanticOptions(top_k=2, judge=str(tiny_judge), judge_max_new_tokens=6)
    res = scan([_items()], shards_of(_corpus()), PRESETS["semantic"], semantic=opts)
    c = res.contamination
    assert c.height and c["judge_verdict"].null_count() == 0
    assert set(c["judge_verdict"]) <= {"dirty", "clean", "unparsed"}
    assert c["judge_reason"].null_count() == 0
    s = res.summary.row(0, named=True)
    assert s["judged"] == c.height
    # an unparsable answer leaves the rule's decision: the paraphrase stays dirty then
    para = _pair(res, "math", "h0")
    if para["judge_verdict"] == "unparsed":
        assert para["verdict"] == "dirty"


def test_judge_must_be_a_local_folder(tmp_path):
    with pytest.raises(ConfigError, match="local model folder"):
        SemanticOptions(judge=str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="local model folder"):
        DecontaminateParams(benchmarks=("humaneval",), preset="semantic", judge="nope/model")


# ---------------------------------------------------------------------------------------------
# common_only
# ---------------------------------------------------------------------------------------------

LOOP = "for i in range(2, n):\n        if n % i == 0:\n            return False\n    return True"
ITEM_A = f"def special_value(n):\n    total = quirky_sum(n) * 7\n    {LOOP}"


def _bg() -> Background:
    docs = [f"def is_prime_{k}(n):\n    {LOOP}\n" for k in range(4)]  # the loop is common
    docs += ["def quirky_sum(n):\n    return n * 3\n"]  # quirky_sum appears once: rare
    return Background.build(docs, n=5, min_df=3)


def _common_items() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "benchmark": ["c"],
            "split": ["test"],
            "item_id": ["A"],
            "text": [
                "Return a special value of n computed with a quirky sum and a primality loop."
            ],
            "answer": [ITEM_A],
        }
    )


def _common_corpus() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["loop", "leak"],
            "text": [
                f"def check(n):\n    {LOOP}",
                "x = 1\ndef special_value(n):\n    total = quirky_sum(n) * 7\n",
            ],
        }
    )


def test_background_counts_documents_once():
    bg = Background.build(["aa bb cc dd ee aa bb cc dd ee", "xx aa bb cc dd ee"], n=5)
    from audit.index import Tokenised

    h, _, _ = Tokenised.of_texts(pl.Series(["aa bb cc dd ee"])).windows(5)
    assert bg.doc_freq(h).tolist() == [2] and bg.docs == 2
    assert abstract_text("for i in range(2, n):") == "for v in range(0, v):"


def test_common_only_demotes_only_common_matches():
    items, bg = _common_items(), _bg()
    plain = scan([items], shards_of(_common_corpus()), PRESETS["tulu3"].with_n(5))
    assert dict(plain.contamination.select("id", "verdict").iter_rows())["loop"] == "dirty"
    res = scan([items], shards_of(_common_corpus()), PRESETS["tulu3"].with_n(5), background=bg)
    v = {r["id"]: r for r in res.contamination.iter_rows(named=True)}
    assert v["loop"]["verdict"] == "common_only" and v["loop"]["common_share"] == 1.0
    assert v["leak"]["verdict"] in ("dirty", "clean") and v["leak"]["common_share"] != 1.0
    s = res.summary.row(0, named=True)
    assert s["common_only_pairs"] == 1


def test_common_only_alone_leaves_item_clean_gpt3_and_llama2():
    items, bg = _common_items(), _bg()
    corpus = _common_corpus().filter(pl.col("id") == "loop")
    for preset in (PRESETS["gpt3"].with_n(5), PRESETS["llama2"]):
        before = scan([items], shards_of(corpus), preset)
        after = scan([items], shards_of(corpus), preset, background=bg)
        assert before.item_verdicts["verdict"][0] != "clean", preset.name
        assert after.item_verdicts["verdict"][0] == "clean", preset.name
        s = after.summary.row(0, named=True)
        assert s["common_only_items"] == 1 and s["dirty"] == 0, preset.name


# ---------------------------------------------------------------------------------------------
# unscannable items
# ---------------------------------------------------------------------------------------------


def _short_items() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "benchmark": ["s"] * 3,
            "split": ["test"] * 3,
            "item_id": ["eight", "two", "long"],
            "text": [
                "what is the capital city of upper volta",  # 8 tokens
                "hello there",  # 2 tokens
                "a long question about the number of apples marla keeps for the bakery on sunday",
            ],
            "answer": [None, None, None],
        },
        schema_overrides={"answer": pl.String},
    )


def test_llama2_minimum_span_makes_short_items_unscannable():
    corpus = pl.DataFrame(
        {"id": ["r"], "text": ["Quiz: what is the capital city of upper volta? Ouagadougou."]}
    )
    res = scan([_short_items()], shards_of(corpus), PRESETS["llama2"])
    v = dict(res.item_verdicts.select("item_id", "verdict").iter_rows())
    # 8 tokens can never hold a span of more than 10: unscannable, not dirty and not clean
    assert v == {"eight": "unscannable", "two": "unscannable", "long": "clean"}
    s = res.summary.row(0, named=True)
    assert s["unscannable_items"] == 2 and s["clean"] == 1 and s["pct_clean"] == 100.0
    assert res.contamination.filter(pl.col("item_id") == "eight").height == 0


def test_gpt3_short_items_whole_and_tiny_unscannable():
    corpus = pl.DataFrame({"id": ["r"], "text": ["what is the capital city of upper volta"]})
    res = scan([_short_items()], shards_of(corpus), PRESETS["gpt3"])
    v = dict(res.item_verdicts.select("item_id", "verdict").iter_rows())
    assert v == {"eight": "dirty", "two": "unscannable", "long": "clean"}
    s = res.summary.row(0, named=True)
    assert s["clean"] == 1 and s["pct_clean"] == 50.0 and s["unscannable_items"] == 1


# ---------------------------------------------------------------------------------------------
# the user's own ids
# ---------------------------------------------------------------------------------------------


def test_source_id_kept_in_scan_outputs(tmp_path):
    rows = [{"uid": 7, "text": MATH}, {"uid": 8, "text": OTHER}]
    path = write_jsonl(tmp_path / "c.jsonl", rows)
    items = pl.DataFrame(
        {"benchmark": ["b"], "split": ["t"], "item_id": ["q"], "text": [MATH], "answer": [None]},
        schema_overrides={"answer": pl.String},
    )
    for arg in (f"{path}:text", str(path)):  # streamed FIELD path and the curate reader
        res = scan([items], iter_corpus(arg), PRESETS["gpt3"])
        assert res.contamination["source_id"].to_list() == ["7"], arg
    res = scan([items], iter_corpus(f"{path}:text", id_field="text"), PRESETS["gpt3"])
    assert res.contamination["source_id"][0] == MATH
    with pytest.raises(ConfigError, match="no id field 'nope'"):
        next(iter_corpus(f"{path}:text", id_field="nope"))


def test_benchmark_file_keeps_its_own_ids(tmp_path):
    path = write_jsonl(
        tmp_path / "b.jsonl", [{"_id": "x-1", "q": MATH}, {"_id": "x-2", "q": OTHER}]
    )
    assert load_benchmark(f"{path}:q")["item_id"].to_list() == ["x-1", "x-2"]


def test_cli_scan_and_dedup_keep_ids(tmp_path):
    from tests.test_audit_step import _cli

    corpus = write_jsonl(
        tmp_path / "c.jsonl",
        [
            {"task_id": "t1", "text": MATH},
            {"task_id": "t2", "text": MATH},
            {"task_id": "t3", "text": OTHER},
        ],
    )
    bench = write_jsonl(tmp_path / "b.jsonl", [{"question": MATH}])
    out = tmp_path / "hits.parquet"
    code, output = _cli(
        [
            "audit",
            "scan",
            "-b",
            f"{bench}:question",
            "-c",
            f"{corpus}:text",
            "--out",
            str(out),
            "--background",
            "none",
        ]
    )
    assert code == 0, output
    assert sorted(pl.read_parquet(out)["source_id"].to_list()) == ["t1", "t2"]
    dd = tmp_path / "dd.parquet"
    code, output = _cli(["dedup", str(corpus), "--out", str(dd)])
    assert code == 0, output
    assert pl.read_parquet(dd)["id"].to_list() == ["t1", "t2", "t3"]


def test_embed_cache_equals_fresh_embeddings(tmp_path):
    from audit.semantic import SemanticMatcher

    texts = [MATH, OTHER, CODE_Q]
    fresh = SemanticMatcher(SemanticOptions()).embed(texts)
    first = SemanticMatcher(SemanticOptions(embed_cache=str(tmp_path)))
    first.embed(texts[:2])
    first.save_cache()
    again = SemanticMatcher(SemanticOptions(embed_cache=str(tmp_path)))
    got = again.embed(texts)  # two from disk, one new
    assert np.allclose(got, fresh, atol=1e-5) and len(again._cache()) == 3


def test_decontaminate_step_semantic_drops_paraphrase_keeps_ids(tmp_path):
    """decontaminate_v1 at its new home (curate/steps): preset semantic drops the rephrased
    record only, and the contamination rows carry the input's own id as source_id."""
    from curate.run.pipeline import run_curate
    from curate.run.recipe import load_recipe
    from tests.conftest import write_recipe

    write_jsonl(tmp_path / "bench.jsonl", [{"question": MATH, "answer": "96"}])
    write_jsonl(
        tmp_path / "web.jsonl",
        [
            {"id": "u-para", "text": MATH_PARA},
            {"id": "u-renum", "text": MATH_RENUMBERED},
            {"id": "u-other", "text": OTHER},
        ],
    )
    bench = tmp_path / "bench.jsonl"
    rec = write_recipe(
        tmp_path / "r.yaml",
        f"""
version: 1
name: t
inputs:
  - {{name: web, path: web.jsonl}}
steps:
  - step: decontaminate_v1
    params: {{benchmarks: ["{bench}:question:answer"], preset: semantic, top_k: 3}}
output: {{db: {tmp_path / "out.duckdb"}, parquet_dir: {tmp_path / "pq"}}}
""",
    )
    result = run_curate(load_recipe(rec))
    dropped = result.frame.filter(~pl.col("keep"))
    assert dropped["text"].to_list() == [MATH_PARA]
    assert dropped["drop_reason"].to_list() == ["contamination"]
    assert json.loads(dropped["detail"][0])["preset"] == "semantic"
    assert result.kept == 2
    hits = result.side_tables["contamination"].filter(pl.col("verdict") == "dirty")
    assert hits["source_id"].to_list() == ["u-para"]


@pytest.mark.parametrize("fld", [None, "instruction,output"])
def test_source_id_jsonl_fast_path_equals_reference(tmp_path, fld):
    """JSONL with its own ids keeps the Arrow fast path: same id, text and source_id as the
    Python reference, for string, integer and float ids, a bad line and a row that does not map."""
    from audit.scan import iter_corpus_python
    from curate.io import ingest_arrow

    lines = []
    for i in range(12):
        rid = f"s{i}" if i < 4 else (i if i < 8 else i + 0.5)  # blocks of str / int / float ids
        lines.append(json.dumps({"id": rid, "instruction": f"Task {i} é", "output": f"out {i}"}))
    lines.insert(5, "{not json")
    lines.insert(9, json.dumps({"id": "nomap", "instruction": None, "output": "x"}))
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ref = pl.concat(list(iter_corpus_python(str(path), fld, "c", 5, id_field="id")))
    names = fld.split(",") if fld else None
    fast = pl.concat(
        list(
            ingest_arrow.iter_id_text(
                path, source="c", fields=names, shard_rows=5, block_bytes=200, id_field="id"
            )
        )
    )
    assert fast.columns == ["id", "text", "source_id"]
    assert fast.to_dicts() == ref.to_dicts()
    assert "s0" in fast["source_id"].to_list() and "4" in fast["source_id"].to_list()
    arg = str(path) if fld is None else f"{path}:{fld}"
    assert pl.concat(list(iter_corpus(arg, 5))).to_dicts() == ref.to_dicts()


def _common_share_one_by_one(bg: Background, text: str, spans: list[list[int]]) -> float | None:
    """The per-pair reference of ``common_share`` (tokenise, align, window, look up)."""
    from audit.background import abstract_text
    from audit.index import Tokenised
    from audit.normalise import token_spans, tokenize

    text = abstract_text(text)
    toks = tokenize(text)
    if len(toks) < bg.n or not spans:
        return None
    inside = np.array(
        [any(a <= s and e <= b for a, b in spans) and e > s for s, e in token_spans(text, toks)],
        bool,
    )
    h, _, pos = Tokenised.of_texts(pl.Series([text])).windows(bg.n)
    csum = np.concatenate([[0], np.cumsum(inside)])
    full = (csum[pos + bg.n] - csum[pos]) == bg.n
    if not full.any():
        return None
    return float((bg.doc_freq(h[full]) >= bg.min_df).mean())


def test_common_share_batched_equals_one_by_one_issue19():
    """Item texts prepared together (one tokenisation for every pair's item) give each pair the
    share the one-text-at-a-time computation gives, for every span choice."""
    texts = [ITEM_A, f"def check(n):\n    {LOOP}", "short text", "Привет, for i in range(2, n): x"]
    spans_list = [[[0, 10_000]], [[0, 30]], [[25, 90], [0, 5]], []]
    batched = _bg()
    batched.prepare_texts(texts)
    for text in texts:
        for spans in spans_list:
            fresh = _bg()
            want = _common_share_one_by_one(fresh, text, spans)
            assert batched.common_share(text, spans) == want
            assert fresh.common_share(text, spans) == want

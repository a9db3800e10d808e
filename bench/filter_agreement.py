"""Our Gopher / C4 / FineWeb filters vs datatrove's, on the same documents: decisions and speed.

Documents (from ``../shared/data``): the 5 scraped web pages (Chinese, Russian) whole, cut into
pages of 8 paragraphs and into single paragraphs, plus every Alpaca and CodeAlpaca record as one
document (instruction, input and output joined by blank lines). datatrove's filters run with their
defaults; ours in up to three modes (:data:`FILTERS`):

=========================  ====================================================================
datatrove                  ours: ``default`` (corpora/default.yaml) / ``paper`` / ``datatrove``
=========================  ====================================================================
GopherQualityFilter        gopher_quality_v1 / gopher_quality_v2 / v2 ``reference: datatrove``
GopherRepetitionFilter     gopher_repetition_v1 / (v2 paper = v1) / v2 ``reference: datatrove``
C4QualityFilter            c4_lines_v1 + c4_quality_v1 / the v2 pair / v2 ``reference: datatrove``
FineWebQualityFilter       fineweb_quality_v2 / (v3 paper = v2) / v3 ``reference: datatrove``
=========================  ====================================================================

The decision compared is keep / drop. Each side runs on one core (``POLARS_MAX_THREADS=1``);
CPU seconds, median of ``--runs`` interleaved runs (ours, datatrove, ours, ...), our token memo
tables emptied before each. Every disagreement is written to
``bench/results/filter_agreement_disagreements.jsonl`` (filter, doc, both reasons, text) so it
can be read; the table goes to ``bench/results/filter_agreement.md``.

Needs the ``bench`` extra (``pip install -e '.[bench]'``: datatrove and spacy, whose blank
English tokenizer datatrove's Gopher and C4 filters use; no model download). Skips without it.

Usage: ``python bench/filter_agreement.py [--runs 3]``
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _corpus  # noqa: E402
import polars as pl  # noqa: E402
from _measure import load_line  # noqa: E402

DT = {"reference": "datatrove"}
# filter -> (datatrove class, {mode: [(our step key, params), ...]}). Modes: "default" is what
# corpora/default.yaml names; "paper" the v2 paper reading where it differs from v1;
# "datatrove" the v2/v3 steps' ``reference: datatrove`` mode.
FILTERS: dict[str, tuple[str, dict[str, list[tuple[str, dict]]]]] = {
    "gopher_quality": (
        "GopherQualityFilter",
        {
            "default": [("gopher_quality_v1", {})],
            "paper": [("gopher_quality_v2", {})],
            "datatrove": [("gopher_quality_v2", DT)],
        },
    ),
    "gopher_repetition": (
        "GopherRepetitionFilter",
        {"default": [("gopher_repetition_v1", {})], "datatrove": [("gopher_repetition_v2", DT)]},
    ),
    "c4": (
        "C4QualityFilter",
        {
            "default": [("c4_lines_v1", {}), ("c4_quality_v1", {})],
            "paper": [("c4_lines_v2", {}), ("c4_quality_v2", {})],
            "datatrove": [("c4_lines_v2", DT), ("c4_quality_v2", DT)],
        },
    ),
    "fineweb_quality": (
        "FineWebQualityFilter",
        {"default": [("fineweb_quality_v2", {})], "datatrove": [("fineweb_quality_v3", DT)]},
    ),
}


def documents() -> list[tuple[str, str]]:
    """``(group, text)``: web pages whole / 8-paragraph pages / paragraphs, then instructions."""
    docs: list[tuple[str, str]] = []
    for page in sorted((_corpus.DATA / "web_pages").glob("*.txt")):
        text = page.read_text(encoding="utf-8")
        docs.append(("web_page", text))
        paras = [p for p in text.split("\n\n") if p.strip()]
        docs += [("web_8paras", "\n\n".join(paras[k : k + 8])) for k in range(0, len(paras), 8)]
        docs += [("web_para", p) for p in paras]
    for f in ("alpaca/alpaca_5000.json", "codealpaca/new_codealpaca.json"):
        group = f.split("/")[0]
        for r in json.loads((_corpus.DATA / f).read_text(encoding="utf-8")):
            parts = (r["instruction"], r.get("input", ""), r["output"])
            docs.append((group, "\n\n".join(p for p in parts if p)))
    return docs


def clear_token_caches() -> None:
    """Empty the memo tables of the ``reference: datatrove`` modes (English tokens per chunk)."""
    from curate.steps import gopher, words

    for fn in (words._chunk_tokens, gopher.is_symbol_token, gopher._has_alpha):
        fn.cache_clear()


def ours(name: str, mode: str, texts: list[str]) -> tuple[list[str | None], float]:
    """Drop reason per text (None: kept) and CPU seconds, our steps through the step API."""
    from curate.core.schemas import ROW
    from curate.core.step import StepContext
    from curate.plugins import get_step

    frame = pl.DataFrame(
        {"id": [str(i) for i in range(len(texts))], "source": "b", "kind": "document",
         "text": texts, "messages": None, "meta": "{}"},
    ).with_row_index(ROW).with_columns(
        keep=pl.lit(True), stage=pl.lit(None, pl.String), drop_reason=pl.lit(None, pl.String),
        detail=pl.lit(None, pl.String),
    )  # fmt: skip
    clear_token_caches()  # every timed run starts cold: no chunk seen in an earlier run
    t0 = time.process_time()
    lf = frame.lazy()
    for key, params in FILTERS[name][1][mode]:
        spec = get_step(key)
        lf = lf.pipe(
            spec.build(spec.build_params(params, "bench"), StepContext(key=key, kinds=None))
        )
    out = lf.select("drop_reason").collect()
    return out["drop_reason"].to_list(), time.process_time() - t0


def theirs(name: str, texts: list[str]) -> tuple[list[str | None], float]:
    """datatrove's reason per text (None: kept) and CPU seconds."""
    from datatrove.data import Document
    from datatrove.pipeline import filters

    filt = getattr(filters, FILTERS[name][0])()
    docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
    t0 = time.process_time()
    out: list[str | None] = []
    for d in docs:
        r = filt.filter(d)
        out.append(None if r is True else (r[1] if isinstance(r, tuple) else "dropped"))
    return out, time.process_time() - t0


CJK = (
    "CJK text: datatrove's English tokenizer sees a clause as one word, '。' ends no line",
    "ours",
)


def classify(
    name: str, mode: str, text: str, ours_r: str | None, theirs_r: str | None
) -> tuple[str, str]:
    """``(class, who is right)`` of one disagreement, from what each side computes.

    Classes were found by reading the disagreements (docs/FILTERS.md says why each side is right);
    this function re-derives them from each document so every rerun counts them again. ``right``:
    ``ours``, ``datatrove`` (``fixed in v2``: the paper mode agrees), or ``ambiguous`` (the
    paper does not decide).
    """
    from curate.steps.words import cjk_fraction, split_words

    if cjk_fraction(split_words(text)) > 0.5:
        return CJK
    both = f"{ours_r} {theirs_r}"
    if name == "gopher_quality":
        return _classify_gopher(mode, text, ours_r, theirs_r, both)
    if name == "gopher_repetition":
        if theirs_r and theirs_r.startswith("top_") and ours_r is None:
            from collections import Counter

            from curate.steps.words import english_tokens

            n, tokens = int(theirs_r.split("_")[1]), english_tokens(text)
            grams = Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
            if grams and grams.most_common(1)[0][1] == 1:
                return "top n-gram: datatrove counts an n-gram seen once as repetition", "ours"
        return (
            "character accounting: datatrove's n-grams over all characters (spaces, punctuation "
            "tokens), unstripped lines, greedy non-overlapping duplicates; ours word characters",
            "ambiguous",
        )
    if name == "c4":
        return _classify_c4(mode, text)
    if "line_punct" in both:
        return (
            "line punctuation: v1 counts a closing quote as a line end",
            "datatrove (fixed in v2)",
        )
    if "char_dup" in both:
        return (
            "duplicated lines: ours compares stripped lines, datatrove raw ones (a trailing "
            "space or indentation makes lines differ)",
            "ours",
        )
    if "list_ratio" in both:
        return (
            "list ratio: newlines per whitespace word (ours) vs per spaCy token, punctuation "
            "included; near 0.3",
            "ambiguous",
        )
    if "short_line" in both:
        return "short lines: ours measures stripped lines, datatrove keeps indentation", "ambiguous"
    return "other", "unread"


def _classify_gopher(
    mode: str, text: str, ours_r: str | None, theirs_r: str | None, both: str
) -> tuple[str, str]:
    from curate.steps.gopher import PUNCT
    from curate.steps.words import STOP_WORDS, split_words

    words = split_words(text)
    english = {w.strip(PUNCT).lower() for w in words} & STOP_WORDS["en"]
    if theirs_r == "gopher_below_alpha_threshold" and "alpha" not in str(ours_r):
        from curate.steps.words import english_tokens, is_punct_token

        tokens = [t for t in english_tokens(text) if not is_punct_token(t)]
        if tokens and sum(any(c.isalpha() for c in t) for t in tokens) / len(tokens) >= 0.8:
            return "alpha ratio: datatrove counts punctuation tokens ('.', ',') as words", "ours"
        return (
            "alpha ratio on code/markup: datatrove's tokens split symbols and digits off "
            "('x=1;' is 'x=1' ';'), ours counts whitespace words",
            "ambiguous",
        )
    if theirs_r == "gopher_enough_stop_words" and ours_r is None:
        if len(english) >= 2:
            return "stop words: datatrove's are case-sensitive ('The' is not 'the')", "ours"
        return (
            "stop words: non-English text; ours accepts ru/fr/de/es/it/pt function words, the "
            "paper's list is English",
            "ours",
        )
    if ours_r == "gopher_quality__stop_words" and theirs_r is None and len(english) < 2:
        return (
            "stop words: v1 counts occurrences, the paper two different words",
            "datatrove (fixed in v2)",
        )
    if ours_r == "gopher_quality__symbol_ratio" and mode == "default":
        return (
            "symbol ratio: v1 adds '#' and ellipses, the paper checks either",
            "datatrove (fixed in v2)",
        )
    if "bullet" in both:
        return (
            "bullet lines: datatrove counts blank lines and only '•'/'-' bullets; ours non-blank "
            "lines and 13 bullet marks",
            "ambiguous",
        )
    if "short_doc" in both or "min_words" in both:
        from curate.steps.gopher import quality_stats_v2

        v2_short = quality_stats_v2(text)["words"] < 50
        if mode == "default" and v2_short == ("short_doc" in str(theirs_r)):
            return (
                "word count: v1 counts symbol-only chunks ('-', '|', '=') as words",
                "datatrove (fixed in v2)",
            )
        return (
            "word count near 50: spaCy splits clitics and hyphens ('company's', 'well-known' "
            "are 2 words) where ours counts whitespace words",
            "ambiguous",
        )
    if "avg" in both or "mean_word_length" in both:
        return (
            "mean word length: spaCy tokens ('2PM' is '2' 'PM') vs punctuation-stripped words",
            "ambiguous",
        )
    return "other", "unread"


def _classify_c4(mode: str, text: str) -> tuple[str, str]:
    from curate.steps.c4 import C4LinesParams, c4_clean
    from curate.steps.words import count_sentences, count_sentences_v2

    if mode == "default":
        kept = c4_clean(text, C4LinesParams())[0]
        lines = [ln for ln in kept.split("\n") if ln.strip()]
        v1 = count_sentences(kept) < 5
        if v1 != (sum(max(1, count_sentences(ln)) for ln in lines) < 5):
            return (
                "sentences: v1 counts 0 for a kept line ending in a closing quote; the C4 code "
                "counts every kept line",
                "datatrove (fixed in v2)",
            )
        if v1 != (count_sentences_v2(kept) < 5):
            return "sentences: v1 counts abbreviations ('U.S.') as ends", "datatrove (fixed in v2)"
    return (
        "sentence count: regex sentence ends vs spaCy's sentencizer (which keeps '3D.' whole, "
        "splits 'т. д.'); near 5",
        "ambiguous",
    )


def classify_reference(text: str) -> tuple[str, str]:
    """``(class, who is right)`` of a ``reference: datatrove`` disagreement: the mode reproduces
    datatrove, so datatrove is right by definition; the class says whether our English tokens
    (hence word counts, n-grams, sentences) differ from spaCy's on that document."""
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    from curate.steps.words import english_tokens

    if english_tokens(text) != load_word_tokenizer("en").word_tokenize(text):
        return "tokens: our English tokenizer differs from spaCy's on this document", "datatrove"
    return "other (same tokens)", "datatrove"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    try:
        import datatrove  # noqa: F401
        import spacy  # noqa: F401
    except ImportError:
        print("skipped: datatrove/spacy not installed (pip install -e '.[bench]')")
        return
    if not _corpus.available():
        print(f"skipped: bench data missing under {_corpus.DATA}")
        return
    docs = documents()
    texts = [t for _, t in docs]
    groups = [g for g, _ in docs]
    for name, (_, modes) in FILTERS.items():  # warm-ups: imports, regex compiles, numba, spacy
        for mode in modes:
            ours(name, mode, texts[:50])
        theirs(name, texts[:50])
    rows, dis_rows = [], []
    for name, (_, modes) in FILTERS.items():
        t_ours: dict[str, list[float]] = {m: [] for m in modes}
        t_theirs: list[float] = []
        got: dict[str, list[str | None]] = {}
        for _ in range(args.runs):
            for mode in modes:
                got[mode], t = ours(name, mode, texts)
                t_ours[mode].append(t)
            b, tb = theirs(name, texts)
            t_theirs.append(tb)
        mt = statistics.median(t_theirs)
        for mode in modes:
            a = got[mode]
            agree = [(x is None) == (y is None) for x, y in zip(a, b, strict=True)]
            by_group = {}
            for g in dict.fromkeys(groups):
                idx = [i for i, gg in enumerate(groups) if gg == g]
                by_group[g] = f"{sum(agree[i] for i in idx)}/{len(idx)}"
            for i, ok in enumerate(agree):
                if not ok:
                    cls, right = (
                        classify_reference(texts[i])
                        if mode == "datatrove"
                        else classify(name, mode, texts[i], a[i], b[i])
                    )
                    dis_rows.append({"filter": name, "mode": mode, "doc": i, "group": groups[i],
                                     "ours": a[i], "datatrove": b[i], "class": cls,
                                     "right": right, "text": texts[i]})  # fmt: skip
            mo = statistics.median(t_ours[mode])
            rows.append({
                "filter": name, "mode": mode,
                "steps": " + ".join(k for k, _ in modes[mode]),
                "docs": len(texts), "agreement": sum(agree) / len(agree),
                "disagree": len(agree) - sum(agree), "ours_kept": sum(x is None for x in a),
                "datatrove_kept": sum(y is None for y in b), "ours_cpu_s": mo, "datatrove_cpu_s": mt,
                "ours_docs/s/core": len(texts) / mo, "datatrove_docs/s/core": len(texts) / mt,
                "speedup": mt / mo, "by_group": by_group,
            })  # fmt: skip
            print(f"{name} [{mode}]: agreement {rows[-1]['agreement']:.4f} "
                  f"({rows[-1]['disagree']} differ) {by_group}; ours {mo:.2f} s, "
                  f"datatrove {mt:.2f} s CPU: {mt / mo:.1f}x", flush=True)  # fmt: skip
    header = (
        f"{len(texts)} documents ({', '.join(f'{g}: {groups.count(g)}' for g in dict.fromkeys(groups))}); "
        f"one core; CPU seconds, median of {args.runs} interleaved runs; {load_line()}"
    )
    cols = ["filter", "mode", "steps", "agreement", "disagree", "ours_kept", "datatrove_kept", "ours_docs/s/core",
            "datatrove_docs/s/core", "speedup"]  # fmt: skip
    md = ["## Filters vs datatrove (bench/filter_agreement.py)", "", header, ""]
    md += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = [f"{r[c]:.4f}" if c == "agreement" else f"{r[c]:,.1f}" if isinstance(r[c], float)
                 else str(r[c]) for c in cols]  # fmt: skip
        md.append("| " + " | ".join(cells) + " |")
    from collections import Counter

    classes = Counter((r["filter"], r["mode"], r["class"], r["right"]) for r in dis_rows)
    md += ["", "Disagreements by class (who is right: see docs/FILTERS.md):", "",
           "| filter | mode | class | right | docs |", "|---|---|---|---|---|"]  # fmt: skip
    for (f, mode, cls, right), k in sorted(
        classes.items(), key=lambda kv: (kv[0][0], kv[0][1], -kv[1])
    ):
        md.append(f"| {f} | {mode} | {cls} | {right} | {k} |")
    text = "\n".join(md) + "\n"
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "filter_agreement.md").write_text(text)
    (out / "filter_agreement.json").write_text(
        json.dumps({"header": header, "rows": rows}, indent=2)
    )
    with (out / "filter_agreement_disagreements.jsonl").open("w", encoding="utf-8") as fh:
        for r in dis_rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {out / 'filter_agreement.md'} and {len(dis_rows)} disagreements")


if __name__ == "__main__":
    main()

"""Our Gopher / C4 / FineWeb filters vs datatrove's, on the same documents: decisions and speed.

Documents (from ``../shared/data``): the 5 scraped web pages (Chinese, Russian) whole, cut into
pages of 8 paragraphs and into single paragraphs, plus every Alpaca and CodeAlpaca record as one
document (instruction, input and output joined by blank lines). Filters, defaults on both sides:

=========================  ======================================  ============================
datatrove                  ours                                    decision compared
=========================  ======================================  ============================
GopherQualityFilter        gopher_quality_v1                       keep / drop
GopherRepetitionFilter     gopher_repetition_v1                    keep / drop
C4QualityFilter            c4_lines_v1 then c4_quality_v1          keep / drop
FineWebQualityFilter       fineweb_quality_v2                      keep / drop
=========================  ======================================  ============================

Each side runs on one core (``POLARS_MAX_THREADS=1``); CPU seconds, median of ``--runs``
interleaved runs (ours, datatrove, ours, ...). Every disagreement is written to
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


def classify(name: str, text: str, ours_r: str | None, theirs_r: str | None) -> tuple[str, str]:
    """``(class, who is right)`` of one disagreement, from what each side computes.

    Classes were found by reading the disagreements (docs/FILTERS.md lists examples of each);
    this function re-derives them so every rerun counts them again.
    """
    from collections import Counter

    from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    from curate.steps.words import cjk_fraction, split_lines, split_words

    if cjk_fraction(split_words(text)) > 0.5:
        return (
            "CJK text: datatrove's English tokenizer/sentence splitter sees a clause as one word",
            "ours",
        )
    tokens = load_word_tokenizer("en").word_tokenize(text)
    if name == "gopher_quality" and theirs_r == "gopher_below_alpha_threshold":
        words = [t for t in tokens if any(ch not in PUNCTUATION_SET for ch in t)]
        if words and sum(any(c.isalpha() for c in w) for w in words) / len(words) >= 0.8:
            return "alpha ratio: datatrove counts punctuation tokens ('.', ',') as words", "ours"
    if name == "gopher_quality" and theirs_r == "gopher_short_doc":
        return (
            "word count: spaCy tokens without symbol-only tokens vs whitespace words (code, markup)",
            "ambiguous",
        )
    if name == "gopher_repetition" and theirs_r and theirs_r.startswith("top_") and ours_r is None:
        n = int(theirs_r.split("_")[1])
        grams = Counter(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        if grams and grams.most_common(1)[0][1] == 1:
            return "top n-gram: datatrove counts an n-gram seen once as repetition", "ours"
    if name == "gopher_repetition":
        return (
            "character accounting: datatrove joins n-grams with spaces over all characters, lines unstripped; ours word characters, stripped lines",
            "ambiguous",
        )
    if name == "fineweb_quality" and "line_punct" in f"{ours_r}{theirs_r}":
        quote = tuple("\"'”’」』")
        ends = [ln for ln in split_lines(text) if ln.rstrip().endswith(quote)]
        if ends and not all(ln.endswith(tuple(TERMINAL_PUNCTUATION)) for ln in ends):
            return (
                "line punctuation: ours counts a closing quote as a line end (C4's rule), FineWeb's list does not",
                "datatrove",
            )
    if name == "fineweb_quality" and "list_ratio" in f"{ours_r}{theirs_r}":
        return (
            "list ratio: newlines per whitespace word (ours) vs per spaCy token incl. punctuation; near 0.3",
            "ambiguous",
        )
    if name == "fineweb_quality" and "short_line" in f"{ours_r}{theirs_r}":
        return (
            "short lines: ours measures stripped lines, datatrove keeps indentation (code)",
            "ambiguous",
        )
    if name == "c4":
        return (
            "sentence count: regex sentence ends (ours) vs spaCy/NLTK sentence splitter",
            "ambiguous",
        )
    return "other", "unread"


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
                        else classify(name, texts[i], a[i], b[i])
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

"""Language-ID accuracy on a hand-written labelled sample (bench/data/langid_sample.jsonl).

50 sentences each for en, fr, de, es, ru, ja and zh (32 simplified + 18 traditional, see the
``variant`` field) plus 10 mixed-language records labelled with their majority language. Compares
cleanroom's majority-of-text identifier (``langid_v1``, and ``langid_v2`` on prompts and
documents) against the reference: one fastText prediction on the whole text with newlines
replaced by spaces; column ``v2 answer`` is ``langid_v2``'s method for instruction answers
(:meth:`LanguageIdentifier.identify_whole`: an all-ASCII text is one prediction on the first 200
characters of its voting lines, the others as ``langid_v1``), as if each text were an answer.

Run: PYTHONPATH=. python bench/langid_accuracy.py
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from curate.steps.langid import LanguageIdentifier, load_model, model_path

HERE = Path(__file__).resolve().parent


def main() -> None:
    rows = [
        json.loads(line) for line in (HERE / "data" / "langid_sample.jsonl").open(encoding="utf-8")
    ]
    texts = [r["text"] for r in rows]
    ident = LanguageIdentifier()
    t0 = time.perf_counter()
    ours = [lang for lang, _ in ident.identify(texts)]
    t_ours = time.perf_counter() - t0
    v2 = [lang for lang, _, _ in ident.identify_whole(texts, [True] * len(texts))]
    model = load_model(model_path())
    t0 = time.perf_counter()
    labels, _ = model.predict([t.replace("\n", " ") for t in texts], k=1)
    ref = [
        {"wuu": "zh", "yue": "zh"}.get(
            lab[0].removeprefix("__label__"), lab[0].removeprefix("__label__")
        )
        for lab in labels
    ]
    t_ref = time.perf_counter() - t0

    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        key = r["lang"] if r["variant"] in ("", "simplified", "traditional") else "mixed"
        groups[key].append(i)
        if r["variant"] in ("simplified", "traditional"):
            groups[f"zh-{r['variant']}"].append(i)
    result = {}
    print(f"{'group':<16}{'n':>5}{'cleanroom':>11}{'v2 answer':>11}{'reference':>11}")
    for key in [
        "en",
        "zh",
        "zh-simplified",
        "zh-traditional",
        "ru",
        "fr",
        "de",
        "es",
        "ja",
        "mixed",
    ]:
        idx = groups[key]
        a = sum(ours[i] == rows[i]["lang"] for i in idx) / len(idx)
        b = sum(ref[i] == rows[i]["lang"] for i in idx) / len(idx)
        c = sum(v2[i] == rows[i]["lang"] for i in idx) / len(idx)
        result[key] = {
            "n": len(idx),
            "cleanroom": round(a, 4),
            "v2_answer": round(c, 4),
            "reference": round(b, 4),
        }
        print(f"{key:<16}{len(idx):>5}{a:>11.3f}{c:>11.3f}{b:>11.3f}")
    main_idx = [i for i, r in enumerate(rows) if r["variant"] != "mixed"]
    acc = sum(ours[i] == rows[i]["lang"] for i in main_idx) / len(main_idx)
    acc_ref = sum(ref[i] == rows[i]["lang"] for i in main_idx) / len(main_idx)
    acc_v2 = sum(v2[i] == rows[i]["lang"] for i in main_idx) / len(main_idx)
    print(f"{'all (no mixed)':<16}{len(main_idx):>5}{acc:>11.3f}{acc_v2:>11.3f}{acc_ref:>11.3f}")
    ascii_idx = [i for i in range(len(rows)) if texts[i].isascii()]
    print(
        f"ASCII texts (v2 answer reads them whole): {len(ascii_idx)}; v1 and v2 answer labels "
        f"differ on {sum(ours[i] != v2[i] for i in ascii_idx)}"
    )
    errors = Counter(
        (rows[i]["lang"], ours[i]) for i in range(len(rows)) if ours[i] != rows[i]["lang"]
    )
    print("cleanroom errors (true -> predicted):", dict(errors))
    print(
        f"time: cleanroom {t_ours * 1000:.1f} ms, reference {t_ref * 1000:.1f} ms for {len(rows)} records"
    )
    multi = multi_line_answers(rows, ident)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "langid_accuracy.json").write_text(
        json.dumps(
            {
                "groups": result,
                "accuracy": round(acc, 4),
                "accuracy_reference": round(acc_ref, 4),
                "accuracy_v2_answer": round(acc_v2, 4),
                "errors": {f"{a}->{b}": n for (a, b), n in errors.items()},
                "multi_line_ascii": multi,
            },
            indent=2,
        )
    )


def multi_line_answers(rows: list[dict], ident: LanguageIdentifier) -> dict:
    """The sample's ASCII sentences are single lines, where ``langid_v2``'s answer method and the
    line vote coincide; this builds multi-line ASCII texts from them to tell the two apart: every
    3 consecutive ASCII sentences of one language joined by newlines (en 16, de 7, es 2, fr 2),
    and 2 English lines + 1 German line (7, labelled ``en``: the English lines have more letters).
    """
    by_lang: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r["variant"] != "mixed" and r["text"].isascii():
            by_lang[r["lang"]].append(r["text"])
    texts, gold = [], []
    for lang, sents in sorted(by_lang.items()):
        for k in range(0, len(sents) - 2, 3):
            texts.append("\n".join(sents[k : k + 3]))
            gold.append(lang)
    en, de = by_lang["en"], by_lang["de"]
    for k in range(min(len(de), len(en) // 2, 7)):
        texts.append(f"{en[2 * k]}\n{de[k]}\n{en[2 * k + 1]}")
        gold.append("en")
    v1 = [lang for lang, _ in ident.identify(texts)]
    v2 = [lang for lang, _, _ in ident.identify_whole(texts, [True] * len(texts))]
    res = {
        "n": len(texts),
        "v1_correct": sum(a == g for a, g in zip(v1, gold, strict=True)),
        "v2_answer_correct": sum(b == g for b, g in zip(v2, gold, strict=True)),
        "labels_differ": sum(a != b for a, b in zip(v1, v2, strict=True)),
    }
    print(
        f"multi-line ASCII texts: {res['n']}; correct: v1 {res['v1_correct']}, "
        f"v2 answer {res['v2_answer_correct']}; labels differ on {res['labels_differ']}"
    )
    return res


if __name__ == "__main__":
    main()

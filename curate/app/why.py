"""Why a matched record was kept or dropped, in words, from its decision and all of its matches.

Pure functions (no Streamlit), used by the Contamination page and tested on their own.
"""

from __future__ import annotations

import json

import polars as pl


def drop_label(hit: dict) -> str:
    """The drop reason, with the benchmark item behind it when the step named one.

    Example: reason ``contamination``, detail ``{"benchmark": "gsm8k", "item_id": "gsm8k/2"}``
    -> ``"contamination: gsm8k gsm8k/2"``.
    """
    try:
        detail = json.loads(hit.get("detail") or "{}")
    except ValueError:
        detail = {}
    if isinstance(detail, dict) and detail.get("item_id") is not None:
        return f"{hit['drop_reason']}: {detail.get('benchmark', '')} {detail['item_id']}".strip()
    return str(hit["drop_reason"])


def explain(hit: dict, rec_matches: pl.DataFrame, rule: dict | None) -> list[str]:
    """The decision of a matched record in words.

    Example: a kept record whose only match is answer-only under a step that counts question
    matches -> ``["kept: none of its 1 match(es) counts for the recipe's decontaminate_v1 ..."]``.
    """
    n = rec_matches.height
    if not hit["keep"]:
        out = [f"dropped as {drop_label(hit)}"]
        if hit["drop_reason"] == "contamination":
            droppers = rec_matches.filter(pl.col("drops"))
            fp = droppers.filter(pl.col("status") == "false_positive").height
            out.append(
                f"{droppers.height} of its {n} match(es) would drop it; {fp} reviewed false positive "
                f"(a record is kept only when every dropping match is)"
            )
        return out
    if rule is None:
        return ["kept: the recipe has no decontaminate step (the audit only reports matches)"]
    droppers = rec_matches.filter(pl.col("drops"))
    if droppers.is_empty():
        parts = " and ".join("question" if p == "text" else p for p in rule["parts"])
        return [
            f"kept: none of its {n} match(es) counts for the recipe's decontaminate step "
            f"(it drops on {parts} matches with audit verdict dirty; these are "
            + ", ".join(sorted(set(rec_matches["parts"].to_list())))
            + " matches, audit verdict "
            + ", ".join(sorted(set(rec_matches["audit"].to_list())))
            + ")"
        ]
    if droppers["status"].eq("false_positive").all():
        return [f"kept: all {droppers.height} dropping match(es) reviewed false positive"]
    return [f"kept although {droppers.height} match(es) would drop it (outside the step's scope)"]

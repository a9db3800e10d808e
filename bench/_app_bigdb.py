"""A generated curation DB of any size for the app-open bench (issue 16: >= 200k records).

The schema is a real run's: the small app fixture (``tests/appdb.build``: curate + export + an
audit) is built first, then every table is filled in DuckDB SQL from ``range(n)``: records of
prose and indented code, one decision each (about a quarter dropped, with each filter's ``detail``
evidence), duplicate clusters of 2-5 records, 2,000 benchmark items with contamination rows, a
quarantine, a mixture of the kept records, and reviewer verdicts by three reviewers (some
disagreeing). Deterministic (no random state: everything is a function of the row number).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.appdb import build  # noqa: E402

TEXTS = [
    "The river runs through the old town and past the mill. Farmers bring their grain to the "
    "market every week, and the miller grinds it into flour for the bakers.",
    "def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a\n",
    "Explain compound interest to a student.\n\nCompound interest is interest on interest: each "
    "year the balance grows by the rate, and next year's interest is computed on the new balance.",
    "for i in range(10):\n    if i % 2 == 0:\n        print(i)\n    else:\n        continue\n",
    "Winter came early to the harbour. The guild met in the stone hall to set prices for the "
    "spring trade, and the north road was closed until the thaw.",
]
REASONS = [  # reason, stage, detail
    (
        "exact_duplicate",
        "exact_dedup_v1",
        '{"cluster_id":"exact:x","jaccard":1.0,"representative":"r"}',
    ),
    (
        "gopher_quality__min_words",
        "gopher_quality_v1",
        '{"op":"<","rule":"gopher_quality__min_words","threshold":50,"value":12}',
    ),
    (
        "c4_quality__curly_bracket",
        "c4_quality_v1",
        '{"op":"contains","pattern":"[{]","rule":"c4_quality__curly_bracket","span":[3,4]}',
    ),
    (
        "language__not_allowed",
        "language_filter_v1",
        '{"lang":"de","op":"not in","rule":"language__not_allowed","score":0.93,"threshold":["en"],"value":"de"}',
    ),
    (
        "near_duplicate",
        "minhash_dedup_v1",
        '{"cluster_id":"minhash:x","jaccard":0.83,"representative":"r"}',
    ),
]


def generate(folder: Path, n: int) -> Path:
    """Build ``folder/cleanroom.duckdb`` with ``n`` records (and its reviews DB); returns it."""
    shutil.rmtree(folder / "fx", ignore_errors=True)  # a kept folder: start from a fresh fixture
    fx = build(folder / "fx")
    db = fx.db
    with duckdb.connect(str(db)) as con:
        rid = con.execute("SELECT run_id FROM runs").fetchall()[0][0]
        con.execute("SET VARIABLE rid = ?", [rid])
        con.execute("SET VARIABLE texts = ?", [TEXTS])
        _records(con, n)
        _decisions(con)
        _clusters(con, n)
        _audit(con, n)
        _quarantine_mixture_run(con, n)
        con.execute("CHECKPOINT")
    _reviews(fx.reviews_db, db)
    return db


def _records(con: duckdb.DuckDBPyConnection, n: int) -> None:
    con.execute("DELETE FROM records")
    con.execute(
        """
        INSERT INTO records BY NAME
        SELECT getvariable('rid') AS run_id, md5(i::VARCHAR) AS id,
               ['alpaca', 'codealpaca', 'web', 'dolly'][1 + i % 4] AS source,
               CASE WHEN i % 4 = 2 THEN 'document' ELSE 'instruction' END AS kind,
               'Record ' || i || '. ' || getvariable('texts')[1 + i % 5] || chr(10) ||
               getvariable('texts')[1 + (i // 5) % 5] AS text,
               NULL AS messages, '{"line": ' || i || '}' AS meta,
               (hash(i) % 1000) / 1000.0 AS fixture__score
        FROM range(?) t(i)
        """,
        [n],
    )


def _decisions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM decisions")
    con.execute("SET VARIABLE reasons = ?", [[list(r) for r in REASONS]])
    con.execute(
        """
        INSERT INTO decisions
        SELECT run_id, id, hash(id) % 4 <> 0 AS keep,
               CASE WHEN hash(id) % 4 = 0 THEN getvariable('reasons')[(1 + hash(id) % 5)::BIGINT][2] END,
               CASE WHEN hash(id) % 4 = 0 THEN getvariable('reasons')[(1 + hash(id) % 5)::BIGINT][1] END,
               CASE WHEN hash(id) % 4 = 0 THEN getvariable('reasons')[(1 + hash(id) % 5)::BIGINT][3] END
        FROM records
        """
    )


def _clusters(con: duckdb.DuckDBPyConnection, n: int) -> None:
    con.execute("DELETE FROM clusters")
    con.execute(
        """
        INSERT INTO clusters
        SELECT getvariable('rid'), 'exact:' || md5((i // 4)::VARCHAR), md5(i::VARCHAR),
               i % 4 = 0, CASE WHEN i % 4 = 0 THEN 1.0 ELSE 0.8 + (i % 20) / 100 END,
               CASE WHEN i % 8 < 4 THEN 'exact' ELSE 'minhash' END
        FROM range(?) t(i) WHERE i % 20 < 4
        """,
        [n],
    )


def _audit(con: duckdb.DuckDBPyConnection, n: int) -> None:
    con.execute("DELETE FROM benchmark_items")
    con.execute(
        """
        INSERT INTO benchmark_items
        SELECT CASE WHEN i < 1319 THEN 'gsm8k' ELSE 'mbpp' END, 'test',
               CASE WHEN i < 1319 THEN 'gsm8k/' || i ELSE 'mbpp/' || i END,
               getvariable('texts')[1 + i % 5], 'answer ' || i
        FROM range(2000) t(i)
        """
    )
    con.execute("DELETE FROM contamination")
    con.execute(
        """
        INSERT INTO contamination BY NAME
        SELECT getvariable('rid') AS run_id,
               CASE WHEN k % 2000 < 1319 THEN 'gsm8k' ELSE 'mbpp' END AS benchmark,
               CASE WHEN k % 2000 < 1319 THEN 'gsm8k/' ELSE 'mbpp/' END || (k % 2000) AS item_id,
               md5(((k * 7919) % ?)::VARCHAR) AS id, 'gpt3' AS preset, 13 AS n,
               5 + k % 40 AS matched_ngrams, (k % 101) / 100.0 AS coverage,
               13 + k % 60 AS longest_match,
               '{"item": [[0, 40]], "record": [[10, 50]]}' AS spans,
               CASE WHEN k % 101 >= 20 THEN 'dirty' ELSE 'clean' END AS verdict,
               CASE WHEN k % 3 = 0 THEN 'answer' ELSE 'text' END AS part
        FROM range(6000) t(k)
        """,
        [n],
    )


def _quarantine_mixture_run(con: duckdb.DuckDBPyConnection, n: int) -> None:
    con.execute("DELETE FROM quarantine")
    con.execute(
        """
        INSERT INTO quarantine SELECT getvariable('rid'), 'inputs/part-' || (i % 7) || '.jsonl',
               i, 'invalid JSON: Expecting value at column 1', '{"broken": ' || i
        FROM range(?) t(i)
        """,
        [n // 100],
    )
    con.execute("DELETE FROM mixtures WHERE mixture = 'default'")
    con.execute(
        """
        INSERT INTO mixtures BY NAME
        SELECT d.run_id, 'default' AS mixture, row_number() OVER (ORDER BY r.id) AS row_id, r.id,
               r.source, 'alpaca_v1' AS template_id, 'alpaca' AS template_family,
               CASE WHEN hash(r.id) % 50 = 0 THEN 'validation' ELSE 'train' END AS split,
               0 AS epoch, NULL AS messages, left(r.text, 60) AS prompt, r.text AS completion,
               NULL AS text, length(r.text) // 4 AS n_tokens, 'chars/4' AS n_tokens_method
        FROM records r JOIN decisions d USING (run_id, id) WHERE d.keep
        """
    )
    con.execute(
        """
        UPDATE runs SET inputs = k.kept + k.dropped + q.n, kept = k.kept, dropped = k.dropped,
               quarantined = q.n
        FROM (SELECT count(*) FILTER (WHERE keep) AS kept, count(*) FILTER (WHERE NOT keep) AS dropped
              FROM decisions) k, (SELECT count(*) AS n FROM quarantine) q
        """
    )


def _reviews(reviews_db: Path, db: Path) -> None:
    """3,000 verdicts by three reviewers on contamination matches (a tenth disagree)."""
    from curate.io.reviews import record_verdicts

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT id, benchmark, item_id FROM contamination ORDER BY id, item_id LIMIT 1000"
        ).fetchall()
    verdicts = ["confirmed", "false_positive", "unsure"]
    out = []
    for k, (rec, bench, item) in enumerate(rows):
        for j, who in enumerate(("ada", "bob", "cy")):
            v = verdicts[k % 3] if (k % 10 or j == 0) else verdicts[(k + j) % 3]
            out.append(
                {
                    "target_kind": "contamination",
                    "target_id": rec,
                    "verdict": v,
                    "reviewer": who,
                    "benchmark": bench,
                    "item_id": item,
                }
            )
    record_verdicts(reviews_db, out)

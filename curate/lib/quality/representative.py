"""Which record of a duplicate cluster to keep: the best-scoring one, then the first.

Dedup steps sort a cluster's members by :func:`representative_order` and keep the first: highest
``quality__score`` (nulls last), ties and unscored rows in input order. Without a quality column
this is plain input order, the skeleton's behaviour.
"""

from __future__ import annotations

import polars as pl

from curate.core.schemas import ROW

QUALITY_COLUMN = "quality__score"


def representative_order(
    columns: list[str] | pl.Schema, column: str = QUALITY_COLUMN
) -> tuple[list[pl.Expr], list[bool]]:
    """Sort keys and ``descending`` flags for choosing representatives.

    Example: with a ``quality__score`` column -> ``([-score (nulls last), _row], ...)``; rows
    ``(_row 0, score 0.2), (_row 1, score 0.9)`` sort as ``[1, 0]``: row 1 represents.

    Use: ``frame.sort(*representative_order(frame.columns), nulls_last=True)`` or, inside a
    window, ``pl.col("id").sort_by(keys, descending=desc, nulls_last=True).first().over(key)``.
    """
    names = list(columns)
    if column in names:
        return [pl.col(column), pl.col(ROW)], [True, False]
    return [pl.col(ROW)], [False]


def pick_representatives(
    members: pl.DataFrame, cluster: str = "cluster_id", column: str = QUALITY_COLUMN
) -> pl.DataFrame:
    """``members`` (``cluster``, ``id``, ``_row`` and maybe ``column``) with ``representative``: the
    id each cluster keeps.

    Example: cluster ``c`` with ids ``a`` (row 0, score 0.2) and ``b`` (row 1, score 0.9) ->
    ``representative = "b"`` for both rows.
    """
    keys, desc = representative_order(members.columns, column)
    return members.with_columns(
        representative=pl.col("id")
        .sort_by(keys, descending=desc, nulls_last=True)
        .first()
        .over(cluster)
    )

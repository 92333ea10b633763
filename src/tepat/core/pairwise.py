"""Pairwise precision, recall and F1 of a clustering against labelled entities (issue 18 §4).

Both sides are frames of records: `predicted` (source, record_id, cluster) and `truth`
(source, record_id, entity). Only records present in both are judged. A pair of records is a
predicted link when they share a cluster, a true link when they share an entity; the counts come
from group sizes (n·(n−1)/2), never from listing pairs, so 1.75M records judge in a second.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

KEY = ["source", "record_id"]


@dataclass(frozen=True)
class Scores:
    records: int
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _pairs(frame: pl.DataFrame, by: list[str]) -> int:
    sizes = frame.group_by(by).len().get_column("len").cast(pl.Int64)
    return int((sizes * (sizes - 1) // 2).sum())


def scores(predicted: pl.DataFrame, truth: pl.DataFrame) -> Scores:
    both = (predicted.select(*KEY, pl.col("cluster").cast(pl.String))
            .join(truth.select(*KEY, pl.col("entity").cast(pl.String)), on=KEY, how="inner"))
    found = _pairs(both, ["cluster"])
    true = _pairs(both, ["entity"])
    correct = _pairs(both, ["cluster", "entity"])
    precision = correct / found if found else 1.0
    recall = correct / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(both.height, found, true, correct, round(precision, 5), round(recall, 5),
                  round(f1, 5))


def read_truth(path: str) -> pl.DataFrame:
    """A labelled file of `source,record_id,entity` rows (CSV), every column as text."""
    frame = pl.read_csv(path, infer_schema=False)
    missing = [c for c in (*KEY, "entity") if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: kolom tidak ada / missing columns: {', '.join(missing)}")
    return frame.select(*KEY, "entity")

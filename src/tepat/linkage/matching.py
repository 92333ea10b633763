"""Records from outside the registry (an agency's list, an usulan's members, a new edition's
rows) scored against every registry person record, with the model in force.

    found = match(rows)   # rows: RECORD_COLUMNS less unique_id; one row per record
    # → row (0-based position in `rows`), person_id, match_probability, match_weight,
    #   comparisons (each comparison's level and weight, for the words of the page)

The registry side is a prepared snapshot (Parquet beside the instance) rewritten when the
registry changed since it was taken, so that a 10,000-row list is matched without re-reading
1.75M records. The model in force is the instance's latest trained model, else the packaged
default (trained on synthetic Probolinggo data, `default_model.json`), so that matching works
on a fresh instance before anyone trains.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db.models import Count, Max

from tepat.linkage import engine
from tepat.linkage.models import LinkModel
from tepat.linkage.records import read
from tepat.linkage.writes import explain, thresholds
from tepat.registry.models import Person
from tepat.registry.scoping import unscoped_access

DEFAULT_MODEL = Path(__file__).with_name("default_model.json")


@cache
def default_model() -> dict[str, Any]:
    return json.loads(DEFAULT_MODEL.read_text())


@dataclass(frozen=True)
class InForce:
    """The model matching uses: the latest trained one (`key` its id) or the packaged default
    (`key` 0) with the configured thresholds."""

    key: int
    model: dict[str, Any]
    accept: float
    review: float
    indonesian: bool


def in_force() -> InForce:
    kept = LinkModel.objects.order_by("-created_at", "-id").first()
    if kept is not None:
        return InForce(kept.pk, kept.model, kept.accept_threshold, kept.review_threshold,
                       kept.indonesian)
    accept, review = thresholds()
    return InForce(0, default_model(), accept, review, True)


def model_in_force() -> tuple[dict[str, Any], float, float, bool]:
    """(model JSON, accept, review, Indonesian normalisation) of the model in force."""
    got = in_force()
    return got.model, got.accept, got.review, got.indonesian


def snapshot_path(stamp: str | None = None) -> Path:
    """The snapshot of the registry as it stands (`stamp`: persons and their last change).
    One file per stamp, so that two processes (the worker and a web request, or two test
    runs) never write or read one another's half-written file."""
    digest = hashlib.sha256((stamp if stamp is not None else registry_stamp()).encode()).hexdigest()
    return Path(settings.INSTANCE_DIR) / "linkage" / f"registry-{digest[:20]}.parquet"


def registry_stamp() -> str:
    with unscoped_access("linkage: has the registry changed"):
        got = Person.objects.unscoped("linkage: the snapshot stamp").aggregate(
            n=Count("id"), last=Max("updated_at"))
    return f"{got['n']}:{got['last'].isoformat() if got['last'] else ''}"


def write_snapshot(prepared: pl.DataFrame, stamp: str | None = None) -> Path:
    """Write the snapshot atomically (a temporary file of this process, then a rename) and
    drop the older ones."""
    path = snapshot_path(stamp)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    prepared.write_parquet(tmp)
    os.replace(tmp, path)
    for old in path.parent.glob("registry-*.parquet"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def registry_prepared(indonesian: bool = True, stamp: str | None = None) -> pl.DataFrame:
    """Every registry person record, prepared for the engine (from the snapshot when fresh)."""
    stamp = registry_stamp() if stamp is None else stamp
    try:
        return pl.read_parquet(snapshot_path(stamp))
    except FileNotFoundError:
        pass
    with unscoped_access("linkage: every person record, to match against"):
        prepared = engine.prepare(read(), indonesian=indonesian)
    write_snapshot(prepared, stamp)
    return prepared


# One scorer a process, for the registry stamp and model it was built on: a web process
# answering usulan checks, or the worker matching agency lists, builds the name frequencies once
# per registry change instead of once per call (a newer stamp or model replaces it).
_SCORER: dict[str, Any] = {"key": None, "scorer": None, "registry": None}
_SCORER_LOCK = threading.Lock()


def _scorer(got: InForce) -> tuple[engine.RegistryScorer | None, pl.DataFrame]:
    stamp = registry_stamp()
    key = (stamp, got.key, got.indonesian)
    with _SCORER_LOCK:
        if _SCORER["key"] != key:
            registry = registry_prepared(got.indonesian, stamp)
            scorer = None if registry.is_empty() else engine.RegistryScorer(registry, got.model)
            _SCORER.update(key=key, scorer=scorer, registry=registry)
        return _SCORER["scorer"], _SCORER["registry"]


def forget_scorer() -> None:
    """Drop this process's scorer (tests that rebuild the registry under one stamp)."""
    with _SCORER_LOCK:
        _SCORER.update(key=None, scorer=None, registry=None)


def match(rows: pl.DataFrame, *, threshold: float | None = None, best: int = 5,
          accepted: bool = False) -> pl.DataFrame:
    """The registry records each row may be, best first (at most `best` a row), at or above
    `threshold` (the accept threshold of the model in force when `accepted`, else its review
    threshold)."""
    got = in_force()
    if threshold is None:
        threshold = got.accept if accepted else got.review
    if rows.is_empty():
        return _empty()
    scorer, registry = _scorer(got)
    if scorer is None:
        return _empty()
    # Rows get negative ids, so that they never collide with a registry person's id.
    rows = rows.with_columns(source=pl.col("source").fill_null("list")).with_row_index("row")
    rows = rows.with_columns((-1 - pl.col("row").cast(pl.Int64)).alias("unique_id"))
    prepared = engine.prepare(rows.drop("row"), indonesian=got.indonesian)
    pairs = scorer.predict(prepared, threshold=threshold)
    if pairs.is_empty():
        return _empty()
    pairs = pairs.with_columns(
        (-1 - pl.min_horizontal("unique_id_l", "unique_id_r")).alias("row"),
        pl.max_horizontal("unique_id_l", "unique_id_r").alias("person_id"))
    pairs = (pairs.sort(["row", "match_probability"], descending=[False, True])
             .group_by("row", maintain_order=True).head(best))
    names = registry.select("unique_id", "name").filter(
        pl.col("unique_id").is_in(pairs.get_column("person_id").implode()))
    return pairs.select("row", "person_id", "match_probability", "match_weight").with_columns(
        pl.Series("comparisons", explain(pairs, got.model, pl.concat(
            [prepared.select("unique_id", "name"), names])), dtype=pl.Object))


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"row": pl.Int64, "person_id": pl.Int64,
                                "match_probability": pl.Float64, "match_weight": pl.Float64,
                                "comparisons": pl.Object})

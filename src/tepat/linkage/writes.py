"""The writes of a linkage job, each a named service with its audit event: a job queued, a
model kept, a run's memberships and review pairs written (one event per run: the figures; the
memberships are derived data, rebuilt from the source records and the decisions at will)."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl
from django.conf import settings
from django.db import connection, transaction

from tepat.audit.services import ONE, log_event, write_service
from tepat.linkage import engine
from tepat.linkage.models import LinkModel, LinkPair, LinkRun
from tepat.registry.editions import insert
from tepat.registry.stats import refresh_desa_stats

CHUNK = 5000


@write_service(ONE)
def queue_run(kind: str, *, actor: Any = None) -> LinkRun:
    with transaction.atomic():
        run = LinkRun.objects.create(kind=kind, requested_by=actor if getattr(actor, "pk", None)
                                     else None)
        log_event("linkage.run.queued", actor=actor, obj=run, data={"kind": kind})
    return run


def thresholds() -> tuple[float, float]:
    """(accept, review) match probabilities, from the settings (docs/operations.md)."""
    return (float(getattr(settings, "TEPAT_LINK_ACCEPT", engine.ACCEPT_THRESHOLD)),
            float(getattr(settings, "TEPAT_LINK_REVIEW", engine.REVIEW_THRESHOLD)))


@write_service(ONE)
def keep_model(model: dict[str, Any], *, records: int, timings: dict[str, float],
               actor: Any = None, run: LinkRun | None = None,
               indonesian: bool = True) -> LinkModel:
    accept, review = thresholds()
    with transaction.atomic():
        kept = LinkModel.objects.create(
            model=model, records=records, timings=timings, indonesian=indonesian,
            accept_threshold=accept, review_threshold=review,
            created_by=actor if getattr(actor, "pk", None) else None)
        log_event("linkage.model.trained", actor=actor, obj=kept,
                  data={"records": records, "run": run.pk if run else None,
                        "accept": accept, "review": review})
    return kept


# --- memberships ---------------------------------------------------------------------------------

_MEMBER_COLUMNS = ("person_id", "source", "record_id", "cluster", "probability", "record_hash",
                   "kecamatan_id", "desa_id", "alone", "run_id")


def _write_members(run: LinkRun, clusters: pl.DataFrame, members: pl.DataFrame) -> int:
    """Insert new memberships, update those whose cluster or record changed; returns how many.
    `members`: the memberships as the run read them."""
    stored = members.select("unique_id", pl.col("cluster").alias("old_cluster"),
                            pl.col("record_hash").alias("old_hash"))
    joined = clusters.join(stored, on="unique_id", how="left")
    new = joined.filter(pl.col("old_cluster").is_null())
    changed = joined.filter(pl.col("old_cluster").is_not_null()
                            & ((pl.col("old_cluster") != pl.col("cluster"))
                               | (pl.col("old_hash") != pl.col("row_hash"))))
    insert("linkage_clustermember", new.select(
        pl.col("unique_id").alias("person_id"), "source", "record_id", "cluster",
        pl.col("match_probability").alias("probability"),
        pl.col("row_hash").fill_null("").alias("record_hash"),
        pl.col("kecamatan").alias("kecamatan_id"), pl.col("desa").alias("desa_id"),
        pl.lit(False).alias("alone"), pl.lit(run.pk).alias("run_id")))
    rows = changed.select("cluster", "match_probability", pl.col("row_hash").fill_null(""),
                          pl.lit(run.pk), "unique_id").rows()
    with connection.cursor() as cur:
        for start in range(0, len(rows), CHUNK):
            cur.executemany(
                "UPDATE linkage_clustermember SET cluster = %s, probability = %s, "
                "record_hash = %s, run_id = %s WHERE person_id = %s", rows[start:start + CHUNK])
    return new.height + changed.height


# --- the review queue ----------------------------------------------------------------------------


def level_weights(model: dict[str, Any]) -> dict[str, list[tuple[float, str]]]:
    """comparison → [(match weight, level label)] of its levels (the null level weighs 0).
    A prediction keeps each comparison's weight only (`engine._LEAN_OUTPUT`); the level is
    the one whose weight it is."""
    found: dict[str, list[tuple[float, str]]] = {}
    for row in engine.match_weight_chart(model):
        if row["weight"] is not None:
            found.setdefault(row["comparison"], []).append((row["weight"], row["level"]))
    return found


def _level(weights: list[tuple[float, str]], weight: float | None) -> str:
    if weight is None or weight == 0.0:
        return "null"
    return min(weights, key=lambda lw: abs(lw[0] - weight))[1] if weights else ""


def _similarity(pairs: pl.DataFrame, names: pl.DataFrame) -> list[float]:
    """Jaro-Winkler of the two normalised names of each pair (`names`: unique_id, name)."""
    named = (pairs.select("unique_id_l", "unique_id_r")  # noqa: F841 (DuckDB reads it by name)
            .join(names.rename({"unique_id": "unique_id_l", "name": "name_l"}),
                  on="unique_id_l", how="left", maintain_order="left")
            .join(names.rename({"unique_id": "unique_id_r", "name": "name_r"}),
                  on="unique_id_r", how="left", maintain_order="left"))
    return duckdb.sql(
        "select jaro_winkler_similarity(coalesce(name_l, ''), coalesce(name_r, '')) as s "
        "from named").pl().get_column("s").to_list()


def explain(pairs: pl.DataFrame, model: dict[str, Any], names: pl.DataFrame | None = None
            ) -> list[list[dict[str, Any]]]:
    """Each pair's comparisons: key, level, weight (log2 Bayes factor), and the names'
    Jaro-Winkler similarity when `names` (unique_id, name) are given."""
    levels = level_weights(model)
    similarity = _similarity(pairs, names) if names is not None and pairs.height else []
    keys = [k for k in engine.COMPARISONS if f"mw_{k}" in pairs.columns]
    tf = ["mw_tf_adj_nama" if "mw_tf_adj_nama" in pairs.columns else None]
    out = []
    for i, row in enumerate(pairs.select(*[f"mw_{k}" for k in keys],
                                         *[c for c in tf if c]).iter_rows()):
        items = []
        for j, key in enumerate(keys):
            weight = row[j]
            total = weight + (row[-1] or 0.0) if key == "nama" and tf[0] else weight
            item = {"key": key, "level": _level(levels.get(key, []), weight),
                    "weight": round(float(total or 0.0), 2)}
            if key == "nama" and similarity:
                item["similarity"] = round(float(similarity[i]), 3)
            items.append(item)
        out.append(items)
    return out


def _area(kecamatan_l: str, kecamatan_r: str) -> str:
    return kecamatan_l if kecamatan_l == kecamatan_r else kecamatan_l.rsplit(".", 1)[0]


def _write_queue(run: LinkRun, model: LinkModel, queue: pl.DataFrame,
                 prepared: pl.DataFrame, records: pl.DataFrame, full: bool) -> int:
    """New pairs wait; pending ones are refreshed; a rejected pair comes back only when one
    of its records changed; a full run drops pending pairs it no longer finds."""
    hashes = records.select("unique_id", "row_hash", "kecamatan")
    queue = (queue.join(hashes.rename({"unique_id": "unique_id_l", "row_hash": "hash_l",
                                       "kecamatan": "kecamatan_l"}),
                        on="unique_id_l", how="left")
             .join(hashes.rename({"unique_id": "unique_id_r", "row_hash": "hash_r",
                                  "kecamatan": "kecamatan_r"}),
                   on="unique_id_r", how="left"))
    existing = {(p.left_id, p.right_id): p for p in LinkPair.objects.unscoped(
        "linkage: the queue a run refreshes")} if queue.height else {}
    explained = explain(queue, model.model, prepared.select("unique_id", "name"))
    new, update, seen, waiting = [], [], set(), 0
    for row, comparisons in zip(queue.iter_rows(named=True), explained, strict=True):
        key = (row["unique_id_l"], row["unique_id_r"])
        seen.add(key)
        values = {"match_probability": row["match_probability"],
                  "match_weight": row["match_weight"], "comparisons": comparisons, "run": run}
        pair = existing.get(key)
        if pair is None:
            new.append(LinkPair(left_id=key[0], right_id=key[1], left_hash=row["hash_l"] or "",
                                right_hash=row["hash_r"] or "",
                                area_id=_area(row["kecamatan_l"], row["kecamatan_r"]),
                                **values))
        elif _unchanged(pair, row):
            waiting += 1
            continue
        elif pair.state in (LinkPair.State.PENDING, LinkPair.State.UNSURE) or (
                pair.state == LinkPair.State.REJECTED
                and (pair.left_hash, pair.right_hash) != (row["hash_l"], row["hash_r"])):
            if pair.state == LinkPair.State.REJECTED:
                pair.state, pair.version = LinkPair.State.PENDING, pair.version + 1
            pair.left_hash, pair.right_hash = row["hash_l"] or "", row["hash_r"] or ""
            for name, value in values.items():
                setattr(pair, name, value)
            update.append(pair)
    LinkPair.objects.bulk_create(new, batch_size=2000)
    LinkPair.objects.bulk_update(update, ["state", "version", "left_hash", "right_hash",
                                          "match_probability", "match_weight", "comparisons",
                                          "run"], batch_size=2000)
    if full:
        stale = [p.pk for k, p in _pending().items() if k not in seen]
        for start in range(0, len(stale), CHUNK):
            LinkPair.objects.unscoped("linkage: stale pending pairs").filter(
                pk__in=stale[start:start + CHUNK]).delete()
    return waiting + len(new) + sum(1 for p in update if p.state == LinkPair.State.PENDING)


def _unchanged(pair: LinkPair, row: dict[str, Any]) -> bool:
    """A waiting pair the run found again as it was: nothing to write."""
    return (pair.state in (LinkPair.State.PENDING, LinkPair.State.UNSURE)
            and (pair.left_hash, pair.right_hash) == (row["hash_l"] or "", row["hash_r"] or "")
            and pair.match_probability is not None
            and abs(pair.match_probability - row["match_probability"]) < 1e-9)


def _pending() -> dict[tuple[int, int], LinkPair]:
    return {(p.left_id, p.right_id): p for p in LinkPair.objects.unscoped(
        "linkage: pending pairs").filter(state=LinkPair.State.PENDING, manual=False).only(
        "id", "left_id", "right_id")}


@write_service(ONE)
def write_run(run: LinkRun, model: LinkModel, clusters: pl.DataFrame, queue: pl.DataFrame,
              prepared: pl.DataFrame, records: pl.DataFrame, members: pl.DataFrame, *,
              full: bool) -> dict[str, int]:
    """A run's memberships and review pairs, in one transaction, with one audit event."""
    with transaction.atomic():
        changed = _write_members(run, clusters, members)
        queued = _write_queue(run, model, queue, prepared, records, full)
        if changed:
            refresh_desa_stats()  # jiwa are counted once per cluster: the clusters changed
        log_event("linkage.run.written", obj=run, actor=run.requested_by,
                  data={"kind": run.kind, "changed_members": changed, "queued": queued,
                        "records": clusters.height})
    return {"changed": changed, "queued": queued}

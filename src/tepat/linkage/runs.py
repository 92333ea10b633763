"""Training and linking jobs: registry → engine → cluster memberships and the review queue.

    run = start(LinkRun.Kind.FULL, actor)      # queued; the worker runs `link_task`
    execute(run)                               # what the task (and `tepat link run`) does

A full run scores every candidate pair, links those at or above the accept threshold (and the
pairs people accepted; never a rejected pair whose records are unchanged, never a record a person
unmerged), takes connected components, and keeps cluster IDs stable. An incremental run scores
only the records that are new or changed since their membership was written, against every
record, and joins them to the stored clusters (merging two clusters a new record bridges).
Pairs between the review and accept thresholds whose records lie in two clusters wait in the
queue (`LinkPair`), unless a person already decided on them and neither record changed.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Max
from django.tasks import task
from django.utils import timezone

from tepat.linkage import engine, matching, writes
from tepat.linkage.models import ClusterMember, LinkModel, LinkPair, LinkRun
from tepat.linkage.records import read
from tepat.registry.scoping import unscoped_access

log = logging.getLogger(__name__)


def start(kind: str, actor: Any = None) -> LinkRun:
    """Queue a job; the worker picks it up (`link_task`)."""
    run = writes.queue_run(kind, actor=actor)
    transaction.on_commit(lambda: link_task.enqueue(run.pk))
    return run


def start_now(kind: str, actor: Any = None) -> LinkRun:
    """A job the caller runs itself (the CLI)."""
    return writes.queue_run(kind, actor=actor)


@task()
def link_task(run_id: int) -> int:
    return execute(LinkRun.objects.get(pk=run_id)).pk


def _progress(run: LinkRun, echo: engine.Progress | None = None):
    last = [0.0]

    def note(fraction: float, label: str) -> None:
        if echo is not None:
            echo(fraction, label)
        now = time.monotonic()
        if now - last[0] < 0.5 and fraction < 1:
            return
        last[0] = now
        LinkRun.objects.filter(pk=run.pk).update(progress=round(fraction * 100), label=label[:120])
    return note


def execute(run: LinkRun, echo: engine.Progress | None = None) -> LinkRun:
    """Run a queued job to its end; a failure is recorded on the run, never half-written."""
    LinkRun.objects.filter(pk=run.pk).update(status=LinkRun.Status.RUNNING,
                                             started_at=timezone.now())
    try:
        with unscoped_access("linkage: every person record of the regency"):
            figures = {LinkRun.Kind.TRAIN: _train, LinkRun.Kind.FULL: _full,
                       LinkRun.Kind.INCREMENTAL: _incremental}[run.kind](run, _progress(run, echo))
    except Exception as error:  # recorded for the page; the traceback goes to the log only
        log.exception("link run %s failed", run.pk)
        LinkRun.objects.filter(pk=run.pk).update(status=LinkRun.Status.FAILED,
                                                 finished_at=timezone.now(),
                                                 message=type(error).__name__)
        raise
    LinkRun.objects.filter(pk=run.pk).update(status=LinkRun.Status.DONE, progress=100,
                                             finished_at=timezone.now(), **figures)
    run.refresh_from_db()
    return run


def current_model() -> LinkModel | None:
    return LinkModel.objects.order_by("-created_at", "-id").first()


# --- training -----------------------------------------------------------------------------------


def _train(run: LinkRun, progress: engine.Progress) -> dict[str, Any]:
    started = time.perf_counter()
    records = read()
    progress(0.05, "Membaca rekaman / reading records")
    prepared = engine.prepare(records)
    timings = {"read_prepare": round(time.perf_counter() - started, 2)}
    trained = engine.train(prepared, progress=lambda f, label: progress(0.1 + 0.85 * f, label))
    timings |= {k: round(v, 2) for k, v in trained.timings.items()}
    model = writes.keep_model(trained.model, records=records.height, timings=timings,
                              actor=run.requested_by, run=run)
    return {"model": model, "records": records.height, "timings": timings}


# --- a full run ----------------------------------------------------------------------------------


def _decisions() -> tuple[pl.DataFrame, pl.DataFrame]:
    """(accepted pairs, rejected pairs) with the hashes they were decided on."""
    rows = list(LinkPair.objects.unscoped("linkage: decisions over the regency").filter(
        state__in=[LinkPair.State.ACCEPTED, LinkPair.State.REJECTED]).values_list(
        "left_id", "right_id", "left_hash", "right_hash", "state"))
    frame = pl.DataFrame(rows, schema={"unique_id_l": pl.Int64, "unique_id_r": pl.Int64,
                                       "hash_l": pl.String, "hash_r": pl.String,
                                       "state": pl.String}, orient="row")
    return (frame.filter(pl.col("state") == "accepted"),
            frame.filter(pl.col("state") == "rejected"))


def _members() -> pl.DataFrame:
    """Every membership (unique_id, cluster, alone, record_hash): one plain query, not the
    ORM's objects (1.75M rows)."""
    with connection.cursor() as cur:
        cur.execute("SELECT person_id, cluster, alone, record_hash FROM linkage_clustermember")
        rows = cur.fetchall()
    return pl.DataFrame(rows, schema={"unique_id": pl.Int64, "cluster": pl.Int64,
                                      "alone": pl.Boolean, "record_hash": pl.String},
                        orient="row")


def _with_hashes(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    hashes = records.select("unique_id", "row_hash")
    return (pairs.join(hashes.rename({"unique_id": "unique_id_l", "row_hash": "now_l"}),
                       on="unique_id_l", how="left")
            .join(hashes.rename({"unique_id": "unique_id_r", "row_hash": "now_r"}),
                  on="unique_id_r", how="left"))


def auto_edges(pairs: pl.DataFrame, records: pl.DataFrame, accept: float,
               members: pl.DataFrame) -> pl.DataFrame:
    """The links a run makes: pairs at or above `accept`, less those a person rejected (while
    both records are unchanged) and those touching a record a person unmerged; plus every
    accepted pair."""
    accepted, rejected = _decisions()
    still_rejected = _with_hashes(rejected, records).filter(
        (pl.col("hash_l") == pl.col("now_l")) & (pl.col("hash_r") == pl.col("now_r")))
    alone = members.filter(pl.col("alone")).get_column("unique_id")
    edges = (pairs.filter(pl.col("match_probability") >= accept)
             .select("unique_id_l", "unique_id_r", "match_probability")
             .join(still_rejected.select("unique_id_l", "unique_id_r"),
                   on=["unique_id_l", "unique_id_r"], how="anti")
             .filter(~pl.col("unique_id_l").is_in(alone.implode())
                     & ~pl.col("unique_id_r").is_in(alone.implode())))
    manual = accepted.select("unique_id_l", "unique_id_r",
                             pl.lit(1.0).alias("match_probability"))
    return pl.concat([edges, manual]).unique(["unique_id_l", "unique_id_r"])


def best_probability(edges: pl.DataFrame) -> pl.DataFrame:
    """unique_id → the best link probability it has (its membership's confidence)."""
    both = pl.concat([
        edges.select(pl.col("unique_id_l").alias("unique_id"), "match_probability"),
        edges.select(pl.col("unique_id_r").alias("unique_id"), "match_probability")])
    return both.group_by("unique_id").agg(pl.col("match_probability").max())


def _next_cluster() -> int:
    top = ClusterMember.objects.unscoped("linkage: the highest cluster id").aggregate(
        m=Max("cluster"))["m"]
    return (top or 0) + 1


def review_pairs(pairs: pl.DataFrame, clusters: pl.DataFrame, accept: float,
                 review: float) -> pl.DataFrame:
    """Pairs between the thresholds whose records ended in two clusters (a pair already joined
    through other links needs no decision)."""
    ids = clusters.select("unique_id", "cluster")
    unsure = (pairs.filter(pl.col("match_probability").is_between(review, accept, closed="left"))
              .join(ids.rename({"unique_id": "unique_id_l", "cluster": "cluster_l"}),
                    on="unique_id_l")
              .join(ids.rename({"unique_id": "unique_id_r", "cluster": "cluster_r"}),
                    on="unique_id_r"))
    return unsure.filter(pl.col("cluster_l") != pl.col("cluster_r"))


def _full(run: LinkRun, progress: engine.Progress) -> dict[str, Any]:
    model = _model_or_fail()
    timings: dict[str, float] = {}
    lap = _laps(timings)

    stamp = matching.registry_stamp()  # before reading: a later change makes the next stamp
    records = read()
    lap("read")
    progress(0.1, "Menyiapkan rekaman / preparing records")
    prepared = engine.prepare(records, indonesian=model.indonesian)
    matching.write_snapshot(prepared, stamp)
    lap("prepare")
    progress(0.2, "Membandingkan pasangan / scoring pairs")
    pairs = engine.predict(prepared, model.model, threshold=model.review_threshold)
    lap("predict")
    progress(0.7, "Mengelompokkan / clustering")
    members = _members()
    edges = auto_edges(pairs, records, model.accept_threshold, members)
    components = engine.connected(records.get_column("unique_id"), edges)
    clusters = engine.stable_clusters(components, members.select("unique_id", "cluster"),
                                      _next_cluster())
    clusters = (clusters.join(best_probability(edges), on="unique_id", how="left")
                .join(records.select("unique_id", "source", "record_id", "row_hash", "desa",
                                     "kecamatan"), on="unique_id"))
    lap("cluster")
    progress(0.85, "Menyimpan / writing")
    queue = review_pairs(pairs, clusters, model.accept_threshold, model.review_threshold)
    written = writes.write_run(run, model, clusters, queue, prepared, records, members,
                               full=True)
    lap("write")
    return {"model": model, "records": records.height, "pairs": pairs.height,
            "auto_links": edges.height, "review_pairs": written["queued"],
            "clusters": clusters.get_column("cluster").n_unique(),
            "changed_members": written["changed"], "timings": timings}


def _laps(timings: dict[str, float]):
    """`lap(name)` records the seconds since the previous lap (or since now) under `name`."""
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 2)
        clock[0] = now
    return lap


def _model_or_fail() -> LinkModel:
    model = current_model()
    if model is None:
        raise RuntimeError("no trained model: run `tepat link train` first")
    return model


# --- an incremental run ------------------------------------------------------------------------


def new_or_changed(records: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Records without a membership, or whose row changed since it was written."""
    known = members.select("unique_id", "record_hash")
    return (records.join(known, on="unique_id", how="left")
            .filter(pl.col("record_hash").is_null()
                    | (pl.col("record_hash") != pl.col("row_hash")))
            .drop("record_hash"))


def join_clusters(fresh_ids: pl.Series, edges: pl.DataFrame, members: pl.DataFrame,
                  next_id: int) -> pl.DataFrame:
    """New records joined to the stored clusters. Each stored cluster stands as one node (its
    smallest member); a component that reaches stored clusters takes the largest of them (then
    the smallest id), and the others it bridges merge into it; one that reaches none is new."""
    stored = members.filter(~pl.col("unique_id").is_in(fresh_ids.implode()))
    anchor = stored.group_by("cluster").agg(pl.col("unique_id").min().alias("anchor"),
                                            pl.len().alias("size"))
    to_anchor = stored.join(anchor, on="cluster").select("unique_id", "anchor")

    def anchored(side: str) -> pl.Expr:
        return pl.coalesce(pl.col(f"anchor_{side}"), pl.col(f"unique_id_{side}"))

    relinked = (edges.join(to_anchor.rename({"unique_id": "unique_id_l", "anchor": "anchor_l"}),
                           on="unique_id_l", how="left")
                .join(to_anchor.rename({"unique_id": "unique_id_r", "anchor": "anchor_r"}),
                      on="unique_id_r", how="left")
                .select(anchored("l").alias("unique_id_l"), anchored("r").alias("unique_id_r"))
                .filter(pl.col("unique_id_l") != pl.col("unique_id_r")))
    nodes = pl.concat([fresh_ids, anchor.get_column("anchor")]).unique()
    components = engine.connected(nodes, relinked)
    owners = (components.join(anchor, left_on="unique_id", right_on="anchor")
              .sort(["size", "cluster"], descending=[True, False])
              .group_by("component", maintain_order=True).first()
              .select("component", pl.col("cluster").alias("owner")))
    placed = components.join(owners, on="component", how="left")
    fresh_components = (placed.filter(pl.col("owner").is_null()).get_column("component")
                        .unique().sort())
    numbering = pl.DataFrame({"component": fresh_components,
                              "new": pl.int_range(next_id, next_id + fresh_components.len(),
                                                  eager=True)})
    placed = (placed.join(numbering, on="component", how="left")
              .with_columns(pl.coalesce("owner", "new").alias("cluster")))
    # Every member of a stored cluster that merged into another owner follows it.
    moved = (placed.join(anchor, left_on="unique_id", right_on="anchor")
             .filter(pl.col("cluster") != pl.col("cluster_right"))
             .select(pl.col("cluster_right").alias("old"), pl.col("cluster").alias("new")))
    followers = stored.join(moved, left_on="cluster", right_on="old").select(
        "unique_id", pl.col("new").alias("cluster"))
    fresh = placed.filter(pl.col("unique_id").is_in(fresh_ids.implode())).select(
        "unique_id", "cluster")
    return pl.concat([fresh, followers])


def _incremental(run: LinkRun, progress: engine.Progress) -> dict[str, Any]:
    model = _model_or_fail()
    timings: dict[str, float] = {}
    lap = _laps(timings)

    stamp = matching.registry_stamp()
    records = read()
    members = _members()
    fresh = new_or_changed(records, members)
    lap("read")
    if fresh.is_empty():
        return {"model": model, "records": 0, "timings": timings}
    progress(0.2, "Membandingkan rekaman baru / scoring new records")
    prepared = engine.prepare(records, indonesian=model.indonesian)
    matching.write_snapshot(prepared, stamp)
    fresh_ids = fresh.get_column("unique_id")
    pairs = engine.predict_new(prepared, fresh_ids, model.model,
                               threshold=model.review_threshold)
    lap("predict")
    progress(0.7, "Menggabungkan ke klaster / joining clusters")
    edges = auto_edges(pairs, records, model.accept_threshold, members)
    placed = join_clusters(fresh_ids, edges, members, _next_cluster())
    clusters = (placed.join(best_probability(edges), on="unique_id", how="left")
                .join(records.select("unique_id", "source", "record_id", "row_hash", "desa",
                                     "kecamatan"), on="unique_id"))
    every = (members.select("unique_id", "cluster")
             .join(clusters.select("unique_id", pl.col("cluster").alias("now")),
                   on="unique_id", how="full", coalesce=True)
             .select("unique_id", pl.coalesce("now", "cluster").alias("cluster")))
    queue = review_pairs(pairs, every, model.accept_threshold, model.review_threshold)
    lap("cluster")
    written = writes.write_run(run, model, clusters, queue, prepared, records, members,
                               full=False)
    lap("write")
    return {"model": model, "records": fresh.height, "pairs": pairs.height,
            "auto_links": edges.height, "review_pairs": written["queued"],
            "clusters": every.get_column("cluster").n_unique(),
            "changed_members": written["changed"], "timings": timings}

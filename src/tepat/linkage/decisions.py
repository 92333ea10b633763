"""People's decisions on person clusters, each a named, audited and reversible write.

- `decide_pair`: accept (same person: the two clusters merge at once), reject (not the same:
  the pair never comes back unless one of its records changes), or unsure (stays in the
  queue). Optimistic locking: the caller passes the version it saw; a decision made meanwhile
  by someone else is refused, never overwritten.
- `reopen_pair`: undo a decision; an accepted pair's merge is undone (the records that moved go
  back to their cluster).
- `merge_records`: two records one person, without a queued pair (a manual accepted pair).
- `unmerge_record` / `remerge_record`: take one record out of its cluster (automatic links no
  longer reach it) and put it back.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tepat.audit.services import ONE, log_event, write_service
from tepat.lib.errors import RuleError
from tepat.linkage.models import ClusterMember, LinkPair
from tepat.linkage.recount import queue_recount


def _members(reason: str):
    return ClusterMember.objects.unscoped(f"linkage: {reason}")


def _member(person_id: int) -> ClusterMember:
    member = _members("the record's membership").select_for_update().filter(
        person_id=person_id).first()
    if member is None:
        raise RuleError(("pair", _("Rekaman ini belum dikaitkan; jalankan kaitan dulu.")))
    return member


def _next_cluster() -> int:
    return (_members("the highest cluster id").aggregate(m=Max("cluster"))["m"] or 0) + 1


def _merge(left: ClusterMember, right: ClusterMember) -> dict[str, Any]:
    """Move the smaller cluster into the larger (ties: into the smaller id); what moved."""
    if left.cluster == right.cluster:
        return {}
    sizes = {c: _members("cluster sizes").filter(cluster=c).count()
             for c in (left.cluster, right.cluster)}
    into, out = sorted((left.cluster, right.cluster), key=lambda c: (-sizes[c], c))
    moved = list(_members("the merged cluster").filter(cluster=out).values_list(
        "person_id", flat=True))
    _members("the merged cluster").filter(cluster=out).update(cluster=into)
    return {"from": out, "into": into, "persons": moved}


def _recount_after_commit() -> None:
    """Jiwa are counted once per cluster (registry.clusters): a decision that moved records
    between clusters queues one rebuild of the dashboard's counts (not in the click: at regency
    size it reads every person)."""
    transaction.on_commit(queue_recount)


def _locked(pair: LinkPair, version: int) -> LinkPair:
    fresh = LinkPair.objects.unscoped("linkage: the pair of a decision, locked").select_for_update(
    ).get(pk=pair.pk)
    if fresh.version != version:
        raise RuleError(("version", _("Pasangan ini baru saja diputuskan orang lain; "
                                      "muat ulang halaman.")))
    return fresh


@write_service(ONE)
def decide_pair(pair: LinkPair, state: str, *, actor: Any, version: int,
                note: str = "") -> LinkPair:
    """The caller checked that `pair` is in the actor's queue."""
    if state not in (LinkPair.State.ACCEPTED, LinkPair.State.REJECTED, LinkPair.State.UNSURE):
        raise RuleError(("state", _("Keputusan tidak dikenal.")))
    with transaction.atomic():
        pair = _locked(pair, version)
        if pair.state == LinkPair.State.ACCEPTED:
            raise RuleError(("state", _("Pasangan ini sudah digabung; batalkan dulu.")))
        merged = {}
        if state == LinkPair.State.ACCEPTED:
            merged = _merge(_member(pair.left_id), _member(pair.right_id))
            if merged:
                _recount_after_commit()
        pair.state, pair.note, pair.merged = state, note, merged
        pair.version += 1
        pair.decided_by, pair.decided_at = actor, timezone.now()
        pair.save(update_fields=["state", "note", "merged", "version", "decided_by",
                                 "decided_at"])
        log_event(f"linkage.pair.{state}", actor=actor, obj=pair, area_code=pair.area_id,
                  data={"probability": pair.match_probability, "merged": merged,
                        "note": note[:200]})
    return pair


@write_service(ONE)
def reopen_pair(pair: LinkPair, *, actor: Any, version: int) -> LinkPair:
    """Undo a decision: the pair waits again; an accepted pair's merge is reversed (its
    records that moved go back, unless a later change moved them elsewhere)."""
    with transaction.atomic():
        pair = _locked(pair, version)
        undone = pair.merged or {}
        if undone:
            _members("undo a merge").filter(person_id__in=undone["persons"],
                                            cluster=undone["into"]).update(
                cluster=undone["from"])
            _recount_after_commit()
        previous = pair.state
        pair.state, pair.merged, pair.version = LinkPair.State.PENDING, {}, pair.version + 1
        pair.decided_by, pair.decided_at = actor, timezone.now()
        pair.save(update_fields=["state", "merged", "version", "decided_by", "decided_at"])
        log_event("linkage.pair.reopened", actor=actor, obj=pair, area_code=pair.area_id,
                  data={"was": previous, "unmerged": undone})
    return pair


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


@write_service(ONE)
def merge_records(left_id: int, right_id: int, *, actor: Any, area: str,
                  note: str = "") -> LinkPair:
    """Two records are one person (a person's decision, kept as an accepted manual pair).
    The caller checked that both records are in `area`, the actor's."""
    if left_id == right_id:
        raise RuleError(("pair", _("Pilih dua rekaman yang berbeda.")))
    low, high = _ordered(left_id, right_id)
    with transaction.atomic():
        first, second = _member(low), _member(high)
        pair, _created = LinkPair.objects.unscoped("linkage: a manual merge").get_or_create(
            left_id=low, right_id=high,
            defaults={"area_id": area, "manual": True, "left_hash": first.record_hash,
                      "right_hash": second.record_hash})
        if pair.state == LinkPair.State.ACCEPTED:
            raise RuleError(("pair", _("Kedua rekaman sudah digabung.")))
        pair.merged = _merge(first, second)
        if pair.merged:
            _recount_after_commit()
        pair.state, pair.note, pair.version = LinkPair.State.ACCEPTED, note, pair.version + 1
        pair.decided_by, pair.decided_at = actor, timezone.now()
        pair.save()
        log_event("linkage.records.merged", actor=actor, obj=pair, area_code=area,
                  data={"merged": pair.merged, "note": note[:200]})
    return pair


@write_service(ONE)
def unmerge_record(person_id: int, *, actor: Any, area: str) -> ClusterMember:
    """Take a record out of its cluster into a cluster of its own; automatic links no longer
    reach it (accepted pairs still do). The caller checked the record is in `area`."""
    with transaction.atomic():
        member = _member(person_id)
        if member.alone:
            raise RuleError(("pair", _("Rekaman ini sudah dipisahkan.")))
        member.previous_cluster, member.cluster, member.alone = (
            member.cluster, _next_cluster(), True)
        member.save(update_fields=["previous_cluster", "cluster", "alone"])
        _recount_after_commit()
        log_event("linkage.record.unmerged", actor=actor, obj=member, area_code=area,
                  data={"from": member.previous_cluster, "to": member.cluster})
    return member


@write_service(ONE)
def remerge_record(person_id: int, *, actor: Any, area: str) -> ClusterMember:
    """Undo `unmerge_record`: back into the cluster it left."""
    with transaction.atomic():
        member = _member(person_id)
        if not member.alone or member.previous_cluster is None:
            raise RuleError(("pair", _("Rekaman ini tidak sedang dipisahkan.")))
        left_from = member.cluster
        member.cluster, member.alone, member.previous_cluster = (
            member.previous_cluster, False, None)
        member.save(update_fields=["previous_cluster", "cluster", "alone"])
        _recount_after_commit()
        log_event("linkage.record.remerged", actor=actor, obj=member, area_code=area,
                  data={"from": left_from, "to": member.cluster})
    return member

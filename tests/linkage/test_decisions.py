"""Merge, unmerge and review decisions: audited, reversible, optimistic."""

from __future__ import annotations

import pytest

from tepat.audit.models import AuditEvent
from tepat.linkage import decisions
from tepat.linkage.models import ClusterMember, LinkPair
from tepat.verification.errors import RuleError


@pytest.fixture
def clustered(registry):
    """Every registry person in a cluster of its own (as after a run without links)."""
    for i, p in enumerate(sorted(registry.persons, key=lambda p: p.pk), start=1):
        ClusterMember.objects.create(person=p, source=p.source, record_id=p.source_person_id,
                                     cluster=i, record_hash=p.row_hash,
                                     kecamatan_id=p.kecamatan_id, desa_id=p.desa_id)
    return sorted(registry.persons, key=lambda p: p.pk)


def cluster(person) -> int:
    return ClusterMember.objects.unscoped("test").get(person=person).cluster


def queued(a, b) -> LinkPair:
    return LinkPair.objects.create(left=a, right=b, area_id=a.kecamatan_id,
                                   match_probability=0.8, left_hash=a.row_hash,
                                   right_hash=b.row_hash)


def test_accepting_a_pair_merges_its_clusters_and_undoing_it_splits_them(clustered, users):
    a, b = clustered[0], clustered[1]
    pair = decisions.decide_pair(queued(a, b), "accepted", actor=users.operator_kecamatan,
                                 version=1)
    assert cluster(a) == cluster(b)
    assert AuditEvent.objects.filter(action="linkage.pair.accepted").count() == 1
    decisions.reopen_pair(pair, actor=users.operator_kecamatan, version=pair.version)
    assert cluster(a) != cluster(b)
    assert LinkPair.objects.unscoped("test").get(pk=pair.pk).state == "pending"


def test_a_decision_on_a_stale_version_is_refused(clustered, users):
    pair = queued(clustered[0], clustered[1])
    decisions.decide_pair(pair, "unsure", actor=users.operator_kecamatan, version=1)
    with pytest.raises(RuleError):
        decisions.decide_pair(pair, "rejected", actor=users.operator_kecamatan, version=1)


def test_unmerge_takes_a_record_out_and_remerge_puts_it_back(clustered, users):
    a, b = clustered[0], clustered[1]
    decisions.merge_records(a.pk, b.pk, actor=users.operator_kecamatan, area=a.kecamatan_id)
    together = cluster(a)
    decisions.unmerge_record(b.pk, actor=users.operator_kecamatan, area=a.kecamatan_id)
    assert cluster(b) != together and cluster(a) == together
    decisions.remerge_record(b.pk, actor=users.operator_kecamatan, area=a.kecamatan_id)
    assert cluster(b) == together


def test_a_decision_that_moves_records_queues_one_recount_of_the_dashboard(
        clustered, users, django_capture_on_commit_callbacks):
    """Jiwa are counted once per cluster: after a merge the dashboard's counts are rebuilt by
    the worker, once however many decisions wait; a decision that moves nothing queues none."""
    from django_tasks_db.models import DBTaskResult

    from tepat.linkage.recount import recount_task
    from tepat.registry.models import DesaStat

    recounts = DBTaskResult.objects.filter(task_path="tepat.linkage.recount.recount_task")
    a, b, c = clustered[0], clustered[1], clustered[2]
    with django_capture_on_commit_callbacks(execute=True):
        decisions.decide_pair(queued(a, c), "unsure", actor=users.operator_kecamatan, version=1)
    assert recounts.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        decisions.decide_pair(queued(a, b), "accepted", actor=users.operator_kecamatan,
                              version=1)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.unmerge_record(b.pk, actor=users.operator_kecamatan, area=b.kecamatan_id)
    assert recounts.count() == 1  # the second waits behind the first
    assert recount_task.call() == DesaStat.objects.count() > 0

"""The dashboard's counts rebuilt after a person moved records between clusters (a pair
accepted or reopened, a merge, an unmerge): jiwa are counted once per cluster, so DesaStat
(`registry.stats`) is stale until then. One rebuild waits at a time: ten decisions in a row
queue one job, not ten."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from tepat.registry.stats import refresh_desa_stats

_PATH = "tepat.linkage.recount.recount_task"


@task()
def recount_task() -> int:
    with transaction.atomic():
        return refresh_desa_stats()


def _waiting() -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another tasks backend: no queue to look into
        return False
    return DBTaskResult.objects.filter(task_path=_PATH, status="READY").exists()


def queue_recount() -> None:
    if not _waiting():
        recount_task.enqueue()

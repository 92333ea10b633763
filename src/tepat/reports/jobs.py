"""The background task that builds a requested report (Django's tasks API; the database-backed
worker of django-tasks-db runs it: `tepat db_worker`)."""

from __future__ import annotations

from django.tasks import task


@task()
def report_task(job_id: int) -> str:
    from tepat.reports.services import run_job

    return run_job(job_id).status

"""Audit events: one row per named change, written in the same transaction as the change."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(max_length=80, db_index=True)  # "registry.batch.imported"
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    area_code = models.CharField(max_length=13, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]  # a record's history

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class AccessEvent(models.Model):
    """A reveal or export of confidential numbers (NIK/KK), with the purpose the user gave:
    a code of `core.reveals.PURPOSES` and the free text. Rows logged before the list existed
    have an empty code (the table is append-only: they stay as they were)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    action = models.CharField(max_length=40)  # "reveal", "export", "subject_report"
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    purpose_code = models.CharField(max_length=30, blank=True, default="")
    purpose = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-id"]
        # A user's reveals in the last hour/day (the limit) and per day (the digest).
        indexes = [models.Index(fields=["actor", "action", "at"], name="audit_access_actor_at")]


class ChangeMark(models.Model):
    """A committed write of a watched kind (`audit.services.watch`): figures kept in memory
    from many rows (the convergence page) are read again when their topic's latest mark moves.
    Written by `log_event` / `log_events` in the change's own transaction, so a mark is seen
    exactly when the change is."""

    topic = models.CharField(max_length=40)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["topic", "id"], name="audit_changemark_topic_id")]

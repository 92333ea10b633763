"""The one way to write an audit event."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from tepat.audit.models import AccessEvent, AuditEvent


def log_event(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    area_code: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record `action`; must run inside the transaction of the change it describes."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"audit event {action!r} written outside a transaction")
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        area_code=area_code,
        data=data or {},
    )


def log_access(*, actor: Any, action: str, obj: models.Model, purpose: str) -> AccessEvent:
    return AccessEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        purpose=purpose,
    )

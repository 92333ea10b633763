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


def log_events(action: str, *, actor: Any = None, objects: list[tuple[models.Model, str, dict]],
               ) -> int:
    """One event per object for a batch write: `objects` are (object, area code, data); must
    run inside the batch's transaction, like `log_event`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"audit events {action!r} written outside a transaction")
    events = [
        AuditEvent(actor=actor if getattr(actor, "pk", None) else None, action=action,
                   object_type=obj._meta.label_lower, object_id=str(obj.pk),
                   area_code=area_code, data=data)
        for obj, area_code, data in objects
    ]
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


def log_access(*, actor: Any, action: str, obj: models.Model, purpose: str) -> AccessEvent:
    return AccessEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        purpose=purpose,
    )

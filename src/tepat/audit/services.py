"""The one way to write an audit event, and the mark of a write service.

Every function that changes data is a *write service*, decorated with `@write_service(...)`,
which states how many audit events one call writes: exactly one (`ONE`, the default) or one
or more (`MANY`, batch writes: one per family). With `TEPAT_CHECK_AUDIT` on (the test suite
turns it on for every test), each call counts the events written through `log_event` /
`log_events` while it runs, inner services included, and raises `AuditMissing` when the count
is wrong: a new write path without its audit event fails every test that touches it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction

from tepat.audit.models import AccessEvent, AuditEvent, ChangeMark

# How many audit events one call of a write service writes:
ONE = "one"  # exactly one
MANY = "many"  # one or more (a batch: one per family)
ONE_IF_CHANGED = "one if changed"  # an idempotent loader: one, or none when nothing changed
EACH = "each"  # a sweep: one per object it changes, none when it finds nothing
KINDS = (ONE, MANY, ONE_IF_CHANGED, EACH)
# "module.function" -> its kind, filled by the decorator as modules are imported.
WRITE_SERVICES: dict[str, str] = {}

F = TypeVar("F", bound=Callable[..., Any])
_calls = threading.local()


class AuditMissing(AssertionError):
    """A write service wrote a wrong number of audit events (raised only when checking)."""


def _stack() -> list[int]:
    if not hasattr(_calls, "stack"):
        _calls.stack = []
    return _calls.stack


def _counted(n: int) -> None:
    stack = _stack()
    if stack:
        stack[-1] += n


def _count_fits(expected: str, written: int) -> bool:
    return {
        "none": written == 0,
        ONE: written == 1,
        MANY: written >= 1,
        ONE_IF_CHANGED: written in (0, 1),
        EACH: written >= 0,
    }[expected]


def write_service(events: str = ONE, *, none_when: str | None = None,
                  refused: Callable[[Any], bool] | None = None) -> Callable[[F], F]:
    """Mark a function that writes data; `events` is how many audit events a call writes.
    `none_when` names a keyword argument (e.g. `dry_run`) that, when true, means no write;
    `refused(result)` says that a returned result is a refusal that wrote nothing."""
    if events not in KINDS:
        raise ValueError(events)

    def decorate(func: F) -> F:
        name = f"{func.__module__}.{func.__qualname__}"
        WRITE_SERVICES[name] = events

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not getattr(settings, "TEPAT_CHECK_AUDIT", False):
                return func(*args, **kwargs)
            stack = _stack()
            stack.append(0)
            try:
                result = func(*args, **kwargs)
            finally:
                written = stack.pop()
                _counted(written)  # an outer service sees the events of the inner ones
            nothing = (none_when and kwargs.get(none_when)) or (refused and refused(result))
            expected = "none" if nothing else events
            if not _count_fits(expected, written):
                raise AuditMissing(f"{name} wrote {written} audit events; expected {expected}")
            return result

        checked.audit_events = events  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


# --- change marks: "has anything of this kind changed since?" ------------------------------------

# topic -> the action prefixes whose events mark it (registered by the app that keeps figures)
_WATCHED: dict[str, tuple[str, ...]] = {}


def watch(topic: str, *prefixes: str) -> None:
    """Every audit event whose action starts with one of `prefixes` marks `topic` (a
    `ChangeMark` row in the same transaction). Every write is a write service with its audit
    event, so a new write of a watched kind marks the topic without being told to."""
    _WATCHED[topic] = tuple(sorted({*_WATCHED.get(topic, ()), *prefixes}))


def _mark(action: str) -> None:
    for topic, prefixes in _WATCHED.items():
        if action.startswith(prefixes):
            ChangeMark.objects.create(topic=topic)


def latest_mark(topic: str) -> int:
    """The id of the topic's latest committed mark (0: none); one index lookup."""
    found = (ChangeMark.objects.filter(topic=topic).order_by("-id")
             .values_list("id", flat=True).first())
    return found or 0


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
    _counted(1)
    _mark(action)
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
    if events:
        _mark(action)
    _counted(len(events))
    return len(events)


def log_access(*, actor: Any, action: str, obj: models.Model, purpose: str,
               purpose_code: str = "") -> AccessEvent:
    """Record a reveal or export of NIK/KK with its purpose (a code of `core.reveals.PURPOSES`
    and the free text)."""
    return AccessEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        purpose_code=purpose_code,
        purpose=purpose,
    )

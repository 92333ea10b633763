"""The audit tables refuse UPDATE and DELETE on PostgreSQL (issue 6 §4, started with issue 3)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger"),
]


def _event():
    from tepat.audit.services import log_event

    with transaction.atomic():
        return log_event("test.event", data={"n": 1})


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
    "DELETE FROM audit_auditevent WHERE id = %s",
])
def test_an_audit_event_cannot_be_changed_or_deleted(statement):
    event = _event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cur:
        cur.execute(statement, [event.pk])
    event.refresh_from_db()
    assert event.action == "test.event"


def test_the_orm_cannot_delete_one_either():
    event = _event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        type(event).objects.filter(pk=event.pk).delete()

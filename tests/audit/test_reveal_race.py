"""Reveals of one user at the same instant (issue 16 §6): the limit still holds exactly.

Real concurrent transactions need a server database: on PostgreSQL each thread has its own
connection and a reveal locks the user's row before counting, so simultaneous reveals are
counted one after the other. SQLite serialises writers (tests/audit/test_reveal_limit.py).
"""

from __future__ import annotations

import functools

import pytest
from django.db import connection

from thread_helpers import together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

RUNS, THREADS, PER_RUN = 10, 8, 3



def test_simultaneous_reveals_never_pass_the_limit(registry, users, settings):
    from tepat.audit.models import AccessEvent, AuditEvent
    from tepat.audit.reveals import LIMIT_HIT, Purpose, Refused, reveal

    family = registry.families["35.13.20.2001"][0]
    why = Purpose("verifikasi_lapangan", "Cek KTP di lapangan")
    settings.TEPAT_REVEAL_LIMIT_PER_DAY = 0
    for run in range(1, RUNS + 1):
        settings.TEPAT_REVEAL_LIMIT_PER_HOUR = PER_RUN * run  # room for 3 more each run
        results = together(*[functools.partial(reveal, users.operator_desa, family, why)
                             for _ in range(THREADS)])
        assert sum(r is None for r in results) == PER_RUN, results
        assert sum(isinstance(r, Refused) for r in results) == THREADS - PER_RUN, results
        assert AccessEvent.objects.filter(action="reveal").count() == PER_RUN * run
    assert AuditEvent.objects.filter(action=LIMIT_HIT).count() == 1  # once in the hour

"""NIK/KK reveals with a per-user limit (issue 16 §6).

The limit is counted from the access log itself (`AccessEvent` rows of action "reveal" in the
last hour and the last 24 hours), so it holds across processes and hosts, and survives a
restart. A reveal locks the user's row first, so two reveals of one user at once are counted
one after the other (PostgreSQL; SQLite serialises writers anyway).

A refused reveal writes an audit event `access.reveal_limit_hit` once per window length: the
first refusal of an hour (hourly limit) or of a day (daily limit); the refusals that follow in
that time write nothing, so a script hammering the page cannot flood the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tepat.accounts.models import User
from tepat.audit.models import AccessEvent, AuditEvent
from tepat.audit.services import ONE_IF_CHANGED, log_access, log_event, write_service
from tepat.core.reveals import (
    DAY,
    HOUR,
    PURPOSE_LETTERS_MIN,
    PURPOSE_TEXT_MAX,
    PURPOSE_TEXT_MIN,
    PURPOSES,
    Window,
    exceeded,
    purpose_text_problem,
)

REVEAL = "reveal"
LIMIT_HIT = "access.reveal_limit_hit"


@dataclass(frozen=True)
class Purpose:
    """A stated purpose: a code of `core.reveals.PURPOSES` and the user's own words."""

    code: str
    text: str


@dataclass(frozen=True)
class Refused:
    """A reveal over the limit: which window, and seconds until one more fits."""

    window: Window
    retry_after: int


_PROBLEMS = {
    "short": gettext_lazy("Keterangan tujuan terlalu pendek: tulis minimal %(n)s karakter, "
                          "mis. “cek KTP untuk penyaluran BLT”."),
    "long": gettext_lazy("Keterangan tujuan paling banyak %(n)s karakter."),
    "one_word": gettext_lazy("Tulis keterangan tujuan dengan minimal dua kata."),
    "few_letters": gettext_lazy("Keterangan tujuan harus kalimat yang bermakna (minimal %(n)s "
                                "huruf berbeda), bukan huruf berulang."),
}
_LIMITS = {"short": PURPOSE_TEXT_MIN, "long": PURPOSE_TEXT_MAX, "few_letters": PURPOSE_LETTERS_MIN}


def purpose_problems(code: str, text: str) -> list[tuple[str, str]]:
    """What is wrong with a stated purpose, as (field, message in the active language); empty
    when it may be used. The one check behind every form and service that asks a purpose."""
    problems = []
    if code not in PURPOSES:
        problems.append(("jenis_tujuan", str(gettext_lazy("Pilih tujuan dari daftar."))))
    problem = purpose_text_problem(text)
    if problem is not None:
        problems.append(("tujuan", str(_PROBLEMS[problem]) % {"n": _LIMITS.get(problem, 0)}))
    return problems


def limit_windows() -> tuple[Window, ...]:
    """The configured windows (TEPAT_REVEAL_LIMIT_PER_HOUR / _PER_DAY; 0 turns one off)."""
    return (Window("hour", HOUR, settings.TEPAT_REVEAL_LIMIT_PER_HOUR),
            Window("day", DAY, settings.TEPAT_REVEAL_LIMIT_PER_DAY))


def recent_reveals(actor: Any, now: datetime) -> dict[str, Any]:
    """The user's reveals in the last hour and day, and the oldest of each, in one query."""
    hour_ago = now - timedelta(seconds=HOUR)
    return AccessEvent.objects.filter(
        actor=actor, action=REVEAL, at__gt=now - timedelta(seconds=DAY)
    ).aggregate(hour=Count("pk", filter=Q(at__gt=hour_ago)), day=Count("pk"),
                hour_first=Min("at", filter=Q(at__gt=hour_ago)), day_first=Min("at"))


def _retry_after(window: Window, recent: dict[str, Any], now: datetime) -> int:
    oldest = recent[f"{window.name}_first"] or now
    return max(1, int((oldest + timedelta(seconds=window.seconds) - now).total_seconds()) + 1)


@write_service(ONE_IF_CHANGED)  # one event for the first refusal of a window, else none
def record_limit_hit(actor: Any, window: Window, count: int, now: datetime) -> bool:
    """Audit a refusal, unless one of this window was already recorded within its length."""
    since = now - timedelta(seconds=window.seconds)
    already = AuditEvent.objects.filter(
        action=LIMIT_HIT, object_type=User._meta.label_lower, object_id=str(actor.pk),
        at__gt=since, data__window=window.name).exists()
    if already:
        return False
    log_event(LIMIT_HIT, actor=actor, obj=actor, area_code=actor.area_id or "",
              data={"window": window.name, "limit": window.limit, "count": count})
    return True


@write_service(ONE_IF_CHANGED)  # the reveal is an AccessEvent; a refusal may write one audit
def reveal(actor: Any, obj: models.Model, purpose: Purpose) -> Refused | None:
    """Log a reveal of `obj`'s NIK/KK for `purpose`, or refuse it (None: go ahead)."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()  # one reveal at a time
        now = timezone.now()
        recent = recent_reveals(actor, now)
        window = exceeded(limit_windows(), recent)
        if window is not None:
            record_limit_hit(actor, window, recent[window.name], now)
            return Refused(window, _retry_after(window, recent, now))
        log_access(actor=actor, action=REVEAL, obj=obj, purpose=purpose.text,
                   purpose_code=purpose.code)
        return None

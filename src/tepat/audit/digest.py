"""The daily digest of reveals and exports per user, for the admin kabupaten (issue 16 §6).

For one day (local time) and every user who revealed, exported or hit the reveal limit that
day: the day's reveals and exports, the daily mean and the usual day (median) of the previous
30 days, the purposes stated, the limit hits, and whether the day is unusual
(`core.reveals.is_unusual`, or any limit hit). Four queries whatever the number of users.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from tepat.accounts.models import User
from tepat.audit.models import AccessEvent, AuditEvent
from tepat.audit.reveals import LIMIT_HIT, REVEAL
from tepat.core.reveals import is_unusual, mean_day, usual_day

HISTORY_DAYS = 30
EXPORTS = frozenset({"export", "subject_report"})  # personal data leaving the system


@dataclass
class Counts:
    """One kind of event (reveals or exports) of one user: the day, and the days before."""

    today: int = 0
    history: list[int] = field(default_factory=lambda: [0] * HISTORY_DAYS)

    @property
    def mean(self) -> float:
        return mean_day(self.history)

    @property
    def usual(self) -> float:
        return usual_day(self.history)

    @property
    def unusual(self) -> bool:
        return is_unusual(self.today, self.history)


@dataclass
class UserDay:
    user: Any
    reveals: Counts = field(default_factory=Counts)
    exports: Counts = field(default_factory=Counts)
    purposes: dict[str, int] = field(default_factory=dict)  # purpose code -> events that day
    limit_hits: int = 0

    @property
    def unusual(self) -> bool:
        return self.reveals.unusual or self.exports.unusual or self.limit_hits > 0


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, in local time."""
    zone = timezone.get_current_timezone()
    return (datetime.combine(first, time.min, zone),
            datetime.combine(last + timedelta(days=1), time.min, zone))


def _count_events(rows: dict[int, UserDay], day: date) -> None:
    start, end = _bounds(day - timedelta(days=HISTORY_DAYS), day)
    per_day = (AccessEvent.objects.filter(at__gte=start, at__lt=end)
               .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
               .values_list("actor_id", "day", "action").annotate(n=Count("pk")).order_by())
    for actor, when, action, n in per_day:
        if action != REVEAL and action not in EXPORTS:
            continue
        row = rows.setdefault(actor, UserDay(user=None))
        counts = row.reveals if action == REVEAL else row.exports
        age = (day - when).days  # 0 the day itself, 1..30 the days before
        if age == 0:
            counts.today += n
        elif 1 <= age <= HISTORY_DAYS:
            counts.history[age - 1] += n


def _count_purposes(rows: dict[int, UserDay], day: date) -> None:
    start, end = _bounds(day, day)
    used = (AccessEvent.objects.filter(at__gte=start, at__lt=end)
            .values_list("actor_id", "purpose_code").annotate(n=Count("pk")).order_by())
    for actor, code, n in used:
        purposes = rows.setdefault(actor, UserDay(user=None)).purposes
        purposes[code] = purposes.get(code, 0) + n


def _count_limit_hits(rows: dict[int, UserDay], day: date) -> None:
    start, end = _bounds(day, day)
    hits = (AuditEvent.objects.filter(action=LIMIT_HIT, at__gte=start, at__lt=end)
            .values_list("actor_id").annotate(n=Count("pk")).order_by())
    for actor, n in hits:
        rows.setdefault(actor, UserDay(user=None)).limit_hits = n


def reveal_digest(day: date) -> list[UserDay]:
    """Every user active on `day` (reveals, exports or limit hits), unusual days first, then
    by reveals and exports, most first."""
    rows: dict[int, UserDay] = {}
    _count_events(rows, day)
    _count_purposes(rows, day)
    _count_limit_hits(rows, day)
    active = {pk: row for pk, row in rows.items()
              if row.reveals.today or row.exports.today or row.limit_hits}
    for user in User.objects.filter(pk__in=list(active)).select_related("area"):
        active[user.pk].user = user
    return sorted(active.values(), key=lambda r: (not r.unusual, -r.reveals.today,
                                                  -r.exports.today, r.user.username))

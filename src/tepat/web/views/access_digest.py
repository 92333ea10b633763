"""The daily digest of NIK/KK reveals and exports per user (issue 16 §6), for the admin
kabupaten only: who revealed and exported how much on a day, against their own previous 30
days, with which purposes, who hit the reveal limit, and which days look unusual.

Counts and purposes only: no NIK, no KK, no family on this page.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tepat.accounts import roles
from tepat.audit.digest import HISTORY_DAYS, UserDay, reveal_digest
from tepat.core.reveals import LEGACY_PURPOSE_LABEL, PURPOSES, UNUSUAL_FACTOR, UNUSUAL_MIN
from tepat.web.access import no_store, role_required

digest_required = role_required(roles.can_view_access_digest)


class DayForm(forms.Form):
    hari = forms.DateField(label=gettext_lazy("Tanggal"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def day(self) -> date:
        today = timezone.localdate()
        chosen = self.cleaned_data.get("hari") if self.is_valid() else None
        return min(chosen or today, today)


def purpose_label(code: str) -> str:
    return _(PURPOSES[code]) if code in PURPOSES else _(LEGACY_PURPOSE_LABEL)


def _purposes(row: UserDay) -> list[tuple[str, int]]:
    return sorted(((purpose_label(code), n) for code, n in row.purposes.items()),
                  key=lambda pair: -pair[1])


@digest_required
@no_store
@require_GET
def access_digest(request: HttpRequest) -> HttpResponse:
    form = DayForm(request.GET)
    day = form.day()
    rows = reveal_digest(day)
    context: dict[str, Any] = {
        "nav": "users", "form": form, "day": day,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1) if day < timezone.localdate() else None,
        "rows": [(row, _purposes(row)) for row in rows],
        "unusual": sum(row.unusual for row in rows),
        "history_days": HISTORY_DAYS, "unusual_min": UNUSUAL_MIN,
        "unusual_factor": UNUSUAL_FACTOR,
        "per_hour": settings.TEPAT_REVEAL_LIMIT_PER_HOUR,
        "per_day": settings.TEPAT_REVEAL_LIMIT_PER_DAY,
    }
    return render(request, "web/access_digest.html", context)


urlpatterns = [
    path("akses/harian/", access_digest, name="access_digest"),
]

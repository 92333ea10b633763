"""A family's verification history (issue 3 §6), moved out of `verify.py`: every audit event
about the family's verifications and change requests, newest first, values as a reader sees
them (labels, names, NIK masked) and a GPS point on a small map of its desa (issue 19 §4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from tepat.audit.models import AuditEvent
from tepat.core.outcomes import MAMPU_REASONS, OUTCOMES
from tepat.registry.models import Family, Person
from tepat.verification.labels import outcome_label
from tepat.verification.models import REVIEW_CHOICES, ChangeRequest, Verification
from tepat.web.access import get_family_for_user, no_store
from tepat.web.corrections_display import describe_correction
from tepat.web.point_map import PointMap, point_map

PAGE_SIZE = 50
STATES = dict(REVIEW_CHOICES)

ACTIONS = {
    "verification.saved": gettext_lazy("Disimpan sebagai draf"),
    "verification.submitted": gettext_lazy("Dikirim ke kecamatan"),
    "verification.approved": gettext_lazy("Disetujui kecamatan"),
    "verification.returned": gettext_lazy("Dikembalikan ke desa"),
    "verification.change.requested": gettext_lazy("Permintaan perubahan diajukan"),
    "verification.change.approved": gettext_lazy("Permintaan perubahan disetujui"),
    "verification.change.refused": gettext_lazy("Permintaan perubahan ditolak"),
    "verification.taken_back": gettext_lazy("Ditarik kembali oleh desa"),
}
CHANNELS = {"web": gettext_lazy("formulir web"), "odk": gettext_lazy("ODK/Kobo"),
            "bulk": gettext_lazy("hasil musdes (massal)"),
            "desa_batch": gettext_lazy("kiriman akhir desa")}
FIELD_LABELS = {
    "outcome": gettext_lazy("Hasil"), "reason": gettext_lazy("Alasan"),
    "note": gettext_lazy("Catatan"), "destination": gettext_lazy("Tujuan pindah"),
    "duplicate_of_id": gettext_lazy("Duplikat dari"),
    "corrections": gettext_lazy("Perbaikan data"), "latitude": gettext_lazy("Lintang"),
    "longitude": gettext_lazy("Bujur"), "review": gettext_lazy("Status"),
    "return_reason": gettext_lazy("Alasan dikembalikan"),
}


@dataclass
class HistoryEntry:
    event: AuditEvent
    action: str
    changes: list[tuple[str, str, str]]
    details: list[str]
    map: PointMap | None = None


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _gps_map(event: AuditEvent) -> PointMap | None:
    """The point an event set, on its desa's map (GPS was only text here before)."""
    changes = (event.data or {}).get("changes") or {}
    if "latitude" not in changes and "longitude" not in changes:
        return None
    lat = _decimal((changes.get("latitude") or {}).get("after"))
    lon = _decimal((changes.get("longitude") or {}).get("after"))
    return point_map(event.area_code, lat, lon) if event.area_code else None


class _Values:
    """Stored values as a reader sees them (labels, names; numbers already masked)."""

    def __init__(self, names: dict[int, str], families: dict[int, str]) -> None:
        self.names, self.families = names, families

    def show(self, name: str, value: Any) -> str:
        if value in (None, "", []):
            return "—"
        if name == "outcome":
            return outcome_label(value) if value in OUTCOMES else str(value)
        if name == "reason":
            return _(MAMPU_REASONS.get(value, value))
        if name == "review":
            return str(STATES.get(value, value))
        if name == "duplicate_of_id":
            return self.families.get(value, _("keluarga #%(id)s") % {"id": value})
        if name == "corrections" and isinstance(value, list):
            return "; ".join(describe_correction(op, self.names) for op in value)
        return str(value)


def _history_entry(event: AuditEvent, values: _Values) -> HistoryEntry:
    data = event.data or {}
    changes = [(str(FIELD_LABELS.get(name, name)), values.show(name, change.get("before")),
                values.show(name, change.get("after")))
               for name, change in (data.get("changes") or {}).items()
               if isinstance(change, dict)]
    details = []
    if data.get("channel") in CHANNELS:
        details.append(_("lewat %(channel)s") % {"channel": CHANNELS[data["channel"]]})
    if data.get("photos"):
        details.append(ngettext("%(n)s foto", "%(n)s foto", data["photos"])
                       % {"n": data["photos"]})
    return HistoryEntry(event, str(ACTIONS.get(event.action, event.action)), changes, details,
                        _gps_map(event))


def _history_values(user: Any, family: Family, events: Sequence[AuditEvent]) -> _Values:
    names = {p.pk: p.nama or "—" for p in Person.objects.for_user(user).filter(family=family)}
    dup_ids = {c.get(k) for e in events for c in [(e.data or {}).get("changes", {})
                                                  .get("duplicate_of_id") or {}]
               for k in ("before", "after") if c.get(k)}
    families = {f.pk: f"{f.kepala_keluarga} · {f.no_kk_masked}"
                for f in Family.objects.for_user(user).filter(pk__in=dup_ids)}
    return _Values(names, families)


@login_required
@no_store
@require_GET
def family_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every audit event about the family's verifications, newest first."""
    family = get_family_for_user(request.user, pk)
    ids = list(Verification.objects.for_user(request.user).filter(family=family)
               .values_list("pk", flat=True))
    # Both lookups go through the (object_type, object_id) index: the services write every
    # event about a verification on the verification, and a change request on itself.
    requests = ChangeRequest.objects.filter(verification_id__in=ids).values_list("pk", flat=True)
    events = AuditEvent.objects.filter(
        Q(object_type="verification.verification", object_id__in=[str(i) for i in ids])
        | Q(object_type="verification.changerequest",
            object_id__in=[str(i) for i in requests])
    ).select_related("actor").order_by("-at", "-id")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    values = _history_values(request.user, family, page.object_list)
    return render(request, "web/verify_history.html", {
        "nav": "families", "family": family, "page": page,
        "entries": [_history_entry(e, values) for e in page.object_list]})


urlpatterns = [
    path("keluarga/<int:pk>/riwayat/", family_history, name="family_history"),
]

"""Gesek Ekstrem writes: teams, manual reassignment, visits, needs and their referral.

Every function runs in one transaction and writes its audit event; refusals are `RuleError`s
(tepat.verification.errors) in the user's language. Automatic assignment is in `assigning.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tepat.accounts import roles
from tepat.audit.services import log_event, write_service
from tepat.core import geo
from tepat.core.strategies import ESELON, NEED_KINDS
from tepat.gesek.models import (
    Agency,
    Assignment,
    Need,
    NeedStatus,
    Official,
    TeamMember,
    TeamRole,
    Visit,
)
from tepat.regions import boundaries
from tepat.regions.models import Region
from tepat.verification.errors import RuleError, formula_problems
from tepat.verification.evidence import resized_photo
from tepat.verification.models import TargetListEntry


def _require_admin(actor: Any) -> None:
    if not roles.can_manage_gesek(actor):
        raise RuleError(_("Hanya admin kabupaten yang mengatur tim dan penugasan Gesek Ekstrem."))


@write_service()
def set_team(kecamatan_code: str, *, coordinator: Official, members: Sequence[Official],
             actor: Any) -> list[TeamMember]:
    """The Gesek Ekstrem team of a kecamatan: one coordinator, any number of members."""
    _require_admin(actor)
    if coordinator in members:
        members = [m for m in members if m != coordinator]
    with transaction.atomic():
        before = sorted(TeamMember.objects.filter(kecamatan_id=kecamatan_code)
                        .values_list("official__nip", "role"))
        TeamMember.objects.filter(kecamatan_id=kecamatan_code).delete()
        team = [TeamMember.objects.create(kecamatan_id=kecamatan_code, official=coordinator,
                                          role=TeamRole.COORDINATOR)]
        team += [TeamMember.objects.create(kecamatan_id=kecamatan_code, official=m,
                                           role=TeamRole.MEMBER) for m in members]
        log_event("gesek.team.set", actor=actor, area_code=kecamatan_code,
                  data={"before": before,
                        "after": sorted((t.official.nip, t.role) for t in team)})
    return team


@write_service()
def reassign(entry: TargetListEntry, official: Official, *, actor: Any,
             why: str = "") -> Assignment:
    """Give a family another pendamping official (who must be in its kecamatan's team)."""
    _require_admin(actor)
    if not TeamMember.objects.filter(kecamatan_id=entry.kecamatan_id, official=official).exists():
        raise RuleError(_("%(name)s bukan anggota tim Gesek Ekstrem kecamatan ini.")
                        % {"name": official.name})
    with transaction.atomic():
        assignment = (Assignment.objects.for_area(entry.desa_id).select_for_update()
                      .filter(entry=entry).first())
        before = assignment.official_id if assignment else None
        if assignment is None:
            assignment = Assignment(entry=entry, desa_id=entry.desa_id,
                                    kecamatan_id=entry.kecamatan_id)
        assignment.official, assignment.method, assignment.assigned_by = official, "manual", actor
        assignment.distance_km = _distance_km(entry.desa_id, official.base_id)
        assignment.save()
        log_event("gesek.assignment.changed", actor=actor, obj=assignment,
                  area_code=entry.desa_id,
                  data={"entry": entry.pk, "before": before, "after": official.pk,
                        "why": why})
    return assignment


def _distance_km(desa_code: str, base_code: str) -> float:
    """Desa centroid to the official's base (0 when either has no boundary)."""
    centroids = boundaries.desa_centroids()
    home, base = geo.centroid(desa_code, centroids), geo.centroid(base_code, centroids)
    return round(geo.haversine_km(home, base), 2) if home and base else 0.0


def _official_for(actor: Any, entry: TargetListEntry) -> Official:
    """The acting official, who must be the family's pendamping (the admin may act too)."""
    official = getattr(actor, "official", None)
    assigned = (Assignment.objects.for_area(entry.desa_id).filter(entry=entry)
                .select_related("official").first())
    if roles.can_manage_gesek(actor) and assigned is not None:
        return assigned.official
    if official is None or assigned is None or assigned.official_id != official.pk:
        raise RuleError(_("Keluarga ini tidak didampingi oleh Anda."))
    return official


@write_service()
def record_visit(entry: TargetListEntry, *, actor: Any, visited_on: date, notes: str = "",
                 photo: UploadedFile | None = None, latitude: Decimal | None = None,
                 longitude: Decimal | None = None) -> Visit:
    official = _official_for(actor, entry)
    if visited_on > timezone.localdate():
        raise RuleError(("visited_on", _("Tanggal kunjungan tidak boleh di masa depan.")))
    prepared = resized_photo(photo) if photo else None
    with transaction.atomic():
        visit = Visit(entry=entry, official=official, desa_id=entry.desa_id,
                      kecamatan_id=entry.kecamatan_id, visited_on=visited_on, notes=notes,
                      latitude=latitude, longitude=longitude, created_by=actor)
        if prepared:
            visit.photo.save(prepared[0].name, prepared[0], save=False)
        visit.save()
        log_event("gesek.visit.recorded", actor=actor, obj=visit, area_code=entry.desa_id,
                  data={"entry": entry.pk, "visited_on": visited_on.isoformat(),
                        "photo": bool(prepared), "gps": latitude is not None})
    return visit


@write_service()
def record_need(entry: TargetListEntry, kind: str, *, actor: Any, note: str = "") -> Need:
    """A need of the family; it is referred at once to the agency whose programme meets it."""
    from tepat.interventions.models import Programme

    _official_for(actor, entry)
    if kind not in NEED_KINDS:
        raise RuleError(("kind", _("Jenis kebutuhan tidak dikenal.")))
    programme = (Programme.objects.filter(kind=kind).select_related("agency")
                 .order_by("-year", "pk").first())
    with transaction.atomic():
        need, created = Need.objects.for_area(entry.desa_id).select_for_update().get_or_create(
            entry=entry, kind=kind,
            defaults=dict(strategy=NEED_KINDS[kind].strategy, desa_id=entry.desa_id,
                          kecamatan_id=entry.kecamatan_id, recorded_by=actor))
        if not created and need.status == NeedStatus.MET:
            raise RuleError(_("Kebutuhan ini sudah terpenuhi."))
        need.note = note or need.note
        if programme is not None:
            need.referred_to, need.status = programme.agency, NeedStatus.REFERRED
        need.save()
        log_event("gesek.need.recorded", actor=actor, obj=need, area_code=entry.desa_id,
                  data={"entry": entry.pk, "kind": kind, "created": created,
                        "referred_to": programme.agency.code if programme else None})
    return need


@dataclass
class OfficialData:
    nip: str
    name: str
    position: str
    eselon: str
    agency: Agency
    base_code: str
    active: bool = True


@write_service()
def save_official(data: OfficialData, *, actor: Any, official: Official | None = None,
                  ) -> Official:
    """Enter or correct one official by hand (the Excel import does many at once)."""
    from tepat.gesek.importing import Bad, parse_nip

    _require_admin(actor)
    problems = []
    try:
        nip = parse_nip(data.nip.strip())
    except Bad as bad:
        nip = ""
        problems.append(("nip", bad.message_id))
    if nip and Official.objects.filter(nip=nip).exclude(
            pk=official.pk if official else None).exists():
        problems.append(("nip", _("NIP ini sudah terdaftar untuk pejabat lain.")))
    if not data.name.strip():
        problems.append(("name", _("Nama pejabat harus diisi.")))
    problems += formula_problems("name", _("Nama (dengan gelar)"), data.name)
    problems += formula_problems("position", _("Jabatan"), data.position)
    if data.eselon not in ESELON:
        problems.append(("eselon", _("Eselon harus II, III atau IV.")))
    if not Region.objects.filter(code=data.base_code, level="desa").exists():
        problems.append(("base_code", _("Lokasi kantor harus desa/kelurahan di kabupaten ini.")))
    if problems:
        raise RuleError(*problems)
    with transaction.atomic():
        before = None if official is None else {
            "nip": official.nip, "name": official.name, "eselon": official.eselon,
            "agency": official.agency_id, "base": official.base_id, "active": official.active}
        official = official or Official()
        official.nip, official.name, official.position = nip, data.name.strip(), data.position
        official.eselon, official.agency, official.base_id = data.eselon, data.agency, \
            data.base_code
        official.active = data.active
        official.save()
        log_event("gesek.official.saved", actor=actor, obj=official,
                  data={"before": before, "after": {
                      "nip": nip, "name": official.name, "eselon": official.eselon,
                      "agency": data.agency.pk, "base": data.base_code,
                      "active": official.active}})
    return official

"""Programme and intervention writes. An OPD operator manages only their own agency's
programmes; the admin kabupaten manages all. Beneficiary lists from Excel are in `matching.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tepat.accounts import roles
from tepat.audit.services import EACH, log_event, log_events, write_service
from tepat.core.strategies import FUNDING_SOURCES, NEED_KINDS
from tepat.gesek.models import Agency, Need, NeedStatus
from tepat.gesek.selectors import agency_of, current_target_list
from tepat.interventions.models import Intervention, InterventionStatus, Programme
from tepat.registry.models import Family, Person
from tepat.verification.errors import RuleError, formula_problems


def require_programme_manager(actor: Any, agency: Agency) -> None:
    """The admin kabupaten, or an OPD operator of this very agency."""
    if not roles.can_manage_programmes(actor):
        raise RuleError(_("Peran Anda tidak boleh mengelola program."))
    if not roles.can_manage_gesek(actor) and agency_of(actor) != agency:
        raise RuleError(_("Anda hanya boleh mengelola program %(agency)s.")
                        % {"agency": agency_of(actor) or _("instansi Anda")})


@dataclass
class ProgrammeData:
    name: str
    agency: Agency
    kind: str
    funding: str
    unit_cost: Decimal
    year: int
    desil_max: int | None = None
    capacity: int | None = None
    budget: Decimal | None = None


@write_service()
def save_programme(data: ProgrammeData, *, actor: Any, programme: Programme | None = None,
                   ) -> Programme:
    require_programme_manager(actor, data.agency)
    problems = []
    if not data.name.strip():
        problems.append(("name", _("Nama program harus diisi.")))
    problems += formula_problems("name", _("Nama program"), data.name)
    if data.kind not in NEED_KINDS:
        problems.append(("kind", _("Jenis bantuan tidak dikenal.")))
    if data.funding not in FUNDING_SOURCES:
        problems.append(("funding", _("Sumber dana tidak dikenal.")))
    if data.unit_cost is None or data.unit_cost < 0:
        problems.append(("unit_cost", _("Biaya satuan harus 0 atau lebih.")))
    if problems:
        raise RuleError(*problems)
    with transaction.atomic():
        before = None
        if programme is None:
            programme = Programme()
        else:
            require_programme_manager(actor, programme.agency)
            before = {"name": programme.name, "unit_cost": str(programme.unit_cost),
                      "capacity": programme.capacity, "budget": str(programme.budget)}
        for name, value in data.__dict__.items():
            setattr(programme, name, value)
        programme.strategy = NEED_KINDS[data.kind].strategy
        programme.save()
        log_event("interventions.programme.saved", actor=actor, obj=programme,
                  data={"before": before, "name": programme.name, "agency": data.agency.code,
                        "kind": data.kind, "unit_cost": str(data.unit_cost)})
    return programme


def _mark_needs_met(intervention: Intervention) -> int:
    """The family's open or referred needs of the programme's kind on the current target list
    are met by this delivered intervention (inside the intervention's transaction)."""
    target_list = current_target_list()
    if target_list is None or intervention.status != InterventionStatus.DELIVERED:
        return 0
    return Need.objects.unscoped("service: the needs of the aided family, by its id").filter(
        entry__target_list=target_list, entry__family_id=intervention.family_id,
        kind=intervention.programme.kind,
    ).exclude(status=NeedStatus.MET).update(status=NeedStatus.MET, met_by=intervention)


@write_service()
def add_intervention(programme: Programme, family: Family, *, actor: Any, delivered_on: date,
                     amount: Decimal | None = None, quantity: Decimal = Decimal(1),
                     person: Person | None = None,
                     status: str = InterventionStatus.DELIVERED, upload: Any = None,
                     ) -> Intervention:
    """One aid to a family (or a member), written with its audit event."""
    require_programme_manager(actor, programme.agency)
    if person is not None and person.family_id != family.pk:
        raise RuleError(_("Penerima bukan anggota keluarga ini."))
    with transaction.atomic():
        intervention = Intervention.objects.create(
            programme=programme, family=family, person=person, desa_id=family.desa_id,
            kecamatan_id=family.kecamatan_id, delivered_on=delivered_on, quantity=quantity,
            amount=programme.unit_cost * quantity if amount is None else amount, status=status,
            upload=upload, created_by=actor)
        met = _mark_needs_met(intervention)
        log_event("interventions.intervention.added", actor=actor, obj=intervention,
                  area_code=family.desa_id,
                  data={"programme": programme.pk, "family": family.pk,
                        "person": person.pk if person else None, "amount": str(intervention.amount),
                        "status": status, "needs_met": met,
                        "upload": upload.pk if upload is not None else None})
    return intervention


@dataclass(frozen=True)
class Delivery:
    """One aid of a batch (an agency's beneficiary list)."""

    family: Family
    delivered_on: date
    amount: Decimal | None = None
    person: Person | None = None


@write_service(EACH)
def add_interventions(programme: Programme, deliveries: list[Delivery], *, actor: Any,
                      upload: Any = None) -> list[Intervention]:
    """Many delivered aids of one programme at once (inside the caller's transaction or its
    own): one insert, one audit event per intervention, the needs they meet marked in bulk."""
    require_programme_manager(actor, programme.agency)
    for d in deliveries:
        if d.person is not None and d.person.family_id != d.family.pk:
            raise RuleError(_("Penerima bukan anggota keluarga ini."))
    with transaction.atomic():
        interventions = Intervention.objects.bulk_create([
            Intervention(programme=programme, family=d.family, person=d.person,
                         desa_id=d.family.desa_id, kecamatan_id=d.family.kecamatan_id,
                         delivered_on=d.delivered_on, quantity=Decimal(1),
                         amount=programme.unit_cost if d.amount is None else d.amount,
                         status=InterventionStatus.DELIVERED, upload=upload, created_by=actor)
            for d in deliveries], batch_size=2000)
        met = _mark_needs_met_in_bulk(programme, interventions)
        log_events("interventions.intervention.added", actor=actor, objects=[
            (i, i.desa_id, {"programme": programme.pk, "family": i.family_id,
                            "person": i.person_id, "amount": str(i.amount),
                            "status": i.status, "needs_met": met.get(i.family_id, 0),
                            "upload": upload.pk if upload is not None else None})
            for i in interventions])
    return interventions


def _mark_needs_met_in_bulk(programme: Programme,
                            interventions: list[Intervention]) -> dict[int, int]:
    """Like `mark_needs_met` for a batch: family id → needs it met."""
    target_list = current_target_list()
    if target_list is None or not interventions:
        return {}
    first = {}
    for i in interventions:
        first.setdefault(i.family_id, i)
    needs = list(Need.objects.unscoped("service: the needs of the aided families, by id").filter(
        entry__target_list=target_list, entry__family_id__in=list(first), kind=programme.kind,
    ).exclude(status=NeedStatus.MET).select_related("entry"))
    met: dict[int, int] = {}
    for need in needs:
        need.status, need.met_by = NeedStatus.MET, first[need.entry.family_id]
        met[need.entry.family_id] = met.get(need.entry.family_id, 0) + 1
    Need.objects.unscoped("service: the needs just read, by id").bulk_update(
        needs, ["status", "met_by"], batch_size=2000)
    return met

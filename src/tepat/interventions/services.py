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
from tepat.audit.services import log_event
from tepat.core.strategies import FUNDING_SOURCES, NEED_KINDS
from tepat.gesek.models import Agency, Need, NeedStatus
from tepat.gesek.selectors import agency_of, current_target_list
from tepat.interventions.models import Intervention, InterventionStatus, Programme
from tepat.registry.models import Family, Person
from tepat.verification.errors import RuleError


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


def save_programme(data: ProgrammeData, *, actor: Any, programme: Programme | None = None,
                   ) -> Programme:
    require_programme_manager(actor, data.agency)
    problems = []
    if not data.name.strip():
        problems.append(("name", _("Nama program harus diisi.")))
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


def mark_needs_met(intervention: Intervention) -> int:
    """The family's open or referred needs of the programme's kind on the current target list
    are met by this delivered intervention (inside the intervention's transaction)."""
    target_list = current_target_list()
    if target_list is None or intervention.status != InterventionStatus.DELIVERED:
        return 0
    return Need.objects.filter(
        entry__target_list=target_list, entry__family_id=intervention.family_id,
        kind=intervention.programme.kind,
    ).exclude(status=NeedStatus.MET).update(status=NeedStatus.MET, met_by=intervention)


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
        met = mark_needs_met(intervention)
        log_event("interventions.intervention.added", actor=actor, obj=intervention,
                  area_code=family.desa_id,
                  data={"programme": programme.pk, "family": family.pk,
                        "person": person.pk if person else None, "amount": str(intervention.amount),
                        "status": status, "needs_met": met,
                        "upload": upload.pk if upload is not None else None})
    return intervention

"""Gesek Ekstrem for `tepat demo`, through the same services the users call: the agencies of the
regency, a team of echelon officials per kecamatan, every family of the current target list
assigned by the solver, visits and needs (more in some kecamatan than others), programmes of
several agencies and funding sources, interventions with gaps, double aid and aid that missed
the list."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tepat.gesek import services
from tepat.gesek.models import Agency, Official
from tepat.gesek.selectors import current_target_list
from tepat.interventions.services import ProgrammeData, add_intervention, save_programme
from tepat.regions.models import Region
from tepat.registry.models import Family
from tepat.synth import names
from tepat.verification.models import TargetListEntry

TITLES = ("Drs.", "Ir.", "H.", "Dr.", "", "", "")
DEGREES = (", S.Sos.", ", M.Si.", ", S.H.", ", S.T.", ", M.M.", ", S.E.", ", S.Pd.", "")
# (agency code, programme, need kind, funding, unit cost Rp, capacity families)
PROGRAMMES = (
    ("dinsos", "PKH (pendampingan daerah)", "PKH", "APBN", 3_000_000, 2500),
    ("dinsos", "BPNT / Sembako", "SEMBAKO", "APBN", 2_400_000, 3000),
    ("dinkes", "PBI-JK APBD", "PBI_JK", "APBD_KAB", 504_000, 4000),
    ("dindik", "PIP / KIP daerah", "PIP", "APBD_KAB", 750_000, 900),
    ("disnaker", "Pelatihan kerja berbasis kompetensi", "PELATIHAN", "APBD_PROV", 2_500_000, 300),
    ("diskopumkm", "Modal usaha mikro", "MODAL", "APBD_KAB", 5_000_000, 250),
    ("disnaker", "Penempatan kerja", "KERJA", "APBD_KAB", 1_000_000, 150),
    ("perkim", "Bedah rumah (RTLH)", "RTLH", "APBD_KAB", 20_000_000, 180),
    ("baznas", "Bedah rumah Baznas", "RTLH", "CSR", 15_000_000, 60),
    ("dinkes", "Jamban sehat", "JAMBAN", "DANA_DESA", 3_500_000, 600),
    ("pupr", "Sambungan air bersih", "AIR", "APBD_KAB", 2_000_000, 500),
    ("esdm", "Sambungan listrik gratis", "LISTRIK", "CSR", 1_500_000, 400),
)
NEEDS_BY_DESIL = ("PBI_JK", "PKH", "SEMBAKO", "RTLH", "JAMBAN", "AIR", "PIP", "MODAL",
                  "PELATIHAN", "LISTRIK", "KERJA")


def _name(rng: random.Random) -> str:
    first = rng.choice(names.MODERN_MALE_FIRST[:40] + names.ARABIC_MALE_FIRST[:20])
    last = rng.choice(names.JAVANESE_MALE[:60] + names.ARABIC_MALE_LAST[:30])
    return f"{rng.choice(TITLES)} {first.title()} {last.title()}{rng.choice(DEGREES)}".strip()


def _nip(rng: random.Random, serial: int) -> str:
    born = date(1966, 1, 1) + timedelta(days=rng.randint(0, 365 * 18))
    appointed = born.year + rng.randint(22, 30)
    return f"{born:%Y%m%d}{appointed}{rng.randint(1, 12):02d}{rng.randint(1, 2)}{serial:03d}"


def _officials(kecamatan: list[Region], agencies: list[Agency], rng: random.Random,
               ) -> dict[str, list[Official]]:
    teams, serial = {}, 0
    for k in kecamatan:
        desa = list(Region.objects.filter(parent=k).order_by("code"))
        office = Agency.objects.filter(code=f"kec-{k.code.replace('.', '')}").first()
        team = []
        for position, eselon in [("Kepala", "II")] + [("Kepala Bidang", "III")] * rng.randint(
                2, 4) + [("Kepala Seksi", "IV")] * rng.randint(2, 4):
            serial += 1
            agency = office if (eselon == "IV" and office and rng.random() < 0.5) else \
                rng.choice(agencies)
            base = rng.choice(desa) if agency == office else desa[0]
            team.append(Official.objects.create(
                nip=_nip(rng, serial), name=_name(rng), position=f"{position} {agency.name}",
                eselon=eselon, agency=agency, base=base))
        teams[k.code] = team
    return teams


def build(admin: Any, *, pejabat_user: Any = None, seed: int = 2024,
          echo: Callable[[str], None] = print) -> None:
    from tepat.gesek.assigning import auto_assign
    from tepat.gesek.importing import ensure_agencies, regency_agencies

    target_list = current_target_list()
    if target_list is None:
        return
    rng = random.Random(seed)
    ensure_agencies(regency_agencies())
    agencies = list(Agency.objects.exclude(code__startswith="kec-"))
    kecamatan = list(Region.objects.filter(level="kecamatan").order_by("code"))
    teams = _officials(kecamatan, agencies, rng)
    for code, team in teams.items():
        services.set_team(code, coordinator=team[0], members=team[1:], actor=admin)
    if pejabat_user is not None:
        official = teams.get(pejabat_user.area_id, [None, None])[1]
        if official is not None:
            official.user = pejabat_user
            official.save(update_fields=["user"])
    report = auto_assign(target_list, actor=admin)
    echo(f"Gesek Ekstrem: {sum(len(t) for t in teams.values())} pejabat di "
         f"{len(teams)} tim kecamatan; {report.assigned:,} keluarga ditugaskan "
         f"({report.solve_seconds:.2f} s)")
    programmes = _programmes(admin, target_list.year)
    echo(_field_work(target_list, programmes, admin, rng))
    from tepat.interventions.planning import plan_from_db

    plan = plan_from_db(target_list).optimal
    echo(f"Rencana anggaran (tepat plan): {plan.families_served:,} keluarga terlayani, "
         f"Rp {plan.cost:,} ({plan.status})")


def _programmes(admin: Any, year: int) -> dict[str, list]:
    made: dict[str, list] = {}
    for code, name, kind, funding, cost, capacity in PROGRAMMES:
        agency = Agency.objects.filter(code=code).first() or Agency.objects.first()
        programme = save_programme(ProgrammeData(
            name, agency, kind, funding, Decimal(cost), year, desil_max=4, capacity=capacity,
            budget=Decimal(cost) * capacity), actor=admin)
        made.setdefault(kind, []).append(programme)
    return made


def _field_work(target_list, programmes: dict[str, list], admin: Any,
                rng: random.Random) -> str:
    """Visits and needs in a share of each kecamatan, aid for part of the needs, a few double
    aids (RTLH from Perkim and from Baznas), and aid to families not on the list."""
    today = timezone.localdate()
    share = {k: rng.choice((0.1, 0.25, 0.4, 0.6, 0.8)) for k in
             TargetListEntry.objects.for_user(admin).filter(target_list=target_list)
             .values_list("kecamatan_id", flat=True).distinct()}
    entries = list(TargetListEntry.objects.for_user(admin).filter(  # with a pendamping
        target_list=target_list, family__isnull=False, assignment__isnull=False,
    ).select_related("family").order_by("pk"))
    visited = needs = aids = doubles = 0
    for entry in entries:
        if rng.random() > share[entry.kecamatan_id]:
            continue
        services.record_visit(entry, actor=admin, visited_on=today - timedelta(
            days=rng.randint(1, 40)), notes="Kunjungan rumah pendampingan")
        visited += 1
        for kind in rng.sample(NEEDS_BY_DESIL[:7], rng.randint(1, 3)):
            services.record_need(entry, kind, actor=admin)
            needs += 1
            if rng.random() < 0.55:
                programme = programmes[kind][0]
                add_intervention(programme, entry.family, actor=admin,
                                 delivered_on=today - timedelta(days=rng.randint(0, 20)))
                aids += 1
                if kind == "RTLH" and len(programmes[kind]) > 1 and rng.random() < 0.3:
                    add_intervention(programmes[kind][1], entry.family, actor=admin,
                                     delivered_on=today - timedelta(days=rng.randint(0, 20)))
                    doubles += 1
    outside = list(Family.objects.for_user(admin).filter(source="p3ke", desil__in=[3, 4])
                   .order_by("pk")[:150])
    for family in outside:  # aid that missed the list: the inclusion error of the programmes
        add_intervention(rng.choice(programmes["PKH"] + programmes["SEMBAKO"]), family,
                         actor=admin, delivered_on=today - timedelta(days=rng.randint(0, 60)))
    return (f"Kunjungan {visited:,}, kebutuhan {needs:,}, intervensi {aids + doubles:,} "
            f"(bantuan ganda {doubles}), {len(outside)} intervensi di luar daftar sasaran")

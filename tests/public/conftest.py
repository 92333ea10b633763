"""The public dashboard's world: three kecamatan in the campaign, one of them tiny.

`public_world` (built through the services, on top of tests/conftest.py's registry):

    Tegalsiwalan (35.13.20)  23 keluarga of P3KE desil 1 (Malesanwetan 2, Gunungbekel 21)
    Leces        (35.13.05)   8 keluarga (Malasankulon)
    Sukapura     (35.13.01)   1 keluarga (Poniti, Ngadisari): below 5, must be hidden

Verified (submitted): Malesanwetan: Sutrisno MAMPU; Gunungbekel: 10 LAYAK + 6 MAMPU;
Malasankulon: 6 LAYAK; Ngadisari: Poniti MAMPU. Some results carry coordinates.
The target list (the same 22 keluarga) and PKH delivered to 7 families of Tegalsiwalan and to
Poniti.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

GUNUNGBEKEL, MALESANWETAN, NGADISARI = "35.13.20.2002", "35.13.20.2001", "35.13.01.2001"
MALASANKULON = "35.13.05.2001"
TEGALSIWALAN, SUKAPURA, LECES = "35.13.20", "35.13.01", "35.13.05"
COORDINATES = [(Decimal("-7.812345"), Decimal("113.245678")),
               (Decimal("-7.823456"), Decimal("113.256789")),
               (Decimal("-7.911111"), Decimal("112.966666"))]


@dataclass
class PublicWorld:
    campaign: Any
    target_list: Any
    registry: Any
    coordinates: list[tuple[Decimal, Decimal]] = field(default_factory=list)

    def secrets(self) -> set[str]:
        """Every name, NIK, KK, address and coordinate of the registry's families and persons."""
        found: set[str] = set(self.registry.numbers)
        for family in self.registry.all_families:
            found |= {family.kepala_keluarga, family.alamat, family.source_family_id}
        for person in self.registry.persons:
            found |= {person.nama, person.source_person_id}
        for lat, lng in self.coordinates:
            found |= {str(lat), str(lng), str(lat).replace(".", ","),
                      str(lng).replace(".", ",")}
        return {s for s in found if s}


def _operator(desa: str) -> Any:
    from tepat.accounts.models import User

    return User.objects.create(username=f"op.{desa}", role="operator_desa", area_id=desa)


@pytest.fixture
def public_world(request, more_families, registry, users) -> PublicWorld:
    from tepat.registry.models import Family
    from tepat.verification import services as s
    from tepat.verification.models import Verification

    more_families(GUNUNGBEKEL, 80)  # 20 of desil 1
    more_families(MALASANKULON, 32)  # 8 of desil 1
    campaign = request.getfixturevalue("campaign")
    target_list = request.getfixturevalue("target_list")

    def verify(family: Any, outcome: str, actor: Any, coordinates=None) -> None:
        v = Verification.objects.get(campaign=campaign, family=family)
        lat, lng = coordinates or (None, None)
        findings = s.Findings(outcome=outcome, reason="ASN" if outcome == "MAMPU" else "",
                              latitude=lat, longitude=lng)
        s.save_verification(v.pk, findings, actor=actor, expected_version=v.version,
                            submit=True)

    desil1 = Family.objects.filter(source="p3ke", desil=1).order_by("pk")
    verify(registry.families[MALESANWETAN][0], "MAMPU", users.operator_desa, COORDINATES[0])
    gunungbekel = list(desil1.filter(desa_id=GUNUNGBEKEL))
    for i, family in enumerate(gunungbekel[:16]):
        verify(family, "MAMPU" if i < 6 else "LAYAK", users.operator_desa_sibling,
               COORDINATES[1] if i == 0 else None)
    leces = _operator(MALASANKULON)
    for family in list(desil1.filter(desa_id=MALASANKULON))[:6]:
        verify(family, "LAYAK", leces)
    verify(registry.families[NGADISARI][0], "MAMPU", _operator(NGADISARI), COORDINATES[2])
    _deliver(request, users, desil1)
    return PublicWorld(campaign, target_list, registry, list(COORDINATES))


def _deliver(request, users, desil1) -> None:
    from tepat.interventions.services import add_intervention

    gesek = request.getfixturevalue("gesek")
    pkh = gesek.programmes["PKH"]
    served = list(desil1.filter(kecamatan_id=TEGALSIWALAN)[:7])
    served.append(desil1.get(desa_id=NGADISARI))
    for family in served:
        add_intervention(pkh, family, actor=users.admin, delivered_on=date(2024, 5, 2))

"""The user's area and the kecamatan and desa inside it, for filters, tables and maps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from tepat.regions.models import Level, Region

KABUPATEN, KECAMATAN, DESA = "kabupaten", "kecamatan", "desa"
_LEVEL_BY_DOTS = {0: "provinsi", 1: KABUPATEN, 2: KECAMATAN, 3: DESA}


@dataclass(frozen=True)
class Area:
    code: str | None
    level: str | None
    kecamatan: list[Region] = field(default_factory=list)
    desa: list[Region] = field(default_factory=list)

    @property
    def unit_level(self) -> str:
        """What the dashboard counts by: kecamatan for a kabupaten, desa below it."""
        return KECAMATAN if self.level in {"provinsi", KABUPATEN} else DESA

    @property
    def units(self) -> list[Region]:
        return self.kecamatan if self.unit_level == KECAMATAN else self.desa


def level_of(code: str | None) -> str | None:
    return _LEVEL_BY_DOTS.get(code.count(".")) if code else None


def area_of(user: Any) -> Area:
    """The user's area with its kecamatan and desa (one query); no area gives an empty Area.

    A desa operator gets their desa and the kecamatan it belongs to.
    """
    code = getattr(user, "area_id", None)
    if not code:
        return Area(None, None)
    wanted = Q(code=code) | Q(code__startswith=code + ".")
    if level_of(code) == DESA:
        wanted |= Q(code=code.rsplit(".", 1)[0])
    regions = list(
        Region.objects.filter(wanted, level__in=[Level.KECAMATAN, Level.DESA]).order_by("code")
    )
    return Area(
        code=code,
        level=level_of(code),
        kecamatan=[r for r in regions if r.level == Level.KECAMATAN],
        desa=[r for r in regions if r.level == Level.DESA],
    )

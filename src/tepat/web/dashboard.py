"""The dashboard's numbers: families (keluarga) and persons (jiwa) of the user's area by
kecamatan or desa and by desil, read from the pre-aggregated DesaStat rows (never from the
Family table: a regency has ~150k families)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum

from tepat.registry.models import DesaStat, Source
from tepat.web.areas import KECAMATAN, Area

# Which source the dashboard opens on when several are loaded: DTSEN is the single national
# source since Inpres 4/2025; P3KE before it.
SOURCE_PREFERENCE = (Source.DTSEN, Source.P3KE, Source.DTKS, Source.LOCAL)


@dataclass
class UnitRow:
    code: str
    name: str
    families: int = 0
    persons: int = 0
    flagged: int = 0
    absent_families: int = 0  # "tidak ada di edisi terbaru": not in the counts above
    absent_persons: int = 0
    by_desil: dict[int | None, int] = field(default_factory=dict)


@dataclass
class DesilRow:
    desil: int | None
    families: int = 0
    persons: int = 0


@dataclass
class Summary:
    sources: list[str]
    source: str | None
    unit_level: str
    units: list[UnitRow]
    desils: list[DesilRow]

    @property
    def families(self) -> int:
        return sum(u.families for u in self.units)

    @property
    def persons(self) -> int:
        return sum(u.persons for u in self.units)

    @property
    def flagged(self) -> int:
        return sum(u.flagged for u in self.units)

    @property
    def absent_families(self) -> int:
        return sum(u.absent_families for u in self.units)

    @property
    def absent_persons(self) -> int:
        return sum(u.absent_persons for u in self.units)

    @property
    def values(self) -> dict[str, int]:
        """Families per unit code, for the map."""
        return {u.code: u.families for u in self.units}

    def series(self) -> dict[int | None, list[int]]:
        """Families per desil (desil -> one count per unit, in unit order), for the chart."""
        return {d.desil: [u.by_desil.get(d.desil, 0) for u in self.units] for d in self.desils}


def choose_source(present: list[str], requested: str | None) -> str | None:
    if requested in present:
        return requested
    return next((s for s in SOURCE_PREFERENCE if s in present), present[0] if present else None)


def _desil_key(desil: int | None) -> tuple[bool, int]:
    return (desil is None, desil or 0)


def summarize(user: Any, area: Area, requested_source: str | None) -> Summary:
    stats = DesaStat.objects.for_user(user)
    present = sorted(stats.values_list("source", flat=True).order_by().distinct())
    source = choose_source(present, requested_source)
    group = "kecamatan_id" if area.unit_level == KECAMATAN else "desa_id"
    units = {r.code: UnitRow(r.code, r.name) for r in area.units}
    desils: dict[int | None, DesilRow] = {}
    rows = (
        stats.filter(source=source)
        .values(group, "desil")
        .annotate(f=Sum("families"), p=Sum("persons"), x=Sum("flagged_families"),
                  af=Sum("absent_families"), ap=Sum("absent_persons"))
        .order_by()
    )
    for row in rows:
        unit = units.get(row[group])
        if unit is None:  # a stat row for a region the region table does not list
            unit = units[row[group]] = UnitRow(row[group], row[group])
        unit.families += row["f"]
        unit.persons += row["p"]
        unit.flagged += row["x"]
        unit.absent_families += row["af"]
        unit.absent_persons += row["ap"]
        unit.by_desil[row["desil"]] = unit.by_desil.get(row["desil"], 0) + row["f"]
        desil = desils.setdefault(row["desil"], DesilRow(row["desil"]))
        desil.families += row["f"]
        desil.persons += row["p"]
    return Summary(
        sources=present,
        source=source,
        unit_level=area.unit_level,
        units=list(units.values()),
        desils=[desils[k] for k in sorted(desils, key=_desil_key)],
    )



"""Loading regions of one kabupaten from the packaged national table."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from tepat.audit.services import log_event, write_service
from tepat.core.regions import RegionTable, national_table
from tepat.regions.models import Level, Region


@dataclass(frozen=True)
class LoadResult:
    kabupaten: str
    kecamatan: int
    desa: int
    kelurahan: int
    created: int
    updated: int


class UnknownKabupaten(ValueError):
    pass


def _chain(table: RegionTable, kabupaten_code: str) -> list[Region]:
    """Province, kabupaten and every kecamatan and desa below it, parents first."""
    province = kabupaten_code.split(".")[0]
    codes = [province, kabupaten_code] + sorted(r.code for r in table.descendants(kabupaten_code))
    rows = []
    for code in codes:
        region = table.get(code)
        assert region is not None
        rows.append(
            Region(
                code=code,
                name=region.name,
                level=region.level,
                parent_id=region.parent_code,
                is_kelurahan=region.is_kelurahan,
            )
        )
    return rows


@transaction.atomic
@write_service()
def load_kabupaten(kabupaten_code: str, *, actor=None) -> LoadResult:
    table = national_table()
    kab = table.get(kabupaten_code)
    if kab is None or kab.level != "kabupaten":
        raise UnknownKabupaten(
            f"Kode kabupaten/kota {kabupaten_code!r} tidak ada di tabel Kemendagri 2025 / "
            f"no such kabupaten/kota code in the Kemendagri 2025 table"
        )
    rows = _chain(table, kabupaten_code)
    existing = set(
        Region.objects.filter(code__in=[r.code for r in rows]).values_list("code", flat=True)
    )
    Region.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "level", "parent", "is_kelurahan"],
        batch_size=500,
    )
    desa = [r for r in rows if r.level == Level.DESA]
    result = LoadResult(
        kabupaten=f"{kab.name} ({kab.code})",
        kecamatan=sum(1 for r in rows if r.level == Level.KECAMATAN),
        desa=sum(1 for r in desa if not r.is_kelurahan),
        kelurahan=sum(1 for r in desa if r.is_kelurahan),
        created=len(rows) - len(existing),
        updated=len(existing),
    )
    log_event(
        "regions.kabupaten.loaded", actor=actor, area_code=kabupaten_code, data=result.__dict__
    )
    return result

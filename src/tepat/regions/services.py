"""Loading regions of one kabupaten from the packaged national table."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from tepat.audit.services import ONE_IF_CHANGED, log_event, write_service
from tepat.core.regions import RegionTable, national_table
from tepat.regions.models import Instance, Level, Region


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


class RegencyRefused(ValueError):
    """The instance's kabupaten cannot be set (bilingual message)."""


@transaction.atomic
@write_service(events=ONE_IF_CHANGED)
def set_regency(kabupaten_code: str, *, actor=None) -> bool:
    """Make `kabupaten_code` the kabupaten/kota this instance serves (its regions must be
    loaded). True when it changed. (`tepat setup` refuses first when the registry holds
    families of another kabupaten.)"""
    from tepat.regions import selectors

    kab = Region.objects.filter(code=kabupaten_code, level=Level.KABUPATEN).first()
    if kab is None:
        raise RegencyRefused(
            f"Wilayah kabupaten/kota {kabupaten_code!r} belum dimuat (tepat regions load) / "
            f"the regions of kabupaten/kota {kabupaten_code!r} are not loaded")
    current = Instance.objects.filter(pk=1).values_list("kabupaten_id", flat=True).first()
    if current == kabupaten_code:
        return False
    Instance.objects.update_or_create(pk=1, defaults={"kabupaten": kab})
    log_event("regions.instance.regency_set", actor=actor, area_code=kabupaten_code,
              data={"kabupaten": kabupaten_code, "name": kab.name, "previous": current or ""})
    transaction.on_commit(selectors.forget)
    selectors.forget()
    return True


class BoundariesRefused(ValueError):
    """An admin's desa layer failed its checks: `problems` name each feature."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class BoundariesResult:
    kabupaten: str
    features: int
    missing: tuple[str, ...]
    path: str


@transaction.atomic
@write_service()
def load_desa_boundaries(raw: bytes, *, actor=None, source_name: str = "") -> BoundariesResult:
    """Check an admin's desa GeoJSON against the desa of the instance and keep it in the
    media folder (`boundaries/<kab>_desa.geojson`), where maps and distances take it over
    the packaged layer. All or nothing: one bad feature refuses the file."""
    import json

    from tepat.core.boundaries import check_desa_layer
    from tepat.regions import boundaries, selectors

    kab = selectors.regency()
    desa = selectors.desa_names(kab)
    if not desa:
        raise BoundariesRefused([
            f"Wilayah {kab} belum dimuat (tepat setup --kabupaten {kab}) / the regions of "
            f"{kab} are not loaded"])
    checked = check_desa_layer(raw, desa)
    if checked.problems:
        raise BoundariesRefused([f"{source_name or 'GeoJSON'}, {p}" for p in checked.problems])
    path = boundaries.admin_desa_path(kab)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(checked.layer, ensure_ascii=False, separators=(",", ":")),
                   encoding="utf-8")
    tmp.replace(path)
    boundaries.forget()
    result = BoundariesResult(kabupaten=kab, features=len(checked.layer["features"]),
                              missing=checked.missing, path=str(path))
    log_event("regions.boundaries.loaded", actor=actor, area_code=kab,
              data={"features": result.features, "missing": len(result.missing),
                    "file": source_name})
    return result

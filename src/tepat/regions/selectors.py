"""Reads of the instance's regions: the one kabupaten/kota it serves.

    regency() -> str              the instance's kabupaten code ('35.13' until set-up says else)
    regency_name() -> str         its name from the Region table ('Kabupaten Probolinggo')
    kecamatan() -> list[Region]   its kecamatan, by code
    desa_names() -> {code: name}  its desa/kelurahan

The code is read once per process and kept (pages read it on every request; the query-count
tests must not see it): `tepat setup` runs before the server starts, and `forget()` (called by
the service that changes it, and by the test suite after each test) drops what was kept.
"""

from __future__ import annotations

from django.db import DatabaseError

from tepat.core.regions import DEFAULT_KABUPATEN, national_table
from tepat.regions.models import Instance, Level, Region

_kept: dict[str, str] = {}


def forget() -> None:
    _kept.clear()


def regency() -> str:
    """The dotted code of the kabupaten/kota this instance serves."""
    if "code" not in _kept:
        try:
            code = Instance.objects.filter(pk=1).values_list("kabupaten_id", flat=True).first()
        except DatabaseError:  # before `migrate`
            return DEFAULT_KABUPATEN
        _kept["code"] = code or DEFAULT_KABUPATEN
    return _kept["code"]


def regency_name(code: str | None = None) -> str:
    """'Kabupaten Probolinggo' / 'Kota Surabaya': the Kemendagri name, with its kind."""
    code = code or regency()
    if "name:" + code not in _kept:
        row = national_table().get(code)
        name = row.name if row else code
        if not name.startswith(("Kabupaten", "Kota", "Kab.")):
            name = f"Kabupaten {name}"
        _kept["name:" + code] = name
    return _kept["name:" + code]


def kecamatan(code: str | None = None) -> list[Region]:
    code = code or regency()
    return list(Region.objects.filter(level=Level.KECAMATAN, code__startswith=code + "."))


def desa_names(code: str | None = None) -> dict[str, str]:
    code = code or regency()
    return dict(Region.objects.filter(level=Level.DESA, code__startswith=code + ".")
                .values_list("code", "name"))


# Kab. Probolinggo's demo areas: Tegalsiwalan ("penurunan data 99.61%" in the founding article)
# and its desa Malesanwetan.
_PROBOLINGGO_DEMO = ("35.13.20", "35.13.20.2001")


def demo_areas(code: str | None = None) -> tuple[str, str]:
    """(kecamatan, desa) the demo's operators work in: Tegalsiwalan and Malesanwetan in Kab.
    Probolinggo; elsewhere the first kecamatan of the regency and its first desa/kelurahan."""
    code = code or regency()
    if code == DEFAULT_KABUPATEN:
        return _PROBOLINGGO_DEMO
    desa = sorted(r.code for r in national_table().descendants(code) if r.level == "desa")
    if not desa:
        raise ValueError(f"no desa/kelurahan under {code!r}")
    return desa[0].rsplit(".", 1)[0], desa[0]

"""The boundary layers in force for this instance's kabupaten/kota (issue 19 §1).

    desa_layer() -> FeatureCollection | None   admin-loaded, else packaged (Jawa Timur), else None
    kecamatan_layer() -> FeatureCollection | None
    has_desa_layer() -> bool                   False: maps fall back to kecamatan level
    desa_centroids() -> {desa code: (lat, lng)}   for distances (Gesek): the layer in force; a
                       desa without a polygon takes its kecamatan's centroid
    centroid(code) -> (lat, lng) | None        a desa, or the mean over a kecamatan/kabupaten

An admin's own desa layer (`tepat regions boundaries FILE`) lives in the media folder as
`boundaries/<kab>_desa.geojson` (backed up with the uploads) and wins over the packaged one.
Everything is read once per process and kept, keyed by the kabupaten and the admin file's path
and modification time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings

from tepat.core import boundaries as packaged
from tepat.core import geo
from tepat.core.boundaries import Layer, Point
from tepat.core.regions import national_table
from tepat.regions.selectors import regency

_kept: dict[tuple, Any] = {}


def forget() -> None:
    _kept.clear()


def admin_desa_path(kabupaten: str) -> Path:
    """In the media folder, so that `tepat backup` and `tepat restore` carry it."""
    return Path(settings.MEDIA_ROOT) / "boundaries" / f"{kabupaten}_desa.geojson"


def _stamp(kabupaten: str) -> tuple[str, float] | None:
    """(path, modification time) of the admin's desa layer, None when there is none."""
    path = admin_desa_path(kabupaten)
    return (str(path), path.stat().st_mtime) if path.exists() else None


def _kept_value(key: tuple, make: Any) -> Any:
    if key not in _kept:
        _kept[key] = make()
    return _kept[key]


def desa_layer_source(kabupaten: str | None = None) -> str:
    """'admin', 'packaged' or '' (no desa layer: kecamatan-level maps)."""
    kab = kabupaten or regency()
    if _stamp(kab):
        return "admin"
    return "packaged" if packaged.packaged_desa_layer(kab) else ""


def desa_layer(kabupaten: str | None = None) -> Layer | None:
    kab = kabupaten or regency()
    stamp = _stamp(kab)

    def read() -> Layer | None:
        if stamp:
            with admin_desa_path(kab).open(encoding="utf-8") as fh:
                return json.load(fh)
        return packaged.packaged_desa_layer(kab)

    return _kept_value(("desa", kab, stamp), read)


def kecamatan_layer(kabupaten: str | None = None) -> Layer | None:
    return packaged.packaged_kecamatan_layer(kabupaten or regency())


def has_desa_layer(kabupaten: str | None = None) -> bool:
    return bool(desa_layer(kabupaten))


def desa_centroids(kabupaten: str | None = None) -> Mapping[str, Point]:
    kab = kabupaten or regency()
    stamp = _stamp(kab)

    def make() -> dict[str, Point]:
        layer = desa_layer(kab)
        found = packaged.centroids(layer) if layer else {}
        kecamatan = kecamatan_layer(kab)
        if kecamatan:  # desa with no polygon of their own sit at their kecamatan's centroid
            around = packaged.centroids(kecamatan)
            for code in (r.code for r in national_table().descendants(kab) if r.level == "desa"):
                if code not in found and code.rsplit(".", 1)[0] in around:
                    found[code] = around[code.rsplit(".", 1)[0]]
        return found

    return _kept_value(("centroids", kab, stamp), make)


def centroid(code: str) -> Point | None:
    return geo.centroid(code, desa_centroids())

"""Boundaries of any kabupaten/kota: the packaged layers, an admin's own desa layer, centroids
and the checks a desa layer must pass (pure, no Django).

Packaged (tepat/data/boundaries, see NOTICE.md; built by scripts/package_boundaries.py):
- Kab. Probolinggo (35.13): `probolinggo_desa.geojson` (with centroids) and
  `probolinggo_kecamatan_from_desa.geojson` (the union of its desa), as before;
- every kab/kota: its kecamatan, one member of `indonesia_kecamatan.zip`;
- every kab/kota of Jawa Timur: its desa/kelurahan, one member of `jatim_desa.zip`.

Elsewhere no desa layer is packaged: maps fall back to kecamatan level until an admin loads one
(`tepat regions boundaries FILE`, checked by `check_desa_layer`).
"""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from tepat.core.regions import data_path

PROBOLINGGO = "35.13"
PROBOLINGGO_DESA = ("boundaries", "probolinggo_desa.geojson")
PROBOLINGGO_KECAMATAN = ("boundaries", "probolinggo_kecamatan_from_desa.geojson")
KECAMATAN_ZIP = ("boundaries", "indonesia_kecamatan.zip")
DESA_ZIP = ("boundaries", "jatim_desa.zip")
KABUPATEN_GZ = ("boundaries", "indonesia_kabupaten.geojson.gz")

Point = tuple[float, float]  # (latitude, longitude)
Layer = Mapping[str, Any]  # a GeoJSON FeatureCollection


def _member(parts: tuple[str, str], kabupaten: str) -> Layer | None:
    path = data_path(*parts)
    if not path.exists():
        return None
    with zipfile.ZipFile(path) as zf:
        try:
            raw = zf.read(f"{kabupaten}.geojson")
        except KeyError:
            return None
    return json.loads(raw)


def _file(parts: tuple[str, str]) -> Layer:
    with data_path(*parts).open(encoding="utf-8") as fh:
        return json.load(fh)


@cache
def packaged_desa_layer(kabupaten: str) -> Layer | None:
    """The packaged desa/kelurahan layer of a kab/kota (Jawa Timur only), or None."""
    if kabupaten == PROBOLINGGO:
        return _file(PROBOLINGGO_DESA)
    return _member(DESA_ZIP, kabupaten)


@cache
def packaged_kecamatan_layer(kabupaten: str) -> Layer | None:
    """The packaged kecamatan layer of any kab/kota, or None for an unknown code."""
    if kabupaten == PROBOLINGGO:
        return _file(PROBOLINGGO_KECAMATAN)
    return _member(KECAMATAN_ZIP, kabupaten)


@cache
def kabupaten_outline(kabupaten: str) -> Mapping[str, Any] | None:
    """The packaged outline (a GeoJSON feature) of a kab/kota, or None."""
    with gzip.open(data_path(*KABUPATEN_GZ), "rt", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    return next((f for f in features if f["properties"]["code"] == kabupaten), None)


def centroids(layer: Layer) -> dict[str, Point]:
    """{code: (lat, lng)} of a layer's features: the `lat`/`lng` properties where the file
    carries them, else the centroid of the geometry (shapely)."""
    from shapely.geometry import shape

    found: dict[str, Point] = {}
    for feature in layer.get("features", []):
        props = feature.get("properties") or {}
        code = props.get("code")
        if not code:
            continue
        if props.get("lat") is not None and props.get("lng") is not None:
            found[str(code)] = (float(props["lat"]), float(props["lng"]))
            continue
        geometry = shape(feature["geometry"])
        # A representative point lies inside the desa even when its shape is a crescent.
        point = geometry.centroid if geometry.contains(geometry.centroid) else (
            geometry.representative_point())
        found[str(code)] = (round(point.y, 6), round(point.x, 6))
    return found


# --- an admin's own desa layer --------------------------------------------------------------


@dataclass(frozen=True)
class LayerProblem:
    feature: int  # 1-based position in the file; 0 for the file as a whole
    code: str
    indonesian: str
    english: str

    def __str__(self) -> str:
        where = f"fitur {self.feature}" + (f" ({self.code})" if self.code else "")
        where_en = f"feature {self.feature}" + (f" ({self.code})" if self.code else "")
        if not self.feature:
            where, where_en = "berkas", "file"
        return f"{where}: {self.indonesian} / {where_en}: {self.english}"


@dataclass(frozen=True)
class CheckedLayer:
    layer: dict[str, Any]  # a clean FeatureCollection: code, name, kecamatan_code, kind
    problems: tuple[LayerProblem, ...]
    missing: tuple[str, ...]  # desa of the instance without a polygon in the file


def _parse(raw: bytes) -> tuple[list[Any], LayerProblem | None]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], LayerProblem(0, "", f"bukan GeoJSON yang sah ({exc})",
                                f"not valid GeoJSON ({exc})")
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        return [], LayerProblem(0, "", "diharapkan FeatureCollection GeoJSON",
                                "a GeoJSON FeatureCollection was expected")
    return data["features"], None


def _code_of(props: Mapping[str, Any]) -> str:
    from tepat.core.regions import normalize_code

    for key in ("code", "kode", "kode_desa", "kd_desa", "KODE", "kode_kemendagri"):
        if props.get(key) not in (None, ""):
            return normalize_code(props[key]) or str(props[key])
    return ""


def _geometry_problem(geometry: Any) -> tuple[str, str] | None:
    from shapely.errors import GEOSException
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return ("geometri harus Polygon atau MultiPolygon",
                "the geometry must be a Polygon or MultiPolygon")
    try:
        shaped = shape(geometry)
    except (GEOSException, ValueError, TypeError, IndexError, KeyError) as exc:
        return (f"koordinat geometri tidak terbaca ({exc})",
                f"the geometry's coordinates cannot be read ({exc})")
    if shaped.is_empty:
        return "geometri kosong", "the geometry is empty"
    minx, miny, maxx, maxy = shaped.bounds
    if not (minx >= 94 and maxx <= 142 and miny >= -12 and maxy <= 7):
        return ("koordinat di luar Indonesia; diharapkan bujur, lintang WGS84 (EPSG:4326)",
                "coordinates outside Indonesia; longitude, latitude in WGS84 (EPSG:4326) "
                "were expected")
    if not shaped.is_valid:
        why = explain_validity(shaped)
        return (f"geometri tidak sah: {why}", f"the geometry is not valid: {why}")
    if shaped.area == 0:
        return "geometri tanpa luas", "the geometry has no area"
    return None


def check_desa_layer(raw: bytes, desa: Mapping[str, str], *, limit: int = 50) -> CheckedLayer:
    """Check an admin's desa GeoJSON against the desa of the instance ({code: name}).

    Each feature must carry a Kemendagri desa code (property `code`, `kode` or `kode_desa`;
    dotted or 10 digits) that joins a desa of the instance, once, and a valid Polygon or
    MultiPolygon in WGS84. Problems name the feature (its position and code) and what was
    expected; at most `limit` are kept."""
    features, problem = _parse(raw)
    if problem:
        return CheckedLayer({}, (problem,), ())
    problems: list[LayerProblem] = []
    kept: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        props = (feature.get("properties") if isinstance(feature, dict) else None) or {}
        code = _code_of(props)
        if code not in desa:
            problems.append(LayerProblem(
                number, code, "kode desa tidak ada di kabupaten instans ini; diharapkan kode "
                "desa/kelurahan Kemendagri (mis. 35.13.20.2001) pada properti 'code'",
                "no desa of this instance's kabupaten has this code; a Kemendagri desa code "
                "(e.g. 35.13.20.2001) in the property 'code' was expected"))
            continue
        if code in seen:
            problems.append(LayerProblem(number, code, "kode desa muncul dua kali",
                                         "the desa code appears twice"))
            continue
        seen.add(code)
        bad = _geometry_problem(feature.get("geometry"))
        if bad:
            problems.append(LayerProblem(number, code, *bad))
            continue
        kept.append({"type": "Feature", "geometry": feature["geometry"], "properties": {
            "code": code, "name": desa[code], "kecamatan_code": code.rsplit(".", 1)[0],
            "kind": "kelurahan" if code.split(".")[-1].startswith("1") else "desa"}})
    if not features:
        problems.append(LayerProblem(0, "", "tidak ada fitur", "the file has no features"))
    missing = tuple(sorted(set(desa) - seen))
    return CheckedLayer({"type": "FeatureCollection", "features": kept},
                        tuple(problems[:limit]), missing)


def layer_codes(layer: Layer | None) -> Collection[str]:
    if not layer:
        return ()
    return {str((f.get("properties") or {}).get("code")) for f in layer.get("features", [])}

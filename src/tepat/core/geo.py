"""Desa centroids from the packaged boundaries, and great-circle distances (pure, no Django).

The boundaries file (`data/boundaries/probolinggo_desa.geojson`) carries, for each of the 330
desa/kelurahan of Kab. Probolinggo, its code and the `lat`/`lng` of its centroid. A kecamatan or
kabupaten has no centroid of its own there: `centroid()` gives the mean of its desa centroids,
which is what "the kecamatan office is somewhere in the middle" needs for a distance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import cache

from tepat.core.regions import data_path

Point = tuple[float, float]  # (latitude, longitude) in degrees

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
DESA_BOUNDARIES = ("boundaries", "probolinggo_desa.geojson")


@cache
def desa_centroids() -> Mapping[str, Point]:
    """{desa code: (lat, lng)} of the packaged boundaries, read once per process."""
    with data_path(*DESA_BOUNDARIES).open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    found: dict[str, Point] = {}
    for feature in features:
        props = feature.get("properties") or {}
        lat, lng = props.get("lat"), props.get("lng")
        if props.get("code") and lat is not None and lng is not None:
            found[str(props["code"])] = (float(lat), float(lng))
    return found


def centroid(code: str, centroids: Mapping[str, Point] | None = None) -> Point | None:
    """The centroid of a desa, or the mean of the desa centroids under a kecamatan/kabupaten
    code; None when the boundaries know no desa there."""
    known = desa_centroids() if centroids is None else centroids
    if code in known:
        return known[code]
    inside = [point for desa, point in known.items() if desa.startswith(code + ".")]
    if not inside:
        return None
    return (sum(p[0] for p in inside) / len(inside), sum(p[1] for p in inside) / len(inside))


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance in km between two (lat, lng) points."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


Ring = tuple[tuple[float, float], ...]  # (lon, lat) points, GeoJSON order
Polygon = tuple[Ring, ...]  # outer ring first, then holes


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Ray casting (even-odd): a ray from the point toward +lon crosses the ring's edges an odd
    number of times when the point is inside."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        (xi, yi), (xj, yj) = ring[i], ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_polygons(lon: float, lat: float, polygons: tuple[Polygon, ...]) -> bool:
    """Whether (lon, lat) lies in one of the polygons (inside its outer ring, outside its
    holes). A point exactly on an edge may fall either side: a GPS fix is ±5 m anyway."""
    for polygon in polygons:
        if polygon and _in_ring(lon, lat, polygon[0]) and not any(
                _in_ring(lon, lat, hole) for hole in polygon[1:]):
            return True
    return False

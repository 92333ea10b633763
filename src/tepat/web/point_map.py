"""A small offline map of one GPS point on its desa's boundary (issue 19 §4): inline SVG drawn
on the server from the packaged desa GeoJSON (no tiles, no script, no CDN), and whether the
point lies outside the desa (`tepat.core.geo.point_in_polygons`).

The frame holds the desa and the point, so a point far outside shows how far. No boundary for
the desa (a kabupaten without a desa layer): no map, the coordinates and a note say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.translation import gettext as _

from tepat.core.geo import point_in_polygons
from tepat.web import metric_maps
from tepat.web.maps import Shape

WIDTH = 320  # a phone's width; ~3 KB of SVG for a typical desa
PAD = 14


@dataclass(frozen=True)
class PointMap:
    latitude: Decimal
    longitude: Decimal
    svg: str  # "" when the desa has no packaged boundary
    outside: bool | None  # None: unknown (no boundary)

    @property
    def coordinates(self) -> str:
        return f"{self.latitude}, {self.longitude}"

    @property
    def phone_map_url(self) -> str:
        """geo: URI (RFC 5870): the phone's own map app, no web service of ours."""
        return f"geo:{self.latitude},{self.longitude}"


def desa_shape(code: str) -> Shape | None:
    """The desa's boundary from the desa layer the maps use, if it holds the desa."""
    kecamatan = code.rsplit(".", 1)[0]
    return next((s for s in metric_maps.shapes(metric_maps.DESA, kecamatan)
                 if s.code == code and s.polygons), None)


def _frame(shape: Shape, lon: float, lat: float) -> tuple[float, float, float, float]:
    points = [p for poly in shape.polygons for ring in poly for p in ring] + [(lon, lat)]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), max(lons), min(lats), max(lats)


def _svg(shape: Shape, lon: float, lat: float, outside: bool) -> str:
    west, east, south, north = _frame(shape, lon, lat)
    kx = math.cos(math.radians((south + north) / 2))
    span = max((east - west) * kx, north - south, 1e-6)
    scale = (WIDTH - 2 * PAD) / span
    height = round((north - south) * scale + 2 * PAD)

    def xy(p_lon: float, p_lat: float) -> str:
        return f"{PAD + (p_lon - west) * kx * scale:.1f},{PAD + (north - p_lat) * scale:.1f}"

    d = "".join("M" + "L".join(xy(*p) for p in ring) + "Z"
                for poly in shape.polygons for ring in poly)
    colour = "#b2182b" if outside else "#0868ac"
    label = escape(_("Titik GPS di peta batas desa %(name)s") % {"name": shape.name})
    x, y = xy(lon, lat).split(",")
    return (
        f'<svg class="point-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH}'
        f' {height}" role="img" aria-label="{label}"><title>{label}</title>'
        f'<path d="{d}" fill="#f0f9e8" stroke="#43a2ca" stroke-width="1.5"'
        f' fill-rule="evenodd"/>'
        f'<circle cx="{x}" cy="{y}" r="9" fill="none" stroke="{colour}" stroke-width="2"/>'
        f'<circle cx="{x}" cy="{y}" r="4" fill="{colour}"/></svg>'
    )


def point_map(desa_code: str, latitude: Decimal | None,
              longitude: Decimal | None) -> PointMap | None:
    """The map of a point in its desa; None without a point."""
    if latitude is None or longitude is None:
        return None
    shape = desa_shape(desa_code)
    if shape is None:
        return PointMap(latitude, longitude, "", None)
    lon, lat = float(longitude), float(latitude)
    outside = not point_in_polygons(lon, lat, shape.polygons)
    return PointMap(latitude, longitude, _svg(shape, lon, lat, outside), outside)

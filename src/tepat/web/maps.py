"""Choropleth maps drawn on the server as inline SVG: no tiles, no JavaScript, works offline.

`choropleth_svg(shapes, values)` is a pure function: region shapes and {code: value} in, an SVG
string out. `load_shapes(path)` reads a GeoJSON file once per process, and the projected paths
of a set of shapes are cached too: only the colours and texts are made per call.

Projection: equirectangular with the x axis shrunk by cos(mean latitude), which keeps shapes
true to within a fraction of a percent over a kabupaten (~1° of latitude near the equator).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from html import escape
from pathlib import Path

Ring = tuple[tuple[float, float], ...]  # (lon, lat) points
Polygon = tuple[Ring, ...]  # outer ring first, then holes

# Sequential scale, light to dark (ColorBrewer GnBu 5, colour-blind safe).
PALETTE = ("#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac")
NO_DATA = "#e4e4e4"
STROKE = "#ffffff"
# Suppressed (disembunyikan) regions: grey diagonal hatching, drawn by a pattern inside the SVG
# itself (no external reference: the same SVG goes into the PDF report).
SUPPRESSED_ID = "map-hatch"
SUPPRESSED = f"url(#{SUPPRESSED_ID})"
_HATCH = (
    f'<defs><pattern id="{SUPPRESSED_ID}" patternUnits="userSpaceOnUse" width="8" height="8"'
    ' patternTransform="rotate(45)"><rect width="8" height="8" fill="#f7f7f7"/>'
    '<rect width="3" height="8" fill="#9e9e9e"/></pattern></defs>'
)


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    parent: str
    polygons: tuple[Polygon, ...]


def _polygons(geometry: Mapping) -> tuple[Polygon, ...]:
    coordinates = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        coordinates = [coordinates]
    elif geometry["type"] != "MultiPolygon":
        return ()
    return tuple(
        tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon)
        for polygon in coordinates
    )


def shapes_from_features(features: Iterable[Mapping]) -> tuple[Shape, ...]:
    """Shapes of GeoJSON features whose properties carry `code` and `name`."""
    shapes = []
    for feature in features:
        props = feature.get("properties") or {}
        code = str(props.get("code", ""))
        parent = str(props.get("kecamatan_code") or props.get("kabupaten_code") or "")
        shapes.append(Shape(code, str(props.get("name", code)), parent,
                            _polygons(feature.get("geometry") or {})))
    return tuple(shapes)


@cache
def load_shapes(path: str | Path) -> tuple[Shape, ...]:
    with Path(path).open(encoding="utf-8") as fh:
        return shapes_from_features(json.load(fh).get("features", []))


@dataclass(frozen=True)
class _Projection:
    lon0: float
    lat1: float
    kx: float
    scale: float
    pad: float

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.pad + (lon - self.lon0) * self.kx * self.scale
        y = self.pad + (self.lat1 - lat) * self.scale
        return round(x), round(y)


def _fit(shapes: Sequence[Shape], width: float, pad: float) -> tuple[_Projection, float]:
    """The projection that fits every shape into `width`, and the height it needs."""
    points = [p for s in shapes for poly in s.polygons for ring in poly for p in ring]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * kx, 1e-9)
    scale = (width - 2 * pad) / span_x
    height = (max(lats) - min(lats)) * scale + 2 * pad
    return _Projection(min(lons), max(lats), kx, scale, pad), height


def _ring_path(ring: Ring, projection: _Projection) -> str:
    out: list[tuple[float, float]] = []
    for lon, lat in ring:
        point = projection.point(lon, lat)
        if not out or point != out[-1]:  # drop points that fall on the same pixel
            out.append(point)
    if len(out) < 3:
        return ""
    return "M" + "L".join(f"{x:g},{y:g}" for x, y in out) + "Z"


def _shape_path(shape: Shape, projection: _Projection) -> str:
    return "".join(_ring_path(ring, projection) for poly in shape.polygons for ring in poly)


@lru_cache(maxsize=64)
def _geometry(shapes: tuple[Shape, ...], width: float, pad: float) -> tuple[tuple[str, ...], float]:
    """The SVG path of each shape and the map's height. Cached: the same few region sets are
    drawn on every dashboard request (projecting them costs ~15 ms, hashing them ~0.4 ms)."""
    projection, height = _fit(shapes, width, pad)
    return tuple(_shape_path(shape, projection) for shape in shapes), height


def class_breaks(maximum: float, classes: int = len(PALETTE)) -> list[float]:
    """Upper bounds of equal-interval classes from 0 to `maximum`."""
    if maximum <= 0:
        return []
    if float(maximum).is_integer():  # counts: whole-number classes, fewer when the counts are few
        classes = min(classes, int(maximum))
        return [math.ceil(maximum * (i + 1) / classes) for i in range(classes)]
    return [maximum * (i + 1) / classes for i in range(classes)]


def colour_for(value: float | None, breaks: Sequence[float]) -> str:
    if value is None or value <= 0 or not breaks:
        return NO_DATA
    for colour, upper in zip(PALETTE, breaks, strict=False):
        if value <= upper:
            return colour
    return PALETTE[len(breaks) - 1]


def _legend(breaks: Sequence[float], top: float, width: float, title: str, zero_label: str,
            fmt: Callable[[float], str], suppressed_label: str = "") -> tuple[str, float]:
    """The legend under the map and its height."""
    # The "no data" and "hidden" keys have long labels: one row each; the ranges share rows.
    special = [(NO_DATA, zero_label)]
    if suppressed_label:
        special.append((SUPPRESSED, suppressed_label))
    ranges = []
    lower = 0.0
    for colour, upper in zip(PALETTE, breaks, strict=False):
        low = int(lower) + 1 if isinstance(upper, int) else lower
        ranges.append((colour, f"{fmt(low)}–{fmt(upper)}"))
        lower = upper
    # Large type: the SVG is scaled down to the width of a phone (640 units -> ~340 px).
    columns, row_height = 3, 36
    cell = (width - 8) / columns
    placed = [(colour, label, 0, row) for row, (colour, label) in enumerate(special)]
    placed += [(colour, label, i % columns, len(special) + i // columns)
               for i, (colour, label) in enumerate(ranges)]
    parts = [f'<text class="map-legend-title" x="4" y="{top + 26:g}">{escape(title)}</text>']
    for colour, label, column, row in placed:
        x = 4 + column * cell
        y = top + 42 + row * row_height
        parts.append(
            f'<rect x="{x:g}" y="{y:g}" width="26" height="20" fill="{colour}" stroke="#999"'
            f' stroke-width="0.5"/><text x="{x + 34:g}" y="{y + 17:g}">{escape(label)}</text>'
        )
    rows = len(special) + math.ceil(len(ranges) / columns)
    return "".join(parts), 50 + rows * row_height


def choropleth_svg(
    shapes: Sequence[Shape],
    values: Mapping[str, float | None],
    *,
    href: Callable[[str], str] | None = None,
    unit: str = "",
    title: str = "",
    zero_label: str = "0",
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    width: float = 640,
    pad: float = 6,
    breaks: Sequence[float] | None = None,
    suppressed: Collection[str] = (),
    suppressed_label: str = "",
    no_data_text: str = "—",
    desc: str = "",
) -> str:
    """An SVG choropleth of `shapes` coloured by `values` (code -> value), with a legend.

    Each region gets a <title> "name: value unit" (the tooltip) and, when `href` is given, a link.
    Regions missing from `values` count as 0; a value of None is "no data" (`no_data_text` in
    the tooltip). `fmt` formats numbers (e.g. with thousands separators of the active language);
    `title` heads the legend and labels the SVG, `desc` describes it to a screen reader.
    `breaks` fixes the class bounds (e.g. 20, 40, … 100 for percentages) instead of equal
    intervals up to the largest value. Regions in `suppressed` are hatched grey, their tooltip
    says `suppressed_label`, and their value is never written into the SVG.
    """
    drawable = tuple(s for s in shapes if s.polygons)
    if not drawable:
        return ""
    paths, map_height = _geometry(drawable, width, pad)
    hidden = set(suppressed)
    if breaks is None:
        breaks = class_breaks(max((values.get(s.code, 0) or 0 for s in drawable
                                   if s.code not in hidden), default=0))
    parts = []
    for shape, d in zip(drawable, paths, strict=True):
        value = None if shape.code in hidden else values.get(shape.code, 0)
        if shape.code in hidden:
            text, fill = suppressed_label, SUPPRESSED
        else:
            text = no_data_text if value is None else f"{fmt(value)} {unit}"
            fill = colour_for(value, breaks)
        tooltip = escape(f"{shape.name}: {text}".strip())
        path = (
            f'<path d="{d}" fill="{fill}"'
            f' fill-rule="evenodd" data-code="{escape(shape.code)}"><title>{tooltip}</title></path>'
        )
        if href is not None:
            path = f'<a href="{escape(href(shape.code))}">{path}</a>'
        parts.append(path)
    legend, legend_height = _legend(breaks, map_height, width, title, zero_label, fmt,
                                    suppressed_label if hidden else "")
    height = map_height + legend_height
    heading = f"<title>{escape(title)}</title>" if title else ""
    if desc:
        heading += f"<desc>{escape(desc)}</desc>"
    return (
        f'<svg class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:.0f}"'
        f' font-size="18" role="img" aria-label="{escape(title)}">{heading}'
        f'{_HATCH if hidden else ""}'
        f'<g class="map-regions" stroke="{STROKE}" stroke-width="0.8">{"".join(parts)}</g>'
        f'<g class="map-legend">{legend}</g></svg>'
    )

"""The SVG choropleth builder (a pure function) and the packaged boundaries it draws."""

from __future__ import annotations

import re

from tepat.core.regions import data_path
from tepat.web.maps import (
    NO_DATA,
    PALETTE,
    Shape,
    choropleth_svg,
    class_breaks,
    colour_for,
    load_shapes,
    shapes_from_features,
)

SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]


def _feature(code: str, name: str, geometry: dict) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}


def _shapes() -> tuple[Shape, ...]:
    shifted = [[x + 2, y] for x, y in SQUARE]
    return shapes_from_features([
        _feature("A", "Alpha", {"type": "Polygon", "coordinates": [SQUARE]}),
        _feature("B", "Beta & Co", {"type": "MultiPolygon",
                                   "coordinates": [[SQUARE], [shifted]]}),
    ])


def test_the_packaged_kecamatan_file_has_the_24_kecamatan_of_probolinggo():
    shapes = load_shapes(str(data_path("boundaries", "probolinggo_kecamatan_from_desa.geojson")))
    assert len(shapes) == 24
    assert all(s.code.startswith("35.13.") and s.polygons for s in shapes)


def test_geometry_is_read_once_per_file():
    path = str(data_path("boundaries", "probolinggo_desa.geojson"))
    assert load_shapes(path) is load_shapes(path)


def test_the_map_has_one_path_per_region_with_a_tooltip():
    svg = choropleth_svg(_shapes(), {"A": 3, "B": 1200}, unit="keluarga",
                         fmt=lambda v: f"{v:,}".replace(",", "."))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<path") == 2
    assert "<title>Alpha: 3 keluarga</title>" in svg
    assert "<title>Beta &amp; Co: 1.200 keluarga</title>" in svg  # escaped


def test_a_multipolygon_is_one_path_with_a_subpath_per_polygon():
    svg = choropleth_svg(_shapes(), {})
    beta = re.search(r'<path d="([^"]+)"[^>]*data-code="B"', svg).group(1)
    assert beta.count("M") == 2 and beta.count("Z") == 2


def test_links_are_escaped_and_optional():
    svg = choropleth_svg(_shapes(), {"A": 1}, href=lambda code: f"/keluarga/?k={code}&s=p3ke")
    assert '<a href="/keluarga/?k=A&amp;s=p3ke">' in svg
    assert "<a " not in choropleth_svg(_shapes(), {"A": 1})


def test_the_projection_keeps_a_square_square_at_the_equator():
    svg = choropleth_svg(shapes_from_features([
        _feature("A", "A", {"type": "Polygon", "coordinates": [SQUARE]})]), {}, width=100, pad=0)
    points = re.findall(r"(-?[0-9.]+),(-?[0-9.]+)", re.search(r'd="([^"]+)"', svg).group(1))
    xs = {float(x) for x, _ in points}
    ys = {float(y) for _, y in points}
    assert max(xs) - min(xs) == 100
    assert abs((max(ys) - min(ys)) - 100) <= 1  # cos(0.5°) ≈ 1


def test_the_projection_shrinks_longitude_by_cos_latitude():
    far_south = [[x, y - 60.5] for x, y in SQUARE]  # centred on 60°S: cos = 0.5
    svg = choropleth_svg(shapes_from_features([
        _feature("A", "A", {"type": "Polygon", "coordinates": [far_south]})]), {}, width=100, pad=0)
    ys = [float(y) for _, y in re.findall(r"(-?[0-9.]+),(-?[0-9.]+)",
                                           re.search(r'd="([^"]+)"', svg).group(1))]
    assert 195 <= max(ys) - min(ys) <= 205  # 1° of latitude is twice as long as 1° of longitude


def test_colours_follow_equal_intervals_and_zero_is_no_data():
    breaks = class_breaks(100)
    assert breaks == [20, 40, 60, 80, 100]
    assert colour_for(0, breaks) == NO_DATA
    assert colour_for(None, breaks) == NO_DATA
    assert colour_for(1, breaks) == PALETTE[0]
    assert colour_for(100, breaks) == PALETTE[-1]


def test_few_counts_get_fewer_classes():
    assert class_breaks(3) == [1, 2, 3]
    assert class_breaks(0) == []


def test_the_legend_names_the_classes_and_the_title():
    svg = choropleth_svg(_shapes(), {"A": 10, "B": 100}, title="Keluarga per kecamatan")
    assert "Keluarga per kecamatan" in svg
    for label in ("1–20", "21–40", "81–100"):
        assert f">{label}</text>" in svg
    assert 'aria-label="Keluarga per kecamatan"' in svg


def test_nothing_to_draw_gives_an_empty_string():
    assert choropleth_svg([], {"A": 1}) == ""

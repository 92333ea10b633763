"""The outside-desa flag's geometry (issue 19 §4): ray casting over GeoJSON polygons."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tepat.core.geo import point_in_polygons

SQUARE = (((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)),)
HOLE = ((4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0), (4.0, 4.0))
DONUT = (SQUARE[0], HOLE)
ISLAND = (((20.0, 20.0), (22.0, 20.0), (22.0, 22.0), (20.0, 20.0)),)


def test_a_point_inside_and_outside_a_square():
    assert point_in_polygons(5, 5, (SQUARE,))
    assert not point_in_polygons(11, 5, (SQUARE,))
    assert not point_in_polygons(-0.1, 9.9, (SQUARE,))


def test_a_hole_is_outside_and_a_second_polygon_counts():
    assert not point_in_polygons(5, 5, (DONUT,))
    assert point_in_polygons(2, 2, (DONUT,))
    assert point_in_polygons(21.5, 20.5, (DONUT, ISLAND))
    assert not point_in_polygons(20.5, 21.5, (DONUT, ISLAND))  # the other side of the diagonal


def test_no_polygon_holds_nothing():
    assert not point_in_polygons(5, 5, ())


@given(st.floats(0.01, 9.99), st.floats(0.01, 9.99))
def test_every_point_strictly_inside_the_square_is_inside(x, y):
    assert point_in_polygons(x, y, (SQUARE,))


@given(st.floats(10.01, 1e3), st.floats(-1e3, 1e3))
def test_every_point_right_of_the_square_is_outside(x, y):
    assert not point_in_polygons(x, y, (SQUARE,))


def test_a_real_desa_holds_its_centroid_and_not_its_neighbours():
    import json

    from tepat.core.regions import data_path
    from tepat.web.maps import _polygons  # the same GeoJSON reading as the maps

    with data_path("boundaries", "probolinggo_desa.geojson").open(encoding="utf-8") as fh:
        features = {f["properties"]["code"]: f for f in json.load(fh)["features"]}
    desa = features["35.13.20.2001"]
    shape = _polygons(desa["geometry"])
    lat, lng = desa["properties"]["lat"], desa["properties"]["lng"]
    assert point_in_polygons(lng, lat, shape)
    other = features["35.13.01.2001"]["properties"]
    assert not point_in_polygons(other["lng"], other["lat"], shape)

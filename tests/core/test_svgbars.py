"""Server-drawn bar charts (issue 19 §5): pure SVG, escaped, phone-first."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tepat.core.svgbars import Series, nice_max, stacked_bars_svg

NS = "{http://www.w3.org/2000/svg}"


def _bars(svg: str) -> list[ET.Element]:
    """The value rectangles (those with a <title>), in drawing order."""
    root = ET.fromstring(svg)
    return [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]


def test_it_is_well_formed_svg_with_a_title_for_screen_readers():
    svg = stacked_bars_svg(["Malesanwetan"], [Series("Desil 1", "#08306b", [3])],
                           title="Keluarga menurut desil")
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img" and root.get("aria-label") == "Keluarga menurut desil"
    assert root.find(f"{NS}title").text == "Keluarga menurut desil"


def test_a_stack_splits_each_row_in_proportion_to_its_values():
    svg = stacked_bars_svg(["A", "B"], [Series("d1", "#111111", [30, 10]),
                                        Series("d2", "#222222", [10, 0])], title="t")
    bars = _bars(svg)
    assert len(bars) == 3  # B's zero in d2 draws nothing
    a1, a2, b1 = (float(b.get("width")) for b in bars)
    assert a1 == pytest.approx(3 * a2)
    assert a1 + a2 == pytest.approx(4 * b1)
    assert float(bars[1].get("x")) == pytest.approx(float(bars[0].get("x")) + a1)


def test_the_longest_bar_fits_inside_the_width():
    svg = stacked_bars_svg(["A"], [Series("d1", "#111111", [987])], title="t", width=360)
    bar = _bars(svg)[0]
    assert float(bar.get("x")) + float(bar.get("width")) <= 360


def test_each_row_is_labelled_with_its_total_and_unit_and_each_segment_with_its_value():
    svg = stacked_bars_svg(["Desa A"], [Series("Desil 1", "#111111", [1200]),
                                        Series("Desil 2", "#222222", [34])],
                           title="t", unit="keluarga", fmt=lambda v: f"{v:,.0f}".replace(",", "."))
    assert "Desa A · 1.234 keluarga" in svg
    assert "<title>Desa A · Desil 1: 1.200 keluarga</title>" in svg
    assert "Desil 2" in svg  # legend


def test_every_text_is_escaped():
    svg = stacked_bars_svg(['<script>"x"</script>'], [Series("a&b", "#111", [1]),
                                                      Series("c", "#222", [1])],
                           title="<t>")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "a&amp;b" in svg
    ET.fromstring(svg)  # still well-formed


def test_no_style_attribute_and_no_script_csp_safe():
    svg = stacked_bars_svg(["A"], [Series("d", "#111", [5])], title="t")
    assert "style=" not in svg and "<script" not in svg


def test_empty_and_negative_values_draw_no_bar():
    svg = stacked_bars_svg(["A", "B"], [Series("d", "#111", [0, -4])], title="t")
    assert _bars(svg) == []
    assert "A · 0" in svg and "B · 0" in svg


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="one value per label"):
        stacked_bars_svg(["A", "B"], [Series("d", "#111", [1])], title="t")


def test_one_series_has_no_legend():
    svg = stacked_bars_svg(["A"], [Series("only", "#111", [1])], title="t")
    assert not re.search(r">only<", svg)


@pytest.mark.parametrize(("value", "expected"), [
    (0, 1.0), (7, 8), (10, 10), (11, 12), (1234, 1500), (0.3, 0.3)])
def test_nice_max(value, expected):
    assert nice_max(value) == pytest.approx(expected)

"""Indicator trend charts as inline SVG, drawn on the server: no JavaScript, no fonts or images
to fetch, the same markup in a web page and in a WeasyPrint PDF.

Each segment (one poverty line) is its own polyline, with a dash and colour per line, so two
definitions are never joined into one trend. Targets are short dashed horizontal marks at
their year, labelled with the year, the value and the legal basis. Numbers use the Indonesian
decimal comma. Only presentation attributes are used (no style attributes: CSP-safe).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from html import escape

from django.utils.translation import gettext

from tepat.core import indicators as core

LINE_STYLE = {  # poverty line -> (colour, dash)
    core.NATIONAL: ("#1f5f8b", ""),
    core.EXTREME_2011: ("#c2410c", "7 3"),
    core.EXTREME_2017: ("#7c2d12", "2 3"),
}
COMPARISON_COLOURS = ("#6b7280", "#a1a1aa", "#8b9a5b")
TARGET_COLOUR = "#15803d"
TEXT_COLOUR = "#1f2a2e"
GRID_COLOUR = "#e3e7e5"
FONT = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
LEFT, RIGHT, TOP, BOTTOM, LEGEND_ROW = 52, 20, 22, 28, 16


def short_basis(basis: str) -> str:
    """'Inpres 8/2025 tentang …' -> 'Inpres 8/2025'; '… (RPD) Kab. …' -> 'RPD'."""
    text = basis.split(" tentang ", 1)[0].strip()
    if len(text) <= 28:
        return text
    acronym = re.search(r"\(([A-Z]{2,10})\)", text)
    return acronym.group(1) if acronym else text[:27] + "…"


def _decimals(unit: str) -> int:
    return 0 if unit in {core.JIWA, core.RUPIAH} else 2


def _suffix(unit: str) -> str:
    return " %" if unit == core.PERCENT else ""


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exponent >= value:
            return step * exponent
    return 10 * exponent  # pragma: no cover


def _ticks(top: float) -> list[float]:
    return [top * i / 4 for i in range(5)]


class _Frame:
    def __init__(self, width: int, height: int, years: list[int], top_value: float,
                 legend_rows: int) -> None:
        self.width, self.height = width, height
        self.first, self.last = min(years), max(years)
        if self.first == self.last:
            self.first, self.last = self.first - 1, self.last + 1
        self.top_value = top_value
        self.left, self.right = LEFT, width - RIGHT
        self.top = TOP
        self.bottom = height - BOTTOM - LEGEND_ROW * legend_rows

    def x(self, year: float) -> float:
        span = self.last - self.first
        return round(self.left + (year - self.first) / span * (self.right - self.left), 1)

    def y(self, value: float) -> float:
        share = min(max(value / self.top_value, 0.0), 1.0)
        return round(self.bottom - share * (self.bottom - self.top), 1)


def _text(x: float, y: float, content: str, *, size: int = 11, anchor: str = "middle",
          colour: str = TEXT_COLOUR, weight: str = "normal") -> str:
    return (f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{colour}" '
            f'font-weight="{weight}" font-family="{escape(FONT)}">{escape(content)}</text>')


def _axes(f: _Frame, unit: str, years: list[int]) -> list[str]:
    parts = []
    for tick in _ticks(f.top_value):
        y = f.y(tick)
        parts.append(f'<line x1="{f.left}" x2="{f.right}" y1="{y}" y2="{y}" '
                     f'stroke="{GRID_COLOUR}" stroke-width="1"/>')
        label = core.format_number(tick, 1 if f.top_value < 20 else 0) + _suffix(unit)
        parts.append(_text(f.left - 6, y + 4, label, size=10, anchor="end"))
    span = f.last - f.first
    every = 1 if span <= 12 else 2 if span <= 24 else 5
    for year in range(f.first, f.last + 1):
        if (year - f.first) % every == 0:
            parts.append(_text(f.x(year), f.bottom + 16, str(year), size=10))
    return parts


def _polyline(f: _Frame, points: Sequence[core.Observation], colour: str, dash: str,
              width: float) -> str:
    coords = " ".join(f"{f.x(p.year)},{f.y(p.value)}" for p in points)
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<polyline points="{coords}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}"{dash_attr} stroke-linejoin="round"/>')


def _series(f: _Frame, s: core.Series, labels: bool) -> list[str]:
    parts = []
    for segment in s.segments:
        colour, dash = LINE_STYLE.get(segment.line, ("#444", ""))
        parts.append(_polyline(f, segment.points, colour, dash, 2.2))
        for p in segment.points:
            parts.append(f'<circle cx="{f.x(p.year)}" cy="{f.y(p.value)}" r="3.2" '
                         f'fill="{colour}"/>')
            if labels:
                value = core.format_number(p.value, _decimals(s.unit))
                parts.append(_text(f.x(p.year), f.y(p.value) - 7, value, size=10,
                                   colour=colour, weight="bold"))
    return parts


def _comparison(f: _Frame, s: core.Series, colour: str) -> list[str]:
    parts = []
    for segment in s.segments:
        _colour, dash = LINE_STYLE.get(segment.line, ("", ""))
        parts.append(_polyline(f, segment.points, colour, dash, 1.4))
        parts += [f'<circle cx="{f.x(p.year)}" cy="{f.y(p.value)}" r="2.2" fill="{colour}"/>'
                  for p in segment.points]
    return parts


def target_label(t: core.Target, unit: str) -> str:
    sign = "<" if t.comparator == "<" else "≤"
    return (f"Target {t.year}: {sign} {core.format_number(t.value, _decimals(unit))}"
            f"{_suffix(unit)} ({short_basis(t.basis)})")


def _targets(f: _Frame, s: core.Series) -> list[str]:
    """A dashed mark per target, numbered T1, T2, … (the legend says year, value and basis:
    targets a year apart would overlap if written out at the mark)."""
    parts = []
    for number, gap in enumerate(s.gaps, start=1):
        t = gap.target
        x, y = f.x(t.year), f.y(t.value)
        parts.append(f'<line x1="{x - 11}" x2="{x + 11}" y1="{y}" y2="{y}" '
                     f'stroke="{TARGET_COLOUR}" stroke-width="2.2" stroke-dasharray="4 2"/>')
        parts.append(_text(x, y - 5 if y > f.top + 12 else y + 12, f"T{number}", size=9,
                           colour=TARGET_COLOUR, weight="bold"))
    return parts


def _legend_entries(s: core.Series, comparisons: Sequence[core.Series],
                    ) -> list[tuple[str, str, str, float]]:
    entries = []
    for segment in s.segments:
        colour, dash = LINE_STYLE.get(segment.line, ("#444", ""))
        entries.append((f"{s.region_name}: {gettext(segment.line_label)}", colour, dash, 2.2))
    for index, c in enumerate(comparisons):
        colour = COMPARISON_COLOURS[index % len(COMPARISON_COLOURS)]
        for segment in c.segments:
            _colour, dash = LINE_STYLE.get(segment.line, ("", ""))
            short = core.POVERTY_LINES[segment.line].short if (
                segment.line in core.POVERTY_LINES) else segment.line
            entries.append((f"{c.region_name} ({short})", colour, dash, 1.4))
    entries += [(f"T{number} {target_label(g.target, s.unit)}", TARGET_COLOUR, "4 2", 2.2)
                for number, g in enumerate(s.gaps, start=1)]
    return entries


def _legend(f: _Frame, entries: list[tuple[str, str, str, float]]) -> list[str]:
    parts = []
    y = f.bottom + BOTTOM + 4
    for label, colour, dash, width in entries:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{f.left}" x2="{f.left + 26}" y1="{y - 4}" y2="{y - 4}" '
                     f'stroke="{colour}" stroke-width="{width}"{dash_attr}/>')
        parts.append(_text(f.left + 32, y, label, size=10, anchor="start"))
        y += LEGEND_ROW
    return parts


def trend_svg(series: core.Series, *, width: int = 640, height: int = 260,
              comparisons: Sequence[core.Series] = ()) -> str:
    """One indicator's trend: its segments, the comparison series, the targets. The legend
    names each poverty line; `height` is the plot's, the legend rows are added below."""
    entries = _legend_entries(series, comparisons)
    all_points = [p for s in (series, *comparisons) for p in s.points]
    years = [p.year for p in all_points] + [g.target.year for g in series.gaps]
    values = [p.value for p in all_points] + [g.target.value for g in series.gaps]
    if not years:
        years, values = [0], [0.0]
    total_height = height + LEGEND_ROW * len(entries)
    f = _Frame(width, total_height, years, _nice_max(max(values) * 1.12), len(entries))
    title = f"{gettext(series.label)} — {series.region_name}"  # core labels: the catalogue
    body = [f"<title>{escape(title)}</title>", *_axes(f, series.unit, years)]
    for index, c in enumerate(comparisons):
        body += _comparison(f, c, COMPARISON_COLOURS[index % len(COMPARISON_COLOURS)])
    body += _targets(f, series)
    body += _series(f, series, labels=True)
    body += _legend(f, entries)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="indicator-chart" '
            f'viewBox="0 0 {width} {total_height}" width="{width}" height="{total_height}" '
            f'role="img" aria-label="{escape(title)}">' + "".join(body) + "</svg>")

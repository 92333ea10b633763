"""Bar charts as inline SVG, drawn on the server: no script, no font or file to fetch, so a
cheap phone on a slow link draws them with the page (issue 19 §5; Plotly's 1.4 MB is kept for
the regency's desktop pages).

Phone first: each row is a label line ("name · total") above a full-width bar, so the chart
reads at 360 px without shrinking its text, and scales up on a desktop. Stacked segments carry
a <title> (shown on hover or long press). Every text is escaped; only presentation attributes
are used (no style attribute: CSP-safe). Pure Python: the caller translates and formats.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
TEXT = "#1f2a2e"
MUTED = "#5b676b"
GRID = "#e3e7e5"
PAD = 4
LABEL_ROW = 17
BAR = 14
ROW_GAP = 8
LEGEND_ROW = 18
SWATCH = 11
AXIS = 18


@dataclass(frozen=True)
class Series:
    """One stacked layer: its name (legend), colour and one value per row."""

    name: str
    colour: str
    values: Sequence[float]


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def nice_max(value: float) -> float:
    """The smallest 'round' number ≥ value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^n)."""
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exponent >= value * (1 - 1e-12):
            return step * exponent
    return 10 * exponent  # pragma: no cover


def _text(x: float, y: float, content: str, *, size: int = 13, anchor: str = "start",
          colour: str = TEXT, weight: str = "normal", halo: bool = False) -> str:
    """A text; `halo`: a white outline under it, so a gridline behind stays off the words."""
    outline = ' stroke="#fff" stroke-width="3" paint-order="stroke"' if halo else ""
    return (f'<text x="{x:g}" y="{y:g}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{colour}" font-weight="{weight}"{outline}>{escape(content)}</text>')


def _legend(series: Sequence[Series], width: int, legend_width: Callable[[str, int], float],
            ) -> tuple[list[str], float]:
    """Swatches and names, wrapped into rows; returns the parts and the height used."""
    parts: list[str] = []
    x, y = PAD, PAD
    for s in series:
        needed = SWATCH + 4 + legend_width(s.name, 12) + 12
        if x > PAD and x + needed > width - PAD:
            x, y = PAD, y + LEGEND_ROW
        parts.append(f'<rect x="{x:g}" y="{y + 2:g}" width="{SWATCH}" height="{SWATCH}" '
                     f'fill="{escape(s.colour)}"/>')
        parts.append(_text(x + SWATCH + 4, y + SWATCH + 1, s.name, size=12))
        x += needed
    return parts, (y + LEGEND_ROW + 4 if series else PAD)


def _approx_width(text: str, size: int) -> float:
    """A text's width at `size` px without measuring it: ~0.56 em a character."""
    return len(text) * size * 0.56


def stacked_bars_svg(labels: Sequence[str], series: Sequence[Series], *, title: str,
                     unit: str = "", fmt: Callable[[float], str] = _number, width: int = 360,
                     legend: bool = True, css_class: str = "bar-chart") -> str:
    """Horizontal bars, one per label, stacked by `series` (a single series: plain bars).

    `fmt` writes numbers (the caller's locale); `unit` follows each row's total.
    Negative or missing values count as 0."""
    if any(len(s.values) != len(labels) for s in series):
        raise ValueError("every series needs one value per label")
    values = [[max(0.0, float(v or 0)) for v in s.values] for s in series]
    totals = [sum(column) for column in zip(*values, strict=True)] if values else [
        0.0] * len(labels)
    top = nice_max(max(totals, default=0.0))
    parts, y = _legend(series, width, _approx_width) if legend and len(series) > 1 else ([], PAD)
    plot_left, plot_right = PAD, width - PAD
    span = plot_right - plot_left
    rows_top, legend_end = y, len(parts)
    for index, label in enumerate(labels):
        suffix = f" {unit}" if unit else ""
        parts.append(_text(plot_left, y + 13, f"{label} · {fmt(totals[index])}{suffix}",
                           halo=True))
        bar_y = y + LABEL_ROW
        parts.append(f'<rect x="{plot_left}" y="{bar_y:g}" width="{span}" height="{BAR}" '
                     f'fill="{GRID}" opacity="0.5"/>')
        x = float(plot_left)
        for s, column in zip(series, values, strict=True):
            value = column[index]
            if value <= 0:
                continue
            w = round(value / top * span, 2)
            parts.append(
                f'<rect x="{x:g}" y="{bar_y:g}" width="{w:g}" height="{BAR}" '
                f'fill="{escape(s.colour)}"><title>{escape(label)} · {escape(s.name)}: '
                f'{escape(fmt(value))}{escape(suffix)}</title></rect>')
            x += w
        y = bar_y + BAR + ROW_GAP
    grid, ticks = _axis(plot_left, span, rows_top, y, top, fmt)
    parts[legend_end:legend_end] = grid  # behind the bars
    parts += ticks
    height = y + AXIS
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" '
            f'viewBox="0 0 {width} {height:g}" width="{width}" height="{height:g}" role="img" '
            f'aria-label="{escape(title)}" font-family="{escape(FONT)}">'
            f"<title>{escape(title)}</title>" + "".join(parts) + "</svg>")


def _axis(left: float, span: float, top_y: float, bottom_y: float, top: float,
          fmt: Callable[[float], str]) -> tuple[list[str], list[str]]:
    """Quarter gridlines (drawn behind the bars) and their values under the rows."""
    grid, ticks = [], []
    for i in range(5):
        x = left + span * i / 4
        grid.append(f'<line x1="{x:g}" x2="{x:g}" y1="{top_y:g}" y2="{bottom_y - ROW_GAP:g}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        ticks.append(_text(x, bottom_y + 8, fmt(top * i / 4), size=11, anchor=anchor,
                           colour=MUTED))
    return grid, ticks

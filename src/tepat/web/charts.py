"""The dashboard's desil chart, two ways.

- Plotly, rendered on the server to a <div> + one inline script (plotly.js, 1.4 MB gzipped, is
  served by `views.assets.plotly_js`, never from a CDN; the inline script carries the request's
  CSP nonce): only on the regency's pages, read on a desktop, where zoom and hover are worth it.
- Inline SVG (`tepat.core.svgbars`): for every page a desa operator, a kecamatan or an official
  opens, on a phone and a slow link (issue 19 §5: ≤ 200 KB a page)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tepat.core.svgbars import Series, stacked_bars_svg
from tepat.web.flags import english

# Desil 1 (poorest) darkest; same hue family as the map.
DESIL_COLOURS = (
    "#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6",
    "#9ecae1", "#c6dbef", "#d9e6f2", "#e6eef7", "#f0f5fb",
)
NO_DESIL_COLOUR = "#bdbdbd"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"


def desil_label(desil: int | None) -> str:
    return _("Desil %(n)s") % {"n": desil} if desil is not None else _("Tanpa desil")


def _colour(desil: int | None) -> str:
    if desil is None or not 1 <= desil <= len(DESIL_COLOURS):
        return NO_DESIL_COLOUR
    return DESIL_COLOURS[desil - 1]


def families_by_desil_figure(
    names: Sequence[str], series: dict[int | None, Sequence[int]], unit: str
) -> go.Figure:
    """Horizontal bars, one per region, stacked by desil (`series`: desil -> count per region)."""
    figure = go.Figure()
    for desil, counts in series.items():
        figure.add_trace(go.Bar(
            name=desil_label(desil), y=list(names), x=list(counts), orientation="h",
            marker_color=_colour(desil),
            hovertemplate=f"%{{y}}<br>{desil_label(desil)}: %{{x:,}} {unit}<extra></extra>",
        ))
    figure.update_layout(
        template="none",
        barmode="stack",
        height=max(260, 26 * len(names) + 140),
        margin={"l": 8, "r": 8, "t": 8, "b": 40},
        font={"family": FONT, "size": 13, "color": "#1f2a2e"},
        separators=".," if english() else ",.",
        legend={"orientation": "h", "y": -0.08, "yanchor": "top", "traceorder": "normal"},
        xaxis={"title": {"text": unit}, "gridcolor": "#e3e7e5", "automargin": True},
        yaxis={"autorange": "reversed", "automargin": True},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    figure.update_xaxes(rangemode="tozero")
    return figure


def figure_html(figure: go.Figure, *, div_id: str, nonce: str) -> str:
    """The figure as a <div> and its inline script, the script allowed by the CSP nonce."""
    return _with_nonce(_plotly_html(figure, div_id), nonce)


def _plotly_html(figure: go.Figure, div_id: str) -> str:
    html = pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        default_height=f"{figure.layout.height}px",
        config={"displayModeBar": False, "responsive": True},
    )
    if html.count("<script>") != 1:
        raise RuntimeError("plotly's HTML changed shape: expected one bare <script> tag")
    return html


def _with_nonce(html: str, nonce: str) -> str:
    return html.replace("<script>", f'<script nonce="{nonce}">')


def families_by_desil_html(
    names: Sequence[str], series: dict[int | None, Sequence[int]], unit: str, *, div_id: str,
    nonce: str,
) -> str:
    """`figure_html` of `families_by_desil_figure`, remembered by its inputs and language:
    building and validating the plotly figure took ~10 ms of a 20 ms dashboard, for the
    same few charts again and again (the figure is a pure function of these arguments)."""
    key = (tuple(names), tuple((d, tuple(c)) for d, c in series.items()), unit,
           get_language(), div_id)
    return _with_nonce(_desil_chart(*key), nonce)


@lru_cache(maxsize=256)  # a regency: the regency and ~24 kecamatan charts, × 2 languages
def _desil_chart(names: tuple[str, ...], series: tuple[tuple[int | None, tuple[int, ...]], ...],
                 unit: str, language: str, div_id: str) -> str:
    return _plotly_html(families_by_desil_figure(names, dict(series), unit), div_id)


def _grouped(value: float) -> str:
    return number_format(round(value), force_grouping=True)


def families_by_desil_svg(names: Sequence[str], series: dict[int | None, Sequence[int]],
                          unit: str, *, title: str) -> str:
    """The same chart as `families_by_desil_figure`, as inline SVG (escaped by svgbars)."""
    layers = [Series(desil_label(desil), _colour(desil), counts)
              for desil, counts in series.items()]
    return stacked_bars_svg(list(names), layers, title=title, unit=unit, fmt=_grouped)

"""Charts as SVG, by pygal: the text stays text in the SVG, so the browser that prints the
PDF shapes Persian labels like the rest of the page, and ``pdftotext`` reads them back."""

from __future__ import annotations

import re
from typing import Any

import pygal
from pygal.style import Style

from muniops.collector.reports.model import Chart, ChartKind, ColumnType
from muniops.collector.reports.present import Presenter

FONTS = '"Vazirmatn", "Noto Sans Arabic", "Noto Sans", "DejaVu Sans", sans-serif'
# colour-blind safe (Okabe–Ito), readable in greyscale print too
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000")
_KINDS: dict[ChartKind, type[pygal.graph.graph.Graph]] = {
    ChartKind.BAR: pygal.Bar, ChartKind.HBAR: pygal.HorizontalBar,
    ChartKind.STACKED: pygal.StackedBar, ChartKind.PIE: pygal.Pie}


def _style() -> Style:
    return Style(font_family=FONTS, background="white", plot_background="white",
                 foreground="#222", foreground_strong="#111", foreground_subtle="#666",
                 colors=COLOURS, label_font_size=16, major_label_font_size=16,
                 value_font_size=15, legend_font_size=17, title_font_size=18,
                 tooltip_font_size=12)


def _formatter(chart: Chart, p: Presenter) -> object:
    def fmt(value: float | None) -> str:
        if value is None:
            return ""
        if chart.value_type == ColumnType.PERCENT:
            return p.digits(f"{value * 100:.0f}%")
        return p.digits(f"{value:g}")
    return fmt


def _category(value: Any, ctype: ColumnType, p: Presenter) -> str:
    if ctype != ColumnType.LABEL:
        return p.text(value, ctype)
    parts = value if isinstance(value, tuple) else (value,)
    return " · ".join(p.value(str(x)) for x in parts)


def to_svg(chart: Chart, p: Presenter, *, width: int = 900, height: int = 420) -> str:
    """The chart as an inline ``<svg>`` element, without scripts or external references.
    A lying bar chart grows with its categories, so every name stays readable."""
    if chart.kind == ChartKind.HBAR:
        height = max(height, 90 + 34 * len(chart.categories) * max(len(chart.series), 1))
    categories = [_category(c, chart.category_type, p) for c in chart.categories]
    graph = _KINDS[chart.kind](
        width=width, height=height, explicit_size=True, style=_style(), js=[],
        disable_xml_declaration=True, legend_at_bottom=True, print_values=True,
        print_zeroes=False, truncate_label=-1, truncate_legend=-1, x_label_rotation=0,
        value_formatter=_formatter(chart, p), show_y_guides=True, margin=8,
        range=(0, 1) if chart.value_type == ColumnType.PERCENT else None)
    if chart.kind == ChartKind.PIE:
        (_key, values), = chart.series
        for name, value in zip(categories, values, strict=True):
            graph.add(name, [value])
    else:
        graph.x_labels = categories
        for key, values in chart.series:
            graph.add(p.label(key), values)
    svg: str = graph.render(is_unicode=True)
    return _SCRIPT.sub("", svg)  # pygal's tooltip config: a printed page runs no scripts


_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)

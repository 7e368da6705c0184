"""Server-rendered SVG charts for the statistics dashboard and the PDF reports.

The charts are plain SVG text so they work on intranets without JavaScript and
inside WeasyPrint PDFs. Every chart is a ``Chart`` (categories plus one or more
numeric series); the renderers only differ in how they draw it:

- ``bar_chart``: vertical bars, grouped when there are several series;
- ``horizontal_bar_chart``: the same, on its side, for long labels (villages);
- ``stacked_bar_chart``: series stacked per category (action-item outcomes);
- ``line_chart``: one line per series (monthly trends).

``data_table`` gives the numbers behind a chart, for the table that screen
readers use under it.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

Number = int | float | Decimal

FONT_FAMILY = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif'
)

# Ordered so that neighbouring colours (adjacent stack segments, the first two
# series) differ by at least 30 in CIE lightness, and any two by at least 14:
# the chart stays readable when printed in grey.
PALETTE = ("#08306b", "#d95f02", "#f6d55c", "#b2182b", "#56b4e9")
# Line styles back up colour for the same reason.
_DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2")
_MARKERS = ("circle", "square", "diamond", "circle", "square")

DEFAULT_EMPTY_TEXT = "暂无数据"

_FONT_SIZE = 12
_TITLE_SIZE = 15
_AXIS_COLOUR = "#444444"
_GRID_COLOUR = "#dddddd"
_TEXT_COLOUR = "#222222"
# XML 1.0 forbids these; ElementTree would write them out and break parsers.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Series:
    """One named row of numbers, aligned with the chart's labels."""

    name: str
    values: Sequence[Number]


@dataclass(frozen=True)
class Chart:
    """The data and wording of one chart; the renderer decides its shape.

    ``labels`` are the categories (dispute categories, villages, months);
    each series holds one value per label. ``unit`` (件, %, …) is shown with
    the value axis and in the data table. ``description`` replaces the
    generated summary that assistive technology reads out.
    """

    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    x_label: str = ""
    y_label: str = ""
    unit: str = ""
    description: str = ""
    empty_text: str = DEFAULT_EMPTY_TEXT
    element_id: str = ""
    # Stable colours per series name, e.g. "逾期" always red across charts.
    colours: Sequence[str] = field(default=())

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.labels):
                raise ValueError(
                    f"series {series.name!r} has {len(series.values)} values "
                    f"for {len(self.labels)} labels"
                )
            for value in series.values:
                if not math.isfinite(float(value)):
                    raise ValueError(f"series {series.name!r} has a non-finite value {value!r}")

    @property
    def is_empty(self) -> bool:
        return not self.labels or not self.series


def format_value(value: Number) -> str:
    """Format a number the way the charts and data tables print it."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def data_table(chart: Chart) -> list[list[str]]:
    """The chart's numbers as rows of text, header row first."""
    suffix = f"（{chart.unit}）" if chart.unit else ""
    header = [chart.x_label or "类别"] + [s.name + suffix for s in chart.series]
    rows = [
        [label] + [format_value(s.values[i]) for s in chart.series]
        for i, label in enumerate(chart.labels)
    ]
    return [header, *rows]


def nice_ticks(low: float, high: float, *, target: int = 5, integer: bool = False) -> list[float]:
    """Axis ticks covering ``low``..``high`` (and zero) in steps of 1, 2 or 5 × 10ⁿ."""
    low, high = min(low, 0.0), max(high, 0.0)
    if low == high:
        high = 1.0
    raw = (high - low) / max(target, 1)
    exponent = math.floor(math.log10(raw))
    fraction = raw / 10**exponent
    mantissa = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    step = mantissa * 10.0**exponent
    if integer:
        step = max(step, 1.0)
    decimals = max(0, -math.floor(math.log10(step)))
    # The epsilon keeps 0.30000000000000004 / 0.1 from adding a spare tick.
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [round(k * step, decimals) for k in range(first, last + 1)]


def bar_chart(chart: Chart, *, width: int = 640, height: int = 360) -> str:
    """Vertical bars, one group per label, for short labels such as dispute categories."""
    return _render(chart, width, height, "柱状图", _draw_vertical_bars)


def horizontal_bar_chart(chart: Chart, *, width: int = 640, row_height: int = 22) -> str:
    """Horizontal bars for long or many labels, such as the 28 villages; grows with the rows."""
    legend = _legend_height(chart)
    rows = max(len(chart.labels), 1) * row_height * max(1, min(len(chart.series), 3))
    height = _top_margin(chart) + legend + rows + 56
    return _render(chart, width, height, "条形图", _draw_horizontal_bars)


def stacked_bar_chart(chart: Chart, *, width: int = 640, height: int = 360) -> str:
    """Series stacked on each label, with the total on top; values must not be negative."""
    for series in chart.series:
        if any(v < 0 for v in series.values):
            raise ValueError(f"stacked series {series.name!r} has a negative value")
    return _render(chart, width, height, "堆叠柱状图", _draw_stacked_bars)


def line_chart(chart: Chart, *, width: int = 640, height: int = 360) -> str:
    """One line per series across the labels, e.g. twelve months of registered disputes."""
    return _render(chart, width, height, "折线图", _draw_lines)


# --- building blocks -------------------------------------------------------------------


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _n(value: float) -> str:
    """Coordinates with two decimals at most, so output is byte-for-byte stable."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text_width(text: str, size: float = _FONT_SIZE) -> float:
    """Rough rendered width: CJK glyphs are one em, Latin ones a little over half."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return (wide + 0.6 * (len(text) - wide)) * size


def _fit(text: str, max_width: float, size: float = _FONT_SIZE) -> str:
    if _text_width(text, size) <= max_width:
        return text
    while text and _text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text + "…"


def _sub(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    # Trailing underscores dodge Python keywords (class_); other underscores are SVG hyphens.
    return ET.SubElement(
        parent, tag, {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
    )


def _text(parent: ET.Element, x: float, y: float, content: str, **attrs: str) -> ET.Element:
    element = _sub(parent, "text", x=_n(x), y=_n(y), **attrs)
    element.text = _clean(content)
    return element


def _tooltip(parent: ET.Element, content: str) -> None:
    _sub(parent, "title").text = _clean(content)


def _colour(chart: Chart, index: int) -> str:
    if index < len(chart.colours):
        return chart.colours[index]
    return PALETTE[index % len(PALETTE)]


def _ink_on(fill: str) -> str:
    """White or near-black text, whichever reads better on ``fill``."""
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else _TEXT_COLOUR


def _is_integral(chart: Chart) -> bool:
    return all(float(v).is_integer() for s in chart.series for v in s.values)


def _unit_suffix(chart: Chart) -> str:
    return f"（{chart.unit}）" if chart.unit else ""


def _top_margin(chart: Chart) -> int:
    return 34 if chart.title else 12


def _legend_height(chart: Chart) -> int:
    return 22 if len(chart.series) > 1 else 0


def _element_id(chart: Chart) -> str:
    if chart.element_id:
        return chart.element_id
    digest = hashlib.sha256(repr(data_table(chart)).encode() + chart.title.encode())
    return "chart-" + digest.hexdigest()[:10]


def _summary(chart: Chart, kind: str) -> str:
    if chart.description:
        return chart.description
    if chart.is_empty:
        return f"{kind}：{chart.empty_text}"
    unit = chart.unit
    parts = [f"{kind}，共 {len(chart.labels)} 项"]
    for series in chart.series:
        values = [float(v) for v in series.values]
        top = values.index(max(values))
        parts.append(
            f"{series.name}：最高 {chart.labels[top]} {format_value(series.values[top])}{unit}"
        )
    return "；".join(parts) + "。"


@dataclass(frozen=True)
class _Plot:
    """The rectangle inside the axes, in SVG user units."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class _Scale:
    """Maps values onto a pixel range along the value axis."""

    ticks: list[float]
    start: float
    end: float

    def __call__(self, value: float) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.start + (value - low) / (high - low) * (self.end - self.start)


_Draw = Callable[[ET.Element, Chart, float, float], None]


def _render(chart: Chart, width: int, height: int, kind: str, draw: _Draw) -> str:
    chart_id = _element_id(chart)
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": str(width),
            "height": str(height),
            "viewBox": f"0 0 {width} {height}",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "font-family": FONT_FAMILY,
            "font-size": str(_FONT_SIZE),
            "fill": _TEXT_COLOUR,
        },
    )
    _sub(svg, "title", id=f"{chart_id}-title").text = _clean(chart.title or kind)
    _sub(svg, "desc", id=f"{chart_id}-desc").text = _clean(_summary(chart, kind))
    _sub(svg, "rect", width=str(width), height=str(height), fill="#ffffff")
    if chart.title:
        _text(
            svg,
            width / 2,
            22,
            chart.title,
            text_anchor="middle",
            font_size=str(_TITLE_SIZE),
            font_weight="bold",
            class_="chart-title",
        )
    if chart.is_empty:
        _text(
            svg,
            width / 2,
            height / 2,
            chart.empty_text,
            text_anchor="middle",
            fill="#666666",
            class_="chart-empty",
        )
    else:
        draw(svg, chart, width, height)
    ET.indent(svg, space="")
    return ET.tostring(svg, encoding="unicode")


def _legend(svg: ET.Element, chart: Chart, width: float, y: float, lines: bool = False) -> None:
    if len(chart.series) < 2:
        return
    entries = [(s.name, _text_width(s.name) + 28) for s in chart.series]
    x = (width - sum(w for _, w in entries)) / 2
    group = _sub(svg, "g", class_="chart-legend")
    for index, (name, entry_width) in enumerate(entries):
        colour = _colour(chart, index)
        if lines:
            _sub(
                group,
                "line",
                x1=_n(x),
                y1=_n(y),
                x2=_n(x + 18),
                y2=_n(y),
                stroke=colour,
                stroke_width="2",
                **_dash(index),
            )
            _marker(group, index, x + 9, y, colour)
        else:
            _sub(
                group,
                "rect",
                x=_n(x),
                y=_n(y - 6),
                width="14",
                height="12",
                fill=colour,
                stroke="#ffffff",
            )
        _text(group, x + 22, y + 4, name)
        x += entry_width


def _dash(index: int) -> dict[str, str]:
    pattern = _DASHES[index % len(_DASHES)]
    return {"stroke_dasharray": pattern} if pattern else {}


def _marker(parent: ET.Element, index: int, x: float, y: float, colour: str) -> ET.Element:
    shape = _MARKERS[index % len(_MARKERS)]
    if shape == "square":
        return _sub(
            parent,
            "rect",
            x=_n(x - 3.5),
            y=_n(y - 3.5),
            width="7",
            height="7",
            fill=colour,
            class_="point",
        )
    if shape == "diamond":
        corners = ((x, y - 4.5), (x + 4.5, y), (x, y + 4.5), (x - 4.5, y))
        points = " ".join(f"{_n(px)},{_n(py)}" for px, py in corners)
        return _sub(parent, "polygon", points=points, fill=colour, class_="point")
    return _sub(parent, "circle", cx=_n(x), cy=_n(y), r="3.5", fill=colour, class_="point")


def _value_axis_ticks(chart: Chart, totals: Sequence[float] | None = None) -> list[float]:
    values = (
        list(totals) if totals is not None else [float(v) for s in chart.series for v in s.values]
    )
    return nice_ticks(min(values), max(values), integer=_is_integral(chart))


def _vertical_frame(
    svg: ET.Element,
    chart: Chart,
    width: float,
    height: float,
    ticks: list[float],
) -> tuple[_Plot, _Scale, bool]:
    """Draws the y axis, grid and category labels; returns the plot, scale and band layout."""
    top = _top_margin(chart) + _legend_height(chart) + 12
    tick_text = [format_value(t) for t in ticks]
    left = 14 + max(_text_width(t) for t in tick_text) + (18 if chart.y_label else 0)
    right = width - 16
    band = (right - left) / len(chart.labels)
    longest = max(_text_width(label) for label in chart.labels)
    rotate = longest > band - 4
    label_room = min(longest, 110) * 0.72 + 14 if rotate else _FONT_SIZE + 10
    if rotate:
        # A label turned by 45° reaches back to the left of its band: the first one must
        # not run off the drawing.
        first = min(_text_width(chart.labels[0]), 110) * 0.72 + 8
        if left + band / 2 < first:
            left = first - band / 2
            band = (right - left) / len(chart.labels)
    bottom = height - label_room - (22 if chart.x_label else 6)
    plot = _Plot(left, top, right, bottom)
    scale = _Scale(ticks, plot.bottom, plot.top)

    grid = _sub(svg, "g", class_="chart-grid")
    for tick, label in zip(ticks, tick_text, strict=True):
        y = scale(tick)
        _sub(
            grid,
            "line",
            x1=_n(left),
            y1=_n(y),
            x2=_n(right),
            y2=_n(y),
            stroke=_AXIS_COLOUR if tick == 0 else _GRID_COLOUR,
        )
        _text(grid, left - 6, y + 4, label, text_anchor="end")
    if chart.y_label:
        _text(
            svg,
            14,
            (plot.top + plot.bottom) / 2,
            chart.y_label + _unit_suffix(chart),
            text_anchor="middle",
            transform=f"rotate(-90 14 {_n((plot.top + plot.bottom) / 2)})",
        )
    if chart.x_label:
        _text(svg, (left + right) / 2, height - 8, chart.x_label, text_anchor="middle")

    labels = _sub(svg, "g", class_="chart-labels")
    for index, label in enumerate(chart.labels):
        x = left + band * (index + 0.5)
        y = plot.bottom + 16
        if rotate:
            text = _text(
                labels,
                x,
                y,
                _fit(label, 110),
                text_anchor="end",
                transform=f"rotate(-45 {_n(x)} {_n(y)})",
            )
            if text.text != label:
                _tooltip(text, label)
        else:
            _text(labels, x, y, label, text_anchor="middle")
    return plot, scale, rotate


def _bar_rect(
    parent: ET.Element, fill: str, tip: str, x: float, y: float, w: float, h: float
) -> None:
    rect = _sub(
        parent,
        "rect",
        x=_n(x),
        y=_n(y),
        width=_n(max(w, 0)),
        height=_n(max(h, 0)),
        fill=fill,
        stroke="#ffffff",
        stroke_width="0.5",
        class_="bar",
    )
    _tooltip(rect, tip)


def _draw_vertical_bars(svg: ET.Element, chart: Chart, width: float, height: float) -> None:
    ticks = _value_axis_ticks(chart)
    plot, scale, _ = _vertical_frame(svg, chart, width, height, ticks)
    _legend(svg, chart, width, _top_margin(chart) + 8)
    band = plot.width / len(chart.labels)
    bar = band * 0.7 / len(chart.series)
    zero = scale(0)
    bars = _sub(svg, "g", class_="chart-bars")
    for s_index, series in enumerate(chart.series):
        colour = _colour(chart, s_index)
        for index, raw in enumerate(series.values):
            value = float(raw)
            x = plot.left + band * index + band * 0.15 + bar * s_index
            y = scale(value)
            _bar_rect(
                bars, colour, _tip(chart, index, series, raw), x, min(y, zero), bar, abs(zero - y)
            )
            label_y = y - 4 if value >= 0 else y + _FONT_SIZE + 2
            _text(
                bars, x + bar / 2, label_y, format_value(raw), text_anchor="middle", class_="value"
            )


def _draw_horizontal_bars(svg: ET.Element, chart: Chart, width: float, height: float) -> None:
    ticks = _value_axis_ticks(chart)
    top = _top_margin(chart) + _legend_height(chart) + 8
    label_width = min(max(_text_width(label) for label in chart.labels), width * 0.3)
    left = label_width + 16
    longest_value = max(_text_width(format_value(v)) for s in chart.series for v in s.values)
    right = width - longest_value - 14
    bottom = height - (40 if chart.x_label or chart.unit else 24)
    plot = _Plot(left, top, right, bottom)
    scale = _Scale(ticks, plot.left, plot.right)
    _legend(svg, chart, width, _top_margin(chart) + 8)

    grid = _sub(svg, "g", class_="chart-grid")
    for tick in ticks:
        x = scale(tick)
        _sub(
            grid,
            "line",
            x1=_n(x),
            y1=_n(top),
            x2=_n(x),
            y2=_n(bottom),
            stroke=_AXIS_COLOUR if tick == 0 else _GRID_COLOUR,
        )
        _text(grid, x, bottom + 16, format_value(tick), text_anchor="middle")
    axis_title = (chart.y_label or "") + _unit_suffix(chart)
    if axis_title:
        _text(svg, (left + right) / 2, height - 8, axis_title, text_anchor="middle")

    band = plot.height / len(chart.labels)
    bar = band * 0.75 / len(chart.series)
    zero = scale(0)
    labels = _sub(svg, "g", class_="chart-labels")
    bars = _sub(svg, "g", class_="chart-bars")
    for index, label in enumerate(chart.labels):
        text = _text(
            labels,
            left - 8,
            top + band * (index + 0.5) + 4,
            _fit(label, label_width),
            text_anchor="end",
        )
        if text.text != label:
            _tooltip(text, label)
    for s_index, series in enumerate(chart.series):
        colour = _colour(chart, s_index)
        for index, raw in enumerate(series.values):
            value = float(raw)
            y = top + band * index + band * 0.125 + bar * s_index
            x = scale(value)
            _bar_rect(
                bars, colour, _tip(chart, index, series, raw), min(x, zero), y, abs(x - zero), bar
            )
            anchor = "start" if value >= 0 else "end"
            _text(
                bars,
                x + (4 if value >= 0 else -4),
                y + bar / 2 + 4,
                format_value(raw),
                text_anchor=anchor,
                class_="value",
            )


def _draw_stacked_bars(svg: ET.Element, chart: Chart, width: float, height: float) -> None:
    totals = [sum(float(s.values[i]) for s in chart.series) for i in range(len(chart.labels))]
    ticks = _value_axis_ticks(chart, totals)
    plot, scale, _ = _vertical_frame(svg, chart, width, height, ticks)
    _legend(svg, chart, width, _top_margin(chart) + 8)
    band = plot.width / len(chart.labels)
    bar = band * 0.6
    bars = _sub(svg, "g", class_="chart-bars")
    for index, total in enumerate(totals):
        x = plot.left + band * index + band * 0.2
        running = 0.0
        for s_index, series in enumerate(chart.series):
            raw = series.values[index]
            value = float(raw)
            if value == 0:
                continue
            colour = _colour(chart, s_index)
            y_top, y_bottom = scale(running + value), scale(running)
            _bar_rect(
                bars, colour, _tip(chart, index, series, raw), x, y_top, bar, y_bottom - y_top
            )
            if y_bottom - y_top >= _FONT_SIZE + 2:
                _text(
                    bars,
                    x + bar / 2,
                    (y_top + y_bottom) / 2 + 4,
                    format_value(raw),
                    text_anchor="middle",
                    fill=_ink_on(colour),
                    class_="value",
                )
            running += value
        _text(
            bars,
            x + bar / 2,
            scale(total) - 4,
            format_value(total),
            text_anchor="middle",
            font_weight="bold",
            class_="total",
        )


def _draw_lines(svg: ET.Element, chart: Chart, width: float, height: float) -> None:
    ticks = _value_axis_ticks(chart)
    plot, scale, _ = _vertical_frame(svg, chart, width, height, ticks)
    _legend(svg, chart, width, _top_margin(chart) + 8, lines=True)
    band = plot.width / len(chart.labels)

    def x_at(index: int) -> float:
        return plot.left + band * (index + 0.5)

    lines = _sub(svg, "g", class_="chart-lines")
    for s_index, series in enumerate(chart.series):
        colour = _colour(chart, s_index)
        points = " ".join(
            f"{_n(x_at(i))},{_n(scale(float(v)))}" for i, v in enumerate(series.values)
        )
        _sub(
            lines,
            "polyline",
            points=points,
            fill="none",
            stroke=colour,
            stroke_width="2",
            stroke_linejoin="round",
            class_="series",
            **_dash(s_index),
        )
        for index, raw in enumerate(series.values):
            marker = _marker(lines, s_index, x_at(index), scale(float(raw)), colour)
            _tooltip(marker, _tip(chart, index, series, raw))
    # Where two lines meet, the higher value is labelled above and the others below, so
    # the labels of different series do not sit on top of each other.
    # Equal values share one label, and a label never drops below the axis, where the
    # month names are.
    values = _sub(svg, "g", class_="chart-values")
    for index in range(len(chart.labels)):
        distinct = sorted({float(s.values[index]): s.values[index] for s in chart.series}
                          .items(), reverse=True)
        for rank, (value, raw) in enumerate(distinct):
            y = scale(value)
            below = y + 16
            _text(
                values,
                x_at(index),
                y - 7 if rank == 0 or below > plot.bottom - 2 else below,
                format_value(raw),
                text_anchor="middle",
                font_size="11",
                class_="value",
            )


def _tip(chart: Chart, index: int, series: Series, raw: Number) -> str:
    name = f"{series.name} " if len(chart.series) > 1 else ""
    return f"{chart.labels[index]} {name}{format_value(raw)}{chart.unit}"

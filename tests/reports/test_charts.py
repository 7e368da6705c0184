import itertools
import math
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from reports.charts import (
    DEFAULT_EMPTY_TEXT,
    FONT_FAMILY,
    PALETTE,
    Chart,
    Series,
    bar_chart,
    data_table,
    format_value,
    horizontal_bar_chart,
    line_chart,
    nice_ticks,
    stacked_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
NS = {"svg": SVG[1:-1]}
RENDERERS = [bar_chart, horizontal_bar_chart, stacked_bar_chart, line_chart]
CATEGORIES = ["邻里纠纷", "婚姻家庭", "土地纠纷", "劳资纠纷"]


def category_chart(values=(120, 45, 30, 60), **kwargs) -> Chart:
    return Chart(
        title="各类纠纷数量",
        labels=CATEGORIES,
        series=[Series("件数", list(values))],
        x_label="纠纷类别",
        y_label="数量",
        unit="件",
        **kwargs,
    )


def outcome_chart() -> Chart:
    return Chart(
        title="整改事项完成情况",
        labels=["生态环境", "住建", "劳动仲裁"],
        series=[
            Series("已完成", [12, 8, 15]),
            Series("情况变化", [2, 0, 3]),
            Series("责任人未完成", [1, 2, 2]),
            Series("逾期", [0, 1, 1]),
        ],
        unit="项",
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//svg:rect[@class='bar']", NS)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("render", RENDERERS)
def test_svg_is_labelled_for_assistive_technology(render):
    root = parse(render(category_chart()))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"svg:title[@id='{title_id}']", NS).text == "各类纠纷数量"
    assert root.find(f"svg:desc[@id='{desc_id}']", NS).text


def test_description_summarises_the_largest_value():
    root = parse(bar_chart(category_chart()))

    assert "邻里纠纷 120件" in root.find("svg:desc", NS).text


def test_caller_description_replaces_the_summary():
    root = parse(bar_chart(category_chart(description="邻里纠纷最多。")))

    assert root.find("svg:desc", NS).text == "邻里纠纷最多。"


def test_element_id_can_be_chosen_by_the_caller():
    root = parse(bar_chart(category_chart(element_id="dispute-categories")))

    assert root.get("aria-labelledby") == "dispute-categories-title dispute-categories-desc"


def test_generated_ids_differ_between_charts_with_different_data():
    first = parse(bar_chart(category_chart()))
    second = parse(bar_chart(category_chart(values=(1, 2, 3, 4))))

    assert first.get("aria-labelledby") != second.get("aria-labelledby")


@pytest.mark.parametrize("render", RENDERERS)
def test_text_uses_the_chinese_font_stack(render):
    root = parse(render(category_chart()))

    assert root.get("font-family") == FONT_FAMILY
    assert FONT_FAMILY.startswith('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC"')
    assert FONT_FAMILY.endswith('"Microsoft YaHei", sans-serif')


@pytest.mark.parametrize("render", RENDERERS)
def test_chinese_labels_are_drawn(render):
    shown = texts(parse(render(category_chart())))

    for label in CATEGORIES:
        assert label in shown


def test_bar_chart_draws_one_bar_per_value():
    assert len(bars(parse(bar_chart(category_chart())))) == 4


def test_grouped_bar_chart_draws_one_bar_per_value_of_every_series():
    chart = Chart(
        "受理与办结", CATEGORIES, [Series("受理", [5, 6, 7, 8]), Series("办结", [4, 6, 7, 8])]
    )

    assert len(bars(parse(bar_chart(chart)))) == 8


def test_bar_heights_are_proportional_to_values():
    values = (120, 45, 30, 60)
    heights = [float(b.get("height")) for b in bars(parse(bar_chart(category_chart(values))))]

    for height, value in zip(heights, values, strict=True):
        assert height / heights[0] == pytest.approx(value / values[0], abs=0.01)


def test_bars_share_one_baseline():
    rects = bars(parse(bar_chart(category_chart())))

    bottoms = {round(float(b.get("y")) + float(b.get("height")), 1) for b in rects}
    assert len(bottoms) == 1


def test_negative_value_hangs_below_the_baseline():
    rects = bars(parse(bar_chart(category_chart(values=(10, -5, 0, 5)))))
    baseline = float(rects[0].get("y")) + float(rects[0].get("height"))

    assert float(rects[1].get("y")) == pytest.approx(baseline, abs=0.01)
    assert float(rects[1].get("height")) == pytest.approx(float(rects[0].get("height")) / 2)


def test_value_labels_show_each_value():
    root = parse(bar_chart(category_chart()))

    values = [t.text for t in root.findall(".//svg:text[@class='value']", NS)]
    assert values == ["120", "45", "30", "60"]


def test_bar_tooltips_name_label_value_and_unit():
    rect = bars(parse(bar_chart(category_chart())))[0]

    assert rect.find("svg:title", NS).text == "邻里纠纷 120件"


def test_horizontal_bar_widths_are_proportional_to_values():
    values = (120, 45, 30, 60)
    rects = bars(parse(horizontal_bar_chart(category_chart(values))))

    widths = [float(b.get("width")) for b in rects]
    assert [w / widths[0] for w in widths] == pytest.approx([v / 120 for v in values], abs=0.01)


def test_horizontal_bar_chart_grows_to_fit_every_village():
    villages = [f"第{i}村社区" for i in range(1, 29)]
    chart = Chart("各村社区纠纷数", villages, [Series("件数", list(range(1, 29)))])

    few = parse(
        horizontal_bar_chart(Chart("各村社区纠纷数", villages[:3], [Series("件数", [1, 2, 3])]))
    )
    root = parse(horizontal_bar_chart(chart))

    assert len(bars(root)) == 28
    assert set(villages) <= set(texts(root))
    assert int(root.get("height")) > int(few.get("height"))


def test_horizontal_bar_chart_shortens_very_long_labels_but_keeps_them_as_tooltips():
    name = "某某镇某某村社区居民委员会第三网格片区" * 2
    root = parse(horizontal_bar_chart(Chart("t", [name], [Series("件数", [3])])))

    label = root.find(".//svg:g[@class='chart-labels']/svg:text", NS)
    assert label.text.endswith("…")
    assert label.find("svg:title", NS).text == name


def test_stacked_bar_chart_draws_one_segment_per_nonzero_value():
    root = parse(stacked_bar_chart(outcome_chart()))

    assert len(bars(root)) == 10


def test_stacked_segments_are_proportional_and_touch():
    root = parse(stacked_bar_chart(outcome_chart()))
    first_column = [b for b in bars(root) if b.get("x") == bars(root)[0].get("x")]

    heights = [float(b.get("height")) for b in first_column]
    assert heights[1] / heights[0] == pytest.approx(2 / 12, abs=0.01)
    for lower, upper in itertools.pairwise(first_column):
        assert float(upper.get("y")) + float(upper.get("height")) == pytest.approx(
            float(lower.get("y")), abs=0.01
        )


def test_stacked_bar_chart_labels_totals():
    root = parse(stacked_bar_chart(outcome_chart()))

    totals = [t.text for t in root.findall(".//svg:text[@class='total']", NS)]
    assert totals == ["15", "11", "21"]


def test_stacked_bar_chart_has_a_legend_naming_each_outcome():
    root = parse(stacked_bar_chart(outcome_chart()))

    legend = root.find(".//svg:g[@class='chart-legend']", NS)
    assert [t.text for t in legend.iter(f"{SVG}text")] == [
        "已完成",
        "情况变化",
        "责任人未完成",
        "逾期",
    ]


def test_stacked_bar_chart_rejects_negative_values():
    chart = Chart("t", ["住建"], [Series("已完成", [-1])])

    with pytest.raises(ValueError, match="negative"):
        stacked_bar_chart(chart)


def test_line_chart_draws_one_line_per_series_with_a_point_per_month():
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    chart = Chart(
        "月度纠纷趋势",
        months,
        [Series("登记", list(range(150, 162))), Series("办结", list(range(149, 161)))],
    )
    root = parse(line_chart(chart))

    lines = root.findall(".//svg:polyline[@class='series']", NS)
    assert len(lines) == 2
    assert all(len(line.get("points").split()) == 12 for line in lines)
    assert len(root.findall(".//svg:g[@class='chart-lines']/*[@class='point']", NS)) == 24
    assert lines[0].get("stroke-dasharray") is None
    assert lines[1].get("stroke-dasharray")


def test_line_chart_puts_higher_values_higher():
    chart = Chart("t", ["1月", "2月"], [Series("登记", [10, 40])])
    points = parse(line_chart(chart)).find(".//svg:polyline", NS).get("points").split()

    (_, y_low), (_, y_high) = (map(float, p.split(",")) for p in points)
    assert y_high < y_low


@pytest.mark.parametrize("render", RENDERERS)
def test_hostile_labels_are_escaped(render):
    hostile = '<script>alert("x")</script>&'
    chart = Chart(hostile, [hostile, "住建"], [Series(hostile, [1, 2]), Series("b", [2, 1])])

    svg = render(chart)

    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
    assert root.find("svg:title", NS).text == hostile


def test_characters_forbidden_in_xml_are_dropped():
    chart = Chart("标题\x00\x1b", ["南关村\x08"], [Series("件数", [1])])

    root = parse(bar_chart(chart))

    assert root.find("svg:title", NS).text == "标题"
    assert "南关村" in texts(root)


@pytest.mark.parametrize("render", RENDERERS)
def test_empty_chart_says_there_is_no_data(render):
    root = parse(render(Chart("各类纠纷数量", [], [])))

    assert DEFAULT_EMPTY_TEXT in texts(root)
    assert DEFAULT_EMPTY_TEXT in root.find("svg:desc", NS).text
    assert not bars(root)


def test_empty_chart_uses_the_callers_text():
    root = parse(bar_chart(Chart("本月纠纷", ["邻里纠纷"], [], empty_text="本月尚无登记")))

    assert "本月尚无登记" in texts(root)


@pytest.mark.parametrize("render", RENDERERS)
def test_all_zero_data_still_draws_the_chart(render):
    root = parse(render(category_chart(values=(0, 0, 0, 0))))

    assert DEFAULT_EMPTY_TEXT not in texts(root)
    assert set(CATEGORIES) <= set(texts(root))


@pytest.mark.parametrize("render", RENDERERS)
def test_output_is_deterministic(render):
    assert render(category_chart()) == render(category_chart())


def test_series_length_must_match_labels():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        Chart("t", ["a", "b", "c"], [Series("件数", [1, 2])])


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_values_are_rejected(bad):
    with pytest.raises(ValueError, match="non-finite"):
        Chart("t", ["a"], [Series("件数", [bad])])


def test_custom_colours_apply_per_series():
    chart = Chart("t", ["a"], [Series("逾期", [3])], colours=["#b2182b"])

    assert bars(parse(bar_chart(chart)))[0].get("fill") == "#b2182b"


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 120, [0, 20, 40, 60, 80, 100, 120]),
        (0, 420, [0, 100, 200, 300, 400, 500]),
        (0, 0.7, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]),
        (0, 99.73, [0, 20, 40, 60, 80, 100]),
        (-30, 50, [-40, -20, 0, 20, 40, 60]),
        (0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (5, 9, [0, 2, 4, 6, 8, 10]),
    ],
)
def test_nice_ticks_cover_the_range_from_zero(low, high, expected):
    assert nice_ticks(low, high) == expected


def test_integer_ticks_never_step_by_fractions():
    assert nice_ticks(0, 2, integer=True) == [0, 1, 2]


@pytest.mark.parametrize("high", [1, 3, 7, 12, 45, 99, 180, 1989, 0.37, 6000])
def test_tick_steps_are_one_two_or_five_times_a_power_of_ten(high):
    ticks = nice_ticks(0, high)
    step = ticks[1] - ticks[0]

    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in {1, 2, 5}
    assert ticks[0] <= 0 and ticks[-1] >= high
    assert 3 <= len(ticks) <= 11


def _lightness(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 116 * luminance ** (1 / 3) - 16


def test_palette_stays_distinguishable_in_greyscale():
    lightness = [_lightness(c) for c in PALETTE]

    assert min(abs(a - b) for a, b in itertools.combinations(lightness, 2)) >= 14
    assert min(abs(a - b) for a, b in itertools.pairwise(lightness)) >= 30


def test_data_table_lists_every_value_with_the_unit_in_the_header():
    assert data_table(outcome_chart()) == [
        ["类别", "已完成（项）", "情况变化（项）", "责任人未完成（项）", "逾期（项）"],
        ["生态环境", "12", "2", "1", "0"],
        ["住建", "8", "0", "2", "1"],
        ["劳动仲裁", "15", "3", "2", "1"],
    ]


def test_data_table_names_the_category_axis():
    assert data_table(category_chart())[0] == ["纠纷类别", "件数（件）"]


def test_data_table_of_an_empty_chart_is_just_the_header():
    assert data_table(Chart("t", [], [Series("件数", [])])) == [["类别", "件数"]]


@pytest.mark.parametrize(
    ("value", "text"),
    [(12, "12"), (12.0, "12"), (99.73, "99.73"), (2 / 3, "0.67"), (Decimal("99.70"), "99.70")],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_equal_values_of_two_lines_share_one_label_above_the_axis():
    months = ["2026-01", "2026-02", "2026-03"]
    chart = Chart("t", months, [Series("登记", [0, 3, 2]), Series("办结", [0, 1, 2])])
    root = parse(line_chart(chart, width=960))
    values = root.findall(".//svg:g[@class='chart-values']/svg:text", NS)
    assert [v.text for v in values] == ["0", "3", "1", "2"]
    grid = root.findall(".//svg:g[@class='chart-grid']/svg:line", NS)
    axis = max(float(line.get("y1")) for line in grid)
    assert all(float(v.get("y")) < axis for v in values)  # none among the month names


def test_a_rotated_first_label_stays_inside_the_drawing():
    labels = ["建设工程与物业", "婚姻家庭", "土地山林"] + [f"类别{i}" for i in range(12)]
    root = parse(bar_chart(Chart("t", labels, [Series("件数", [1] * len(labels))])))
    first = root.find(".//svg:g[@class='chart-labels']/svg:text", NS)
    assert "rotate(-45" in first.get("transform")
    x = float(first.get("x"))
    # The text runs back from its anchor by its width, at 45°.
    assert x - len(first.text) * 12 * 0.72 >= 0

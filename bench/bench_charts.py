"""Time the dashboard's three charts: a 12-month line, 12 categories, 28 villages.

Run: python bench/bench_charts.py [runs]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports.charts import (  # noqa: E402
    Chart,
    Series,
    bar_chart,
    horizontal_bar_chart,
    line_chart,
)

CATEGORIES = [
    "邻里纠纷", "婚姻家庭", "土地纠纷", "劳资纠纷", "债务纠纷", "建设工程",
    "环境污染", "交通事故", "医疗纠纷", "物业纠纷", "校园纠纷", "其他纠纷",
]  # fmt: skip
VILLAGES = [f"第{i}村社区" for i in range(1, 29)]
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]


def dashboard_charts() -> tuple[Chart, Chart, Chart]:
    trend = Chart(
        "月度纠纷趋势",
        MONTHS,
        [
            Series("登记", [150 + (m * 37) % 50 for m in range(12)]),
            Series("办结", [148 + (m * 37) % 50 for m in range(12)]),
        ],
        y_label="件数",
        unit="件",
    )
    categories = Chart(
        "各类纠纷数量",
        CATEGORIES,
        [Series("件数", [420 - 33 * i for i in range(12)])],
        x_label="纠纷类别",
        unit="件",
    )
    villages = Chart(
        "各村社区纠纷数", VILLAGES, [Series("件数", [(i * 37) % 90 + 3 for i in range(28)])]
    )
    return trend, categories, villages


def render_dashboard(charts: tuple[Chart, Chart, Chart]) -> int:
    trend, categories, villages = charts
    svgs = (line_chart(trend), bar_chart(categories), horizontal_bar_chart(villages))
    return sum(len(svg) for svg in svgs)


def main(runs: int = 50) -> None:
    charts = dashboard_charts()
    render_dashboard(charts)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        size = render_dashboard(charts)
        timings.append(time.perf_counter() - start)
    print(
        f"line 12 months + bar 12 categories + horizontal bar 28 villages: "
        f"median {statistics.median(timings) * 1000:.2f} ms, "
        f"min {min(timings) * 1000:.2f} ms, max {max(timings) * 1000:.2f} ms "
        f"over {runs} runs ({size} characters of SVG)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)

"""The monthly statistics report (月度统计报告) as a PDF in the official layout.

It takes plain data (figures, SVG charts, tables) so it can be rendered and tested
without the portal; the portal assembles the data from its SQL aggregates.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from jinja2 import Environment

from reports.pdf import DEFAULT_TIMEOUT, render_pdf, template_environment
from reports.pdf_record import record_xmp


@dataclass(frozen=True, slots=True)
class ReportTable:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True, slots=True)
class MonthlyReportDocument:
    """One month's figures. ``charts`` are SVG documents (see ``reports.charts``)."""

    issuer: str
    title: str
    month: str  # "2026-10"
    generated_at: datetime
    figures: Sequence[tuple[str, str]]
    definitions: Sequence[str] = ()
    charts: Sequence[str] = ()
    tables: Sequence[ReportTable] = field(default_factory=tuple)
    time_zone: str = "Asia/Shanghai"
    edition: int = 1  # a later edition supersedes the earlier ones

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None:
            raise ValueError("the generation time must be timezone-aware")


def svg_data_url(svg: str) -> str:
    """An SVG chart as a ``data:`` URL, the only kind of image the renderer fetches."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_monthly_html(doc: MonthlyReportDocument, *,
                        environment: Environment | None = None) -> str:
    environment = environment or template_environment()
    return environment.get_template("reports/monthly.html").render(
        doc=doc, draft=False, chart_urls=[svg_data_url(svg) for svg in doc.charts])


def render_monthly_pdf(doc: MonthlyReportDocument, *, environment: Environment | None = None,
                       timeout: float | None = DEFAULT_TIMEOUT) -> bytes:
    record = record_xmp({"documentKind": "monthly-statistics", "documentNumber": doc.month,
                         "documentVersion": str(doc.edition)})
    return render_pdf(render_monthly_html(doc, environment=environment), xmp=record,
                      timeout=timeout)

"""The statistics dashboard and the monthly report, assembled from `queries`.

`dashboard(filters, today)` returns plain tables (every one exportable) and the charts
drawn from them; `generate_monthly_report(month, now)` stores one PDF per month.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.jobs import queue
from portal.orgs.models import User
from portal.reviews import figures as review_figures
from portal.reviews.models import ItemSource
from portal.statistics import cache, queries
from portal.statistics.models import MonthlyReport
from portal.statistics.queries import Filters
from portal.statistics.upkeep import portal_zone
from portal.timeutil import utcnow
from reports.export import Cell
from reports.stats import format_rate, rate


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]


@dataclass
class Figure:
    label: str
    value: str
    definition: str = ""
    # The figure as a number for the exports (a rate in percent), None when there is none.
    number: Cell = None
    unit: str = ""


@dataclass
class ChartView:
    svg: str
    table: Table
    empty: bool = False


@dataclass
class Dashboard:
    filters: Filters
    figures: list[Figure]
    tables: dict[str, Table] = field(default_factory=dict)
    charts: list[ChartView] = field(default_factory=list)


def definitions() -> dict[str, str]:
    return {
        "closure_rate": _(
            "Closure rate = disputes registered in the period that are now concluded "
            "(resolved, referred or closed) ÷ disputes registered in the period, in per cent "
            "with two decimals. A reopened dispute counts as not concluded until it is "
            "concluded again."),
        "complex_success": _(
            "Success rate of complex mediation = tier-2 and tier-3 disputes registered in "
            "the period and resolved by agreement ÷ those resolved or referred to "
            "litigation, arbitration or an administrative body."),
        "held": _(
            "A tier-3 conference was held when its session opened in the period (it reached "
            "“in session” or a later state) and it was not cancelled afterwards."),
        "three_plus_n": _(
            "A “3+N” conference is a held conference where the court, the judicial bureau "
            "and the police station each accepted (themselves or through a delegate) and at "
            "least one sector mediation body accepted."),
        "bodies": _(
            "Bodies taking part: the organisations with an accepted invitation (their own "
            "or a delegate's), each counted once per conference; averaged over held "
            "conferences."),
        "durations": _(
            "Escalation to conference: days from the escalation to tier 3 to the start of "
            "the dispute's first held conference, for first conferences held in the period. "
            "Conference to signed minutes: days from the start of a conference held in the "
            "period to its first issued minutes. Median and 90th percentile interpolated "
            "between ranks (PERCENTILE.INC)."),
        "responses": _(
            "Invitations sent in the period, one per invited body or person (a delegation "
            "is the body's answer; the delegate's invitation is not counted again). "
            "Response time: hours from sending to the first answer."),
        "actions": _(
            "Action items of conferences (follow-up tasks) due in the period, by owning "
            "body and the outcome its owner reported; overdue: not reported done or not "
            "done, and past the due date."),
        "reviews": _(
            "Hazard items and leads reported to the joint reviews of the police and the grid "
            "in the period, by village or community and by where they were found. Settled "
            "within one meeting cycle: items decided at the meeting they were first reported "
            "to ÷ items reported, in per cent. Turned into disputes: items registered as a "
            "dispute. Overdue follow-ups: follow-ups of handed-over items due in the period "
            "and not reported done by their due date. The category filter applies to an "
            "item's kind; items have no tier, so the tier filter leaves them all counted."),
    }


def _rounded(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _avg(total: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _shown(value) -> str:
    return "—" if value is None else str(value)


def _measure_rows(rows, label) -> list[list[Cell]]:
    return [[label(r), r.registered, r.concluded, rate(r.concluded, r.registered),
             r.resolved, r.referred] for r in rows]


def dashboard(filters: Filters, today: date) -> Dashboard:
    """The dashboard for `filters`, computed afresh or kept from an earlier request while
    no data under it has changed since (`portal.statistics.cache`)."""
    return cache.cached(("dashboard", filters, today, str(get_locale())),
                        lambda: compute_dashboard(filters, today))


def compute_dashboard(filters: Filters, today: date) -> Dashboard:
    d = definitions()
    breakdowns = queries.dispute_breakdowns(filters)
    tiers, categories = breakdowns.tiers, breakdowns.categories
    registered = sum(r.registered for r in tiers)
    concluded = sum(r.concluded for r in tiers)
    resolved = sum(r.resolved for r in tiers)
    referred = sum(r.referred for r in tiers)
    complex_resolved = sum(r.resolved for r in tiers if r.key >= 2)
    complex_ended = sum(r.resolved + r.referred for r in tiers if r.key >= 2)
    held = queries.participation(filters)
    to_conference = queries.escalation_to_conference(filters)
    to_minutes = queries.conference_to_minutes(filters)
    responses = queries.responses_by_body(filters)
    invited = sum(r.invited for r in responses)
    answered = sum(r.answered for r in responses)

    closure = rate(concluded, registered)
    complex_success = rate(complex_resolved, complex_ended)
    bodies = _avg(held.bodies, held.held)
    response_rate = rate(answered, invited)
    figures = [
        Figure(_("Disputes registered"), str(registered), number=registered),
        Figure(_("Disputes concluded"), str(concluded), number=concluded),
        Figure(_("Closure rate"), format_rate(closure), d["closure_rate"], closure, "%"),
        Figure(_("Resolved by agreement"), str(resolved), number=resolved),
        Figure(_("Referred"), str(referred), number=referred),
        Figure(_("Success rate of complex mediation"), format_rate(complex_success),
               d["complex_success"], complex_success, "%"),
        Figure(_("Tier-3 conferences held"), str(held.held), d["held"], held.held),
        Figure(_("“3+N” conferences"), str(held.three_plus_n), d["three_plus_n"],
               held.three_plus_n),
        Figure(_("Average bodies taking part"), _shown(bodies), d["bodies"], bodies),
        Figure(_("Invitation response rate"), format_rate(response_rate), d["responses"],
               response_rate, "%"),
    ]
    result = Dashboard(filters, figures)
    tables = result.tables
    # Numbers as numbers, so that a spreadsheet can sum and chart them; the unit apart.
    tables["summary"] = Table("summary", _("Key figures"),
                              [_("Figure"), _("Value"), _("Unit of measure"), _("Definition")],
                              [[f.label, f.number, f.unit, f.definition] for f in figures])
    measure_headers = [_("Disputes registered"), _("Concluded"), _("Closure rate (%)"),
                       _("Resolved"), _("Referred")]
    tables["tiers"] = Table("tiers", _("By tier"), [_("Tier")] + measure_headers,
                            _measure_rows(tiers, lambda r: _("Tier %(n)d", n=r.key)))
    tables["categories"] = Table(
        "categories", _("By category"), [_("Category")] + measure_headers,
        _measure_rows(categories, lambda r: r.key.label))
    tables["durations"] = Table(
        "durations", _("Durations (days)"),
        [_("Measure"), _("Cases"), _("Median"), _("90th percentile")],
        [[_("Escalation to conference"), to_conference.n, _rounded(to_conference.p50),
          _rounded(to_conference.p90)],
         [_("Conference to signed minutes"), to_minutes.n, _rounded(to_minutes.p50),
          _rounded(to_minutes.p90)]])
    _bodies_table(result, filters, responses, today)
    _villages_table(result, filters, breakdowns.villages)
    _trend_table(result, filters)
    _reviews_table(result, filters, today)
    _charts(result)
    return result


def _bodies_table(result: Dashboard, filters: Filters, responses, today: date) -> None:
    hours = queries.response_hours_by_body(filters, responses)
    names = queries.organisation_names([r.key for r in responses])
    rows = sorted(([names.get(r.key, "—"), r.invited, r.answered, rate(r.answered, r.invited),
                    _rounded(hours.get(r.key))] for r in responses), key=lambda row: row[0])
    result.tables["responses"] = Table(
        "responses", _("Invitation responses per body"),
        [_("Body"), _("Invitations"), _("Answered"), _("Response rate (%)"),
         _("Median response time (hours)")], rows)
    actions = sorted(queries.action_items(filters, today), key=lambda r: r.key)
    result.tables["actions"] = Table(
        "actions", _("Action items per body"),
        [_("Body"), _("Done"), _("Not done: circumstances changed"),
         _("Not done by the owner"), _("In progress"), _("Not reported yet"), _("Overdue"),
         _("Total")],
        [[r.key, r.done, r.not_done_changed, r.not_done_owner, r.in_progress, r.open,
          r.overdue, r.total] for r in actions])


def _villages_table(result: Dashboard, filters: Filters, villages) -> None:
    held = dict(queries.conferences_by_village(filters))
    result.tables["villages"] = Table(
        "villages", _("By village or community"),
        [_("Village or community"), _("Disputes registered"), _("Concluded"),
         _("Closure rate (%)"), _("Tier 3"), _("Conferences held")],
        [[r.name, r.registered, r.concluded, rate(r.concluded, r.registered), r.tier3,
          held.get(r.key, 0)]
         for r in sorted(villages, key=lambda r: r.name)])


def _trend_table(result: Dashboard, filters: Filters) -> None:
    bounds = queries.month_starts(filters.end, filters.zone)
    disputes = {r.key: r for r in queries.disputes_by_month(filters, bounds)}
    held = dict(queries.conferences_by_month(filters, bounds))
    rows = []
    for index, start in enumerate(bounds[:-1]):
        row = disputes.get(index)
        registered, concluded = (row.registered, row.concluded) if row else (0, 0)
        rows.append([f"{start:%Y-%m}", registered, concluded, rate(concluded, registered),
                     held.get(index, 0)])
    result.tables["trend"] = Table(
        "trend", _("Monthly trend (last 12 months)"),
        [_("Month"), _("Disputes registered"), _("Concluded"), _("Closure rate (%)"),
         _("Conferences held")], rows)


def _reviews_table(result: Dashboard, filters: Filters, today: date) -> None:
    found = review_figures.compute(today, review_figures.Scope(
        since=filters.since, until=filters.until, due_from=filters.start,
        due_before=filters.end + timedelta(days=1), village_id=filters.village_id,
        kind=filters.category))
    rows = [[row.village, *(row.sources[s] for s in ItemSource), row.reported,
             row.settled_share, row.disputes, row.overdue] for row in found.villages]
    if rows:
        rows.append([_("Total"), *(found.total.sources[s] for s in ItemSource),
                     found.total.reported, found.total.settled_share, found.total.disputes,
                     found.total.overdue])
    result.tables["reviews"] = Table(
        "reviews", _("Joint reviews: hazard items"),
        [_("Village or community"), *(s.label for s in ItemSource), _("Items reported"),
         _("Settled within one meeting cycle (%)"), _("Turned into disputes"),
         _("Overdue follow-ups")], rows)


# Drawn for a wide card: the page scales the SVG to the card's width, and a narrower drawing
# would be blown up, or rotate and clip labels that fit side by side at this width.
CHART_WIDTH = 960


def _chart(table: Table, columns: list[int], render, **wording) -> ChartView:
    from reports import charts

    chart = charts.Chart(
        title=table.title, labels=[str(r[0]) for r in table.rows],
        series=[charts.Series(table.headers[c], [r[c] or 0 for r in table.rows])
                for c in columns],
        x_label=table.headers[0], element_id=f"chart-{table.key}", empty_text=_("No data"),
        **wording)
    return ChartView(render(chart, width=CHART_WIDTH), table, chart.is_empty)


def _charts(result: Dashboard) -> None:
    # The drawing and the report's layout are imported here, so that the scheduler's
    # check whether a report is due loads neither.
    from reports import charts

    t = result.tables
    result.charts = [
        _chart(t["trend"], [1, 2], charts.line_chart, unit=_("disputes")),
        _chart(t["categories"], [1, 2], charts.bar_chart, unit=_("disputes")),
        _chart(t["villages"], [1], charts.horizontal_bar_chart, unit=_("disputes")),
        _chart(t["actions"], [1, 2, 3, 4, 5], charts.stacked_bar_chart, unit=_("items"))
        if t["actions"].rows else _chart(t["tiers"], [1, 2], charts.bar_chart,
                                         unit=_("disputes")),
    ]


# --- the monthly report ---------------------------------------------------------------

def month_filters(month: str, zone) -> Filters:
    start = date.fromisoformat(f"{month}-01")
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Filters(start=start, end=end, zone=zone)


def previous_month(day: date) -> str:
    last = day.replace(day=1) - timedelta(days=1)
    return f"{last:%Y-%m}"


def report_due(now: datetime, zone) -> str | None:
    """The month whose report is due at `now`: the previous month, from the first working
    day of this month on (statutory holidays and make-up days included)."""
    from portal.calendar.services import working_calendar

    today = now.astimezone(zone).date()
    first = working_calendar().first_working_day(today.year, today.month)
    return previous_month(today) if today >= first else None


def generate_monthly_report(month: str, now: datetime | None = None,
                            actor: User | None = None, *,
                            new_edition: bool = False) -> MonthlyReport:
    """The stored report of `month` ("YYYY-MM"), made now if there is none yet.

    Calling it twice, from a restarted or a second scheduler, returns the same report:
    the month is unique in the table, and a lost race returns the winner's row.
    """
    existing = _stored(month)
    if existing is not None and not new_edition:
        return existing
    edition = existing.edition + 1 if existing is not None else 1
    now = now or utcnow()
    zone = portal_zone()
    with force_locale("zh_CN"):
        board = dashboard(month_filters(month, zone), now.astimezone(zone).date())
        document = monthly_document(board, month, now, edition)
    actor_id = actor.id if actor is not None else None
    db.session.commit()  # nothing is held while the report renders
    from reports.monthly import render_monthly_pdf

    pdf = render_monthly_pdf(document)
    actor = db.session.get(User, actor_id) if actor_id else None
    report = MonthlyReport(month=month, edition=edition, generated_at=now, generated_by=actor,
                           sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), pdf=pdf)
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except sa.exc.IntegrityError:
        return _stored(month)
    from portal.audit.services import record

    record("statistics.monthly_report", summary=month, actor=actor,
           changes={"month": month, "edition": edition, "sha256": report.sha256})
    db.session.flush()
    return report


def _stored(month: str) -> MonthlyReport | None:
    """The latest edition of the month's report."""
    return db.session.scalar(sa.select(MonthlyReport).where(MonthlyReport.month == month)
                             .order_by(MonthlyReport.edition.desc()).limit(1))


def request_monthly_report(month: str, actor: User | None = None, *,
                           new_edition: bool = False):
    """The stored report of ``month``, or the job that makes it; with ``new_edition`` the
    job of the next edition (an issued edition never changes)."""
    stored = _stored(month)
    if stored is not None and not new_edition:
        return stored
    edition = stored.edition + 1 if stored is not None else 1
    return queue.enqueue(
        "statistics.report", f"monthly-report:{month}:{edition}",
        {"month": month, "edition": edition,
         "actor": actor.id if actor is not None else None}, requested_by=actor)


@queue.handler("statistics.report", lease_seconds=600, max_attempts=3)
def _report_job(run: queue.JobRun) -> None:
    month, edition, actor = (run.payload[k] for k in ("month", "edition", "actor"))
    done = db.session.scalar(sa.select(MonthlyReport.id).where(
        MonthlyReport.month == month, MonthlyReport.edition >= edition))
    if done is None:  # a run repeated after a lost lease finds its edition made
        generate_monthly_report(month, actor=db.session.get(User, actor) if actor else None,
                                new_edition=edition > 1)


def run_due(now: datetime | None = None):
    """What the scheduler calls: the job of the month that is due, if any."""
    now = now or utcnow()
    month = report_due(now, portal_zone())
    if month is None or _stored(month) is not None:
        return None
    return request_monthly_report(month)


def monthly_document(board: Dashboard, month: str, now: datetime, edition: int = 1):
    from reports.monthly import MonthlyReportDocument, ReportTable

    year, number = (int(part) for part in month.split("-"))
    tables = [ReportTable(t.title, [str(h) for h in t.headers],
                          [[_cell(v) for v in row] for row in t.rows])
              for key, t in board.tables.items() if key != "summary"]
    reviews = board.tables["reviews"]
    return MonthlyReportDocument(
        issuer=current_app.config["PORTAL_ISSUER"],
        title=f"{year}年{number}月矛盾纠纷化解工作统计报告",
        month=month, generated_at=now, edition=edition,
        figures=[(f.label, f.value) for f in board.figures],
        definitions=[f"{f.label}：{f.definition}" for f in board.figures if f.definition]
        + [f"{reviews.title}：{definitions()['reviews']}"],
        # A chart with nothing to show would be an empty page.
        charts=[c.svg for c in board.charts if not c.empty], tables=tables)


def _cell(value: Cell) -> str:
    if value is None:
        return "—"
    return str(value)

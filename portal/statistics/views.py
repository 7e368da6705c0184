"""The statistics dashboard, its exports and the stored monthly reports."""

from __future__ import annotations

import re
from datetime import date, datetime

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.bounds import FIRST_DATE, in_range, optional_id, record_id
from portal.collation import by_pinyin
from portal.disputes.models import Category
from portal.extensions import db
from portal.jobs.respond import wait_for
from portal.orgs.models import Village
from portal.permissions import require
from portal.statistics import services
from portal.statistics.models import MonthlyReport
from portal.statistics.queries import Filters
from portal.timeutil import local_zone, utcnow
from reports.export import to_csv, to_xlsx

bp = Blueprint("statistics", __name__, url_prefix="/statistics")

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _day(value: str | None) -> date | None:
    try:
        return in_range(datetime.strptime(value, "%Y-%m-%d").date()) if value else None
    except ValueError:
        return None


def filters_from(args) -> Filters:
    zone = local_zone()
    today = utcnow().astimezone(zone).date()
    end = _day(args.get("to")) or today
    start = _day(args.get("from")) or date(end.year, 1, 1)
    if start > end:
        start, end = end, start
    category = Category.__members__.get(args.get("category") or "")
    tier = optional_id(args.get("tier"))
    return Filters(start=start, end=end, zone=zone, village_id=optional_id(args.get("village")),
                   category=category, tier=tier if tier in (1, 2, 3) else None)


def _today() -> date:
    return utcnow().astimezone(local_zone()).date()


@bp.route("/")
@login_required
@require("statistics.read")
def index():
    filters = filters_from(request.args)
    board = services.dashboard(filters, _today())
    villages = by_pinyin(db.session.execute(
        sa.select(Village.id, Village.name).where(Village.active)).all())
    reports = db.session.scalars(
        sa.select(MonthlyReport).order_by(MonthlyReport.month.desc(),
                                          MonthlyReport.edition.desc()).limit(24)).all()
    return render_template("statistics/index.html", board=board, filters=filters,
                           definitions=services.definitions(), villages=villages,
                           categories=list(Category), reports=reports,
                           query=request.args.to_dict())


def _stamp(filters: Filters) -> str:
    return f"{filters.start:%Y%m%d}-{filters.end:%Y%m%d}"


@bp.route("/export/<key>.csv")
@login_required
@require("statistics.read")
def export_csv(key: str):
    filters = filters_from(request.args)
    table = services.dashboard(filters, _today()).tables.get(key)
    if table is None:
        abort(404)
    return _download(to_csv(table.headers, table.rows), "text/csv; charset=utf-8",
                     f"statistics-{key}-{_stamp(filters)}.csv")


@bp.route("/export/<key>.xlsx")
@login_required
@require("statistics.read")
def export_xlsx(key: str):
    filters = filters_from(request.args)
    tables = services.dashboard(filters, _today()).tables
    chosen = list(tables.values()) if key == "all" else [tables.get(key)]
    if None in chosen:
        abort(404)
    body = to_xlsx([(t.title, t.headers, t.rows) for t in chosen])
    return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"statistics-{key}-{_stamp(filters)}.xlsx")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/reports/<month>.pdf")
@login_required
@require("statistics.read")
def report_pdf(month: str):
    """The latest edition of the month, or the one asked for (?edition=1)."""
    query = sa.select(MonthlyReport).where(MonthlyReport.month == month)
    edition = request.args.get("edition", type=record_id)
    query = query.where(MonthlyReport.edition == edition) if edition else query.order_by(
        MonthlyReport.edition.desc())
    report = db.session.scalar(query.limit(1))
    if report is None:
        abort(404)
    return _download(report.pdf, "application/pdf",
                     f"monthly-report-{month}-{report.edition}.pdf")


@bp.route("/reports", methods=["POST"])
@login_required
@require("statistics.manage")
def generate_report():
    month = (request.form.get("month") or "").strip()
    if (not MONTH.fullmatch(month) or month >= f"{_today():%Y-%m}"
            or month < f"{FIRST_DATE:%Y-%m}"):
        flash(_("Choose a month that has ended, as YYYY-MM."), "danger")
        return redirect(url_for(".index"))
    # An issued report never changes: asking again for a month makes a new edition.
    found = services.request_monthly_report(month, actor=current_user, new_edition=True)
    return wait_for(found, url_for(".report_pdf", month=month))

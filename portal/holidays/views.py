"""The holiday calendar page (system administrators): a year's holidays and make-up working
days, a preview of the whole year, and CSV import."""

import calendar as month_grid
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.extensions import db
from portal.holidays import services
from portal.holidays.forms import ImportForm, YearForm
from portal.holidays.workcal import PortalCalendar, working_calendar
from portal.permissions import require
from scheduling.workcal import FIRST_YEAR, StationDays, package_covers

bp = Blueprint("holidays", __name__, url_prefix="/admin/holidays")
LAST_EDITABLE = 2100


@bp.before_request
@login_required
@require("admin.manage")
def _admins_only():
    return None


@bp.route("/")
def index():
    today = services.local_today()
    missing = services.missing_years(today)
    return redirect(url_for(".year", year=missing[-1] if missing else today.year))


@bp.route("/<int:year>", methods=["GET", "POST"])
def year(year):
    if not FIRST_YEAR <= year <= LAST_EDITABLE:
        abort(404)
    form, errors = YearForm(), []
    entries = None
    if form.validate_on_submit():
        try:
            typed = (form.lines.data or "").strip()
            entries = services.parse(typed, year) if typed else []
            if form.save.data:
                services.save_year(current_user, year, entries)
                flash(_("The holidays of %(year)d are saved.", year=year), "success")
                return redirect(url_for(".year", year=year))
        except services.HolidaysRejected as rejected:
            db.session.rollback()
            flash(rejected.message, "danger")
            errors, entries = rejected.errors, None
    elif not form.is_submitted():
        form.lines.data = services.as_lines(services.entries_of(year))
    return _page(year, form, ImportForm(), errors, entries)


@bp.route("/import", methods=["POST"])
def import_csv():
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV file to import."), "danger")
        return redirect(url_for(".index"))
    try:
        year, count = services.import_csv(current_user, form.file.data.read())
    except services.HolidaysRejected as rejected:
        db.session.rollback()
        flash(rejected.message, "danger")
        today = services.local_today()
        return _page(today.year, YearForm(formdata=None, lines=services.as_lines(
            services.entries_of(today.year))), form, rejected.errors, None)
    flash(_("%(n)d days of %(year)d imported.", n=count, year=year), "success")
    return redirect(url_for(".year", year=year))


def _page(year: int, form: YearForm, import_form: ImportForm, errors, entries):
    """``entries`` (parsed, unsaved) are previewed instead of the saved ones when given."""
    calendar = working_calendar()
    previewing = entries is not None
    if previewing:
        others = [e for e in calendar.station.entries if e[0].year != year]
        calendar = PortalCalendar(zone=calendar.zone, station=StationDays.of([*others,
                                                                               *entries]))
    return render_template(
        "admin/holidays.html", year=year, form=form, import_form=import_form, errors=errors,
        previewing=previewing, months=_months(calendar, year), known=calendar.covers(year),
        in_package=package_covers(year), saved=services.entries_of(year),
        missing=services.missing_years())


def _months(calendar: PortalCalendar, year: int):
    """Each month as weeks of (day, kind, holiday name); days of other months are None."""
    grid = month_grid.Calendar()
    months = []
    for month in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            weeks.append([_cell(calendar, day) if day.month == month else None for day in week])
        months.append((month, weeks))
    return months


def _cell(calendar: PortalCalendar, day: date):
    name = calendar.holiday_name(day)
    working = calendar.is_working_day(day)
    if name:
        return day, "holiday", name
    if working and day.weekday() >= 5:
        return day, "makeup", ""
    return day, "working" if working else "rest", ""

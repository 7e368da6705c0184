"""The portal's working calendar: the packaged holiday data with the station's own entries
over it, as every working-day decision (slots, deadlines, reminders, figures) reads it."""

from __future__ import annotations

from datetime import date

from flask import current_app

from portal.holidays.services import station_days
from scheduling.workcal import LAST_YEAR, WorkingCalendar


class PortalCalendar(WorkingCalendar):
    """The working calendar, with a declared fallback for years the holiday data lacks.

    The State Council publishes a year's holidays and make-up days (调休) only weeks before
    it begins, yet meetings are planned across the new year. The station enters them on the
    holiday calendar page (portal.holidays) as soon as the notice is out; for a year neither
    it nor the package covers, Monday to Friday count as working days and no day is a
    holiday, and every page and slot that touches such a year says so
    (``unknown_holiday_years``), so it is not a silent guess. Years before the data still
    raise ``CalendarRangeError``.
    """

    def is_working_day(self, day: date) -> bool:
        if day.year > LAST_YEAR and not self.covers(day.year):
            return day.weekday() < 5
        return super().is_working_day(day)

    def holiday_name(self, day: date) -> str | None:
        if day.year > LAST_YEAR and not self.covers(day.year):
            return None
        return super().holiday_name(day)


def working_calendar() -> PortalCalendar:
    """The calendar every working-day decision of the portal uses: the holiday package with
    the station's own entries over it."""
    return PortalCalendar(zone=current_app.config["PORTAL_TIMEZONE"], station=station_days())

"""Entering a year's holidays and make-up working days, by hand or from a CSV file.

A year is saved whole: the lines given replace that year's entries, or nothing changes when
any line is wrong (every problem is reported with its line number). The working calendar
(portal.holidays.workcal.working_calendar) reads the entries on every use.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.audit.services import record
from portal.csvfiles import ImportRejected, decode
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.holidays.models import HolidayEntry
from portal.permissions import can
from portal.timeutil import utcnow
from scheduling.workcal import StationDays, package_covers

HOLIDAY_WORDS = {"holiday", "休", "假", "放假"}
WORKDAY_WORDS = {"workday", "班", "上班", "调休上班"}
HEADER_WORDS = {"date", "日期"}
NAME_MAX = 40
# From this day of the year on, next year's holidays are due (the notice comes out in
# October or November) and `portal doctor` asks for them.
DUE_FROM = (11, 1)


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


class HolidaysRejected(DomainError):
    """The lines cannot be saved; ``errors`` lists each problem with its line number."""

    def __init__(self, message: str, errors: list[LineError]):
        super().__init__(message)
        self.errors = errors


def station_days() -> StationDays:
    rows = db.session.execute(sa.select(HolidayEntry.day, HolidayEntry.working,
                                        HolidayEntry.name))
    return StationDays.of((day, working, name) for day, working, name in rows)


def entries_of(year: int) -> list[HolidayEntry]:
    return list(db.session.scalars(
        sa.select(HolidayEntry).where(HolidayEntry.day >= date(year, 1, 1),
                                      HolidayEntry.day <= date(year, 12, 31))
        .order_by(HolidayEntry.day)))


def as_lines(entries) -> str:
    """Entries in the form's own line format, for editing them again."""
    return "\n".join(f"{e.day.isoformat()},{'workday' if e.working else 'holiday'}"
                     + (f",{e.name}" if e.name else "") for e in entries)


def year_known(year: int, days: StationDays | None = None) -> bool:
    return package_covers(year) or year in (days or station_days()).years


def local_today() -> date:
    from zoneinfo import ZoneInfo

    return utcnow().astimezone(ZoneInfo(current_app.config["PORTAL_TIMEZONE"])).date()


def missing_years(today: date | None = None) -> list[int]:
    """This year, and from 1 November next year, when the portal knows no holidays for them."""
    today = today or local_today()
    wanted = [today.year]
    if (today.month, today.day) >= DUE_FROM:
        wanted.append(today.year + 1)
    days = station_days()
    return [year for year in wanted if not year_known(year, days)]


def parse(text: str, year: int | None = None) -> list[tuple[date, bool, str]]:
    """``date,kind[,name]`` lines (kind: holiday/休 or workday/班) as entries, all of one
    year (``year`` if given). Raises :class:`HolidaysRejected` listing every bad line."""
    entries: list[tuple[date, bool, str]] = []
    errors: list[LineError] = []
    seen: dict[date, int] = {}
    rows = csv.reader(io.StringIO(text.replace("，", ",").replace("\t", ",")))
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].lstrip("\ufeff").lower() in HEADER_WORDS:
            continue
        problem, entry = _parse_row(cells, year)
        if problem is None and entry[0] in seen:
            problem = _("%(day)s is given twice (also on line %(line)d).",
                        day=entry[0].isoformat(), line=seen[entry[0]])
        if problem is not None:
            errors.append(LineError(number, problem))
            continue
        seen[entry[0]] = number
        entries.append(entry)
    years = {day.year for day, _working, _name in entries}
    if not errors and len(years) > 1:
        errors.append(LineError(0, _("Give one year at a time; these lines cover %(years)s.",
                                     years="、".join(str(y) for y in sorted(years)))))
    if errors:
        raise HolidaysRejected(_("Nothing was saved: %(n)d line(s) need correcting.",
                                 n=len(errors)), errors)
    if not entries:
        raise HolidaysRejected(_("Nothing was saved: no holiday or make-up working day was "
                                 "given."), [])
    return entries


def _parse_row(cells: list[str], year: int | None):
    if len(cells) < 2 or len(cells) > 3:
        return _("Write the date, the kind (holiday or workday) and the holiday's name, "
                 "separated by commas."), None
    try:
        day = datetime.strptime(cells[0].lstrip("\ufeff"), "%Y-%m-%d").date()
    except ValueError:
        return _("“%(value)s” is not a date like 2027-01-01.", value=cells[0][:20]), None
    if year is not None and day.year != year:
        return _("%(day)s is not in %(year)d.", day=day.isoformat(), year=year), None
    kind = cells[1].lower()
    if kind not in HOLIDAY_WORDS | WORKDAY_WORDS:
        return _("“%(value)s” is neither holiday (休) nor workday (班).", value=cells[1][:20]), None
    working = kind in WORKDAY_WORDS
    name = cells[2] if len(cells) == 3 else ""
    if not working and not name:
        return _("Name the holiday of %(day)s (e.g. 元旦).", day=day.isoformat()), None
    if len(name) > NAME_MAX:
        return _("The name is longer than %(n)d characters.", n=NAME_MAX), None
    if working and day.weekday() < 5:
        return _("%(day)s is a weekday: only a Saturday or Sunday can be a make-up working "
                 "day.", day=day.isoformat()), None
    return None, (day, working, name)


def save_year(actor, year: int, entries: list[tuple[date, bool, str]]) -> None:
    """Replace the station's entries for ``year`` with ``entries`` and audit the change."""
    if not can(actor, "admin.manage"):
        raise NotAllowed(_("Only a system administrator may change the holiday calendar."))
    if any(day.year != year for day, _working, _name in entries):
        raise DomainError(_("All days must be in %(year)d.", year=year))
    before = {e.day: (e.working, e.name) for e in entries_of(year)}
    after = {day: (working, name) for day, working, name in entries}
    db.session.execute(sa.delete(HolidayEntry).where(
        HolidayEntry.day >= date(year, 1, 1), HolidayEntry.day <= date(year, 12, 31)))
    db.session.add_all(HolidayEntry(day=day, working=working, name=name)
                       for day, (working, name) in sorted(after.items()))
    db.session.flush()

    def described(days: dict) -> list[str]:
        return [f"{day.isoformat()} {'workday' if working else 'holiday'} {name}".rstrip()
                for day, (working, name) in sorted(days.items())]

    changed = {day: value for day, value in after.items() if before.get(day) != value}
    record("holidays.year_saved", None, actor=actor,
           summary=f"{year}: {sum(not w for w, _n in after.values())} holidays, "
                   f"{sum(w for w, _n in after.values())} make-up working days",
           changes={"year": year, "set": described(changed),
                    "removed": described({d: v for d, v in before.items() if d not in after})})
    db.session.flush()


def import_csv(actor, data: bytes) -> tuple[int, int]:
    """A CSV file of one year's lines (UTF-8 or GBK): saved like the form. Returns (year,
    number of entries)."""
    try:
        text = decode(data)
    except ImportRejected as error:
        raise HolidaysRejected(error.message, []) from None
    entries = parse(text)
    year = entries[0][0].year
    save_year(actor, year, entries)
    return year, len(entries)

"""The working calendar: office hours in a zone, China's holidays and make-up days.

Which days are working days comes from the ``chinesecalendar`` package, which
carries the State Council's yearly notice: statutory holidays *and* the
weekend days declared working days to make up for them (调休). A Sunday can be
a working day and a Wednesday a holiday, so the weekday alone never decides.

The package is released after the notice, sometimes weeks after, so a station keeps its
own entries too (:class:`StationDays`, plain data the caller passes in): they override the
package for their dates, and a year with any entry counts as covered, its other days
following the weekday. Dates in years neither covers raise :class:`CalendarRangeError`.

API (all instants are aware; results are in UTC)::

    cal = WorkingCalendar()                      # Asia/Shanghai, 08:30-12:00, 14:30-17:30
    cal = WorkingCalendar(station=StationDays.of([(date, is_working, name), ...]))
    cal.covers(year)               -> bool
    cal.is_working_day(date)       -> bool
    cal.holiday_name(date)         -> str | None  (English name, e.g. "National Day")
    cal.working_intervals(start, end) -> list[Interval]  (clipped to the window)
    cal.periods_between(start, end) -> list[Interval]     (whole periods touching it)
    cal.within_working_hours(start, end) -> bool  (inside one contiguous period)
    cal.check(start, end, now)     -> tuple[Reason, ...]  (warnings for the web layer)
    cal.first_working_day(year, month) -> date
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar
from chinese_calendar import constants as _holiday_data

from scheduling.errors import CalendarRangeError, SlotError, SlotErrorCode
from scheduling.intervals import Interval, require_aware

DEFAULT_ZONE = "Asia/Shanghai"
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 30), time(17, 30)),
)

_covered = {day.year for day in _holiday_data.holidays} | {
    day.year for day in _holiday_data.workdays
}
FIRST_YEAR: int = min(_covered)
LAST_YEAR: int = max(_covered)


class Reason(StrEnum):
    """Why a proposed interval deserves a warning (not an error: the convener decides)."""

    PAST = "past"
    HOLIDAY = "holiday"
    REST_DAY = "rest_day"
    OUTSIDE_HOURS = "outside_hours"


def _require_covered(day: date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CalendarRangeError(day.year, FIRST_YEAR, LAST_YEAR)


def package_covers(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


@dataclass(frozen=True)
class StationDays:
    """The station's own entries from the State Council's notice.

    ``entries`` are ``(day, is_working, name)``: a statutory holiday (``is_working`` false,
    ``name`` such as "元旦") or a make-up working day (调休, ``is_working`` true).
    """

    entries: tuple[tuple[date, bool, str], ...] = ()
    _by_day: dict[date, tuple[bool, str]] = field(init=False, repr=False, compare=False)
    years: frozenset[int] = field(init=False, compare=False)

    @classmethod
    def of(cls, entries: Iterable[tuple[date, bool, str]]) -> "StationDays":
        return cls(tuple(sorted(entries)))

    def __post_init__(self) -> None:
        by_day = {day: (working, name) for day, working, name in self.entries}
        object.__setattr__(self, "_by_day", by_day)
        object.__setattr__(self, "years", frozenset(day.year for day in by_day))

    def get(self, day: date) -> tuple[bool, str] | None:
        return self._by_day.get(day)


NO_STATION_DAYS = StationDays()


@lru_cache(maxsize=4096)
def _is_workday(day: date) -> bool:
    _require_covered(day)
    return chinese_calendar.is_workday(day)


@lru_cache(maxsize=4096)
def _holiday_name(day: date) -> str | None:
    _require_covered(day)
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    # The package also names the make-up working days after their holiday; only
    # a day off carries a holiday name here.
    return name if on_holiday and name else None


@dataclass(frozen=True)
class WorkingCalendar:
    """Office hours (the same periods on every working day) in one IANA zone.

    ``periods`` are local wall-clock ``(open, close)`` pairs in order, with a
    gap between them (the lunch break is not working time).
    """

    zone: str = DEFAULT_ZONE
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    station: StationDays = NO_STATION_DAYS
    tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "tz", ZoneInfo(self.zone))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SlotError(SlotErrorCode.UNKNOWN_ZONE, f"unknown zone {self.zone!r}") from exc
        if not self.periods:
            raise ValueError("a working calendar needs at least one period")
        previous_close: time | None = None
        for opens, closes in self.periods:
            if not opens < closes:
                raise ValueError(f"period {opens}-{closes} must close after it opens")
            if previous_close is not None and opens <= previous_close:
                raise ValueError("periods must be in order with a gap between them")
            previous_close = closes

    def covers(self, year: int) -> bool:
        """Whether the holidays of ``year`` are known, from the package or the station."""
        return package_covers(year) or year in self.station.years

    def is_working_day(self, day: date) -> bool:
        entry = self.station.get(day)
        if entry is not None:
            return entry[0]
        if day.year in self.station.years and not package_covers(day.year):
            return day.weekday() < 5
        return _is_workday(day)

    def holiday_name(self, day: date) -> str | None:
        entry = self.station.get(day)
        if entry is not None:
            return None if entry[0] else entry[1]
        if day.year in self.station.years and not package_covers(day.year):
            return None
        return _holiday_name(day)

    @property
    def day_span(self) -> timedelta:
        """From the first opening to the last closing: the longest acceptable meeting."""
        return _between(self.periods[0][0], self.periods[-1][1])

    @property
    def longest_period(self) -> timedelta:
        return max(_between(opens, closes) for opens, closes in self.periods)

    def day_intervals(self, day: date) -> list[Interval]:
        """The working periods of one local date, in UTC; empty on a day off."""
        if not self.is_working_day(day):
            return []
        return [
            Interval(
                datetime.combine(day, opens, self.tz).astimezone(UTC),
                datetime.combine(day, closes, self.tz).astimezone(UTC),
            )
            for opens, closes in self.periods
        ]

    def periods_between(self, start: datetime, end: datetime) -> list[Interval]:
        """Whole working periods that overlap ``[start, end)``, unclipped, in order."""
        require_aware(start, end)
        window = Interval(start.astimezone(UTC), end.astimezone(UTC))
        return [
            period
            for day in self._local_dates(window.start, window.end)
            for period in self.day_intervals(day)
            if period.overlaps(window)
        ]

    def working_intervals(self, start: datetime, end: datetime) -> list[Interval]:
        """Working time within ``[start, end)``, clipped, in order, as UTC intervals."""
        require_aware(start, end)
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        return [
            Interval(max(period.start, start), min(period.end, end))
            for period in self.periods_between(start, end)
        ]

    def within_working_hours(self, start: datetime, end: datetime) -> bool:
        """True when ``[start, end)`` lies inside one working period of one working day."""
        pieces = self.working_intervals(start, end)
        return len(pieces) == 1 and pieces[0] == Interval(
            start.astimezone(UTC), end.astimezone(UTC)
        )

    def check(self, start: datetime, end: datetime, now: datetime) -> tuple[Reason, ...]:
        """Warnings for a proposed meeting; an empty tuple means nothing to flag."""
        require_aware(start, end, now)
        reasons: list[Reason] = []
        if start < now:
            reasons.append(Reason.PAST)
        days = self._local_dates(start, end)
        if any(self.holiday_name(day) for day in days):
            reasons.append(Reason.HOLIDAY)
        elif not all(self.is_working_day(day) for day in days):
            reasons.append(Reason.REST_DAY)
        if all(self.is_working_day(day) for day in days) and not self.within_working_hours(
            start, end
        ):
            reasons.append(Reason.OUTSIDE_HOURS)
        return tuple(reasons)

    def first_working_day(self, year: int, month: int) -> date:
        day = date(year, month, 1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def _local_dates(self, start: datetime, end: datetime) -> list[date]:
        first = start.astimezone(self.tz).date()
        # The end is exclusive: a meeting ending at midnight does not touch the next day.
        last = (end.astimezone(self.tz) - timedelta(microseconds=1)).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _between(opens: time, closes: time) -> timedelta:
    anchor = date(2000, 1, 1)
    return datetime.combine(anchor, closes) - datetime.combine(anchor, opens)

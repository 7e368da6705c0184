from datetime import date, datetime, time, timedelta

import pytest

from scheduling.errors import CalendarRangeError, SlotError
from scheduling.intervals import Interval
from scheduling.workcal import FIRST_YEAR, LAST_YEAR, Reason, WorkingCalendar


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_holiday_data_covers_2025_and_2026():
    assert FIRST_YEAR <= 2025 and LAST_YEAR >= 2026


@pytest.mark.parametrize("day", days(date(2025, 10, 1), date(2025, 10, 8)))
def test_national_day_2025_is_off_all_week(calendar, day):
    assert not calendar.is_working_day(day)
    # In 2025 the Mid-Autumn Festival (6 October) falls inside the week.
    assert calendar.holiday_name(day) in {"National Day", "Mid-autumn Festival"}


@pytest.mark.parametrize(
    "makeup_day",
    [date(2025, 9, 28), date(2025, 10, 11)],
    ids=["sunday-before", "saturday-after"],
)
def test_national_day_2025_makeup_weekend_days_are_working_days(calendar, makeup_day):
    assert makeup_day.weekday() >= 5
    assert calendar.is_working_day(makeup_day)
    assert calendar.holiday_name(makeup_day) is None


def test_ordinary_weekend_after_national_day_2025_is_a_rest_day(calendar):
    assert not calendar.is_working_day(date(2025, 10, 12))
    assert calendar.holiday_name(date(2025, 10, 12)) is None


def test_national_day_2026_and_its_makeup_days(calendar):
    assert not any(calendar.is_working_day(d) for d in days(date(2026, 10, 1), date(2026, 10, 7)))
    assert calendar.is_working_day(date(2026, 10, 8))
    assert calendar.is_working_day(date(2026, 9, 20))  # Sunday
    assert calendar.is_working_day(date(2026, 10, 10))  # Saturday


def test_spring_festival_2025_and_its_makeup_days(calendar):
    assert not any(calendar.is_working_day(d) for d in days(date(2025, 1, 28), date(2025, 2, 4)))
    assert calendar.holiday_name(date(2025, 1, 29)) == "Spring Festival"
    assert calendar.is_working_day(date(2025, 1, 26))  # Sunday
    assert calendar.is_working_day(date(2025, 2, 8))  # Saturday


def test_spring_festival_2026_and_its_makeup_saturdays(calendar):
    assert not any(calendar.is_working_day(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert calendar.is_working_day(date(2026, 2, 24))
    assert calendar.is_working_day(date(2026, 2, 14))
    assert calendar.is_working_day(date(2026, 2, 28))


@pytest.mark.parametrize("year", [LAST_YEAR + 1, FIRST_YEAR - 1])
def test_date_outside_holiday_data_raises_range_error_naming_years(calendar, year):
    with pytest.raises(CalendarRangeError, match=f"{FIRST_YEAR}-{LAST_YEAR}") as caught:
        calendar.is_working_day(date(year, 3, 2))
    assert caught.value.year == year


def test_working_intervals_beyond_holiday_data_raise_range_error(calendar, utc):
    with pytest.raises(CalendarRangeError):
        calendar.working_intervals(utc(LAST_YEAR, 12, 30), utc(LAST_YEAR + 1, 1, 3))


def test_working_intervals_on_makeup_sunday_are_office_hours_in_utc(calendar, shanghai, utc):
    found = calendar.working_intervals(shanghai(2025, 9, 28), shanghai(2025, 9, 29))
    assert found == [
        Interval(utc(2025, 9, 28, 0, 30), utc(2025, 9, 28, 4, 0)),
        Interval(utc(2025, 9, 28, 6, 30), utc(2025, 9, 28, 9, 30)),
    ]


def test_working_intervals_skip_the_whole_holiday_week(calendar, shanghai):
    found = calendar.working_intervals(shanghai(2025, 9, 30, 12, 0), shanghai(2025, 10, 10))
    assert {i.start.astimezone(calendar.tz).date() for i in found} == {
        date(2025, 9, 30),
        date(2025, 10, 9),
    }


def test_working_intervals_are_clipped_to_the_window(calendar, shanghai):
    found = calendar.working_intervals(shanghai(2025, 10, 9, 10, 0), shanghai(2025, 10, 9, 15, 0))
    assert found == [
        Interval(shanghai(2025, 10, 9, 10, 0), shanghai(2025, 10, 9, 12, 0)),
        Interval(shanghai(2025, 10, 9, 14, 30), shanghai(2025, 10, 9, 15, 0)),
    ]


def test_custom_hours_and_zone(utc):
    berlin = WorkingCalendar(zone="Europe/Berlin", periods=((time(9), time(17)),))
    found = berlin.working_intervals(utc(2025, 10, 9), utc(2025, 10, 10))
    assert found == [Interval(utc(2025, 10, 9, 7), utc(2025, 10, 9, 15))]


def test_periods_must_be_ordered_with_gaps():
    with pytest.raises(ValueError, match="gap"):
        WorkingCalendar(periods=((time(8), time(12)), (time(12), time(17))))


def test_unknown_zone_is_rejected():
    with pytest.raises(SlotError):
        WorkingCalendar(zone="Asia/Gaoping")


def test_naive_instants_are_rejected(calendar):
    with pytest.raises(SlotError):
        calendar.working_intervals(datetime(2025, 10, 9), datetime(2025, 10, 10))


def test_check_passes_a_morning_meeting_on_a_working_day(calendar, shanghai):
    now = shanghai(2025, 10, 1)
    assert calendar.check(shanghai(2025, 10, 9, 9), shanghai(2025, 10, 9, 11), now) == ()


def test_check_flags_a_meeting_in_the_past(calendar, shanghai):
    now = shanghai(2025, 10, 10)
    reasons = calendar.check(shanghai(2025, 10, 9, 9), shanghai(2025, 10, 9, 11), now)
    assert reasons == (Reason.PAST,)


def test_check_flags_a_statutory_holiday(calendar, shanghai):
    now = shanghai(2025, 9, 1)
    reasons = calendar.check(shanghai(2025, 10, 3, 9), shanghai(2025, 10, 3, 11), now)
    assert reasons == (Reason.HOLIDAY,)


def test_check_flags_an_ordinary_weekend_as_rest_day(calendar, shanghai):
    now = shanghai(2025, 9, 1)
    reasons = calendar.check(shanghai(2025, 10, 12, 9), shanghai(2025, 10, 12, 11), now)
    assert reasons == (Reason.REST_DAY,)


def test_check_accepts_a_makeup_sunday(calendar, shanghai):
    now = shanghai(2025, 9, 1)
    assert calendar.check(shanghai(2025, 9, 28, 9), shanghai(2025, 9, 28, 11), now) == ()


def test_check_flags_a_meeting_across_the_lunch_break(calendar, shanghai):
    now = shanghai(2025, 9, 1)
    reasons = calendar.check(shanghai(2025, 10, 9, 11), shanghai(2025, 10, 9, 15), now)
    assert reasons == (Reason.OUTSIDE_HOURS,)


def test_check_flags_an_evening_meeting(calendar, shanghai):
    now = shanghai(2025, 9, 1)
    reasons = calendar.check(shanghai(2025, 10, 9, 18), shanghai(2025, 10, 9, 19), now)
    assert reasons == (Reason.OUTSIDE_HOURS,)


def test_within_working_hours_accepts_a_whole_period(calendar, shanghai):
    assert calendar.within_working_hours(shanghai(2025, 10, 9, 8, 30), shanghai(2025, 10, 9, 12))
    assert not calendar.within_working_hours(shanghai(2025, 10, 9, 8, 0), shanghai(2025, 10, 9, 9))


@pytest.mark.parametrize(
    ("year", "month", "first"),
    [
        (2025, 10, date(2025, 10, 9)),  # after the National Day week
        (2025, 2, date(2025, 2, 5)),  # after Spring Festival
        (2026, 2, date(2026, 2, 2)),  # 1 Feb is a Sunday
        (2026, 1, date(2026, 1, 4)),  # New Year off 1-3 Jan, Sunday 4 Jan made up
    ],
)
def test_first_working_day_of_month(calendar, year, month, first):
    assert calendar.first_working_day(year, month) == first


def test_the_stations_entries_override_and_extend_the_package():
    from scheduling.workcal import StationDays

    later = LAST_YEAR + 1
    sunday = date(later, 2, 1) + timedelta(days=(6 - date(later, 2, 1).weekday()) % 7)
    station = StationDays.of([(date(later, 1, 1), False, "元旦"),
                              (sunday, True, ""),
                              (date(LAST_YEAR, 12, 31), False, "站内假日")])
    calendar = WorkingCalendar(station=station)
    assert calendar.covers(later) and not WorkingCalendar().covers(later)
    assert calendar.holiday_name(date(later, 1, 1)) == "元旦"
    assert calendar.is_working_day(sunday) and not calendar.is_working_day(
        sunday + timedelta(days=7))
    assert calendar.is_working_day(date(later, 1, 4)) is (date(later, 1, 4).weekday() < 5)
    assert not calendar.is_working_day(date(LAST_YEAR, 12, 31))
    assert calendar.holiday_name(date(LAST_YEAR, 12, 31)) == "站内假日"
    assert WorkingCalendar().holiday_name(date(LAST_YEAR, 12, 31)) is None
    with pytest.raises(CalendarRangeError):
        calendar.is_working_day(date(later + 1, 1, 4))

"""Domain errors raised by the scheduling package.

Every error carries a machine-readable ``code`` so the web layer can choose a
translated message; the English text is for logs and tracebacks.
"""

from enum import StrEnum


class SchedulingError(Exception):
    """Base class: catch this to handle any scheduling rule violation."""


class CalendarRangeError(SchedulingError):
    """A date lies outside the years the holiday data covers.

    China's State Council publishes each year's holidays and make-up working
    days (调休) only months ahead, so a date beyond the data cannot be
    classified; guessing from weekdays would be wrong around every holiday.
    """

    def __init__(self, year: int, first: int, last: int) -> None:
        super().__init__(
            f"no holiday data for {year}: the working calendar covers {first}-{last}; "
            "upgrade the chinesecalendar package to schedule later dates"
        )
        self.year = year
        self.first = first
        self.last = last


class SlotErrorCode(StrEnum):
    NAIVE_EXPECTED = "naive_expected"
    AWARE_EXPECTED = "aware_expected"
    UNKNOWN_ZONE = "unknown_zone"
    NONEXISTENT_TIME = "nonexistent_time"
    END_NOT_AFTER_START = "end_not_after_start"
    LONGER_THAN_WORKING_DAY = "longer_than_working_day"
    OVERLAPPING = "overlapping"
    BAD_SEARCH = "bad_search"


class SlotError(SchedulingError, ValueError):
    """A proposed slot or slot search is invalid; ``code`` says why."""

    def __init__(self, code: SlotErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code

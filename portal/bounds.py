"""The ranges input may take before it reaches the database.

Row ids are 32-bit on PostgreSQL (SERIAL, INTEGER) and 64-bit on SQLite; a larger number
in a URL, a query or a form would raise deep inside the driver. Everything the pages read
as an id or a number goes through these bounds, so an impossible value is simply "not
found" or "not valid".
"""

from __future__ import annotations

from datetime import date

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
# Dates the portal can compute with in every time zone (year 1 or 9999 would overflow).
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: a whole number a row id can be; anything else is 404."""

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def record_id(value: str | None) -> int:
    """For `request.args.get(name, type=record_id)`: a possible row id, else ValueError."""
    if value is None or not value.isascii() or not value.strip().isdigit():
        raise ValueError("not a row id")
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError("not a row id")
    return number


def optional_id(value: str | None) -> int | None:
    try:
        return record_id(value)
    except ValueError:
        return None


def page_number(value: str | None) -> int:
    """A page number from a query string: malformed is the first page, huge the last one."""
    if value is None or not value.isascii() or not value.strip().isdigit():
        return 1
    return min(max(1, int(value)), MAX_PAGE)


def in_range(day: date | None) -> date | None:
    """The date if the portal can work with it, else None."""
    return day if day is not None and FIRST_DATE <= day <= LAST_DATE else None

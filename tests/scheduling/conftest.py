"""Fixtures for the scheduling library: plain data, no Flask, no database."""

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduling import ical
from scheduling.ical import Attendee, ConferenceEvent, EventStatus, Mailbox
from scheduling.slots import WallClockSlot
from scheduling.workcal import WorkingCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


Instant = Callable[..., datetime]


def _shanghai(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture
def shanghai() -> Instant:
    """Builds aware Shanghai datetimes: ``shanghai(2025, 10, 9, 9, 30)``."""
    return _shanghai


@pytest.fixture
def utc() -> Instant:
    return _utc


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.fixture(autouse=True)
def empty_ical_caches() -> None:
    # The VEVENT cache is process-wide; each test starts from nothing so one
    # test's events cannot satisfy another's lookups.
    ical.clear_caches()


@pytest.fixture
def make_event() -> Callable[..., ConferenceEvent]:
    def make(**changes: object) -> ConferenceEvent:
        fields: dict[str, object] = {
            "uid": "conference-17@portal.example",
            "sequence": 0,
            "summary": "联席会商 GP-2025-0042",
            "description": "案件编号 GP-2025-0042; details: https://portal.example/c/17",
            "location": "南城派出所 二楼会议室",
            "slot": WallClockSlot(
                datetime(2025, 10, 9, 9, 30), datetime(2025, 10, 9, 11, 0), "Asia/Shanghai"
            ),
            "status": EventStatus.CONFIRMED,
            "organizer": Mailbox("convener@nancheng.example", "王召集"),
            "updated": _utc(2025, 9, 20, 8, 0),
        }
        fields.update(changes)
        return ConferenceEvent(**fields)  # type: ignore[arg-type]

    return make


@pytest.fixture
def head_of_court() -> Attendee:
    return Attendee("court.head@gaoping.example", "李庭长", required=True)


@pytest.fixture
def lawyer() -> Attendee:
    return Attendee("lawyer@village.example", "赵律师", required=False)

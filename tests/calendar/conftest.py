"""A sent conference with the three heads and a sector body, and slots on coming workdays."""

from datetime import date, datetime, time, timedelta

import pytest

from portal.orgs.models import OrgKind, Role
from scheduling.slots import WallClockSlot
from scheduling.workcal import WorkingCalendar

ZONE = "Asia/Shanghai"


def workday(n: int = 0) -> date:
    """The n-th working day (0-based) from the day after tomorrow, in Shanghai."""
    calendar = WorkingCalendar(ZONE)
    day = date.today() + timedelta(days=2)
    seen = -1
    while True:
        if calendar.is_working_day(day):
            seen += 1
            if seen == n:
                return day
        day += timedelta(days=1)


def slot(n: int = 0, starts: time = time(9, 0), ends: time = time(11, 0)) -> WallClockSlot:
    day = workday(n)
    return WallClockSlot(datetime.combine(day, starts), datetime.combine(day, ends), ZONE)


@pytest.fixture
def world(make, nancheng):
    """(conference, convener, secretary, people by kind, room)."""
    bodies, people = nancheng
    convener = make.user(Role.CONVENER, full_name="召集人")
    secretary = make.user(Role.SECRETARY, full_name="记录员")
    conference = make.conference(convener=convener, secretary=secretary)
    return conference, convener, secretary, people, make.room(name="致和调解室")


def invitation_of(conference, kind: OrgKind):
    return next(i for i in conference.invitations
                if i.organisation is not None and i.organisation.kind is kind)

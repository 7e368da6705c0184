"""A sent conference with the three heads and a sector body, and slots on coming workdays."""

import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from portal.calendar.services import PortalCalendar
from portal.orgs.models import OrgKind, Role
from scheduling.slots import WallClockSlot

ZONE = "Asia/Shanghai"
PORTAL = str(Path(sys.executable).with_name("portal"))


def workday(n: int = 0) -> date:
    """The n-th working day (0-based) from the day after tomorrow, in Shanghai."""
    calendar = PortalCalendar(ZONE)
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


def tick_processes(app, now, count=3, kill_one=False):
    """Run ``count`` scheduler processes (``portal scheduler --once``) at ``now`` at once;
    with ``kill_one``, the first is killed if it has not finished within a second."""
    env = dict(os.environ, PORTAL_ENV="testing",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    processes = [subprocess.Popen([PORTAL, "scheduler", "--once", "--now", now.isoformat()],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(count)]
    if kill_one:
        try:
            processes[0].wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            processes[0].kill()
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 or (kill_one and process is processes[0]), err.decode()

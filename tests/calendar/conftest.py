"""A sent conference with the three heads and a sector body, and slots on coming workdays."""

import json
import os
import select
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from portal.holidays.workcal import PortalCalendar
from portal.orgs.models import OrgKind, Role
from scheduling.slots import WallClockSlot

ZONE = "Asia/Shanghai"
WORKER = Path(__file__).with_name("scheduler_worker.py")


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


class Schedulers:
    """``count`` scheduler processes on the test database, started once and kept running;
    ``tick(now)`` makes all of them run one `portal scheduler --once` tick at ``now`` at the
    same moment."""

    def __init__(self, app, count: int = 3):
        self.env = dict(os.environ, PORTAL_ENV="testing",
                        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
        self.processes = [self._start() for _ in range(count)]
        self.started = count

    def _start(self) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, str(WORKER)], env=self.env, text=True,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert json.loads(process.stdout.readline() or "{}").get("ready"), "worker died"
        return process

    def tick(self, now, kill_one: bool = False) -> None:
        """With ``kill_one``, the first process is killed if it has not finished within a
        second (as a crash mid-tick would), and a fresh one takes its place afterwards."""
        for process in self.processes:
            process.stdin.write(now.isoformat() + "\n")
            process.stdin.flush()
        killed = None
        if kill_one and not select.select([self.processes[0].stdout], [], [], 1.0)[0]:
            killed = self.processes[0]
            killed.kill()
            killed.wait()
        for process in self.processes:
            if process is not killed:
                answer = json.loads(process.stdout.readline() or '{"code": "died"}')
                assert answer["code"] == 0, answer
        if killed is not None:
            self.processes[0] = self._start()
            self.started += 1

    def close(self) -> None:
        for process in self.processes:
            process.stdin.close()
        for process in self.processes:
            process.wait(timeout=60)


@pytest.fixture
def schedulers(app):
    running = Schedulers(app)
    yield running
    running.close()

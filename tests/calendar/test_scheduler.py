"""Reminders: planned into rows, each sent exactly once by however many scheduler processes."""

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from portal.calendar.models import ReminderRow
from portal.calendar.tick import tick
from portal.conferences import services as conferences
from portal.conferences.models import Answer
from portal.extensions import db
from portal.notifications.models import Notification
from portal.orgs.models import OrgKind
from tests.calendar.conftest import invitation_of

PORTAL = str(Path(sys.executable).with_name("portal"))


def _scheduled(world):
    """Court accepted, the rest silent; the meeting two days after the answer deadline."""
    conference, convener, _, people, room = world
    conferences.answer(people[OrgKind.COURT], invitation_of(conference, OrgKind.COURT),
                       Answer.ACCEPTED)
    starts = conference.response_deadline + timedelta(days=2)
    conferences.schedule(convener, conference, starts, starts + timedelta(hours=2), room, "先定")
    return conference


def _sent() -> Counter:
    return Counter((n.recipient_id, n.kind, n.body) for n in db.session.scalars(
        sa.select(Notification).where(Notification.kind.in_(
            ["deadline_approaching", "responses_overdue", "meeting_soon"]))))


def test_a_tick_sends_what_is_due_once_and_a_reschedule_rearms_it(world):
    conference = _scheduled(world)
    court = world[3][OrgKind.COURT]
    starts = conference.starts_at
    assert tick(starts - timedelta(hours=23)) > 0
    assert tick(starts - timedelta(hours=23)) == 0
    assert Counter(k for r, k, _ in _sent() if r == court.id)["meeting_soon"] == 1
    later = starts + timedelta(days=1)
    conferences.schedule(world[1], conference, later, later + timedelta(hours=2), world[4],
                         "改期")
    tick(later - timedelta(hours=23))
    assert Counter(k for r, k, _ in _sent() if r == court.id)["meeting_soon"] == 2


def test_answering_withdraws_the_pending_reminder(world):
    conference = _scheduled(world)
    police = world[3][OrgKind.POLICE_STATION]
    deadline = conference.response_deadline
    tick(deadline - timedelta(hours=30))
    assert db.session.scalar(sa.select(sa.func.count(ReminderRow.id)).where(
        ReminderRow.recipient_id == police.id, ReminderRow.kind == "response_due_soon")) == 1
    conferences.answer(police, invitation_of(conference, OrgKind.POLICE_STATION),
                       Answer.ACCEPTED)
    tick(deadline - timedelta(hours=23))
    assert not [k for r, k, _ in _sent() if r == police.id and k == "deadline_approaching"]


def _tick_processes(app, now, count=3, kill_one=False):
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


def test_three_scheduler_processes_send_each_reminder_exactly_once(app, world):
    conference = _scheduled(world)
    deadline, starts = conference.response_deadline, conference.starts_at
    court = world[3][OrgKind.COURT].id
    db.session.remove()
    timeline = [deadline - timedelta(hours=30), deadline - timedelta(hours=23),
                deadline - timedelta(hours=23), deadline + timedelta(minutes=1),
                starts - timedelta(hours=30),
                # The processes are down from here ...
                starts - timedelta(hours=3),  # ... and restarted: the 24 h one goes late.
                starts - timedelta(hours=1), starts - timedelta(minutes=30)]
    for step, now in enumerate(timeline):
        _tick_processes(app, now, kill_one=step == 1)
    sent = _sent()
    assert sent and set(sent.values()) == {1}, sent
    by_kind = Counter(kind for _, kind, _ in sent)
    assert by_kind["responses_overdue"] == 1
    assert Counter(k for r, k, _ in sent if r == court)["meeting_soon"] == 2  # 24 h, 2 h
    assert by_kind["deadline_approaching"] >= 3
    rows = db.session.scalars(sa.select(ReminderRow)).all()
    assert sum(r.sent_at is not None for r in rows) == sum(sent.values())

"""Reminders: planned into rows, each sent exactly once by however many scheduler processes."""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.calendar.models import ReminderRow
from portal.conferences import services as conferences
from portal.conferences.models import Answer
from portal.extensions import db
from portal.minutes import services as minutes
from portal.notifications.models import Notification
from portal.orgs.models import OrgKind, User
from portal.scheduler.tick import tick
from portal.timeutil import utcnow
from scheduling.workcal import LAST_YEAR
from tests.calendar.conftest import invitation_of
from tests.minutes.conftest import closed_session  # noqa: F401 - the fixture is reused
from tests.transactions import committed


def _scheduled(world):
    """Court accepted, the rest silent; the meeting two days after the answer deadline."""
    conference, convener, _, people, room = world
    conferences.answer(people[OrgKind.COURT], invitation_of(conference, OrgKind.COURT),
                       Answer.ACCEPTED)
    starts = conference.response_deadline + timedelta(days=2)
    conferences.schedule(convener, conference, starts, starts + timedelta(hours=2), room, "先定")
    return committed(conference)  # the scheduler processes read it


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


def test_the_convener_sees_the_reminders_sent_and_planned(world, login):
    conference = _scheduled(world)
    tick(conference.response_deadline - timedelta(hours=23))
    page = login(world[1]).get(f"/conferences/{conference.id}").get_data(as_text=True)
    card = page.split('data-testid="reminders"', 1)[1].split("</details>", 1)[0]
    police = world[3][OrgKind.POLICE_STATION]
    assert police.full_name in card and world[1].full_name in card
    assert "已发送" in card


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


def test_three_scheduler_processes_send_each_reminder_exactly_once(schedulers, world):
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
        schedulers.tick(now, kill_one=step == 1)
    sent = _sent()
    assert sent and set(sent.values()) == {1}, sent
    by_kind = Counter(kind for _, kind, _ in sent)
    assert by_kind["responses_overdue"] == 1
    assert Counter(k for r, k, _ in sent if r == court)["meeting_soon"] == 2  # 24 h, 2 h
    assert by_kind["deadline_approaching"] >= 3
    rows = db.session.scalars(sa.select(ReminderRow)).all()
    assert sum(r.sent_at is not None for r in rows) == sum(sent.values())


@pytest.fixture
def signing(closed_session):  # noqa: F811
    """(conference, version, signers): minutes open for signing, signed by the first signer."""
    conference, _people = closed_session
    secretary = conference.secretary
    minutes.save_section(secretary, conference, "attendance",
                         minutes.section(conference, "attendance")[0], 0)
    conferences.end_session(secretary, conference)
    version = minutes.generate_draft(secretary, conference)
    minutes.open_signing(secretary, version)
    signers = [db.session.get(User, row["user_id"]) for row in minutes.signers(conference)]
    minutes.sign(signers[0], version, "Correct-horse-42", version.content_hash)
    return conference, version, signers


def _reminded(kind: str) -> Counter:
    return Counter(n.recipient_id for n in db.session.scalars(
        sa.select(Notification).where(Notification.kind == kind)))


def test_minutes_waiting_for_signatures_remind_each_missing_signer_daily(signing):
    conference, version, signers = signing
    opened = utcnow()
    assert tick(opened + timedelta(hours=20)) == 0
    tick(opened + timedelta(days=1, minutes=1))
    tick(opened + timedelta(days=1, minutes=2))
    missing = {s.id for s in signers[1:]}
    assert set(_reminded("minutes_unsigned")) == missing and signers[0].id not in missing
    assert set(_reminded("minutes_unsigned").values()) == {1}
    minutes.sign(signers[1], version, "Correct-horse-42", version.content_hash)
    tick(opened + timedelta(days=2, minutes=1))
    reminded = _reminded("minutes_unsigned")
    assert reminded[signers[1].id] == 1
    assert all(reminded[s.id] == 2 for s in signers[2:])


def test_a_tick_in_a_year_without_holiday_data_still_reminds(world):
    conference, convener, _, people, room = world
    conferences.answer(people[OrgKind.COURT], invitation_of(conference, OrgKind.COURT),
                       Answer.ACCEPTED)
    starts = datetime(LAST_YEAR + 1, 1, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    conferences.schedule(convener, conference, starts, starts + timedelta(hours=2), room,
                         "先定")
    assert tick(starts - timedelta(hours=1)) > 0
    assert _reminded("meeting_soon")[people[OrgKind.COURT].id] == 1

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.notifications.models import Notification
from portal.reviews import planning
from portal.scheduler.tick import tick


def _reminded() -> Counter:
    return Counter(n.recipient_id for n in db.session.scalars(sa.select(Notification).where(
        Notification.kind == "review_meeting_soon")))


def test_every_member_is_reminded_a_day_and_two_hours_before_once(world):
    first = world.meetings()[0]
    tick(first.starts_at - timedelta(hours=23))
    tick(first.starts_at - timedelta(hours=22))
    members = world.series.member_ids()
    assert _reminded() == Counter({uid: 1 for uid in members})
    tick(first.starts_at - timedelta(hours=1))
    assert _reminded() == Counter({uid: 2 for uid in members})
    assert world.outsider.id not in _reminded()


def test_a_cancelled_meeting_sends_no_reminder(world):
    first = world.meetings()[0]
    planning.cancel_meeting(world.convener, first, "防汛值班", now=world.now)
    db.session.commit()
    tick(first.starts_at - timedelta(hours=1))
    assert not _reminded()

"""The demo shows scheduling at work: a poll being voted on, a time confirmed from a poll
with its room booked, and reminders both sent and still planned."""

import sqlalchemy as sa

from portal.calendar.models import Poll, ProposedSlot, ReminderRow, RoomBooking, SlotVote
from portal.conferences.models import Conference, ConferenceState
from portal.extensions import db


def test_the_demo_shows_polls_bookings_and_reminders(app, demo, ctx, login):
    voted = db.session.scalars(sa.select(ProposedSlot.conference_id).join(SlotVote)).all()
    open_polls = [c for c in db.session.scalars(sa.select(Conference).where(
        Conference.id.in_(voted), Conference.state == ConferenceState.INVITING))]
    assert open_polls
    confirmed = db.session.scalar(sa.select(Poll).where(Poll.chosen_slot_id.is_not(None)))
    assert confirmed is not None
    assert db.session.get(Conference, confirmed.conference_id).state is ConferenceState.SCHEDULED
    assert db.session.scalar(sa.select(RoomBooking).where(
        RoomBooking.conference_id == confirmed.conference_id)) is not None
    sent = [r.sent_at is not None for r in db.session.scalars(sa.select(ReminderRow))]
    assert any(sent) and not all(sent)
    page = login(open_polls[0].secretary, "Nancheng-2026").get(f"/conferences/{open_polls[0].id}")
    assert 'data-testid="poll-table"' in page.get_data(as_text=True)

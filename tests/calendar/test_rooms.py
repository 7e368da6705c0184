"""Two conferences never hold one room at overlapping times: the database refuses it."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.calendar import services
from portal.calendar.models import RoomBooking
from portal.conferences import services as conferences
from portal.conferences.models import Conference
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import Role, Room, User
from portal.timeutil import utcnow
from tests.calendar.conftest import slot
from tests.minutes.conftest import closed_session  # noqa: F401 - the fixture is reused
from tests.transactions import committed


def test_the_database_refuses_an_overlapping_booking(world, make):
    conference, convener, secretary, _, room = world
    other = make.conference(convener=convener, secretary=secretary)
    when = slot(0)
    conferences.schedule(convener, conference, when.start_utc, when.end_utc, room, "先定")
    db.session.commit()
    # Straight to the table, past every check in Python.
    db.session.add(RoomBooking(room_id=room.id, conference_id=other.id,
                               starts_at=when.start_utc, ends_at=when.end_utc))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_concurrent_confirmations_of_one_room_let_exactly_one_through(app, make):
    convener = make.user(Role.CONVENER)
    secretary = make.user(Role.SECRETARY)
    room_id = make.room().id
    ids = [make.conference(convener=convener, secretary=secretary).id for _ in range(6)]
    convener_id = convener.id
    db.session.remove()
    when = slot(0)
    start = threading.Barrier(len(ids))
    outcomes = []

    def confirm(ident, n):
        with app.app_context():
            conference = db.session.get(Conference, ident)
            actor = db.session.get(User, convener_id)
            room = db.session.get(Room, room_id)
            # End the read transaction first: on SQLite it holds the write lock.
            db.session.commit()
            start.wait(timeout=30)
            try:
                # Each overlaps the others by at least an hour.
                committed(conferences.schedule(
                    actor, conference, when.start_utc,
                    when.end_utc - n * (when.end_utc - when.start_utc) / 12, room, "先定"))
                outcomes.append("booked")
            except DomainError as error:
                outcomes.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(ident, n)) for n, ident in enumerate(ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("booked") == 1, outcomes
    assert db.session.scalar(sa.select(sa.func.count(RoomBooking.id))) == 1
    room_name = db.session.get(Room, room_id).name
    assert all(room_name in o for o in outcomes if o != "booked")


def test_rescheduling_into_ones_own_booking_is_fine(world):
    conference, convener, secretary, _, room = world
    first = services.propose(secretary, conference, slot(0))
    services.confirm(convener, conference, first, room, quorum_reason="先定")
    when = slot(0)
    conferences.schedule(convener, conference, when.start_utc, when.end_utc.replace(
        hour=when.end_utc.hour - 1), room, "先定")
    assert db.session.scalar(sa.select(sa.func.count(RoomBooking.id))) == 1


def test_a_session_that_ends_early_leaves_its_room_to_others(closed_session, make):  # noqa: F811
    conference, _ = closed_session
    planned_end = conference.ends_at
    conferences.end_session(conference.secretary, conference)
    booking = db.session.scalar(sa.select(RoomBooking).where(
        RoomBooking.conference_id == conference.id))
    # Opened ten minutes early and ended before its slot began: no time is held.
    assert booking is None or booking.ends_at <= utcnow() < planned_end
    assert conference.ends_at == planned_end  # the meeting's planned time stays on record
    other = make.conference()
    starts = utcnow() + timedelta(minutes=1)
    conferences.schedule(other.convener, other, starts, starts + timedelta(hours=1),
                         conference.room, override_reason="各单位书面提交意见")
    assert other.room_id == conference.room_id

"""Opening the session away from its confirmed time, and refusals that keep the input."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.calendar.models import RoomBooking
from portal.conferences import services
from portal.conferences.models import Answer, ConferenceState
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import local_zone, utcnow
from tests.minutes.browser_form import browser_form


def _quorum(conference, people):
    for invitation in conference.invitations:
        if invitation.required:
            services.answer(people[invitation.organisation.kind], invitation, Answer.ACCEPTED)


@pytest.fixture
def in_two_days(make, nancheng):
    _, people = nancheng
    conference = make.conference()
    _quorum(conference, people)
    starts = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    services.schedule(conference.convener, conference, starts, starts + timedelta(hours=2),
                      make.room())
    return conference


def _start(client, conference, **form):
    return client.post(f"/conferences/{conference.id}/start", data=form)


def test_opening_two_days_early_asks_first_and_changes_nothing(client, login, in_two_days):
    conference = in_two_days
    starts, sequence = conference.starts_at, conference.sequence
    login(conference.secretary)
    warning = client.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert 'data-testid="start-elsewhen"' in warning and "移到" in warning
    response = _start(client, conference)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'aria-describedby="error-start"' in page
    db.session.refresh(conference)
    assert conference.state is ConferenceState.SCHEDULED
    assert (conference.starts_at, conference.sequence) == (starts, sequence)


def test_a_confirmed_early_opening_moves_the_meeting_everywhere(client, login, in_two_days):
    conference = in_two_days
    duration = conference.ends_at - conference.starts_at
    sequence = conference.sequence
    login(conference.secretary)
    assert _start(client, conference, confirm_move="1").status_code == 302
    db.session.refresh(conference)
    assert conference.state is ConferenceState.IN_SESSION
    assert abs(conference.starts_at - utcnow()) < timedelta(minutes=5)
    assert conference.ends_at - conference.starts_at == duration
    assert conference.sequence == sequence + 1
    booking = db.session.scalar(sa.select(RoomBooking).filter_by(conference_id=conference.id))
    assert (booking.starts_at, booking.ends_at) == (conference.starts_at, conference.ends_at)
    local = conference.starts_at.astimezone(local_zone())
    ics = client.get(f"/calendar/conferences/{conference.id}.ics").get_data(as_text=True)
    assert f"SEQUENCE:{sequence + 1}" in ics and f"{local:%Y%m%dT%H%M}" in ics
    room = client.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert f"{local:%H:%M}" in room.split('data-testid="schedule"')[1].split("</p>")[0]
    mine = client.get("/calendar/").get_data(as_text=True)
    assert f"{local:%H:%M}" in mine


def test_opening_at_the_confirmed_time_does_not_move_it(make, nancheng):
    _, people = nancheng
    conference = make.conference()
    _quorum(conference, people)
    starts = utcnow() + timedelta(minutes=20)
    services.schedule(conference.convener, conference, starts, starts + timedelta(hours=2),
                      make.room())
    sequence = conference.sequence
    services.start(conference.secretary, conference)
    assert conference.starts_at == starts and conference.sequence == sequence


def test_an_early_opening_is_refused_when_the_room_is_taken_then(make, nancheng):
    _, people = nancheng
    room = make.room()
    now = utcnow()
    first = make.conference()
    _quorum(first, people)
    services.schedule(first.convener, first, now + timedelta(minutes=20),
                      now + timedelta(hours=2), room)
    second = make.conference(title="另一个会商")
    _quorum(second, people)
    services.schedule(second.convener, second, now + timedelta(days=1),
                      now + timedelta(days=1, hours=1), room)
    with pytest.raises(DomainError, match=room.name):
        services.start(second.secretary, second, confirm_move=True)


def test_a_time_fixed_without_quorum_reason_keeps_the_input(client, login, make, nancheng):
    conference = make.conference()
    room = make.room()
    login(conference.convener)
    starts = (utcnow() + timedelta(days=3)).astimezone(local_zone())
    response = client.post(f"/conferences/{conference.id}/schedule", data={
        "schedule-starts_at": f"{starts:%Y-%m-%dT%H:%M}",
        "schedule-ends_at": f"{starts + timedelta(hours=2):%Y-%m-%dT%H:%M}",
        "schedule-room_id": room.id, "schedule-override_reason": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "书面理由" in page
    form = browser_form(page.replace('data-action="schedule"', 'id="schedule-form"'),
                        "schedule-form")
    assert form["schedule-starts_at"] == f"{starts:%Y-%m-%dT%H:%M}"
    assert form["schedule-room_id"] == str(room.id)
    assert 'id="schedule-override_reason"' in page and "invalid-feedback" in page
    assert conference.state is ConferenceState.INVITING


def test_a_slot_needing_confirmation_keeps_the_input_by_the_checkbox(client, login, make,
                                                                     nancheng):
    conference = make.conference()
    login(conference.secretary)
    day = (utcnow() + timedelta(days=10)).astimezone(local_zone()).date()
    day += timedelta(days=(6 - day.weekday()))  # a Sunday, late in the evening
    response = client.post(f"/calendar/conferences/{conference.id}/slots", data={
        "propose-day": day.isoformat(), "propose-starts": "21:00", "propose-ends": "22:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "请确认" in page
    form = browser_form(page.replace('data-action="propose"', 'id="propose-form"'),
                        "propose-form")
    assert (form["propose-day"], form["propose-starts"], form["propose-ends"]) == (
        day.isoformat(), "21:00", "22:00")
    checkbox = re.search(r'<input[^>]*id="propose-accept_warnings"[^>]*>', page).group(0)
    assert "is-invalid" in checkbox


from datetime import time

import icalendar
import sqlalchemy as sa
import vobject

from portal.calendar import services
from portal.conferences import services as conferences
from portal.extensions import db
from portal.notifications.models import OutboxMessage, PartRole
from portal.orgs.models import OrgKind
from tests.calendar.conftest import slot


def _confirmed(world, n=0):
    conference, convener, secretary, people, room = world
    proposed = services.propose(secretary, conference, slot(n))
    services.confirm(convener, conference, proposed, room, quorum_reason="先定时间")
    return conference


def _calendar_parts(address):
    mail = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.to_address == address).order_by(OutboxMessage.id.desc())).first()
    return mail, {part.role: part for part in mail.parts}


def test_each_mail_carries_an_invitation_naming_only_its_recipient(world):
    conference = _confirmed(world)
    court = world[3][OrgKind.COURT]
    mail, parts = _calendar_parts(court.email)
    alternative, attachment = parts[PartRole.ALTERNATIVE], parts[PartRole.ATTACHMENT]
    assert alternative.mimetype == "text/calendar; method=REQUEST"
    assert attachment.filename == "invite.ics" and attachment.content == alternative.content

    parsed = icalendar.Calendar.from_ical(attachment.content)
    assert parsed["METHOD"] == "REQUEST"
    event = parsed.walk("VEVENT")[0]
    assert str(event["UID"]) == conference.ical_uid and int(event["SEQUENCE"]) == 0
    attendees = event.get("ATTENDEE")
    assert str(attendees) == f"mailto:{court.email}"
    assert attendees.params["ROLE"] == "REQ-PARTICIPANT"

    second = vobject.readOne(attachment.content.decode())
    assert second.method.value == "REQUEST"
    assert [a.value for a in second.vevent.attendee_list] == [f"mailto:{court.email}"]
    assert second.vevent.dtstart.value.replace(tzinfo=None) == slot(0).start
    assert "张三" not in attachment.content.decode()
    assert "11010519491231002X" not in attachment.content.decode()


def test_rescheduling_raises_the_sequence_and_cancelling_sends_cancel(world):
    conference = _confirmed(world)
    convener, secretary, room = world[1], world[2], world[4]
    services.reopen(convener, conference)
    later = services.propose(secretary, conference, slot(1))
    services.confirm(convener, conference, later, room, quorum_reason="先定")
    assert conference.sequence == 1
    conferences.cancel(convener, conference, "双方已和解")
    assert conference.sequence == 2

    _, parts = _calendar_parts(world[3][OrgKind.COURT].email)
    data = parts[PartRole.ALTERNATIVE].content
    assert parts[PartRole.ALTERNATIVE].mimetype == "text/calendar; method=CANCEL"
    parsed = icalendar.Calendar.from_ical(data)
    event = parsed.walk("VEVENT")[0]
    assert (parsed["METHOD"], event["STATUS"], int(event["SEQUENCE"])) == ("CANCEL",
                                                                           "CANCELLED", 2)
    assert vobject.readOne(data.decode()).vevent.sequence.value == "2"


def test_cancelling_frees_the_room(world, make):
    conference = _confirmed(world)
    convener, secretary, room = world[1], world[2], world[4]
    conferences.cancel(convener, conference, "改期")
    other = make.conference(convener=convener, secretary=secretary)
    proposed = services.propose(secretary, other, slot(0))
    services.confirm(convener, other, proposed, room, quorum_reason="先定")


def test_ics_download_is_for_participants_only(world, make, login):
    conference = _confirmed(world)
    client = login(world[3][OrgKind.COURT])
    response = client.get(f"/calendar/conferences/{conference.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert icalendar.Calendar.from_ical(response.data).walk("VEVENT")[0]["UID"] == \
        conference.ical_uid
    client.post("/logout")
    login(make.user())
    assert client.get(f"/calendar/conferences/{conference.id}.ics").status_code == 404


def test_poll_shows_on_the_room_page(world, login):
    conference, _, secretary, people, _ = world
    services.propose(secretary, conference, slot(0, time(14, 30), time(16, 0)))
    page = login(people[OrgKind.COURT]).get(f"/conferences/{conference.id}")
    html = page.data.decode()
    assert 'data-testid="poll-table"' in html and 'data-testid="vote-form"' in html

"""Conferences as calendar events: iTIP messages by mail, the .ics download, the feed's events.

This is the one place that adapts the portal's models into ``scheduling.ical`` inputs.
Summary, description and location name the case reference, the room and a link to the
portal, never the parties: the text travels to mail servers and personal calendars.
"""

from __future__ import annotations

from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.conferences.models import Answer, Conference, ConferenceState
from portal.conferences.policy import taking_part
from portal.disputes.models import Dispute
from portal.extensions import db
from portal.orgs.models import Room, User
from portal.timeutil import utcnow
from scheduling import ical
from scheduling.slots import WallClockSlot

FEED_NAME = _l("Joint conferences")
CALENDAR_STATES = frozenset(ConferenceState) - {ConferenceState.DRAFT, ConferenceState.INVITING}


def _organizer(email: str | None, name: str | None) -> ical.Mailbox:
    if email:
        return ical.Mailbox(email, name or "")
    sender_name, sender = parseaddr(current_app.config["MAIL_SENDER"])
    return ical.Mailbox(sender, sender_name)


def _event(uid, sequence, updated, state, starts, ends, reference, conference_id,
           room_name, room_location, zone, organizer) -> ical.ConferenceEvent:
    link = current_app.config["PORTAL_BASE_URL"].rstrip("/") + f"/conferences/{conference_id}"
    cancelled = state is ConferenceState.CANCELLED
    return ical.ConferenceEvent(
        uid=uid, sequence=sequence, summary=f"联席会商 {reference}",
        description=f"{reference}\n{link}",
        location=f"{room_name}（{room_location}）" if room_location else room_name,
        slot=WallClockSlot.from_utc(starts, ends, zone),
        status=ical.EventStatus.CANCELLED if cancelled else ical.EventStatus.CONFIRMED,
        organizer=organizer, updated=updated)


def conference_event(conference: Conference) -> ical.ConferenceEvent:
    """The conference as a calendar event; it must have a confirmed time and room."""
    room = conference.room
    convener = conference.convener
    return _event(conference.ical_uid, conference.sequence, conference.updated_at,
                  conference.state, conference.starts_at, conference.ends_at,
                  conference.dispute.reference, conference.id, room.name, room.location,
                  room.timezone, _organizer(convener.email if convener else None,
                                            convener.full_name if convener else None))


def calendar_recipients(conference: Conference) -> list[tuple[User, bool]]:
    """Everyone an invitation reaches (each once, required if any of theirs is) + secretary."""
    from portal.conferences.services import recipients

    people: dict[int, tuple[User, bool]] = {}
    for invitation in conference.invitations:
        if invitation.answer is Answer.DELEGATED:
            continue
        for user in recipients(invitation):
            required = invitation.required or people.get(user.id, (user, False))[1]
            people[user.id] = (user, required)
    secretary = conference.secretary
    if secretary is not None and secretary.id not in people:
        people[secretary.id] = (secretary, False)
    return list(people.values())


def deliver(conference: Conference, kind: str, link: str, **context) -> None:
    """Notify every recipient, each mail carrying an iTIP message naming only them.

    A cancellation carries METHOD:CANCEL when a time was ever sent; callers bump
    ``sequence`` (and ``updated_at``) in the same change, before calling this.
    """
    from portal.notifications.services import notify

    scheduled = conference.starts_at is not None and conference.room is not None
    event = conference_event(conference) if scheduled else None
    cancel = conference.state is ConferenceState.CANCELLED
    for user, required in calendar_recipients(conference):
        alternatives, attachments = [], []
        if event is not None and user.email:
            attendee = ical.Attendee(user.email, user.full_name, required)
            data = (ical.build_cancel if cancel else ical.build_request)(event, attendee)
            method = "CANCEL" if cancel else "REQUEST"
            alternatives = [(f"text/calendar; method={method}", data)]
            attachments = [("invite.ics", "application/ics", data)]
        notify(user, kind, link, alternatives=alternatives, attachments=attachments, **context)


def revise(conference: Conference, changed: bool) -> None:
    """Mark a change calendars must pick up; with ``changed`` (time, room or status) the
    sequence goes up, in the same UPDATE as the change itself."""
    if changed:
        conference.sequence = (conference.sequence or 0) + 1
    conference.updated_at = utcnow()


# --- downloads and feeds ----------------------------------------------------------------

def feed_name(language: str | None = None) -> str:
    """The calendar's name in a calendar app, in ``language`` (a feed is fetched without
    sign-in, so in its owner's language) or else the current one."""
    if language not in current_app.config["LANGUAGES"]:
        return str(FEED_NAME)
    with force_locale(language):
        return str(FEED_NAME)


def download(conference: Conference) -> bytes:
    return ical.build_feed([conference_event(conference)], feed_name())


def feed_events(user: User) -> list[ical.ConferenceEvent]:
    """The user's conferences with a confirmed time, read as plain rows (no ORM objects):
    feeds are polled all day, so this stays one query."""
    convener = aliased(User)
    rows = db.session.execute(
        sa.select(Conference.ical_uid, Conference.sequence, Conference.updated_at,
                  Conference.state, Conference.starts_at, Conference.ends_at,
                  Dispute.reference, Conference.id, Room.name, Room.location, Room.timezone,
                  convener.email, convener.full_name)
        .join(Dispute, Dispute.id == Conference.dispute_id)
        .join(Room, Room.id == Conference.room_id)
        .outerjoin(convener, convener.id == Conference.convener_id)
        .where(taking_part(user), Conference.state.in_(CALENDAR_STATES),
               Conference.starts_at.is_not(None), Conference.ends_at.is_not(None))
        .order_by(Conference.starts_at, Conference.id)).all()
    organizers: dict[tuple, ical.Mailbox] = {}
    events = []
    for *fields, email, name in rows:
        organizer = organizers.get((email, name))
        if organizer is None:
            organizer = organizers[(email, name)] = _organizer(email, name)
        events.append(_event(*fields, organizer))
    return events

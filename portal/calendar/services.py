"""The availability poll and the room booking: propose, suggest, vote, rank, confirm, reopen.

Services take the acting user, check the shared policy, change the poll, write the audit
log and commit once; a refusal raises DomainError and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.audit.services import record
from portal.calendar.models import Poll, ProposedSlot, RoomBooking, SlotVote, VoteChoice
from portal.conferences.models import Answer, Conference, ConferenceState, Invitation
from portal.conferences.policy import may_answer
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.holidays.workcal import working_calendar
from portal.orgs.models import Room, User
from portal.permissions import ensure
from portal.timeutil import utcnow
from scheduling.errors import CalendarRangeError, SlotError, SlotErrorCode
from scheduling.finder import Candidate, Participant, spread_slots
from scheduling.intervals import Interval
from scheduling.slots import WallClockSlot, validate_proposals
from scheduling.workcal import LAST_YEAR, Reason, WorkingCalendar

S = ConferenceState
POLL_STATES = frozenset({S.INVITING, S.SCHEDULED})
BUSY_STATES = (S.SCHEDULED, S.IN_SESSION)

SLOT_ERRORS = {
    SlotErrorCode.END_NOT_AFTER_START: _l("A slot must end after it starts."),
    SlotErrorCode.LONGER_THAN_WORKING_DAY: _l("A slot cannot be longer than the working day."),
    SlotErrorCode.OVERLAPPING: _l("Proposed slots must not overlap: this one overlaps another."),
    SlotErrorCode.NONEXISTENT_TIME: _l("This time does not exist in the room's time zone."),
    SlotErrorCode.BAD_SEARCH: _l("Choose a duration that fits into one working period."),
}
HOLIDAYS_UNKNOWN = "holidays_unknown"
REASONS = {
    Reason.PAST: _l("it is in the past"),
    Reason.HOLIDAY: _l("it falls on a public holiday"),
    Reason.REST_DAY: _l("it falls on a rest day"),
    Reason.OUTSIDE_HOURS: _l("it is outside working hours"),
    HOLIDAYS_UNKNOWN: _l("the public holidays of its year are not known yet, so only "
                         "weekends count as days off"),
}


class SlotWarnings(DomainError):
    """The slot may be proposed, but only once the proposer confirms these warnings."""


def calendar_error(error: CalendarRangeError) -> DomainError:
    return DomainError(_("The working calendar only knows %(first)d–%(last)d (public holidays "
                         "are published a year at a time); choose an earlier date or update "
                         "the holiday data.", first=error.first, last=error.last))


def unknown_holiday_years(start: datetime, end: datetime,
                          calendar: WorkingCalendar | None = None) -> list[int]:
    """The years within ``[start, end]`` whose holidays the portal does not know yet."""
    calendar = calendar or working_calendar()
    return [year for year in range(max(start.year, LAST_YEAR + 1), end.year + 1)
            if not calendar.covers(year)]


def unknown_holidays_notice(years: Sequence[int]) -> Markup:
    """Names the years and, for those who may enter them, links to the holiday calendar."""
    text = _("Public holidays and make-up working days (调休) for %(years)s are not in the "
             "portal's calendar yet: only Saturdays and Sundays count as days off. Check the "
             "State Council's holiday notice before confirming a date.",
             years="、".join(str(y) for y in years))
    if not has_request_context():
        return Markup.escape(text)
    link = Markup(' <a href="{}">{}</a>').format(
        url_for("holidays.year", year=years[0]),
        _("Enter the holidays of %(year)d", year=years[0]))
    return Markup.escape(text) + link


def horizon_notice(days: int, now: datetime | None = None) -> str | None:
    """The unknown-holidays notice for a search over the next ``days``, if it needs one."""
    start = (now or utcnow()).astimezone(working_calendar().tz)
    years = unknown_holiday_years(start, start + timedelta(days=days))
    return unknown_holidays_notice(years) if years else None


def warning_text(proposed: ProposedSlot) -> str:
    """The stored warnings of a proposed slot, in the viewer's language."""
    return "；".join(str(REASONS[w]) for w in proposed.warnings.split(",") if w in REASONS)


def poll_of(conference: Conference) -> Poll:
    poll = db.session.get(Poll, conference.id)
    if poll is None:
        poll = Poll(conference_id=conference.id)
        db.session.add(poll)
    return poll


def _open_poll(conference: Conference) -> Poll:
    poll = poll_of(conference)
    if conference.state not in POLL_STATES or not poll.is_open:
        raise DomainError(_("The poll is closed: the time is confirmed or the conference is "
                            "“%(state)s”.", state=conference.state.label))
    return poll


def slots_of(conference: Conference) -> list[ProposedSlot]:
    return list(db.session.scalars(
        sa.select(ProposedSlot).where(ProposedSlot.conference_id == conference.id)
        .order_by(ProposedSlot.starts_local, ProposedSlot.id)))


# --- proposing ---------------------------------------------------------------------------

def propose(actor: User, conference: Conference, slot: WallClockSlot,
            accept_warnings: bool = False, now: datetime | None = None) -> ProposedSlot:
    """Offer a slot (secretary or convener). Errors refuse it; warnings (past, holiday, rest
    day, outside hours) need ``accept_warnings``."""
    ensure(actor, "conference.run", conference)
    _open_poll(conference)
    calendar = working_calendar()
    existing = slots_of(conference)
    try:
        validate_proposals([s.slot for s in existing] + [slot], calendar)
        reasons = list(calendar.check(slot.start_utc, slot.end_utc, now or utcnow()))
    except SlotError as error:
        raise DomainError(str(SLOT_ERRORS.get(error.code, error)), "starts") from None
    except CalendarRangeError as error:
        raise calendar_error(error) from None
    if unknown_holiday_years(slot.start, slot.end):
        reasons.append(HOLIDAYS_UNKNOWN)
    if reasons and not accept_warnings:
        raise SlotWarnings(_("Please confirm: %(reasons)s.",
                             reasons="；".join(str(REASONS[r]) for r in reasons)), "confirm")
    proposed = ProposedSlot(conference_id=conference.id, starts_local=slot.start,
                            ends_local=slot.end, zone=slot.zone, proposed_by=actor,
                            warnings=",".join(str(r) for r in reasons))
    db.session.add(proposed)
    db.session.flush()
    record("poll.slot_proposed", conference, actor=actor,
           summary=f"{slot.start:%Y-%m-%d %H:%M}–{slot.end:%H:%M} {slot.zone}",
           changes={"warnings": proposed.warnings})
    db.session.flush()
    return proposed


def parse_slot(day: date, starts: time, ends: time) -> WallClockSlot:
    try:
        return WallClockSlot(datetime.combine(day, starts), datetime.combine(day, ends),
                             working_calendar().zone)
    except SlotError as error:
        raise DomainError(str(SLOT_ERRORS.get(error.code, error)), "ends") from None


def _busy(conference: Conference) -> dict[int, list[Interval]]:
    """Busy intervals per invitation: other scheduled conferences inviting the same body
    or the same person."""
    others = sa.select(Invitation.organisation_id, Invitation.user_id, Conference.starts_at,
                       Conference.ends_at).join(Conference).where(
        Conference.id != conference.id, Conference.state.in_(BUSY_STATES),
        Conference.starts_at.is_not(None), Conference.ends_at.is_not(None))
    by_org: dict[int, list[Interval]] = {}
    by_user: dict[int, list[Interval]] = {}
    for org_id, user_id, starts, ends in db.session.execute(others):
        interval = Interval(starts, ends)
        if user_id is not None:
            by_user.setdefault(user_id, []).append(interval)
        elif org_id is not None:
            by_org.setdefault(org_id, []).append(interval)
    return {
        i.id: by_user.get(i.user_id, []) if i.user_id else by_org.get(i.organisation_id, [])
        for i in conference.invitations
    }


SUGGESTION_DAYS = 14


def suggest(conference: Conference, room: Room, duration: timedelta,
            days: int = SUGGESTION_DAYS,
            now: datetime | None = None, limit: int = 5) -> list[Candidate]:
    """Slots to offer over the next ``days`` for the invitees and the room: the finder's
    best, spread over days, none overlapping each other or a slot already proposed."""
    now = now or utcnow()
    calendar = working_calendar()
    horizon_end = now + timedelta(days=days)
    busy = _busy(conference)
    participants = [
        Participant(i.id, i.invitee_name, i.required, busy.get(i.id, ()))
        for i in conference.invitations if i.answer is not Answer.DELEGATED]
    bookings = [Interval(b.starts_at, b.ends_at) for b in db.session.scalars(
        sa.select(RoomBooking).where(RoomBooking.room_id == room.id,
                                     RoomBooking.conference_id != conference.id,
                                     RoomBooking.ends_at > now))]
    proposed = [s.slot.interval for s in slots_of(conference)]
    try:
        return spread_slots(participants, bookings, duration, now, horizon_end, calendar,
                            proposed=proposed, limit=limit)
    except SlotError as error:
        raise DomainError(str(SLOT_ERRORS.get(error.code, error)), "duration") from None
    except CalendarRangeError as error:
        raise calendar_error(error) from None


# --- voting ------------------------------------------------------------------------------

def voting_invitations(conference: Conference) -> list[Invitation]:
    return [i for i in conference.invitations if i.answer is not Answer.DELEGATED]


def vote(actor: User, invitation: Invitation, choices: Mapping[int, VoteChoice]) -> None:
    """Record or change the availability of the actor's invitation, per slot id."""
    conference = invitation.conference
    if not may_answer(actor, invitation) or invitation.answer is Answer.DELEGATED:
        raise NotAllowed(_("This invitation is not addressed to you."))
    _open_poll(conference)
    slots = {s.id: s for s in slots_of(conference)}
    if not choices or not set(choices) <= set(slots):
        raise DomainError(_("Choose yes, if need be or no for the proposed slots."))
    current = {v.slot_id: v for v in db.session.scalars(
        sa.select(SlotVote).where(SlotVote.invitation_id == invitation.id))}
    for slot_id, choice in choices.items():
        existing = current.get(slot_id)
        if existing is None:
            db.session.add(SlotVote(slot_id=slot_id, invitation_id=invitation.id,
                                    choice=choice, voter_id=actor.id, voted_at=utcnow()))
        elif existing.choice is not choice:
            existing.choice, existing.voter_id, existing.voted_at = choice, actor.id, utcnow()
    record("poll.voted", conference, actor=actor, summary=invitation.invitee_name,
           changes={str(k): v.name for k, v in sorted(choices.items())})
    db.session.flush()


@dataclass(frozen=True)
class SlotTally:
    slot: ProposedSlot
    required_no: int
    required_yes: int
    yes: int
    if_need_be: int
    no: int
    best: bool = False

    @property
    def key(self) -> tuple:
        # Required people first: fewest required "no", most required "yes"; then everyone.
        return (self.required_no, -self.required_yes, self.no, -self.yes, -self.if_need_be)


def rank(slots: Sequence[ProposedSlot], invitations: Sequence[Invitation],
         votes: Mapping[tuple[int, int], VoteChoice]) -> list[SlotTally]:
    """Tally each slot's votes ((slot id, invitation id) -> choice), in the slots' order;
    the slots with the best tally are flagged ``best``."""
    tallies = []
    for slot in slots:
        counts = {choice: 0 for choice in VoteChoice}
        required_no = required_yes = 0
        for invitation in invitations:
            choice = votes.get((slot.id, invitation.id))
            if choice is None:
                continue
            counts[choice] += 1
            if invitation.required:
                required_no += choice is VoteChoice.NO
                required_yes += choice is VoteChoice.YES
        tallies.append(SlotTally(slot, required_no, required_yes, counts[VoteChoice.YES],
                                 counts[VoteChoice.IF_NEED_BE], counts[VoteChoice.NO]))
    if not any(t.yes + t.if_need_be + t.no for t in tallies):
        return tallies
    best = min(t.key for t in tallies)
    return [SlotTally(**{**t.__dict__, "best": t.key == best}) for t in tallies]


def votes_of(conference: Conference) -> dict[tuple[int, int], VoteChoice]:
    return {(v.slot_id, v.invitation_id): v.choice for v in db.session.scalars(
        sa.select(SlotVote).join(ProposedSlot)
        .where(ProposedSlot.conference_id == conference.id))}


# --- confirming and reopening ------------------------------------------------------------

def required_noes(conference: Conference, slot: ProposedSlot) -> list[Invitation]:
    votes = votes_of(conference)
    return [i for i in voting_invitations(conference)
            if i.required and votes.get((slot.id, i.id)) is VoteChoice.NO]


def confirm(actor: User, conference: Conference, slot: ProposedSlot, room: Room,
            override_reason: str = "", quorum_reason: str = "") -> None:
    """The convener fixes one proposed slot and a room; a slot a required invitee said "no"
    to needs a written reason. Time and room then go out as calendar invitations."""
    from portal.conferences import services as conferences

    ensure(actor, "conference.manage", conference)
    poll = _open_poll(conference)
    if slot.conference_id != conference.id:
        raise DomainError(_("This slot was not proposed for this conference."))
    against = required_noes(conference, slot)
    override_reason = override_reason.strip()
    if against and not override_reason:
        raise DomainError(_("Required invitees said no to this slot (%(names)s). Give a "
                            "reason to confirm it anyway.",
                            names="、".join(i.invitee_name for i in against)),
                          "override_reason")
    poll.closed_at, poll.chosen_slot_id = utcnow(), slot.id
    poll.override_reason = override_reason if against else None
    if against:
        record("poll.required_no_overridden", conference, actor=actor, summary=override_reason,
               changes={"against": [i.invitee_name for i in against]})
    # Within the caller's transaction: when scheduling refuses, the poll stays open.
    conferences.schedule(actor, conference, slot.slot.start_utc, slot.slot.end_utc, room,
                         quorum_reason)


def reopen(actor: User, conference: Conference) -> None:
    """Reschedule: reopen the poll for new slots and votes; everyone is told. The confirmed
    time stands until the convener confirms another."""
    from portal.conferences.services import _context

    ensure(actor, "conference.manage", conference)
    poll = poll_of(conference)
    if conference.state is not S.SCHEDULED or poll.is_open:
        raise DomainError(_("Only a confirmed time can be reopened for rescheduling."))
    poll.closed_at = None
    record("poll.reopened", conference, actor=actor)
    from portal.calendar.events import calendar_recipients
    from portal.notifications.services import notify

    for user, _required in calendar_recipients(conference):
        notify(user, "poll_reopened", f"/conferences/{conference.id}", **_context(conference))
    db.session.flush()


# --- the room booking (called by conferences.services.schedule and cancel) ----------------

def hold_room(conference: Conference) -> None:
    """Book the conference's room for its time; the database refuses an overlap."""
    booking = db.session.scalar(
        sa.select(RoomBooking).where(RoomBooking.conference_id == conference.id))
    if booking is None:
        booking = RoomBooking(conference_id=conference.id)
        db.session.add(booking)
    room_name = conference.room.name
    booking.room_id = conference.room.id
    booking.starts_at, booking.ends_at = conference.starts_at, conference.ends_at
    try:
        with db.session.begin_nested():  # the refusal leaves the session usable
            db.session.flush()
    except sa.exc.IntegrityError:
        raise DomainError(_("%(room)s is booked by another conference at that time.",
                            room=room_name), "room_id") from None


def free_room_from(conference: Conference, at: datetime) -> None:
    """A session that ended early leaves the room to others for the rest of its slot."""
    mine = RoomBooking.conference_id == conference.id
    db.session.execute(sa.delete(RoomBooking).where(mine, RoomBooking.starts_at >= at))
    db.session.execute(sa.update(RoomBooking).where(mine, RoomBooking.ends_at > at)
                       .values(ends_at=at))


def release_room(conference: Conference) -> None:
    db.session.execute(sa.delete(RoomBooking).where(RoomBooking.conference_id == conference.id))

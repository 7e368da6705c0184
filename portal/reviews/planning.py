"""A series and its meetings: the rule, the meetings planned ahead from it, moves and
cancellations. Services flush; the request that calls them commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.audit.services import record
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import Room, User, Village
from portal.permissions import ensure
from portal.reviews.models import (
    MemberRole,
    MinutesState,
    ReviewMeeting,
    ReviewMember,
    ReviewSeries,
)
from portal.timeutil import utcnow
from scheduling import recurring

# Far enough for a monthly series to show its next two meetings in every calendar.
PLAN_DAYS = 62


@dataclass
class SeriesInput:
    title: str
    rule: str
    first_start: datetime | None  # wall clock in ``timezone``
    minutes_long: int = 90
    place: str = ""
    room_id: int | None = None
    village_ids: list[int] = field(default_factory=list)
    members: list[tuple[int, MemberRole]] = field(default_factory=list)
    timezone: str = "Asia/Shanghai"


def _validate(data: SeriesInput) -> None:
    if not data.title.strip():
        raise DomainError(_("Give the review a title."), "title")
    try:
        recurring.check_rule(data.rule)
    except ValueError:
        raise DomainError(_("The repetition is not understood; choose weekly, every two weeks "
                            "or monthly."), "rule") from None
    if data.first_start is None:
        raise DomainError(_("Give the date and time of the first meeting."), "first_start")
    if not 15 <= data.minutes_long <= 480:
        raise DomainError(_("A meeting lasts between 15 minutes and 8 hours."), "minutes_long")
    if not data.village_ids:
        raise DomainError(_("Choose at least one village or community."), "village_ids")
    if not any(role is MemberRole.HEAD for _uid, role in data.members):
        raise DomainError(_("Name the heads of the leadership group among the members."),
                          "members")


def create_series(actor: User, data: SeriesInput, now: datetime | None = None) -> ReviewSeries:
    ensure(actor, "review.create")
    _validate(data)
    villages = list(db.session.scalars(sa.select(Village).where(
        Village.id.in_(data.village_ids))))
    if len(villages) != len(set(data.village_ids)):
        raise DomainError(_("Unknown village or community."), "village_ids")
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(
        User.id.in_([uid for uid, _role in data.members]), User.active))}
    if len(users) != len({uid for uid, _role in data.members}):
        raise DomainError(_("Unknown member."), "members")
    if data.room_id is not None and db.session.get(Room, data.room_id) is None:
        raise DomainError(_("Unknown room."), "room_id")
    zone = ZoneInfo(data.timezone)
    series = ReviewSeries(
        title=data.title.strip()[:120], rrule=data.rule.strip().upper(),
        first_start=data.first_start.replace(tzinfo=zone), minutes_long=data.minutes_long,
        timezone=data.timezone, room_id=data.room_id, place=data.place.strip()[:200],
        convener_id=actor.id, ical_uid=f"review-{uuid.uuid4()}@portal",
        villages=villages, updated_at=utcnow(),
        members=[ReviewMember(user_id=uid, role=role) for uid, role in dict(data.members).items()])
    db.session.add(series)
    db.session.flush()
    record("review.series_created", series, actor=actor, summary=series.title,
           changes={"rule": series.rrule, "members": sorted(users)})
    plan_ahead(series, now)
    return series


def first_wall_clock(series: ReviewSeries) -> datetime:
    return series.first_start.astimezone(ZoneInfo(series.timezone)).replace(tzinfo=None)


def plan_ahead(series: ReviewSeries, now: datetime | None = None) -> list[ReviewMeeting]:
    """Make the meetings the rule gives up to PLAN_DAYS ahead (the past ones since the
    first meeting too, so a series entered late has its history); returns the new ones."""
    now = now or utcnow()
    known = {m.occurrence for m in series.meetings}
    length = timedelta(minutes=series.minutes_long)
    made = []
    for moment in recurring.occurrences(series.rrule, first_wall_clock(series),
                                        series.timezone, series.first_start,
                                        now + timedelta(days=PLAN_DAYS)):
        if moment in known:
            continue
        meeting = ReviewMeeting(series=series, occurrence=moment, starts_at=moment,
                                ends_at=moment + length)
        db.session.add(meeting)
        made.append(meeting)
    db.session.flush()
    return made


def plan_all(now: datetime | None = None) -> int:
    """The scheduler's part: every series planned ahead. Commits."""
    made = sum(len(plan_ahead(series, now)) for series in
               db.session.scalars(sa.select(ReviewSeries).order_by(ReviewSeries.id)))
    db.session.commit()
    return made


def _revise(series: ReviewSeries) -> None:
    """Calendars pick the change up: a new sequence in the same change."""
    series.sequence += 1
    series.updated_at = utcnow()


def _changeable(meeting: ReviewMeeting, now: datetime) -> None:
    if meeting.locked:
        raise DomainError(_("The minutes of this meeting are drawn up; it cannot change."))
    if meeting.cancelled:
        raise DomainError(_("This meeting is cancelled."))
    if meeting.starts_at <= now:
        raise DomainError(_("This meeting has begun; only coming meetings move or are "
                            "cancelled."))


def move_meeting(actor: User, meeting: ReviewMeeting, starts_local: datetime | None,
                 reason: str, now: datetime | None = None) -> ReviewMeeting:
    series = meeting.series
    ensure(actor, "review.run", series)
    now = now or utcnow()
    _changeable(meeting, now)
    if starts_local is None:
        raise DomainError(_("Give the new date and time."), "starts_at")
    if not reason.strip():
        raise DomainError(_("Say why the meeting moves."), "reason")
    starts = starts_local.replace(tzinfo=ZoneInfo(series.timezone))
    if starts <= now:
        raise DomainError(_("The new time must be in the future."), "starts_at")
    before = meeting.starts_at
    meeting.starts_at = starts
    meeting.ends_at = starts + timedelta(minutes=series.minutes_long)
    meeting.change_reason = reason.strip()[:500]
    _revise(series)
    record("review.meeting_moved", meeting, actor=actor, summary=meeting.change_reason,
           changes={"starts_at": [before.isoformat(), starts.isoformat()]})
    db.session.flush()
    return meeting


def cancel_meeting(actor: User, meeting: ReviewMeeting, reason: str,
                   now: datetime | None = None) -> ReviewMeeting:
    """A cancelled meeting's items go to the next meeting's agenda."""
    from portal.reviews.items import carry_over

    series = meeting.series
    ensure(actor, "review.run", series)
    now = now or utcnow()
    _changeable(meeting, now)
    if not reason.strip():
        raise DomainError(_("Say why the meeting is cancelled."), "reason")
    meeting.cancelled = True
    meeting.change_reason = reason.strip()[:500]
    _revise(series)
    record("review.meeting_cancelled", meeting, actor=actor, summary=meeting.change_reason)
    db.session.flush()
    carry_over(meeting, now)
    return meeting


def next_meeting(series: ReviewSeries, after: datetime) -> ReviewMeeting | None:
    """The first meeting after ``after`` that still takes items: not cancelled, its minutes
    not drawn up; planned ahead when the rule has one and it is not made yet."""
    def find():
        return db.session.scalar(sa.select(ReviewMeeting).where(
            ReviewMeeting.series_id == series.id, ReviewMeeting.starts_at > after,
            ReviewMeeting.cancelled.is_(False),
            ReviewMeeting.minutes_state == MinutesState.NONE)
            .order_by(ReviewMeeting.starts_at).limit(1))

    found = find()
    if found is None:
        plan_ahead(series, max(after, utcnow()))
        found = find()
    return found


def series_of(user: User) -> list[ReviewSeries]:
    """The series the user belongs to or convenes (all of them for admins)."""
    query = sa.select(ReviewSeries).order_by(ReviewSeries.title)
    if not user.is_admin:
        query = query.where(sa.or_(
            ReviewSeries.convener_id == user.id,
            ReviewSeries.id.in_(sa.select(ReviewMember.series_id).where(
                ReviewMember.user_id == user.id))))
    return list(db.session.scalars(query))

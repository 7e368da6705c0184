"""Reminders of joint review meetings: 24 h and 2 h before, to every member. They are
planned by ``scheduling.reminders`` exactly as a conference's, and sent through the one
reminder table by the scheduler's tick (``portal.scheduler.tick``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.calendar.models import ReminderRow
from portal.calendar.services import working_calendar
from portal.extensions import db
from portal.orgs.models import User
from portal.reviews.models import MinutesState, ReviewMeeting
from scheduling import reminders as planning
from scheduling.reminders import ReminderKind, SubjectKind

LOOKAHEAD = timedelta(days=2)


def _snapshot(meeting: ReviewMeeting) -> planning.ConferenceSnapshot:
    """A meeting is, for planning, a scheduled conference that every member accepted."""
    series = meeting.series
    return planning.ConferenceSnapshot(
        id=meeting.id, state=planning.ConferenceState.SCHEDULED, start=meeting.starts_at,
        response_deadline=None, convener_id=series.convener_id,
        invitations=[planning.InvitationSnapshot(uid, planning.Answer.ACCEPTED)
                     for uid in sorted(series.member_ids())])


def plan_meetings(now: datetime) -> list[planning.Reminder]:
    coming = db.session.scalars(sa.select(ReviewMeeting).where(
        ReviewMeeting.cancelled.is_(False), ReviewMeeting.minutes_state == MinutesState.NONE,
        ReviewMeeting.starts_at > now, ReviewMeeting.starts_at <= now + LOOKAHEAD))
    planned = planning.plan([_snapshot(m) for m in coming], [], [], [], now,
                            working_calendar())
    return [replace(r, subject_kind=SubjectKind.REVIEW_MEETING) for r in planned]


def send_meeting_reminder(row: ReminderRow) -> None:
    from portal.notifications.services import notify

    meeting = db.session.get(ReviewMeeting, row.subject_id)
    recipient = db.session.get(User, row.recipient_id)
    if meeting is None or recipient is None or not recipient.active or meeting.cancelled:
        return
    series = meeting.series
    hours = 24 if ReminderKind(row.kind) is ReminderKind.MEETING_IN_24H else 2
    notify(recipient, "review_meeting_soon", f"/reviews/meetings/{meeting.id}", hours=hours,
           conference_title=series.title,
           reference="、".join(v.name for v in series.villages), when=meeting.starts_at,
           room=series.place or (series.room.name if series.room else None))

"""One meeting: who came, and its agenda — the items carried over, the new ones, and the
follow-ups done or overdue since the meeting before."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from portal.audit.services import record
from portal.errors import DomainError
from portal.extensions import db
from portal.followup.models import PENDING, Task, TaskState
from portal.orgs.models import User
from portal.permissions import ensure
from portal.reviews.models import HazardItem, ReviewAttendance, ReviewMeeting


def record_attendance(actor: User, meeting: ReviewMeeting, present_ids: set[int]) -> None:
    """Mark each member present or absent (replacing what was recorded)."""
    ensure(actor, "review.run", meeting.series)
    if meeting.locked:
        raise DomainError(_("The minutes of this meeting are drawn up; the attendance cannot "
                            "change."))
    if meeting.cancelled:
        raise DomainError(_("This meeting is cancelled."))
    members = meeting.series.member_ids()
    if not present_ids:
        raise DomainError(_("Tick the members who are present."), "present")
    if not present_ids <= members:
        raise DomainError(_("Unknown member."), "present")
    rows = {row.user_id: row for row in meeting.attendance}
    for user_id in sorted(members):
        row = rows.get(user_id)
        if row is None:
            row = ReviewAttendance(user_id=user_id)
            meeting.attendance.append(row)
        row.present = user_id in present_ids
    meeting.held = True
    record("review.attendance", meeting, actor=actor,
           changes={"present": sorted(present_ids)})
    db.session.flush()


def present(meeting: ReviewMeeting) -> list[User]:
    return [row.user for row in meeting.attendance if row.present]


@dataclass
class Agenda:
    carried: list[HazardItem] = field(default_factory=list)
    new: list[HazardItem] = field(default_factory=list)
    done: list[Task] = field(default_factory=list)
    overdue: list[Task] = field(default_factory=list)
    following: list[Task] = field(default_factory=list)

    @property
    def items(self) -> list[HazardItem]:
        return self.carried + self.new


def previous_meeting(meeting: ReviewMeeting) -> ReviewMeeting | None:
    return db.session.scalar(sa.select(ReviewMeeting).where(
        ReviewMeeting.series_id == meeting.series_id, ReviewMeeting.cancelled.is_(False),
        ReviewMeeting.starts_at < meeting.starts_at)
        .order_by(ReviewMeeting.starts_at.desc()).limit(1))


def agenda(meeting: ReviewMeeting) -> Agenda:
    """What the meeting goes through. The follow-ups are those of the series' items handed
    over at earlier meetings: reported done since the meeting before, past their due date
    on the meeting's day, or still running."""
    items = list(db.session.scalars(sa.select(HazardItem).where(
        HazardItem.meeting_id == meeting.id).order_by(HazardItem.village_id, HazardItem.id)))
    result = Agenda(carried=[i for i in items if i.first_meeting_id != meeting.id],
                    new=[i for i in items if i.first_meeting_id == meeting.id])
    before = previous_meeting(meeting)
    decided_at = aliased(ReviewMeeting)
    tasks = db.session.scalars(sa.select(Task).join(
        HazardItem, HazardItem.id == Task.review_item_id).join(
        decided_at, decided_at.id == HazardItem.meeting_id).where(
        HazardItem.series_id == meeting.series_id, decided_at.starts_at < meeting.starts_at)
        .order_by(Task.due_on, Task.id))
    day = meeting.starts_at.astimezone(_zone(meeting)).date()
    # A report is news at the first meeting after it: after the meeting before was closed
    # (its minutes issued) and, once this one is closed, before that.
    since = (before.issued_at or before.starts_at) if before else None
    until = meeting.issued_at
    for task in tasks:
        if task.state is TaskState.DONE:
            if task.reported_at and (since is None or task.reported_at >= since) \
                    and (until is None or task.reported_at <= until):
                result.done.append(task)
        elif task.state in PENDING:
            (result.overdue if task.due_on < day else result.following).append(task)
    return result


def _zone(meeting: ReviewMeeting):
    from zoneinfo import ZoneInfo

    return ZoneInfo(meeting.series.timezone)

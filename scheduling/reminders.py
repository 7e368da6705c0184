"""Reminder planning: which reminders should exist, as a pure function of data and a clock.

API::

    plan(conferences, minutes, actions, report_recipients, now, calendar,
         policy=DEFAULT_POLICY) -> list[Reminder]
    due(reminders, now) -> list[Reminder]

A reminder's identity is ``(subject_kind, subject_id, recipient_id, kind)``
(``Reminder.identity``); the database makes it unique. The portal syncs on
each tick: insert planned rows that are missing; when a planned ``due_at``
differs from the stored one, store it and mark the row unsent (a reschedule
moves the 24 h reminder; a new day re-arms a daily one); delete unsent rows
the plan no longer contains (the invitee answered, the item was done). Then
it sends what :func:`due` selects and has not been sent.

Repeating kinds keep one identity and move ``due_at``: minutes awaiting a
signature are due ``since + k days`` for the latest such time at or before
``now`` (the first one while none has passed); the monthly report's subject
is the month (``YYYYMM``), due on its first working day.

Reminders whose occasion has passed are not planned (no "meeting in 24 h"
after it started; no 24 h reminder once the 2 h one is due).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from scheduling.intervals import require_aware
from scheduling.workcal import WorkingCalendar


class ReminderKind(StrEnum):
    RESPONSE_DUE_SOON = "response_due_soon"
    RESPONSE_OVERDUE = "response_overdue"
    MEETING_IN_24H = "meeting_in_24h"
    MEETING_IN_2H = "meeting_in_2h"
    MINUTES_UNSIGNED = "minutes_unsigned"
    ACTION_DUE_SOON = "action_due_soon"
    ACTION_OVERDUE = "action_overdue"
    ACTION_OVERDUE_ESCALATED = "action_overdue_escalated"
    MONTHLY_REPORT = "monthly_report"


class SubjectKind(StrEnum):
    CONFERENCE = "conference"
    MINUTES = "minutes"
    ACTION_ITEM = "action_item"
    MONTH = "month"
    REVIEW_MEETING = "review_meeting"


class ConferenceState(StrEnum):
    DRAFT = "draft"
    INVITING = "inviting"
    SCHEDULED = "scheduled"
    IN_SESSION = "in_session"
    MINUTES_DRAFTING = "minutes_drafting"
    MINUTES_SIGNING = "minutes_signing"
    SIGNED = "signed"
    CANCELLED = "cancelled"


class Answer(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"
    DELEGATED = "delegated"


@dataclass(frozen=True, slots=True)
class InvitationSnapshot:
    recipient_id: int
    answer: Answer


@dataclass(frozen=True)
class ConferenceSnapshot:
    """What planning needs of a conference; ``start`` is None until a slot is confirmed."""

    id: int
    state: ConferenceState
    start: datetime | None
    response_deadline: datetime | None
    convener_id: int
    invitations: Sequence[InvitationSnapshot] = field(default=())


@dataclass(frozen=True)
class MinutesSnapshot:
    """Minutes (会议纪要) of a conference still waiting for these signers since ``since``."""

    conference_id: int
    pending_signer_ids: Sequence[int]
    since: datetime


@dataclass(frozen=True, slots=True)
class ActionItemSnapshot:
    id: int
    owner_id: int
    convener_id: int
    due: date
    done: bool


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """Lead times; date-based reminders go out at ``send_at`` in the calendar's zone."""

    response_lead: timedelta = timedelta(hours=24)
    meeting_leads: tuple[tuple[ReminderKind, timedelta], ...] = (
        (ReminderKind.MEETING_IN_24H, timedelta(hours=24)),
        (ReminderKind.MEETING_IN_2H, timedelta(hours=2)),
    )
    minutes_every: timedelta = timedelta(days=1)
    action_lead: timedelta = timedelta(days=3)
    escalate_after: timedelta = timedelta(days=3)
    send_at: time = time(9, 0)


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: ReminderKind
    subject_kind: SubjectKind
    subject_id: int
    recipient_id: int
    due_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.due_at)
        object.__setattr__(self, "due_at", self.due_at.astimezone(UTC))

    @property
    def identity(self) -> tuple[SubjectKind, int, int, ReminderKind]:
        return (self.subject_kind, self.subject_id, self.recipient_id, self.kind)


DEFAULT_POLICY = ReminderPolicy()
_ANSWERING = {ConferenceState.INVITING, ConferenceState.SCHEDULED}


def plan(
    conferences: Iterable[ConferenceSnapshot],
    minutes: Iterable[MinutesSnapshot],
    actions: Iterable[ActionItemSnapshot],
    report_recipients: Iterable[int],
    now: datetime,
    calendar: WorkingCalendar,
    policy: ReminderPolicy = DEFAULT_POLICY,
) -> list[Reminder]:
    """Every reminder that should exist at ``now``, sorted by due time then identity."""
    require_aware(now)
    now = now.astimezone(UTC)
    planned: list[Reminder] = []
    for conference in conferences:
        planned.extend(_conference_reminders(conference, now, policy))
    for pending in minutes:
        planned.extend(_minutes_reminders(pending, now, policy))
    for action in actions:
        planned.extend(_action_reminders(action, now, calendar, policy))
    planned.extend(_monthly_reports(report_recipients, now, calendar, policy))
    return sorted(planned, key=lambda r: (r.due_at, r.identity))


def due(reminders: Iterable[Reminder], now: datetime) -> list[Reminder]:
    """The reminders whose time has come, oldest first."""
    require_aware(now)
    return sorted((r for r in reminders if r.due_at <= now), key=lambda r: (r.due_at, r.identity))


def _conference_reminders(
    conference: ConferenceSnapshot, now: datetime, policy: ReminderPolicy
) -> list[Reminder]:
    def reminder(kind: ReminderKind, recipient: int, due_at: datetime) -> Reminder:
        return Reminder(kind, SubjectKind.CONFERENCE, conference.id, recipient, due_at)

    result: list[Reminder] = []
    deadline = conference.response_deadline
    if conference.state in _ANSWERING and deadline is not None:
        require_aware(deadline)
        unanswered = [i.recipient_id for i in conference.invitations if i.answer == Answer.PENDING]
        if unanswered and now < deadline:
            result.extend(
                reminder(ReminderKind.RESPONSE_DUE_SOON, recipient, deadline - policy.response_lead)
                for recipient in unanswered
            )
        if unanswered:
            result.append(reminder(ReminderKind.RESPONSE_OVERDUE, conference.convener_id, deadline))

    start = conference.start
    if conference.state == ConferenceState.SCHEDULED and start is not None and now < start:
        require_aware(start)
        accepted = [i.recipient_id for i in conference.invitations if i.answer == Answer.ACCEPTED]
        leads = sorted(policy.meeting_leads, key=lambda pair: pair[1])
        for position, (kind, lead) in enumerate(leads):
            # A longer lead is pointless once a shorter one is due: someone
            # invited 3 hours ahead should get the 2 h reminder only.
            shorter = leads[position - 1][1] if position else None
            if shorter is not None and now >= start - shorter:
                continue
            result.extend(reminder(kind, recipient, start - lead) for recipient in accepted)
    return result


def _minutes_reminders(
    pending: MinutesSnapshot, now: datetime, policy: ReminderPolicy
) -> list[Reminder]:
    require_aware(pending.since)
    periods = max(1, (now - pending.since) // policy.minutes_every)
    due_at = pending.since + periods * policy.minutes_every
    return [
        Reminder(
            ReminderKind.MINUTES_UNSIGNED,
            SubjectKind.MINUTES,
            pending.conference_id,
            signer,
            due_at,
        )
        for signer in pending.pending_signer_ids
    ]


def _action_reminders(
    action: ActionItemSnapshot, now: datetime, calendar: WorkingCalendar, policy: ReminderPolicy
) -> list[Reminder]:
    if action.done:
        return []

    def at(day: date) -> datetime:
        return datetime.combine(day, policy.send_at, calendar.tz).astimezone(UTC)

    overdue_at = at(action.due + timedelta(days=1))

    def reminder(kind: ReminderKind, recipient: int, due_at: datetime) -> Reminder:
        return Reminder(kind, SubjectKind.ACTION_ITEM, action.id, recipient, due_at)

    result = [
        reminder(ReminderKind.ACTION_OVERDUE, action.owner_id, overdue_at),
        reminder(
            ReminderKind.ACTION_OVERDUE_ESCALATED,
            action.convener_id,
            overdue_at + policy.escalate_after,
        ),
    ]
    if now < overdue_at:
        due_soon = at(action.due - policy.action_lead)
        result.append(reminder(ReminderKind.ACTION_DUE_SOON, action.owner_id, due_soon))
    return result


def _monthly_reports(
    recipients: Iterable[int], now: datetime, calendar: WorkingCalendar, policy: ReminderPolicy
) -> list[Reminder]:
    local_today = now.astimezone(calendar.tz).date()
    first = calendar.first_working_day(local_today.year, local_today.month)
    due_at = datetime.combine(first, policy.send_at, calendar.tz).astimezone(UTC)
    month = local_today.year * 100 + local_today.month
    return [
        Reminder(ReminderKind.MONTHLY_REPORT, SubjectKind.MONTH, month, recipient, due_at)
        for recipient in recipients
    ]

"""The scheduler's tick: every reminder and every piece of timed background work, once.

Each tick (``tick(now)``, in an application context) plans the joint reviews' meetings
ahead, sends the conference reminders (answers due and overdue, the meeting in 24 h and 2
h), the reminders of joint review meetings (24 h and 2 h, to every member) and the reminders
for minutes waiting for a signature through reminder rows (below), then the follow-up
reminders (judicial confirmation, tasks due in 3 days, overdue to the owner and then to the
convener: see ``portal.followup.reminders``, whose claim rows give the same exactly-once
guarantee), the first-contact reminder of resident requests (``portal.residents.reminders``,
same claim rows), hands waiting text messages to the SMS provider, and queues the monthly
report's job. It only plans: documents are rendered by the workers. Each part runs on its
own, so one that fails is logged and retried on the next tick without holding back the
others.

Reminder rows:

1. *sync*: for every source of reminders, compare ``scheduling.reminders.plan`` with the
   stored rows: insert what is missing (``INSERT ... ON CONFLICT DO NOTHING``, so processes
   syncing at once do not collide), move a changed ``due_at`` and mark the row unsent
   (a reschedule re-arms the 24 h reminder), delete unsent rows the plan dropped;
2. *send*: claim one due, unsent row at a time — ``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL; on SQLite every transaction begins with ``BEGIN IMMEDIATE`` — write its
   notification (inbox + outbox mail) and mark it sent in the same transaction.

Because the notification and ``sent_at`` commit together, a reminder is sent exactly once
whatever the number of scheduler processes, and a process that dies mid-tick leaves
nothing half done. Extending it: add a ``Source`` with a planner and a sender per kind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.calendar.models import ReminderRow
from portal.conferences.models import Conference
from portal.extensions import db
from portal.holidays.workcal import working_calendar
from portal.orgs.models import User
from portal.upsert import upsert
from scheduling import reminders as planning
from scheduling.reminders import ReminderKind, SubjectKind

log = logging.getLogger(__name__)
ACTIVE = (planning.ConferenceState.INVITING, planning.ConferenceState.SCHEDULED)


@dataclass(frozen=True)
class Source:
    subject_kind: SubjectKind
    plan: Callable[[datetime], list[planning.Reminder]]
    send: Callable[[ReminderRow], None]


# --- conferences: answers due, answers overdue, the meeting in 24 h and 2 h -------------

def _snapshot(conference: Conference) -> planning.ConferenceSnapshot:
    from portal.conferences.services import recipients

    answers = {
        planning.InvitationSnapshot(user.id, planning.Answer(invitation.answer.value))
        for invitation in conference.invitations
        for user in recipients(invitation)}
    return planning.ConferenceSnapshot(
        id=conference.id, state=planning.ConferenceState(conference.state.value),
        start=conference.starts_at, response_deadline=conference.response_deadline,
        convener_id=conference.convener_id or conference.created_by_id,
        invitations=sorted(answers, key=lambda a: (a.recipient_id, a.answer)))


def plan_conferences(now: datetime) -> list[planning.Reminder]:
    from portal.conferences.models import ConferenceState

    conferences = db.session.scalars(sa.select(Conference).where(
        Conference.state.in_([ConferenceState(s.value) for s in ACTIVE])))
    return planning.plan([_snapshot(c) for c in conferences], [], [], [], now,
                         working_calendar())


def send_conference_reminder(row: ReminderRow) -> None:
    from portal.conferences.models import Answer
    from portal.conferences.services import _context, recipients
    from portal.notifications.services import notify

    conference = db.session.get(Conference, row.subject_id)
    recipient = db.session.get(User, row.recipient_id)
    if conference is None or recipient is None or not recipient.active:
        return
    link = f"/conferences/{conference.id}"
    kind = ReminderKind(row.kind)
    if kind is ReminderKind.RESPONSE_DUE_SOON:
        notify(recipient, "deadline_approaching", link, **_context(conference))
    elif kind is ReminderKind.RESPONSE_OVERDUE:
        missing = [i.invitee_name for i in conference.invitations
                   if i.answer is Answer.PENDING and recipients(i)]
        notify(recipient, "responses_overdue", link, missing="、".join(missing),
               **_context(conference))
    else:
        hours = 24 if kind is ReminderKind.MEETING_IN_24H else 2
        notify(recipient, "meeting_soon", link, hours=hours, **_context(conference))


# --- minutes waiting for signatures: every day to each signer who has not signed ----------

def plan_minutes(now: datetime) -> list[planning.Reminder]:
    from portal.minutes.models import MinutesVersion, VersionStatus

    signing = db.session.scalars(sa.select(MinutesVersion).where(
        MinutesVersion.status == VersionStatus.SIGNING).order_by(MinutesVersion.id)).all()
    if not signing:  # most ticks: then neither the signers nor the documents are needed
        return []
    from portal.audit.models import AuditEvent
    from portal.minutes.services import outstanding

    opened = dict(db.session.execute(
        sa.select(AuditEvent.object_id, sa.func.max(AuditEvent.occurred_at)).where(
            AuditEvent.action == "minutes.signing_opened",
            AuditEvent.object_type == "Conference").group_by(AuditEvent.object_id)).all())
    waiting = []
    for version in signing:
        # A version changed during signing is a new version: its signers start afresh.
        since = max(opened.get(str(version.conference_id), version.created_at),
                    version.created_at)
        pending = [row["user_id"] for row in outstanding(version)]
        if pending:
            waiting.append(planning.MinutesSnapshot(version.conference_id, pending, since))
    return planning.plan([], waiting, [], [], now, working_calendar())


def send_minutes_reminder(row: ReminderRow) -> None:
    from portal.minutes.services import current_version
    from portal.notifications.services import notify

    conference = db.session.get(Conference, row.subject_id)
    recipient = db.session.get(User, row.recipient_id)
    if conference is None or recipient is None or not recipient.active:
        return
    version = current_version(conference)
    notify(recipient, "minutes_unsigned", f"/conferences/{conference.id}/minutes",
           conference_title=conference.dispute.title, reference=conference.dispute.reference,
           version=version.number if version else "", when=conference.starts_at,
           room=conference.room.name if conference.room else None)


def _review_source() -> Source:
    from portal.reviews import reminders as review_reminders

    return Source(SubjectKind.REVIEW_MEETING, review_reminders.plan_meetings,
                  review_reminders.send_meeting_reminder)


SOURCES = (Source(SubjectKind.CONFERENCE, plan_conferences, send_conference_reminder),
           Source(SubjectKind.MINUTES, plan_minutes, send_minutes_reminder),
           _review_source())


# --- the tick ------------------------------------------------------------------------------

def _insert(values: list[dict]):
    return upsert(ReminderRow).values(values).on_conflict_do_nothing(
        index_elements=["subject_kind", "subject_id", "recipient_id", "kind"])


def sync(source: Source, now: datetime) -> None:
    planned = {r.identity: r for r in source.plan(now)}
    subjects = {r.subject_id for r in planned.values()}
    stored = db.session.execute(sa.select(
        ReminderRow.id, ReminderRow.subject_id, ReminderRow.recipient_id, ReminderRow.kind,
        ReminderRow.due_at, ReminderRow.sent_at).where(
        ReminderRow.subject_kind == source.subject_kind.value,
        sa.or_(ReminderRow.sent_at.is_(None), ReminderRow.subject_id.in_(subjects)))
        .order_by(ReminderRow.id)).all()
    known = set()
    for ident, subject_id, recipient_id, kind, due_at, sent_at in stored:
        identity = (source.subject_kind, subject_id, recipient_id, ReminderKind(kind))
        reminder = planned.get(identity)
        known.add(identity)
        if reminder is None and sent_at is None:
            # Re-checked by the database: a row sent meanwhile is kept.
            db.session.execute(sa.delete(ReminderRow).where(
                ReminderRow.id == ident, ReminderRow.sent_at.is_(None)))
        elif reminder is not None and reminder.due_at != due_at:
            # Conditional, so that of several processes seeing the change only the first
            # re-arms the row; the others find due_at already moved.
            db.session.execute(sa.update(ReminderRow).where(
                ReminderRow.id == ident, ReminderRow.due_at != reminder.due_at)
                .values(due_at=reminder.due_at, sent_at=None))
    missing = [dict(subject_kind=r.subject_kind.value, subject_id=r.subject_id,
                    recipient_id=r.recipient_id, kind=r.kind.value, due_at=r.due_at)
               for identity, r in sorted(planned.items()) if identity not in known]
    if missing:
        db.session.execute(_insert(missing))


def send_due(now: datetime, senders: dict[str, Callable[[ReminderRow], None]]) -> int:
    sent, failed = 0, []
    while True:
        row = db.session.scalar(
            sa.select(ReminderRow).where(
                ReminderRow.sent_at.is_(None), ReminderRow.due_at <= now,
                ReminderRow.subject_kind.in_(senders), ReminderRow.id.not_in(failed))
            .order_by(ReminderRow.due_at, ReminderRow.id).limit(1)
            .with_for_update(skip_locked=True))
        if row is None:
            return sent
        try:
            senders[row.subject_kind](row)
            row.sent_at = now
            db.session.commit()  # one reminder per transaction: its claim and its notice
            sent += 1
        except Exception:  # one broken reminder must not hold back the others
            log.exception("reminder %s could not be sent", row.id)
            failed.append(row.id)
            db.session.rollback()


def _guarded(what: str, work: Callable[[], object], default=None):
    """One part of the tick, committed as one unit of work."""
    try:
        result = work()
        db.session.commit()
        return result
    except Exception:
        log.exception("scheduler: %s failed; the next tick tries again", what)
        db.session.rollback()
        return default


def tick(now: datetime) -> int:
    """One run of the scheduler at ``now``; returns how many reminders were sent."""
    from portal.followup import reminders as followup
    from portal.residents import reminders as resident_reminders
    from portal.residents import sms
    from portal.reviews import planning as review_planning
    from portal.statistics import upkeep
    from portal.statistics.services import run_due

    # Meetings of the joint reviews planned ahead first, so their reminders are planned too.
    _guarded("planning joint review meetings", lambda: review_planning.plan_all(now))
    for source in SOURCES:
        _guarded(f"planning {source.subject_kind} reminders", lambda s=source: sync(s, now))
    sent = _guarded("sending reminders", lambda: send_due(
        now, {source.subject_kind.value: source.send for source in SOURCES}), 0)
    followups = _guarded("follow-up reminders", lambda: followup.tick(now), {})
    residents = _guarded("resident request reminders",
                         lambda: resident_reminders.first_contact_overdue(now), 0)
    _guarded("text messages to residents", sms.deliver_pending)
    _guarded("the statistics summaries", lambda: upkeep.ensure_built())
    # The monthly statistics report, made once from the month's first working day.
    _guarded("the monthly statistics report", lambda: run_due(now))
    return sent + sum(followups.values()) + residents


def run_tick(app, now: datetime) -> int:
    with app.app_context():
        try:
            return tick(now)
        finally:
            db.session.remove()


_started = False


def start_in_process(app) -> None:
    """Run the scheduler inside this (development server) process, once."""
    global _started
    if _started:
        return
    _started = True
    from scheduling.runner import build_scheduler

    build_scheduler(lambda now: run_tick(app, now)).start()

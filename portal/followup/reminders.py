"""Follow-up reminders, sent by the scheduler's tick (``portal.scheduler.tick``).

What is due is read from the database on every tick, and each reminder is claimed by
inserting its (subject, recipient, kind) row into the one reminder table first: the unique
key makes a second tick, or a second process, skip what was already sent, so every reminder
goes out exactly once. On
PostgreSQL the candidate tasks are read with SKIP LOCKED so concurrent ticks share the work.

- judicial confirmation: the handler, 7 days before the 30-day window closes;
- a task due within 3 days: its owner;
- a task past its due date: its owner, and after 3 more days the convener.

The first overdue reminder of a task is also an audit event (``task.overdue``), which the
API turns into the ``action_item.overdue`` webhook.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal import signals
from portal.audit.models import AuditEvent
from portal.audit.services import record
from portal.calendar.models import ReminderRow
from portal.extensions import db
from portal.followup.models import (
    PENDING,
    Agreement,
    AgreementState,
    Task,
    confirmation_deadline,
)
from portal.notifications.services import notify
from portal.orgs.models import User
from portal.timeutil import utcnow
from portal.upsert import upsert

CONFIRMATION_NOTICE_DAYS = 7
DUE_SOON_DAYS = 3
ESCALATE_AFTER_DAYS = 3


def _claim(subject: tuple[str, int], recipient: User, kind: str, now: datetime) -> bool:
    """True if this tick is the one that sends the reminder: its row in the one reminder
    table (shared with the conference reminders) is inserted here, or was already there."""
    table = ReminderRow.__table__
    subject_kind, subject_id = subject
    claimed = db.session.execute(
        upsert(table).values(subject_kind=subject_kind, subject_id=subject_id,
                             recipient_id=recipient.id, kind=kind, due_at=now, sent_at=now)
        .on_conflict_do_nothing(
            index_elements=["subject_kind", "subject_id", "recipient_id", "kind"])
        .returning(table.c.id)).first()
    return claimed is not None


def _local_day(now: datetime) -> date:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(current_app.config["PORTAL_TIMEZONE"])).date()


def _facts(dispute, conference) -> dict:
    return {"conference_title": dispute.title, "reference": dispute.reference,
            "when": conference.starts_at if conference else None,
            "room": conference.room.name if conference and conference.room else None}


def _task_facts(task: Task) -> dict:
    if task.dispute is not None:
        return _facts(task.dispute, task.conference)
    item = task.review_item
    return {"conference_title": item.series.title, "reference": item.village.name,
            "when": item.meeting.starts_at, "room": item.series.place or None}


def send_once(subject: tuple[str, int], recipients, kind: str, link: str, now: datetime,
              **context) -> int:
    """Notify each recipient of ``subject`` once for ``kind``, whatever the number of ticks."""
    sent = 0
    for person in dict.fromkeys(recipients):
        if person is not None and person.active and _claim(subject, person, kind, now):
            notify(person, kind, link, **context)
            sent += 1
    return sent


def _owners(task: Task) -> list[User]:
    if task.owner is not None:
        return [task.owner]
    if task.organisation is not None:
        return [u for u in task.organisation.members if u.active]
    if task.dispute is not None:
        return [task.dispute.handler] if task.dispute.handler else []
    return [task.review_item.series.convener]


def _manager(task: Task) -> User | None:
    """Who follows the task up: the conference's convener, the dispute's handler, or the
    convener of the joint review that handed the item over."""
    if task.conference is not None:
        return task.conference.convener
    if task.dispute is not None:
        return task.dispute.handler
    return task.review_item.series.convener


def _was_overdue(task: Task) -> bool:
    """Whether an overdue reminder of the task went out before this tick's."""
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "task.overdue", AuditEvent.object_type == "Task",
        AuditEvent.object_id == str(task.id))) > 0


def _skip_locked(query):
    if db.engine.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=Task)
    return query


def tick(now: datetime | None = None) -> dict[str, int]:
    """Send what is due at `now` (the clock is injectable for tests); commits."""
    now = now or utcnow()
    today = _local_day(now)
    sent = {"confirmation_due": 0, "task_due_soon": 0, "task_overdue": 0, "task_escalated": 0}
    agreements = db.session.scalars(sa.select(Agreement).where(
        Agreement.state == AgreementState.EFFECTIVE,
        Agreement.confirmation_filed_on.is_(None),
        Agreement.effective_on <= today - timedelta(days=30 - CONFIRMATION_NOTICE_DAYS))
        .order_by(Agreement.id))
    for agreement in agreements:
        dispute = agreement.dispute
        handler = dispute.handler or agreement.conference.convener
        sent["confirmation_due"] += send_once(
            ("agreement", agreement.id), [handler], "confirmation_due",
            f"/followup/agreements/{agreement.id}", now,
            deadline=confirmation_deadline(agreement), number=agreement.number,
            **_facts(dispute, agreement.conference))
    tasks = db.session.scalars(_skip_locked(sa.select(Task).where(
        Task.state.in_(PENDING), Task.due_on <= today + timedelta(days=DUE_SOON_DAYS))
        .order_by(Task.id)))
    for task in tasks:
        link = f"/followup/tasks/{task.id}"
        facts = dict(_task_facts(task), task=task.title,
                     due=task.due_on, owner=task.owner_name or task.owner_body)
        if task.due_on >= today:
            sent["task_due_soon"] += send_once(("task", task.id), _owners(task), "task_due_soon",
                                           link, now, **facts)
            continue
        overdue = send_once(("task", task.id), _owners(task), "task_overdue", link, now, **facts)
        if overdue and not _was_overdue(task):
            record("task.overdue", task, summary=task.title,
                   changes={"due_on": task.due_on.isoformat()})
            signals.task_overdue.send(task, at=now)
        sent["task_overdue"] += overdue
        if task.due_on + timedelta(days=ESCALATE_AFTER_DAYS) <= today:
            sent["task_escalated"] += send_once(("task", task.id), [_manager(task)],
                                                "task_escalated",
                                            link, now, **facts)
    db.session.flush()
    return sent

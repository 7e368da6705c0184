"""Follow-up reminders sent by the scheduler's one tick, each once, with the audit event the
API's ``action_item.overdue`` webhook reads."""

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.followup import casefile, tasks
from portal.followup.models import CasefileState, TaskKind
from portal.notifications.models import Notification
from portal.scheduler.tick import tick
from tests.calendar.conftest import schedulers  # noqa: F401 - the fixture is reused
from tests.factories import run_jobs

DUE = date(2027, 1, 15)
KINDS = ("task_due_soon", "task_overdue", "task_escalated", "confirmation_due")


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), ZoneInfo("Asia/Shanghai"))


def _sent() -> Counter:
    return Counter((n.recipient_id, n.kind, n.link) for n in db.session.scalars(
        sa.select(Notification).where(Notification.kind.in_(KINDS))))


def _overdue_events() -> list[str]:
    return sorted(db.session.scalars(sa.select(AuditEvent.object_id).where(
        AuditEvent.action == "task.overdue", AuditEvent.object_type == "Task")))


def _action_tasks(conference):
    return [t for t in tasks.tasks_of(conference.dispute) if t.kind is TaskKind.ACTION]


def test_the_scheduler_tick_sends_task_reminders_to_owner_then_convener(issued):
    conference, _ = issued
    tick(_at(DUE - timedelta(days=2)))
    tick(_at(DUE + timedelta(days=1)))
    tick(_at(DUE + timedelta(days=3)))
    kinds = Counter(kind for _, kind, _ in _sent())
    assert kinds["task_due_soon"] >= 2 and kinds["task_overdue"] >= 2
    assert Counter(k for r, k, _ in _sent() if r == conference.convener_id) == {
        "task_escalated": 2}


def test_the_first_overdue_reminder_of_a_task_is_audited_once(issued):
    conference, _ = issued
    tick(_at(DUE))
    assert _overdue_events() == []
    tick(_at(DUE + timedelta(days=1)))
    tick(_at(DUE + timedelta(days=2)))
    tick(_at(DUE + timedelta(days=4)))
    assert _overdue_events() == sorted(str(t.id) for t in _action_tasks(conference))


def test_the_scheduler_only_plans_and_a_worker_builds_the_case_file(issued):
    conference, _ = issued
    dispute = conference.dispute
    job = casefile.request_casefile(dispute.handler, dispute)
    tick(_at(DUE - timedelta(days=10)))
    db.session.refresh(job)
    assert job.state is CasefileState.QUEUED
    run_jobs()
    assert job.state is CasefileState.DONE


def test_three_scheduler_processes_send_each_follow_up_reminder_once(schedulers, issued):  # noqa: F811
    conference, _ = issued
    expected = sorted(str(t.id) for t in _action_tasks(conference))
    db.session.remove()
    timeline = [_at(DUE - timedelta(days=2)), _at(DUE + timedelta(days=1)),
                _at(DUE + timedelta(days=1)),
                # Down for two days: the escalation goes out late, once.
                _at(DUE + timedelta(days=5)), _at(DUE + timedelta(days=6))]
    for step, now in enumerate(timeline):
        schedulers.tick(now, kill_one=step == 1)
    sent = _sent()
    assert sent and set(sent.values()) == {1}, sent
    kinds = Counter(kind for _, kind, _ in sent)
    assert kinds["task_escalated"] == 2 and kinds["task_overdue"] >= 2
    assert _overdue_events() == expected

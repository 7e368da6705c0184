from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.disputes import services as disputes
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.followup import reminders, tasks
from portal.followup.models import TaskKind, TaskState
from portal.notifications.models import Notification
from portal.orgs.models import OrgKind
from tests.transactions import refused

DUE = date(2027, 1, 15)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), ZoneInfo("Asia/Shanghai"))


def _kinds(user):
    return [n.kind for n in db.session.scalars(db.select(Notification).where(
        Notification.recipient_id == user.id).order_by(Notification.id))
        if n.kind.startswith("task_")]


def test_action_items_become_tasks_of_their_owners(issued):
    conference, people = issued
    found = [t for t in tasks.tasks_of(conference.dispute) if t.kind is TaskKind.ACTION]
    assert [t.title for t in found] == ["现场复核界桩位置", "回访双方当事人"]
    resources = people[OrgKind.NATURAL_RESOURCES]
    assert found[0].owner_id == resources.id and found[0].due_on == DUE
    assert found[1].owner_id is None  # the body owns it: any of its members sees it
    assert [t.title for t in tasks.mine(resources)] == ["现场复核界桩位置"]
    labour = people[OrgKind.LABOUR_ARBITRATION]
    assert [t.title for t in tasks.mine(labour)] == ["回访双方当事人"]


def test_reminder_before_due_then_overdue_then_escalation(issued):
    conference, people = issued
    owner = people[OrgKind.NATURAL_RESOURCES]
    convener = conference.convener
    assert reminders.tick(_at(DUE - timedelta(days=5)))["task_due_soon"] == 0
    assert reminders.tick(_at(DUE - timedelta(days=2)))["task_due_soon"] == 2
    assert reminders.tick(_at(DUE - timedelta(days=1)))["task_due_soon"] == 0
    sent = reminders.tick(_at(DUE + timedelta(days=1)))
    assert sent["task_overdue"] == 2 and sent["task_escalated"] == 0
    assert _kinds(owner) == ["task_due_soon", "task_overdue"]
    sent = reminders.tick(_at(DUE + timedelta(days=3)))
    assert sent["task_escalated"] == 2  # the convener hears of each overdue task once
    assert reminders.tick(_at(DUE + timedelta(days=4))) == {
        "confirmation_due": 0, "task_due_soon": 0, "task_overdue": 0, "task_escalated": 0}
    assert _kinds(convener) == ["task_escalated", "task_escalated"]


def test_reported_task_is_not_chased(issued):
    conference, people = issued
    owner = people[OrgKind.NATURAL_RESOURCES]
    task = tasks.mine(owner)[0]
    tasks.report(owner, task, TaskState.DONE, "界桩已复核")
    reminders.tick(_at(DUE + timedelta(days=5)))
    assert "task_overdue" not in _kinds(owner)


def test_task_states_in_progress_then_final(issued):
    conference, people = issued
    owner = people[OrgKind.NATURAL_RESOURCES]
    task = tasks.mine(owner)[0]
    tasks.add_progress(owner, task, "已联系双方")
    tasks.report(owner, task, TaskState.IN_PROGRESS, "等待测量队")
    assert task.state is TaskState.IN_PROGRESS and task in tasks.mine(owner)
    tasks.report(owner, task, TaskState.NOT_DONE_CHANGED, "双方另行协商，不再复核")
    assert task.state is TaskState.NOT_DONE_CHANGED and task not in tasks.mine(owner)
    with pytest.raises(DomainError):
        tasks.report(owner, task, TaskState.DONE, "again")
    assert [p.state for p in task.progress] == [None, TaskState.IN_PROGRESS,
                                                TaskState.NOT_DONE_CHANGED]


def test_others_may_not_report(issued):
    conference, people = issued
    task = tasks.mine(people[OrgKind.NATURAL_RESOURCES])[0]
    with pytest.raises(NotAllowed):
        tasks.report(people[OrgKind.COURT], task, TaskState.DONE, "不是我的")


def test_closing_refused_until_tasks_reported_and_feedback_given(issued):
    conference, people = issued
    dispute = conference.dispute
    handler = dispute.handler
    disputes.resolve(handler, dispute, "达成调解协议")
    with refused(DomainError):
        disputes.close(handler, dispute)
    disputes.record_feedback(handler, dispute, "phone", "已告知双方协议内容", "satisfied")
    with refused(DomainError, match="现场复核界桩位置"):
        disputes.close(handler, dispute)
    for task in tasks.tasks_of(dispute):
        tasks.report(handler, task, TaskState.DONE, "已完成")
    disputes.close(handler, dispute)
    assert dispute.status.name == "CLOSED"


def test_referral_closes_with_the_receiving_body_and_reference(closed_session):
    conference, _ = closed_session
    dispute = conference.dispute
    handler = dispute.handler
    disputes.refer(handler, dispute, disputes.Referral.LITIGATION, "高平市人民法院", "")
    disputes.record_feedback(handler, dispute, "visit", "已告知诉讼途径", "neutral")
    with refused(DomainError, match="reference|文号|编号"):
        disputes.close(handler, dispute)
    tasks.record_referral_receipt(handler, dispute, "高平市人民法院", "（2026）晋0581民初88号")
    disputes.close(handler, dispute)
    assert dispute.status.name == "CLOSED"


def test_return_visit_is_recorded(issued):
    conference, _ = issued
    dispute = conference.dispute
    visit = tasks.record_visit(dispute.handler, dispute, date.today() - timedelta(days=1),
                               "visit", "张三", "补偿款已付清", "satisfied")
    assert tasks.visits_of(dispute) == [visit]
    with pytest.raises(DomainError):
        tasks.record_visit(dispute.handler, dispute, date.today(), "visit", "", "", "x")

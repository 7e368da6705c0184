"""Follow-up tasks: a conference's action items and an agreement's obligations, their
progress and reports, return visits (回访), and the rules that close the loop."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.audit.services import record
from portal.conferences.models import Conference
from portal.disputes import timeline
from portal.disputes.models import Dispute, EventKind, Status
from portal.errors import DomainError
from portal.extensions import db
from portal.followup.models import (
    PENDING,
    REPORTABLE,
    Agreement,
    ProgressEntry,
    ReturnVisit,
    Task,
    TaskKind,
    TaskState,
)
from portal.orgs.models import Organisation, User
from portal.permissions import ensure
from portal.timeutil import local_zone, utcnow

SATISFACTION = ("satisfied", "neutral", "dissatisfied")
VISIT_METHODS = ("visit", "phone", "in_person")
FINAL = {TaskState.IN_PROGRESS, TaskState.DONE, TaskState.NOT_DONE_CHANGED,
         TaskState.NOT_DONE_OWNER}


def _resolve_owner(body_name: str, person: str) -> tuple[Organisation | None, User | None]:
    body = db.session.scalar(sa.select(Organisation).where(Organisation.name == body_name))
    if not person.strip():
        return body, None
    query = sa.select(User).where(User.full_name == person.strip(), User.active)
    if body is not None:
        query = query.where(User.organisation_id == body.id)
    found = list(db.session.scalars(query.limit(2)))
    return body, found[0] if len(found) == 1 else None


def minutes_to_tasks(version, actor: User, conference: Conference) -> list[Task]:
    """Each action item of issued minutes becomes a task of its owner (once per item:
    an amendment re-issues the minutes without duplicating the tasks); receives
    ``minutes_issued``."""
    items = json.loads(version.snapshot).get("action_items", [])
    existing = {t.position for t in db.session.scalars(sa.select(Task).filter_by(
        conference_id=conference.id, kind=TaskKind.ACTION))}
    created = []
    for position, item in enumerate(items, start=1):
        if position in existing:
            continue
        body, owner = _resolve_owner(item["owner_body"], item.get("owner", ""))
        task = Task(dispute_id=conference.dispute_id, conference_id=conference.id,
                    kind=TaskKind.ACTION, position=position, owner_body=item["owner_body"],
                    organisation=body, owner_name=item.get("owner", ""), owner=owner,
                    title=item["task"], expected_feedback=item.get("feedback", ""),
                    due_on=date.fromisoformat(item["due"]), state=TaskState.OPEN)
        db.session.add(task)
        created.append(task)
    if created:
        db.session.flush()
        record("followup.tasks_created", conference, actor=actor,
               changes={"tasks": [t.id for t in created]})
    return created


def obligations_to_tasks(agreement: Agreement, actor: User) -> list[Task]:
    """Watching that each obligation of an effective agreement is performed is the
    handler's task (the convener's where the dispute has no handler); receives
    ``agreement_took_effect``."""
    from portal.followup.agreements import content

    dispute = agreement.dispute
    watcher = dispute.handler or agreement.conference.convener or actor
    created = []
    for position, item in enumerate(content(agreement)["obligations"], start=1):
        task = Task(dispute_id=dispute.id, conference_id=agreement.conference_id,
                    agreement_id=agreement.id, kind=TaskKind.OBLIGATION, position=position,
                    owner_body=watcher.organisation.name, organisation=watcher.organisation,
                    owner_name=watcher.full_name, owner=watcher,
                    title=f"{item['obligor']}：{item['content']}" + (
                        f"（{item['manner']}）" if item.get("manner") else ""),
                    expected_feedback="回访当事人，记录履行情况",
                    due_on=date.fromisoformat(item["deadline"]), state=TaskState.OPEN)
        db.session.add(task)
        created.append(task)
    db.session.flush()
    record("followup.obligations_tracked", agreement, actor=actor,
           changes={"tasks": [t.id for t in created]})
    return created


def add_progress(actor: User, task: Task, note: str) -> ProgressEntry:
    ensure(actor, "task.report", task)
    if not task.pending:
        raise DomainError(_("This task has its final report."))
    if not note.strip():
        raise DomainError(_("Describe the progress."), "note")
    entry = ProgressEntry(task=task, by_id=actor.id, note=note.strip()[:4000], at=utcnow())
    db.session.add(entry)
    record("task.progress", task, actor=actor, summary=note.strip()[:500])
    db.session.flush()
    return entry


def report(actor: User, task: Task, state: TaskState, note: str) -> Task:
    """The owner's report: done, in progress, or not done (circumstances changed, or by the
    owner). A task reported "in progress" can be reported again; the others are final."""
    ensure(actor, "task.report", task)
    if task.state not in REPORTABLE:
        raise DomainError(_("This task has its final report."))
    if state not in FINAL:
        raise DomainError(_("Choose what became of the task."), "state")
    if not note.strip():
        raise DomainError(_("Describe what was done, or why it was not."), "note")
    before = task.state
    task.state, task.report = state, note.strip()[:4000]
    task.reported_at, task.reported_by_id = utcnow(), actor.id
    db.session.add(ProgressEntry(task=task, by_id=actor.id, state=state, note=task.report,
                                 at=task.reported_at))
    if task.dispute is not None:
        timeline.add(task.dispute, EventKind.TASK_REPORTED, actor, task=task.title[:80],
                     state=state.name)
    record("task.reported", task, actor=actor, summary=task.report[:500],
           changes={"state": [before.name, state.name]})
    db.session.flush()
    return task


def record_visit(actor: User, dispute: Dispute, visited_on: date, method: str, visited: str,
                 findings: str, satisfaction: str, task: Task | None = None) -> ReturnVisit:
    """A return visit (回访) on how the agreement is performed."""
    ensure(actor, "followup.manage", dispute)
    if task is not None and task.dispute_id != dispute.id:
        raise DomainError(_("Unknown task."))
    if method not in VISIT_METHODS or satisfaction not in SATISFACTION:
        raise DomainError(_("Choose how the visit was made and how satisfied the parties "
                            "were."))
    if not visited.strip() or not findings.strip():
        raise DomainError(_("Say whom you visited and what you found."), "findings")
    if visited_on > utcnow().astimezone(local_zone()).date():
        raise DomainError(_("The visit date cannot be in the future."), "visited_on")
    visit = ReturnVisit(dispute_id=dispute.id, task=task, visited_on=visited_on,
                        visitor_id=actor.id, method=method, visited=visited.strip()[:200],
                        findings=findings.strip()[:4000], satisfaction=satisfaction)
    db.session.add(visit)
    timeline.add(dispute, EventKind.RETURN_VISIT, actor, findings.strip()[:200],
                 visited=visited.strip()[:60], satisfaction=satisfaction)
    record("followup.return_visit", dispute, actor=actor,
           changes={"visited_on": visited_on.isoformat(), "satisfaction": satisfaction,
                    "task": task.id if task else None})
    db.session.flush()
    return visit


def record_referral_receipt(actor: User, dispute: Dispute, body: str, reference: str) -> None:
    """A referred dispute closes with the receiving body and its reference number."""
    ensure(actor, "followup.manage", dispute)
    if dispute.status is not Status.REFERRED:
        raise DomainError(_("Only a referred dispute has a receiving body."))
    if not body.strip() or not reference.strip():
        raise DomainError(_("Give the receiving body and its reference number."))
    old = [dispute.referral_body, dispute.referral_ref]
    dispute.referral_body, dispute.referral_ref = body.strip()[:120], reference.strip()[:64]
    timeline.add(dispute, EventKind.REFERRAL_RECEIVED, actor, body=dispute.referral_body,
                 reference=dispute.referral_ref)
    record("dispute.referral_received", dispute, actor=actor,
           changes={"referral": [old, [dispute.referral_body, dispute.referral_ref]]})
    db.session.flush()


# --- reading ---------------------------------------------------------------------------

def tasks_of(dispute: Dispute) -> list[Task]:
    return list(db.session.scalars(sa.select(Task).where(Task.dispute_id == dispute.id)
                                   .order_by(Task.kind, Task.due_on, Task.id)))


def visits_of(dispute: Dispute) -> list[ReturnVisit]:
    return list(db.session.scalars(sa.select(ReturnVisit).where(
        ReturnVisit.dispute_id == dispute.id).order_by(ReturnVisit.visited_on)))


def mine(user: User) -> list[Task]:
    """The user's tasks not finally reported: named ones, and their body's unnamed ones."""
    return list(db.session.scalars(sa.select(Task).where(
        Task.state.in_(PENDING),
        sa.or_(Task.owner_id == user.id,
               sa.and_(Task.owner_id.is_(None), Task.organisation_id == user.organisation_id)))
        .order_by(Task.due_on, Task.id).limit(50)))


def counts(dispute: Dispute) -> dict[TaskState, int]:
    rows = db.session.execute(sa.select(Task.state, sa.func.count()).where(
        Task.dispute_id == dispute.id).group_by(Task.state))
    return dict(rows.all())


# --- closing the loop --------------------------------------------------------------------

def closing_problems(dispute: Dispute) -> list[str]:
    """What still keeps the dispute from closing; empty when it may close."""
    problems = []
    unreported = [t for t in tasks_of(dispute) if t.state is TaskState.OPEN]
    if unreported:
        problems.append(_("%(n)d follow-up task(s) not reported yet: %(titles)s.",
                          n=len(unreported),
                          titles="；".join(t.title[:40] for t in unreported[:5])))
    if dispute.feedback_at is None or not dispute.feedback_method or not dispute.satisfaction:
        problems.append(_("Record the feedback to the parties (who gave it, how, when and "
                          "how satisfied they were)."))
    elif not any(e.action == "feedback" and e.actor_id for e in dispute.events):
        problems.append(_("The feedback does not say who gave it; record it again."))
    if dispute.status is Status.REFERRED and not (dispute.referral_body
                                                  and dispute.referral_ref):
        problems.append(_("A referral closes with the receiving body and its reference "
                          "number; record them first."))
    return problems


def check_closable(dispute: Dispute, actor: User | None = None) -> None:
    """Refuses to let a dispute close while it has open problems; receives
    ``dispute_closing``."""
    problems = closing_problems(dispute)
    if problems:
        raise DomainError(_("The dispute cannot be closed yet: %(problems)s",
                            problems=" ".join(problems)))

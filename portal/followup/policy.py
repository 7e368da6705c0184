"""Who may see and act on agreements, notices, tasks and case files."""

from __future__ import annotations

from portal.conferences.policy import may_run
from portal.disputes.policy import may_see_personal_data, may_view, may_work
from portal.orgs.models import Role
from portal.permissions import can, rule


def _manages_dispute(user, dispute) -> bool:
    """The handler, conveners and admins, and the secretaries of the dispute's conferences."""
    if may_work(user, dispute):
        return True
    return any(user.id == c.secretary_id for c in getattr(dispute, "conferences", []))


@rule("followup.view")
def _followup_view(user, dispute) -> bool:
    return may_view(user, dispute)


@rule("followup.manage")
def _followup_manage(user, dispute) -> bool:
    """Record notices, return visits, judicial confirmation; build the case file."""
    return _manages_dispute(user, dispute)


@rule("agreement.draft")
def _agreement_draft(user, conference) -> bool:
    """Generate and edit an agreement from a conference's record: its secretary or convener."""
    return may_run(user, conference)


@rule("agreement.view")
def _agreement_view(user, agreement) -> bool:
    # An issued legal document carries the parties' full identity (the People's Mediation
    # Law asks for it), so only those entitled to it open the agreement, each time audited.
    return may_see_personal_data(user, agreement.dispute)


@rule("task.view")
def _task_view(user, task) -> bool:
    if task.dispute is None:
        return _task_report(user, task) or can(user, "review.view", task.review_item.series)
    return _task_report(user, task) or can(user, "followup.view", task.dispute)


def _owns(user, task) -> bool:
    if task.owner_id is not None:
        return user.id == task.owner_id
    return task.organisation_id is not None and user.organisation_id == task.organisation_id


@rule("task.report")
def _task_report(user, task) -> bool:
    """The owner (or, for a body without a named person, its members) and the managers."""
    if _owns(user, task):
        return True
    if task.conference is not None and may_run(user, task.conference):
        return True
    if task.dispute is None:  # a review's item: its series' convener follows it up
        return user.has_role(Role.ADMIN) or user.id == task.review_item.series.convener_id
    return user.has_role(Role.ADMIN) or user.id == task.dispute.handler_id

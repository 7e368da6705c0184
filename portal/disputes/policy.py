"""Who may see and act on disputes: rules for the shared permission mechanism."""

from __future__ import annotations

import sqlalchemy as sa

from portal.conferences.models import Answer, Conference, ConferenceState, Invitation
from portal.conferences.policy import addressed_to, invited_conference_ids
from portal.disputes.models import Dispute, Status
from portal.extensions import db
from portal.orgs.models import Role, User, Village
from portal.permissions import rule

STAFF = (Role.ADMIN, Role.CONVENER, Role.SECRETARY)
REPORTERS = (Role.ADMIN, Role.CONVENER, Role.SECRETARY, Role.GRID_WORKER,
             Role.COMMUNITY_POLICE, Role.MEDIATOR)
TAKERS = (Role.CONVENER, Role.GRID_WORKER, Role.COMMUNITY_POLICE, Role.MEDIATOR)


def _participant_disputes(user: User):
    """Disputes whose (non-draft) conference invites this user or a body they answer for."""
    return sa.select(Conference.dispute_id).where(
        Conference.id.in_(invited_conference_ids(user)))


def _village_ids(user: User):
    return sa.select(Village.id).where(
        sa.or_(Village.grid_worker_id == user.id, Village.community_police_id == user.id))


def visible_to(user: User):
    """A WHERE clause limiting disputes to those the user may open: the list's scope."""
    if user.has_role(*STAFF):
        return sa.true()
    return sa.or_(
        Dispute.reporter_id == user.id,
        Dispute.handler_id == user.id,
        Dispute.village_id.in_(_village_ids(user)),
        Dispute.id.in_(_participant_disputes(user)),
    )


def _is_participant(user: User, dispute: Dispute) -> bool:
    query = _participant_disputes(user).where(Conference.dispute_id == dispute.id).limit(1)
    return db.session.scalar(query) is not None


@rule("dispute.create")
def _create(user, obj=None) -> bool:
    return user.has_role(*REPORTERS)


@rule("dispute.view")
def may_view(user, dispute) -> bool:
    """Staff, the reporter and the handler, the village's dual grid, and the participants."""
    if user.has_role(*STAFF) or user.id in (dispute.reporter_id, dispute.handler_id):
        return True
    village = dispute.village
    if village and user.id in (village.grid_worker_id, village.community_police_id):
        return True
    return _is_participant(user, dispute)


def _takes_part(user: User, dispute: Dispute) -> bool:
    """Runs one of the dispute's conferences, or holds a seat in one that was sent out.

    An invitation answered by delegating it is a seat given away: the delegate holds the
    new invitation, and the case details go with the seat."""
    runs = sa.select(Conference.id).where(
        Conference.dispute_id == dispute.id,
        sa.or_(Conference.convener_id == user.id, Conference.created_by_id == user.id,
              Conference.secretary_id == user.id))
    seated = (sa.select(Invitation.id)
              .join(Conference, Conference.id == Invitation.conference_id)
              .where(Conference.dispute_id == dispute.id,
                     Conference.state != ConferenceState.DRAFT,
                     Invitation.answer != Answer.DELEGATED, addressed_to(user)))
    return db.session.scalar(sa.select(sa.or_(sa.exists(runs), sa.exists(seated)))) is True


@rule("dispute.personal_data")
def may_see_personal_data(user, dispute) -> bool:
    """Who may see the parties' full ID numbers and phones (after the audited reveal):
    administrators, the dispute's handler, and whoever takes part in its conferences."""
    return (user.has_role(Role.ADMIN) or user.id == dispute.handler_id
            or _takes_part(user, dispute))


@rule("dispute.edit")
def _edit(user, dispute) -> bool:
    if dispute.status is Status.CLOSED:
        return False
    return (user.has_role(Role.ADMIN, Role.CONVENER) or user.id == dispute.handler_id
            or (user.id == dispute.reporter_id and dispute.status is Status.REPORTED))


@rule("dispute.assign")
def _assign(user, dispute=None) -> bool:
    return user.has_role(Role.ADMIN, Role.CONVENER)


@rule("dispute.take_over")
def _take_over(user, dispute) -> bool:
    return (user.has_role(*TAKERS) and dispute.handler_id != user.id
            and may_view(user, dispute))


@rule("dispute.work")
def may_work(user, dispute) -> bool:
    """Handle, resolve, refer, record feedback and close: the handler, conveners, admins."""
    return user.has_role(Role.ADMIN, Role.CONVENER) or user.id == dispute.handler_id


@rule("dispute.escalate")
def _escalate(user, dispute) -> bool:
    """The handler and the convener, and also the village's community police officer and
    grid worker: the dual grid reports and escalates its village's disputes without
    having to take over their handling."""
    if may_work(user, dispute):
        return True
    village = dispute.village
    return (village is not None and user.has_role(Role.COMMUNITY_POLICE, Role.GRID_WORKER)
            and user.id in (village.grid_worker_id, village.community_police_id))


@rule("dispute.reopen")
def _reopen(user, dispute) -> bool:
    return user.has_role(Role.ADMIN, Role.CONVENER)


@rule("dispute.import")
def _import(user, obj=None) -> bool:
    return user.has_role(Role.ADMIN, Role.CONVENER, Role.SECRETARY)

"""Who may open a conference room and act in it: rules for the shared permission mechanism."""

from __future__ import annotations

import sqlalchemy as sa

from portal.conferences.models import Conference, ConferenceState, Invitation
from portal.extensions import db
from portal.orgs.models import Role, User
from portal.permissions import rule

# An invitation addressed to a body is answered by its members with one of these roles.
ANSWERING_ROLES = (Role.HEAD, Role.MEDIATOR, Role.LAWYER)


def addressed_to(user: User):
    """Invitations this user holds: named ones, and their body's if they may answer for it."""
    named = Invitation.user_id == user.id
    if not user.has_role(*ANSWERING_ROLES):
        return named
    return sa.or_(named, sa.and_(Invitation.user_id.is_(None),
                                 Invitation.organisation_id == user.organisation_id))


def invited_conference_ids(user: User):
    return (sa.select(Invitation.conference_id)
            .join(Conference, Conference.id == Invitation.conference_id)
            .where(addressed_to(user), Conference.state != ConferenceState.DRAFT))


def taking_part(user: User):
    """A WHERE clause limiting conferences to those the user convenes, created, takes the
    minutes of, or is invited to (once sent out): a personal calendar's scope."""
    return sa.or_(Conference.convener_id == user.id, Conference.created_by_id == user.id,
                  Conference.secretary_id == user.id,
                  Conference.id.in_(invited_conference_ids(user)))


def visible_to(user: User):
    """A WHERE clause limiting conferences to those whose rooms the user may open
    (`conference.view`): the lists' scope. Administrators open every room."""
    if user.has_role(Role.ADMIN):
        return sa.true()
    return taking_part(user)


def is_invited(user: User, conference: Conference) -> bool:
    query = invited_conference_ids(user).where(Invitation.conference_id == conference.id)
    return db.session.scalar(query.limit(1)) is not None


def viewable(user: User, conferences) -> set[int]:
    """The ids of `conferences` whose rooms `user` may open (`conference.view`), with one
    statement for all of them rather than one each."""
    conferences = list(conferences)
    allowed = {c.id for c in conferences if _runs(user, c) or user.id == c.secretary_id}
    others = [c.id for c in conferences if c.id not in allowed]
    if others:
        allowed |= set(db.session.scalars(
            invited_conference_ids(user).where(Invitation.conference_id.in_(others))))
    return allowed


def may_answer(user: User, invitation: Invitation) -> bool:
    if invitation.user_id is not None:
        return invitation.user_id == user.id
    return (invitation.organisation_id == user.organisation_id
            and user.has_role(*ANSWERING_ROLES))


def _runs(user: User, conference: Conference) -> bool:
    return user.has_role(Role.ADMIN) or user.id in (conference.convener_id,
                                                    conference.created_by_id)


@rule("conference.view")
def _view(user, conference) -> bool:
    return (_runs(user, conference) or user.id == conference.secretary_id
            or is_invited(user, conference))


@rule("conference.manage")
def _manage(user, conference) -> bool:
    """Convener's actions: edit invitees, send, schedule, override quorum, cancel."""
    return _runs(user, conference)


@rule("conference.run")
def may_run(user, conference) -> bool:
    """Secretary's actions: start and end the session, see who has submitted."""
    return _runs(user, conference) or user.id == conference.secretary_id


@rule("conference.contribute")
def _contribute(user, conference) -> bool:
    """Upload documents and file briefs: anyone taking part."""
    return conference.state is not ConferenceState.DRAFT and _view(user, conference)


@rule("document.withdraw")
def _withdraw(user, document) -> bool:
    """Whoever uploaded a case document, and the conference's secretary, may withdraw it."""
    conference = db.session.get(Conference, document.conference_id)
    return _view(user, conference) and user.id in (document.uploader_id,
                                                   conference.secretary_id)

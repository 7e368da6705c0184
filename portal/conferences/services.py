"""Opening conferences for tier-3 disputes, with the invitees the dispute calls for."""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit.services import record
from portal.conferences.models import Conference, ConferenceState, Invitee, InviteeGroup
from portal.disputes.models import CategorySector, Dispute
from portal.extensions import db
from portal.orgs.models import HEAD_KINDS, Organisation, OrgKind, User

OPEN_STATES = frozenset(ConferenceState) - {ConferenceState.SIGNED, ConferenceState.CANCELLED}


def _first_active(kind: OrgKind) -> Organisation | None:
    return db.session.scalar(
        sa.select(Organisation).where(Organisation.kind == kind, Organisation.active)
        .order_by(Organisation.id).limit(1))


def sectors_for(category) -> list[OrgKind]:
    return list(db.session.scalars(
        sa.select(CategorySector.sector).where(CategorySector.category == category)
        .order_by(CategorySector.sector)))


def suggested_invitees(dispute: Dispute) -> list[Invitee]:
    """The three heads' bodies and the category's sector bodies (required), then the
    village's grid worker, community police officer and resident lawyer."""
    invitees = []
    for kind in sorted(HEAD_KINDS, key=lambda k: k.name):
        org = _first_active(kind)
        if org:
            invitees.append(Invitee(group=InviteeGroup.HEAD, organisation=org, required=True))
    for kind in sectors_for(dispute.category):
        org = _first_active(kind)
        if org:
            invitees.append(Invitee(group=InviteeGroup.SECTOR, organisation=org, required=True))
    village = dispute.village
    people: list[tuple[InviteeGroup, User | None]] = [
        (InviteeGroup.VILLAGE, village.grid_worker),
        (InviteeGroup.VILLAGE, village.community_police),
        (InviteeGroup.LAWYER, village.resident_lawyer),
    ]
    for group, person in people:
        if person is not None and person.active:
            invitees.append(Invitee(group=group, user=person, required=False))
    return invitees


def open_draft_conference(actor: User, dispute: Dispute) -> Conference:
    """The dispute's open conference, or a new draft one; committed by the caller."""
    existing = db.session.scalar(
        sa.select(Conference).where(Conference.dispute_id == dispute.id,
                                    Conference.state.in_(OPEN_STATES)))
    if existing is not None:
        return existing
    conference = Conference(dispute=dispute, created_by=actor, state=ConferenceState.DRAFT,
                            invitees=suggested_invitees(dispute))
    db.session.add(conference)
    db.session.flush()
    record("conference.drafted", conference, summary=dispute.reference, actor=actor,
           changes={"invitees": len(conference.invitees)})
    return conference

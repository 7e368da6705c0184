"""Quorum: all three heads' bodies and every required invitee represented by an acceptance."""

from __future__ import annotations

from dataclasses import dataclass

from portal.conferences.models import Answer, Conference, Invitation
from portal.orgs.models import HEAD_KINDS, OrgKind


@dataclass(frozen=True)
class Requirement:
    label: str
    met: bool
    representative: str | None = None


@dataclass(frozen=True)
class QuorumStatus:
    requirements: list[Requirement]

    @property
    def met(self) -> bool:
        return all(r.met for r in self.requirements)

    @property
    def missing(self) -> list[str]:
        return [r.label for r in self.requirements if not r.met]


def _end_of_chain(invitation: Invitation, by_parent: dict[int, Invitation]) -> Invitation:
    """A delegated invitation is answered, in the end, by the last delegate in its chain."""
    seen = set()
    while invitation.answer is Answer.DELEGATED and invitation.id in by_parent:
        if invitation.id in seen:
            break
        seen.add(invitation.id)
        invitation = by_parent[invitation.id]
    return invitation


def quorum_status(conference: Conference) -> QuorumStatus:
    invitations = conference.invitations
    by_parent = {i.delegated_from_id: i for i in invitations if i.delegated_from_id}
    roots = [i for i in invitations if i.delegated_from_id is None]
    answered = [(root, _end_of_chain(root, by_parent)) for root in roots]
    requirements = []
    for kind in sorted(HEAD_KINDS, key=lambda k: k.name):
        accepted = [last for root, last in answered
                    if root.body is not None and root.body.kind is kind
                    and last.answer is Answer.ACCEPTED]
        requirements.append(Requirement(
            OrgKind(kind).label, bool(accepted),
            accepted[0].invitee_name if accepted else None))
    for root, last in answered:
        if root.required and not (root.body is not None and root.body.kind in HEAD_KINDS):
            met = last.answer is Answer.ACCEPTED
            requirements.append(Requirement(root.invitee_name, met,
                                            last.invitee_name if met else None))
    return QuorumStatus(requirements)

"""What waits for the signed-in user, one dashboard card per duty: answering invitations,
recording conferences and issuing their minutes (the secretary), signing minutes.

Each card is a count, the first few items as links, and a sentence for when it is empty. A
card shows to the roles that have the duty, and to anyone else the moment it holds something
for them (a named invitation can reach any account).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.conferences.models import Answer, Conference, ConferenceState, Invitation
from portal.conferences.policy import ANSWERING_ROLES, addressed_to, invited_conference_ids
from portal.conferences.services import ANSWERABLE
from portal.extensions import db
from portal.minutes.models import MinutesVersion, VersionStatus
from portal.orgs.models import Role, User
from portal.timeutil import format_moment, format_span, utcnow

S = ConferenceState
SHOWN = 8
SIGNING_ROLES = (Role.CONVENER, Role.SECRETARY, *ANSWERING_ROLES)


@dataclass(frozen=True)
class Item:
    label: str
    url: str
    note: str = ""
    action: str = ""  # a short verb shown as the link's button, e.g. 修改答复
    urgent: bool = False


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    count: int
    empty: str
    items: list[Item] = field(default_factory=list)


# --- what waits, as domain objects --------------------------------------------------------

def open_invitations(user: User, now: datetime | None = None) -> list[Invitation]:
    """The user's invitations that can still be answered or changed: unanswered first
    (soonest deadline first), then the answered ones, until their meeting starts."""
    now = now or utcnow()
    return list(db.session.scalars(
        sa.select(Invitation).join(Conference)
        .options(joinedload(Invitation.conference).joinedload(Conference.dispute))
        .where(addressed_to(user), Invitation.answer != Answer.DELEGATED,
               Conference.state.in_(ANSWERABLE),
               sa.or_(Conference.starts_at.is_(None), Conference.starts_at > now))
        .order_by(Invitation.answer != Answer.PENDING, Conference.response_deadline.nulls_last(),
                  Conference.starts_at, Invitation.id)))


def conferences_to_record(user: User) -> list[Conference]:
    """The secretary's conferences in session or with minutes still being drafted."""
    return list(db.session.scalars(
        sa.select(Conference).options(joinedload(Conference.dispute))
        .where(Conference.secretary_id == user.id,
               Conference.state.in_((S.IN_SESSION, S.MINUTES_DRAFTING)))
        .order_by(Conference.starts_at, Conference.id)))


def _signing_versions(conferences) -> list[MinutesVersion]:
    return list(db.session.scalars(
        sa.select(MinutesVersion).join(Conference, Conference.id == MinutesVersion.conference_id)
        .where(MinutesVersion.status == VersionStatus.SIGNING, Conference.id.in_(conferences))
        .order_by(MinutesVersion.created_at, MinutesVersion.id)))


def minutes_to_issue(user: User) -> list[tuple[MinutesVersion, int]]:
    """The secretary's minutes open for signing, each with how many signatures are missing."""
    from portal.minutes.services import outstanding

    mine = sa.select(Conference.id).where(Conference.secretary_id == user.id)
    return [(version, len(outstanding(version))) for version in _signing_versions(mine)]


def minutes_to_sign(user: User) -> list[MinutesVersion]:
    """Minutes open for signing that name the user among the signers who have not signed."""
    from portal.minutes.services import outstanding

    related = sa.select(Conference.id).where(sa.or_(
        Conference.secretary_id == user.id, Conference.convener_id == user.id,
        Conference.created_by_id == user.id, Conference.id.in_(invited_conference_ids(user))))
    return [version for version in _signing_versions(related)
            if any(row["user_id"] == user.id for row in outstanding(version))]


# --- the cards ----------------------------------------------------------------------------

def _title(conference: Conference) -> str:
    return f"{conference.dispute.reference} · {conference.dispute.title}"


def _when(conference: Conference) -> str:
    if conference.starts_at is None:
        return _("Time not fixed yet")
    return format_span(conference.starts_at, conference.ends_at) if conference.ends_at \
        else format_moment(conference.starts_at)


def _invitation_item(invitation: Invitation) -> Item:
    conference = invitation.conference
    url = url_for("conferences.answer", ident=invitation.id)
    if invitation.answer is Answer.PENDING:
        due = conference.response_deadline
        note = _("Answers are due by %(when)s.", when=format_moment(due)) if due else ""
        return Item(conference.dispute.title, url, note, _("Answer"),
                    urgent=due is not None and due < utcnow())
    note = _("You answered: %(answer)s", answer=invitation.answer.label) + " · " \
        + _when(conference)
    return Item(conference.dispute.title, url, note, _("Change answer"))


def _invitations_card(user: User) -> Card | None:
    invitations = open_invitations(user)
    if not invitations and not user.has_role(*ANSWERING_ROLES):
        return None
    pending = sum(i.answer is Answer.PENDING for i in invitations)
    return Card("invitations", _("Invitations to answer"), pending,
                _("No invitation is waiting for your answer."),
                [_invitation_item(i) for i in invitations[:SHOWN]])


def _record_card(user: User) -> Card | None:
    conferences = conferences_to_record(user)
    if not conferences and not user.has_role(Role.SECRETARY):
        return None
    items = [Item(_title(c), url_for("minutes.record_page", ident=c.id),
                  c.state.label + " · " + _when(c), _("Open the record"))
             for c in conferences[:SHOWN]]
    return Card("to-record", _("To record"), len(conferences),
                _("No conference is waiting for its record."), items)


def _issue_card(user: User) -> Card | None:
    waiting = minutes_to_issue(user)
    if not waiting and not user.has_role(Role.SECRETARY):
        return None
    items = []
    for version, missing in waiting[:SHOWN]:
        conference = db.session.get(Conference, version.conference_id)
        note = (_("%(n)d signatures outstanding", n=missing) if missing
                else _("Everyone has signed: ready to issue"))
        items.append(Item(_title(conference), url_for("minutes.minutes_page",
                                                      ident=conference.id),
                          _("Version %(n)d", n=version.number) + " · " + note,
                          _("Issue") if not missing else "", urgent=not missing))
    return Card("to-issue", _("Minutes to issue"), len(waiting),
                _("No minutes are waiting to be issued."), items)


def _sign_card(user: User) -> Card | None:
    versions = minutes_to_sign(user)
    if not versions and not user.has_role(*SIGNING_ROLES):
        return None
    items = []
    for version in versions[:SHOWN]:
        conference = db.session.get(Conference, version.conference_id)
        items.append(Item(_title(conference), url_for("minutes.minutes_page",
                                                      ident=conference.id),
                          _("Version %(n)d", n=version.number), _("Sign")))
    return Card("to-sign", _("Waiting for my signature"), len(versions),
                _("No minutes are waiting for your signature."), items)


def cards(user: User) -> list[Card]:
    """The user's cards, in the order of a conference's life."""
    built = (_invitations_card(user), _record_card(user), _issue_card(user), _sign_card(user))
    return [card for card in built if card is not None]

"""What a resident or party sees and does on their case page (/c/<code>): the progress in
plain words, the notice of rights and duties to acknowledge, the agreement's terms that
concern them, the conference time, and the rating that is the loop's feedback (反馈).

Only facts meant for the parties are read here: never staff notes, nor other parties'
particulars."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.audit.services import record
from portal.conferences.models import Conference, ConferenceState
from portal.disputes import timeline
from portal.disputes.models import CLOSED_STATES, EventKind, Status
from portal.errors import DomainError
from portal.extensions import db
from portal.followup.models import Agreement, AgreementState, ReturnVisit
from portal.residents.codes import Contact
from portal.residents.models import (
    CaseCode,
    CaseRating,
    NoticeAcknowledgement,
    Rating,
    RequestStatus,
)
from portal.timeutil import utcnow

HIDDEN_CONFERENCES = (ConferenceState.DRAFT, ConferenceState.CANCELLED)


@dataclass(frozen=True)
class Step:
    when: datetime | date | None
    text: str


def _handler_text(user) -> str:
    return _("%(name)s (%(body)s) is handling it.", name=user.full_name,
             body=user.organisation.name)


def steps(case: CaseCode) -> list[Step]:
    found: list[Step] = []
    request, dispute = case.request, case.dispute
    if request is not None:
        found.append(Step(request.received_at, _("We received your report.")))
        if request.handler is not None and dispute is None:
            found.append(Step(request.contacted_at, _handler_text(request.handler)))
        if request.contacted_at:
            found.append(Step(request.contacted_at, _("We contacted you.")))
        if request.status is RequestStatus.CLOSED:
            found.append(Step(request.closed_at, _("Closed: %(how)s.",
                                                   how=request.closure.label)))
    if dispute is not None:
        found.append(Step(dispute.reported_at, _("Registered as a dispute for mediation.")))
        if dispute.handler is not None:
            found.append(Step(dispute.reported_at, _handler_text(dispute.handler)))
        conferences = db.session.scalars(sa.select(Conference).where(
            Conference.dispute_id == dispute.id, Conference.starts_at.is_not(None),
            Conference.state.not_in(HIDDEN_CONFERENCES)).order_by(Conference.starts_at))
        for conference in conferences:
            found.append(Step(conference.starts_at, _(
                "A mediation conference is scheduled for this time.")))
        for agreement in _agreements(dispute):
            found.append(Step(agreement.effective_on, _("The mediation agreement was signed.")))
        visits = db.session.scalars(sa.select(ReturnVisit).where(
            ReturnVisit.dispute_id == dispute.id).order_by(ReturnVisit.visited_on))
        for visit in visits:
            found.append(Step(visit.visited_on, _("Follow-up visit.")))
        if dispute.status in CLOSED_STATES:
            found.append(Step(dispute.closed_at or dispute.updated_at, {
                Status.RESOLVED: _("Resolved by mediation."),
                Status.REFERRED: _("Referred to %(body)s.", body=dispute.referral.label
                                   if dispute.referral else "—"),
                Status.CLOSED: _("The case is closed."),
            }[dispute.status]))
    return sorted(found, key=lambda s: _sort_key(s.when))


def _sort_key(value) -> datetime:
    if value is None:
        return datetime.max.replace(tzinfo=None)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, datetime.min.time())


def _agreements(dispute) -> list[Agreement]:
    return db.session.scalars(sa.select(Agreement).where(
        Agreement.dispute_id == dispute.id, Agreement.state == AgreementState.EFFECTIVE)
        .order_by(Agreement.id)).all()


def next_conference(case: CaseCode) -> Conference | None:
    if case.dispute is None:
        return None
    return db.session.scalar(sa.select(Conference).where(
        Conference.dispute_id == case.dispute_id, Conference.starts_at > utcnow(),
        Conference.state.not_in(HIDDEN_CONFERENCES)).order_by(Conference.starts_at).limit(1))


def obligations(case: CaseCode) -> list[dict]:
    """The terms of the case's effective agreements: who does what, how and by when."""
    if case.dispute is None:
        return []
    terms = []
    for agreement in _agreements(case.dispute):
        for item in json.loads(agreement.content).get("obligations", []):
            terms.append({key: item.get(key, "") for key in
                          ("obligor", "content", "manner", "deadline")})
    return terms


def acknowledgement(case: CaseCode, contact: Contact) -> NoticeAcknowledgement | None:
    if contact.party_id is None:
        return None
    return db.session.scalar(sa.select(NoticeAcknowledgement).where(
        NoticeAcknowledgement.party_id == contact.party_id))


def acknowledge(case: CaseCode, contact: Contact, ip: str | None) -> NoticeAcknowledgement:
    """Record that this party read the notice of rights and duties: when, and from where."""
    if contact.party_id is None or case.dispute is None:
        raise DomainError(_("The notice concerns the parties of a registered dispute."))
    existing = acknowledgement(case, contact)
    if existing is not None:
        return existing
    ack = NoticeAcknowledgement(case_code_id=case.id, party_id=contact.party_id,
                                acknowledged_at=utcnow(), ip=ip)
    db.session.add(ack)
    db.session.flush()
    record("rights_notice.acknowledged", case.dispute, summary=contact.name,
           changes={"party_id": contact.party_id, "ip": ip}, actor_name="party")
    db.session.flush()
    return ack


def may_rate(case: CaseCode) -> bool:
    if case.dispute is not None:
        return case.dispute.status in CLOSED_STATES
    return case.request is not None and case.request.status is RequestStatus.CLOSED


def rating_of(case: CaseCode, contact: Contact) -> CaseRating | None:
    return db.session.scalar(sa.select(CaseRating).where(
        CaseRating.case_code_id == case.id, CaseRating.rater == contact.who))


# How a party's rating reads as the dispute's own satisfaction field.
FEEDBACK_SATISFACTION = {Rating.SATISFIED: "satisfied", Rating.BASICALLY: "neutral",
                         Rating.DISSATISFIED: "dissatisfied"}


def _as_feedback(dispute, given: CaseRating) -> None:
    """The first party to rate a concluded dispute gives the closed loop its feedback (反馈):
    staff need not ring them to ask again."""
    dispute.feedback_at = given.rated_at
    dispute.feedback_method = "online"
    dispute.feedback_note = given.comment or str(given.rating.label)
    dispute.satisfaction = FEEDBACK_SATISFACTION[given.rating]
    timeline.add(dispute, EventKind.FEEDBACK, note=given.comment, at=given.rated_at,
                 rating=given.rating.name)
    record("dispute.feedback", dispute, summary=dispute.feedback_note, actor_name="party",
           changes={"method": "online", "satisfaction": dispute.satisfaction})


def rate(case: CaseCode, contact: Contact, rating: Rating, comment: str) -> CaseRating:
    if not may_rate(case):
        raise DomainError(_("You can rate the result once the case is concluded."))
    if rating_of(case, contact) is not None:
        raise DomainError(_("You have already rated this case. Thank you."))
    comment = comment.strip()
    if len(comment) > 500:
        raise DomainError(_("Use at most %(max)d characters.", max=500), "comment")
    handler = (case.dispute.handler if case.dispute is not None else case.request.handler)
    village_id = case.dispute.village_id if case.dispute is not None else case.request.village_id
    given = CaseRating(case_code_id=case.id, rater=contact.who, rating=rating, comment=comment,
                       village_id=village_id,
                       body_id=handler.organisation_id if handler else None,
                       rated_at=utcnow())
    db.session.add(given)
    db.session.flush()
    record("case.rated", case, summary=rating.name, changes={"rater": contact.who},
           actor_name="party")
    if case.dispute is not None and case.dispute.feedback_at is None:
        _as_feedback(case.dispute, given)
    db.session.flush()
    return given

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.conferences import services
from portal.conferences.models import Answer, ConferenceState, Invitation
from portal.conferences.quorum import quorum_status
from portal.disputes.models import Category, EventKind, PartyRole, Status
from portal.disputes.services import PartyInput
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from portal.timeutil import utcnow
from tests.transactions import committed, refused


def _invitation(conference, kind):
    return next(i for i in conference.invitations
                if i.organisation is not None and i.organisation.kind is kind)


def _accept_heads(conference, people):
    for kind in (OrgKind.COURT, OrgKind.JUDICIAL_BUREAU, OrgKind.POLICE_STATION):
        services.answer(people[kind], _invitation(conference, kind), Answer.ACCEPTED)


def _reach_quorum(conference, people):
    for invitation in conference.invitations:
        if invitation.required:
            kind = invitation.organisation.kind
            services.answer(people[kind], invitation, Answer.ACCEPTED)


def test_sending_moves_to_inviting_and_notifies_each_body(make, nancheng):
    from portal.notifications.models import Notification

    bodies, people = nancheng
    conference = make.conference(category=Category.LABOUR_WAGES)
    assert conference.state is ConferenceState.INVITING
    notified = set(db.session.scalars(sa.select(Notification.recipient_id).where(
        Notification.kind == "invitation_received")))
    assert people[OrgKind.COURT].id in notified and people["court_deputy"].id in notified
    assert people[OrgKind.LABOUR_ARBITRATION].id in notified
    assert people["court_clerk"].id not in notified  # a secretary does not answer for a body


def test_each_answer_and_its_effect_on_quorum(make, nancheng):
    bodies, people = nancheng
    conference = make.conference(category=Category.LABOUR_WAGES)
    assert not quorum_status(conference).met
    _accept_heads(conference, people)
    status = quorum_status(conference)
    assert not status.met and status.missing == [bodies[OrgKind.LABOUR_ARBITRATION].name]
    labour = _invitation(conference, OrgKind.LABOUR_ARBITRATION)
    services.answer(people[OrgKind.LABOUR_ARBITRATION], labour, Answer.TENTATIVE)
    assert not quorum_status(conference).met
    services.answer(people[OrgKind.LABOUR_ARBITRATION], labour, Answer.ACCEPTED)
    assert quorum_status(conference).met
    court = _invitation(conference, OrgKind.COURT)
    services.answer(people["court_deputy"], court, Answer.DECLINED, "开庭冲突")
    assert not quorum_status(conference).met
    assert [h.answer for h in court.history] == [Answer.ACCEPTED, Answer.DECLINED]


def test_decline_requires_a_reason(make, nancheng):
    _, people = nancheng
    conference = make.conference()
    court = _invitation(conference, OrgKind.COURT)
    with refused(DomainError) as refusal:
        services.answer(people[OrgKind.COURT], court, Answer.DECLINED, "  ")
    assert refusal.value.field == "note"
    assert db.session.get(Invitation, court.id).answer is Answer.PENDING


def test_only_the_addressee_may_answer(make, nancheng):
    _, people = nancheng
    conference = make.conference()
    court = _invitation(conference, OrgKind.COURT)
    for outsider in (people[OrgKind.JUDICIAL_BUREAU], people["court_clerk"]):
        with pytest.raises(NotAllowed):
            services.answer(outsider, court, Answer.ACCEPTED)


def test_delegation_chain_represents_the_body(make, nancheng):
    bodies, people = nancheng
    conference = make.conference()
    court = _invitation(conference, OrgKind.COURT)
    judge = make.user(Role.HEAD, organisation=bodies[OrgKind.COURT], full_name="审判员甲")
    first = services.delegate(people[OrgKind.COURT], court, people["court_deputy"], "请代为参加")
    second = services.delegate(people["court_deputy"], first, judge, "临时出差")
    assert court.answer is Answer.DELEGATED and first.answer is Answer.DELEGATED
    assert second.user_id == judge.id and second.delegated_from_id == first.id
    for kind in (OrgKind.JUDICIAL_BUREAU, OrgKind.POLICE_STATION, OrgKind.NATURAL_RESOURCES):
        services.answer(people[kind], _invitation(conference, kind), Answer.ACCEPTED)
    assert quorum_status(conference).missing == ["法院（人民法庭）"]
    services.answer(judge, second, Answer.ACCEPTED)
    assert quorum_status(conference).met
    with pytest.raises(DomainError):
        services.answer(people[OrgKind.COURT], court, Answer.ACCEPTED)


def test_delegation_refusals(make, nancheng):
    bodies, people = nancheng
    conference = make.conference()
    court = _invitation(conference, OrgKind.COURT)
    with pytest.raises(DomainError, match="自己"):
        services.delegate(people[OrgKind.COURT], court, people[OrgKind.COURT])
    with refused(DomainError, match="同事"):
        services.delegate(people[OrgKind.COURT], court, people[OrgKind.JUDICIAL_BUREAU])
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id)).where(
        Invitation.delegated_from_id.is_not(None))) == 0


def test_answers_are_refused_once_the_meeting_started(make, nancheng):
    bodies, people = nancheng
    room = make.room()
    conference = make.conference()
    _reach_quorum(conference, people)
    starts = utcnow() + timedelta(days=1)
    services.schedule(conference.convener, conference, starts, starts + timedelta(hours=2),
                      room)
    court = _invitation(conference, OrgKind.COURT)
    with pytest.raises(DomainError, match="不能再"):
        services.answer(people[OrgKind.COURT], court, Answer.DECLINED, "x",
                        now=starts + timedelta(minutes=1))
    services.start(conference.secretary, conference, now=starts + timedelta(minutes=1))
    with pytest.raises(DomainError):
        services.answer(people[OrgKind.COURT], court, Answer.DECLINED, "x")


def test_scheduling_without_quorum_needs_a_written_override(make, nancheng):
    _, people = nancheng
    room = make.room()
    conference = make.conference()
    starts = utcnow() + timedelta(days=2)
    with refused(DomainError) as refusal:
        services.schedule(conference.convener, conference, starts,
                          starts + timedelta(hours=2), room)
    assert refusal.value.field == "override_reason"
    services.schedule(conference.convener, conference, starts, starts + timedelta(hours=2),
                      room, override_reason="司法所所长出差，已书面提交意见")
    assert conference.state is ConferenceState.SCHEDULED
    assert conference.quorum_override == "司法所所长出差，已书面提交意见"
    assert db.session.scalar(sa.select(AuditEvent).filter_by(
        action="conference.quorum_overridden")) is not None


def test_state_machine_refusals(make, nancheng):
    _, people = nancheng
    conference = make.conference(send=False)
    secretary = make.user(Role.SECRETARY)
    with pytest.raises(DomainError, match="草稿"):
        services.start(conference.convener, conference)
    with pytest.raises(DomainError):
        services.end_session(conference.convener, conference)
    with pytest.raises(DomainError):
        services.send_invitations(conference.convener, conference, secretary,
                                  utcnow() - timedelta(hours=1))
    with pytest.raises(NotAllowed):
        services.send_invitations(people[OrgKind.COURT], conference, secretary,
                                  utcnow() + timedelta(days=1))
    with pytest.raises(DomainError, match="理由"):
        services.cancel(conference.convener, conference, "")
    services.cancel(conference.convener, conference, "当事人已自行和解")
    assert conference.state is ConferenceState.CANCELLED
    with pytest.raises(DomainError):
        services.cancel(conference.convener, conference, "again")


def test_session_moves_the_dispute_into_conference_on_its_timeline(make, nancheng):
    _, people = nancheng
    room = make.room()
    conference = make.conference()
    _reach_quorum(conference, people)
    starts = utcnow() + timedelta(minutes=15)
    services.schedule(conference.convener, conference, starts, starts + timedelta(hours=1),
                      room)
    services.start(conference.secretary, conference)
    assert conference.dispute.status is Status.IN_CONFERENCE
    step = conference.dispute.events[-1]
    assert step.kind is EventKind.IN_CONFERENCE and step.actor_id == conference.secretary.id
    assert (step.from_status, step.to_status) == (Status.ESCALATED, Status.IN_CONFERENCE)
    services.end_session(conference.secretary, conference)
    assert conference.state is ConferenceState.MINUTES_DRAFTING


def test_room_cannot_hold_two_conferences_at_once(make, nancheng):
    _, people = nancheng
    room = make.room()
    first, second = make.conference(), make.conference()
    starts = utcnow() + timedelta(days=1)
    services.schedule(first.convener, first, starts, starts + timedelta(hours=2), room,
                      override_reason="x")
    with pytest.raises(DomainError, match=room.name):
        services.schedule(second.convener, second, starts + timedelta(hours=1),
                          starts + timedelta(hours=3), room, override_reason="x")


def test_invitee_editing_in_draft(make, nancheng):
    bodies, people = nancheng
    conference = make.conference(send=False)
    lawyer = make.user(Role.LAWYER, organisation=bodies[OrgKind.LAWYER_OFFICE])
    added = services.add_invitee(conference.convener, conference, user=lawyer, required=True)
    with refused():
        services.add_invitee(conference.convener, conference, user=lawyer)
    services.set_required(conference.convener, added, False)
    committed(services.remove_invitee(conference.convener, added))
    assert lawyer.id not in {i.user_id for i in conference.invitations}


def test_brief_is_filed_once_per_body_and_updated(make, nancheng):
    from portal.conferences.models import Brief

    bodies, people = nancheng
    conference = make.conference()
    services.submit_brief(people[OrgKind.COURT], conference, "曾受理过相关诉讼", "", "")
    services.submit_brief(people["court_deputy"], conference, "曾受理过相关诉讼", "已调卷", "")
    briefs = db.session.scalars(sa.select(Brief)).all()
    assert len(briefs) == 1 and briefs[0].done == "已调卷"
    with pytest.raises(NotAllowed):
        services.submit_brief(people["court_clerk"], conference, "x", "", "")


def test_earlier_conferences_with_the_same_parties_are_found(make, nancheng):
    first = make.conference()
    second = make.conference(title="同一当事人的另一纠纷")
    assert first in services.earlier_conferences(second)
    other = make.conference(parties=[PartyInput("陌生人", PartyRole.APPLICANT)])
    assert first not in services.earlier_conferences(other)

"""The agreement drawn from the record: each term's obligor, manner and deadline, and the
mediators who attended."""

import pytest
from werkzeug.datastructures import MultiDict

from portal.conferences import services as conferences
from portal.conferences.models import Answer, Invitation, InviteeGroup
from portal.errors import DomainError
from portal.extensions import db
from portal.followup import agreements
from portal.minutes import record_input
from portal.minutes import services as minutes
from portal.orgs.models import OrgKind
from reports.minutes import AttendanceStatus
from tests.followup.conftest import add_committee_mediator, complete

PAY = "李四于2027年3月31日前向张三支付补偿款人民币3万元"
KEEP_OFF = "不再到工地阻挠施工"


def _outcome_form(**rows):
    data = {"outcome": "agreement", "summary": "经会商双方达成一致"}
    data.update(rows)
    return MultiDict(data)


def test_the_record_keeps_each_terms_obligor_manner_and_deadline():
    outcome = record_input.outcome(_outcome_form(**{
        "term-0-text": PAY, "term-0-obligor": "李四", "term-0-manner": "银行转账至张三账户",
        "term-0-deadline": "2027-03-31",
        "term-1-text": KEEP_OFF, "term-1-obligor": "张三", "term-1-deadline": "2026-12-31",
        "term-2-text": "", "term-2-obligor": "", "term-2-manner": "", "term-2-deadline": ""}))
    assert outcome["terms"] == [PAY, KEEP_OFF]
    assert outcome["term_details"] == [
        {"term": PAY, "obligor": "李四", "manner": "银行转账至张三账户",
         "deadline": "2027-03-31"},
        {"term": KEEP_OFF, "obligor": "张三", "manner": "", "deadline": "2026-12-31"}]


def test_a_terms_deadline_must_be_a_date(ctx):
    with pytest.raises(DomainError, match="第 ?1 ?项"):
        record_input.outcome(_outcome_form(**{"term-0-text": PAY, "term-0-deadline": "明年"}))


@pytest.fixture
def agreed(closed_session, make):
    """A session where the village's committee mediator and a housing mediator came and
    the land mediator was absent; the record gives each term its own obligor, manner and
    deadline."""
    conference, people = closed_session
    committee_mediator = add_committee_mediator(make, conference.dispute)
    attendance = minutes.default_attendance(conference)
    absent = people[OrgKind.NATURAL_RESOURCES]
    for row in attendance:
        if row["user_id"] == absent.id:
            row["status"] = AttendanceStatus.ABSENT.value
    for person in (committee_mediator, people[OrgKind.HOUSING_CONSTRUCTION]):
        if person.id not in minutes.attendee_accounts(conference):  # only invitees attend
            db.session.add(Invitation(conference=conference, group=InviteeGroup.VILLAGE,
                                      user=person, answer=Answer.ACCEPTED))
            db.session.flush()
        attendance.append({"user_id": person.id, "name": person.full_name,
                           "body": person.organisation.name, "role": "调解员",
                           "status": "present", "delegate_of": "", "signed_in_at": None,
                           "ack": False})
    secretary = conference.secretary
    minutes.save_section(secretary, conference, "attendance", attendance, 0)
    outcome = record_input.outcome(_outcome_form(**{
        "term-0-text": PAY, "term-0-obligor": "李四", "term-0-manner": "银行转账至张三账户",
        "term-0-deadline": "2027-03-31",
        "term-1-text": KEEP_OFF, "term-1-obligor": "张三", "term-1-deadline": "2026-12-31"}))
    minutes.save_section(secretary, conference, "outcome", outcome, 0)
    conferences.end_session(secretary, conference)
    db.session.commit()
    return conference, people, committee_mediator


def test_each_obligation_comes_with_the_obligor_manner_and_deadline_of_its_term(agreed):
    conference, _, _ = agreed
    agreement = agreements.generate(conference.secretary, conference)
    obligations = agreements.content(agreement)["obligations"]
    assert [(o["obligor"], o["content"], o["manner"], o["deadline"]) for o in obligations] == [
        ("李四", PAY, "银行转账至张三账户", "2027-03-31"),
        ("张三", KEEP_OFF, "", "2026-12-31")]


def test_the_mediators_are_those_who_attended(agreed):
    conference, people, committee_mediator = agreed
    content = agreements.content(agreements.generate(conference.secretary, conference))
    assert content["mediators"] == [committee_mediator.full_name]
    invited = content["invited_mediator"].split("、")
    assert invited == [people[OrgKind.HOUSING_CONSTRUCTION].full_name]
    assert people[OrgKind.NATURAL_RESOURCES].full_name not in invited  # absent
    assert conference.convener.full_name not in invited + content["mediators"]


def test_a_term_naming_its_obligor_does_not_name_them_twice(agreed):
    conference, _, _ = agreed
    agreement = agreements.generate(conference.secretary, conference)
    data = complete(agreements.content(agreement))
    agreements.update(conference.secretary, agreement, data)
    html = agreements.agreement_html(agreement)
    assert "李四</span>：李四" not in html and f"1. {PAY}" in html
    assert f'<span class="name">张三</span>：{KEEP_OFF}' in html

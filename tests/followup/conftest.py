"""A dispute whose conference reached an agreement and issued its minutes."""

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.minutes import services as minutes
from portal.orgs.models import OrgKind, User
from tests.minutes.conftest import closed_session  # noqa: F401 - the fixture is reused

TERMS = ["李四于2027年1月31日前向张三支付补偿款人民币3万元", "双方按原界桩恢复宅基地边界"]
MEDIATOR = "刘德明"  # a mediator of the village's mediation committee


def add_committee_mediator(make, dispute):
    committee = make.organisation(OrgKind.VILLAGE_COMMITTEE, name=f"{dispute.village.name}村委会")
    return make.user(organisation=committee, full_name=MEDIATOR)


def record_agreement(conference, people, due="2027-01-15", outcome="agreement"):
    secretary = conference.secretary
    labour = people[OrgKind.LABOUR_ARBITRATION] if OrgKind.LABOUR_ARBITRATION in people \
        else people[OrgKind.NATURAL_RESOURCES]
    attendance = minutes.section(conference, "attendance")[0]
    minutes.save_section(secretary, conference, "attendance", attendance, 0)
    minutes.save_section(secretary, conference, "outcome", {
        "outcome": outcome, "terms": TERMS if outcome != "none" else [],
        "next_steps": ["双方共同申请司法确认"],
        "summary": "两户因宅基地边界发生争执，经会商达成一致",
        "referral": "诉讼" if outcome == "none" else ""}, 0)
    minutes.save_section(secretary, conference, "actions", [
        {"owner_body": people[OrgKind.NATURAL_RESOURCES].organisation.name,
         "owner": people[OrgKind.NATURAL_RESOURCES].full_name, "task": "现场复核界桩位置",
         "due": due, "feedback": "书面报告"},
        {"owner_body": labour.organisation.name, "owner": "", "task": "回访双方当事人",
         "due": due, "feedback": "电话反馈"},
    ], 0)


def issue_minutes(conference):
    from portal.conferences import services as conferences

    conferences.end_session(conference.secretary, conference)
    version = minutes.generate_draft(conference.secretary, conference)
    minutes.open_signing(conference.secretary, version)
    for row in minutes.signers(conference):
        minutes.sign(db.session.get(User, row["user_id"]), version, "Correct-horse-42",
                     version.content_hash)
    return minutes.issue(conference.secretary, version)


@pytest.fixture
def issued(closed_session, make):  # noqa: F811
    """(conference, people): the minutes issued, the outcome an agreement; the conference
    was held 40 days ago so that signature dates can lie in the past. The village's
    committee has a mediator."""
    conference, people = closed_session
    add_committee_mediator(make, conference.dispute)
    record_agreement(conference, people)
    issue_minutes(conference)
    conference.started_at = conference.started_at - timedelta(days=40)
    db.session.commit()
    return conference, people


def complete(data):
    """The particulars the record cannot know, as the secretary fills them in."""
    for row in data["parties"]:
        row["sex"] = row["sex"] or "male"
        row["address"] = row["address"] or "米山村二组"
        row["phone"] = row["phone"] or "13900000000"
        row["ethnicity"] = row["ethnicity"] or "汉族"
        row["occupation"] = row["occupation"] or "农民"
        if not row["id_number"]:
            row["birth_date"] = "1970-05-06"
    data["mediators"] = data["mediators"] or [MEDIATOR]
    for obligation in data["obligations"]:
        obligation["method"] = obligation["method"] or "transfer"
    data["responsibilities"] = [{"party": data["parties"][1]["name"],
                                 "text": "擅自移动界桩，负主要责任"}]
    return data

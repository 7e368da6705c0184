"""The dashboard's cards: what waits for each role, as a count and links, or an empty state."""

import re
from datetime import timedelta

from portal.conferences import services as conferences
from portal.conferences.models import Answer
from portal.main import dashboard
from portal.minutes import services as minutes
from portal.orgs.models import OrgKind, Role
from portal.timeutil import utcnow
from tests.minutes.conftest import closed_session  # noqa: F401 - the fixture is reused


def _card(page: str, key: str) -> str:
    if f'data-testid="card-{key}"' not in page:
        return ""
    return page.split(f'data-testid="card-{key}"', 1)[1].split('class="col-', 1)[0]


def _count(card: str) -> int:
    return int(re.search(r'data-testid="count">(\d+)<', card).group(1))


def test_answered_invitation_stays_listed_until_the_meeting_with_a_change_link(make, nancheng,
                                                                               login):
    _, people = nancheng
    court = people[OrgKind.COURT]
    conference = make.conference(title="马村砖厂拖欠工资纠纷")
    invitation = next(i for i in conference.invitations
                      if i.organisation and i.organisation.kind is OrgKind.COURT)
    conferences.answer(court, invitation, Answer.ACCEPTED)
    card = _card(login(court).get("/").get_data(as_text=True), "invitations")
    assert "马村砖厂拖欠工资纠纷" in card and "修改答复" in card and "已答复：已接受" in card
    assert _count(card) == 0
    starts = utcnow() + timedelta(days=1)
    conferences.schedule(conference.convener, conference, starts, starts + timedelta(hours=2),
                         make.room(), "先定")
    assert dashboard.open_invitations(court) == [invitation]
    assert dashboard.open_invitations(court, now=starts + timedelta(minutes=1)) == []


def test_unanswered_invitations_come_first_and_are_counted(make, nancheng, login):
    _, people = nancheng
    court = people[OrgKind.COURT]
    answered = make.conference(title="甲纠纷")
    make.conference(title="乙纠纷")
    conferences.answer(court, next(i for i in answered.invitations
                                   if i.organisation and i.organisation.kind is OrgKind.COURT),
                       Answer.TENTATIVE)
    card = _card(login(court).get("/").get_data(as_text=True), "invitations")
    assert _count(card) == 1
    assert card.index("乙纠纷") < card.index("甲纠纷")
    assert card.count(">答复<") == 1 and card.count("修改答复") == 1


def test_the_room_offers_to_change_an_answer_until_the_meeting_starts(make, nancheng, login):
    _, people = nancheng
    court = people[OrgKind.COURT]
    conference = make.conference()
    invitation = next(i for i in conference.invitations
                      if i.organisation and i.organisation.kind is OrgKind.COURT)
    conferences.answer(court, invitation, Answer.DECLINED, "当天开庭")
    client = login(court)
    room = client.get(f"/conferences/{conference.id}").get_data(as_text=True)
    mine = re.search(r'data-testid="my-answer".*?</p>', room, re.S).group(0)
    assert "不能参加" in mine and "修改答复" in mine
    assert f'href="/conferences/invitations/{invitation.id}"' in mine
    page = client.get(f"/conferences/invitations/{invitation.id}").get_data(as_text=True)
    assert "修改答复" in page and "当天开庭" in page


def test_secretary_sees_what_to_record_and_minutes_to_issue(closed_session, login):  # noqa: F811
    conference, _ = closed_session
    client = login(conference.secretary)
    page = client.get("/").get_data(as_text=True)
    record = _card(page, "to-record")
    assert _count(record) == 1 and conference.dispute.reference in record
    assert f"/conferences/{conference.id}/record" in record
    assert _count(_card(page, "to-issue")) == 0 and "没有待印发的纪要" in page

    conferences.end_session(conference.secretary, conference)
    version = minutes.generate_draft(conference.secretary, conference)
    minutes.open_signing(conference.secretary, version)
    page = client.get("/").get_data(as_text=True)
    issue = _card(page, "to-issue")
    assert _count(_card(page, "to-record")) == 0
    signers = len(minutes.signers(conference))
    assert _count(issue) == 1 and f"尚有 {signers} 人未签署" in issue


def test_signers_see_the_minutes_waiting_for_their_signature(closed_session, make,  # noqa: F811
                                                             login):
    conference, people = closed_session
    conferences.end_session(conference.secretary, conference)
    version = minutes.generate_draft(conference.secretary, conference)
    minutes.open_signing(conference.secretary, version)
    court = people[OrgKind.COURT]
    assert dashboard.minutes_to_sign(court) == [version]
    card = _card(login(court).get("/").get_data(as_text=True), "to-sign")
    assert _count(card) == 1 and f"/conferences/{conference.id}/minutes" in card
    minutes.sign(court, version, make.PASSWORD, version.content_hash)
    assert dashboard.minutes_to_sign(court) == []
    assert dashboard.minutes_to_sign(make.user(Role.HEAD)) == []


def test_cards_follow_the_roles_and_say_when_they_are_empty(make, login):
    secretary = make.user(Role.SECRETARY)
    page = login(secretary).get("/").get_data(as_text=True)
    assert "没有待记录的会商" in page and "没有待印发的纪要" in page
    assert "没有待您签署的纪要" in page
    assert [card.key for card in dashboard.cards(make.user(Role.GRID_WORKER))] == []
    assert [card.key for card in dashboard.cards(make.user(Role.HEAD))] == [
        "invitations", "to-sign"]

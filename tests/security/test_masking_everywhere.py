"""The parties' ID numbers and phones: every page, export, document, API answer and mail
sends them masked, and the full values only to an entitled user after the audited "show"
(issued legal documents carry them, and only entitled users get those)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from portal.api import tokens
from portal.api.models import SCOPES
from portal.audit.models import AuditEvent
from portal.conferences import services as conferences
from portal.disputes import services as disputes
from portal.extensions import db
from portal.followup import agreements
from portal.followup.models import Casefile, CasefileState
from portal.notifications.models import Notification, OutboxMessage
from portal.orgs.models import OrgKind, Role
from portal.residents import services as residents
from reports import pdf
from tests import fakes
from tests.factories import download
from tests.followup.conftest import complete, issued  # noqa: F401 - fixtures
from tests.minutes.conftest import closed_session  # noqa: F401 - fixture
from tests.residents.conftest import request_input, world  # noqa: F401 - fixtures

# The factory's parties: 张三 with an ID number and a phone, 李四 with a phone.
FULL = ("11010519491231002X", "13812345678", "13987654321")
MASKED = ("1101**********002X", "138****5678", "139****4321")


def no_full_values(data: bytes | str) -> bool:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return not any(value in text for value in FULL)


def all_full_values(data: bytes | str) -> bool:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return all(value in text for value in FULL)


def reveals(where: str) -> list[tuple[int, str]]:
    """(actor, parties' names) of each audited reveal at this place."""
    rows = db.session.scalars(sa.select(AuditEvent).filter_by(
        action="dispute.personal_data_viewed").order_by(AuditEvent.seq)).all()
    return [(row.actor_id, row.summary) for row in rows
            if json.loads(row.changes)["where"] == where]


@pytest.fixture
def sign_in(app, make):
    """sign_in(user) -> a client of that user's own."""

    def client_of(user):
        client = app.test_client()
        response = client.post("/login", data={"username": user.username,
                                               "password": make.PASSWORD})
        assert response.status_code == 302
        return client

    return client_of


@pytest.fixture
def room(make, nancheng):
    """A sent conference: the court's head and the police station's head invited (through
    their bodies); the court's head delegated his seat to his deputy."""
    _, people = nancheng
    conference = make.conference()
    court = next(i for i in conference.invitations if i.organisation
                 and i.organisation.kind is OrgKind.COURT)
    conferences.delegate(people[OrgKind.COURT], court, people["court_deputy"])
    return conference, people


@pytest.fixture
def engine():
    """Documents rendered by the fast stand-in; the list holds the HTML of each."""
    rendered = []

    def keeping(job):
        rendered.append(job.html)
        return fakes.fast_pdf(job)
    pdf.use_engine(keeping)
    yield rendered
    pdf.use_engine(None)


# --- the dispute's pages -----------------------------------------------------------------

def test_dispute_page_is_masked_until_the_handler_presses_show(make, sign_in):
    handler, convener = make.user(Role.COMMUNITY_POLICE), make.user(Role.CONVENER)
    dispute = make.dispute()
    disputes.assign(convener, dispute, handler)

    page = sign_in(handler).get(f"/disputes/{dispute.id}")
    assert MASKED[0] in page.text and MASKED[1] in page.text and no_full_values(page.data)
    assert reveals("dispute") == []
    shown = sign_in(handler).post(f"/disputes/{dispute.id}/personal-data")
    assert shown.status_code == 200 and all_full_values(shown.data)
    assert reveals("dispute") == [(handler.id, "张三, 李四")]


def test_a_partys_address_shows_the_place_but_not_the_house_until_show(make, sign_in):
    handler, convener = make.user(Role.COMMUNITY_POLICE), make.user(Role.CONVENER)
    dispute = make.dispute()
    disputes.assign(convener, dispute, handler)
    dispute.parties[0].address = "建宁村3组12号"
    db.session.commit()

    page = sign_in(handler).get(f"/disputes/{dispute.id}")
    assert "建宁村*组**号" in page.text and "3组12号" not in page.text
    shown = sign_in(handler).post(f"/disputes/{dispute.id}/personal-data")
    assert "建宁村3组12号" in shown.text


def test_dispute_page_offers_a_convener_who_is_not_the_handler_no_show(make, sign_in):
    convener = make.user(Role.CONVENER)
    dispute = make.dispute()
    client = sign_in(convener)
    page = client.get(f"/disputes/{dispute.id}")
    assert page.status_code == 200 and no_full_values(page.data)
    assert f"/disputes/{dispute.id}/personal-data" not in page.text
    refused = client.post(f"/disputes/{dispute.id}/personal-data")
    assert refused.status_code == 403 and no_full_values(refused.data)
    assert reveals("dispute") == []


def _edit_form(dispute, **changes) -> dict:
    data = {"title": dispute.title, "category": dispute.category.name,
            "village_id": dispute.village_id, "source": dispute.source.name,
            "risk": dispute.risk.name, "description": dispute.description,
            "tier": str(dispute.tier)}
    for index, (party, id_number, phone) in enumerate(zip(
            dispute.parties, (MASKED[0], ""), (MASKED[1], MASKED[2]), strict=True)):
        data |= {f"parties-{index}-name": party.name, f"parties-{index}-role": party.role.name,
                 f"parties-{index}-id_number": id_number, f"parties-{index}-phone": phone,
                 f"parties-{index}-address": party.address or ""}
    return data | changes


def test_edit_page_sends_a_convener_who_may_not_see_them_only_masks(make, sign_in):
    convener = make.user(Role.CONVENER)
    dispute = make.dispute()
    client = sign_in(convener)
    page = client.get(f"/disputes/{dispute.id}/edit")
    assert page.status_code == 200 and no_full_values(page.data)
    assert f'value="{MASKED[0]}"' in page.text and "readonly" in page.text
    assert "edit/personal-data" not in page.text
    assert client.post(f"/disputes/{dispute.id}/edit/personal-data").status_code == 403

    saved = client.post(f"/disputes/{dispute.id}/edit", data=_edit_form(dispute, title="改名"))
    assert saved.status_code == 302
    db.session.expire_all()
    assert dispute.title == "改名"
    assert [(p.id_number, p.phone) for p in dispute.parties] == [
        (FULL[0], FULL[1]), (None, FULL[2])]
    assert reveals("edit") == []


def test_edit_page_refused_keeps_the_masks(make, sign_in):
    convener = make.user(Role.CONVENER)
    dispute = make.dispute()
    refused = sign_in(convener).post(f"/disputes/{dispute.id}/edit",
                                     data=_edit_form(dispute, title=""))
    assert refused.status_code == 200 and f'value="{MASKED[0]}"' in refused.text
    assert no_full_values(refused.data)


def test_edit_page_shows_the_handler_full_values_after_the_audited_show(make, sign_in):
    handler, convener = make.user(Role.MEDIATOR), make.user(Role.CONVENER)
    dispute = make.dispute()
    disputes.assign(convener, dispute, handler)
    client = sign_in(handler)
    page = client.get(f"/disputes/{dispute.id}/edit")
    assert no_full_values(page.data) and "edit/personal-data" in page.text
    shown = client.post(f"/disputes/{dispute.id}/edit/personal-data")
    assert shown.status_code == 200 and all_full_values(shown.data)
    assert "readonly" not in shown.text
    assert reveals("edit") == [(handler.id, "张三, 李四")]

    client.post(f"/disputes/{dispute.id}/edit", data=_edit_form(
        dispute, **{"parties-1-phone": "13700001111"}))
    db.session.expire_all()
    assert [p.phone for p in dispute.parties] == [FULL[1], "13700001111"]


# --- the conference room -------------------------------------------------------------------

def test_conference_room_is_masked_for_a_participant_until_show(room, sign_in):
    conference, people = room
    head = people[OrgKind.POLICE_STATION]
    client = sign_in(head)
    page = client.get(f"/conferences/{conference.id}")
    assert page.status_code == 200 and MASKED[0] in page.text and no_full_values(page.data)
    assert f"/conferences/{conference.id}/personal-data" in page.text
    assert reveals("conference") == []
    shown = client.post(f"/conferences/{conference.id}/personal-data")
    assert shown.status_code == 200 and all_full_values(shown.data)
    assert reveals("conference") == [(head.id, "张三, 李四")]


def test_a_head_who_delegated_his_seat_sees_only_masks(room, sign_in):
    conference, people = room
    client = sign_in(people[OrgKind.COURT])
    page = client.get(f"/conferences/{conference.id}")
    assert page.status_code == 200 and no_full_values(page.data)
    assert f"/conferences/{conference.id}/personal-data" not in page.text
    for url in (f"/conferences/{conference.id}/personal-data",
                f"/disputes/{conference.dispute_id}/personal-data"):
        refused = client.post(url)
        assert refused.status_code == 403 and no_full_values(refused.data)
    deputy = sign_in(people["court_deputy"])
    assert all_full_values(deputy.post(f"/conferences/{conference.id}/personal-data").data)
    assert reveals("conference") == [(people["court_deputy"].id, "张三, 李四")]


@pytest.mark.parametrize("path", [
    "/", "/disputes/", "/conferences/", "/disputes/{dispute}", "/conferences/{conference}",
    "/conferences/{conference}/record", "/conferences/{conference}/minutes",
    "/followup/disputes/{dispute}", "/calendar/"])
def test_no_page_a_participant_opens_carries_full_values(room, sign_in, path):
    conference, people = room
    url = path.format(dispute=conference.dispute_id, conference=conference.id)
    for user in (conference.convener, people[OrgKind.POLICE_STATION],
                 people[OrgKind.COURT]):
        response = sign_in(user).get(url)
        assert response.status_code in (200, 302, 403, 404), url
        assert no_full_values(response.data), (user.full_name, url)


# --- the API --------------------------------------------------------------------------------

def _api(client, user):
    _token, raw = tokens.create_personal_token(user, "测试", SCOPES, None)
    return lambda path: client.get("/api/v1" + path, headers={"Authorization": f"Bearer {raw}"})


def test_api_masks_unless_an_entitled_token_asks_and_is_audited(room, client):
    conference, people = room
    path = f"/disputes/{conference.dispute_id}"
    for user in (people[OrgKind.COURT], people[OrgKind.POLICE_STATION]):
        answer = _api(client, user)(path)
        assert answer.status_code == 200 and answer.get_json()["personal_data_masked"]
        assert no_full_values(answer.data)
    listed = _api(client, people[OrgKind.POLICE_STATION])("/disputes")
    assert listed.status_code == 200 and no_full_values(listed.data)
    refused = _api(client, people[OrgKind.COURT])(path + "?include_personal_data=true")
    assert refused.status_code == 403 and no_full_values(refused.data)
    head = people[OrgKind.POLICE_STATION]
    shown = _api(client, head)(path + "?include_personal_data=true")
    assert shown.status_code == 200 and all_full_values(shown.data)
    assert reveals("api") == [(head.id, "张三, 李四")]


def test_api_conference_and_invitations_carry_no_personal_data(room, client):
    conference, people = room
    api = _api(client, people[OrgKind.POLICE_STATION])
    for path in (f"/conferences/{conference.id}", f"/conferences/{conference.id}/invitations",
                 "/conferences"):
        answer = api(path)
        assert answer.status_code == 200 and no_full_values(answer.data), path


# --- documents -----------------------------------------------------------------------------

def test_minutes_draft_and_notice_pdfs_carry_no_full_values(issued, sign_in, engine):  # noqa: F811
    conference, people = issued
    dispute = conference.dispute
    client = sign_in(people[OrgKind.POLICE_STATION])
    draft_minutes = download(client, f"/conferences/{conference.id}/minutes/1.pdf")
    notice = download(client, f"/followup/disputes/{dispute.id}/notices/"
                              f"{dispute.parties[0].id}.pdf")
    assert draft_minutes.status_code == notice.status_code == 200
    assert len(engine) == 2 and "张三" in engine[1]
    assert all(no_full_values(html) for html in engine)


def _agreement(conference):
    agreement = agreements.generate(conference.secretary, conference)
    agreements.update(conference.secretary, agreement, complete(agreements.content(agreement)))
    return agreement


def test_agreement_is_open_only_to_the_entitled_and_every_opening_is_audited(
        issued, sign_in, engine):  # noqa: F811
    conference, people = issued
    agreement = _agreement(conference)
    outsider = sign_in(people["court_clerk"])  # a secretary who takes no part
    for url in (f"/followup/agreements/{agreement.id}",
                f"/followup/agreements/{agreement.id}.pdf"):
        refused = outsider.get(url)
        assert refused.status_code == 404 and no_full_values(refused.data)
    listed = outsider.get(f"/followup/disputes/{conference.dispute_id}")
    assert listed.status_code == 200 and f"/followup/agreements/{agreement.id}" not in listed.text

    secretary = sign_in(conference.secretary)
    page = secretary.get(f"/followup/agreements/{agreement.id}")
    assert page.status_code == 200 and FULL[0] in page.text
    copy = download(secretary, f"/followup/agreements/{agreement.id}.pdf")
    assert copy.status_code == 200 and FULL[0] in engine[-1] and FULL[1] in engine[-1]
    assert reveals("agreement") == [(conference.secretary.id, "张三, 李四")] * 2


def test_case_file_goes_only_to_the_entitled_and_is_audited(make, sign_in):
    handler, convener = make.user(Role.GRID_WORKER), make.user(Role.CONVENER)
    dispute = make.dispute()
    disputes.assign(convener, dispute, handler)
    job = Casefile(dispute_id=dispute.id, requested_by_id=handler.id,
                   state=CasefileState.DONE, pdf=b"%PDF-1.7 " + FULL[0].encode(), size=30,
                   pages=1, contents="[]")
    db.session.add(job)
    db.session.commit()
    other = sign_in(make.user(Role.CONVENER))  # manages follow-up, takes no part
    assert "casefile-link" not in other.get(f"/followup/casefiles/{job.id}").text
    refused = other.get(f"/followup/casefiles/{job.id}.pdf")
    assert refused.status_code == 403 and no_full_values(refused.data)
    assert sign_in(handler).get(f"/followup/casefiles/{job.id}.pdf").status_code == 200
    assert reveals("casefile") == [(handler.id, "张三, 李四")]


# --- exports, search, mails ------------------------------------------------------------------

def test_statistics_exports_carry_no_personal_data(make, sign_in):
    for _ in range(2):
        make.dispute()
    client = sign_in(make.user(Role.ADMIN))
    xlsx = client.get("/statistics/export/all.xlsx")
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.data)) as book:
        assert all(no_full_values(book.read(name)) for name in book.namelist())
    for key in ("tiers", "villages", "categories"):
        csv = client.get(f"/statistics/export/{key}.csv")
        assert csv.status_code in (200, 404) and no_full_values(csv.data)


def test_search_finds_by_name_shows_masks_and_is_no_oracle_for_numbers(make, sign_in):
    dispute = make.dispute()
    client = sign_in(make.user(Role.CONVENER))
    by_name = client.get("/disputes/", query_string={"q": "张三"})
    assert dispute.reference in by_name.text and no_full_values(by_name.data)
    by_number = client.get("/disputes/", query_string={"q": FULL[0]})
    assert dispute.reference not in by_number.text


def test_mails_and_notifications_carry_no_personal_data(closed_session):  # noqa: F811
    conference, people = closed_session
    conferences.end_session(conference.secretary, conference)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) > 0
    for message in db.session.scalars(sa.select(OutboxMessage)):
        assert no_full_values(message.subject + message.text_body + (message.html_body or ""))
        assert all(no_full_values(part.content) for part in message.parts)
    for notification in db.session.scalars(sa.select(Notification)):
        assert no_full_values(notification.subject + notification.body)


# --- a resident's request --------------------------------------------------------------------

def test_resident_request_phone_is_masked_until_the_audited_show(world, sign_in):  # noqa: F811
    request = residents.submit_from_doorplate(world.plate, request_input())
    client = sign_in(world.police)
    page = client.get(f"/residents/requests/{request.id}")
    assert page.status_code == 200 and "138****5678" in page.text
    assert FULL[1] not in page.text
    shown = client.post(f"/residents/requests/{request.id}/personal-data")
    assert shown.status_code == 200 and f'href="tel:{FULL[1]}"' in shown.text
    audit = db.session.scalar(sa.select(AuditEvent).filter_by(
        action="resident_request.personal_data_viewed"))
    assert audit.actor_id == world.police.id and audit.object_id == str(request.id)


def test_resident_request_registered_with_the_masked_phone_keeps_it(world, sign_in):  # noqa: F811
    request = residents.submit_from_doorplate(world.plate, request_input())
    response = sign_in(world.police).post(f"/residents/requests/{request.id}/register", data={
        "title": "噪音纠纷", "description": "夜里装修", "applicant_name": "张阿姨",
        "applicant_phone": "138****5678", "respondent_name": "", "tier": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert request.dispute.parties[0].phone == FULL[1]


def test_resident_request_show_is_refused_outside_the_village(world, make, sign_in):  # noqa: F811
    request = residents.submit_from_doorplate(world.plate, request_input())
    refused = sign_in(make.user(Role.SECRETARY)).post(
        f"/residents/requests/{request.id}/personal-data")
    assert refused.status_code == 403 and FULL[1] not in refused.text

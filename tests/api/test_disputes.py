import pytest
import sqlalchemy as sa

from portal.api import tokens
from portal.audit.models import AuditEvent
from portal.disputes.models import Dispute, PartyRole, Status
from portal.disputes.services import PartyInput
from portal.extensions import db
from portal.orgs.models import Role
from tests.api.conftest import Api, dispute_body


def test_create_registers_the_dispute_as_the_token_account(api_as, make, village):
    mediator = make.user(Role.MEDIATOR)
    response = api_as(mediator).post("/disputes", json=dispute_body(village.id))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["reference"].startswith("南城矛")
    assert body["status"] == "reported"
    assert body["reporter"]["id"] == mediator.id
    assert body["parties"][0]["phone"] == "138****5678"
    dispute = db.session.get(Dispute, body["id"])
    assert dispute.amount == 86000


def test_calls_are_audited_with_the_token_name(api_as, make, village):
    mediator = make.user(Role.MEDIATOR, username="zhou")
    api_as(mediator).post("/disputes", json=dispute_body(village.id))
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "dispute.reported"))
    assert event.actor_id == mediator.id
    assert event.actor_name == "api:zhou"


def test_list_filters_and_pages_with_a_cursor(api_as, make, village, convener):
    for number in range(5):
        make.dispute(reporter=convener, village=village, title=f"纠纷{number}", tier=1)
    make.dispute(reporter=convener, village=village, title="家事", tier=2)
    api = api_as(convener)
    first = api.get("/disputes", query_string={"tier": 1, "limit": 2}).get_json()
    assert [d["title"] for d in first["items"]] == ["纠纷4", "纠纷3"]
    second = api.get("/disputes", query_string={"tier": 1, "limit": 2,
                                                 "cursor": first["next_cursor"]}).get_json()
    assert [d["title"] for d in second["items"]] == ["纠纷2", "纠纷1"]
    third = api.get("/disputes", query_string={"tier": 1, "limit": 2,
                                                "cursor": second["next_cursor"]}).get_json()
    assert [d["title"] for d in third["items"]] == ["纠纷0"]
    assert third["next_cursor"] is None


def test_list_shows_only_what_the_pages_show(api_as, make, village):
    mine = make.user(Role.MEDIATOR)
    other = make.user(Role.MEDIATOR)
    make.dispute(reporter=mine, title="我的")
    make.dispute(reporter=other, title="别人的")
    titles = [d["title"] for d in api_as(mine).get("/disputes").get_json()["items"]]
    assert titles == ["我的"]


def test_closed_loop_through_the_api(api_as, make, village, convener):
    dispute = make.dispute(village=village)
    api = api_as(convener)
    assigned = api.post(f"/disputes/{dispute.id}/assign",
                        json={"handler_id": convener.id, "note": "我来"})
    assert assigned.status_code == 200
    assert assigned.get_json()["handler"]["id"] == convener.id
    escalated = api.post(f"/disputes/{dispute.id}/escalate",
                         json={"tier": 3, "reason": "涉及多个部门"}).get_json()
    assert escalated["status"] == "escalated" and escalated["conference_ids"]
    resolved = api.post(f"/disputes/{dispute.id}/resolve", json={"outcome": "分期付款"})
    assert resolved.get_json()["status"] == "resolved"
    refused = api.post(f"/disputes/{dispute.id}/close", json={})
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "conflict"
    api.post(f"/disputes/{dispute.id}/feedback",
             json={"method": "phone", "satisfaction": "satisfied", "note": "已电话告知"})
    closed = api.post(f"/disputes/{dispute.id}/close", json={"note": "结案"}).get_json()
    assert closed["status"] == "closed"
    assert db.session.get(Dispute, dispute.id).status is Status.CLOSED


def test_refer(api_as, make, convener):
    dispute = make.dispute()
    api = api_as(convener)
    api.post(f"/disputes/{dispute.id}/assign", json={"handler_id": convener.id})
    api.post(f"/disputes/{dispute.id}/escalate", json={"tier": 2, "reason": "复杂"})
    referred = api.post(f"/disputes/{dispute.id}/refer",
                        json={"kind": "litigation", "body": "南城人民法庭"}).get_json()
    assert referred["status"] == "referred" and referred["referral"] == "litigation"


def test_personal_data_only_with_the_right_and_audited(api_as, make, convener):
    dispute = make.dispute()
    masked = api_as(convener).get(f"/disputes/{dispute.id}").get_json()
    assert masked["personal_data_masked"] and masked["parties"][0]["id_number"].count("*")
    refused = api_as(convener).get(f"/disputes/{dispute.id}?include_personal_data=true")
    assert refused.status_code == 403
    admin = make.user(Role.ADMIN)
    shown = api_as(admin).get(f"/disputes/{dispute.id}?include_personal_data=true").get_json()
    assert shown["parties"][0]["id_number"] == "11010519491231002X"
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "dispute.personal_data_viewed"))


def test_same_idempotency_key_and_body_creates_once(api_as, make, village):
    api = api_as(make.user(Role.MEDIATOR))
    key = {"Idempotency-Key": "city-2026-000123"}
    first = api.post("/disputes", json=dispute_body(village.id), headers=key)
    again = api.post("/disputes", json=dispute_body(village.id), headers=key)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert db.session.scalar(sa.select(sa.func.count(Dispute.id))) == 1


def test_same_idempotency_key_with_another_body_is_a_conflict(api_as, make, village):
    api = api_as(make.user(Role.MEDIATOR))
    key = {"Idempotency-Key": "k1"}
    api.post("/disputes", json=dispute_body(village.id), headers=key)
    other = api.post("/disputes", json=dispute_body(village.id, title="另一件"), headers=key)
    assert other.status_code == 409
    assert other.get_json()["code"] == "idempotency_conflict"
    assert db.session.scalar(sa.select(sa.func.count(Dispute.id))) == 1


def test_a_refused_create_releases_its_idempotency_key(api_as, make, village):
    api = api_as(make.user(Role.MEDIATOR))
    key = {"Idempotency-Key": "k2"}
    bad = api.post("/disputes", json=dispute_body(999999), headers=key)
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"village_id": [bad.get_json()["message"]]}
    good = api.post("/disputes", json=dispute_body(village.id), headers=key)
    assert good.status_code == 201


def _party(name: str) -> list:
    return [PartyInput(name, PartyRole.APPLICANT)]


def _titles(api, **query) -> list[str]:
    return [d["title"] for d in api.get("/disputes", query_string=query).get_json()["items"]]


def test_q_finds_what_the_list_page_finds(api_as, make, village, convener):
    make.dispute(reporter=convener, village=village, title="拖欠工资",
                 description="工地欠薪三个月", parties=_party("王建国"))
    make.dispute(reporter=convener, village=village, title="噪音扰邻",
                 description="夜间装修 ACME", parties=_party("李四"))
    api = api_as(convener)
    assert _titles(api, q="欠薪") == ["拖欠工资"]        # a two-character word
    assert _titles(api, q="王") == ["拖欠工资"]          # a surname
    assert _titles(api, q="acme") == ["噪音扰邻"]        # the description, any case
    assert _titles(api, q="三个月") == ["拖欠工资"]
    assert _titles(api, q="薪拖") == []
    assert _titles(api, q="  ") == ["噪音扰邻", "拖欠工资"]


def test_q_finds_only_what_the_account_may_see(client, make):
    mine = make.user(Role.GRID_WORKER)
    other = make.user(Role.GRID_WORKER)
    make.dispute(reporter=mine, title="我的欠薪")
    make.dispute(reporter=other, title="别人的欠薪")
    # A grid worker reaches the API through the grid platform's client acting as them.
    _client, raw = tokens.create_client(make.user(Role.ADMIN), "网格平台", ["disputes:read"],
                                        mine)
    assert _titles(Api(client, raw), q="欠薪") == ["我的欠薪"]


def test_q_pages_with_a_cursor(api_as, make, village, convener):
    for number in range(3):
        make.dispute(reporter=convener, village=village, title=f"欠薪{number}")
    make.dispute(reporter=convener, village=village, title="噪音")
    api = api_as(convener)
    first = api.get("/disputes", query_string={"q": "欠薪", "limit": 2}).get_json()
    assert [d["title"] for d in first["items"]] == ["欠薪2", "欠薪1"]
    second = api.get("/disputes", query_string={"q": "欠薪", "limit": 2,
                                                 "cursor": first["next_cursor"]}).get_json()
    assert [d["title"] for d in second["items"]] == ["欠薪0"]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("language, message", [
    (None, "您无权对该纠纷进行此操作。"),
    ("en", "You are not allowed to do this with this dispute."),
])
def test_a_refused_transition_says_what_was_refused(api_as, make, language, message):
    dispute = make.dispute()
    secretary = make.user(Role.SECRETARY)  # sees every dispute, handles none
    response = api_as(secretary, language=language).post(f"/disputes/{dispute.id}/resolve",
                                                         json={"outcome": "双方和解"})
    assert response.status_code == 403
    assert response.get_json()["message"] == message
    db.session.expire_all()
    assert db.session.get(Dispute, dispute.id).status is Status.REPORTED

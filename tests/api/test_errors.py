"""Every class of bad input gets the right 4xx in the one JSON shape, and writes nothing."""

import pytest
import sqlalchemy as sa

from portal.disputes.models import Dispute
from portal.extensions import db
from portal.orgs.models import Role
from tests.api.conftest import dispute_body


@pytest.fixture
def api(api_as, make):
    return api_as(make.user(Role.MEDIATOR), language="en")


def _nothing_written():
    assert db.session.scalar(sa.select(sa.func.count(Dispute.id))) == 0


def _shape(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code
    return body


def test_malformed_json_is_400(api):
    response = api.post("/disputes", data="{not json", headers={
        "Content-Type": "application/json"})
    _shape(response, 400, "malformed_json")
    _nothing_written()


def test_a_body_that_is_not_json_is_415(api):
    response = api.post("/disputes", data="title=x")
    _shape(response, 415, "unsupported_media_type")


def test_wrong_types_name_the_fields(api, village):
    body = _shape(api.post("/disputes", json=dispute_body("7", tier="1")), 422,
                  "validation_failed")
    assert body["errors"]["village_id"] == ["Not a valid integer."]
    assert body["errors"]["tier"] == ["Not a valid integer."]
    _nothing_written()


def test_unknown_fields_are_rejected(api, village):
    body = _shape(api.post("/disputes", json=dispute_body(village.id, colour="red")), 422,
                  "validation_failed")
    assert body["errors"] == {"colour": ["Unknown field."]}
    _nothing_written()


def test_missing_fields_are_listed(api):
    body = _shape(api.post("/disputes", json={"parties": [{}]}), 422, "validation_failed")
    assert body["errors"]["title"] == ["This field is required."]
    assert body["errors"]["parties[0].name"] == ["This field is required."]


def test_a_json_array_is_not_an_object(api):
    body = _shape(api.post("/disputes", json=[1, 2]), 422, "validation_failed")
    assert body["errors"] == {"_body": ["Send a JSON object."]}


def test_text_that_cannot_be_stored_is_refused(api, village):
    body = _shape(api.post("/disputes", json=dispute_body(village.id, title="a\x00b")), 422,
                  "validation_failed")
    assert "title" in body["errors"]


def test_messages_default_to_chinese(api_as, make):
    api = api_as(make.user(Role.MEDIATOR))
    body = _shape(api.post("/disputes", json={}), 422, "validation_failed")
    assert body["errors"]["title"] == ["此字段为必填项。"]


def test_oversize_body_is_413(api, app):
    response = api.post("/disputes", data="x" * (1024 * 1024 + 1),
                        headers={"Content-Type": "application/json"})
    _shape(response, 413, "payload_too_large")
    _nothing_written()


def test_bad_cursor_is_400(api):
    body = _shape(api.get("/disputes?cursor=forged"), 400, "bad_cursor")
    assert "cursor" in body["errors"]


def test_bad_query_parameter_is_422(api):
    body = _shape(api.get("/disputes?tier=9"), 422, "validation_failed")
    assert "query.tier" in body["errors"]


def test_unknown_url_and_wrong_method_are_json(api):
    _shape(api.get("/nowhere"), 404, "not_found")
    response = api.client.delete("/api/v1/disputes", headers=api.headers())
    _shape(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_the_pages_keep_their_html_errors(client):
    response = client.get("/nowhere")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_state_conflicts_are_409(api_as, make):
    convener = make.user(Role.CONVENER)
    dispute = make.dispute()
    response = api_as(convener).post(f"/disputes/{dispute.id}/resolve", json={"outcome": "x"})
    _shape(response, 409, "conflict")


def test_rate_limit_per_token_is_429(api_as, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_API_RATE_LIMIT", "3 per minute")
    user = make.user(Role.MEDIATOR)
    first, second = api_as(user), api_as(user)
    statuses = [first.get("/disputes").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    _shape(first.get("/disputes"), 429, "rate_limited")
    assert second.get("/disputes").status_code == 200  # another token, its own count

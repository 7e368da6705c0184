"""Token lifecycle: created and shown once, used, rotated, revoked, expired; scopes."""

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.api import tokens
from portal.api.models import ApiClient, ApiToken
from portal.audit.models import AuditEvent
from portal.disputes.models import Dispute
from portal.errors import NotAllowed
from portal.extensions import db
from portal.orgs.models import Role
from portal.timeutil import utcnow
from tests.api.conftest import Api, dispute_body
from tests.transactions import refused

TOKEN = re.compile(r"ncp_[A-Za-z0-9_-]{40,}")


def test_personal_token_is_shown_once_and_stored_hashed(make, login, client):
    user = make.user(Role.MEDIATOR)
    login(user)
    page = client.post("/api-tokens/", data={"name": "脚本", "scopes": ["disputes:read"],
                                             "expiry": "30"})
    raw = TOKEN.search(page.get_data(as_text=True)).group(0)
    assert TOKEN.search(client.get("/api-tokens/").get_data(as_text=True)) is None
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash == tokens.hash_token(raw) and raw not in stored.prefix + "…"
    assert Api(client, raw).get("/disputes").status_code == 200


def test_revoked_token_is_refused(make, client, login):
    user = make.user(Role.MEDIATOR)
    token, raw = tokens.create_personal_token(user, "x", ["disputes:read"], None)
    login(user)
    client.post(f"/api-tokens/{token.id}/revoke")  # without the confirmation: nothing
    assert Api(client, raw).get("/disputes").status_code == 200
    client.post(f"/api-tokens/{token.id}/revoke", data={"confirm": "yes"})
    response = Api(client, raw).get("/disputes")
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_revoked"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(make, client):
    user = make.user(Role.MEDIATOR)
    token, raw = tokens.create_personal_token(user, "x", ["disputes:read"], None)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert Api(client, raw).get("/disputes").get_json()["code"] == "token_expired"


def test_missing_and_unknown_tokens_are_401(client):
    assert Api(client, None).get("/disputes").get_json()["code"] == "unauthorized"
    assert Api(client, "ncp_nope").get("/disputes").get_json()["code"] == "invalid_token"


def test_a_deactivated_account_stops_its_tokens(make, client, token_for):
    user = make.user(Role.MEDIATOR)
    raw = token_for(user)
    user.active = False
    db.session.commit()
    assert Api(client, raw).get("/disputes").status_code == 401


def test_admin_creates_rotates_and_revokes_a_client(make, login, client):
    admin = make.user(Role.ADMIN)
    acting = make.user(Role.CONVENER, username="platform_bot")
    login(admin)
    page = client.post("/api-tokens/clients", data={
        "name": "市域社会治理平台", "scopes": ["disputes:read", "disputes:write"],
        "acting_user_id": acting.id, "expiry": "365"})
    first = TOKEN.search(page.get_data(as_text=True)).group(0)
    api = Api(client, first)
    village = make.village()
    created = api.post("/disputes", json=dispute_body(village.id))
    assert created.status_code == 201
    assert created.get_json()["reporter"]["id"] == acting.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "dispute.reported"))
    assert event.actor_name == "api:市域社会治理平台" and event.actor_id == acting.id

    registered = db.session.scalar(sa.select(ApiClient))
    rotated = client.post(f"/api-tokens/clients/{registered.id}/rotate",
                          data={"confirm": "yes"})
    second = TOKEN.search(rotated.get_data(as_text=True)).group(0)
    assert second != first
    assert Api(client, first).get("/disputes").get_json()["code"] == "token_revoked"
    assert Api(client, second).get("/disputes").status_code == 200

    client.post(f"/api-tokens/clients/{registered.id}/revoke")  # unconfirmed: still works
    assert Api(client, second).get("/disputes").status_code == 200
    client.post(f"/api-tokens/clients/{registered.id}/revoke", data={"confirm": "yes"})
    assert Api(client, second).get("/disputes").get_json()["code"] == "token_revoked"


def test_only_admins_manage_clients(make, login, client):
    login(make.user(Role.CONVENER))
    assert client.get("/api-tokens/clients").status_code == 403


def test_scope_refusal_is_403_and_writes_nothing(make, client, token_for):
    user = make.user(Role.MEDIATOR)
    api = Api(client, token_for(user, scopes=["disputes:read"]))
    response = api.post("/disputes", json=dispute_body(make.village().id))
    assert response.status_code == 403
    assert response.get_json()["code"] == "insufficient_scope"
    assert db.session.scalar(sa.select(sa.func.count(Dispute.id))) == 0
    for path in ("/conferences", "/verify/" + "0" * 64):
        assert api.get(path).get_json()["code"] == "insufficient_scope"


def test_grid_workers_are_neither_offered_nor_given_personal_tokens(make, login, client):
    grid = make.user(Role.GRID_WORKER)
    login(grid)
    assert 'href="/api-tokens/"' not in client.get("/").get_data(as_text=True)
    assert client.get("/api-tokens/").status_code == 403
    with refused(NotAllowed):
        tokens.create_personal_token(grid, "脚本", ["disputes:read"], None)
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_a_token_stops_when_its_account_loses_the_roles_that_use_tokens(make, client):
    user = make.user(Role.MEDIATOR)
    _token, raw = tokens.create_personal_token(user, "x", ["disputes:read"], None)
    user.set_roles([Role.GRID_WORKER])
    db.session.commit()
    response = Api(client, raw).get("/disputes")
    assert response.status_code == 401 and response.get_json()["code"] == "role_without_tokens"

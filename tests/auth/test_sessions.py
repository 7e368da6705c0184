"""Sessions end on the server: a copied cookie, a reset, a lock stop what they opened."""

from __future__ import annotations

import pytest

from portal.api import tokens
from portal.api.models import SCOPES, ApiToken
from portal.audit.models import AuditEvent
from portal.auth import services
from portal.calendar import feeds
from portal.extensions import db
from portal.orgs.models import Role
from tests.api.conftest import Api


def _copy_of_the_session(app, client):
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_cookie_saved_before_sign_out_opens_nothing_after(app, client, make, login):
    login(make.user(Role.SECRETARY))
    thief = _copy_of_the_session(app, client)
    assert thief.get("/").status_code == 200
    client.post("/logout")
    assert thief.get("/").status_code == 302
    assert thief.get("/disputes/").status_code == 302


def test_an_admin_reset_ends_the_sessions_and_the_calendar_link(app, client, make, login):
    user = make.user(Role.SECRETARY)
    old_feed = feeds.feed_token(user)
    db.session.commit()
    login(user)
    admin_client = app.test_client()
    admin_client.post("/login", data={"username": make.user(Role.ADMIN).username,
                                      "password": make.PASSWORD})
    admin_client.post(f"/admin/users/{user.id}/reset-password")
    assert client.get("/").status_code == 302
    assert feeds.feed_owner(user.id, old_feed) is None
    assert app.test_client().get(f"/calendar/feed/{user.id}/{old_feed}.ics").status_code == 404


def test_deactivation_ends_the_sessions(app, client, make, login):
    from portal.orgs import services as orgs

    user = make.user(Role.SECRETARY)
    admin = make.user(Role.ADMIN)
    login(user)
    values = {f: getattr(user, f) for f in orgs.USER_FIELDS}
    orgs.save_user(admin, user, {**values, "active": False}, [Role.SECRETARY])
    db.session.commit()
    assert client.get("/").status_code == 302


def test_a_locked_account_stops_its_api_tokens_until_the_lock_ends(client, make):
    user = make.user(Role.SECRETARY)
    _token, raw = tokens.create_personal_token(user, "测试", SCOPES, None)
    assert Api(client, raw).get("/disputes").status_code == 200
    for _ in range(5):
        with pytest.raises(services.LoginRefused):
            services.authenticate(user.username, "wrong-password-1")
    answer = Api(client, raw).get("/disputes")
    assert answer.status_code == 401 and answer.get_json()["code"] == "account_locked"
    user.locked_until = None
    db.session.commit()
    assert Api(client, raw).get("/disputes").status_code == 200
    assert db.session.query(ApiToken).count() == 1


def _change(client, current):
    return client.post("/account/password", data={
        "current": current, "new": "Brand-new-pass-7", "confirm": "Brand-new-pass-7"})


def test_wrong_current_passwords_lock_the_account_and_end_the_session(client, make, login):
    user = make.user()
    login(user)
    for _ in range(4):
        assert "当前密码不正确" in _change(client, "not-my-password-1").get_data(as_text=True)
    page = _change(client, "not-my-password-1")
    assert client.get("/").status_code == 302
    assert "账号已锁定" in page.get_data(as_text=True)
    refused = client.post("/login", data={"username": user.username, "password": make.PASSWORD})
    assert "账号已锁定" in refused.get_data(as_text=True)
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert actions.count("auth.reentry_failed") == 5 and "auth.locked" in actions


def test_password_re_entry_is_rate_limited_per_account(make):
    user = make.user()
    for _ in range(2):  # a correct entry in between keeps the account from locking
        for _ in range(4):
            with pytest.raises(services.PasswordRefused):
                services.confirm_password(user, "not-my-password-1")
        services.confirm_password(user, make.PASSWORD)
    with pytest.raises(services.PasswordRefused) as refused:
        services.confirm_password(user, make.PASSWORD)
    assert not refused.value.wrong
    assert "auth.reentry_rate_limited" in db.session.scalars(db.select(AuditEvent.action)).all()

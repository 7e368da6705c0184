from datetime import timedelta

import pytest

from portal.audit.models import AuditEvent
from portal.auth import services
from portal.extensions import db
from portal.orgs.models import Role
from portal.timeutil import utcnow


def _post_login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def test_login_lands_on_the_dashboard_in_chinese(client, make):
    user = make.user(Role.SECRETARY, full_name="王晓梅")
    response = _post_login(client, user.username, make.PASSWORD)
    assert response.status_code == 302 and response.location == "/"
    page = client.get("/").get_data(as_text=True)
    assert "欢迎，王晓梅" in page
    assert "记录员" in page


def test_wrong_password_and_unknown_name_get_the_same_answer(client, make):
    user = make.user()
    wrong = _post_login(client, user.username, "wrong-password-1").get_data(as_text=True)
    unknown = _post_login(client, "nobody", "wrong-password-1").get_data(as_text=True)
    assert "用户名或密码错误" in wrong and "再错" not in wrong and _alerts(wrong)
    assert _alerts(wrong) == _alerts(unknown)
    assert client.get("/").status_code == 302


def _alerts(page: str) -> list[str]:
    return [part.split("</div>", 1)[0] for part in page.split('class="alert')[1:]]


def test_a_locked_account_looks_like_a_wrong_password_to_a_guesser(client, make):
    user = make.user()
    for _ in range(5):
        page = _post_login(client, user.username, "wrong-password-1").get_data(as_text=True)
    assert "账号已锁定" not in page and 'data-testid="locked"' not in page
    unknown = _post_login(client, "nobody", "wrong-password-1").get_data(as_text=True)
    again = _post_login(client, user.username, "wrong-password-1").get_data(as_text=True)
    assert _alerts(again) == _alerts(unknown)


def test_fifth_failure_locks_the_account_even_for_the_right_password(client, make):
    user = make.user()
    for _ in range(5):
        _post_login(client, user.username, "wrong-password-1")
    page = _post_login(client, user.username, make.PASSWORD).get_data(as_text=True)
    assert "账号已锁定 15 分钟" in page and 'data-testid="locked"' in page
    assert client.get("/").status_code == 302
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "auth.locked" in actions and "auth.login_refused_locked" in actions


def test_unknown_names_cost_a_password_hash_too(make, monkeypatch):
    checked = []
    original = services.verify_password
    monkeypatch.setattr(services, "verify_password",
                        lambda hashed, password: checked.append(hashed) or original(hashed,
                                                                                     password))
    with pytest.raises(services.LoginRefused):
        services.authenticate("nobody", "wrong-password-1")
    assert len(checked) == 1 and checked[0].startswith("pbkdf2:")


def test_lock_expires_after_fifteen_minutes(make, app):
    user = make.user()
    start = utcnow()
    for _ in range(5):
        with pytest.raises(services.LoginRefused):
            services.authenticate(user.username, "wrong-password-1", now=start)
    with pytest.raises(services.LoginRefused):
        services.authenticate(user.username, make.PASSWORD, now=start + timedelta(minutes=14))
    signed_in = services.authenticate(user.username, make.PASSWORD,
                                      now=start + timedelta(minutes=15, seconds=1))
    assert signed_in.id == user.id and signed_in.locked_until is None


def test_deactivated_account_cannot_sign_in(client, make):
    user = make.user(active=False)
    page = _post_login(client, user.username, make.PASSWORD).get_data(as_text=True)
    assert "该账号已停用" in page
    guess = _post_login(client, user.username, "wrong-password-1").get_data(as_text=True)
    assert "该账号已停用" not in guess and "用户名或密码错误" in guess


def test_logout_ends_the_session(client, make, login):
    login(make.user())
    assert client.get("/").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_logout_needs_post(client, make, login):
    login(make.user())
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_idle_session_expires(client, make, login, app, monkeypatch):
    login(make.user())
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["PORTAL_IDLE_MINUTES"] * 60 + 5
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "会话已过期" in page
    assert client.get("/").status_code == 302


def test_active_session_is_kept_alive(client, make, login, app):
    login(make.user())
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["PORTAL_IDLE_MINUTES"] * 60 - 30
    assert client.get("/").status_code == 200


def test_open_redirect_through_next_is_refused(client, make):
    user = make.user()
    response = client.post("/login?next=//evil.example/x",
                           data={"username": user.username, "password": make.PASSWORD})
    assert response.location == "/"


def test_session_cookie_is_httponly_and_samesite(client, make):
    user = make.user()
    response = _post_login(client, user.username, make.PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_is_rate_limited(client, make):
    statuses = [_post_login(client, "nobody", "x-123456789").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_a_stations_staff_behind_one_address_all_sign_in_at_nine(app, make):
    staff = [make.user() for _ in range(15)]
    for user in staff:
        with app.test_client() as colleague:
            response = _post_login(colleague, user.username, make.PASSWORD)
            assert response.status_code == 302, user.username


def test_one_address_trying_many_names_is_stopped(client, monkeypatch, app):
    monkeypatch.setitem(app.config, "PORTAL_LOGIN_ADDRESS_LIMIT", "20 per minute")
    statuses = [_post_login(client, f"name{n}", "x-123456789").status_code for n in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


def test_the_slow_password_check_holds_no_transaction(client, make, monkeypatch):
    # On SQLite a transaction holds the write lock: a hash inside one makes everyone wait.
    user = make.user()
    open_during_check = []
    check = services.verify_password

    def verify(stored, password):
        open_during_check.append(db.session().in_transaction())
        return check(stored, password)

    monkeypatch.setattr(services, "verify_password", verify)
    assert _post_login(client, user.username, make.PASSWORD).status_code == 302
    client.post("/logout")
    _post_login(client, user.username, "wrong-password-1")
    _post_login(client, "nobody", "wrong-password-1")
    assert open_during_check == [False, False, False]

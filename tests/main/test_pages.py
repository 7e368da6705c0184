import pytest

from portal import create_app
from portal.config import ConfigError
from portal.extensions import db
from portal.orgs.models import Role, User


def test_dashboard_in_chinese_by_default(client, make, login):
    login(make.user(Role.MEDIATOR))
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "工作台" in page and "退出" in page


def test_switching_to_english_is_remembered_for_the_user(client, make, login):
    user = make.user(Role.MEDIATOR)
    login(user)
    response = client.post("/language", data={"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Dashboard" in page and "Sign out" in page
    assert db.session.get(User, user.id).language == "en"
    client.post("/logout")
    login(user)
    assert "Sign out" in client.get("/").get_data(as_text=True)


def test_anonymous_visitor_can_choose_english_for_the_login_page(client):
    client.post("/language", data={"language": "en", "next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"language": "xx"})
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_language_switch_does_not_redirect_off_site(client):
    response = client.post("/language", data={"language": "en",
                                              "next": "https://evil.example/"})
    assert response.location == "/"


def test_friendly_404_in_the_users_language(client, make, login):
    login(make.user())
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_times_are_shown_in_the_users_zone(client, make, login):
    from datetime import UTC, datetime

    user = make.user(timezone="Europe/Berlin")
    login(user)  # signing in moves the sign-in before to previous_login_at, so set it after
    db.session.get(User, user.id).previous_login_at = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "13:00" in page  # 12:00 UTC is 13:00 in Berlin in winter


def test_last_sign_in_is_the_one_before_this_one(client, make, login):
    from datetime import UTC, datetime

    user = make.user(Role.MEDIATOR, timezone="Asia/Shanghai")
    login(user)
    assert "这是您第一次登录。" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    db.session.get(User, user.id).last_login_at = datetime(2026, 11, 30, 1, 15, tzinfo=UTC)
    db.session.commit()
    login(user)
    page = client.get("/").get_data(as_text=True)
    assert "09:15" in page and "第一次登录" not in page  # 01:15 UTC is 09:15 in Beijing


def test_the_front_door_shows_the_sign_in_without_a_warning(client):
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    page = client.get(response.location).get_data(as_text=True)
    assert "请先登录再查看此页面。" not in page and "登录" in page


def test_a_deep_link_says_why_the_sign_in_comes_first(client):
    response = client.get("/disputes/")
    assert response.status_code == 302
    assert "请先登录再查看此页面。" in client.get(response.location).get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_bootstrap_is_served_locally(client):
    page = client.get("/login").get_data(as_text=True)
    assert "cdn" not in page.lower()
    assert client.get("/bootstrap/static/css/bootstrap.min.css").status_code == 200


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app("production", SECRET_KEY="dev-insecure-change-me")
    with pytest.raises(ConfigError):
        create_app("production", SECRET_KEY="")


def test_production_starts_with_a_real_secret_key(database_url):
    app = create_app("production", SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI=database_url)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_doctor_reports_what_to_fix(app, ctx):
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert "[ok  ] database" in result.output
    assert "[ok  ] migrations" in result.output
    assert "secret key" in result.output

import sqlalchemy as sa
from sqlalchemy.orm import Session


def _locked(*args, **kwargs):
    raise sa.exc.OperationalError("SELECT", {}, Exception("database is locked"))


def test_a_locked_database_gives_a_friendly_page_in_the_users_language(client, login, make,
                                                                         monkeypatch):
    login(make.user())
    monkeypatch.setattr(Session, "get", _locked)
    response = client.get("/")
    assert response.status_code == 503 and response.headers["Retry-After"]
    body = response.get_data(as_text=True)
    assert "请稍后重试" in body and "未保存任何内容" in body
    assert "Traceback" not in body and "database is locked" not in body


def test_the_error_page_speaks_the_language_of_the_sign_in(client, monkeypatch, make, login):
    login(make.user(language="en"))
    monkeypatch.setattr(Session, "get", _locked)
    response = client.get("/")
    assert response.status_code == 503
    assert "Please try again" in response.get_data(as_text=True)


def test_an_unexpected_error_page_renders_without_the_database(app, client, monkeypatch):
    def boom():
        raise RuntimeError("unexpected")

    monkeypatch.setitem(app.view_functions, "main.healthz", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(Session, "get", _locked)  # and no user could be loaded
    response = client.get("/healthz")
    assert response.status_code == 500
    assert "出现错误" in response.get_data(as_text=True)

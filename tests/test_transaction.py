"""One unit of work per request: a page's changes are committed once, when it answers well,
and nothing is kept when it refuses, fails or cannot commit."""

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy.orm import Session

from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.orgs.models import User


def _renaming(user_id: int, then=None):
    """A page that renames an account (flushed, not committed), then does `then`."""
    def view():
        db.session.get(User, user_id).full_name = "改过的名字"
        db.session.flush()
        if then is not None:
            raise then
        return "ok"
    return view


def _name(user_id: int) -> str:
    db.session.remove()
    return db.session.scalar(sa.select(User.full_name).where(User.id == user_id))


def test_a_page_that_answers_well_is_committed_once_at_its_end(app, client, make,
                                                                monkeypatch):
    user_id = make.user(full_name="原来的名字").id
    db.session.commit()
    commits = []
    commit = Session.commit

    def counted(self):  # the test client commits the test's own work before each request
        if has_request_context():
            commits.append(1)
        commit(self)

    monkeypatch.setattr(Session, "commit", counted)
    monkeypatch.setitem(app.view_functions, "main.healthz", _renaming(user_id))
    assert client.get("/healthz").status_code == 200
    assert len(commits) == 1
    assert _name(user_id) == "改过的名字"


def test_a_commit_that_fails_at_the_end_answers_try_again_and_keeps_nothing(
        app, client, make, monkeypatch):
    user_id = make.user(full_name="原来的名字").id
    db.session.commit()

    commit = Session.commit

    def locked(self):
        if not has_request_context():
            return commit(self)
        raise sa.exc.OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setitem(app.view_functions, "main.healthz", _renaming(user_id))
    monkeypatch.setattr(Session, "commit", locked)
    response = client.get("/healthz")
    monkeypatch.undo()
    assert response.status_code == 503 and "请稍后重试" in response.get_data(as_text=True)
    assert _name(user_id) == "原来的名字"


def test_a_refusal_keeps_nothing_and_says_why_on_the_page_the_form_was_on(
        app, client, make, monkeypatch):
    user_id = make.user(full_name="原来的名字").id
    db.session.commit()
    monkeypatch.setitem(app.view_functions, "main.healthz",
                        _renaming(user_id, DomainError("这一步现在不能做。")))
    response = client.get("/healthz", headers={"Referer": "http://localhost/disputes/"})
    assert response.status_code == 302 and response.headers["Location"] == "/disputes/"
    assert _name(user_id) == "原来的名字"
    with client.session_transaction() as session:
        assert ("danger", "这一步现在不能做。") in session["_flashes"]


def test_a_refusal_from_another_site_goes_back_to_the_dashboard(app, client, make,
                                                                monkeypatch):
    user_id = make.user().id
    db.session.commit()
    monkeypatch.setitem(app.view_functions, "main.healthz",
                        _renaming(user_id, DomainError("不行。")))
    response = client.get("/healthz", headers={"Referer": "https://elsewhere.example/x"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_an_action_not_allowed_is_the_forbidden_page_and_keeps_nothing(app, client, make,
                                                                        monkeypatch):
    user_id = make.user(full_name="原来的名字").id
    db.session.commit()
    monkeypatch.setitem(app.view_functions, "main.healthz",
                        _renaming(user_id, NotAllowed("无权操作。")))
    response = client.get("/healthz")
    assert response.status_code == 403
    assert _name(user_id) == "原来的名字"

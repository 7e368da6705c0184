import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.conferences.models import Answer, Document, Invitation
from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from portal.timeutil import utcnow
from tests.samples import PDF, PNG


def _court(conference):
    return next(i for i in conference.invitations
                if i.organisation is not None and i.organisation.kind is OrgKind.COURT)


def test_room_access_for_every_role(app, make, nancheng):
    bodies, people = nancheng
    conference = make.conference()
    other = make.conference(title="另一个会商")
    admin = make.user(Role.ADMIN)
    stranger_mediator = make.user(Role.MEDIATOR)
    other_convener = make.user(Role.CONVENER)
    observer = make.user(Role.OBSERVER)
    expectations = [
        (people[OrgKind.COURT], 200), (people[OrgKind.NATURAL_RESOURCES], 200),
        (conference.convener, 200), (conference.secretary, 200), (admin, 200),
        (stranger_mediator, 404), (other_convener, 404), (observer, 404),
        (people["court_clerk"], 404),
    ]
    for user, status in expectations:
        client = app.test_client()
        client.post("/login", data={"username": user.username, "password": make.PASSWORD})
        assert client.get(f"/conferences/{conference.id}").status_code == status, (
            user.full_name, [r.name for r in user.roles], user.organisation.kind)
    mediator = people[OrgKind.NATURAL_RESOURCES]
    client = app.test_client()
    client.post("/login", data={"username": mediator.username, "password": make.PASSWORD})
    assert other.id != conference.id
    assert client.get(f"/conferences/{other.id}").status_code == 200  # land case too
    assert client.get("/conferences/999999").status_code == 404


def test_mediator_of_another_conference_gets_404(client, make, login, nancheng):
    bodies, people = nancheng
    from portal.disputes.models import Category

    labour_case = make.conference(category=Category.LABOUR_WAGES)
    land_case = make.conference(category=Category.LAND_FOREST)
    login(people[OrgKind.LABOUR_ARBITRATION])
    assert client.get(f"/conferences/{labour_case.id}").status_code == 200
    assert client.get(f"/conferences/{land_case.id}").status_code == 404


def test_answer_from_the_page_and_quorum_badge(client, make, login, nancheng):
    _, people = nancheng
    conference = make.conference()
    court = _court(conference)
    login(people[OrgKind.COURT])
    page = client.get(f"/conferences/invitations/{court.id}").get_data(as_text=True)
    assert "尚未答复" in page
    response = client.post(f"/conferences/invitations/{court.id}",
                           data={"answer-answer": "DECLINED", "answer-note": ""})
    assert "请填写不能参加的理由" in response.get_data(as_text=True)
    assert db.session.get(Invitation, court.id).answer is Answer.PENDING
    response = client.post(f"/conferences/invitations/{court.id}",
                           data={"answer-answer": "ACCEPTED", "answer-note": ""})
    assert response.status_code == 302
    room = client.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "已接受" in room and "三方及必须参会单位未全部确认参会" in room


def test_delegation_from_the_page(client, make, login, nancheng):
    bodies, people = nancheng
    conference = make.conference()
    court = _court(conference)
    login(people[OrgKind.COURT])
    response = client.post(f"/conferences/invitations/{court.id}/delegate", data={
        "delegate-delegate_id": people[OrgKind.JUDICIAL_BUREAU].id, "delegate-note": ""},
        follow_redirects=True)
    assert "同事" in response.get_data(as_text=True)
    response = client.post(f"/conferences/invitations/{court.id}/delegate", data={
        "delegate-delegate_id": people["court_deputy"].id, "delegate-note": "请代为参加"})
    assert response.status_code == 302
    page = client.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "副庭长" in page and "已委托" in page


@pytest.mark.parametrize("name, data, ok", [
    ("协议.pdf", PDF, True),
    ("现场照片.png", PNG, True),
    ("伪装.pdf", b"MZ\x90\x00 not really a pdf", False),
    ("脚本.html", b"<script>alert(1)</script>", False),
    ("空文件.pdf", b"", False),
])
def test_upload_type_is_checked_from_content(client, make, login, nancheng, name, data, ok):
    _, people = nancheng
    conference = make.conference()
    login(people[OrgKind.COURT])
    response = client.post(f"/conferences/{conference.id}/documents", data={
        "document-file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
        follow_redirects=True)
    stored = db.session.scalars(sa.select(Document)).all()
    assert bool(stored) is ok
    if not ok:  # the message is by the file field
        assert response.status_code == 400
        assert "invalid-feedback" in response.get_data(as_text=True)


def test_upload_too_big_is_refused(client, make, login, nancheng, app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_DOCUMENT_MAX_MB", 1)
    _, people = nancheng
    conference = make.conference()
    login(people[OrgKind.COURT])
    big = PDF + b"0" * (1024 * 1024 + 1)
    response = client.post(f"/conferences/{conference.id}/documents", data={
        "document-file": (io.BytesIO(big), "big.pdf")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "1 MB" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


def test_download_is_permission_checked_and_audited(app, client, make, login, nancheng):
    _, people = nancheng
    conference = make.conference()
    login(people[OrgKind.COURT])
    client.post(f"/conferences/{conference.id}/documents", data={
        "document-file": (io.BytesIO(PDF), "证据.pdf")}, content_type="multipart/form-data")
    document = db.session.scalar(sa.select(Document))
    url = f"/conferences/{conference.id}/documents/{document.id}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    outsider = app.test_client()
    stranger = make.user(Role.MEDIATOR)
    outsider.post("/login", data={"username": stranger.username, "password": make.PASSWORD})
    assert outsider.get(url).status_code == 404
    downloads = db.session.scalars(sa.select(AuditEvent).filter_by(
        action="document.downloaded")).all()
    assert len(downloads) == 1 and downloads[0].actor_id == people[OrgKind.COURT].id


def test_secretary_sees_who_filed_briefs(client, make, login, nancheng):
    bodies, people = nancheng
    conference = make.conference()
    from portal.conferences import services

    services.submit_brief(people[OrgKind.COURT], conference, "曾受理相关诉讼", "", "")
    login(conference.secretary)
    page = client.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert f"{bodies[OrgKind.COURT].name} ✓" in page
    assert "曾受理相关诉讼" in page


def test_convener_schedules_with_override_shown_on_the_page(client, make, login, nancheng):
    _, people = nancheng
    room = make.room(name="致和调解室")
    conference = make.conference()
    login(conference.convener)
    starts = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo("Asia/Shanghai"))
    form = {"schedule-starts_at": starts.strftime("%Y-%m-%dT09:00"),
            "schedule-ends_at": starts.strftime("%Y-%m-%dT11:00"), "schedule-room_id": room.id}
    page = client.post(f"/conferences/{conference.id}/schedule", data=form,
                       follow_redirects=True).get_data(as_text=True)
    assert "三方及必须参会单位未全部确认参会" in page and "书面理由" in page
    form["schedule-override_reason"] = "派出所所长带队出警，由副所长代为参会"
    page = client.post(f"/conferences/{conference.id}/schedule", data=form,
                       follow_redirects=True).get_data(as_text=True)
    assert "派出所所长带队出警" in page and "致和调解室" in page and "09:00" in page
    schedule = page.split('data-testid="schedule">', 1)[1].split("</p>", 1)[0]
    day = f"{starts.year}年{starts.month}月{starts.day}日"
    assert schedule.startswith(day) and schedule.count(day) == 1
    assert "09:00–11:00（北京时间）" in schedule and "中国标准时间" not in schedule


def test_links_written_by_services_match_the_routes(app):
    from portal.conferences.models import Conference, Invitation
    from portal.conferences.services import _answer_link, _room_link

    with app.test_request_context():
        from flask import url_for

        assert _room_link(Conference(id=7)) == url_for("conferences.detail", ident=7)
        assert _answer_link(Invitation(id=9)) == url_for("conferences.answer", ident=9)


def _statements(client, url: str) -> tuple[int, str]:
    seen = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):  # SQLite's, where a transaction starts
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def test_the_room_reads_its_earlier_conferences_in_the_same_statements_however_many(
        client, make, login, nancheng):
    """The parties' earlier conferences are listed with their disputes, each linked for a
    participant invited to it, and more of them cost the page no more statements."""
    _, people = nancheng
    court = people[OrgKind.COURT]
    room = make.conference()
    earlier = [make.conference(title="同一当事人的第一件纠纷")]
    login(court)
    url = f"/conferences/{room.id}"
    client.get(url)
    few, page = _statements(client, url)
    assert page.count(f'href="/conferences/{earlier[0].id}"') == 1
    earlier += [make.conference(title=f"同一当事人的纠纷{n}") for n in range(5)]
    earlier.append(make.conference(title="未发出邀请的纠纷", send=False))
    more, page = _statements(client, url)
    assert more == few
    for conference in earlier[:-1]:
        assert conference.dispute.title in page
        assert f'href="/conferences/{conference.id}"' in page
    # Not sent: named, but no link for a body that was never invited.
    assert earlier[-1].dispute.reference in page
    assert f'href="/conferences/{earlier[-1].id}"' not in page

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notifications.models import Notification, OutboxMessage, OutboxStatus
from portal.notifications.services import notify
from portal.orgs.models import Role

CONTEXT = dict(conference_title="工资拖欠纠纷", reference="南城矛〔2026〕3号")


def _notified(user, kind="quorum_reached", link="/conferences/9", **context):
    notification = notify(user, kind, link, **CONTEXT, **context)
    db.session.commit()
    return notification


def test_the_navbar_counts_unread_notifications(make, login):
    user = make.user()
    _notified(user)
    _notified(user, "conference_cancelled")
    page = login(user).get("/").get_data(as_text=True)
    assert 'data-testid="unread-count">2<' in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(make, login):
    user = make.user()
    notification = _notified(user)
    client = login(user)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "工资拖欠纠纷" in inbox and "fw-bold" in inbox
    response = client.get(f"/inbox/{notification.id}")
    assert response.status_code == 302 and response.location == "/conferences/9"
    assert db.session.get(Notification, notification.id).read_at is not None
    assert 'data-testid="unread-count"' not in client.get("/inbox").get_data(as_text=True)


def test_the_inbox_lists_unread_notifications_first(make, login):
    user = make.user(language="en")
    older_unread = _notified(user, "quorum_reached")
    newer_read = _notified(user, "conference_cancelled")
    newer_read.read_at = newer_read.created_at
    db.session.commit()
    page = login(user).get("/inbox").get_data(as_text=True)
    assert page.index(f"/inbox/{older_unread.id}") < page.index(f"/inbox/{newer_read.id}")


def test_mark_all_read(make, login):
    user, other = make.user(), make.user()
    _notified(user), _notified(user), _notified(other)
    response = login(user).post("/inbox/read-all")
    assert response.status_code == 302
    unread = db.session.scalars(sa.select(Notification.recipient_id).where(
        Notification.read_at.is_(None))).all()
    assert unread == [other.id]


def test_nobody_opens_someone_elses_notification(make, login):
    owner, admin = make.user(), make.user(Role.ADMIN)
    notification = _notified(owner)
    assert login(admin).get(f"/inbox/{notification.id}").status_code == 404
    assert db.session.get(Notification, notification.id).read_at is None


def test_the_inbox_needs_a_signed_in_user(client):
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.location


def test_the_outbox_page_is_for_administrators_only(make, login):
    assert login(make.user(Role.CONVENER)).get("/admin/outbox").status_code == 403


def test_an_administrator_sees_failed_mail_and_retries_it(make, login):
    admin = make.user(Role.ADMIN, language="en")
    _notified(make.user(email="head@court.example.cn"))
    message = db.session.scalars(sa.select(OutboxMessage)).one()
    message.status, message.attempts, message.last_error = OutboxStatus.FAILED, 12, "timed out"
    db.session.commit()
    client = login(admin)
    page = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "head@court.example.cn" in page and "timed out" in page and "Retry now" in page

    response = client.post(f"/admin/outbox/{message.id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.status is OutboxStatus.PENDING and message.attempts == 0
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "outbox.retry")).one()
    assert event.actor_id == admin.id and event.object_id == str(message.id)


def test_sent_mail_is_not_retried(make, login):
    admin = make.user(Role.ADMIN)
    _notified(make.user())
    message = db.session.scalars(sa.select(OutboxMessage)).one()
    message.status = OutboxStatus.SENT
    db.session.commit()
    login(admin).post(f"/admin/outbox/{message.id}/retry")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status is OutboxStatus.SENT
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "outbox.retry")) == 0


def test_an_administrator_opens_a_message_of_the_outbox(make, login):
    admin = make.user(Role.ADMIN, language="en")
    _notified(make.user(email="head@court.example.cn"))
    message = db.session.scalars(sa.select(OutboxMessage)).one()
    client = login(admin)
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert f'href="/admin/outbox/{message.id}"' in listing
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert message.subject in page and "head@court.example.cn" in page
    assert message.text_body.splitlines()[0] in page and message.message_id.strip("<>") in page


def test_a_message_of_the_outbox_is_for_administrators_only(make, login):
    _notified(make.user())
    message = db.session.scalars(sa.select(OutboxMessage)).one()
    assert login(make.user(Role.CONVENER)).get(
        f"/admin/outbox/{message.id}").status_code == 403


def test_the_outbox_says_when_no_sender_is_running(app, make, login):
    from datetime import timedelta

    from portal.jobs import heartbeat
    from portal.notifications.outbox import SENDER, send_due
    from portal.timeutil import utcnow

    client = login(make.user(Role.ADMIN, language="en"))
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert 'data-testid="no-sender"' in page and "No sender has run" in page

    heartbeat.beat(SENDER, utcnow() - timedelta(hours=2))
    db.session.commit()
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert 'data-testid="no-sender"' in page and "last ran at" in page

    send_due()
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert 'data-testid="no-sender"' not in page

import threading

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.audit.services import record, verify_chain
from portal.extensions import db
from portal.orgs.models import Role


def _events(n, make):
    org = make.organisation()
    for i in range(n):
        record("test.event", org, summary=f"event {i}")
    db.session.commit()
    return org


def test_chain_of_recorded_events_verifies(make):
    _events(5, make)
    report = verify_chain()
    assert report.intact and report.checked == 5


def test_tampered_summary_is_found(make):
    _events(5, make)
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 3).values(summary="x"))
    db.session.commit()
    report = verify_chain()
    assert report.broken_seq == 3 and report.reason == "content altered"


def test_deleted_event_in_the_middle_is_found(make):
    _events(5, make)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 2))
    db.session.commit()
    assert verify_chain().broken_seq == 2


def test_deleted_last_event_is_found(make):
    _events(5, make)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 5))
    db.session.commit()
    report = verify_chain()
    assert not report.intact and report.broken_seq == 5


def test_rewritten_hash_breaks_the_next_link(make):
    _events(5, make)
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 2)
                       .values(summary="forged", hash="f" * 64))
    db.session.commit()
    assert verify_chain().broken_seq == 2


def test_cli_verify_reports_the_first_broken_link(app, make):
    _events(3, make)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "3 events verified" in result.output
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 2).values(ip="1.2.3.4"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN at event #2" in result.output


def test_chain_stays_intact_under_concurrent_writers(app, make):
    org_id = make.organisation().id
    db.session.remove()
    errors = []

    def writer(n):
        try:
            with app.app_context():
                for i in range(10):
                    record("test.concurrent", summary=f"writer {n} event {i}",
                           changes={"org": org_id})
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_chain()
    assert report.intact and report.checked == 80


def test_login_and_admin_changes_are_in_the_log_with_ip(client, make, login):
    login(make.user(Role.ADMIN, username="boss"))
    client.post("/admin/rooms/new", data={"name": "致和小法庭", "location": "一楼",
                                          "capacity": 30, "timezone": "Asia/Shanghai",
                                          "active": "y"})
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["auth.login", "room.created"]
    assert all(e.actor_name == "boss" and e.ip == "127.0.0.1" for e in events)
    assert verify_chain().intact


def test_admin_can_filter_the_log(client, make, login):
    login(make.user(Role.ADMIN))
    _events(2, make)
    page = client.get("/admin/audit/?action=test.").get_data(as_text=True)
    assert page.count("test.event") == 2 and "auth.login" not in page
    assert "test.event" not in client.get("/admin/audit/?action=auth.").get_data(as_text=True)


def test_events_written_in_bulk_link_into_the_chain(make):
    from portal.audit.services import Entry, record_many

    org = _events(2, make)
    last = record_many([Entry("test.bulk", "Organisation", str(org.id), summary=f"bulk {i}")
                        for i in range(50)])
    record("test.event", org, summary="after the bulk")
    db.session.commit()
    assert last == 52
    report = verify_chain()
    assert report.intact and report.checked == 53
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 30).values(summary="x"))
    db.session.commit()
    assert verify_chain().broken_seq == 30


def test_the_signed_in_user_is_logged_as_themselves_not_as_a_proxy(make, login, client):
    user = make.user(Role.MEDIATOR)
    login(user)
    client.post("/language", data={"language": "en", "next": "/"})
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "user.preferences_changed"))
    assert (event.object_type, event.object_id) == ("User", str(user.id))
    client.post("/logout")
    login(make.user(Role.ADMIN))
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert f"User {user.id}" in page and "LocalProxy" not in page
